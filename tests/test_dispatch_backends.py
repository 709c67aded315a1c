"""Layer 3: backend against backend.

The PuLP model (``_pulp``, solved by CBC and by HiGHS through PuLP) against the vectorised HiGHS build
(``_highs``) on the same :class:`ModelData`: same optimum, each backend's schedule feasible and optimal in
the other backend's model, same schedule where the optimum is unique, same water values (duals).

Most of these small cases have many optimal schedules (with two flat price levels, any of the equally
priced hours may take the generation), and the two backends — even HiGHS behind both, since PuLP
orders the columns by name — pick different ones. So the schedules are compared in two ways: on the
exact case, each backend's schedule must be feasible and optimal in the other backend's model; on the
same case with prices tilted up by ``PRICE_TILT`` over the horizon (which breaks every tie), the volumes
must agree.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
import pulp
import pytest
import scipy.sparse as sp

import hydro_sim
from hydro_sim import HydroSimInputError, Scenario
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.optimise import _highs, _pulp, dispatch, export_model
from hydro_sim.optimise._model import DispatchOptions, ModelData, build_model_data, initial_heads

#: DESIGN.md §4: "same model, same optimum (relative difference ≤ 1e-6)". CBC hands PuLP its solution with
#: 8 significant digits, which puts ≈1e-8 relative noise on the objective recomputed from it.
OBJECTIVE_REL_TOL = 1e-6
#: Volumes agree to this fraction of the reservoir's volume range (the brief's rule). CBC's 8 digits on a
#: Lianghekou volume of ≈1e4 hm³ give ≈1e-4 hm³, ≈2e-8 of its ≈5,800 hm³ range.
VOLUME_REL_TOL = 1e-6
#: Water values (duals of the balances) agree to this fraction of the largest one: they come from the
#: solvers' optimal bases, to the same 8-digit precision for CBC.
DUAL_REL_TOL = 1e-6
#: A row or bound holds if it is broken by less than this fraction of the row's scale (the sum of |a·x| of
#: its terms, plus 1): CBC's 8-digit values and the solvers' 1e-7 feasibility tolerance stay far below.
FEASIBILITY_REL_TOL = 1e-6
#: Prices rise by this fraction over the horizon so that no two hours are worth the same and the optimum is
#: unique; small enough to leave every case's character unchanged.
PRICE_TILT = 1e-3
SOLVERS = ("PULP_CBC_CMD", "HiGHS")


# ---- cases ------------------------------------------------------------------------------------------------


def _with(sc: Scenario, **series: Any) -> Scenario:
    """A copy of a scenario with some series replaced (given as arrays on its index)."""
    frame = sc.to_frame()
    for name, values in series.items():
        frame[name] = np.asarray(values, dtype=float)
    return Scenario.from_frame(frame, name=sc.name)


def _tilted(sc: Scenario) -> Scenario:
    """The scenario with prices rising by ``PRICE_TILT`` over the horizon (ties between hours broken)."""
    assert sc.price_cny_per_mwh is not None
    n = sc.n_steps
    return _with(
        sc, price_cny_per_mwh=sc.price_cny_per_mwh.to_numpy() * (1.0 + PRICE_TILT * np.arange(n) / n)
    )


def _textbook_day() -> Scenario:
    return constant_scenario(hours=48, inflow_upper_m3s=50.0, price_cny_per_mwh=200.0)


def _textbook_delivery() -> Scenario:
    """A delivery curve of 30 MW at night and 90 MW by day, beyond what the inflow can always carry."""
    sc = _textbook_day()
    return _with(sc, delivery_mw=np.where(np.arange(sc.n_steps) % 24 < 12, 30.0, 90.0))


def lianghekou_week() -> Scenario:
    """One winter week, hourly: 300 m³/s into the upper, 5 m³/s into the lower reservoir, a TOU-like tariff
    of 400 CNY/MWh × 0.4 (23–07 h), × 1.6 (10–12 h and 15–21 h), × 1 otherwise."""
    idx = pd.date_range("2030-01-07", periods=168, freq="h")
    hour = idx.hour
    factor = np.where(
        (hour >= 23) | (hour < 7),
        0.4,
        np.where(((hour >= 10) & (hour < 12)) | ((hour >= 15) & (hour < 21)), 1.6, 1.0),
    )
    return Scenario(
        inflow_upper_m3s=pd.Series(300.0, index=idx),
        inflow_lower_m3s=pd.Series(5.0, index=idx),
        price_cny_per_mwh=pd.Series(400.0 * factor, index=idx),
        name="Lianghekou winter week",
    )


def _textbook_renewables() -> Scenario:
    """The delivery curve with PV by day and some wind: curtailment is priced under "firming"."""
    sc = _textbook_delivery()
    hour = np.arange(sc.n_steps) % 24
    return _with(
        sc,
        pv_available_mw=np.clip(40.0 * np.sin((hour - 6) / 12 * np.pi), 0.0, None),
        wind_available_mw=np.where(hour < 6, 20.0, 5.0),
    )


def _two_price_days() -> Scenario:
    """48 h: a cheap day, then a dear one. Pumping today to generate tomorrow pays unless each day balances."""
    idx = pd.date_range("2030-01-01", periods=48, freq="h")
    return Scenario(
        inflow_upper_m3s=pd.Series(0.0, index=idx),
        price_cny_per_mwh=pd.Series(np.where(np.arange(48) < 24, 100.0, 300.0), index=idx),
    )


Case = Callable[[], tuple[hydro_sim.Plant, Scenario, dict[str, Any]]]
CASES: dict[str, Case] = {
    "pumped storage, revenue": lambda: (small_pumped_storage(), two_price_day(), {}),
    "pumped storage, daily pump-generate balance": lambda: (
        small_pumped_storage(),
        two_price_day(),
        {"pump_generate_balance": "day"},
    ),
    "textbook, constant scenario": lambda: (textbook_plant(), _textbook_day(), {}),
    "textbook, firming": lambda: (textbook_plant(), _textbook_delivery(), {"objective": "firming"}),
    "textbook, firming with PV and wind": lambda: (
        textbook_plant(),
        _textbook_renewables(),
        {"objective": "firming"},
    ),
    "pumped storage, daily balance binding": lambda: (
        small_pumped_storage(),
        _two_price_days(),
        {"pump_generate_balance": "day"},
    ),
    "textbook, tracking": lambda: (textbook_plant(), _textbook_delivery(), {"objective": "tracking"}),
    "pumped storage, end fixed": lambda: (small_pumped_storage(), two_price_day(), {"end": "fixed"}),
    "pumped storage, end water value": lambda: (
        small_pumped_storage(),
        two_price_day(),
        {
            "end": "water_value",
            "water_value_upper_cny_per_hm3": 5.0e4,
            "water_value_lower_cny_per_hm3": 1.0e3,
        },
    ),
    "textbook, ramp limit": lambda: (textbook_plant(max_ramp_m3s_per_h=10.0), _textbook_day(), {}),
    "pumped storage, level-change limit": lambda: (
        small_pumped_storage(),
        two_price_day(),
        {"max_level_change_upper_m_per_h": 0.1},
    ),
    # mip_rel_gap 0: both solvers must prove the optimum, or their objectives may differ by the gap.
    "pumped storage, unit commitment": lambda: (
        small_pumped_storage(n_units=2),
        two_price_day(),
        {"unit_commitment": True, "mip_rel_gap": 0.0},
    ),
    "Lianghekou week, fixed head": lambda: (hydro_sim.lianghekou(), lianghekou_week(), {"head": "fixed"}),
}

#: Cases with water values (LPs; unit commitment reports none), compared in test_same_water_values.
DUAL_CASES = (
    "pumped storage, revenue",
    "pumped storage, level-change limit",
    "pumped storage, end water value",
    "Lianghekou week, fixed head",
)


def _fixed(options: dict[str, Any]) -> dict[str, Any]:
    """The options at fixed head: the two backends are compared on one and the same LP (the model at the
    initial heads), not on the physics of a moving head, so the fixed-head check is off here."""
    return {"head": "fixed", "fixed_head_tolerance_m": math.inf, **options}


def _model_data(plant: hydro_sim.Plant, scenario: Scenario, options: dict[str, Any]) -> ModelData:
    opts = DispatchOptions(
        **{k: v for k, v in options.items() if k not in ("head", "fixed_head_tolerance_m")}
    )
    return build_model_data(plant, scenario, opts, initial_heads(plant, scenario.n_steps))


# ---- a solution checked against each model --------------------------------------------------------------


def _check_in_highs_model(d: ModelData, values: dict[str, np.ndarray]) -> float:
    """Assert that the column values satisfy every bound and row of the HiGHS build; return their cost."""
    blocks, _ = _highs.build(d)
    x = np.zeros(blocks.n_cols)
    for name, off in blocks.col_off.items():
        x[off : off + d.T] = values[name]
    lb, ub = np.concatenate(blocks.col_lb), np.concatenate(blocks.col_ub)
    tol = FEASIBILITY_REL_TOL * (1.0 + np.abs(x))
    assert np.all(x >= lb - tol), (
        f"bounds broken in the HiGHS model at columns {np.flatnonzero(x < lb - tol)}"
    )
    assert np.all(x <= ub + tol), (
        f"bounds broken in the HiGHS model at columns {np.flatnonzero(x > ub + tol)}"
    )
    integer = np.concatenate(blocks.col_int).astype(bool)
    assert np.all(np.abs(x[integer] - np.rint(x[integer])) <= FEASIBILITY_REL_TOL)
    a = sp.csr_matrix(
        (np.concatenate(blocks.v), (np.concatenate(blocks.r), np.concatenate(blocks.c))),
        shape=(blocks.n_rows, blocks.n_cols),
    )
    activity = a @ x
    tol = FEASIBILITY_REL_TOL * (1.0 + abs(a) @ np.abs(x))
    row_lb, row_ub = np.concatenate(blocks.row_lb), np.concatenate(blocks.row_ub)
    names = {off: name for name, off in blocks.row_off.items()}
    for bad in (np.flatnonzero(activity < row_lb - tol), np.flatnonzero(activity > row_ub + tol)):
        if bad.size:
            start = max(o for o in names if o <= bad[0])
            pytest.fail(
                f"row {names[start]}[{bad[0] - start}] of the HiGHS model broken: {activity[bad[0]]!r} "
                f"not in [{row_lb[bad[0]]!r}, {row_ub[bad[0]]!r}]"
            )
    return float(np.concatenate(blocks.col_cost) @ x)


def _check_in_pulp_model(d: ModelData, values: dict[str, np.ndarray]) -> float:
    """Assert that the values satisfy every bound and constraint of the PuLP problem; return its objective."""
    prob, x = _pulp.legacy_build_problem(d)
    values = dict(values)
    if "line" not in values:  # the HiGHS build folds the line into the power row under "revenue"
        line = np.zeros(d.T)
        for s in range(d.S):
            line += (
                d.k_conv[s] * values.get(f"q_conv_{s}", 0.0)
                + d.k_gen[s] * values.get(f"q_gen_{s}", 0.0)
                - d.b_pump[s] * values.get(f"q_pump_{s}", 0.0)
            )
        values["line"] = line + values.get("pv", 0.0) + values.get("wind", 0.0)
    for name, variables in x.items():
        for v, value in zip(variables, values[name].tolist(), strict=True):
            v.varValue = value
    for v in prob.variables():
        assert v.valid(FEASIBILITY_REL_TOL * (1.0 + abs(v.varValue))), (
            f"bound of {v.name} broken: {v.varValue!r}"
        )
    for c in prob.constraints():
        terms = [coef * v.varValue for v, coef in c.expr.items()]
        residual = sum(terms) + c.constant
        tol = FEASIBILITY_REL_TOL * (1.0 + sum(abs(t) for t in terms))
        ok = abs(residual) <= tol if c.sense == pulp.LpConstraintEQ else residual * c.sense >= -tol
        assert ok, f"constraint {c.name} of the PuLP model broken by {residual!r}"
    return float(prob.objective.value())


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


# ---- the two backends agree -------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(CASES))
def test_same_optimum(case: str, solver: str) -> None:
    plant, scenario, options = CASES[case]()
    fast = dispatch(plant, scenario, backend="highs", **_fixed(options))
    readable = dispatch(plant, scenario, backend="pulp", solver=solver, **_fixed(options))
    assert (fast.status, readable.status) == ("optimal", "optimal")
    assert _rel(readable.objective_cny, fast.objective_cny) <= OBJECTIVE_REL_TOL, (
        readable.objective_cny,
        fast.objective_cny,
    )


#: Water balance per step from the schedule's columns (the issue's bound). [hm³]
BALANCE_TOL_HM3 = 1e-6


@pytest.mark.parametrize("backend, solver", [("highs", None)] + [("pulp", s) for s in SOLVERS])
@pytest.mark.parametrize("case", list(CASES))
def test_water_balance_closes_from_the_schedule(case: str, backend: str, solver: str | None) -> None:
    """Each reservoir's balance closes per step from the schedule's columns, with either backend. CBC reads
    its solution back as 8-digit text (~1e-4 hm³ on Lianghekou's volumes) until the PuLP backend
    re-accumulates the volumes from the rows' residuals; this fails without that."""
    plant, scenario, options = CASES[case]()
    res = dispatch(
        plant, scenario, backend=backend, **({"solver": solver} if solver else {}), **_fixed(options)
    )
    assert res.status == "optimal"
    err = water_balance_max_error_hm3(
        res.schedule,
        initial_volume_upper_hm3=plant.upper.initial_volume_hm3,
        initial_volume_lower_hm3=plant.lower.initial_volume_hm3 if plant.lower is not None else None,
        dt_h=scenario.dt_h,
    )
    assert err <= BALANCE_TOL_HM3, err


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(CASES))
def test_each_schedule_is_optimal_in_the_other_model(case: str, solver: str) -> None:
    d = _model_data(*CASES[case]())
    fast, _ = _highs.solve(d)
    readable = _pulp.solve(d, solver=solver)
    assert (fast.status, readable.status) == ("optimal", "optimal")
    cost_of_pulp_schedule = _check_in_highs_model(d, readable.values)
    cost_of_highs_schedule = _check_in_pulp_model(d, fast.values)
    assert _rel(cost_of_pulp_schedule, fast.objective_cny) <= OBJECTIVE_REL_TOL
    assert _rel(cost_of_highs_schedule, readable.objective_cny) <= OBJECTIVE_REL_TOL


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(CASES))
def test_same_schedule_when_the_optimum_is_unique(case: str, solver: str) -> None:
    plant, scenario, options = CASES[case]()
    scenario = _tilted(scenario)
    fast = dispatch(plant, scenario, backend="highs", **_fixed(options))
    readable = dispatch(plant, scenario, backend="pulp", solver=solver, **_fixed(options))
    assert (fast.status, readable.status) == ("optimal", "optimal")
    for reservoir, column in ((plant.upper, "volume_upper_hm3"), (plant.lower, "volume_lower_hm3")):
        if reservoir is None:
            continue
        span = reservoir.max_volume_hm3 - reservoir.min_volume_hm3
        gap = np.max(np.abs(readable.schedule[column].to_numpy() - fast.schedule[column].to_numpy()))
        assert gap <= VOLUME_REL_TOL * span, f"{column} differs by {gap} hm³"


