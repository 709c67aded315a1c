"""Bad arguments to the reference year, its Sichuan tariff and the full-load-hours helper."""

from __future__ import annotations

import math

import pandas as pd
from _harness import Case

from hydro_sim import reference_year
from hydro_sim.cases.lianghekou.reference_year import full_load_hours, sichuan_tou_period, sichuan_tou_price

HOURS = pd.date_range("2030-01-01", periods=24, freq="h")

CASES = [
    Case(
        id="year-as-text",
        area="reference-year",
        bad="the year given as the text '2030'",
        run=lambda tmp: reference_year(year="2030"),
        match=("`year`", "'2030'", "whole number", "reference_year()"),
    ),
    Case(
        id="year-leap",
        area="reference-year",
        bad="a leap year (8,784 hours)",
        run=lambda tmp: reference_year(year=2028),
        match=("`year`", "(2028)", "non-leap year"),
    ),
    Case(
        id="year-seed-none",
        area="reference-year",
        bad="a seed of None",
        run=lambda tmp: reference_year(seed=None),
        match=("`seed`", "None", "whole number of at least 0"),
    ),
    Case(
        id="year-seed-bool",
        area="reference-year",
        bad="a seed of True",
        run=lambda tmp: reference_year(seed=True),
        match=("`seed`", "True", "whole number"),
    ),
    Case(
        id="year-fraction-as-text",
        area="reference-year",
        bad="a local inflow fraction given as '1.5 %'",
        run=lambda tmp: reference_year(local_inflow_fraction="1.5 %"),
        match=("`local_inflow_fraction`", "'1.5 %'", "not text", "reference_year()"),
    ),
    Case(
        id="year-pv-capacity-bool",
        area="reference-year",
        bad="a PV capacity of True",
        run=lambda tmp: reference_year(pv_capacity_mw=True),
        match=("`pv_capacity_mw`", "True", "not a boolean"),
    ),
    Case(
        id="year-pv-capacity-infinite",
        area="reference-year",
        bad="an infinite PV capacity",
        run=lambda tmp: reference_year(pv_capacity_mw=math.inf),
        match=("`pv_capacity_mw`", "inf", "must be finite"),
    ),
    Case(
        id="year-wind-capacity-list",
        area="reference-year",
        bad="a wind capacity wrapped in a list",
        run=lambda tmp: reference_year(wind_capacity_mw=[1000.0]),
        match=("`wind_capacity_mw`", "[1000.0]", "not a list"),
    ),
    Case(
        id="year-pv-hours-none",
        area="reference-year",
        bad="PV full-load hours of None",
        run=lambda tmp: reference_year(pv_full_load_hours_h=None),
        match=("`pv_full_load_hours_h`", "None", "must be a number"),
    ),
    Case(
        id="year-line-capacity-zero",
        area="reference-year",
        bad="a line capacity of 0 MW",
        run=lambda tmp: reference_year(line_capacity_mw=0.0),
        match=("`line_capacity_mw`", "0.0", "must be positive"),
    ),
    Case(
        id="year-tariff-index-a-list",
        area="reference-year",
        bad="the tariff asked for a list of dates",
        run=lambda tmp: sichuan_tou_price(["2030-01-01 00:00"]),
        match=("`index`", "list", "DatetimeIndex", "sichuan_tou_price()"),
    ),
    Case(
        id="year-tariff-period-of-text",
        area="reference-year",
        bad="the TOU period asked for one date string",
        run=lambda tmp: sichuan_tou_period("2030-01-01"),
        match=("`index`", "str", "DatetimeIndex", "sichuan_tou_period()"),
    ),
    Case(
        id="year-tariff-flat-price-bool",
        area="reference-year",
        bad="a flat price of True",
        run=lambda tmp: sichuan_tou_price(HOURS, True),
        match=("`flat_price_per_mwh`", "True", "not a boolean", "sichuan_tou_price()"),
    ),
    Case(
        id="year-full-load-hours-of-text",
        area="reference-year",
        bad="full-load hours of a text",
        run=lambda tmp: full_load_hours("100 MW", 100.0),
        match=("`power_mw`", "'100 MW'", "not text", "full_load_hours()"),
    ),
    Case(
        id="year-full-load-hours-nan",
        area="reference-year",
        bad="full-load hours of a series with a NaN",
        run=lambda tmp: full_load_hours(pd.Series([10.0, math.nan, 30.0]), 100.0),
        match=("`power_mw`", "nan", "must be finite", "position 1"),
    ),
    Case(
        id="year-full-load-hours-negative",
        area="reference-year",
        bad="full-load hours of a negative power",
        run=lambda tmp: full_load_hours([50.0, -5.0], 100.0),
        match=("`power_mw`", "-5.0", "must not be negative"),
    ),
    Case(
        id="year-tariff-index-with-nat",
        area="reference-year",
        bad="a tariff index with a missing time stamp",
        run=lambda tmp: sichuan_tou_price(pd.DatetimeIndex(["2030-01-01 00:00", pd.NaT])),
        match=("`index`", "NaT", "step 1", "sichuan_tou_price()"),
    ),
]
