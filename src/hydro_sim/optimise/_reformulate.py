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
from hydro_sim.optimise._formulation import (
    LP,
    Block,
    ColFamily,
    RowFamily,
    balance_family,
    flow_family,
    volume_family,
)

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


def _without_cols(
    parent: LP, names: set[str], x_of: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]
) -> Callable[[np.ndarray, LP], np.ndarray]:
    """A primal map back for a child that lacks the column families ``names``: ``x_of(child x, parent x
    so far)`` gives their values (the parent x holds every other family)."""

    def primal(x: np.ndarray, child: LP) -> np.ndarray:
        out = np.zeros(parent.n_cols)
        pf, cf = parent.col_fam, child.col_fam
        for name, (off, n) in pf.items():
            if name in cf:
                o = cf[name][0]
                out[off : off + n] = x[o : o + n]
        for name, vals in x_of(x, out).items():
            off, n = pf[name]
            out[off : off + n] = vals
        return out

    return primal


# ---- eliminating a column family defined by one equality row family ---------------------------------------
def eliminate(parent: LP, family: str, *, express: bool) -> Reformulation:
    """Eliminate a column family whose every column appears in one equality row only (all in one row
    family): a·x + rest = b, l ≤ x ≤ u.

    ``express=False`` keeps the row's other coefficients and ranges it, b − a·[u, l] (x is the row's slack);
    ``express=True`` writes the row as x itself, −rest/a ∈ [l − b/a, u − b/a]. A cost c_x on x moves onto
    the row's other columns (−c_x/a·A) and the objective's constant (c_x·b/a). Back: x = (b − rest)/a; the
    row's dual in the parent is c_x/a plus the child's (``express``: −1/a times the child's)."""
    (blk,) = parent.blocks_of_col(family)
    fx = parent.colf[family]
    n = fx.lb.size
    assert blk.j.size == n and np.array_equal(np.sort(blk.j), np.arange(n)), "one entry per column"
    order = np.argsort(blk.j)
    rows, a = blk.i[order], blk.v[order]  # local rows of the row family, by column
    rf = parent.rowf[blk.row]
    assert np.bincount(rows, minlength=rf.lb.size).max() == 1, "one eliminated column per row"
    b = rf.lb[rows]
    assert np.array_equal(b, rf.ub[rows]), "the row of an eliminated column must be an equality"
    lo, hi, cx = fx.lb, fx.ub, fx.cost
    pos_of_row = np.full(rf.lb.size, -1)
    pos_of_row[rows] = np.arange(n)
    colf = {k: f for k, f in parent.colf.items() if k != family}
    blocks: list[Block] = []
    shifted = np.any(cx != 0.0)
    for other in parent.blocks:
        if other is blk:
            continue
        if other.row != blk.row:
            blocks.append(other)
            continue
        k = pos_of_row[other.i]
        hit = k >= 0
        if shifted:
            f = colf[other.col]
            shift = np.bincount(other.j[hit], weights=-(cx / a)[k[hit]] * other.v[hit], minlength=f.lb.size)
            colf[other.col] = dataclasses.replace(f, cost=f.cost + shift)
        if express:
            v = other.v.copy()
            v[hit] = -other.v[hit] / a[k[hit]]
            blocks.append(dataclasses.replace(other, v=v))
        else:
            blocks.append(other)
    row_lb, row_ub = rf.lb.copy(), rf.ub.copy()
    with np.errstate(invalid="ignore"):
        offset = parent.offset + float(np.sum(np.where(cx != 0.0, cx * b / a, 0.0)))
        if express:
            row_lb[rows], row_ub[rows] = lo - b / a, hi - b / a
        else:
            row_lb[rows] = np.where(a > 0, b - a * hi, b - a * lo)
            row_ub[rows] = np.where(a > 0, b - a * lo, b - a * hi)
    rowf = dict(parent.rowf)
    rowf[blk.row] = dataclasses.replace(rf, lb=row_lb, ub=row_ub)
    child = LP(T=parent.T, colf=colf, rowf=rowf, blocks=blocks, offset=offset, soft=parent.soft)
    row_off = parent.row_fam[blk.row][0]

    def values(x: np.ndarray, out: np.ndarray) -> dict[str, np.ndarray]:
        act = child.row_activity(blk.row, x)[rows]
        return {family: b / a + act if express else (b - act) / a}

    back = _without_cols(parent, {family}, values)

    def dual(y: np.ndarray) -> np.ndarray:
        out = y.copy()
        idx = row_off + rows
        out[idx] = cx / a + (-y[idx] / a if express else y[idx])
        return out

    return Reformulation(child, lambda x: back(x, child), dual)


