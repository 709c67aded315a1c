"""Duty and capability of Lianghekou's reversible units (``hydro_sim.cases.lianghekou.duty``), on short windows.

Layer 1: the figures of a schedule by hand (cycle efficiency = generation / pumping, cycled water = Σ Q·Δt,
equivalent cycles = generation / store energy, days used, swings, hours at the minimum, head range).
Layer 2–3: the duty run on one week of the reference year (the duty pro rata): the target met exactly by
the annual LP and the MILP windows, unit commitment visible in the pump band, water balance, the split,
the replay through the simulator; the sensitivity's directions on two days. The whole year runs in the slow
test (``-m slow``) and in ``benchmarks/reversible_duty.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hydro_sim.cases.lianghekou import duty as D
from hydro_sim.cases.lianghekou.annual_check import design_basis_year
from hydro_sim.cases.lianghekou.plant import lianghekou_network
from hydro_sim.cases.lianghekou.reference_year import reference_year

#: An energy target holds to the solvers' feasibility tolerance on 10⁴–10⁶ MWh. [MWh]
TARGET_TOL_MWH = 1e-3
#: The issue's bound on each reservoir's water balance per step. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: The issue's bound on LP against simulator energy per group. [-]
LP_SIM_REL_TOL = 5e-3
#: Hand arithmetic in floating point. [-]
HAND_REL_TOL = 1e-12
#: Revenue of two optima of the same problem at heads that agree to the successive-head tolerance. [-]
REVENUE_REL_TOL = 1e-4
#: Fixed-speed band of one pump: rated 300 MW ± 3 %; with round-off of the MILP's feasibility tolerance. [MW]
PUMP_BAND_MW = (291.0, 309.0)
BAND_TOL_MW = 1e-3


# ---- layer 1: the figures by hand -------------------------------------------------------------------------
def _hand_schedule() -> pd.DataFrame:
    """Two days, hourly: day 1 pumps 2 h at 600 MW and generates 3 h at 300 MW; day 2 is idle."""
    idx = pd.date_range("2030-05-01", periods=48, freq="h")
    z = np.zeros(48)
    s = pd.DataFrame(index=idx)
    p_pump, q_pump, p_gen, q_gen = z.copy(), z.copy(), z.copy(), z.copy()
    p_pump[[1, 2]] = 600.0
    q_pump[[1, 2]] = 220.0
    p_gen[[10, 11, 12]] = 300.0
    q_gen[[10, 11, 12]] = 140.0
    s[f"{D.REVERSIBLE} power_mw"] = p_gen
    s[f"{D.REVERSIBLE} flow_m3s"] = q_gen
    s[f"{D.REVERSIBLE} head_m"] = 250.0  # net; gross = 250 + k·140²
    s[f"{D.PUMP} power_mw"] = p_pump
    s[f"{D.PUMP} flow_m3s"] = q_pump
    s[f"{D.PUMP} head_m"] = np.where(np.arange(48) == 2, 180.0, 255.0)  # hour 2 pumps at a low head
    level = np.full(48, 2601.0)
    level[[1, 2]] = (2600.0, 2599.0)
    level[30] = 2603.5
    s[f"{D.LOWER} level_masl"] = level
    river = np.full(48, 500.0)
    river[5:8] = 66.4
    river[20] = 1700.0
    s[f"{D.RIVER} flow_m3s"] = river
    s["line_mw"] = p_gen - p_pump
    s["price_per_mwh"] = 400.0
    return s


def test_the_figures_of_a_schedule_by_hand() -> None:
    net = lianghekou_network()
    k = net.link(D.REVERSIBLE).units.head_loss_coefficient_s2_per_m5  # type: ignore[union-attr]
    f = D.reversible_figures(_hand_schedule(), net, head_range_m=(200.0, 267.0))
    assert f.generation_mwh == 900.0 and f.pumping_mwh == 1200.0
    assert f.cycle_efficiency == pytest.approx(900.0 / 1200.0, rel=HAND_REL_TOL)
    assert f.pumped_water_hm3 == pytest.approx(2 * 220.0 * 0.0036, rel=HAND_REL_TOL)
    assert f.generated_water_hm3 == pytest.approx(3 * 140.0 * 0.0036, rel=HAND_REL_TOL)
    assert f.full_load_hours == pytest.approx(900.0 / 1200.0, rel=HAND_REL_TOL)
    assert f.equivalent_cycles == pytest.approx(900.0 / (1200.0 * 6.0), rel=HAND_REL_TOL)
    assert f.days_used == 1
    assert f.mean_daily_full_load_h == pytest.approx(0.75, rel=HAND_REL_TOL) == f.max_daily_full_load_h
    assert f.longest_generating_run_h == 3.0
    assert (f.yagen_level_min_masl, f.yagen_level_max_masl, f.yagen_swing_m) == (2599.0, 2603.5, 4.5)
    assert f.yagen_max_daily_swing_m == 2.5  # day 2: 2,601 … 2,603.5 m
    assert f.yagen_mean_daily_swing_m == pytest.approx((2.0 + 2.5) / 2, rel=HAND_REL_TOL)
    assert (f.river_min_m3s, f.river_max_m3s) == (66.4, 1700.0)
    assert f.river_hours_at_minimum == 3.0 and f.river_hours_above_plant_discharge == 1.0
    assert f.river_max_hourly_change_m3s == pytest.approx(1200.0, rel=HAND_REL_TOL)
    # gross heads: generating 250 + k·140²; pumping 255 − k·220² and 180 − k·220² (out of range)
    assert f.gross_head_min_m == pytest.approx(180.0 - k * 220.0**2, rel=HAND_REL_TOL)
    assert f.gross_head_max_m == pytest.approx(255.0 - k * 220.0**2, rel=HAND_REL_TOL)
    assert f.hours_outside_head_range == 1.0
    assert f.revenue == pytest.approx(400.0 * (900.0 - 1200.0), rel=HAND_REL_TOL)
    assert f.hours == 48.0


def test_the_default_head_range_is_the_ratio_under_the_top_gross_head() -> None:
    lo, hi = D.default_head_range_m(lianghekou_network())
    assert hi == 2865.0 - 2598.0
    assert hi / lo == pytest.approx(D.HEAD_RANGE_RATIO, rel=HAND_REL_TOL)


def test_utilisation_of_the_duty_by_hand() -> None:
    u = D.utilisation(2_400_000.0, lianghekou_network())
    assert u.duty_full_load_hours == pytest.approx(1_397_000.0 / 1200.0, rel=HAND_REL_TOL)
    assert u.duty_equivalent_cycles == pytest.approx(1_397_000.0 / 7200.0, rel=HAND_REL_TOL)
    assert u.capability_equivalent_cycles == pytest.approx(2_400_000.0 / 7200.0, rel=HAND_REL_TOL)
    assert u.duty_share_of_capability == pytest.approx(1_397_000.0 / 2_400_000.0, rel=HAND_REL_TOL)
    # Yagen-I's 21.1 hm³ at the group's 625 m³/s
    usable = lianghekou_network().node("Yagen-I").usable_volume_hm3  # type: ignore[union-attr]
    assert u.yagen_store_hours_h == pytest.approx(usable / (625.0 * 0.0036), rel=1e-9)


def test_the_duty_and_its_conventions_in_numbers() -> None:
    assert D.DUTY_MWH == pytest.approx(1_397_000.0, rel=HAND_REL_TOL)
    lo, hi = D.PUMPING_CONVENTION_MWH
    assert lo / 1e5 == pytest.approx(17.4625, rel=1e-9) and hi / 1e5 == pytest.approx(18.6267, rel=1e-5)


# ---- layer 2–3: one week of the reference year --------------------------------------------------------------
def _week(hours: float = 168.0) -> object:
    return design_basis_year(reference_year()).window(start_h=24 * 7 * 20, hours=hours)


@pytest.fixture(scope="module")
def week_duty() -> D.DutyResult:
    """The default duty run on a week: seven daily windows, successive head in each, unit commitment."""
    return D.duty(None, _week())  # type: ignore[arg-type]


def test_the_target_is_met_exactly(week_duty: D.DutyResult) -> None:
    target = D.DUTY_MWH * 168.0 / 8760.0
    assert week_duty.target_mwh == pytest.approx(target, rel=HAND_REL_TOL)
    for run in (week_duty.annual_lp, week_duty.windows_lp, week_duty.windows_milp):
        assert abs(run.figures.generation_mwh - target) <= TARGET_TOL_MWH, run.label


def test_the_implied_figures_are_those_of_the_schedule(week_duty: D.DutyResult) -> None:
    f = week_duty.windows_milp.figures
    assert f.cycle_efficiency == pytest.approx(f.generation_mwh / f.pumping_mwh, rel=HAND_REL_TOL)
    assert f.equivalent_cycles == pytest.approx(f.generation_mwh / (1200.0 * 6.0), rel=HAND_REL_TOL)
    # the daily pump–generate balance: the water pumped is the water turbined
    assert abs(f.pumped_water_hm3 - f.generated_water_hm3) <= BALANCE_TOL_HM3
    # a pumped store loses energy over the cycle
    assert 0.0 < f.cycle_efficiency < 0.9 * 0.9


def test_the_milp_windows_commit_whole_pumps(week_duty: D.DutyResult) -> None:
    """Fixed-speed pumps run at 291–309 MW each or not at all: every step's input is n × [291, 309]."""
    sched = week_duty.windows_milp.schedule
    p = sched[f"{D.PUMP} power_mw"].to_numpy()
    units = sched[f"{D.PUMP} units"].to_numpy()
    assert np.allclose(units, np.round(units), atol=1e-6)
    assert np.all(p >= units * PUMP_BAND_MW[0] - BAND_TOL_MW)
    assert np.all(p <= units * PUMP_BAND_MW[1] + BAND_TOL_MW)
    assert np.any(units > 0)
    # no pumping and generating in the same step
    gen = sched[f"{D.REVERSIBLE} power_mw"].to_numpy()
    assert not np.any((p > 1e-6) & (gen > 1e-6))


