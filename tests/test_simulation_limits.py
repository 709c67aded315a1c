"""The simulator's grid line (limits 9 and 10): hand-derived cut-backs on small plants, and the LP bound.

The line carries the plant's net exchange P_conv + P_gen − P_pump (export positive), within ±C, C the
smaller of ``Plant.line.capacity_mw`` and the scenario's ``line_capacity_mw`` at the step, as in the LP's
busbar row. An export above C cuts the reversible generation first, then the conventional generation
(the water stays in the upper reservoir); an import above C cuts the pumping. Each cut is recorded with
its own limit, water and energy.

Numbers, at ρ = 1000 kg/m³, g = 9.81 m/s², Δt = 1 h (as ``test_simulation.py``): ρg/10⁶ = 0.00981 MW per
(m³/s · m); c = 0.0036 hm³ per (m³/s · h); ``small_pumped_storage()`` has two 1 km² reservoirs (1 hm³ per
metre) 100 m apart and one 100 MW pump-turbine at η = 0.9, no waterway loss.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import GridLine, Outlet, Plant, Scenario, TurbineGroup
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.optimise import dispatch
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, SimulationResult, TouRulePolicy, simulate
from hydro_sim.simulation import api as K

# -- tolerances (named, with reasons) ------------------------------------------------------------------
#: Water balance of a reservoir over a step: five flows times c added to ≤ 200 hm³; round-off. [hm³]
BALANCE_TOL_HM3 = 1e-9
#: Volume bounds: the kernel's limit passes end within 1e-12 hm³ of a bound. [hm³]
BOUND_TOL_HM3 = 1e-9
#: The line is met at the step's head estimate, where the flows are solved; the power is then reckoned at
#: the mid-step head. The estimate starts from the flows scaled to the line at the start head, so the two
#: heads differ by the second-order error of that scaling (the flows move by ΔH/H ≈ 0.1 % of a ≈0.1 m head
#: change): ~1e-7 of the power, measured 7e-7 on the hybrid plant below. 1e-5 bounds it and still catches
#: a head estimate made from the uncut flows (3.6e-3 on small_pumped_storage with a 10 MW line). [-]
LINE_REL = 1e-5
#: The kernel's allowance for round-off on a limit (RATING_TOL, shared with the unit ratings): an exchange
#: within C·(1 + RATING_TOL) is not cut. A full reservoir spilling what the line cannot take sits at its
#: maximum, while the head estimate (made before the spill is known) has it half a step's inflow higher,
#: ≈0.016 m on the textbook lake's 100 m: 1.6e-4 of the power, below this bound; likewise pumping that an
#: empty lower reservoir cuts after the estimate (4.1e-4 in the case below). [-]
LINE_ALLOWANCE_REL = K.RATING_TOL
#: The net exchange through a line out of service (0 MW) is a difference of powers of ~100 MW that the
#: line cut made equal: its round-off, measured 1.4e-14 MW. [MW]
NET_ROUND_OFF_MW = 1e-9
#: Revenue of a schedule against the LP optimum: HiGHS meets rows to 1e-7 (relative to their ~100 MW
#: terms), i.e. ~1e-5 MW per step, times ≤ 300 CNY/MWh over ≤ 24 h: ~0.1 CNY; 1 CNY bounds it. [CNY]
LP_OPTIMUM_TOL_CNY = 1.0

# -- hand constants ------------------------------------------------------------------------------------
RHO_G_MW = 1000.0 * 9.81 / 1e6  # MW per (m³/s · m)
C_HM3 = 0.0036  # hm³ per (m³/s · h)
ETA = 0.9
HEAD0_M = 100.0


def with_line(plant: Plant, capacity_mw: float) -> Plant:
    return dataclasses.replace(plant, line=GridLine(capacity_mw=capacity_mw))


def hybrid(capacity_mw: float, *, environmental_min_flow_m3s: float = 0.0) -> Plant:
    """small_pumped_storage() with a 60 MW conventional unit (η = 0.9, 100 m³/s) on the same reservoirs."""
    conv = TurbineGroup(
        name="conventional", n_units=1, rated_power_mw=60.0, max_flow_m3s=100.0, efficiency=ETA
    )
    return dataclasses.replace(
        small_pumped_storage(),
        conventional=conv,
        line=GridLine(capacity_mw=capacity_mw),
        outlet=Outlet(environmental_min_flow_m3s=environmental_min_flow_m3s),
    )


def const_policy(decision: dict) -> FunctionPolicy:
    return FunctionPolicy(decide=lambda state: dict(decision))


def one_hour() -> Scenario:
    return constant_scenario(hours=1, inflow_upper_m3s=0.0)


def assert_physical(res: SimulationResult, plant: Plant) -> None:
    """Both balances at every step, recomputed here; volumes within bounds; and the line met."""
    a, c = res.arrays, C_HM3 * res.dt_h
    v_up = a["volume_upper_hm3"]
    prev = np.concatenate([res.initial_volume_upper_hm3[:, None], v_up[:, :-1]], axis=1)
    err = (
        v_up
        - prev
        - c
        * (
            a["inflow_upper_m3s"]
            + a["flow_pumping_m3s"]
            - a["flow_conventional_m3s"]
            - a["flow_generating_m3s"]
            - a["spill_upper_m3s"]
        )
    )
    assert np.max(np.abs(err)) < BALANCE_TOL_HM3
    lo, hi = plant.upper.volume_bounds_hm3(res.index)
    assert np.all((v_up >= np.asarray(lo) - BOUND_TOL_HM3) & (v_up <= np.asarray(hi) + BOUND_TOL_HM3))
    if plant.lower is not None:
        v_lo = a["volume_lower_hm3"]
        prev = np.concatenate([res.initial_volume_lower_hm3[:, None], v_lo[:, :-1]], axis=1)
        err = (
            v_lo
            - prev
            - c
            * (
                a["inflow_lower_m3s"]
                + a["flow_conventional_m3s"]
                + a["flow_generating_m3s"]
                + a["spill_upper_m3s"]
                - a["flow_pumping_m3s"]
                - a["release_lower_m3s"]
            )
        )
        assert np.max(np.abs(err)) < BALANCE_TOL_HM3
        lo, hi = plant.lower.volume_bounds_hm3(res.index)
        assert np.all((v_lo >= np.asarray(lo) - BOUND_TOL_HM3) & (v_lo <= np.asarray(hi) + BOUND_TOL_HM3))
    net = a["power_conventional_mw"] + a["power_generating_mw"] - a["power_pumping_mw"]
    np.testing.assert_array_equal(a["line_mw"], net)
    assert np.all(np.abs(net) <= a["line_capacity_mw"] * (1.0 + LINE_ALLOWANCE_REL) + NET_ROUND_OFF_MW)


def run(plant: Plant, scenario, policy, **kw) -> SimulationResult:
    res = simulate(plant, scenario, policy, **kw)
    assert_physical(res, plant)
    return res


def turbine_root_m3s(p_mw: float) -> float:
    """Turbined flow for output p with the lower reservoir held (the upper falls by cQ, so the mid-step head
    is H₀ − cQ/2): ρg/10⁶·η·Q·(H₀ − cQ/2) = P, the smaller root."""
    kappa = RHO_G_MW * ETA
    a, b, cc = kappa * C_HM3 / 2, -kappa * HEAD0_M, p_mw
    return (-b - math.sqrt(b * b - 4 * a * cc)) / (2 * a)


def pump_root_m3s(p_mw: float) -> float:
    """Pumped flow for input p with the automatic release (upper up cQ/2, lower down cQ/2 at mid-step):
    ρg/10⁶·Q·(H₀ + cQ) = η·P, the positive root."""
    a, b, cc = RHO_G_MW * C_HM3, RHO_G_MW * HEAD0_M, -ETA * p_mw
    return (-b + math.sqrt(b * b - 4 * a * cc)) / (2 * a)


# == hand-derived cut-backs ===============================================================================
def test_a_10_mw_line_exports_10_of_100_mw_asked_and_records_the_cut():
    """100 MW asked through a 10 MW line: 10 MW leaves, at the flow Q₁₀ that gives 10 MW at the mid-step
    head; the cut is the rest of the 100 MW flow (solved at the step's head estimate, H₀ − cQ₁₀/2), 90 MWh
    are not delivered, and the limit is the line's export."""
    plant = with_line(small_pumped_storage(), 10.0)
    res = run(plant, one_hour(), const_policy({"generating_mw": 100.0}))
    q10 = turbine_root_m3s(10.0)
    q100 = 100.0 / (RHO_G_MW * ETA * (HEAD0_M - C_HM3 * q10 / 2))
    a = res.arrays
    assert a["line_mw"][0, 0] == pytest.approx(10.0, rel=LINE_REL)
    assert a["flow_generating_m3s"][0, 0] == pytest.approx(q10, rel=LINE_REL)
    assert a["limit_generating"][0, 0] == K.LINE_EXPORT
    cut = res.cutbacks()
    assert cut[["group", "limit"]].values.tolist() == [["generating", "line capacity (export)"]]
    assert cut["water_hm3"].iloc[0] == pytest.approx((q100 - q10) * C_HM3, rel=LINE_REL)
    assert cut["energy_mwh"].iloc[0] == pytest.approx(90.0, rel=LINE_REL)
    assert res.totals["shortfall_generating_mwh"].iloc[0] == pytest.approx(90.0, rel=LINE_REL)
    # the water not turbined stays in the upper reservoir
    assert a["volume_upper_hm3"][0, 0] == pytest.approx(5.0 - C_HM3 * q10, rel=LINE_REL)


def test_a_10_mw_line_imports_10_of_100_mw_of_pumping_and_records_the_cut():
    plant = with_line(small_pumped_storage(), 10.0)
    res = run(plant, one_hour(), const_policy({"pumping_mw": 100.0}))
    a = res.arrays
    assert a["power_pumping_mw"][0, 0] == pytest.approx(10.0, rel=LINE_REL)
    assert a["line_mw"][0, 0] == pytest.approx(-10.0, rel=LINE_REL)
    assert a["flow_pumping_m3s"][0, 0] == pytest.approx(pump_root_m3s(10.0), rel=LINE_REL)
    assert a["limit_pumping"][0, 0] == K.LINE_IMPORT
    cut = res.cutbacks()
    assert cut[["group", "limit"]].values.tolist() == [["pumping", "line capacity (import)"]]
    assert cut["energy_mwh"].iloc[0] == pytest.approx(90.0, rel=LINE_REL)
    summary = res.cutback_summary()
    assert summary[["group", "limit", "steps"]].values.tolist() == [["pumping", "line capacity (import)", 1]]


def test_the_line_cuts_reversible_generation_before_conventional():
    """30 MW conventional + 50 MW reversible through 40 MW: the reversible falls to 10 MW, the conventional
    keeps its 30; through 20 MW: the reversible stops and the conventional falls to 20."""
    ask = {"conventional_mw": 30.0, "generating_mw": 50.0}
    a = run(hybrid(40.0), one_hour(), const_policy(ask)).arrays
    assert a["power_conventional_mw"][0, 0] == pytest.approx(30.0, rel=LINE_REL)
    assert a["power_generating_mw"][0, 0] == pytest.approx(10.0, rel=LINE_REL)
    assert a["limit_conventional"][0, 0] == K.NONE and a["limit_generating"][0, 0] == K.LINE_EXPORT
    a = run(hybrid(20.0), one_hour(), const_policy(ask)).arrays
    assert a["power_generating_mw"][0, 0] == 0.0
    assert a["power_conventional_mw"][0, 0] == pytest.approx(20.0, rel=LINE_REL)
    assert a["limit_conventional"][0, 0] == a["limit_generating"][0, 0] == K.LINE_EXPORT


def test_the_import_is_the_pumping_less_the_generation():
    """60 MW conventional while pumping 100 MW through a 20 MW line: pumping can take 60 + 20 = 80 MW."""
    a = run(hybrid(20.0), one_hour(), const_policy({"conventional_mw": 60.0, "pumping_mw": 100.0})).arrays
    assert a["power_conventional_mw"][0, 0] == pytest.approx(60.0, rel=LINE_REL)
    assert a["power_pumping_mw"][0, 0] == pytest.approx(80.0, rel=LINE_REL)
    assert a["limit_pumping"][0, 0] == K.LINE_IMPORT and a["limit_conventional"][0, 0] == K.NONE


def test_an_export_cut_while_pumping_from_an_empty_lower_spills_the_water_the_river_needs():
    """Lower reservoir at its minimum, 20 m³/s environmental flow: pumping can only lift what the
    conventional unit brings down less that flow. A 5 MW line cuts the conventional unit; each cut takes
    water the pumps lift from the lower, so pumping stops (its input would only raise the export the line
    cuts), the unit gives the line's 5 MW, and the upper spills the rest of the river's 20 m³/s (recorded as
    the environmental minimum (raised)): the lower stays at its minimum and the release meets its
    minimum."""
    plant = hybrid(5.0, environmental_min_flow_m3s=20.0)
    res = run(
        plant,
        one_hour(),
        const_policy({"conventional_mw": 60.0, "pumping_mw": 100.0}),
        initial_volume_lower_hm3=0.0,
    )
    a = res.arrays
    # the export, reckoned at the mid-step head, within the kernel's allowance of the line
    assert a["line_mw"][0, 0] == pytest.approx(5.0, rel=LINE_ALLOWANCE_REL)
    assert a["limit_conventional"][0, 0] == K.LINE_EXPORT
    assert a["spill_upper_m3s"][0, 0] > 0.0
    # the lower reservoir's inflow (turbined + spilled) is exactly what leaves it (pumped + released)
    down = a["flow_conventional_m3s"][0, 0] + a["spill_upper_m3s"][0, 0]
    assert down == pytest.approx(a["flow_pumping_m3s"][0, 0] + a["release_lower_m3s"][0, 0], abs=1e-9)
    assert a["release_lower_m3s"][0, 0] == pytest.approx(20.0, abs=1e-9)
    assert a["volume_lower_hm3"][0, 0] == pytest.approx(0.0, abs=BOUND_TOL_HM3)
    assert a["flow_pumping_m3s"][0, 0] == 0.0
    cuts = res.cutbacks()
    spill = cuts[cuts["group"] == "spill"]
    assert spill["limit"].tolist() == ["environmental minimum (raised)"]
    assert spill["water_hm3"].iloc[0] == pytest.approx(a["spill_upper_m3s"][0, 0] * C_HM3, rel=1e-12)


def test_a_full_reservoir_spills_what_the_line_cannot_take():
    """The textbook lake full (120 m) with 100 m³/s coming in, the level-holding rule turbining it, a 10 MW
    line: the units give 10 MW, the rest of the inflow spills and the lake stays full."""
    plant = with_line(textbook_plant(initial_level_masl=120.0), 10.0)
    rule = TouRulePolicy(pump_when_price_at_most_per_mwh=0.0, generate_when_price_at_least_per_mwh=1e3)
    res = run(plant, constant_scenario(hours=3, inflow_upper_m3s=100.0), rule)
    a = res.arrays
    np.testing.assert_allclose(a["line_mw"], 10.0, rtol=LINE_ALLOWANCE_REL)
    np.testing.assert_allclose(a["spill_upper_m3s"] + a["flow_conventional_m3s"], 100.0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["volume_upper_hm3"], plant.upper.max_volume_hm3, rtol=0, atol=BOUND_TOL_HM3)
    assert np.all(a["limit_conventional"] == K.LINE_EXPORT)


def test_a_time_varying_scenario_line_within_the_plants_rating():
    """The scenario's line (30, 0, 60, 200 MW) within the plant's rating: unlimited plant, 100 MW asked:
    30, 0, 60 and 100 MW leave; a 50 MW plant line: 30, 0, 50, 50."""
    idx = pd.date_range("2030-01-01", periods=4, freq="h")
    sc = Scenario(
        inflow_upper_m3s=pd.Series(0.0, index=idx),
        line_capacity_mw=pd.Series([30.0, 0.0, 60.0, 200.0], index=idx),
    )
    ask = const_policy({"generating_mw": 100.0})
    a = run(small_pumped_storage(), sc, ask).arrays
    np.testing.assert_allclose(a["line_mw"][0], [30.0, 0.0, 60.0, 100.0], rtol=LINE_REL, atol=0)
    assert a["limit_generating"][0].tolist() == [K.LINE_EXPORT] * 3 + [K.NONE]
    assert a["flow_generating_m3s"][0, 1] == 0.0
    a = run(with_line(small_pumped_storage(), 50.0), sc, ask).arrays
    np.testing.assert_allclose(a["line_mw"][0], [30.0, 0.0, 50.0, 50.0], rtol=LINE_REL, atol=0)
    np.testing.assert_array_equal(a["line_capacity_mw"][0], [30.0, 0.0, 50.0, 50.0])


def test_an_unlimited_line_changes_nothing():
    """A line far above the units' ratings gives the same results, bit for bit, as no line at all."""
    rule = TouRulePolicy(pump_when_price_at_most_per_mwh=150.0, generate_when_price_at_least_per_mwh=250.0)
    free = simulate(small_pumped_storage(), two_price_day(), rule)
    wide = simulate(with_line(small_pumped_storage(), 1e4), two_price_day(), rule)
    for name in ("flow_generating_m3s", "flow_pumping_m3s", "volume_upper_hm3", "power_generating_mw"):
        np.testing.assert_array_equal(free.arrays[name], wide.arrays[name])


def test_line_cuts_in_a_batch_equal_single_runs_bit_for_bit():
    """40 scenarios (a block of 32 and one of 8), each with its own line series and inflow: the batch gives
    every scenario's single-run results exactly, and ``record="totals"`` tallies the same cut-backs."""
    idx = pd.date_range("2030-01-01", periods=48, freq="h")
    rng = np.random.default_rng(7)
    price = np.where(np.arange(48) % 24 < 12, 100.0, 300.0)
    scenarios = [
        Scenario(
            inflow_upper_m3s=pd.Series(rng.uniform(0, 80, 48), index=idx),
            price_per_mwh=pd.Series(price, index=idx),
            line_capacity_mw=pd.Series(rng.choice([0.0, 10.0, 45.0, 200.0], 48), index=idx),
            name=f"s{k}",
        )
        for k in range(40)
    ]
    plant = hybrid(60.0)
    rule = TouRulePolicy(pump_when_price_at_most_per_mwh=150.0, generate_when_price_at_least_per_mwh=250.0)
    batch = run(plant, scenarios, rule)
    assert (batch.cut_steps[:, :, [K.LINE_EXPORT, K.LINE_IMPORT]] > 0).any()
    for k in (0, 31, 32, 39):
        one = simulate(plant, scenarios[k], rule)
        for name, arr in one.arrays.items():
            np.testing.assert_array_equal(batch.arrays[name][k], arr[0], err_msg=name)
    totals = simulate(plant, scenarios, rule, record="totals")
    np.testing.assert_array_equal(totals.cut_steps, batch.cut_steps)
    np.testing.assert_allclose(totals.cut_water_hm3, batch.cut_water_hm3, rtol=0, atol=1e-12)
    assert totals.cutback_summary().equals(batch.cutback_summary())


def test_a_tou_rule_on_a_line_limited_plant_never_beats_the_lp_optimum():
    """The issue's case: the TOU rule pumped and generated 100 MW over a 10 MW line and "beat" the LP
    optimum many times over. Now the rule's exchange is cut to the line, and its revenue cannot exceed the
    LP's optimum on the same inputs (the LP may end with any volume, so the rule's schedule is one of its
    feasible points: its only differences are the head, which the line's 10 MW barely moves)."""
    plant = with_line(small_pumped_storage(), 10.0)
    day = two_price_day()
    rule = TouRulePolicy(pump_when_price_at_most_per_mwh=150.0, generate_when_price_at_least_per_mwh=250.0)
    res = simulate(plant, day, rule)
    lp = dispatch(plant, day, end="water_value")
    s = lp.schedule
    lp_revenue = float((s["price_per_mwh"] * s["line_mw"]).sum() * day.dt_h)
    # before the line was enforced: 239,997 CNY against the LP's 48,000
    assert res.totals["revenue"].iloc[0] <= lp_revenue + LP_OPTIMUM_TOL_CNY
    assert_physical(res, plant)
    # the rule's exchange is the line, both ways: 12 h at −10 MW and 12 h at +10 MW
    np.testing.assert_allclose(np.abs(res.arrays["line_mw"][0]), 10.0, rtol=LINE_REL)


# == the release ramp (limit 11) =========================================================================
def ramped(max_ramp_m3s_per_h: float) -> Plant:
    return dataclasses.replace(
        small_pumped_storage(),
        outlet=Outlet(environmental_min_flow_m3s=0.0, max_ramp_m3s_per_h=max_ramp_m3s_per_h),
    )


def test_the_release_ramps_up_by_its_limit_and_the_lower_reservoir_takes_the_rest():
    """Idle for an hour, then 50 MW: the automatic release would pass the ~57 m³/s turbined on at once; a
    5 m³/s-per-hour ramp lets it rise 0, 5, 10, 15, 20 (the first step is free, as in the LP, which ramps
    from its second step). The water held back is recorded as the ramp's cut-back: the automatic release
    wants Q_gen + (V_lo − V_target)/c, so the cut of each step is exactly the lower reservoir's rise over
    its target, V_lo[t] − 5 hm³."""
    policy = FunctionPolicy(decide=lambda state: {"generating_mw": 50.0 * (state.t > 0)})
    res = run(ramped(5.0), constant_scenario(hours=5, inflow_upper_m3s=0.0), policy)
    a = res.arrays
    np.testing.assert_allclose(a["release_lower_m3s"][0], [0.0, 5.0, 10.0, 15.0, 20.0], rtol=0, atol=1e-12)
    assert a["limit_release"][0].tolist() == [K.NONE] + [K.RAMP] * 4
    cut = res.cutbacks()
    assert set(cut["limit"]) == {"ramp"}
    np.testing.assert_allclose(cut["water_hm3"], a["volume_lower_hm3"][0, 1:] - 5.0, rtol=0, atol=1e-12)
    assert res.cutback_summary()[["group", "limit", "steps"]].values.tolist() == [["release", "ramp", 4]]


def test_the_ramp_carries_over_from_step_to_step_of_a_function_policy():
    """A FunctionPolicy runs the kernel one step at a time: the release of the step before is carried, so
    it gives the same results, bit for bit, as the same requests replayed in one call."""
    idx = pd.date_range("2030-01-01", periods=24, freq="h")
    rng = np.random.default_rng(3)
    gen = np.where(rng.random(24) < 0.5, rng.uniform(0, 150, 24), 0.0)
    rel = np.where(rng.random(24) < 0.3, rng.uniform(0, 80, 24), np.nan)
    sc = Scenario(inflow_upper_m3s=pd.Series(rng.uniform(0, 30, 24), index=idx))
    plant = ramped(7.0)
    replay = run(
        plant,
        sc,
        ReplayPolicy(
            schedule=pd.DataFrame(
                {"flow_generating_m3s": gen, "release_lower_m3s": np.nan_to_num(rel)}, index=idx
            )
        ),
    )
    stepwise = run(
        plant,
        sc,
        FunctionPolicy(
            decide=lambda state: {"generating_m3s": gen[state.t], "release_m3s": np.nan_to_num(rel)[state.t]}
        ),
    )
    assert (replay.arrays["limit_release"] == K.RAMP).any()
    for name, arr in replay.arrays.items():
        np.testing.assert_array_equal(stepwise.arrays[name], arr, err_msg=name)
    assert np.all(np.abs(np.diff(replay.arrays["release_lower_m3s"][0])) <= 7.0 + 1e-9)