def free_rows_that_cannot_bind(lp: LP, family: str) -> LP:
    """Free the rows of ``family`` whose activity, over every column's bounds, stays within the row's bounds
    (e.g. a line no output can reach): HiGHS's presolve then drops them. The optimum does not change."""
    rf = lp.rowf[family]
    n = rf.lb.size
    act_lo, act_hi = np.zeros(n), np.zeros(n)
    with np.errstate(invalid="ignore"):
        for b in lp.blocks_in_row(family):
            f = lp.colf[b.col]
            lo_j, hi_j = f.lb[b.j], f.ub[b.j]
            act_lo += np.bincount(b.i, weights=np.where(b.v > 0, b.v * lo_j, b.v * hi_j), minlength=n)
            act_hi += np.bincount(b.i, weights=np.where(b.v > 0, b.v * hi_j, b.v * lo_j), minlength=n)
    need = (act_hi > rf.ub) | (act_lo < rf.lb)
    rowf = dict(lp.rowf)
    rowf[family] = dataclasses.replace(
        rf, lb=np.where(need, rf.lb, -np.inf), ub=np.where(need, rf.ub, np.inf)
    )
    return LP(T=lp.T, colf=lp.colf, rowf=rowf, blocks=lp.blocks, offset=lp.offset, soft=lp.soft)


def fold_revenue(parent: LP) -> Reformulation:
    """Eliminate the net export under the revenue objective: its price onto the flows, its limits onto the
    power row (freed where they cannot bind)."""
    step = eliminate(parent, "busbar-line", express=True)
    step.lp = free_rows_that_cannot_bind(step.lp, "busbar-power")  # bounds only: the way back holds
    return step


def release_as_slack(parent: LP, d: NetworkModelData) -> Reformulation | None:
    """Eliminate every release column family, and every reach's total-discharge family, that appears in one
    equality row only (no ramp row needs it): each becomes the slack of its row. None if there is none."""
    families = [flow_family(d, j) for j in range(d.J) if d.column_kind[j] == "release"]
    families += [f"{lim.name}-flow" for lim in d.flow_limits if lim.kind == "sink"]
    chain = Chain(parent)
    for name in families:
        lp = chain.lp
        if name not in lp.colf:
            continue
        blks = lp.blocks_of_col(name)
        if len(blks) != 1:
            continue
        (blk,) = blks
        rf = lp.rowf[blk.row]
        n = lp.colf[name].lb.size
        if (
            blk.j.size != n
            or np.bincount(blk.i, minlength=rf.lb.size).max() > 1
            or not np.array_equal(rf.lb[blk.i], rf.ub[blk.i])
        ):
            continue
        chain.apply(eliminate(lp, name, express=False))
    if not chain.steps:
        return None
    return Reformulation(chain.lp, chain.primal, chain.dual)


