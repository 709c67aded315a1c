"""The network kernel's scenarios side by side: blocks of lanes, the innermost loops over lanes.

A model whose unit columns have constant efficiencies and whose sinks constant levels runs its scenarios in
blocks of lanes (as many as the scratch ``Work.lanes`` has columns, LANES to LANES_MAX: ``block_width`` in
:mod:`hydro_sim.simulation._network_sim`): each stage of a step is a loop over columns (or reservoirs) with a
loop over the block's lanes inside, arithmetic and selects only, which LLVM turns into SIMD code (several
scenarios per instruction). The stages compute the step as :func:`_step` does when no limit binds, with the same
floating-point operations in the same order; a lane where a limit would bind (a cut-back, or a flow that
needs a water limit, the line or a sink's band) is flagged (row BAD) and its step is done again by
:func:`_step`, from the same state. So a lane's result never depends on the other lanes of its block, and a
block equals single runs bit for bit. The state and the totals of a block live in the lane rows while it
runs (moved to ``State``/``Outputs`` and back around each step :func:`_step` takes).

The lane layout (rows per column, per node and per lane) is declared once, in
:mod:`hydro_sim.simulation._engine` (``_LANE_COL``, ``_LANE_NODE``, ``_LANE_ONE``); the offsets here are
derived from it. A change in :mod:`hydro_sim._physics` must touch this file too (numba's cache).
"""

from __future__ import annotations

import math

import numpy as np

from hydro_sim._physics import (
    const_flow_rest,
    const_flow_start,
    const_flow_step,
    const_power,
    jit,
    jit_inline,
    segment,
    top_flow,
)
from hydro_sim.simulation import _engine as E
from hydro_sim.simulation._engine import (
    F_EMIN,
    F_HHI,
    F_HLO,
    F_K,
    F_PCAP,
    F_PMIN_U,
    F_QMAX,
    F_RAMP,
    F_S,
    FULL_POWER_MW,
    I_DN,
    I_FROM,
    I_KIND,
    I_PARTNER,
    I_POWER_REQ,
    I_TO,
    I_UP,
    K_PT_GEN,
    K_PUMP,
    K_RELEASE,
    K_SPILL,
    K_TURBINE,
    LANE_CODES,
    LC_CE,
    LC_CW,
    LC_HG,
    LC_MORE,
    LC_P,
    LC_PE,
    LC_PREV,
    LC_Q,
    LC_QF,
    LC_QTOP,
    LC_REQ,
    LC_T_CE,
    LC_T_CN,
    LC_T_CW,
    LC_T_FLOW,
    LC_T_POWER,
    LC_T_SHORT,
    LL_ACC,
    LL_BAD,
    LL_CAP,
    LL_D,
    LL_F,
    LL_NET,
    LL_PRICE,
    LL_T_EXP,
    LL_T_IMP,
    LL_T_REV,
    LL_TOT,
    LN_IN,
    LN_NET,
    LN_PREV,
    LN_SHI,
    LN_SLO,
    LN_SM,
    LN_START,
    LN_SX,
    LN_SY,
    LN_T_IN,
    LN_T_SINK,
    LN_T_VMAX,
    LN_T_VMIN,
    LN_V,
    LN_VN,
    LN_X,
    LN_Z,
    N_LC,
    N_LN,
    RATING_TOL,
    SLOT_MAX,
    SLOT_MIN,
    SLOT_RAISE,
    SLOT_RMIN,
    SLOT_UNIT,
    TC_FLOW,
    TC_POWER,
    TC_SHORTFALL,
    TR_INFLOW,
    TR_VMAX,
    TR_VMIN,
    TS_EXPORT,
    TS_IMPORT,
    TS_REVENUE,
    WATER_TOL_M3S,
    Inputs,
    Model,
    Outputs,
    State,
    Work,
    _feasible_power,
    event,
    raise_units,
    step_one,
)  # fmt: skip

#: A hash of the files this kernel inlines (``_engine``'s docstring says why); ``tests/test_simulation_lanes.py``
#: checks it.
DEPENDS_ON = "2c113c1b2cc3c166"


@jit_inline
def _oc(f: int, j: int, n_col: int) -> int:
    """Offset of lane row ``f`` of column j."""
    return f * n_col + j


@jit_inline
def _on(f: int, node: int, n_col: int, n_n: int) -> int:
    """Offset of lane row ``f`` of node ``node`` (reservoirs, then sinks)."""
    return N_LC * n_col + f * n_n + node


@jit_inline
def _ol(f: int, n_col: int, n_n: int) -> int:
    """Offset of the per-lane row ``f``."""
    return N_LC * n_col + N_LN * n_n + f


@jit_inline
def _set_seg(m: Model, w: Work, r: int, i: int, j: int, n_col: int, n_n: int) -> None:
    """Hold segment j of reservoir r's level table in lane i: its start, level, slope and the volumes it
    holds, [lo, hi) (unbounded at the table's ends, where the level is extrapolated)."""
    x = w.lanes
    n = m.rn[r]
    j = min(max(j, 0), n - 2)
    w.lseg[r * x.shape[1] + i] = j
    x[_on(LN_SX, r, n_col, n_n), i] = m.rv[r, j]
    x[_on(LN_SY, r, n_col, n_n), i] = m.rz[r, j]
    x[_on(LN_SM, r, n_col, n_n), i] = m.rm[r, j]
    x[_on(LN_SLO, r, n_col, n_n), i] = -math.inf if j == 0 else m.rv[r, j]
    x[_on(LN_SHI, r, n_col, n_n), i] = math.inf if j == n - 2 else m.rv[r, j + 1]


@jit_inline
def _lane_in(
    m: Model, st: State, out: Outputs, w: Work, s: int, i: int, n_col: int, n_r: int, n_k: int
) -> None:
    """Scenario s's state and totals into lane i."""
    x = w.lanes
    n_n = n_r + n_k
    for r in range(n_r):
        x[_on(LN_V, r, n_col, n_n), i] = st.vol[s, r]
        x[_on(LN_START, r, n_col, n_n), i] = st.start[s, r]
        x[_on(LN_T_IN, r, n_col, n_n), i] = out.tot_res[s, r, TR_INFLOW]
        x[_on(LN_T_VMIN, r, n_col, n_n), i] = out.tot_res[s, r, TR_VMIN]
        x[_on(LN_T_VMAX, r, n_col, n_n), i] = out.tot_res[s, r, TR_VMAX]
        _set_seg(m, w, r, i, st.seg[s, r], n_col, n_n)
    for k in range(n_k):
        x[_on(LN_PREV, n_r + k, n_col, n_n), i] = st.prev[s, n_col + k]
        x[_on(LN_T_SINK, n_r + k, n_col, n_n), i] = out.tot_sink[s, k]
    for j in range(n_col):
        x[_oc(LC_PREV, j, n_col), i] = st.prev[s, j]
        x[_oc(LC_T_FLOW, j, n_col), i] = out.tot_col[s, j, TC_FLOW]
        x[_oc(LC_T_POWER, j, n_col), i] = out.tot_col[s, j, TC_POWER]
        x[_oc(LC_T_SHORT, j, n_col), i] = out.tot_col[s, j, TC_SHORTFALL]
        for slot in range(len(LANE_CODES)):
            code = LANE_CODES[slot]
            x[_oc(LC_T_CW + slot, j, n_col), i] = out.cut_w[s, j, code]
            x[_oc(LC_T_CE + slot, j, n_col), i] = out.cut_e[s, j, code]
            x[_oc(LC_T_CN + slot, j, n_col), i] = out.cut_n[s, j, code]
    x[_ol(LL_T_REV, n_col, n_n), i] = out.tot_sys[s, TS_REVENUE]
    x[_ol(LL_T_EXP, n_col, n_n), i] = out.tot_sys[s, TS_EXPORT]
    x[_ol(LL_T_IMP, n_col, n_n), i] = out.tot_sys[s, TS_IMPORT]