@pytest.mark.parametrize("tilt", [False, True], ids=["flat", "tilted"])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", DUAL_CASES)
def test_same_water_values(case: str, solver: str, tilt: bool) -> None:
    plant, scenario, options = CASES[case]()
    if tilt:
        scenario = _tilted(scenario)
    fast = dispatch(plant, scenario, backend="highs", **_fixed(options)).schedule
    readable = dispatch(plant, scenario, backend="pulp", solver=solver, **_fixed(options)).schedule
    for column in ("water_value_upper_cny_per_hm3", "water_value_lower_cny_per_hm3"):
        a, b = readable[column].to_numpy(), fast[column].to_numpy()
        scale = max(1.0, float(np.max(np.abs(b))))
        assert np.max(np.abs(a - b)) <= DUAL_REL_TOL * scale, (column, a[:5], b[:5])
    # The water value of the upper reservoir is that of the energy it holds: positive and not trivial.
    assert fast["water_value_upper_cny_per_hm3"].min() > 0.0


def _highs_model(d: ModelData) -> tuple[dict[str, tuple[float, float, float, bool]], dict[str, tuple]]:
    """The HiGHS build by name: columns ``name_t`` → (lb, ub, cost, integer); rows → (coefficients, lb, ub),
    each row named as the PuLP backend names it (a ranged row by its PuLP ``…_rise``/``…_fall`` pair)."""
    blocks, _ = _highs.build(d)
    lb, ub = np.concatenate(blocks.col_lb), np.concatenate(blocks.col_ub)
    cost, integer = np.concatenate(blocks.col_cost), np.concatenate(blocks.col_int)
    col_name = np.empty(blocks.n_cols, dtype=object)
    for name, off in blocks.col_off.items():
        n = (sorted([o for o in blocks.col_off.values() if o > off]) or [blocks.n_cols])[0] - off
        col_name[off : off + n] = [f"{name}_{t}" for t in range(n)]
    cols = {col_name[j]: (lb[j], ub[j], cost[j], bool(integer[j])) for j in range(blocks.n_cols)}
    a = sp.csr_matrix(
        (np.concatenate(blocks.v), (np.concatenate(blocks.r), np.concatenate(blocks.c))),
        shape=(blocks.n_rows, blocks.n_cols),
    )
    row_lb, row_ub = np.concatenate(blocks.row_lb), np.concatenate(blocks.row_ub)
    rows: dict[str, tuple] = {}
    for name, off in blocks.row_off.items():
        n = (sorted([o for o in blocks.row_off.values() if o > off]) or [blocks.n_rows])[0] - off
        for i in range(n):
            row = a.getrow(off + i)
            coefs = {col_name[j]: v for j, v in zip(row.indices, row.data, strict=True) if v != 0.0}
            label = f"{name}_{i + 1}" if name == "ramp" else f"{name}_{i}"  # ramp rows start at t = 1
            rows[label] = (coefs, row_lb[off + i], row_ub[off + i])
    return cols, rows


