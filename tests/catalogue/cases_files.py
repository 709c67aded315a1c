"""Bad scenario files and series files given to `hydro-sim run` (and `init`, `plot`, `plant`): each gets one
line on stderr that names the file, the table, the key, the rule and the value, and exit code 2, before any
computation and without writing anything.
"""

from __future__ import annotations

from pathlib import Path

from _harness import Case, cli

#: A scenario that runs: the textbook plant, 24 constant hours.
BASE = """\
[plant]
preset = "textbook"

[series]
source = "constant"
duration_h = 24.0

[series.constant]
inflow_upper_m3s = 60.0
price_per_mwh = 100.0
"""

#: A scenario whose series come from series.csv.
FROM_FILE = """\
[plant]
preset = "textbook"

[series]
source = "file"
path = "series.csv"
"""

#: A good series file: 24 hourly rows.
GOOD_CSV = "time,inflow_upper_m3s,price_per_mwh\n" + "".join(
    f"2030-01-01 {h:02d}:00,60.0,{100 if h < 12 else 300}\n" for h in range(24)
)


def _csv(*rows: str, header: str = "time,inflow_upper_m3s,price_per_mwh") -> str:
    return "\n".join([header, *rows]) + "\n"


def run(toml: str, csv: str | None = None, *, csv_name: str = "series.csv", args: tuple[str, ...] = ()):
    """`hydro-sim run -q s.toml --out out` on a scratch folder holding ``toml`` as s.toml and ``csv``."""

    def go(tmp: Path):
        (tmp / "s.toml").write_text(toml, encoding="utf-8")
        if csv is not None:
            (tmp / csv_name).write_text(csv, encoding="utf-8")
        return cli("run", "-q", str(tmp / "s.toml"), "--out", str(tmp / "out"), *args)

    return go


def _case(id: str, bad: str, go, *match: str) -> Case:
    return Case(id=id, area="scenario-files", bad=bad, run=go, exit_code=2, match=match)


def _csv_case(id: str, bad: str, go, *match: str) -> Case:
    return Case(id=id, area="series-files", bad=bad, run=go, exit_code=2, match=match)


def _cli_case(id: str, bad: str, go, *match: str) -> Case:
    return Case(id=id, area="cli-files", bad=bad, run=go, exit_code=2, match=match)


def _busy(tmp: Path) -> Path:
    (tmp / "out").mkdir()
    (tmp / "out" / "notes.txt").write_text("mine")
    return tmp / "out"


def _run_with_busy_out(force: bool):
    def go(tmp: Path):
        _busy(tmp)
        (tmp / "s.toml").write_text(BASE)
        return cli("run", "-q", str(tmp / "s.toml"), "--out", str(tmp / "out"), *(["--force"] * force))

    return go


def _init_twice(tmp: Path):
    (tmp / "scenario.toml").write_text("# mine\n")
    return cli("init", str(tmp / "scenario.toml"))


def _plot_not_a_run(tmp: Path):
    (tmp / "results").mkdir()
    (tmp / "results" / "schedule.csv").write_text("time,x\n")
    return cli("plot", str(tmp / "results"))


def _plant_both(tmp: Path):
    (tmp / "s.toml").write_text(BASE)
    return cli("plant", str(tmp / "s.toml"), "--preset", "textbook")


#: A network written out that runs: one lake, two turbine groups, a spillway, a river.
NETWORK = """\
[plant]
name = "two groups"

[[plant.reservoirs]]
name = "Lake"
level_masl = [100.0, 110.0]
volume_hm3 = [0.0, 10.0]
min_level_masl = 100.0
max_level_masl = 110.0
initial_level_masl = 105.0

[[plant.sinks]]
name = "river"
tailwater_level_masl = 0.0

[[plant.links]]
kind = "turbine"
name = "good units"
from = "Lake"
to = "river"
n_units = 1
rated_power_mw = 50.0
max_flow_m3s = 50.0
efficiency = 0.9

[[plant.links]]
kind = "spillway"
name = "Lake spillway"
from = "Lake"
to = "river"

[series]
source = "constant"
duration_h = 24.0

[series.constant]
inflow_Lake_m3s = 60.0
price_per_mwh = 100.0
"""


def _net(old: str, new: str) -> str:
    assert old in NETWORK, old
    return NETWORK.replace(old, new, 1)


def _curve_csv(tmp: Path):
    (tmp / "curve.csv").write_text("level_masl,volume\n100,0\n110,10\n")
    toml = _net("level_masl = [100.0, 110.0]\nvolume_hm3 = [0.0, 10.0]\n", 'curve_csv = "curve.csv"\n')
    (tmp / "s.toml").write_text(toml)
    return cli("run", "-q", str(tmp / "s.toml"), "--out", str(tmp / "out"))


