"""The simulator's kernel on a network: group-indexed parameters, loops over flow columns and reservoirs.

The network (:class:`hydro_sim.network.Network`) is turned once, by :func:`build_model`, into a
:class:`Model`: one row of parameters per flow column (``ci`` integers and ``cf`` floats, fields ``I_*`` and
``F_*``), packed efficiency charts, level–volume tables per reservoir, tailwater tables per river sink, and
the reservoirs' order upstream first (``Network.upstream_order()``). The kernel :func:`run` takes four
structured arguments (numba compiles named tuples of arrays): the :class:`Model`, the :class:`Inputs` of the
scenarios (inflows from ``Network.inflows_m3s``, requests per column, price, line), the :class:`State`
carried from step to step, and the :class:`Outputs` (totals, cut-back tallies, optional series and events).

Each scenario runs on its own, step after step (so a block of scenarios equals single runs, bit for bit):
:func:`run` one scenario at a time, or, for a model with constant efficiencies and sinks at constant levels
(``Model.lanes``), :func:`hydro_sim.simulation._lanes.run` in blocks of LANES scenarios side by side (SIMD
across scenarios, the same arithmetic; a step where a limit it does not take binds is done by
:func:`step_one`). Each step:

1. levels from the volumes (level–volume tables), river-sink levels from their tailwater tables at the
   discharge into them, the gross head of every unit column from both ends of its link;
2. :func:`_settle` at a head: requests become flows (:func:`_units`: ratings [UNIT], the minimum stable
   output [MIN_OUTPUT], the fixed-speed pump band [PUMP_BAND], the head range [HEAD_RANGE], one mode per
   pump-turbine group [MODE]), spill requests within the spillway's capacity [UNIT]; then the reservoirs
   upstream first (:func:`_water`): each reservoir's releases (requested, or automatic: the reservoir held at
   its target) within their minimum [RELEASE_MIN_RAISED], maximum [RELEASE_MAX] and ramp [RAMP], outflows cut
   where the reservoir would fall below its minimum [MIN_LEVEL]: spill, releases above their minimum, the
   units (a pump not below the water its reservoir, itself at its minimum, sends back: cutting that would
   only cut the flow back, :func:`_returned`), then water from the reservoirs above for what the releases'
   minimum still lacks (:func:`_feed`: releases, units, spillways into it, as for a river's minimum
   [RELEASE_MIN_RAISED]), then the releases [RELEASE_MIN] and last any pumping left; a reservoir that
   would rise above its maximum gets less pumped water, more release and spill [MAX_LEVEL]; the line
   (:func:`_line`: export cut on pump-turbine generation first, then turbines [LINE_EXPORT]; import cut on
   pumping [LINE_IMPORT]) and the water limits again until nothing changes;
3. the flows are settled first at the start head (one pass of the water limits and the line), then again at
   the head estimate (start and end volumes of that first pass averaged), and once more at the mid-step
   head if the line is still exceeded there (at most MAX_LINE_PASSES times);
4. volumes: V ← V + c(I + A q) with A the incidence of ``Network.incidence()`` (loops over each column's two
   ends), exactly;
5. power of each unit column at the mid-step head; totals, tallies, series.

River sinks' own limits (:func:`_sinks`, after every pass of the water limits). A sink's total discharge Q
(the sum of its links' flows) must lie in the band [lo, hi]: its ramp from the last step's discharge
(none at a run's first step), within its environmental minimum and maximum (these come first: a ramp that
cannot reach the minimum from below, or the maximum from above, gives way and is recorded). The rule:

* Q below lo: the releases into the sink are raised first (within their maximum and their own ramp), then
  the unit columns into it (within their ratings, the line's headroom, the head range, one mode per group
  and a power their units can run at: an operator meets a river's minimum through the turbines before the
  spillway), then the spillways (within their capacity), each by at most the water its reservoir has above
  its minimum over the step. Each raise is recorded on the link (water only: a raise delivers energy, it
  withholds none) as the sink's environmental minimum (raised) or its ramp.
* Q above hi: the spillways into the sink are lowered first, then the releases (to their own minimum and
  ramp), then the unit columns (to a power their units can run at), each by at most the room its reservoir
  has below its maximum (a full reservoir spills: its maximum level comes first). Each cut is recorded on
  the link as the sink's maximum flow or its ramp.
* what is still outside the limits after the step's last settle (the water is not there, or the reservoir
  above is full) is recorded on the sink: environmental minimum (shortfall), maximum flow, ramp.

The minimum stable output
and the pump band (the LP's unit-commitment limits) apply when ``Model.unit_limits`` is set.

Every helper is inlined into :func:`run` (``forceinline``): numba passes a named tuple of arrays to a compiled
call as its flattened fields, which cost three times the run time of the inlined kernel (measured); the price
is one long compilation (about a minute, once: numba caches it on disk). Numba's cache is keyed on the
content of the compiled function's own file only (numba 0.68 hashes it; touching a file changes nothing): a
change in :mod:`hydro_sim._physics` or :mod:`hydro_sim.constants` alone would leave this kernel's cached
code stale, and a change here ``_lanes.py``'s. So each kernel file carries ``DEPENDS_ON``, a hash of the
files it inlines, and a test fails (naming the new value) until it is brought up to date: the file's content
then changes and numba compiles it again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hydro_sim._physics import (
    interp_from,
    jit,
    jit_inline,
    top_flow,
    unit_flow,
    unit_power,
)
from hydro_sim.constants import HEAD_TOLERANCE_M, HM3_PER_M3S_HOUR, MW_PER_M3S_M

if TYPE_CHECKING:
    import pandas as pd

    from hydro_sim.network import Network
    from hydro_sim.plant import Efficiency

#: A hash of the files this kernel inlines (see the module's docstring); ``tests/test_simulation_lanes.py``
#: checks it.
DEPENDS_ON = "e662b6aca25173e8"

# -- limit codes (cut-backs) ---------------------------------------------------------------------------------
(
    NONE,
    UNIT,
    MIN_LEVEL,
    MAX_LEVEL,
    MODE,
    RELEASE_MIN,
    RELEASE_MIN_RAISED,
    RELEASE_MAX,
    RAMP,
    LINE_EXPORT,
    LINE_IMPORT,
    MIN_OUTPUT,
    PUMP_BAND,
    HEAD_RANGE,
) = range(14)
N_LIMITS = 14
LIMIT_NAMES = {
    UNIT: "rating",
    MIN_LEVEL: "minimum level",
    MAX_LEVEL: "maximum level",
    MODE: "pump and generate at once",
    RELEASE_MIN: "environmental minimum (shortfall)",
    RELEASE_MIN_RAISED: "environmental minimum (raised)",
    RELEASE_MAX: "maximum flow",
    RAMP: "ramp",
    LINE_EXPORT: "line capacity (export)",
    LINE_IMPORT: "line capacity (import)",
    MIN_OUTPUT: "minimum stable output",
    PUMP_BAND: "pump band",
    HEAD_RANGE: "head range",
}

# -- column kinds and the fields of the column tables (one declaration; offsets derived) ----------------------
K_TURBINE, K_PT_GEN, K_PUMP, K_SPILL, K_RELEASE = range(5)
_INT_FIELDS = ("KIND", "FROM", "TO", "UP", "DN", "PARTNER", "CHART", "N", "POWER_REQ")
_FLOAT_FIELDS = ("QU", "PU", "K", "S", "PMIN_U", "BAND", "HLO", "HHI", "QMAX", "EMIN", "RAMP", "PCAP")
I_KIND, I_FROM, I_TO, I_UP, I_DN, I_PARTNER, I_CHART, I_N, I_POWER_REQ = range(len(_INT_FIELDS))
F_QU, F_PU, F_K, F_S, F_PMIN_U, F_BAND, F_HLO, F_HHI, F_QMAX, F_EMIN, F_RAMP, F_PCAP = range(
    len(_FLOAT_FIELDS)
)
# work rows, per column (``wc``) and per node (``wn``: reservoirs, then sinks at n_r + k)
_COL_ROWS = ("REQ", "Q", "P", "HG", "Q0")
C_REQ, C_Q, C_P, C_HG, C_Q0 = range(len(_COL_ROWS))
_NODE_ROWS = ("V", "X", "Z", "IN", "VN", "KQ")
N_V, N_X, N_Z, N_IN, N_VN, N_KQ = range(len(_NODE_ROWS))
# totals per column, per reservoir, per sink, and for the busbar
_TOT_COL = ("FLOW", "POWER", "SHORTFALL")
TC_FLOW, TC_POWER, TC_SHORTFALL = range(len(_TOT_COL))
_TOT_RES = ("INFLOW", "VMIN", "VMAX")
TR_INFLOW, TR_VMIN, TR_VMAX = range(len(_TOT_RES))
_TOT_SYS = ("REVENUE", "EXPORT", "IMPORT")
TS_REVENUE, TS_EXPORT, TS_IMPORT = range(len(_TOT_SYS))
#: Fields of one recorded cut-back event: scenario, step, element, limit, water [m³/s], energy [MW].
EV_FIELDS = ("scenario", "step", "element", "limit", "water_m3s", "energy_mw")

#: A power request at or above this means "as much as the units give" (no cut-back is recorded). [MW]
FULL_POWER_MW = 1e11
#: Relative excess over a rating, a line or a band that counts as round-off, not a cut-back (the LP's heads
#: agree with the simulator's to its head tolerance, 0.05 m of ~250 m = 2e-4). [-]
RATING_TOL = 5e-4
#: Water below this is round-off of the balance, not a cut-back. [m³/s]
WATER_TOL_M3S = 1e-9
#: A release's shortfall below its minimum up to this is recorded as the shortfall, not passed down from the
#: reservoirs above (:func:`_feed`): it is the round-off of a replayed schedule (HiGHS's 1e-7 on a balance
#: row in hm³ is 3e-5 m³/s over an hour), and passing it down would take each such step off the lanes. [m³/s]
FEED_MIN_M3S = 1e-3
#: Passes of the water limits and the line within one settle; each pass can only cut (or spill) more.
MAX_PASSES = 8
#: Settles at the mid-step head when the line is still exceeded there.
MAX_LINE_PASSES = 3


class Model(NamedTuple):
    """The network's parameters, built once by :func:`build_model`."""

    ci: np.ndarray  # (columns, I_*) int64
    cf: np.ndarray  # (columns, F_*) float
    ch_q: np.ndarray  # (charts, NQ) flow grids, padded
    ch_h: np.ndarray  # (charts, NH) head grids, padded
    ch_e: np.ndarray  # (charts, NQ, NH) efficiencies
    ch_n: np.ndarray  # (charts, 2) int64 grid sizes
    rv: np.ndarray  # (reservoirs, NV) volumes of the level tables, padded
    rz: np.ndarray  # (reservoirs, NV) levels
    rm: np.ndarray  # (reservoirs, NV) segment slopes
    rn: np.ndarray  # (reservoirs,) int64 table sizes
    kq: np.ndarray  # (sinks, NK) tailwater discharges, padded
    kz: np.ndarray  # (sinks, NK) tailwater levels
    km: np.ndarray  # (sinks, NK) slopes
    kn: np.ndarray  # (sinks,) int64 sizes (1: a constant level)
    kf: np.ndarray  # (sinks, 3) minimum, maximum, ramp per step of the discharge [m³/s]
    vmin: np.ndarray  # (reservoirs, steps) [hm³]
    vmax: np.ndarray  # (reservoirs, steps) [hm³]
    vtarget: np.ndarray  # (reservoirs, steps) target of automatic releases; NaN: the run's start volume
    order: np.ndarray  # (reservoirs,) int64, upstream first
    c: float  # hm³ per m³/s over one step
    unit_limits: bool  # enforce the minimum stable output and the pump band
    has_line: bool
    ceta: np.ndarray  # (columns, 3) a unit column's constant efficiency η, a = A e and 1/a (e = η or 1/η)
    lanes: bool  # scenarios in blocks of lanes (constant efficiencies, sinks at constant levels)


