"""Bad input to dispatch(), rolling_dispatch() and export_model(), and solver trouble that ends in a status."""

from __future__ import annotations

from typing import Any

import numpy as np
from _harness import Case

from hydro_sim import lianghekou, reference_year
from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.network import network_of
from hydro_sim.optimise import _highs, dispatch, export_model
from hydro_sim.optimise.rolling import rolling_dispatch


def _pumped(**options: Any) -> Any:
    """dispatch() on the small pumped store's two-price day with ``options``."""
    return dispatch(small_pumped_storage(), two_price_day(), **options)


def _textbook(**options: Any) -> Any:
    """dispatch() on the one-reservoir textbook plant (no reversible units, no lower reservoir)."""
    return dispatch(textbook_plant(), two_price_day(inflow_upper_m3s=50.0), **options)


def _rolling(**options: Any) -> Any:
    return rolling_dispatch(small_pumped_storage(), two_price_day(), **{"window_h": 24.0, **options})


def _interrupted_before_the_solve() -> Any:
    with _highs.interruptible():
        _highs.request_interrupt("SIGINT")
        return _pumped()


def _dispatch_case(id_: str, bad: str, match: tuple[str, ...], **options: Any) -> Case:
    return Case(
        id=f"dispatch-{id_}",
        area="dispatch",
        bad=bad,
        run=lambda tmp: _pumped(**options),
        raises=HydroSimInputError,
        match=match,
    )


def _rolling_case(id_: str, bad: str, match: tuple[str, ...], **options: Any) -> Case:
    return Case(
        id=f"rolling-{id_}",
        area="rolling",
        bad=bad,
        run=lambda tmp: _rolling(**options),
        raises=HydroSimInputError,
        match=match,
    )


