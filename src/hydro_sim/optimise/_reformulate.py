"""Exact reformulations of the dispatch LP that make HiGHS faster, each with the way back.

Each transformation takes an :class:`~._formulation.LP` and returns a :class:`Reformulation`: the new,
smaller LP and the maps back to the original model's primal solution (``primal``) and row duals
(``dual``). They compose (:class:`Chain`). The tests (``tests/test_reformulate.py``) check for each that
the transformed and the untransformed model have the same optimum and the same mapped-back solution.

:func:`fold_revenue`
    Under the revenue objective the net export ``line`` is defined by the power row; it is eliminated:
    its price moves onto the flows and renewables, its limits become the bounds of the (ranged) power row,
    and the rows whose limits cannot bind (the plant can neither export nor import that much) are freed,
    so HiGHS's presolve drops them.
:func:`release_as_slack`
    A release (or a reach's total discharge) that appears in one equality row only (no ramp row) is the
    slack of that row: the column goes, the row becomes ranged by the release's limits.
:func:`merge_renewables`
    PV and wind have the same coefficient in every row and the same cost: one column carries both; the
    way back shares it in proportion to availability.
:func:`sum_checkpoints`
    The balances of a reservoir are summed between checkpoints, and its volumes in between are not in the
    model (nor their bounds): a relaxation; :func:`hydro_sim.optimise._highs.solve` recomputes the volumes
    step by step (the way back) and adds the steps that break a bound as checkpoints until none does.
    :func:`checkpoint_reservoirs` is the rule that picks the reservoirs.
:func:`crash_basis`, :func:`carry_basis`
    A starting basis from the merit order of the checkpointed reservoirs' turbine flows, and the optimal
    basis of one model carried to the next (a new checkpoint; the next successive-head iteration).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from hydro_sim.optimise._data import NetworkModelData
from hydro_sim.optimise._formulation import LP, balance_family, flow_family, volume_family

__all__ = [
    "CHECKPOINT_SPACING_STEPS",
    "Chain",
    "Reformulation",
    "WarmStart",
    "carry_basis",
    "checkpoint_reservoirs",
    "crash_basis",
    "fold_revenue",
    "initial_checkpoints",
    "merge_renewables",
    "release_as_slack",
    "sum_checkpoints",
]

#: Steps between the first checkpoints. One summed row over a whole year (61,000 nonzeros at Lianghekou)
#: makes each dual simplex iteration dearer; rows of about a month cut the solve by a third (measured:
#: 1.07 s with one row, 0.55–0.75 s with 4 to 24 rows, 3.1 s with every step). [-]
CHECKPOINT_SPACING_STEPS = 720


@dataclass
class Reformulation:
    """A transformed LP and the maps back to its parent's primal solution and row duals."""

    lp: LP
    primal: Callable[[np.ndarray], np.ndarray]
    dual: Callable[[np.ndarray], np.ndarray]


class Chain:
    """Reformulations applied one after the other; ``primal``/``dual`` map back through all of them."""

    def __init__(self, lp: LP) -> None:
        self.base = lp
        self.steps: list[Reformulation] = []

    @property
    def lp(self) -> LP:
        return self.steps[-1].lp if self.steps else self.base

    def apply(self, step: Reformulation) -> Chain:
        self.steps.append(step)
        return self

    def primal(self, x: np.ndarray) -> np.ndarray:
        for step in reversed(self.steps):
            x = step.primal(x)
        return x

    def dual(self, y: np.ndarray) -> np.ndarray:
        for step in reversed(self.steps):
            y = step.dual(y)
        return y


def _identity(a: np.ndarray) -> np.ndarray:
    return a


