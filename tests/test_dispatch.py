"""Layer-2 tests of :func:`hydro_sim.optimise.dispatch`: optimisation cases whose optimum is derived by hand.

Every case uses the default HiGHS backend (backend agreement lives in ``test_dispatch_backends.py``).
Each test's docstring carries its derivation. Numbers used throughout, at ρ = 1000 kg/m³, g = 9.81 m/s²:

- ρg/10⁶ = 0.00981 MW per (m³/s · m); one step of 1 h turns 1 m³/s into c = 0.0036 hm³.
- Turbine at 100 m, η_t = 0.9: κ = 0.00981·0.9·100 = 0.8829 MW per m³/s; 100 MW needs 113.2631 m³/s.
- Pump at 100 m, η_p = 0.9: 100 MW lifts 100·0.9/(0.00981·100) = 91.7431 m³/s.
- Energy of 1 hm³ falling 1 m at η = 0.9: 10⁶·1000·9.81·0.9 J = 2.4525 MWh; at 100 m, 245.25 MWh/hm³.

Every optimal schedule in this file goes through :func:`solve`, which checks the water balance of every
reservoir at every step and the volume bounds, so those two properties are tested on every case.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError, Outlet, Plant, Scenario, lianghekou
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.optimise import DispatchResult, dispatch

# -- tolerances (named, with reasons) ------------------------------------------------------------------
#: The small example plant's reservoirs move its head by up to ~10 m in a day's cycle (10 % of 104 m); the
#: optima derived by hand in this file are those of the LP at the initial heads on purpose (the physics of
#: a moving head is tested with head="successive"), so their fixed-head check is switched off. [m]
HAND_DERIVED_HEAD_MOVE_M = math.inf
#: The successive-head loop stops when the heads of the solved volumes differ from the heads the schedule
#: was solved at by less than head_tolerance_m (default 0.05 m): so a converged schedule's head_m agrees
#: with the heads of its own volumes to this, whatever the size of the head change reported. [m]
HEAD_CONSISTENCY_TOL_M = 0.05
#: Water balance of one reservoir over one step. HiGHS meets rows to its primal feasibility tolerance
#: 1e-7 (in the row's unit, hm³ for the balances); ten times that leaves room for scaling. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: Volume bounds are column bounds, met to the same 1e-7 feasibility tolerance. [hm³]
VOLUME_TOL_HM3 = 1e-6
#: A balance-row error of 1e-7 hm³ is 1e-7/0.0036 ≈ 3e-5 m³/s over one hour; flows are compared to
#: 1e-4 m³/s, the package's own idle threshold (IDLE_FLOW_M3S), far below any unit flow. [m³/s]
FLOW_TOL_M3S = 1e-4
#: A flow error of 1e-4 m³/s times at most ~1.1 MW per m³/s, rounded up. [MW]
POWER_TOL_MW = 1e-3
#: Energies summed over at most 24 steps of POWER_TOL_MW each, rounded up. [MWh]
ENERGY_TOL_MWH = 0.05
#: Objectives against hand values: 1e-6 relative, the design's backend-agreement figure; a simplex vertex is
#: exact to round-off, so this only absorbs the feasibility tolerance times prices of a few hundred. [-]
OBJ_REL = 1e-6
#: Absolute floor for objectives whose hand value is 0 (a few CNY cents of round-off at most). [CNY]
OBJ_ABS_CNY = 1e-2
#: Prices, duals and hand-computed CNY/hm³ values: relative round-off of a solved dual. [-]
DUAL_REL = 1e-6
#: Requested relative MIP gap of the unit-commitment tests (the package default). [-]
MIP_GAP = 1e-4

# -- hand constants ------------------------------------------------------------------------------------
RHO_G_MW = 1000.0 * 9.81 / 1e6  # MW per (m³/s · m)
C_HM3 = 0.0036  # hm³ per (m³/s · h)
MWH_PER_HM3_M = 1e6 * 1000.0 * 9.81 / 3.6e9  # MWh per hm³ falling 1 m at η = 1 (2.725)


# -- helpers -------------------------------------------------------------------------------------------
def _col(schedule: pd.DataFrame, name: str) -> np.ndarray:
    """A schedule column as an array, zeros where the plant has no such element."""
    if name in schedule.columns:
        return schedule[name].to_numpy(dtype=float)
    return np.zeros(len(schedule))


def assert_water_balance(plant: Plant, scenario: Scenario, result: DispatchResult) -> None:
    """Recompute each reservoir's balance from the schedule columns; it must close at every step.

    V_up[t] = V_up[t−1] + c(I_up + Q_pump − Q_conv − Q_gen − S_up);
    V_lo[t] = V_lo[t−1] + c(I_lo + Q_conv + Q_gen + S_up − Q_pump − R_lo); c = 0.0036·Δt;
    V[−1] from the plant's initial levels. One-reservoir plants: release = Q_conv + S_up.
    """
    s = result.schedule
    assert len(s) == scenario.n_steps
    c = C_HM3 * scenario.dt_h
    i_up = _col(s, "inflow_upper_m3s")
    np.testing.assert_allclose(i_up, scenario.inflow_upper_m3s.to_numpy(), rtol=0, atol=1e-12)
    q_conv = _col(s, "flow_conventional_m3s")
    q_gen = _col(s, "flow_generating_m3s")
    q_pump = _col(s, "flow_pumping_m3s")
    spill = _col(s, "spill_upper_m3s")
    v_up = _col(s, "volume_upper_hm3")
    prev_up = np.concatenate(([plant.upper.initial_volume_hm3], v_up[:-1]))
    err_up = v_up - prev_up - c * (i_up + q_pump - q_conv - q_gen - spill)
    worst = int(np.argmax(np.abs(err_up)))
    assert abs(err_up[worst]) <= BALANCE_TOL_HM3, (
        f"upper balance off by {err_up[worst]:.3g} hm³ at step {worst}"
    )
    if plant.lower is not None:
        i_lo = _col(s, "inflow_lower_m3s")
        np.testing.assert_allclose(i_lo, scenario.inflow_lower_m3s.to_numpy(), rtol=0, atol=1e-12)
        release = _col(s, "release_lower_m3s")
        v_lo = _col(s, "volume_lower_hm3")
        prev_lo = np.concatenate(([plant.lower.initial_volume_hm3], v_lo[:-1]))
        err_lo = v_lo - prev_lo - c * (i_lo + q_conv + q_gen + spill - q_pump - release)
        worst = int(np.argmax(np.abs(err_lo)))
        assert abs(err_lo[worst]) <= BALANCE_TOL_HM3, (
            f"lower balance off by {err_lo[worst]:.3g} hm³ at step {worst}"
        )
    else:
        release = _col(s, "release_m3s")
        np.testing.assert_allclose(release, q_conv + spill, rtol=0, atol=FLOW_TOL_M3S)
    # Every flow is a non-negative variable; the release meets the environmental flow.
    for name, q in (("conventional", q_conv), ("generating", q_gen), ("pumping", q_pump), ("spill", spill)):
        assert q.min() >= -FLOW_TOL_M3S, f"negative {name} flow {q.min():.3g} m³/s"
    assert release.min() >= plant.outlet.environmental_min_flow_m3s - FLOW_TOL_M3S


def assert_volumes_in_bounds(plant: Plant, scenario: Scenario, result: DispatchResult) -> None:
    """Every end-of-step volume lies within its reservoir's operating volumes (monthly limits applied)."""
    s = result.schedule
    for res, name in ((plant.upper, "volume_upper_hm3"), (plant.lower, "volume_lower_hm3")):
        if res is None:
            continue
        lo, hi = res.volume_bounds_hm3(scenario.index)
        v = s[name].to_numpy()
        assert np.all(v >= np.asarray(lo) - VOLUME_TOL_HM3), f"{res.name} below its minimum volume"
        assert np.all(v <= np.asarray(hi) + VOLUME_TOL_HM3), f"{res.name} above its maximum volume"