class Inputs(NamedTuple):
    """Per-scenario inputs; an input with one row is shared by every scenario. The inflows and the requests
    are packed by :func:`packed_rows`: element e's rows start at ``*_at[e, 0]``, one per scenario when
    ``*_at[e, 1]`` is 1, one shared row when it is 0 (a request that varies by scenario costs memory only for
    its own column: the time-of-use rule's pump and generation requests follow the one price)."""

    inflow: np.ndarray  # (rows, steps) [m³/s], reservoir r's at inflow_at[r]
    inflow_at: np.ndarray  # (reservoirs, 2) int64: first row, 1 if one row per scenario
    req: np.ndarray  # (rows, steps) flow [m³/s] or power [MW], NaN release: automatic; at req_at[j]
    req_at: np.ndarray  # (columns, 2) int64
    price: np.ndarray  # (S or 1, steps)
    line: np.ndarray  # (S or 1, steps) [MW], both directions


class State(NamedTuple):
    """What carries from step to step, per scenario."""

    vol: np.ndarray  # (S, reservoirs) [hm³]
    prev: np.ndarray  # (S, columns + sinks) last step's flows (NaN: none yet) [m³/s]
    seg: np.ndarray  # (S, reservoirs + sinks) int64 table segments
    start: np.ndarray  # (S, reservoirs) volumes at the start of the run (held by a release without target)


class Outputs(NamedTuple):
    """Totals and tallies (always), series and events (when ``record``)."""

    tot_col: np.ndarray  # (S, columns, TC_*)
    tot_res: np.ndarray  # (S, reservoirs, TR_*)
    tot_sink: np.ndarray  # (S, sinks)
    tot_sys: np.ndarray  # (S, TS_*)
    cut_w: np.ndarray  # (S, elements, N_LIMITS) water [m³/s summed over steps]
    cut_n: np.ndarray  # (S, elements, N_LIMITS) steps
    cut_e: np.ndarray  # (S, elements, N_LIMITS) energy [MW summed over steps]
    record: bool
    flow: np.ndarray  # (columns, S, steps) or (columns, 1, 1)
    power: np.ndarray  # (columns, S, steps)
    head: np.ndarray  # (columns, S, steps) net (turbine) or pumping (pump) head
    volume: np.ndarray  # (reservoirs, S, steps) end of step
    sink: np.ndarray  # (sinks, S, steps)
    line: np.ndarray  # (S, steps) net export
    events: np.ndarray  # (capacity, 6)
    n_events: np.ndarray  # (1,) int64: events seen (beyond the capacity they are counted, not written)


class Work(NamedTuple):
    """Scratch of one scenario-step (no allocation inside the kernel)."""

    wc: np.ndarray  # (C_*, columns)
    wn: np.ndarray  # (N_*, reservoirs + sinks)
    cut: np.ndarray  # (elements, N_LIMITS, 2) water, energy of the settle under way
    res_seg: np.ndarray  # (reservoirs + sinks,) int64 segments used by the settle
    n_cut: np.ndarray  # (1,) int64: cut-backs written into ``cut`` since it was last cleared
    lanes: np.ndarray  # (rows, width) a block's lane rows (:mod:`._lanes`, when ``Model.lanes``)
    lseg: np.ndarray  # (reservoirs·width,) int64 each lane's held level segment
    n_slow: np.ndarray  # (1,) int64 scenario-steps the lanes left to :func:`_step` (a limit bound)
    # (2,) int64 [0] 1: the lanes' water cut-back rows may hold values (cleared before use); [1] 1: the last
    # unit stage cut a lane's flow or power to a rating (its cut-back rows hold values)
    lflag: np.ndarray


# == the kernel ===============================================================================================
@jit
def run(t0: int, t1: int, s0: int, s1: int, m: Model, inp: Inputs, st: State, out: Outputs, w: Work) -> None:
    """Steps t0 … t1−1 for scenarios s0 … s1−1; ``st`` is updated and ``out`` added to. Calls on disjoint
    scenario ranges, each with its own ``w`` and its own ``out.events``, may run at once (the kernel releases
    the GIL; :func:`hydro_sim.simulation._network_sim.run_parts`)."""
    n_col, n_r, n_k = m.ci.shape[0], m.rn.shape[0], m.kn.shape[0]
    for s in range(s0, s1):
        for t in range(t0, t1):
            _step(m, inp, st, out, w, s, t, n_col, n_r, n_k)


@jit
def step_one(m: Model, inp: Inputs, st: State, out: Outputs, w: Work, s: int, t: int) -> None:
    """Step t of scenario s alone (:func:`_step`; the lanes' fall-back, :mod:`._lanes`)."""
    _step(m, inp, st, out, w, s, t, m.ci.shape[0], m.rn.shape[0], m.kn.shape[0])


@jit_inline
def _at(a: np.ndarray, s: int, t: int) -> float:
    """Step t of a (S or 1, steps) input for scenario s."""
    return a[s if a.shape[0] > 1 else 0, t]


@jit_inline
def _packed_at(a: np.ndarray, at: np.ndarray, e: int, s: int, t: int) -> float:
    """Step t of element e's input for scenario s, from rows packed by :func:`packed_rows`."""
    return a[at[e, 0] + s * at[e, 1], t]


@jit_inline
def _level(m: Model, w: Work, node: int, row: int, n_r: int) -> float:
    """Level of a node (≥ 0: reservoir at the volume in work row ``row``; < 0: sink −1−k at its discharge)."""
    if node >= 0:
        n = m.rn[node]
        z, j = interp_from(
            w.wn[row, node], m.rv[node, :n], m.rz[node, :n], m.rm[node, : n - 1], w.res_seg[node]
        )
        w.res_seg[node] = j
        return z
    k = -1 - node
    n = m.kn[k]
    if n == 1:
        return m.kz[k, 0]
    q = max(w.wn[N_KQ, n_r + k], m.kq[k, 0])  # the tailwater is held at its first level below the table
    z, j = interp_from(q, m.kq[k, :n], m.kz[k, :n], m.km[k, : n - 1], w.res_seg[n_r + k])
    w.res_seg[n_r + k] = j
    return z


