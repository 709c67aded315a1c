"""The simulator's step kernel, compiled with numba: the nonlinear physics of one step for all scenarios.

Arrays are shaped (scenarios, steps). Scenarios run in blocks of BLOCK side by side: the loop over steps
is sequential (the state carries forward), and each step is a sequence of loops over the block's lanes,
one per stage below. The loops that are arithmetic only (selects, no branches) compile to SIMD code, eight
scenarios per instruction; the level look-ups use each lane's held table segment and walk the table only
for a volume that left it; Halley's iteration takes its first step in the SIMD loop and finishes the rare
flow that needs more in a scalar loop. Results are the same, bit for bit, as a scenario-at-a-time loop.
Each step, in this order:

1. start levels from the volumes (level–volume tables), gross head H_g = z_up − z_lo (or the tailwater);
2. requests become flows: a power request is turned into flow at the step's head estimate
   (start head plus half the change the requests would make) through P = ρgη Q (H_g − kQ²)/10⁶ for
   turbines and P = ρg Q (H_g + kQ²)/(η 10⁶) for pumps; unit ratings cut what they cannot carry [limit 1];
   pumping and generating at once is cut to the larger mode [limit 6];
3. the automatic release keeps the lower reservoir at its target, within [environmental flow, max];
4. water limits, in closed form (no iteration): outflows of the upper reservoir cannot take it below its
   minimum [limit 2]; pumping cannot take the lower below its minimum once the environmental release is
   reserved [limit 3]; pumping into a full upper reservoir is cut, then the rest spills [limit 4]; the
   release (automatic, or requested) is then set from the settled flows, cut to the water there is, raised
   when the lower reservoir is full [limit 5], and any shortfall below the environmental flow is recorded
   [limit 7]; a requested release below the environmental flow is raised to it where the water is there,
   and the water added is recorded [limit 8] (the environmental flow is a legal minimum, not a request);
   the grid line comes after the water limits and before the release: the net exchange at the busbar,
   P_conv + P_gen − P_pump (the LP's ``power`` row; the simulator carries no PV or wind), must stay within
   ±C, C = min(Plant.line, the scenario's line_capacity_mw) at the step. An export above C cuts the
   reversible generation first (pumped water stays stored for the peak), then the conventional generation
   [limit 9]; the water stays in the upper reservoir, except what the pumps needed from the lower
   reservoir (spilled, without power) and what a full upper reservoir cannot hold (spilled). An import
   above C cuts the pumping [limit 10]. The flows are cut at the head estimate; a lane whose exchange at
   the mid-step head is still beyond the line (a limit after the estimate moved its flows) is done again
   at that head (:func:`_line_redo`). With a line, the head estimate also starts from flows within it;
   the release (automatic or requested) moves at most the outlet's ramp from the previous step's [limit 11]
   (not at a run's first step, as in the LP), after which the environmental flow, the water there is and
   a full lower reservoir still come first;
5. volumes are updated exactly: V_up += c(I_up + Q_p − Q_c − Q_g − S), V_lo += c(I_lo + Q_c + Q_g + S − Q_p − R);
6. power from the flows at the mid-step head, with efficiency curves at the per-unit flow of the units running.

Every cut is recorded per group, step and scenario as water [m³/s over the step] with its limit code.
This kernel runs a :class:`~hydro_sim.plant.Plant`; a :class:`~hydro_sim.network.Network` runs on the
network kernel (:mod:`hydro_sim.simulation._engine`), which has every limit below per element and those this
one lacks. Its scalar physics (tables, charts, powers, flows, the series start and Halley's step) is
:mod:`hydro_sim._physics`, shared with the network kernel and :mod:`hydro_sim.hydraulics`.
Not modelled here (the LP has them in unit-commitment mode only): the units' minimum stable output, the
fixed-speed pump band; the level-change limits of the LP's options; the maximum release and the ramp
of a plant without a lower reservoir (its release is its units' outflow and spill).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hydro_sim import _physics
from hydro_sim._physics import (
    halley_step,
    interp_from,
    jit,
    jit_inline,
    series_flow,
    slopes,
    top_flow,
    unit_flow,
    unit_power,
)
from hydro_sim.constants import MW_PER_M3S_M

if TYPE_CHECKING:
    from hydro_sim.plant import Efficiency

A_MW_PER_M3S_M = MW_PER_M3S_M

# limit codes
NONE, UNIT, UPPER_MIN, LOWER_MIN, UPPER_MAX, LOWER_MAX, MODE, ENV, ENV_RAISED = 0, 1, 2, 3, 4, 5, 6, 7, 8
LINE_EXPORT, LINE_IMPORT, RAMP = 9, 10, 11
LIMIT_NAMES = {
    UNIT: "unit rating",
    UPPER_MIN: "upper minimum level",
    LOWER_MIN: "lower minimum level",
    UPPER_MAX: "upper maximum level",
    LOWER_MAX: "lower maximum level",
    MODE: "pump and generate at once",
    ENV: "environmental flow",
    ENV_RAISED: "environmental flow (release raised)",
    LINE_EXPORT: "line capacity (export)",
    LINE_IMPORT: "line capacity (import)",
    RAMP: "release ramp",
}

# One decorator for every kernel function (numba's disk cache, or none where numba can write none).
_jit = jit
#: The same, for the helpers inlined into their callers. ``forceinline`` asks LLVM to inline them (numba's own
#: ``inline="always"`` copies its IR per call and doubled the compile time); LLVM vectorises their loops over
#: a block (checked with its vectoriser remarks, loop by loop).
_jit_inline = jit_inline
#: Relative excess over a unit rating that counts as round-off, not a cut-back: the LP's heads agree with
#: the simulator's to its head tolerance (0.05 m of ~250 m = 2e-4), so flows it schedules at a rating may
#: exceed it by that much here. [-]
RATING_TOL = 5e-4
#: Passes of the line at the mid-step head for a lane the head estimate missed (:func:`_line_redo`); each
#: divides the head's error by ~100 (the flows move by the error's fraction of the cut), one is the rule.
MAX_LINE_PASSES = 3
#: A power request at or above this means "as much as the units give" (no cut-back is recorded). [MW]
FULL_POWER_MW = 1e11


#: The level tables' interpolation (one source: :mod:`hydro_sim._physics`).
_interp_from = interp_from
__all__ = ["slopes"]  # re-exported for the tests and api (one source: _physics)


@_jit
def _turbine_power(
    q: float, hg: float, k: float, n: int, qmax_u: float, qg: np.ndarray, hgr: np.ndarray, tab: np.ndarray
) -> float:
    return unit_power(q, hg, k, -1.0, n, qmax_u, qg, hgr, tab)


@_jit
def _pump_power(
    q: float, hg: float, k: float, n: int, qmax_u: float, qg: np.ndarray, hgr: np.ndarray, tab: np.ndarray
) -> float:
    return unit_power(q, hg, k, 1.0, n, qmax_u, qg, hgr, tab)


@_jit
def _turbine_flow(
    p: float,
    hg: float,
    k: float,
    n: int,
    qmax_u: float,
    pmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> tuple[float, bool]:
    """Flow for power p at gross head hg, capped by the unit ratings: (flow, capped) (:func:`unit_flow`)."""
    if p <= 0.0:
        return 0.0, False
    capped = p > n * pmax_u
    p = min(p, n * pmax_u)
    q_top = top_flow(hg, k, -1.0, n * qmax_u)
    if unit_power(q_top, hg, k, -1.0, n, qmax_u, qg, hgr, tab) <= p:
        return q_top, True
    return unit_flow(p, hg, k, -1.0, n, qmax_u, n * qmax_u, qg, hgr, tab), capped


@_jit
def _pump_flow(
    p: float, hg: float, k: float, n: int, qmax_u: float, qg: np.ndarray, hgr: np.ndarray, tab: np.ndarray
) -> float:
    """Pumped flow for input p at gross head hg (:func:`unit_flow`)."""
    return unit_flow(p, hg, k, 1.0, n, qmax_u, math.inf, qg, hgr, tab)


# -- constant-efficiency flows, without branches ----------------------------------------------------------
# A group with a constant efficiency (``eta`` > 0) runs on the helpers below. They take scalars and have no
# branches (only selects), so the compiler turns the loops over a block of scenarios that call them into
# SIMD code: several scenarios per instruction. Halley's iteration is split: the first step runs in that
# loop; the rare scenario whose flow needs more steps is finished in a scalar loop afterwards. A group with
# an efficiency chart (``eta`` = −1) runs on the chart functions above, one scenario at a time.


#: Halley's method stops once its last step moved the flow by less than this fraction: its error is then
#: about (x/(1 − 3x) + 9x²/(1 − 3x)²)·HALLEY_STEP_REL³ of the flow (x = kQ²/H_g, the loss fraction, a few
#: %), below 1e-13. From the series start (relative error 273x⁵, ~1e-5) one step is the rule. [-]
HALLEY_STEP_REL = 1e-4
#: Halley steps at most (as the chart functions' Newton iterations).
MAX_STEPS = 30


@_jit_inline
def _tq(
    p: float, hg: float, ih: float, k: float, qmax: float, pmax: float, a: float, inv_a: float
) -> tuple[float, float, float, bool, bool]:
    """Start of the turbine flow for power ``p`` at gross head ``hg`` (``ih`` = 1/H_g) for a group with
    constant efficiency: ``a`` = ρgη/10⁶ (``inv_a`` = 1/a), total flow ``qmax``, total rating ``pmax``.

    The series root of :func:`hydro_sim._physics.series_flow`. Returns (flow, top flow, power solved for,
    capped, solving): a request above the rating is capped at it; when even the top flow (the units'
    maximum, or the flow of maximum power √(H_g/3k)) gives no more than the power, the flow is the top flow
    (capped); ``solving`` is true when the flow still needs Halley's steps (:func:`_h_step`)."""
    q_top = qmax if (k <= 0.0) | (3.0 * k * qmax * qmax <= hg) else math.sqrt(hg / (3.0 * k))
    pe = min(p, pmax)
    top = (q_top <= 0.0) | (a * q_top * (hg - k * q_top * q_top) <= pe)
    q = min(series_flow(pe, ih, k, -1.0, inv_a), q_top)
    pos = p > 0.0
    q = (q_top if top else q) if pos else 0.0
    return q, q_top, pe, pos & ((p > pmax) | top), pos & (not top)