def solve(plant: Plant, scenario: Scenario, **kwargs) -> DispatchResult:
    """dispatch() with the HiGHS backend; every optimal schedule is checked for water balance and bounds.

    Fixed head unless a test asks otherwise: the hand-derived optima of this file are those of the LP at
    the initial heads (dispatch's own default is head="successive"), which those tests mean on purpose, so
    the fixed-head check is widened to HAND_DERIVED_HEAD_MOVE_M for them."""
    kwargs.setdefault("head", "fixed")
    if kwargs["head"] == "fixed":
        kwargs.setdefault("fixed_head_tolerance_m", HAND_DERIVED_HEAD_MOVE_M)
    result = dispatch(plant, scenario, **kwargs)
    if result.status == "optimal":
        assert_water_balance(plant, scenario, result)
        assert_volumes_in_bounds(plant, scenario, result)
    return result


def hourly(
    *,
    price: np.ndarray | float = 0.0,
    inflow_upper: float | np.ndarray = 0.0,
    inflow_lower: float = 0.0,
    hours: int = 24,
    step_h: float = 1.0,
    **series: np.ndarray | float,
) -> Scenario:
    """A scenario of ``hours`` hours in steps of ``step_h`` (hourly by default) from arrays or constants
    (extra keyword series: delivery_mw, pv_available_mw …), starting 2030-01-01 00:00."""
    n = round(hours / step_h)
    idx = pd.date_range("2030-01-01", periods=n, freq=pd.Timedelta(hours=step_h))

    def ser(x):
        return pd.Series(np.broadcast_to(np.asarray(x, dtype=float), (n,)).copy(), index=idx)

    extra = {k: ser(v) for k, v in series.items()}
    return Scenario(
        inflow_upper_m3s=ser(inflow_upper),
        inflow_lower_m3s=ser(inflow_lower),
        price_per_mwh=ser(price),
        **extra,
    )


def assert_objective(result: DispatchResult, expected: float, rel: float = OBJ_REL) -> None:
    assert result.status == "optimal", result.message
    assert math.isfinite(result.objective_value)
    assert result.objective_value == pytest.approx(expected, rel=rel, abs=OBJ_ABS_CNY)


def energy(result: DispatchResult, column: str) -> float:
    """Σ power·Δt of one schedule column. [MWh]"""
    idx = result.schedule.index
    dt_h = (idx[1] - idx[0]) / pd.Timedelta(hours=1)
    return float(result.schedule[column].sum() * dt_h)


# =====================================================================================================
# 1. Two price periods: pumping pays only above the round-trip ratio 1/(η_t·η_p)
# =====================================================================================================
ROUND_TRIP = 0.9 * 0.9  # η_t·η_p of small_pumped_storage()
PUMPED_MWH = 12 * 100.0  # 12 low hours at the 100 MW pump rating
RETURNED_MWH = ROUND_TRIP * PUMPED_MWH  # 972 MWh


@pytest.mark.parametrize(
    "ratio, cycles",
    [
        (1.20, False),
        (1.234, False),  # below 1/0.81 = 1.23457
        (1.235, True),
        (1.25, True),
        (3.0, True),
    ],
)
def test_pumping_pays_only_above_the_round_trip_ratio(ratio, cycles):
    """small_pumped_storage(): one 100 MW pump-turbine, η_t = η_p = 0.9, fixed 100 m head, no losses.

    two_price_day: 12 h at 100 CNY/MWh, then 12 h at 100·ratio. Both reservoirs must end at least at their
    start (5 hm³ each) and there is no inflow, so every m³ pumped up must come down again: a cycle.
    Pumping 12 h at 100 MW costs 1200 MWh and lifts 12·91.7431 m³/s·h = 3.963 hm³ (room: 5 hm³ in the upper,
    5 hm³ in the lower). The same water through the turbine at 100 m gives 0.8829·91.7431·12 = 972 MWh
    = 0.81·1200 MWh (at most 81 MW an hour, under the 100 MW rating). Profit of the full cycle:
    972·high − 1200·low, positive iff high/low > 1/0.81 = 1.23457 (1.234: −43.6 CNY; 1.235: +42 CNY).
    The LP is linear, so it cycles fully or not at all: objective max(0, 972·high − 1200·low).
    """
    low, high = 100.0, 100.0 * ratio
    result = solve(small_pumped_storage(), two_price_day(low_per_mwh=low, high_per_mwh=high))
    s = result.schedule
    low_h, high_h = s.iloc[:12], s.iloc[12:]
    if cycles:
        assert_objective(result, RETURNED_MWH * high - PUMPED_MWH * low)
        np.testing.assert_allclose(low_h["power_pumping_mw"], 100.0, atol=POWER_TOL_MW)
        assert energy(result, "power_pumping_mw") == pytest.approx(PUMPED_MWH, abs=ENERGY_TOL_MWH)
        assert energy(result, "power_generating_mw") == pytest.approx(RETURNED_MWH, abs=ENERGY_TOL_MWH)
        np.testing.assert_allclose(low_h["power_generating_mw"], 0.0, atol=POWER_TOL_MW)
        np.testing.assert_allclose(high_h["power_pumping_mw"], 0.0, atol=POWER_TOL_MW)
        # the pumped volume, 12 · 0.0036 · 91.7431 hm³, sits in the upper reservoir at the price change
        assert s["volume_upper_hm3"].iloc[11] == pytest.approx(
            5.0 + 12 * C_HM3 * 100 * 0.9 / (RHO_G_MW * 100), abs=VOLUME_TOL_HM3
        )
    else:
        assert_objective(result, 0.0)
        np.testing.assert_allclose(s["power_pumping_mw"], 0.0, atol=POWER_TOL_MW)
        np.testing.assert_allclose(s["power_generating_mw"], 0.0, atol=POWER_TOL_MW)
    assert result.simultaneous_modes.empty
    np.testing.assert_allclose(s["release_lower_m3s"], 0.0, atol=FLOW_TOL_M3S)


@pytest.mark.parametrize("step_h", [0.5, 2.0])
def test_the_cycle_does_not_depend_on_the_step_length(step_h):
    """Section 1's cycle at 100/300 CNY/MWh on 30-minute and 2-hour steps: the same 12 low and 12 high hours,
    so the same energies (1200 MWh pumped, 972 MWh returned) and objective 300·972 − 100·1200 = 171,600 CNY.
    Catches a Δt missing from the volume conversion (c = 0.0036·Δt) or from the price term."""
    hours = np.arange(0.0, 24.0, step_h)
    sc = hourly(price=np.where(hours < 12, 100.0, 300.0), step_h=step_h)
    assert sc.dt_h == step_h
    result = solve(small_pumped_storage(), sc)
    assert_objective(result, 300.0 * RETURNED_MWH - 100.0 * PUMPED_MWH)
    assert energy(result, "power_pumping_mw") == pytest.approx(PUMPED_MWH, abs=ENERGY_TOL_MWH)
    assert energy(result, "power_generating_mw") == pytest.approx(RETURNED_MWH, abs=ENERGY_TOL_MWH)
    assert result.energy_mwh()["pumping_mwh"] == pytest.approx(PUMPED_MWH, abs=ENERGY_TOL_MWH)


