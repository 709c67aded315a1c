"""The annual check's design basis (``hydro_sim.cases.lianghekou.design_basis``) on short windows.

Layer 1: Yagen-I's calibration arithmetic by hand (E = ρ g η H V). Layer 2–3: the design basis on one week
of the reference year (the duty pro rata; the conventional basis on its mean year): every figure of the
headline is the run's, the duty is within the capability, every run's replay agrees with its LP within the
issue's 0.5 % per group and the water balances close; the inverse brackets the duty; the sensitivity's
directions; quick mode says what it left out. The whole year runs in ``hydro-sim validate`` (slow test).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from hydro_sim.cases.lianghekou import design_basis as B
from hydro_sim.cases.lianghekou import duty as D
from hydro_sim.cases.lianghekou.annual_check import design_basis_year
from hydro_sim.cases.lianghekou.plant import yagen_i_annual_flow_hm3, yagen_i_calibrated_head_m
from hydro_sim.cases.lianghekou.reference_year import reference_year
from hydro_sim.cases.lianghekou.report import _json_ready

#: Hand arithmetic in floating point. [-]
HAND_REL_TOL = 1e-12
#: The issue's bounds: LP against simulator per group, water balance per reservoir and step. [-], [hm³]
LP_SIM_REL_TOL = 5e-3
BALANCE_TOL_HM3 = 1e-6
#: An energy target holds to the solvers' feasibility tolerance. [MWh]
TARGET_TOL_MWH = 1e-3


def _week() -> object:
    return design_basis_year(reference_year()).window(start_h=24 * 7 * 20, hours=168.0)


@pytest.fixture(scope="module")
def week_basis() -> B.DesignBasis:
    return B.design_basis(_week())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def week_summary(week_basis: B.DesignBasis) -> dict:
    return B.summary(week_basis)


# ---- layer 1 ------------------------------------------------------------------------------------------------
def test_yagen_i_calibration_by_hand() -> None:
    """E = ρ g η H V: the mean flow at the calibrated head gives the published 1.15 TWh, twice the water twice."""
    v = yagen_i_annual_flow_hm3()
    h = yagen_i_calibrated_head_m()
    f = B.yagen_i_figures(500_000.0, 2.0 * v, 8760.0)
    by_hand = 1000.0 * 9.81 * 0.90 * h * 2.0 * v * 1e6 / 3.6e9  # J → MWh
    assert f.calibration_energy_mwh == pytest.approx(by_hand, rel=HAND_REL_TOL)
    assert f.calibration_energy_mwh == pytest.approx(2.0 * 1_150_000.0, rel=1e-9)
    assert f.pro_rata_by_water_mwh == pytest.approx(2.0 * 1_150_000.0, rel=HAND_REL_TOL)
    assert f.annual_generation_mwh == 500_000.0 and f.status == "calibration"
    half = B.yagen_i_figures(1000.0, v, 4380.0)
    assert half.annual_generation_mwh == pytest.approx(2000.0, rel=HAND_REL_TOL)


def test_published_figures_in_numbers() -> None:
    assert B.PUBLISHED_YAGEN_I_MWH == pytest.approx(1_150_000.0, rel=HAND_REL_TOL)
    assert B.CONVENTIONAL_BAND == 0.05


# ---- layer 2–3: a week --------------------------------------------------------------------------------------
def test_the_headline_states_the_runs_own_figures(week_basis: B.DesignBasis, week_summary: dict) -> None:
    rev, conv, yag = week_summary["headline"]
    c = week_basis.capability.figures
    f = week_basis.duty.windows_milp.figures
    assert rev.startswith("The duty of 13.97 × 10⁸ kWh = 1.397 TWh is within the plant's capability of ")
    assert f"{c.generation_mwh / 1e6:.3f} TWh under the tariff" in rev
    assert f"implies {f.pumping_mwh / 1e5:.2f} × 10⁸ kWh of pumping" in rev
    assert f"cycle efficiency of {f.cycle_efficiency:.3f}" in rev
    assert f"{f.equivalent_cycles:.0f} equivalent 6-hour cycles" in rev
    assert f"Yagen-I swing of {f.yagen_swing_m:.1f} m" in rev
    assert "a 168-hour window" in rev
    r = week_basis.conventional.mean_year
    assert (
        f"give {r.mean_annual_generation_mwh / 1e6:.3f} TWh a year against 110.62 × 10⁸ kWh = 11.062 TWh"
        in conv
    )
    assert f"{r.relative_deviation:+.1%}" in conv
    assert ("within" if abs(r.relative_deviation) <= 0.05 else "outside") + " the ±5% band" in conv
    assert "a calibration, not a validation" in yag


def test_the_duty_is_met_and_within_the_capability(week_basis: B.DesignBasis, week_summary: dict) -> None:
    target = D.DUTY_MWH * 168.0 / 8760.0
    rv = week_summary["reversible"]
    assert abs(rv["duty"]["generation_mwh"] - target) <= TARGET_TOL_MWH
    assert rv["duty_within_capability"] is True
    assert rv["capability"]["generation_mwh"] > target
    assert rv["duty_unit_commitment"] is False and rv["duty_window_days"] == 1  # MILP: --unit-commitment


def test_every_run_is_replayed_within_tolerance(week_summary: dict) -> None:
    """Capability and duty (closed loop, daily windows) and the conventional mean year: LP against simulator
    within 0.5 % per group; the water balances close."""
    assert set(week_summary["lp_vs_simulation"]) == {"capability", "duty", "conventional_mean_year"}
    for run, errors in week_summary["lp_vs_simulation"].items():
        for group, e in errors.items():
            assert abs(e) <= LP_SIM_REL_TOL, (run, group, e)
    assert week_summary["lp_vs_simulation_within_tolerance"] is True
    assert week_summary["water_balance_max_abs_error_hm3"] <= BALANCE_TOL_HM3


def test_the_conventional_band_is_the_deviations(week_summary: dict) -> None:
    cv = week_summary["conventional"]
    assert cv["basis_run"] == "mean year"  # a window runs the conventional mean year only
    assert cv["multi_year"] is None
    assert cv["within_band"] == (abs(cv["basis_relative_deviation"]) <= 0.05)
    assert cv["basis_relative_deviation"] == pytest.approx(
        cv["basis_generation_mwh"] / 11_062_000.0 - 1.0, rel=HAND_REL_TOL
    )


def test_yagen_i_is_reported_as_a_calibration(week_basis: B.DesignBasis) -> None:
    y = week_basis.yagen_i
    assert y.generation_mwh == pytest.approx(week_basis.duty.yagen_i_units_mwh, rel=HAND_REL_TOL)
    assert y.annual_generation_mwh == pytest.approx(y.generation_mwh * 8760.0 / 168.0, rel=HAND_REL_TOL)
    # the model's head moves about the calibrated one with Yagen-I's level: within a few per cent of it
    assert abs(y.generation_mwh / y.calibration_energy_mwh - 1.0) < 0.1
    assert "## Yagen-I's own units (a calibration)" in B.render_markdown(week_basis)


def test_the_inverse_brackets_the_duty(week_basis: B.DesignBasis) -> None:
    inv = week_basis.inverse
    assert inv is not None
    target = D.DUTY_MWH * 168.0 / 8760.0
    runs = inv.runs
    if inv.root_hm3 is None:
        assert "not reached" in inv.status
        assert (runs["capability_mwh"].iloc[0] - target) * (runs["capability_mwh"].iloc[1] - target) > 0
    else:
        below = runs[runs["capability_mwh"] <= target]["usable_volume_hm3"]
        above = runs[runs["capability_mwh"] >= target]["usable_volume_hm3"]
        assert below.max() <= inv.root_hm3 + D.VOLUME_XTOL_HM3
        assert above.min() >= inv.root_hm3 - D.VOLUME_XTOL_HM3


def test_the_sensitivity_and_its_figures(week_basis: B.DesignBasis) -> None:
    t = week_basis.sensitivity.set_index(["parameter", "case"])
    vol = t.loc["Yagen-I usable volume"]["capability_mwh"]
    assert vol.iloc[1] >= vol.iloc[0] - TARGET_TOL_MWH
    assert B.figure_files(week_basis) == [
        "design_basis_sensitivity.png"
    ]  # no conventional sensitivity on a window
    fig = B.figure(week_basis, "design_basis_sensitivity.png")
    assert "capability" in fig.axes[0].get_title()


def test_the_summary_is_json(week_summary: dict) -> None:
    text = json.dumps(_json_ready(week_summary), ensure_ascii=False, allow_nan=False)
    assert "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh" in text


def test_quick_mode_says_what_it_left_out() -> None:
    b = B.design_basis(
        design_basis_year(reference_year()).window(start_h=24 * 7 * 20, hours=48.0), quick=True
    )
    s = B.summary(b)
    assert b.inverse is None and b.sensitivity.empty
    assert s["reversible"]["implied_yagen_i_usable_volume_status"] == "not run"
    assert s["sensitivity_status"] == "not run (--quick)"
    assert s["reversible"]["duty_unit_commitment"] is False
    assert "daily LP windows, no unit commitment: --unit-commitment adds it" in s["headline"][0]
    assert not math.isnan(s["reversible"]["duty"]["cycle_efficiency"])


def test_bad_arguments_are_named() -> None:
    from hydro_sim.errors import HydroSimInputError

    with pytest.raises(HydroSimInputError, match="`quick`"):
        B.design_basis(quick="yes")  # type: ignore[arg-type]
    with pytest.raises(HydroSimInputError, match="`n_years`"):
        B.design_basis(n_years=0)


def test_the_pieces_run_in_child_processes_give_the_same() -> None:
    """The whole-year check runs the conventional basis and the volume inverse in child processes: the same
    numbers, bit for bit; a failure there is reported with the child's error."""
    from hydro_sim._children import Child
    from hydro_sim.cases.lianghekou import conventional_basis as cb
    from hydro_sim.errors import HydroSimError, HydroSimInputError

    two_days = design_basis_year(reference_year()).window(start_h=24 * 140, hours=48.0)
    jobs = [
        (
            "hydro_sim.cases.lianghekou.conventional_basis",
            "conventional_basis",
            {"n_years": None, "sensitivity": False},
        ),
        ("hydro_sim.cases.lianghekou.duty", "volume_inverse", {"year": two_days, "lo_hm3": 2.0}),
    ]
    children = [Child(*job) for job in jobs]
    try:
        (conv, conv_s), (inv, inv_s) = (c.result() for c in children)
    finally:
        for c in children:
            c.close()
    assert conv_s > 0.0 and inv_s > 0.0
    here = cb.conventional_basis(n_years=None, sensitivity=False)
    assert conv.mean_year.mean_annual_generation_mwh == here.mean_year.mean_annual_generation_mwh
    assert conv.mean_year.annual_generation_mwh == here.mean_year.annual_generation_mwh
    assert conv.multi_year is None
    inv_here = D.volume_inverse(two_days, lo_hm3=2.0)
    assert inv.root_hm3 == inv_here.root_hm3 and inv.status == inv_here.status
    pd.testing.assert_frame_equal(
        inv.runs.drop(columns="solve_s"), inv_here.runs.drop(columns="solve_s"), check_exact=True
    )
    # an error there is raised here as itself (class, message, attributes), the child's traceback in a note
    bad = Child("hydro_sim.cases.lianghekou.duty", "volume_inverse", {"year": two_days, "lo_hm3": -1.0})
    try:
        with pytest.raises(HydroSimInputError, match=r"`lo_hm3` \(-1.0\) must be positive") as caught:
            bad.result()
    finally:
        bad.close()
    assert "raised in a child process running hydro_sim.cases.lianghekou.duty.volume_inverse" in "".join(
        caught.value.__notes__
    )
    # a child that dies says so with its exit status
    dead = Child("os", "_exit", {"status": 3})
    try:
        for _ in range(2):  # and says it again when asked again
            with pytest.raises(HydroSimError, match=r"os._exit failed in a child process \(exit 3\)"):
                dead.result()
    finally:
        dead.close()
