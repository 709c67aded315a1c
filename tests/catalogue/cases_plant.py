"""Bad plant objects: reservoirs, level–volume curves, efficiency charts, unit groups, outlets, lines, plants,
provenance records and the Lianghekou preset's keywords."""

from __future__ import annotations

import math

from _harness import Case

from hydro_sim import (
    EfficiencyCurve,
    GridLine,
    LevelVolumeCurve,
    Outlet,
    Plant,
    Provenance,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
    lianghekou,
)
from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import small_pumped_storage

CURVE = {"level_masl": (100.0, 110.0, 120.0), "volume_hm3": (0.0, 50.0, 120.0)}
CHART = {"flow_m3s": (50.0, 150.0), "head_m": (200.0, 260.0), "efficiency": ((0.80, 0.82), (0.90, 0.92))}


def _reservoir(**kw):
    args = {
        "name": "lake",
        "curve": LevelVolumeCurve(**CURVE),
        "min_level_masl": 105.0,
        "max_level_masl": 120.0,
        "initial_level_masl": 115.0,
    } | kw
    return Reservoir(**args)


def _curve(**kw):
    return LevelVolumeCurve(**(CURVE | kw))


def _chart(**kw):
    return EfficiencyCurve(**(CHART | kw))


def _turbines(**kw):
    args = {
        "name": "units",
        "n_units": 2,
        "rated_power_mw": 50.0,
        "max_flow_m3s": 70.0,
        "efficiency": 0.9,
    } | kw
    return TurbineGroup(**args)


def _pump_turbines(**kw):
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


def _plant(**kw):
    args = {
        "name": "p",
        "upper": _reservoir(),
        "conventional": _turbines(),
        "tailwater_level_masl": 20.0,
    } | kw
    return Plant(**args)