@pytest.mark.parametrize("high", [125.0, 300.0])
def test_upper_water_value_is_the_high_price_times_the_energy_of_one_hm3(high):
    """The dual of the upper balance is the marginal value of water in the upper reservoir.

    In the generating hours the turbine runs between 0 and its rating (81 MW average), so one more hm³ in
    the upper reservoir is turned into 0.9·1000·9.81·100·10⁶ J = 245.25 MWh at the high price, and one hm³
    less costs the same: water_value_upper = high · 245.25 CNY/hm³ (30,656.25 at 125; 73,575 at 300).
    The upper volume stays strictly inside its bounds, so the value is the same at every step.
    A local inflow of 1 m³/s to the lower reservoir makes the lower water surplus (released or kept, never
    pumped: the pump is at its rating in every low hour), so its value is exactly 0; without it both end
    conditions would bind on a fixed total of water and the duals would not be unique.
    """
    sc = two_price_day(low_per_mwh=100.0, high_per_mwh=high)
    sc = dataclasses.replace(sc, inflow_lower_m3s=pd.Series(1.0, index=sc.index))
    result = solve(small_pumped_storage(), sc)
    assert_objective(result, RETURNED_MWH * high - PUMPED_MWH * 100.0)
    s = result.schedule
    generating = s["power_generating_mw"] > POWER_TOL_MW
    assert generating.iloc[12:].sum() >= 10  # 972 MWh at ≤ 100 MW takes at least 10 of the 12 high hours
    assert not generating.iloc[:12].any()
    expected = high * 0.9 * 100.0 * MWH_PER_HM3_M
    assert expected == pytest.approx(high * 245.25, rel=1e-12)
    np.testing.assert_allclose(s.loc[generating, "water_value_upper_per_hm3"], expected, rtol=DUAL_REL)
    np.testing.assert_allclose(s["water_value_upper_per_hm3"], expected, rtol=DUAL_REL)
    np.testing.assert_allclose(s["water_value_lower_per_hm3"], 0.0, atol=DUAL_REL * expected)


# =====================================================================================================
# 2. A full reservoir forces the spill
# =====================================================================================================
#: Flow at which the two 50 MW textbook units reach 100 MW at 120 − 20 = 100 m: 100/(0.00981·0.9·100).
TEXTBOOK_FULL_FLOW_M3S = 100.0 / (RHO_G_MW * 0.9 * 100.0)  # 113.2631 m³/s


def test_full_reservoir_spills_exactly_what_the_units_cannot_take():
    """textbook_plant(initial_level_masl=120) starts full (200 hm³); inflow 200 m³/s, price 100, 24 h.

    The units' flow limit is 2·70 = 140 m³/s, but at 100 m head and η = 0.9 they reach their 2·50 MW rating
    at 100/0.8829 = 113.2631 m³/s, so that is the most they can use (the brief's 200 − 140 = 60 m³/s spill
    ignores the power rating). At a positive price they run at that flow every step; the rest of the
    inflow, 86.7369 m³/s, cannot be stored (the lake is full and must end at least full), so over the
    horizon exactly 24·86.7369 m³/s·h is spilled and the end volume is the maximum.
    When the spill happens is a degenerate choice here (spill costs nothing, so spilling early and storing
    later is as good); the per-step answer is tested below with the release capped at the inflow.
    """
    plant = textbook_plant(initial_level_masl=120.0)
    result = solve(plant, constant_scenario(hours=24, inflow_upper_m3s=200.0, price_per_mwh=100.0))
    s = result.schedule
    assert_objective(result, 100.0 * 100.0 * 24)
    np.testing.assert_allclose(s["flow_conventional_m3s"], TEXTBOOK_FULL_FLOW_M3S, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["power_conventional_mw"], 100.0, atol=POWER_TOL_MW)
    assert s["spill_upper_m3s"].sum() == pytest.approx(
        24 * (200.0 - TEXTBOOK_FULL_FLOW_M3S), abs=24 * FLOW_TOL_M3S
    )
    assert s["volume_upper_hm3"].iloc[-1] == pytest.approx(plant.upper.max_volume_hm3, abs=VOLUME_TOL_HM3)
    assert s["volume_upper_hm3"].iloc[-1] >= plant.upper.initial_volume_hm3 - VOLUME_TOL_HM3


def test_full_reservoir_spill_every_step_when_the_level_cannot_fall():
    """As above with the outlet's largest release equal to the inflow (200 m³/s).

    Then V[t] − V[t−1] = c(200 − release) ≥ 0: the lake can never fall, and as it starts full it stays at
    200 hm³ every step. The units take 113.2631 m³/s, so every step spills 200 − 113.2631 = 86.7369 m³/s.
    """
    base = textbook_plant(initial_level_masl=120.0)
    plant = dataclasses.replace(base, outlet=Outlet(environmental_min_flow_m3s=5.0, max_release_m3s=200.0))
    result = solve(plant, constant_scenario(hours=24, inflow_upper_m3s=200.0, price_per_mwh=100.0))
    s = result.schedule
    assert_objective(result, 100.0 * 100.0 * 24)
    np.testing.assert_allclose(s["spill_upper_m3s"], 200.0 - TEXTBOOK_FULL_FLOW_M3S, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["release_m3s"], 200.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["volume_upper_hm3"], 200.0, atol=VOLUME_TOL_HM3)


def test_pumped_storage_upper_spill_runs_into_the_lower_reservoir():
    """small_pumped_storage() with 200 m³/s into the upper reservoir, price 100 for 24 h.

    The turbine runs at its 100 MW rating (113.2631 m³/s at 100 m) every hour: 2400 MWh, objective
    240,000 CNY; pumping at the same price only loses. The upper gains 200 − 113.26 = 86.74 m³/s, i.e.
    24·86.74 = 2081.7 m³/s·h, and has 5 hm³ = 1388.9 m³/s·h of room, so at least 692.8 m³/s·h must be
    spilled, and the spill lands in the lower reservoir (the balance helper books it there; the lower
    reservoir, also receiving the turbine water, releases what it cannot hold).
    """
    result = solve(
        small_pumped_storage(), constant_scenario(hours=24, inflow_upper_m3s=200.0, price_per_mwh=100.0)
    )
    assert_objective(result, 100.0 * 100.0 * 24)
    s = result.schedule
    np.testing.assert_allclose(s["power_generating_mw"], 100.0, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["power_pumping_mw"], 0.0, atol=POWER_TOL_MW)
    room = 5.0 / C_HM3
    assert s["spill_upper_m3s"].sum() >= 24 * (200.0 - 100.0 / 0.8829) - room - 24 * FLOW_TOL_M3S
    assert s["release_lower_m3s"].sum() > 0


# =====================================================================================================
# 3. A binding environmental flow
# =====================================================================================================
#: κ of the textbook units at their initial head 115 − 20 = 95 m: 0.00981·0.9·95 MW per m³/s.
KAPPA_95 = RHO_G_MW * 0.9 * 95.0  # 0.838755