@jit_inline
def _lane_out(
    m: Model, st: State, out: Outputs, w: Work, s: int, i: int, n_col: int, n_r: int, n_k: int
) -> None:
    """Lane i's state and totals back into scenario s's."""
    x = w.lanes
    n_n = n_r + n_k
    for r in range(n_r):
        st.vol[s, r] = x[_on(LN_V, r, n_col, n_n), i]
        out.tot_res[s, r, TR_INFLOW] = x[_on(LN_T_IN, r, n_col, n_n), i]
        out.tot_res[s, r, TR_VMIN] = x[_on(LN_T_VMIN, r, n_col, n_n), i]
        out.tot_res[s, r, TR_VMAX] = x[_on(LN_T_VMAX, r, n_col, n_n), i]
        st.seg[s, r] = w.lseg[r * x.shape[1] + i]
    for k in range(n_k):
        st.prev[s, n_col + k] = x[_on(LN_PREV, n_r + k, n_col, n_n), i]
        out.tot_sink[s, k] = x[_on(LN_T_SINK, n_r + k, n_col, n_n), i]
    for j in range(n_col):
        st.prev[s, j] = x[_oc(LC_PREV, j, n_col), i]
        out.tot_col[s, j, TC_FLOW] = x[_oc(LC_T_FLOW, j, n_col), i]
        out.tot_col[s, j, TC_POWER] = x[_oc(LC_T_POWER, j, n_col), i]
        out.tot_col[s, j, TC_SHORTFALL] = x[_oc(LC_T_SHORT, j, n_col), i]
        for slot in range(len(LANE_CODES)):
            code = LANE_CODES[slot]
            out.cut_w[s, j, code] = x[_oc(LC_T_CW + slot, j, n_col), i]
            out.cut_e[s, j, code] = x[_oc(LC_T_CE + slot, j, n_col), i]
            out.cut_n[s, j, code] = x[_oc(LC_T_CN + slot, j, n_col), i]
    out.tot_sys[s, TS_REVENUE] = x[_ol(LL_T_REV, n_col, n_n), i]
    out.tot_sys[s, TS_EXPORT] = x[_ol(LL_T_EXP, n_col, n_n), i]
    out.tot_sys[s, TS_IMPORT] = x[_ol(LL_T_IMP, n_col, n_n), i]


@jit_inline
def _l_load(a: np.ndarray, x: np.ndarray, o: int, s0: int, nb: int, t: int) -> None:
    """Step t of a (S or 1, steps) input into lane row o."""
    if a.shape[0] > 1:
        for i in range(nb):
            x[o, i] = a[s0 + i, t]
    else:
        v = a[0, t]
        for i in range(nb):
            x[o, i] = v


@jit_inline
def _l_load_packed(
    a: np.ndarray, at: np.ndarray, e: int, x: np.ndarray, o: int, s0: int, nb: int, t: int
) -> None:
    """Step t of element e's input, rows packed by :func:`~hydro_sim.simulation._engine.packed_rows`, into
    lane row o."""
    first = at[e, 0]
    if at[e, 1] != 0:
        for i in range(nb):
            x[o, i] = a[first + s0 + i, t]
    else:
        v = a[first, t]
        for i in range(nb):
            x[o, i] = v


@jit_inline
def _l_heads(m: Model, w: Work, row: int, nb: int, n_col: int, n_r: int, n_k: int) -> None:
    """Levels at the reservoir volumes in node row ``row`` (each lane's held segment; the table walked for a
    volume that left it) and the gross head of every unit column (sinks at their constant level)."""
    x = w.lanes
    n_n = n_r + n_k
    for r in range(n_r):
        ox, oz = _on(row, r, n_col, n_n), _on(LN_Z, r, n_col, n_n)
        o_sx, o_sy, o_sm = _on(LN_SX, r, n_col, n_n), _on(LN_SY, r, n_col, n_n), _on(LN_SM, r, n_col, n_n)
        o_lo, o_hi = _on(LN_SLO, r, n_col, n_n), _on(LN_SHI, r, n_col, n_n)
        n_out = 0
        for i in range(nb):
            v = x[ox, i]
            x[oz, i] = x[o_sy, i] + (v - x[o_sx, i]) * x[o_sm, i]
            n_out += 0 if (v >= x[o_lo, i]) & (v < x[o_hi, i]) else 1
        if n_out > 0:
            n = m.rn[r]
            for i in range(nb):
                v = x[ox, i]
                if not ((v >= x[o_lo, i]) & (v < x[o_hi, i])):
                    j = segment(v, m.rv[r, :n], n, w.lseg[r * x.shape[1] + i])
                    _set_seg(m, w, r, i, j, n_col, n_n)
                    x[oz, i] = m.rz[r, j] + (v - m.rv[r, j]) * m.rm[r, j]
    for j in range(n_col):
        if m.ci[j, I_KIND] > K_PUMP:
            continue
        up, dn = m.ci[j, I_UP], m.ci[j, I_DN]
        og = _oc(LC_HG, j, n_col)
        if up >= 0 and dn >= 0:
            ou, od = _on(LN_Z, up, n_col, n_n), _on(LN_Z, dn, n_col, n_n)
            for i in range(nb):
                x[og, i] = x[ou, i] - x[od, i]
        elif up >= 0:
            ou, zd = _on(LN_Z, up, n_col, n_n), m.kz[-1 - dn, 0]
            for i in range(nb):
                x[og, i] = x[ou, i] - zd
        elif dn >= 0:
            zu, od = m.kz[-1 - up, 0], _on(LN_Z, dn, n_col, n_n)
            for i in range(nb):
                x[og, i] = zu - x[od, i]
        else:
            zu, zd = m.kz[-1 - up, 0], m.kz[-1 - dn, 0]
            for i in range(nb):
                x[og, i] = zu - zd