def _select(lp: LP, keep_col: np.ndarray, row_map: np.ndarray | None = None, n_rows: int | None = None) -> LP:
    """The LP with the columns ``keep_col`` (bool) only; rows renumbered by ``row_map`` (parent row → child
    row, −1 dropped) if given. COO entries of dropped columns or rows go. Families stay in order."""
    col_new = np.cumsum(keep_col) - 1
    sel = keep_col[lp.c]
    r, c, v = lp.r[sel], col_new[lp.c[sel]], lp.v[sel]
    row_lb, row_ub, row_id = lp.row_lb, lp.row_ub, lp.row_id
    row_fam = dict(lp.row_fam)
    if row_map is not None:
        assert n_rows is not None
        r = row_map[r]
        keep = r >= 0
        r, c, v = r[keep], c[keep], v[keep]
    col_fam: dict[str, tuple[int, int]] = {}
    off = 0
    for name, (o, n) in lp.col_fam.items():
        k = int(keep_col[o : o + n].sum())
        if k:
            col_fam[name] = (off, k)
            off += k
    col_steps = {}
    for name, (o, n) in lp.col_fam.items():
        if name in col_fam and (name in lp.col_steps or col_fam[name][1] != n):
            steps = lp.col_steps.get(name, np.arange(n))
            col_steps[name] = steps[keep_col[o : o + n]]
    soft = {name: col_new[idx] for name, idx in lp.soft.items() if keep_col[idx].all()}
    return LP(
        T=lp.T,
        col_lb=lp.col_lb[keep_col],
        col_ub=lp.col_ub[keep_col],
        cost=lp.cost[keep_col],
        integer=lp.integer[keep_col],
        row_lb=row_lb,
        row_ub=row_ub,
        r=r,
        c=c,
        v=v,
        col_fam=col_fam,
        row_fam=row_fam,
        col_id=lp.col_id[keep_col],
        row_id=row_id,
        col_steps=col_steps,
        offset=lp.offset,
        soft=soft,
    )


# ---- eliminating a column that is defined by one equality row ---------------------------------------------
def eliminate(parent: LP, cols: np.ndarray, *, express: bool) -> Reformulation:
    """Eliminate columns that each appear in one equality row only, a·x + rest = b, l ≤ x ≤ u.

    ``express=False`` keeps the row's other coefficients and ranges it, b − a·[u, l] (x is the row's slack);
    ``express=True`` writes the row as x itself, −rest/a ∈ [l − b/a, u − b/a]. A cost c_x on x moves onto
    the row's other columns (−c_x/a·A) and the objective's constant (c_x·b/a). Back: x = (b − rest)/a; the
    row's dual in the parent is c_x/a plus the child's (``express``: −1/a times the child's)."""
    cols = np.asarray(cols, dtype=np.int64)
    is_x = np.zeros(parent.n_cols, dtype=bool)
    is_x[cols] = True
    at = np.flatnonzero(is_x[parent.c])
    assert at.size == cols.size, "each eliminated column must have exactly one entry"
    order = np.argsort(parent.c[at])
    at = at[order]
    rows, a = parent.r[at], parent.v[at]
    assert np.unique(rows).size == rows.size
    b = parent.row_lb[rows]
    assert np.array_equal(b, parent.row_ub[rows]), "the row of an eliminated column must be an equality"
    lo, hi, cx = parent.col_lb[cols], parent.col_ub[cols], parent.cost[cols]
    row_lb, row_ub = parent.row_lb.copy(), parent.row_ub.copy()
    vals = parent.v.copy()
    in_row = np.zeros(parent.n_rows, dtype=bool)
    in_row[rows] = True
    pos_of_row = np.full(parent.n_rows, -1)
    pos_of_row[rows] = np.arange(rows.size)
    others = np.flatnonzero(in_row[parent.r] & ~is_x[parent.c])
    k = pos_of_row[parent.r[others]]
    cost = parent.cost.copy()
    np.add.at(cost, parent.c[others], -(cx[k] / a[k]) * parent.v[others])
    with np.errstate(invalid="ignore"):
        offset = parent.offset + float(np.sum(np.where(cx != 0.0, cx * b / a, 0.0)))
        if express:
            vals[others] = -parent.v[others] / a[k]
            row_lb[rows], row_ub[rows] = lo - b / a, hi - b / a
        else:
            lo_r = np.where(a > 0, b - a * hi, b - a * lo)
            hi_r = np.where(a > 0, b - a * lo, b - a * hi)
            row_lb[rows], row_ub[rows] = lo_r, hi_r
    staged = dataclasses.replace(parent, v=vals, cost=cost, row_lb=row_lb, row_ub=row_ub, offset=offset)
    child = _select(staged, ~is_x)
    keep_idx = np.flatnonzero(~is_x)

    def primal(x: np.ndarray) -> np.ndarray:
        act = np.bincount(child.r, weights=child.v * x[child.c], minlength=child.n_rows)[rows]
        out = np.empty(parent.n_cols)
        out[keep_idx] = x
        out[cols] = b / a + act if express else (b - act) / a
        return out

    def dual(y: np.ndarray) -> np.ndarray:
        out = y.copy()
        out[rows] = cx / a + (-y[rows] / a if express else y[rows])
        return out

    return Reformulation(child, primal, dual)