def _pulp_model(d: ModelData) -> tuple[dict[str, tuple[float, float, float, bool]], dict[str, tuple]]:
    """The PuLP problem in the form of :func:`_highs_model`, its rise/fall pairs merged into ranged rows."""
    prob, _ = _pulp.legacy_build_problem(d)
    objective = prob.objective
    cols = {
        v.name: (
            -np.inf if v.lowBound is None else v.lowBound,
            np.inf if v.upBound is None else v.upBound,
            objective.get(v, 0.0),
            v.cat == pulp.LpInteger,
        )
        for v in prob.variables()
    }
    rows: dict[str, tuple] = {}
    for c in prob.constraints():
        coefs = {v.name: a for v, a in c.expr.items() if a != 0.0}
        rhs = -c.constant
        lo = rhs if c.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -np.inf
        hi = rhs if c.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else np.inf
        for side in ("_rise_", "_fall_"):
            if side in c.name:
                label = c.name.replace(side, "_")
                other = rows.get(label)
                if other is not None:
                    assert other[0] == coefs, f"{c.name}: the rise and fall rows differ"
                    lo, hi = max(lo, other[1]), min(hi, other[2])
                rows[label] = (coefs, lo, hi)
                break
        else:
            rows[c.name] = (coefs, lo, hi)
    return cols, rows


