"""The scenario file's metadata table: every key with its table, type, unit, default and meaning.

One table (PyPSA's component attribute tables) drives the loader (:mod:`hydro_sim.files`: which keys exist,
their types and rules), the error messages (the nearest valid key, the rule in words) and the generated
schema page ``docs/schema.md`` (``python -m hydro_sim.schema --write docs/schema.md``; a test keeps the page
and this table in step).

Money keys carry no currency (``flat_price_per_mwh``): the currency is ``[scenario] currency`` and labels
the outputs.

Examples
--------
>>> f = field("objective", "pump_generate_balance")
>>> f.type, f.default, f.choices
('text', 'none', ('none', 'day', 'week'))
>>> field("horizon", "duration_h").unit
'h'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ARRAY_TABLES",
    "FIELDS",
    "FREE_TABLES",
    "LINK_KINDS",
    "SERIES_KEYS",
    "TABLES",
    "Field",
    "field",
    "fields_of",
    "inflow_series",
    "markdown",
]


class _Required:
    """The default of a key that must be given."""

    def __repr__(self) -> str:
        return "required"


#: Default of a key that must be given.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Field:
    """One key of a scenario file.

    Parameters
    ----------
    table : The TOML table that holds it (``"objective"``, ``"series.reference_year"``).
    name : The key, with its unit as a suffix (names carry units).
    type : ``"text"``, ``"number"`` (an integer is taken as a float; ``inf`` allowed only where ``rule``
        says), ``"whole number"``, ``"boolean"``, ``"time stamp"`` (text such as ``"2030-01-01 00:00"``) or
        ``"path"`` (text, relative to the scenario file's folder), ``"numbers"`` (an array of numbers),
        ``"pair"`` (two numbers ``[lowest, highest]``; ``inf`` allowed as the highest) or ``"efficiency"`` (a
        number in (0, 1], or a chart ``{flow_m3s = [...], head_m = [...], efficiency = [[...], ...]}``).
    unit : The unit, as in the docs (``"m³/s"``, ``"h"``, ``"money/MWh"``), ``"-"`` for a fraction, ``""``
        for none.
    default : The value when the key is absent; ``None``: not set (the library's behaviour, said in
        ``meaning``); :data:`REQUIRED`: must be given.
    meaning : What the key does, in a user's words.
    choices : The allowed texts of a ``"text"`` key with a closed set of values.
    rule : A check of a number: ``"positive"``, ``"positive or inf"``, ``"non-negative"``,
        ``"non-negative or inf"``, ``"finite"``, ``"fraction"`` (in [0, 1)), ``"at least 1"``.
    maps_to : The keyword of the library function the key feeds (``hydro_sim.dispatch``'s
        ``water_value_upper_per_hm3``), if it differs from ``name``.
    applies_to : In ``[[plant.links]]``: the link kinds that take the key (every kind if empty).
    default_for : In ``[[plant.links]]``: defaults that differ by kind, ``(("release", inf),)``.
    """

    table: str
    name: str
    type: str
    unit: str
    default: Any
    meaning: str
    choices: tuple[str, ...] = ()
    rule: str = ""
    maps_to: str = ""
    applies_to: tuple[str, ...] = ()
    default_for: tuple[tuple[str, Any], ...] = ()

    def default_of(self, kind: str) -> Any:
        """The default for a link of ``kind`` (``default_for`` where it names the kind, else ``default``)."""
        return dict(self.default_for).get(kind, self.default)

    @property
    def keyword(self) -> str:
        """The library keyword this key feeds."""
        return self.maps_to or self.name

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


#: Every table of a scenario file and what it is for, in file order.
TABLES: dict[str, str] = {
    "scenario": "The run's name and the currency that labels money in the outputs.",
    "plant": (
        "The plant: a preset, changed by `[plant.overrides]`, or a network written out in "
        "`[[plant.reservoirs]]`, `[[plant.sinks]]` and `[[plant.links]]` (give one or the other)."
    ),
    "plant.overrides": (
        'Scalar parameters of the preset replaced by dotted path, e.g. `"upper.initial_level_masl" = 2850.0`'
        ' for a Plant preset, or by element path, `"Yagen-I.max_level_masl" = 2602.0`, for a network preset'
        " (`hydro-sim plant --preset NAME` lists them with their units). Each key must be a parameter of the "
        "preset; the value must be a number (a whole number for `n_units`). The plant's own checks then hold."
    ),
    "plant.reservoirs": (
        "A network's reservoirs, one `[[plant.reservoirs]]` table each: a name, the level–volume table "
        "(inline as `level_masl` and `volume_hm3`, or a CSV file `curve_csv` with those two columns) and the "
        "operating levels. The natural inflow of reservoir NAME is the series `inflow_NAME_m3s` (below); a "
        "reservoir without one gets none (zero, said in the outputs)."
    ),
    "plant.sinks": (
        "A network's river sinks (water leaving the model), one `[[plant.sinks]]` table each: a constant "
        "tailwater level or a tailwater–discharge table, and the reach's own limits on its total inflow."
    ),
    "plant.links": (
        "A network's links, one `[[plant.links]]` table each, in the order of the schedule's columns: "
        "`kind` = `turbine` (a group of units, `from` → `to`), `pump_turbine` (reversible units between "
        "`upper` and `lower`: generating upper → lower, pumping back), `spillway` or `release` (an outlet with "
        "its environmental minimum, maximum and ramp). The column *kinds* says which kinds take a key. An efficiency is a number in (0, 1] "
        "or a chart, an inline table `{flow_m3s = [...], head_m = [...], efficiency = [[...], ...]}` with one row "
        "per per-unit flow and one efficiency per net head (bilinear between them, held at the edges). The "
        "network's own checks then hold (names unique, links between known nodes, water can leave every "
        "reservoir, no cycle of downhill links, positive heads)."
    ),
    "series": (
        "The time series: the built-in reference year, constant values, or your own CSV or Parquet file "
        "with a time column and one column per series."
    ),
    "series.reference_year": "Options of the built-in Lianghekou reference year (`hydro_sim.reference_year`).",
    "series.columns": (
        'For `source = "file"`: which column of the file holds which series, `series_name = "column"`, '
        "when the file's column names are not the series names."
    ),
    "series.constant": (
        'A series held at one value over the whole horizon, `series_name = value`; with `source = "file"` '
        "for series the file lacks (e.g. `inflow_upper_m3s = 0.0` for a pure pumped store)."
    ),
    "tariff": (
        "Optional: the energy price from a tariff instead of a price series (then no price may come from "
        "`[series]`)."
    ),
    "objective": "What the dispatch optimises and its options (the keywords of `hydro_sim.dispatch`).",
    "objective.water_value_per_hm3": (
        'A network\'s per-reservoir value of the water left at the end (`end = "water_value"`), '
        '`"reservoir name" = value` [money/hm³]; a reservoir not named gets 0.'
    ),
    "objective.end_volume_hm3": (
        'A network\'s per-reservoir end volume, `"reservoir name" = volume` [hm³] (exactly, in place of the '
        "`end` rule, for the reservoirs named)."
    ),
    "objective.max_level_change_m_per_h": (
        'A network\'s per-reservoir limit on the level change in one hour, `"reservoir name" = limit` [m/h].'
    ),
    "horizon": "Which part of the series is run, and whether as one solve or as rolling windows.",
    "solver": "The solver and its limits.",
    "outputs": "What `hydro-sim run` writes into its output folder.",
}

#: Series a scenario can hold: the key in a scenario file (or a file's column) → the library's Scenario field
#: (money carries no currency in a file; the library's column names are unchanged).
SERIES_KEYS: dict[str, str] = {
    "inflow_upper_m3s": "inflow_upper_m3s",
    "inflow_lower_m3s": "inflow_lower_m3s",
    "price_per_mwh": "price_per_mwh",
    "pv_available_mw": "pv_available_mw",
    "wind_available_mw": "wind_available_mw",
    "delivery_mw": "delivery_mw",
    "line_capacity_mw": "line_capacity_mw",
}

#: What each series is, for the schema page.
_SERIES_MEANING = {
    "inflow_upper_m3s": ("m³/s", "natural inflow to the upper reservoir (required: a column, or a constant)"),
    "inflow_lower_m3s": ("m³/s", "local inflow to the lower reservoir; zero if not given"),
    "price_per_mwh": ("money/MWh", "energy price at the plant's busbar; zero if not given"),
    "pv_available_mw": ("MW", "PV power available at the busbar; zero if not given"),
    "wind_available_mw": ("MW", "wind power available at the busbar; zero if not given"),
    "delivery_mw": ("MW", "delivery curve of the `firming` and `tracking` objectives"),
    "line_capacity_mw": ("MW", "time-varying grid line limit; the plant's line rating if not given"),
}

#: Tables whose keys are not fixed by this table but by something else, and what that is.
FREE_TABLES: dict[str, str] = {
    "plant.overrides": "a parameter path of the preset (see `hydro-sim plant --preset NAME`)",
    "series.columns": "a series name (below)",
    "series.constant": "a series name (below)",
    "objective.water_value_per_hm3": "a reservoir name of the network",
    "objective.end_volume_hm3": "a reservoir name of the network",
    "objective.max_level_change_m_per_h": "a reservoir name of the network",
}

#: The tables of a written-out network: arrays of tables (``[[plant.links]]``), one entry per element.
ARRAY_TABLES: tuple[str, ...] = ("plant.reservoirs", "plant.sinks", "plant.links")

#: The link kinds of ``[[plant.links]]``.
LINK_KINDS: tuple[str, ...] = ("turbine", "pump_turbine", "spillway", "release")

#: The series name of a network reservoir's natural inflow: ``inflow_{reservoir}_m3s``, the name as written
#: (spaces and hyphens kept: ``inflow_Yagen-I_m3s``).
INFLOW_SERIES = "inflow_{}_m3s"


def inflow_series(reservoir: str) -> str:
    """The series name of a network reservoir's inflow, ``inflow_{reservoir}_m3s``.

    >>> inflow_series("Yagen-I")
    'inflow_Yagen-I_m3s'
    """
    return INFLOW_SERIES.format(reservoir)


_F = Field
#: Every fixed key, table by table, in the order the schema page lists them.
FIELDS: tuple[Field, ...] = (
    # ---- [scenario]
    _F("scenario", "name", "text", "", None, "Name of the run in the outputs; the file's name if not given."),
    _F(
        "scenario",
        "currency",
        "text",
        "",
        None,
        "Currency of every money figure; labels the outputs only. If not given: `CNY` for the Lianghekou presets "
        "(their tariff's currency), `money` otherwise.",
    ),
    _F("scenario", "description", "text", "", "", "Free text, copied into `summary.json`."),
    # ---- [plant]
    _F(
        "plant",
        "preset",
        "text",
        "",
        None,
        "The plant to start from: `lianghekou` (the real hybrid plant, every figure with its provenance), "
        "`lianghekou_network` (the same as the three-node network Lianghekou → Yagen-I → river, with "
        "Yagen-I's own units and release limits), `textbook` (one lake above two 50 MW units, answers by "
        "hand) or `small_pumped_storage` (a pure 100 MW pumped store between two 10 hm³ reservoirs, no "
        "inflow). Not given: the network is written out in the tables below.",
        choices=("lianghekou", "lianghekou_network", "textbook", "small_pumped_storage"),
    ),
    _F(
        "plant",
        "name",
        "text",
        "",
        None,
        "A name for the plant in the outputs; the preset's (or the run's) if not given.",
    ),
    _F(
        "plant",
        "line_capacity_mw",
        "number",
        "MW",
        float("inf"),
        "A written-out network: the busbar's line limit, export and import (`inf`: none). A preset's line is "
        "`line.capacity_mw` in [plant.overrides].",
        rule="positive or inf",
    ),
    # ---- [[plant.reservoirs]]
    _F("plant.reservoirs", "name", "text", "", REQUIRED, "The reservoir's name, unique among the elements."),
    _F(
        "plant.reservoirs",
        "level_masl",
        "numbers",
        "m a.s.l.",
        None,
        "Levels of the level–volume table, strictly rising (with `volume_hm3`; or `curve_csv`).",
    ),
    _F(
        "plant.reservoirs",
        "volume_hm3",
        "numbers",
        "hm³",
        None,
        "Stored volumes at those levels, strictly rising, one per level.",
    ),
    _F(
        "plant.reservoirs",
        "curve_csv",
        "path",
        "",
        None,
        "Instead of the two arrays: a CSV file with columns `level_masl` and `volume_hm3`, relative to the "
        "scenario file's folder.",
    ),
    _F(
        "plant.reservoirs",
        "min_level_masl",
        "number",
        "m a.s.l.",
        REQUIRED,
        "Lowest operating level.",
        rule="finite",
    ),
    _F(
        "plant.reservoirs",
        "max_level_masl",
        "number",
        "m a.s.l.",
        REQUIRED,
        "Highest operating level.",
        rule="finite",
    ),
    _F(
        "plant.reservoirs",
        "initial_level_masl",
        "number",
        "m a.s.l.",
        REQUIRED,
        "Level at the start.",
        rule="finite",
    ),
    _F(
        "plant.reservoirs",
        "monthly_min_level_masl",
        "numbers",
        "m a.s.l.",
        None,
        "Twelve monthly minimum levels, January first, in place of `min_level_masl` in their month.",
    ),
    _F(
        "plant.reservoirs",
        "monthly_max_level_masl",
        "numbers",
        "m a.s.l.",
        None,
        "Twelve monthly maximum levels (e.g. a flood-limit level in the flood season).",
    ),
    # ---- [[plant.sinks]]
    _F("plant.sinks", "name", "text", "", REQUIRED, "The river sink's name, unique among the elements."),
    _F(
        "plant.sinks",
        "tailwater_level_masl",
        "number",
        "m a.s.l.",
        None,
        "A constant river level (give this or the tailwater–discharge table).",
        rule="finite",
    ),
    _F(
        "plant.sinks",
        "tailwater_discharge_m3s",
        "numbers",
        "m³/s",
        None,
        "Discharges of the tailwater–discharge table, strictly rising, the first ≥ 0.",
    ),
    _F(
        "plant.sinks",
        "tailwater_curve_level_masl",
        "numbers",
        "m a.s.l.",
        None,
        "River levels at those discharges, not falling.",
    ),
    _F(
        "plant.sinks",
        "environmental_min_flow_m3s",
        "number",
        "m³/s",
        0.0,
        "The reach's own minimum: the least total discharge into it from all its links.",
        rule="non-negative",
    ),
    _F(
        "plant.sinks",
        "max_flow_m3s",
        "number",
        "m³/s",
        float("inf"),
        "The largest total discharge into the reach (`inf`: none).",
        rule="positive or inf",
    ),
    _F(
        "plant.sinks",
        "max_ramp_m3s_per_h",
        "number",
        "m³/s per h",
        float("inf"),
        "The largest change of the total discharge from one hour to the next (`inf`: none).",
        rule="positive or inf",
    ),
    # ---- [[plant.links]]
    _F("plant.links", "kind", "text", "", REQUIRED, "What the link is.", choices=LINK_KINDS),
    _F(
        "plant.links",
        "name",
        "text",
        "",
        REQUIRED,
        "The link's name, unique among the elements; the "
        'schedule\'s columns are `"{name} flow_m3s"`, `"{name} power_mw"` (a pump-turbine\'s pumping: '
        '`"{name}-pump …"`).',
    ),
    _F(
        "plant.links",
        "from",
        "text",
        "",
        REQUIRED,
        "The reservoir the water leaves.",
        applies_to=("turbine", "spillway", "release"),
        maps_to="from_node",
    ),
    _F(
        "plant.links",
        "to",
        "text",
        "",
        REQUIRED,
        "The node the water enters (a reservoir or a river sink).",
        applies_to=("turbine", "spillway", "release"),
        maps_to="to_node",
    ),
    _F(
        "plant.links",
        "upper",
        "text",
        "",
        REQUIRED,
        "The upper reservoir (generating leaves it).",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "lower",
        "text",
        "",
        REQUIRED,
        "The lower reservoir (pumping draws on it).",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "n_units",
        "whole number",
        "",
        REQUIRED,
        "Number of identical units.",
        rule="at least 1",
        applies_to=("turbine", "pump_turbine"),
    ),
    _F(
        "plant.links",
        "rated_power_mw",
        "number",
        "MW",
        REQUIRED,
        "Rated (generating) output per unit.",
        rule="positive",
        applies_to=("turbine", "pump_turbine"),
    ),
    _F(
        "plant.links",
        "max_flow_m3s",
        "number",
        "m³/s",
        REQUIRED,
        "Units: the largest (generating) discharge per unit. A release: its largest flow (`inf`: none).",
        rule="positive or inf",
        applies_to=("turbine", "pump_turbine", "release"),
        default_for=(("release", float("inf")),),
    ),
    _F(
        "plant.links",
        "efficiency",
        "efficiency",
        "-",
        REQUIRED,
        "A turbine group's wire-to-water "
        "efficiency: a number in (0, 1], or a chart over per-unit flow and net head.",
        applies_to=("turbine",),
    ),
    _F(
        "plant.links",
        "turbine_efficiency",
        "efficiency",
        "-",
        REQUIRED,
        "Generating efficiency: a number in (0, 1] or a chart.",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "rated_pumping_power_mw",
        "number",
        "MW",
        REQUIRED,
        "Rated pumping input per unit.",
        rule="positive",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "pump_efficiency",
        "efficiency",
        "-",
        REQUIRED,
        "Pumping efficiency: a number in (0, 1] or a chart.",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "pump_power_band_fraction",
        "number",
        "-",
        0.03,
        "A fixed-speed pump runs within ±this fraction of its rated input, or not at all (unit commitment).",
        rule="non-negative",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "min_power_mw",
        "number",
        "MW",
        0.0,
        "Minimum stable (generating) output per unit while running (unit commitment; the simulator).",
        rule="non-negative",
        applies_to=("turbine", "pump_turbine"),
    ),
    _F(
        "plant.links",
        "head_loss_coefficient_s2_per_m5",
        "number",
        "s²/m⁵",
        0.0,
        "Waterway loss k on the group's total flow, h = k·Q².",
        rule="non-negative",
        applies_to=("turbine", "pump_turbine"),
    ),
    _F(
        "plant.links",
        "generating_head_range_m",
        "pair",
        "m",
        None,
        "Net-head range `[lowest, highest]` in which the units may generate; none if not given.",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "pumping_head_range_m",
        "pair",
        "m",
        None,
        "Net-head range in which the units may pump; none if not given.",
        applies_to=("pump_turbine",),
    ),
    _F(
        "plant.links",
        "capacity_m3s",
        "number",
        "m³/s",
        float("inf"),
        "A spillway's largest spill (`inf`: none).",
        rule="positive or inf",
        applies_to=("spillway",),
    ),
    _F(
        "plant.links",
        "cost_per_hm3",
        "number",
        "money/hm³",
        0.0,
        "A cost per hm³ spilled (e.g. a tie-break so that equal schedules turbine rather than spill).",
        rule="non-negative",
        applies_to=("spillway",),
    ),
    _F(
        "plant.links",
        "environmental_min_flow_m3s",
        "number",
        "m³/s",
        0.0,
        "A release that must always flow.",
        rule="non-negative",
        applies_to=("release",),
    ),
    _F(
        "plant.links",
        "max_ramp_m3s_per_h",
        "number",
        "m³/s per h",
        float("inf"),
        "The largest change of the release from one hour to the next (`inf`: none).",
        rule="positive or inf",
        applies_to=("release",),
    ),
    # ---- [series]
    _F(
        "series",
        "source",
        "text",
        "",
        "reference_year",
        "Where the series come from: `reference_year` (built in; options in `[series.reference_year]`), "
        "`file` (your CSV or Parquet file, `path`) or `constant` (every series from `[series.constant]`, "
        "from `start` for `duration_h`).",
        choices=("reference_year", "file", "constant"),
    ),
    _F(
        "series",
        "path",
        "path",
        "",
        None,
        'With `source = "file"`: the CSV (`.csv`) or Parquet (`.parquet`) file, relative to the scenario '
        "file's folder. One row per time step; columns named as the series (or mapped in `[series.columns]`).",
    ),
    _F("series", "time_column", "text", "", "time", 'With `source = "file"`: the column of time stamps.'),
    _F(
        "series",
        "time_zone",
        "text",
        "",
        None,
        "Time zone of the series, e.g. `Asia/Shanghai`: stamps without an offset are read as local time "
        "there, stamps with one are converted to it (days and daily balances follow its calendar). Not "
        "given: stamps must have no offset and are used as they are.",
    ),
    _F(
        "series",
        "step_h",
        "number",
        "h",
        None,
        "Step of the model; the file's own step if not given. A different step is refused unless "
        "`resample` says how to get there.",
        rule="positive",
    ),
    _F(
        "series",
        "resample",
        "text",
        "",
        "none",
        "How a file's step becomes `step_h`: `none` (refuse a different step), `mean` (average finer steps "
        "into coarser ones: energy, water and money are kept), `hold` (repeat each value over the finer "
        "steps of a coarser file).",
        choices=("none", "mean", "hold"),
    ),
    _F(
        "series",
        "start",
        "time stamp",
        "",
        "2030-01-01 00:00",
        'With `source = "constant"`: the first time stamp.',
    ),
    _F(
        "series",
        "duration_h",
        "number",
        "h",
        None,
        'With `source = "constant"` (required there): the length of the series.',
        rule="positive",
    ),
    # ---- [series.reference_year]
    _F("series.reference_year", "year", "whole number", "", 2030, "Calendar year (not a leap year)."),
    _F(
        "series.reference_year", "seed", "whole number", "", 2026, "Seed of the inflow, cloud and wind noise."
    ),
    _F(
        "series.reference_year",
        "local_inflow_fraction",
        "number",
        "-",
        0.015,
        "Local inflow to the lower reservoir as a fraction of the upper inflow.",
        rule="non-negative",
    ),
    _F(
        "series.reference_year",
        "flat_price_per_mwh",
        "number",
        "money/MWh",
        400.0,
        "Flat-period price of the Sichuan time-of-use tariff.",
        rule="positive",
        maps_to="flat_price_per_mwh",
    ),
    _F(
        "series.reference_year", "pv_capacity_mw", "number", "MW", 3000.0, "PV capacity.", rule="non-negative"
    ),
    _F(
        "series.reference_year",
        "pv_full_load_hours_h",
        "number",
        "h",
        1975.0,
        "Annual PV energy over capacity.",
        rule="positive",
    ),
    _F(
        "series.reference_year",
        "wind_capacity_mw",
        "number",
        "MW",
        1000.0,
        "Wind capacity.",
        rule="non-negative",
    ),
    _F(
        "series.reference_year",
        "wind_full_load_hours_h",
        "number",
        "h",
        2400.0,
        "Annual wind energy over capacity.",
        rule="positive",
    ),
    _F(
        "series.reference_year",
        "line_capacity_mw",
        "number",
        "MW",
        4200.0,
        "Grid line limit of the year's series.",
        rule="positive",
    ),
    # ---- [tariff]
    _F(
        "tariff",
        "kind",
        "text",
        "",
        REQUIRED,
        "`flat` (one price at every step) or `sichuan_tou` (the Sichuan time-of-use tariff of the reference "
        "year on the series' own time stamps).",
        choices=("flat", "sichuan_tou"),
    ),
    _F(
        "tariff",
        "flat_price_per_mwh",
        "number",
        "money/MWh",
        REQUIRED,
        "The flat price (`flat`), or the flat-period price the time-of-use multipliers apply to "
        "(`sichuan_tou`).",
        rule="finite",
    ),
    # ---- [objective]: the keywords of hydro_sim.dispatch
    _F(
        "objective",
        "kind",
        "text",
        "",
        "revenue",
        "`revenue` (maximise price × line power), `firming` (deliver the `delivery_mw` curve, penalising "
        "shortfall and curtailment) or `tracking` (follow `delivery_mw` with least deviation).",
        choices=("revenue", "firming", "tracking"),
        maps_to="objective",
    ),
    _F(
        "objective",
        "end",
        "text",
        "",
        "at_least_start",
        "End condition of the reservoirs: `at_least_start` (end volumes ≥ start), `fixed` (= start) or "
        "`water_value` (water left at the end is worth the water values).",
        choices=("at_least_start", "fixed", "water_value"),
    ),
    _F(
        "objective",
        "water_value_upper_per_hm3",
        "number",
        "money/hm³",
        0.0,
        'Value of water left in the upper reservoir at the end (`end = "water_value"`).',
        rule="finite",
        maps_to="water_value_upper_per_hm3",
    ),
    _F(
        "objective",
        "water_value_lower_per_hm3",
        "number",
        "money/hm³",
        0.0,
        "Value of water left in the lower reservoir at the end.",
        rule="finite",
        maps_to="water_value_lower_per_hm3",
    ),
    _F(
        "objective",
        "pump_generate_balance",
        "text",
        "",
        "none",
        "Pumped and generated water of the reversible units balance in each `day` or `week` of the series' "
        "calendar, or `none`.",
        choices=("none", "day", "week"),
    ),
    _F(
        "objective",
        "unit_commitment",
        "boolean",
        "",
        False,
        "Solve a MILP with whole units per mode (minimum stable output, fixed-speed pump band).",
    ),
    _F(
        "objective",
        "head",
        "text",
        "",
        "successive",
        "`successive` (re-solve at the heads of the solved levels until they settle) or `fixed` "
        "(linearise at the initial heads: one solve, right while the heads stay near their start).",
        choices=("fixed", "successive"),
    ),
    _F(
        "objective",
        "loss_segments",
        "whole number",
        "",
        2,
        "Chords of each group's power–flow curve that carry the waterway loss.",
        rule="at least 1",
    ),
    _F(
        "objective",
        "head_tolerance_m",
        "number",
        "m",
        0.05,
        "Convergence tolerance of the successive-head loop.",
        rule="positive",
    ),
    _F(
        "objective",
        "max_iterations",
        "whole number",
        "",
        30,
        "Most successive-head iterations.",
        rule="at least 1",
    ),
    _F(
        "objective",
        "objective_tolerance",
        "number",
        "-",
        1e-4,
        "Second stopping rule of the successive-head loop: relative change of the objective.",
        rule="non-negative",
    ),
    _F(
        "objective",
        "shortfall_penalty_per_mwh",
        "number",
        "money/MWh",
        2000.0,
        "Firming: price of one MWh short of the delivery curve.",
        rule="non-negative",
        maps_to="shortfall_penalty_per_mwh",
    ),
    _F(
        "objective",
        "curtailment_penalty_per_mwh",
        "number",
        "money/MWh",
        100.0,
        "Firming: price of one MWh of renewables curtailed.",
        rule="non-negative",
        maps_to="curtailment_penalty_per_mwh",
    ),
    _F(
        "objective",
        "tracking_penalty_per_mwh",
        "number",
        "money/MWh",
        1000.0,
        "Tracking: price of one MWh of deviation from the delivery curve.",
        rule="non-negative",
        maps_to="tracking_penalty_per_mwh",
    ),
    _F(
        "objective",
        "max_level_change_upper_m_per_h",
        "number",
        "m/h",
        float("inf"),
        "Largest level change of the upper reservoir per hour (`inf`: none).",
        rule="positive or inf",
    ),
    _F(
        "objective",
        "max_level_change_lower_m_per_h",
        "number",
        "m/h",
        float("inf"),
        "Largest level change of the lower reservoir per hour (`inf`: none).",
        rule="positive or inf",
    ),
    _F(
        "objective",
        "max_daily_generating_hours",
        "number",
        "h",
        float("inf"),
        "Cap on the reversible units' generation per day, in full-load hours (`inf`: none).",
        rule="non-negative or inf",
    ),
    _F(
        "objective",
        "fixed_head_tolerance_m",
        "number",
        "m",
        None,
        'With `head = "fixed"`: the head change at which the schedule still counts as converged; the '
        "library's default (the larger of 1 m and 2 % of the head) if not given.",
        rule="positive or inf",
    ),
    _F(
        "objective",
        "end_volume_upper_hm3",
        "number",
        "hm³",
        None,
        "End-volume target of the upper reservoir in place of its start volume.",
        rule="non-negative",
    ),
    _F(
        "objective",
        "end_volume_lower_hm3",
        "number",
        "hm³",
        None,
        "End-volume target of the lower reservoir in place of its start volume.",
        rule="non-negative",
    ),
    # ---- [horizon]
    _F(
        "horizon",
        "start",
        "time stamp",
        "",
        None,
        "First time stamp of the run, one of the series' stamps (local time of `time_zone`); the series' "
        "first if not given.",
    ),
    _F(
        "horizon",
        "duration_h",
        "number",
        "h",
        None,
        "Length of the run, a whole number of steps; to the series' end if not given.",
        rule="positive",
    ),
    _F(
        "horizon",
        "rolling",
        "boolean",
        "",
        False,
        "Solve window by window (`hydro_sim.rolling_dispatch`) instead of the whole horizon at once; "
        "revenue objective only.",
    ),
    _F(
        "horizon",
        "window_h",
        "number",
        "h",
        168.0,
        "Rolling: hours kept from each window, a whole number of days.",
        rule="positive",
    ),
    _F(
        "horizon",
        "lookahead_h",
        "number",
        "h",
        48.0,
        "Rolling: hours seen beyond each window and then discarded.",
        rule="non-negative",
    ),
    _F(
        "horizon",
        "compare_full",
        "boolean",
        "",
        False,
        "Rolling: also solve the whole horizon at once and report the gap.",
    ),
    # ---- [solver]
    _F(
        "solver",
        "backend",
        "text",
        "",
        "highs",
        "`highs` (HiGHS through highspy) or `pulp` (the same model in PuLP).",
        choices=("highs", "pulp"),
    ),
    _F(
        "solver",
        "pulp_solver",
        "text",
        "",
        None,
        'With `backend = "pulp"`: the PuLP solver name (`PULP_CBC_CMD` if not given).',
        maps_to="solver",
    ),
    _F(
        "solver",
        "time_limit_s",
        "number",
        "s",
        float("inf"),
        "Time limit of each solve; a solve stopped by it keeps the best schedule found. `--time-limit` "
        "overrides it.",
        rule="positive or inf",
    ),
    _F(
        "solver",
        "mip_gap",
        "number",
        "-",
        None,
        "Relative MIP gap at which unit commitment stops (the library's 1e-3 if not given); MILP only. "
        "`--mip-gap` overrides it.",
        rule="fraction",
        maps_to="mip_rel_gap",
    ),
    # ---- [outputs]
    _F(
        "outputs",
        "folder",
        "path",
        "",
        None,
        "The output folder, relative to the scenario file's folder; `--out` overrides it (one of the two "
        "is needed).",
    ),
    _F("outputs", "schedule_csv", "boolean", "", True, "Write the schedule as `schedule.csv`."),
    _F("outputs", "schedule_parquet", "boolean", "", True, "Write the schedule as `schedule.parquet`."),
    _F(
        "outputs",
        "replay",
        "boolean",
        "",
        True,
        "Replay the schedule through the nonlinear simulator (`simulation.csv` and its energies in "
        "`summary.json`).",
    ),
    _F("outputs", "plots", "boolean", "", True, "Draw the figures into `plots/`."),
    _F(
        "outputs",
        "report",
        "boolean",
        "",
        True,
        "Write `report.html`, a self-contained HTML report (figures, tables, inputs, provenance) of the "
        "dispatch, one solve or rolling windows.",
    ),
)


def fields_of(table: str) -> dict[str, Field]:
    """The fixed keys of ``table``, by name, in schema order."""
    return {f.name: f for f in FIELDS if f.table == table}


def field(table: str, name: str) -> Field:
    """One key's record."""
    return fields_of(table)[name]


def _default_text(f: Field) -> str:
    if f.required:
        return "**required**"
    if f.default is None:
        return "not set"
    if isinstance(f.default, bool):
        return f"`{str(f.default).lower()}`"
    if isinstance(f.default, str):
        return f'`"{f.default}"`' if f.default else '`""`'
    if isinstance(f.default, float) and f.default == float("inf"):
        return "`inf`"
    return f"`{f.default!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The schema page (``docs/schema.md``), generated from :data:`FIELDS`."""
    lines = [
        "# Scenario file schema",
        "",
        "A scenario file is a TOML file that describes one run of `hydro-sim run SCENARIO.toml --out DIR`:",
        "the plant, the time series, the tariff, the objective, the horizon, the solver and the outputs.",
        "`hydro-sim init` writes a commented starter file that runs as written. Files are read with Python's",
        "`tomllib` and never execute code. Every key carries its unit in its name; an unknown key is refused",
        "with the nearest valid one, and every error names the file, the table, the key, the rule and the",
        "value (exit code 2).",
        "",
        "Money keys carry no currency: `[scenario] currency` labels them (the library's names carry none",
        "either: `price_per_mwh`, `objective_value`).",
        "",
        "Generated from `hydro_sim.schema` by `python -m hydro_sim.schema --write docs/schema.md`; a test",
        "fails when this page and the code disagree.",
        "",
    ]
    for table, meaning in TABLES.items():
        heading = f"[[{table}]]" if table in ARRAY_TABLES else f"[{table}]"
        lines += [f"## `{heading}`", "", _cell(meaning), ""]
        if table in FREE_TABLES:
            lines += [f"Keys: {FREE_TABLES[table]}.", ""]
            continue
        links = table == "plant.links"
        lines += [
            "| key | type | unit | default | meaning |" + (" kinds |" if links else ""),
            "|---|---|---|---|---|" + ("---|" if links else ""),
        ]
        for f in fields_of(table).values():
            meaning_text = f.meaning
            if f.choices:
                meaning_text += " One of " + ", ".join(f"`{c}`" for c in f.choices) + "."
            if f.rule:
                meaning_text += f" Rule: {f.rule}."
            if f.maps_to:
                meaning_text += f" Library keyword: `{f.maps_to}`."
            default = _default_text(f)
            for kind, value in f.default_for:
                default += f" (`{kind}`: {_default_text(Field(table, f.name, f.type, '', value, ''))})"
            row = f"| `{f.name}` | {f.type} | {f.unit or ''} | {default} | {_cell(meaning_text)} |"
            if links:
                row += " " + (", ".join(f"`{k}`" for k in f.applies_to) or "all") + " |"
            lines.append(row)
        lines.append("")
    lines += [
        "## Series names",
        "",
        "The columns of a series file, and the keys of `[series.constant]` and `[series.columns]`.",
        "A time step holds the value from its time stamp to the next.",
        "",
        "| series | unit | meaning |",
        "|---|---|---|",
    ]
    for key, (unit, meaning) in _SERIES_MEANING.items():
        lines.append(f"| `{key}` | {unit} | {_cell(meaning)} |")
    lines.append(
        f"| `{INFLOW_SERIES.format('NAME')}` | m³/s | a written-out network (or a network preset): the "
        "natural inflow of reservoir NAME, the name as written (`inflow_Yagen-I_m3s`; a name with a space "
        'is quoted as a key, `"inflow_Upper lake_m3s" = 0.0`); zero for a reservoir without one. The role '
        "series `inflow_upper_m3s` and `inflow_lower_m3s` do not apply to a network |"
    )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m hydro_sim.schema [--write PATH]``: print the schema page, or write it to PATH."""
    args = sys.argv[1:] if argv is None else argv
    text = markdown()
    if args[:1] == ["--write"] and len(args) == 2:
        from pathlib import Path

        Path(args[1]).write_text(text, encoding="utf-8")
        print(f"wrote {args[1]}")
        return 0
    if args:
        print("usage: python -m hydro_sim.schema [--write PATH]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
