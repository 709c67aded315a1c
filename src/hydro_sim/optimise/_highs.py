"""The fast backend: the model's sparse matrix built with vectorised numpy, solved by HiGHS (highspy).

No Python loop runs over time steps: each constraint family is one block of COO triplets.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from hydro_sim.optimise._model import ModelData

INF = highspy.kHighsInf
#: Slack below which a soft constraint counts as met in the elastic (diagnosis) model; solver tolerance. [same unit]
ELASTIC_TOLERANCE = 1e-6


@dataclass
class RawSolution:
    """What a backend hands back: column values per family, duals of the water balances, statistics."""

    status: str                         # "optimal", "infeasible", "unbounded", "time_limit", "error"
    solver_message: str
    objective_cny: float
    values: dict[str, np.ndarray] = field(default_factory=dict)      # family → (T,) or (n_periods,)
    dual_bal_up: np.ndarray | None = None
    dual_bal_lo: np.ndarray | None = None
    mip_gap: float | None = None
    iterations: int = 0
    build_s: float = 0.0
    solve_s: float = 0.0
    basis: highspy.HighsBasis | None = None


class _Blocks:
    """Accumulates columns and rows as numbered families, and the matrix as COO triplets."""

    def __init__(self, T: int) -> None:
        self.T = T
        self.col_off: dict[str, int] = {}
        self.n_cols = 0
        self.col_lb: list[np.ndarray] = []
        self.col_ub: list[np.ndarray] = []
        self.col_cost: list[np.ndarray] = []
        self.col_int: list[np.ndarray] = []
        self.row_off: dict[str, int] = {}
        self.n_rows = 0
        self.row_lb: list[np.ndarray] = []
        self.row_ub: list[np.ndarray] = []
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def cols(self, name: str, lb, ub, cost=0.0, n: int | None = None, integer: bool = False) -> np.ndarray:
        n = self.T if n is None else n
        self.col_off[name] = self.n_cols
        idx = np.arange(self.n_cols, self.n_cols + n)
        self.n_cols += n
        self.col_lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self.col_ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self.col_cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy())
        self.col_int.append(np.full(n, 1 if integer else 0, dtype=np.int32))
        return idx

    def rows(self, name: str, lb, ub, n: int | None = None) -> np.ndarray:
        n = self.T if n is None else n
        self.row_off[name] = self.n_rows
        idx = np.arange(self.n_rows, self.n_rows + n)
        self.n_rows += n
        self.row_lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self.row_ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        return idx

    def coef(self, rows: np.ndarray, cols: np.ndarray, vals) -> None:
        rows, cols = np.asarray(rows), np.asarray(cols)
        self.r.append(rows)
        self.c.append(cols)
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).astype(float))

    def set_col_bounds(self, cols: np.ndarray, lb=None, ub=None) -> None:
        lbs, ubs = np.concatenate(self.col_lb), np.concatenate(self.col_ub)
        if lb is not None:
            lbs[cols] = lb
        if ub is not None:
            ubs[cols] = ub
        self.col_lb, self.col_ub = [lbs], [ubs]

    def to_lp(self) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        lp.col_cost_ = np.concatenate(self.col_cost)
        lp.col_lower_ = _inf(np.concatenate(self.col_lb))
        lp.col_upper_ = _inf(np.concatenate(self.col_ub))
        lp.row_lower_ = _inf(np.concatenate(self.row_lb))
        lp.row_upper_ = _inf(np.concatenate(self.row_ub))
        a = sp.csc_matrix((np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
                          shape=(self.n_rows, self.n_cols))
        a.sum_duplicates()
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr
        lp.a_matrix_.index_ = a.indices
        lp.a_matrix_.value_ = a.data
        integ = np.concatenate(self.col_int)
        if integ.any():
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in integ]
        return lp


def _inf(a: np.ndarray) -> np.ndarray:
    return np.where(np.isposinf(a), INF, np.where(np.isneginf(a), -INF, a))


def build(d: ModelData, *, elastic: bool = False) -> tuple[_Blocks, dict[str, np.ndarray]]:
    """Build the model's blocks. With ``elastic`` the soft constraints get penalised slack columns.

    Returns the blocks and, in elastic mode, the slack column indices per soft constraint family.
    """
    T, S, c, dt = d.T, d.S, d.c, d.dt_h
    b = _Blocks(T)
    col: dict[str, np.ndarray] = {}
    soft: dict[str, np.ndarray] = {}
    price_cost = -d.price * dt

    def cost(x):
        return 0.0 if elastic else x

    # ---- columns -------------------------------------------------------------------------------
    flows_conv = [b.cols(f"q_conv_{s}", 0.0, d.seg_conv_width[s]) for s in range(S)] if d.has_conv else []
    flows_gen = [b.cols(f"q_gen_{s}", 0.0, d.seg_gen_width[s]) for s in range(S)] if d.has_rev else []
    flows_pump = [b.cols(f"q_pump_{s}", 0.0, d.seg_pump_width[s]) for s in range(S)] if d.has_rev else []
    col["spill"] = b.cols("spill", 0.0, np.inf, cost(d.spill_cost))
    col["release"] = b.cols("release", 0.0 if elastic else d.release_min, d.release_max)
    # (in elastic mode the volume bounds and the end condition become soft rows further down)
    vup_lb, vup_ub, vlo_lb, vlo_ub = d.volume_bounds_with_end()
    vup_cost = np.zeros(T)
    vlo_cost = np.zeros(T)
    if d.end == "water_value" and not elastic:
        vup_cost[-1] = -d.water_value_up
        vlo_cost[-1] = -d.water_value_lo
    col["v_up"] = b.cols("v_up", 0.0 if elastic else vup_lb, np.inf if elastic else vup_ub, vup_cost)
    if d.has_lower:
        col["v_lo"] = b.cols("v_lo", 0.0 if elastic else vlo_lb, np.inf if elastic else vlo_ub, vlo_cost)
    curt = -d.curtailment_penalty * dt if d.objective == "firming" else 0.0
    if d.has_pv:
        col["pv"] = b.cols("pv", 0.0, d.pv_max, cost(curt))
    if d.has_wind:
        col["wind"] = b.cols("wind", 0.0, d.wind_max, cost(curt))
    # With the revenue objective the net export is not a column: its price goes onto the flows and
    # renewables, and its limits become a ranged power row, dropped where the limits cannot bind.
    line_col = d.objective != "revenue"
    if line_col:
        col["line"] = b.cols("line", d.line_min, d.line_max, cost(price_cost))
    if d.objective == "firming":
        col["short"] = b.cols("short", 0.0, np.inf, cost(d.shortfall_penalty * dt))
    if d.objective == "tracking":
        col["dev_pos"] = b.cols("dev_pos", 0.0, np.inf, cost(d.tracking_penalty * dt))
        col["dev_neg"] = b.cols("dev_neg", 0.0, np.inf, cost(d.tracking_penalty * dt))

    # ---- water balances ------------------------------------------------------------------------
    rhs = c * d.inflow_up
    rhs = rhs.copy()
    rhs[0] += d.v_up0
    r_up = b.rows("bal_up", rhs, rhs)
    b.coef(r_up, col["v_up"], 1.0)
    b.coef(r_up[1:], col["v_up"][:-1], -1.0)
    for q in flows_conv + flows_gen:
        b.coef(r_up, q, c)
    b.coef(r_up, col["spill"], c)
    for q in flows_pump:
        b.coef(r_up, q, -c)
    if d.has_lower:
        rhs = c * d.inflow_lo
        rhs = rhs.copy()
        rhs[0] += d.v_lo0
        r_lo = b.rows("bal_lo", rhs, rhs)
        b.coef(r_lo, col["v_lo"], 1.0)
        b.coef(r_lo[1:], col["v_lo"][:-1], -1.0)
        for q in flows_conv + flows_gen:
            b.coef(r_lo, q, -c)
        b.coef(r_lo, col["spill"], -c)
        for q in flows_pump:
            b.coef(r_lo, q, c)
        b.coef(r_lo, col["release"], c)
    else:
        r_rel = b.rows("rel_def", 0.0, 0.0)
        b.coef(r_rel, col["release"], 1.0)
        for q in flows_conv:
            b.coef(r_rel, q, -1.0)
        b.coef(r_rel, col["spill"], -1.0)

    # ---- power at the busbar -------------------------------------------------------------------
    if line_col:
        r_p = b.rows("power", 0.0, 0.0)
        b.coef(r_p, col["line"], 1.0)
        sign = -1.0
    else:
        sign = 1.0
        if not elastic:
            for s, q in enumerate(flows_conv):
                b.col_cost[_family_pos(b, f"q_conv_{s}")] = price_cost * d.k_conv[s]
            for s, q in enumerate(flows_gen):
                b.col_cost[_family_pos(b, f"q_gen_{s}")] = price_cost * d.k_gen[s]
            for s, q in enumerate(flows_pump):
                b.col_cost[_family_pos(b, f"q_pump_{s}")] = -price_cost * d.b_pump[s]
            for name in ("pv", "wind"):
                if name in col:
                    b.col_cost[_family_pos(b, name)] = price_cost
        need = line_limit_can_bind(d)
        r_p = b.rows("power", np.where(need, d.line_min, -np.inf), np.where(need, d.line_max, np.inf))
    for s, q in enumerate(flows_conv):
        b.coef(r_p, q, sign * d.k_conv[s])
    for s, q in enumerate(flows_gen):
        b.coef(r_p, q, sign * d.k_gen[s])
    for s, q in enumerate(flows_pump):
        b.coef(r_p, q, -sign * d.b_pump[s])
    for name in ("pv", "wind"):
        if name in col:
            b.coef(r_p, col[name], sign)
    if d.objective == "firming":
        assert d.delivery is not None
        r_f = b.rows("firm", d.delivery, np.inf)
        b.coef(r_f, col["line"], 1.0)
        b.coef(r_f, col["short"], 1.0)
    if d.objective == "tracking":
        assert d.delivery is not None
        r_tr = b.rows("track", d.delivery, d.delivery)
        b.coef(r_tr, col["line"], 1.0)
        b.coef(r_tr, col["dev_pos"], -1.0)
        b.coef(r_tr, col["dev_neg"], 1.0)

    # ---- ramps and level-change limits ---------------------------------------------------------
    if np.isfinite(d.ramp_m3s_per_step) and T > 1:
        r = d.ramp_m3s_per_step
        r_r = b.rows("ramp", -r if not elastic else -np.inf, r if not elastic else np.inf, n=T - 1)
        b.coef(r_r, col["release"][1:], 1.0)
        b.coef(r_r, col["release"][:-1], -1.0)
        if elastic:
            _soft_pair(b, soft, "ramp", r_r, -r, r)
    for name, vcol, dvmax, v0 in (("dlev_up", col["v_up"], d.dv_up_max, d.v_up0),
                                  ("dlev_lo", col.get("v_lo"), d.dv_lo_max, d.v_lo0)):
        if dvmax is None or vcol is None:
            continue
        shift = np.zeros(T)
        shift[0] = v0
        lo, hi = -dvmax + shift, dvmax + shift
        rr = b.rows(name, -np.inf if elastic else lo, np.inf if elastic else hi)
        b.coef(rr, vcol, 1.0)
        b.coef(rr[1:], vcol[:-1], -1.0)
        if elastic:
            _soft_pair(b, soft, name, rr, lo, hi)

    # ---- pump–generate balance per period ------------------------------------------------------
    if d.balance_periods:
        n_p = len(d.balance_periods)
        r_pg = b.rows("pgbal", 0.0 if not elastic else -np.inf, 0.0 if not elastic else np.inf, n=n_p)
        owner = np.empty(T, dtype=int)
        for k, steps in enumerate(d.balance_periods):
            owner[steps] = k
        for q in flows_gen:
            b.coef(r_pg[owner], q, 1.0)
        for q in flows_pump:
            b.coef(r_pg[owner], q, -1.0)
        if elastic:
            _soft_pair(b, soft, "pgbal", r_pg, np.zeros(n_p), np.zeros(n_p))

    # ---- daily cap on reversible generation ---------------------------------------------------
    if d.gen_cap_periods:
        n_p = len(d.gen_cap_periods)
        r_gc = b.rows("gencap", -np.inf, d.gen_cap_mwh if not elastic else np.inf, n=n_p)
        owner = np.empty(T, dtype=int)
        for k, steps in enumerate(d.gen_cap_periods):
            owner[steps] = k
        for s, q in enumerate(flows_gen):
            b.coef(r_gc[owner], q, d.k_gen[s] * dt)
        if elastic:
            _soft_pair(b, soft, "gencap", r_gc, np.full(n_p, -np.inf), np.full(n_p, d.gen_cap_mwh))

    # ---- unit commitment -------------------------------------------------------------------------
    if d.unit_commitment and not elastic:
        if d.has_conv:
            u = col["u_conv"] = b.cols("u_conv", 0.0, d.n_conv, integer=True)
            _uc_group(b, "conv", flows_conv, d.k_conv, u, d.conv_pmin_unit, d.conv_pmax_unit, d.conv_qmax_unit)
        if d.has_rev:
            ug = col["u_gen"] = b.cols("u_gen", 0.0, d.n_rev, integer=True)
            up = col["u_pump"] = b.cols("u_pump", 0.0, d.n_rev, integer=True)
            y = col["y_gen"] = b.cols("y_gen", 0.0, 1.0, integer=True)
            _uc_group(b, "gen", flows_gen, d.k_gen, ug, d.gen_pmin_unit, d.gen_pmax_unit, d.gen_qmax_unit)
            _uc_group(b, "pump", flows_pump, d.b_pump, up, d.pump_pmin_unit, d.pump_pmax_unit, None)
            r1 = b.rows("uc_mode_gen", -np.inf, 0.0)
            b.coef(r1, ug, 1.0)
            b.coef(r1, y, -float(d.n_rev))
            r2 = b.rows("uc_mode_pump", -np.inf, float(d.n_rev))
            b.coef(r2, up, 1.0)
            b.coef(r2, y, float(d.n_rev))

    # ---- elastic (diagnosis) soft bounds --------------------------------------------------------
    if elastic:
        for name, vcol, lb, ub in (("vup", col["v_up"], d.v_up_min, d.v_up_max),
                                   ("vlo", col.get("v_lo"), d.v_lo_min, d.v_lo_max)):
            if vcol is None:
                continue
            rr = b.rows(f"{name}_bounds", -np.inf, np.inf)
            b.coef(rr, vcol, 1.0)
            _soft_pair(b, soft, f"{name}", rr, lb, ub)
        rr = b.rows("env_bound", -np.inf, np.inf)
        b.coef(rr, col["release"], 1.0)
        _soft_pair(b, soft, "env", rr, d.release_min, np.full(T, np.inf))
        if d.end in ("at_least_start", "fixed"):
            for name, vcol, v0 in (("end_up", col["v_up"], d.v_up_end), ("end_lo", col.get("v_lo"), d.v_lo_end)):
                if vcol is None:
                    continue
                rr = b.rows(name, -np.inf, np.inf, n=1)
                b.coef(rr, vcol[-1:], 1.0)
                _soft_pair(b, soft, name, rr, np.array([v0]),
                           np.array([v0 if d.end == "fixed" else np.inf]))
    return b, soft


def _family_pos(b: _Blocks, name: str) -> int:
    """Position of a column family in the blocks' per-family lists."""
    return list(b.col_off).index(name)


