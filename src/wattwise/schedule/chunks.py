"""Pause & Resume with a minimum run, a pause limit, idle power or a measured power profile.

A dynamic programme that is exact in continuous time for flat power, written as named steps:
``refine`` adds the points where a run of minimal length can end or start, ``balances`` lists
the lengths the one free piece of a plan can take, ``moves`` precomputes where each kind of
run goes, ``_walk`` runs the programme over the points in time order, ``_trace`` reads the
plan back.

Why these moves suffice. Cut the window [now, E) at the forecast's boundaries and its ends
(``grid.cut``: the intensity is constant inside each cell). With flat power a plan's cost (run
energy and idle energy x intensity) is linear in its runs' end points while none crosses a
cut, and the constraints (total D, each run >= L, at most P + 1 runs, inside the window) are
linear with coefficients 0 and +-1: some optimal plan is a vertex, where every end point is
held by "t = a cut", "length = L" or "total = D". A run has two ends and the total holds only
one end in the whole plan, so that plan is made of:

- whole runs, from a cut to a cut, at least L long;
- minimal runs, exactly L, from a cut or to a cut;
- at most one balancing run from a cut or to a cut, of whole cells and one piece whose length
  rho makes the total exactly D. The other work is whole steps, the window's short first and
  last cells and multiples of L, so rho = (D - that work) mod step takes a few values.

The programme walks the cuts and the points L after and before each cut; its states carry the
work done (exact), whether the balancing piece is used and the runs used, and a plan is
accepted when its work is D. Steps: ``window`` (cuts, ``refine``, ``balances``, ``moves``),
``_walk`` (``_running`` and ``_paused`` at each point), ``_trace``, ``plan``. With a measured power profile the same walk costs each piece at
the job time it runs (the job's slices run in order, as in Dodge et al.): exact over these
points, which is a restriction of continuous time.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from .grid import Cells, Dense
from .profile import Profile
from .windows import K, Placement, evaluate, merge, run_cost

TOL = 1e-6  # s: points and work this close are the same


@dataclass(frozen=True)
class Points:
    """Refined points in time order (seconds from ``now``), with what each one is."""

    x: tuple[float, ...]
    cut: tuple[int, ...]  # the cut's index (0..cells) where the point is a cut, else -1
    of_cut: tuple[int, ...]  # point index of each cut
    ends_l_before: tuple[int, ...]  # cut index c when the point is cut c - L (a minimal run to c starts here), else -1

    def at_or_after(self, x: float) -> int:
        return bisect.bisect_left(self.x, x - TOL)

    def at_or_before(self, x: float) -> int:
        return bisect.bisect_right(self.x, x + TOL) - 1


def refine(cuts: list[float], L: float) -> Points:
    """The cuts, and the points L after and L before each cut inside the window."""
    W = cuts[-1]
    tagged: list[tuple[float, int, int]] = [(x, i, -1) for i, x in enumerate(cuts)]
    if L > TOL:
        tagged += [(x + L, -1, -1) for x in cuts if x + L < W - TOL]
        tagged += [(x - L, -1, i) for i, x in enumerate(cuts) if x - L > TOL]
    tagged.sort(key=lambda t: t[0])
    xs: list[float] = []
    cut: list[int] = []
    before: list[int] = []
    for x, ci, bi in tagged:
        if xs and x - xs[-1] <= TOL:
            cut[-1] = max(cut[-1], ci)
            before[-1] = max(before[-1], bi)
            continue
        xs.append(x)
        cut.append(ci)
        before.append(bi)
    of_cut = [0] * len(cuts)
    for p, ci in enumerate(cut):
        if ci >= 0:
            of_cut[ci] = p
    before = [b if cut[p] < 0 else -1 for p, b in enumerate(before)]  # a run to a cut from a cut is a whole run
    return Points(tuple(xs), tuple(cut), tuple(of_cut), tuple(before))


def balances(lengths: list[float], step: float, D: float, L: float, max_minimal: int) -> list[float]:
    """The lengths the balancing piece can take: D less the short first/last cells used whole and
    k minimal runs (k <= max_minimal), modulo a step; zero residues need no piece."""
    short = sorted({i for i in (0, len(lengths) - 1) if lengths[i] < step - TOL})
    subsets = [0.0]
    for i in short:
        subsets += [s + lengths[i] for s in subsets]
    out: list[float] = []
    for s in subsets:
        for k in range(max_minimal + 1):
            r = D - s - k * L
            if r < -TOL:
                break
            rho = r - math.floor(r / step + 1e-12) * step
            if TOL < rho < step - TOL and all(abs(rho - x) > TOL for x in out):
                out.append(rho)
    return sorted(out)


@dataclass(frozen=True)
class Moves:
    """Where each kind of run opened at a point goes (indices into Points and cuts)."""

    whole_to: tuple[int, ...]  # per cut i: the first cut j > i at least L after it (a whole run i..j), or -1
    minimal_to: tuple[int, ...]  # per cut i: the point L after it when that is not a cut (a minimal run), or -1
    balance_open: tuple[tuple[tuple[int, ...], ...], ...]  # [rho][cut i]: cells j whose start the piece may follow (whole cells i..j first)
    balance_first: tuple[tuple[tuple[int, float, int, int], ...], ...]  # [point p]: (rho, start, cut after the piece, cut j reached)


def moves(cuts: list[float], lengths: list[float], pts: Points, L: float, rhos: list[float]) -> Moves:
    n = len(lengths)
    whole_to = []
    for i in range(n + 1):
        j = bisect.bisect_left(cuts, cuts[i] + L - TOL, lo=i + 1)
        whole_to.append(j if j <= n else -1)
    minimal_to = []
    for i in range(n + 1):
        p = pts.at_or_after(cuts[i] + L) if L > TOL else len(pts.x)
        minimal_to.append(p if p < len(pts.x) and pts.cut[p] < 0 and abs(pts.x[p] - cuts[i] - L) <= TOL else -1)
    balance_open = []
    first: list[list[tuple[int, float, int, int]]] = [[] for _ in pts.x]
    for r_i, rho in enumerate(rhos):
        row = []
        for i in range(n + 1):  # whole cells to cut j, shorter than L, then the piece (longer: a whole run, then the piece)
            j = bisect.bisect_left(cuts, cuts[i] + L - rho - TOL, lo=i)
            js = []
            while j < n and (j == i or cuts[j] < cuts[i] + L - TOL):
                if lengths[j] >= rho - TOL:
                    js.append(j)
                j += 1
            row.append(tuple(js))
        balance_open.append(tuple(row))
        for i in range(n):  # the piece at the end of cell i, then whole cells on from cut i + 1
            if lengths[i] < rho - TOL:
                continue
            s = cuts[i + 1] - rho
            j = bisect.bisect_left(cuts, s + L - TOL, lo=i + 1)
            if j <= n:
                first[pts.at_or_before(s)].append((r_i, s, i + 1, j))
    return Moves(tuple(whole_to), tuple(minimal_to), tuple(balance_open), tuple(tuple(f) for f in first))


# -- the programme -------------------------------------------------------------------------
BEFORE, PAUSED, RUNNING = 0, 1, 2


class _Walk:
    """States per point: key (phase, work in us, balancing piece used, runs used) ->
    [cost g, runs, first start, work s, previous (point, key), pieces run by the move].

    Two sound cuts keep it small: a state must leave work the remaining kinds of run can still
    add up to (``viable``: its residue modulo a step), and its cost plus the cheapest possible
    rest of the job (``lower``: the cheapest remaining seconds, as if pauses were free) must not
    exceed ``upper``, the cost of a plan in hand (one block: always allowed)."""

    def __init__(self, dense: Dense, c: Cells, cuts: list[float], pts: Points, D: float, profile: Profile,
                 idle_w: float, cap: float, L: float, rhos: list[float], max_minimal: int, upper: float):
        self.dense, self.now, self.D, self.profile = dense, c.now, D, profile
        self.iw = K * idle_w
        self.cap, self.step = cap, c.step
        W = cuts[-1]
        scale = max(1.0, K * profile.energy(0.0, D) * max(c.mean) + K * idle_w * W * max(c.mean))
        self.tol = 1e-9 * scale
        self.upper = upper + self.tol
        self.room = [W - x for x in pts.x]
        self.best = None  # (value, previous state, final pieces)
        short_end = [c.lengths[-1]] if c.lengths[-1] < c.step - TOL else []
        lattice = {0.0}
        for e in short_end:
            lattice |= {x + e for x in lattice}
        lattice = {x + k * L for x in lattice for k in range(max_minimal + 1)} if L > TOL else lattice
        self.res_done = sorted({x % c.step for x in lattice})
        self.res_open = sorted(set(self.res_done) | {(x + r) % c.step for x in lattice for r in rhos})
        self._lower_tables(cuts, c, pts)
        self._integrals(cuts, c)
        self.kp = K * profile.flat_w if profile.flat_w is not None else 0.0

    def _lower_tables(self, cuts, c: Cells, pts: Points) -> None:
        """Per point: the cells after it sorted by intensity, with cumulative seconds and g/kWh*s."""
        self.lo_len, self.lo_val, self.lo_int = [], [], []
        for x in pts.x:
            i = max(0, bisect.bisect_right(cuts, x + TOL) - 1)
            pieces = sorted([(c.mean[i], cuts[i + 1] - x)] if i < len(c) and cuts[i + 1] - x > TOL else [])
            pieces = sorted(pieces + [(c.mean[k], c.lengths[k]) for k in range(i + 1, len(c))])
            acc_l, acc_v, ls, vs = 0.0, 0.0, [0.0], [0.0]
            for v, ln in pieces:
                acc_l += ln
                acc_v += v * ln
                ls.append(acc_l)
                vs.append(acc_v)
            self.lo_len.append(ls)
            self.lo_val.append(vs)
            self.lo_int.append([v for v, _ in pieces])
        p = self.profile
        self.lo_k = K * (p.flat_w if p.flat_w is not None else 0.0)

    def lower(self, q: int, work: float) -> float:
        """A lower bound on the grams still to come for a state at point q with ``work`` done."""
        r = self.D - work
        if r <= TOL:
            return 0.0
        ls, vs = self.lo_len[q], self.lo_val[q]
        j = bisect.bisect_left(ls, r) - 1
        if j + 1 >= len(ls):
            return math.inf
        g_s = vs[j] + (r - ls[j]) * self.lo_int[q][j]
        if self.lo_k:
            return self.lo_k * g_s
        return K * self.profile.energy(work, self.D) * self.lo_int[q][0]  # measured: the rest at the cheapest intensity

    def viable(self, work: float, s: int) -> bool:
        m = (self.D - work) % self.step
        for x in (self.res_done if s >= 0 else self.res_open):
            d = abs(m - x)
            if d <= TOL or self.step - d <= TOL:
                return True
        return False

    def _integrals(self, cuts: list[float], c: Cells) -> None:
        """The intensity's integral from now to each cut (g/kWh * s), for O(log n) integrals anywhere."""
        self.cuts, self.mean = cuts, c.mean
        acc, out = 0.0, [0.0]
        for v, ln in zip(c.mean, c.lengths):
            acc += v * ln
            out.append(acc)
        self.cum = out

    def F(self, x: float) -> float:
        i = min(len(self.mean) - 1, max(0, bisect.bisect_right(self.cuts, x) - 1))
        return self.cum[i] + self.mean[i] * (x - self.cuts[i])

    def run(self, a: float, b: float, tau: float) -> float:
        if self.kp:
            return self.kp * (self.F(b) - self.F(a))
        return run_cost(self.dense, self.now + a, self.now + b, self.profile, tau)

    def idle(self, a: float, b: float) -> float:
        return self.iw * (self.F(b) - self.F(a)) if self.iw and b > a else 0.0

    def _improves(self, new, old) -> bool:
        if new[0] < old[0] - self.tol:
            return True
        if new[0] > old[0] + self.tol:
            return False
        return (new[1], new[2]) < (old[1], old[2])

    def put(self, tables: list, q: int, phase: int, s: int, runs: int, cost: float, first: float, work: float,
            prev, pieces) -> None:
        """Record a state at point q unless it cannot finish, can open no more runs, or cannot beat ``upper``."""
        r = self.D - work
        if r < -TOL or r > self.room[q] + TOL or (phase != RUNNING and runs >= self.cap):
            return
        if not self.viable(work, s) or cost + self.lower(q, work) > self.upper:
            return
        key = (phase, round(work * 1e6), s, runs if self.cap < math.inf else 0)
        table = tables[q]
        old = table.get(key)
        new = [cost, runs, first, work, prev, pieces]
        if old is None or self._improves(new, old):
            table[key] = new

    def end(self, val, cost: float, work: float, prev, pieces) -> bool:
        """A run ends with ``work`` done: a finished plan when it is D."""
        if abs(work - self.D) > TOL:
            return False
        cand = [cost, val[1], val[2]]
        if self.best is None or self._improves(cand, self.best[0]):
            self.best = (cand, prev, pieces)
        return True