@jit_inline
def _l_power_flows(m: Model, w: Work, j: int, crest: bool, nb: int, n_col: int, n_n: int) -> tuple[int, int]:
    """The flows of power-requested unit column j over the lanes (:func:`_units`' series start and one Halley
    step); returns (lanes a second step must finish, lanes cut to the ratings). ``crest`` false: no lane's
    head is below 3kQ_max², so :func:`top_flow` is Q_max in each (a literal at each call: LLVM drops the
    root)."""
    x = w.lanes
    ob = _ol(LL_BAD, n_col, n_n)
    tol = 1.0 + RATING_TOL
    orq, oq, og, ope = _oc(LC_REQ, j, n_col), _oc(LC_Q, j, n_col), _oc(LC_HG, j, n_col), _oc(LC_PE, j, n_col)
    otop, omore, oqf = _oc(LC_QTOP, j, n_col), _oc(LC_MORE, j, n_col), _oc(LC_QF, j, n_col)
    ocut, ocw = _oc(LC_CE + SLOT_UNIT, j, n_col), _oc(LC_CW + SLOT_UNIT, j, n_col)
    k, s, qmax, pcap = m.cf[j, F_K], m.cf[j, F_S], m.cf[j, F_QMAX], m.cf[j, F_PCAP]
    eta, a, inv_a = m.ceta[j, 0], m.ceta[j, 1], m.ceta[j, 2]
    n_more, n_cut = 0, 0
    # two loops (const_flow_first's halves): each lane's chain of dependent steps is long, and a loop with
    # half of it lets more lanes run at once (the same operations per lane; the start in row QF)
    for i in range(nb):
        r, hg = x[orq, i], x[og, i]
        pos = r > 0.0
        p = min(r, pcap)
        qt = top_flow(hg, k, s, qmax) if crest else qmax
        ptop = const_power(qt, hg, k, s, eta) if s < 0.0 else 0.0
        p = min(p, ptop) if s < 0.0 else p
        cut = pos & (r < FULL_POWER_MW) & (r > p * tol)  # recorded as energy (_l_account)
        x[ocut, i] = r - p if cut else 0.0
        x[ocw, i] = 0.0
        n_cut += 1 if cut else 0
        top = (s < 0.0) & math.isfinite(qt) & (ptop <= p)
        x[oqf, i] = const_flow_start(p, hg, k, s, inv_a, qt)
        x[ope, i] = p
        x[otop, i] = qt
        x[omore, i] = 1.0 if top else 0.0
        x[ob, i] += 1.0 if pos & (hg <= 0.0) else 0.0
    for i in range(nb):
        pos, p, hg, qt = x[orq, i] > 0.0, x[ope, i], x[og, i], x[otop, i]
        top = x[omore, i] > 0.0
        q, more = const_flow_step(x[oqf, i], p, hg, k, s, a, qt)
        q = qt if top else q
        q = q if p > 0.0 else 0.0
        x[oq, i] = q if pos else 0.0
        again = pos & (p > 0.0) & (not top) & more
        x[omore, i] = 1.0 if again else 0.0
        n_more += 1 if again & (x[ob, i] == 0.0) else 0
    return n_more, n_cut


@jit_inline
def _l_units(m: Model, w: Work, nb: int, n_col: int, n_n: int) -> None:
    """:func:`_units` over the lanes where no limit binds (a lane where one would is flagged BAD). Sets
    ``w.lflag[1]`` to 1 when a lane's flow or power was cut to a rating (the unit slot's cut-back rows hold
    values), else 0."""
    x = w.lanes
    ob = _ol(LL_BAD, n_col, n_n)
    tol = 1.0 + RATING_TOL
    cuts = 0
    for j in range(n_col):
        kind = m.ci[j, I_KIND]
        orq, oq = _oc(LC_REQ, j, n_col), _oc(LC_Q, j, n_col)
        if kind == K_SPILL:
            qmax = m.cf[j, F_QMAX]
            for i in range(nb):
                r = x[orq, i]
                x[oq, i] = r
                x[ob, i] += 1.0 if r > qmax else 0.0
            continue
        if kind == K_RELEASE:
            continue
        og, ope, otop, omore = (
            _oc(LC_HG, j, n_col),
            _oc(LC_PE, j, n_col),
            _oc(LC_QTOP, j, n_col),
            _oc(LC_MORE, j, n_col),
        )
        k, s, qmax, pcap = m.cf[j, F_K], m.cf[j, F_S], m.cf[j, F_QMAX], m.cf[j, F_PCAP]
        eta, a, inv_a = m.ceta[j, 0], m.ceta[j, 1], m.ceta[j, 2]
        ocut, ocw = _oc(LC_CE + SLOT_UNIT, j, n_col), _oc(LC_CW + SLOT_UNIT, j, n_col)
        oqf = _oc(LC_QF, j, n_col)
        if m.ci[j, I_POWER_REQ] == 1:
            # √(H_g/3k) is the top flow (top_flow) only below the head 3kQ_max²: without a lane there, the
            # loop without the root and its division (the same flows: top_flow is then Q_max in every lane)
            crest = 0
            if s < 0.0 and k > 0.0:
                h_crest = 3.0 * k * qmax * qmax
                for i in range(nb):
                    crest += 1 if h_crest > x[og, i] else 0
            if crest > 0:
                n_more, n_cut = _l_power_flows(m, w, j, True, nb, n_col, n_n)
            else:
                n_more, n_cut = _l_power_flows(m, w, j, False, nb, n_col, n_n)
            cuts += n_cut
            if n_more > 0:  # the rare flow that one Halley step leaves short of round-off
                for i in range(nb):
                    if (x[omore, i] > 0.0) & (x[ob, i] == 0.0):
                        x[oq, i] = const_flow_rest(x[oq, i], x[ope, i], x[og, i], k, s, a, x[otop, i])
        else:
            qcap = qmax if s < 0.0 else math.inf
            n_cut = 0
            for i in range(nb):
                r, hg = x[orq, i], x[og, i]
                pos = r > 0.0
                p = const_power(r, hg, k, s, eta)
                cut = pos & (hg > 0.0) & ((r > qcap * tol) | (p > pcap * tol))
                x[oq, i] = r if pos else 0.0
                x[ope, i] = p
                x[ocw, i] = 1.0 if cut else 0.0
                x[ocut, i] = 0.0
                n_cut += 1 if cut else 0
                x[ob, i] += 1.0 if pos & (hg <= 0.0) else 0.0
            cuts += n_cut
            if n_cut > 0:  # a flow beyond the ratings, cut to them (as _units: water and energy recorded)
                n_more = 0
                for i in range(nb):  # the flow at the power rating (as _flow): the start (two loops, as
                    hg = x[og, i]  # in _l_power_flows), then one Halley step
                    qt = top_flow(hg, k, s, qmax)
                    ptop = const_power(qt, hg, k, s, eta) if s < 0.0 else 0.0
                    top = (s < 0.0) & math.isfinite(qt) & (ptop <= pcap)
                    x[otop, i] = qt
                    x[omore, i] = 1.0 if top else 0.0
                    x[oqf, i] = const_flow_start(pcap, hg, k, s, inv_a, qt)
                for i in range(nb):
                    hg, qt, top = x[og, i], x[otop, i], x[omore, i] > 0.0
                    qf, more = const_flow_step(x[oqf, i], pcap, hg, k, s, a, qt)
                    qf = qt if top else qf
                    again = (x[ocw, i] > 0.0) & (pcap > 0.0) & (not top) & more
                    x[omore, i] = 1.0 if again else 0.0
                    n_more += 1 if again else 0
                    x[oqf, i] = qf if pcap > 0.0 else 0.0
                if n_more > 0:
                    for i in range(nb):
                        if x[omore, i] > 0.0:
                            x[oqf, i] = const_flow_rest(x[oqf, i], pcap, x[og, i], k, s, a, x[otop, i])
                for i in range(nb):
                    cut = x[ocw, i] > 0.0
                    q, p, hg = x[oq, i], x[ope, i], x[og, i]
                    q1 = (min(qcap, x[oqf, i]) if p > pcap else qcap) if cut else q  # (an uncut lane's
                    p1 = const_power(q1, hg, k, s, eta)  # qcap may be inf: 0·inf under NUMBA_DISABLE_JIT)
                    x[ocw, i] = q - q1 if cut else 0.0
                    x[ocut, i] = p - p1 if cut else 0.0
                    x[oq, i] = q1 if cut else q
                    x[ope, i] = p1 if cut else p
        if m.unit_limits and (m.cf[j, F_PMIN_U] > 0.0 or kind == K_PUMP):
            for i in range(nb):
                p = x[ope, i]
                if x[oq, i] > 0.0 and _feasible_power(m, j, p, x[og, i]) < p * (1.0 - 1e-12):
                    x[ob, i] += 1.0
        hlo, hhi = m.cf[j, F_HLO], m.cf[j, F_HHI]
        if hlo > -math.inf or hhi < math.inf:
            for i in range(nb):
                q = x[oq, i]
                h = x[og, i] + s * (k * q * q)
                x[ob, i] += 1.0 if (q > 0.0) & ((h < hlo) | (h > hhi)) else 0.0
    w.lflag[1] = 1 if cuts > 0 else 0
    for j in range(n_col):
        if m.ci[j, I_KIND] == K_PT_GEN:
            og, op = _oc(LC_Q, j, n_col), _oc(LC_Q, m.ci[j, I_PARTNER], n_col)
            for i in range(nb):
                x[ob, i] += 1.0 if (x[og, i] > 0.0) & (x[op, i] > 0.0) else 0.0


