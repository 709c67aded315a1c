"""The conventional units' regulated-reservoir basis: hydrology, rule curve, a short run checked by hand.

Layer 1: the synthetic hydrology meets its sourced figures exactly (mean flow, monthly shape after rescaling)
and is deterministic for a seed. Layer 2: the rule curve's anchors and equal releases; a two-month run whose
energy, output-coefficient energy, spill energy, water balance, band and cyclic end are recomputed by hand from
its own flows and heads. Slow: the whole basis (mean year and 30 years) with the figures the report gives.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
import pytest

from hydro_sim.cases.lianghekou import conventional_basis as cb
from hydro_sim.cases.lianghekou import hydrology as hy
from hydro_sim.cases.lianghekou.plant import MEAN_INFLOW_M3S
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.errors import HydroSimInputError

#: Round-off of sums over 8,760–263,000 hourly floats, relative. [-]
SUM_RTOL = 1e-12
#: Water-balance and cyclic-end tolerance (issue 12). [hm³]
BALANCE_TOL_HM3 = 1e-6
RHO_G_MW = 1000.0 * 9.81 / 1e6  # MW per (m³/s · m)


def _monthly_means(q: pd.Series) -> np.ndarray:
    key = q.index.year * 12 + q.index.month
    return q.groupby(key).mean().to_numpy()


# -- hydrology ------------------------------------------------------------------------------------------
def test_mean_year_shape_and_mean_are_the_sourced_figures_exactly() -> None:
    q = hy.mean_year().inflow_upper_m3s
    assert len(q) == 8760
    assert q.mean() == pytest.approx(MEAN_INFLOW_M3S, rel=SUM_RTOL)
    hours = np.array([24 * calendar.monthrange(2030, m)[1] for m in range(1, 13)])
    target = np.asarray(hy.MEAN_YEAR_SHARE_PCT) / 100.0 * MEAN_INFLOW_M3S * 8760 / hours
    np.testing.assert_allclose(_monthly_means(q), target, rtol=SUM_RTOL)
    # its shape: the Gini of an average year (sourced band 0.40–0.59), June–October ≈ 76 %
    assert hy.monthly_gini(hy.MEAN_YEAR_SHARE_PCT) == pytest.approx(0.40, abs=1e-12)
    assert sum(hy.MEAN_YEAR_SHARE_PCT) == pytest.approx(100.0, abs=1e-12)
    assert 75.0 < sum(hy.MEAN_YEAR_SHARE_PCT[5:10]) < 77.0
    # the §8 illustrative shape is the dry-band one the sources say (≈ 0.36)
    assert hy.monthly_gini(hy.MONTHLY_INFLOW_SHARE_PCT) == pytest.approx(0.3632, abs=1e-4)


def test_mean_year_has_floods_in_the_flood_season_only() -> None:
    q = hy.mean_year().inflow_upper_m3s
    daily = q.resample("D").mean()
    monthly = q.resample("MS").mean().reindex(daily.index, method="ffill")
    peak = daily / monthly
    flood = daily.index.month.isin(hy.FLOOD_SEASON_MONTHS)
    assert daily.max() > 3.0 * MEAN_INFLOW_M3S  # the reference year's largest day is only 2.4 × the mean
    assert peak[flood].max() > 1.6 > peak[~flood].max()


def test_hydrology_is_deterministic_for_a_seed_and_varies_with_it() -> None:
    a, b, c = hy.mean_year(seed=5), hy.mean_year(seed=5), hy.mean_year(seed=6)
    pd.testing.assert_series_equal(a.inflow_upper_m3s, b.inflow_upper_m3s)
    assert not np.allclose(a.inflow_upper_m3s, c.inflow_upper_m3s)
    m1, m2 = hy.multi_year_series(3, seed=5), hy.multi_year_series(3, seed=5)
    pd.testing.assert_series_equal(m1.inflow_upper_m3s, m2.inflow_upper_m3s)


def test_multi_year_series_mean_shape_and_differing_years() -> None:
    n = 4
    sc = hy.multi_year_series(n, first_year=2030, seed=11)
    q = sc.inflow_upper_m3s
    assert len(q) == 3 * 8760 + 8784  # 2032 is a leap year
    assert q.mean() == pytest.approx(MEAN_INFLOW_M3S, rel=SUM_RTOL)  # time-weighted mean exact
    means = hy.annual_means_m3s(n, seed=11, first_year=2030)
    annual = q.groupby(q.index.year).mean().to_numpy()
    np.testing.assert_allclose(annual, means, rtol=SUM_RTOL)
    assert np.ptp(annual) > 0.05 * MEAN_INFLOW_M3S  # years differ
    for k, year in enumerate(range(2030, 2030 + n)):
        g = min(max(0.40 + 0.5 * (means[k] / MEAN_INFLOW_M3S - 1.0), 0.30), 0.59)
        shares = np.asarray(hy.monthly_shares_for_gini(g))
        qy = q[q.index.year == year]
        hours = np.array([24 * calendar.monthrange(year, m)[1] for m in range(1, 13)])
        np.testing.assert_allclose(
            _monthly_means(qy), shares / 100.0 * means[k] * hours.sum() / hours, rtol=SUM_RTOL
        )
    lo = sc.inflow_lower_m3s
    np.testing.assert_allclose(lo.to_numpy(), 0.015 * q.to_numpy(), rtol=1e-15)


def test_network_form_names_the_reservoirs() -> None:
    sc = hy.mean_year(form="name")
    assert set(sc.inflow_m3s) == {"Lianghekou", "Yagen-I"}
    np.testing.assert_allclose(sc.inflow_m3s["Yagen-I"], 0.015 * sc.inflow_m3s["Lianghekou"], rtol=1e-15)


def test_annual_statistics_follow_their_parameters() -> None:
    q = hy.annual_means_m3s(200, seed=3, cv=0.15, lag1=0.2) / MEAN_INFLOW_M3S
    assert 0.11 < q.std(ddof=1) < 0.19  # sampling error of a CV of 0.15 over 200 years ≈ 0.008
    assert -0.05 < np.corrcoef(q[:-1], q[1:])[0, 1] < 0.45


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seed": -1}, "seed"),
        ({"form": "roles"}, "form"),
        ({"local_inflow_fraction": 1.0}, "local_inflow_fraction"),
    ],
)
def test_hydrology_refuses_bad_input_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(HydroSimInputError, match=f"`{field}`"):
        hy.mean_year(**kwargs)


# -- rule curve -----------------------------------------------------------------------------------------
def test_rule_curve_anchors_and_equal_releases() -> None:
    z = cb.rule_curve_levels_masl()
    assert z[4] == 2785.0 and z[9] == 2865.0  # end of May: dead level; end of October: normal pool level
    assert all(np.diff([z[9], z[10], z[11], *z[:5]]) < 0) and all(np.diff(z[4:10]) > 0)
    curve = cb.basis_plant().upper.curve
    v = np.asarray(curve.volume_hm3_at(np.asarray(z)))
    hours = np.array([24 * calendar.monthrange(2030, m)[1] for m in range(1, 13)])
    inflow = np.asarray(hy.MEAN_YEAR_SHARE_PCT) / 100.0 * MEAN_INFLOW_M3S * 8760 * HM3_PER_M3S_HOUR
    release = (inflow - (v - np.roll(v, 1))) / (hours * HM3_PER_M3S_HOUR)  # m³/s, month by month
    dry = [10, 11, 0, 1, 2, 3, 4]
    wet = [5, 6, 7, 8, 9]
    # rounding the levels to 1e-6 m moves a month's volume by ≤ 1e-4 hm³: ≈ 1e-7 m³/s
    np.testing.assert_allclose(release[dry], release[dry].mean(), atol=1e-5)
    np.testing.assert_allclose(release[wet], release[wet].mean(), atol=1e-5)
    # a cyclic year releases its inflow
    assert np.sum(release * hours) / hours.sum() == pytest.approx(MEAN_INFLOW_M3S, rel=1e-9)


def test_rule_curve_refuses_a_drawdown_above_the_full_level() -> None:
    with pytest.raises(HydroSimInputError, match="`drawdown_level_masl`"):
        cb.rule_curve_levels_masl(drawdown_level_masl=2870.0)


# -- a short run checked by hand ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def short_run() -> cb.BasisRun:
    """June and July of the mean year: draw down to the June curve level, refill to July's (cyclic)."""
    sc = hy.mean_year().window(start="2030-06-01", hours=24 * 61)
    return cb.run_rule_curve(sc, label="June–July")


