"""The annual check, the validate CLI, the rolling horizon and the options they rely on."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from hydro_sim import HydroSimInputError, lianghekou
from hydro_sim.optimise import dispatch
from hydro_sim.optimise.rolling import rolling_dispatch, schedule_revenue_cny
from hydro_sim.examples import small_pumped_storage, two_price_day
from hydro_sim.reference_year import reference_year
from hydro_sim.validation import PUBLISHED_PSH_GENERATION_MWH, annual_check, design_basis_year

#: Relative tolerance on LP objectives: the solver's optimality tolerance (1e-7) with margin.
OBJ_RTOL = 1e-6
#: Water balance closes to round-off on volumes of ~10⁴ hm³ (double precision, 8,760 steps).
BALANCE_TOL_HM3 = 1e-6

REQUIRED_KEYS = {
    "psh_generation_mwh", "psh_pumping_mwh", "psh_cycle_efficiency", "psh_full_load_hours",
    "published_psh_generation_mwh", "psh_relative_deviation", "conventional_generation_mwh",
    "published_conventional_generation_mwh", "conventional_relative_deviation", "water_balance_max_abs_error_hm3",
    "lp_vs_simulation_energy_error", "implied_lower_usable_volume_hm3", "implied_daily_generating_hours_cap",
}


def test_daily_generation_cap_hand_optimum():
    """Two-price day, 100 MW at η_t = η_p = 0.9: a cap of 5 full-load hours allows 500 MWh of generation,
    which needs 500/0.81 MWh of pumping: revenue 500·300 − 617.28·100 = 88,271.6 CNY."""
    res = dispatch(small_pumped_storage(), two_price_day(), max_daily_generating_hours=5.0, head="fixed",
                   fixed_head_tolerance_m=math.inf)   # the hand optimum is the fixed-head LP's
    assert res.objective_cny == pytest.approx(500 * 300 - 500 / 0.81 * 100, rel=OBJ_RTOL)
    assert res.energy_mwh()["reversible_generation_mwh"] == pytest.approx(500.0, rel=OBJ_RTOL)


def test_end_volume_targets_are_met_and_diagnosed():
    plant = small_pumped_storage()
    ok = dispatch(plant, two_price_day(), end_volume_upper_hm3=4.0, end_volume_lower_hm3=6.0)
    assert ok.success
    assert ok.schedule["volume_upper_hm3"].iloc[-1] >= 4.0 - BALANCE_TOL_HM3
    assert ok.schedule["volume_lower_hm3"].iloc[-1] >= 6.0 - BALANCE_TOL_HM3
    # Raising the upper target without water to do it breaks the lower reservoir's target at the last step.
    bad = dispatch(plant, two_price_day(), end_volume_upper_hm3=6.0)
    assert bad.status == "infeasible"
    assert "end volume of the lower reservoir" in bad.message and "step 23" in bad.message


def test_start_heads_give_the_same_optimum_in_fewer_iterations():
    plant = lianghekou()
    week = design_basis_year(reference_year()).window(hours=168)
    cold = dispatch(plant, week, head="successive")
    warm = dispatch(plant, week, head="successive", start_head_m=cold.schedule["head_m"])
    assert warm.iterations < cold.iterations
    assert warm.objective_cny == pytest.approx(cold.objective_cny, rel=1e-4)   # both within the head tolerance
    with pytest.raises(HydroSimInputError, match="^`start_head_m`"):
        dispatch(plant, week, start_head_m=np.ones(5))


def test_rolling_horizon_is_feasible_and_close_to_the_full_optimum():
    plant = lianghekou()
    month = design_basis_year(reference_year()).window(hours=24 * 28)
    r = rolling_dispatch(plant, month, window_h=168, lookahead_h=48, head="successive", pump_generate_balance="day")
    assert len(r.schedule) == month.n_steps and r.schedule.index.equals(month.index)
    assert (r.windows["status"] == "optimal").all() and len(r.windows) == 4
    # Volumes are carried forward: the water balance closes across window joins.
    s = r.schedule
    c = 0.0036
    v = s["volume_upper_hm3"].to_numpy()
    prev = np.concatenate([[plant.upper.initial_volume_hm3], v[:-1]])
    err = v - prev - c * (s["inflow_upper_m3s"] + s["flow_pumping_m3s"] - s["flow_conventional_m3s"]
                          - s["flow_generating_m3s"] - s["spill_upper_m3s"]).to_numpy()
    assert np.abs(err).max() < BALANCE_TOL_HM3
    assert v[-1] >= plant.upper.initial_volume_hm3 - BALANCE_TOL_HM3           # the horizon's end condition
    # A sequence of restricted problems cannot beat the full optimum; here it loses less than 2 %.
    assert r.objective_cny == pytest.approx(schedule_revenue_cny(s), rel=1e-12)
    assert r.gap is not None and -1e-6 <= r.gap < 0.02


def test_rolling_horizon_refuses_options_it_sets_itself():
    with pytest.raises(HydroSimInputError, match="^`end_volume_upper_hm3`"):
        rolling_dispatch(small_pumped_storage(), two_price_day(), window_h=24, end_volume_upper_hm3=1.0)
    with pytest.raises(HydroSimInputError, match="^`window_h`"):
        rolling_dispatch(small_pumped_storage(), two_price_day(), window_h=10)


@pytest.fixture(scope="module")
def forward_check():
    return annual_check(inverse=False, sensitivity=False)


def test_annual_forward_run_physics(forward_check):
    s = forward_check.summary
    assert REQUIRED_KEYS <= set(s)
    assert s["published_psh_generation_mwh"] == 1_397_000.0
    assert s["published_conventional_generation_mwh"] == 11_000_000.0
    assert s["water_balance_max_abs_error_hm3"] < BALANCE_TOL_HM3
    # the LP with successive head and loss chords matches the nonlinear replay to a fraction of a percent
    for group, err in s["lp_vs_simulation_energy_error"].items():
        assert abs(err) < 0.005, group
    # daily pump–generate balance: generation from pumped water, a cycle efficiency in the sources' range
    assert 0.72 <= s["psh_cycle_efficiency"] <= 0.80
    assert s["psh_relative_deviation"] == pytest.approx(s["psh_generation_mwh"] / PUBLISHED_PSH_GENERATION_MWH - 1)
    # conventional energy: same order as the published figure (the report explains the gap)
    assert abs(s["conventional_relative_deviation"]) < 0.2
    assert forward_check.simulation.water_balance_error_hm3() < BALANCE_TOL_HM3
    # the replay's cut-backs are summed as the simulator lists them. The LP's heads differ from the replay's
    # by at most its last head change (≤ 0.1 m), so a flow at a rating can be cut by that share of itself;
    # 0.01 hm³ bounds any one of them (a 1,200 MW group's ~560 m³/s × 0.1/240 × 0.0036 ≈ 8e-4 hm³; measured
    # now: 37 cut-backs of round-off, ≤ 6.5e-11 hm³; in session 1 the largest was 5e-3 hm³)
    cuts = forward_check.simulation.cutbacks()
    assert s["simulation_cutbacks"] == len(cuts)
    assert s["simulation_cutback_water_hm3"] == pytest.approx(cuts["water_hm3"].sum(), rel=1e-12, abs=0.0)
    assert 0.0 <= s["simulation_cutback_largest_hm3"] <= s["simulation_cutback_water_hm3"] + 1e-300
    assert s["simulation_cutback_largest_hm3"] < 0.01


@pytest.mark.slow
def test_validate_cli_full_run_is_byte_identical(tmp_path):
    """The main job end to end, twice: every output but timings.json is byte-identical."""
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "hydro_sim.cli", "validate", "--out", str(out)], check=True,
                       capture_output=True, text=True)
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(["summary.json", "report.md", "schedule.csv", "timings.json", "dispatch_week_january.png",
                            "dispatch_week_july.png", "reservoir_levels.png", "heads.png", "month_hour_map.png",
                            "monthly_energy.png"])
    for n in names:
        if n != "timings.json":
            assert (outs[0] / n).read_bytes() == (outs[1] / n).read_bytes(), n
    summary = json.loads((outs[0] / "summary.json").read_text(encoding="utf-8"))
    assert REQUIRED_KEYS <= set(summary)
    cap = summary["implied_daily_generating_hours_cap"]
    assert cap is not None and 2.0 < cap < 5.0
    assert "1.397 TWh = 1,397,000 MWh" in (outs[0] / "report.md").read_text(encoding="utf-8")


def test_validate_refuses_to_overwrite(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    out = subprocess.run([sys.executable, "-m", "hydro_sim.cli", "validate", "--out", str(tmp_path), "--quick"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "`--out`" in out.stderr and "never overwrites" in out.stderr
    assert (tmp_path / "old.txt").read_text() == "keep me"