def test_water_balances_close(week_duty: D.DutyResult) -> None:
    assert week_duty.water_balance_lp_hm3 <= BALANCE_TOL_HM3
    assert week_duty.water_balance_simulation_hm3 <= BALANCE_TOL_HM3


def test_one_window_costs_nothing_against_the_annual_lp() -> None:
    """A single window of the whole week is the annual LP's problem: the split costs nothing."""
    res = D.duty(None, _week(), window_days=7, unit_commitment=False)  # type: ignore[arg-type]
    assert len(res.windows) == 1
    assert abs(res.split_cost) <= REVENUE_REL_TOL


def test_daily_windows_split_the_week_and_commitment_costs_no_less_than_nothing(
    week_duty: D.DutyResult,
) -> None:
    assert list(week_duty.windows["hours"]) == [24.0] * 7
    assert week_duty.split_cost >= -REVENUE_REL_TOL  # the split restricts the annual LP
    assert week_duty.commitment_cost >= -REVENUE_REL_TOL  # integer units restrict the LP windows
    assert set(week_duty.windows["milp_status"]) == {"optimal"}


def test_the_replay_through_the_simulator_cuts_only_back(week_duty: D.DutyResult) -> None:
    """The replay only ever cuts back (pumping never more than scheduled), and records what it cut."""
    e = week_duty.lp_vs_simulation
    assert e["pumping"] <= 0.0
    assert week_duty.simulation_cutbacks_mwh >= 0.0