def free_rows_that_cannot_bind(lp: LP, family: str) -> LP:
    """Free the rows of ``family`` whose activity, over every column's bounds, stays within the row's bounds
    (e.g. a line no output can reach): HiGHS's presolve then drops them. The optimum does not change."""
    rows = lp.rows(family)
    sel = np.flatnonzero((lp.r >= rows[0]) & (lp.r <= rows[-1]))
    v, c = lp.v[sel], lp.c[sel]
    lo_terms = np.where(v > 0, v * lp.col_lb[c], v * lp.col_ub[c])
    hi_terms = np.where(v > 0, v * lp.col_ub[c], v * lp.col_lb[c])
    with np.errstate(invalid="ignore"):
        act_lo = np.bincount(lp.r[sel] - rows[0], weights=lo_terms, minlength=rows.size)
        act_hi = np.bincount(lp.r[sel] - rows[0], weights=hi_terms, minlength=rows.size)
    need = (act_hi > lp.row_ub[rows]) | (act_lo < lp.row_lb[rows])
    row_lb, row_ub = lp.row_lb.copy(), lp.row_ub.copy()
    row_lb[rows] = np.where(need, row_lb[rows], -np.inf)
    row_ub[rows] = np.where(need, row_ub[rows], np.inf)
    return dataclasses.replace(lp, row_lb=row_lb, row_ub=row_ub)


def fold_revenue(parent: LP) -> Reformulation:
    """Eliminate the net export under the revenue objective: its price onto the flows, its limits onto the
    power row (freed where they cannot bind)."""
    step = eliminate(parent, parent.cols("busbar-line"), express=True)
    step.lp = free_rows_that_cannot_bind(step.lp, "busbar-power")
    return step


def release_as_slack(parent: LP, d: NetworkModelData) -> Reformulation | None:
    """Eliminate every release column, and every reach's total-discharge column, that appears in one
    equality row only (no ramp row needs it): it becomes the slack of that row. None if there is none."""
    families = [flow_family(d, j) for j in range(d.J) if d.column_kind[j] == "release"]
    families += [f"{lim.name}-flow" for lim in d.flow_limits if lim.kind == "sink"]
    count = np.bincount(parent.c, minlength=parent.n_cols)
    cols: list[np.ndarray] = []
    for name in families:
        if name not in parent.col_fam:
            continue
        idx = parent.cols(name)
        if np.all(count[idx] == 1):
            cols.append(idx)
    if not cols:
        return None
    idx = np.concatenate(cols)
    at = np.flatnonzero(np.isin(parent.c, idx))
    rows = parent.r[at]
    if np.unique(rows).size != rows.size or not np.array_equal(parent.row_lb[rows], parent.row_ub[rows]):
        return None
    return eliminate(parent, idx, express=False)


def merge_renewables(parent: LP, d: NetworkModelData) -> Reformulation | None:
    """PV and wind in one column ``busbar-renewables`` (0 ≤ ren ≤ pv_max + wind_max) where they have the
    same coefficients and costs; back: a curtailment is shared in proportion to availability."""
    if "busbar-pv" not in parent.col_fam or "busbar-wind" not in parent.col_fam:
        return None
    pv, wind = parent.cols("busbar-pv"), parent.cols("busbar-wind")
    if not np.array_equal(parent.cost[pv], parent.cost[wind]):
        return None
    is_w = np.zeros(parent.n_cols, dtype=bool)
    is_w[wind] = True
    is_p = np.zeros(parent.n_cols, dtype=bool)
    is_p[pv] = True
    ew, ep = np.flatnonzero(is_w[parent.c]), np.flatnonzero(is_p[parent.c])
    if not (np.array_equal(parent.r[ew] - 0, parent.r[ep]) and np.array_equal(parent.v[ew], parent.v[ep])):
        return None
    ub = parent.col_ub.copy()
    ub[pv] = d.pv_max_mw + d.wind_max_mw
    fams = {("busbar-renewables" if k == "busbar-pv" else k): v for k, v in parent.col_fam.items()}
    staged = dataclasses.replace(parent, col_ub=ub, col_fam=fams)
    child = _select(staged, ~is_w)
    keep_idx = np.flatnonzero(~is_w)
    avail = d.pv_max_mw + d.wind_max_mw
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(avail > 0, d.pv_max_mw / np.where(avail > 0, avail, 1.0), 0.0)

    def primal(x: np.ndarray) -> np.ndarray:
        out = np.empty(parent.n_cols)
        out[keep_idx] = x
        ren = out[pv]
        out[pv] = np.minimum(ren * share, d.pv_max_mw)
        out[wind] = ren - out[pv]
        return out

    return Reformulation(child, primal, _identity)


