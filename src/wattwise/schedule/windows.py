"""The two time policies of Dodge et al. (2022), exact on the planning grids.

Model (documented in docs/schedule.md): time is cut into cells of the forecast's step, on two
grids (``best_*`` plan on both and keep the cheaper plan): cells of one step from ``now``
(``grid.cells``; Dodge et al.: "all possible start times, in 5 minute increments"), and the
forecast's own intervals (``grid.plan_cells``), whose first cell runs from ``now`` to the first
boundary and is shorter than the others when ``now`` falls inside an interval. When ``now`` is
on a boundary the grids are the same. A job of duration D = m*step + rho runs m whole cells
and, when rho > 0, one piece of length rho at the beginning or the end of a further cell; on
the interval grid it may also run the short first cell whole first (the "head": a partial
first slot starting now) and then D - l0 = m'*step + rho' the same way. A piece costs its
energy (the job's energy over the job time it covers; a flat profile by default) times the
cell's mean intensity. Pausing costs ``idle_w`` times the intensity of the paused time between
the job's first start and its end (Dodge et al. counted pauses as free).

- Flexible Start: start at a cell's start (now + k*step; now or a forecast boundary) no later
  than now + N, run to completion. A sliding window gives every candidate's cost in O(n) per
  grid (flat profile; O(n*m) for a measured profile).
- Pause & Resume: pieces anywhere in [now, now + D + N]. Flat, free pauses, no constraints:
  the m cheapest cells plus the cheapest remaining rho piece (exact, O(n log n)). With a
  minimum run length per chunk, a maximum number of pauses, idle power or a measured profile:
  an exact dynamic programme over (cell, cells done, rho done, chunks left, running/paused).

Each returns a ``Placement`` or None when the known forecast cannot hold the job.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .grid import EPS, Cells, Dense, cells, plan_cells
from .profile import Profile

K = 1 / 3.6e6  # g per (J * g/kWh): 1 kWh = 3.6e6 J
INF = float("inf")


@dataclass(frozen=True)
class Placement:
    """Where the job runs: merged run intervals in time order, and their cost."""

    slots: tuple[tuple[float, float], ...]
    run_g: float
    idle_g: float = 0.0
    anchor: float | None = None  # the planning grid's anchor (``evaluate`` costs the slots on it)

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


def evaluate(dense: Dense, anchor: float, step: float, slots, profile: Profile, idle_w: float = 0.0) -> tuple[float, float]:
    """Cost (run g, idle g) of run intervals under the planning model; the reference for every number shown.

    Each interval is cut at the boundaries of its planning grid (``anchor + k*step``: ``now``, or a
    forecast boundary); a piece's energy is the profile's energy over the job time it covers,
    times the piece's mean intensity.
    """
    run = idle = 0.0
    tau = 0.0
    slots = merge(list(slots))
    for a, b in slots:
        x = a
        while x < b - 1e-9:
            k = math.floor((x - anchor) / step + 1e-9)
            y = min(b, anchor + (k + 1) * step)
            if y <= x + 1e-9:
                y = min(b, anchor + (k + 2) * step)
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
    """Cheapest start, now or at a cell's start, no later than now + window_s; earliest on ties.

    A job that starts now inside a shorter first cell runs it whole first (the head).
    """
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
    last = c.now + window_s + 1e-5
    kmax = n - 1
    while kmax >= 0 and c.starts[kmax] > last:
        kmax -= 1
    need = m + (1 if rho > 0 else 0)
    full = [ln >= r - EPS for ln in c.lengths]
    best_k, best = -1, INF
    if n and not full[0] and duration_s - c.lengths[0] > EPS and c.now + duration_s <= c.starts[-1] + c.lengths[-1] + 1e-6:
        best = sum(evaluate(dense, c.anchor, r, ((c.now, c.now + duration_s),), profile))  # start now, head first
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
    if best == INF:
        return None
    s = c.starts[best_k] if best_k >= 0 else c.now
    return Placement(((s, s + duration_s),), best, 0.0, c.anchor)


# -- Pause & Resume: greedy (flat profile, free pauses, no constraints) --------------------
def pause_resume_greedy(c: Cells, dense: Dense, duration_s: float, profile: Profile, head: bool = False) -> Placement | None:
    """The m cheapest whole cells and the cheapest rho piece; with ``head``, after running the first cell whole."""
    p = profile.flat_w if profile.flat_w is not None else profile.mean_power_w
    head_piece, head_cost = None, 0.0
    if head:
        head_piece = (c.starts[0], c.starts[0] + c.lengths[0])
        head_cost = c.lengths[0] * c.mean[0]
        duration_s -= c.lengths[0]
        c = c.rest()
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
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
            side = "b" if (x - 1) in sel or (x == 0 and head) or (x + 1) not in sel else "e"
        rho_piece = (s, s + rho) if side == "b" else (s + ln - rho, s + ln)
    pieces = [(c.starts[i], c.starts[i] + r) for i in chosen]
    if rho_piece:
        pieces.append(rho_piece)
    if head_piece:
        pieces.append(head_piece)
    return Placement(merge(pieces), K * p * (cost + head_cost), 0.0, c.anchor)


# -- Pause & Resume: exact dynamic programme -----------------------------------------------
def pause_resume_dp(c: Cells, dense: Dense, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                    min_run_s: float | None = None, max_pauses: int | None = None, head: bool = False) -> Placement | None:
    """Exact over the cell model with min run per chunk, max pauses, idle power and any profile.

    States after cell i: j whole cells done, f = rho piece done, cr = chunks still allowed,
    phase before-start / paused / running (a running state's chunk is already >= min run).
    A chunk is opened with its minimum length in one step, so every chunk meets the minimum.
    With ``head`` the job first runs the first cell whole (the rest of the current forecast
    interval); the tables then plan the rest of the job over the remaining cells, and the
    first chunk continues from that head.
    """
    full_profile = profile
    head_s = 0.0
    if head:
        head_s = c.lengths[0]
        head_piece = (c.starts[0], c.starts[0] + head_s)
        duration_s -= head_s
        profile = profile.after(head_s)
        c = c.rest()
    r = c.step
    n = len(c)
    m, rho = split(duration_s, r)
    F = 1 if rho > 0 else 0
    L = min(float(min_run_s or 0.0), duration_s + head_s)

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

    # tables[i][f][cr] -> value lists over j, running (ON) and paused (OFF); before the start: BEF
    ON = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
    OFF = [[[None] * CN for _ in range(2)] for _ in range(n + 1)]
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

    # ties: values within tol (1e-9 of the largest possible plan cost: rounding) keep the earlier
    # option; one absolute tolerance instead of better()'s relative one keeps the hot loop lean
    e_max = flat * duration_s if flat is not None else profile.energy(0.0, duration_s)
    i_max = max((abs(x) for x in mean), default=0.0)
    tol = 1e-9 * max(1.0, K * abs(e_max) * i_max + iw * i_max * sum(c.lengths))
    # limited pauses: rows with every chunk still allowed (cr0) are never entered once running
    cr_rows = range(CN if unlimited else CN - 1)
    for i in range(n - 1, -1, -1):
        # the recurrences of on_code/off_code below, inlined without the choices (the walk
        # recomputes those on its path): this loop is the hot path
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
            run_i = K * flat * r * mean_i
        on_next, off_next = ON[i + 1], OFF[i + 1]
        if flat is not None and F:
            k_rho = K * (flat * rho)
            rs_i = k_rho * gb_i  # the rho piece at the start of cell i
            vb0 = k_rho * ge_i + pze_i + c_b  # the rho piece at its end, then q23 cells
            vc0 = (c_c + k_rho * gb[x]) if ok_c else 0.0  # q23 cells, then the rho piece
            pzb_x = pz_after_b[x] if ok_c else 0.0
        for f in fs:
            ef_f = ef[f]
            for cr in cr_rows:
                on, off = list(inf_row), list(inf_row)
                if f == F:
                    on[m] = off[m] = 0.0
                on1, off1 = on_next[f][cr], off_next[f][cr]
                off1_r = off_next[1][cr] if F else None
                can = unlimited or cr >= 1
                cn = cr if unlimited else cr - 1
                on_a = ON[i + q][f][cn] if can and ok_a else None
                on_b = ON[i + 1 + q23][1][cn] if can and ok_b and f == 0 else None
                off_c = OFF[x + 1][1][cn] if can and ok_c and f == 0 else None
                # reachable (j <= i whole cells done) and finishable (m - j <= n - i) states only
                if flat is not None and f == F:  # rho done (or none): extend or pause; open A or stay paused
                    jq = m - q if on_a is not None else -1
                    for j in range(lo, min(hi, m - 1) + 1):
                        stay = pz_i + off1[j]
                        if full_i:
                            v = run_i + on1[j + 1]
                            on[j] = stay if stay < v - tol else v
                        else:
                            on[j] = stay
                        if j <= jq:
                            v = c_a + on_a[j + q]
                            off[j] = stay if stay < v - tol else v
                        else:
                            off[j] = stay
                elif flat is not None:  # a flat profile with the rho piece still to run
                    for j in range(lo, hi + 1):
                        stay = pz_i + off1[j]
                        best = run_i + on1[j + 1] if full_i and j < m else INF
                        if rok_i:
                            v = rs_i if j == m else rs_i + pzb_i + off1_r[j]
                            if v < best - tol:
                                best = v
                        if stay < best - tol:
                            best = stay
                        v_b = INF
                        if on_b is not None and j + q23 <= m:
                            v_b = vb0 + on_b[j + q23]
                            if v_b < best - tol:
                                best = v_b
                        on[j] = best
                        best = c_a + on_a[j + q] if on_a is not None and j + q <= m else INF
                        if v_b < best - tol:
                            best = v_b
                        if off_c is not None and j + q23 <= m:
                            v = vc0 if j + q23 == m else vc0 + pzb_x + off_c[j + q23]
                            if v < best - tol:
                                best = v
                        if stay < best - tol:
                            best = stay
                        off[j] = best
                else:
                    for j in range(lo, hi + 1):
                        if j == m and f == F:
                            continue
                        # running: extend, finish a chunk with the rho piece, pause, or rho opens a new chunk
                        best = K * ef_f[j] * mean_i + on1[j + 1] if full_i and j < m else INF
                        if F and f == 0 and rok_i:
                            v = K * er[j] * gb_i
                            if j != m:
                                v += pzb_i + off1_r[j]
                            if v < best - tol:
                                best = v
                        stay = pz_i + off1[j]
                        if stay < best - tol:
                            best = stay
                        v_b = INF
                        if on_b is not None and j + q23 <= m:
                            v_b = K * er[j] * ge_i + pze_i + chunk(i + 1, j, 1, q23) + on_b[j + q23]
                            if v_b < best - tol:
                                best = v_b
                        on[j] = best
                        # paused: open a chunk (A: q cells; B: rho at the end of cell i, then q23 cells;
                        # C: q23 cells, then rho at the start of cell x), or stay paused
                        best = chunk(i, j, f, q) + on_a[j + q] if on_a is not None and j + q <= m else INF
                        if v_b < best - tol:
                            best = v_b
                        if off_c is not None and j + q23 <= m:
                            v = chunk(i, j, 0, q23) + K * er[j + q23] * gb[x]
                            if j + q23 != m:
                                v += pz_after_b[x] + off_c[j + q23]
                            if v < best - tol:
                                best = v
                        if stay < best - tol:
                            best = stay
                        off[j] = best
                ON[i][f][cr], OFF[i][f][cr] = on, off
        if head:  # the job is already running: no "before the start" states
            continue
        best, code = INF, 0
        for v, k in start_opts(i, 0, cr0, 0, False):
            if v < best - tol:
                best, code = v, k
        if BEF[i + 1] < best - tol:
            best, code = BEF[i + 1], 4
        BEF[i], CBEF[i] = best, code

    if head:
        # the first chunk is already open with head_s run: continue it to the minimum run
        # (6: it has it, run on; 7: qh whole cells; 8: q23h whole cells, then the rho piece)
        cn0 = cr0 if unlimited else cr0 - 1
        qh = cells_for(L - head_s)
        q23h = cells_for(L - head_s - rho) if F else 0
        opts = []
        if qh == 0:
            opts.append((v_on(0, 0, cn0, 0), 6))
        elif qh <= m and all_full(0, qh):
            opts.append((chunk(0, 0, 0, qh) + v_on(qh, 0, cn0, qh), 7))
        if F and q23h <= m and q23h < n and all_full(0, q23h) and rho_ok[q23h]:
            v = chunk(0, 0, 0, q23h) + K * er[q23h] * gb[q23h]
            if not (q23h == m and F == 1):
                v += pz_after_b[q23h] + v_off(q23h + 1, 1, cn0, q23h)
            opts.append((v, 8))
        top, hcode = INF, 0
        for v, k in opts:
            if v < top - tol:
                top, hcode = v, k
    else:
        top = BEF[0]
    if top == INF:
        return None
    def choose(opts) -> int:
        """The option the tables took: the first one, unless a later one is cheaper by more than tol."""
        best, code = INF, 0
        for v, k in opts:
            if v < best - tol:
                best, code = v, k
        return code

    def on_code(i, f, cr, j):  # running: 1 extend, 2 rho piece ends the chunk, 3 pause, 5 rho opens a new chunk
        opts = []
        if full[i] and j < m:
            opts.append((K * ef[f][j] * mean[i] + v_on(i + 1, f, cr, j + 1), 1))
        if F and f == 0 and rho_ok[i]:
            opts.append((K * er[j] * gb[i] + (pz_after_b[i] + v_off(i + 1, 1, cr, j) if j != m else 0.0), 2))
        opts.append((pz[i] + v_off(i + 1, f, cr, j), 3))
        opts.extend((v, 5) for v, k in start_opts(i, f, cr, j, True) if k == 2)
        return choose(opts)

    def off_code(i, f, cr, j):  # paused: 1, 2, 3 open a chunk (start_opts), 4 stay paused
        return choose(start_opts(i, f, cr, j, True) + [(pz[i] + v_off(i + 1, f, cr, j), 4)])

    # walk forward along the choices
    pieces: list[tuple[float, float]] = []
    st = c.starts

    def whole(i, k):
        for t in range(k):
            pieces.append((st[i + t], st[i + t] + r))

    phase, i, f, cr, j = "bef", 0, 0, cr0, 0
    if head:
        pieces.append(head_piece)
        phase, cr = "on", cn0
        if hcode == 7:
            whole(0, qh)
            i = j = qh
        elif hcode == 8:
            whole(0, q23h)
            pieces.append((st[q23h], st[q23h] + rho))
            phase, i, j, f = "off", q23h + 1, q23h, 1
    guard = 0
    while not (j == m and f == F):
        guard += 1
        if guard > 4 * (n + 2) or i >= n:
            return None
        if phase in ("bef", "off"):
            code = CBEF[i] if phase == "bef" else off_code(i, f, cr, j)
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
            code = on_code(i, f, cr, j)
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
    run, idle = evaluate(dense, c.anchor, r, slots, full_profile, idle_w)
    return Placement(slots, run, idle, c.anchor)


def pause_resume(c: Cells, dense: Dense, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                 min_run_s: float | None = None, max_pauses: int | None = None, head: bool = False) -> Placement | None:
    """Pause & Resume: the greedy where it is exact, the dynamic programme otherwise (``head``: see the DP)."""
    if profile.flat_w is not None and not idle_w and not min_run_s and max_pauses is None:
        return pause_resume_greedy(c, dense, duration_s, profile, head)
    return pause_resume_dp(c, dense, duration_s, profile, idle_w=idle_w, min_run_s=min_run_s, max_pauses=max_pauses,
                           head=head)


# -- the planner's entry points ------------------------------------------------------------
def _pick(plans) -> Placement | None:
    """The cheapest plan; on a tie (within rounding) the one with fewer pauses, then the earliest start."""
    best = None
    for p in plans:
        if p is None:
            continue
        if best is None or better(p.total_g, best.total_g) or (
                not better(best.total_g, p.total_g) and (p.pauses, p.start) < (best.pauses, best.start)):
            best = p
    return best


def _variants(dense: Dense, now: float, end: float, duration_s: float) -> list[tuple[Cells, bool]]:
    """(cells, head) to plan on: cells of one step from now; when now falls inside a forecast
    interval, also the forecast's intervals, with and without running the rest of the current one first."""
    a = cells(dense, now, end)
    b = plan_cells(dense, now, end)
    if b.anchor == now:
        return [(a, False)]
    out = [(a, False), (b, False)]
    if len(b) > 1 and b.lengths[0] < b.step - EPS and duration_s - b.lengths[0] > EPS:
        out.append((b, True))
    return out


def best_flexible_start(dense: Dense, now: float, end: float, duration_s: float, window_s: float,
                        profile: Profile) -> Placement | None:
    """Flexible Start over [now, end): starts at now + k*step, and at every forecast boundary; the cheapest."""
    return _pick(flexible_start(c, dense, duration_s, window_s, profile)
                 for c, head in _variants(dense, now, end, duration_s) if not head)


def best_pause_resume(dense: Dense, now: float, end: float, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
                      min_run_s: float | None = None, max_pauses: int | None = None) -> Placement | None:
    """Pause & Resume over [now, end): on cells of one step from now, and on the forecast's intervals
    (whole intervals and one partial piece, with or without a partial first slot starting now); the cheapest.

    With a pause limit, each variant is first planned without it (a programme max_pauses + 1
    times smaller): a plan that keeps to the limit is that variant's answer; the others' costs
    are lower bounds, and a variant whose bound exceeds the best answer so far cannot win and
    is not planned again (cheapest bound first).
    """
    vs = _variants(dense, now, end, duration_s)
    kw = dict(idle_w=idle_w, min_run_s=min_run_s)
    if not max_pauses:  # None, or 0 (a single block: as small as the unlimited programme)
        return _pick(pause_resume(c, dense, duration_s, profile, max_pauses=max_pauses, head=h, **kw) for c, h in vs)
    free = [pause_resume(c, dense, duration_s, profile, head=h, **kw) for c, h in vs]
    done = [p for p in free if p is not None and p.pauses <= max_pauses]
    ub = min((p.total_g for p in done), default=INF)
    over = sorted((p.total_g, k) for k, p in enumerate(free) if p is not None and p.pauses > max_pauses)
    for lb, k in over:
        if better(ub, lb):  # even without the limit this variant costs more than a plan in hand
            continue
        c, h = vs[k]
        p = pause_resume(c, dense, duration_s, profile, max_pauses=max_pauses, head=h, **kw)
        if p is not None:
            done.append(p)
            ub = min(ub, p.total_g)
    return _pick(done)