def _three_reservoirs_on_the_reference_year() -> str:
    extra = """
[[plant.reservoirs]]
name = "Pond"
level_masl = [0.0, 10.0]
volume_hm3 = [0.0, 1.0]
min_level_masl = 0.0
max_level_masl = 10.0
initial_level_masl = 5.0

[[plant.reservoirs]]
name = "Tarn"
level_masl = [0.0, 10.0]
volume_hm3 = [0.0, 1.0]
min_level_masl = 0.0
max_level_masl = 10.0
initial_level_masl = 5.0

[[plant.links]]
kind = "spillway"
name = "Pond out"
from = "Pond"
to = "river"

[[plant.links]]
kind = "spillway"
name = "Tarn out"
from = "Tarn"
to = "river"
"""
    text = NETWORK.split("[series]")[0] + extra
    return text + '[series]\nsource = "reference_year"\n'


def _curve_csv_bad_number(tmp: Path):
    (tmp / "curve.csv").write_text("level_masl,volume_hm3\n100,0\n110,ten\n")
    toml = _net("level_masl = [100.0, 110.0]\nvolume_hm3 = [0.0, 10.0]\n", 'curve_csv = "curve.csv"\n')
    (tmp / "s.toml").write_text(toml)
    return cli("run", "-q", str(tmp / "s.toml"), "--out", str(tmp / "out"))