def test_short_run_energy_is_rho_g_eta_q_h_by_hand(short_run: cb.BasisRun) -> None:
    f = short_run.simulation
    g = cb.basis_plant().conventional
    assert g is not None
    q = f["flow_conventional_m3s"].to_numpy()
    h_net = f["head_m"].to_numpy() - g.head_loss_coefficient_s2_per_m5 * q**2
    e_hand = float(np.sum(RHO_G_MW * 0.92 * q * h_net))  # Δt = 1 h
    assert short_run.simulation_generation_mwh == pytest.approx(e_hand, rel=1e-9)
    assert short_run.mean_efficiency == pytest.approx(0.92, rel=1e-9)
    for a, e in short_run.output_coefficient_energy_mwh.items():
        assert e == pytest.approx(a * float(np.sum(q * h_net)) / 1e3, rel=1e-12)  # one (partial) "year"
    assert short_run.implied_output_coefficient == pytest.approx(
        cb.PUBLISHED_CONVENTIONAL_MWH * 1e3 / np.sum(q * h_net)
    )
    assert short_run.flow_weighted_net_head_m == pytest.approx(np.sum(q * h_net) / np.sum(q), rel=1e-12)
    spill = float(f["spill_upper_m3s"].sum()) * HM3_PER_M3S_HOUR
    assert short_run.spill_hm3 == pytest.approx(spill, abs=1e-9)
    assert short_run.spill_energy_mwh == pytest.approx(
        RHO_G_MW * 0.92 * short_run.flow_weighted_net_head_m * spill / HM3_PER_M3S_HOUR, rel=1e-9, abs=1e-9
    )