# ---- summed balances between checkpoints ------------------------------------------------------------------
def checkpoint_reservoirs(d: NetworkModelData, *, level_limits: bool = False) -> list[int]:
    """The reservoirs whose balances are summed between checkpoints: the headwater reservoirs (no link
    discharges into them downhill: only their natural inflow and pumping feed them) without a level-change
    limit (its rows need every volume).

    A headwater reservoir's level follows its inflow season, so its bounds bind on few steps and few
    checkpoints are added (Lianghekou, the textbook lake); a reservoir below units follows their daily cycle
    and its bounds bind often (Yagen-I: its levels bind every day, so every step would soon be a
    checkpoint, at the cost of a round per few). The rule changes the speed only: the rounds of
    :func:`hydro_sim.optimise._highs.solve` make any choice exact. With ``level_limits`` the headwater
    reservoirs with a level-change limit count too (the crash basis values their water the same way, on
    every step's balance)."""
    fed = {c.to_node for c in d.columns if c.mode != "pump"}
    return [
        r
        for r, name in enumerate(d.reservoir_names)
        if name not in fed and (level_limits or not np.any(np.isfinite(d.dv_max_hm3[r])))
    ]


def initial_checkpoints(T: int) -> np.ndarray:
    """Every CHECKPOINT_SPACING_STEPS-th step and the last one."""
    return np.union1d(np.arange(CHECKPOINT_SPACING_STEPS - 1, T, CHECKPOINT_SPACING_STEPS), [T - 1])


def sum_checkpoints(parent: LP, d: NetworkModelData, r: int, cp: np.ndarray) -> Reformulation:
    """Sum reservoir r's balance rows between the checkpoints ``cp`` (sorted steps ending with T−1; row k
    covers the steps (cp[k−1], cp[k]]) and drop its volumes in between (their ±1 cancel in the sums).

    Back: V[t] = V[cp[k−1]] + Σ_{τ ∈ (cp[k−1], t]} (rhs[τ] − rest[τ]) from the parent's rows; the duals of
    the steps of a summed row are that row's."""
    T = d.T
    cp = np.asarray(cp, dtype=np.int64)
    assert cp[-1] == T - 1 and np.all(np.diff(cp) > 0)
    fam = balance_family(d, r)
    first, n = parent.row_fam[fam]
    assert n == T
    vol = parent.cols(volume_family(d, r))
    assert vol.size == T, "a reservoir's balances are summed once"
    owner = np.searchsorted(cp, np.arange(T))
    K = cp.size
    row_map = np.arange(parent.n_rows)
    row_map[first + T :] -= T - K
    row_map[first : first + T] = first + owner
    keep_col = np.ones(parent.n_cols, dtype=bool)
    dropped = np.setdiff1d(np.arange(T), cp)
    keep_col[vol[dropped]] = False
    rhs = parent.row_lb[first : first + T]
    assert np.array_equal(rhs, parent.row_ub[first : first + T])
    # (summed from the data in the order of the rows' own right-hand sides: c·I per step, then v0)
    rhs_k = np.bincount(owner, weights=d.c * d.inflow_m3s[r], minlength=K)
    rhs_k[0] += d.v0_hm3[r]
    row_lb = np.concatenate((parent.row_lb[:first], rhs_k, parent.row_lb[first + T :]))
    row_ub = np.concatenate((parent.row_ub[:first], rhs_k, parent.row_ub[first + T :]))
    row_id = np.concatenate((parent.row_id[:first], parent.row_id[first + cp], parent.row_id[first + T :]))
    row_fam = {}
    for name, (o, m) in parent.row_fam.items():
        if name == fam:
            row_fam[name] = (o, K)
        elif o > first:
            row_fam[name] = (o - (T - K), m)
        else:
            row_fam[name] = (o, m)
    staged = dataclasses.replace(parent, row_lb=row_lb, row_ub=row_ub, row_id=row_id, row_fam=row_fam)
    # entries of the dropped volumes cancel within each summed row: drop them
    child = _select(staged, keep_col, row_map=row_map, n_rows=row_lb.size)
    child.row_lb, child.row_ub, child.row_id, child.row_fam = row_lb, row_ub, row_id, row_fam
    keep_idx = np.flatnonzero(keep_col)
    # the parent's balance entries of every other column, for the way back
    is_vol = np.zeros(parent.n_cols, dtype=bool)
    is_vol[vol] = True
    sel = np.flatnonzero((parent.r >= first) & (parent.r < first + T) & ~is_vol[parent.c])
    rest_t, rest_c, rest_v = parent.r[sel] - first, parent.c[sel], parent.v[sel]

    def primal(x: np.ndarray) -> np.ndarray:
        out = np.zeros(parent.n_cols)
        out[keep_idx] = x
        rest = np.bincount(rest_t, weights=rest_v * out[rest_c], minlength=T)
        net = np.cumsum(rhs - rest)  # V[t] from V[−1] = 0 (v0 is in rhs[0])
        v_cp = out[vol[cp]]
        prev = np.maximum(owner - 1, 0)
        base = np.where(owner > 0, v_cp[prev] - net[cp[prev]], 0.0)
        v = base + net
        v[cp] = v_cp
        out[vol] = v
        return out

    def dual(y: np.ndarray) -> np.ndarray:
        return y[row_map]

    return Reformulation(child, primal, dual)


