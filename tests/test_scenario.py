"""Scenario: defaults, step length, windows, the DataFrame round trip and the summary."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError, Provenance, Scenario
from hydro_sim.scenario import SERIES_FIELDS, RoleInflows

#: Float round-off of a mean over a few dozen values (relative, and absolute near zero).
ROUND_OFF = 1e-12

HOURLY = pd.date_range("2025-01-01", periods=48, freq="h")
THREE_HOURLY = pd.date_range("2025-07-01", periods=16, freq="3h")


def ramp(index, start=0.0, step=1.0, name=None):
    """A series start, start + step, … on ``index``: every value tells which step it came from."""
    return pd.Series(start + step * np.arange(len(index)), index=index, name=name)


def full_scenario(index=HOURLY):
    return Scenario(
        inflow_upper_m3s=ramp(index, 100.0),
        inflow_lower_m3s=ramp(index, 5.0, 0.5),
        price_per_mwh=ramp(index, -20.0, 10.0),
        pv_available_mw=ramp(index, 0.0, 2.0),
        wind_available_mw=ramp(index, 50.0, -1.0),
        delivery_mw=ramp(index, 300.0),
        line_capacity_mw=ramp(index, 1000.0),
        name="full",
        provenance={"price_per_mwh": Provenance(kind="assumption", text="made-up prices")},
    )


# -- defaults -----------------------------------------------------------------------------------------


def test_missing_optional_series_become_zeros_on_the_index():
    sc = Scenario(inflow_upper_m3s=pd.Series(100.0, index=HOURLY))
    for name in ("inflow_lower_m3s", "price_per_mwh", "pv_available_mw", "wind_available_mw"):
        s = getattr(sc, name)
        assert isinstance(s, pd.Series), name
        assert s.index.equals(HOURLY), name
        assert s.name == name
        assert (s.to_numpy() == 0.0).all(), name  # exact zeros, not computed
    assert sc.delivery_mw is None
    assert sc.line_capacity_mw is None
    assert sc.series("delivery_mw") is None
    assert sc.name == "scenario"
    assert dict(sc.provenance) == {}


def test_given_series_are_named_after_their_field_and_held_as_floats():
    sc = Scenario(
        inflow_upper_m3s=pd.Series(np.arange(48), index=HOURLY, name="q"),
        price_per_mwh=pd.Series(np.arange(48), index=HOURLY, name="p"),
    )
    assert sc.inflow_upper_m3s.name == "inflow_upper_m3s"
    assert sc.price_per_mwh.name == "price_per_mwh"
    assert sc.inflow_upper_m3s.dtype == np.float64
    assert sc.inflow_upper_m3s.iloc[47] == 47.0  # exact integer value
    assert sc.series("inflow_upper_m3s") is sc.inflow_upper_m3s


def test_series_accessor_refuses_an_unknown_name():
    sc = Scenario(inflow_upper_m3s=pd.Series(1.0, index=HOURLY))
    with pytest.raises(HydroSimInputError, match="`name` \\('inflow_m3s'\\)"):
        sc.series("inflow_m3s")


# -- step length --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "dt_h", "n_steps"),
    [
        (HOURLY, 1.0, 48),
        (THREE_HOURLY, 3.0, 16),
        (pd.date_range("2025-01-01", periods=8, freq="15min"), 0.25, 8),
        (pd.date_range("2025-01-01", periods=3, freq="D"), 24.0, 3),
    ],
)
def test_dt_h_and_hours(index, dt_h, n_steps):
    sc = Scenario(inflow_upper_m3s=pd.Series(1.0, index=index))
    assert sc.dt_h == pytest.approx(dt_h, rel=ROUND_OFF)
    assert sc.n_steps == n_steps
    assert sc.hours == pytest.approx(dt_h * n_steps, rel=ROUND_OFF)
    assert sc.index.equals(index)


def test_dt_h_without_a_frequency_attribute():
    """An index read from a file carries no ``freq``; the step is read from the time stamps."""
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 03:00", "2025-01-01 06:00"])
    assert idx.freq is None
    assert Scenario(inflow_upper_m3s=pd.Series(1.0, index=idx)).dt_h == pytest.approx(3.0, rel=ROUND_OFF)


# -- windows ------------------------------------------------------------------------------------------


def test_window_by_start_h():
    sc = full_scenario()
    w = sc.window(start_h=24.0, hours=12.0)
    assert w.n_steps == 12
    assert w.index.equals(HOURLY[24:36])
    assert w.inflow_upper_m3s.tolist() == [100.0 + i for i in range(24, 36)]  # exact: integer values
    assert w.price_per_mwh.tolist() == [-20.0 + 10.0 * i for i in range(24, 36)]
    np.testing.assert_allclose(w.inflow_lower_m3s.to_numpy(), 5.0 + 0.5 * np.arange(24, 36), rtol=ROUND_OFF)
    assert w.delivery_mw.index.equals(w.index) and w.line_capacity_mw.index.equals(w.index)
    assert w.name == "full" and w.provenance["price_per_mwh"].kind == "assumption"


def test_window_by_start_timestamp_matches_window_by_start_h():
    sc = full_scenario()
    by_ts = sc.window(start="2025-01-02 05:00", hours=6.0)
    by_h = sc.window(start_h=29.0, hours=6.0)
    assert by_ts.index[0] == pd.Timestamp("2025-01-02 05:00")
    assert by_ts.index.equals(by_h.index)
    for name in SERIES_FIELDS:
        pd.testing.assert_series_equal(getattr(by_ts, name), getattr(by_h, name))
    assert by_ts.inflow_upper_m3s.tolist() == [129.0, 130.0, 131.0, 132.0, 133.0, 134.0]


def test_window_without_hours_runs_to_the_end():
    w = full_scenario().window(start_h=40.0)
    assert w.n_steps == 8
    assert w.index[-1] == HOURLY[-1]
    assert w.inflow_upper_m3s.iloc[-1] == 147.0


def test_window_on_a_three_hourly_index_counts_hours_not_steps():
    sc = Scenario(inflow_upper_m3s=ramp(THREE_HOURLY))
    w = sc.window(start_h=6.0, hours=9.0)
    assert w.n_steps == 3
    assert w.dt_h == pytest.approx(3.0, rel=ROUND_OFF)
    assert w.inflow_upper_m3s.tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(HydroSimInputError, match="`start_h` \\(4.0\\)"):
        sc.window(start_h=4.0, hours=9.0)  # not on a step boundary


@pytest.mark.parametrize(("index", "dt_h"), [(HOURLY, 1.0), (THREE_HOURLY, 3.0)])
def test_one_step_window_keeps_its_step_length(index, dt_h):
    sc = Scenario(inflow_upper_m3s=ramp(index))
    last = sc.window(start_h=(len(index) - 1) * dt_h, hours=dt_h)
    assert last.n_steps == 1
    assert last.dt_h == pytest.approx(dt_h, rel=ROUND_OFF)
    assert last.hours == pytest.approx(dt_h, rel=ROUND_OFF)
    assert last.inflow_upper_m3s.tolist() == [float(len(index) - 1)]
    assert last.index[0] == index[-1]


def test_one_step_window_of_an_index_without_frequency_keeps_its_step_length():
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 03:00", "2025-01-01 06:00"])
    w = Scenario(inflow_upper_m3s=pd.Series([1.0, 2.0, 3.0], index=idx)).window(start_h=3.0, hours=3.0)
    assert w.dt_h == pytest.approx(3.0, rel=ROUND_OFF)
    assert w.inflow_upper_m3s.tolist() == [2.0]


# -- DataFrame round trip -----------------------------------------------------------------------------


def test_to_frame_holds_present_series_in_field_order():
    frame = Scenario(inflow_upper_m3s=ramp(HOURLY), delivery_mw=ramp(HOURLY, 10.0)).to_frame()
    assert list(frame.columns) == [n for n in SERIES_FIELDS if n != "line_capacity_mw"]
    assert frame.index.equals(HOURLY)
    assert frame["delivery_mw"].iloc[3] == 13.0


@pytest.mark.parametrize("index", [HOURLY, THREE_HOURLY])
def test_to_frame_from_frame_round_trip(index):
    sc = full_scenario(index)
    back = Scenario.from_frame(sc.to_frame(), name="full", provenance=sc.provenance)
    assert back.index.equals(sc.index)
    assert back.dt_h == pytest.approx(sc.dt_h, rel=ROUND_OFF)
    assert back.name == "full"
    assert back.provenance["price_per_mwh"].text == "made-up prices"
    for name in SERIES_FIELDS:
        pd.testing.assert_series_equal(getattr(back, name), getattr(sc, name), check_freq=False)


def test_round_trip_keeps_absent_series_absent():
    sc = Scenario(inflow_upper_m3s=ramp(HOURLY))
    back = Scenario.from_frame(sc.to_frame())
    assert back.delivery_mw is None and back.line_capacity_mw is None
    pd.testing.assert_series_equal(back.inflow_upper_m3s, sc.inflow_upper_m3s, check_freq=False)


def test_from_frame_needs_the_upper_inflow():
    with pytest.raises(HydroSimInputError, match="`columns`.*must include `inflow_upper_m3s`"):
        Scenario.from_frame(pd.DataFrame({"price_per_mwh": 1.0}, index=HOURLY))


# -- summary ------------------------------------------------------------------------------------------


def test_summary():
    summary = full_scenario().summary()
    assert list(summary.columns) == ["mean", "min", "max"]
    assert list(summary.index) == list(SERIES_FIELDS)
    # inflow 100 … 147: mean 123.5; price −20 … 450 step 10: mean 215; wind 50 … 3 falling
    assert summary.loc["inflow_upper_m3s"].tolist() == pytest.approx([123.5, 100.0, 147.0], rel=ROUND_OFF)
    assert summary.loc["price_per_mwh"].tolist() == pytest.approx([215.0, -20.0, 450.0], rel=ROUND_OFF)
    assert summary.loc["wind_available_mw"].tolist() == pytest.approx([26.5, 3.0, 50.0], rel=ROUND_OFF)


def test_summary_of_defaults_lists_zeros_and_omits_absent_series():
    summary = Scenario(inflow_upper_m3s=pd.Series(80.0, index=HOURLY)).summary()
    assert "delivery_mw" not in summary.index and "line_capacity_mw" not in summary.index
    assert summary.loc["pv_available_mw"].tolist() == [0.0, 0.0, 0.0]
    assert summary.loc["inflow_upper_m3s"].tolist() == pytest.approx([80.0, 80.0, 80.0], rel=ROUND_OFF)


def test_two_scenarios_can_be_compared():
    a = Scenario(inflow_upper_m3s=pd.Series(1.0, index=HOURLY))
    b = Scenario(inflow_upper_m3s=pd.Series(1.0, index=HOURLY))
    # Scenarios compare by identity (eq=False): comparing Series element-wise would be ambiguous.
    assert a == a and a != b


# -- time zones and daylight saving -------------------------------------------------------------------
# An hourly tz-aware index is regular in absolute (UTC) time across a daylight-saving change; its local days
# have 23 or 25 steps. Europe/Berlin changes at 02:00/03:00; America/Santiago at midnight, so on 7 September
# 2025 local midnight does not exist and on 5 April 2025 the hour 23:00 occurs twice.

BERLIN_SPRING = pd.date_range(pd.Timestamp("2025-03-29", tz="Europe/Berlin"), periods=96, freq="h")
BERLIN_AUTUMN = pd.date_range(pd.Timestamp("2025-10-25", tz="Europe/Berlin"), periods=72, freq="h")
SANTIAGO_AUTUMN = pd.date_range(pd.Timestamp("2025-04-05", tz="America/Santiago"), periods=72, freq="h")
SANTIAGO_SPRING = pd.date_range(pd.Timestamp("2025-09-06", tz="America/Santiago"), periods=72, freq="h")


def dst_scenario(index):
    """Every series present, each a ramp that stays non-negative over 96 steps (the price goes negative)."""
    return Scenario(
        inflow_upper_m3s=ramp(index, 100.0),
        inflow_lower_m3s=ramp(index, 5.0, 0.5),
        price_per_mwh=ramp(index, -20.0, 10.0),
        pv_available_mw=ramp(index, 0.0, 2.0),
        wind_available_mw=ramp(index, 200.0, -1.0),
        delivery_mw=ramp(index, 300.0),
        line_capacity_mw=ramp(index, 1000.0),
        name="full",
        provenance={"price_per_mwh": Provenance(kind="assumption", text="made-up prices")},
    )


DST_CASES = [  # index, hourly steps in each local calendar day (first day first)
    (BERLIN_SPRING, [24, 23, 24, 24, 1]),
    (BERLIN_AUTUMN, [24, 25, 23]),
    (SANTIAGO_AUTUMN, [25, 24, 23]),
    (SANTIAGO_SPRING, [24, 23, 24, 1]),
]
DST_IDS = ["Berlin spring", "Berlin autumn", "Santiago autumn", "Santiago spring"]


@pytest.mark.parametrize(("index", "day_steps"), DST_CASES, ids=DST_IDS)
def test_a_tz_aware_hourly_index_across_a_dst_change_is_accepted(index, day_steps):
    sc = dst_scenario(index)
    assert sc.index.equals(index) and str(sc.index.tz) == str(index.tz)
    assert sc.dt_h == pytest.approx(1.0, rel=ROUND_OFF)
    assert sc.hours == pytest.approx(len(index), rel=ROUND_OFF)
    assert sc.local_day.value_counts().sort_index().tolist() == day_steps
    assert sc.local_day.tz is None and len(sc.local_day) == sc.n_steps


def test_local_day_of_santiago_spring_starts_at_the_first_local_step():
    """On 7 September 2025 Santiago's clocks skip midnight: that day's first step is 01:00, labelled the 7th."""
    day = dst_scenario(SANTIAGO_SPRING).local_day
    first_of_7th = int(np.argmax(day == pd.Timestamp("2025-09-07")))
    assert first_of_7th == 24
    assert SANTIAGO_SPRING[first_of_7th].hour == 1
    assert SANTIAGO_SPRING[first_of_7th - 1].hour == 23 and day[first_of_7th - 1] == pd.Timestamp(
        "2025-09-06"
    )


def test_local_day_of_a_naive_index_is_its_calendar_date():
    day = dst_scenario(HOURLY).local_day
    assert day[0] == pd.Timestamp("2025-01-01") and day[23] == pd.Timestamp("2025-01-01")
    assert day[24] == pd.Timestamp("2025-01-02") and day[-1] == pd.Timestamp("2025-01-02")


@pytest.mark.parametrize(("index", "day_steps"), DST_CASES, ids=DST_IDS)
def test_window_across_a_dst_change_keeps_the_zone_and_the_values(index, day_steps):
    sc = dst_scenario(index)
    w = sc.window(start_h=20.0, hours=10.0)
    assert w.index.equals(index[20:30]) and str(w.index.tz) == str(index.tz)
    assert w.inflow_upper_m3s.tolist() == [100.0 + i for i in range(20, 30)]  # exact: integer values
    assert w.dt_h == pytest.approx(1.0, rel=ROUND_OFF)
    assert w.local_day.value_counts().sum() == 10


@pytest.mark.parametrize(("index", "day_steps"), DST_CASES, ids=DST_IDS)
def test_to_frame_from_frame_keeps_the_zone(index, day_steps):
    sc = dst_scenario(index)
    frame = sc.to_frame()
    assert str(frame.index.tz) == str(index.tz)
    back = Scenario.from_frame(frame, name="full", provenance=sc.provenance)
    assert back.index.equals(index) and str(back.index.tz) == str(index.tz)
    for name in SERIES_FIELDS:
        pd.testing.assert_series_equal(getattr(back, name), getattr(sc, name))


def test_window_start_on_a_tz_aware_scenario_is_local_time_or_converted():
    sc = dst_scenario(BERLIN_SPRING)
    local = sc.window(start="2025-03-30 03:00", hours=3.0)  # the first hour after the jump
    assert local.index[0] == pd.Timestamp("2025-03-30 03:00", tz="Europe/Berlin")
    assert local.inflow_upper_m3s.tolist() == [126.0, 127.0, 128.0]  # 02:00 does not exist: step 26
    utc = sc.window(start=pd.Timestamp("2025-03-30 01:00", tz="UTC"), hours=3.0)
    assert utc.index.equals(local.index)


def test_window_start_with_an_offset_picks_the_right_one_of_a_twice_occurring_hour():
    sc = dst_scenario(SANTIAGO_AUTUMN)
    first = sc.window(start="2025-04-05 23:00-03:00", hours=1.0)
    second = sc.window(start="2025-04-05 23:00-04:00", hours=1.0)
    assert first.inflow_upper_m3s.tolist() == [123.0] and second.inflow_upper_m3s.tolist() == [124.0]
    with pytest.raises(HydroSimInputError, match=r"`start` \('2025-04-05 23:00:00'\) occurs twice"):
        sc.window(start="2025-04-05 23:00")


def test_a_daily_index_across_a_dst_change_is_irregular_in_absolute_time():
    """Local midnights are 23 h apart on the day the clocks jump: such a daily index is refused, by name."""
    idx = pd.date_range("2025-03-29", periods=4, freq="D", tz="Europe/Berlin")
    with pytest.raises(
        HydroSimInputError,
        match=r"`inflow_upper_m3s.index` \('0 days 23:00:00'\) must be "
        r"regular, but the step after 2025-03-30 00:00:00\+01:00",
    ):
        Scenario(inflow_upper_m3s=pd.Series(1.0, index=idx))


# -- window by time stamp -------------------------------------------------------------------------------


def test_window_start_accepts_text_timestamps_and_datetimes_alike():
    import datetime as dt

    sc = full_scenario()
    by_text = sc.window(start="2025-01-02", hours=24.0)
    by_ts = sc.window(start=pd.Timestamp("2025-01-02"), hours=24.0)
    by_dt = sc.window(start=dt.datetime(2025, 1, 2), hours=24.0)
    by_date = sc.window(start=dt.date(2025, 1, 2), hours=24.0)
    for w in (by_ts, by_dt, by_date):
        assert w.index.equals(by_text.index)
    assert by_text.inflow_upper_m3s.iloc[0] == 124.0 and by_text.n_steps == 24


def test_window_refuses_start_beside_start_h_even_when_they_agree():
    with pytest.raises(
        HydroSimInputError,
        match=r"`start` \('2025-01-01 05:00'\) and `start_h` \(5.0\) must not "
        "both be given",
    ):
        full_scenario().window(start="2025-01-01 05:00", start_h=5.0)


# -- inflows by reservoir name ------------------------------------------------------------------------------


def named_scenario(index=HOURLY, **kw):
    """Two named inflows (ramps that tell their step), every busbar series, provenance on a named inflow."""
    args = {
        "inflow_m3s": {"Lianghekou": ramp(index, 600.0), "Yagen-I": ramp(index, 9.0, 0.5)},
        "price_per_mwh": ramp(index, -20.0, 10.0),
        "pv_available_mw": ramp(index, 0.0, 2.0),
        "wind_available_mw": ramp(index, 200.0, -1.0),
        "delivery_mw": ramp(index, 300.0),
        "line_capacity_mw": ramp(index, 1000.0),
        "name": "named",
        "provenance": {
            "Lianghekou inflow_m3s": Provenance(kind="assumption", text="made-up inflow"),
            "price_per_mwh": Provenance(kind="assumption", text="made-up prices"),
        },
    }
    return Scenario(**(args | kw))


NAMED_COLUMNS = [
    "Lianghekou inflow_m3s",
    "Yagen-I inflow_m3s",
    "price_per_mwh",
    "pv_available_mw",
    "wind_available_mw",
    "delivery_mw",
    "line_capacity_mw",
]


def test_named_inflows_are_held_by_name_on_the_scenario_index():
    sc = named_scenario()
    assert sc.inflows_by_name and list(sc.inflow_m3s) == ["Lianghekou", "Yagen-I"]
    assert sc.index.equals(HOURLY) and sc.n_steps == 48 and sc.dt_h == 1.0
    assert sc.inflow_m3s["Lianghekou"].tolist() == [600.0 + i for i in range(48)]  # exact: integer values
    assert sc.inflow_m3s["Yagen-I"].name == "Yagen-I inflow_m3s"
    assert sc.series("Yagen-I inflow_m3s") is sc.inflow_m3s["Yagen-I"]
    assert sc.series_names == tuple(NAMED_COLUMNS)
    with pytest.raises(TypeError):  # read-only, like the rest of a frozen scenario
        sc.inflow_m3s["Yagen-I"] = ramp(HOURLY)  # type: ignore[index]


def test_a_named_scenario_fills_the_busbar_series_with_zeros():
    sc = Scenario(inflow_m3s={"lake": pd.Series(3.0, index=HOURLY)})
    for name in ("price_per_mwh", "pv_available_mw", "wind_available_mw"):
        assert (getattr(sc, name).to_numpy() == 0.0).all() and getattr(sc, name).index.equals(HOURLY)
    assert sc.delivery_mw is None and sc.line_capacity_mw is None


@pytest.mark.parametrize("field", ["inflow_upper_m3s", "inflow_lower_m3s"])
def test_the_role_series_of_a_named_scenario_say_where_the_inflows_are(field):
    sc = named_scenario()
    with pytest.raises(HydroSimInputError) as err:
        getattr(sc, field)
    msg = str(err.value)
    assert f"`{field}` (['Lianghekou', 'Yagen-I'])" in msg
    assert "`scenario.inflow_m3s[name]`" in msg and "`network.inflows_m3s(scenario)`" in msg
    with pytest.raises(HydroSimInputError, match="inflow_m3s\\[name\\]"):
        sc.series(field)


def test_a_role_scenario_holds_its_two_series_as_role_inflows():
    sc = full_scenario()
    assert not sc.inflows_by_name and isinstance(sc.inflow_m3s, RoleInflows)
    assert list(sc.inflow_m3s) == ["inflow_upper_m3s", "inflow_lower_m3s"]
    assert sc.inflow_m3s["inflow_upper_m3s"] is sc.inflow_upper_m3s
    with pytest.raises(KeyError, match="by role"):
        sc.inflow_m3s["Lianghekou"]


def test_both_forms_at_once_are_refused():
    with pytest.raises(
        HydroSimInputError, match="`inflow_m3s`.*and `inflow_upper_m3s` must not both be given"
    ):
        Scenario(inflow_m3s={"A": ramp(HOURLY)}, inflow_upper_m3s=ramp(HOURLY))


def test_replace_keeps_each_form():
    role = dataclasses.replace(full_scenario(), inflow_lower_m3s=pd.Series(1.0, index=HOURLY), name="r")
    assert role.inflow_lower_m3s.tolist() == [1.0] * 48 and role.inflow_upper_m3s.iloc[3] == 103.0
    named = dataclasses.replace(named_scenario(), name="n2")
    assert named.name == "n2" and named.inflow_m3s["Yagen-I"].iloc[2] == 10.0
    assert named.provenance["Lianghekou inflow_m3s"].text == "made-up inflow"
    with pytest.raises(HydroSimInputError, match="must not both be given"):
        dataclasses.replace(named_scenario(), inflow_upper_m3s=ramp(HOURLY))


def test_window_of_a_named_scenario_cuts_every_series():
    w = named_scenario().window(start_h=24.0, hours=12.0)
    assert w.inflows_by_name and w.n_steps == 12 and w.index.equals(HOURLY[24:36])
    assert w.inflow_m3s["Lianghekou"].tolist() == [600.0 + i for i in range(24, 36)]
    np.testing.assert_allclose(
        w.inflow_m3s["Yagen-I"].to_numpy(), 9.0 + 0.5 * np.arange(24, 36), rtol=ROUND_OFF
    )
    assert w.price_per_mwh.tolist() == [-20.0 + 10.0 * i for i in range(24, 36)]
    assert w.provenance["Lianghekou inflow_m3s"].text == "made-up inflow"
    by_ts = named_scenario().window(start="2025-01-02 00:00", hours=12.0)
    for name in NAMED_COLUMNS:
        pd.testing.assert_series_equal(by_ts.series(name), w.series(name))


@pytest.mark.parametrize(
    "index", [HOURLY, THREE_HOURLY, BERLIN_SPRING], ids=["hourly", "3-hourly", "Berlin DST"]
)
def test_named_to_frame_from_frame_round_trip(index):
    sc = named_scenario(index)
    frame = sc.to_frame()
    assert list(frame.columns) == NAMED_COLUMNS
    assert frame["Lianghekou inflow_m3s"].iloc[5] == 605.0
    back = Scenario.from_frame(frame, name="named", provenance=sc.provenance)
    assert back.inflows_by_name and list(back.inflow_m3s) == ["Lianghekou", "Yagen-I"]
    assert back.index.equals(index) and str(back.index.tz) == str(index.tz)
    for name in NAMED_COLUMNS:
        pd.testing.assert_series_equal(back.series(name), sc.series(name), check_freq=False)
    assert back.provenance["Lianghekou inflow_m3s"].text == "made-up inflow"


def test_named_summary_and_local_day():
    sc = named_scenario()
    summary = sc.summary()
    assert list(summary.index) == NAMED_COLUMNS
    # Lianghekou 600 … 647: mean 623.5; Yagen-I 9 … 32.5 step 0.5: mean 20.75
    assert summary.loc["Lianghekou inflow_m3s"].tolist() == pytest.approx(
        [623.5, 600.0, 647.0], rel=ROUND_OFF
    )
    assert summary.loc["Yagen-I inflow_m3s"].tolist() == pytest.approx([20.75, 9.0, 32.5], rel=ROUND_OFF)
    berlin = named_scenario(BERLIN_SPRING)
    assert berlin.local_day.value_counts().sort_index().tolist() == [24, 23, 24, 24, 1]


def test_provenance_of_a_named_scenario_is_keyed_by_its_columns():
    with pytest.raises(
        HydroSimInputError, match="`provenance\\['inflow_upper_m3s'\\]`.*Lianghekou inflow_m3s"
    ):
        named_scenario(provenance={"inflow_upper_m3s": Provenance(kind="user", text="x")})


def test_a_misaligned_named_series_names_the_series_that_set_the_index():
    with pytest.raises(HydroSimInputError) as err:
        Scenario(inflow_m3s={"A": ramp(HOURLY), "B": ramp(HOURLY[:24])})
    assert "`inflow_m3s['B']`" in str(err.value) and "48 steps" in str(err.value)
    with pytest.raises(HydroSimInputError) as err:
        Scenario(inflow_m3s={"A": ramp(HOURLY)}, price_per_mwh=ramp(BERLIN_SPRING[:48]))
    assert "like `inflow_m3s['A']`" in str(err.value) and "inflow_upper_m3s" not in str(err.value)


@pytest.mark.parametrize("make", [full_scenario, named_scenario], ids=["by role", "by name"])
def test_scenarios_pickle_and_copy_in_their_form(make):
    import copy
    import pickle

    sc = make()
    for back in (pickle.loads(pickle.dumps(sc)), copy.deepcopy(sc), copy.copy(sc)):
        assert back.inflows_by_name == sc.inflows_by_name and back.name == sc.name
        pd.testing.assert_frame_equal(back.to_frame(), sc.to_frame())
        assert {k: v.text for k, v in back.provenance.items()} == {
            k: v.text for k, v in sc.provenance.items()
        }


def test_by_reservoir_names_the_role_inflows_and_moves_their_provenance():
    sc = dataclasses.replace(
        full_scenario(),
        provenance={
            "inflow_lower_m3s": Provenance(kind="assumption", text="1.5 % of the upper"),
            "price_per_mwh": Provenance(kind="assumption", text="made-up prices"),
        },
    )
    named = sc.by_reservoir("Lianghekou", "Yagen-I")
    assert named.inflows_by_name and list(named.inflow_m3s) == ["Lianghekou", "Yagen-I"]
    pd.testing.assert_series_equal(named.inflow_m3s["Lianghekou"], sc.inflow_upper_m3s, check_names=False)
    pd.testing.assert_series_equal(named.inflow_m3s["Yagen-I"], sc.inflow_lower_m3s, check_names=False)
    pd.testing.assert_series_equal(named.price_per_mwh, sc.price_per_mwh)
    assert set(named.provenance) == {"Yagen-I inflow_m3s", "price_per_mwh"}
    lake = Scenario(inflow_upper_m3s=ramp(HOURLY)).by_reservoir("lake")
    assert list(lake.inflow_m3s) == ["lake"]
    with pytest.raises(HydroSimInputError, match="`lower` \\(None\\) must name the reservoir"):
        sc.by_reservoir("Lianghekou")
    with pytest.raises(HydroSimInputError, match="already gives its inflows by reservoir name"):
        named.by_reservoir("A")