def test_the_replay_through_the_simulator_agrees_per_group(week_duty: D.DutyResult) -> None:
    """Energy agrees within 0.5 % per group, pumping included (each window's heads iterated to its own
    schedule: at the annual LP's heads Yagen-I's units were −1.5 % off on this week)."""
    e = week_duty.lp_vs_simulation
    for group in ("conventional", "reversible_generation", "pumping", "yagen_i_units"):
        assert abs(e[group]) <= LP_SIM_REL_TOL, (group, e[group])


def test_the_milp_replay_agrees_in_january_too() -> None:
    res = D.duty(None, design_basis_year(reference_year()).window(start_h=0.0, hours=168.0))  # type: ignore[arg-type]
    for group, e in res.lp_vs_simulation.items():
        assert abs(e) <= LP_SIM_REL_TOL, (group, e)


def test_the_lp_windows_replay_within_tolerance_in_january() -> None:
    res = D.duty(
        None, design_basis_year(reference_year()).window(start_h=0.0, hours=168.0), unit_commitment=False
    )  # type: ignore[arg-type]
    for group, e in res.lp_vs_simulation.items():
        assert abs(e) <= LP_SIM_REL_TOL, (group, e)
    assert res.water_balance_simulation_hm3 <= BALANCE_TOL_HM3