@jit_inline
def _l_net(m: Model, w: Work, r: int, nb: int, n_col: int, n_n: int) -> None:
    """Reservoir r's flows in minus flows out plus its inflow (as :func:`_net_m3s`) into its row NET."""
    x = w.lanes
    on, oi = _on(LN_NET, r, n_col, n_n), _on(LN_IN, r, n_col, n_n)
    for i in range(nb):
        x[on, i] = x[oi, i]
    for j in range(n_col):
        oq = _oc(LC_Q, j, n_col)
        if m.ci[j, I_FROM] == r:
            for i in range(nb):
                x[on, i] -= x[oq, i]
        if m.ci[j, I_TO] == r:
            for i in range(nb):
                x[on, i] += x[oq, i]


@jit_inline
def _l_reduce(
    m: Model, w: Work, r: int, kind_lo: int, kind_hi: int, slot: int, nb: int, n_col: int, n_n: int
) -> None:
    """:func:`_reduce` over the lanes: up to D m³/s off the columns leaving r whose kind is in [kind_lo,
    kind_hi] (releases down to their environmental minimum for SLOT_MIN), in proportion to their flows;
    D keeps what is left."""
    x = w.lanes
    ot, od, of = _ol(LL_TOT, n_col, n_n), _ol(LL_D, n_col, n_n), _ol(LL_F, n_col, n_n)
    for i in range(nb):
        x[ot, i] = 0.0
    for j in range(n_col):
        kind = m.ci[j, I_KIND]
        if m.ci[j, I_FROM] == r and kind_lo <= kind <= kind_hi:
            floor = m.cf[j, F_EMIN] if (kind == K_RELEASE and slot == SLOT_MIN) else 0.0
            oq = _oc(LC_Q, j, n_col)
            for i in range(nb):
                x[ot, i] += max(x[oq, i] - floor, 0.0)
    for i in range(nb):
        total, d = x[ot, i], x[od, i]
        x[of, i] = min(d / total, 1.0) if (total > 0.0) & (d > 0.0) else 0.0
    for j in range(n_col):
        kind = m.ci[j, I_KIND]
        if m.ci[j, I_FROM] == r and kind_lo <= kind <= kind_hi:
            floor = m.cf[j, F_EMIN] if (kind == K_RELEASE and slot == SLOT_MIN) else 0.0
            oq, og = _oc(LC_Q, j, n_col), _oc(LC_HG, j, n_col)
            ow, oe = _oc(LC_CW + slot, j, n_col), _oc(LC_CE + slot, j, n_col)
            k, s, eta = m.cf[j, F_K], m.cf[j, F_S], m.ceta[j, 0]
            unit = kind <= K_PUMP
            for i in range(nb):
                q = x[oq, i]
                dq = max(q - floor, 0.0) * x[of, i]
                cut = dq > 0.0
                hg = x[og, i]
                e = const_power(q, hg, k, s, eta) - const_power(q - dq, hg, k, s, eta) if unit else 0.0
                x[ow, i] += dq if cut else 0.0
                x[oe, i] += e if cut else 0.0
                x[oq, i] = q - dq if cut else q
    for i in range(nb):
        total, d, f = x[ot, i], x[od, i], x[of, i]
        x[od, i] = max(d - total * f, 0.0) if (total > 0.0) & (d > 0.0) else d


@jit_inline
def _l_flag_scalar_cuts(m: Model, w: Work, r: int, t: int, nb: int, n_col: int, n_n: int) -> None:
    """Flag the lanes below r's minimum (D > 0) whose units' cut :func:`_reduce`'s pump floor may change: a
    pump out of r whose reservoir may send water back to r (:func:`_returned` may be nonzero; flagged with a
    margin of 1e-6 m³/s)."""
    x = w.lanes
    ob, od = _ol(LL_BAD, n_col, n_n), _ol(LL_D, n_col, n_n)
    ot = _ol(LL_TOT, n_col, n_n)
    inv_c = 1.0 / m.c
    for jp in range(n_col):
        u = m.ci[jp, I_TO]
        if m.ci[jp, I_KIND] != K_PUMP or m.ci[jp, I_FROM] != r or u < 0:
            continue
        _l_net(m, w, u, nb, n_col, n_n)  # (u's row NET is summed again before it is read: see _l_water)
        for i in range(nb):
            x[ot, i] = 0.0
        for j in range(n_col):
            if m.ci[j, I_FROM] == u and m.ci[j, I_TO] == r and m.ci[j, I_KIND] != K_PUMP:
                oq = _oc(LC_Q, j, n_col)
                for i in range(nb):
                    x[ot, i] += x[oq, i]
        vmin, oqp = m.vmin[u, t], _oc(LC_Q, jp, n_col)
        ov, on = _on(LN_V, u, n_col, n_n), _on(LN_NET, u, n_col, n_n)
        for i in range(nb):
            back, above = x[ot, i], (x[ov, i] - vmin) * inv_c + x[on, i]
            bad = (x[od, i] > 0.0) & (x[oqp, i] > 0.0) & (back > 0.0) & (above < back + 1e-6)
            x[ob, i] += 1.0 if bad else 0.0


@jit_inline
def _l_above(m: Model, w: Work, u: int, t: int, i: int, n_col: int, n_n: int) -> float:
    """Reservoir u's water above its minimum in lane i at the current flows, m³/s (:func:`_net_m3s`'s
    first value, the same sum)."""
    x = w.lanes
    net = x[_on(LN_IN, u, n_col, n_n), i]
    for j in range(n_col):
        q = x[_oc(LC_Q, j, n_col), i]
        if m.ci[j, I_FROM] == u:
            net -= q
        if m.ci[j, I_TO] == u:
            net += q
    v, inv_c = x[_on(LN_V, u, n_col, n_n), i], 1.0 / m.c
    return (v - m.vmin[u, t]) * inv_c + net


@jit_inline
def _l_export_one(m: Model, w: Work, i: int, n_col: int) -> float:
    """Lane i's net export at its current flows (:func:`_net_export`'s sum, without writing the powers). [MW]"""
    x = w.lanes
    net = 0.0
    for j in range(n_col):
        if m.ci[j, I_KIND] <= K_PUMP:
            p = E._power(m, j, x[_oc(LC_Q, j, n_col), i], x[_oc(LC_HG, j, n_col), i])
            net += -p if m.ci[j, I_KIND] == K_PUMP else p
    return net