@_jit_inline
def _h_step(q: float, p: float, hg: float, k: float, s: float, a: float, q_top: float) -> tuple[float, bool]:
    """One Halley step (:func:`hydro_sim._physics.halley_step`) on a turbine's (s = −1, flow at most
    ``q_top``) or a pump's (s = +1, ``q_top`` infinite) flow; returns (flow, more): ``more`` when the step
    moved the flow by more than HALLEY_STEP_REL (see :func:`_h_rest`)."""
    dq, f = halley_step(q, p, hg, k, s, a)
    q1 = min(q - dq, q_top)
    done = abs(f) <= 1e-11 * p
    return (q if done else q1), (not done) & (abs(dq) > HALLEY_STEP_REL * q1)


@_jit
def _h_rest(q: float, p: float, hg: float, k: float, s: float, a: float, q_top: float) -> float:
    """Halley's steps after the first, until a step moves the flow by less than HALLEY_STEP_REL."""
    for _ in range(MAX_STEPS - 1):
        q, more = _h_step(q, p, hg, k, s, a, q_top)
        if not more:
            break
    return q


@_jit_inline
def _pq(p: float, hg: float, ih: float, k: float, b: float, inv_b: float) -> float:
    """Start of the pumped flow for input ``p``, constant efficiency, ``b`` = ρg/(10⁶η): the series root
    (:func:`hydro_sim._physics.series_flow`); zero for no input."""
    q = series_flow(p, ih, k, 1.0, inv_b)
    return q if p > 0.0 else 0.0


@_jit_inline
def _tally(
    L: np.ndarray, nb: int, g: int, code_row: int, cut_row: int, with_line: bool, with_ramp: bool
) -> None:
    """Add group ``g``'s cut-backs of the step to the block's tally rows: water and steps per limit code
    (TALLY_CODES: the codes :func:`_limits` can give the group; a step without a code has no cut-back)."""
    base = L_TALLY + 2 * N_TALLY_CODES * g * BLOCK
    k0, k1, k2, k3, k4 = TALLY_CODES[g]
    for i in range(nb):
        code, cut = L[code_row + i], L[cut_row + i]
        # a slot without a code (−1), or of a limit the run does not have (no line, no ramp), is skipped:
        # ``g`` and the flags are constants where this is inlined, so the test is resolved at compile time
        if (k0 >= 0) & (with_line | ((k0 != LINE_EXPORT) & (k0 != LINE_IMPORT))) & (with_ramp | (k0 != RAMP)):
            L[base + i] += cut if code == k0 else 0.0
            L[base + 5 * BLOCK + i] += 1.0 if code == k0 else 0.0
        if (k1 >= 0) & (with_line | ((k1 != LINE_EXPORT) & (k1 != LINE_IMPORT))) & (with_ramp | (k1 != RAMP)):
            L[base + BLOCK + i] += cut if code == k1 else 0.0
            L[base + 6 * BLOCK + i] += 1.0 if code == k1 else 0.0
        if (k2 >= 0) & (with_line | ((k2 != LINE_EXPORT) & (k2 != LINE_IMPORT))) & (with_ramp | (k2 != RAMP)):
            L[base + 2 * BLOCK + i] += cut if code == k2 else 0.0
            L[base + 7 * BLOCK + i] += 1.0 if code == k2 else 0.0
        if (k3 >= 0) & (with_line | ((k3 != LINE_EXPORT) & (k3 != LINE_IMPORT))) & (with_ramp | (k3 != RAMP)):
            L[base + 3 * BLOCK + i] += cut if code == k3 else 0.0
            L[base + 8 * BLOCK + i] += 1.0 if code == k3 else 0.0
        if (k4 >= 0) & (with_line | ((k4 != LINE_EXPORT) & (k4 != LINE_IMPORT))) & (with_ramp | (k4 != RAMP)):
            L[base + 4 * BLOCK + i] += cut if code == k4 else 0.0
            L[base + 9 * BLOCK + i] += 1.0 if code == k4 else 0.0


@_jit_inline
def _tally_groups(L: np.ndarray, nb: int, with_line: bool, with_ramp: bool) -> None:
    """:func:`_tally` for the four groups."""
    _tally(L, nb, G_CONV, L_CODECO, L_CUTC, with_line, with_ramp)
    _tally(L, nb, G_GEN, L_CODEGO, L_CUTG, with_line, with_ramp)
    _tally(L, nb, G_PUMP, L_CODEPO, L_CUTP, with_line, with_ramp)
    _tally(L, nb, G_RELEASE, L_CODER, L_CUTR, with_line, with_ramp)


@_jit_inline
def _record_cut(s: int, t: int, code: float, cut: float, out_cut: np.ndarray, out_code: np.ndarray) -> None:
    """Write a group's cut-back of one step to the recorded series. They arrive zeroed: only steps with a
    cut-back are written (most have none, and untouched zero pages cost no memory traffic)."""
    if code != NONE or cut != 0.0:
        out_cut[s, t] = cut
        out_code[s, t] = int(code)


# -- per-scenario totals accumulated by the kernel (columns of ``totals``) ---------------------------------
TOT_IN_UP, TOT_IN_LO, TOT_Q_CONV, TOT_Q_GEN, TOT_Q_PUMP, TOT_SPILL, TOT_RELEASE = 0, 1, 2, 3, 4, 5, 6
TOT_P_CONV, TOT_P_GEN, TOT_P_PUMP, TOT_REVENUE = 7, 8, 9, 10
TOT_SHORT_CONV, TOT_SHORT_GEN, TOT_SHORT_PUMP = 11, 12, 13
TOT_VUP_MIN, TOT_VUP_MAX, TOT_VLO_MIN, TOT_VLO_MAX = 14, 15, 16, 17
N_TOT = 18
#: Groups of the cut-back tallies ``cut_water[s, group, limit]`` and ``cut_steps[s, group, limit]``.
G_CONV, G_GEN, G_PUMP, G_RELEASE = 0, 1, 2, 3
N_LIMITS = 12

# -- the block of scenarios run side by side: one row of ``lanes`` per quantity, one column per scenario ----
#: Scenarios per block: the block's rows (N_LANE_ROWS of BLOCK floats, 27 KiB) stay in the 32 KiB first-level
#: cache; 16 or 64 measured the same.
BLOCK = 32
(
    L_IU,
    L_IL,
    L_PR,
    L_RC,
    L_RG,
    L_RP,
    L_SP,
    L_RL,  # the step's inputs and requests
    L_VU,
    L_VL,  # volumes at the start of the step
    L_HG,  # gross head: at the start, then the estimate
    L_QC,
    L_QG,
    L_QP,  # flows: estimates, then requested flows solved
    L_TOPC,
    L_TOPG,
    L_PEC,
    L_PEG,
    L_PEP,  # top flows and powers solved for
    L_MOREC,
    L_MOREG,
    L_MOREP,  # 1: the flow needs more Halley steps
    L_CODEC,
    L_CODEG,
    L_CODEP,  # unit-rating codes
    L_VUN,
    L_VLN,
    L_SPO,
    L_RLO,  # end volumes, spill and release
    L_CUTC,
    L_CUTG,
    L_CUTP,
    L_CUTR,
    L_CODER,  # cut-backs
    L_QCO,
    L_QGO,
    L_QPO,  # flows after the limits
    L_PC,
    L_PG,
    L_PP,  # powers at the mid-step head
    L_LINE,
    L_EX,
    L_CODECO,
    L_CODEGO,
    L_CODEPO,  # line limit, its excess, codes after the limits
    L_RPREV,  # the previous step's release (NaN: none yet)
    L_XU,
    L_XL,
    L_ZU,
    L_ZL,
    L_OUT,  # volumes → levels, and which left their segment
    L_SEGU,
    _,
    _,
    _,
    _,
    L_SEGL,
    _,
    _,
    _,
    _,
) = range(0, 61 * BLOCK, BLOCK)
# Each reservoir's level segment per lane: 5 rows from L_SEGU / L_SEGL, at these offsets: the segment's
# start volume and level, its slope, and the volumes it holds, [lower, upper) (infinite at the table's ends,
# where the level is extrapolated).
SEG_X, SEG_Y, SEG_M, SEG_LO, SEG_HI = 0, BLOCK, 2 * BLOCK, 3 * BLOCK, 4 * BLOCK
L_SUM = 61 * BLOCK  # the N_TOT running totals follow
#: The limit codes each group's cut-backs can carry (−1: none), in the order of the tally rows.
TALLY_CODES = (
    (UNIT, UPPER_MIN, LINE_EXPORT, -1, -1),
    (UNIT, UPPER_MIN, MODE, LINE_EXPORT, -1),
    (UNIT, MODE, LOWER_MIN, UPPER_MAX, LINE_IMPORT),
    (LOWER_MAX, ENV, ENV_RAISED, RAMP, -1),
)
N_TALLY_CODES = 5
L_TALLY = L_SUM + N_TOT * BLOCK  # per group: 5 rows of water, then 5 rows of steps, one per code above
N_TALLY_ROWS = 8 * N_TALLY_CODES
N_LANE_ROWS = 61 + N_TOT + N_TALLY_ROWS


def lane_scratch() -> tuple[np.ndarray, np.ndarray]:
    """Work arrays of one block for :func:`run`: (quantities × BLOCK) floats and (2 × BLOCK) segments."""
    return np.zeros(N_LANE_ROWS * BLOCK), np.zeros(2 * BLOCK, dtype=np.int64)