CASES = [
    Case(
        id="reservoir-min-above-max",
        area="plant",
        bad="a minimum level above the maximum level",
        run=lambda tmp: _reservoir(min_level_masl=121.0),
        raises=HydroSimInputError,
        match=("min_level_masl", "121.0", "Reservoir 'lake'"),
    ),
    Case(
        id="curve-volume-falls",
        area="plant",
        bad="a level–volume table whose volume falls",
        run=lambda tmp: LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(5.0, 1.0)),
        match=("volume_hm3",),
    ),
    # -- level–volume curves ---------------------------------------------------------------------------
    Case(
        id="curve-levels-as-text",
        area="plant",
        bad="the levels given as one string",
        run=lambda tmp: _curve(level_masl="100, 110, 120"),
        match=("`level_masl`", "'100, 110, 120'", "not text", "LevelVolumeCurve"),
    ),
    Case(
        id="curve-levels-none",
        area="plant",
        bad="no levels (None)",
        run=lambda tmp: _curve(level_masl=None),
        match=("`level_masl`", "None", "LevelVolumeCurve"),
    ),
    Case(
        id="curve-levels-a-dict",
        area="plant",
        bad="the levels as a dict",
        run=lambda tmp: _curve(level_masl={100.0: 0.0, 110.0: 50.0}),
        match=("`level_masl`", "dict", "must be a number or an array of numbers"),
    ),
    Case(
        id="curve-levels-complex",
        area="plant",
        bad="a complex number among the levels",
        run=lambda tmp: _curve(level_masl=(100.0 + 1j, 110.0, 120.0)),
        match=("`level_masl`", "complex", "real numbers"),
    ),
    Case(
        id="curve-level-text-entry",
        area="plant",
        bad="a level written as text inside the table",
        run=lambda tmp: _curve(level_masl=(100.0, "110", 120.0)),
        match=("`level_masl`", "'110'", "must hold only numbers"),
    ),
    Case(
        id="curve-level-bool-entry",
        area="plant",
        bad="True among the levels",
        run=lambda tmp: _curve(level_masl=(True, 110.0, 120.0)),
        match=("`level_masl`", "True", "must hold only numbers"),
    ),
    Case(
        id="curve-single-level",
        area="plant",
        bad="a table of one level",
        run=lambda tmp: _curve(level_masl=100.0, volume_hm3=0.0),
        match=("`level_masl`", "[100.0]", "at least 2 values"),
    ),
    Case(
        id="curve-volume-at-nan",
        area="plant",
        bad="asking a curve for the volume at a NaN level",
        run=lambda tmp: _curve().volume_hm3_at(math.nan),
        match=("`level_masl`", "nan", "must be finite", "LevelVolumeCurve.volume_hm3_at"),
    ),
    Case(
        id="curve-area-at-text",
        area="plant",
        bad="asking a curve for the area at a level given as text",
        run=lambda tmp: _curve().surface_area_km2_at("105 m"),
        match=("`level_masl`", "'105 m'", "not text", "surface_area_km2_at"),
    ),
    # -- efficiency charts -----------------------------------------------------------------------------
    Case(
        id="curve-efficiency-ragged",
        area="plant",
        bad="an efficiency chart with rows of different lengths",
        run=lambda tmp: _chart(efficiency=((0.80,), (0.90, 0.92))),
        match=("`efficiency`", "rectangular", "ragged", "EfficiencyCurve"),
    ),
    Case(
        id="curve-efficiency-negative-flow",
        area="plant",
        bad="an efficiency chart over a negative flow",
        run=lambda tmp: _chart(flow_m3s=(-50.0, 150.0)),
        match=("`flow_m3s`", "-50.0", "must not be negative", "EfficiencyCurve"),
    ),
    Case(
        id="curve-efficiency-zero-head",
        area="plant",
        bad="an efficiency chart starting at zero head",
        run=lambda tmp: _chart(head_m=(0.0, 260.0)),
        match=("`head_m`", "0.0", "must be positive", "EfficiencyCurve"),
    ),
    Case(
        id="curve-efficiency-at-nan-flow",
        area="plant",
        bad="an efficiency chart read at a NaN flow",
        run=lambda tmp: _chart()(math.nan, 230.0),
        match=("`flow_m3s`", "nan", "must be finite", "efficiency_from_table()"),
    ),
    Case(
        id="curve-efficiency-mismatched-shapes",
        area="plant",
        bad="an efficiency chart read at 3 flows and 4 heads",
        run=lambda tmp: _chart()([60.0, 80.0, 100.0], [210.0, 220.0, 230.0, 240.0]),
        match=("`flow_m3s`", "(3,)", "(4,)", "shape"),
    ),
    # -- reservoirs ------------------------------------------------------------------------------------
    Case(
        id="reservoir-level-as-text",
        area="plant",
        bad="a minimum level given as text",
        run=lambda tmp: _reservoir(min_level_masl="105"),
        match=("`min_level_masl`", "'105'", "must be a number, not text", "Reservoir 'lake'"),
    ),
    Case(
        id="reservoir-level-bool",
        area="plant",
        bad="an initial level of True",
        run=lambda tmp: _reservoir(initial_level_masl=True),
        match=("`initial_level_masl`", "True", "not a boolean"),
    ),
    Case(
        id="reservoir-level-in-a-list",
        area="plant",
        bad="a maximum level wrapped in a list",
        run=lambda tmp: _reservoir(max_level_masl=[120.0]),
        match=("`max_level_masl`", "[120.0]", "must be a number, not a list"),
    ),
    Case(
        id="reservoir-name-none",
        area="plant",
        bad="a reservoir without a name (None)",
        run=lambda tmp: _reservoir(name=None),
        match=("`name`", "None", "must be text", "Reservoir"),
    ),
    Case(
        id="reservoir-curve-as-dict",
        area="plant",
        bad="the level–volume table passed as a plain dict",
        run=lambda tmp: _reservoir(curve=CURVE),
        match=("`curve`", "dict", "must be a LevelVolumeCurve"),
    ),
    Case(
        id="reservoir-monthly-as-text",
        area="plant",
        bad="monthly maximum levels given as a string",
        run=lambda tmp: _reservoir(monthly_max_level_masl="120"),
        match=("`monthly_max_level_masl`", "'120'", "not text"),
    ),
    Case(
        id="reservoir-monthly-nan",
        area="plant",
        bad="a NaN among the 12 monthly maximum levels",
        run=lambda tmp: _reservoir(monthly_max_level_masl=[120.0] * 5 + [math.nan] + [120.0] * 6),
        match=("`monthly_max_level_masl[month 6]`", "nan", "must be finite"),
    ),
    Case(
        id="reservoir-usable-volume-text",
        area="plant",
        bad="a usable volume given as text",
        run=lambda tmp: _reservoir().with_usable_volume("50 hm3"),
        match=("`usable_volume_hm3`", "'50 hm3'", "not text", "with_usable_volume"),
    ),
    Case(
        id="reservoir-usable-volume-bool",
        area="plant",
        bad="a usable volume of True",
        run=lambda tmp: _reservoir().with_usable_volume(True),
        match=("`usable_volume_hm3`", "True", "not a boolean"),
    ),
    Case(
        id="reservoir-bounds-of-a-list",
        area="plant",
        bad="monthly level bounds asked for a list of strings",
        run=lambda tmp: _reservoir().level_bounds_masl(["2025-01-01"]),
        match=("`index`", "list", "DatetimeIndex", "level_bounds_masl"),
    ),
    # -- unit groups -----------------------------------------------------------------------------------
    Case(
        id="turbine-units-as-text",
        area="plant",
        bad="the number of units given as text",
        run=lambda tmp: _turbines(n_units="2"),
        match=("`n_units`", "'2'", "whole number"),
    ),
    Case(
        id="turbine-rated-power-bool",
        area="plant",
        bad="a rated power of True",
        run=lambda tmp: _turbines(rated_power_mw=True),
        match=("`rated_power_mw`", "True", "not a boolean", "TurbineGroup 'units'"),
    ),
    Case(
        id="turbine-efficiency-as-text",
        area="plant",
        bad="an efficiency given as the text '0.9'",
        run=lambda tmp: _turbines(efficiency="0.9"),
        match=("`efficiency`", "'0.9'", "not text"),
    ),
    Case(
        id="turbine-efficiency-as-dict",
        area="plant",
        bad="an efficiency given as a dict",
        run=lambda tmp: _turbines(efficiency={"peak": 0.9}),
        match=("`efficiency`", "dict", "or an EfficiencyCurve"),
    ),
    Case(
        id="turbine-infinite-flow",
        area="plant",
        bad="an infinite maximum flow per unit",
        run=lambda tmp: _turbines(max_flow_m3s=math.inf),
        match=("`max_flow_m3s`", "inf", "must be finite"),
    ),
    Case(
        id="turbine-negative-loss",
        area="plant",
        bad="a negative head-loss coefficient",
        run=lambda tmp: _turbines(head_loss_coefficient_s2_per_m5=-1e-6),
        match=("`head_loss_coefficient_s2_per_m5`", "-1e-06", "must not be negative"),
    ),
    Case(
        id="turbine-name-a-number",
        area="plant",
        bad="a unit group named by a number",
        run=lambda tmp: _turbines(name=7),
        match=("`name`", "int", "must be text", "TurbineGroup"),
    ),
    Case(
        id="turbine-efficiency-at-text",
        area="plant",
        bad="a group's efficiency asked at a flow given as text",
        run=lambda tmp: _turbines().efficiency_at("60", 100.0),
        match=("`flow_m3s`", "'60'", "not text", "efficiency_at"),
    ),
    Case(
        id="turbine-pump-efficiency-none",
        area="plant",
        bad="a pump efficiency of None",
        run=lambda tmp: _pump_turbines(pump_efficiency=None),
        match=("`pump_efficiency`", "None", "must be a number", "PumpTurbineGroup 'rev'"),
    ),
    Case(
        id="turbine-pump-band-text",
        area="plant",
        bad="a pump power band given as '3 %'",
        run=lambda tmp: _pump_turbines(pump_power_band_fraction="3 %"),
        match=("`pump_power_band_fraction`", "'3 %'", "not text"),
    ),
    # -- outlet, line, provenance, plant ---------------------------------------------------------------
    Case(
        id="plant-outlet-flow-bool",
        area="plant",
        bad="an environmental flow of True",
        run=lambda tmp: Outlet(environmental_min_flow_m3s=True),
        match=("`environmental_min_flow_m3s`", "True", "not a boolean", "Outlet"),
    ),
    Case(
        id="plant-outlet-release-complex",
        area="plant",
        bad="a complex maximum release",
        run=lambda tmp: Outlet(max_release_m3s=100j),
        match=("`max_release_m3s`", "100j", "not a complex number"),
    ),
    Case(
        id="plant-line-capacity-none",
        area="plant",
        bad="a grid line of capacity None",
        run=lambda tmp: GridLine(capacity_mw=None),
        match=("`capacity_mw`", "None", "math.inf for no limit", "GridLine"),
    ),
    Case(
        id="plant-provenance-text-none",
        area="plant",
        bad="a provenance record without text",
        run=lambda tmp: Provenance(kind="source", text=None),
        match=("`text`", "None", "must be text"),
    ),
    Case(
        id="plant-provenance-unknown-kind",
        area="plant",
        bad="a provenance record of kind 'fitted'",
        run=lambda tmp: Provenance(kind="fitted", text="head from the energy"),
        match=("`kind`", "'fitted'", "'calibration'", "'assumption'"),
    ),
    Case(
        id="plant-provenance-not-a-mapping",
        area="plant",
        bad="a plant's provenance given as a list",
        run=lambda tmp: _plant(provenance=[Provenance(kind="user", text="x")]),
        match=("`provenance`", "list", "mapping", "Plant 'p'"),
    ),
    Case(
        id="plant-provenance-none",
        area="plant",
        bad="a plant's provenance of None",
        run=lambda tmp: _plant(provenance=None),
        match=("`provenance`", "NoneType", "mapping"),
    ),
    Case(
        id="plant-tailwater-as-text",
        area="plant",
        bad="a tailwater level given as text",
        run=lambda tmp: _plant(tailwater_level_masl="20 m"),
        match=("`tailwater_level_masl`", "'20 m'", "not text", "Plant 'p'"),
    ),
    Case(
        id="plant-name-none",
        area="plant",
        bad="a plant without a name (None)",
        run=lambda tmp: _plant(name=None),
        match=("`name`", "None", "must be text", "Plant"),
    ),
    # -- the Lianghekou preset -------------------------------------------------------------------------
    Case(
        id="lianghekou-months-an-int",
        area="plant",
        bad="flood-limit months given as one number",
        run=lambda tmp: lianghekou(flood_limit_level_masl=2845.0, flood_limit_months=6),
        match=("`flood_limit_months`", "(6)", "whole numbers 1–12", "lianghekou()"),
    ),
    Case(
        id="lianghekou-months-none",
        area="plant",
        bad="flood-limit months of None",
        run=lambda tmp: lianghekou(flood_limit_level_masl=2845.0, flood_limit_months=None),
        match=("`flood_limit_months`", "None", "lianghekou()"),
    ),
    Case(
        id="lianghekou-month-13",
        area="plant",
        bad="a 13th month, with no flood-limit level given",
        run=lambda tmp: lianghekou(flood_limit_months=(6, 13)),
        match=("`flood_limit_months`", "(6, 13)", "not 13"),
    ),
    Case(
        id="lianghekou-months-empty",
        area="plant",
        bad="an empty list of flood-limit months",
        run=lambda tmp: lianghekou(flood_limit_level_masl=2845.0, flood_limit_months=()),
        match=("`flood_limit_months`", "at least one month"),
    ),
    Case(
        id="lianghekou-flood-limit-above-pool",
        area="plant",
        bad="a flood-limit level above the normal pool level",
        run=lambda tmp: lianghekou(flood_limit_level_masl=2870.0),
        match=("`flood_limit_level_masl`", "2870.0", "normal pool level (2865 m)", "lianghekou()"),
    ),
    Case(
        id="lianghekou-initial-level-outside",
        area="plant",
        bad="an upper initial level above the dam's pool",
        run=lambda tmp: lianghekou(upper_initial_level_masl=2900.0),
        match=("`upper_initial_level_masl`", "2900.0", "dead level (2785 m)", "lianghekou()"),
    ),
    Case(
        id="lianghekou-lower-initial-level-outside",
        area="plant",
        bad="a lower initial level below Yagen-I's band",
        run=lambda tmp: lianghekou(lower_initial_level_masl=2590.0),
        match=("`lower_initial_level_masl`", "2590.0", "[2598, 2605]"),
    ),
    Case(
        id="lianghekou-line-text",
        area="plant",
        bad="a line capacity given as '4200 MW'",
        run=lambda tmp: lianghekou(line_capacity_mw="4200 MW"),
        match=("`line_capacity_mw`", "'4200 MW'", "not text", "lianghekou()"),
    ),
    Case(
        id="lianghekou-usable-volume-bool",
        area="plant",
        bad="a lower usable volume of True",
        run=lambda tmp: lianghekou(lower_usable_volume_hm3=True),
        match=("`lower_usable_volume_hm3`", "True", "not a boolean", "lianghekou()"),
    ),
    # -- the example builders ----------------------------------------------------------------------------
    Case(
        id="example-pumped-storage-zero-units",
        area="plant",
        bad="the small pumped store with 0 units",
        run=lambda tmp: small_pumped_storage(n_units=0),
        match=("`n_units`", "(0)", "at least 1", "small_pumped_storage()"),
    ),
    Case(
        id="example-pumped-storage-units-as-text",
        area="plant",
        bad="the small pumped store with '2' units",
        run=lambda tmp: small_pumped_storage(n_units="2"),
        match=("`n_units`", "'2'", "whole number"),
    ),
    Case(
        id="plant-gross-head-shapes-differ",
        area="plant",
        bad="gross heads for 3 upper and 4 lower volumes",
        run=lambda tmp: small_pumped_storage().gross_head_m([5.0] * 3, [5.0] * 4),
        match=("`volume_upper_hm3`", "(3,)", "`volume_lower_hm3` (4,)", "gross_head_m"),
    ),
]
