"""The PuLP backend on the network model against the HiGHS backend, on networks built here by hand.

Both read the same :class:`~hydro_sim.optimise._data.NetworkModelData`. The PuLP problem (``_pulp``, solved
by CBC and by HiGHS through PuLP) is compared with the model of ``_formulation.build_model`` term by term,
and its solutions with those of ``_highs.solve`` (HiGHS on the reformulated model): same optimum (1e-6
relative), each schedule feasible and optimal in the other backend's model, the same schedule and water
values where the optimum is unique (prices tilted over the horizon), and every reservoir's water balance
closing per step (``Network.water_balance_error_hm3``).

These tests drive the backends directly through ``build_network_data``; the three-reservoir cascade's inflows come by reservoir name.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
import pulp
import pytest

import hydro_sim
from hydro_sim import Scenario
from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TurbineLink,
    network_of,
)
from hydro_sim.optimise import _highs, _pulp, api, dispatch
from hydro_sim.optimise._data import (
    DispatchOptions,
    NetworkModelData,
    build_network_data,
    heads_from_solution,
    initial_heads,
)
from hydro_sim.optimise._formulation import LP, build_model
from hydro_sim.plant import LevelVolumeCurve, PumpTurbineGroup, Reservoir, TurbineGroup

#: DESIGN.md §4: same model, same optimum. CBC hands PuLP its solution with 8 significant digits. [-]
OBJECTIVE_REL_TOL = 1e-6
#: Volumes agree to this fraction of the reservoir's volume range; flows to this fraction of the column's
#: largest flow (plus 1 m³/s). [-]
SCHEDULE_REL_TOL = 1e-6
#: Water values agree to this fraction of the largest one. [-]
DUAL_REL_TOL = 1e-6
#: A row or bound holds if broken by less than this fraction of the row's scale (Σ|a·x| + 1). [-]
FEASIBILITY_REL_TOL = 1e-6
#: The issue's bound on each reservoir's water balance per step. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: Prices rise by this fraction over the horizon, so that no two hours are worth the same. [-]
PRICE_TILT = 1e-3
SOLVERS = ("PULP_CBC_CMD", "HiGHS")


# ---- scenarios ------------------------------------------------------------------------------------------------
def _with(sc: Scenario, **series: Any) -> Scenario:
    frame = sc.to_frame()
    for name, values in series.items():
        frame[name] = np.asarray(values, dtype=float)
    return Scenario.from_frame(frame, name=sc.name)


def _tilted(sc: Scenario) -> Scenario:
    assert sc.price_per_mwh is not None
    n = sc.n_steps
    return _with(sc, price_per_mwh=sc.price_per_mwh.to_numpy() * (1.0 + PRICE_TILT * np.arange(n) / n))


def _two_price_days(hours: int = 48, inflow_m3s: float = 0.0) -> Scenario:
    """Cheap nights (23–07 h), dear afternoons (15–21 h), a middle price otherwise."""
    idx = pd.date_range("2030-01-07", periods=hours, freq="h")
    hour = idx.hour
    factor = np.where((hour >= 23) | (hour < 7), 0.4, np.where((hour >= 15) & (hour < 21), 1.6, 1.0))
    return Scenario(
        inflow_upper_m3s=pd.Series(inflow_m3s, index=idx),
        inflow_lower_m3s=pd.Series(0.0, index=idx),
        price_per_mwh=pd.Series(250.0 * factor, index=idx),
    )


def _lianghekou_days(hours: int = 48) -> Scenario:
    sc = _two_price_days(hours, inflow_m3s=300.0)
    return _with(sc, inflow_lower_m3s=np.full(hours, 5.0), price_per_mwh=sc.price_per_mwh.to_numpy() * 1.6)


# ---- networks built by hand -----------------------------------------------------------------------------------
def _lake(name: str, bottom_masl: float, hm3_per_m: float, lo: float, hi: float, start: float) -> Reservoir:
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(
            level_masl=(bottom_masl, bottom_masl + 20.0), volume_hm3=(0.0, 20.0 * hm3_per_m)
        ),
        min_level_masl=bottom_masl + lo,
        max_level_masl=bottom_masl + hi,
        initial_level_masl=bottom_masl + start,
    )


def two_groups() -> Network:
    """One lake (2 hm³/m) above two unit groups of different efficiency and loss, a spillway and a reach."""
    lake = _lake("lake", 300.0, 2.0, 2.0, 20.0, 10.0)
    old = TurbineGroup(
        name="old units",
        n_units=2,
        rated_power_mw=30.0,
        max_flow_m3s=25.0,
        efficiency=0.86,
        min_power_mw=8.0,
        head_loss_coefficient_s2_per_m5=0.004,
    )
    new = TurbineGroup(
        name="new units",
        n_units=1,
        rated_power_mw=60.0,
        max_flow_m3s=45.0,
        efficiency=0.93,
        min_power_mw=20.0,
        head_loss_coefficient_s2_per_m5=0.001,
    )
    return Network(
        name="two groups",
        reservoirs=(lake,),
        sinks=(RiverSink(name="river", tailwater_level_masl=180.0, environmental_min_flow_m3s=4.0),),
        links=(
            TurbineLink(units=old, from_node="lake", to_node="river"),
            TurbineLink(units=new, from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
        line=hydro_sim.GridLine(capacity_mw=80.0),
    )


def cascade() -> Network:
    """Three reservoirs in a row: Top's units into Middle, a pump-turbine pair between Middle and Bottom,
    Bottom's units and a ramped outlet into the river; a spillway on each reservoir."""
    top = _lake("Top", 500.0, 2.5, 2.0, 20.0, 10.0)
    middle = _lake("Middle", 300.0, 2.0, 1.0, 20.0, 10.0)
    bottom = _lake("Bottom", 200.0, 1.0, 0.5, 10.0, 5.0)
    top_units = TurbineGroup(
        name="Top units",
        n_units=2,
        rated_power_mw=60.0,
        max_flow_m3s=40.0,
        efficiency=0.9,
        min_power_mw=15.0,
        head_loss_coefficient_s2_per_m5=0.002,
    )
    pair = PumpTurbineGroup(
        name="Middle pump-turbine",
        n_units=2,
        rated_power_mw=40.0,
        max_flow_m3s=45.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=40.0,
        pump_efficiency=0.88,
        pump_power_band_fraction=0.1,
        min_power_mw=10.0,
        head_loss_coefficient_s2_per_m5=0.001,
    )
    bottom_units = TurbineGroup(
        name="Bottom units", n_units=1, rated_power_mw=25.0, max_flow_m3s=60.0, efficiency=0.88
    )
    return Network(
        name="cascade",
        reservoirs=(top, middle, bottom),
        sinks=(RiverSink(name="river", tailwater_level_masl=150.0),),
        links=(
            TurbineLink(units=top_units, from_node="Top", to_node="Middle"),
            Spillway(name="Top spillway", from_node="Top", to_node="Middle"),
            PumpTurbineLink(units=pair, upper="Middle", lower="Bottom"),
            Spillway(name="Middle spillway", from_node="Middle", to_node="Bottom"),
            TurbineLink(units=bottom_units, from_node="Bottom", to_node="river"),
            Release(
                name="Bottom outlet",
                from_node="Bottom",
                to_node="river",
                environmental_min_flow_m3s=3.0,
                max_flow_m3s=80.0,
                max_ramp_m3s_per_h=4.0,
            ),
            Spillway(name="Bottom spillway", from_node="Bottom", to_node="river", cost_per_hm3=50.0),
        ),
        line=hydro_sim.GridLine(
            capacity_mw=400.0
        ),  # never binding: with a binding line, which plant runs when is a tie
    )


