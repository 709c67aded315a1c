"""Errors that help: every bad input raises HydroSimInputError naming the field, the value and where to fix it.

Each case builds a valid object with exactly one thing wrong, so the error can only come from that thing.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from hydro_sim import (
    GridLine,
    HydroSimError,
    HydroSimInputError,
    LevelVolumeCurve,
    Outlet,
    Plant,
    Provenance,
    PumpTurbineGroup,
    Reservoir,
    Scenario,
    TurbineGroup,
    lianghekou,
)

# -- valid building blocks, each case below changes one thing -----------------------------------------

IDX = pd.date_range("2025-01-01", periods=24, freq="h")


def curve(**kw):
    args = {"level_masl": (100.0, 110.0, 120.0), "volume_hm3": (0.0, 50.0, 120.0)} | kw
    return LevelVolumeCurve(**args)


def reservoir(**kw):
    args = {
        "name": "lake",
        "curve": curve(),
        "min_level_masl": 105.0,
        "max_level_masl": 120.0,
        "initial_level_masl": 115.0,
    } | kw
    return Reservoir(**args)


def lower_reservoir(**kw):
    args = {
        "name": "pond",
        "curve": LevelVolumeCurve(level_masl=(10.0, 20.0), volume_hm3=(1.0, 11.0)),
        "min_level_masl": 11.0,
        "max_level_masl": 19.0,
        "initial_level_masl": 15.0,
    } | kw
    return Reservoir(**args)


def turbines(**kw):
    args = {
        "name": "units",
        "n_units": 2,
        "rated_power_mw": 50.0,
        "max_flow_m3s": 70.0,
        "efficiency": 0.9,
    } | kw
    return TurbineGroup(**args)


def pump_turbines(**kw):
    args = {
        "name": "rev",
        "n_units": 2,
        "rated_power_mw": 50.0,
        "max_flow_m3s": 60.0,
        "turbine_efficiency": 0.9,
        "rated_pumping_power_mw": 50.0,
        "pump_efficiency": 0.9,
    } | kw
    return PumpTurbineGroup(**args)


def plant(**kw):
    args = {"name": "p", "upper": reservoir(), "conventional": turbines(), "tailwater_level_masl": 20.0} | kw
    return Plant(**args)


def series(values=1.0, index=IDX, name=None):
    return pd.Series(values, index=index, dtype=float, name=name)


def scenario(**kw):
    args = {"inflow_upper_m3s": series(100.0)} | kw
    return Scenario(**args)


def with_value(values, position, value):
    arr = np.full(len(IDX), values, dtype=float)
    arr[position] = value
    return series(arr)


# -- the cases ----------------------------------------------------------------------------------------
# (id, build, field named in backticks, value text that must appear, where text that must appear)

CASES = [
    (
        "level table not rising",
        lambda: curve(level_masl=(100.0, 110.0, 110.0)),
        "level_masl",
        "[100.0, 110.0, 110.0]",
        "LevelVolumeCurve",
    ),
    (
        "level table falling",
        lambda: curve(level_masl=(100.0, 90.0, 120.0)),
        "level_masl",
        "90.0",
        "LevelVolumeCurve",
    ),
    (
        "volume table of another length",
        lambda: curve(volume_hm3=(0.0, 50.0)),
        "volume_hm3",
        "(2)",
        "LevelVolumeCurve",
    ),
    (
        "negative volume",
        lambda: curve(volume_hm3=(-1.0, 50.0, 120.0)),
        "volume_hm3",
        "-1.0",
        "LevelVolumeCurve",
    ),
    ("efficiency 0", lambda: turbines(efficiency=0.0), "efficiency", "0.0", "TurbineGroup 'units'"),
    ("efficiency 1.2", lambda: turbines(efficiency=1.2), "efficiency", "1.2", "TurbineGroup 'units'"),
    ("efficiency NaN", lambda: turbines(efficiency=math.nan), "efficiency", "nan", "TurbineGroup 'units'"),
    (
        "pump efficiency 1.2",
        lambda: pump_turbines(pump_efficiency=1.2),
        "pump_efficiency",
        "1.2",
        "PumpTurbineGroup 'rev'",
    ),
    ("n_units 0", lambda: turbines(n_units=0), "n_units", "(0)", "TurbineGroup 'units'"),
    ("n_units 2.5", lambda: turbines(n_units=2.5), "n_units", "2.5", "TurbineGroup 'units'"),
    (
        "min level above max level",
        lambda: reservoir(min_level_masl=115.0, max_level_masl=110.0, initial_level_masl=112.0),
        "max_level_masl",
        "110.0",
        "Reservoir 'lake'",
    ),
    (
        "initial level below the bounds",
        lambda: reservoir(initial_level_masl=101.0),
        "initial_level_masl",
        "101.0",
        "Reservoir 'lake'",
    ),
    (
        "initial level above the bounds",
        lambda: reservoir(max_level_masl=118.0, initial_level_masl=119.0),
        "initial_level_masl",
        "119.0",
        "Reservoir 'lake'",
    ),
    (
        "monthly list of 11 values",
        lambda: reservoir(monthly_max_level_masl=[120.0] * 11),
        "monthly_max_level_masl",
        "(11)",
        "Reservoir 'lake'",
    ),
    (
        "tailwater above the upper minimum",
        lambda: plant(tailwater_level_masl=106.0),
        "tailwater_level_masl",
        "106.0",
        "Plant 'p'",
    ),
    (
        "reversible group without a lower reservoir",
        lambda: plant(reversible=pump_turbines()),
        "lower",
        "None",
        "Plant 'p'",
    ),
    (
        "lower reservoir above the upper one",
        lambda: plant(
            lower=lower_reservoir(
                curve=curve(), min_level_masl=105.0, max_level_masl=110.0, initial_level_masl=107.0
            ),
            reversible=pump_turbines(),
            tailwater_level_masl=None,
        ),
        "lower.max_level_masl",
        "110.0",
        "Plant 'p'",
    ),
    (
        "negative rated power",
        lambda: turbines(rated_power_mw=-50.0),
        "rated_power_mw",
        "-50.0",
        "TurbineGroup 'units'",
    ),
    (
        "negative rated pumping power",
        lambda: pump_turbines(rated_pumping_power_mw=-300.0),
        "rated_pumping_power_mw",
        "-300.0",
        "PumpTurbineGroup 'rev'",
    ),
    (
        "pump band of 1",
        lambda: pump_turbines(pump_power_band_fraction=1.0),
        "pump_power_band_fraction",
        "1.0",
        "PumpTurbineGroup 'rev'",
    ),
    (
        "pump band above 1",
        lambda: pump_turbines(pump_power_band_fraction=1.5),
        "pump_power_band_fraction",
        "1.5",
        "PumpTurbineGroup 'rev'",
    ),
    (
        "min power equal to rated",
        lambda: turbines(min_power_mw=50.0),
        "min_power_mw",
        "50.0",
        "TurbineGroup 'units'",
    ),
    (
        "min power above rated (reversible)",
        lambda: pump_turbines(min_power_mw=60.0),
        "min_power_mw",
        "60.0",
        "PumpTurbineGroup 'rev'",
    ),
    (
        "scenario series with NaN",
        lambda: scenario(price_per_mwh=with_value(300.0, 5, math.nan)),
        "price_per_mwh",
        "nan",
        "Scenario 'scenario'",
    ),
    (
        "scenario series with inf",
        lambda: scenario(pv_available_mw=with_value(0.0, 7, math.inf)),
        "pv_available_mw",
        "inf",
        "Scenario 'scenario'",
    ),
    (
        "negative inflow",
        lambda: scenario(inflow_upper_m3s=with_value(100.0, 3, -5.0)),
        "inflow_upper_m3s",
        "-5.0",
        "Scenario 'scenario'",
    ),
    (
        "negative lower inflow",
        lambda: scenario(inflow_lower_m3s=with_value(10.0, 0, -0.5)),
        "inflow_lower_m3s",
        "-0.5",
        "Scenario 'scenario'",
    ),
    (
        "series of the wrong length",
        lambda: scenario(wind_available_mw=series(1.0, index=IDX[:23])),
        "wind_available_mw",
        "(23)",
        "Scenario 'scenario'",
    ),
    (
        "series on a misaligned index",
        lambda: scenario(wind_available_mw=series(1.0, index=IDX + pd.Timedelta("1h"))),
        "wind_available_mw",
        "2025-01-01 01:00:00",
        "Scenario 'scenario'",
    ),
    (
        "irregular index",
        lambda: scenario(inflow_upper_m3s=series(100.0, index=IDX.delete(5))),
        "inflow_upper_m3s.index",
        "2025-01-01 04:00:00",
        "Scenario 'scenario'",
    ),
    (
        "unknown column in from_frame",
        lambda: Scenario.from_frame(pd.DataFrame({"inflow_upper_m3s": 1.0, "inflow_m3s": 2.0}, index=IDX)),
        "columns",
        "inflow_m3s",
        "Scenario.from_frame",
    ),
    (
        "window running past the end",
        lambda: scenario().window(start_h=20.0, hours=10.0),
        "hours",
        "10.0",
        "Scenario.window",
    ),
    (
        "window start not a time stamp",
        lambda: scenario().window(start="2025-01-01 05:30"),
        "start",
        "2025-01-01 05:30:00",
        "Scenario.window",
    ),
    ("negative line capacity", lambda: GridLine(capacity_mw=-100.0), "capacity_mw", "-100.0", "GridLine"),
    ("NaN line capacity", lambda: GridLine(capacity_mw=math.nan), "capacity_mw", "nan", "GridLine"),
    (
        "negative time-varying line capacity",
        lambda: scenario(line_capacity_mw=with_value(500.0, 2, -1.0)),
        "line_capacity_mw",
        "-1.0",
        "Scenario 'scenario'",
    ),
    (
        "outlet max release below environmental flow",
        lambda: Outlet(environmental_min_flow_m3s=5.0, max_release_m3s=3.0),
        "max_release_m3s",
        "3.0",
        "Outlet",
    ),
    (
        "negative environmental flow",
        lambda: Outlet(environmental_min_flow_m3s=-1.0),
        "environmental_min_flow_m3s",
        "-1.0",
        "Outlet",
    ),
    ("unknown provenance kind", lambda: Provenance(kind="guess", text="x"), "kind", "guess", "Provenance"),
    (
        "negative lower usable volume",
        lambda: lianghekou(lower_usable_volume_hm3=-5.0),
        "lower_usable_volume_hm3",
        "-5.0",
        "lianghekou()",
    ),
]


def test_there_are_at_least_15_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 15


@pytest.mark.parametrize(
    ("build", "field", "value", "where"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_raises_a_helpful_input_error(build, field, value, where):
    with pytest.raises(HydroSimInputError) as info:
        build()
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, HydroSimError)
    msg = str(err)
    # the field, backticked, opens the message: "`field` (value) rule in where"
    assert msg.startswith(f"`{field}` ("), msg
    assert value in msg, msg
    assert msg.endswith(where) or f" in {where}" in msg, msg


def test_min_level_above_max_level_names_both_fields_and_values():
    with pytest.raises(HydroSimInputError) as info:
        reservoir(min_level_masl=115.0, max_level_masl=110.0, initial_level_masl=112.0)
    msg = str(info.value)
    assert "`max_level_masl` (110.0)" in msg and "`min_level_masl` (115.0)" in msg


def test_outlet_message_names_both_fields_and_values():
    with pytest.raises(HydroSimInputError) as info:
        Outlet(environmental_min_flow_m3s=5.0, max_release_m3s=3.0)
    msg = str(info.value)
    assert "`max_release_m3s` (3.0)" in msg and "`environmental_min_flow_m3s` (5.0)" in msg


def test_non_increasing_table_message_says_which_entry():
    with pytest.raises(HydroSimInputError, match=r"entry 2 \(.*110\.0.*\) does not rise above entry 1"):
        curve(level_masl=(100.0, 110.0, 110.0))


@pytest.mark.parametrize(
    ("build", "plain"),
    [
        (
            lambda: curve(level_masl=(100.0, 110.0, 110.0)),
            "entry 2 (110.0) does not rise above entry 1 (110.0)",
        ),
        (lambda: scenario(inflow_upper_m3s=with_value(100.0, 3, -5.0)), "`inflow_upper_m3s` (-5.0)"),
        (lambda: scenario(price_per_mwh=with_value(300.0, 5, math.nan)), "is nan in"),
    ],
    ids=["level table", "negative inflow", "NaN price"],
)
def test_messages_show_plain_numbers_not_numpy_reprs(build, plain):
    with pytest.raises(HydroSimInputError) as info:
        build()
    msg = str(info.value)
    assert "np.float64" not in msg and plain in msg, msg


def test_nan_series_message_says_which_step():
    with pytest.raises(HydroSimInputError, match=re.escape("step 5 (2025-01-01 05:00:00)")):
        scenario(price_per_mwh=with_value(300.0, 5, math.nan))


def test_negative_prices_are_allowed():
    """Prices may be negative (the one series not checked for sign); the same value as inflow is refused."""
    sc = scenario(price_per_mwh=with_value(300.0, 3, -50.0))
    assert sc.price_per_mwh.iloc[3] == -50.0  # exact: stored, not computed
    with pytest.raises(HydroSimInputError):
        scenario(inflow_upper_m3s=with_value(300.0, 3, -50.0))


def test_irregular_index_message_shows_the_real_steps():
    with pytest.raises(HydroSimInputError) as info:
        scenario(inflow_upper_m3s=series(100.0, index=IDX.delete(5)))
    msg = str(info.value)
    assert "0 days 02:00:00" in msg and "0 days 01:00:00" in msg, msg


def test_window_starting_past_the_end_names_start_h():
    with pytest.raises(HydroSimInputError) as info:
        scenario().window(start_h=30.0)
    assert str(info.value).startswith("`start_h` (30.0)"), str(info.value)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: GridLine(capacity_mw="4200 MW"), "capacity_mw"),
        (lambda: Outlet(max_release_m3s=None), "max_release_m3s"),
        (lambda: Outlet(max_ramp_m3s_per_h="fast"), "max_ramp_m3s_per_h"),
    ],
    ids=["line capacity text", "max release None", "ramp text"],
)
def test_non_numbers_in_outlet_and_line_raise_input_errors(build, field):
    with pytest.raises(HydroSimInputError, match=f"^`{field}` "):
        build()


def test_non_number_rated_power_raises_input_error():
    """The same slip in a unit group is caught at the boundary (the contrast to the Outlet/GridLine bug)."""
    with pytest.raises(HydroSimInputError, match=r"^`rated_power_mw` \('50 MW'\) must be a number"):
        turbines(rated_power_mw="50 MW")