@jit_inline
def _l_feed(m: Model, w: Work, r: int, t: int, nb: int, n_col: int, n_n: int) -> None:
    """:func:`_feed` in the lanes where r is still short (row D) after its units' cut, one lane at a time
    (a dry step's rare case; the scalar step took each such lane before): the links into r from the
    reservoirs above raised as :func:`_raise_into` raises them (the releases within their maximum and ramp,
    the unit columns by :func:`raise_units`, the spillways), by no more than r's releases carry, recorded as
    the environmental minimum (raised); D keeps what is left."""
    x = w.lanes
    od = _ol(LL_D, n_col, n_n)
    n_in = 0
    for j in range(n_col):
        n_in += 1 if m.ci[j, I_TO] == r and m.ci[j, I_KIND] != K_PUMP else 0
    if n_in == 0:
        return
    for i in range(nb):
        if x[od, i] > E.FEED_MIN_M3S:  # (the water fed is at most D)
            _l_feed_lane(m, w, r, t, i, n_col, n_n)


@jit
def _l_feed_lane(m: Model, w: Work, r: int, t: int, i: int, n_col: int, n_n: int) -> None:
    """:func:`_l_feed` in lane i (out of line: a rare case, whose raise would otherwise be compiled into
    every step of the lanes)."""
    x = w.lanes
    od = _ol(LL_D, n_col, n_n)
    d = x[od, i]
    need = 0.0
    for j in range(n_col):
        if m.ci[j, I_FROM] == r and m.ci[j, I_KIND] == K_RELEASE:
            need += x[_oc(LC_Q, j, n_col), i]
    d1 = min(d, need)
    if d1 <= E.FEED_MIN_M3S:
        return
    left = d1
    cap = x[_ol(LL_CAP, n_col, n_n), i] if m.has_line else math.inf
    for kind in (K_RELEASE, K_TURBINE, K_PT_GEN, K_SPILL):
        for j in range(n_col):
            if left <= WATER_TOL_M3S or m.ci[j, I_TO] != r or m.ci[j, I_KIND] != kind:
                continue
            oq = _oc(LC_Q, j, n_col)
            q = x[oq, i]
            above = max(_l_above(m, w, m.ci[j, I_FROM], t, i, n_col, n_n), 0.0)
            if K_TURBINE <= kind <= K_PT_GEN:
                headroom = cap - _l_export_one(m, w, i, n_col) if m.has_line else math.inf
                jp = m.ci[j, I_PARTNER]
                q_partner = x[_oc(LC_Q, jp, n_col), i] if jp >= 0 else 0.0
                hg = x[_oc(LC_HG, j, n_col), i]
                dq = raise_units(m, j, q, hg, q_partner, left, above, headroom) - q
            else:
                top = m.cf[j, F_QMAX]
                prev = x[_oc(LC_PREV, j, n_col), i]
                if kind == K_RELEASE and not math.isnan(prev):
                    top = min(top, prev + m.cf[j, F_RAMP])
                dq = min(max(top - q, 0.0), above, left)
            if dq > WATER_TOL_M3S:
                x[_oc(LC_CW + SLOT_RAISE, j, n_col), i] += dq
                x[_oc(LC_CE + SLOT_RAISE, j, n_col), i] += 0.0
                x[oq, i] = q + dq
                left -= dq
    x[od, i] = d - (d1 - left)


@jit_inline
def _l_fill(
    m: Model, w: Work, j: int, raise_: bool, top: float, use_ramp: bool, nb: int, n_col: int, n_n: int
) -> None:
    """One column's share of a reservoir's excess E (:func:`_water`, maximum level): lowered by up to E
    (``raise_`` false: pumped water in, or water from upstream), or raised by up to E to ``top`` (its
    maximum, and with ``use_ramp`` its ramp from the last step); recorded as MAX_LEVEL."""
    x = w.lanes
    oe_, oq, og = _ol(LL_D, n_col, n_n), _oc(LC_Q, j, n_col), _oc(LC_HG, j, n_col)
    ow, oen, op = _oc(LC_CW + SLOT_MAX, j, n_col), _oc(LC_CE + SLOT_MAX, j, n_col), _oc(LC_PREV, j, n_col)
    kind = m.ci[j, I_KIND]
    unit = kind <= K_PUMP
    k, s, eta, ramp = m.cf[j, F_K], m.cf[j, F_S], m.ceta[j, 0], m.cf[j, F_RAMP]
    for i in range(nb):
        e, q = x[oe_, i], x[oq, i]
        if raise_:
            prev = x[op, i]
            t_ = min(top, prev + ramp) if use_ramp and not math.isnan(prev) else top
            dq = min(max(t_ - q, 0.0), e)
        else:
            dq = min(q, e)
        cut = (e > 0.0) & (dq > 0.0)
        hg = x[og, i]
        en = const_power(q, hg, k, s, eta) - const_power(q - dq, hg, k, s, eta) if unit else 0.0
        x[ow, i] += dq if cut else 0.0
        x[oen, i] += en if cut else 0.0
        x[oq, i] = (q + dq if raise_ else q - dq) if cut else q
        x[oe_, i] = e - dq if cut else e


@jit_inline
def _l_limits(m: Model, w: Work, r: int, t: int, nb: int, n_col: int, n_n: int) -> bool:
    """Reservoir r's levels in the first pass of :func:`_water` over the lanes: below its minimum, the spill,
    the releases above their minimum, the units and the releases are cut (:func:`_l_reduce`); above its
    maximum, the pumped water in is cut, the releases raised within their ramp, the spillways, the releases
    to their maximum, and the water from upstream held (:func:`_l_fill`). Returns whether a lane changed.
    Reads r's net inflow in its row NET, summed at the current flows by the caller."""
    x = w.lanes
    on, od = _on(LN_NET, r, n_col, n_n), _ol(LL_D, n_col, n_n)
    ov = _on(LN_V, r, n_col, n_n)
    inv_c = 1.0 / m.c
    vmin, vmax = m.vmin[r, t], m.vmax[r, t]
    n_lo, n_hi = 0, 0
    for i in range(nb):
        v, net = x[ov, i], x[on, i]
        above = (v - vmin) * inv_c + net
        room = (vmax - v) * inv_c - net
        lo = above < -WATER_TOL_M3S
        hi = (not lo) & (room < -WATER_TOL_M3S)
        n_lo += 1 if lo else 0
        n_hi += 1 if hi else 0
        x[od, i] = -above if lo else 0.0
    if n_lo > 0:  # below the minimum: spill, releases above their minimum, units, releases
        _l_reduce(m, w, r, K_SPILL, K_SPILL, SLOT_MIN, nb, n_col, n_n)
        _l_reduce(m, w, r, K_RELEASE, K_RELEASE, SLOT_MIN, nb, n_col, n_n)
        _l_flag_scalar_cuts(m, w, r, t, nb, n_col, n_n)
        _l_reduce(m, w, r, K_TURBINE, K_PUMP, SLOT_MIN, nb, n_col, n_n)
        _l_feed(m, w, r, t, nb, n_col, n_n)
        _l_reduce(m, w, r, K_RELEASE, K_RELEASE, SLOT_RMIN, nb, n_col, n_n)
    if n_hi > 0:  # above the maximum: the excess in D
        for i in range(nb):
            v, net = x[ov, i], x[on, i]
            above = (v - vmin) * inv_c + net
            room = (vmax - v) * inv_c - net
            x[od, i] = -room if (not (above < -WATER_TOL_M3S)) & (room < -WATER_TOL_M3S) else 0.0
        for j in range(n_col):
            if m.ci[j, I_KIND] == K_PUMP and m.ci[j, I_TO] == r:
                _l_fill(m, w, j, False, 0.0, False, nb, n_col, n_n)
        for pass_ in range(3):  # releases within their ramp, spillways, releases to their maximum
            for j in range(n_col):
                kind = m.ci[j, I_KIND]
                if (
                    m.ci[j, I_FROM] != r
                    or (pass_ == 1) != (kind == K_SPILL)
                    or (pass_ != 1 and kind != K_RELEASE)
                ):
                    continue
                _l_fill(m, w, j, True, m.cf[j, F_QMAX], pass_ == 0, nb, n_col, n_n)
        for j in range(n_col):
            if m.ci[j, I_TO] == r and m.ci[j, I_KIND] != K_PUMP:
                _l_fill(m, w, j, False, 0.0, False, nb, n_col, n_n)
    return n_lo + n_hi > 0