#: Natural inflow of the cascade's reservoirs (Top, Middle, Bottom). [m³/s]
CASCADE_INFLOW_M3S = (30.0, 6.0, 1.0)


def data(
    net: Network,
    scenario: Scenario,
    inflow_m3s: tuple[float, ...] | None = None,
    heads: Any = None,
    opts: DispatchOptions | None = None,
    **options: Any,
) -> NetworkModelData:
    """The model's numbers at the initial heads (or ``heads``) with ``opts`` (or the DispatchOptions of
    ``options``); ``inflow_m3s`` per reservoir, constant (None: the scenario's)."""
    opts = DispatchOptions(**options) if opts is None else opts
    heads = initial_heads(net, scenario.n_steps) if heads is None else heads
    if inflow_m3s is None:
        return build_network_data(net, scenario, opts, heads)
    idx = scenario.index
    rest = ("price_per_mwh", "pv_available_mw", "wind_available_mw", "delivery_mw", "line_capacity_mw")
    named = Scenario(
        inflow_m3s={r: pd.Series(q, index=idx) for r, q in zip(net.reservoir_names, inflow_m3s, strict=True)},
        **{f: getattr(scenario, f) for f in rest},
        name=scenario.name,
    )
    return build_network_data(net, named, opts, heads)


@dataclass(frozen=True)
class Case:
    """A network, a scenario, constant inflows per reservoir (None: the scenario's), options, and how many
    times the model is rebuilt at the heads of the previous HiGHS optimum (the LP a successive-head
    iteration solves, with heads that vary over the horizon).

    With ``plant`` the network is ``network_of(plant)`` and ``options`` are keywords of ``dispatch()``
    (``water_value_upper_per_hm3``, …), turned into DispatchOptions as dispatch() turns them."""

    net: Network
    scenario: Scenario
    inflow_m3s: tuple[float, ...] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    successive_rounds: int = 0
    plant: hydro_sim.Plant | None = None

    def dispatch_options(self) -> DispatchOptions:
        if self.plant is None:
            return DispatchOptions(**self.options)
        defaults = {
            name: p.default
            for name, p in inspect.signature(dispatch).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        _, _, opts = api._validate(self.plant, self.scenario, {**defaults, **self.options})
        return opts

    def data(self, tilt: bool = False) -> NetworkModelData:
        """The model's numbers, with prices tilted over the horizon (``tilt``) or as given."""
        sc = _tilted(self.scenario) if tilt else self.scenario
        opts = self.dispatch_options()
        d = data(self.net, sc, self.inflow_m3s, opts=opts)
        for _ in range(self.successive_rounds):
            raw, _ = _highs.solve(d)
            assert raw.status == "optimal"
            heads = heads_from_solution(
                self.net, volumes(d, raw.values), sink_flows(d, column_flows(d, raw.values))
            )
            d = data(self.net, sc, self.inflow_m3s, heads, opts=opts)
        return d


def plant_case(plant: hydro_sim.Plant, scenario: Scenario, **dispatch_options: Any) -> Case:
    return Case(network_of(plant), scenario, options=dispatch_options, plant=plant)


def case(net: Network, scenario: Scenario, inflow: tuple[float, ...] | None = None, **options: Any) -> Case:
    return Case(net, scenario, inflow, options)


LIANGHEKOU = network_of(hydro_sim.lianghekou())
TEXTBOOK = network_of(textbook_plant())
CASCADE = cascade()
CASES: dict[str, Case] = {
    "textbook": case(TEXTBOOK, constant_scenario(hours=48, inflow_upper_m3s=50.0, price_per_mwh=200.0)),
    "textbook, release ramp binding, join ramp": case(
        network_of(textbook_plant(max_ramp_m3s_per_h=10.0)),
        _two_price_days(48, inflow_m3s=50.0),
        previous_flow_m3s={"river": 5.0},
    ),
    "textbook, firming with PV and wind": case(
        TEXTBOOK,
        _with(
            _two_price_days(48, inflow_m3s=50.0),
            delivery_mw=np.where(np.arange(48) % 24 < 12, 30.0, 90.0),
            pv_available_mw=np.clip(40.0 * np.sin((np.arange(48) % 24 - 6) / 12 * np.pi), 0.0, None),
            wind_available_mw=np.where(np.arange(48) % 24 < 6, 20.0, 5.0),
        ),
        objective="firming",
    ),
    "textbook, tracking": case(
        TEXTBOOK,
        _with(
            _two_price_days(48, inflow_m3s=50.0), delivery_mw=np.where(np.arange(48) % 24 < 12, 30.0, 90.0)
        ),
        objective="tracking",
    ),
    "Lianghekou hybrid, fixed head": case(LIANGHEKOU, _lianghekou_days(48)),
    "Lianghekou hybrid, successive head": Case(LIANGHEKOU, _lianghekou_days(48), successive_rounds=2),
    "Lianghekou hybrid, daily balance and level change": case(
        LIANGHEKOU,
        _lianghekou_days(48),
        pump_generate_balance="day",
        max_level_change_m_per_h={"Yagen-I": 0.5},
    ),
    "two unit groups on one lake": case(two_groups(), _two_price_days(48, inflow_m3s=40.0)),
    "cascade with a pump-turbine pair": case(CASCADE, _two_price_days(48), CASCADE_INFLOW_M3S),
    "cascade, water values, level change, generation cap": case(
        CASCADE,
        _two_price_days(48),
        CASCADE_INFLOW_M3S,
        end="water_value",
        water_value_per_hm3={"Top": 9.0e4, "Middle": 5.0e4, "Bottom": 1.0e4},
        max_level_change_m_per_h={"Middle": 0.3},
        max_daily_generating_hours=4.0,
    ),
    "cascade, successive head": Case(CASCADE, _two_price_days(48), CASCADE_INFLOW_M3S, successive_rounds=2),
    "pumped storage, unit commitment": case(
        network_of(small_pumped_storage(n_units=2)), two_price_day(), unit_commitment=True, mip_rel_gap=0.0
    ),
    "cascade, unit commitment": case(
        CASCADE, _two_price_days(24), CASCADE_INFLOW_M3S, unit_commitment=True, mip_rel_gap=0.0
    ),
    # a Plant's network with the options of dispatch() (the api's translation to element names)
    "pumped storage, end fixed": plant_case(small_pumped_storage(), two_price_day(), end="fixed"),
    "pumped storage, end water value": plant_case(
        small_pumped_storage(),
        two_price_day(),
        end="water_value",
        water_value_upper_per_hm3=5.0e4,
        water_value_lower_per_hm3=1.0e3,
    ),
    "pumped storage, level-change limit": plant_case(
        small_pumped_storage(), two_price_day(), max_level_change_upper_m_per_h=0.1
    ),
    "pumped storage, daily balance binding": plant_case(
        small_pumped_storage(),
        _with(_two_price_days(48), price_per_mwh=np.where(np.arange(48) < 24, 100.0, 300.0)),
        pump_generate_balance="day",
    ),
}
UC_CASES = ("pumped storage, unit commitment", "cascade, unit commitment")
LP_CASES = [c for c in CASES if c not in UC_CASES]
#: LP cases whose water values are not unique even with tilted prices: a pure pumped store balanced per day
#: (no inflow) can carry the value of its water in either reservoir's balance rows or in the day's row.
DUAL_CASES = [c for c in LP_CASES if c != "pumped storage, daily balance binding"]
#: Models compared term by term only (every row family at once; not solved here).
TERM_CASES: dict[str, Case] = {
    **CASES,
    "textbook: firming, PV and wind, ramp, level change, unit commitment, water value": plant_case(
        textbook_plant(max_ramp_m3s_per_h=10.0),
        CASES["textbook, firming with PV and wind"].scenario,
        objective="firming",
        max_level_change_upper_m_per_h=0.05,
        unit_commitment=True,
        end="water_value",
        water_value_upper_per_hm3=3.0e4,
    ),
    "pumped storage: tracking, level change both, daily balance, unit commitment, end fixed": plant_case(
        small_pumped_storage(n_units=2),
        _with(_two_price_days(48), delivery_mw=np.full(48, 20.0)),
        objective="tracking",
        max_level_change_upper_m_per_h=0.1,
        max_level_change_lower_m_per_h=0.2,
        pump_generate_balance="day",
        unit_commitment=True,
        end="fixed",
        loss_segments=3,
    ),
    "Lianghekou day: firming with PV, level change both, daily balance, unit commitment, join": plant_case(
        hydro_sim.lianghekou(),
        _with(
            _lianghekou_days(24),
            delivery_mw=np.full(24, 2500.0),
            pv_available_mw=np.clip(800.0 * np.sin((np.arange(24) - 6) / 12 * np.pi), 0.0, None),
        ),
        objective="firming",
        max_level_change_upper_m_per_h=0.5,
        max_level_change_lower_m_per_h=1.0,
        pump_generate_balance="day",
        unit_commitment=True,
        previous_release_m3s=100.0,
        max_daily_generating_hours=6.0,
    ),
}


# ---- reading a solution -----------------------------------------------------------------------------------
def column_flows(d: NetworkModelData, values: dict[str, np.ndarray]) -> np.ndarray:
    """(J, T) flow of each flow column (a unit column's chords summed). [m³/s]"""
    unit = {int(j) for j in d.unit_columns}
    return np.vstack(
        [
            sum(values[f"{col.name}-flow_{s}"] for s in range(d.S))
            if j in unit
            else values[f"{col.name}-flow"]
            for j, col in enumerate(d.columns)
        ]
    )


def volumes(d: NetworkModelData, values: dict[str, np.ndarray]) -> np.ndarray:
    return np.vstack([values[f"{name}-volume"] for name in d.reservoir_names])


def sink_flows(d: NetworkModelData, q: np.ndarray) -> np.ndarray:
    names = [k.name for k in d.network.sinks]
    out = np.zeros((len(names), d.T))
    for j, col in enumerate(d.columns):
        if col.to_node in names:
            out[names.index(col.to_node)] += q[j]
    return out


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


# ---- a solution checked against each model ------------------------------------------------------------------
def _x_of(lp: LP, values: dict[str, np.ndarray]) -> np.ndarray:
    x = np.zeros(lp.n_cols)
    for name, (off, n) in lp.col_fam.items():
        x[off : off + n] = values[name]
    return x


def check_in_formulation(d: NetworkModelData, values: dict[str, np.ndarray]) -> float:
    """Assert that the values keep every bound and row of ``build_model(d)``; return their cost."""
    lp = build_model(d)
    x = _x_of(lp, values)
    tol = FEASIBILITY_REL_TOL * (1.0 + np.abs(x))
    bad = np.flatnonzero((x < lp.col_lb - tol) | (x > lp.col_ub + tol))
    assert bad.size == 0, f"bounds broken at {[lp.col_names()[i] for i in bad[:5]]}"
    integer = lp.integer.astype(bool)
    assert np.all(np.abs(x[integer] - np.rint(x[integer])) <= FEASIBILITY_REL_TOL)
    a = lp.matrix().tocsr()
    activity = a @ x
    tol = FEASIBILITY_REL_TOL * (1.0 + abs(a) @ np.abs(x))
    bad = np.flatnonzero((activity < lp.row_lb - tol) | (activity > lp.row_ub + tol))
    if bad.size:
        i = int(bad[0])
        pytest.fail(
            f"row {lp.row_names()[i]} broken: {activity[i]!r} not in [{lp.row_lb[i]!r}, {lp.row_ub[i]!r}]"
        )
    return float(lp.cost @ x + lp.offset)


def check_in_pulp(d: NetworkModelData, values: dict[str, np.ndarray]) -> float:
    """Assert that the values keep every bound and constraint of the PuLP problem; return its objective."""
    m = _pulp.build_problem(d)
    for family, variables in m.x.items():
        for v, value in zip(variables, values[family].tolist(), strict=True):
            v.varValue = value
    for v in m.prob.variables():
        assert v.valid(FEASIBILITY_REL_TOL * (1.0 + abs(v.varValue))), (
            f"bound of {v.name} broken: {v.varValue!r}"
        )
    for c in m.prob.constraints():
        terms = [coef * v.varValue for v, coef in c.expr.items()]
        residual = sum(terms) + c.constant
        tol = FEASIBILITY_REL_TOL * (1.0 + sum(abs(t) for t in terms))
        ok = abs(residual) <= tol if c.sense == pulp.LpConstraintEQ else residual * c.sense >= -tol
        assert ok, f"constraint {c.name} ({m.names[c.name]}) broken by {residual!r}"
    return float(m.prob.objective.value())


# ---- the two backends agree ---------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", list(CASES))
def test_same_optimum_and_each_schedule_optimal_in_the_other_model(name: str, solver: str) -> None:
    d = CASES[name].data()
    fast, _ = _highs.solve(d)
    readable = _pulp.solve(d, solver=solver)
    assert (fast.status, readable.status) == ("optimal", "optimal")
    assert _rel(readable.objective_value, fast.objective_value) <= OBJECTIVE_REL_TOL, (
        readable.objective_value,
        fast.objective_value,
    )
    assert _rel(check_in_formulation(d, readable.values), fast.objective_value) <= OBJECTIVE_REL_TOL
    assert _rel(check_in_pulp(d, fast.values), readable.objective_value) <= OBJECTIVE_REL_TOL


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", list(CASES))
def test_same_schedule_when_the_optimum_is_unique(name: str, solver: str) -> None:
    d = CASES[name].data(tilt=True)
    fast, _ = _highs.solve(d)
    readable = _pulp.solve(d, solver=solver)
    assert (fast.status, readable.status) == ("optimal", "optimal")
    assert _rel(readable.objective_value, fast.objective_value) <= OBJECTIVE_REL_TOL
    for r, res in enumerate(d.network.reservoirs):
        span = res.max_volume_hm3 - res.min_volume_hm3
        gap = np.max(np.abs(volumes(d, readable.values)[r] - volumes(d, fast.values)[r]))
        assert gap <= SCHEDULE_REL_TOL * span, f"{res.name} volume differs by {gap} hm³"
    q_pulp, q_highs = column_flows(d, readable.values), column_flows(d, fast.values)
    for j, col in enumerate(d.columns):
        gap = np.max(np.abs(q_pulp[j] - q_highs[j]))
        assert gap <= SCHEDULE_REL_TOL * (1.0 + np.max(np.abs(q_highs[j]))), (
            f"{col.name} flow differs by {gap}"
        )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", DUAL_CASES)
def test_same_water_values_when_the_optimum_is_unique(name: str, solver: str) -> None:
    d = CASES[name].data(tilt=True)
    fast, _ = _highs.solve(d)
    readable = _pulp.solve(d, solver=solver)
    assert fast.balance_duals is not None and readable.balance_duals is not None
    assert readable.balance_duals.shape == (d.R, d.T)
    scale = max(1.0, float(np.max(np.abs(fast.balance_duals))))
    gap = np.max(np.abs(readable.balance_duals - fast.balance_duals))
    assert gap <= DUAL_REL_TOL * scale, gap


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", list(CASES))
def test_water_balance_closes_per_reservoir_and_step(name: str, solver: str) -> None:
    """CBC reads its solution back with 8 digits (~1e-4 hm³ on Lianghekou's volumes) until the backend
    re-accumulates the volumes from the balance rows' residuals; this fails without that."""
    d = CASES[name].data()
    raw = _pulp.solve(d, solver=solver)
    assert raw.status == "optimal"
    v = np.hstack([d.v0_hm3[:, None], volumes(d, raw.values)])
    err = d.network.water_balance_error_hm3(v, d.inflow_m3s, column_flows(d, raw.values), d.dt_h)
    assert err.shape == (d.R, d.T)
    assert np.max(np.abs(err)) <= BALANCE_TOL_HM3, np.max(np.abs(err), axis=1)


# ---- the same model, term by term ---------------------------------------------------------------------------
def formulation_terms(d: NetworkModelData) -> tuple[dict, dict]:
    """``build_model(d)`` by name: columns (family, i) → (lb, ub, cost, integer); rows (family, i) →
    (coefficients by column name, lb, ub)."""
    lp = build_model(d)
    col_key = [(name, i) for name, (_, n) in lp.col_fam.items() for i in range(n)]
    cols = {
        col_key[j]: (lp.col_lb[j], lp.col_ub[j], lp.cost[j], bool(lp.integer[j])) for j in range(lp.n_cols)
    }
    a = lp.matrix().tocsr()
    rows: dict[tuple[str, int], tuple] = {}
    for name, (off, n) in lp.row_fam.items():
        for i in range(n):
            row = a.getrow(off + i)
            coefs = {col_key[j]: v for j, v in zip(row.indices, row.data, strict=True) if v != 0.0}
            rows[(name, i)] = (coefs, lp.row_lb[off + i], lp.row_ub[off + i])
    return cols, rows


def pulp_terms(d: NetworkModelData) -> tuple[dict, dict]:
    """The PuLP problem in the form of :func:`formulation_terms`, names read back through ``names`` (a ramp's
    row at step t is row t − 1 of the formulation, whose ramp rows start at t = 1), rise/fall pairs merged."""
    m = _pulp.build_problem(d)

    def key(name: str) -> tuple[str, int]:
        e = m.names[name]
        return e.model_family, e.entry - 1 if e.family == "ramp" else e.entry

    cols = {
        key(v.name): (
            -np.inf if v.lowBound is None else v.lowBound,
            np.inf if v.upBound is None else v.upBound,
            m.prob.objective.get(v, 0.0),
            v.cat == pulp.LpInteger,
        )
        for v in m.prob.variables()
    }
    rows: dict[tuple[str, int], tuple] = {}
    for c in m.prob.constraints():
        name = c.name
        coefs = {key(v.name): a for v, a in c.expr.items() if a != 0.0}
        rhs = -c.constant
        lo = rhs if c.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -np.inf
        hi = rhs if c.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else np.inf
        k = key(name)
        if k in rows:  # the other half of a ranged row
            other = rows[k]
            assert m.names[name].side and other[0] == coefs, f"{name}: the rise and fall rows differ"
            lo, hi = max(lo, other[1]), min(hi, other[2])
        rows[k] = (coefs, lo, hi)
    return cols, rows


@pytest.mark.parametrize("name", list(TERM_CASES))
def test_same_columns_rows_and_costs_as_the_formulation(name: str) -> None:
    d = TERM_CASES[name].data()
    f_cols, f_rows = formulation_terms(d)
    p_cols, p_rows = pulp_terms(d)
    assert sorted(p_cols) == sorted(f_cols)
    for k, (lb, ub, cost, integer) in f_cols.items():
        assert p_cols[k] == (
            pytest.approx(lb, rel=1e-12),
            pytest.approx(ub, rel=1e-12),
            pytest.approx(cost, rel=1e-12, abs=1e-12),
            integer,
        ), k
    assert sorted(p_rows) == sorted(f_rows)
    for k, (coefs, lo, hi) in f_rows.items():
        p_coefs, p_lo, p_hi = p_rows[k]
        assert p_coefs == pytest.approx(coefs, rel=1e-12), k
        assert (p_lo, p_hi) == (
            pytest.approx(lo, rel=1e-12, abs=1e-9),
            pytest.approx(hi, rel=1e-12, abs=1e-9),
        ), k


# ---- hand-derived optima and binding limits ---------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS)
def test_textbook_optimum_by_hand(solver: str) -> None:
    """At one price and a fixed head without losses every m³ is worth the same: the units turbine the inflow
    (50 m³/s) at the initial gross head 115 − 20 = 95 m, and the lake ends where it started.
    Revenue = 200 CNY/MWh · 48 h · ρgη·50·95/10⁶ MW (the project's g = 9.81 m/s²)."""
    d = CASES["textbook"].data()
    raw = _pulp.solve(d, solver=solver)
    power_mw = RHO_WATER_KG_M3 * G_M_S2 * 0.9 * 50.0 * 95.0 / W_PER_MW
    assert raw.objective_value == pytest.approx(-200.0 * 48 * power_mw, rel=1e-9)
    assert volumes(d, raw.values)[0, -1] == pytest.approx(d.v0_hm3[0], abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_release_ramp_binds_and_holds_across_the_join(solver: str) -> None:
    """The reach below the textbook lake may change by 10 m³/s per hour; the dear afternoon wants more than
    the ramp allows, so it binds, and the first step starts within 10 m³/s of the 5 m³/s before the window."""
    name = "textbook, release ramp binding, join ramp"
    d = CASES[name].data()
    raw = _pulp.solve(d, solver=solver)
    q = raw.values["river-flow"]
    step = np.abs(np.diff(q))
    tol = FEASIBILITY_REL_TOL * (1.0 + np.max(q))  # CBC's 8 digits on flows of ~100 m³/s
    assert np.max(step) <= 10.0 + tol
    assert np.sum(step >= 10.0 - tol) >= 4  # binding on the way up and down each day
    assert abs(q[0] - 5.0) <= 10.0 + tol
    free = _pulp.solve(data(TEXTBOOK, CASES[name].scenario), solver=solver)
    assert free.objective_value < raw.objective_value - 1.0  # the ramp costs revenue
    # from 60 m³/s before the window, the cheap first night hour cannot drop below 50 m³/s
    joined = _pulp.solve(
        data(CASES[name].net, CASES[name].scenario, previous_flow_m3s={"river": 60.0}), solver=solver
    )
    assert joined.values["river-flow"][0] == pytest.approx(50.0, abs=tol)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", UC_CASES)
def test_unit_commitment_keeps_whole_units_one_mode_minimum_output_and_pump_band(
    name: str, solver: str
) -> None:
    d = CASES[name].data()
    raw = _pulp.solve(d, solver=solver)
    assert raw.status == "optimal"
    for g in d.unit_groups:
        u = raw.values[f"{g.name}-units"]
        assert np.all(np.abs(u - np.rint(u)) <= 1e-6) and np.all((u >= -1e-9) & (u <= g.n_units + 1e-9))
        p = sum(d.seg_slope_mw_per_m3s[g.unit, s] * raw.values[f"{g.name}-flow_{s}"] for s in range(d.S))
        tol = 1e-6 * (1.0 + g.p_max_mw * g.n_units)
        assert np.all(p >= g.p_min_mw * np.rint(u) - tol) and np.all(p <= g.p_max_mw * np.rint(u) + tol), (
            g.name
        )
    for pt in d.pump_turbines:
        gen = raw.values[f"{d.columns[pt.generate].name}-units"]
        pump = raw.values[f"{d.columns[pt.pump].name}-units"]
        assert not np.any((np.rint(gen) > 0) & (np.rint(pump) > 0)), pt.link
    assert raw.mip_gap is None if solver == "PULP_CBC_CMD" else 0.0 <= raw.mip_gap <= 1e-9
    assert raw.balance_duals is None  # a MILP has no water values


def test_names_read_like_the_algebra_and_map_back_to_elements() -> None:
    d = data(
        CASCADE,
        _two_price_days(24),
        CASCADE_INFLOW_M3S,
        unit_commitment=True,
        pump_generate_balance="day",
        max_level_change_m_per_h={"Middle": 0.3},
        previous_flow_m3s={"Bottom outlet": 10.0},
    )
    m = _pulp.build_problem(d)
    rows = {c.name for c in m.prob.constraints()}
    for expected in (
        "Top.balance(0)",
        "Middle.balance(23)",
        "busbar.power(5)",
        "Bottom_outlet.ramp_rise(1)",
        "Bottom_outlet.ramp_fall(23)",
        "Bottom_outlet.join_ramp_rise(0)",
        "Middle.level_change_fall(3)",
        "Middle_pump.turbine.pump_generate_balance(0)",
        "Top_units.uc_min(3)",
        "Middle_pump.turbine.pump.uc_max(3)",
        "Middle_pump.turbine.uc_mode_pump(3)",
    ):
        assert expected in rows, expected
    assert m.names["Middle_pump.turbine.pump.uc_max(3)"] == _pulp.ElementName(
        "Middle pump-turbine-pump", "uc_max", 3
    )
    assert m.names["Bottom_outlet.ramp_rise(1)"].model_family == "Bottom outlet-ramp"
    assert {v.name for v in m.x["Top-volume"]} == {f"Top.volume({t})" for t in range(d.T)}
    assert m.x["Middle pump-turbine-mode"][0].cat == pulp.LpInteger
    # t = 0 balance of Middle: V[0] − c·(q_Top units + q_Top spill + q_pump − q_gen − q_spill) = c·I + v0
    row = m.row("Middle-balance", 0)
    assert -row.constant == pytest.approx(d.c * CASCADE_INFLOW_M3S[1] + d.v0_hm3[1])
    assert row.expr[m.x["Middle pump-turbine-pump-flow_1"][0]] == pytest.approx(-d.c)
    assert row.expr[m.x["Middle pump-turbine-flow_0"][0]] == pytest.approx(d.c)
    # every PuLP name maps back to its family and index
    assert len(m.names) == len(m.prob.constraints()) + len(m.prob.variables())


def test_names_an_lp_file_cannot_hold_are_replaced_and_kept_apart() -> None:
    """Non-ASCII names and names that differ only in characters an LP file cannot hold stay distinct."""
    lake = _lake("两河口", 300.0, 2.0, 2.0, 20.0, 10.0)
    net = Network(
        name="names",
        reservoirs=(lake,),
        sinks=(RiverSink(name="river", tailwater_level_masl=180.0),),
        links=(
            TurbineLink(
                units=TurbineGroup(
                    name="a-b", n_units=1, rated_power_mw=30.0, max_flow_m3s=25.0, efficiency=0.9
                ),
                from_node="两河口",
                to_node="river",
            ),
            TurbineLink(
                units=TurbineGroup(
                    name="a b", n_units=1, rated_power_mw=30.0, max_flow_m3s=25.0, efficiency=0.9
                ),
                from_node="两河口",
                to_node="river",
            ),
        ),
    )
    d = data(net, _two_price_days(24, inflow_m3s=20.0))
    m = _pulp.build_problem(d)
    assert m.x["两河口-volume"][0].name == "___.volume(0)"
    first, second = m.x["a-b-flow_0"][0].name, m.x["a b-flow_0"][0].name
    assert first != second and {m.names[first].element, m.names[second].element} == {"a-b", "a b"}
    assert all(
        set(n) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.()") for n in m.names
    )
    fast, _ = _highs.solve(d)
    assert _rel(_pulp.solve(d, solver="HiGHS").objective_value, fast.objective_value) <= OBJECTIVE_REL_TOL


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_is_a_status(solver: str) -> None:
    # Two days of unit commitment at Lianghekou to a 1e-9 gap take either solver more than 0.01 s.
    d = data(LIANGHEKOU, _lianghekou_days(48), unit_commitment=True, mip_rel_gap=1e-9, time_limit_s=0.01)
    raw = _pulp.solve(d, solver=solver)
    assert raw.status == "time_limit"
    assert raw.values == {} or all(v.shape == (d.T,) for v in raw.values.values())


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_network_is_a_status(solver: str) -> None:
    # No inflow, yet 50 m³/s must reach the river all day and the lake must end where it started.
    net = network_of(textbook_plant(environmental_min_flow_m3s=50.0))
    raw = _pulp.solve(data(net, constant_scenario(hours=24, inflow_upper_m3s=0.0)), solver=solver)
    assert (raw.status, raw.has_solution, raw.values) == ("infeasible", False, {})


def test_a_year_builds_every_row() -> None:
    idx = pd.date_range("2030-01-01", periods=8760, freq="h")
    scenario = Scenario(
        inflow_upper_m3s=pd.Series(600.0, index=idx),
        inflow_lower_m3s=pd.Series(5.0, index=idx),
        price_per_mwh=pd.Series(np.where(idx.hour < 8, 160.0, 640.0), index=idx),
    )
    d = data(LIANGHEKOU, scenario, pump_generate_balance="day", max_level_change_m_per_h={"Yagen-I": 1.0})
    m = _pulp.build_problem(d)
    # balances (2), power, river flow, level change (2 halves), release ramp (2 halves, t ≥ 1), days
    ramp = LIANGHEKOU.link("Yagen-I release")
    n_ramp = 2 * 8759 if math.isfinite(ramp.max_ramp_m3s_per_h) else 0  # type: ignore[union-attr]
    sink = LIANGHEKOU.sinks[0]
    n_sink = 8760 if (sink.environmental_min_flow_m3s > 0 or math.isfinite(sink.max_flow_m3s)) else 0
    assert len(m.prob.constraints()) == 8760 * 2 + 8760 + n_sink + 2 * 8760 + n_ramp + 365


# ---- export -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_writes_the_model_with_element_names(suffix: str, tmp_path: Path) -> None:
    d = CASES["cascade with a pump-turbine pair"].data()
    path = _pulp.export(d, tmp_path / f"cascade{suffix}")
    assert path == tmp_path / f"cascade{suffix}"
    h = _highs.new_highs()
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    m = _pulp.build_problem(d)
    assert (h.getNumCol(), h.getNumRow()) == (len(m.prob.variables()), len(m.prob.constraints()))
    names = set(h.getLp().row_names_)
    assert {"Top.balance(0)", "Middle.balance(0)", "Bottom_outlet.ramp_rise(1)", "busbar.power(0)"} <= names
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    fast, _ = _highs.solve(d)
    assert _rel(h.getInfo().objective_function_value, fast.objective_value) <= OBJECTIVE_REL_TOL


def test_export_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(hydro_sim.HydroSimInputError, match=r"`path`.*\.lp or \.mps"):
        _pulp.export(CASES["textbook"].data(), tmp_path / "model.txt")


def agreement_table() -> pd.DataFrame:
    """Per case and PuLP solver: the relative objective difference from the HiGHS backend (prices as given
    and tilted), the largest volume gap as a fraction of the reservoir's range and the largest flow gap
    (tilted: a unique optimum), and the largest water-balance residual. [-], [m³/s], [hm³]"""
    rows = []
    for name, c in CASES.items():
        flat, tilted = c.data(), c.data(tilt=True)
        ref, ref_t = _highs.solve(flat)[0], _highs.solve(tilted)[0]
        for solver in SOLVERS:
            raw, raw_t = _pulp.solve(flat, solver=solver), _pulp.solve(tilted, solver=solver)
            span = np.array([r.max_volume_hm3 - r.min_volume_hm3 for r in c.net.reservoirs])
            v_gap = (
                np.max(np.abs(volumes(tilted, raw_t.values) - volumes(tilted, ref_t.values)), axis=1) / span
            )
            q_gap = np.max(np.abs(column_flows(tilted, raw_t.values) - column_flows(tilted, ref_t.values)))
            v = np.hstack([flat.v0_hm3[:, None], volumes(flat, raw.values)])
            err = flat.network.water_balance_error_hm3(
                v, flat.inflow_m3s, column_flows(flat, raw.values), flat.dt_h
            )
            rows.append(
                {
                    "case": name,
                    "solver": solver,
                    "objective_rel_diff": _rel(raw.objective_value, ref.objective_value),
                    "objective_rel_diff_tilted": _rel(raw_t.objective_value, ref_t.objective_value),
                    "volume_gap_of_range_tilted": float(np.max(v_gap)),
                    "flow_gap_m3s_tilted": float(q_gap),
                    "balance_error_hm3": float(np.max(np.abs(err))),
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":  # PYTHONPATH=src python tests/test_pulp_network.py
    with pd.option_context(
        "display.width", 200, "display.max_columns", 10, "display.float_format", "{:.2e}".format
    ):
        table = agreement_table()
        print(table.to_string(index=False))
        print("largest relative objective difference:", f"{table.objective_rel_diff.max():.2e}")
