"""The two time policies of Dodge et al. (2022), exact on the planning grid.

Model (documented in docs/schedule.md): time is cut into cells of the forecast's step anchored
at ``now`` (Dodge et al.: "all possible start times, in 5 minute increments"). A job of
duration D = m*step + rho runs m whole cells and, when rho > 0, one piece of length rho at
the beginning or the end of a further cell. A piece costs its energy (the job's energy over
the job time it covers; a flat profile by default) times the cell's mean intensity. Pausing
costs ``idle_w`` times the intensity of the paused time between the job's first start and its
end (Dodge et al. counted pauses as free).

- Flexible Start: start at now + k*step, k*step <= N, run to completion. A sliding window
  gives every candidate's cost in O(n) (flat profile; O(n*m) for a measured profile).
- Pause & Resume: pieces anywhere in [now, now + D + N]. Flat, free pauses, no constraints:
  the m cheapest cells plus the cheapest remaining rho piece (exact, O(n log n)). With a
  minimum run length per chunk, a maximum number of pauses, idle power or a measured profile:
  an exact dynamic programme over (cell, cells done, rho done, chunks left, running/paused).

Both return a ``Placement`` or None when the known forecast cannot hold the job.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .grid import EPS, Cells, Dense
from .profile import Profile

K = 1 / 3.6e6  # g per (J * g/kWh): 1 kWh = 3.6e6 J
INF = float("inf")


@dataclass(frozen=True)
class Placement:
    """Where the job runs: merged run intervals in time order, and their cost."""

    slots: tuple[tuple[float, float], ...]
    run_g: float
    idle_g: float = 0.0

    @property
    def total_g(self) -> float:
        return self.run_g + self.idle_g

    @property
    def pauses(self) -> int:
        return max(0, len(self.slots) - 1)

    @property
    def start(self) -> float:
        return self.slots[0][0]

    @property
    def end(self) -> float:
        return self.slots[-1][1]


def better(v: float, best: float) -> bool:
    """v beats best by more than rounding (earlier options win ties)."""
    if best == INF:
        return v < INF
    return v < best - 1e-9 * max(1.0, abs(best))


def split(duration_s: float, step: float) -> tuple[int, float]:
    """D = m*step + rho with 0 <= rho < step (rho snapped to 0 within 1 ms)."""
    m = int(math.floor(duration_s / step + 1e-9))
    rho = duration_s - m * step
    if rho < 1e-3:
        rho = 0.0
    return m, rho


def merge(pieces: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    out: list[list[float]] = []
    for a, b in sorted(pieces):
        if b - a <= 0:
            continue
        if out and a <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def evaluate(dense: Dense, now: float, step: float, slots, profile: Profile, idle_w: float = 0.0) -> tuple[float, float]:
    """Cost (run g, idle g) of run intervals under the planning model; the reference for every number shown.

    Each interval is cut at cell boundaries (cells anchored at ``now``); a piece's energy is
    the profile's energy over the job time it covers, times the piece's mean intensity.
    """
    run = idle = 0.0
    tau = 0.0
    slots = merge(list(slots))
    for a, b in slots:
        x = a
        while x < b - 1e-9:
            k = math.floor((x - now) / step + 1e-9)
            y = min(b, now + (k + 1) * step)
            if y <= x + 1e-9:
                y = min(b, now + (k + 2) * step)
            ln = y - x
            run += K * profile.energy(tau, tau + ln) * dense.mean(x, y)
            tau += ln
            x = y
    if idle_w and len(slots) > 1:
        for (a0, b0), (a1, _) in zip(slots, slots[1:]):
            idle += K * idle_w * dense.integral(b0, a1)
    return run, idle


# -- Flexible Start ------------------------------------------------------------------------
def flexible_start(c: Cells, dense: Dense, duration_s: float, window_s: float, profile: Profile) -> Placement | None:
    """Cheapest start now + k*step with k*step <= window_s; earliest on ties."""
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
    kmax = int(math.floor(window_s / r + 1e-9))
    need = m + (1 if rho > 0 else 0)
    full = [ln >= r - EPS for ln in c.lengths]
    best_k, best = -1, INF
    if profile.flat_w is not None:
        p = profile.flat_w
        run = 0.0
        bad = 0  # non-full cells inside the sliding window
        for i in range(min(m, n)):
            run += c.mean[i]
            bad += not full[i]
        for k in range(0, kmax + 1):
            if k + need > n:
                break
            if k > 0 and m > 0:
                run += c.mean[k + m - 1] - c.mean[k - 1]
                bad += (not full[k + m - 1]) - (not full[k - 1])
            if bad:
                continue
            cost = r * run
            if rho > 0:
                j = k + m
                if c.lengths[j] < rho - EPS:
                    continue
                cost += rho * dense.mean(c.starts[j], c.starts[j] + rho)
            cost *= K * p
            if better(cost, best):
                best, best_k = cost, k
    else:
        e_full = [profile.energy(j * r, (j + 1) * r) for j in range(m)]
        e_rho = profile.energy(m * r, duration_s) if rho > 0 else 0.0
        for k in range(0, kmax + 1):
            if k + need > n:
                break
            if not all(full[k:k + m]):
                continue
            cost = sum(e * c.mean[k + j] for j, e in enumerate(e_full))
            if rho > 0:
                j = k + m
                if c.lengths[j] < rho - EPS:
                    continue
                cost += e_rho * dense.mean(c.starts[j], c.starts[j] + rho)
            cost *= K
            if better(cost, best):
                best, best_k = cost, k
    if best_k < 0:
        return None
    s = c.starts[best_k]
    return Placement(((s, s + duration_s),), best, 0.0)


# -- Pause & Resume: greedy (flat profile, free pauses, no constraints) --------------------
def pause_resume_greedy(c: Cells, dense: Dense, duration_s: float, profile: Profile) -> Placement | None:
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
    p = profile.flat_w if profile.flat_w is not None else profile.mean_power_w
    fulls = sorted((c.mean[i], i) for i in range(n) if c.lengths[i] >= r - EPS)
    if len(fulls) < m:
        return None
    chosen = [i for _, i in fulls[:m]]
    cost = r * sum(v for v, _ in fulls[:m])
    rho_piece = None
    if rho > 0:
        def rho_cost(i):
            s, ln = c.starts[i], c.lengths[i]
            if ln < rho - EPS:
                return INF, None
            b = dense.mean(s, s + rho)
            e = dense.mean(s + ln - rho, s + ln)
            return (b, "b") if b <= e + 1e-12 else (e, "e")
        in_top = set(chosen)
        best = INF
        pick = None
        for i in range(n):  # rho in a cell outside the m cheapest
            if i in in_top:
                continue
            v, side = rho_cost(i)
            val = cost + rho * v
            if v < INF and better(val, best):
                best, pick = val, (chosen, i, side)
        if len(fulls) > m:  # rho in one of the m cheapest, the (m+1)-th cheapest runs whole
            s_next = cost + r * fulls[m][0]
            top1 = [i for _, i in fulls[:m + 1]]
            for i in chosen:
                v, side = rho_cost(i)
                val = s_next - r * c.mean[i] + rho * v
                if v < INF and better(val, best):
                    best, pick = val, ([x for x in top1 if x != i], i, side)
        if pick is None:
            return None
        chosen, x, side = pick
        cost = best
        sel = set(chosen)
        s, ln = c.starts[x], c.lengths[x]
        # same cost either side when the cell lies in one forecast interval: stay next to a running cell
        b = dense.mean(s, s + rho)
        e = dense.mean(s + ln - rho, s + ln)
        if abs(b - e) <= 1e-12 * max(1.0, abs(b)):
            side = "b" if (x - 1) in sel or (x + 1) not in sel else "e"
        rho_piece = (s, s + rho) if side == "b" else (s + ln - rho, s + ln)
    pieces = [(c.starts[i], c.starts[i] + r) for i in chosen]
    if rho_piece:
        pieces.append(rho_piece)
    return Placement(merge(pieces), K * p * cost, 0.0)


# -- Pause & Resume: exact dynamic programme -----------------------------------------------
def pause_resume_dp(c: Cells, dense: Dense, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                    min_run_s: float | None = None, max_pauses: int | None = None) -> Placement | None:
    """Exact over the cell model with min run per chunk, max pauses, idle power and any profile.

    States after cell i: j whole cells done, f = rho piece done, cr = chunks still allowed,
    phase before-start / paused / running (a running state's chunk is already >= min run).
    A chunk is opened with its minimum length in one step, so every chunk meets the minimum.
    """
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
    F = 1 if rho > 0 else 0
    L = min(float(min_run_s or 0.0), duration_s)

    def cells_for(x: float) -> int:
        return max(0, math.ceil(x / r - 1e-9))

    q = max(1, cells_for(L))
    q23 = cells_for(L - rho) if F else 0
    unlimited = max_pauses is None
    CN = 1 if unlimited else max_pauses + 2  # cr index: chunks still allowed (0..max_pauses+1)
    cr0 = 0 if unlimited else max_pauses + 1

    full = [ln >= r - EPS for ln in c.lengths]
    rho_ok = [ln >= rho - EPS for ln in c.lengths] if F else [False] * n
    mean = c.mean
    flat = profile.flat_w
    if flat is not None:
        ef = [[flat * r] * m, [flat * r] * m]
        er = [flat * rho] * (m + 1)
    else:
        ef = [[profile.energy(j * r, (j + 1) * r) for j in range(m)],
              [profile.energy(j * r + rho, (j + 1) * r + rho) for j in range(m)]]
        er = [profile.energy(j * r, j * r + rho) for j in range(m + 1)]
    gb = [dense.mean(c.starts[i], c.starts[i] + rho) if rho_ok[i] else 0.0 for i in range(n)]
    ge = [dense.mean(c.starts[i] + c.lengths[i] - rho, c.starts[i] + c.lengths[i]) if rho_ok[i] else 0.0 for i in range(n)]
    iw = K * idle_w
    pz = [iw * mean[i] * c.lengths[i] for i in range(n)]
    pz_after_b = [iw * dense.integral(c.starts[i] + rho, c.starts[i] + c.lengths[i]) if rho_ok[i] else 0.0 for i in range(n)]
    pz_before_e = [iw * dense.integral(c.starts[i], c.starts[i] + c.lengths[i] - rho) if rho_ok[i] else 0.0 for i in range(n)]
    # prefix of full-ness, for "cells i..i+k-1 all full"
    nfull = [0]
    for x in full:
        nfull.append(nfull[-1] + (1 if x else 0))

    def all_full(i: int, k: int) -> bool:
        return i + k <= n and nfull[i + k] - nfull[i] == k

    if flat is not None:
        pm = [0.0]
        for x in mean:
            pm.append(pm[-1] + x)

        def chunk(i: int, j: int, f: int, k: int) -> float:  # k whole cells from cell i as slices j..
            return K * flat * r * (pm[i + k] - pm[i])
    else:
        def chunk(i: int, j: int, f: int, k: int) -> float:
            e = ef[f]
            return K * sum(e[j + t] * mean[i + t] for t in range(k))

    # tables[i][f][cr] -> (on list, off list); choice codes alongside
    ON = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
    OFF = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
    CON = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
    COFF = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
    BEF = [INF] * (n + 1)
    CBEF = [0] * (n + 1)
    fs = (0, 1) if F else (0,)
    inf_row = [INF] * (m + 1)
    for f in fs:
        for cr in range(CN):
            row_on, row_off = list(inf_row), list(inf_row)
            if f == F:
                row_on[m] = row_off[m] = 0.0
            ON[n][f][cr], OFF[n][f][cr] = row_on, row_off

    def v_on(i, f, cr, j):
        if j == m and f == F:
            return 0.0
        return ON[i][f][cr][j] if i <= n else INF

    def v_off(i, f, cr, j):
        if j == m and f == F:
            return 0.0
        return OFF[i][f][cr][j] if i <= n else INF

    def start_opts(i, f, cr, j, paused):
        """Open a chunk at cell i: (cost, code) options in preference order."""
        if not unlimited and cr < 1:
            return []
        cn = cr if unlimited else cr - 1
        out = []
        if j + q <= m and all_full(i, q):  # A: q whole cells
            out.append((chunk(i, j, f, q) + v_on(i + q, f, cn, j + q), 1))
        if F and f == 0:
            if j + q23 <= m and rho_ok[i] and all_full(i + 1, q23):  # B: rho at the end of cell i, then q23 cells
                v = K * er[j] * ge[i] + (pz_before_e[i] if paused else 0.0)
                out.append((v + chunk(i + 1, j, 1, q23) + v_on(i + 1 + q23, 1, cn, j + q23), 2))
            x = i + q23
            if j + q23 <= m and x < n and all_full(i, q23) and rho_ok[x]:  # C: q23 cells, then rho at the start of cell x
                v = chunk(i, j, 0, q23) + K * er[j + q23] * gb[x]
                if not (j + q23 == m and F == 1):
                    v += pz_after_b[x] + v_off(x + 1, 1, cn, j + q23)
                out.append((v, 3))
        return out

    for i in range(n - 1, -1, -1):
        # the same recurrences as start_opts/v_on/v_off, inlined: this loop is the hot path
        full_i, rok_i, pz_i, mean_i = full[i], rho_ok[i], pz[i], mean[i]
        gb_i, ge_i, pzb_i, pze_i = gb[i], ge[i], pz_after_b[i], pz_before_e[i]
        lo, hi = max(0, m - (n - i)), min(m, i)
        ok_a = all_full(i, q)
        ok_b = bool(F) and rok_i and all_full(i + 1, q23)
        x = i + q23
        ok_c = bool(F) and x < n and all_full(i, q23) and rho_ok[x]
        if flat is not None:
            c_a = chunk(i, 0, 0, q) if ok_a else 0.0
            c_b = chunk(i + 1, 0, 1, q23) if ok_b else 0.0
            c_c = chunk(i, 0, 0, q23) if ok_c else 0.0
        on_next, off_next = ON[i + 1], OFF[i + 1]
        for f in fs:
            ef_f = ef[f]
            for cr in range(CN):
                on, off = list(inf_row), list(inf_row)
                if f == F:
                    on[m] = off[m] = 0.0
                con, coff = [0] * (m + 1), [0] * (m + 1)
                on1, off1 = on_next[f][cr], off_next[f][cr]
                off1_r = off_next[1][cr] if F else None
                can = unlimited or cr >= 1
                cn = cr if unlimited else cr - 1
                on_a = ON[i + q][f][cn] if can and ok_a else None
                on_b = ON[i + 1 + q23][1][cn] if can and ok_b and f == 0 else None
                off_c = OFF[x + 1][1][cn] if can and ok_c and f == 0 else None
                # reachable (j <= i whole cells done) and finishable (m - j <= n - i) states only
                for j in range(lo, hi + 1):
                    if j == m and f == F:
                        continue
                    # running: extend, finish a chunk with the rho piece, pause, or rho opens a new chunk
                    best, code = INF, 0
                    if full_i and j < m:
                        v = K * ef_f[j] * mean_i + on1[j + 1]
                        if v < INF:
                            best, code = v, 1
                    if F and f == 0 and rok_i:
                        v = K * er[j] * gb_i
                        if j != m:
                            v += pzb_i + off1_r[j]
                        if better(v, best):
                            best, code = v, 2
                    v = pz_i + off1[j]
                    if better(v, best):
                        best, code = v, 3
                    v_b = INF
                    if on_b is not None and j + q23 <= m:
                        v_b = K * er[j] * ge_i + pze_i + (c_b if flat is not None else chunk(i + 1, j, 1, q23)) + on_b[j + q23]
                        if better(v_b, best):
                            best, code = v_b, 5
                    on[j], con[j] = best, code
                    # paused: open a chunk (A: q cells; B: rho at the end of cell i, then q23 cells;
                    # C: q23 cells, then rho at the start of cell x), or stay paused
                    best, code = INF, 0
                    if on_a is not None and j + q <= m:
                        v = (c_a if flat is not None else chunk(i, j, f, q)) + on_a[j + q]
                        if v < INF:
                            best, code = v, 1
                    if better(v_b, best):
                        best, code = v_b, 2
                    if off_c is not None and j + q23 <= m:
                        v = (c_c if flat is not None else chunk(i, j, 0, q23)) + K * er[j + q23] * gb[x]
                        if j + q23 != m:
                            v += pz_after_b[x] + off_c[j + q23]
                        if better(v, best):
                            best, code = v, 3
                    v = pz_i + off1[j]
                    if better(v, best):
                        best, code = v, 4
                    off[j], coff[j] = best, code
                ON[i][f][cr], OFF[i][f][cr], CON[i][f][cr], COFF[i][f][cr] = on, off, con, coff
        best, code = INF, 0
        for v, k in start_opts(i, 0, cr0, 0, False):
            if better(v, best):
                best, code = v, k
        if better(BEF[i + 1], best):
            best, code = BEF[i + 1], 4
        BEF[i], CBEF[i] = best, code

    if BEF[0] == INF:
        return None
    # walk forward along the recorded choices
    pieces: list[tuple[float, float]] = []
    st = c.starts

    def whole(i, k):
        for t in range(k):
            pieces.append((st[i + t], st[i + t] + r))

    phase, i, f, cr, j = "bef", 0, 0, cr0, 0
    guard = 0
    while not (j == m and f == F):
        guard += 1
        if guard > 4 * (n + 2) or i >= n:
            return None
        if phase in ("bef", "off"):
            code = CBEF[i] if phase == "bef" else COFF[i][f][cr][j]
            if code == 4:
                i += 1
                continue
            cn = cr if unlimited else cr - 1
            if code == 1:
                whole(i, q)
                i, j, cr, phase = i + q, j + q, cn, "on"
            elif code == 2:
                pieces.append((st[i] + c.lengths[i] - rho, st[i] + c.lengths[i]))
                whole(i + 1, q23)
                i, j, f, cr, phase = i + 1 + q23, j + q23, 1, cn, "on"
            elif code == 3:
                whole(i, q23)
                x = i + q23
                pieces.append((st[x], st[x] + rho))
                i, j, f, cr, phase = x + 1, j + q23, 1, cn, "off"
            else:
                return None
        else:
            code = CON[i][f][cr][j]
            if code == 1:
                whole(i, 1)
                i, j = i + 1, j + 1
            elif code == 2:
                pieces.append((st[i], st[i] + rho))
                i, f, phase = i + 1, 1, "off"
            elif code == 3:
                i, phase = i + 1, "off"
            elif code == 5:
                cn = cr if unlimited else cr - 1
                pieces.append((st[i] + c.lengths[i] - rho, st[i] + c.lengths[i]))
                whole(i + 1, q23)
                i, j, f, cr, phase = i + 1 + q23, j + q23, 1, cn, "on"
            else:
                return None
    slots = merge(pieces)
    run, idle = evaluate(dense, c.now, r, slots, profile, idle_w)
    return Placement(slots, run, idle)


def pause_resume(c: Cells, dense: Dense, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                 min_run_s: float | None = None, max_pauses: int | None = None) -> Placement | None:
    """Pause & Resume: the greedy where it is exact, the dynamic programme otherwise."""
    if profile.flat_w is not None and not idle_w and not min_run_s and max_pauses is None:
        return pause_resume_greedy(c, dense, duration_s, profile)
    return pause_resume_dp(c, dense, duration_s, profile, idle_w=idle_w, min_run_s=min_run_s, max_pauses=max_pauses)