def test_the_pro_rata_split_over_several_windows() -> None:
    """Three windows on a week (3 + 3 + 1 days), LP only: each window generates its share of the hours."""
    res = D.duty(None, _week(), window_days=3, unit_commitment=False)  # type: ignore[arg-type]
    w = res.windows
    assert list(w["hours"]) == [72.0, 72.0, 24.0]
    assert np.allclose(w["target_mwh"], res.target_mwh * w["hours"] / 168.0, rtol=HAND_REL_TOL)
    assert abs(res.windows_lp.figures.generation_mwh - res.target_mwh) <= TARGET_TOL_MWH
    # the split restricts the annual LP (same heads up to the successive-head tolerance)
    assert res.split_cost >= -REVENUE_REL_TOL
    assert res.water_balance_lp_hm3 <= BALANCE_TOL_HM3


def test_capability_bounds_the_duty_revenue(week_duty: D.DutyResult) -> None:
    cap = D.capability(None, _week())  # type: ignore[arg-type]
    assert cap.figures.revenue >= week_duty.annual_lp.figures.revenue * (1.0 - REVENUE_REL_TOL)


def test_an_impossible_target_is_diagnosed() -> None:
    """More than 1,200 MW for every hour of two days cannot be generated: the diagnosis names the target."""
    with pytest.raises(D.DutySolveError) as err:
        D.duty(None, _week(48.0), target_mwh=1200.0 * 48.0 + 1000.0, unit_commitment=False)  # type: ignore[arg-type]
    assert err.value.status == "infeasible"
    assert err.value.diagnosis is not None
    assert f"{D.REVERSIBLE}-energy_target_lo" in set(err.value.diagnosis["family"])


def test_the_section_leads_with_the_duty_against_the_capability(week_duty: D.DutyResult) -> None:
    cap = D.capability(None, _week())  # type: ignore[arg-type]
    text = D.render_duty_section(cap, week_duty)
    lead = text.splitlines()[2]
    f = week_duty.windows_milp.figures
    assert lead.startswith("**The duty of 13.97 × 10⁸ kWh = 1.397 TWh is within the plant's capability of")
    assert f"cycle efficiency of {f.cycle_efficiency:.3f}" in lead
    assert f"a Yagen-I swing of {f.yagen_swing_m:.2f} m" in lead
    assert "no check of the annual figure" in lead
    assert "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh" in text


# ---- the sensitivity's directions on two days -------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_day_sensitivity() -> pd.DataFrame:
    return D.sensitivity(_week(48.0))  # type: ignore[arg-type]