@dataclass(frozen=True)
class Window:
    """The window as the programme sees it: cuts and cell lengths (seconds from now), refined
    points, the balancing piece's lengths, and the moves."""

    cuts: list[float]
    lengths: list[float]
    pts: Points
    rhos: list[float]
    mv: Moves
    L: float
    max_minimal: int
    exact_whole: bool  # whole runs alone are the full programme (no off-cut point, no piece)


def window(c: Cells, D: float, L: float, cap: float, whole_only: bool) -> Window:
    cuts = [x - c.now for x in c.cuts]
    lengths = [b - a for a, b in zip(cuts, cuts[1:])]
    full_max = 0 if L <= TOL else int(min(math.floor(D / L + 1e-9), cap))
    full_pts, full_rhos = refine(cuts, L), balances(lengths, c.step, D, L, full_max)
    pts = refine(cuts, 0.0) if whole_only else full_pts
    rhos = [] if whole_only else full_rhos
    exact = len(full_pts.x) == len(cuts) and not full_rhos
    return Window(cuts, lengths, pts, rhos, moves(cuts, lengths, pts, L, rhos), L, 0 if whole_only else full_max, exact)


def _walk(c: Cells, dense: Dense, D: float, profile: Profile, idle_w: float, L: float, cap: float, upper: float,
          whole_only: bool = False):
    """The programme: states at each point in time order; a running state moves on (``_running``),
    a paused one waits or opens a run (``_paused``). Returns (walk, tables) for ``_trace``. With
    ``whole_only`` it plans whole runs only: fewer states, a plan in hand sooner."""
    win = window(c, D, L, cap, whole_only)
    w = _Walk(dense, c, win.cuts, win.pts, D, profile, idle_w, cap, L, win.rhos, win.max_minimal, upper)
    w.exact = whole_only and win.exact_whole
    tables: list[dict] = [dict() for _ in win.pts.x]
    tables[0][(BEFORE, 0, -1, 0)] = [0.0, 0, 0.0, 0.0, None, ()]
    for p in range(len(win.pts.x)):
        for key in [k for k in tables[p] if k[0] == RUNNING]:
            _running(w, win, tables, p, key)
        for key in [k for k in tables[p] if k[0] != RUNNING]:  # including runs that just stopped here
            _paused(w, win, tables, p, key)
    return w, tables


