"""Bad scenarios: series of the wrong kind, bad time indices, bad frames and windows outside the scenario."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from _harness import Case

from hydro_sim import Provenance, Scenario
from hydro_sim.examples import constant_scenario, named_scenario, two_price_day

IDX = pd.date_range("2025-07-01", periods=48, freq="h")
BERLIN = IDX.tz_localize("Europe/Berlin")
#: Santiago's clocks go back from 00:00 to 23:00 on 6 April 2025 (23:00 on the 5th occurs twice) ...
SANTIAGO_AUTUMN = pd.date_range(pd.Timestamp("2025-04-05", tz="America/Santiago"), periods=48, freq="h")
#: ... and jump from 00:00 to 01:00 on 7 September 2025 (midnight does not exist that day).
SANTIAGO_SPRING = pd.date_range(pd.Timestamp("2025-09-06", tz="America/Santiago"), periods=48, freq="h")


def _s(value=100.0, index=IDX):
    return pd.Series(value, index=index, dtype=float)


def _scenario(**kw):
    return Scenario(**({"inflow_upper_m3s": _s()} | kw))


def _frame(**cols):
    return pd.DataFrame({"inflow_upper_m3s": _s()} | cols)


CASES = [
    # -- series ----------------------------------------------------------------------------------------
    Case(
        id="scenario-inflow-a-list",
        area="scenario",
        bad="the inflow given as a plain list",
        run=lambda tmp: Scenario(inflow_upper_m3s=[100.0] * 48),
        match=("`inflow_upper_m3s`", "list", "must be a pandas Series", "pd.Series(values, index="),
    ),
    Case(
        id="scenario-inflow-none",
        area="scenario",
        bad="no inflow (None)",
        run=lambda tmp: Scenario(inflow_upper_m3s=None),
        match=("`inflow_upper_m3s`", "NoneType", "must be a pandas Series"),
    ),
    Case(
        id="scenario-price-numpy-array",
        area="scenario",
        bad="prices as a numpy array beside Series",
        run=lambda tmp: _scenario(price_per_mwh=np.full(48, 300.0)),
        match=("`price_per_mwh`", "ndarray", "must be a pandas Series"),
    ),
    Case(
        id="scenario-inflow-a-frame",
        area="scenario",
        bad="a one-column DataFrame for the inflow",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s().to_frame()),
        match=("`inflow_upper_m3s`", "DataFrame", "must be a pandas Series"),
    ),
    Case(
        id="scenario-series-of-text",
        area="scenario",
        bad="a price series read as text",
        run=lambda tmp: _scenario(price_per_mwh=pd.Series(["300"] * 48, index=IDX)),
        match=("`price_per_mwh`", "must hold"),
    ),
    Case(
        id="scenario-series-of-bools",
        area="scenario",
        bad="a PV series of True/False flags",
        run=lambda tmp: _scenario(pv_available_mw=pd.Series(True, index=IDX)),
        match=("`pv_available_mw`", "bool", "not booleans"),
    ),
    Case(
        id="scenario-series-complex",
        area="scenario",
        bad="a complex-valued wind series",
        run=lambda tmp: _scenario(wind_available_mw=pd.Series(1.0 + 1j, index=IDX)),
        match=("`wind_available_mw`", "complex128", "not complex numbers"),
    ),
    Case(
        id="scenario-series-of-none",
        area="scenario",
        bad="a delivery curve of None values",
        run=lambda tmp: _scenario(delivery_mw=pd.Series([None] * 48, index=IDX)),
        match=("`delivery_mw`", "must be finite", "step 0 (2025-07-01 00:00:00)"),
    ),
    Case(
        id="scenario-negative-delivery",
        area="scenario",
        bad="a negative delivery at one step",
        run=lambda tmp: _scenario(delivery_mw=_s(50.0).where(IDX != IDX[7], -5.0)),
        match=("`delivery_mw`", "-5.0", "must not be negative", "step 7"),
    ),
    # -- the index -------------------------------------------------------------------------------------
    Case(
        id="scenario-index-of-integers",
        area="scenario",
        bad="a series on 0, 1, 2, … instead of time stamps",
        run=lambda tmp: Scenario(inflow_upper_m3s=pd.Series(100.0, index=range(48))),
        match=("`inflow_upper_m3s.index`", "RangeIndex", "DatetimeIndex"),
    ),
    Case(
        id="scenario-index-of-periods",
        area="scenario",
        bad="a PeriodIndex instead of time stamps",
        run=lambda tmp: Scenario(
            inflow_upper_m3s=pd.Series(1.0, index=pd.period_range("2025", periods=3, freq="h"))
        ),
        match=("`inflow_upper_m3s.index`", "PeriodIndex", "DatetimeIndex"),
    ),
    Case(
        id="scenario-empty",
        area="scenario",
        bad="an empty inflow series",
        run=lambda tmp: Scenario(inflow_upper_m3s=pd.Series([], index=pd.DatetimeIndex([]), dtype=float)),
        match=("`inflow_upper_m3s`", "(0)", "at least one step"),
    ),
    Case(
        id="scenario-unsorted-index",
        area="scenario",
        bad="time stamps in reverse order",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=IDX[::-1])),
        match=("`inflow_upper_m3s.index`", "must rise strictly in time", "comes before"),
    ),
    Case(
        id="scenario-duplicated-stamp",
        area="scenario",
        bad="one time stamp twice",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=IDX.insert(5, IDX[5]))),
        match=("`inflow_upper_m3s.index`", "2025-07-01 05:00:00", "appears twice"),
    ),
    Case(
        id="scenario-nat-stamp",
        area="scenario",
        bad="a missing time stamp (NaT) in the index",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=pd.DatetimeIndex([IDX[0], pd.NaT, IDX[2]]))),
        match=("`inflow_upper_m3s.index`", "NaT", "step 1"),
    ),
    Case(
        id="scenario-irregular-steps",
        area="scenario",
        bad="a two-hour gap in an hourly index",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=IDX.delete(10))),
        match=("`inflow_upper_m3s.index`", "must be regular", "0 days 02:00:00", "0 days 01:00:00"),
    ),
    Case(
        id="scenario-one-step-no-frequency",
        area="scenario",
        bad="a single step with no frequency",
        run=lambda tmp: Scenario(inflow_upper_m3s=pd.Series(1.0, index=pd.DatetimeIndex(["2025-07-01"]))),
        match=("`inflow_upper_m3s.index`", "needs a frequency"),
    ),
    Case(
        id="scenario-naive-beside-aware",
        area="scenario",
        bad="a tz-naive price series beside a tz-aware inflow series",
        run=lambda tmp: Scenario(
            inflow_upper_m3s=_s(index=IDX.tz_localize("Europe/Berlin")), price_per_mwh=_s(300.0)
        ),
        match=("`price_per_mwh.index`", "must be tz-aware (Europe/Berlin)", "but is tz-naive"),
    ),
    Case(
        id="scenario-aware-beside-naive",
        area="scenario",
        bad="a tz-aware PV series beside a tz-naive inflow series",
        run=lambda tmp: _scenario(pv_available_mw=_s(0.0, index=IDX.tz_localize("UTC"))),
        match=("`pv_available_mw.index`", "must be tz-naive", "tz-aware (UTC)"),
    ),
    Case(
        id="scenario-series-on-other-days",
        area="scenario",
        bad="a price series one day later than the inflow",
        run=lambda tmp: _scenario(price_per_mwh=_s(300.0, index=IDX + pd.Timedelta("1D"))),
        match=("`price_per_mwh`", "misaligned index", "step 0 is 2025-07-02 00:00:00"),
    ),
    Case(
        id="scenario-series-on-integers",
        area="scenario",
        bad="a wind series on 0, 1, 2, … beside time stamps",
        run=lambda tmp: _scenario(wind_available_mw=pd.Series(0.0, index=range(48))),
        match=("`wind_available_mw.index`", "RangeIndex", "like the scenario index"),
    ),
    # -- name and provenance ---------------------------------------------------------------------------
    Case(
        id="scenario-name-not-text",
        area="scenario",
        bad="a scenario named by a number",
        run=lambda tmp: _scenario(name=2030),
        match=("`name`", "int", "must be text", "Scenario"),
    ),
    Case(
        id="scenario-provenance-a-list",
        area="scenario",
        bad="provenance given as a list",
        run=lambda tmp: _scenario(provenance=[Provenance(kind="user", text="x")]),
        match=("`provenance`", "list", "mapping"),
    ),
    Case(
        id="scenario-provenance-unknown-key",
        area="scenario",
        bad="provenance for a series that does not exist",
        run=lambda tmp: _scenario(provenance={"inflow_m3s": Provenance(kind="user", text="gauge")}),
        match=("`provenance['inflow_m3s']`", "must be keyed by one of", "inflow_upper_m3s"),
    ),
    Case(
        id="scenario-provenance-text-value",
        area="scenario",
        bad="provenance as plain text, not a record",
        run=lambda tmp: _scenario(provenance={"inflow_upper_m3s": "gauge data"}),
        match=("`provenance['inflow_upper_m3s']`", "str", "must be a Provenance"),
    ),
    # -- from_frame ------------------------------------------------------------------------------------
    Case(
        id="scenario-from-a-dict",
        area="scenario",
        bad="Scenario.from_frame given a dict of Series",
        run=lambda tmp: Scenario.from_frame({"inflow_upper_m3s": _s()}),
        match=("`frame`", "dict", "must be a pandas DataFrame", "pd.DataFrame(data, index="),
    ),
    Case(
        id="scenario-from-a-series",
        area="scenario",
        bad="Scenario.from_frame given one Series",
        run=lambda tmp: Scenario.from_frame(_s()),
        match=("`frame`", "Series", "must be a pandas DataFrame"),
    ),
    Case(
        id="scenario-from-none",
        area="scenario",
        bad="Scenario.from_frame given None",
        run=lambda tmp: Scenario.from_frame(None),
        match=("`frame`", "NoneType", "Scenario.from_frame"),
    ),
    Case(
        id="scenario-frame-repeated-column",
        area="scenario",
        bad="a frame with the inflow column twice",
        run=lambda tmp: Scenario.from_frame(pd.concat([_frame(), _frame()], axis=1)),
        match=("`columns`", "inflow_upper_m3s", "must not repeat a column"),
    ),
    Case(
        id="scenario-frame-integer-columns",
        area="scenario",
        bad="a frame with numbered columns",
        run=lambda tmp: Scenario.from_frame(pd.DataFrame({0: _s()})),
        match=("`columns`", "[0]", "must be Scenario fields"),
    ),
    Case(
        id="scenario-frame-without-time-stamps",
        area="scenario",
        bad="a frame read from CSV without its index",
        run=lambda tmp: Scenario.from_frame(pd.DataFrame({"inflow_upper_m3s": [100.0, 110.0]})),
        match=("`inflow_upper_m3s.index`", "RangeIndex", "DatetimeIndex"),
    ),
    Case(
        id="scenario-frame-name-none",
        area="scenario",
        bad="Scenario.from_frame with name=None",
        run=lambda tmp: Scenario.from_frame(_frame(), name=None),
        match=("`name`", "None", "must be text", "Scenario.from_frame"),
    ),
    # -- window ----------------------------------------------------------------------------------------
    Case(
        id="scenario-window-start-and-start-h",
        area="scenario",
        bad="a window given both start and start_h",
        run=lambda tmp: _scenario().window(start="2025-07-01 06:00", start_h=6.0, hours=4.0),
        match=("`start`", "`start_h` (6.0)", "must not both be given"),
    ),
    Case(
        id="scenario-window-start-not-a-date",
        area="scenario",
        bad="a window start that is not a date",
        run=lambda tmp: _scenario().window(start="next monday", hours=24.0),
        match=("`start`", "'next monday'", "must be a time stamp such as"),
    ),
    Case(
        id="scenario-window-start-a-number",
        area="scenario",
        bad="a window start given as hours (a number)",
        run=lambda tmp: _scenario().window(start=24, hours=24.0),
        match=("`start`", "(24)", "use `start_h`"),
    ),
    Case(
        id="scenario-window-start-nat",
        area="scenario",
        bad="a window start of NaT",
        run=lambda tmp: _scenario().window(start=pd.NaT),
        match=("`start`", "NaT"),
    ),
    Case(
        id="scenario-window-start-before",
        area="scenario",
        bad="a window starting before the scenario",
        run=lambda tmp: _scenario().window(start="2025-06-30 23:00", hours=2.0),
        match=("`start`", "2025-06-30 23:00:00", "lies before the scenario's first time stamp"),
    ),
    Case(
        id="scenario-window-start-after",
        area="scenario",
        bad="a window starting after the scenario's end",
        run=lambda tmp: _scenario().window(start="2025-07-05", hours=2.0),
        match=("`start`", "2025-07-05 00:00:00", "lies after the scenario's last time stamp"),
    ),
    Case(
        id="scenario-window-start-past-end-hours",
        area="scenario",
        bad="a window from a time stamp running past the end",
        run=lambda tmp: _scenario().window(start="2025-07-02 20:00", hours=8.0),
        match=("`hours` (8.0)", "runs past the scenario's end", "2025-07-02 20:00:00"),
    ),
    Case(
        id="scenario-window-aware-start-on-naive",
        area="scenario",
        bad="a tz-aware window start on a tz-naive scenario",
        run=lambda tmp: _scenario().window(start=pd.Timestamp("2025-07-01 06:00", tz="UTC")),
        match=("`start`", "+00:00", "must be tz-naive like the scenario index"),
    ),
    Case(
        id="scenario-window-ambiguous-local-time",
        area="scenario",
        bad="a window starting at 23:00 on the night Santiago's clocks go back",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=SANTIAGO_AUTUMN)).window(start="2025-04-05 23:00"),
        match=(
            "`start`",
            "occurs twice",
            "America/Santiago",
            "2025-04-05 23:00:00-03:00",
            "2025-04-05 23:00:00-04:00",
        ),
    ),
    Case(
        id="scenario-window-skipped-local-time",
        area="scenario",
        bad="a window starting at the midnight Santiago's clocks skip",
        run=lambda tmp: Scenario(inflow_upper_m3s=_s(index=SANTIAGO_SPRING)).window(start="2025-09-07 00:00"),
        match=("`start`", "2025-09-07 00:00:00", "does not exist on the local clock of America/Santiago"),
    ),
    Case(
        id="scenario-window-zero-hours",
        area="scenario",
        bad="a window of zero hours",
        run=lambda tmp: _scenario().window(start_h=0.0, hours=0.0),
        match=("`hours`", "(0.0)", "must be positive"),
    ),
    Case(
        id="scenario-window-hours-as-text",
        area="scenario",
        bad="window hours given as text",
        run=lambda tmp: _scenario().window(hours="24"),
        match=("`hours`", "'24'", "not text"),
    ),
    Case(
        id="scenario-window-start-h-bool",
        area="scenario",
        bad="a window start_h of True",
        run=lambda tmp: _scenario().window(start_h=True),
        match=("`start_h`", "True", "not a boolean"),
    ),
    Case(
        id="scenario-window-start-h-nan",
        area="scenario",
        bad="a window start_h of NaN",
        run=lambda tmp: _scenario().window(start_h=math.nan),
        match=("`start_h`", "nan", "must be finite"),
    ),
    Case(
        id="scenario-window-half-step",
        area="scenario",
        bad="a window of 1.5 hours on an hourly scenario",
        run=lambda tmp: _scenario().window(hours=1.5),
        match=("`hours`", "1.5", "whole number of steps"),
    ),
    # -- the example builders ----------------------------------------------------------------------------
    Case(
        id="example-two-price-day-30-low-hours",
        area="scenario",
        bad="a two-price day with 30 low hours",
        run=lambda tmp: two_price_day(low_hours=30),
        match=("`low_hours`", "(30)", "whole number in [0, 24]", "two_price_day()"),
    ),
    Case(
        id="example-two-price-day-bad-start",
        area="scenario",
        bad="a two-price day starting 'tomorrow'",
        run=lambda tmp: two_price_day(start="tomorrow"),
        match=("`start`", "'tomorrow'", "must be a time stamp"),
    ),
    Case(
        id="example-two-price-day-price-as-text",
        area="scenario",
        bad="a low price given as text",
        run=lambda tmp: two_price_day(low_per_mwh="100"),
        match=("`low_per_mwh`", "'100'", "not text"),
    ),
    Case(
        id="example-constant-scenario-negative-hours",
        area="scenario",
        bad="a constant scenario of -1 hours",
        run=lambda tmp: constant_scenario(hours=-1, inflow_upper_m3s=100.0),
        match=("`hours`", "(-1)", "at least 1", "constant_scenario()"),
    ),
    Case(
        id="example-constant-scenario-fractional-hours",
        area="scenario",
        bad="a constant scenario of 2.5 hours",
        run=lambda tmp: constant_scenario(hours=2.5, inflow_upper_m3s=100.0),
        match=("`hours`", "2.5"),
    ),
    Case(
        id="example-constant-scenario-inflow-none",
        area="scenario",
        bad="a constant scenario of inflow None",
        run=lambda tmp: constant_scenario(hours=24, inflow_upper_m3s=None),
        match=("`inflow_upper_m3s`", "None", "constant_scenario()"),
    ),
    Case(
        id="scenario-one-month-step",
        area="scenario",
        bad="a single step of one calendar month",
        run=lambda tmp: Scenario(
            inflow_upper_m3s=pd.Series(1.0, index=pd.date_range("2025-01", periods=1, freq="MS"))
        ),
        match=("`inflow_upper_m3s.index`", "'MS'", "fixed length"),
    ),
    Case(
        id="scenario-series-in-another-zone",
        area="scenario",
        bad="a UTC price series beside a Europe/Berlin inflow series",
        run=lambda tmp: Scenario(
            inflow_upper_m3s=_s(index=BERLIN), price_per_mwh=_s(300.0, index=BERLIN.tz_convert("UTC"))
        ),
        match=(
            "`price_per_mwh.index`",
            "(Europe/Berlin)",
            "but is in UTC",
            ".tz_convert('Europe/Berlin')",
        ),
    ),
    # -- inflows by reservoir name -------------------------------------------------------------------------
    Case(
        id="scenario-named-and-role-inflows",
        area="scenario",
        bad="inflows given by reservoir name and by role at once",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s()}, inflow_upper_m3s=_s()),
        match=("`inflow_m3s`", "['lake']", "`inflow_upper_m3s` must not both be given", "not both"),
    ),
    Case(
        id="scenario-named-inflows-a-list",
        area="scenario",
        bad="named inflows given as a list of Series",
        run=lambda tmp: Scenario(inflow_m3s=[_s(), _s()]),
        match=("`inflow_m3s`", "list", "mapping of reservoir name to Series"),
    ),
    Case(
        id="scenario-named-inflows-a-frame",
        area="scenario",
        bad="named inflows given as a DataFrame",
        run=lambda tmp: Scenario(inflow_m3s=pd.DataFrame({"lake": _s()})),
        match=("`inflow_m3s`", "not a DataFrame", "Scenario.from_frame", "dict(frame)"),
    ),
    Case(
        id="scenario-named-inflows-empty",
        area="scenario",
        bad="named inflows of no reservoir",
        run=lambda tmp: Scenario(inflow_m3s={}),
        match=("`inflow_m3s`", "{}", "at least one reservoir", "zero inflow"),
    ),
    Case(
        id="scenario-named-inflow-key-not-text",
        area="scenario",
        bad="a named inflow keyed by a number",
        run=lambda tmp: Scenario(inflow_m3s={1: _s()}),
        match=("`inflow_m3s key`", "(1)", "reservoir's name"),
    ),
    Case(
        id="scenario-named-inflow-key-is-a-field",
        area="scenario",
        bad="a named inflow keyed by the role field inflow_upper_m3s",
        run=lambda tmp: Scenario(inflow_m3s={"inflow_upper_m3s": _s()}),
        match=("`inflow_m3s key`", "'inflow_upper_m3s'", "not the scenario field", "`inflow_upper_m3s=`"),
    ),
    Case(
        id="scenario-named-inflow-key-with-suffix",
        area="scenario",
        bad="a named inflow keyed by its column name 'lake inflow_m3s'",
        run=lambda tmp: Scenario(inflow_m3s={"lake inflow_m3s": _s()}),
        match=("`inflow_m3s key`", "'lake inflow_m3s'", "without the column suffix", "the key 'lake'"),
    ),
    Case(
        id="scenario-named-inflow-negative",
        area="scenario",
        bad="a named inflow with a negative step",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s(-1.0)}),
        match=("`inflow_m3s['lake']`", "must not be negative", "step 0"),
    ),
    Case(
        id="scenario-named-inflow-a-list",
        area="scenario",
        bad="one named inflow given as a plain list",
        run=lambda tmp: Scenario(inflow_m3s={"lake": [1.0] * 48}),
        match=("`inflow_m3s['lake']`", "list", "must be a pandas Series"),
    ),
    Case(
        id="scenario-named-inflows-misaligned",
        area="scenario",
        bad="a second named inflow one day shorter than the first",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s(), "pond": _s(index=IDX[:24])}),
        match=("`inflow_m3s['pond']`", "48 steps like the scenario index"),
    ),
    Case(
        id="scenario-named-price-in-another-zone",
        area="scenario",
        bad="a tz-aware price beside naive named inflows",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s()}, price_per_mwh=_s(300.0, BERLIN)),
        match=("`price_per_mwh.index`", "tz-naive like `inflow_m3s['lake']`"),
    ),
    Case(
        id="scenario-named-read-by-role",
        area="scenario",
        bad="reading inflow_upper_m3s of a scenario given by reservoir name",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s()}).inflow_upper_m3s,
        match=(
            "`inflow_upper_m3s`",
            "['lake']",
            "`scenario.inflow_m3s[name]`",
            "`network.inflows_m3s(scenario)`",
        ),
    ),
    Case(
        id="scenario-named-series-unknown",
        area="scenario",
        bad="asking a named scenario for the inflow of a reservoir it does not name",
        run=lambda tmp: Scenario(inflow_m3s={"lake": _s()}).series("pond inflow_m3s"),
        match=("`name`", "'pond inflow_m3s'", "must be one of lake inflow_m3s"),
    ),
    Case(
        id="scenario-named-provenance-by-role",
        area="scenario",
        bad="provenance keyed inflow_upper_m3s on a scenario given by name",
        run=lambda tmp: Scenario(
            inflow_m3s={"lake": _s()}, provenance={"inflow_upper_m3s": Provenance(kind="user", text="gauge")}
        ),
        match=("`provenance['inflow_upper_m3s']`", "must be keyed by one of lake inflow_m3s"),
    ),
    Case(
        id="scenario-no-inflows-at-all",
        area="scenario",
        bad="a scenario with prices and no inflows",
        run=lambda tmp: Scenario(price_per_mwh=_s()),
        match=("`inflow_upper_m3s`", "must be a pandas Series", "`inflow_m3s={reservoir: Series}`"),
    ),
    Case(
        id="scenario-frame-mixes-inflow-forms",
        area="scenario",
        bad="a frame with a role inflow and a named inflow column",
        run=lambda tmp: Scenario.from_frame(_frame(**{"pond inflow_m3s": _s()})),
        match=("`columns`", "'pond inflow_m3s'", "by reservoir name", "by role", "not both"),
    ),
    Case(
        id="scenario-frame-without-inflow",
        area="scenario",
        bad="a frame of prices only",
        run=lambda tmp: Scenario.from_frame(pd.DataFrame({"price_per_mwh": _s()})),
        match=("`columns`", "must include `inflow_upper_m3s`", "'{reservoir} inflow_m3s'"),
    ),
    Case(
        id="example-named-scenario-inflows-a-number",
        area="scenario",
        bad="named_scenario() given one number for the inflows",
        run=lambda tmp: named_scenario(hours=24, inflow_m3s=40.0),
        match=("`inflow_m3s`", "40.0", "mapping of reservoir name", "named_scenario()"),
    ),
    Case(
        id="example-named-scenario-negative-inflow",
        area="scenario",
        bad="named_scenario() with a negative inflow",
        run=lambda tmp: named_scenario(hours=24, inflow_m3s={"Top": -1.0}),
        match=("`inflow_m3s['Top']`", "-1.0", "must not be negative"),
    ),
    Case(
        id="scenario-by-reservoir-drops-a-lower-inflow",
        area="scenario",
        bad="Scenario.by_reservoir() with a lower inflow but no lower reservoir named",
        run=lambda tmp: constant_scenario(hours=3, inflow_upper_m3s=10.0, inflow_lower_m3s=1.0).by_reservoir(
            "lake"
        ),
        match=("`lower`", "must name the reservoir that receives `inflow_lower_m3s`", "by_reservoir()"),
    ),
    Case(
        id="scenario-by-reservoir-same-name-twice",
        area="scenario",
        bad="Scenario.by_reservoir() with the same reservoir for both roles",
        run=lambda tmp: constant_scenario(hours=3, inflow_upper_m3s=10.0).by_reservoir("lake", "lake"),
        match=("`lower`", "'lake'", "must differ from `upper`"),
    ),
    Case(
        id="scenario-by-reservoir-of-a-named-scenario",
        area="scenario",
        bad="Scenario.by_reservoir() on a scenario already given by name",
        run=lambda tmp: named_scenario(hours=3, inflow_m3s={"Top": 1.0}).by_reservoir("Top"),
        match=("`scenario`", "['Top']", "already gives its inflows by reservoir name"),
    ),
]