@jit_inline
def _l_water(m: Model, w: Work, t: int, nb: int, n_col: int, n_n: int) -> bool:
    """The first pass of :func:`_water` (the releases, then the levels' check) over the lanes where no limit
    binds, reservoirs upstream first. On return every reservoir's row NET holds its net inflow at the
    final flows (:func:`_l_volumes` reads them)."""
    x = w.lanes
    ob = _ol(LL_BAD, n_col, n_n)
    inv_c = 1.0 / m.c
    changed = False
    for ir in range(m.order.shape[0]):
        r = m.order[ir]
        ov, ost, on = _on(LN_V, r, n_col, n_n), _on(LN_START, r, n_col, n_n), _on(LN_NET, r, n_col, n_n)
        last = -1  # the last column touching r: a release there updates r's net by its own flow alone
        for j in range(n_col):
            if m.ci[j, I_KIND] == K_RELEASE and m.ci[j, I_FROM] == r:
                oq = _oc(LC_Q, j, n_col)
                for i in range(nb):
                    x[oq, i] = 0.0
            if m.ci[j, I_FROM] == r or m.ci[j, I_TO] == r:
                last = j
        _l_net(m, w, r, nb, n_col, n_n)  # (the releases at 0)
        for j in range(n_col):
            if m.ci[j, I_KIND] != K_RELEASE or m.ci[j, I_FROM] != r:
                continue
            emin, qmax, ramp = m.cf[j, F_EMIN], m.cf[j, F_QMAX], m.cf[j, F_RAMP]
            vt = m.vtarget[r, t]
            vt_nan = math.isnan(vt)
            orq, oq, op = _oc(LC_REQ, j, n_col), _oc(LC_Q, j, n_col), _oc(LC_PREV, j, n_col)
            for i in range(nb):
                req = x[orq, i]
                auto = math.isnan(req)
                vti = x[ost, i] if vt_nan else vt
                qa = min(max((x[ov, i] - vti) / m.c + x[on, i], emin), qmax)
                bad = (not auto) & (req > qmax)
                q = qa if auto else req
                if ramp < math.inf:
                    prev = x[op, i]
                    hp = not math.isnan(prev)
                    q1 = min(max(q, prev - ramp), prev + ramp)
                    bad |= hp & (abs(q1 - q) > WATER_TOL_M3S) & (not (auto & (q1 < emin)))
                    q = q1 if hp else q
                bad |= (q < emin) & (not auto) & (emin - q > WATER_TOL_M3S)
                x[oq, i] = max(q, emin)
                x[ob, i] += 1.0 if bad else 0.0
            if j == last:  # the sum again would add the same terms in the same order, this flow last for 0
                for i in range(nb):
                    x[on, i] -= x[oq, i]
            else:
                _l_net(m, w, r, nb, n_col, n_n)
        changed |= _l_limits(m, w, r, t, nb, n_col, n_n)
    if changed:  # the second pass of _water: a lane with a level still beyond its limits is _step's
        for ir in range(m.order.shape[0]):
            r = m.order[ir]
            _l_net(m, w, r, nb, n_col, n_n)
            ov, on = _on(LN_V, r, n_col, n_n), _on(LN_NET, r, n_col, n_n)
            vmin, vmax = m.vmin[r, t], m.vmax[r, t]
            for i in range(nb):
                v, net = x[ov, i], x[on, i]
                above = (v - vmin) * inv_c + net
                room = (vmax - v) * inv_c - net
                x[ob, i] += 1.0 if (above < -WATER_TOL_M3S) | (room < -WATER_TOL_M3S) else 0.0
    return changed


@jit_inline
def _l_sinks(m: Model, w: Work, nb: int, n_col: int, n_r: int, n_k: int, final: bool) -> None:
    """Each sink's total discharge within its band (:func:`_sink_band`; ``final``: the checks of
    :func:`_step` after the last settle, on the discharge in VN), else the lane is flagged."""
    x = w.lanes
    n_n = n_r + n_k
    ob, oa = _ol(LL_BAD, n_col, n_n), _ol(LL_ACC, n_col, n_n)
    for k in range(n_k):
        node = -1 - k
        lo0, hi0, ramp = m.kf[k, 0], m.kf[k, 1], m.kf[k, 2]
        op = _on(LN_PREV, n_r + k, n_col, n_n)
        if lo0 <= 0.0 and hi0 == math.inf and ramp == math.inf:
            continue  # a river without limits: no flow is negative, so none is outside them
        if final:
            ovn = _on(LN_VN, n_r + k, n_col, n_n)
            for i in range(nb):
                q, prev = x[ovn, i], x[op, i]
                bad = (q < lo0 - WATER_TOL_M3S) | (q > hi0 + WATER_TOL_M3S)
                bad |= (not math.isnan(prev)) & (abs(q - prev) > ramp + WATER_TOL_M3S)
                x[ob, i] += 1.0 if bad else 0.0
            continue
        for i in range(nb):
            x[oa, i] = 0.0
        for j in range(n_col):
            if m.ci[j, I_TO] == node:
                oq = _oc(LC_Q, j, n_col)
                for i in range(nb):
                    x[oa, i] += x[oq, i]
        for i in range(nb):
            prev, total = x[op, i], x[oa, i]
            band = not (math.isnan(prev) | (ramp == math.inf))
            lo = max(lo0, min(prev - ramp, hi0)) if band else lo0
            hi = min(hi0, max(prev + ramp, lo0)) if band else hi0
            x[ob, i] += 1.0 if (total < lo - WATER_TOL_M3S) | (total > hi + WATER_TOL_M3S) else 0.0


@jit_inline
def _l_export(m: Model, w: Work, nb: int, n_col: int, n_n: int) -> None:
    """Powers of the unit columns at the heads in HG (into P) and the net export (row NET), as
    :func:`_net_export`."""
    x = w.lanes
    on = _ol(LL_NET, n_col, n_n)
    for i in range(nb):
        x[on, i] = 0.0
    for j in range(n_col):
        kind = m.ci[j, I_KIND]
        if kind > K_PUMP:
            continue
        oq, og, op = _oc(LC_Q, j, n_col), _oc(LC_HG, j, n_col), _oc(LC_P, j, n_col)
        k, s, eta = m.cf[j, F_K], m.cf[j, F_S], m.ceta[j, 0]
        for i in range(nb):
            p = const_power(x[oq, i], x[og, i], k, s, eta)
            x[op, i] = p
            x[on, i] += -p if kind == K_PUMP else p