FULL_MODELS: dict[str, Callable[[], ModelData]] = {
    "textbook: firming, PV and wind, ramp, level change, unit commitment, water value": lambda: _model_data(
        textbook_plant(max_ramp_m3s_per_h=10.0),
        _textbook_renewables(),
        {
            "objective": "firming",
            "max_level_change_upper_m_per_h": 0.05,
            "unit_commitment": True,
            "end": "water_value",
            "water_value_upper_cny_per_hm3": 3.0e4,
        },
    ),
    "pumped storage: tracking, level change both, daily balance, unit commitment, end fixed": lambda: (
        _model_data(
            small_pumped_storage(n_units=2),
            _with(_two_price_days(), delivery_mw=np.full(48, 20.0)),
            {
                "objective": "tracking",
                "max_level_change_upper_m_per_h": 0.1,
                "max_level_change_lower_m_per_h": 0.2,
                "pump_generate_balance": "day",
                "unit_commitment": True,
                "end": "fixed",
                "loss_segments": 3,
            },
        )
    ),
    "Lianghekou day: firming with PV, level change both, daily balance, unit commitment": lambda: _model_data(
        hydro_sim.lianghekou(),
        _with(
            lianghekou_week().window(start_h=0, hours=24),
            delivery_mw=np.full(24, 2500.0),
            pv_available_mw=np.clip(800.0 * np.sin((np.arange(24) - 6) / 12 * np.pi), 0.0, None),
        ),
        {
            "objective": "firming",
            "max_level_change_upper_m_per_h": 0.5,
            "max_level_change_lower_m_per_h": 1.0,
            "pump_generate_balance": "day",
            "unit_commitment": True,
        },
    ),
}