@_jit
def run(
    t0: int,
    t1: int,
    c: float,
    has_lower: bool,
    tailwater: float,
    z_up_tab: np.ndarray,
    v_up_tab: np.ndarray,
    m_up: np.ndarray,
    z_lo_tab: np.ndarray,
    v_lo_tab: np.ndarray,
    m_lo: np.ndarray,
    vmin_up: np.ndarray,
    vmax_up: np.ndarray,
    vmin_lo: np.ndarray,
    vmax_lo: np.ndarray,
    inflow_up: np.ndarray,
    inflow_lo: np.ndarray,
    price: np.ndarray,
    req_conv: np.ndarray,
    conv_is_power: bool,
    req_gen: np.ndarray,
    gen_is_power: bool,
    req_pump: np.ndarray,
    pump_is_power: bool,
    req_spill: np.ndarray,
    req_release: np.ndarray,
    v_lo_target: np.ndarray,
    has_line: bool,
    line_cap: np.ndarray,
    n_c: int,
    qmax_c: float,
    pmax_c: float,
    k_c: float,
    eta_c: float,
    qg_c: np.ndarray,
    hg_c: np.ndarray,
    tab_c: np.ndarray,
    n_r: int,
    qmax_r: float,
    pmax_r: float,
    pmax_pump_r: float,
    k_r: float,
    eta_t: float,
    qg_t: np.ndarray,
    hg_t: np.ndarray,
    tab_t: np.ndarray,
    eta_p: float,
    qg_p: np.ndarray,
    hg_p: np.ndarray,
    tab_p: np.ndarray,
    env_min: float,
    release_max: float,
    ramp: float,
    r_prev: np.ndarray,
    v_up: np.ndarray,
    v_lo: np.ndarray,
    totals: np.ndarray,
    cut_water: np.ndarray,
    cut_steps: np.ndarray,
    record: bool,
    out_q_conv: np.ndarray,
    out_q_gen: np.ndarray,
    out_q_pump: np.ndarray,
    out_spill: np.ndarray,
    out_release: np.ndarray,
    out_v_up: np.ndarray,
    out_v_lo: np.ndarray,
    out_p_conv: np.ndarray,
    out_p_gen: np.ndarray,
    out_p_pump: np.ndarray,
    out_head: np.ndarray,
    out_cut_conv: np.ndarray,
    out_cut_gen: np.ndarray,
    out_cut_pump: np.ndarray,
    out_cut_release: np.ndarray,
    out_code_conv: np.ndarray,
    out_code_gen: np.ndarray,
    out_code_pump: np.ndarray,
    out_code_release: np.ndarray,
    lanes: np.ndarray,
    segs: np.ndarray,
) -> None:
    """Run steps t0…t1−1 for every scenario; ``v_up``/``v_lo`` (scenarios,) hold the state and are updated.

    Inputs shaped (scenarios, steps) may have one row only, shared by every scenario (a broadcast: one
    price or one schedule for all). ``eta_*`` is a group's constant efficiency, or −1 when its chart
    (``qg``, ``hg``, ``tab``) applies. ``totals`` (scenarios, N_TOT) and the cut-back tallies
    (scenarios, 4, N_LIMITS) are added to; the ``out_*`` series (scenarios, steps) are written only when
    ``record`` is true. A NaN in ``req_release`` means the automatic release (lower reservoir held at
    ``v_lo_target``). ``line_cap`` (scenarios or 1, steps) is the line's limit in both directions, read
    only when ``has_line``. ``ramp`` is the release's largest change from one step to the next (infinite
    for none) and ``r_prev`` (scenarios,) each scenario's release of the step before t0 (NaN: none, as at
    the start of a run); it is updated. ``lanes``, ``segs``: work arrays from :func:`lane_scratch`.

    Scenarios run in blocks of BLOCK, side by side, and each step is a sequence of loops over the block:
    the loops with arithmetic only compile to SIMD code; the table walks for volumes that left their level
    segment, the charts' iterations, the rare extra Halley steps and the recorded series are scalar loops."""
    S = v_up.shape[0]
    L = lanes
    inv_c = 1.0 / c
    rate_c, rate_g = n_c * pmax_c, n_r * pmax_r
    qcap_c, qcap_g = n_c * qmax_c, n_r * qmax_r
    const_c, const_t, const_p = eta_c > 0.0, eta_t > 0.0, eta_p > 0.0
    const_all = const_c and const_t and const_p
    has_ramp = has_lower and ramp < math.inf
    a_c = A_MW_PER_M3S_M * eta_c
    a_t = A_MW_PER_M3S_M * eta_t
    b_p = A_MW_PER_M3S_M * (1.0 / eta_p)
    inv_a_c, inv_a_t, inv_b_p = 1.0 / a_c, 1.0 / a_t, 1.0 / b_p
    tol = 1.0 + RATING_TOL
    for s0 in range(0, S, BLOCK):
        nb = min(BLOCK, S - s0)
        for i in range(nb):
            L[L_VU + i] = v_up[s0 + i]
            L[L_VL + i] = v_lo[s0 + i]
            L[L_RPREV + i] = r_prev[s0 + i]
            for k in range(N_TOT):
                L[L_SUM + k * BLOCK + i] = 0.0
            for k in range(N_TALLY_ROWS):
                L[L_TALLY + k * BLOCK + i] = 0.0
            L[L_SUM + TOT_VUP_MIN * BLOCK + i] = L[L_SUM + TOT_VUP_MAX * BLOCK + i] = v_up[s0 + i]
            L[L_SUM + TOT_VLO_MIN * BLOCK + i] = L[L_SUM + TOT_VLO_MAX * BLOCK + i] = v_lo[s0 + i]
            segs[i] = v_up_tab.shape[0] // 2
            segs[BLOCK + i] = v_lo_tab.shape[0] // 2
            _set_segment(
                L,
                i,
                L_SEGU,
                _interp_from(v_up[s0 + i], v_up_tab, z_up_tab, m_up, segs[i])[1],
                v_up_tab,
                z_up_tab,
                m_up,
                segs,
                0,
            )
            _set_segment(
                L,
                i,
                L_SEGL,
                _interp_from(v_lo[s0 + i], v_lo_tab, z_lo_tab, m_lo, segs[BLOCK + i])[1],
                v_lo_tab,
                z_lo_tab,
                m_lo,
                segs,
                BLOCK,
            )
        for t in range(t0, t1):
            vmin_u, vmax_u, vmin_l, vmax_l, vlt = (
                vmin_up[t],
                vmax_up[t],
                vmin_lo[t],
                vmax_lo[t],
                v_lo_target[t],
            )
            # 1. the step's inputs, and the gross head at the start (levels from the volumes)
            _load(L, L_IU, inflow_up, s0, nb, t)
            _load(L, L_IL, inflow_lo, s0, nb, t)
            _load(L, L_PR, price, s0, nb, t)
            _load(L, L_RC, req_conv, s0, nb, t)
            _load(L, L_RG, req_gen, s0, nb, t)
            _load(L, L_RP, req_pump, s0, nb, t)
            _load(L, L_SP, req_spill, s0, nb, t)
            if has_line:
                _load(L, L_LINE, line_cap, s0, nb, t)
            if has_lower:
                _load(L, L_RL, req_release, s0, nb, t)
            else:
                for i in range(nb):
                    L[L_RL + i] = 0.0
            _levels(
                L,
                nb,
                L_VU,
                L_VL,
                True,
                has_lower,
                tailwater,
                z_up_tab,
                v_up_tab,
                m_up,
                z_lo_tab,
                v_lo_tab,
                m_lo,
                segs,
            )
            # 2. requests → flows at the start head, to estimate the head over the step (so that ratings are
            #    checked at the mid-step head the power is reckoned at); requests beyond the ratings count at
            #    the ratings
            _estimate_turbine(
                L,
                nb,
                L_RC,
                L_QC,
                n_c,
                conv_is_power,
                const_c,
                qcap_c,
                rate_c,
                k_c,
                a_c,
                inv_a_c,
                qmax_c,
                pmax_c,
                qg_c,
                hg_c,
                tab_c,
            )
            _estimate_turbine(
                L,
                nb,
                L_RG,
                L_QG,
                n_r,
                gen_is_power,
                const_t,
                qcap_g,
                rate_g,
                k_r,
                a_t,
                inv_a_t,
                qmax_r,
                pmax_r,
                qg_t,
                hg_t,
                tab_t,
            )
            _estimate_pump(
                L, nb, n_r, pump_is_power, const_p, pmax_pump_r, k_r, b_p, inv_b_p, qmax_r, qg_p, hg_p, tab_p
            )
            if has_line:  # the estimate within the line, so that the head estimate is the line's
                if const_all:  # the powers in the same loop (one pass over the block)
                    n_over = 0
                    for i in range(nb):
                        hg = L[L_HG + i]
                        pc = L[L_PC + i] = _const_power(L[L_QC + i], hg, a_c, k_c, -1.0)
                        pg = L[L_PG + i] = _const_power(L[L_QG + i], hg, a_t, k_r, -1.0)
                        pp = L[L_PP + i] = _const_power(L[L_QP + i], hg, b_p, k_r, 1.0)
                        n_over += _estimate_over(L, i, pc, pg, pp, tol)
                else:
                    _power(L, nb, L_QC, L_PC, n_c, const_c, a_c, k_c, True, qmax_c, qg_c, hg_c, tab_c)
                    _power(L, nb, L_QG, L_PG, n_r, const_t, a_t, k_r, True, qmax_r, qg_t, hg_t, tab_t)
                    _power(L, nb, L_QP, L_PP, n_r, const_p, b_p, k_r, False, qmax_r, qg_p, hg_p, tab_p)
                    n_over = 0
                    for i in range(nb):
                        n_over += _estimate_over(L, i, L[L_PC + i], L[L_PG + i], L[L_PP + i], tol)
                if n_over > 0:  # only the lanes beyond the line change (L_EX > 0)
                    _line_estimate(L, nb)
            # 3. the head estimate: start head plus half the change those flows would make
            for i in range(nb):
                qc, qg, qp, sp, il, vl = (
                    L[L_QC + i],
                    L[L_QG + i],
                    L[L_QP + i],
                    L[L_SP + i],
                    L[L_IL + i],
                    L[L_VL + i],
                )
                L[L_XU + i] = L[L_VU + i] + 0.5 * (c * (L[L_IU + i] + qp - qc - qg - sp))
                # the release as the automatic release below (hold the target, within limits) or as requested
                rl_req = L[L_RL + i]
                rl_e = (
                    min(max(il + qc + qg + sp - qp + (vl - vlt) * inv_c, env_min), release_max)
                    if math.isnan(rl_req)
                    else max(rl_req, env_min)
                )
                L[L_XL + i] = vl + 0.5 * c * (il + qc + qg + sp - qp - rl_e)
            _levels(
                L,
                nb,
                L_XU,
                L_XL,
                False,
                has_lower,
                tailwater,
                z_up_tab,
                v_up_tab,
                m_up,
                z_lo_tab,
                v_lo_tab,
                m_lo,
                segs,
            )
            # 4. requests → flows at the head estimate; unit ratings [1]
            _solve_turbine(
                L,
                nb,
                L_RC,
                L_QC,
                L_TOPC,
                L_PEC,
                L_CODEC,
                L_MOREC,
                n_c,
                conv_is_power,
                const_c,
                qcap_c,
                rate_c,
                k_c,
                a_c,
                inv_a_c,
                tol,
                qmax_c,
                pmax_c,
                qg_c,
                hg_c,
                tab_c,
            )
            _solve_turbine(
                L,
                nb,
                L_RG,
                L_QG,
                L_TOPG,
                L_PEG,
                L_CODEG,
                L_MOREG,
                n_r,
                gen_is_power,
                const_t,
                qcap_g,
                rate_g,
                k_r,
                a_t,
                inv_a_t,
                tol,
                qmax_r,
                pmax_r,
                qg_t,
                hg_t,
                tab_t,
            )
            _solve_pump(
                L,
                nb,
                n_r,
                pump_is_power,
                const_p,
                pmax_pump_r,
                k_r,
                b_p,
                inv_b_p,
                tol,
                qmax_r,
                qg_p,
                hg_p,
                tab_p,
            )
            more = 0
            for i in range(nb):
                more += (L[L_MOREC + i] > 0.0) | (L[L_MOREG + i] > 0.0) | (L[L_MOREP + i] > 0.0)
            if more > 0:  # the rare flow that one Halley step leaves short of round-off
                for i in range(nb):
                    hg = L[L_HG + i]
                    if L[L_MOREC + i] > 0.0:
                        L[L_QC + i] = _h_rest(L[L_QC + i], L[L_PEC + i], hg, k_c, -1.0, a_c, L[L_TOPC + i])
                    if L[L_MOREG + i] > 0.0:
                        L[L_QG + i] = _h_rest(L[L_QG + i], L[L_PEG + i], hg, k_r, -1.0, a_t, L[L_TOPG + i])
                    if L[L_MOREP + i] > 0.0:
                        L[L_QP + i] = _h_rest(L[L_QP + i], L[L_PEP + i], hg, k_r, 1.0, b_p, math.inf)
            # 5. a unit cannot pump and generate at once [6]; the water limits [2–4]; the line [9, 10] at the
            #    head estimate; the release [5, 7, 8]; the volumes
            if not has_line and not has_ramp:
                for i in range(nb):
                    _limits(
                        L,
                        i,
                        conv_is_power,
                        gen_is_power,
                        pump_is_power,
                        n_c,
                        n_r,
                        has_lower,
                        inv_c,
                        vmin_u,
                        vmax_u,
                        vmin_l,
                        env_min,
                    )
                    _settle(L, i, has_lower, c, inv_c, vmin_l, vmax_l, vlt, env_min, release_max, ramp, False)
            elif not has_line:
                for i in range(nb):
                    _limits(
                        L,
                        i,
                        conv_is_power,
                        gen_is_power,
                        pump_is_power,
                        n_c,
                        n_r,
                        has_lower,
                        inv_c,
                        vmin_u,
                        vmax_u,
                        vmin_l,
                        env_min,
                    )
                    _settle(L, i, has_lower, c, inv_c, vmin_l, vmax_l, vlt, env_min, release_max, ramp, True)
            else:
                n_over = 0
                if const_all:  # the limits, the powers at the estimate and the check in one pass
                    for i in range(nb):
                        _limits(
                            L,
                            i,
                            conv_is_power,
                            gen_is_power,
                            pump_is_power,
                            n_c,
                            n_r,
                            has_lower,
                            inv_c,
                            vmin_u,
                            vmax_u,
                            vmin_l,
                            env_min,
                        )
                        hg = L[L_HG + i]
                        pc = L[L_PC + i] = _const_power(L[L_QCO + i], hg, a_c, k_c, -1.0)
                        pg = L[L_PG + i] = _const_power(L[L_QGO + i], hg, a_t, k_r, -1.0)
                        pp = L[L_PP + i] = _const_power(L[L_QPO + i], hg, b_p, k_r, 1.0)
                        net = pc + pg - pp
                        cap = L[L_LINE + i] * tol
                        L[L_EX + i] = net
                        n_over += (net > cap) | (-net > cap)
                else:
                    for i in range(nb):
                        _limits(
                            L,
                            i,
                            conv_is_power,
                            gen_is_power,
                            pump_is_power,
                            n_c,
                            n_r,
                            has_lower,
                            inv_c,
                            vmin_u,
                            vmax_u,
                            vmin_l,
                            env_min,
                        )
                    _power(L, nb, L_QCO, L_PC, n_c, const_c, a_c, k_c, True, qmax_c, qg_c, hg_c, tab_c)
                    _power(L, nb, L_QGO, L_PG, n_r, const_t, a_t, k_r, True, qmax_r, qg_t, hg_t, tab_t)
                    _power(L, nb, L_QPO, L_PP, n_r, const_p, b_p, k_r, False, qmax_r, qg_p, hg_p, tab_p)
                    n_over = _line_check(L, nb, tol)
                if n_over > 0:  # the rare block where the line binds: lane by lane
                    for i in range(nb):
                        _line_cut(
                            L,
                            i,
                            tol,
                            has_lower,
                            inv_c,
                            vmin_u,
                            vmax_u,
                            vmin_l,
                            env_min,
                            const_c,
                            k_c,
                            qcap_c,
                            rate_c,
                            a_c,
                            inv_a_c,
                            n_c,
                            qmax_c,
                            pmax_c,
                            qg_c,
                            hg_c,
                            tab_c,
                            const_t,
                            k_r,
                            qcap_g,
                            rate_g,
                            a_t,
                            inv_a_t,
                            n_r,
                            qmax_r,
                            pmax_r,
                            qg_t,
                            hg_t,
                            tab_t,
                            const_p,
                            b_p,
                            inv_b_p,
                            qg_p,
                            hg_p,
                            tab_p,
                        )
                if has_ramp:
                    for i in range(nb):
                        _settle(
                            L, i, has_lower, c, inv_c, vmin_l, vmax_l, vlt, env_min, release_max, ramp, True
                        )
                else:
                    for i in range(nb):
                        _settle(
                            L, i, has_lower, c, inv_c, vmin_l, vmax_l, vlt, env_min, release_max, ramp, False
                        )
            # 6. power at the mid-step head
            for i in range(nb):
                L[L_XU + i] = 0.5 * (L[L_VU + i] + L[L_VUN + i])
                L[L_XL + i] = 0.5 * (L[L_VL + i] + L[L_VLN + i])
            _levels(
                L,
                nb,
                L_XU,
                L_XL,
                False,
                has_lower,
                tailwater,
                z_up_tab,
                v_up_tab,
                m_up,
                z_lo_tab,
                v_lo_tab,
                m_lo,
                segs,
            )
            _power(L, nb, L_QCO, L_PC, n_c, const_c, a_c, k_c, True, qmax_c, qg_c, hg_c, tab_c)
            _power(L, nb, L_QGO, L_PG, n_r, const_t, a_t, k_r, True, qmax_r, qg_t, hg_t, tab_t)
            _power(L, nb, L_QPO, L_PP, n_r, const_p, b_p, k_r, False, qmax_r, qg_p, hg_p, tab_p)
            if has_line:  # the line at the mid-step head: the rare lane the estimate missed is done again
                for _ in range(MAX_LINE_PASSES):
                    if _line_check(L, nb, tol) == 0:
                        break
                    for i in range(nb):
                        net, cap = L[L_EX + i], L[L_LINE + i] * tol
                        if net > cap or -net > cap:
                            _line_redo(
                                L,
                                i,
                                tol,
                                conv_is_power,
                                gen_is_power,
                                pump_is_power,
                                has_lower,
                                c,
                                inv_c,
                                vmin_u,
                                vmax_u,
                                vmin_l,
                                vmax_l,
                                vlt,
                                env_min,
                                release_max,
                                ramp,
                                tailwater,
                                z_up_tab,
                                v_up_tab,
                                m_up,
                                z_lo_tab,
                                v_lo_tab,
                                m_lo,
                                segs,
                                const_c,
                                k_c,
                                qcap_c,
                                rate_c,
                                a_c,
                                inv_a_c,
                                n_c,
                                qmax_c,
                                pmax_c,
                                qg_c,
                                hg_c,
                                tab_c,
                                const_t,
                                k_r,
                                qcap_g,
                                rate_g,
                                a_t,
                                inv_a_t,
                                n_r,
                                qmax_r,
                                pmax_r,
                                qg_t,
                                hg_t,
                                tab_t,
                                const_p,
                                b_p,
                                inv_b_p,
                                qg_p,
                                hg_p,
                                tab_p,
                            )
            # 7. totals, and the state moves on
            for i in range(nb):
                _accumulate(L, i, conv_is_power, gen_is_power, pump_is_power)
            # 8. cut-backs: tallied per group and limit always, and written per step when the series are recorded
            if has_line and has_ramp:
                _tally_groups(L, nb, True, True)
            elif has_line:
                _tally_groups(L, nb, True, False)
            elif has_ramp:
                _tally_groups(L, nb, False, True)
            else:
                _tally_groups(L, nb, False, False)
            if record:
                for i in range(nb):
                    s = s0 + i
                    _record_cut(s, t, L[L_CODECO + i], L[L_CUTC + i], out_cut_conv, out_code_conv)
                    _record_cut(s, t, L[L_CODEGO + i], L[L_CUTG + i], out_cut_gen, out_code_gen)
                    _record_cut(s, t, L[L_CODEPO + i], L[L_CUTP + i], out_cut_pump, out_code_pump)
                    _record_cut(s, t, L[L_CODER + i], L[L_CUTR + i], out_cut_release, out_code_release)
                    out_p_conv[s, t] = L[L_PC + i]
                    out_p_gen[s, t] = L[L_PG + i]
                    out_p_pump[s, t] = L[L_PP + i]
                    out_head[s, t] = L[L_HG + i]
                    out_q_conv[s, t] = L[L_QCO + i]
                    out_q_gen[s, t] = L[L_QGO + i]
                    out_q_pump[s, t] = L[L_QPO + i]
                    out_spill[s, t] = L[L_SPO + i]
                    out_release[s, t] = L[L_RLO + i]
                    out_v_up[s, t] = L[L_VU + i]
                    out_v_lo[s, t] = L[L_VL + i]
        for i in range(nb):
            s = s0 + i
            v_up[s] = L[L_VU + i]
            v_lo[s] = L[L_VL + i]
            r_prev[s] = L[L_RPREV + i]
            tot = totals[s]
            for k in range(TOT_VUP_MIN):
                tot[k] += L[L_SUM + k * BLOCK + i]
            tot[TOT_VUP_MIN] = min(tot[TOT_VUP_MIN], L[L_SUM + TOT_VUP_MIN * BLOCK + i])
            tot[TOT_VUP_MAX] = max(tot[TOT_VUP_MAX], L[L_SUM + TOT_VUP_MAX * BLOCK + i])
            tot[TOT_VLO_MIN] = min(tot[TOT_VLO_MIN], L[L_SUM + TOT_VLO_MIN * BLOCK + i])
            tot[TOT_VLO_MAX] = max(tot[TOT_VLO_MAX], L[L_SUM + TOT_VLO_MAX * BLOCK + i])
            for g in range(4):
                for m in range(N_TALLY_CODES):
                    k = TALLY_CODES[g][m]
                    if k >= 0:
                        cut_water[s, g, k] += L[L_TALLY + (2 * N_TALLY_CODES * g + m) * BLOCK + i]
                        cut_steps[s, g, k] += int(
                            L[L_TALLY + (2 * N_TALLY_CODES * g + N_TALLY_CODES + m) * BLOCK + i]
                        )