@jit_inline
def _l_settle(m: Model, w: Work, t: int, nb: int, n_col: int, n_r: int, n_k: int) -> None:
    """:func:`_settle` over the lanes where no limit binds."""
    n_n = n_r + n_k
    if w.lflag[0] != 0:  # the water limits' cut-back rows, written since they were last cleared
        w.lanes[_oc(LC_CW + SLOT_MIN, 0, n_col) : _oc(LC_CW + SLOT_RAISE + 1, 0, n_col), :] = 0.0
        w.lanes[_oc(LC_CE + SLOT_MIN, 0, n_col) : _oc(LC_CE + SLOT_RAISE + 1, 0, n_col), :] = 0.0
    _l_units(m, w, nb, n_col, n_n)  # (writes the rating's rows of every unit column, every lane)
    w.lflag[0] = 1 if _l_water(m, w, t, nb, n_col, n_n) else 0
    _l_sinks(m, w, nb, n_col, n_r, n_k, False)
    if m.has_line:
        _l_export(m, w, nb, n_col, n_n)
        x = w.lanes
        ob, on, oc = _ol(LL_BAD, n_col, n_n), _ol(LL_NET, n_col, n_n), _ol(LL_CAP, n_col, n_n)
        for i in range(nb):
            net, cap = x[on, i], x[oc, i]
            tol = cap * RATING_TOL
            x[ob, i] += 1.0 if (net > cap + tol) | (-net > cap + tol) else 0.0


@jit_inline
def _l_volumes(m: Model, w: Work, nb: int, n_col: int, n_r: int, n_k: int) -> None:
    """:func:`_volumes` and :func:`_mid_heads` over the lanes: end volumes into VN (sinks' discharges in
    their VN), the mid-step volumes into X and the gross heads there. The reservoirs' net inflows are the
    water stage's (row NET: :func:`_l_water` leaves them summed at the final flows, as :func:`_volumes`
    sums them, term by term)."""
    x = w.lanes
    n_n = n_r + n_k
    for k in range(n_k):
        ovn = _on(LN_VN, n_r + k, n_col, n_n)
        for i in range(nb):
            x[ovn, i] = 0.0
    for j in range(n_col):
        b = m.ci[j, I_TO]
        if b < 0:
            oq, ob = _oc(LC_Q, j, n_col), _on(LN_VN, n_r - 1 - b, n_col, n_n)
            for i in range(nb):
                x[ob, i] += x[oq, i]
    for r in range(n_r):
        ovn, ov, ox = _on(LN_VN, r, n_col, n_n), _on(LN_V, r, n_col, n_n), _on(LN_X, r, n_col, n_n)
        onet = _on(LN_NET, r, n_col, n_n)
        for i in range(nb):
            vn = x[ov, i] + m.c * x[onet, i]
            x[ovn, i] = vn
            x[ox, i] = 0.5 * (x[ov, i] + vn)
    _l_heads(m, w, LN_X, nb, n_col, n_r, n_k)


@jit_inline
def _l_step(m: Model, inp: Inputs, w: Work, s0: int, nb: int, t: int, n_col: int, n_r: int, n_k: int) -> None:
    """Step t of a block's lanes as :func:`_step` takes it where no limit binds; row BAD flags the others."""
    x = w.lanes
    n_n = n_r + n_k
    for r in range(n_r):
        _l_load_packed(inp.inflow, inp.inflow_at, r, x, _on(LN_IN, r, n_col, n_n), s0, nb, t)
    for j in range(n_col):
        _l_load_packed(inp.req, inp.req_at, j, x, _oc(LC_REQ, j, n_col), s0, nb, t)
    _l_load(inp.price, x, _ol(LL_PRICE, n_col, n_n), s0, nb, t)
    ob, oc = _ol(LL_BAD, n_col, n_n), _ol(LL_CAP, n_col, n_n)
    if m.has_line:
        _l_load(inp.line, x, oc, s0, nb, t)
    for i in range(nb):
        x[ob, i] = 0.0
    _l_heads(m, w, LN_V, nb, n_col, n_r, n_k)
    _l_settle(m, w, t, nb, n_col, n_r, n_k)
    _l_volumes(m, w, nb, n_col, n_r, n_k)
    _l_settle(m, w, t, nb, n_col, n_r, n_k)
    _l_volumes(m, w, nb, n_col, n_r, n_k)
    _l_export(m, w, nb, n_col, n_n)
    if m.has_line:
        on = _ol(LL_NET, n_col, n_n)
        for i in range(nb):
            net, cap = x[on, i], x[oc, i]
            x[ob, i] += 1.0 if (net > cap * (1.0 + RATING_TOL)) | (-net > cap * (1.0 + RATING_TOL)) else 0.0
    _l_sinks(m, w, nb, n_col, n_r, n_k, True)


