"""The simulator's step kernel, compiled with numba: the nonlinear physics of one step for all scenarios.

Arrays are shaped (scenarios, steps); the loop over steps is sequential (the state carries forward) and
the loop over scenarios is the inner one. Each step, in this order:

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
5. volumes are updated exactly: V_up += c(I_up + Q_p − Q_c − Q_g − S), V_lo += c(I_lo + Q_c + Q_g + S − Q_p − R);
6. power from the flows at the mid-step head, with efficiency curves at the per-unit flow of the units running.

Every cut is recorded per group, step and scenario as water [m³/s over the step] with its limit code.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3, W_PER_MW

A_MW_PER_M3S_M = RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW

# limit codes
NONE, UNIT, UPPER_MIN, LOWER_MIN, UPPER_MAX, LOWER_MAX, MODE, ENV, ENV_RAISED = 0, 1, 2, 3, 4, 5, 6, 7, 8
LIMIT_NAMES = {UNIT: "unit rating", UPPER_MIN: "upper minimum level", LOWER_MIN: "lower minimum level",
               UPPER_MAX: "upper maximum level", LOWER_MAX: "lower maximum level",
               MODE: "pump and generate at once", ENV: "environmental flow",
               ENV_RAISED: "environmental flow (release raised)"}

# One decorator for every kernel function, built once. ``_nrt=False`` is an internal numba option that numba's
# type stubs do not list (hence the ignore): it compiles the functions without reference counting, which
# halves the time of the kernel's loop.
_jit = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy",  # type: ignore[call-overload]
                  _nrt=False)
#: The same, for the small helpers inlined into their callers.
_jit_inline = numba.njit(inline="always", cache=True, fastmath=False,  # type: ignore[call-overload]
                         nogil=True, error_model="numpy", _nrt=False)
#: Relative excess over a unit rating that counts as round-off, not a cut-back: the LP's heads agree with
#: the simulator's to its head tolerance (0.05 m of ~250 m = 2e-4), so flows it schedules at a rating may
#: exceed it by that much here. [-]
RATING_TOL = 5e-4
#: A power request at or above this means "as much as the units give" (no cut-back is recorded). [MW]
FULL_POWER_MW = 1e11


@_jit_inline
def _interp_from(x, xs, ys, ms, j):
    """Piecewise-linear interpolation, extended linearly beyond the ends (as hydraulics.interpolate_table),
    with the segment slopes ``ms`` given (no division on the step's critical path),
    starting the search at segment ``j`` (levels move little from step to step, so the walk is usually
    zero or one segment long); returns (value, segment)."""
    n = xs.shape[0]
    j = min(max(j, 0), n - 2)          # a segment index: 0 … n−2 (numba does not check bounds)
    while j > 0 and x < xs[j]:
        j -= 1
    while j < n - 2 and x >= xs[j + 1]:
        j += 1
    return ys[j] + (x - xs[j]) * ms[j], j


def slopes(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Segment slopes of a piecewise-linear table, for :func:`_interp_from`."""
    return np.ascontiguousarray(np.diff(ys) / np.diff(xs), dtype=float)


@_jit
def _eta(q_unit, h, qg, hg, tab):
    """Bilinear efficiency η(Q per unit, H), held flat beyond the chart (as hydraulics.efficiency_from_table)."""
    nq, nh = qg.shape[0], hg.shape[0]
    if nq == 1 and nh == 1:
        return tab[0, 0]
    q = min(max(q_unit, qg[0]), qg[nq - 1])
    hh = min(max(h, hg[0]), hg[nh - 1])
    i = 0
    while i < nq - 2 and qg[i + 1] <= q:
        i += 1
    j = 0
    while j < nh - 2 and hg[j + 1] <= hh:
        j += 1
    wq = (q - qg[i]) / (qg[i + 1] - qg[i]) if nq > 1 else 0.0
    wh = (hh - hg[j]) / (hg[j + 1] - hg[j]) if nh > 1 else 0.0
    i1 = min(i + 1, nq - 1)
    j1 = min(j + 1, nh - 1)
    return ((1 - wq) * (1 - wh) * tab[i, j] + wq * (1 - wh) * tab[i1, j]
            + (1 - wq) * wh * tab[i, j1] + wq * wh * tab[i1, j1])


@_jit
def _eta_run(q, n, qmax_u, h, qg, hgr, tab):
    """Efficiency of a group at flow q: a constant, or the chart at the per-unit flow of the units running."""
    if tab.shape[0] == 1 and tab.shape[1] == 1:
        return tab[0, 0]
    return _eta(q / _n_running(q, qmax_u, n), h, qg, hgr, tab)


@_jit
def _n_running(q, q_unit_max, n):
    if q <= 0.0:
        return 1
    k = int(math.ceil(q / q_unit_max - 1e-9))
    return min(max(k, 1), n)


@_jit
def _turbine_power(q, hg, k, n, qmax_u, qg, hgr, tab):
    if q <= 0.0:
        return 0.0
    h = hg - k * q * q
    return A_MW_PER_M3S_M * _eta_run(q, n, qmax_u, h, qg, hgr, tab) * q * h


@_jit
def _pump_power(q, hg, k, n, qmax_u, qg, hgr, tab):
    if q <= 0.0:
        return 0.0
    h = hg + k * q * q
    return A_MW_PER_M3S_M * q * h / _eta_run(q, n, qmax_u, h, qg, hgr, tab)


@_jit
def _turbine_flow(p, hg, k, n, qmax_u, pmax_u, qg, hgr, tab):
    """Flow for power p at gross head hg, capped by the unit ratings: (flow, capped).

    Newton on f(Q) = ρgηQ(H_g − kQ²)/10⁶ − P from the lossless flow: f is concave and rising on the
    physical branch and f(Q₀) ≤ 0, so the iterates rise monotonically to the root (η is re-evaluated at
    each iterate for efficiency curves)."""
    if p <= 0.0:
        return 0.0, False
    qmax = n * qmax_u
    capped = False
    if p > n * pmax_u:
        p = n * pmax_u
        capped = True
    q_top = min(qmax, math.sqrt(hg / (3.0 * k))) if k > 0.0 else qmax
    if _turbine_power(q_top, hg, k, n, qmax_u, qg, hgr, tab) <= p:
        return q_top, True
    eta = _eta(qmax_u, hg, qg, hgr, tab)
    q = p / (A_MW_PER_M3S_M * eta * hg)
    for _ in range(30):
        eta = _eta_run(q, n, qmax_u, hg - k * q * q, qg, hgr, tab)
        f = A_MW_PER_M3S_M * eta * q * (hg - k * q * q) - p
        if abs(f) <= 1e-11 * p:
            break
        q -= f / (A_MW_PER_M3S_M * eta * (hg - 3.0 * k * q * q))
        q = min(q, q_top)
    return q, capped


@_jit
def _pump_flow(p, hg, k, n, qmax_u, qg, hgr, tab):
    """Pumped flow for input p at gross head hg.

    Newton on g(Q) = ρgQ(H_g + kQ²)/(η10⁶) − P from the lossless flow: g is convex and rising and
    g(Q₀) ≥ 0, so the iterates fall monotonically to the root."""
    if p <= 0.0:
        return 0.0
    eta = _eta(qmax_u, hg, qg, hgr, tab)
    q = p * eta / (A_MW_PER_M3S_M * hg)
    for _ in range(30):
        eta = _eta_run(q, n, qmax_u, hg + k * q * q, qg, hgr, tab)
        g = A_MW_PER_M3S_M * q * (hg + k * q * q) / eta - p
        if abs(g) <= 1e-11 * p:
            break
        q -= g / (A_MW_PER_M3S_M * (hg + 3.0 * k * q * q) / eta)
    return q


# -- constant-efficiency fast path ----------------------------------------------------------------------
# The helpers below take scalars only. A compiled helper that takes arrays costs two atomic reference-count
# operations per array per call; on the hot path (six to ten calls per step) that was most of the step's
# time. A group with a constant efficiency (``eta`` > 0) runs on these; a group with an efficiency chart
# (``eta`` = −1) calls the chart versions above.


#: Halley's method stops once its last step moved the flow by less than this fraction: its error is then
#: about (x/(1 − 3x) + 9x²/(1 − 3x)²)·HALLEY_STEP_REL³ of the flow (x = kQ²/H_g, the loss fraction, a few
#: %), below 1e-13. From the series start (relative error 273x⁵, ~1e-5) one step is the rule. [-]
HALLEY_STEP_REL = 1e-4


@_jit
def _tflow_c(p, hg, ih, k, qmax, pmax, a, exact):
    """:func:`_turbine_flow` for a group with constant efficiency: ``a`` = ρgη/10⁶, total flow ``qmax``,
    total rating ``pmax``, ``ih`` = 1/H_g; returns (flow, capped).

    Root of f(Q) = aQ(H_g − kQ²) − P on the physical branch from the series root of the cubic,
    Q ≈ Q₀(1 + x + 3x² + 12x³ + 55x⁴), Q₀ = P/(aH_g), x = kQ₀²/H_g (relative error ≈ 273x⁵), then Halley
    steps (cubic convergence; one division each). With ``exact`` false the series root is returned as it
    is (for the step's head estimate, where 1e-5 of the flow moves the head by micrometres)."""
    if p <= 0.0:
        return 0.0, False
    capped = False
    if p > pmax:
        p = pmax
        capped = True
    q_top = qmax if (k <= 0.0 or 3.0 * k * qmax * qmax <= hg) else math.sqrt(hg / (3.0 * k))
    if q_top <= 0.0 or a * q_top * (hg - k * q_top * q_top) <= p:
        return q_top, True
    q0 = p * ih * (1.0 / a)
    x = k * q0 * q0 * ih
    q = min(q0 * (1.0 + x * (1.0 + x * (3.0 + x * (12.0 + 55.0 * x)))), q_top)
    if not exact:
        return q, capped
    for _ in range(30):
        f = a * q * (hg - k * q * q) - p
        if abs(f) <= 1e-11 * p:
            break
        f1 = a * (hg - 3.0 * k * q * q)
        f2 = -6.0 * a * k * q
        dq = 2.0 * f * f1 / (2.0 * f1 * f1 - f * f2)
        q = min(q - dq, q_top)
        if abs(dq) <= HALLEY_STEP_REL * q:
            break
    return q, capped


@_jit
def _pflow_c(p, hg, ih, k, b, exact):
    """:func:`_pump_flow` for a group with constant efficiency, ``b`` = ρg/(10⁶η): root of
    g(Q) = bQ(H_g + kQ²) − P from the series root Q ≈ Q₀(1 − x + 3x² − 12x³ + 55x⁴), Q₀ = P/(bH_g),
    x = kQ₀²/H_g, then Halley steps (as :func:`_tflow_c`)."""
    if p <= 0.0:
        return 0.0
    q0 = p * ih * (1.0 / b)
    x = k * q0 * q0 * ih
    q = q0 * (1.0 - x * (1.0 - x * (3.0 - x * (12.0 - 55.0 * x))))
    if not exact:
        return q
    for _ in range(30):
        g = b * q * (hg + k * q * q) - p
        if abs(g) <= 1e-11 * p:
            break
        g1 = b * (hg + 3.0 * k * q * q)
        g2 = 6.0 * b * k * q
        dq = 2.0 * g * g1 / (2.0 * g1 * g1 - g * g2)
        q -= dq
        if abs(dq) <= HALLEY_STEP_REL * q:
            break
    return q


@_jit_inline
def _tflow(p, hg, ih, k, n, qmax_u, pmax_u, eta, qg, hgr, tab, exact=True):
    if eta > 0.0:
        return _tflow_c(p, hg, ih, k, n * qmax_u, n * pmax_u, A_MW_PER_M3S_M * eta, exact)
    return _turbine_flow(p, hg, k, n, qmax_u, pmax_u, qg, hgr, tab)


@_jit_inline
def _pflow(p, hg, ih, k, n, qmax_u, eta, qg, hgr, tab, exact=True):
    if eta > 0.0:
        return _pflow_c(p, hg, ih, k, A_MW_PER_M3S_M * (1.0 / eta), exact)
    return _pump_flow(p, hg, k, n, qmax_u, qg, hgr, tab)


@_jit_inline
def _tpow(q, hg, k, n, qmax_u, eta, qg, hgr, tab):
    if q <= 0.0:
        return 0.0
    if eta > 0.0:
        return A_MW_PER_M3S_M * eta * q * (hg - k * q * q)
    return _turbine_power(q, hg, k, n, qmax_u, qg, hgr, tab)


@_jit_inline
def _ppow(q, hg, k, n, qmax_u, eta, qg, hgr, tab):
    if q <= 0.0:
        return 0.0
    if eta > 0.0:
        return A_MW_PER_M3S_M * (1.0 / eta) * q * (hg + k * q * q)
    return _pump_power(q, hg, k, n, qmax_u, qg, hgr, tab)


@_jit_inline
def _tally(s, t, group, code, cut, cut_water, cut_steps, record, out_cut, out_code):
    """Add a group's cut-back of one step to the tallies and, when the series are recorded, to them. The
    cut-back series arrive zeroed: only steps with a cut-back are written (most have none, and untouched
    zero pages cost no memory traffic)."""
    if code != NONE or cut != 0.0:
        cut_water[s, group, code] += cut
        cut_steps[s, group, code] += 1
        if record:
            out_cut[s, t] = cut
            out_code[s, t] = code


# -- per-scenario totals accumulated by the kernel (columns of ``totals``) ---------------------------------
TOT_IN_UP, TOT_IN_LO, TOT_Q_CONV, TOT_Q_GEN, TOT_Q_PUMP, TOT_SPILL, TOT_RELEASE = 0, 1, 2, 3, 4, 5, 6
TOT_P_CONV, TOT_P_GEN, TOT_P_PUMP, TOT_REVENUE = 7, 8, 9, 10
TOT_SHORT_CONV, TOT_SHORT_GEN, TOT_SHORT_PUMP = 11, 12, 13
TOT_VUP_MIN, TOT_VUP_MAX, TOT_VLO_MIN, TOT_VLO_MAX = 14, 15, 16, 17
N_TOT = 18
#: Groups of the cut-back tallies ``cut_water[s, group, limit]`` and ``cut_steps[s, group, limit]``.
G_CONV, G_GEN, G_PUMP, G_RELEASE = 0, 1, 2, 3
N_LIMITS = 9


@_jit
def run(t0, t1, c, has_lower, tailwater,
        z_up_tab, v_up_tab, m_up, z_lo_tab, v_lo_tab, m_lo,
        vmin_up, vmax_up, vmin_lo, vmax_lo,
        inflow_up, inflow_lo, price,
        req_conv, conv_is_power, req_gen, gen_is_power, req_pump, pump_is_power, req_spill, req_release,
        v_lo_target,
        n_c, qmax_c, pmax_c, k_c, eta_c, qg_c, hg_c, tab_c,
        n_r, qmax_r, pmax_r, pmax_pump_r, k_r, eta_t, qg_t, hg_t, tab_t, eta_p, qg_p, hg_p, tab_p,
        env_min, release_max,
        v_up, v_lo, totals, cut_water, cut_steps, record,
        out_q_conv, out_q_gen, out_q_pump, out_spill, out_release, out_v_up, out_v_lo,
        out_p_conv, out_p_gen, out_p_pump, out_head, out_cut_conv, out_cut_gen, out_cut_pump,
        out_cut_release, out_code_conv, out_code_gen, out_code_pump, out_code_release):
    """Run steps t0…t1−1 for every scenario; ``v_up``/``v_lo`` (scenarios,) hold the state and are updated.

    Inputs shaped (scenarios, steps) may have one row only, shared by every scenario (a broadcast: one
    price or one schedule for all). ``eta_*`` is a group's constant efficiency, or −1 when its chart
    (``qg``, ``hg``, ``tab``) applies. ``totals`` (scenarios, N_TOT) and the cut-back tallies
    (scenarios, 4, N_LIMITS) are added to; the ``out_*`` series (scenarios, steps) are written only when
    ``record`` is true. A NaN in ``req_release`` means the automatic release (lower reservoir held at
    ``v_lo_target``)."""
    S = v_up.shape[0]
    inv_c = 1.0 / c
    rate_c, rate_g = n_c * pmax_c, n_r * pmax_r
    qcap_c, qcap_g = n_c * qmax_c, n_r * qmax_r
    # Scenarios outer, steps inner: each scenario's state runs on by itself, and the (scenarios, steps)
    # arrays are read and written along their contiguous rows.
    for s in range(S):
        s_iu = s if inflow_up.shape[0] > 1 else 0
        s_il = s if inflow_lo.shape[0] > 1 else 0
        s_pr = s if price.shape[0] > 1 else 0
        s_c = s if req_conv.shape[0] > 1 else 0
        s_g = s if req_gen.shape[0] > 1 else 0
        s_p = s if req_pump.shape[0] > 1 else 0
        s_s = s if req_spill.shape[0] > 1 else 0
        s_r = s if req_release.shape[0] > 1 else 0
        vu = v_up[s]
        vl = v_lo[s]
        ju = v_up_tab.shape[0] // 2
        jl = v_lo_tab.shape[0] // 2
        sum_iu = sum_il = sum_qc = sum_qg = sum_qp = sum_sp = sum_rl = 0.0
        sum_pc = sum_pg = sum_pp = sum_rev = short_c = short_g = short_p = 0.0
        vu_lo = vu_hi = vu
        vl_lo = vl_hi = vl
        for t in range(t0, t1):
            iu = inflow_up[s_iu, t]
            il = inflow_lo[s_il, t]
            zu, ju = _interp_from(vu, v_up_tab, z_up_tab, m_up, ju)
            zl = tailwater
            if has_lower:
                zl, jl = _interp_from(vl, v_lo_tab, z_lo_tab, m_lo, jl)
            hg0 = zu - zl
            ih0 = 1.0 / hg0
            # head estimate over the step from the requested flows (power requests turned into flow at the
            # start head), so that ratings are checked at the mid-step head the power is reckoned at
            rc, rg, rp = req_conv[s_c, t], req_gen[s_g, t], req_pump[s_p, t]
            sp_r = req_spill[s_s, t]
            rl_req = req_release[s_r, t] if has_lower else 0.0
            # (requests beyond the ratings count at the ratings)
            qc_e = qg_e = qp_e = 0.0
            if n_c > 0:
                if conv_is_power:
                    qc_e = _tflow(rc, hg0, ih0, k_c, n_c, qmax_c, pmax_c, eta_c, qg_c, hg_c, tab_c, False)[0]
                else:
                    qc_e = min(rc, qcap_c)
                    if qc_e > 0.0 and _tpow(qc_e, hg0, k_c, n_c, qmax_c, eta_c, qg_c, hg_c, tab_c) > rate_c:
                        qc_e = _tflow(rate_c, hg0, ih0, k_c, n_c, qmax_c, pmax_c, eta_c, qg_c, hg_c, tab_c, False)[0]
            if n_r > 0:
                if gen_is_power:
                    qg_e = _tflow(rg, hg0, ih0, k_r, n_r, qmax_r, pmax_r, eta_t, qg_t, hg_t, tab_t, False)[0]
                else:
                    qg_e = min(rg, qcap_g)
                    if qg_e > 0.0 and _tpow(qg_e, hg0, k_r, n_r, qmax_r, eta_t, qg_t, hg_t, tab_t) > rate_g:
                        qg_e = _tflow(rate_g, hg0, ih0, k_r, n_r, qmax_r, pmax_r, eta_t, qg_t, hg_t, tab_t, False)[0]
                if pump_is_power:
                    qp_e = _pflow(min(rp, pmax_pump_r), hg0, ih0, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p, False)
                else:
                    qp_e = rp
                    if rp > 0.0 and _ppow(rp, hg0, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p) > pmax_pump_r:
                        qp_e = _pflow(pmax_pump_r, hg0, ih0, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p, False)
            dvu = c * (iu + qp_e - qc_e - qg_e - sp_r)
            zu_m = _interp_from(vu + 0.5 * dvu, v_up_tab, z_up_tab, m_up, ju)[0]
            zl_m = tailwater
            if has_lower:
                if math.isnan(rl_req):     # as the automatic release below: hold the target, within limits
                    rl_e = il + qc_e + qg_e + sp_r - qp_e + (vl - v_lo_target[t]) * inv_c
                    rl_e = min(max(rl_e, env_min), release_max)
                else:
                    rl_e = max(rl_req, env_min)
                zl_m = _interp_from(vl + 0.5 * c * (il + qc_e + qg_e + sp_r - qp_e - rl_e), v_lo_tab, z_lo_tab,
                                    m_lo, jl)[0]
            hg = zu_m - zl_m
            ih = 1.0 / hg
            # requests → flows at the head estimate, unit ratings [1]
            cut_c = cut_g = cut_p = cut_r = 0.0
            code_c = code_g = code_p = code_r = NONE
            qc = qg = qp = 0.0
            if n_c > 0:
                if conv_is_power:
                    qc, capped = _tflow(rc, hg, ih, k_c, n_c, qmax_c, pmax_c, eta_c, qg_c, hg_c, tab_c)
                    if capped and rc < FULL_POWER_MW:
                        code_c = UNIT   # the energy not delivered is recorded as a shortfall below
                else:
                    qc = rc
                    if (rc > qcap_c * (1.0 + RATING_TOL)
                            or _tpow(rc, hg, k_c, n_c, qmax_c, eta_c, qg_c, hg_c, tab_c) > rate_c * (1.0 + RATING_TOL)):
                        qtop = _tflow(rate_c, hg, ih, k_c, n_c, qmax_c, pmax_c, eta_c, qg_c, hg_c, tab_c)[0]
                        qc = min(rc, qtop)
                        cut_c, code_c = rc - qc, UNIT
            if n_r > 0:
                if gen_is_power:
                    qg, capped = _tflow(rg, hg, ih, k_r, n_r, qmax_r, pmax_r, eta_t, qg_t, hg_t, tab_t)
                    if capped and rg < FULL_POWER_MW:
                        code_g = UNIT
                else:
                    qg = rg
                    if (rg > qcap_g * (1.0 + RATING_TOL)
                            or _tpow(rg, hg, k_r, n_r, qmax_r, eta_t, qg_t, hg_t, tab_t) > rate_g * (1.0 + RATING_TOL)):
                        qtop = _tflow(rate_g, hg, ih, k_r, n_r, qmax_r, pmax_r, eta_t, qg_t, hg_t, tab_t)[0]
                        qg = min(rg, qtop)
                        cut_g, code_g = rg - qg, UNIT
                if pump_is_power:
                    qp = _pflow(min(rp, pmax_pump_r), hg, ih, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p)
                    if rp > pmax_pump_r * (1.0 + 1e-12):
                        code_p = UNIT
                else:
                    qp = rp
                    if rp > 0.0 and _ppow(rp, hg, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p) > pmax_pump_r * (1.0 + RATING_TOL):
                        qp = _pflow(pmax_pump_r, hg, ih, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p)
                        cut_p, code_p = rp - qp, UNIT
                if qg > 0.0 and qp > 0.0:     # [6] a unit cannot pump and generate at once
                    if qg >= qp:
                        cut_p += qp
                        qp = 0.0
                        code_p = MODE
                    else:
                        cut_g += qg
                        qg = 0.0
                        code_g = MODE
            sp = sp_r
            # water limits in closed form, all in m³/s over the step (volumes divided by c):
            #   a: upper water above its minimum, b: lower water above its minimum, mu: upper room;
            #   U = Q_conv + Q_gen + S (upper → lower), P = Q_pump (lower → upper), R the release.
            a = (vu - vmin_up[t]) * inv_c + iu
            mu = (vmax_up[t] - vu) * inv_c - iu
            U = qc + qg + sp
            if has_lower:
                b = (vl - vmin_lo[t]) * inv_c + il
                auto = math.isnan(rl_req)
                floor = env_min if auto else max(rl_req, env_min)
                e0 = min(floor, max(a + b, 0.0))            # release reserved before any pumping
            else:
                b = 0.0
                auto = False
                e0 = 0.0
            # [2] the upper minimum: U ≤ P + a (spill given up first, then the units in proportion)
            if U > qp + a + 1e-12:
                keep = max(qp + a, 0.0)
                sp_cut = min(sp, U - keep)
                sp -= sp_cut
                rest = qc + qg
                f = (keep - sp) / rest if rest > 0.0 else 1.0
                f = min(max(f, 0.0), 1.0)
                if f < 1.0:
                    cut_c += qc * (1.0 - f)
                    cut_g += qg * (1.0 - f)
                    if qc > 0.0:
                        code_c = UPPER_MIN
                    if qg > 0.0:
                        code_g = UPPER_MIN
                    qc *= f
                    qg *= f
                U = qc + qg + sp
            # [3] the lower minimum with the reserved release: P ≤ U + b − e0 (this keeps U ≤ P + a, as e0 ≤ a + b)
            if has_lower and qp > 0.0 and qp > U + b - e0 + 1e-12:
                new_p = max(U + b - e0, 0.0)
                cut_p += qp - new_p
                code_p = LOWER_MIN
                qp = new_p
            # [4] the upper maximum: P − U ≤ mu, pumping cut first, then the rest spills
            if qp - U > mu + 1e-12:
                new_p = max(U + mu, 0.0)
                if new_p < qp:
                    cut_p += qp - new_p
                    code_p = UPPER_MAX
                    qp = new_p
                if qp - U > mu + 1e-12:
                    sp += qp - U - mu
                    U = qc + qg + sp
            # the release, from the settled flows
            if has_lower:
                if auto:       # hold the lower reservoir at its target, within [environmental flow, max]
                    rl = il + U - qp + (vl - v_lo_target[t]) * inv_c
                    rl = min(max(rl, env_min), release_max)
                else:          # a requested release below the environmental flow is raised to it [8]
                    rl = max(rl_req, env_min)
                avail = b + U - qp                          # what can leave without going below the minimum
                if rl > avail + 1e-12:
                    rl = max(avail, 0.0)
                # [5] a full lower reservoir releases more: R ≥ U − P − room
                need = U - qp - ((vmax_lo[t] - vl) * inv_c - il)
                if rl < need - 1e-12:
                    rl = need
                    if rl > release_max:
                        code_r = LOWER_MAX
            else:
                rl = qc + sp
            # [7] below the environmental flow by more than round-off: the shortfall is recorded
            if rl < env_min - 1e-9:
                code_r = ENV
                cut_r = env_min - rl
            elif has_lower and not auto and rl_req < env_min - 1e-9 and code_r == NONE:
                code_r = ENV_RAISED   # [8] the water added to a requested release
                cut_r = min(rl, env_min) - rl_req
            vu_new = vu + c * (iu + qp - qc - qg - sp)
            vl_new = vl + c * (il + qc + qg + sp - qp - rl) if has_lower else 0.0
            # power at the mid-step head
            zu_m = _interp_from(0.5 * (vu + vu_new), v_up_tab, z_up_tab, m_up, ju)[0]
            zl_m = tailwater
            if has_lower:
                zl_m = _interp_from(0.5 * (vl + vl_new), v_lo_tab, z_lo_tab, m_lo, jl)[0]
            hm = zu_m - zl_m
            pc = _tpow(qc, hm, k_c, n_c, qmax_c, eta_c, qg_c, hg_c, tab_c) if n_c > 0 else 0.0
            pg = _tpow(qg, hm, k_r, n_r, qmax_r, eta_t, qg_t, hg_t, tab_t) if n_r > 0 else 0.0
            pp = _ppow(qp, hm, k_r, n_r, qmax_r, eta_p, qg_p, hg_p, tab_p) if n_r > 0 else 0.0
            # totals
            sum_iu += iu
            sum_il += il
            sum_qc += qc
            sum_qg += qg
            sum_qp += qp
            sum_sp += sp
            sum_rl += rl
            sum_pc += pc
            sum_pg += pg
            sum_pp += pp
            sum_rev += price[s_pr, t] * (pc + pg - pp)
            if conv_is_power and rc < FULL_POWER_MW and rc > pc:
                short_c += rc - pc
            if gen_is_power and rg < FULL_POWER_MW and rg > pg:
                short_g += rg - pg
            if pump_is_power and rp < FULL_POWER_MW and rp > pp:
                short_p += rp - pp
            vu_lo = min(vu_lo, vu_new)
            vu_hi = max(vu_hi, vu_new)
            vl_lo = min(vl_lo, vl_new)
            vl_hi = max(vl_hi, vl_new)
            # cut-backs: tallied always, and written per step when the series are recorded
            _tally(s, t, G_CONV, code_c, cut_c, cut_water, cut_steps, record, out_cut_conv, out_code_conv)
            _tally(s, t, G_GEN, code_g, cut_g, cut_water, cut_steps, record, out_cut_gen, out_code_gen)
            _tally(s, t, G_PUMP, code_p, cut_p, cut_water, cut_steps, record, out_cut_pump, out_code_pump)
            _tally(s, t, G_RELEASE, code_r, cut_r, cut_water, cut_steps, record, out_cut_release, out_code_release)
            if record:
                out_p_conv[s, t] = pc
                out_p_gen[s, t] = pg
                out_p_pump[s, t] = pp
                out_head[s, t] = hm
                out_q_conv[s, t] = qc
                out_q_gen[s, t] = qg
                out_q_pump[s, t] = qp
                out_spill[s, t] = sp
                out_release[s, t] = rl
                out_v_up[s, t] = vu_new
                out_v_lo[s, t] = vl_new
            vu = vu_new
            vl = vl_new
        v_up[s] = vu
        v_lo[s] = vl
        tot = totals[s]
        tot[TOT_IN_UP] += sum_iu
        tot[TOT_IN_LO] += sum_il
        tot[TOT_Q_CONV] += sum_qc
        tot[TOT_Q_GEN] += sum_qg
        tot[TOT_Q_PUMP] += sum_qp
        tot[TOT_SPILL] += sum_sp
        tot[TOT_RELEASE] += sum_rl
        tot[TOT_P_CONV] += sum_pc
        tot[TOT_P_GEN] += sum_pg
        tot[TOT_P_PUMP] += sum_pp
        tot[TOT_REVENUE] += sum_rev
        tot[TOT_SHORT_CONV] += short_c
        tot[TOT_SHORT_GEN] += short_g
        tot[TOT_SHORT_PUMP] += short_p
        tot[TOT_VUP_MIN] = min(tot[TOT_VUP_MIN], vu_lo)
        tot[TOT_VUP_MAX] = max(tot[TOT_VUP_MAX], vu_hi)
        tot[TOT_VLO_MIN] = min(tot[TOT_VLO_MIN], vl_lo)
        tot[TOT_VLO_MAX] = max(tot[TOT_VLO_MAX], vl_hi)


def eta_of(eff) -> float:
    """A group's constant efficiency for the kernel's fast path, or −1 when it has an efficiency chart."""
    return float(eff) if isinstance(eff, float) else -1.0


def table_of(eff) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flow grid, head grid, table) for a constant or an EfficiencyCurve."""
    if isinstance(eff, float):
        return np.zeros(1), np.zeros(1), np.full((1, 1), eff)
    return np.asarray(eff.flow_m3s), np.asarray(eff.head_m), np.asarray(eff.efficiency)