def test_environmental_flow_binds_when_generating_is_worthless():
    """textbook_plant() (115 m, fixed head 95 m, env. flow 5 m³/s), inflow 10 m³/s, 24 h at prices
    −20 (h 0–5), 0 (h 6–11), 100 (h 12–17), 300 (h 18–23).

    The lake must end at least at its start, so 24·10 = 240 m³/s·h is all the water there is, and it is
    worth most at 300 (the units can take 119.2 m³/s an hour, far more than needed): every step outside
    the 300-hours releases exactly the 5 m³/s minimum. At −20 that release is spilled (generating costs
    money), at 100 it is generated (spilling earns nothing); at 0 it is generated too, because the spill
    tie-break (SPILL_TIE_BREAK_PER_HM3) makes spilling cost a little. The 300-hours get the rest:
    240 − 18·5 = 150 m³/s·h through the turbines, nothing spilled, end volume = start volume.
    Objective = κ·(100·6·5 + 300·150) = 0.838755·48,000 = 40,260.24 CNY.
    """
    price = np.repeat([-20.0, 0.0, 100.0, 300.0], 6)
    plant = textbook_plant()
    result = solve(plant, hourly(price=price, inflow_upper=10.0))
    s = result.schedule
    assert_objective(result, KAPPA_95 * (100.0 * 6 * 5 + 300.0 * 150.0))
    release = s["release_m3s"].to_numpy()
    np.testing.assert_allclose(release[:18], 5.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["flow_conventional_m3s"].iloc[:6], 0.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["spill_upper_m3s"].iloc[:6], 5.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["flow_conventional_m3s"].iloc[12:18], 5.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(s["spill_upper_m3s"].iloc[12:], 0.0, atol=FLOW_TOL_M3S)
    assert s["flow_conventional_m3s"].iloc[18:].sum() == pytest.approx(150.0, abs=6 * FLOW_TOL_M3S)
    np.testing.assert_allclose(s["flow_conventional_m3s"].iloc[6:12], 5.0, atol=FLOW_TOL_M3S)
    assert energy(result, "power_conventional_mw") == pytest.approx(KAPPA_95 * 210.0, abs=ENERGY_TOL_MWH)
    # total water balance by hand: start + inflow − release = end = start
    v0 = plant.upper.initial_volume_hm3
    assert v0 == pytest.approx(150.0)
    assert release.sum() == pytest.approx(240.0, abs=24 * FLOW_TOL_M3S)
    assert s["volume_upper_hm3"].iloc[-1] == pytest.approx(
        v0 + C_HM3 * (240.0 - release.sum()), abs=VOLUME_TOL_HM3
    )
    assert s["volume_upper_hm3"].iloc[-1] == pytest.approx(v0, abs=VOLUME_TOL_HM3)


# =====================================================================================================
# 4. Infeasible cases and their diagnosis
# =====================================================================================================
def test_infeasible_from_the_first_step_names_the_constraint_and_step():
    """textbook_plant at its minimum level 105 m (50 hm³), no inflow, env. flow 5 m³/s, 24 h.

    Step 0 must release 5 m³/s = 0.018 hm³ that the lake does not have above its minimum: infeasible from
    step 0. The penalised-slack model lets the volume run short (cheapest: 0.018 hm³ per step, cumulated)
    rather than the release (5 m³/s per step): 50 − 0.018·24 = 49.568 hm³ at the end, 0.432 hm³ short,
    in all 24 steps; the end condition (≥ 50 hm³) is short by the same 0.432 hm³ at step 23.
    """
    result = dispatch(
        textbook_plant(initial_level_masl=105.0), constant_scenario(hours=24, inflow_upper_m3s=0.0)
    )
    assert result.status == "infeasible"
    assert not result.success
    assert math.isnan(result.objective_value)
    assert result.schedule.empty
    msg = result.message
    assert msg.startswith("infeasible")
    assert "minimum level of the upper reservoir" in msg
    assert "from step 0 " in msg and "2030-01-01 00:00" in msg
    d = result.diagnosis
    assert d is not None
    first = d.iloc[0]
    assert first["first_step"] == 0
    assert first["family"] == "vup_lo"
    assert first["steps_broken"] == 24
    assert first["largest_violation"] == pytest.approx(0.018 * 24, abs=VOLUME_TOL_HM3)
    end = d.set_index("family").loc["end_up_lo"]
    assert end["first_step"] == 23
    assert end["largest_violation"] == pytest.approx(0.432, abs=VOLUME_TOL_HM3)


def test_infeasible_from_a_later_step_names_that_step():
    """textbook_plant at 105.5 m (55 hm³, 5 hm³ above its minimum), no inflow, env. flow 100 m³/s, 24 h.

    100 m³/s takes 0.36 hm³ an hour: after step t the lake holds 55 − 0.36·(t+1) hm³, ≥ 50 while
    t + 1 ≤ 13.89. Steps 0–12 hold (50.32 hm³ after step 12); step 13 is the first that cannot
    (49.96 hm³). In the slack model the volume runs short in steps 13–23 (11 steps), by up to
    50 − (55 − 0.36·24) = 3.64 hm³; the end condition is short by 0.36·24 = 8.64 hm³ at step 23.
    Shortening the release instead would cost 1 per m³/s against 0.0036 hm³ saved per later step, so the
    slack model does not: no environmental-flow row in the diagnosis.
    """
    result = dispatch(
        textbook_plant(initial_level_masl=105.5, environmental_min_flow_m3s=100.0),
        constant_scenario(hours=24, inflow_upper_m3s=0.0),
    )
    assert result.status == "infeasible"
    assert (
        "minimum level of the upper reservoir cannot hold from step 13 (2030-01-01 13:00)" in result.message
    )
    d = result.diagnosis
    assert list(d["first_step"]) == sorted(d["first_step"])
    first = d.iloc[0]
    assert first["first_step"] == 13
    assert first["first_time"] == pd.Timestamp("2030-01-01 13:00")
    assert first["steps_broken"] == 11
    assert first["largest_violation"] == pytest.approx(3.64, abs=VOLUME_TOL_HM3)
    families = set(d["family"])
    assert "env_lo" not in families
    assert d.set_index("family").loc["end_up_lo", "largest_violation"] == pytest.approx(
        8.64, abs=VOLUME_TOL_HM3
    )


# =====================================================================================================
# 6–7. Unit commitment (MILP) and simultaneous pumping and generating (LP)
# =====================================================================================================
def _burn_energy_day(hours: int) -> Scenario:
    """Price −100 CNY/MWh all day: importing energy pays."""
    return hourly(price=-100.0, hours=hours)


def test_lp_reports_simultaneous_pumping_and_generating():
    """small_pumped_storage(), price −100 all 24 h, daily pump–generate balance (Σ Q_gen = Σ Q_pump).

    At a negative price the plant wants to burn energy. An upper spill returns pumped water for free, so
    without the balance the LP pumps and spills; the daily balance makes every pumped m³ come back through
    the turbine. Then the net import per m³/s·h pumped is 100/91.7431 − 0.8829 MW, i.e. 100 − 81 = 19 MW
    per hour of full pumping: the LP pumps at 100 MW all 24 h and generates the same water back,
    24·91.7431 = 2201.8 m³/s·h at ≤ 113.26 m³/s per hour, so in at least 20 hours it pumps and generates
    at once. Objective = 100·19·24 = 45,600 CNY. As the pump runs at 100 MW every hour and the turbine at
    ≤ 100 MW, the MWh booked as simultaneous, Σ min(P_gen, P_pump), is all the generation: 0.81·2400 = 1944.

    With unit_commitment=True the group either pumps or generates: pump k hours, generate 0.81k hours at
    100 MW, k + ⌈0.81k⌉ ≤ 24 gives k = 13 (11 generating hours), objective = 100·19·13 = 24,700 CNY.
    """
    plant = small_pumped_storage()
    lp = solve(plant, _burn_energy_day(24), pump_generate_balance="day")
    assert_objective(lp, 100.0 * 19.0 * 24)
    sim = lp.simultaneous_modes
    assert len(sim) >= 20
    assert (sim["simultaneous_mwh"] > 0).all()
    assert sim["simultaneous_mwh"].sum() == pytest.approx(ROUND_TRIP * 2400.0, abs=ENERGY_TOL_MWH)
    assert "pump and generate at once" in lp.message
    assert f"in {len(sim)} steps" in lp.message
    assert "unit_commitment=True" in lp.message

    milp = solve(
        plant, _burn_energy_day(24), pump_generate_balance="day", unit_commitment=True, mip_rel_gap=MIP_GAP
    )
    assert_objective(milp, 100.0 * 19.0 * 13, rel=MIP_GAP)
    assert milp.simultaneous_modes.empty
    assert "at once" not in milp.message
    s = milp.schedule
    both = (s["flow_generating_m3s"] > FLOW_TOL_M3S) & (s["flow_pumping_m3s"] > FLOW_TOL_M3S)
    assert not both.any()
    assert (s["power_pumping_mw"] > POWER_TOL_MW).sum() == 13


@pytest.mark.parametrize("band", [0.0, 0.03])
def test_unit_commitment_never_pumps_and_generates_in_the_same_step(band):
    """small_pumped_storage(n_units=2) (2 × 50 MW), price −100 for 12 h, daily pump–generate balance.

    As in the test above the LP relaxation pumps and generates at once (objective 100·19·12 = 22,800 CNY
    with the band 0). The MILP: each step either generates or pumps with whole units; a running pump
    draws 50 MW·(1 ± band). With band 0: k full-pumping hours need ⌈0.81k⌉ generating hours, k + ⌈0.81k⌉
    ≤ 12 gives k = 6 (a half-pumping hour, one unit, would need a 7th generating hour: 6.5 + ⌈5.27⌉ = 13):
    objective = 100·19·6 = 11,400 CNY. With band 0.03 only the structure is checked.
    """
    base = small_pumped_storage(n_units=2)
    plant = dataclasses.replace(
        base, reversible=dataclasses.replace(base.reversible, pump_power_band_fraction=band)
    )
    sc = _burn_energy_day(12)
    lp = solve(plant, sc, pump_generate_balance="day")
    assert not lp.simultaneous_modes.empty
    milp = solve(plant, sc, pump_generate_balance="day", unit_commitment=True, mip_rel_gap=MIP_GAP)
    assert milp.status == "optimal", milp.message
    assert milp.simultaneous_modes.empty
    assert milp.mip_gap is not None and 0.0 <= milp.mip_gap <= MIP_GAP
    s = milp.schedule
    ug, up = s["units_generating"].to_numpy(), s["units_pumping"].to_numpy()
    assert np.all(ug * up == 0)
    assert ug.min() >= 0 and ug.max() <= 2 and up.min() >= 0 and up.max() <= 2
    pumping = up > 0
    assert pumping.any()
    per_unit = s["power_pumping_mw"].to_numpy()[pumping] / up[pumping]
    assert per_unit.min() >= 50.0 * (1 - band) - POWER_TOL_MW
    assert per_unit.max() <= 50.0 * (1 + band) + POWER_TOL_MW
    np.testing.assert_allclose(s["power_pumping_mw"].to_numpy()[~pumping], 0.0, atol=POWER_TOL_MW)
    gen = s["power_generating_mw"].to_numpy()
    assert np.all(gen <= 50.0 * ug + POWER_TOL_MW)
    if band == 0.0:
        assert_objective(lp, 100.0 * 19.0 * 12)
        assert_objective(milp, 100.0 * 19.0 * 6, rel=MIP_GAP)


def test_unit_commitment_keeps_minimum_stable_output():
    """The environmental-flow case of section 3 (textbook_plant, min_power_mw = 10 per unit) in MILP mode.

    In the LP the 100-CNY hours generate the 5 m³/s minimum release at 0.838755·5 = 4.19 MW, below the
    10 MW minimum stable output. With unit commitment a unit either runs at ≥ 10 MW (11.92 m³/s, taking
    6.92 m³/s·h from the 300-hours) or the 5 m³/s is spilled; spilling loses 100·4.19 = 419 CNY an hour,
    running loses more (the extra 6.92 m³/s·h was worth 300·κ each), so it spills. The 300-hours generate
    all 150 m³/s·h (at ≥ 11.92 m³/s per running unit, which fits in 6 hours). Objective = 300·κ·150
    = 37,743.98 CNY. Every step: power 0 or between 10 and 50 MW per running unit, flow ≤ 70 per unit.
    """
    price = np.repeat([-20.0, 0.0, 100.0, 300.0], 6)
    plant = textbook_plant()
    sc = hourly(price=price, inflow_upper=10.0)
    lp = solve(plant, sc)
    assert (lp.schedule["power_conventional_mw"].iloc[12:18] < 10.0).all()
    milp = solve(plant, sc, unit_commitment=True, mip_rel_gap=MIP_GAP)
    assert_objective(milp, 300.0 * KAPPA_95 * 150.0, rel=MIP_GAP)
    assert milp.mip_gap is not None and milp.mip_gap <= MIP_GAP
    s = milp.schedule
    u = s["units_conventional"].to_numpy()
    p = s["power_conventional_mw"].to_numpy()
    q = s["flow_conventional_m3s"].to_numpy()
    assert u.min() >= 0 and u.max() <= 2
    off = u == 0
    np.testing.assert_allclose(p[off], 0.0, atol=POWER_TOL_MW)
    assert np.all(p[~off] >= 10.0 * u[~off] - POWER_TOL_MW)
    assert np.all(p <= 50.0 * u + POWER_TOL_MW)
    assert np.all(q <= 70.0 * u + FLOW_TOL_M3S)
    np.testing.assert_allclose(p[12:18], 0.0, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["spill_upper_m3s"].iloc[12:18], 5.0, atol=FLOW_TOL_M3S)


# =====================================================================================================
# 8. Successive head
# =====================================================================================================
def _mid_step_heads_small_pumped_storage(schedule: pd.DataFrame) -> np.ndarray:
    """Gross head at mid-step volumes, by hand: upper level = 100 + V_up, lower level = V_lo (1 m per hm³)."""
    v_up = schedule["volume_upper_hm3"].to_numpy()
    v_lo = schedule["volume_lower_hm3"].to_numpy()
    mid_up = 0.5 * (np.r_[5.0, v_up[:-1]] + v_up)
    mid_lo = 0.5 * (np.r_[5.0, v_lo[:-1]] + v_lo)
    return (100.0 + mid_up) - mid_lo


def test_successive_head_converges_on_a_pumped_storage_cycle():
    """small_pumped_storage(), two_price_day 100/300: the full cycle of section 1 moves both levels by ≈4 m
    (upper 105 → 109, lower 5 → 1), so the head swings between 100 and ≈108 m.

    The loop must need more than one solve, stop below its tolerance and report each iteration. At the
    end, the heads the last LP was built at (schedule head_m) match the mid-step heads of its own volumes
    within the tolerance, and each step's power is κ(head_m)·Q: P_gen = 0.00981·0.9·H·Q,
    P_pump = 0.00981·H·Q/0.9. Both level curves are linear with equal areas, so the head rises while
    pumping exactly as it falls back while generating: the round trip is still 0.81 and the objective
    stays 300·972 − 100·1200 = 171,600 CNY, to within the head tolerance's effect (0.05 m of ≈104 m on
    both legs, < 1e-3 relative).
    """
    tol = 0.05
    result = solve(
        small_pumped_storage(),
        two_price_day(low_per_mwh=100.0, high_per_mwh=300.0),
        head="successive",
        head_tolerance_m=tol,
    )
    assert result.status == "optimal"
    assert result.converged
    assert result.iterations >= 2
    assert len(result.head_history_m) == result.iterations
    assert result.head_change_m == result.head_history_m[-1]
    assert result.head_change_m < tol
    assert f"converged in {result.iterations} iterations" in result.message
    s = result.schedule
    assert s["level_upper_masl"].max() > 108.5 and s["level_lower_masl"].min() < 1.5
    h = s["head_m"].to_numpy()
    np.testing.assert_allclose(h, _mid_step_heads_small_pumped_storage(s), atol=tol)
    np.testing.assert_allclose(
        s["power_generating_mw"], RHO_G_MW * 0.9 * h * s["flow_generating_m3s"], atol=POWER_TOL_MW
    )
    np.testing.assert_allclose(
        s["power_pumping_mw"], RHO_G_MW * h * s["flow_pumping_m3s"] / 0.9, atol=POWER_TOL_MW
    )
    assert result.objective_value == pytest.approx(300.0 * RETURNED_MWH - 100.0 * PUMPED_MWH, rel=1e-3)


def test_successive_head_prices_the_drawdown_of_a_small_lake():
    """textbook_plant(initial_level_masl=105.5): 5 hm³ above the 105 m minimum, tailwater 20 m, no inflow,
    price 300 for 24 h, end="water_value" with value 0: all 5 hm³ go through the turbines (the release of
    ≥ 5 m³/s is generated, not spilled; the units take up to ≈132 m³/s, 5 hm³ needs 58 m³/s on average).

    Fixed head (85.5 m all along): E = 2.4525·85.5·5 = 1048.44 MWh, objective 314,531.3 CNY.
    Successive head: the level falls 0.1 m per hm³ (10 km²), H(V) = 85 + (V − 50)/10; mid-step heads
    integrate a linear H exactly, so E = 2.4525·∫₅₀⁵⁵ H dV = 2.4525·426.25 = 1045.38 MWh, objective
    313,613.4 CNY, to within the head tolerance (1e-4 m here: ≤ 2.4525·5·1e-4 = 0.0012 MWh).
    """
    plant = textbook_plant(initial_level_masl=105.5)
    sc = constant_scenario(hours=24, inflow_upper_m3s=0.0, price_per_mwh=300.0)
    fixed = solve(plant, sc, end="water_value")
    e_fixed = 0.9 * MWH_PER_HM3_M * 85.5 * 5.0
    assert_objective(fixed, 300.0 * e_fixed)
    assert fixed.schedule["volume_upper_hm3"].iloc[-1] == pytest.approx(50.0, abs=VOLUME_TOL_HM3)
    tol = 1e-4
    succ = solve(plant, sc, end="water_value", head="successive", head_tolerance_m=tol)
    assert succ.converged and succ.iterations >= 2
    e_succ = 0.9 * MWH_PER_HM3_M * 426.25
    bound_mwh = 0.9 * MWH_PER_HM3_M * 5.0 * tol + ENERGY_TOL_MWH
    assert energy(succ, "power_conventional_mw") == pytest.approx(e_succ, abs=bound_mwh)
    assert succ.objective_value == pytest.approx(300.0 * e_succ, abs=300.0 * bound_mwh)
    assert succ.schedule["volume_upper_hm3"].iloc[-1] == pytest.approx(50.0, abs=VOLUME_TOL_HM3)
    assert fixed.objective_value - succ.objective_value == pytest.approx(
        300.0 * (e_fixed - e_succ), abs=300.0 * bound_mwh
    )


def test_successive_head_reports_non_convergence():
    """With max_iterations=1 the loop stops after the first solve, whose volumes move the head by ≈7.6 m
    (section 1's cycle): not converged, and the message says so."""
    result = solve(
        small_pumped_storage(),
        two_price_day(low_per_mwh=100.0, high_per_mwh=300.0),
        head="successive",
        max_iterations=1,
    )
    assert result.status == "optimal"
    assert not result.converged
    assert result.iterations == 1
    assert result.head_change_m > 1.0
    assert "NOT converged after 1 iterations" in result.message


def lianghekou_tou_week() -> Scenario:
    """One January week, hourly: inflow 300 m³/s, Yagen-I local inflow 5 m³/s, TOU tariff 160 (valley
    23:00–07:00), 640 (peak 10:00–12:00 and 15:00–21:00), 400 (flat, otherwise) CNY/MWh."""
    idx = pd.date_range("2030-01-07", periods=168, freq="h")
    h = idx.hour
    valley = (h >= 23) | (h < 7)
    peak = ((h >= 10) & (h < 12)) | ((h >= 15) & (h < 21))
    price = np.where(valley, 160.0, np.where(peak, 640.0, 400.0))
    return Scenario(
        inflow_upper_m3s=pd.Series(300.0, index=idx),
        inflow_lower_m3s=pd.Series(5.0, index=idx),
        price_per_mwh=pd.Series(price, index=idx),
        name="TOU week",
    )


def _check_lianghekou_successive(plant: Plant, scenario: Scenario, result: DispatchResult) -> None:
    assert result.status == "optimal", result.message
    assert result.converged
    assert result.iterations >= 2
    assert len(result.head_history_m) == result.iterations
    # converged on the head tolerance (these weeks do; a degenerate LP could stop on the objective instead,
    # and then this test must say so rather than widen its tolerance)
    assert result.head_change_m < HEAD_CONSISTENCY_TOL_M and "on the objective" not in result.message
    assert f"converged in {result.iterations} iterations" in result.message
    s = result.schedule
    np.testing.assert_allclose(
        s["head_m"],
        np.asarray(
            plant.gross_head_m(
                0.5
                * (
                    np.r_[plant.upper.initial_volume_hm3, s["volume_upper_hm3"].to_numpy()[:-1]]
                    + s["volume_upper_hm3"].to_numpy()
                ),
                0.5
                * (
                    np.r_[plant.lower.initial_volume_hm3, s["volume_lower_hm3"].to_numpy()[:-1]]
                    + s["volume_lower_hm3"].to_numpy()
                ),
            )
        ),
        atol=HEAD_CONSISTENCY_TOL_M,
    )
    # end condition "at_least_start" on both reservoirs
    assert s["volume_upper_hm3"].iloc[-1] >= plant.upper.initial_volume_hm3 - VOLUME_TOL_HM3
    assert s["volume_lower_hm3"].iloc[-1] >= plant.lower.initial_volume_hm3 - VOLUME_TOL_HM3
    assert result.objective_value > 0


def test_successive_head_on_lianghekou_tou_week():
    """lianghekou() over a TOU week converges; water balance and bounds hold (checked by solve())."""
    plant, sc = lianghekou(), lianghekou_tou_week()
    result = solve(plant, sc, head="successive")
    _check_lianghekou_successive(plant, sc, result)
    s = result.schedule
    # the tariff ratio 640/160 = 4 is far above 1/0.76: the reversible units cycle
    assert s["power_pumping_mw"].max() > 0 and s["power_generating_mw"].max() > 0
    np.testing.assert_allclose(
        s.loc[sc.price_per_mwh.to_numpy() == 640.0, "power_pumping_mw"], 0.0, atol=POWER_TOL_MW
    )


def test_successive_head_on_lianghekou_reference_week():
    """The first week of reference_year() behaves as the TOU week."""
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    plant = lianghekou()
    sc = reference_year().window(hours=168)
    result = solve(plant, sc, head="successive")
    _check_lianghekou_successive(plant, sc, result)


# =====================================================================================================
# 9. End conditions
# =====================================================================================================
END_CASES = {
    "pumped storage two prices": (
        small_pumped_storage,
        lambda: two_price_day(low_per_mwh=100.0, high_per_mwh=300.0),
    ),
    "pumped storage with inflows": (
        small_pumped_storage,
        lambda: hourly(price=np.repeat([100.0, 300.0], 12), inflow_upper=10.0, inflow_lower=2.0),
    ),
    "textbook surplus water": (textbook_plant, lambda: hourly(price=-10.0, inflow_upper=20.0)),
    "textbook env flow": (
        textbook_plant,
        lambda: hourly(price=np.repeat([-20.0, 0.0, 100.0, 300.0], 6), inflow_upper=10.0),
    ),
}


@pytest.mark.parametrize("case", list(END_CASES))
@pytest.mark.parametrize("end", ["at_least_start", "fixed"])
def test_end_condition(case, end):
    """at_least_start: every reservoir ends with at least its start volume; fixed: with exactly it.
    (Cases where the two differ, i.e. where "fixed" must shed water or cannot, follow below.)"""
    make_plant, make_sc = END_CASES[case]
    plant = make_plant()
    result = solve(plant, make_sc(), end=end)
    assert result.status == "optimal", result.message
    s = result.schedule
    for res, col in ((plant.upper, "volume_upper_hm3"), (plant.lower, "volume_lower_hm3")):
        if res is None:
            continue
        v_end = s[col].iloc[-1]
        if end == "fixed":
            assert v_end == pytest.approx(res.initial_volume_hm3, abs=VOLUME_TOL_HM3)
        else:
            assert v_end >= res.initial_volume_hm3 - VOLUME_TOL_HM3


def test_fixed_end_releases_the_surplus_at_no_cost():
    """Pumped storage, two prices 100/300, upper inflow 10 m³/s, lower inflow 2 m³/s.

    The upper inflow, 240 m³/s·h = 0.864 hm³, is worth more generated at 300 (0.864·245.25 = 211.9 MWh) than
    kept, in both cases; the lower's 2 m³/s (0.1728 hm³) can be kept or released for nothing. The end
    conditions differ only in that "fixed" must release it, which costs nothing: same objective,
    300·(972 + 211.896) − 100·1200 = 235,168.8 CNY. Pumping is still 12 h at 100 MW (upper room
    5 hm³ ≥ 3.963 + 0.432), generating 1183.9 MWh ≤ 12 h · 100 MW.
    """
    plant = small_pumped_storage()
    sc = END_CASES["pumped storage with inflows"][1]()
    expected = 300.0 * (RETURNED_MWH + 0.864 * 245.25) - 100.0 * PUMPED_MWH
    loose = solve(plant, sc, end="at_least_start")
    fixed = solve(plant, sc, end="fixed")
    assert_objective(loose, expected)
    assert_objective(fixed, expected)
    assert fixed.schedule["release_lower_m3s"].sum() == pytest.approx(
        24 * (10.0 + 2.0), abs=24 * FLOW_TOL_M3S
    )


def test_fixed_end_is_infeasible_when_the_lake_cannot_shed_its_inflow():
    """textbook_plant() with the release capped at 10 m³/s, inflow 20 m³/s, price 100, 24 h.

    At least 10·24 = 240 m³/s·h = 0.864 hm³ stays in the lake. at_least_start: the 10 m³/s are generated
    (8.38755 MW, objective 100·8.38755·24 = 20,130.12 CNY) and the lake ends at 150.864 hm³. fixed: the end
    volume cannot equal the start; the diagnosis puts the 0.864 hm³ on the end condition at step 23.
    """
    plant = dataclasses.replace(
        textbook_plant(), outlet=Outlet(environmental_min_flow_m3s=5.0, max_release_m3s=10.0)
    )
    sc = constant_scenario(hours=24, inflow_upper_m3s=20.0, price_per_mwh=100.0)
    loose = solve(plant, sc)
    assert_objective(loose, 100.0 * KAPPA_95 * 10.0 * 24)
    assert loose.schedule["volume_upper_hm3"].iloc[-1] == pytest.approx(
        150.0 + C_HM3 * 10.0 * 24, abs=VOLUME_TOL_HM3
    )
    fixed = solve(plant, sc, end="fixed")
    assert fixed.status == "infeasible"
    assert "end volume of the upper reservoir (= its target) cannot hold from step 23" in fixed.message
    top = fixed.diagnosis.iloc[0]
    assert top["family"] == "end_up_hi"
    assert top["largest_violation"] == pytest.approx(C_HM3 * 10.0 * 24, abs=VOLUME_TOL_HM3)


def test_fixed_end_of_the_lower_reservoir_is_enforced():
    """small_pumped_storage() with the lower release capped at 1 m³/s and 2 m³/s of local inflow: the plant
    gains at least 24 m³/s·h = 0.0864 hm³ it cannot shed. at_least_start is feasible (objective 0 at
    price 100: nothing pays), fixed is not; the surplus sits in one of the two reservoirs at the end."""
    plant = dataclasses.replace(small_pumped_storage(), outlet=Outlet(max_release_m3s=1.0))
    sc = constant_scenario(hours=24, inflow_upper_m3s=0.0, inflow_lower_m3s=2.0, price_per_mwh=100.0)
    assert_objective(solve(plant, sc), 0.0)
    fixed = solve(plant, sc, end="fixed")
    assert fixed.status == "infeasible"
    assert "(= its target) cannot hold from step 23" in fixed.message
    top = fixed.diagnosis.iloc[0]
    assert top["family"] in ("end_up_hi", "end_lo_hi")
    assert fixed.diagnosis["largest_violation"].sum() == pytest.approx(C_HM3 * 1.0 * 24, abs=VOLUME_TOL_HM3)


@pytest.mark.parametrize("factor, keeps", [(0.0, False), (0.99, False), (1.01, True), (100.0, True)])
def test_water_value_end_keeps_water_above_its_energy_value(factor, keeps):
    """textbook_plant() (115 m, fixed head 95 m), no inflow, price 300 for 24 h, end="water_value".

    One hm³ left in the lake is worth the water value w; generated it earns 300·0.9·2.725·95
    = 300·232.9875 = 69,896.25 CNY. Below that the lake is drawn down as fast as the units allow: 100 MW
    (119.22 m³/s ≤ 140) every hour, 2400 MWh, 10.30 hm³ of the 100 hm³ above the minimum, and keeps the
    rest (at w = 0 keeping and spilling it are equally good, so only V_end ≤ 139.70 hm³ is fixed). Above it only
    the compulsory 5 m³/s is released, and generated: 4.1938 MW, 100.65 MWh; the lake ends at
    150 − 0.0036·5·24 = 149.568 hm³, and keeping water raises the objective by w·V_end.
    """
    plant = textbook_plant()
    threshold = 300.0 * 0.9 * MWH_PER_HM3_M * 95.0
    assert threshold == pytest.approx(69896.25)
    w = factor * threshold
    result = solve(
        plant,
        constant_scenario(hours=24, inflow_upper_m3s=0.0, price_per_mwh=300.0),
        end="water_value",
        water_value_upper_per_hm3=w,
    )
    s = result.schedule
    if keeps:
        e = KAPPA_95 * 5.0 * 24
        v_end = 150.0 - C_HM3 * 5.0 * 24
    else:
        e = 100.0 * 24
        v_end = 150.0 - C_HM3 * 24 * 100.0 / KAPPA_95
    assert energy(result, "power_conventional_mw") == pytest.approx(e, abs=ENERGY_TOL_MWH)
    if w > 0:
        assert s["volume_upper_hm3"].iloc[-1] == pytest.approx(v_end, abs=VOLUME_TOL_HM3)
    else:  # water left at the end is worth nothing: spilling it is as good as keeping it
        assert s["volume_upper_hm3"].iloc[-1] <= v_end + VOLUME_TOL_HM3
    assert_objective(result, 300.0 * e + w * v_end)


def test_water_value_end_generates_less_with_a_high_value():
    """Same plant and scenario: water value 10⁶ CNY/hm³ (> 69,896) generates less than water value 0."""
    plant = textbook_plant()
    sc = constant_scenario(hours=24, inflow_upper_m3s=0.0, price_per_mwh=300.0)
    low = solve(plant, sc, end="water_value", water_value_upper_per_hm3=0.0)
    high = solve(plant, sc, end="water_value", water_value_upper_per_hm3=1e6)
    e_low = low.energy_mwh()["conventional_generation_mwh"]
    e_high = high.energy_mwh()["conventional_generation_mwh"]
    assert e_high < e_low - 1000.0
    assert high.schedule["volume_upper_hm3"].iloc[-1] > low.schedule["volume_upper_hm3"].iloc[-1] + 9.0


# =====================================================================================================
# 10. Pump–generate balance per day
# =====================================================================================================
def test_daily_pump_generate_balance():
    """small_pumped_storage(), 48 h: day 1 at 100 CNY/MWh, day 2 at 100 (12 h) then 300 (12 h).

    Without the balance the plant pumps on day 1 too and generates on day 2 at its full 100 MW for the
    12 high hours: 1200 MWh from 1200/0.81 = 1481.48 MWh pumped (12·113.26 m³/s·h = 4.89 hm³ < 5 hm³ of
    room), objective 300·1200 − 100·1481.48 = 211,851.85 CNY, day 1 pumps more than it generates.
    With the daily balance day 1 (one flat price) does nothing and day 2 is section 1's cycle:
    objective 300·972 − 100·1200 = 171,600 CNY; each day Σ Q_gen = Σ Q_pump.
    """
    price = np.r_[np.full(24, 100.0), np.full(12, 100.0), np.full(12, 300.0)]
    sc = hourly(price=price, hours=48)
    plant = small_pumped_storage()
    free = solve(plant, sc)
    assert_objective(free, 300.0 * 1200.0 - 100.0 * 1200.0 / ROUND_TRIP)
    daily_free = free.schedule.groupby(free.schedule.index.floor("D"))[
        ["flow_generating_m3s", "flow_pumping_m3s"]
    ].sum()
    assert daily_free["flow_pumping_m3s"].iloc[0] > daily_free["flow_generating_m3s"].iloc[0] + 1.0

    result = solve(plant, sc, pump_generate_balance="day")
    assert_objective(result, 300.0 * RETURNED_MWH - 100.0 * PUMPED_MWH)
    daily = result.schedule.groupby(result.schedule.index.floor("D"))[
        ["flow_generating_m3s", "flow_pumping_m3s"]
    ].sum()
    assert len(daily) == 2
    np.testing.assert_allclose(
        daily["flow_generating_m3s"], daily["flow_pumping_m3s"], rtol=1e-6, atol=FLOW_TOL_M3S
    )
    assert daily["flow_pumping_m3s"].iloc[1] == pytest.approx(12 * 100 * 0.9 / (RHO_G_MW * 100), rel=1e-6)


# =====================================================================================================
# 11. Firming and tracking
# =====================================================================================================
def test_tracking_a_feasible_delivery_curve_exactly():
    """textbook_plant(), inflow 20 m³/s, no price; delivery 0 MW for 12 h then 10 MW for 12 h.

    10 MW at 95 m needs 10/0.838755 = 11.92 m³/s; the 0-MW hours release the 5 m³/s minimum as spill.
    12·11.92 + 12·5 = 203 m³/s·h < 480 m³/s·h of inflow, so the curve can be followed exactly: no
    deviation, objective 0 (price 0, no penalty), line = delivery in every step.
    """
    deliv = np.where(np.arange(24) >= 12, 10.0, 0.0)
    result = solve(textbook_plant(), hourly(inflow_upper=20.0, delivery_mw=deliv), objective="tracking")
    assert_objective(result, 0.0)
    s = result.schedule
    np.testing.assert_allclose(s["line_mw"], deliv, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["delivery_mw"], deliv)
    np.testing.assert_allclose(s["flow_conventional_m3s"].iloc[12:], 10.0 / KAPPA_95, atol=FLOW_TOL_M3S)


def test_tracking_penalises_an_unreachable_delivery():
    """The same plant tracking 150 MW: it reaches at most 100 MW (rating), so it deviates by 50 MW every
    hour: objective = −1000·50·24 = −1,200,000 CNY at the default 1000 CNY/MWh tracking penalty."""
    result = solve(textbook_plant(), hourly(inflow_upper=200.0, delivery_mw=150.0), objective="tracking")
    assert_objective(result, -1000.0 * 50.0 * 24)
    np.testing.assert_allclose(result.schedule["line_mw"], 100.0, atol=POWER_TOL_MW)


@pytest.mark.parametrize("step_h", [1.0, 2.0])
def test_firming_shortfall_is_what_the_plant_cannot_deliver(step_h):
    """textbook_plant() (rating 100 MW at 95 m, 119.2 m³/s), inflow 200 m³/s (water is no limit), no
    price; delivery 150 MW all day; PV 30 MW from 08:00 to 16:00.

    The line carries at most the delivery; hydro 100 MW plus all the PV: shortfall 150 − 100 = 50 MW in
    16 hours and 150 − 130 = 20 MW in 8. Objective = −2000·(16·50 + 8·20) + 100·(8·30) = −1,896,000 CNY
    at the default shortfall (2000) and curtailment (100) penalties, per MWh: the same on 2-hour steps.
    """
    hours = np.arange(0.0, 24.0, step_h)
    pv = np.where((hours >= 8) & (hours < 16), 30.0, 0.0)
    result = solve(
        textbook_plant(),
        hourly(inflow_upper=200.0, delivery_mw=150.0, pv_available_mw=pv, step_h=step_h),
        objective="firming",
    )
    assert_objective(result, -2000.0 * (16 * 50.0 + 8 * 20.0) + 100.0 * 8 * 30.0)
    s = result.schedule
    np.testing.assert_allclose(s["power_conventional_mw"], 100.0, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["pv_used_mw"], pv, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["shortfall_mw"], 150.0 - 100.0 - pv, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["line_mw"] + s["shortfall_mw"], 150.0, atol=POWER_TOL_MW)


def test_firming_a_deliverable_curve_has_no_shortfall():
    """Delivery 60 MW all day, PV 30 MW from 08:00 to 16:00, price 0, inflow 200 m³/s: the hydro covers
    60 − PV, so no shortfall; all PV is used (curtailment is penalised); objective = 100·8·30 = 24,000."""
    hours = np.arange(24)
    pv = np.where((hours >= 8) & (hours < 16), 30.0, 0.0)
    result = solve(
        textbook_plant(),
        hourly(inflow_upper=200.0, delivery_mw=60.0, pv_available_mw=pv),
        objective="firming",
    )
    assert_objective(result, 100.0 * 8 * 30.0)
    s = result.schedule
    np.testing.assert_allclose(s["shortfall_mw"], 0.0, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["line_mw"], 60.0, atol=POWER_TOL_MW)
    np.testing.assert_allclose(s["power_conventional_mw"], 60.0 - pv, atol=POWER_TOL_MW)


# =====================================================================================================
# 12. Input validation
# =====================================================================================================
@pytest.mark.parametrize(
    "field, value",
    [
        ("objective", "profit"),
        ("backend", "gurobi"),
        ("head", "variable"),
        ("end", "empty"),
        ("pump_generate_balance", "month"),
    ],
)
def test_unknown_choice_names_the_field(field, value):
    """A misspelt option is refused before any solve, naming the field, the value and the choices."""
    with pytest.raises(HydroSimInputError) as err:
        dispatch(small_pumped_storage(), two_price_day(), **{field: value})
    msg = str(err.value)
    assert f"`{field}`" in msg
    assert repr(value) in msg or value in msg
    assert "must be one of" in msg


@pytest.mark.parametrize("objective", ["firming", "tracking"])
def test_delivery_objectives_need_a_delivery_curve(objective):
    with pytest.raises(HydroSimInputError, match=r"`scenario\.delivery_mw`"):
        dispatch(textbook_plant(), constant_scenario(hours=24, inflow_upper_m3s=10.0), objective=objective)


def test_pump_generate_balance_needs_reversible_units():
    with pytest.raises(HydroSimInputError, match="`pump_generate_balance`"):
        dispatch(
            textbook_plant(), constant_scenario(hours=24, inflow_upper_m3s=10.0), pump_generate_balance="day"
        )