@pytest.mark.parametrize("model", list(FULL_MODELS))
def test_same_columns_rows_and_costs_as_the_highs_build(model: str) -> None:
    """Term by term: under "firming" and "tracking" the HiGHS build keeps the line as a column, so the two
    backends must hold the very same columns, bounds, costs, integrality, rows and coefficients."""
    d = FULL_MODELS[model]()
    h_cols, h_rows = _highs_model(d)
    p_cols, p_rows = _pulp_model(d)
    assert sorted(p_cols) == sorted(h_cols)
    for name, (lb, ub, cost, integer) in h_cols.items():
        assert p_cols[name] == (
            pytest.approx(lb, rel=1e-12),
            pytest.approx(ub, rel=1e-12),
            pytest.approx(cost, rel=1e-12, abs=1e-12),
            integer,
        ), name
    assert sorted(p_rows) == sorted(h_rows)
    for name, (coefs, lo, hi) in h_rows.items():
        p_coefs, p_lo, p_hi = p_rows[name]
        assert p_coefs == pytest.approx(coefs, rel=1e-12), name
        assert (p_lo, p_hi) == (
            pytest.approx(lo, rel=1e-12, abs=1e-12),
            pytest.approx(hi, rel=1e-12, abs=1e-12),
        ), name


# ---- the PuLP backend on its own ----------------------------------------------------------------------------


