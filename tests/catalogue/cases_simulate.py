"""Bad inputs to the simulator: ``simulate()``, its policies and the result's methods."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from _harness import Case  # loaded beside the harness (tests/catalogue/conftest.py puts it on the path)

from hydro_sim import Scenario
from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant
from hydro_sim.network import network_of
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, TouRulePolicy, simulate

RULE = {"pump_when_price_at_most_per_mwh": 150.0, "generate_when_price_at_least_per_mwh": 250.0}


def _day(name: str = "day", start: str = "2030-01-01") -> Scenario:
    sc = constant_scenario(hours=3, inflow_upper_m3s=10.0, start=start)
    return Scenario(inflow_upper_m3s=sc.inflow_upper_m3s, price_per_mwh=sc.price_per_mwh, name=name)


def _sim(policy=None, *, plant=None, scenarios=None, **kw):
    return simulate(
        plant if plant is not None else small_pumped_storage(),
        scenarios if scenarios is not None else _day(),
        policy if policy is not None else TouRulePolicy(**RULE),
        **kw,
    )


def _decide(decision):
    return _sim(FunctionPolicy(decide=lambda state: decision), scenarios=[_day("a"), _day("b")])


def _switching(state):
    return {"generating_mw": 10.0} if state.t == 0 else {"generating_m3s": 10.0}


def _schedule(**columns):
    idx = _day().index
    return pd.DataFrame(dict(columns), index=idx)


CASES = [
    # -- start volumes ----------------------------------------------------------------------------------
    Case(
        id="simulate-start-volume-above-the-reservoir",
        area="simulate",
        bad="a start volume of 1,000 hm³ in a 10 hm³ upper reservoir",
        run=lambda tmp: _sim(initial_volume_upper_hm3=1000.0),
        match=("initial_volume_upper_hm3", "1000", "'upper'", "0 to 10 hm³", "operating range"),
    ),
    Case(
        id="simulate-start-volume-below-the-reservoir",
        area="simulate",
        bad="a negative start volume of the lower reservoir",
        run=lambda tmp: _sim(initial_volume_lower_hm3=-1.0),
        match=("initial_volume_lower_hm3", "-1", "'lower'", "operating range"),
    ),
    Case(
        id="simulate-start-volume-of-one-scenario-outside",
        area="simulate",
        bad="one scenario's start volume (50 hm³) outside the range, the other inside",
        run=lambda tmp: _sim(scenarios=[_day("wet"), _day("dry")], initial_volume_upper_hm3=[5.0, 50.0]),
        match=("initial_volume_upper_hm3", "50", "scenario 1", "'dry'"),
    ),
    Case(
        id="simulate-start-volume-nan",
        area="simulate",
        bad="a start volume that is NaN",
        run=lambda tmp: _sim(initial_volume_upper_hm3=math.nan),
        match=("initial_volume_upper_hm3", "nan", "must be finite"),
    ),
    Case(
        id="simulate-start-volume-text",
        area="simulate",
        bad="a start volume given as text ('5')",
        run=lambda tmp: _sim(initial_volume_upper_hm3="5"),
        match=("initial_volume_upper_hm3", "'5'", "must be a number"),
    ),
    Case(
        id="simulate-start-volumes-too-many",
        area="simulate",
        bad="three start volumes for two scenarios",
        run=lambda tmp: _sim(scenarios=[_day("a"), _day("b")], initial_volume_upper_hm3=[1.0, 2.0, 3.0]),
        match=("initial_volume_upper_hm3", "shape (3,)", "one value per scenario (2)"),
    ),
    Case(
        id="simulate-start-volumes-as-a-table",
        area="simulate",
        bad="start volumes as a 2 × 2 table",
        run=lambda tmp: _sim(initial_volume_upper_hm3=[[1.0, 2.0], [3.0, 4.0]]),
        match=("initial_volume_upper_hm3", "shape (2, 2)"),
    ),
    Case(
        id="simulate-lower-start-volume-without-a-lower-reservoir",
        area="simulate",
        bad="a lower start volume for a plant with one reservoir",
        run=lambda tmp: _sim(plant=textbook_plant(), initial_volume_lower_hm3=1.0),
        match=("initial_volume_lower_hm3", "'textbook' has no lower reservoir"),
    ),
    # -- the arguments ----------------------------------------------------------------------------------
    Case(
        id="simulate-plant-as-text",
        area="simulate",
        bad="the plant's name instead of a Plant",
        run=lambda tmp: simulate("lianghekou", _day(), TouRulePolicy(**RULE)),
        match=("`plant`", "'str'", "must be a hydro_sim.Plant"),
    ),
    Case(
        id="simulate-scenarios-none",
        area="simulate",
        bad="no scenarios (None)",
        run=lambda tmp: simulate(small_pumped_storage(), None, TouRulePolicy(**RULE)),
        match=("`scenarios`", "NoneType", "must be a Scenario or a sequence"),
    ),
    Case(
        id="simulate-scenarios-empty",
        area="simulate",
        bad="an empty list of scenarios",
        run=lambda tmp: _sim(scenarios=[]),
        match=("`scenarios`", "at least one Scenario"),
    ),
    Case(
        id="simulate-scenarios-as-a-dataframe",
        area="simulate",
        bad="a DataFrame of series instead of a Scenario",
        run=lambda tmp: _sim(scenarios=_day().to_frame()),
        match=("`scenarios`", "'DataFrame'"),
    ),
    Case(
        id="simulate-scenarios-as-text",
        area="simulate",
        bad="a scenario's name instead of a Scenario",
        run=lambda tmp: _sim(scenarios="day"),
        match=("`scenarios`", "'str'"),
    ),
    Case(
        id="simulate-scenarios-holding-none",
        area="simulate",
        bad="a list of scenarios with a None in it",
        run=lambda tmp: _sim(scenarios=[_day(), None]),
        match=("scenarios[1]", "NoneType", "hydro_sim.Scenario"),
    ),
    Case(
        id="simulate-scenarios-on-other-steps",
        area="simulate",
        bad="two scenarios on different days",
        run=lambda tmp: _sim(scenarios=[_day(), _day(start="2030-02-01")]),
        match=("scenarios[1].index", "the first scenario's index"),
    ),
    Case(
        id="simulate-policy-none",
        area="simulate",
        bad="no policy (None)",
        run=lambda tmp: simulate(small_pumped_storage(), _day(), None),
        match=("`policy`", "NoneType", "ReplayPolicy, TouRulePolicy or FunctionPolicy"),
    ),
    Case(
        id="simulate-policy-as-a-dict",
        area="simulate",
        bad="a dict of decisions instead of a policy",
        run=lambda tmp: simulate(small_pumped_storage(), _day(), {"generating_mw": 50.0}),
        match=("`policy`", "'dict'"),
    ),
    Case(
        id="simulate-policy-as-a-bare-function",
        area="simulate",
        bad="a bare function instead of FunctionPolicy(decide=...)",
        run=lambda tmp: simulate(small_pumped_storage(), _day(), lambda state: {}),
        match=("`policy`", "'function'", "FunctionPolicy"),
    ),
    Case(
        id="simulate-record-unknown",
        area="simulate",
        bad="record='everything'",
        run=lambda tmp: _sim(record="everything"),
        match=("`record`", "'everything'", "'all' or 'totals'"),
    ),
    Case(
        id="simulate-record-none",
        area="simulate",
        bad="record=None",
        run=lambda tmp: _sim(record=None),
        match=("`record`", "None", "'all' or 'totals'"),
    ),
    Case(
        id="simulate-record-as-a-list",
        area="simulate",
        bad="record=['all']",
        run=lambda tmp: _sim(record=["all"]),
        match=("`record`", "['all']"),
    ),
    Case(
        id="simulate-threads-zero",
        area="simulate",
        bad="threads=0",
        run=lambda tmp: _sim(threads=0),
        match=("`threads`", "(0)", "whole number of at least 1", "None (every core)", "simulate()"),
    ),
    Case(
        id="simulate-threads-fraction",
        area="simulate",
        bad="threads=1.5",
        run=lambda tmp: _sim(threads=1.5),
        match=("`threads`", "1.5", "whole number of at least 1"),
    ),
    # -- what a FunctionPolicy decides ------------------------------------------------------------------
    Case(
        id="simulate-decide-returns-none",
        area="simulate",
        bad="a decide function that returns nothing",
        run=lambda tmp: _decide(None),
        match=("decide(state)", "NoneType", "must return a dict"),
    ),
    Case(
        id="simulate-decide-returns-a-list",
        area="simulate",
        bad="a decide function that returns a list",
        run=lambda tmp: _decide([50.0, 0.0]),
        match=("decide(state)", "'list'"),
    ),
    Case(
        id="simulate-decide-unknown-key",
        area="simulate",
        bad="a misspelt decision ('generation_mw')",
        run=lambda tmp: _decide({"generation_mw": 50.0}),
        match=("decide(state)", "generation_mw", "unknown keys", "generating_mw"),
    ),
    Case(
        id="simulate-decide-nan-request",
        area="simulate",
        bad="a power request that is NaN",
        run=lambda tmp: _decide({"generating_mw": math.nan}),
        match=("generating_mw", "nan", "finite and not negative", "step 0"),
    ),
    Case(
        id="simulate-decide-negative-request",
        area="simulate",
        bad="a negative pumping request",
        run=lambda tmp: _decide({"pumping_mw": -10.0}),
        match=("pumping_mw", "-10", "not negative"),
    ),
    Case(
        id="simulate-decide-text-request",
        area="simulate",
        bad="a request given as text ('full')",
        run=lambda tmp: _decide({"pumping_mw": "full"}),
        match=("pumping_mw", "'full'", "must be a number"),
    ),
    Case(
        id="simulate-decide-none-request",
        area="simulate",
        bad="a request of None",
        run=lambda tmp: _decide({"generating_m3s": None}),
        match=("generating_m3s", "None", "must be a number"),
    ),
    Case(
        id="simulate-decide-wrong-length",
        area="simulate",
        bad="three requests for two scenarios",
        run=lambda tmp: _decide({"generating_mw": np.array([1.0, 2.0, 3.0])}),
        match=("generating_mw", "shape (3,)", "one value per scenario (2)"),
    ),
    Case(
        id="simulate-decide-a-table",
        area="simulate",
        bad="a (2, 2) table of requests for one step",
        run=lambda tmp: _decide({"spill_m3s": np.zeros((2, 2))}),
        match=("spill_m3s", "shape (2, 2)"),
    ),
    Case(
        id="simulate-decide-power-and-flow",
        area="simulate",
        bad="both a power and a flow for one group",
        run=lambda tmp: _decide({"generating_mw": 10.0, "generating_m3s": 10.0}),
        match=("generating_mw", "cannot both be given"),
    ),
    Case(
        id="simulate-decide-switches-kind",
        area="simulate",
        bad="a power request at the first step and a flow request after",
        run=lambda tmp: _sim(FunctionPolicy(decide=_switching)),
        match=("generating_m3s", "one kind (power or flow) for the whole run"),
    ),
    Case(
        id="simulate-decide-infinite-release",
        area="simulate",
        bad="an infinite release",
        run=lambda tmp: _decide({"release_m3s": math.inf}),
        match=("release_m3s", "inf", "NaN: automatic"),
    ),
    # -- the policies -----------------------------------------------------------------------------------
    Case(
        id="policy-replay-schedule-as-a-dict",
        area="simulate",
        bad="a dict of columns instead of a DataFrame",
        run=lambda tmp: ReplayPolicy(schedule={"flow_generating_m3s": [1.0, 2.0, 3.0]}),
        match=("`schedule`", "'dict'", "pandas DataFrame"),
    ),
    Case(
        id="policy-replay-schedule-none",
        area="simulate",
        bad="no schedule (None)",
        run=lambda tmp: ReplayPolicy(schedule=None),
        match=("`schedule`", "NoneType"),
    ),
    Case(
        id="policy-replay-mode-unknown",
        area="simulate",
        bad="mode='energy'",
        run=lambda tmp: ReplayPolicy(schedule=_schedule(), mode="energy"),
        match=("`mode`", "'energy'", "'flows' or 'power'"),
    ),
    Case(
        id="policy-replay-index-not-times",
        area="simulate",
        bad="a schedule indexed 0, 1, 2 instead of times",
        run=lambda tmp: ReplayPolicy(schedule=pd.DataFrame({"flow_generating_m3s": [1.0, 2.0, 3.0]})),
        match=("schedule.index", "'RangeIndex'", "DatetimeIndex"),
    ),
    Case(
        id="policy-replay-schedule-on-other-steps",
        area="simulate",
        bad="a schedule two steps long",
        run=lambda tmp: _sim(ReplayPolicy(schedule=_schedule(flow_generating_m3s=[1.0, 2.0, 3.0]).iloc[:2])),
        match=("`schedule`", "2 steps", "the scenarios' index (3 steps"),
    ),
    Case(
        id="policy-replay-nan-flow",
        area="simulate",
        bad="a NaN in a replayed flow",
        run=lambda tmp: _sim(ReplayPolicy(schedule=_schedule(flow_generating_m3s=[1.0, math.nan, 3.0]))),
        match=("flow_generating_m3s", "nan", "step 1", "finite and not negative"),
    ),
    Case(
        id="policy-replay-text-column",
        area="simulate",
        bad="a replayed column of text",
        run=lambda tmp: _sim(ReplayPolicy(schedule=_schedule(flow_pumping_m3s=["a", "b", "c"]))),
        match=("flow_pumping_m3s", "must hold numbers", "ReplayPolicy"),
    ),
    Case(
        id="policy-replay-negative-power",
        area="simulate",
        bad="a negative replayed power",
        run=lambda tmp: _sim(
            ReplayPolicy(schedule=_schedule(power_generating_mw=[1.0, -5.0, 0.0]), mode="power")
        ),
        match=("power_generating_mw", "-5.0", "step 1"),
    ),
    Case(
        id="policy-tou-threshold-as-text",
        area="simulate",
        bad="a TOU threshold given as text ('cheap')",
        run=lambda tmp: TouRulePolicy(
            pump_when_price_at_most_per_mwh="cheap", generate_when_price_at_least_per_mwh=250.0
        ),
        match=("pump_when_price_at_most_per_mwh", "'cheap'", "must be a number"),
    ),
    Case(
        id="policy-tou-threshold-none",
        area="simulate",
        bad="a TOU threshold of None",
        run=lambda tmp: TouRulePolicy(
            pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=None
        ),
        match=("generate_when_price_at_least_per_mwh", "None"),
    ),
    Case(
        id="policy-tou-thresholds-crossed",
        area="simulate",
        bad="a pumping threshold above the generating one",
        run=lambda tmp: TouRulePolicy(
            pump_when_price_at_most_per_mwh=300.0, generate_when_price_at_least_per_mwh=100.0
        ),
        match=("generate_when_price_at_least_per_mwh", "100.0", "must be above"),
    ),
    Case(
        id="policy-tou-conventional-flow-unknown",
        area="simulate",
        bad="conventional_flow='max'",
        run=lambda tmp: TouRulePolicy(**RULE, conventional_flow="max"),
        match=("conventional_flow", "'max'", "'inflow'"),
    ),
    Case(
        id="policy-tou-target-level-as-text",
        area="simulate",
        bad="a lower target level given as text",
        run=lambda tmp: TouRulePolicy(**RULE, lower_target_level_masl="5"),
        match=("lower_target_level_masl", "'5'", "must be a number"),
    ),
    Case(
        id="policy-tou-target-level-outside-the-reservoir",
        area="simulate",
        bad="a lower target level of 50 m in a reservoir operated from 0 to 10 m",
        run=lambda tmp: _sim(TouRulePolicy(**RULE, lower_target_level_masl=50.0)),
        match=("lower_target_level_masl", "50.0", "'lower'", "0 to 10 m a.s.l."),
    ),
    Case(
        id="policy-function-decide-not-callable",
        area="simulate",
        bad="decide=5 instead of a function",
        run=lambda tmp: FunctionPolicy(decide=5),
        match=("`decide`", "'int'", "must be a function"),
    ),
    Case(
        id="policy-function-target-level-nan",
        area="simulate",
        bad="a lower target level that is NaN",
        run=lambda tmp: FunctionPolicy(decide=lambda state: {}, lower_target_level_masl=math.nan),
        match=("lower_target_level_masl", "nan", "finite"),
    ),
    # -- the result's methods ---------------------------------------------------------------------------
    Case(
        id="simulate-result-frame-of-a-missing-scenario",
        area="simulate",
        bad="frame(5) of a run with one scenario",
        run=lambda tmp: _sim().frame(5),
        match=("`scenario`", "5", "among the 1 scenarios"),
    ),
    Case(
        id="simulate-result-frame-of-a-float",
        area="simulate",
        bad="frame(0.5)",
        run=lambda tmp: _sim().frame(0.5),
        match=("`scenario`", "'float'", "position (an int) or its name"),
    ),
    Case(
        id="simulate-result-frame-of-an-unknown-name",
        area="simulate",
        bad="frame('wet') of a run named 'day'",
        run=lambda tmp: _sim().frame("wet"),
        match=("`scenario`", "'wet'", "scenario names (day)"),
    ),
    Case(
        id="simulate-result-frame-of-a-totals-run",
        area="simulate",
        bad="frame() of a record='totals' run",
        run=lambda tmp: _sim(record="totals").frame(),
        match=("`record`", "'totals'", "must be 'all'"),
    ),
    Case(
        id="simulate-result-cutbacks-of-a-totals-run",
        area="simulate",
        bad="cutbacks() of a record='totals' run",
        run=lambda tmp: _sim(record="totals").cutbacks(),
        match=("`record`", "cutback_summary()"),
    ),
]

# -- a Network ---------------------------------------------------------------------------------------------
NET = network_of(small_pumped_storage())
CASES += [
    Case(
        id="simulate-network-with-role-start-volume",
        area="simulate",
        bad="initial_volume_upper_hm3 given with a Network",
        run=lambda tmp: _sim(plant=NET, initial_volume_upper_hm3=5.0),
        match=("`initial_volume_upper_hm3`", "Network", "initial_volume_hm3"),
    ),
    Case(
        id="simulate-network-start-volume-of-an-unknown-reservoir",
        area="simulate",
        bad="a start volume for a reservoir the network does not have",
        run=lambda tmp: _sim(plant=NET, initial_volume_hm3={"middle": 5.0}),
        match=("`initial_volume_hm3`", "'middle'", "upper, lower"),
    ),
    Case(
        id="simulate-network-start-volume-outside-the-range",
        area="simulate",
        bad="a start volume of 20 hm³ in the 10 hm³ upper reservoir of a network",
        run=lambda tmp: _sim(plant=NET, initial_volume_hm3={"upper": 20.0}),
        match=("initial_volume_hm3['upper']", "20", "0 to 10 hm³"),
    ),
    Case(
        id="simulate-network-decision-with-an-unknown-column",
        area="simulate",
        bad="a FunctionPolicy decision keyed by a legacy group name on a Network",
        run=lambda tmp: _sim(FunctionPolicy(decide=lambda state: {"generating_mw": 1.0}), plant=NET),
        match=("`decide(state)`", "generating_mw", "pump-turbine power_mw"),
    ),
    Case(
        id="simulate-network-negative-replayed-flow",
        area="simulate",
        bad="a network schedule with a negative flow",
        run=lambda tmp: _sim(ReplayPolicy(schedule=_schedule(**{"pump-turbine flow_m3s": -5.0})), plant=NET),
        match=("`pump-turbine flow_m3s`", "-5.0", "not negative"),
    ),
]

assert all(c.raises is HydroSimInputError for c in CASES)