@_jit_inline
def _load(L: np.ndarray, row: int, x: np.ndarray, s0: int, nb: int, t: int) -> None:
    """Step ``t`` of input ``x`` (scenarios or 1, steps) for the block's lanes into ``row``."""
    if x.shape[0] > 1:
        for i in range(nb):
            L[row + i] = x[s0 + i, t]
    else:
        v = x[0, t]
        for i in range(nb):
            L[row + i] = v


@_jit
def _set_segment(
    L: np.ndarray,
    i: int,
    seg: int,
    j: int,
    xs: np.ndarray,
    ys: np.ndarray,
    ms: np.ndarray,
    segs: np.ndarray,
    at: int,
) -> None:
    """Hold segment ``j`` of a level table as the lane's segment (rows from ``seg``; ``segs[at + i]``)."""
    segs[at + i] = j
    L[seg + SEG_X + i] = xs[j]
    L[seg + SEG_Y + i] = ys[j]
    L[seg + SEG_M + i] = ms[j]
    L[seg + SEG_LO + i] = xs[j] if j > 0 else -np.inf
    L[seg + SEG_HI + i] = xs[j + 1] if j < xs.shape[0] - 2 else np.inf


@_jit_inline
def _levels(
    L: np.ndarray,
    nb: int,
    xu: int,
    xl: int,
    move: bool,
    has_lower: bool,
    tailwater: float,
    z_up_tab: np.ndarray,
    v_up_tab: np.ndarray,
    m_up: np.ndarray,
    z_lo_tab: np.ndarray,
    v_lo_tab: np.ndarray,
    m_lo: np.ndarray,
    segs: np.ndarray,
) -> None:
    """Levels of both reservoirs at the volumes in rows ``xu``, ``xl`` into L_ZU, L_ZL, and the gross head
    into L_HG: from each lane's segment (arithmetic only: SIMD), then, for the volumes outside it, by the
    table walk of :func:`_interp_from` (the same value: the walk ends on the one segment holding the volume).
    With ``move`` the lane's segment moves to the new one (the start of the step)."""
    n_out = 0
    for i in range(nb):
        x = L[xu + i]
        L[L_ZU + i] = L[L_SEGU + SEG_Y + i] + (x - L[L_SEGU + SEG_X + i]) * L[L_SEGU + SEG_M + i]
        out = 0 if (x >= L[L_SEGU + SEG_LO + i]) & (x < L[L_SEGU + SEG_HI + i]) else 1
        x = L[xl + i]
        L[L_ZL + i] = (
            L[L_SEGL + SEG_Y + i] + (x - L[L_SEGL + SEG_X + i]) * L[L_SEGL + SEG_M + i]
            if has_lower
            else tailwater
        )
        out += 0 if (not has_lower) | ((x >= L[L_SEGL + SEG_LO + i]) & (x < L[L_SEGL + SEG_HI + i])) else 2
        L[L_OUT + i] = out
        n_out += out
    if n_out > 0:
        for i in range(nb):
            out = L[L_OUT + i]
            if out == 1.0 or out == 3.0:
                L[L_ZU + i], j = _interp_from(L[xu + i], v_up_tab, z_up_tab, m_up, segs[i])
                if move:
                    _set_segment(L, i, L_SEGU, j, v_up_tab, z_up_tab, m_up, segs, 0)
            if out >= 2.0:
                L[L_ZL + i], j = _interp_from(L[xl + i], v_lo_tab, z_lo_tab, m_lo, segs[BLOCK + i])
                if move:
                    _set_segment(L, i, L_SEGL, j, v_lo_tab, z_lo_tab, m_lo, segs, BLOCK)
    for i in range(nb):
        L[L_HG + i] = L[L_ZU + i] - L[L_ZL + i]