def test_variable_and_constraint_names_read_like_the_algebra() -> None:
    plant, scenario, options = CASES["pumped storage, unit commitment"]()
    d = _model_data(
        plant, scenario, {**options, "max_level_change_upper_m_per_h": 0.1, "pump_generate_balance": "day"}
    )
    prob, x = _pulp.legacy_build_problem(d)
    assert list(x) == d.col_names
    assert {v.name for v in x["v_up"]} == {f"v_up_{t}" for t in range(d.T)}
    names = {c.name for c in prob.constraints()}
    for expected in (
        "bal_up_0",
        "bal_lo_23",
        "power_5",
        "dlev_up_rise_0",
        "dlev_up_fall_23",
        "pgbal_0",
        "uc_gen_min_3",
        "uc_gen_max_3",
        "uc_gen_flow_3",
        "uc_pump_min_3",
        "uc_mode_gen_3",
        "uc_mode_pump_3",
    ):
        assert expected in names
    assert x["y_gen"][0].cat == pulp.LpInteger and (x["y_gen"][0].lowBound, x["y_gen"][0].upBound) == (0, 1)
    # t = 0 balance: v_up[0] + c·(Q_gen + S − Q_pump) = c·I_up[0] + v_up0
    row = prob.get_constraint_by_name("bal_up_0")
    assert -row.constant == pytest.approx(d.c * d.inflow_up[0] + d.v_up0)