def merge_renewables(parent: LP, d: NetworkModelData) -> Reformulation | None:
    """PV and wind in one column family ``busbar-renewables`` (0 ≤ ren ≤ pv_max + wind_max) where they have
    the same coefficients and costs; back: a curtailment is shared in proportion to availability."""
    if "busbar-pv" not in parent.colf or "busbar-wind" not in parent.colf:
        return None
    pv, wind = parent.colf["busbar-pv"], parent.colf["busbar-wind"]
    if not np.array_equal(pv.cost, wind.cost):
        return None
    bp = {b.row: b for b in parent.blocks_of_col("busbar-pv")}
    bw = {b.row: b for b in parent.blocks_of_col("busbar-wind")}
    if set(bp) != set(bw) or not all(
        np.array_equal(bp[k].i, bw[k].i)
        and np.array_equal(bp[k].j, bw[k].j)
        and np.array_equal(bp[k].v, bw[k].v)
        for k in bp
    ):
        return None
    colf: dict[str, ColFamily] = {}
    for name, f in parent.colf.items():
        if name == "busbar-pv":
            colf["busbar-renewables"] = dataclasses.replace(f, ub=d.pv_max_mw + d.wind_max_mw)
        elif name != "busbar-wind":
            colf[name] = f
    blocks = [
        dataclasses.replace(b, col="busbar-renewables") if b.col == "busbar-pv" else b
        for b in parent.blocks
        if b.col != "busbar-wind"
    ]
    child = LP(T=parent.T, colf=colf, rowf=parent.rowf, blocks=blocks, offset=parent.offset, soft=parent.soft)
    avail = d.pv_max_mw + d.wind_max_mw
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(avail > 0, d.pv_max_mw / np.where(avail > 0, avail, 1.0), 0.0)

    def values(x: np.ndarray, out: np.ndarray) -> dict[str, np.ndarray]:
        off, n = child.col_fam["busbar-renewables"]
        ren = x[off : off + n]
        p = np.minimum(ren * share, d.pv_max_mw)
        return {"busbar-pv": p, "busbar-wind": ren - p}

    back = _without_cols(parent, {"busbar-pv", "busbar-wind"}, values)
    return Reformulation(child, lambda x: back(x, child), _identity)


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
    bal, vol = balance_family(d, r), volume_family(d, r)
    rf, vf = parent.rowf[bal], parent.colf[vol]
    assert rf.lb.size == T and vf.lb.size == T, "a reservoir's balances are summed once"
    assert np.array_equal(rf.lb, rf.ub)
    owner = np.searchsorted(cp, np.arange(T)).astype(np.int32)
    K = cp.size
    kept = np.full(T, -1, dtype=np.int32)
    kept[cp] = np.arange(K, dtype=np.int32)
    # (summed from the data in the order of the rows' own right-hand sides: c·I per step, then v0)
    rhs_k = np.bincount(owner, weights=d.c * d.inflow_m3s[r], minlength=K)
    rhs_k[0] += d.v0_hm3[r]
    rowf = dict(parent.rowf)
    rowf[bal] = RowFamily(lb=rhs_k, ub=rhs_k.copy(), id=rf.id[cp])
    colf = dict(parent.colf)
    colf[vol] = ColFamily(
        lb=vf.lb[cp], ub=vf.ub[cp], cost=vf.cost[cp], integer=vf.integer, id=vf.id[cp], steps=vf.steps[cp]
    )
    blocks: list[Block] = []
    rest: list[Block] = []
    for blk in parent.blocks:
        if blk.col == vol:
            assert blk.row == bal, "a summed reservoir's volumes appear in its balance rows only"
            keep = kept[blk.j] >= 0  # the entries of the dropped volumes cancel within each summed row
            blocks.append(Block(bal, vol, owner[blk.i[keep]], kept[blk.j[keep]], blk.v[keep]))
        elif blk.row == bal:
            blocks.append(dataclasses.replace(blk, i=owner[blk.i]))
            rest.append(blk)
        else:
            blocks.append(blk)
    child = LP(T=parent.T, colf=colf, rowf=rowf, blocks=blocks, offset=parent.offset, soft=parent.soft)
    rhs = rf.lb
    prev = np.maximum(owner - 1, 0)
    row_off, K_off = parent.row_fam[bal][0], child.row_fam[bal][0]
    pf = parent.col_fam

    def primal(x: np.ndarray) -> np.ndarray:
        out = np.zeros(parent.n_cols)
        cf = child.col_fam
        for name, (off, n) in pf.items():
            if name != vol:
                o = cf[name][0]
                out[off : off + n] = x[o : o + n]
        act = np.zeros(T)
        for blk in rest:
            act += np.bincount(blk.i, weights=blk.v * out[pf[blk.col][0] + blk.j], minlength=T)
        net = np.cumsum(rhs - act)  # V[t] from V[−1] = 0 (v0 is in rhs[0])
        o = cf[vol][0]
        v_cp = x[o : o + K]
        base = np.where(owner > 0, v_cp[prev] - net[cp[prev]], 0.0)
        v = base + net
        v[cp] = v_cp
        off = pf[vol][0]
        out[off : off + T] = v
        return out

    def dual(y: np.ndarray) -> np.ndarray:
        n_after = child.n_rows - K_off - K
        return np.concatenate((y[:K_off], y[K_off + owner], y[K_off + K : K_off + K + n_after]))

    assert row_off == K_off
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
_STATUS_ARRAY = np.array(_STATUS_OF, dtype=object)


def highs_basis(col_status: np.ndarray, row_status: np.ndarray) -> highspy.HighsBasis:
    hb = highspy.HighsBasis()
    hb.col_status = _STATUS_ARRAY[col_status].tolist()
    hb.row_status = _STATUS_ARRAY[row_status].tolist()
    hb.valid = True
    return hb


def _statuses(status: list) -> np.ndarray:
    return np.fromiter(map(int, status), dtype=np.int8, count=len(status))


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
    goes on from it. On the very model of ``warm`` (the next successive-head iteration) it is ``warm``'s
    basis itself."""
    if np.array_equal(lp.col_id, warm.col_id) and np.array_equal(lp.row_id, warm.row_id):
        return warm.basis
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
    old_col = _statuses(warm.basis.col_status)
    old_row = _statuses(warm.basis.row_status)
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