NETWORK_CASES = [
    _case(
        "files-network-array-not-array",
        "a level–volume table given as one number",
        run(_net("volume_hm3 = [0.0, 10.0]", "volume_hm3 = 10.0")),
        "`volume_hm3` (10.0) must be an array of numbers, e.g. [1.0, 2.0] [hm³] in [[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-curve-csv-missing",
        "a level–volume CSV file that does not exist",
        run(_net("level_masl = [100.0, 110.0]\nvolume_hm3 = [0.0, 10.0]\n", 'curve_csv = "lake.csv"\n')),
        "`curve_csv` ('lake.csv') must name an existing .csv file (relative to the scenario file's folder) in "
        "[[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-curve-csv-number",
        "a level–volume CSV file with a cell that is not a number",
        _curve_csv_bad_number,
        "`volume_hm3` ('ten') must hold a finite number in every row, but line 3 does not, in `curve_csv` "
        "(curve.csv) in [[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-sink-without-level",
        "a river sink with neither a tailwater level nor a table",
        run(_net("tailwater_level_masl = 0.0\n", "")),
        "`tailwater_level_masl` (None) must be given, or the tailwater–discharge table "
        "(`tailwater_discharge_m3s` with `tailwater_curve_level_masl`) in [[plant.sinks]] #1 'river'",
    ),
    _case(
        "files-network-link-without-kind",
        "a link without its kind",
        run(_net('kind = "spillway"\n', "")),
        "`kind` (None) must be given: 'turbine', 'pump_turbine', 'spillway', 'release' in [[plant.links]] #2 "
        "'Lake spillway'",
    ),
    _case(
        "files-network-preset-override-rule",
        "an override of the network preset that breaks a rule of the network",
        run(
            BASE.replace('preset = "textbook"', 'preset = "lianghekou_network"').split("[series]")[0]
            + '[plant.overrides]\n"Yagen-I.max_level_masl" = 2700.0\n'
        ),
        "`Yagen-I.max_level_masl` (2700.0) breaks a rule of the plant: must lie within the level–volume table",
        "in [plant.overrides]",
    ),
    _case(
        "files-network-chart-key",
        "an efficiency chart with a misspelt key",
        run(
            _net(
                "efficiency = 0.9",
                "efficiency = {flow_m3s = [10.0, 50.0], head = [100.0], efficiency = [[0.9], [0.9]]}",
            )
        ),
        "`efficiency.head` ([100.0]) is not a key of an efficiency chart (`flow_m3s`, `head_m`, `efficiency`): "
        "did you mean `head_m`? in [[plant.links]] #1 'good units'",
    ),
    _case(
        "files-network-chart-rule",
        "an efficiency chart with an efficiency above 1: the chart's own rule",
        run(
            _net(
                "efficiency = 0.9",
                "efficiency = {flow_m3s = [10.0, 50.0], head_m = [100.0, 110.0], "
                "efficiency = [[0.9, 0.9], [0.9, 1.2]]}",
            )
        ),
        "`efficiency.efficiency[1][1]` (1.2) is an efficiency and must lie in (0, 1] "
        "(EfficiencyCurve) in [[plant.links]] #1 'good units'",
    ),
    _case(
        "files-network-array-of-text",
        "a level–volume table with a text entry",
        run(_net("volume_hm3 = [0.0, 10.0]", 'volume_hm3 = [0.0, "10"]')),
        "`volume_hm3[1]` ('10') must be a number in [[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-curve-twice",
        "a level–volume table given inline and as a CSV file",
        run(_net("volume_hm3 = [0.0, 10.0]", 'volume_hm3 = [0.0, 10.0]\ncurve_csv = "curve.csv"')),
        "`level_masl` ([100.0, 110.0]) and `curve_csv` must not both be given: give the table once in "
        "[[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-tailwater-twice",
        "a river sink with a constant level and a tailwater table",
        run(
            _net(
                "tailwater_level_masl = 0.0",
                "tailwater_level_masl = 0.0\ntailwater_discharge_m3s = [0.0, 100.0]\ntailwater_curve_level_masl = [0.0, 1.0]",
            )
        ),
        "`tailwater_level_masl` (0.0) and the tailwater–discharge table must not both be given: a constant "
        "level or the table in [[plant.sinks]] #1 'river'",
    ),
    _case(
        "files-network-pair",
        "a head range of one number",
        run(
            _net(
                'kind = "turbine"\nname = "good units"\nfrom = "Lake"\nto = "river"',
                'kind = "pump_turbine"\nname = "good units"\nupper = "Lake"\nlower = "Lake"\n'
                "rated_pumping_power_mw = 50.0\npump_efficiency = 0.9\ngenerating_head_range_m = [80.0]",
            ).replace("\nefficiency = 0.9\n", "\nturbine_efficiency = 0.9\n", 1)
        ),
        "`generating_head_range_m` ([80.0]) must be two numbers [lowest, highest] in [[plant.links]] #1 "
        "'good units'",
    ),
    _case(
        "files-network-line-with-a-preset",
        "`line_capacity_mw` in [plant] with a preset",
        run(BASE.replace('preset = "textbook"', 'preset = "textbook"\nline_capacity_mw = 100.0')),
        "`line_capacity_mw` (100.0) applies to a network written out; a preset's line is `line.capacity_mw` in "
        "[plant.overrides]",
    ),
    _case(
        "files-network-reservoir-without-outlet",
        "a reservoir that water can never leave: the network's own refusal",
        run(
            _net(
                "[[plant.sinks]]",
                '[[plant.reservoirs]]\nname = "Pond"\nlevel_masl = [0.0, 10.0]\n'
                "volume_hm3 = [0.0, 1.0]\nmin_level_masl = 0.0\nmax_level_masl = 10.0\ninitial_level_masl = 5.0\n\n"
                "[[plant.sinks]]",
            )
        ),
        "[[plant.reservoirs]] #2 'Pond' of <tmp>/s.toml: the network is refused: `links` ('Pond') must give "
        "reservoir 'Pond' a way for its water to leave it",
    ),
    _case(
        "files-network-reference-year-three-reservoirs",
        "the built-in year (two inflows) for a network of three reservoirs",
        run(_three_reservoirs_on_the_reference_year()),
        "`source` ('reference_year') gives two inflows (upper and lower reservoir) and fits a network of one or "
        "two reservoirs, not 3 (Lake, Pond, Tarn)",
    ),
    _case(
        "files-network-unknown-key",
        "a misspelt key of a link",
        run(_net("rated_power_mw = 50.0", "rated_powr_mw = 50.0")),
        "`rated_powr_mw` (50.0) is not a key of [[plant.links]]: did you mean `rated_power_mw`? in "
        "[[plant.links]] #1 'good units' of <tmp>/s.toml",
    ),
    _case(
        "files-network-key-of-another-kind",
        "a spillway given a turbine's key",
        run(_net('name = "Lake spillway"', 'name = "Lake spillway"\nefficiency = 0.9')),
        "`efficiency` (0.9) applies to links of kind 'turbine', not 'spillway' in [[plant.links]] #2 "
        "'Lake spillway'",
    ),
    _case(
        "files-network-missing-key",
        "a turbine group without its efficiency",
        run(_net("efficiency = 0.9\n", "")),
        "`efficiency` (None) must be given for a link of kind 'turbine' in [[plant.links]] #1 'good units'",
    ),
    _case(
        "files-network-unknown-kind",
        "a link kind that does not exist",
        run(_net('kind = "spillway"', 'kind = "spilway"')),
        "`kind` ('spilway') must be one of 'turbine', 'pump_turbine', 'spillway', 'release': did you mean "
        "`spillway`? in [[plant.links]] #2 'Lake spillway'",
    ),
    _case(
        "files-network-single-brackets",
        "[plant.reservoirs] written with one pair of brackets",
        run(_net("[[plant.reservoirs]]", "[plant.reservoirs]")),
        "`reservoirs` ('…') must be an array of tables, one [[plant.reservoirs]] per element (two square "
        "brackets) in [plant]",
    ),
    _case(
        "files-network-library-rule",
        "a negative flow limit: the unit group's own rule, with the file's key",
        run(_net("max_flow_m3s = 50.0", "max_flow_m3s = -5.0")),
        "`max_flow_m3s` (-5.0) must be positive in [[plant.links]] #1 'good units'",
    ),
    _case(
        "files-network-curve-not-rising",
        "a level–volume table that falls",
        run(_net("volume_hm3 = [0.0, 10.0]", "volume_hm3 = [10.0, 0.0]")),
        "`volume_hm3` ([10.0, 0.0]) must rise strictly, but entry 1 (0.0) does not rise above entry 0 (10.0)",
        "in [[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-curve-csv-column",
        "a level–volume CSV without its `volume_hm3` column",
        _curve_csv,
        "`curve_csv` ('curve.csv') must have a column `volume_hm3` (its columns: level_masl, volume): did you "
        "mean `volume`? in [[plant.reservoirs]] #1 'Lake'",
    ),
    _case(
        "files-network-link-to-unknown-node",
        "a link to a node that does not exist: the network's own refusal, prefixed with its place",
        run(_net('to = "river"\nn_units', 'to = "rivr"\nn_units')),
        "[[plant.links]] #1 'good units' of <tmp>/s.toml, `to`: the network is refused: `to_node` ('rivr') "
        "must name a node of the network (Lake, river)",
    ),
    _case(
        "files-network-duplicate-name",
        "two elements of one name",
        run(_net('name = "Lake spillway"', 'name = "good units"')),
        "the network is refused: `name` ('good units') must be unique among the network's nodes and links",
    ),
    _case(
        "files-network-role-inflow",
        "a Plant's role series for a network",
        run(_net("inflow_Lake_m3s = 60.0", "inflow_upper_m3s = 60.0")),
        "`inflow_upper_m3s` (60.0) is not a series name: a network's inflows are named by "
        "reservoir, inflow_Lake_m3s in [series.constant]",
    ),
    _case(
        "files-network-inflow-misspelt",
        "a reservoir's inflow series with the name misspelt",
        run(_net("inflow_Lake_m3s = 60.0", "inflow_lake_m3s = 60.0")),
        "`inflow_lake_m3s` (60.0) is not a series name: did you mean `inflow_Lake_m3s`? in [series.constant]",
    ),
    _case(
        "files-network-overrides",
        "[plant.overrides] on a network written out",
        run(NETWORK + '[plant.overrides]\n"Lake.max_level_masl" = 109.0\n'),
        "`Lake.max_level_masl` (109.0) applies to a preset: change the value in the network's own tables in "
        "[plant.overrides]",
    ),
    _case(
        "files-network-role-option",
        "a Plant's role option (upper) for a network",
        run(NETWORK + "[objective]\nend_volume_upper_hm3 = 5.0\n"),
        "`end_volume_upper_hm3` (5.0) names a Plant's role (upper, lower) and does not apply to a network, "
        "whose reservoirs are Lake",
    ),
    _case(
        "files-network-preset-override-unknown",
        "an override of the network preset by a path it does not have",
        run(
            BASE.replace('preset = "textbook"', 'preset = "lianghekou_network"').split("[series]")[0]
            + '[plant.overrides]\n"Yagen-I.max_levl_masl" = 2602.0\n'
        ),
        "`Yagen-I.max_levl_masl` (2602.0) is not a parameter of plant",
        "did you mean `Yagen-I.max_level_masl`? in [plant.overrides]",
    ),
]

