"""The annual check, the validate CLI, the rolling horizon and the options they rely on."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError, lianghekou
from hydro_sim.cases.lianghekou.annual_check import (
    PUBLISHED_PSH_GENERATION_MWH,
    annual_check,
    design_basis_year,
)
from hydro_sim.cases.lianghekou.reference_year import reference_year
from hydro_sim.examples import small_pumped_storage, two_price_day
from hydro_sim.optimise import dispatch
from hydro_sim.optimise.rolling import rolling_dispatch, schedule_revenue

#: Relative tolerance on LP objectives: the solver's optimality tolerance (1e-7) with margin.
OBJ_RTOL = 1e-6
#: Water balance closes to round-off on volumes of ~10⁴ hm³ (double precision, 8,760 steps).
BALANCE_TOL_HM3 = 1e-6

REQUIRED_KEYS = {
    "psh_generation_mwh",
    "psh_pumping_mwh",
    "psh_cycle_efficiency",
    "psh_full_load_hours",
    "published_psh_generation_mwh",
    "psh_relative_deviation",
    "conventional_generation_mwh",
    "published_conventional_generation_mwh",
    "conventional_relative_deviation",
    "water_balance_max_abs_error_hm3",
    "lp_vs_simulation_energy_error",
    "implied_lower_usable_volume_hm3",
    "implied_daily_generating_hours_cap",
}


def test_daily_generation_cap_hand_optimum():
    """Two-price day, 100 MW at η_t = η_p = 0.9: a cap of 5 full-load hours allows 500 MWh of generation,
    which needs 500/0.81 MWh of pumping: revenue 500·300 − 617.28·100 = 88,271.6 CNY."""
    res = dispatch(
        small_pumped_storage(),
        two_price_day(),
        max_daily_generating_hours=5.0,
        head="fixed",
        fixed_head_tolerance_m=math.inf,
    )  # the hand optimum is the fixed-head LP's
    assert res.objective_value == pytest.approx(500 * 300 - 500 / 0.81 * 100, rel=OBJ_RTOL)
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
    assert warm.objective_value == pytest.approx(
        cold.objective_value, rel=1e-4
    )  # both within the head tolerance
    with pytest.raises(HydroSimInputError, match="^`start_head_m`"):
        dispatch(plant, week, start_head_m=np.ones(5))


def test_rolling_horizon_is_feasible_and_close_to_the_full_optimum():
    plant = lianghekou()
    month = design_basis_year(reference_year()).window(hours=24 * 28)
    r = rolling_dispatch(
        plant, month, window_h=168, lookahead_h=48, head="successive", pump_generate_balance="day"
    )
    assert len(r.schedule) == month.n_steps and r.schedule.index.equals(month.index)
    assert (r.windows["status"] == "optimal").all() and len(r.windows) == 4
    # Volumes are carried forward: the water balance closes across window joins.
    s = r.schedule
    c = 0.0036
    v = s["volume_upper_hm3"].to_numpy()
    prev = np.concatenate([[plant.upper.initial_volume_hm3], v[:-1]])
    err = (
        v
        - prev
        - c
        * (
            s["inflow_upper_m3s"]
            + s["flow_pumping_m3s"]
            - s["flow_conventional_m3s"]
            - s["flow_generating_m3s"]
            - s["spill_upper_m3s"]
        ).to_numpy()
    )
    assert np.abs(err).max() < BALANCE_TOL_HM3
    assert v[-1] >= plant.upper.initial_volume_hm3 - BALANCE_TOL_HM3  # the horizon's end condition
    # A sequence of restricted problems cannot beat the full optimum; here it loses less than 2 %.
    assert r.objective_value == pytest.approx(schedule_revenue(s), rel=1e-12)
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
    assert s["psh_relative_deviation"] == pytest.approx(
        s["psh_generation_mwh"] / PUBLISHED_PSH_GENERATION_MWH - 1
    )
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
    # the largest cut-back is the largest the simulator lists (0 when it lists none), not a sum or a bound
    assert s["simulation_cutback_largest_hm3"] == (float(cuts["water_hm3"].max()) if len(cuts) else 0.0)
    assert s["simulation_cutback_largest_hm3"] < 0.01


@pytest.mark.slow
def test_validate_cli_full_run_is_byte_identical(tmp_path):
    """The main job end to end, twice: every output but timings.json is byte-identical."""
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, "-m", "hydro_sim.cli", "validate", "--out", str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(
        [
            "summary.json",
            "report.md",
            "report.html",
            "schedule.csv",
            "timings.json",
            "design_basis_sensitivity.png",
            "conventional_sensitivity.png",
            "dispatch_week_january.png",
            "dispatch_week_july.png",
            "reservoir_levels.png",
            "heads.png",
            "month_hour_map.png",
            "monthly_energy.png",
        ]
    )
    for n in names:
        if n != "timings.json":
            assert (outs[0] / n).read_bytes() == (outs[1] / n).read_bytes(), n
    summary = json.loads((outs[0] / "summary.json").read_text(encoding="utf-8"))
    assert REQUIRED_KEYS <= set(summary)
    cap = summary["implied_daily_generating_hours_cap"]
    assert cap is not None and 2.0 < cap < 5.0
    report = (outs[0] / "report.md").read_text(encoding="utf-8")
    assert "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = **1,397,000 MWh** (亿 = 10⁸)" in report
    # the design basis: the report leads with it; every run replayed within 0.5 % per group; balances close
    db = summary["design_basis"]
    assert report.index("## What the check shows") < report.index("## The tariff run on the two-node plant")
    assert db["headline"][0].startswith(
        "The duty of 13.97 × 10⁸ kWh = 1.397 TWh is within the plant's capability"
    )
    assert db["lp_vs_simulation_largest"] <= 0.005 and db["lp_vs_simulation_within_tolerance"] is True
    assert db["water_balance_max_abs_error_hm3"] <= 1e-6
    rv = db["reversible"]
    assert abs(rv["duty"]["generation_mwh"] - 1_397_000.0) <= 1e-2  # the duty met over the daily windows
    assert rv["capability"]["generation_mwh"] > 1_397_000.0
    conv = db["conventional"]
    assert conv["basis_run"] == "30-year series" and conv["multi_year"]["years"] == 30
    assert conv["within_band"] == (abs(conv["basis_relative_deviation"]) <= 0.05)
    assert db["yagen_i"]["status"] == "calibration"


def test_validate_refuses_to_overwrite(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    out = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "validate", "--out", str(tmp_path), "--quick"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "`--out`" in out.stderr and "never overwritten" in out.stderr
    assert (tmp_path / "old.txt").read_text() == "keep me"


# ---- the annual check on a short window: every stage, fast (≈ 1 s per check once numba's cache is warm) -----

#: Two January weeks: the search for both inverses brackets the pro-rated figure on this window.
WINDOW_H = 24 * 14
#: The pro-rated published figure of the window. [MWh]
WINDOW_TARGET_MWH = PUBLISHED_PSH_GENERATION_MWH * WINDOW_H / 8760
#: LP against simulator energy (as test_annual_forward_run_physics). [-]
LP_SIM_RTOL = 0.005


def _window():
    return design_basis_year(reference_year()).window(hours=WINDOW_H)


@pytest.fixture(scope="module")
def window_check():
    return annual_check(year=_window())


def test_the_tariff_run_in_its_child_process_is_the_same(window_check):
    """Beside the design basis the tariff run goes to a child process (two or more cores, as here): the
    same schedule, simulation, inverse runs and sensitivity table as in this process, bit for bit."""
    from hydro_sim._children import can_run_beside
    from hydro_sim.cases.lianghekou.annual_check import tariff_run

    assert can_run_beside() and "tariff_run" in window_check.timings_s  # (it did run in the child)
    here = tariff_run(lianghekou(), _window(), inverse=True, sensitivity=True, time_limit_s=math.inf)
    pd.testing.assert_frame_equal(here["res"].schedule, window_check.dispatch.schedule, check_exact=True)
    pd.testing.assert_frame_equal(
        here["base"]["sim"].frame(0), window_check.simulation.frame(0), check_exact=True
    )
    drop = ["solve_s"]
    pd.testing.assert_frame_equal(
        here["sens"].drop(columns=drop, errors="ignore"),
        window_check.sensitivity.drop(columns=drop, errors="ignore"),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        pd.DataFrame(here["inverse_rows"]).drop(columns=drop, errors="ignore"),
        window_check.inverse_runs.drop(columns=drop, errors="ignore"),
        check_exact=True,
    )


@pytest.mark.parametrize(
    "key, status, label, xtol",
    [
        (
            "implied_lower_usable_volume_hm3",
            "implied_lower_usable_volume_status",
            "lower usable volume [hm³]",
            0.05,
        ),
        (
            "implied_daily_generating_hours_cap",
            "implied_daily_generating_hours_cap_status",
            "daily generating hours cap [h]",
            0.01,
        ),
    ],
)
def test_window_inverse_root_brackets_the_pro_rated_figure(window_check, key, status, label, xtol):
    s = window_check.summary
    assert s["published_psh_generation_basis_mwh"] == pytest.approx(
        WINDOW_TARGET_MWH, rel=1e-12
    )  # 53,584 MWh
    assert s["published_pro_rata_factor"] == pytest.approx(WINDOW_H / 8760, rel=1e-12)
    root = s[key]
    assert root is not None and s[status] == "solved"
    runs = window_check.inverse_runs
    runs = runs[runs["search"] == label].sort_values("x")
    # generation rises with the usable volume and with the cap (equal LP optima may tie)
    gen = runs["psh_generation_mwh"].to_numpy()
    assert np.all(np.diff(gen) >= -1e-6 * gen[1:]), runs
    below = runs[runs["psh_generation_mwh"] < WINDOW_TARGET_MWH]
    above = runs[runs["psh_generation_mwh"] > WINDOW_TARGET_MWH]
    assert not below.empty and not above.empty
    lo, hi = below["x"].max(), above["x"].min()
    assert lo <= root <= hi and hi - lo <= xtol, (lo, root, hi)  # the searched runs bracket the figure


def test_window_sensitivity_signs_are_physical(window_check):
    t = window_check.sensitivity.set_index(["parameter", "case"])
    base = t.loc[("base", "defaults")]
    assert base["psh_generation_mwh"] == pytest.approx(window_check.summary["psh_generation_mwh"], rel=1e-9)
    # more efficient units: a higher cycle efficiency, less pumping energy for the water cycled, more net energy
    lo, hi = (
        t.loc[("cycle efficiency", "0.72 at rated point")],
        t.loc[("cycle efficiency", "0.80 at rated point")],
    )
    assert hi["psh_cycle_efficiency"] > lo["psh_cycle_efficiency"]
    assert hi["psh_pumping_mwh"] < lo["psh_pumping_mwh"]
    assert hi["psh_generation_mwh"] - hi["psh_pumping_mwh"] > lo["psh_generation_mwh"] - lo["psh_pumping_mwh"]
    assert hi["psh_generation_mwh"] >= lo["psh_generation_mwh"] * (1 - 1e-3)
    # a daily cap binds: 2 h × 1,200 MW × 14 days = 33,600 MWh at most (the replay within the LP's accuracy)
    two, four = t.loc[("daily generating cap", "2 h/day")], t.loc[("daily generating cap", "4 h/day")]
    assert two["psh_generation_mwh"] <= 2 * 1200 * 14 * (1 + LP_SIM_RTOL)
    assert two["psh_generation_mwh"] < four["psh_generation_mwh"] < base["psh_generation_mwh"]
    # a narrower tariff spread, a smaller lower reservoir: less cycling
    assert t.loc[("tariff spread", "×0.5 around flat"), "psh_generation_mwh"] < base["psh_generation_mwh"]
    half = t.xs("lower usable volume", level="parameter").iloc[0]
    assert half.name.endswith("hm³") and half["psh_generation_mwh"] < base["psh_generation_mwh"]
    # a lower upper reservoir: less head, less conventional energy from about the same water
    head = t.xs("head", level="parameter").iloc[0]
    assert head["conventional_generation_mwh"] < base["conventional_generation_mwh"]
    # deviations on the window's own (pro-rated) basis
    np.testing.assert_allclose(
        t["psh_relative_deviation"], t["psh_generation_mwh"] / WINDOW_TARGET_MWH - 1, rtol=1e-12
    )


def test_validate_on_a_window_writes_every_output(tmp_path, window_check):
    """`validate --hours` in-process: the files, their content against the library's check, the figures."""
    import matplotlib.image

    from hydro_sim.cases.lianghekou.report import _json_ready
    from hydro_sim.cli import main

    out = tmp_path / "check"
    assert main(["validate", "--hours", str(WINDOW_H), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "summary.json",
            "report.md",
            "report.html",
            "schedule.csv",
            "timings.json",
            "design_basis_sensitivity.png",
            "dispatch_week_january.png",
            "reservoir_levels.png",
            "heads.png",
            "month_hour_map.png",
            "monthly_energy.png",
        ]
    )  # 8 Jan + 1 week fits; July does not
    assert [p.name for p in tmp_path.iterdir()] == ["check"]  # no temporary left beside it
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == json.loads(
        json.dumps(_json_ready(window_check.summary))
    )  # deterministic, the library's
    assert REQUIRED_KEYS <= set(summary)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh" in report
    assert f"**This run covers {WINDOW_H} h, not a year.**" in report
    assert f"**{summary['implied_lower_usable_volume_hm3']:.2f} hm³**" in report
    assert f"**{summary['implied_daily_generating_hours_cap']:.2f} h/day**" in report
    assert report.count("| daily generating cap |") == 2 and "not run" not in report
    schedule = pd.read_csv(out / "schedule.csv", index_col="time", parse_dates=True)
    assert len(schedule) == WINDOW_H and {"sim_power_generating_mw", "sim_volume_lower_hm3"} <= set(schedule)
    for name in (n for n in names if n.endswith(".png")):
        image = matplotlib.image.imread(out / name)
        ink = (image[..., :3] < 0.9).any(axis=-1).mean()  # share of pixels that are not white
        assert image.shape[0] >= 400 and 0.02 < ink < 0.9, (name, ink)