def _three_weeks_of_daily_prices(seed: int) -> Scenario:
    """21 days, each with its own price level (dearer from 9 h) and inflow: the lake of the textbook plant
    runs against its limits at steps in between, not only at the end."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2030-01-01", periods=21 * 24, freq="h")
    price = np.repeat(rng.uniform(50.0, 500.0, 21), 24) * np.where(idx.hour > 8, 1.5, 1.0)
    inflow = np.repeat(rng.uniform(5.0, 150.0, 21), 24)
    return Scenario(
        inflow_upper_m3s=pd.Series(inflow, index=idx), price_cny_per_mwh=pd.Series(price, index=idx)
    )


@pytest.mark.parametrize(("seed", "level_masl"), [(0, 105.5), (3, 119.0), (5, 105.5)])
def test_checkpoint_relaxation_has_the_optimum_of_the_model_itself(seed: int, level_masl: float) -> None:
    """The HiGHS backend sums the upper balances between checkpoints and adds the steps whose recomputed
    volume leaves its bounds as checkpoints: it must end at the optimum of the model itself, with values
    that satisfy every row and bound of it."""
    d = _model_data(textbook_plant(initial_level_masl=level_masl), _three_weeks_of_daily_prices(seed), {})
    fast, _ = _highs.solve(d)
    blocks, _ = _highs.build(d)
    h = _highs.new_highs()
    blocks.pass_to(h)
    h.run()
    itself = h.getInfo().objective_function_value
    assert fast.status == "optimal"
    assert 1 < fast.basis.checkpoints.size < d.T  # some steps became checkpoints, not all
    assert _rel(fast.objective_cny, itself) <= OBJECTIVE_REL_TOL
    assert _rel(_check_in_highs_model(d, fast.values), itself) <= OBJECTIVE_REL_TOL


def test_year_builds_every_row() -> None:
    idx = pd.date_range("2030-01-01", periods=8760, freq="h")
    scenario = Scenario(
        inflow_upper_m3s=pd.Series(600.0, index=idx),
        inflow_lower_m3s=pd.Series(5.0, index=idx),
        price_cny_per_mwh=pd.Series(np.where(idx.hour < 8, 160.0, 640.0), index=idx),
    )
    plant = hydro_sim.lianghekou()
    d = _model_data(plant, scenario, {"pump_generate_balance": "day", "max_level_change_lower_m_per_h": 1.0})
    prob, _ = _pulp.legacy_build_problem(d)
    # (its build time belongs in benchmarks/bench_dispatch.py, not in a unit test)
    assert len(prob.constraints()) == 8760 * 3 + 2 * 8760 + 365  # balances, power, level change, days


def test_unit_commitment_reports_the_gap_when_the_solver_does() -> None:
    plant, scenario, options = CASES["pumped storage, unit commitment"]()
    d = _model_data(plant, scenario, options)
    highs_gap = _pulp.solve(d, solver="HiGHS").mip_gap
    assert highs_gap is not None and 0.0 <= highs_gap <= 1e-9
    cbc = _pulp.solve(d, solver="PULP_CBC_CMD")
    assert cbc.status == "optimal" and cbc.mip_gap is None and cbc.dual_bal_up is None


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_case_is_a_status_with_a_diagnosis(solver: str) -> None:
    # No inflow, yet 50 m³/s must leave all day and the lake must end where it started.
    plant = textbook_plant(environmental_min_flow_m3s=50.0)
    scenario = constant_scenario(hours=24, inflow_upper_m3s=0.0)
    res = dispatch(plant, scenario, backend="pulp", solver=solver)
    assert res.status == "infeasible"
    assert res.diagnosis is not None and "end volume of the upper reservoir" in res.message


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_is_a_status(solver: str) -> None:
    # A week of unit commitment at Lianghekou to a 1e-9 gap takes HiGHS more than half a second.
    d = _model_data(
        hydro_sim.lianghekou(),
        lianghekou_week(),
        {"unit_commitment": True, "mip_rel_gap": 1e-9, "time_limit_s": 0.01},
    )
    raw = _pulp.solve(d, solver=solver)
    assert raw.status == "time_limit"
    assert raw.values == {} or all(v.shape == (d.T,) for v in raw.values.values())


@pytest.mark.parametrize(
    ("status", "sol_status", "time_limited", "expected"),
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, False, "optimal"),
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, True, "optimal"),
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, True, "time_limit"),  # CBC "Stopped on time"
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, True, "time_limit"),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, False, "error"),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, False, "infeasible"),
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, False, "unbounded"),
        (pulp.LpStatusUndefined, pulp.LpSolutionNoSolutionFound, False, "error"),
    ],
)
def test_status_mapping(status: int, sol_status: int, time_limited: bool, expected: str) -> None:
    assert _pulp._status(status, sol_status, time_limited) == expected


def test_unknown_solver_is_an_input_error_naming_the_available_ones() -> None:
    plant, scenario, _ = CASES["pumped storage, revenue"]()
    with pytest.raises(HydroSimInputError, match=r"`solver` \('NO_SUCH_SOLVER'\).*PULP_CBC_CMD.*HiGHS"):
        dispatch(plant, scenario, backend="pulp", solver="NO_SUCH_SOLVER")


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_leaves_no_files_in_the_working_directory(
    solver: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    plant, scenario, _ = CASES["pumped storage, revenue"]()
    assert dispatch(plant, scenario, backend="pulp", solver=solver).status == "optimal"
    assert os.listdir(tmp_path) == []


def test_solvers_do_not_print() -> None:
    # A fresh interpreter: HiGHS prints its banner at its first construction in a process only.
    code = (
        "from hydro_sim.optimise import dispatch\n"
        "from hydro_sim.examples import small_pumped_storage, two_price_day\n"
        "for s in ('HiGHS', 'PULP_CBC_CMD'):\n"
        "    assert dispatch(small_pumped_storage(), two_price_day(), backend='pulp', solver=s).success\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


# ---- export -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_model_writes_a_file_that_holds_the_model(suffix: str, tmp_path: Path) -> None:
    plant, scenario, options = CASES["textbook, ramp limit"]()
    path = export_model(plant, scenario, tmp_path / f"textbook{suffix}", **_fixed(options))
    assert path == tmp_path / f"textbook{suffix}" and path.stat().st_size > 0
    h = _highs.new_highs()
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    prob, _ = _pulp.legacy_build_problem(_model_data(plant, scenario, options))
    assert (h.getNumCol(), h.getNumRow()) == (len(prob.variables()), len(prob.constraints()))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    expected = dispatch(plant, scenario, **_fixed(options)).objective_cny
    assert _rel(-h.getInfo().objective_function_value, expected) <= OBJECTIVE_REL_TOL


@pytest.mark.parametrize("name", ["model.txt", "model", "model.lp.gz"])
def test_export_model_refuses_other_suffixes(name: str, tmp_path: Path) -> None:
    plant, scenario, _ = CASES["pumped storage, revenue"]()
    with pytest.raises(HydroSimInputError, match=r"`path`.*\.lp or \.mps"):
        export_model(plant, scenario, tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_export_model_validates_like_dispatch(tmp_path: Path) -> None:
    plant, scenario, _ = CASES["pumped storage, revenue"]()
    with pytest.raises(HydroSimInputError, match="`objective`"):
        export_model(plant, scenario, tmp_path / "m.lp", objective="profit")
    with pytest.raises(HydroSimInputError, match="`options`.*no_such_option"):
        export_model(plant, scenario, tmp_path / "m.lp", no_such_option=1)