def test_short_run_holds_the_curve_and_closes_the_water_balance(short_run: cb.BasisRun) -> None:
    r = short_run
    assert r.water_balance_lp_hm3 <= BALANCE_TOL_HM3
    assert r.water_balance_simulation_hm3 <= BALANCE_TOL_HM3
    assert abs(r.cyclic_error_hm3) <= BALANCE_TOL_HM3
    assert r.band_excess_m <= 1e-6
    assert abs(r.lp_vs_simulation["conventional"]) <= cb.LP_SIMULATOR_TOLERANCE
    m = r.plan
    curve = cb.basis_plant().upper.curve
    v_curve = np.asarray(curve.volume_hm3_at(np.asarray(cb.rule_curve_levels_masl())))
    # six dekads (旬): 1–10, 11–20, 21–30 June, 1–10, 11–20, 21–31 July; their targets lie on the curve,
    # linear in time within each month (June from the end of May, July from the end of June)
    assert m["steps"].tolist() == [240, 240, 240, 240, 240, 264]
    f_june = np.array([10, 20, 30]) / 30
    f_july = np.array([10, 20, 31]) / 31
    expected = np.r_[
        v_curve[4] + f_june * (v_curve[5] - v_curve[4]), v_curve[5] + f_july * (v_curve[6] - v_curve[5])
    ]
    np.testing.assert_allclose(m["target_hm3"].to_numpy(), expected, rtol=1e-12)
    # July ends on its curve level, and the run starts there (the plan's cyclic fixed point)
    assert m["end_volume_hm3"].iloc[-1] == pytest.approx(v_curve[6], abs=1e-6)
    assert m["start_volume_hm3"].iloc[0] == pytest.approx(m["end_volume_hm3"].iloc[-1], abs=1e-9)
    # each dekad's LP ends on its planned volume
    ends = r.schedule["volume_upper_hm3"].to_numpy()[np.cumsum(m["steps"].to_numpy()) - 1]
    np.testing.assert_allclose(ends, m["end_volume_hm3"].to_numpy(), atol=1e-6)
    assert r.schedule["flow_generating_m3s"].abs().max() == 0.0  # reversible units off


# -- the whole basis ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_full_basis_figures() -> None:
    basis = cb.conventional_basis(n_years=30)
    text = cb.render_markdown(basis)
    assert "110.62亿 kWh = 110.62 × 10⁸ kWh" in text
    for r in (basis.mean_year, basis.multi_year):
        assert r is not None
        assert r.water_balance_lp_hm3 <= BALANCE_TOL_HM3
        assert r.water_balance_simulation_hm3 <= BALANCE_TOL_HM3
        assert abs(r.cyclic_error_hm3) <= BALANCE_TOL_HM3
        assert r.band_excess_m <= 1e-6
        assert abs(r.lp_vs_simulation["conventional"]) <= cb.LP_SIMULATOR_TOLERANCE
    # the figures of the report (benchmarks/conventional_basis.py); 0.1 % covers solver-version drift
    m, y = basis.mean_year, basis.multi_year
    assert y is not None and y.n_years == 30
    assert m.mean_annual_generation_mwh == pytest.approx(11_886_000, rel=1e-3)
    assert m.output_coefficient_energy_mwh[8.3] == pytest.approx(10_931_000, rel=1e-3)
    assert m.flow_weighted_upper_level_masl == pytest.approx(2830.1, abs=0.1)
    assert m.spill_hm3 == pytest.approx(0.0, abs=1e-6)
    assert y.mean_annual_generation_mwh == pytest.approx(11_818_000, rel=1e-3)
    assert y.output_coefficient_energy_mwh[8.3] == pytest.approx(10_868_000, rel=1e-3)
    assert y.spill_hm3 / y.n_years == pytest.approx(172.0, rel=0.02)
    lo, hi, _ = y.annual_spread_mwh
    assert lo == pytest.approx(8_487_000, rel=1e-3) and hi == pytest.approx(14_793_000, rel=1e-3)
    assert m.linear_path_generation_mwh == pytest.approx(11_650_000, rel=1e-3)
    # outside ±5 % of 11.062 TWh at the model's η = 0.92; inside at the design practice's A = 8.3 and 8.5
    for r in (m, y):
        assert r.relative_deviation > 0.05
        for a in (8.3, 8.5):
            assert abs(r.output_coefficient_energy_mwh[a] / cb.PUBLISHED_CONVENTIONAL_MWH - 1.0) <= 0.05
        assert 8.3 < r.implied_output_coefficient < 8.5
    sens = basis.sensitivity.set_index("case")["change"]
    assert sens["2,598.1 m (bottom of its band)"] == pytest.approx(0.015, abs=0.002)
    assert sens["2,815 m"] == pytest.approx(0.048, abs=0.003)