CASES = [
    *NETWORK_CASES,
    # ---- the file itself
    _case(
        "files-not-toml",
        "a file that is not TOML (a table header without its `]`)",
        run("[plant\npreset = 'textbook'\n"),
        "`SCENARIO` ('<tmp>/s.toml') is not valid TOML: Expected ']' at the end of a table declaration",
        "(at line 1, column 7)",
    ),
    _case(
        "files-missing",
        "a scenario file that does not exist",
        lambda tmp: cli("run", str(tmp / "nope.toml"), "--out", str(tmp / "out")),
        "`SCENARIO` ('<tmp>/nope.toml') does not exist",
        "hydro-sim init",
    ),
    _case(
        "files-scenario-is-a-folder",
        "a folder given as the scenario file",
        lambda tmp: cli("run", str(tmp), "--out", str(tmp / "out")),
        "`SCENARIO` ('<tmp>') is a folder, not a scenario file",
    ),
    _case(
        "files-no-plant",
        "a file without a [plant] table",
        run("[scenario]\nname = 'x'\n"),
        "`plant` (None) must be given: a [plant] table with a `preset`, or the network written out",
    ),
    _case(
        "files-unknown-table",
        "a misspelt table, [objectiv]",
        run(BASE + "[objectiv]\nkind = 'revenue'\n"),
        "`objectiv`",
        "is not a table of a scenario file: did you mean `objective`?",
    ),
    _case(
        "files-key-outside-a-table",
        "`currency` written above every table",
        run("currency = 'EUR'\n" + BASE),
        "`currency` ('EUR') is not a table of a scenario file: put it under [scenario]",
    ),
    _case(
        "files-table-as-a-value",
        "`plant = 3` where a table belongs",
        run("plant = 3\n"),
        "`plant` (3) must be a table, written [plant]",
    ),
    _case(
        "files-unknown-key",
        "a misspelt key, `pump_generate_balanse`",
        run(BASE + "[objective]\npump_generate_balanse = 'day'\n"),
        "`pump_generate_balanse` ('day') is not a key of [objective]: did you mean `pump_generate_balance`?",
        "in [objective] of <tmp>/s.toml",
    ),
    _case(
        "files-key-in-the-wrong-table",
        "`time_limit_s` in [objective] instead of [solver]",
        run(BASE + "[objective]\ntime_limit_s = 60.0\n"),
        "`time_limit_s` (60.0) is not a key of [objective]: it belongs in [solver]",
    ),
    _case(
        "files-missing-preset",
        "a [plant] table without its `preset` or a network",
        run("[plant]\nname = 'mine'\n"),
        "`preset` (None) must be given, or the network written out in [[plant.reservoirs]], [[plant.sinks]] "
        "and [[plant.links]] in [plant] of <tmp>/s.toml",
    ),
    _case(
        "files-unknown-preset",
        "a misspelt preset",
        run(BASE.replace('"textbook"', '"textbok"')),
        "`preset` ('textbok') must be one of 'lianghekou', 'lianghekou_network', 'textbook', 'small_pumped_storage': did you mean "
        "`textbook`?",
    ),
    _case(
        "files-text-as-a-number",
        "a preset given as a number",
        run(BASE.replace('"textbook"', "3")),
        "`preset` (3) must be text in quotes",
    ),
    _case(
        "files-number-with-its-unit",
        '`time_limit_s = "60 s"`: a number written with its unit as text',
        run(BASE + "[solver]\ntime_limit_s = '60 s'\n"),
        "`time_limit_s` ('60 s') must be a number, e.g. 2.5 [s] in [solver]",
    ),
    _case(
        "files-boolean-as-text",
        '`unit_commitment = "yes"`',
        run(BASE + "[objective]\nunit_commitment = 'yes'\n"),
        "`unit_commitment` ('yes') must be true or false in [objective]",
    ),
    _case(
        "files-whole-number-as-a-fraction",
        "`loss_segments = 2.5`",
        run(BASE + "[objective]\nloss_segments = 2.5\n"),
        "`loss_segments` (2.5) must be a whole number, e.g. 4 in [objective]",
    ),
    _case(
        "files-negative-time-limit",
        "a negative time limit",
        run(BASE + "[solver]\ntime_limit_s = -5.0\n"),
        "`time_limit_s` (-5.0) must be positive (inf for no limit) in [solver]",
    ),
    _case(
        "files-nan",
        "`head_tolerance_m = nan`",
        run(BASE + "[objective]\nhead_tolerance_m = nan\n"),
        "`head_tolerance_m` (nan) must not be nan in [objective]",
    ),
    _case(
        "files-infinite-where-finite",
        "`water_value_upper_per_hm3 = inf`",
        run(BASE + "[objective]\nwater_value_upper_per_hm3 = inf\n"),
        "`water_value_upper_per_hm3` (inf) must be finite in [objective]",
    ),
    _case(
        "files-unknown-choice",
        '`pump_generate_balance = "daily"`',
        run(BASE + "[objective]\npump_generate_balance = 'daily'\n"),
        "`pump_generate_balance` ('daily') must be one of 'none', 'day', 'week': did you mean `day`?",
    ),
    _case(
        "files-mip-gap-without-unit-commitment",
        "a MIP gap for an LP",
        run(BASE + "[solver]\nmip_gap = 0.01\n"),
        "`mip_gap` (0.01) applies to the MILP only: set `unit_commitment = true` in [objective]",
    ),
    _case(
        "files-mip-gap-out-of-range",
        "`mip_gap = 1.5`",
        run(BASE + "[objective]\nunit_commitment = true\n[solver]\nmip_gap = 1.5\n"),
        "`mip_gap` (1.5) must be a fraction in [0, 1)",
    ),
    _case(
        "files-window-without-rolling",
        "`window_h` without `rolling = true`",
        run(BASE + "[horizon]\nwindow_h = 24.0\n"),
        "`window_h` (24.0) applies to rolling windows only: set `rolling = true` in [horizon]",
    ),
    _case(
        "files-preset-and-network",
        "a preset and a network written out ([[plant.reservoirs]]) in one file",
        run(BASE + "[[plant.reservoirs]]\nname = 'lake'\n"),
        "`reservoirs` ('…') and `preset` ('textbook') must not both be given: start from a preset, or write "
        "the network out in [plant]",
    ),
    _case(
        "files-override-unknown-parameter",
        "a misspelt parameter path in [plant.overrides]",
        run(BASE + "[plant.overrides]\n'upper.inital_level_masl' = 110.0\n"),
        "`upper.inital_level_masl` (110.0) is not a parameter of plant 'textbook': did you mean "
        "`upper.initial_level_masl`?",
    ),
    _case(
        "files-override-breaks-a-plant-rule",
        "an initial level above the reservoir's maximum",
        run(BASE + "[plant.overrides]\n'upper.initial_level_masl' = 200.0\n"),
        "`upper.initial_level_masl` (200.0) breaks a rule of the plant: must lie between the operating levels "
        "[105.0, 120.0] m (Reservoir 'lake') in [plant.overrides]",
    ),
    _case(
        "files-override-a-curve",
        "a level–volume table overridden by a number",
        run(BASE + "[plant.overrides]\n'upper.curve' = 1.0\n"),
        "`upper.curve` (1.0) is not a scalar parameter (curves and tables cannot be overridden yet)",
    ),
    _case(
        "files-override-units-fraction",
        "`conventional.n_units = 2.5`",
        run(BASE + "[plant.overrides]\n'conventional.n_units' = 2.5\n"),
        "`conventional.n_units` (2.5) must be a whole number such as 4 in [plant.overrides]",
    ),
    _case(
        "files-override-as-text",
        "an override given as text",
        run(BASE + "[plant.overrides]\n'line.capacity_mw' = '4 GW'\n"),
        "`line.capacity_mw` ('4 GW') must be a number, e.g. 2.5 in [plant.overrides]",
    ),
    _case(
        "files-override-in-the-plant-table",
        "a parameter path written in [plant] instead of [plant.overrides]",
        run(
            BASE.replace('preset = "textbook"\n', 'preset = "textbook"\n"upper.initial_level_masl" = 110.0\n')
        ),
        "`upper.initial_level_masl` (110.0) looks like a parameter path: put overrides under [plant.overrides]",
    ),
    _case(
        "files-horizon-past-the-series",
        "a horizon longer than the reference year",
        run("[plant]\npreset = 'lianghekou'\n[horizon]\nduration_h = 20000.0\n"),
        "`duration_h` (20000.0) does not fit the series: runs past the scenario's end (8760 steps",
        "in [horizon]",
    ),
    _case(
        "files-horizon-start-not-a-stamp",
        '`start = "July"`',
        run(BASE + "[horizon]\nstart = 'July'\n"),
        "`start` ('July') must be a time stamp such as \"2030-01-01 00:00\" (local time, no offset) in [horizon]",
    ),
    _case(
        "files-horizon-start-between-steps",
        "a start between two hourly steps",
        run(BASE + "[horizon]\nstart = '2030-01-01 00:30'\n"),
        "`start` ('2030-01-01 00:30') does not fit the series: must be one of the scenario's time stamps",
    ),
    _case(
        "files-option-the-plant-cannot-take",
        "a daily pump–generate balance for a plant without reversible units",
        run(BASE + "[objective]\npump_generate_balance = 'day'\n"),
        "`pump_generate_balance` ('day') needs reversible units in the plant (dispatch()) in [objective]",
    ),
    _case(
        "files-firming-without-delivery",
        "the firming objective without a delivery curve",
        run(BASE + "[objective]\nkind = 'firming'\n"),
        "`kind` ('firming') needs a `delivery_mw` series (the delivery curve to firm or track)",
    ),
    _case(
        "files-constant-without-inflow",
        "constant series without `inflow_upper_m3s`",
        run(BASE.replace("inflow_upper_m3s = 60.0\n", "")),
        "`inflow_upper_m3s` (None) must be given (0.0 for a plant without inflow) in [series.constant]",
    ),
    _case(
        "files-constant-without-duration",
        "constant series without `duration_h`",
        run(BASE.replace("duration_h = 24.0\n", "")),
        "`duration_h` (None) must be given for source 'constant' in [series]",
    ),
    _case(
        "files-constant-unknown-series",
        "a misspelt series name in [series.constant]",
        run(BASE + "inflow_uper_m3s = 1.0\n"),
        "`inflow_uper_m3s` (1.0) is not a series name: did you mean `inflow_upper_m3s`? in [series.constant]",
    ),
    _case(
        "files-constant-negative-inflow",
        "a negative constant inflow",
        run(BASE.replace("inflow_upper_m3s = 60.0", "inflow_upper_m3s = -1.0")),
        "`inflow_upper_m3s` ('…') must not be negative, but step 0 (2030-01-01 00:00:00) is -1.0",
    ),
    _case(
        "files-reference-year-leap-year",
        "a leap year for the reference year",
        run("[plant]\npreset = 'lianghekou'\n[series.reference_year]\nyear = 2032\n"),
        "`year` (2032) ",
        "in [series.reference_year]",
    ),
    _case(
        "files-reference-year-options-with-a-file",
        'reference-year options with `source = "file"`',
        run(FROM_FILE + "[series.reference_year]\nseed = 1\n", GOOD_CSV),
        "`reference_year` ('…') options apply to source 'reference_year', not 'file' in [series]",
    ),
    _case(
        "files-tariff-and-a-price-column",
        "a [tariff] and a price column both",
        run(FROM_FILE + "[tariff]\nkind = 'flat'\nflat_price_per_mwh = 300.0\n", GOOD_CSV),
        "`kind` ('flat') sets the price, which [series] gives too: give the price once in [tariff]",
    ),
    _case(
        "files-tariff-unknown-kind",
        "an unknown tariff",
        run(
            BASE.replace("price_per_mwh = 100.0\n", "") + "[tariff]\nkind = 'tou'\nflat_price_per_mwh = 1.0\n"
        ),
        "`kind` ('tou') must be one of 'flat', 'sichuan_tou' in [tariff]",
    ),
    _case(
        "files-tariff-without-price",
        "a flat tariff without its price",
        run(BASE.replace("price_per_mwh = 100.0\n", "") + "[tariff]\nkind = 'flat'\n"),
        "`flat_price_per_mwh` (None) must be given in [tariff]",
    ),
    _case(
        "files-unknown-time-zone",
        "a time zone that does not exist",
        run(BASE.replace("duration_h = 24.0\n", "duration_h = 24.0\ntime_zone = 'Asia/Chengdu'\n")),
        "`time_zone` ('Asia/Chengdu') must be a time zone name such as \"Asia/Shanghai\"",
    ),
    _case(
        "files-no-output-folder",
        "no `--out` and no [outputs] folder",
        lambda tmp: (
            (tmp / "s.toml").write_text(BASE),
            cli("run", str(tmp / "s.toml")),
        )[1],
        "`--out` (None) must be given (or `folder` in [outputs] of the scenario file) in hydro-sim run",
    ),
    # ---- series files
    _csv_case(
        "csv-missing",
        "a series file that does not exist",
        run(FROM_FILE),
        "`path` ('<tmp>/series.csv') must name an existing file (relative to the scenario file's folder)",
    ),
    _csv_case(
        "csv-wrong-kind-of-file",
        "a spreadsheet (.xlsx) as the series file",
        run(FROM_FILE.replace("series.csv", "series.xlsx"), "x", csv_name="series.xlsx"),
        "`path` ('<tmp>/series.xlsx') must name a .csv or .parquet file in [series]",
    ),
    _csv_case(
        "csv-empty",
        "an empty series file",
        run(FROM_FILE, ""),
        "`path` ('<tmp>/series.csv') must hold a header line and rows; the file is empty",
    ),
    _csv_case(
        "csv-header-only",
        "a series file with a header and no rows",
        run(FROM_FILE, _csv()),
        "`time` (0) must hold at least one time stamp; the file has no rows (in series.csv)",
    ),
    _csv_case(
        "csv-no-time-column",
        "a series file whose time column has another name",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", header="when,inflow_upper_m3s,price_per_mwh")),
        "`time_column` ('time') must be a column of the file (its columns: when, inflow_upper_m3s, price_per_mwh)",
    ),
    _csv_case(
        "csv-unparseable-stamp",
        "a time stamp that is not one",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "tomorrow,1,2")),
        "`time` ('tomorrow') must hold time stamps such as \"2030-01-01 00:00\", but line 3 cannot be read as one",
    ),
    _csv_case(
        "csv-empty-stamp",
        "a row without its time stamp",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", ",1,2")),
        "`time` ('') must hold a time stamp in every row, but line 3 is empty",
    ),
    _csv_case(
        "csv-repeated-stamp",
        "a time stamp given twice",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,1,2", "2030-01-01 01:00,1,2")),
        "`time` ('2030-01-01 01:00:00') must not repeat a time stamp, but line 4 repeats the row before",
    ),
    _csv_case(
        "csv-unsorted",
        "rows out of time order",
        run(FROM_FILE, _csv("2030-01-01 01:00,1,2", "2030-01-01 00:00,1,2")),
        "`time` ('2030-01-01 00:00:00') must rise in time (sort the file), but line 3 comes before the row above",
    ),
    _csv_case(
        "csv-gap",
        "a missing hour",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,1,2", "2030-01-01 03:00,1,2")),
        "must be regular (one step length, no gaps), but the step after line 3 is 0 days 02:00:00",
    ),
    _csv_case(
        "csv-text-in-a-number-column",
        "a price written as text",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,1,high")),
        "`price_per_mwh` ('high') must hold finite numbers, but line 3 holds 'high' (in series.csv)",
    ),
    _csv_case(
        "csv-empty-cell",
        "an empty cell",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,,2")),
        "`inflow_upper_m3s` ('') must hold a number in every row, but line 3 is empty",
    ),
    _csv_case(
        "csv-unknown-column",
        "a misspelt column name",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", header="time,inflow_upper_m3s,price_per_MWh")),
        "`price_per_MWh` ('price_per_MWh') is not a series name: did you mean `price_per_mwh`? (map it in "
        "[series.columns], or drop the column",
    ),
    _csv_case(
        "csv-repeated-column",
        "a column name given twice",
        run(
            FROM_FILE,
            _csv("2030-01-01 00:00,1,2,3", header="time,inflow_upper_m3s,price_per_mwh,price_per_mwh"),
        ),
        "`columns` (['price_per_mwh']) must not repeat a column name (in series.csv)",
    ),
    _csv_case(
        "csv-no-inflow",
        "no inflow column and no constant inflow",
        run(FROM_FILE, _csv("2030-01-01 00:00,2", "2030-01-01 01:00,2", header="time,price_per_mwh")),
        "`path` ('series.csv') must hold an `inflow_upper_m3s` column, or set it in [series.constant]",
    ),
    _csv_case(
        "csv-negative-inflow",
        "a negative inflow in the file",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,-3,2")),
        "`inflow_upper_m3s` ('…') must not be negative, but step 1 (2030-01-01 01:00:00) is -3.0",
    ),
    _csv_case(
        "csv-offsets-in-some-rows",
        "a UTC offset on some stamps and not on others",
        run(FROM_FILE, _csv("2030-01-01 00:00+08:00,1,2", "2030-01-01 01:00,1,2")),
        "`time` ('2030-01-01 01:00') must give a UTC offset in every row or in none, but line 3 differs",
    ),
    _csv_case(
        "csv-offsets-without-a-zone",
        "stamps with a UTC offset and no `time_zone`",
        run(FROM_FILE, _csv("2030-01-01 00:00+08:00,1,2", "2030-01-01 01:00+08:00,1,2")),
        "`time` ('2030-01-01 00:00+08:00') has stamps with a UTC offset: give `time_zone` in [series]",
    ),
    _csv_case(
        "csv-local-time-skipped",
        "a local time that the clocks skip (the spring daylight-saving change)",
        run(
            FROM_FILE + "time_zone = 'Europe/Berlin'\n",
            _csv("2030-03-31 01:00,1,2", "2030-03-31 02:00,1,2", "2030-03-31 03:00,1,2"),
        ),
        "`time` ('2030-03-31 02:00:00') has a local time at line 3 that Europe/Berlin skips or has twice",
    ),
    _csv_case(
        "csv-another-step-without-resample",
        "`step_h = 2` for an hourly file, without `resample`",
        run(FROM_FILE + "step_h = 2.0\n", GOOD_CSV),
        "`step_h` (2.0) differs from the file's step (1 h): resampling is refused unless asked; set "
        '`resample = "mean"`',
    ),
    _csv_case(
        "csv-resample-the-wrong-way",
        '`resample = "hold"` to make an hourly file coarser',
        run(FROM_FILE + "step_h = 2.0\nresample = 'hold'\n", GOOD_CSV),
        "`resample` ('hold') must be 'mean' to turn the file's 1 h steps into 2 h",
    ),
    _csv_case(
        "csv-resample-incomplete-step",
        "three hourly rows averaged into steps of two hours",
        run(
            FROM_FILE + "step_h = 2.0\nresample = 'mean'\n",
            _csv("2030-01-01 00:00,1,2", "2030-01-01 01:00,1,2", "2030-01-01 02:00,1,2"),
        ),
        "`step_h` (2.0) must divide the file into whole steps: 3 rows of 1 h do not make whole steps of 2 h",
    ),
    _csv_case(
        "csv-resample-without-step",
        "`resample` without `step_h`",
        run(FROM_FILE + "resample = 'mean'\n", GOOD_CSV),
        "`resample` ('mean') needs `step_h`: the step to resample to in [series]",
    ),
    _csv_case(
        "csv-mapped-column-missing",
        "[series.columns] naming a column the file lacks",
        run(FROM_FILE + "[series.columns]\nprice_per_mwh = 'EUR/MWh'\n", GOOD_CSV),
        "`price_per_mwh` ('EUR/MWh') must name a column of series.csv",
        "in [series.columns]",
    ),
    _csv_case(
        "csv-one-row-without-step",
        "a file of one row, whose step length is unknown",
        run(FROM_FILE, _csv("2030-01-01 00:00,1,2")),
        "`step_h` (None) must be given for a file of one row (its step length)",
    ),
    _csv_case(
        "csv-short-for-the-horizon",
        "a horizon of 48 h on a file of 24 hourly rows",
        run(FROM_FILE + "[horizon]\nduration_h = 48.0\n", GOOD_CSV),
        "`duration_h` (48.0) does not fit the series: runs past the scenario's end (24 steps",
    ),
    _csv_case(
        "parquet-unreadable",
        "a text file named .parquet",
        run(FROM_FILE.replace("series.csv", "series.parquet"), GOOD_CSV, csv_name="series.parquet"),
        "`path` ('<tmp>/series.parquet') cannot be read as Parquet",
    ),
    # ---- the commands around the files
    _cli_case(
        "run-out-holds-other-files",
        "`run --out` names a folder that holds files",
        _run_with_busy_out(force=False),
        "`--out` ('<tmp>/out') already exists and is not an empty folder",
        "add --force to replace the folder of an earlier run",
    ),
    _cli_case(
        "run-force-on-a-folder-not-a-run",
        "`run --force` on a folder that hydro-sim did not write",
        _run_with_busy_out(force=True),
        "holds files that hydro-sim did not write (no summary.json of a run): --force replaces only the folder "
        "of an earlier run",
    ),
    _cli_case(
        "run-mip-gap-for-an-lp",
        "`run --mip-gap` on a file without unit commitment",
        run(BASE, args=("--mip-gap", "0.01")),
        "`--mip-gap` ('0.01') applies to the MILP only: set `unit_commitment = true` in [objective]",
    ),
    Case(
        id="run-time-limit-without-a-schedule",
        area="cli-files",
        bad="a time limit too short for the solver to find any schedule",
        run=run(BASE, args=("--time-limit", "1e-9")),
        exit_code=4,
        match=("the dispatch gave no schedule (time_limit): stopped at the time limit (1e-09 s)",),
    ),
    Case(
        id="run-infeasible",
        area="cli-files",
        bad="no inflow, an environmental flow and an end no lower than the start",
        run=run(BASE.replace("inflow_upper_m3s = 60.0", "inflow_upper_m3s = 0.0")),
        exit_code=3,
        match=("the dispatch is infeasible", "end volume of the upper reservoir"),
    ),
    _cli_case(
        "init-file-exists",
        "`init` on a file that exists",
        _init_twice,
        "`PATH` ('<tmp>/scenario.toml') already exists; it is never overwritten: name a new file, or add --force",
    ),
    _cli_case(
        "plot-not-a-run-folder",
        "`plot` on a folder that is not a run's output",
        _plot_not_a_run,
        "`DIR` ('<tmp>/results') must be the output folder of `hydro-sim run` (with its summary.json)",
    ),
    _cli_case(
        "plant-preset-and-scenario",
        "`plant` given both a scenario file and `--preset`",
        _plant_both,
        "`--preset` ('textbook') and a scenario file must not both be given: choose one",
    ),
]