@jit_inline
def _heads(m: Model, w: Work, row: int, n_col: int, n_r: int, n_k: int) -> None:
    """Gross head of every unit column (its upper end's level less its lower end's) at the reservoir volumes
    in node row ``row`` and the sinks' discharges in N_KQ, into C_HG."""
    for r in range(n_r):
        w.wn[N_Z, r] = _level(m, w, r, row, n_r)
    for k in range(n_k):
        w.wn[N_Z, n_r + k] = _level(m, w, -1 - k, row, n_r)
    for j in range(n_col):
        if m.ci[j, I_KIND] <= K_PUMP:
            up, dn = m.ci[j, I_UP], m.ci[j, I_DN]
            zu = w.wn[N_Z, up] if up >= 0 else w.wn[N_Z, n_r - 1 - up]
            zd = w.wn[N_Z, dn] if dn >= 0 else w.wn[N_Z, n_r - 1 - dn]
            w.wc[C_HG, j] = zu - zd


@jit_inline
def _chart(m: Model, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = m.ci[j, I_CHART]
    nq, nh = m.ch_n[c, 0], m.ch_n[c, 1]
    return m.ch_q[c, :nq], m.ch_h[c, :nh], m.ch_e[c, :nq, :nh]


@jit_inline
def _power(m: Model, j: int, q: float, hg: float) -> float:
    """Power of unit column j at flow q and gross head hg. [MW]"""
    qg, hgr, tab = _chart(m, j)
    return unit_power(q, hg, m.cf[j, F_K], m.cf[j, F_S], m.ci[j, I_N], m.cf[j, F_QU], qg, hgr, tab)


@jit_inline
def _flow(m: Model, j: int, p: float, hg: float) -> float:
    """Flow of unit column j for power p at gross head hg. [m³/s]"""
    qg, hgr, tab = _chart(m, j)
    return unit_flow(
        p, hg, m.cf[j, F_K], m.cf[j, F_S], m.ci[j, I_N], m.cf[j, F_QU], m.cf[j, F_QMAX], qg, hgr, tab
    )


@jit_inline
def _cut(w: Work, e: int, code: int, water: float, energy: float) -> None:
    w.n_cut[0] += 1
    w.cut[e, code, 0] += water
    w.cut[e, code, 1] += energy


@jit_inline
def _unit_tol(hg: float) -> float:
    """Relative round-off at a unit's minimum stable output and its pump band at gross head hg: RATING_TOL,
    or the power a head lower by HEAD_TOLERANCE_M loses (HEAD_TOLERANCE_M / H_g), whichever is larger (the
    simulator's heads agree with the LP's to that tolerance: 0.05 m is 2 × 10⁻³ of Yagen-I's 22 m)."""
    return max(RATING_TOL, HEAD_TOLERANCE_M / hg) if hg > 0.0 else RATING_TOL


@jit_inline
def _feasible_power(m: Model, j: int, p: float, hg: float) -> float:
    """The largest power at most p that the units can run at: a generator not below its minimum stable
    output per running unit, a fixed-speed pump within its band, rated input × (1 ± band), per unit. A power
    within :func:`_unit_tol` of a bound counts as on it (a schedule at the bound, replayed at a head lower by
    round-off)."""
    n = m.ci[j, I_N]
    pu = m.cf[j, F_PU]
    if p <= 0.0:
        return 0.0
    tol = _unit_tol(hg)
    if m.ci[j, I_KIND] == K_PUMP:
        lo_u = pu * (1.0 - m.cf[j, F_BAND])
        hi_u = pu * (1.0 + m.cf[j, F_BAND])
        k = min(math.floor(p / lo_u * (1.0 + tol)), n)  # units whose lowest input fits in p
        return min(p, k * hi_u) if k > 0 else 0.0
    pmin = m.cf[j, F_PMIN_U]
    if pmin <= 0.0:
        return p
    k = min(max(math.ceil(p / pu * (1.0 - 1e-12)), 1), n)  # as few units as carry p
    if p >= k * pmin * (1.0 - tol):
        return p
    return (k - 1) * pu  # between (k − 1) full units and k units at their minimum: the full ones


@jit_inline
def _units(m: Model, w: Work, n_col: int) -> None:
    """Requests of unit columns and spillways → flows at the heads in C_HG (C_Q), with the ratings, the
    minimum stable output, the pump band, the head range and one mode per pump-turbine group; C_Q0 keeps
    the flow asked for (at that head) for the energy of later cuts."""
    for j in range(n_col):
        kind = m.ci[j, I_KIND]
        r = w.wc[C_REQ, j]
        if kind == K_SPILL:
            q = r
            if q > m.cf[j, F_QMAX]:
                _cut(w, j, UNIT, q - m.cf[j, F_QMAX], 0.0)
                q = m.cf[j, F_QMAX]
            w.wc[C_Q, j] = q
            continue
        if kind == K_RELEASE:
            continue
        hg = w.wc[C_HG, j]
        pcap = m.cf[j, F_PCAP]
        w.wc[C_Q, j] = 0.0
        w.wc[C_Q0, j] = 0.0
        if r <= 0.0:
            continue
        if hg <= 0.0:  # no head: the units cannot run
            power_req = m.ci[j, I_POWER_REQ] == 1
            _cut(w, j, HEAD_RANGE, 0.0 if power_req else r, min(r, pcap) if power_req else 0.0)
            continue
        s = m.cf[j, F_S]
        if m.ci[j, I_POWER_REQ] == 1:
            p = min(r, pcap)
            if s < 0.0:
                ptop = _power(m, j, top_flow(hg, m.cf[j, F_K], s, m.cf[j, F_QMAX]), hg)
                p = min(p, ptop)
            if r < FULL_POWER_MW and r > p * (1.0 + RATING_TOL):
                _cut(w, j, UNIT, 0.0, r - p)
            q = _flow(m, j, p, hg)
            w.wc[C_Q0, j] = q
        else:
            q = r
            w.wc[C_Q0, j] = q
            p = _power(m, j, q, hg)
            qcap = m.cf[j, F_QMAX] if s < 0.0 else math.inf
            if q > qcap * (1.0 + RATING_TOL) or p > pcap * (1.0 + RATING_TOL):
                q1 = min(qcap, _flow(m, j, pcap, hg)) if p > pcap else qcap
                p1 = _power(m, j, q1, hg)
                _cut(w, j, UNIT, q - q1, p - p1)
                q, p = q1, p1
        if m.unit_limits:
            pf = _feasible_power(m, j, p, hg)
            if pf < p * (1.0 - 1e-12):
                q1 = _flow(m, j, pf, hg)
                _cut(w, j, PUMP_BAND if kind == K_PUMP else MIN_OUTPUT, q - q1, p - pf)
                q, p = q1, pf
        if q > 0.0:
            h = hg + s * (m.cf[j, F_K] * q * q)
            if h < m.cf[j, F_HLO] or h > m.cf[j, F_HHI]:
                _cut(w, j, HEAD_RANGE, q, p)
                q = 0.0
        w.wc[C_Q, j] = q
    # one mode at a time per pump-turbine group: the smaller is cut
    for j in range(n_col):
        if m.ci[j, I_KIND] == K_PT_GEN:
            jp = m.ci[j, I_PARTNER]
            qg, qp = w.wc[C_Q, j], w.wc[C_Q, jp]
            if qg > 0.0 and qp > 0.0:
                drop = jp if qg >= qp else j
                q = w.wc[C_Q, drop]
                _cut(w, drop, MODE, q, _power(m, drop, q, w.wc[C_HG, drop]))
                w.wc[C_Q, drop] = 0.0


@jit_inline
def _net_m3s(m: Model, w: Work, r: int, t: int, n_col: int) -> tuple[float, float, float]:
    """Reservoir r's water over the step, in m³/s: (above its minimum, below its maximum (room), flows in
    minus flows out), from the start volume, the inflow and the columns' current flows."""
    net = w.wn[N_IN, r]
    for j in range(n_col):
        q = w.wc[C_Q, j]
        if m.ci[j, I_FROM] == r:
            net -= q
        if m.ci[j, I_TO] == r:
            net += q
    v, inv_c = w.wn[N_V, r], 1.0 / m.c
    return (v - m.vmin[r, t]) * inv_c + net, (m.vmax[r, t] - v) * inv_c - net, net


@jit_inline
def _releases(m: Model, st: State, w: Work, s: int, r: int, t: int, n_col: int, auto_only: bool) -> None:
    """Reservoir r's releases: requested (C_REQ), or automatic (NaN: r held at its target), within the
    ramp from the last step's release, the maximum and the environmental minimum. ``auto_only``: the
    automatic ones only, derived again (after the line moved the flows they hold the level against), what
    was recorded on them before forgotten."""
    for j in range(n_col):
        if m.ci[j, I_KIND] == K_RELEASE and m.ci[j, I_FROM] == r:
            if not auto_only:
                w.wc[C_Q, j] = 0.0
            elif math.isnan(w.wc[C_REQ, j]):
                w.wc[C_Q, j] = 0.0
                for code in range(N_LIMITS):
                    w.cut[j, code, 0] = 0.0
                    w.cut[j, code, 1] = 0.0
    for j in range(n_col):
        if m.ci[j, I_KIND] != K_RELEASE or m.ci[j, I_FROM] != r:
            continue
        req = w.wc[C_REQ, j]
        if auto_only and not math.isnan(req):
            continue
        emin, qmax = m.cf[j, F_EMIN], m.cf[j, F_QMAX]
        if math.isnan(req):
            net = _net_m3s(m, w, r, t, n_col)[2]
            vt = m.vtarget[r, t]
            vt = st.start[s, r] if math.isnan(vt) else vt
            q = min(max((w.wn[N_V, r] - vt) / m.c + net, emin), qmax)
        else:
            q = req
            if q > qmax:
                _cut(w, j, RELEASE_MAX, q - qmax, 0.0)
                q = qmax
        prev = st.prev[s, j]
        ramp = m.cf[j, F_RAMP]
        if not math.isnan(prev) and ramp < math.inf:
            q1 = min(max(q, prev - ramp), prev + ramp)
            if abs(q1 - q) > WATER_TOL_M3S and not (math.isnan(req) and q1 < emin):
                _cut(w, j, RAMP, abs(q - q1), 0.0)
            q = q1
        if q < emin:
            if not math.isnan(req) and emin - q > WATER_TOL_M3S:
                _cut(w, j, RELEASE_MIN_RAISED, emin - q, 0.0)
            q = emin
        w.wc[C_Q, j] = q


@jit_inline
def _returned(m: Model, w: Work, j: int, r: int, t: int, n_col: int) -> float:
    """The part of pump column j's flow (r → u) that comes back to r because u, at its minimum, passes it
    on: the flows from u to r less what u has above its minimum. Cutting it would be futile (u would cut
    the flows back to r by as much), so a pump is not cut below it for r's minimum. [m³/s]"""
    u = m.ci[j, I_TO]
    if u < 0:
        return 0.0
    back = 0.0
    for i in range(n_col):
        if m.ci[i, I_FROM] == u and m.ci[i, I_TO] == r and m.ci[i, I_KIND] != K_PUMP:
            back += w.wc[C_Q, i]
    above = max(_net_m3s(m, w, u, t, n_col)[0], 0.0)
    return min(w.wc[C_Q, j], max(back - above, 0.0))


@jit_inline
def _floor(m: Model, w: Work, j: int, k: int, r: int, t: int, n_col: int, t_code: int, futile: bool) -> float:
    """The flow column j (kind k, leaving r) is reduced to at most, for limit ``t_code``: a release's
    environmental minimum for r's minimum level, and (``futile``) a pump's returned water
    (:func:`_returned`); zero otherwise. [m³/s]"""
    if k == K_RELEASE and t_code == MIN_LEVEL:
        return m.cf[j, F_EMIN]
    if futile and k == K_PUMP:
        return _returned(m, w, j, r, t, n_col)
    return 0.0


@jit_inline
def _reduce(
    m: Model,
    w: Work,
    r: int,
    t: int,
    d: float,
    kind_lo: int,
    kind_hi: int,
    n_col: int,
    t_code: int,
    futile: bool,
) -> float:
    """Take up to d m³/s off the columns leaving r whose kind is in [kind_lo, kind_hi], each down to its
    :func:`_floor`, in proportion to their flows above it; returns what is left of d."""
    total = 0.0
    for j in range(n_col):
        k = m.ci[j, I_KIND]
        if m.ci[j, I_FROM] == r and kind_lo <= k <= kind_hi:
            total += max(w.wc[C_Q, j] - _floor(m, w, j, k, r, t, n_col, t_code, futile), 0.0)
    if total <= 0.0 or d <= 0.0:
        return d
    f = min(d / total, 1.0)
    taken, total_now = 0.0, 0.0
    for j in range(n_col):
        k = m.ci[j, I_KIND]
        if m.ci[j, I_FROM] == r and kind_lo <= k <= kind_hi:
            q = w.wc[C_Q, j]
            above_floor = max(q - _floor(m, w, j, k, r, t, n_col, t_code, futile), 0.0)
            total_now += above_floor
            dq = above_floor * f
            if dq > 0.0:
                if k == K_RELEASE and t_code == RELEASE_MIN:  # what it was raised by is then raised less
                    w.cut[j, RELEASE_MIN_RAISED, 0] = max(w.cut[j, RELEASE_MIN_RAISED, 0] - dq, 0.0)
                e = 0.0
                if k <= K_PUMP:
                    hg = w.wc[C_HG, j]
                    e = _power(m, j, q, hg) - _power(m, j, q - dq, hg)
                _cut(w, j, t_code, dq, e)
                w.wc[C_Q, j] = q - dq
                taken += dq
    # the floors as they were (the lanes' arithmetic, :func:`_l_reduce`), else what was taken
    return max(d - total * f, 0.0) if total_now == total else max(d - taken, 0.0)


@jit_inline
def _feed(m: Model, st: State, w: Work, s: int, r: int, t: int, d: float, n_col: int, cap: float) -> float:
    """Reservoir r short by d m³/s with its releases at their environmental minimum: the links into r from
    the reservoirs above it are raised as for a river's minimum (:func:`_raise_into`), by no more than r's
    releases carry (the water passes down for the river's minimum, not for r's other outflows), recorded
    as the environmental minimum (raised). A shortfall of FEED_MIN_M3S or less is left to the release (the
    round-off of a replayed schedule). Returns what is left of d."""
    need = 0.0
    for j in range(n_col):
        if m.ci[j, I_FROM] == r and m.ci[j, I_KIND] == K_RELEASE:
            need += w.wc[C_Q, j]
    d1 = min(d, need)
    if d1 <= FEED_MIN_M3S:
        return d
    return d - (d1 - _raise_into(m, st, w, s, t, n_col, r, d1, RELEASE_MIN_RAISED, cap))


@jit_inline
def _water(
    m: Model, st: State, w: Work, s: int, t: int, n_col: int, first: bool, auto: bool, cap: float
) -> bool:
    """One pass of the water limits over the reservoirs, upstream first (on the first pass each
    reservoir's releases are set before its limits; with ``auto``, its automatic releases are derived
    again; ``cap``: the line, for the units :func:`_feed` raises); returns whether a flow changed."""
    changed = False
    for ir in range(m.order.shape[0]):
        r = m.order[ir]
        if first or auto:
            _releases(m, st, w, s, r, t, n_col, not first)
        above, room, _ = _net_m3s(m, w, r, t, n_col)
        if above < -WATER_TOL_M3S:  # below the minimum: spill, releases above their minimum, units (a pump
            # not below the water that would come back), water from above for the releases, releases, pumps
            d = -above
            d = _reduce(m, w, r, t, d, K_SPILL, K_SPILL, n_col, MIN_LEVEL, False)
            d = _reduce(m, w, r, t, d, K_RELEASE, K_RELEASE, n_col, MIN_LEVEL, False)
            d = _reduce(m, w, r, t, d, K_TURBINE, K_PUMP, n_col, MIN_LEVEL, True)
            d = _feed(m, st, w, s, r, t, d, n_col, cap)
            d = _reduce(m, w, r, t, d, K_RELEASE, K_RELEASE, n_col, RELEASE_MIN, False)
            d = _reduce(m, w, r, t, d, K_PUMP, K_PUMP, n_col, MIN_LEVEL, False)
            changed = True
        elif room < -WATER_TOL_M3S:  # above the maximum
            e = -room
            for j in range(n_col):  # pumped water into r first
                if e > 0.0 and m.ci[j, I_KIND] == K_PUMP and m.ci[j, I_TO] == r:
                    q = w.wc[C_Q, j]
                    dq = min(q, e)
                    if dq > 0.0:
                        hg = w.wc[C_HG, j]
                        _cut(w, j, MAX_LEVEL, dq, _power(m, j, q, hg) - _power(m, j, q - dq, hg))
                        w.wc[C_Q, j] = q - dq
                        e -= dq
            for pass_ in range(3):  # releases within their ramp, spillways, releases to their maximum
                for j in range(n_col):
                    k = m.ci[j, I_KIND]
                    if e <= 0.0 or m.ci[j, I_FROM] != r:
                        continue
                    if (pass_ == 1) != (k == K_SPILL) or (pass_ != 1 and k != K_RELEASE):
                        continue
                    q = w.wc[C_Q, j]
                    top = m.cf[j, F_QMAX]
                    prev = st.prev[s, j]
                    if pass_ == 0 and not math.isnan(prev):
                        top = min(top, prev + m.cf[j, F_RAMP])
                    dq = min(max(top - q, 0.0), e)
                    if dq > 0.0:
                        _cut(w, j, MAX_LEVEL, dq, 0.0)
                        w.wc[C_Q, j] = q + dq
                        e -= dq
            for j in range(n_col):  # the water coming in from upstream is held there
                if e > 0.0 and m.ci[j, I_TO] == r and m.ci[j, I_KIND] != K_PUMP:
                    q = w.wc[C_Q, j]
                    dq = min(q, e)
                    if dq > 0.0:
                        en = 0.0
                        if m.ci[j, I_KIND] <= K_PUMP:
                            hg = w.wc[C_HG, j]
                            en = _power(m, j, q, hg) - _power(m, j, q - dq, hg)
                        _cut(w, j, MAX_LEVEL, dq, en)
                        w.wc[C_Q, j] = q - dq
                        e -= dq
            changed = True
    return changed


@jit_inline
def _line(m: Model, w: Work, cap: float, n_col: int) -> bool:
    """The line at the heads in C_HG: export above ``cap`` cuts pump-turbine generation first (its water
    stays stored for the peak), then the turbines; import above it cuts pumping. Returns whether it cut."""
    net = _net_export(m, w, n_col)
    tol = cap * RATING_TOL
    if net > cap + tol:
        ex = net - cap
        for kind in (K_PT_GEN, K_TURBINE):
            for j in range(n_col):
                if ex > 0.0 and m.ci[j, I_KIND] == kind and w.wc[C_Q, j] > 0.0:
                    ex = _cut_power(m, w, j, ex, LINE_EXPORT)
        return True
    if -net > cap + tol:
        im = -net - cap
        for j in range(n_col):
            if im > 0.0 and m.ci[j, I_KIND] == K_PUMP and w.wc[C_Q, j] > 0.0:
                im = _cut_power(m, w, j, im, LINE_IMPORT)
        return True
    return False


@jit_inline
def _cut_power(m: Model, w: Work, j: int, dp: float, code: int) -> float:
    """Lower unit column j's power by up to dp (to a power its units can run at); returns what is left."""
    p, q, hg = w.wc[C_P, j], w.wc[C_Q, j], w.wc[C_HG, j]
    p1 = max(p - dp, 0.0)
    if m.unit_limits:
        p1 = _feasible_power(m, j, p1, hg)
    q1 = _flow(m, j, p1, hg) if p1 > 0.0 else 0.0
    _cut(w, j, code, q - q1, p - p1)
    w.wc[C_Q, j], w.wc[C_P, j] = q1, p1
    return max(dp - (p - p1), 0.0)


@jit_inline
def _settle(
    m: Model, inp: Inputs, st: State, w: Work, s: int, t: int, n_col: int, n_e: int, passes: int
) -> None:
    """The step's flows (C_Q) at the gross heads in C_HG, with every limit (the water limits and the line
    ``passes`` times at most); cut-backs into ``w.cut``."""
    if w.n_cut[0] > 0:
        for e in range(n_e):
            for code in range(N_LIMITS):
                w.cut[e, code, 0] = 0.0
                w.cut[e, code, 1] = 0.0
        w.n_cut[0] = 0
    _units(m, w, n_col)
    cap = _at(inp.line, s, t) if m.has_line else math.inf
    _water(m, st, w, s, t, n_col, True, False, cap)
    _sinks(m, st, w, s, t, n_col, cap)
    for _ in range(passes):
        cut = m.has_line and _line(m, w, cap, n_col)
        # a line cut moves flows an automatic release holds its reservoir against: derived again
        again = _water(m, st, w, s, t, n_col, False, cut, cap)
        moved = _sinks(m, st, w, s, t, n_col, cap)
        if not cut and not again and not moved:
            break


@jit_inline
def _sink_band(m: Model, st: State, s: int, k: int, n_col: int) -> tuple[float, float]:
    """The band [lo, hi] sink k's total discharge must lie in this step: its ramp from the last step's
    discharge (none at a run's first step) within its minimum and maximum (the minimum and the maximum come
    before the ramp: a ramp that cannot reach the minimum from below, or the maximum from above, gives way)."""
    lo, hi, ramp = m.kf[k, 0], m.kf[k, 1], m.kf[k, 2]
    prev = st.prev[s, n_col + k]
    if math.isnan(prev) or ramp == math.inf:
        return lo, hi
    return max(lo, min(prev - ramp, hi)), min(hi, max(prev + ramp, lo))


@jit_inline
def raise_units(
    m: Model, j: int, q: float, hg: float, q_partner: float, d: float, above: float, headroom: float
) -> float:
    """The flow unit column j (at flow q, gross head hg, its partner column's flow ``q_partner``; 0 without
    one) can be raised to, by at most d and the water ``above``, within its ratings, the line's ``headroom``
    [MW], the head range, one mode per group and (``unit_limits``) a power its units can run at; q when it
    cannot be raised. (The scalar step's and the lanes' raise: :func:`_raise_into`, ``_lanes._l_feed``.)"""
    if hg <= 0.0 or headroom <= 0.0 or q_partner > 0.0:
        return q
    k = m.cf[j, F_K]
    p = _power(m, j, q, hg)
    q1 = min(q + min(d, above), top_flow(hg, k, m.cf[j, F_S], m.cf[j, F_QMAX]))
    p1 = _power(m, j, q1, hg)
    p_top = min(m.cf[j, F_PCAP], p + headroom)
    if p1 > p_top:
        p1 = p_top
        q1 = _flow(m, j, p1, hg)
    if m.unit_limits:
        pf = _feasible_power(m, j, p1, hg)
        if pf < p1 * (1.0 - 1e-12):
            p1 = pf
            q1 = _flow(m, j, pf, hg) if pf > 0.0 else 0.0
    h = hg - k * q1 * q1
    if q1 <= q or h < m.cf[j, F_HLO] or h > m.cf[j, F_HHI]:
        return q
    return q1


@jit_inline
def _raise_into(
    m: Model, st: State, w: Work, s: int, t: int, n_col: int, node: int, d: float, code: int, cap: float
) -> float:
    """Raise the links into ``node`` (a reservoir, or a river sink as -1 - k) from reservoirs by up to d
    m³/s: the releases first (within their maximum and their own ramp), then the unit columns
    (:func:`raise_units`, within the line's headroom ``cap`` less the net export), then the spillways
    (within their capacity), each by at most the water its reservoir has above its minimum; each raise is
    recorded on the link as ``code``, water only (a raise delivers energy, it withholds none). Returns what
    is left of d."""
    for kind in (K_RELEASE, K_TURBINE, K_PT_GEN, K_SPILL):
        for j in range(n_col):
            if d <= WATER_TOL_M3S or m.ci[j, I_TO] != node or m.ci[j, I_KIND] != kind:
                continue
            q = w.wc[C_Q, j]
            above = max(_net_m3s(m, w, m.ci[j, I_FROM], t, n_col)[0], 0.0)
            if K_TURBINE <= kind <= K_PT_GEN:
                headroom = cap - _net_export(m, w, n_col) if m.has_line else math.inf
                jp = m.ci[j, I_PARTNER]
                q_partner = w.wc[C_Q, jp] if jp >= 0 else 0.0
                dq = raise_units(m, j, q, w.wc[C_HG, j], q_partner, d, above, headroom) - q
            else:
                top = m.cf[j, F_QMAX]
                prev = st.prev[s, j]
                if kind == K_RELEASE and not math.isnan(prev):
                    top = min(top, prev + m.cf[j, F_RAMP])
                dq = min(max(top - q, 0.0), above, d)
            if dq > WATER_TOL_M3S:
                _cut(w, j, code, dq, 0.0)
                w.wc[C_Q, j] = q + dq
                d -= dq
    return d


@jit_inline
def _sinks(m: Model, st: State, w: Work, s: int, t: int, n_col: int, cap: float) -> bool:
    """River sinks' own limits, enforced on the links into each sink (see the module docstring): a total
    discharge below the band raises the releases into the sink (within their maximum and ramp), then the unit
    columns into it (:func:`raise_units`, within the line's headroom ``cap`` less the net export), then the
    spillways (within their capacity), each by at most the water its reservoir has above its minimum; one
    above the band lowers the spillways, the releases (to their minimum and ramp) and the unit columns into
    the sink, each by at most its reservoir's room below its maximum. Each change is recorded on the link as
    the sink's limit that asked for it (environmental minimum (raised), maximum flow, ramp; a raise records
    water, no energy); what is still outside the band is recorded on the sink by :func:`_step`. Returns
    whether a flow changed."""
    moved = False
    for k in range(m.kn.shape[0]):
        node = -1 - k
        lo, hi = _sink_band(m, st, s, k, n_col)
        total = 0.0
        for j in range(n_col):
            if m.ci[j, I_TO] == node:
                total += w.wc[C_Q, j]
        if total < lo - WATER_TOL_M3S:
            code = RELEASE_MIN_RAISED if lo <= m.kf[k, 0] else RAMP
            moved |= _raise_into(m, st, w, s, t, n_col, node, lo - total, code, cap) < lo - total
        elif total > hi + WATER_TOL_M3S:
            e = total - hi
            code = RELEASE_MAX if hi >= m.kf[k, 1] else RAMP
            for kind in (K_SPILL, K_RELEASE, K_TURBINE, K_PT_GEN):
                for j in range(n_col):
                    if e <= WATER_TOL_M3S or m.ci[j, I_TO] != node or m.ci[j, I_KIND] != kind:
                        continue
                    q = w.wc[C_Q, j]
                    floor = 0.0
                    if kind == K_RELEASE:
                        floor = m.cf[j, F_EMIN]
                        prev = st.prev[s, j]
                        if not math.isnan(prev):
                            floor = max(floor, prev - m.cf[j, F_RAMP])
                    room = _net_m3s(m, w, m.ci[j, I_FROM], t, n_col)[1]
                    dq = min(max(q - floor, 0.0), max(room, 0.0), e)
                    if dq <= WATER_TOL_M3S:
                        continue
                    q1, en = q - dq, 0.0
                    if kind <= K_PUMP:
                        hg = w.wc[C_HG, j]
                        p1 = _power(m, j, q1, hg)
                        if m.unit_limits and q1 > 0.0:
                            pf = _feasible_power(m, j, p1, hg)
                            if pf < p1 * (1.0 - 1e-12):  # the units cannot run at p1: the next power down
                                q2 = _flow(m, j, pf, hg) if pf > 0.0 else 0.0
                                if q - q2 > max(room, 0.0):
                                    continue  # that would overfill the reservoir: these units are left
                                q1, p1 = q2, pf
                        en = _power(m, j, q, hg) - p1
                    _cut(w, j, code, q - q1, en)
                    w.wc[C_Q, j] = q1
                    e -= q - q1
                    moved = True
    return moved


@jit_inline
def _volumes(m: Model, w: Work, n_col: int, n_r: int, n_k: int) -> None:
    """End volumes V + c(I + A q) into N_VN (A: −1 at a column's ``from`` reservoir, +1 at its ``to``), and the
    sinks' discharges into N_KQ."""
    for r in range(n_r):
        w.wn[N_VN, r] = w.wn[N_IN, r]
    for k in range(n_k):
        w.wn[N_KQ, n_r + k] = 0.0
    for j in range(n_col):
        q = w.wc[C_Q, j]
        a, b = m.ci[j, I_FROM], m.ci[j, I_TO]
        w.wn[N_VN, a] -= q
        if b >= 0:
            w.wn[N_VN, b] += q
        else:
            w.wn[N_KQ, n_r - 1 - b] += q
    for r in range(n_r):
        w.wn[N_VN, r] = w.wn[N_V, r] + m.c * w.wn[N_VN, r]


@jit_inline
def _mid_heads(m: Model, w: Work, n_col: int, n_r: int, n_k: int) -> None:
    """Volumes at mid-step into N_X and the gross heads there (sinks at their discharge)."""
    for r in range(n_r):
        w.wn[N_X, r] = 0.5 * (w.wn[N_V, r] + w.wn[N_VN, r])
    _heads(m, w, N_X, n_col, n_r, n_k)


@jit_inline
def _net_export(m: Model, w: Work, n_col: int) -> float:
    """Powers of the unit columns at the heads in C_HG (into C_P) and the net export, generation less
    pumping. [MW]"""
    net = 0.0
    for j in range(n_col):
        if m.ci[j, I_KIND] <= K_PUMP:
            p = _power(m, j, w.wc[C_Q, j], w.wc[C_HG, j])
            w.wc[C_P, j] = p
            net += -p if m.ci[j, I_KIND] == K_PUMP else p
    return net


@jit_inline
def _step(
    m: Model, inp: Inputs, st: State, out: Outputs, w: Work, s: int, t: int, n_col: int, n_r: int, n_k: int
) -> None:
    n_e = n_col + n_k
    for r in range(n_r):
        w.wn[N_V, r] = st.vol[s, r]
        w.wn[N_IN, r] = _packed_at(inp.inflow, inp.inflow_at, r, s, t)
    for i in range(n_r + n_k):
        w.res_seg[i] = st.seg[s, i]
    for k in range(n_k):  # the tailwater at last step's discharge to start with
        prev = st.prev[s, n_col + k]
        w.wn[N_KQ, n_r + k] = 0.0 if math.isnan(prev) else prev
    for j in range(n_col):
        w.wc[C_REQ, j] = _packed_at(inp.req, inp.req_at, j, s, t)
    # 1. at the start head (one pass); 2. at the head estimate (mid-step of the first); 3. at the mid-step head
    _heads(m, w, N_V, n_col, n_r, n_k)
    _settle(m, inp, st, w, s, t, n_col, n_e, 1)
    _volumes(m, w, n_col, n_r, n_k)
    _mid_heads(m, w, n_col, n_r, n_k)
    _settle(m, inp, st, w, s, t, n_col, n_e, MAX_PASSES)
    _volumes(m, w, n_col, n_r, n_k)
    _mid_heads(m, w, n_col, n_r, n_k)
    cap = _at(inp.line, s, t) if m.has_line else math.inf
    net = _net_export(m, w, n_col)
    for _ in range(MAX_LINE_PASSES):
        if not (net > cap * (1.0 + RATING_TOL) or -net > cap * (1.0 + RATING_TOL)):
            break
        _settle(m, inp, st, w, s, t, n_col, n_e, MAX_PASSES)
        _volumes(m, w, n_col, n_r, n_k)
        _mid_heads(m, w, n_col, n_r, n_k)
        net = _net_export(m, w, n_col)
    # what the sinks' own limits could not get (enforced in the settles as far as the water allows)
    for k in range(n_k):
        q = w.wn[N_KQ, n_r + k]
        e = n_col + k
        if q < m.kf[k, 0] - WATER_TOL_M3S:
            _cut(w, e, RELEASE_MIN, m.kf[k, 0] - q, 0.0)
        if q > m.kf[k, 1] + WATER_TOL_M3S:
            _cut(w, e, RELEASE_MAX, q - m.kf[k, 1], 0.0)
        prev = st.prev[s, e]
        if not math.isnan(prev) and abs(q - prev) > m.kf[k, 2] + WATER_TOL_M3S:
            _cut(w, e, RAMP, abs(q - prev) - m.kf[k, 2], 0.0)
    _account(m, inp, st, out, w, s, t, n_col, n_r, n_k, net)


@jit_inline
def _account(
    m: Model,
    inp: Inputs,
    st: State,
    out: Outputs,
    w: Work,
    s: int,
    t: int,
    n_col: int,
    n_r: int,
    n_k: int,
    net: float,
) -> None:
    """Totals, tallies and series of the step; the state moves to the end of the step."""
    price = _at(inp.price, s, t)
    for j in range(n_col):
        q = w.wc[C_Q, j]
        p = w.wc[C_P, j] if m.ci[j, I_KIND] <= K_PUMP else 0.0
        out.tot_col[s, j, TC_FLOW] += q
        out.tot_col[s, j, TC_POWER] += p
        r = w.wc[C_REQ, j]
        if m.ci[j, I_KIND] <= K_PUMP and m.ci[j, I_POWER_REQ] == 1 and r < FULL_POWER_MW and r > p:
            out.tot_col[s, j, TC_SHORTFALL] += r - p
        st.prev[s, j] = q
        if out.record:
            out.flow[j, s, t] = q
            out.power[j, s, t] = p
            hg = w.wc[C_HG, j]
            unit = m.ci[j, I_KIND] <= K_PUMP
            out.head[j, s, t] = hg + m.cf[j, F_S] * (m.cf[j, F_K] * q * q) if unit else math.nan
    for r in range(n_r):
        v = w.wn[N_VN, r]
        out.tot_res[s, r, TR_INFLOW] += w.wn[N_IN, r]
        out.tot_res[s, r, TR_VMIN] = min(out.tot_res[s, r, TR_VMIN], v)
        out.tot_res[s, r, TR_VMAX] = max(out.tot_res[s, r, TR_VMAX], v)
        st.vol[s, r] = v
        if out.record:
            out.volume[r, s, t] = v
    for k in range(n_k):
        q = w.wn[N_KQ, n_r + k]
        out.tot_sink[s, k] += q
        st.prev[s, n_col + k] = q
        if out.record:
            out.sink[k, s, t] = q
    for i in range(n_r + n_k):
        st.seg[s, i] = w.res_seg[i]
    out.tot_sys[s, TS_REVENUE] += price * net
    out.tot_sys[s, TS_EXPORT] += max(net, 0.0)
    out.tot_sys[s, TS_IMPORT] += max(-net, 0.0)
    if out.record:
        out.line[s, t] = net
    if w.n_cut[0] == 0:
        return
    for e in range(n_col + n_k):
        for code in range(1, N_LIMITS):
            water, energy = w.cut[e, code, 0], w.cut[e, code, 1]
            if water > WATER_TOL_M3S or energy > 1e-9:
                tally(out, s, t, e, code, water, energy)


@jit_inline
def tally(out: Outputs, s: int, t: int, e: int, code: int, water: float, energy: float) -> None:
    """A cut-back of scenario s at step t on element e into the tallies, and (``record``) into the events
    (counted beyond their capacity, not written)."""
    out.cut_w[s, e, code] += water
    out.cut_e[s, e, code] += energy
    out.cut_n[s, e, code] += 1.0
    if out.record:
        event(out, s, t, e, code, water, energy)


@jit_inline
def event(out: Outputs, s: int, t: int, e: int, code: int, water: float, energy: float) -> None:
    """A cut-back into the events (counted beyond their capacity, not written)."""
    i = out.n_events[0]
    if i < out.events.shape[0]:
        out.events[i, 0] = s
        out.events[i, 1] = t
        out.events[i, 2] = e
        out.events[i, 3] = code
        out.events[i, 4] = water
        out.events[i, 5] = energy
    out.n_events[0] = i + 1


# -- the lane layout of :mod:`._lanes` (one declaration; offsets derived there) ------------------------
#: Scenarios per block, at least and at most (``_network_sim.block_width`` picks between them): each stage's
#: loop over lanes pays for its setup (LLVM vectorises it 8 doubles wide, interleaved 4 times: 32 lanes an
#: iteration) over more lanes in a wider block, and the lane rows of a five-column, two-reservoir network (248
#: rows of LANES_MAX floats, 496 KiB) stay in the second-level cache. Per core, 1,000 years of Lianghekou ran
#: ×1.23 (TOU rule) and ×1.39 (LP replay) faster in blocks of 256 than of 64, and slower in blocks of 32 or 16
#: (2026-12-04, an AVX-512 core with 1 MiB of L2). The narrowest width leaves a block to each of many threads.
LANES = 64
LANES_MAX = 256
# Lane rows, one declaration (offsets derived by _oc, _on, _ol): per flow column, per node (reservoirs, then
# sinks at n_r + k) and per lane.
_LANE_COL = (
    "REQ",
    "Q",
    "P",
    "HG",
    "QTOP",
    "PE",
    "MORE",
    "PREV",
    "T_FLOW",
    "T_POWER",
    "T_SHORT",
    "QF",
    "CW_UNIT",  # the step's cut-backs the lanes record (water, then energy), one row per slot of LANE_CODES
    "CW_MIN",
    "CW_MAX",
    "CW_RMIN",
    "CW_RAISE",
    "CE_UNIT",
    "CE_MIN",
    "CE_MAX",
    "CE_RMIN",
    "CE_RAISE",
    "T_CW_UNIT",  # the block's cut-back tallies of those slots (Outputs.cut_w, cut_e, cut_n) while it runs
    "T_CW_MIN",
    "T_CW_MAX",
    "T_CW_RMIN",
    "T_CW_RAISE",
    "T_CE_UNIT",
    "T_CE_MIN",
    "T_CE_MAX",
    "T_CE_RMIN",
    "T_CE_RAISE",
    "T_CN_UNIT",
    "T_CN_MIN",
    "T_CN_MAX",
    "T_CN_RMIN",
    "T_CN_RAISE",
)
(
    LC_REQ,
    LC_Q,
    LC_P,
    LC_HG,
    LC_QTOP,
    LC_PE,
    LC_MORE,
    LC_PREV,
    LC_T_FLOW,
    LC_T_POWER,
    LC_T_SHORT,
    LC_QF,
    LC_CW,
    _,
    _,
    _,
    _,
    LC_CE,
    _,
    _,
    _,
    _,
    LC_T_CW,
    _,
    _,
    _,
    _,
    LC_T_CE,
    _,
    _,
    _,
    _,
    LC_T_CN,
    _,
    _,
    _,
    _,
) = range(len(_LANE_COL))
#: The limits whose cut-backs the lanes record themselves, by slot (rows LC_CW + slot, LC_CE + slot); a lane
#: where another binds is left to :func:`_step`.
LANE_CODES = (UNIT, MIN_LEVEL, MAX_LEVEL, RELEASE_MIN, RELEASE_MIN_RAISED)
SLOT_UNIT, SLOT_MIN, SLOT_MAX, SLOT_RMIN, SLOT_RAISE = range(5)
_LANE_NODE = ("V", "X", "Z", "IN", "VN", "START", "PREV", "SX", "SY", "SM", "SLO", "SHI", "T_IN", "T_VMIN",
              "T_VMAX", "T_SINK", "NET")  # fmt: skip
(
    LN_V,
    LN_X,
    LN_Z,
    LN_IN,
    LN_VN,
    LN_START,
    LN_PREV,
    LN_SX,
    LN_SY,
    LN_SM,
    LN_SLO,
    LN_SHI,
    LN_T_IN,
    LN_T_VMIN,
    LN_T_VMAX,
    LN_T_SINK,
    LN_NET,  # a reservoir's net inflow, m³/s, as the water stage last summed it (_l_net)
) = range(len(_LANE_NODE))
_LANE_ONE = ("BAD", "NET", "ACC", "CAP", "PRICE", "T_REV", "T_EXP", "T_IMP", "D", "TOT", "F", "CHG")
LL_BAD, LL_NET, LL_ACC, LL_CAP, LL_PRICE, LL_T_REV, LL_T_EXP, LL_T_IMP, LL_D, LL_TOT, LL_F, LL_CHG = range(
    len(_LANE_ONE)
)
N_LC, N_LN, N_LL = len(_LANE_COL), len(_LANE_NODE), len(_LANE_ONE)


def lane_rows(n_col: int, n_nodes: int) -> int:
    """Rows of a block's lane array: N_LC per column, N_LN per node, N_LL per lane."""
    return N_LC * n_col + N_LN * n_nodes + N_LL


# == building the model (Python) ==============================================================================
def _table_of(eff: Efficiency) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flow grid, head grid, table) of a constant or an EfficiencyCurve."""
    if isinstance(eff, float):
        return np.zeros(1), np.zeros(1), np.full((1, 1), eff)
    return np.asarray(eff.flow_m3s), np.asarray(eff.head_m), np.asarray(eff.efficiency)


def _padded(rows: list[np.ndarray], width: int) -> np.ndarray:
    out = np.zeros((len(rows), max(width, 1)))
    for i, row in enumerate(rows):
        out[i, : row.size] = row
    return out


def build_model(
    network: Network,
    index: pd.DatetimeIndex,
    dt_h: float,
    *,
    target_volume_hm3: np.ndarray | None = None,
    has_line: bool = False,
    unit_limits: bool = True,
    lanes: bool = True,
) -> Model:
    """The kernel's :class:`Model` of a network on a time index (the one place its arrays are built)."""
    from hydro_sim.network import PumpTurbineLink, Release, Spillway, TurbineLink

    c = HM3_PER_M3S_HOUR * dt_h
    res = {name: i for i, name in enumerate(network.reservoir_names)}
    sinks = {k.name: i for i, k in enumerate(network.sinks)}

    def node(name: str) -> int:
        return res[name] if name in res else -1 - sinks[name]

    cols = network.flow_columns()
    ci = np.zeros((len(cols), len(_INT_FIELDS)), dtype=np.int64)
    cf = np.zeros((len(cols), len(_FLOAT_FIELDS)))
    cf[:, F_HLO], cf[:, F_HHI], cf[:, F_RAMP] = -np.inf, np.inf, np.inf
    charts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [_table_of(1.0)]
    for j, col in enumerate(cols):
        link = network.link(col.link)
        ci[j, I_FROM], ci[j, I_TO], ci[j, I_PARTNER] = node(col.from_node), node(col.to_node), -1
        ci[j, I_UP], ci[j, I_DN] = ci[j, I_FROM], ci[j, I_TO]
        if isinstance(link, TurbineLink):
            u = link.units
            ci[j, I_KIND], ci[j, I_N] = K_TURBINE, u.n_units
            cf[j, [F_QU, F_PU, F_K, F_S, F_PMIN_U]] = (
                u.max_flow_m3s,
                u.rated_power_mw,
                u.head_loss_coefficient_s2_per_m5,
                -1.0,
                u.min_power_mw,
            )
            cf[j, F_QMAX], cf[j, F_PCAP] = u.max_total_flow_m3s, u.max_power_mw
            ci[j, I_CHART] = len(charts)
            charts.append(_table_of(u.efficiency))
        elif isinstance(link, PumpTurbineLink):
            g = link.units
            ci[j, I_N] = g.n_units
            cf[j, F_QU], cf[j, F_K] = g.max_flow_m3s, g.head_loss_coefficient_s2_per_m5
            ci[j, I_CHART] = len(charts)
            if col.mode == "generate":
                ci[j, I_KIND], ci[j, I_PARTNER] = K_PT_GEN, j + 1
                cf[j, [F_PU, F_S, F_PMIN_U]] = g.rated_power_mw, -1.0, g.min_power_mw
                cf[j, F_QMAX], cf[j, F_PCAP] = g.max_total_flow_m3s, g.max_power_mw
                rng = link.generating_head_range_m
                charts.append(_table_of(g.turbine_efficiency))
            else:
                ci[j, I_KIND], ci[j, I_PARTNER] = K_PUMP, j - 1
                ci[j, I_UP], ci[j, I_DN] = ci[j, I_TO], ci[j, I_FROM]  # pumping lifts from lower to upper
                cf[j, [F_PU, F_S, F_BAND]] = g.rated_pumping_power_mw, 1.0, g.pump_power_band_fraction
                cf[j, F_QMAX], cf[j, F_PCAP] = math.inf, g.max_total_pumping_power_mw
                rng = link.pumping_head_range_m
                charts.append(_table_of(g.pump_efficiency))
            if rng is not None:
                cf[j, F_HLO], cf[j, F_HHI] = rng
        elif isinstance(link, Spillway):
            ci[j, I_KIND] = K_SPILL
            cf[j, F_QMAX] = link.capacity_m3s
        else:
            assert isinstance(link, Release)
            ci[j, I_KIND] = K_RELEASE
            cf[j, F_QMAX], cf[j, F_EMIN] = link.max_flow_m3s, link.environmental_min_flow_m3s
            cf[j, F_RAMP] = link.max_ramp_m3s_per_h * dt_h
    ceta = np.zeros((len(cols), 3))
    for j in range(len(cols)):
        tab = charts[ci[j, I_CHART]][2]
        if ci[j, I_KIND] <= K_PUMP and tab.size == 1:
            eta = float(tab[0, 0])
            a = MW_PER_M3S_M * (eta if ci[j, I_KIND] != K_PUMP else 1.0 / eta)
            ceta[j] = eta, a, 1.0 / a
    const = all(charts[ci[j, I_CHART]][2].size == 1 for j in range(len(cols)) if ci[j, I_KIND] <= K_PUMP)
    nq = max(ch[0].size for ch in charts)
    nh = max(ch[1].size for ch in charts)
    ch_e = np.zeros((len(charts), nq, nh))
    for i, (_, _, tab) in enumerate(charts):
        ch_e[i, : tab.shape[0], : tab.shape[1]] = tab
    reservoirs = network.reservoirs
    vols = [np.asarray(r.curve.volume_hm3, dtype=float) for r in reservoirs]
    levels = [np.asarray(r.curve.level_masl, dtype=float) for r in reservoirs]
    nv = max(v.size for v in vols)
    bounds = [r.volume_bounds_hm3(index) for r in reservoirs]
    kq_rows, kz_rows = [], []
    for k in network.sinks:
        if k.tailwater_curve is not None:
            kq_rows.append(np.asarray(k.tailwater_curve.discharge_m3s, dtype=float))
            kz_rows.append(np.asarray(k.tailwater_curve.level_masl, dtype=float))
        else:
            kq_rows.append(np.zeros(1))
            kz_rows.append(np.array([float(k.lowest_level_masl)]))
    nk = max([q.size for q in kq_rows] + [2])
    order = [res[name] for name in network.upstream_order()]
    T = len(index)
    vt = np.full((len(reservoirs), T), np.nan) if target_volume_hm3 is None else target_volume_hm3
    return Model(
        ci=ci,
        cf=cf,
        ch_q=_padded([ch[0] for ch in charts], nq),
        ch_h=_padded([ch[1] for ch in charts], nh),
        ch_e=ch_e,
        ch_n=np.array([[ch[0].size, ch[1].size] for ch in charts], dtype=np.int64),
        rv=_padded(vols, nv),
        rz=_padded(levels, nv),
        rm=_padded([np.diff(z) / np.diff(v) for v, z in zip(vols, levels, strict=True)], nv),
        rn=np.array([v.size for v in vols], dtype=np.int64),
        kq=_padded(kq_rows, nk),
        kz=_padded(kz_rows, nk),
        km=_padded(
            [
                np.diff(z) / np.diff(q) if q.size > 1 else np.zeros(1)
                for q, z in zip(kq_rows, kz_rows, strict=True)
            ],
            nk,
        ),
        kn=np.array([q.size for q in kq_rows], dtype=np.int64),
        kf=np.array(
            [
                [k.environmental_min_flow_m3s, k.max_flow_m3s, k.max_ramp_m3s_per_h * dt_h]
                for k in network.sinks
            ],
            dtype=float,
        ).reshape(len(network.sinks), 3),
        vmin=np.ascontiguousarray([np.asarray(b[0], dtype=float) for b in bounds]).reshape(
            len(reservoirs), T
        ),
        vmax=np.ascontiguousarray([np.asarray(b[1], dtype=float) for b in bounds]).reshape(
            len(reservoirs), T
        ),
        vtarget=np.ascontiguousarray(vt, dtype=float),
        order=np.array(order, dtype=np.int64),
        c=float(c),
        unit_limits=bool(unit_limits),
        has_line=bool(has_line),
        ceta=ceta,
        lanes=bool(lanes and const and all(q.size == 1 for q in kq_rows)),
    )


