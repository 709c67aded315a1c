"""``simulate(..., record="totals")``: per-scenario totals without (scenarios, steps) series.

The kernel adds up every scenario's flows, energies, revenue, shortfalls, volume extremes and cut-backs
while it runs, in both record modes. These tests hold the totals to the series of the same run (the sums
a user would take), to hand values on ``small_pumped_storage()``, and to the water balance; and they check
that a run keeping totals only refuses the per-step views with a clear error.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError, Scenario, lianghekou
from hydro_sim.examples import constant_scenario, small_pumped_storage, two_price_day
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, TouRulePolicy, simulate

#: Totals against the sums of the same run's series: the kernel adds step by step, numpy sums pairwise;
#: over a week of flows up to ~10³ m³/s that differs by ~1e-13 relative. [-]
SUM_REL = 1e-11
#: Water balance over a whole run from the totals: volumes of ~10⁴ hm³ and sums of ~10⁵ m³/s·h. [hm³]
RUN_BALANCE_TOL_HM3 = 1e-6
C_HM3 = 0.0036
#: A power request is turned into flow at a head estimate (see test_simulation.py). [-]
POWER_REQUEST_REL = 1e-4


def tou_week_batch() -> list[Scenario]:
    """Three January weeks of Lianghekou at 0.7, 1.0 and 1.3 × 300 m³/s inflow, one TOU price series."""
    idx = pd.date_range("2030-01-07", periods=168, freq="h")
    h = idx.hour
    price = pd.Series(
        np.where((h >= 23) | (h < 7), 160.0, np.where((h >= 15) & (h < 21), 640.0, 400.0)), index=idx
    )
    return [
        Scenario(
            inflow_upper_m3s=pd.Series(300.0 * f, index=idx),
            inflow_lower_m3s=pd.Series(5.0, index=idx),
            price_per_mwh=price,
            name=f"×{f}",
        )
        for f in (0.7, 1.0, 1.3)
    ]


@pytest.fixture(scope="module")
def both():
    plant = lianghekou()
    policy = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    scenarios = tou_week_batch()
    return (
        plant,
        simulate(plant, scenarios, policy, record="all"),
        simulate(plant, scenarios, policy, record="totals"),
    )


def test_totals_are_the_same_in_both_record_modes(both):
    _, full, tot = both
    pd.testing.assert_frame_equal(full.totals, tot.totals, check_exact=True)
    np.testing.assert_array_equal(full.cut_steps, tot.cut_steps)
    assert tot.arrays == {} and tot.energy_shortfall_mwh == {}


def test_totals_equal_the_sums_of_the_series(both):
    """Water in hm³ is c·Σ flow, energy in MWh is Δt·Σ power, revenue is Δt·Σ price·(net power)."""
    _, full, _ = both
    a, t = full.arrays, full.totals
    for flow, total in (
        ("inflow_upper_m3s", "inflow_upper_hm3"),
        ("inflow_lower_m3s", "inflow_lower_hm3"),
        ("flow_conventional_m3s", "flow_conventional_hm3"),
        ("flow_generating_m3s", "flow_generating_hm3"),
        ("flow_pumping_m3s", "flow_pumping_hm3"),
        ("spill_upper_m3s", "spill_upper_hm3"),
        ("release_lower_m3s", "release_lower_hm3"),
    ):
        np.testing.assert_allclose(
            t[total], C_HM3 * a[flow].sum(axis=1), rtol=SUM_REL, atol=1e-12, err_msg=total
        )
    for power, total in (
        ("power_conventional_mw", "conventional_generation_mwh"),
        ("power_generating_mw", "reversible_generation_mwh"),
        ("power_pumping_mw", "pumping_mwh"),
    ):
        np.testing.assert_allclose(t[total], a[power].sum(axis=1), rtol=SUM_REL, err_msg=total)
    net = a["power_conventional_mw"] + a["power_generating_mw"] - a["power_pumping_mw"]
    np.testing.assert_allclose(t["revenue"], (a["price_per_mwh"] * net).sum(axis=1), rtol=SUM_REL)
    assert (t["flow_pumping_hm3"] > 0).all() and (
        t["flow_generating_hm3"] > 0
    ).all()  # the rule really cycles


def test_volume_extremes_and_final_volumes(both):
    """Extremes over the run include the start; levels come from the level–volume curves."""
    plant, full, _ = both
    a, t = full.arrays, full.totals
    for res, key, v0 in (
        ("upper", "volume_upper_hm3", full.initial_volume_upper_hm3),
        ("lower", "volume_lower_hm3", full.initial_volume_lower_hm3),
    ):
        series = np.column_stack([v0, a[key]])
        np.testing.assert_array_equal(t[f"volume_{res}_min_hm3"], series.min(axis=1))
        np.testing.assert_array_equal(t[f"volume_{res}_max_hm3"], series.max(axis=1))
        np.testing.assert_array_equal(t[f"final_volume_{res}_hm3"], a[key][:, -1])
        curve = getattr(plant, res).curve
        np.testing.assert_allclose(
            t[f"level_{res}_min_masl"], curve.level_masl_at(series.min(axis=1)), rtol=1e-12
        )
    # a wetter week ends higher: the scenarios really differ
    assert t["final_volume_upper_hm3"].is_monotonic_increasing


def test_water_balance_closes_over_the_run(both):
    _, full, tot = both
    assert tot.water_balance_error_hm3() < RUN_BALANCE_TOL_HM3
    assert full.water_balance_error_hm3() < 1e-9
    t = tot.totals
    for res in ("upper", "lower"):
        assert np.abs(t[f"water_balance_error_{res}_hm3"]).max() < RUN_BALANCE_TOL_HM3


def test_energy_mwh_reads_the_totals(both):
    _, full, tot = both
    pd.testing.assert_frame_equal(full.energy_mwh(), tot.energy_mwh())
    np.testing.assert_allclose(
        full.energy_mwh()["pumping_mwh"], full.arrays["power_pumping_mw"].sum(axis=1), rtol=SUM_REL
    )


def test_hand_totals_on_the_small_plant():
    """small_pumped_storage(), 4 hours asking 50 MW of pumping at 100 m gross head, η = 0.9, no loss:
    each hour pumps Q ≈ 50·0.9/(0.00981·H) m³/s, so ≈4 × 45.87 m³/s · 0.0036 = 0.66 hm³ go up, and the
    energy is the 200 MWh asked, up to the one-shot head estimate's error (POWER_REQUEST_REL in
    test_simulation.py; measured 2.7e-6); revenue at a flat 100 CNY/MWh is −20,000 CNY."""
    plant = small_pumped_storage()
    sc = constant_scenario(hours=4, inflow_upper_m3s=0.0, price_per_mwh=100.0)
    res = simulate(plant, sc, FunctionPolicy(decide=lambda s: {"pumping_mw": 50.0}), record="totals")
    t = res.totals.iloc[0]
    assert t["pumping_mwh"] == pytest.approx(200.0, rel=POWER_REQUEST_REL)
    assert t["revenue"] == pytest.approx(-100.0 * t["pumping_mwh"], rel=1e-12)
    assert t["revenue"] == pytest.approx(-20_000.0, rel=POWER_REQUEST_REL)
    assert t["flow_pumping_hm3"] == pytest.approx(4 * 50.0 * 0.9 / (0.00981 * 100.0) * C_HM3, rel=1e-2)
    assert t["final_volume_upper_hm3"] - res.initial_volume_upper_hm3[0] == pytest.approx(
        t["flow_pumping_hm3"], abs=1e-12
    )
    # what the head estimate misses is booked as a shortfall, nothing else is cut
    assert t["shortfall_pumping_mwh"] == pytest.approx(
        max(200.0 - t["pumping_mwh"], 0.0), rel=1e-9, abs=1e-12
    )
    assert res.cutback_summary().empty


def test_cutback_summary_tallies_the_cutbacks():
    """Generating 100 MW for 16 hours empties the small plant's upper reservoir at step 11 (see
    test_simulation.py): the tally holds the same steps and water as the per-step list, in both modes."""
    plant = small_pumped_storage()
    sc = constant_scenario(hours=16, inflow_upper_m3s=0.0)
    policy = FunctionPolicy(decide=lambda s: {"generating_mw": 100.0})
    full = simulate(plant, sc, policy)
    tot = simulate(plant, sc, policy, record="totals")
    listed = full.cutbacks()
    assert len(listed) == 5 and set(listed["limit"]) == {"upper minimum level"}
    for res in (full, tot):
        summary = res.cutback_summary()
        assert summary[["group", "limit", "steps"]].values.tolist() == [
            ["generating", "upper minimum level", 5]
        ]
        assert summary["water_hm3"].iloc[0] == pytest.approx(listed["water_hm3"].sum(), rel=1e-12)
    short = full.energy_shortfall_mwh["generating"].sum()
    assert short > 0 and tot.totals["shortfall_generating_mwh"].iloc[0] == pytest.approx(short, rel=1e-12)


def test_shared_series_run_as_one_row_and_give_the_same_results():
    """Scenarios sharing their price run on one row of it; results equal a run where they differ in name
    only, and each equals its single run bit for bit."""
    plant = small_pumped_storage()
    base = two_price_day()
    scenarios = [
        dataclasses.replace(base, inflow_upper_m3s=base.inflow_upper_m3s + q, name=f"s{q}")
        for q in (0.0, 5.0, 10.0)
    ]
    policy = ReplayPolicy(
        schedule=pd.DataFrame({"power_pumping_mw": 50.0, "power_generating_mw": 0.0}, index=base.index),
        mode="power",
    )
    batch = simulate(plant, scenarios, policy, record="totals")
    assert batch.totals.index.tolist() == ["s0.0", "s5.0", "s10.0"]
    for k, sc in enumerate(scenarios):
        single = simulate(plant, sc, policy, record="totals")
        np.testing.assert_array_equal(batch.totals.iloc[k].to_numpy(), single.totals.iloc[0].to_numpy())


@pytest.mark.parametrize("call", ["frame", "cutbacks"])
def test_totals_run_refuses_the_series_views(call):
    res = simulate(
        small_pumped_storage(),
        two_price_day(),
        TouRulePolicy(pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=300.0),
        record="totals",
    )
    with pytest.raises(HydroSimInputError, match=r"record.*'all'.*totals"):
        getattr(res, call)()


def test_unknown_record_mode_is_an_input_error():
    with pytest.raises(HydroSimInputError, match=r"record.*'everything'.*'all' or 'totals'"):
        simulate(
            small_pumped_storage(), two_price_day(), FunctionPolicy(decide=lambda s: {}), record="everything"
        )


@pytest.mark.parametrize("mode", ["tou", "replay"])
def test_blocks_of_scenarios_equal_single_runs(mode, monkeypatch):
    """The kernel runs scenarios in blocks of BLOCK side by side (SIMD). 45 Lianghekou weeks (a full block
    and a part one) at inflows from 0.2 to 2.0 × 300 m³/s, so the scenarios cut back at different steps
    and the lower level crosses its table's segments; every series of every scenario equals the same
    scenario run alone, bit for bit, and the tallies agree."""
    from hydro_sim.simulation import _network_sim
    from hydro_sim.simulation._engine import LANES as BLOCK

    monkeypatch.setattr(_network_sim, "MAX_WIDTH", BLOCK)  # blocks of BLOCK (else one wider block)

    plant = lianghekou()
    base = tou_week_batch()[1]
    factors = np.linspace(0.2, 2.0, BLOCK + 13)
    scenarios = [
        dataclasses.replace(
            base,
            inflow_upper_m3s=base.inflow_upper_m3s * f,
            inflow_lower_m3s=base.inflow_lower_m3s * f,
            name=f"{f:.3f}",
        )
        for f in factors
    ]
    policy = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    if mode == "replay":  # one week's LP schedule replayed at every inflow: many cut-backs, some spill
        policy = ReplayPolicy(schedule=simulate(plant, base, policy).frame(0), mode="flows")
    batch = simulate(plant, scenarios, policy)
    assert batch.cut_steps[:, :, 1:].sum() > 0  # limits bind somewhere
    assert len(set(batch.cut_steps[:, :, 1:].sum(axis=(1, 2)))) > 3  # and differently per scenario
    v_lo = batch.arrays["volume_lower_hm3"]
    segs = np.searchsorted(np.asarray(plant.lower.curve.volume_hm3), v_lo)
    assert (np.diff(segs, axis=1) != 0).any()  # the lower level leaves its segment
    assert_tallies_hold_the_series(batch)
    for k in (0, 1, BLOCK - 1, BLOCK, len(scenarios) - 1):
        single = simulate(plant, scenarios[k], policy)
        for name, arr in single.arrays.items():
            np.testing.assert_array_equal(batch.arrays[name][k], arr[0], err_msg=name)
        np.testing.assert_array_equal(batch.cut_steps[k], single.cut_steps[0])
        np.testing.assert_array_equal(batch.totals.iloc[k].to_numpy(), single.totals.iloc[0].to_numpy())


def assert_tallies_hold_the_series(res) -> set:
    """The cut-back tallies (kept in both record modes) hold every cut-back of the per-step series, by
    scenario, group and limit: the same steps and water. Returns the (group, limit) kinds seen."""
    listed = (
        res.cutbacks()
        .groupby(["scenario", "group", "limit"], sort=True)
        .agg(steps=("step", "size"), water_hm3=("water_hm3", "sum"))
    )
    tallied = res.cutback_summary().set_index(["scenario", "group", "limit"]).sort_index()
    pd.testing.assert_index_equal(tallied.index, listed.index)
    np.testing.assert_array_equal(tallied["steps"], listed["steps"])
    np.testing.assert_allclose(tallied["water_hm3"], listed["water_hm3"], rtol=1e-12, atol=1e-15)
    return set(listed.index.droplevel(0))


def test_every_kind_of_cutback_is_tallied(monkeypatch):
    """small_pumped_storage() (1 km² reservoirs, 100 MW) from 40 start volumes, driven hard by a policy whose
    requests are fixed pseudo-random functions of the state (flows and powers beyond the ratings, pumping and
    generating at once, spill, releases below the environmental flow): the limits bind in many ways, and
    the tallies hold what the per-step series show, kind by kind; blocks equal single runs."""
    from hydro_sim.simulation import _network_sim
    from hydro_sim.simulation._engine import LANES as BLOCK

    monkeypatch.setattr(_network_sim, "MAX_WIDTH", BLOCK)  # blocks of BLOCK (else one wider block)

    plant = small_pumped_storage()
    plant = dataclasses.replace(
        plant,
        outlet=dataclasses.replace(plant.outlet, environmental_min_flow_m3s=20.0, max_release_m3s=400.0),
    )

    def decide(state):
        u = np.abs(np.sin(7.3 * state.volume_upper_hm3 + 1.7 * state.t))
        v = np.abs(np.sin(5.1 * state.volume_lower_hm3 + 0.9 * state.t))
        return {
            "generating_mw": 140.0 * u * (u > 0.3),
            "pumping_m3s": 260.0 * v * (v > 0.4),
            "spill_m3s": 30.0 * (u > 0.9),
            "release_m3s": np.where(v < 0.5, 10.0 * v, np.nan),
        }

    starts = np.linspace(0.3, 9.7, BLOCK + 8)
    sc = constant_scenario(hours=48, inflow_upper_m3s=40.0, inflow_lower_m3s=30.0)
    policy = FunctionPolicy(decide=decide)
    batch = simulate(
        plant,
        [dataclasses.replace(sc, name=f"start {k}") for k in range(len(starts))],
        policy,
        initial_volume_upper_hm3=starts,
        initial_volume_lower_hm3=starts[::-1],
    )
    kinds = assert_tallies_hold_the_series(batch)
    assert len(kinds) >= 6, kinds
    for k in (0, BLOCK - 1, BLOCK, len(starts) - 1):
        single = simulate(
            plant, sc, policy, initial_volume_upper_hm3=starts[k], initial_volume_lower_hm3=starts[::-1][k]
        )
        for name, arr in single.arrays.items():
            np.testing.assert_array_equal(batch.arrays[name][k], arr[0], err_msg=name)


def test_timings_split_the_kernel_from_the_rest(both):
    """``timings_s``: the compiled kernel's wall time is part of the whole call's, in both record modes."""
    _, full, tot = both
    for res in (full, tot):
        assert set(res.timings_s) == {"kernel", "total"}
        assert 0.0 < res.timings_s["kernel"] <= res.timings_s["total"]