# ---- bases ------------------------------------------------------------------------------------------------
_STATUS_OF = (
    highspy.HighsBasisStatus.kLower,
    highspy.HighsBasisStatus.kBasic,
    highspy.HighsBasisStatus.kUpper,
    highspy.HighsBasisStatus.kZero,
    highspy.HighsBasisStatus.kNonbasic,
)
_LOWER, _BASIC, _UPPER, _ZERO = 0, 1, 2, 3


def highs_basis(col_status: np.ndarray, row_status: np.ndarray) -> highspy.HighsBasis:
    hb = highspy.HighsBasis()
    hb.col_status = [_STATUS_OF[k] for k in col_status.tolist()]
    hb.row_status = [_STATUS_OF[k] for k in row_status.tolist()]
    hb.valid = True
    return hb


@dataclass
class WarmStart:
    """An optimal basis, by the ids of the columns and rows of the model it belongs to, and the checkpoints
    (reservoir index → steps) of that model."""

    checkpoints: dict[int, np.ndarray]
    col_id: np.ndarray
    row_id: np.ndarray
    basis: highspy.HighsBasis


def carry_basis(warm: WarmStart, lp: LP) -> highspy.HighsBasis | None:
    """The basis of ``warm`` on ``lp``, matched by column and row ids; None if ``lp`` lost any of them.

    A new checkpoint t splits a summed balance row in two and adds the volume column at t. The column enters
    the basis and the row ending at t leaves it (nonbasic at its right-hand side): the basis matrix stays
    nonsingular (add the new row to the one after it and expand along the new column) and the duals stay as
    they were, both rows taking the old row's dual, so the basis stays dual feasible and the dual simplex
    goes on from it."""
    col_pos = np.searchsorted(lp.col_id, warm.col_id)
    row_pos = np.searchsorted(lp.row_id, warm.row_id)
    if (
        np.any(col_pos >= lp.n_cols)
        or np.any(row_pos >= lp.n_rows)
        or not np.array_equal(lp.col_id[np.minimum(col_pos, lp.n_cols - 1)], warm.col_id)
        or not np.array_equal(lp.row_id[np.minimum(row_pos, lp.n_rows - 1)], warm.row_id)
        or lp.n_cols - warm.col_id.size != lp.n_rows - warm.row_id.size
    ):
        return None
    old_col = np.asarray([x.value for x in warm.basis.col_status], dtype=np.int8)
    old_row = np.asarray([x.value for x in warm.basis.row_status], dtype=np.int8)
    col_status = np.full(lp.n_cols, _BASIC, dtype=np.int8)
    row_status = np.full(lp.n_rows, _LOWER, dtype=np.int8)
    col_status[col_pos] = old_col
    row_status[row_pos] = old_row
    return highs_basis(col_status, row_status)


