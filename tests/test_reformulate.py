"""The reformulations of :mod:`hydro_sim.optimise._reformulate`, each against the model itself.

For every transformation: the transformed LP has the optimum of the untransformed one, and its solution,
mapped back, is the untransformed model's optimum (feasible in every row and bound of it, the same cost)
with the same balance duals. The cases have prices tilted by ``PRICE_TILT`` over the horizon so that the
optimum is unique, and the mapped-back primal solution is compared column by column.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
import pandas as pd
import pytest

import hydro_sim
from hydro_sim import Scenario
from hydro_sim.examples import small_pumped_storage, textbook_plant
from hydro_sim.network import network_of
from hydro_sim.optimise import _highs
from hydro_sim.optimise import _reformulate as rf
from hydro_sim.optimise._data import DispatchOptions, NetworkModelData, build_network_data, initial_heads
from hydro_sim.optimise._formulation import LP, balance_family, build_model, volume_family

#: DESIGN.md §4: the same optimum to 1e-6 relative.
OBJECTIVE_REL_TOL = 1e-6
#: Mapped-back columns agree to this, relative to the column's magnitude plus 1 (HiGHS's 1e-7 tolerances).
PRIMAL_REL_TOL = 1e-6
#: Balance duals agree to this fraction of the largest one.
DUAL_REL_TOL = 1e-6
#: Prices rise by this fraction over the horizon: no two hours are worth the same, the optimum is unique.
PRICE_TILT = 1e-3


def _scenario(
    hours: int, *, inflow_upper: float, inflow_lower: float = 0.0, renewables: bool = False
) -> Scenario:
    idx = pd.date_range("2030-01-01", periods=hours, freq="h")
    hour = idx.hour.to_numpy()
    price = np.where((hour >= 8) & (hour < 22), 500.0, 150.0) * (1.0 + PRICE_TILT * np.arange(hours) / hours)
    series: dict[str, Any] = {
        "inflow_upper_m3s": pd.Series(inflow_upper, index=idx),
        "inflow_lower_m3s": pd.Series(inflow_lower, index=idx),
        "price_per_mwh": pd.Series(price, index=idx),
    }
    if renewables:
        series["pv_available_mw"] = pd.Series(
            np.clip(30.0 * np.sin((hour - 6) / 12 * np.pi), 0.0, None), index=idx
        )
        series["wind_available_mw"] = pd.Series(10.0 + 5.0 * np.cos(np.arange(hours) / 5.0), index=idx)
    return Scenario(**series)


def _data(plant: hydro_sim.Plant, scenario: Scenario, **options: Any) -> NetworkModelData:
    net = network_of(plant)
    return build_network_data(net, scenario, DispatchOptions(**options), initial_heads(net, scenario.n_steps))


CASES = {
    "textbook: the river's limits (release as slack of its row)": lambda: _data(
        textbook_plant(), _scenario(72, inflow_upper=30.0)
    ),
    "pumped storage with PV and wind": lambda: _data(
        small_pumped_storage(), _scenario(48, inflow_upper=1.0, inflow_lower=1.0, renewables=True)
    ),
    "Lianghekou three days": lambda: _data(
        hydro_sim.lianghekou(), _scenario(72, inflow_upper=600.0, inflow_lower=5.0)
    ),
}


def _solve(lp: LP, start: highspy.HighsBasis | None = None) -> tuple[float, np.ndarray, np.ndarray, int]:
    h = _highs.new_highs()
    assert lp.pass_to(h) == highspy.HighsStatus.kOk
    h.setOptionValue("random_seed", 0)
    if start is not None:
        h.setBasis(start)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    sol = h.getSolution()
    return (
        float(h.getInfo().objective_function_value),
        np.asarray(sol.col_value),
        np.asarray(sol.row_dual),
        int(h.getInfo().simplex_iteration_count),
    )


def _feasible_cost(lp: LP, x: np.ndarray) -> float:
    """Assert x keeps every bound and row of ``lp``; return its cost."""
    tol = PRIMAL_REL_TOL * (1.0 + np.abs(x))
    assert np.all(x >= lp.col_lb - tol) and np.all(x <= lp.col_ub + tol)
    a = lp.matrix().tocsr()
    act = a @ x
    tol_r = PRIMAL_REL_TOL * (1.0 + abs(a) @ np.abs(x))
    bad = np.flatnonzero((act < lp.row_lb - tol_r) | (act > lp.row_ub + tol_r))
    names = lp.row_names()
    assert bad.size == 0, (
        f"row {names[bad[0]]}: {act[bad[0]]} not in [{lp.row_lb[bad[0]]}, {lp.row_ub[bad[0]]}]"
    )
    return float(lp.cost @ x + lp.offset)


def _balance_duals(lp: LP, d: NetworkModelData, y: np.ndarray) -> np.ndarray:
    return np.vstack([y[lp.rows(balance_family(d, r))] for r in range(d.R)])


def _assert_same(d: NetworkModelData, base: LP, step: rf.Reformulation | rf.Chain) -> None:
    obj0, x0, y0, _ = _solve(base)
    obj1, x1, y1, _ = _solve(step.lp)
    assert abs(obj1 - obj0) <= OBJECTIVE_REL_TOL * max(1.0, abs(obj0))
    x = step.primal(x1)
    assert abs(_feasible_cost(base, x) - obj0) <= OBJECTIVE_REL_TOL * max(1.0, abs(obj0))
    scale = 1.0 + np.abs(x0)
    worst = int(np.argmax(np.abs(x - x0) / scale))
    assert np.abs(x - x0)[worst] <= PRIMAL_REL_TOL * scale[worst], base.col_names()[worst]
    duals0, duals1 = _balance_duals(base, d, y0), _balance_duals(base, d, step.dual(y1))
    assert np.max(np.abs(duals1 - duals0)) <= DUAL_REL_TOL * max(1.0, float(np.max(np.abs(duals0))))


@pytest.mark.parametrize("case", list(CASES))
def test_revenue_fold_keeps_the_optimum_the_solution_and_the_duals(case: str) -> None:
    d = CASES[case]()
    base = build_model(d)
    step = rf.fold_revenue(base)
    assert "busbar-line" not in step.lp.col_fam and step.lp.n_cols == base.n_cols - d.T
    _assert_same(d, base, step)


@pytest.mark.parametrize("case", list(CASES))
def test_release_as_slack_keeps_the_optimum_the_solution_and_the_duals(case: str) -> None:
    d = CASES[case]()
    base = build_model(d)
    step = rf.release_as_slack(base, d)
    assert step is not None and step.lp.n_cols == base.n_cols - d.T  # one release (or reach) column a step
    _assert_same(d, base, step)


def test_a_release_with_a_ramp_row_stays_a_column() -> None:
    d = _data(textbook_plant(max_ramp_m3s_per_h=10.0), _scenario(24, inflow_upper=30.0))
    assert rf.release_as_slack(build_model(d), d) is None


def test_merged_renewables_keep_the_optimum_and_share_a_curtailment_by_availability() -> None:
    d = CASES["pumped storage with PV and wind"]()
    base = build_model(d)
    step = rf.merge_renewables(base, d)
    assert (
        step is not None and "busbar-renewables" in step.lp.col_fam and "busbar-wind" not in step.lp.col_fam
    )
    obj0, _, _, _ = _solve(base)
    obj1, x1, _, _ = _solve(step.lp)
    assert abs(obj1 - obj0) <= OBJECTIVE_REL_TOL * max(1.0, abs(obj0))
    x = step.primal(x1)
    assert abs(_feasible_cost(base, x) - obj0) <= OBJECTIVE_REL_TOL * max(1.0, abs(obj0))
    # PV and wind are interchangeable in the model (so the schedule of each is not unique): the way back
    # shares the renewables used in proportion to what is available
    pv, wind = x[base.cols("busbar-pv")], x[base.cols("busbar-wind")]
    avail = d.pv_max_mw + d.wind_max_mw
    np.testing.assert_allclose(pv * avail, (pv + wind) * d.pv_max_mw, atol=1e-9)


@pytest.mark.parametrize(
    "case", ["textbook: the river's limits (release as slack of its row)", "Lianghekou three days"]
)
def test_summed_checkpoints_where_no_bound_binds_between_them_keep_the_optimum(case: str) -> None:
    """Checkpoints at every step whose volume bound binds in the model's optimum (and the last): the summed
    model drops only bounds that do not bind, so it has the same optimum and, mapped back, the same
    volumes at every step, and each step's balance dual is its summed row's."""
    d = CASES[case]()
    base = build_model(d)
    _, x0, _, _ = _solve(base)
    (r,) = rf.checkpoint_reservoirs(d)
    v = x0[base.cols(volume_family(d, r))]
    lb, ub = d.volume_bounds_with_end()
    binding = np.flatnonzero((v < lb[r] + 1e-6) | (v > ub[r] - 1e-6))
    cp = np.union1d(binding, [d.T // 3, d.T - 1])
    step = rf.sum_checkpoints(base, d, r, cp)
    assert step.lp.row_fam[balance_family(d, r)][1] == cp.size < d.T
    _assert_same(d, base, step)


def test_all_the_reformulations_together_keep_the_optimum() -> None:
    d = CASES["Lianghekou three days"]()
    base = build_model(d)
    chain = _highs.base_chain(d, elastic=False)
    chain = _highs.with_checkpoints(chain, d, {0: np.array([23, 47, 71])})
    assert len(chain.steps) == 3  # fold, release as slack, checkpoints
    obj0, _, _, _ = _solve(base)
    obj1, x1, _, _ = _solve(chain.lp)
    x = chain.primal(x1)
    cost = _feasible_cost(base, x)  # mapped back, it holds every row and bound of the model itself
    assert abs(cost - obj0) <= OBJECTIVE_REL_TOL * abs(obj0)
    assert abs(obj1 - obj0) <= OBJECTIVE_REL_TOL * abs(obj0)


def test_crash_basis_and_carried_basis_start_the_same_optimum() -> None:
    d = CASES["Lianghekou three days"]()
    base = _highs.base_chain(d, elastic=False)
    lp = _highs.with_checkpoints(base, d, {0: np.array([71])}).lp
    cold, _, _, _ = _solve(lp)
    crashed, _, _, _ = _solve(lp, rf.crash_basis(lp, d, [0]))
    assert abs(crashed - cold) <= OBJECTIVE_REL_TOL * abs(cold)
    # the optimal basis of the model with one checkpoint, carried to the model with two more
    h = _highs.new_highs()
    lp.pass_to(h)
    h.run()
    warm = rf.WarmStart(
        checkpoints={0: np.array([71])}, col_id=lp.col_id, row_id=lp.row_id, basis=h.getBasis()
    )
    finer = _highs.with_checkpoints(base, d, {0: np.array([23, 47, 71])}).lp
    start = rf.carry_basis(warm, finer)
    assert start is not None
    carried, _, _, _ = _solve(finer, start)
    fresh, _, _, _ = _solve(finer)
    assert abs(carried - fresh) <= OBJECTIVE_REL_TOL * abs(fresh)
    # any model with more checkpoints takes it; a model that lost a column of the basis's model does not
    assert rf.carry_basis(warm, _highs.with_checkpoints(base, d, {0: np.array([70, 71])}).lp) is not None
    coarser = rf.WarmStart(
        checkpoints={0: np.array([23, 71])}, col_id=finer.col_id, row_id=finer.row_id, basis=start
    )
    assert rf.carry_basis(coarser, lp) is None


def test_headwater_reservoirs_without_level_limits_get_checkpoints() -> None:
    """The rule: summed balances for a reservoir nothing discharges into downhill (Lianghekou, not Yagen-I),
    unless a level-change limit needs its every volume."""
    sc = _scenario(24, inflow_upper=600.0, inflow_lower=5.0)
    assert rf.checkpoint_reservoirs(_data(hydro_sim.lianghekou(), sc)) == [0]
    limited = _data(hydro_sim.lianghekou(), sc, max_level_change_m_per_h={"Lianghekou": 0.5})
    assert rf.checkpoint_reservoirs(limited) == []
    assert rf.checkpoint_reservoirs(limited, level_limits=True) == [0]
