"""The scenario file's metadata table: the schema page is in step with it, its defaults are the library's, its
keys reach every option of the library and carry their units."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import pytest

from hydro_sim import schema
from hydro_sim.cases.lianghekou.reference_year import reference_year
from hydro_sim.optimise import dispatch
from hydro_sim.optimise.rolling import rolling_dispatch

PAGE = Path(__file__).resolve().parents[1] / "docs" / "schema.md"

#: dispatch() keywords that a scenario file does not set: what a file cannot hold (a warm-start head array,
#: raw solver options) or what the rolling horizon sets itself.
#: Options no file key sets yet: the head start and HiGHS's own options (Python only), and the options keyed by
#: element name (per reservoir or release), which come with the network tables of `[plant]`.
NOT_IN_FILES = {
    "start_head_m",
    "highs_options",
    "previous_release_m3s",
    "previous_flow_m3s",
    # per reservoir: tables of the file ([objective.water_value_per_hm3] ...), not keys
    "water_value_per_hm3",
    "end_volume_hm3",
    "max_level_change_m_per_h",
    # the energy target: element-keyed like the mappings above (no scenario-file key yet)
    "generation_mwh",
    "generation_target",
}

#: The suffix a key's name ends with for each unit (names carry units).
SUFFIX = {
    "h": ("_h", "_hours"),
    "s": ("_s",),
    "m": ("_m",),
    "m/h": ("_m_per_h",),
    "MW": ("_mw",),
    "hm³": ("_hm3",),
    "money/MWh": ("_per_mwh",),
    "money/hm³": ("_per_hm3",),
}


def _defaults(fn) -> dict:
    return {
        n: p.default
        for n, p in inspect.signature(fn).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def test_the_schema_page_is_in_step_with_the_table():
    assert PAGE.exists(), "docs/schema.md is missing: run `python -m hydro_sim.schema --write docs/schema.md`"
    shipped = PAGE.read_text(encoding="utf-8").splitlines()
    built = schema.markdown().splitlines()
    differ = [f"- {a}\n+ {b}" for a, b in zip(shipped, built, strict=False) if a != b]
    assert built == shipped, (
        "docs/schema.md is out of step with hydro_sim.schema: run `python -m hydro_sim.schema --write "
        f"docs/schema.md`; {len(differ)} lines differ, the first:\n" + "\n".join(differ[:3])
    )


def test_the_page_lists_every_key_with_its_unit():
    page = schema.markdown()
    for f in schema.FIELDS:
        assert f"| `{f.name}` | {f.type} | {f.unit} |" in page, f"{f.table}.{f.name}"


@pytest.mark.parametrize("table", ["objective", "solver"])
def test_option_defaults_are_dispatchs(table):
    api = _defaults(dispatch)
    for f in schema.fields_of(table).values():
        assert f.keyword in api, f"{f.name} feeds no keyword of dispatch()"
        expected = api[f.keyword]
        if isinstance(expected, float) and math.isinf(expected):
            assert f.default == expected, f.name
        else:
            assert f.default == expected, f"{table}.{f.name}: {f.default!r} is not dispatch()'s {expected!r}"


def test_every_dispatch_option_has_a_key():
    keywords = {f.keyword for f in schema.FIELDS if f.table in ("objective", "solver")}
    options = set(_defaults(dispatch)) - NOT_IN_FILES
    assert options - keywords == set(), "dispatch() options that no scenario-file key sets"


def test_reference_year_defaults_are_the_librarys():
    api = _defaults(reference_year)
    fields = schema.fields_of("series.reference_year").values()
    assert {f.keyword for f in fields} == set(api)
    for f in fields:
        assert f.default == api[f.keyword], f.name


def test_rolling_window_defaults_are_the_librarys():
    api = _defaults(rolling_dispatch)
    for name in ("window_h", "lookahead_h"):
        assert schema.field("horizon", name).default == api[name]


def test_keys_carry_their_units():
    for f in schema.FIELDS:
        if f.unit in SUFFIX:
            assert f.name.endswith(SUFFIX[f.unit]), (
                f"{f.table}.{f.name} has unit {f.unit} but not in its name"
            )
        if f.type == "number" and not f.unit:
            pytest.fail(f"{f.table}.{f.name} is a number without a unit ('-' for a fraction)")


def test_money_keys_name_no_currency():
    for f in schema.FIELDS:
        assert "cny" not in f.name, f"{f.table}.{f.name}: the currency is [scenario] currency"
    assert all("cny" not in key for key in schema.SERIES_KEYS)


def test_the_table_is_consistent():
    names = [(f.table, f.name) for f in schema.FIELDS]
    assert len(names) == len(set(names)), "a key listed twice"
    for f in schema.FIELDS:
        assert f.table in schema.TABLES, f.table
        assert f.type in (
            "text",
            "number",
            "whole number",
            "boolean",
            "time stamp",
            "path",
            "numbers",
            "pair",
            "efficiency",
        ), f.type
        if f.choices:
            assert f.type == "text" and (f.required or f.default is None or f.default in f.choices), f.name
        assert set(f.applies_to) <= set(schema.LINK_KINDS), f.name
        assert {k for k, _ in f.default_for} <= set(f.applies_to), f.name
        assert f.meaning.endswith("."), f"{f.table}.{f.name}: the meaning is a sentence"
    for table in schema.FREE_TABLES:
        assert table in schema.TABLES and not schema.fields_of(table)


def test_the_network_tables_are_the_library_objects_fields():
    """Each link kind takes the fields of its library objects (a unit group's and its link's), the file
    spelling `from`/`to` for `from_node`/`to_node`; a reservoir and a sink take theirs (curves as arrays)."""
    import dataclasses

    from hydro_sim.network import PumpTurbineLink, Release, RiverSink, Spillway, TurbineLink
    from hydro_sim.plant import PumpTurbineGroup, Reservoir, TurbineGroup

    def names(*classes: type) -> set[str]:
        out = {f.name for c in classes for f in dataclasses.fields(c)} - {"units", "provenance", "where"}
        return {{"from_node": "from", "to_node": "to"}.get(n, n) for n in out}

    links = schema.fields_of("plant.links")
    for kind, classes in {
        "turbine": (TurbineLink, TurbineGroup),
        "pump_turbine": (PumpTurbineLink, PumpTurbineGroup),
        "spillway": (Spillway,),
        "release": (Release,),
    }.items():
        takes = {n for n, f in links.items() if not f.applies_to or kind in f.applies_to} - {"kind"}
        assert takes == names(*classes), kind
    reservoir = set(schema.fields_of("plant.reservoirs"))
    assert reservoir - {"level_masl", "volume_hm3", "curve_csv"} == names(Reservoir) - {"curve"}
    sink = set(schema.fields_of("plant.sinks"))
    assert sink - {"tailwater_discharge_m3s", "tailwater_curve_level_masl"} == names(RiverSink) - {
        "tailwater_curve"
    }


def test_the_page_generator(tmp_path, capsys):
    assert schema.main([]) == 0
    assert capsys.readouterr().out == schema.markdown()
    target = tmp_path / "schema.md"
    assert schema.main(["--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema.markdown()
    assert schema.main(["--bad"]) == 2