def _running(w: _Walk, win: Window, tables, p: int, key) -> None:
    """A run in progress at a cut: it stops here, runs on through the next cell, or ends with the
    balancing piece at that cell's start."""
    cuts, lengths, pts = win.cuts, win.lengths, win.pts
    x, ci, n = pts.x[p], pts.cut[p], len(lengths)
    val = tables[p][key]
    cost, runs, first, work = val[0], val[1], val[2], val[3]
    s = key[2]
    here = (p, key)
    if not w.end(val, cost, work, here, ()):
        w.put(tables, p, PAUSED, s, runs, cost, first, work, here, ())
    if ci < n:
        y = cuts[ci + 1]
        w.put(tables, pts.of_cut[ci + 1], RUNNING, s, runs, cost + w.run(x, y, work), first, work + lengths[ci],
              here, ((x, y),))
    if s < 0 and ci < n:
        for r_i, rho in enumerate(win.rhos):
            if lengths[ci] >= rho - TOL:
                _piece_ends(w, tables, pts, val, here, r_i, x, x + rho, cost + w.run(x, x + rho, work), work + rho)


def _paused(w: _Walk, win: Window, tables, p: int, key) -> None:
    """Before the first run or paused: wait to the next point, or open a run of one of the kinds
    (whole, minimal from or to a cut, balancing from a cut or with its piece first)."""
    cuts, pts, mv, L = win.cuts, win.pts, win.mv, win.L
    x, ci = pts.x[p], pts.cut[p]
    val = tables[p][key]
    cost, runs, first, work = val[0], val[1], val[2], val[3]
    phase, s = key[0], key[2]
    here = (p, key)
    put = w.put
    if p + 1 < len(pts.x):  # wait
        put(tables, p + 1, phase, s, runs, cost + (w.idle(x, pts.x[p + 1]) if phase == PAUSED else 0.0), first, work,
            here, ())
    if runs + 1 > w.cap:
        return
    start = first if phase == PAUSED else x
    if ci >= 0:
        j = mv.whole_to[ci]
        if j >= 0:  # a whole run to cut j (and on from there)
            put(tables, pts.of_cut[j], RUNNING, s, runs + 1, cost + w.run(x, cuts[j], work), start, work + cuts[j] - x,
                here, ((x, cuts[j]),))
        q = mv.minimal_to[ci]
        if q >= 0:  # a minimal run, ending off the cuts
            y = pts.x[q]
            c2 = cost + w.run(x, y, work)
            if not w.end((c2, runs + 1, start), c2, work + L, here, ((x, y),)):
                put(tables, q, PAUSED, s, runs + 1, c2, start, work + L, here, ((x, y),))
        if s < 0:  # the balancing run from this cut: whole cells to cell j, then the piece
            for r_i, rho in enumerate(win.rhos):
                for j in mv.balance_open[r_i][ci]:
                    e = cuts[j] + rho
                    _piece_ends(w, tables, pts, (cost, runs + 1, start), here, r_i, x, e, cost + w.run(x, e, work),
                                work + e - x)
    k = pts.ends_l_before[p]
    if k >= 0:  # a minimal run to cut k
        put(tables, pts.of_cut[k], RUNNING, s, runs + 1, cost + w.run(x, cuts[k], work), start, work + L, here,
            ((x, cuts[k]),))
    if s < 0:  # the balancing piece at the end of a cell, then whole cells
        for r_i, a, _, j in mv.balance_first[p]:
            pause = w.idle(x, a) if phase == PAUSED else 0.0
            y = cuts[j]
            put(tables, pts.of_cut[j], RUNNING, r_i, runs + 1, cost + pause + w.run(a, y, work),
                first if phase == PAUSED else a, work + y - a, here, ((a, y),))