def crash_basis(lp: LP, d: NetworkModelData, checkpointed: list[int]) -> highspy.HighsBasis:
    """A starting basis for the revenue LP that values each checkpointed reservoir's water at a guess of
    its marginal value λ.

    From the slack basis the dual simplex first has to learn what stored water is worth: every turbine
    flow starts at its upper bound, and the ratio tests over thousands of flows with equal prices (a few
    tariff levels, the same slopes at every step) cost more than the rest of the solve (0.3–0.8 s of
    0.55 s on the Lianghekou year). Here λ comes from the merit order: the turbine flows out of the
    reservoir, dearest per hm³ first, that the water available over the horizon can supply. In each summed
    balance row the flow nearest λ is basic (the row's dual is then that flow's value); every other column
    sits at the bound its reduced cost asks for, so the basis is dual feasible (except for a column with an
    infinite bound on the wrong side) and nonsingular (each flow leaves one reservoir; all other rows keep
    their slack basic). HiGHS goes on with the dual simplex from it; the optimum it proves is the LP's
    optimum whatever the guess."""
    T, c = d.T, d.c
    cost, lb, ub = lp.cost, lp.col_lb, lp.col_ub
    y = np.zeros(lp.n_rows)
    basic_all: list[np.ndarray] = []
    balance_rows: list[np.ndarray] = []
    lb_end, _ = d.volume_bounds_with_end()
    fits = np.zeros(lp.n_cols, dtype=bool)
    is_flow = np.zeros(lp.n_cols, dtype=bool)
    for r in checkpointed:
        first, K = lp.row_fam[balance_family(d, r)]
        cp = lp.col_steps.get(volume_family(d, r), np.arange(T))
        owner = np.searchsorted(cp, np.arange(T))
        fams = [
            flow_family(d, int(j), s)
            for j in d.unit_columns.tolist()
            if d.incidence[r, j] < 0 and d.column_kind[j] in ("turbine", "generate")
            for s in range(d.S)
        ]
        fams = [f for f in fams if f in lp.col_fam]
        if not fams:
            continue
        flows = np.concatenate([lp.cols(f) for f in fams])
        row_of = np.tile(owner, len(fams))
        value = -cost[flows] / c  # revenue per hm³ turbined [money/hm³]
        water = d.v0_hm3[r] + c * float(np.sum(d.inflow_m3s[r])) - lb_end[r, -1]
        order = np.argsort(-value, kind="stable")
        n_fit = int(np.searchsorted(np.cumsum(c * ub[flows][order]), water, side="right"))
        lam = max(float(value[order[min(n_fit, order.size - 1)]]), 0.0)
        fits[flows[order[:n_fit]]] = True
        is_flow[flows] = True
        pos = np.lexsort((np.abs(value - lam), row_of))
        head = np.flatnonzero(np.r_[True, np.diff(row_of[pos]) > 0])
        basic = flows[pos[head]]
        y[first : first + K] = cost[basic] / c
        basic_all.append(basic)
        balance_rows.append(np.arange(first, first + K))
    reduced = cost - np.bincount(lp.c, weights=lp.v * y[lp.r], minlength=lp.n_cols)
    tie = np.abs(reduced) <= 1e-9 * np.maximum(1.0, np.abs(cost))
    status = np.where(reduced < 0.0, _UPPER, _LOWER)
    tie_flows = tie & is_flow
    status[tie_flows] = np.where(fits[tie_flows], _UPPER, _LOWER)
    status[tie & ~is_flow] = _LOWER
    status[(status == _UPPER) & ~np.isfinite(ub)] = _LOWER
    status[(status == _LOWER) & ~np.isfinite(lb)] = _UPPER
    status[(status == _UPPER) & ~np.isfinite(ub)] = _ZERO
    row_status = np.full(lp.n_rows, _BASIC)
    for basic, rows in zip(basic_all, balance_rows, strict=True):
        status[basic] = _BASIC
        row_status[rows] = _LOWER
    return highs_basis(status, row_status)