def line_limit_can_bind(d: ModelData) -> np.ndarray:
    """Steps at which the line limits could bind: the largest export or import the plant can make there
    exceeds them. Elsewhere the power row is free and HiGHS drops it in presolve."""
    export = (d.k_conv * d.seg_conv_width).sum(axis=0) + (d.k_gen * d.seg_gen_width).sum(axis=0) \
        + d.pv_max + d.wind_max
    imp = (d.b_pump * d.seg_pump_width).sum(axis=0)
    return (export > d.line_max) | (imp > -d.line_min)


def _soft_pair(b: _Blocks, soft: dict[str, np.ndarray], name: str, rows: np.ndarray, lo: np.ndarray | float,
               hi: np.ndarray | float) -> None:
    """Make ``lo ≤ row ≤ hi`` soft: row + e_lo ≥ lo and row − e_hi ≤ hi with penalised slacks e ≥ 0."""
    n = rows.size
    lo = np.broadcast_to(np.asarray(lo, dtype=float), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=float), (n,))
    # The free row ``rows`` is copied onto two rows that carry the slacks.
    e_lo = b.cols(f"slack_{name}_lo", 0.0, np.inf, 1.0, n=n)
    e_hi = b.cols(f"slack_{name}_hi", 0.0, np.inf, 1.0, n=n)
    r_lo = b.rows(f"{name}_lo", lo, np.inf, n=n)
    r_hi = b.rows(f"{name}_hi", -np.inf, hi, n=n)
    # copy the original row's coefficients onto the two new rows
    orig_r = np.concatenate(b.r)
    orig_c = np.concatenate(b.c)
    orig_v = np.concatenate(b.v)
    sel = np.isin(orig_r, rows)
    pos = np.searchsorted(rows, orig_r[sel])
    b.coef(r_lo[pos], orig_c[sel], orig_v[sel])
    b.coef(r_hi[pos], orig_c[sel], orig_v[sel])
    b.coef(r_lo, e_lo, 1.0)
    b.coef(r_hi, e_hi, -1.0)
    soft[f"{name}_lo"] = e_lo
    soft[f"{name}_hi"] = e_hi