CASES = [
    # ---- what is dispatched ----------------------------------------------------------------------------
    Case(
        id="dispatch-plant-not-a-plant",
        area="dispatch",
        bad="a dict in place of the plant",
        run=lambda tmp: dispatch({"name": "plant"}, two_price_day()),
        match=("`plant`", "'dict'", "hydro_sim.Plant"),
    ),
    Case(
        id="dispatch-network-plant-keyword",
        area="dispatch",
        bad="a Plant's role keyword (water value of the upper reservoir) given with a Network",
        run=lambda tmp: dispatch(
            network_of(small_pumped_storage()), two_price_day(), water_value_upper_per_hm3=1.0
        ),
        raises=HydroSimInputError,
        match=("`water_value_upper_per_hm3`", "names a Plant's role", "`water_value_per_hm3`"),
    ),
    Case(
        id="dispatch-network-unknown-reservoir",
        area="dispatch",
        bad="an end volume for a reservoir the network does not have",
        run=lambda tmp: dispatch(
            network_of(small_pumped_storage()), two_price_day(), end_volume_hm3={"nowhere": 5.0}
        ),
        raises=HydroSimInputError,
        match=("`end_volume_hm3`", "'nowhere'", "must name reservoirs of the network (upper, lower)"),
    ),
    Case(
        id="dispatch-scenario-not-a-scenario",
        area="dispatch",
        bad="a DataFrame in place of the scenario",
        run=lambda tmp: dispatch(small_pumped_storage(), two_price_day().to_frame()),
        match=("`scenario`", "'DataFrame'", "hydro_sim.Scenario"),
    ),
    # ---- choices -------------------------------------------------------------------------------------------
    _dispatch_case(
        "objective-unknown",
        "an objective that does not exist",
        ("`objective`", "'profit'", "one of"),
        objective="profit",
    ),
    _dispatch_case(
        "backend-unknown",
        "a backend that does not exist",
        ("`backend`", "'gurobi'", "'highs'"),
        backend="gurobi",
    ),
    _dispatch_case(
        "head-unknown",
        "a head mode that does not exist",
        ("`head`", "'variable'", "'successive'"),
        head="variable",
    ),
    _dispatch_case(
        "end-unknown",
        "an end condition that does not exist",
        ("`end`", "'free'", "'at_least_start'"),
        end="free",
    ),
    _dispatch_case(
        "balance-period-unknown",
        "a pump–generate balance per month",
        ("`pump_generate_balance`", "'month'", "'week'"),
        pump_generate_balance="month",
    ),
    Case(
        id="dispatch-balance-without-reversible-units",
        area="dispatch",
        bad="a pump–generate balance on a plant without pump-turbines",
        run=lambda tmp: _textbook(pump_generate_balance="day"),
        match=("`pump_generate_balance`", "'day'", "needs reversible units"),
    ),
    _dispatch_case(
        "unit-commitment-not-bool",
        "unit_commitment given as the string 'yes'",
        ("`unit_commitment`", "'yes'", "True or False"),
        unit_commitment="yes",
    ),
    Case(
        id="dispatch-firming-without-delivery",
        area="dispatch",
        bad="firming with no delivery curve",
        run=lambda tmp: _pumped(objective="firming"),
        match=("`scenario.delivery_mw`", "must be given", "firming"),
    ),
    # ---- numbers -----------------------------------------------------------------------------------------
    _dispatch_case(
        "loss-segments-zero", "no loss segments", ("`loss_segments`", "(0)", "at least 1"), loss_segments=0
    ),
    _dispatch_case(
        "loss-segments-fraction",
        "2.5 loss segments",
        ("`loss_segments`", "2.5", "whole number"),
        loss_segments=2.5,
    ),
    _dispatch_case(
        "head-tolerance-negative",
        "a negative head tolerance",
        ("`head_tolerance_m`", "-1", "positive"),
        head_tolerance_m=-1.0,
    ),
    _dispatch_case(
        "head-tolerance-string",
        "the head tolerance as a string",
        ("`head_tolerance_m`", "'0.05'", "must be a number"),
        head_tolerance_m="0.05",
    ),
    _dispatch_case(
        "max-iterations-zero",
        "no successive-head iterations allowed",
        ("`max_iterations`", "(0)"),
        max_iterations=0,
    ),
    _dispatch_case(
        "objective-tolerance-none",
        "None for the objective tolerance",
        ("`objective_tolerance`", "None", "must be a number"),
        objective_tolerance=None,
    ),
    _dispatch_case(
        "water-value-nan",
        "a NaN water value",
        ("`water_value_upper_per_hm3`", "nan", "NaN"),
        water_value_upper_per_hm3=float("nan"),
    ),
    _dispatch_case(
        "shortfall-penalty-negative",
        "a negative shortfall penalty",
        ("`shortfall_penalty_per_mwh`", "-1", "must not be negative"),
        shortfall_penalty_per_mwh=-1.0,
    ),
    _dispatch_case(
        "time-limit-string",
        "the time limit as the word 'abc'",
        ("`time_limit_s`", "'abc'", "number"),
        time_limit_s="abc",
    ),
    _dispatch_case(
        "time-limit-zero",
        "a time limit of zero seconds",
        ("`time_limit_s`", "(0.0)", "positive"),
        time_limit_s=0.0,
    ),
    _dispatch_case(
        "time-limit-none",
        "None for the time limit (math.inf means none)",
        ("`time_limit_s`", "None", "must be a number"),
        time_limit_s=None,
    ),
    _dispatch_case(
        "mip-gap-negative",
        "a negative MIP gap",
        ("`mip_rel_gap`", "-0.1", "must not be negative"),
        mip_rel_gap=-0.1,
    ),
    _dispatch_case(
        "mip-gap-percent",
        "the MIP gap as a percentage (2 for 2 %)",
        ("`mip_rel_gap`", "2.0", "below 1"),
        mip_rel_gap=2.0,
    ),
    _dispatch_case(
        "level-change-negative",
        "a negative level-change limit",
        ("`max_level_change_upper_m_per_h`", "-1", "positive"),
        max_level_change_upper_m_per_h=-1.0,
    ),
    _dispatch_case(
        "daily-hours-negative",
        "a negative daily generating-hours cap",
        ("`max_daily_generating_hours`", "-1", "must not be negative"),
        max_daily_generating_hours=-1.0,
    ),
    Case(
        id="dispatch-daily-hours-without-reversible-units",
        area="dispatch",
        bad="a daily generating-hours cap on a plant without pump-turbines",
        run=lambda tmp: _textbook(max_daily_generating_hours=4.0),
        match=("`max_daily_generating_hours`", "4.0", "needs reversible units"),
    ),
    _dispatch_case(
        "end-volume-negative",
        "a negative end-volume target",
        ("`end_volume_upper_hm3`", "-5", "negative"),
        end_volume_upper_hm3=-5.0,
    ),
    Case(
        id="dispatch-end-volume-lower-without-lower",
        area="dispatch",
        bad="a lower end-volume target for a plant without a lower reservoir",
        run=lambda tmp: _textbook(end_volume_lower_hm3=1.0),
        match=("`end_volume_lower_hm3`", "lower reservoir"),
    ),
    _dispatch_case(
        "fixed-head-tolerance-zero",
        "a zero fixed-head tolerance",
        ("`fixed_head_tolerance_m`", "(0.0)", "positive"),
        fixed_head_tolerance_m=0.0,
    ),
    _dispatch_case(
        "previous-release-negative",
        "a negative release before the horizon",
        ("`previous_release_m3s`", "-1", "must not be negative"),
        previous_release_m3s=-1.0,
    ),
    _dispatch_case(
        "previous-release-string",
        "the previous release as a word",
        ("`previous_release_m3s`", "'high'", "must be a number"),
        previous_release_m3s="high",
    ),
    # ---- start heads ------------------------------------------------------------------------------------------
    _dispatch_case(
        "start-head-unphysical",
        "start heads of 10⁹ m (the plant's head is about 100 m)",
        ("`start_head_m`", "1000000000.0", "physical gross-head range"),
        start_head_m=np.full(24, 1e9),
    ),
    _dispatch_case(
        "start-head-scalar",
        "one start head for the whole horizon in place of one per step",
        ("`start_head_m`", "24 finite positive heads"),
        start_head_m=100.0,
    ),
    _dispatch_case(
        "start-head-words",
        "start heads given as words",
        ("`start_head_m`", "numbers"),
        start_head_m=["high"] * 24,
    ),
    # ---- solvers and their options ----------------------------------------------------------------------------
    _dispatch_case(
        "highs-options-not-dict",
        "HiGHS options as a string",
        ("`highs_options`", "'presolve=off'", "dict"),
        highs_options="presolve=off",
    ),
    _dispatch_case(
        "highs-option-unknown",
        "a HiGHS option name that does not exist",
        ("`highs_options['presolv']`", "not a HiGHS option name"),
        highs_options={"presolv": "off"},
    ),
    _dispatch_case(
        "highs-option-wrong-type",
        "a HiGHS string option given a number",
        ("`highs_options['presolve']`", "(3)", "string"),
        highs_options={"presolve": 3},
    ),
    _dispatch_case(
        "highs-option-out-of-range",
        "a HiGHS option outside its range",
        ("`highs_options['primal_feasibility_tolerance']`", "-1", "within its range"),
        highs_options={"primal_feasibility_tolerance": -1.0},
    ),
    _dispatch_case(
        "highs-option-reserved",
        "the time limit passed as a HiGHS option",
        ("`highs_options['time_limit']`", "time_limit_s"),
        highs_options={"time_limit": 5.0},
    ),
    _dispatch_case(
        "highs-options-with-pulp",
        "HiGHS options with the PuLP backend",
        ("`highs_options`", "backend='highs'"),
        backend="pulp",
        highs_options={"presolve": "off"},
    ),
    _dispatch_case(
        "solver-unknown",
        "a PuLP solver that is not installed",
        ("`solver`", "'NO_SUCH'", "available"),
        backend="pulp",
        solver="NO_SUCH",
    ),
    _dispatch_case(
        "solver-with-highs-backend",
        "a PuLP solver name with the HiGHS backend",
        ("`solver`", "'PULP_CBC_CMD'", "backend='pulp'"),
        solver="PULP_CBC_CMD",
    ),
    _dispatch_case(
        "solver-not-a-string",
        "a number as the solver name",
        ("`solver`", "(42)", "string"),
        backend="pulp",
        solver=42,
    ),
    # ---- solver trouble: a status and a message, never a traceback ----------------------------------------
    Case(
        id="dispatch-time-limit-milp",
        area="dispatch",
        bad="a unit-commitment week with a 2 s time limit and a zero gap",
        run=lambda tmp: dispatch(
            lianghekou(),
            reference_year().window(hours=168),
            head="fixed",
            fixed_head_tolerance_m=float("inf"),
            unit_commitment=True,
            pump_generate_balance="day",
            mip_rel_gap=0.0,
            time_limit_s=2.0,
        ),
        status="time_limit",
        match=(
            "stopped at the time limit (2 s) with a feasible schedule within",
            "% of the optimum (MIP gap)",
        ),
        volatile=(r"(?<=within )[0-9.e+-]+(?= %)",),  # the gap reached in 2 s depends on the machine's speed
    ),
    Case(
        id="dispatch-time-limit-lp",
        area="dispatch",
        bad="a year's LP with a 1 ms time limit",
        run=lambda tmp: dispatch(lianghekou(), reference_year(), head="fixed", time_limit_s=1e-3),
        status="time_limit",
        match=("stopped at the time limit (0.001 s)",),
    ),
    Case(
        id="dispatch-interrupted",
        area="dispatch",
        bad="Ctrl-C (SIGINT) before the solve has finished",
        run=lambda tmp: _interrupted_before_the_solve(),
        status="interrupted",
        match=("interrupted by SIGINT", "without a feasible schedule"),
    ),
    Case(
        id="dispatch-infeasible-environmental-flow",
        area="dispatch",
        bad="an environmental flow the inflow cannot carry",
        run=lambda tmp: dispatch(textbook_plant(environmental_min_flow_m3s=50.0), two_price_day()),
        status="infeasible",
        match=("infeasible", "end volume of the upper reservoir"),
    ),
    Case(
        id="dispatch-infeasible-ramp-from-previous-release",
        area="dispatch",
        bad="a release before the horizon that the ramp limit cannot leave fast enough",
        run=lambda tmp: dispatch(
            textbook_plant(max_ramp_m3s_per_h=2.0, environmental_min_flow_m3s=50.0),
            two_price_day(inflow_upper_m3s=60.0),
            previous_release_m3s=20.0,
        ),
        status="infeasible",
        match=("previous release", "step 0"),
    ),
    # ---- export_model ----------------------------------------------------------------------------------------
    Case(
        id="dispatch-export-path-not-a-path",
        area="dispatch",
        bad="a number as the export path",
        run=lambda tmp: export_model(small_pumped_storage(), two_price_day(), 123),
        match=("`path`", "(123)", ".lp or .mps"),
    ),
    Case(
        id="dispatch-export-unknown-option",
        area="dispatch",
        bad="a misspelt option to export_model",
        run=lambda tmp: export_model(small_pumped_storage(), two_price_day(), tmp / "m.lp", loss_segment=3),
        match=("`options`", "loss_segment", "keyword options of dispatch()"),
    ),
    Case(
        id="dispatch-export-start-head-unphysical",
        area="dispatch",
        bad="unphysical start heads to export_model",
        run=lambda tmp: export_model(
            small_pumped_storage(), two_price_day(), tmp / "m.lp", start_head_m=np.full(24, 1e9)
        ),
        match=("`start_head_m`", "physical gross-head range"),
    ),
    # ---- rolling_dispatch ------------------------------------------------------------------------------------
    Case(
        id="rolling-plant-not-a-plant",
        area="rolling",
        bad="None in place of the plant",
        run=lambda tmp: rolling_dispatch(None, two_price_day(), window_h=24.0),
        match=("`plant`", "'NoneType'"),
    ),
    _rolling_case(
        "window-string",
        "the window length as a string",
        ("`window_h`", "'24'", "must be a number"),
        window_h="24",
    ),
    _rolling_case(
        "window-not-whole-days",
        "a 10-hour window",
        ("`window_h`", "10", "whole number of days"),
        window_h=10.0,
    ),
    _rolling_case(
        "lookahead-negative",
        "a negative look-ahead",
        ("`lookahead_h`", "-1", "must not be negative"),
        lookahead_h=-1.0,
    ),
    _rolling_case(
        "lookahead-none",
        "None for the look-ahead",
        ("`lookahead_h`", "None", "must be a number"),
        lookahead_h=None,
    ),
    _rolling_case(
        "lookahead-part-step",
        "a look-ahead of half an hour on hourly steps",
        ("`lookahead_h`", "0.5", "whole number of steps"),
        lookahead_h=0.5,
    ),
    _rolling_case(
        "progress-not-bool",
        "progress given as the string 'yes'",
        ("`progress`", "'yes'", "True or False"),
        progress="yes",
    ),
    _rolling_case(
        "compare-full-not-bool",
        "compare_full given as 1",
        ("`compare_full`", "(1)", "True or False"),
        compare_full=1,
    ),
    _rolling_case(
        "option-misspelt",
        "a misspelt dispatch option",
        ("`options`", "pump_generate_balanse", "keyword options of dispatch()"),
        pump_generate_balanse="day",
    ),
    _rolling_case(
        "end-target-given",
        "an end-volume target, which each window sets itself",
        ("`end_volume_upper_hm3`", "set by the rolling horizon"),
        end_volume_upper_hm3=1.0,
    ),
    _rolling_case(
        "previous-release-given",
        "a previous release, which each window carries itself",
        ("`previous_release_m3s`", "set by the rolling horizon"),
        previous_release_m3s=10.0,
    ),
    _rolling_case(
        "objective-firming",
        "the firming objective",
        ("`objective`", "'firming'", "'revenue'"),
        objective="firming",
    ),
    _rolling_case(
        "bad-window-option",
        "a bad option for every window (negative loss segments)",
        ("`loss_segments`", "-2"),
        loss_segments=-2,
    ),
]