@jit_inline
def _l_account(
    m: Model, out: Outputs, w: Work, s0: int, nb: int, t: int, n_col: int, n_r: int, n_k: int
) -> None:
    """:func:`_account` of the lanes not flagged: totals and state in the lane rows, series into ``out``."""
    x = w.lanes
    n_n = n_r + n_k
    ob = _ol(LL_BAD, n_col, n_n)
    # (each loop loads its rows into locals, then selects and stores: LLVM vectorises that form, not a
    # select between an update and a reload of the same row)
    for j in range(n_col):
        unit = m.ci[j, I_KIND] <= K_PUMP
        oq, opw, orq, opr = (
            _oc(LC_Q, j, n_col),
            _oc(LC_P, j, n_col),
            _oc(LC_REQ, j, n_col),
            _oc(LC_PREV, j, n_col),
        )
        of, otp, ots = _oc(LC_T_FLOW, j, n_col), _oc(LC_T_POWER, j, n_col), _oc(LC_T_SHORT, j, n_col)
        if not unit:  # (a power of 0 added to a total of +0: the total, as _account's sum)
            for i in range(nb):
                ok = x[ob, i] == 0.0
                q, f0, p0 = x[oq, i], x[of, i], x[opr, i]
                x[of, i] = f0 + q if ok else f0
                x[opr, i] = q if ok else p0
        elif m.ci[j, I_POWER_REQ] == 1:
            for i in range(nb):
                ok = x[ob, i] == 0.0
                q, f0, p0 = x[oq, i], x[of, i], x[opr, i]
                p, r, tp, ts = x[opw, i], x[orq, i], x[otp, i], x[ots, i]
                add = ok & (r < FULL_POWER_MW) & (r > p)
                x[of, i] = f0 + q if ok else f0
                x[opr, i] = q if ok else p0
                x[otp, i] = tp + p if ok else tp
                x[ots, i] = ts + (r - p) if add else ts
        else:
            for i in range(nb):
                ok = x[ob, i] == 0.0
                q, f0, p0 = x[oq, i], x[of, i], x[opr, i]
                p, tp = x[opw, i], x[otp, i]
                x[of, i] = f0 + q if ok else f0
                x[opr, i] = q if ok else p0
                x[otp, i] = tp + p if ok else tp
    for r in range(n_r):
        ovn, oi, ov = _on(LN_VN, r, n_col, n_n), _on(LN_IN, r, n_col, n_n), _on(LN_V, r, n_col, n_n)
        oti, olo, ohi = (
            _on(LN_T_IN, r, n_col, n_n),
            _on(LN_T_VMIN, r, n_col, n_n),
            _on(LN_T_VMAX, r, n_col, n_n),
        )
        for i in range(nb):
            ok = x[ob, i] == 0.0
            v, v0, inflow, t0 = x[ovn, i], x[ov, i], x[oi, i], x[oti, i]
            lo, hi = x[olo, i], x[ohi, i]
            x[oti, i] = t0 + inflow if ok else t0
            x[olo, i] = min(lo, v) if ok else lo
            x[ohi, i] = max(hi, v) if ok else hi
            x[ov, i] = v if ok else v0
    for k in range(n_k):
        ovn, ots, op = (
            _on(LN_VN, n_r + k, n_col, n_n),
            _on(LN_T_SINK, n_r + k, n_col, n_n),
            _on(LN_PREV, n_r + k, n_col, n_n),
        )
        for i in range(nb):
            ok = x[ob, i] == 0.0
            q, t0, p0 = x[ovn, i], x[ots, i], x[op, i]
            x[ots, i] = t0 + q if ok else t0
            x[op, i] = q if ok else p0
    on, opr = _ol(LL_NET, n_col, n_n), _ol(LL_PRICE, n_col, n_n)
    orv, oex, oim = _ol(LL_T_REV, n_col, n_n), _ol(LL_T_EXP, n_col, n_n), _ol(LL_T_IMP, n_col, n_n)
    for i in range(nb):
        ok = x[ob, i] == 0.0
        net, price = x[on, i], x[opr, i]
        rv, ex, im = x[orv, i], x[oex, i], x[oim, i]
        x[orv, i] = rv + price * net if ok else rv
        x[oex, i] = ex + max(net, 0.0) if ok else ex
        x[oim, i] = im + max(-net, 0.0) if ok else im
    # the cut-backs the lanes recorded (LANE_CODES); none when the last settle cut no flow to a rating and
    # wrote no water limit's rows (w.lflag)
    for j in range(n_col if (w.lflag[0] != 0) | (w.lflag[1] != 0) else 0):
        o0, o1, o2, o3, o4 = (
            _oc(LC_CW + SLOT_UNIT, j, n_col),
            _oc(LC_CW + SLOT_MIN, j, n_col),
            _oc(LC_CW + SLOT_MAX, j, n_col),
            _oc(LC_CW + SLOT_RMIN, j, n_col),
            _oc(LC_CW + SLOT_RAISE, j, n_col),
        )
        e0, e1, e2, e3, e4 = (
            _oc(LC_CE + SLOT_UNIT, j, n_col),
            _oc(LC_CE + SLOT_MIN, j, n_col),
            _oc(LC_CE + SLOT_MAX, j, n_col),
            _oc(LC_CE + SLOT_RMIN, j, n_col),
            _oc(LC_CE + SLOT_RAISE, j, n_col),
        )
        n_cut = 0
        for i in range(nb):
            wmax = max(x[o0, i], x[o1, i], x[o2, i], x[o3, i], x[o4, i])
            emax = max(x[e0, i], x[e1, i], x[e2, i], x[e3, i], x[e4, i])
            n_cut += 1 if (x[ob, i] == 0.0) & ((wmax > WATER_TOL_M3S) | (emax > 1e-9)) else 0
        if n_cut == 0:
            continue
        for slot in range(len(LANE_CODES)):  # into the lanes' tallies (tally's sums, step by step)
            ow, oe = _oc(LC_CW + slot, j, n_col), _oc(LC_CE + slot, j, n_col)
            otw, ote, otn = (
                _oc(LC_T_CW + slot, j, n_col),
                _oc(LC_T_CE + slot, j, n_col),
                _oc(LC_T_CN + slot, j, n_col),
            )
            for i in range(nb):
                water, energy = x[ow, i], x[oe, i]
                tw, te, tn = x[otw, i], x[ote, i], x[otn, i]
                add = (x[ob, i] == 0.0) & ((water > WATER_TOL_M3S) | (energy > 1e-9))
                x[otw, i] = tw + water if add else tw
                x[ote, i] = te + energy if add else te
                x[otn, i] = tn + 1.0 if add else tn
        if not out.record:
            continue
        for i in range(nb):  # and the events, in the order tally writes them
            if x[ob, i] != 0.0:
                continue
            for slot in range(len(LANE_CODES)):
                water, energy = x[_oc(LC_CW + slot, j, n_col), i], x[_oc(LC_CE + slot, j, n_col), i]
                if water > WATER_TOL_M3S or energy > 1e-9:
                    event(out, s0 + i, t, j, LANE_CODES[slot], water, energy)
    if not out.record:
        return
    for i in range(nb):
        if x[ob, i] != 0.0:
            continue
        s = s0 + i
        for j in range(n_col):
            q = x[_oc(LC_Q, j, n_col), i]
            unit = m.ci[j, I_KIND] <= K_PUMP
            out.flow[j, s, t] = q
            out.power[j, s, t] = x[_oc(LC_P, j, n_col), i] if unit else 0.0
            hg = x[_oc(LC_HG, j, n_col), i]
            out.head[j, s, t] = hg + m.cf[j, F_S] * (m.cf[j, F_K] * q * q) if unit else math.nan
        for r in range(n_r):
            out.volume[r, s, t] = x[_on(LN_VN, r, n_col, n_n), i]
        for k in range(n_k):
            out.sink[k, s, t] = x[_on(LN_VN, n_r + k, n_col, n_n), i]
        out.line[s, t] = x[_ol(LL_NET, n_col, n_n), i]


@jit
def run(
    t0: int, t1: int, s_lo: int, s_hi: int, m: Model, inp: Inputs, st: State, out: Outputs, w: Work
) -> None:
    """Steps t0 … t1−1 for scenarios s_lo … s_hi−1 (:func:`hydro_sim.simulation._engine.run`), in blocks of
    as many lanes as ``w.lanes`` has columns, from s_lo, when ``Model.lanes``; ``st`` is updated and ``out``
    added to."""
    if not m.lanes:
        E.run(t0, t1, s_lo, s_hi, m, inp, st, out, w)
        return
    n_col, n_r, n_k = m.ci.shape[0], m.rn.shape[0], m.kn.shape[0]
    ob = _ol(LL_BAD, n_col, n_r + n_k)
    x = w.lanes
    width = x.shape[1]  # the block's lanes (_network_sim.block_width: LANES to LANES_MAX)
    for s0 in range(s_lo, s_hi, width):
        nb = min(width, s_hi - s0)
        for i in range(nb):
            _lane_in(m, st, out, w, s0 + i, i, n_col, n_r, n_k)
        for t in range(t0, t1):
            _l_step(m, inp, w, s0, nb, t, n_col, n_r, n_k)
            _l_account(m, out, w, s0, nb, t, n_col, n_r, n_k)
            n_bad = 0  # (counted first: the loop below, with the scalar step inlined, costs ~50 instructions
            for i in range(nb):  # a lane even where it does nothing, its row pointers kept on the stack)
                n_bad += 1 if x[ob, i] != 0.0 else 0
            for i in range(nb if n_bad > 0 else 0):
                if x[ob, i] != 0.0:  # a limit binds: the step again, one scenario at a time
                    w.n_slow[0] += 1
                    _lane_out(m, st, out, w, s0 + i, i, n_col, n_r, n_k)
                    step_one(m, inp, st, out, w, s0 + i, t)
                    _lane_in(m, st, out, w, s0 + i, i, n_col, n_r, n_k)
        for i in range(nb):
            _lane_out(m, st, out, w, s0 + i, i, n_col, n_r, n_k)