def test_quick_says_what_was_not_run(capsys, tmp_path):
    """`--quick` skips the inverses and the sensitivity table: summary.json and report.md say "not run"
    (the report used to say the inverses were solved and "not reached in the searched range")."""
    from hydro_sim.cli import main

    out = tmp_path / "quick"
    assert main(["validate", "--quick", "--hours", "168", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "implied usable Yagen-I volume: not run (--quick)" in printed
    assert "implied daily generating cap: not run (--quick)" in printed
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["implied_lower_usable_volume_hm3"] is None and s["implied_daily_generating_hours_cap"] is None
    assert (
        s["implied_lower_usable_volume_status"] == s["implied_daily_generating_hours_cap_status"] == "not run"
    )
    assert s["sensitivity_status"] == "not run"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "not reached" not in report and "are solved by re-running" not in report
    assert report.count("not run (`hydro-sim validate --quick`") == 3  # two inverses, the table


def test_report_of_a_check_without_its_inverses_says_not_run():
    """The library alone: annual_check(inverse=False) and its report, with no CLI (the defect's own words)."""
    from hydro_sim.cases.lianghekou.report import annual_check_markdown

    check = annual_check(
        year=design_basis_year(reference_year()).window(hours=48), inverse=False, sensitivity=False
    )
    report = annual_check_markdown(check, lianghekou())
    assert "not reached in the searched range" not in report
    assert "- usable lower volume at which the model gives the pro-rated" in report and "not run" in report


def test_a_plant_without_conventional_units_has_no_conventional_comparison():
    """It used to divide by zero (no turbined water for the effective head)."""
    import dataclasses

    from hydro_sim.cases.lianghekou.report import annual_check_markdown

    plant = dataclasses.replace(lianghekou(), conventional=None)
    check = annual_check(
        plant, design_basis_year(reference_year()).window(hours=48), inverse=False, sensitivity=False
    )
    s = check.summary
    assert s["conventional_generation_mwh"] is None and s["conventional_relative_deviation"] is None
    assert s["conventional_effective_head_x_efficiency_m"] is None
    assert s["conventional_status"] == "no conventional units in the plant: no comparison"
    assert s["psh_generation_mwh"] > 0 and 0.72 <= s["psh_cycle_efficiency"] <= 0.82
    report = annual_check_markdown(check, plant)
    assert "| conventional generation | no conventional units in the plant |" in report


def test_a_time_limited_solve_with_a_schedule_is_used_and_reported(capsys, monkeypatch, tmp_path):
    """A dispatch stopped at the time limit with a feasible schedule (the optimiser's agreed API): the check
    goes on, counts it, and the report, summary and stderr say so; exit 0."""
    import dataclasses

    from hydro_sim.cases.lianghekou import annual_check as validation
    from hydro_sim.cli import main
    from hydro_sim.optimise.result import DispatchResult

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class TimeLimited(DispatchResult):
        @property
        def has_solution(self) -> bool:
            return True

    real = validation.dispatch
    seen = {}

    def limited(*args, **kw):
        seen.update(kw)
        res = real(*args, **kw)
        return TimeLimited(
            **{f.name: getattr(res, f.name) for f in dataclasses.fields(DispatchResult)}
            | {"status": "time_limit"}
        )

    monkeypatch.setattr(validation, "dispatch", limited)
    monkeypatch.setattr(
        validation, "can_run_beside", lambda: False
    )  # the tariff run here, where the patch is
    out = tmp_path / "o"
    assert main(["validate", "--quick", "--hours", "48", "--time-limit", "30", "--out", str(out)]) == 0
    assert seen["time_limit_s"] == 30.0
    assert "1 dispatches stopped at the time limit" in capsys.readouterr().err
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["time_limited_runs"] == 1 and s["dispatch_status"] == "time_limit"
    assert "**1 of the dispatches stopped at the time limit**" in (out / "report.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize(
    "status, by, code",
    [("infeasible", None, 3), ("error", None, 4), ("time_limit", None, 4), ("interrupted", "SIGTERM", 143)],
)
def test_validate_maps_a_failed_solve_to_its_exit_code(capsys, monkeypatch, tmp_path, status, by, code):
    import pandas as pd_

    from hydro_sim.cases.lianghekou import annual_check as validation
    from hydro_sim.cli import main

    def failing(*args, **kw):
        raise validation.AnnualCheckSolveError(
            f"the dispatch ended {status}",
            status=status,
            interrupted_by=by,
            diagnosis=pd_.DataFrame({"constraint": ["env_lo"]}),
        )

    monkeypatch.setattr(validation, "annual_check", failing)
    out = tmp_path / "o"
    assert main(["validate", "--quick", "--out", str(out)]) == code
    got = capsys.readouterr()
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert len(got.err.strip().splitlines()) == 1 and "Traceback" not in got.err
    assert ("env_lo" in got.out) == (status != "interrupted")


def test_a_real_time_limit_without_a_schedule_stops_the_check(capsys, tmp_path):
    from hydro_sim.cli import main

    assert (
        main(["validate", "--quick", "--hours", "24", "--time-limit", "1e-9", "--out", str(tmp_path / "o")])
        == 4
    )
    err = capsys.readouterr().err
    assert "hydro-sim: error: the annual check's dispatch" in err and "ended time_limit" in err
    assert list(tmp_path.iterdir()) == []


def test_a_window_too_short_to_reach_the_figure_says_not_reached():
    """One night hour: no generation at any volume or cap, so neither search crosses the figure."""
    from hydro_sim.cases.lianghekou.report import annual_check_markdown

    check = annual_check(year=design_basis_year(reference_year()).window(hours=1), sensitivity=False)
    s = check.summary
    assert s["implied_lower_usable_volume_hm3"] is None and s["implied_daily_generating_hours_cap"] is None
    assert s["implied_daily_generating_hours_cap_status"] == (
        "not reached in the searched range [0.5, 12] h/day: the generation goes from 0 to 0 MWh against 159 MWh"
    )
    report = annual_check_markdown(check, lianghekou())
    assert "1.397 TWh pro rata" in report and "not reached in the searched range [0.5, 21.1352] hm³" in report
    assert "The usable lower volume does not bind: even 0.5 hm³ leaves 0.000 TWh" in report


@pytest.mark.parametrize(
    "deviation, hx_model_m, expected",
    [
        (-0.05, 200.0, "This is within 10 % of the published figure"),
        (-0.15, 200.0, "at the modelled head the published figure implies an overall 0.966;"),
        (-0.15, None, "turbine no water in this run, so there is no head × efficiency to compare"),
    ],
)
def test_report_explains_the_conventional_comparison_of_a_year(window_check, deviation, hx_model_m, expected):
    """The report's conventional paragraph on a full year's summary (the figures are set, the text derived):
    0.92 × 210 m / 200 m = 0.966 is the overall efficiency the published figure implies."""
    import dataclasses

    from hydro_sim.cases.lianghekou.report import annual_check_markdown

    s = dict(
        window_check.summary,
        hours=8760.0,
        published_pro_rata_factor=1.0,
        conventional_relative_deviation=deviation,
        conventional_effective_head_x_efficiency_m=hx_model_m,
        published_effective_head_x_efficiency_m=210.0,
        conventional_efficiency=0.92,
    )
    report = annual_check_markdown(dataclasses.replace(window_check, summary=s), lianghekou())
    assert expected in report
    assert ("This run covers" not in report and "against about 11.0 TWh" in report) or hx_model_m is None


def test_figure_weeks_follow_the_run():
    """8 January and 8 July when the run holds those weeks; else the run's first week."""
    import pandas as pd_

    from hydro_sim import plots
    from hydro_sim.plots import figure_weeks

    def frame(start, hours):
        return pd_.DataFrame(index=pd_.date_range(start, periods=hours, freq="h"))

    assert figure_weeks(frame("2030-01-01", 8760)) == {
        "dispatch_week_january.png": pd_.Timestamp("2030-01-08"),
        "dispatch_week_july.png": pd_.Timestamp("2030-07-08"),
    }
    assert figure_weeks(frame("2030-07-01", 336)) == {"dispatch_week_july.png": pd_.Timestamp("2030-07-08")}
    assert figure_weeks(frame("2030-03-01", 48)) == {"dispatch_week_first.png": pd_.Timestamp("2030-03-01")}
    schedule = annual_check(
        year=design_basis_year(reference_year()).window(hours=24), inverse=False, sensitivity=False
    ).schedule
    fig = plots.dispatch_stack(schedule)  # no start: the schedule's first hours
    assert fig.axes[0].get_title() == "Dispatch from 2030-01-01 (24 h)"
    plots.plt.close(fig)
