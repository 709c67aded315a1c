"""The regional tools of hydro_sim.synthetic take their site and statistics as arguments: a tariff of one's
own, another river's monthly shape, another site's sun, another wind regime."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError
from hydro_sim.synthetic import (
    TouTariff,
    clear_sky_poa,
    full_load_hours,
    monthly_shaped_inflow_m3s,
    scale_to_full_load_hours,
    wind_power_mw,
)

YEAR = pd.date_range("2030-01-01", periods=8760, freq="h")


def two_rate(**kw):
    base = dict(
        name="two-rate",
        hour_periods=("night",) * 7 + ("day",) * 16 + ("night",),
        multipliers={"night": 0.5, "day": 1.0, "winter evening": 2.0},
        month_overrides={1: ((18, 19), "winter evening")},
    )
    return TouTariff(**(base | kw))


def test_a_tariff_of_ones_own_prices_every_hour_by_hand():
    t = two_rate()
    idx = pd.DatetimeIndex(["2030-01-05 03:00", "2030-01-05 12:00", "2030-01-05 18:00", "2030-06-05 18:00"])
    assert t.price(idx, 80.0).tolist() == [40.0, 80.0, 160.0, 80.0]
    assert t.period(idx).tolist() == ["night", "day", "winter evening", "day"]
    # a tz-aware index is read in the tariff's local time: 10:00 UTC is 18:00 at UTC+8
    local = two_rate(utc_offset_h=8.0)
    assert local.period(pd.DatetimeIndex(["2030-01-05 10:00"], tz="UTC")).tolist() == ["winter evening"]
    # the mean price over a year: 8 night hours at 0.5, 16 day hours at 1, January evenings at 2
    mean = t.price(YEAR, 1.0).mean()
    assert mean == pytest.approx((8 * 0.5 + 16 * 1.0 + 31 / 365 * 2 * (2.0 - 1.0)) / 24, rel=1e-12)


@pytest.mark.parametrize(
    ("kw", "field", "rule"),
    [
        ({"hour_periods": ("day",) * 23}, "hour_periods", "24 clock hours"),
        ({"hour_periods": ("day",) * 23 + ("dusk",)}, "hour_periods", "without a multiplier"),
        (
            {"multipliers": {"night": -0.5, "day": 1.0, "winter evening": 2.0}},
            r"multipliers\['night'\]",
            "must not be negative",
        ),
        ({"month_overrides": {13: ((1,), "day")}}, "month_overrides", "months 1–12"),
    ],
)
def test_a_bad_tariff_is_refused_naming_the_field(kw, field, rule):
    with pytest.raises(HydroSimInputError, match=rf"`{field}`.*{rule}.*TouTariff 'two-rate'"):
        two_rate(**kw)


def test_another_rivers_monthly_shape_is_kept_exactly():
    share = (10.0, 10.0, 10.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 10.0, 15.0, 15.0)  # a winter-flood river
    q = monthly_shaped_inflow_m3s(
        YEAR, np.random.default_rng(1), mean_m3s=50.0, monthly_share_pct=share, daily_phi=0.8, daily_sigma=0.3
    )
    assert q.mean() == pytest.approx(50.0, rel=1e-12)
    volume = pd.Series(q, index=YEAR).groupby(YEAR.month).sum()
    np.testing.assert_allclose(volume / volume.sum() * 100.0, share, rtol=1e-10)
    assert (q > 0.0).all() and q.std() > 0.0


def test_a_higher_latitude_site_has_a_deeper_winter():
    kw = dict(longitude_deg=10.0, altitude_m=0.0, surface_azimuth_deg=180.0, albedo=0.2, utc_offset_h=1)
    kw |= dict(air_temperature_c=(10.0, 8.0, 5.0))
    south, north = (
        clear_sky_poa(2030, latitude_deg=lat, tilt_deg=lat, **kw)[0].reshape(365, 24).sum(axis=1)
        for lat in (30.0, 60.0)
    )

    # winter (December–January) against summer (June–July) daily clear-sky energy on a latitude-tilt plane
    def ratio(daily):
        return (daily[:31].sum() + daily[334:].sum()) / daily[151:212].sum()

    assert ratio(north) < 0.5 * ratio(south)


def test_wind_and_scaling_hit_the_full_load_hours_asked_for():
    w = wind_power_mw(
        YEAR,
        np.random.default_rng(3),
        200.0,
        3000.0,
        weibull_shape=2.2,
        hourly_phi=0.9,
        monthly_scale=(1.0,) * 12,
        diurnal_amplitude=0.0,
        cut_in_m_s=3.5,
        rated_m_s=13.0,
    )
    assert full_load_hours(w, 200.0) == pytest.approx(3000.0, rel=1e-9)
    assert 0.0 <= w.min() and w.max() <= 200.0
    shape = np.clip(np.sin(np.arange(8760) * 2 * np.pi / 24), 0.0, None)
    pv = scale_to_full_load_hours(shape, 100.0, 1500.0, 1.0, "hours_h", "test")
    assert full_load_hours(pv, 100.0) == pytest.approx(1500.0, rel=1e-9)
    with pytest.raises(HydroSimInputError, match=r"`hours_h`.*must be below.*in test"):
        scale_to_full_load_hours(shape, 100.0, 5000.0, 1.0, "hours_h", "test")


def test_the_tou_rule_takes_its_thresholds_from_any_tariff():
    from hydro_sim.simulation import TouRulePolicy

    p = TouRulePolicy.for_tariff(
        flat_price_per_mwh=80.0, tariff=two_rate(), pump_period="night", generate_period="winter evening"
    )
    assert (p.pump_when_price_at_most_per_mwh, p.generate_when_price_at_least_per_mwh) == (40.0, 160.0)
    sichuan = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)  # the default tariff: valley 0.4, peak 1.6
    assert (sichuan.pump_when_price_at_most_per_mwh, sichuan.generate_when_price_at_least_per_mwh) == (
        160.0,
        640.0,
    )
    with pytest.raises(HydroSimInputError, match=r"`pump_period` \('valley'\) must be a period of tariff"):
        TouRulePolicy.for_tariff(flat_price_per_mwh=80.0, tariff=two_rate())
