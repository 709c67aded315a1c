"""Layer 3: backend against backend, through the api.

``dispatch(plant, …, backend="pulp")`` (solved by CBC and by HiGHS through PuLP) against
``backend="highs"`` on the same Plant: same optimum, the water balance closing from the schedule, the same
schedule where the optimum is unique, the same water values, and the api's statuses, messages and files.
The api hands a Plant to the PuLP backend as the legacy two-reservoir ModelData for now
(``_frames.solve_legacy_pulp``); the comparisons run both on that route and on the network PuLP backend fed
the api's NetworkModelData (fixture ``pulp_route``). The network models themselves are compared term by
term and solution by solution in ``tests/test_pulp_network.py``.

Most of these small cases have many optimal schedules (with two flat price levels, any of the equally
priced hours may take the generation), and the two backends — even HiGHS behind both, since PuLP orders
the columns by name — pick different ones. So the schedules are compared on the same case with prices
tilted up by ``PRICE_TILT`` over the horizon (which breaks every tie): the volumes must agree.
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

import hydro_sim
from hydro_sim import HydroSimInputError, Scenario
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.network import network_of
from hydro_sim.optimise import _highs, _pulp, api, dispatch, export_model
from hydro_sim.optimise._data import DispatchOptions, build_network_data, initial_heads
from hydro_sim.optimise._formulation import build_model

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
    assert sc.price_per_mwh is not None
    n = sc.n_steps
    return _with(sc, price_per_mwh=sc.price_per_mwh.to_numpy() * (1.0 + PRICE_TILT * np.arange(n) / n))


def _textbook_day() -> Scenario:
    return constant_scenario(hours=48, inflow_upper_m3s=50.0, price_per_mwh=200.0)


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
        price_per_mwh=pd.Series(400.0 * factor, index=idx),
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
        price_per_mwh=pd.Series(np.where(np.arange(48) < 24, 100.0, 300.0), index=idx),
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
            "water_value_upper_per_hm3": 5.0e4,
            "water_value_lower_per_hm3": 1.0e3,
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


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


@pytest.fixture(params=["api route", "network backend"])
def pulp_route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The PuLP backend as the api reaches it today (a Plant handed over as the legacy ModelData), and the
    network PuLP backend on the api's own NetworkModelData (``_pulp.solve(data)``, the route once the api
    hands every model over that way)."""
    if request.param == "network backend":
        original = api._solve

        def route(data: Any, opts: Any, *args: Any, **kwargs: Any) -> Any:
            if opts.backend == "pulp":
                return _pulp.solve(data, solver=opts.solver)
            return original(data, opts, *args, **kwargs)

        monkeypatch.setattr(api, "_solve", route)
    return str(request.param)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(CASES))
def test_same_optimum(case: str, solver: str, pulp_route: str) -> None:
    plant, scenario, options = CASES[case]()
    fast = dispatch(plant, scenario, backend="highs", **_fixed(options))
    readable = dispatch(plant, scenario, backend="pulp", solver=solver, **_fixed(options))
    assert (fast.status, readable.status) == ("optimal", "optimal")
    assert _rel(readable.objective_value, fast.objective_value) <= OBJECTIVE_REL_TOL, (
        readable.objective_value,
        fast.objective_value,
    )


#: Water balance per step from the schedule's columns (the issue's bound). [hm³]
BALANCE_TOL_HM3 = 1e-6