def test_the_sensitivity_moves_the_right_way(two_day_sensitivity: pd.DataFrame) -> None:
    table = two_day_sensitivity
    t = table.set_index(["parameter", "case"])
    assert list(table["parameter"].unique()) == [
        "base",
        "cycle efficiency",
        "Yagen-I usable volume",
        "release ramp",
        "tariff spread",
        "head range",
    ]
    cyc = t.loc["cycle efficiency"]
    assert cyc["duty_cycle_efficiency"].iloc[1] > cyc["duty_cycle_efficiency"].iloc[0]  # 0.80 above 0.75
    assert cyc["duty_pumping_mwh"].iloc[1] < cyc["duty_pumping_mwh"].iloc[0]
    vol = t.loc["Yagen-I usable volume"]["capability_mwh"]
    assert vol.iloc[1] >= vol.iloc[0] - TARGET_TOL_MWH  # more storage, no less capability
    ramp = t.loc["release ramp"]["capability_mwh"]
    assert ramp.iloc[1] >= ramp.iloc[0] - TARGET_TOL_MWH  # no ramp limit, no less capability
    spread = t.loc["tariff spread"]["capability_mwh"]
    assert spread.iloc[1] >= spread.iloc[0] - TARGET_TOL_MWH  # a wider spread pays more cycling
    # a head range only takes steps and flows away: no more revenue than the base at the same (fixed) heads
    rng = t.loc["head range"]
    assert rng["capability_revenue"].iloc[0] <= t.loc["base"]["capability_revenue"].iloc[0] * (
        1 + REVENUE_REL_TOL
    )
    assert set(table["method"].iloc[1:]) == {"fixed-head LP at the base heads"}
    # every row meets the duty
    assert np.all(np.abs(table["duty_generation_mwh"] - D.duty_target_mwh(_week(48.0))) <= TARGET_TOL_MWH)  # type: ignore[arg-type]


def test_the_sensitivity_with_half_its_cases_in_a_child_process_is_the_same(
    two_day_sensitivity: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``beside=True`` runs every other case in a child process: the same table, bit for bit."""
    import hydro_sim._children as C

    monkeypatch.setattr(C, "can_run_beside", lambda: True)  # (whatever this machine's cores)
    beside = D.sensitivity(_week(48.0), beside=True)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(beside, two_day_sensitivity, check_exact=True)


def test_the_volume_inverse_brackets_or_says_why() -> None:
    year = _week(48.0)
    inv = D.volume_inverse(year, lo_hm3=2.0)  # type: ignore[arg-type]
    runs = inv.runs
    target = D.duty_target_mwh(year)  # type: ignore[arg-type]
    if inv.root_hm3 is None:
        assert "not reached" in inv.status
        lo, hi = runs["capability_mwh"].iloc[0], runs["capability_mwh"].iloc[1]
        assert (lo - target) * (hi - target) > 0
    else:
        assert 2.0 <= inv.root_hm3 <= 21.1
        near = runs.iloc[(runs["usable_volume_hm3"] - inv.root_hm3).abs().argsort()[:1]]
        assert float(near["usable_volume_hm3"].iloc[0]) == pytest.approx(inv.root_hm3, abs=D.VOLUME_XTOL_HM3)


# ---- the year --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def year_runs() -> tuple[D.RunResult, D.DutyResult]:
    return D.capability(), D.duty()


@pytest.mark.hours
def test_the_full_year_duty_run(year_runs: tuple[D.RunResult, D.DutyResult]) -> None:
    cap, res = year_runs
    f = res.windows_milp.figures
    assert abs(f.generation_mwh - D.DUTY_MWH) <= TARGET_TOL_MWH * 10
    assert cap.figures.generation_mwh > D.DUTY_MWH  # the duty is within the capability under the tariff
    assert res.water_balance_lp_hm3 <= BALANCE_TOL_HM3 and res.water_balance_simulation_hm3 <= BALANCE_TOL_HM3
    assert f.cycle_efficiency == pytest.approx(f.generation_mwh / f.pumping_mwh, rel=HAND_REL_TOL)
    assert abs(res.lp_vs_simulation["reversible_generation"]) <= LP_SIM_REL_TOL


@pytest.mark.hours
def test_the_full_year_lp_against_the_simulator_per_group(
    year_runs: tuple[D.RunResult, D.DutyResult],
) -> None:
    _, res = year_runs
    for group, err in res.lp_vs_simulation.items():
        assert abs(err) <= LP_SIM_REL_TOL, group