def _uc_group(b: _Blocks, name: str, flows: list[np.ndarray], slopes: np.ndarray, u: np.ndarray, pmin: float,
              pmax: float, qmax: float | None) -> None:
    """p_min·u ≤ Σ slope_s q_s ≤ p_max·u, and Σ q_s ≤ q_max·u when a per-unit flow limit is given."""
    r_min = b.rows(f"uc_{name}_min", 0.0, np.inf)
    r_max = b.rows(f"uc_{name}_max", -np.inf, 0.0)
    for s, q in enumerate(flows):
        b.coef(r_min, q, slopes[s])
        b.coef(r_max, q, slopes[s])
    b.coef(r_min, u, -pmin)
    b.coef(r_max, u, -pmax)
    if qmax is not None:
        r_q = b.rows(f"uc_{name}_flow", -np.inf, 0.0)
        for q in flows:
            b.coef(r_q, q, 1.0)
        b.coef(r_q, u, -qmax)


_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent Highs object. HiGHS prints a banner to stdout at its first construction in a process; the
    library never prints, so that first construction runs with file descriptor 1 pointed at /dev/null."""
    global _banner_done
    if _banner_done:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
}


def solve(d: ModelData, *, elastic: bool = False, basis: highspy.HighsBasis | None = None,
          highs_options: dict | None = None) -> tuple[RawSolution, dict[str, np.ndarray]]:
    """Build and solve with HiGHS. Returns the raw solution and, in elastic mode, slack values per family."""
    t0 = time.perf_counter()
    blocks, soft = build(d, elastic=elastic)
    lp = blocks.to_lp()
    t1 = time.perf_counter()
    h = new_highs()
    h.setOptionValue("random_seed", 0)
    if d.unit_commitment and not elastic:
        h.setOptionValue("mip_rel_gap", float(d.mip_rel_gap))
    if np.isfinite(d.time_limit_s):
        h.setOptionValue("time_limit", float(d.time_limit_s))
    warm = basis is not None and not (d.unit_commitment and not elastic)
    if not warm and (d.balance_periods or d.gen_cap_periods) and not d.unit_commitment:
        # Period-sum rows (pump–generate balance, daily cap) couple a day's steps; HiGHS's dual simplex
        # stalls on them from a cold start (249 s on the Lianghekou year against 2.6 s with the interior
        # point method, measured here). Interior point with crossover still hands back a basis for warm starts.
        h.setOptionValue("solver", "ipm")
    for k, v in (highs_options or {}).items():
        h.setOptionValue(k, v)
    h.passModel(lp)
    if warm:
        h.setBasis(basis)  # type: ignore[arg-type]  # warm implies a basis; mypy cannot see through `warm`
    h.run()
    t2 = time.perf_counter()
    ms = h.getModelStatus()
    status = _STATUS.get(ms, "error")
    info = h.getInfo()
    raw = RawSolution(status=status, solver_message=h.modelStatusToString(ms),
                      objective_cny=float(info.objective_function_value), build_s=t1 - t0, solve_s=t2 - t1,
                      iterations=int(info.simplex_iteration_count))
    slacks: dict[str, np.ndarray] = {}
    has_solution = status == "optimal" or (status == "time_limit" and info.primal_solution_status == 2)
    if has_solution:
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        for name, off in blocks.col_off.items():
            if not name.startswith("slack_"):
                raw.values[name] = x[off:off + blocks.T]
        for name, cols in soft.items():
            slacks[name] = x[cols]
        if not (d.unit_commitment and not elastic):
            y = np.asarray(sol.row_dual)
            off = blocks.row_off["bal_up"]
            raw.dual_bal_up = y[off:off + d.T].copy()
            if "bal_lo" in blocks.row_off:
                off = blocks.row_off["bal_lo"]
                raw.dual_bal_lo = y[off:off + d.T].copy()
            raw.basis = h.getBasis()
        else:
            raw.mip_gap = float(info.mip_gap)
    return raw, slacks