def _piece_ends(w: _Walk, tables, pts: Points, val, here, r_i: int, a: float, e: float, cost: float, work: float) -> None:
    """A run that ends with the balancing piece at e (off the cuts): finished, or paused up to the next point."""
    if w.end(val, cost, work, here, ((a, e),)):
        return
    q = pts.at_or_after(e)
    if q < len(pts.x):
        w.put(tables, q, PAUSED, r_i, val[1], cost + w.idle(e, pts.x[q]), val[2], work, here, ((a, e),))


def _trace(w: _Walk, tables) -> list[tuple[float, float]]:
    """The run pieces of the best plan, read back along the states' predecessors."""
    _, prev, pieces = w.best
    out = list(pieces)
    while prev is not None:
        p, key = prev
        val = tables[p][key]
        out.extend(val[5])
        prev = val[4]
    return out


def plan(c: Cells, dense: Dense, duration_s: float, profile: Profile, *, idle_w: float = 0.0,
         min_run_s: float = 0.0, max_pauses: int | None = None) -> Placement | None:
    """The cheapest Pause & Resume plan over the cells ``c``; None when the window cannot hold the job.

    The best single block (Flexible Start, exact for any profile) bounds the search, and is the
    answer when nothing cheaper exists (with a measured profile it may lie off the points).
    """
    from .windows import better, flexible_start

    L = min(float(min_run_s or 0.0), duration_s)
    cap = math.inf if max_pauses is None else max_pauses + 1
    block = flexible_start(dense, c.now, c.end - c.now - duration_s, duration_s, profile)  # one block: always allowed
    upper = block.total_g if block is not None else math.inf
    w, tables = _walk(c, dense, duration_s, profile, idle_w, L, cap, upper, whole_only=True)  # a closer bound, cheaply
    if not w.exact:
        if w.best is not None:
            upper = min(upper, w.best[0][0])
        w, tables = _walk(c, dense, duration_s, profile, idle_w, L, cap, upper)
    if w.best is None:
        return block
    slots = merge((c.now + a, c.now + b) for a, b in _trace(w, tables))
    found = Placement(slots, *evaluate(dense, slots, profile, idle_w))
    return block if block is not None and not better(found.total_g, block.total_g) else found