@pytest.mark.parametrize("backend, solver", [("highs", None)] + [("pulp", s) for s in SOLVERS])
@pytest.mark.parametrize("case", list(CASES))
def test_water_balance_closes_from_the_schedule(
    case: str, backend: str, solver: str | None, pulp_route: str
) -> None:
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
def test_same_schedule_when_the_optimum_is_unique(case: str, solver: str, pulp_route: str) -> None:
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
def test_same_water_values(case: str, solver: str, tilt: bool, pulp_route: str) -> None:
    plant, scenario, options = CASES[case]()
    if tilt:
        scenario = _tilted(scenario)
    fast = dispatch(plant, scenario, backend="highs", **_fixed(options)).schedule
    readable = dispatch(plant, scenario, backend="pulp", solver=solver, **_fixed(options)).schedule
    for column in ("water_value_upper_per_hm3", "water_value_lower_per_hm3"):
        a, b = readable[column].to_numpy(), fast[column].to_numpy()
        scale = max(1.0, float(np.max(np.abs(b))))
        assert np.max(np.abs(a - b)) <= DUAL_REL_TOL * scale, (column, a[:5], b[:5])
    # The water value of the upper reservoir is that of the energy it holds: positive and not trivial.
    assert fast["water_value_upper_per_hm3"].min() > 0.0


# ---- the HiGHS backend's checkpoint relaxation -------------------------------------------------------------


def _three_weeks_of_daily_prices(seed: int) -> Scenario:
    """21 days, each with its own price level (dearer from 9 h) and inflow: the lake of the textbook plant
    runs against its limits at steps in between, not only at the end."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2030-01-01", periods=21 * 24, freq="h")
    price = np.repeat(rng.uniform(50.0, 500.0, 21), 24) * np.where(idx.hour > 8, 1.5, 1.0)
    inflow = np.repeat(rng.uniform(5.0, 150.0, 21), 24)
    return Scenario(inflow_upper_m3s=pd.Series(inflow, index=idx), price_per_mwh=pd.Series(price, index=idx))


@pytest.mark.parametrize(("seed", "level_masl"), [(0, 105.5), (3, 119.0), (5, 105.5)])
def test_checkpoint_relaxation_has_the_optimum_of_the_model_itself(seed: int, level_masl: float) -> None:
    """The HiGHS backend sums the lake's balances between checkpoints and adds the steps whose recomputed
    volume leaves its bounds as checkpoints: it must end at the optimum of the model itself, with values
    that satisfy every row and bound of it."""
    net, scenario = (
        network_of(textbook_plant(initial_level_masl=level_masl)),
        _three_weeks_of_daily_prices(seed),
    )
    d = build_network_data(net, scenario, DispatchOptions(), initial_heads(net, scenario.n_steps))
    fast, _ = _highs.solve(d)
    lp = build_model(d)
    h = _highs.new_highs()
    lp.pass_to(h)
    h.run()
    itself = h.getInfo().objective_function_value
    assert fast.status == "optimal" and fast.basis is not None
    assert 1 < fast.basis.checkpoints[0].size < d.T  # some steps became checkpoints, not all
    assert _rel(fast.objective_value, itself) <= OBJECTIVE_REL_TOL
    x = np.concatenate([fast.values[name] for name in lp.col_fam])
    tol = FEASIBILITY_REL_TOL * (1.0 + np.abs(x))
    assert np.all((x >= lp.col_lb - tol) & (x <= lp.col_ub + tol))
    a = lp.matrix()
    activity, scale = a @ x, 1.0 + abs(a) @ np.abs(x)
    assert np.all(
        (activity >= lp.row_lb - FEASIBILITY_REL_TOL * scale)
        & (activity <= lp.row_ub + FEASIBILITY_REL_TOL * scale)
    )
    assert _rel(float(lp.cost @ x), itself) <= OBJECTIVE_REL_TOL


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_case_is_a_status_with_a_diagnosis(solver: str, pulp_route: str) -> None:
    # No inflow, yet 50 m³/s must leave all day and the lake must end where it started.
    plant = textbook_plant(environmental_min_flow_m3s=50.0)
    scenario = constant_scenario(hours=24, inflow_upper_m3s=0.0)
    res = dispatch(plant, scenario, backend="pulp", solver=solver)
    assert res.status == "infeasible"
    assert res.diagnosis is not None and "end volume of the upper reservoir" in res.message


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
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    expected = dispatch(plant, scenario, **_fixed(options)).objective_value
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