def packed_rows(parts: np.ndarray | list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-element inputs, each (S or 1, steps), as the rows and offsets of :class:`Inputs` (``inflow`` and
    ``inflow_at``, ``req`` and ``req_at``). A C-contiguous (elements, S, steps) float array is packed as a view
    of itself (writes into it reach the kernel: :class:`~hydro_sim.simulation.FunctionPolicy` fills its
    requests step by step); other parts are copied into one array."""
    if isinstance(parts, np.ndarray) and parts.dtype == float and parts.flags.c_contiguous:
        n, S1, T = parts.shape
        at = np.zeros((n, 2), dtype=np.int64)
        at[:, 0] = np.arange(n) * S1
        at[:, 1] = 1 if S1 > 1 else 0
        return parts.reshape(n * S1, T), at
    rows = [np.asarray(p, dtype=float) for p in parts]
    at = np.zeros((len(rows), 2), dtype=np.int64)
    first = 0
    for e, p in enumerate(rows):
        at[e] = first, 1 if p.shape[0] > 1 else 0
        first += p.shape[0]
    return np.ascontiguousarray(np.concatenate(rows, axis=0)), at


def work_of(model: Model, width: int = LANES_MAX) -> Work:
    """Scratch arrays for :func:`run`, for blocks of ``width`` lanes."""
    n_col, n_r, n_k = model.ci.shape[0], model.rn.shape[0], model.kn.shape[0]
    return Work(
        wc=np.zeros((len(_COL_ROWS), n_col)),
        wn=np.zeros((len(_NODE_ROWS), n_r + n_k)),
        cut=np.zeros((n_col + n_k, N_LIMITS, 2)),
        res_seg=np.zeros(n_r + n_k, dtype=np.int64),
        n_cut=np.ones(1, dtype=np.int64),
        lanes=np.zeros((lane_rows(n_col, n_r + n_k), width)),
        lseg=np.zeros(n_r * width, dtype=np.int64),
        n_slow=np.zeros(1, dtype=np.int64),
        lflag=np.ones(2, dtype=np.int64),
    )


def outputs_of(model: Model, S: int, T: int, record: bool, event_capacity: int) -> Outputs:
    """Zeroed totals and tallies, and the series (``record``) or one-element stand-ins."""
    n_col, n_r, n_k = model.ci.shape[0], model.rn.shape[0], model.kn.shape[0]
    shape = (S, T) if record else (1, 1)
    tot_res = np.zeros((S, n_r, len(_TOT_RES)))
    tot_res[:, :, TR_VMIN], tot_res[:, :, TR_VMAX] = np.inf, -np.inf
    return Outputs(
        tot_col=np.zeros((S, n_col, len(_TOT_COL))),
        tot_res=tot_res,
        tot_sink=np.zeros((S, n_k)),
        tot_sys=np.zeros((S, len(_TOT_SYS))),
        cut_w=np.zeros((S, n_col + n_k, N_LIMITS)),
        cut_n=np.zeros((S, n_col + n_k, N_LIMITS)),
        cut_e=np.zeros((S, n_col + n_k, N_LIMITS)),
        record=bool(record),
        flow=np.zeros((n_col, *shape)),
        power=np.zeros((n_col, *shape)),
        head=np.zeros((n_col, *shape)),
        volume=np.zeros((n_r, *shape)),
        sink=np.zeros((n_k, *shape)),
        line=np.zeros(shape),
        events=np.zeros((max(event_capacity, 1), len(EV_FIELDS))),
        n_events=np.zeros(1, dtype=np.int64),
    )


def state_of(model: Model, volume_hm3: np.ndarray) -> State:
    """The start state: volumes (S, reservoirs), no previous flows, table segments in the middle."""
    S = volume_hm3.shape[0]
    n_col, n_r, n_k = model.ci.shape[0], model.rn.shape[0], model.kn.shape[0]
    seg = np.zeros((S, n_r + n_k), dtype=np.int64)
    seg[:, :n_r] = model.rn // 2
    return State(
        vol=np.ascontiguousarray(volume_hm3, dtype=float),
        prev=np.full((S, n_col + n_k), np.nan),
        seg=seg,
        start=np.array(volume_hm3, dtype=float),
    )