@_jit_inline
def _estimate_turbine(
    L: np.ndarray,
    nb: int,
    req: int,
    out: int,
    n: int,
    is_power: bool,
    const: bool,
    qcap: float,
    rate: float,
    k: float,
    a: float,
    inv_a: float,
    qmax_u: float,
    pmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> None:
    """Turbine flows at the start head for the head estimate (series roots: their 1e-5 moves the head by
    micrometres); a flow request beyond the rating counts at it."""
    if n == 0:
        for i in range(nb):
            L[out + i] = 0.0
    elif const and is_power:
        for i in range(nb):
            hg = L[L_HG + i]
            L[out + i] = _tq(L[req + i], hg, 1.0 / hg, k, qcap, rate, a, inv_a)[0]
    elif const:
        for i in range(nb):
            hg = L[L_HG + i]
            q = min(L[req + i], qcap)
            over = (q > 0.0) & (a * q * (hg - k * q * q) > rate)
            L[out + i] = _tq(rate, hg, 1.0 / hg, k, qcap, rate, a, inv_a)[0] if over else q
    else:
        for i in range(nb):
            hg = L[L_HG + i]
            if is_power:
                q = _turbine_flow(L[req + i], hg, k, n, qmax_u, pmax_u, qg, hgr, tab)[0]
            else:
                q = min(L[req + i], qcap)
                if q > 0.0 and _turbine_power(q, hg, k, n, qmax_u, qg, hgr, tab) > rate:
                    q = _turbine_flow(rate, hg, k, n, qmax_u, pmax_u, qg, hgr, tab)[0]
            L[out + i] = q


@_jit_inline
def _estimate_pump(
    L: np.ndarray,
    nb: int,
    n: int,
    is_power: bool,
    const: bool,
    pmax: float,
    k: float,
    b: float,
    inv_b: float,
    qmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> None:
    """Pumped flows at the start head for the head estimate (as :func:`_estimate_turbine`)."""
    if n == 0:
        for i in range(nb):
            L[L_QP + i] = 0.0
    elif const and is_power:
        for i in range(nb):
            hg = L[L_HG + i]
            L[L_QP + i] = _pq(min(L[L_RP + i], pmax), hg, 1.0 / hg, k, b, inv_b)
    elif const:
        for i in range(nb):
            hg = L[L_HG + i]
            q = L[L_RP + i]
            over = (q > 0.0) & (b * q * (hg + k * q * q) > pmax)
            L[L_QP + i] = _pq(pmax, hg, 1.0 / hg, k, b, inv_b) if over else q
    else:
        for i in range(nb):
            hg = L[L_HG + i]
            q = L[L_RP + i]
            if is_power:
                q = _pump_flow(min(q, pmax), hg, k, n, qmax_u, qg, hgr, tab)
            elif q > 0.0 and _pump_power(q, hg, k, n, qmax_u, qg, hgr, tab) > pmax:
                q = _pump_flow(pmax, hg, k, n, qmax_u, qg, hgr, tab)
            L[L_QP + i] = q


@_jit_inline
def _solve_turbine(
    L: np.ndarray,
    nb: int,
    req: int,
    out: int,
    top: int,
    pe: int,
    code: int,
    more_row: int,
    n: int,
    is_power: bool,
    const: bool,
    qcap: float,
    rate: float,
    k: float,
    a: float,
    inv_a: float,
    tol: float,
    qmax_u: float,
    pmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> None:
    """Turbine flows at the head estimate. A power request: the flow that gives it (``code`` UNIT when the
    rating caps it). A flow request: ``out`` is the flow at the rating, and ``code`` UNIT when the request
    is beyond it by more than the LP's round-off (RATING_TOL); :func:`_limits` then cuts it. Lanes whose
    flow needs more Halley steps are marked in ``more_row``."""
    for i in range(nb):
        L[more_row + i] = 0.0
    if n == 0:
        for i in range(nb):
            L[out + i] = 0.0
            L[code + i] = NONE
    elif const:
        for i in range(nb):
            hg = L[L_HG + i]
            r = L[req + i]
            over = (r > qcap * tol) | ((r > 0.0) & (a * r * (hg - k * r * r) > rate * tol))
            q, q_top, p, capped, solving = _tq(r if is_power else rate, hg, 1.0 / hg, k, qcap, rate, a, inv_a)
            q1, more = _h_step(q, p, hg, k, -1.0, a, q_top)
            L[out + i] = q1 if solving else q
            L[top + i] = q_top
            L[pe + i] = p
            if is_power:
                L[code + i] = UNIT if capped & (r < FULL_POWER_MW) else NONE
                L[more_row + i] = 1.0 if solving & more else 0.0
            else:
                L[code + i] = UNIT if over else NONE
                L[more_row + i] = 1.0 if solving & more & over else 0.0
    else:
        for i in range(nb):
            hg = L[L_HG + i]
            r = L[req + i]
            if is_power:
                q, capped = _turbine_flow(r, hg, k, n, qmax_u, pmax_u, qg, hgr, tab)
                L[code + i] = UNIT if capped and r < FULL_POWER_MW else NONE
            else:
                over = r > qcap * tol or _turbine_power(r, hg, k, n, qmax_u, qg, hgr, tab) > rate * tol
                q = _turbine_flow(rate, hg, k, n, qmax_u, pmax_u, qg, hgr, tab)[0] if over else r
                L[code + i] = UNIT if over else NONE
            L[out + i] = q


@_jit_inline
def _solve_pump(
    L: np.ndarray,
    nb: int,
    n: int,
    is_power: bool,
    const: bool,
    pmax: float,
    k: float,
    b: float,
    inv_b: float,
    tol: float,
    qmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> None:
    """Pumped flows at the head estimate (as :func:`_solve_turbine`; a flow request beyond the rating is
    replaced by the flow at the rating)."""
    for i in range(nb):
        L[L_MOREP + i] = 0.0
    if n == 0:
        for i in range(nb):
            L[L_QP + i] = 0.0
            L[L_CODEP + i] = NONE
    elif const:
        for i in range(nb):
            hg = L[L_HG + i]
            r = L[L_RP + i]
            over = (r > 0.0) & (b * r * (hg + k * r * r) > pmax * tol)
            p = min(r, pmax) if is_power else pmax
            q = _pq(p, hg, 1.0 / hg, k, b, inv_b)
            q1, more = _h_step(q, p, hg, k, 1.0, b, math.inf)
            solving = (p > 0.0) if is_power else over
            L[L_QP + i] = q1 if solving else (0.0 if is_power else r)
            L[L_PEP + i] = p
            if is_power:
                L[L_CODEP + i] = UNIT if r > pmax * (1.0 + 1e-12) else NONE
            else:
                L[L_CODEP + i] = UNIT if over else NONE
            L[L_MOREP + i] = 1.0 if solving & more else 0.0
    else:
        for i in range(nb):
            hg = L[L_HG + i]
            r = L[L_RP + i]
            if is_power:
                q = _pump_flow(min(r, pmax), hg, k, n, qmax_u, qg, hgr, tab)
                L[L_CODEP + i] = UNIT if r > pmax * (1.0 + 1e-12) else NONE
            else:
                over = r > 0.0 and _pump_power(r, hg, k, n, qmax_u, qg, hgr, tab) > pmax * tol
                q = _pump_flow(pmax, hg, k, n, qmax_u, qg, hgr, tab) if over else r
                L[L_CODEP + i] = UNIT if over else NONE
            L[L_QP + i] = q


@_jit_inline
def _limits(
    L: np.ndarray,
    i: int,
    conv_is_power: bool,
    gen_is_power: bool,
    pump_is_power: bool,
    n_c: int,
    n_r: int,
    has_lower: bool,
    inv_c: float,
    vmin_u: float,
    vmax_u: float,
    vmin_l: float,
    env_min: float,
) -> None:
    """The step's flows after the unit ratings [1], one mode at a time [6] and the water limits [2–4],
    into the rows L_QCO, L_QGO, L_QPO, L_SPO with their cut-backs and codes (L_CODE*O); written with
    selects only (no branches), so that the loop over a block compiles to SIMD code. It reads only the
    step's inputs and solved flows, so it can be run again. In m³/s over the step (volumes divided by c):
    a: upper water above its minimum, b: lower water above its minimum, mu: upper room;
    U = Q_conv + Q_gen + S (upper → lower), P = Q_pump (lower → upper), R the release."""
    vu, vl, iu, il = L[L_VU + i], L[L_VL + i], L[L_IU + i], L[L_IL + i]
    rc, rg, rp, rl_req = L[L_RC + i], L[L_RG + i], L[L_RP + i], L[L_RL + i]
    code_c, code_g, code_p = L[L_CODEC + i], L[L_CODEG + i], L[L_CODEP + i]
    # [1] a flow request beyond the rating is cut to the flow at the rating (a power request was capped)
    qc, cut_c = L[L_QC + i], 0.0
    if not conv_is_power:
        qc = min(rc, qc) if code_c == UNIT else rc
        cut_c = rc - qc if code_c == UNIT else 0.0
    qg, cut_g = L[L_QG + i], 0.0
    if not gen_is_power:
        qg = min(rg, qg) if code_g == UNIT else rg
        cut_g = rg - qg if code_g == UNIT else 0.0
    qp = L[L_QP + i]
    cut_p = rp - qp if (not pump_is_power) & (code_p == UNIT) else 0.0
    if n_c == 0:
        qc = cut_c = 0.0
    if n_r == 0:
        qg = cut_g = qp = cut_p = 0.0
    # [6] a unit cannot pump and generate at once: the smaller mode is cut
    both = (qg > 0.0) & (qp > 0.0)
    drop_p = both & (qg >= qp)
    drop_g = both & (qg < qp)
    cut_p = cut_p + qp if drop_p else cut_p
    code_p = MODE if drop_p else code_p
    qp = 0.0 if drop_p else qp
    cut_g = cut_g + qg if drop_g else cut_g
    code_g = MODE if drop_g else code_g
    qg = 0.0 if drop_g else qg
    sp = L[L_SP + i]
    a = (vu - vmin_u) * inv_c + iu
    mu = (vmax_u - vu) * inv_c - iu
    U = qc + qg + sp
    e0 = _release_reserved(a, vl, il, rl_req, has_lower, inv_c, vmin_l, env_min)
    b = (vl - vmin_l) * inv_c + il if has_lower else 0.0
    # [2] the upper minimum: U ≤ P + a (spill given up first, then the units in proportion)
    low_u = U > qp + a + 1e-12
    keep = max(qp + a, 0.0)
    sp2 = sp - min(sp, U - keep)
    rest = qc + qg
    f = min(max((keep - sp2) / rest if rest > 0.0 else 1.0, 0.0), 1.0)
    f = f if low_u else 1.0
    sp = sp2 if low_u else sp
    cut = f < 1.0
    cut_c = cut_c + qc * (1.0 - f) if cut else cut_c
    cut_g = cut_g + qg * (1.0 - f) if cut else cut_g
    code_c = UPPER_MIN if cut & (qc > 0.0) else code_c
    code_g = UPPER_MIN if cut & (qg > 0.0) else code_g
    qc = qc * f if cut else qc
    qg = qg * f if cut else qg
    U = qc + qg + sp
    # [3] the lower minimum with the reserved release: P ≤ U + b − e0 (this keeps U ≤ P + a, as e0 ≤ a + b)
    low_l = has_lower & (qp > 0.0) & (qp > U + b - e0 + 1e-12)
    new_p = max(U + b - e0, 0.0)
    cut_p = cut_p + (qp - new_p) if low_l else cut_p
    code_p = LOWER_MIN if low_l else code_p
    qp = new_p if low_l else qp
    # [4] the upper maximum: P − U ≤ mu, pumping cut first, then the rest spills
    high_u = qp - U > mu + 1e-12
    new_p = max(U + mu, 0.0)
    cut4 = high_u & (new_p < qp)
    cut_p = cut_p + (qp - new_p) if cut4 else cut_p
    code_p = UPPER_MAX if cut4 else code_p
    qp = new_p if cut4 else qp
    spill = high_u & (qp - U > mu + 1e-12)
    sp = sp + (qp - U - mu) if spill else sp
    L[L_QCO + i], L[L_QGO + i], L[L_QPO + i], L[L_SPO + i] = qc, qg, qp, sp
    L[L_CUTC + i], L[L_CUTG + i], L[L_CUTP + i] = cut_c, cut_g, cut_p
    L[L_CODECO + i], L[L_CODEGO + i], L[L_CODEPO + i] = code_c, code_g, code_p


@_jit_inline
def _release_reserved(
    a: float,
    vl: float,
    il: float,
    rl_req: float,
    has_lower: bool,
    inv_c: float,
    vmin_l: float,
    env_min: float,
) -> float:
    """The release reserved before any pumping: the environmental flow (or a larger requested release),
    as far as the water of both reservoirs above their minima (a + b) allows. [m³/s]"""
    auto = math.isnan(rl_req) & has_lower
    b = (vl - vmin_l) * inv_c + il if has_lower else 0.0
    floor = env_min if auto else max(rl_req, env_min)
    return min(floor, max(a + b, 0.0)) if has_lower else 0.0


@_jit_inline
def _settle(
    L: np.ndarray,
    i: int,
    has_lower: bool,
    c: float,
    inv_c: float,
    vmin_l: float,
    vmax_l: float,
    vlt: float,
    env_min: float,
    release_max: float,
    ramp: float,
    has_ramp: bool,
) -> None:
    """The release [5, 7, 8, 11] from the settled flows of :func:`_limits` (and of the line,
    :func:`_line_cut`), and the end volumes; selects only, as :func:`_limits`. The release (automatic or
    requested) moves at most ``ramp`` from the previous step's (none at a run's first step, as the LP)
    [11]; the environmental flow, the water there is and a full lower reservoir come before the ramp.
    ``has_ramp`` (a constant where this is inlined) leaves the ramp out when there is none."""
    vu, vl, iu, il, rl_req = L[L_VU + i], L[L_VL + i], L[L_IU + i], L[L_IL + i], L[L_RL + i]
    qc, qg, qp, sp = L[L_QCO + i], L[L_QGO + i], L[L_QPO + i], L[L_SPO + i]
    U = qc + qg + sp
    auto = math.isnan(rl_req) & has_lower
    b = (vl - vmin_l) * inv_c + il if has_lower else 0.0
    code_r, cut_r = NONE, 0.0
    if has_lower:
        held = min(max(il + U - qp + (vl - vlt) * inv_c, env_min), release_max)  # the lower level held
        rl = (
            held if auto else max(rl_req, env_min)
        )  # a requested release below the environmental flow is raised
        # [11] the ramp from the previous step's release, then the environmental flow again
        ramped, ramp_cut = False, 0.0
        if has_ramp:
            rprev = L[L_RPREV + i]
            rr = rl if math.isnan(rprev) else min(max(rl, rprev - ramp), rprev + ramp)
            rr = max(rr, env_min)
            ramped, ramp_cut = rr != rl, abs(rl - rr)
            rl = rr
        avail = b + U - qp  # what can leave without going below the minimum
        rl = max(avail, 0.0) if rl > avail + 1e-12 else rl
        # [5] a full lower reservoir releases more: R ≥ U − P − room
        need = U - qp - ((vmax_l - vl) * inv_c - il)
        raise_ = rl < need - 1e-12
        rl = need if raise_ else rl
        code_r = LOWER_MAX if raise_ & (need > release_max) else NONE
    else:
        rl = qc + sp
        ramped, ramp_cut = False, 0.0
    # [7] below the environmental flow by more than round-off: the shortfall is recorded
    short = rl < env_min - 1e-9
    raised = (not short) & has_lower & (not auto) & (rl_req < env_min - 1e-9) & (code_r == NONE)
    cut_r = env_min - rl if short else (min(rl, env_min) - rl_req if raised else 0.0)  # [8] the water added
    code_r = ENV if short else (ENV_RAISED if raised else code_r)
    ramp_rec = ramped & (code_r == NONE)  # [11] the water the ramp held back or added
    cut_r = ramp_cut if ramp_rec else cut_r
    code_r = RAMP if ramp_rec else code_r
    L[L_RLO + i], L[L_CUTR + i], L[L_CODER + i] = rl, cut_r, code_r
    L[L_VUN + i] = vu + c * (iu + qp - qc - qg - sp)
    L[L_VLN + i] = vl + c * (il + qc + qg + sp - qp - rl) if has_lower else 0.0


@_jit
def _turbine_flow_for(
    p: float,
    hg: float,
    const: bool,
    k: float,
    qcap: float,
    rate: float,
    a: float,
    inv_a: float,
    n: int,
    qmax_u: float,
    pmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> float:
    """Turbine flow of a group for power ``p`` at gross head ``hg`` (a power it can give): the series root
    and two Halley steps for a constant efficiency (error far below round-off), else :func:`_turbine_flow`."""
    if p <= 0.0:
        return 0.0
    if const:
        q, q_top, pe, _capped, solving = _tq(p, hg, 1.0 / hg, k, qcap, rate, a, inv_a)
        q1 = _h_step(q, pe, hg, k, -1.0, a, q_top)[0]
        q2 = _h_step(q1, pe, hg, k, -1.0, a, q_top)[0]
        return q2 if solving else q
    return _turbine_flow(p, hg, k, n, qmax_u, pmax_u, qg, hgr, tab)[0]


@_jit
def _pump_flow_for(
    p: float,
    hg: float,
    const: bool,
    k: float,
    b: float,
    inv_b: float,
    n: int,
    qmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> float:
    """Pumped flow for input ``p`` at gross head ``hg``, as :func:`_turbine_flow_for`."""
    if p <= 0.0:
        return 0.0
    if const:
        q = _pq(p, hg, 1.0 / hg, k, b, inv_b)
        q1 = _h_step(q, p, hg, k, 1.0, b, math.inf)[0]
        return _h_step(q1, p, hg, k, 1.0, b, math.inf)[0]
    return _pump_flow(p, hg, k, n, qmax_u, qg, hgr, tab)


@_jit_inline
def _line_estimate(L: np.ndarray, nb: int) -> None:
    """Scale the start-head flow estimates (rows L_QC, L_QG, L_QP, their powers in L_PC, L_PG, L_PP) so that
    their net exchange stays within the line (row L_LINE): :func:`_line_estimate_lane` for each lane that
    :func:`_estimate_over` marked (L_EX > 0); the others are left as they are."""
    for i in range(nb):
        if L[L_EX + i] > 0.0:
            _line_estimate_lane(L, i, L[L_PC + i], L[L_PG + i], L[L_PP + i])


@_jit_inline
def _estimate_over(L: np.ndarray, i: int, pc: float, pg: float, pp: float, tol: float) -> int:
    """1 when the start-head estimate of a lane (powers pc, pg, pp) exchanges more than the line (row L_LINE)
    by more than round-off (``tol`` = 1 + RATING_TOL: a replayed LP schedule at the line is not scaled)
    once the smaller mode is dropped (as [6] will), else 0; written to L_EX (selects only: SIMD)."""
    drop_p = (pg > 0.0) & (pp > 0.0) & (L[L_QG + i] >= L[L_QP + i])
    drop_g = (pg > 0.0) & (pp > 0.0) & (L[L_QG + i] < L[L_QP + i])
    net = pc + (0.0 if drop_g else pg) - (0.0 if drop_p else pp)
    cap = L[L_LINE + i] * tol
    over = (net > cap) | (-net > cap)
    L[L_EX + i] = 1.0 if over else 0.0
    return 1 if over else 0


@_jit_inline
def _line_estimate_lane(L: np.ndarray, i: int, pc: float, pg: float, pp: float) -> None:
    """Scale one lane's start-head flow estimates (rows L_QC, L_QG, L_QP, of powers pc, pg, pp) so that their
    net exchange stays within the line (row L_LINE), in the order :func:`_line_cut` cuts, after dropping
    the smaller mode as [6] does: the head estimate then starts from flows close to the ones the line
    leaves (selects only: SIMD)."""
    # the smaller mode is dropped first, as [6] will
    qg, qp = L[L_QG + i], L[L_QP + i]
    drop_p = (qg > 0.0) & (qp > 0.0) & (qg >= qp)
    drop_g = (qg > 0.0) & (qp > 0.0) & (qg < qp)
    L[L_QP + i] = 0.0 if drop_p else qp
    L[L_QG + i] = 0.0 if drop_g else qg
    cap = L[L_LINE + i]
    pg = 0.0 if drop_g else pg
    pp = 0.0 if drop_p else pp
    ex = pc + pg - pp - cap
    over = ex > 0.0
    cut_g = min(ex, pg) if over else 0.0
    fg = (pg - cut_g) / pg if cut_g > 0.0 else 1.0
    rest = ex - cut_g if over else 0.0
    cut_c = min(rest, pc) if rest > 0.0 else 0.0
    fc = (pc - cut_c) / pc if cut_c > 0.0 else 1.0
    im = pp - pc - pg - cap
    fp = (pp - im) / pp if (im > 0.0) & (pp > 0.0) else 1.0
    L[L_QC + i] *= fc
    L[L_QG + i] *= fg
    L[L_QP + i] *= fp


@_jit_inline
def _line_check(L: np.ndarray, nb: int, tol: float) -> int:
    """Net exchange P_conv + P_gen − P_pump (powers of the settled flows in L_PC, L_PG, L_PP at the head
    in L_HG) into L_EX; returns how many lanes exceed the line (row L_LINE) by more than round-off
    (``tol`` = 1 + RATING_TOL, as the unit ratings) in either direction."""
    n_over = 0
    for i in range(nb):
        net = L[L_PC + i] + L[L_PG + i] - L[L_PP + i]
        cap = L[L_LINE + i] * tol
        L[L_EX + i] = net
        n_over += (net > cap) | (-net > cap)
    return n_over


@_jit
def _line_cut(
    L: np.ndarray,
    i: int,
    tol: float,
    has_lower: bool,
    inv_c: float,
    vmin_u: float,
    vmax_u: float,
    vmin_l: float,
    env_min: float,
    const_c: bool,
    k_c: float,
    qcap_c: float,
    rate_c: float,
    a_c: float,
    inv_a_c: float,
    n_c: int,
    qmax_c: float,
    pmax_c: float,
    qg_c: np.ndarray,
    hg_c: np.ndarray,
    tab_c: np.ndarray,
    const_t: bool,
    k_r: float,
    qcap_g: float,
    rate_g: float,
    a_t: float,
    inv_a_t: float,
    n_r: int,
    qmax_r: float,
    pmax_r: float,
    qg_t: np.ndarray,
    hg_t: np.ndarray,
    tab_t: np.ndarray,
    const_p: bool,
    b_p: float,
    inv_b_p: float,
    qg_p: np.ndarray,
    hg_p: np.ndarray,
    tab_p: np.ndarray,
) -> None:
    """The line [9, 10] on one lane's settled flows (rows L_QCO, L_QGO, L_QPO, L_SPO), at the head in L_HG.

    Export above the line (net exchange P_conv + P_gen − P_pump > C): the reversible generation is cut
    first (its water stays stored for the peak), then the conventional generation, each to the flow that
    gives the power left at the head; the water stays in the upper reservoir, except the part pumping
    needed from the lower reservoir (it is spilled, without power) and what a full upper reservoir cannot
    hold (spilled, as [4]). Import above the line (P_pump − P_conv − P_gen > C): pumping is cut to the
    input the line can bring; if the upper reservoir then cannot feed the units' outflow, the spill and
    then the units give way as [2] (only when pumping fed them in the same step). The exchange is then
    within the line, to round-off (the power is reckoned again at the mid-step head)."""
    cap = L[L_LINE + i]
    net = L[L_EX + i]
    h = L[L_HG + i]
    qc, qg, qp, sp = L[L_QCO + i], L[L_QGO + i], L[L_QPO + i], L[L_SPO + i]
    pc, pg = L[L_PC + i], L[L_PG + i]
    vu, vl, iu, il, rl_req = L[L_VU + i], L[L_VL + i], L[L_IU + i], L[L_IL + i], L[L_RL + i]
    a = (vu - vmin_u) * inv_c + iu
    mu = (vmax_u - vu) * inv_c - iu
    b = (vl - vmin_l) * inv_c + il if has_lower else 0.0
    if net > cap * tol:
        ex = net - cap
        cut_pg = min(ex, pg)
        cut_pc = min(ex - cut_pg, pc)
        qg1 = qg
        if cut_pg > 0.0:
            qg1 = min(
                _turbine_flow_for(
                    pg - cut_pg,
                    h,
                    const_t,
                    k_r,
                    qcap_g,
                    rate_g,
                    a_t,
                    inv_a_t,
                    n_r,
                    qmax_r,
                    pmax_r,
                    qg_t,
                    hg_t,
                    tab_t,
                ),
                qg,
            )
            L[L_CUTG + i] += qg - qg1
            L[L_CODEGO + i] = LINE_EXPORT
        qc1 = qc
        if cut_pc > 0.0:
            qc1 = min(
                _turbine_flow_for(
                    pc - cut_pc,
                    h,
                    const_c,
                    k_c,
                    qcap_c,
                    rate_c,
                    a_c,
                    inv_a_c,
                    n_c,
                    qmax_c,
                    pmax_c,
                    qg_c,
                    hg_c,
                    tab_c,
                ),
                qc,
            )
            L[L_CUTC + i] += qc - qc1
            L[L_CODECO + i] = LINE_EXPORT
        kept = (qg - qg1) + (qc - qc1)
        qc, qg = qc1, qg1
        # pumping took part of the cut water from the lower reservoir: that part is spilled (no power)
        e0 = _release_reserved(a, vl, il, rl_req, has_lower, inv_c, vmin_l, env_min)
        need = qp - (qc + qg + sp + b - e0)
        if has_lower and need > 0.0:
            sp += min(need, kept)
        # a full upper reservoir cannot keep it: the rest spills (as [4])
        over_u = qp - (qc + qg + sp) - mu
        if over_u > 0.0:
            sp += over_u
    elif -net > cap * tol:
        qp1 = min(
            _pump_flow_for(pc + pg + cap, h, const_p, k_r, b_p, inv_b_p, n_r, qmax_r, qg_p, hg_p, tab_p), qp
        )
        L[L_CUTP + i] += qp - qp1
        L[L_CODEPO + i] = LINE_IMPORT
        qp = qp1
        # the upper minimum: U ≤ P + a, the spill given up first, then the units in proportion (as [2])
        U = qc + qg + sp
        if U > qp + a + 1e-12:
            keep = max(qp + a, 0.0)
            sp -= min(sp, U - keep)
            rest = qc + qg
            f = min(max((keep - sp) / rest if rest > 0.0 else 1.0, 0.0), 1.0)
            if f < 1.0:
                if qc > 0.0:
                    L[L_CUTC + i] += qc * (1.0 - f)
                    L[L_CODECO + i] = UPPER_MIN
                if qg > 0.0:
                    L[L_CUTG + i] += qg * (1.0 - f)
                    L[L_CODEGO + i] = UPPER_MIN
                qc *= f
                qg *= f
    L[L_QCO + i], L[L_QGO + i], L[L_QPO + i], L[L_SPO + i] = qc, qg, qp, sp


@_jit
def _lane_power(
    q: float,
    h: float,
    n: int,
    const: bool,
    a: float,
    k: float,
    turbine: bool,
    qmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> float:
    """One lane's power of a group, by the formulas of :func:`_power` (the same operations: the same bits)."""
    if n == 0 or q <= 0.0:
        return 0.0
    if const:
        s = -1.0 if turbine else 1.0
        return a * q * (h + s * (k * q * q))
    if turbine:
        return _turbine_power(q, h, k, n, qmax_u, qg, hgr, tab)
    return _pump_power(q, h, k, n, qmax_u, qg, hgr, tab)


@_jit
def _line_redo(
    L: np.ndarray,
    i: int,
    tol: float,
    conv_is_power: bool,
    gen_is_power: bool,
    pump_is_power: bool,
    has_lower: bool,
    c: float,
    inv_c: float,
    vmin_u: float,
    vmax_u: float,
    vmin_l: float,
    vmax_l: float,
    vlt: float,
    env_min: float,
    release_max: float,
    ramp: float,
    tailwater: float,
    z_up_tab: np.ndarray,
    v_up_tab: np.ndarray,
    m_up: np.ndarray,
    z_lo_tab: np.ndarray,
    v_lo_tab: np.ndarray,
    m_lo: np.ndarray,
    segs: np.ndarray,
    const_c: bool,
    k_c: float,
    qcap_c: float,
    rate_c: float,
    a_c: float,
    inv_a_c: float,
    n_c: int,
    qmax_c: float,
    pmax_c: float,
    qg_c: np.ndarray,
    hg_c: np.ndarray,
    tab_c: np.ndarray,
    const_t: bool,
    k_r: float,
    qcap_g: float,
    rate_g: float,
    a_t: float,
    inv_a_t: float,
    n_r: int,
    qmax_r: float,
    pmax_r: float,
    qg_t: np.ndarray,
    hg_t: np.ndarray,
    tab_t: np.ndarray,
    const_p: bool,
    b_p: float,
    inv_b_p: float,
    qg_p: np.ndarray,
    hg_p: np.ndarray,
    tab_p: np.ndarray,
) -> None:
    """One lane whose net exchange, reckoned at the mid-step head (L_HG), is beyond the line by more than
    round-off (the head estimate it was cut at missed the step's flows: a limit after the estimate, e.g. an
    empty lower reservoir, changed them): the limits [1–6], the line at that head [9, 10] and the release
    are applied again, and the mid-step head and the powers reckoned again (rows L_HG, L_PC, L_PG, L_PP).
    The lane's flows then move by a small fraction of the first cut, so the head by a fraction of its
    first error."""
    has_ramp = has_lower and ramp < math.inf
    _limits(
        L,
        i,
        conv_is_power,
        gen_is_power,
        pump_is_power,
        n_c,
        n_r,
        has_lower,
        inv_c,
        vmin_u,
        vmax_u,
        vmin_l,
        env_min,
    )
    h = L[L_HG + i]
    pc = _lane_power(L[L_QCO + i], h, n_c, const_c, a_c, k_c, True, qmax_c, qg_c, hg_c, tab_c)
    pg = _lane_power(L[L_QGO + i], h, n_r, const_t, a_t, k_r, True, qmax_r, qg_t, hg_t, tab_t)
    pp = _lane_power(L[L_QPO + i], h, n_r, const_p, b_p, k_r, False, qmax_r, qg_p, hg_p, tab_p)
    L[L_PC + i], L[L_PG + i], L[L_PP + i], L[L_EX + i] = pc, pg, pp, pc + pg - pp
    _line_cut(
        L,
        i,
        tol,
        has_lower,
        inv_c,
        vmin_u,
        vmax_u,
        vmin_l,
        env_min,
        const_c,
        k_c,
        qcap_c,
        rate_c,
        a_c,
        inv_a_c,
        n_c,
        qmax_c,
        pmax_c,
        qg_c,
        hg_c,
        tab_c,
        const_t,
        k_r,
        qcap_g,
        rate_g,
        a_t,
        inv_a_t,
        n_r,
        qmax_r,
        pmax_r,
        qg_t,
        hg_t,
        tab_t,
        const_p,
        b_p,
        inv_b_p,
        qg_p,
        hg_p,
        tab_p,
    )
    _settle(L, i, has_lower, c, inv_c, vmin_l, vmax_l, vlt, env_min, release_max, ramp, has_ramp)
    z_u = _interp_from(0.5 * (L[L_VU + i] + L[L_VUN + i]), v_up_tab, z_up_tab, m_up, segs[i])[0]
    z_l = (
        _interp_from(0.5 * (L[L_VL + i] + L[L_VLN + i]), v_lo_tab, z_lo_tab, m_lo, segs[BLOCK + i])[0]
        if has_lower
        else tailwater
    )
    h = z_u - z_l
    L[L_HG + i] = h
    L[L_PC + i] = _lane_power(L[L_QCO + i], h, n_c, const_c, a_c, k_c, True, qmax_c, qg_c, hg_c, tab_c)
    L[L_PG + i] = _lane_power(L[L_QGO + i], h, n_r, const_t, a_t, k_r, True, qmax_r, qg_t, hg_t, tab_t)
    L[L_PP + i] = _lane_power(L[L_QPO + i], h, n_r, const_p, b_p, k_r, False, qmax_r, qg_p, hg_p, tab_p)


@_jit_inline
def _const_power(q: float, h: float, a: float, k: float, s: float) -> float:
    """Power of a constant-efficiency group at flow q and gross head h, as :func:`_power` reckons it:
    a·Q·(H_g + s·kQ²), s = −1 for turbines, +1 for pumps; zero without flow."""
    return a * q * (h + s * (k * q * q)) if q > 0.0 else 0.0


@_jit_inline
def _power(
    L: np.ndarray,
    nb: int,
    q_row: int,
    out: int,
    n: int,
    const: bool,
    a: float,
    k: float,
    turbine: bool,
    qmax_u: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> None:
    """Power of a group from its flow at the mid-step head (L_HG): P = aQ(H_g − kQ²) for turbines, with
    ``a`` = ρgη/10⁶; P = bQ(H_g + kQ²) for pumps, with ``a`` = b = ρg/(10⁶η); charts per unit running."""
    if n == 0:
        for i in range(nb):
            L[out + i] = 0.0
    elif const:
        s = -1.0 if turbine else 1.0
        for i in range(nb):
            q = L[q_row + i]
            L[out + i] = a * q * (L[L_HG + i] + s * (k * q * q)) if q > 0.0 else 0.0
    elif turbine:
        for i in range(nb):
            L[out + i] = _turbine_power(L[q_row + i], L[L_HG + i], k, n, qmax_u, qg, hgr, tab)
    else:
        for i in range(nb):
            L[out + i] = _pump_power(L[q_row + i], L[L_HG + i], k, n, qmax_u, qg, hgr, tab)


@_jit_inline
def _accumulate(L: np.ndarray, i: int, conv_is_power: bool, gen_is_power: bool, pump_is_power: bool) -> None:
    """Add the step to the lane's running totals and move its state to the end of the step."""
    qc, qg, qp, pc, pg, pp = L[L_QCO + i], L[L_QGO + i], L[L_QPO + i], L[L_PC + i], L[L_PG + i], L[L_PP + i]
    rc, rg, rp = L[L_RC + i], L[L_RG + i], L[L_RP + i]
    vu, vl = L[L_VUN + i], L[L_VLN + i]
    L[L_SUM + TOT_IN_UP * BLOCK + i] += L[L_IU + i]
    L[L_SUM + TOT_IN_LO * BLOCK + i] += L[L_IL + i]
    L[L_SUM + TOT_Q_CONV * BLOCK + i] += qc
    L[L_SUM + TOT_Q_GEN * BLOCK + i] += qg
    L[L_SUM + TOT_Q_PUMP * BLOCK + i] += qp
    L[L_SUM + TOT_SPILL * BLOCK + i] += L[L_SPO + i]
    L[L_SUM + TOT_RELEASE * BLOCK + i] += L[L_RLO + i]
    L[L_SUM + TOT_P_CONV * BLOCK + i] += pc
    L[L_SUM + TOT_P_GEN * BLOCK + i] += pg
    L[L_SUM + TOT_P_PUMP * BLOCK + i] += pp
    L[L_SUM + TOT_REVENUE * BLOCK + i] += L[L_PR + i] * (pc + pg - pp)
    # energy a power request asked for and did not get (a request of "all the units give" has none)
    L[L_SUM + TOT_SHORT_CONV * BLOCK + i] += (
        rc - pc if conv_is_power & (rc < FULL_POWER_MW) & (rc > pc) else 0.0
    )
    L[L_SUM + TOT_SHORT_GEN * BLOCK + i] += (
        rg - pg if gen_is_power & (rg < FULL_POWER_MW) & (rg > pg) else 0.0
    )
    L[L_SUM + TOT_SHORT_PUMP * BLOCK + i] += (
        rp - pp if pump_is_power & (rp < FULL_POWER_MW) & (rp > pp) else 0.0
    )
    L[L_SUM + TOT_VUP_MIN * BLOCK + i] = min(L[L_SUM + TOT_VUP_MIN * BLOCK + i], vu)
    L[L_SUM + TOT_VUP_MAX * BLOCK + i] = max(L[L_SUM + TOT_VUP_MAX * BLOCK + i], vu)
    L[L_SUM + TOT_VLO_MIN * BLOCK + i] = min(L[L_SUM + TOT_VLO_MIN * BLOCK + i], vl)
    L[L_SUM + TOT_VLO_MAX * BLOCK + i] = max(L[L_SUM + TOT_VLO_MAX * BLOCK + i], vl)
    L[L_VU + i] = vu
    L[L_VL + i] = vl
    L[L_RPREV + i] = L[L_RLO + i]


def eta_of(eff: Efficiency) -> float:
    """A group's constant efficiency for the kernel's fast path, or −1 when it has an efficiency chart."""
    return float(eff) if isinstance(eff, float) else -1.0


def table_of(eff: Efficiency) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flow grid, head grid, table) for a constant or an EfficiencyCurve."""
    if isinstance(eff, float):
        return np.zeros(1), np.zeros(1), np.full((1, 1), eff)
    return np.asarray(eff.flow_m3s), np.asarray(eff.head_m), np.asarray(eff.efficiency)


#: Whether the compiled functions are kept on disk, and numba's reason when they are not (set by the
#: decorator of :mod:`hydro_sim._physics`, which every compiled function goes through).
CACHE_ENABLED = _physics.CACHE_ENABLED
CACHE_DISABLED_REASON = _physics.CACHE_DISABLED_REASON
