"""Scenario files (TOML) and series files (CSV, Parquet): a run described in a file, checked key by key.

A scenario file names the plant (a preset with overrides, or a network written out in
``[[plant.reservoirs]]``, ``[[plant.sinks]]`` and ``[[plant.links]]``), the time series (the built-in reference year,
constant values, or the user's CSV/Parquet file), the tariff, the objective and its options, the horizon, the
solver and the outputs; :mod:`hydro_sim.schema` lists every key with its type, unit, default and meaning, and
this module reads files by that table. Files are read with :mod:`tomllib` and never execute code.

Every error is a :class:`ScenarioFileError` (an input error) that names the file, the table, the key, the
rule and the value, in the form of every other input error of the package::

    `pump_generate_balance` ('daily') must be one of 'none', 'day', 'week' in [objective] of scenario.toml

An unknown key is refused with the nearest valid one (difflib).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "s.toml").write_text('''
... [plant]
... preset = "textbook"
... [series]
... source = "constant"
... duration_h = 48
... [series.constant]
... inflow_upper_m3s = 60.0
... price_per_mwh = 100.0
... ''')
>>> sf = load(folder / "s.toml")
>>> sf.plant.name, sf.scenario.n_steps, float(sf.scenario.price_per_mwh.iloc[0])
('textbook', 48, 100.0)
>>> (folder / "s.toml").write_text('[plant]\\npreset = "textbook"\\npreest = 1\\n') and None
>>> load(folder / "s.toml")
Traceback (most recent call last):
...
hydro_sim.files.ScenarioFileError: `preest` (1) is not a key of [plant]: did you mean `preset`? in [plant] of ...s.toml
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import schema
from hydro_sim._validation import _fmt
from hydro_sim.errors import HydroSimInputError
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TailwaterCurve,
    TurbineLink,
)
from hydro_sim.plant import (
    EfficiencyCurve,
    GridLine,
    LevelVolumeCurve,
    Plant,
    Provenance,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
)
from hydro_sim.scenario import INFLOW_SUFFIX, Scenario

__all__ = [
    "PRESETS",
    "ScenarioFile",
    "ScenarioFileError",
    "apply_overrides",
    "load",
    "preset_plant",
    "read_series_file",
    "starter_text",
]


class ScenarioFileError(HydroSimInputError):
    """A scenario or series file that breaks a rule; names the file, the table, the key, the rule, the value.

    Attributes ``file``, ``table``, ``key``, ``rule`` and ``value`` hold the parts of the message.
    """

    def __init__(
        self, *, file: str, table: str, key: str, rule: str, value: Any, text: str | None = None
    ) -> None:
        # a table of an array is named with its place, "[[plant.links]] #2 'units'", and used as it is
        place = (f"{table} of {file}" if table.startswith("[") else f"[{table}] of {file}") if table else file
        super().__init__(text if text is not None else f"`{key}` ({_fmt(value)}) {rule} in {place}")
        self.file, self.table, self.key, self.rule, self.value = file, table, key, rule, value


# ---- presets ----------------------------------------------------------------------------------------------


def _lianghekou() -> Plant:
    from hydro_sim.cases.lianghekou.plant import lianghekou

    return lianghekou()


def _lianghekou_network() -> Network:
    from hydro_sim.cases.lianghekou.plant import lianghekou_network

    return lianghekou_network()


def _textbook() -> Plant:
    from hydro_sim.examples import textbook_plant

    return textbook_plant()


def _small_pumped_storage() -> Plant:
    from hydro_sim.examples import small_pumped_storage

    return small_pumped_storage()


#: The plant presets a scenario file can start from (``[plant] preset``).
PRESETS: dict[str, Any] = {
    "lianghekou": _lianghekou,
    "lianghekou_network": _lianghekou_network,
    "textbook": _textbook,
    "small_pumped_storage": _small_pumped_storage,
}


def preset_plant(name: str, where: str = "hydro-sim") -> Plant | Network:
    """The preset plant ``name`` (one of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise HydroSimInputError(
            f"`preset` ({_fmt(name)}) must be one of {', '.join(map(repr, PRESETS))}{_nearest(name, PRESETS)} "
            f"in {where}"
        )
    return PRESETS[name]()


def overridable(plant: Plant | Network) -> dict[str, Any]:
    """The parameters of ``plant`` that ``[plant.overrides]`` may set: dotted path → current number (a
    Network's paths start with the element's name, ``"Yagen-I release.max_flow_m3s"``)."""
    frame = plant.parameters()
    return {
        str(p): v
        for p, v in zip(frame["parameter"], frame["value"], strict=True)
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
    }


def apply_overrides(
    plant: Plant | Network, overrides: Mapping[str, Any], *, file: str = "hydro-sim"
) -> Plant | Network:
    """``plant`` with the scalar parameters of ``overrides`` (dotted path → number) replaced.

    Each path must be one of :func:`overridable`; ``n_units`` takes a whole number, every other parameter a
    number. The plant's own checks then apply to the new values (a rule broken is reported with the key). The
    provenance of each new value is ``user``.

    Examples
    --------
    >>> from hydro_sim.examples import textbook_plant
    >>> apply_overrides(textbook_plant(), {"upper.initial_level_masl": 110.0}).upper.initial_level_masl
    110.0
    >>> from hydro_sim.examples import cascade_network
    >>> apply_overrides(cascade_network(), {"Top units.max_flow_m3s": 40.0}).link("Top units").units.max_flow_m3s
    40.0
    """
    table = "plant.overrides"
    known = overridable(plant)
    nested: dict[str, Any] = {}
    for path, value in overrides.items():
        if path not in known:
            if any(p.startswith(path + ".") for p in plant.parameters()["parameter"]) or path in set(
                plant.parameters()["parameter"]
            ):
                rule = "is not a scalar parameter (curves and tables cannot be overridden yet)"
            else:
                rule = f"is not a parameter of plant '{plant.name}'{_nearest(path, known)}"
            raise ScenarioFileError(file=file, table=table, key=path, rule=rule, value=value)
        if path.rsplit(".", 1)[-1] == "n_units":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScenarioFileError(
                    file=file, table=table, key=path, rule="must be a whole number such as 4", value=value
                )
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioFileError(file=file, table=table, key=path, rule=_type_rule("number"), value=value)
        node = nested
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value if isinstance(value, int) and parts[-1] == "n_units" else float(value)
    if isinstance(plant, Network):
        return _network_overrides(plant, overrides, file)

    def apply(obj: Any, changes: dict[str, Any], prefix: str) -> Any:
        new = {
            name: apply(getattr(obj, name), sub, f"{prefix}{name}.") if isinstance(sub, dict) else sub
            for name, sub in changes.items()
        }
        try:
            return dataclasses.replace(obj, **new)
        except HydroSimInputError as exc:
            keys = [p for p in overrides if p.startswith(prefix)]
            key = next((p for p in keys if f"`{p.rsplit('.', 1)[-1]}`" in str(exc)), keys[0])
            raise ScenarioFileError(
                file=file,
                table=table,
                key=key,
                rule=f"breaks a rule of the plant: {_rule_of(exc)}",
                value=overrides[key],
            ) from None

    new_plant = apply(plant, nested, "")
    prov = dict(new_plant.provenance)
    for path in overrides:
        prov[path] = Provenance(kind="user", text=f"set in [plant.overrides] of {file}")
    return dataclasses.replace(new_plant, provenance=prov)


def _network_overrides(net: Network, overrides: Mapping[str, Any], file: str) -> Network:
    """``apply_overrides`` for a Network: each path is ``"{element}.{field}"`` (a unit group's fields under its
    link's name, ``line.capacity_mw`` for the line); the network is rebuilt and checks itself."""
    table = "plant.overrides"
    names = sorted([*net.node_names, *(k.name for k in net.links), "line"], key=len, reverse=True)
    changes: dict[str, dict[str, Any]] = {}
    for path, value in overrides.items():
        element = next(n for n in names if path.startswith(n + "."))  # every path of overridable() has one
        leaf = path[len(element) + 1 :]
        changes.setdefault(element, {})[leaf] = value if leaf == "n_units" else float(value)

    def changed(obj: Any, name: str) -> Any:
        if name not in changes:
            return obj
        if isinstance(obj, (TurbineLink, PumpTurbineLink)):
            units: Any = dataclasses.replace(obj.units, **changes[name])
            return dataclasses.replace(obj, units=units)
        return dataclasses.replace(obj, **changes[name])

    try:
        new = dataclasses.replace(
            net,
            reservoirs=tuple(changed(x, x.name) for x in net.reservoirs),
            sinks=tuple(changed(x, x.name) for x in net.sinks),
            links=tuple(changed(x, x.name) for x in net.links),
            line=changed(net.line, "line"),
        )
    except HydroSimInputError as exc:
        m = re.match(r"`([A-Za-z_0-9]+)", str(exc))
        leaf = m.group(1) if m else ""
        key = next((p for p in overrides if p.endswith("." + leaf)), next(iter(overrides)))
        raise ScenarioFileError(
            file=file,
            table=table,
            key=key,
            rule=f"breaks a rule of the plant: {_rule_of(exc)}",
            value=overrides[key],
        ) from None
    prov = dict(new.provenance)
    for path in overrides:
        prov[path] = Provenance(kind="user", text=f"set in [plant.overrides] of {file}")
    return dataclasses.replace(new, provenance=prov)


# ---- the checks of one table ------------------------------------------------------------------------------


#: A time stamp in a scenario file: ISO 8601 date, with a time and no offset (the zone is `time_zone`).
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")
_LEAD = re.compile(r"^`[^`]*` \((?:[^()]|\([^()]*\))*\) ")


def _rule_of(exc: Exception) -> str:
    """The rule of a library input error, without its leading field and value and its trailing place:
    "`x` (1.0) must be positive in Outlet" → "must be positive (Outlet)"."""
    text = _LEAD.sub("", str(exc), count=1)
    rule, sep, place = text.rpartition(" in ")
    return f"{rule} ({place})" if sep and rule else text


def _nearest(key: str, valid: Any) -> str:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f": did you mean `{near[0]}`?" if near else ""


def _type_rule(kind: str) -> str:
    return {
        "text": 'must be text in quotes, e.g. "day"',
        "path": 'must be a file path in quotes, e.g. "prices.csv"',
        "number": "must be a number, e.g. 2.5",
        "whole number": "must be a whole number, e.g. 4",
        "boolean": "must be true or false",
        "time stamp": 'must be a time stamp in quotes, e.g. "2030-01-01 00:00"',
    }[kind]


class _Reader:
    """Reads the tables of one parsed file; every error names the file."""

    def __init__(self, data: dict[str, Any], file: str) -> None:
        self.data = data
        self.file = file

    def fail(self, table: str, key: str, rule: str, value: Any) -> ScenarioFileError:
        return ScenarioFileError(file=self.file, table=table, key=key, rule=rule, value=value)

    def sub(self, table: str) -> dict[str, Any] | None:
        """The raw table ``table`` (dotted), or None if absent."""
        node: Any = self.data
        for part in table.split("."):
            if part not in node:
                return None
            node = node[part]
        if not isinstance(node, dict):
            parent, _, leaf = table.rpartition(".")
            raise self.fail(parent, leaf, "must be a table", node)
        return node

    def children(self, table: str) -> tuple[str, ...]:
        return tuple(
            t.rsplit(".", 1)[1] for t in schema.TABLES if t.startswith(table + ".") and t.count(".") == 1
        )

    def check_keys(self, table: str, raw: dict[str, Any]) -> None:
        fields = schema.fields_of(table)
        subs = self.children(table)
        for key, value in raw.items():
            if key in fields or key in subs:
                continue
            if table == "plant" and ("." in key or isinstance(value, dict)):
                raise self.fail(
                    table, key, "looks like a parameter path: put overrides under [plant.overrides]", value
                )
            home = [f.table for f in schema.FIELDS if f.name == key and f.table != table]
            hint = f": it belongs in [{home[0]}]" if home else _nearest(key, [*fields, *subs])
            raise self.fail(table, key, f"is not a key of [{table}]{hint}", value)

    def table(self, table: str) -> dict[str, Any]:
        """The keys of ``table`` with their checked values, defaults filled in (None: not set)."""
        raw = self.sub(table) or {}
        self.check_keys(table, raw)
        out: dict[str, Any] = {}
        for name, f in schema.fields_of(table).items():
            if name not in raw:
                if f.required:
                    raise self.fail(table, name, "must be given", None)
                out[name] = f.default
                continue
            out[name] = self.value(table, f, raw[name])
        return out

    def numbers(self, table: str, key: str, value: Any, unit: str, inf_ok: bool = False) -> tuple[float, ...]:
        """An array of finite numbers (``inf_ok``: +inf allowed)."""
        if not isinstance(value, list) or not value:
            raise self.fail(
                table, key, f"must be an array of numbers, e.g. [1.0, 2.0]{f' [{unit}]' * bool(unit)}", value
            )
        out = []
        for i, x in enumerate(value):
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise self.fail(table, f"{key}[{i}]", "must be a number", x)
            if math.isnan(x) or (math.isinf(x) and not (inf_ok and x > 0)):
                raise self.fail(table, f"{key}[{i}]", "must be finite", x)
            out.append(float(x))
        return tuple(out)

    def given(self, table: str) -> set[str]:
        return set(self.sub(table) or {})

    def value(self, table: str, f: schema.Field, value: Any) -> Any:
        kind = f.type
        if kind in ("text", "path", "time stamp"):
            if not isinstance(value, str):
                raise self.fail(table, f.name, _type_rule(kind), value)
            if not value.strip():
                raise self.fail(table, f.name, "must not be empty", value)
            if f.choices and value not in f.choices:
                raise self.fail(
                    table,
                    f.name,
                    f"must be one of {', '.join(map(repr, f.choices))}{_nearest(value, f.choices)}",
                    value,
                )
            if kind == "time stamp":
                try:
                    ts = pd.Timestamp(value) if _ISO.fullmatch(value.strip()) else pd.NaT
                except (TypeError, ValueError, OverflowError):
                    ts = pd.NaT
                if ts is pd.NaT:
                    raise self.fail(
                        table,
                        f.name,
                        'must be a time stamp such as "2030-01-01 00:00" (local time, no offset)',
                        value,
                    )
            return value
        if kind == "numbers":
            return self.numbers(table, f.name, value, f.unit)
        if kind == "pair":
            pair = self.numbers(table, f.name, value, f.unit, inf_ok=True)
            if len(pair) != 2:
                raise self.fail(table, f.name, "must be two numbers [lowest, highest]", value)
            return pair[0], pair[1]
        if kind == "efficiency":
            if isinstance(value, dict):
                chart = ("flow_m3s", "head_m", "efficiency")
                for k in value:
                    if k not in chart:
                        raise self.fail(
                            table,
                            f"{f.name}.{k}",
                            "is not a key of an efficiency chart (`flow_m3s`, `head_m`, `efficiency`)"
                            + _nearest(k, chart),
                            value[k],
                        )
                for k in chart:
                    if k not in value:
                        raise self.fail(
                            table,
                            f"{f.name}.{k}",
                            "must be given: a chart has flow_m3s, head_m, efficiency",
                            None,
                        )
                rows = value["efficiency"]
                if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                    raise self.fail(
                        table,
                        f"{f.name}.efficiency",
                        "must be an array of rows, one per flow, each with one efficiency per head",
                        rows,
                    )
                return {
                    "flow_m3s": self.numbers(table, f"{f.name}.flow_m3s", value["flow_m3s"], "m³/s"),
                    "head_m": self.numbers(table, f"{f.name}.head_m", value["head_m"], "m"),
                    "efficiency": [
                        self.numbers(table, f"{f.name}.efficiency[{i}]", row, "")
                        for i, row in enumerate(rows)
                    ],
                }
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(
                    table,
                    f.name,
                    "must be a number in (0, 1], e.g. 0.9, or a chart {flow_m3s = [...], head_m = [...], "
                    "efficiency = [[...], ...]}",
                    value,
                )
            return float(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise self.fail(table, f.name, _type_rule(kind), value)
            return value
        if kind == "whole number":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(table, f.name, _type_rule(kind), value)
            if f.rule == "at least 1" and value < 1:
                raise self.fail(table, f.name, "must be a whole number of at least 1", value)
            return value
        # a number
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(table, f.name, _type_rule("number") + f" [{f.unit}]" * bool(f.unit), value)
        x = float(value)
        rule = f.rule
        if math.isnan(x):
            raise self.fail(table, f.name, "must not be nan", value)
        if math.isinf(x) and not (rule.endswith("or inf") and x > 0):
            raise self.fail(table, f.name, "must be finite", value)
        if rule.startswith("positive") and x <= 0.0:
            raise self.fail(
                table, f.name, f"must be positive{' (inf for no limit)' * rule.endswith('inf')}", value
            )
        if rule.startswith("non-negative") and x < 0.0:
            raise self.fail(table, f.name, "must not be negative", value)
        if rule == "fraction" and not 0.0 <= x < 1.0:
            raise self.fail(table, f.name, "must be a fraction in [0, 1), e.g. 0.001 for 0.1 %", value)
        return x


# ---- a network written out --------------------------------------------------------------------------------

_KIND_CLASS = {
    "turbine": "TurbineLink",
    "pump_turbine": "PumpTurbineLink",
    "spillway": "Spillway",
    "release": "Release",
}
#: Library field names that a file spells differently.
_FILE_KEY = {"from_node": "from", "to_node": "to"}


def _label(table: str, i: int, name: Any) -> str:
    """The place of one entry of an array of tables: ``[[plant.links]] #2 'units'`` (numbered from 1)."""
    return f"[[{table}]] #{i + 1}" + (f" '{name}'" if isinstance(name, str) and name.strip() else "")


def _entries(r: _Reader, table: str) -> list[dict[str, Any]]:
    parent, _, leaf = table.rpartition(".")
    raw = (r.sub(parent) or {}).get(leaf)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise r.fail(
            parent,
            leaf,
            f"must be an array of tables, one [[{table}]] per element (two square brackets)",
            "…" if isinstance(raw, dict) else raw,
        )
    return raw


def _entry(r: _Reader, table: str, i: int, raw: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """The checked keys of one entry (those its ``kind`` takes), defaults filled in."""
    label = _label(table, i, raw.get("name"))
    fields = schema.fields_of(table)
    takes = {n: f for n, f in fields.items() if kind is None or not f.applies_to or kind in f.applies_to}
    for key, value in raw.items():
        if key in takes:
            continue
        if key in fields:
            kinds = ", ".join(repr(k) for k in fields[key].applies_to)
            raise r.fail(label, key, f"applies to links of kind {kinds}, not {kind!r}", value)
        raise r.fail(label, key, f"is not a key of [[{table}]]{_nearest(key, takes)}", value)
    out: dict[str, Any] = {}
    for name, f in takes.items():
        default = f.default_of(kind) if kind is not None else f.default
        if name not in raw:
            if default is schema.REQUIRED:
                what = f" of kind {kind!r}" if kind is not None and f.applies_to else ""
                raise r.fail(
                    label,
                    name,
                    f"must be given for a link{what}" if table == "plant.links" else "must be given",
                    None,
                )
            out[name] = default
            continue
        checked = f
        if kind in ("turbine", "pump_turbine") and name == "max_flow_m3s":
            checked = dataclasses.replace(f, rule="positive")  # per unit: finite (a release's may be inf)
        out[name] = r.value(label, checked, raw[name])
    return out


def _restate(
    r: _Reader, label: str, raw: Mapping[str, Any], exc: HydroSimInputError, chart_keys: Sequence[str] = ()
) -> ScenarioFileError:
    """A library error about one element, restated with the file's key and value."""
    m = re.match(r"`([A-Za-z_0-9]+)((?:\[[^\]]*\])*)`", str(exc))
    field_name, index = (m.group(1), m.group(2)) if m else ("", "")
    key = _FILE_KEY.get(field_name, field_name)
    chart = next((k for k in chart_keys if isinstance(raw.get(k), dict)), None)
    if chart is not None and field_name in ("flow_m3s", "head_m", "efficiency"):
        # a chart's own field (flow_m3s, efficiency[i][j]): named under the key that holds the chart
        value: Any = raw[chart].get(field_name, "…")
        for i in re.findall(r"\[(\d+)\]", index):  # the entry itself, efficiency[1][1]
            value = value[int(i)] if isinstance(value, (list, tuple)) and int(i) < len(value) else value
        return r.fail(label, f"{chart}.{field_name}{index}", _rule_of(exc), value)
    if key not in raw and field_name in ("level_masl", "volume_hm3") and "curve_csv" in raw:
        return r.fail(
            label,
            "curve_csv",
            f"holds a table that breaks a rule: `{field_name}` {_rule_of(exc)}",
            raw["curve_csv"],
        )
    return r.fail(label, key + index, _rule_of(exc), raw.get(key, "…"))


def _curve_csv(r: _Reader, label: str, path: Path, name: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A level–volume table from a CSV file with columns ``level_masl`` and ``volume_hm3``."""
    where = f"`curve_csv` ({name}) in {label} of {r.file}"
    if path.suffix.lower() != ".csv" or not path.is_file():
        raise r.fail(
            label,
            "curve_csv",
            "must name an existing .csv file (relative to the scenario file's folder)",
            name,
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise r.fail(label, "curve_csv", f"cannot be read as CSV: {str(exc).splitlines()[0]}", name) from None
    cols = [str(c).strip() for c in frame.columns]
    frame.columns = pd.Index(cols)
    for col in ("level_masl", "volume_hm3"):
        if col not in cols:
            raise r.fail(
                label,
                "curve_csv",
                f"must have a column `{col}` (its columns: {', '.join(cols)})" + _nearest(col, cols),
                name,
            )
    out = []
    for col in ("level_masl", "volume_hm3"):
        values = pd.to_numeric(frame[col].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.argmax(bad))
            raise ScenarioFileError(
                file=r.file,
                table=label,
                key="curve_csv",
                value=name,
                rule="",
                text=f"`{col}` ({frame[col].iloc[i]!r}) must hold a finite number in every "
                f"row, but line {i + 2} does not, in {where}",
            )
        out.append(tuple(float(v) for v in values))
    return out[0], out[1]


def _efficiency(r: _Reader, label: str, key: str, value: Any) -> float | EfficiencyCurve:
    """A constant efficiency, or the chart of ``key`` (its own rules restated under ``key.field``)."""
    if not isinstance(value, dict):
        return float(value)
    try:
        return EfficiencyCurve(
            flow_m3s=value["flow_m3s"],
            head_m=value["head_m"],
            efficiency=tuple(tuple(row) for row in value["efficiency"]),
        )
    except HydroSimInputError as exc:
        raise _restate(r, label, {key: value}, exc, (key,)) from None


def _network(r: _Reader, path: Path, plant_t: Mapping[str, Any], name: str) -> Network:
    """The network of ``[[plant.reservoirs]]``, ``[[plant.sinks]]`` and ``[[plant.links]]``."""
    labels: dict[str, str] = {}  # element name → its place in the file
    raws: dict[str, dict[str, Any]] = {}
    reservoirs = []
    for i, raw in enumerate(_entries(r, "plant.reservoirs")):
        e = _entry(r, "plant.reservoirs", i, raw)
        label = _label("plant.reservoirs", i, e["name"])
        labels[e["name"]], raws[e["name"]] = label, raw
        if e["curve_csv"] is not None:
            for key in ("level_masl", "volume_hm3"):
                if e[key] is not None:
                    raise r.fail(
                        label, key, "and `curve_csv` must not both be given: give the table once", raw[key]
                    )
            levels, volumes = _curve_csv(r, label, path.parent / e["curve_csv"], e["curve_csv"])
        else:
            for key in ("level_masl", "volume_hm3"):
                if e[key] is None:
                    raise r.fail(label, key, "must be given (with the other array), or `curve_csv`", None)
            levels, volumes = e["level_masl"], e["volume_hm3"]
        try:
            curve = LevelVolumeCurve(level_masl=levels, volume_hm3=volumes)
            reservoirs.append(
                Reservoir(
                    name=e["name"],
                    curve=curve,
                    min_level_masl=e["min_level_masl"],
                    max_level_masl=e["max_level_masl"],
                    initial_level_masl=e["initial_level_masl"],
                    monthly_min_level_masl=e["monthly_min_level_masl"],
                    monthly_max_level_masl=e["monthly_max_level_masl"],
                )
            )
        except ScenarioFileError:
            raise
        except HydroSimInputError as exc:
            raise _restate(r, label, raw, exc) from None
    sinks = []
    for i, raw in enumerate(_entries(r, "plant.sinks")):
        e = _entry(r, "plant.sinks", i, raw)
        label = _label("plant.sinks", i, e["name"])
        labels[e["name"]], raws[e["name"]] = label, raw
        table_given = [
            k for k in ("tailwater_discharge_m3s", "tailwater_curve_level_masl") if e[k] is not None
        ]
        if table_given and e["tailwater_level_masl"] is not None:
            raise r.fail(
                label,
                "tailwater_level_masl",
                "and the tailwater–discharge table must not both be given: a constant level or the table",
                e["tailwater_level_masl"],
            )
        if len(table_given) == 1:
            other = ({"tailwater_discharge_m3s", "tailwater_curve_level_masl"} - set(table_given)).pop()
            raise r.fail(
                label, other, f"must be given with `{table_given[0]}` (the two columns of the table)", None
            )
        if not table_given and e["tailwater_level_masl"] is None:
            raise r.fail(
                label,
                "tailwater_level_masl",
                "must be given, or the tailwater–discharge table "
                "(`tailwater_discharge_m3s` with `tailwater_curve_level_masl`)",
                None,
            )
        try:
            sinks.append(
                RiverSink(
                    name=e["name"],
                    tailwater_level_masl=e["tailwater_level_masl"],
                    tailwater_curve=TailwaterCurve(
                        discharge_m3s=e["tailwater_discharge_m3s"], level_masl=e["tailwater_curve_level_masl"]
                    )
                    if table_given
                    else None,
                    environmental_min_flow_m3s=e["environmental_min_flow_m3s"],
                    max_flow_m3s=e["max_flow_m3s"],
                    max_ramp_m3s_per_h=e["max_ramp_m3s_per_h"],
                )
            )
        except HydroSimInputError as exc:
            raise _restate(
                r, label, {**raw, "tailwater_level_masl": raw.get("tailwater_level_masl")}, exc
            ) from None
    links: list[Any] = []
    for i, raw in enumerate(_entries(r, "plant.links")):
        label = _label("plant.links", i, raw.get("name"))
        kind_f = schema.field("plant.links", "kind")
        if "kind" not in raw:
            raise r.fail(label, "kind", "must be given: " + ", ".join(map(repr, schema.LINK_KINDS)), None)
        kind = r.value(label, kind_f, raw["kind"])
        e = _entry(r, "plant.links", i, raw, kind)
        labels[e["name"]], raws[e["name"]] = label, raw
        try:
            if kind == "turbine":
                links.append(
                    TurbineLink(
                        units=TurbineGroup(
                            name=e["name"],
                            n_units=e["n_units"],
                            rated_power_mw=e["rated_power_mw"],
                            max_flow_m3s=e["max_flow_m3s"],
                            efficiency=_efficiency(r, label, "efficiency", e["efficiency"]),
                            min_power_mw=e["min_power_mw"],
                            head_loss_coefficient_s2_per_m5=e["head_loss_coefficient_s2_per_m5"],
                        ),
                        from_node=e["from"],
                        to_node=e["to"],
                    )
                )
            elif kind == "pump_turbine":
                links.append(
                    PumpTurbineLink(
                        units=PumpTurbineGroup(
                            name=e["name"],
                            n_units=e["n_units"],
                            rated_power_mw=e["rated_power_mw"],
                            max_flow_m3s=e["max_flow_m3s"],
                            turbine_efficiency=_efficiency(
                                r, label, "turbine_efficiency", e["turbine_efficiency"]
                            ),
                            rated_pumping_power_mw=e["rated_pumping_power_mw"],
                            pump_efficiency=_efficiency(r, label, "pump_efficiency", e["pump_efficiency"]),
                            pump_power_band_fraction=e["pump_power_band_fraction"],
                            min_power_mw=e["min_power_mw"],
                            head_loss_coefficient_s2_per_m5=e["head_loss_coefficient_s2_per_m5"],
                        ),
                        upper=e["upper"],
                        lower=e["lower"],
                        generating_head_range_m=e["generating_head_range_m"],
                        pumping_head_range_m=e["pumping_head_range_m"],
                    )
                )
            elif kind == "spillway":
                links.append(
                    Spillway(
                        name=e["name"],
                        from_node=e["from"],
                        to_node=e["to"],
                        capacity_m3s=e["capacity_m3s"],
                        cost_per_hm3=e["cost_per_hm3"],
                    )
                )
            else:
                links.append(
                    Release(
                        name=e["name"],
                        from_node=e["from"],
                        to_node=e["to"],
                        environmental_min_flow_m3s=e["environmental_min_flow_m3s"],
                        max_flow_m3s=e["max_flow_m3s"],
                        max_ramp_m3s_per_h=e["max_ramp_m3s_per_h"],
                    )
                )
        except ScenarioFileError:
            raise
        except HydroSimInputError as exc:
            raise _restate(r, label, raw, exc) from None
    if not reservoirs:
        raise r.fail(
            "plant",
            "reservoirs",
            "must hold at least one [[plant.reservoirs]] table (or give a `preset`)",
            None,
        )
    try:
        net = Network(
            name=plant_t["name"] or name,
            reservoirs=tuple(reservoirs),
            sinks=tuple(sinks),
            links=tuple(links),
            line=GridLine(capacity_mw=plant_t["line_capacity_mw"]),
        )
    except HydroSimInputError as exc:
        raise _graph_error(r, exc, labels, raws) from None
    # every parameter: given in the file, or the format's default
    names = sorted(labels, key=len, reverse=True)
    aliases = {
        "curve": ("level_masl", "volume_hm3", "curve_csv"),
        "tailwater_curve": ("tailwater_discharge_m3s", "tailwater_curve_level_masl"),
    }
    prov = {}
    for path_ in net.parameters()["parameter"]:
        if path_ == "line.capacity_mw":
            given = "line_capacity_mw" in r.given("plant")
            prov[path_] = Provenance(
                kind="user",
                text=f"[plant] of {r.file}"
                if given
                else f"default (no line limit): `line_capacity_mw` not given in [plant] of {r.file}",
            )
            continue
        element = next((n for n in names if path_.startswith(n + ".")), None)
        if element is None:
            continue
        leaf = path_[len(element) + 1 :].split(".")[0]
        given = any(k in raws[element] for k in aliases.get(leaf, (leaf,)))
        prov[path_] = Provenance(
            kind="user",
            text=f"{labels[element]} of {r.file}"
            if given
            else f"default: `{leaf}` not given in {labels[element]}",
        )
    return dataclasses.replace(net, provenance=prov)


def _graph_error(
    r: _Reader, exc: HydroSimInputError, labels: Mapping[str, str], raws: Mapping[str, Mapping[str, Any]]
) -> ScenarioFileError:
    """The network's own refusal of its graph, prefixed with where in the file it comes from."""
    text = str(exc)
    m = re.match(r"`([A-Za-z_0-9]+)` \((.*?)\) ", text)
    field_name = m.group(1) if m else ""
    key = _FILE_KEY.get(field_name, field_name)
    element = None
    found = re.search(
        r"(?:TurbineLink|PumpTurbineLink|Spillway|Release|RiverSink|Reservoir) '([^']*)' of", text
    )
    if found and found.group(1) in labels:
        element = found.group(1)
    elif m and m.group(2).strip("'") in labels and field_name in ("links", "name"):
        element = m.group(2).strip("'")
    else:
        found = re.search(r"reservoir '([^']*)'", text)
        if found and found.group(1) in labels:
            element = found.group(1)
    place = labels[element] if element is not None else "[plant]"
    value = raws[element].get(key, "…") if element is not None else "…"
    return ScenarioFileError(
        file=r.file,
        table=place,
        key=key,
        rule=_rule_of(exc),
        value=value,
        text=f"{place} of {r.file}"
        + (f", `{key}`" if key and element is not None and key in raws[element] else "")
        + f": the network is refused: {text}",
    )


# ---- series files -----------------------------------------------------------------------------------------

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


def _row(i: int, csv: bool) -> str:
    """A user's row number: the CSV line (header = line 1), or the Parquet row (first = 1)."""
    return f"line {i + 2}" if csv else f"row {i + 1}"


def _time_stamps(
    raw: pd.Series, time_zone: str | None, fail: Any, csv: bool, column: str
) -> pd.DatetimeIndex:
    """The time column as a regular, rising DatetimeIndex in ``time_zone`` (or tz-naive)."""
    if len(raw) == 0:
        raise fail(column, "must hold at least one time stamp; the file has no rows", 0)
    if pd.api.types.is_datetime64_any_dtype(raw):
        stamps = pd.DatetimeIndex(raw)
        aware = stamps.tz is not None
    else:
        text = raw.astype("string")
        missing = text.isna() | (text.str.strip() == "")
        if missing.any():
            i = int(np.argmax(missing.to_numpy()))
            raise fail(column, f"must hold a time stamp in every row, but {_row(i, csv)} is empty", "")
        has_offset = text.str.strip().str.contains(_OFFSET)
        if has_offset.any() and not has_offset.all():
            i = int(np.argmax((~has_offset).to_numpy() if has_offset.iloc[0] else has_offset.to_numpy()))
            raise fail(
                column,
                f"must give a UTC offset in every row or in none, but {_row(i, csv)} differs from the first",
                str(text.iloc[i]),
            )
        aware = bool(has_offset.iloc[0])
        try:
            parsed = pd.to_datetime(text, errors="coerce", utc=aware, format="mixed")
        except (TypeError, ValueError, OverflowError):  # pragma: no cover - errors="coerce" gives NaT
            parsed = pd.Series(pd.NaT, index=text.index)
        bad = parsed.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise fail(
                column,
                f'must hold time stamps such as "2030-01-01 00:00", but {_row(i, csv)} cannot be read as one',
                str(text.iloc[i]),
            )
        stamps = pd.DatetimeIndex(parsed)
    if aware:
        if time_zone is None:
            raise fail(
                column,
                'has stamps with a UTC offset: give `time_zone` in [series] (e.g. "Asia/Shanghai") to '
                "read them on that zone's calendar",
                str(raw.iloc[0]),
            )
        stamps = stamps.tz_convert(time_zone)
    elif time_zone is not None:
        try:
            stamps = stamps.tz_localize(time_zone, ambiguous="raise", nonexistent="raise")
        except (ValueError, TypeError):
            for i, ts in enumerate(stamps):
                try:
                    ts.tz_localize(time_zone, ambiguous="raise", nonexistent="raise")
                except (ValueError, TypeError):
                    raise fail(
                        column,
                        f"has a local time at {_row(i, csv)} that {time_zone} skips or has twice (a "
                        "daylight-saving change): give the stamps with their UTC offset",
                        str(ts),
                    ) from None
            raise  # pragma: no cover
    n = len(stamps)
    ns = stamps.as_unit("ns").asi8
    steps = np.diff(ns)
    if (steps == 0).any():
        i = int(np.argmax(steps == 0)) + 1
        raise fail(
            column, f"must not repeat a time stamp, but {_row(i, csv)} repeats the row before", str(stamps[i])
        )
    if (steps < 0).any():
        i = int(np.argmax(steps < 0)) + 1
        raise fail(
            column,
            f"must rise in time (sort the file), but {_row(i, csv)} comes before the row above it",
            str(stamps[i]),
        )
    if n > 1 and not (steps == steps[0]).all():
        i = int(np.argmax(steps != steps[0]))
        raise fail(
            column,
            f"must be regular (one step length, no gaps), but the step after {_row(i, csv)} is "
            f"{pd.Timedelta(int(steps[i]))} where the first is {pd.Timedelta(int(steps[0]))}",
            str(stamps[i]),
        )
    return stamps


def read_series_file(
    path: Path,
    *,
    time_column: str = "time",
    time_zone: str | None = None,
    columns: Mapping[str, str] | None = None,
    file: str | None = None,
    series_keys: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or Parquet series file into a frame of series (named as :data:`schema.SERIES_KEYS`).

    The rows are time steps; ``time_column`` holds their stamps (stamps with a UTC offset are converted to
    ``time_zone``, stamps without one are local time there, or tz-naive when no zone is given); ``columns``
    maps series names to the file's column names; ``file`` names the scenario file in messages;
    ``series_keys`` are the series names a column may have (:data:`schema.SERIES_KEYS` if None; a network's
    inflows are ``inflow_{reservoir}_m3s``). Unknown,
    repeated and non-numeric columns, empty cells, unparseable, repeated, unsorted or irregular stamps are
    refused with the line (CSV) or row (Parquet).
    """
    file = file or str(path)
    table = "series"
    keys = schema.SERIES_KEYS if series_keys is None else series_keys

    def fail(key: str, rule: str, value: Any) -> ScenarioFileError:
        return ScenarioFileError(
            file=file, table=table, key=key, rule=f"{rule} (in {path.name})", value=value
        )

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ScenarioFileError(
            file=file, table=table, key="path", rule="must name a .csv or .parquet file", value=str(path)
        )
    if not path.is_file():
        raise ScenarioFileError(
            file=file,
            table=table,
            key="path",
            rule="must name an existing file (relative to the scenario file's folder)",
            value=str(path),
        )
    csv = suffix == ".csv"
    try:
        if csv:
            # the header as written (pandas renames a repeated name to "name.1", which would hide it)
            names = [str(c) for c in pd.read_csv(path, header=None, nrows=1, dtype=str).iloc[0].tolist()]
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, header=0)
            frame.columns = pd.Index(names[: frame.shape[1]])
        else:
            frame = pd.read_parquet(path)
            if time_column not in frame.columns and frame.index.name == time_column:
                frame = frame.reset_index()
            names = [str(c) for c in frame.columns]
    except (ValueError, OSError, UnicodeDecodeError, ImportError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise fail("path", "must hold a header line and rows; the file is empty", str(path)) from None
        kind = "CSV" if csv else "Parquet"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise fail("path", f"cannot be read as {kind}: {reason}", str(path)) from None
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise fail("columns", "must not repeat a column name", dupes)
    if time_column not in names:
        raise fail(
            "time_column",
            f"must be a column of the file (its columns: {', '.join(names)}){_nearest(time_column, names)}",
            time_column,
        )
    mapping = dict(columns or {})
    file_to_series = {col: key for key, col in mapping.items()}
    for key, col in mapping.items():
        if col not in names:
            raise ScenarioFileError(
                file=file,
                table="series.columns",
                key=key,
                rule=f"must name a column of {path.name} (its columns: {', '.join(names)}){_nearest(col, names)}",
                value=col,
            )
    stamps = _time_stamps(frame[time_column], time_zone, fail, csv, time_column)
    out: dict[str, pd.Series] = {}
    for col in names:
        if col == time_column:
            continue
        key = file_to_series.get(col, col)
        if key not in keys:
            raise fail(
                col,
                f"is not a series name{_nearest(col, keys)} (map it in [series.columns], or "
                "drop the column; series: " + ", ".join(keys) + ")",
                col,
            )
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw):
            raise fail(col, "must hold numbers, not true/false", str(raw.dtype))
        if pd.api.types.is_numeric_dtype(raw):
            values = raw.astype(float)
            text = None
        else:
            text = raw.astype("string").str.strip()
            values = pd.to_numeric(text, errors="coerce").astype(float)
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy())
        if bad.any():
            i = int(np.argmax(bad))
            cell = "" if text is None else str(text.iloc[i])
            rule = (
                f"must hold a number in every row, but {_row(i, csv)} is empty"
                if cell == "" or cell.lower() in ("nan", "na", "null", "none")
                else f"must hold finite numbers, but {_row(i, csv)} holds {cell!r}"
            )
            raise fail(col, rule, cell)
        out[key] = pd.Series(values.to_numpy(), index=stamps, name=key)
    if not out:
        raise fail("columns", "must include at least one series besides the time column", names)
    return pd.DataFrame(out, index=pd.DatetimeIndex(stamps, name="time"))


def _resample(frame: pd.DataFrame, step_h: float, how: str, fail: Any) -> pd.DataFrame:
    """``frame`` on steps of ``step_h`` hours: the file's own step, or resampled as ``how`` allows."""
    idx = frame.index
    if len(idx) < 2:
        return frame
    file_h = (idx[1] - idx[0]) / pd.Timedelta(hours=1)
    if abs(file_h - step_h) < 1e-12:
        return frame
    ratio = step_h / file_h if step_h > file_h else file_h / step_h
    if abs(ratio - round(ratio)) > 1e-9:
        raise fail(
            "step_h",
            f"must be a whole multiple or a whole fraction of the file's step ({file_h:g} h)",
            step_h,
        )
    k = round(ratio)
    if how == "none":
        raise fail(
            "step_h",
            f"differs from the file's step ({file_h:g} h): resampling is refused unless asked; set "
            f'`resample = "{"mean" if step_h > file_h else "hold"}"` in [series]',
            step_h,
        )
    if step_h > file_h:
        if how != "mean":
            raise fail(
                "resample", f"must be 'mean' to turn the file's {file_h:g} h steps into {step_h:g} h", how
            )
        if len(frame) % k:
            raise fail(
                "step_h",
                f"must divide the file into whole steps: {len(frame)} rows of {file_h:g} h do not make whole "
                f"steps of {step_h:g} h",
                step_h,
            )
        groups = np.arange(len(frame)) // k
        out = frame.groupby(groups).mean()
        out.index = pd.DatetimeIndex(idx[::k], name=idx.name)
        return out
    if how != "hold":
        raise fail("resample", f"must be 'hold' to turn the file's {file_h:g} h steps into {step_h:g} h", how)
    values = np.repeat(frame.to_numpy(), k, axis=0)
    fine = pd.date_range(idx[0], periods=len(frame) * k, freq=pd.Timedelta(hours=step_h), name=idx.name)
    return pd.DataFrame(values, index=fine, columns=frame.columns)


# ---- the scenario file ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScenarioFile:
    """A scenario file, read and checked.

    Attributes
    ----------
    path : The file.
    name, currency, description : From ``[scenario]``.
    preset : The plant preset, or None for a network written out.
    overrides : ``[plant.overrides]`` as dotted path → value.
    plant : The preset with the overrides applied, or the network of the file's tables.
    scenario : The series over the horizon.
    options : Keywords of :func:`hydro_sim.dispatch` that the file sets (from ``[objective]`` and
        ``[solver]``; the library's defaults for the rest).
    rolling : Keywords of :func:`hydro_sim.rolling_dispatch` (``window_h``, ``lookahead_h``,
        ``compare_full``) when ``[horizon] rolling = true``, else None.
    outputs : ``[outputs]`` with ``folder`` resolved against the file's folder (or None).
    data : The parsed file.
    """

    path: Path
    name: str
    currency: str
    description: str
    preset: str | None
    overrides: Mapping[str, Any]
    plant: Plant | Network
    scenario: Scenario
    options: Mapping[str, Any]
    rolling: Mapping[str, Any] | None
    outputs: Mapping[str, Any]
    data: Mapping[str, Any] = field(repr=False)

    def blame(self, exc: HydroSimInputError) -> HydroSimInputError:
        """A library input error about a keyword this file set, restated to name the file's table and key."""
        m = re.match(r"`([A-Za-z_]+)`", str(exc))
        if m is None:
            return exc
        keyword = m.group(1)
        for f in schema.FIELDS:
            if f.keyword == keyword and f.keyword in self.options:
                return ScenarioFileError(
                    file=str(self.path),
                    table=f.table,
                    key=f.name,
                    rule=_rule_of(exc),
                    value=self.options[f.keyword],
                )
        return exc


def load(path: str | Path) -> ScenarioFile:
    """Read and check a scenario file (see :mod:`hydro_sim.schema` for its keys).

    Raises
    ------
    ScenarioFileError
        For a file that does not exist or is not TOML, an unknown table or key (with the nearest valid one), a
        value of the wrong type or outside its rule, a series file that cannot be used, or a plant or horizon
        that the library refuses; the message names the file, the table, the key, the rule and the value.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        rule = (
            "is a folder, not a scenario file"
            if path.is_dir()
            else "does not exist (`hydro-sim init` writes a starter file)"
        )
        raise ScenarioFileError(file="the command line", table="", key="SCENARIO", rule=rule, value=file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(
            file="the command line", table="", key="SCENARIO", rule=f"cannot be read ({exc})", value=file
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioFileError(
            file="the command line", table="", key="SCENARIO", rule=f"is not valid TOML: {exc}", value=file
        ) from None
    r = _Reader(data, file)
    top = [t for t in schema.TABLES if "." not in t]
    for key, value in data.items():
        if key not in top:
            home = [f.table for f in schema.FIELDS if f.name == key]
            hint = f": put it under [{home[0]}]" if home else _nearest(key, top)
            raise ScenarioFileError(
                file=file, table="", key=key, rule=f"is not a table of a scenario file{hint}", value=value
            )
        if not isinstance(value, dict):
            raise ScenarioFileError(
                file=file, table="", key=key, rule=f"must be a table, written [{key}]", value=value
            )
    if "plant" not in data:
        raise ScenarioFileError(
            file=file,
            table="",
            key="plant",
            rule="must be given: a [plant] table with a `preset`, or the network written out in "
            "[[plant.reservoirs]], [[plant.sinks]] and [[plant.links]]",
            value=None,
        )

    sc = r.table("scenario")
    name = sc["name"] or path.stem
    plant_t = r.table("plant")
    written = [t.rsplit(".", 1)[1] for t in schema.ARRAY_TABLES if t.rsplit(".", 1)[1] in r.given("plant")]
    overrides = _flatten(r.sub("plant.overrides") or {})
    plant: Plant | Network
    if plant_t["preset"] is not None:
        if written:
            raise r.fail(
                "plant",
                written[0],
                f"and `preset` ({plant_t['preset']!r}) must not both be given: start from a preset, or write "
                "the network out",
                "…",
            )
        if "line_capacity_mw" in r.given("plant"):
            raise r.fail(
                "plant",
                "line_capacity_mw",
                "applies to a network written out; a preset's line is `line.capacity_mw` in [plant.overrides]",
                plant_t["line_capacity_mw"],
            )
        plant = preset_plant(plant_t["preset"], f"[plant] of {file}")
        plant = apply_overrides(plant, overrides, file=file)
        if plant_t["name"] is not None:
            plant = dataclasses.replace(plant, name=plant_t["name"])
    elif written:
        if overrides:
            raise r.fail(
                "plant.overrides",
                next(iter(overrides)),
                "applies to a preset: change the value in the network's own tables",
                overrides[next(iter(overrides))],
            )
        plant = _network(r, path, plant_t, name)
    else:
        raise r.fail(
            "plant",
            "preset",
            "must be given, or the network written out in [[plant.reservoirs]], [[plant.sinks]] and "
            "[[plant.links]]",
            None,
        )
    scenario = _series(r, path, name, plant)
    scenario = _horizon(r, scenario)
    options: dict[str, Any] = {}
    for table in ("objective", "solver"):
        values = r.table(table)
        for key in r.given(table):
            if key in r.children(table):  # [objective.water_value_per_hm3] and its kin: below
                continue
            f = schema.field(table, key)
            options[f.keyword] = values[key]
            if isinstance(plant, Network) and ("_upper_" in key or "_lower_" in key):
                raise r.fail(
                    table,
                    key,
                    "names a Plant's role (upper, lower) and does not apply to a network, whose reservoirs "
                    f"are {', '.join(plant.reservoir_names)}: give it per reservoir in [objective.{_per_reservoir(key)}]",
                    values[key],
                )
    options.update(_per_reservoir_options(r, plant))
    if "mip_rel_gap" in options and not options.get("unit_commitment", False):
        raise r.fail(
            "solver",
            "mip_gap",
            "applies to the MILP only: set `unit_commitment = true` in [objective]",
            options["mip_rel_gap"],
        )
    kind = options.get("objective", "revenue")
    if kind in ("firming", "tracking") and scenario.delivery_mw is None:
        raise r.fail(
            "objective",
            "kind",
            "needs a `delivery_mw` series (the delivery curve to firm or track): a column of the series file "
            "or a value in [series.constant]",
            kind,
        )
    hz = r.table("horizon")
    rolling = (
        {"window_h": hz["window_h"], "lookahead_h": hz["lookahead_h"], "compare_full": hz["compare_full"]}
        if hz["rolling"]
        else None
    )
    if not hz["rolling"]:
        for key in ("window_h", "lookahead_h", "compare_full"):
            if key in r.given("horizon"):
                raise r.fail("horizon", key, "applies to rolling windows only: set `rolling = true`", hz[key])
    outputs = r.table("outputs")
    if outputs["folder"] is not None:
        outputs["folder"] = path.parent / outputs["folder"]
    return ScenarioFile(
        path=path,
        name=name,
        currency=sc["currency"]
        if sc["currency"] is not None
        else ("CNY" if plant_t["preset"] in LIANGHEKOU_PRESETS else "money"),
        description=sc["description"],
        preset=plant_t["preset"],
        overrides=MappingProxyType(overrides),
        plant=plant,
        scenario=scenario,
        options=MappingProxyType(options),
        rolling=None if rolling is None else MappingProxyType(rolling),
        outputs=MappingProxyType(outputs),
        data=MappingProxyType(data),
    )


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables (unquoted dotted keys) to dotted paths: ``{"upper": {"x": 1}}`` → ``{"upper.x": 1}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _series_keys(plant: Plant | Network) -> dict[str, str]:
    """The series a scenario of ``plant`` can hold: the file's name → the Scenario's column (a network's
    inflows ``inflow_{reservoir}_m3s`` → ``"{reservoir} inflow_m3s"``; a Plant's the role series)."""
    if isinstance(plant, Plant):
        return dict(schema.SERIES_KEYS)
    inflows = {schema.inflow_series(n): f"{n}{INFLOW_SUFFIX}" for n in plant.reservoir_names}
    return inflows | {k: v for k, v in schema.SERIES_KEYS.items() if not k.startswith("inflow_")}


def _not_series(key: str, keys: Mapping[str, str]) -> str:
    hint = _nearest(key, keys) or ": series are " + ", ".join(keys)
    if key in schema.SERIES_KEYS:
        hint = ": a network's inflows are named by reservoir, " + ", ".join(
            k for k in keys if k.startswith("inflow_")
        )
    return "is not a series name" + hint


#: The presets whose money is in yuan (the Sichuan tariff's currency) when ``[scenario] currency`` is not given.
LIANGHEKOU_PRESETS = ("lianghekou", "lianghekou_network")

#: ``[objective.*]`` tables keyed by reservoir name → the ``dispatch()`` keyword each feeds.
PER_RESERVOIR_TABLES = ("water_value_per_hm3", "end_volume_hm3", "max_level_change_m_per_h")


def _per_reservoir(key: str) -> str:
    """The per-reservoir table of a role key (``water_value_upper_per_hm3`` → ``water_value_per_hm3``)."""
    return key.replace("_upper_", "_").replace("_lower_", "_")


def _per_reservoir_options(r: _Reader, plant: Plant | Network) -> dict[str, dict[str, float]]:
    """``[objective.water_value_per_hm3]`` and its kin: reservoir name → number, for a network's reservoirs."""
    out: dict[str, dict[str, float]] = {}
    for name in PER_RESERVOIR_TABLES:
        table = f"objective.{name}"
        raw = r.sub(table)
        if raw is None:
            continue
        if not isinstance(plant, Network):
            raise r.fail(
                "objective",
                name,
                "is a table keyed by the reservoirs of a network written out in [[plant.reservoirs]] (or the "
                "lianghekou_network preset); a preset Plant takes the role keys (`..._upper_...`, `..._lower_...`)",
                raw,
            )
        values: dict[str, float] = {}
        for key, value in raw.items():
            if key not in plant.reservoir_names:
                raise r.fail(
                    table,
                    key,
                    f"is not a reservoir of the network{_nearest(key, plant.reservoir_names)} "
                    f"(its reservoirs: {', '.join(plant.reservoir_names)})",
                    value,
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise r.fail(table, key, "must be a finite number", value)
            values[key] = float(value)
        out[name] = values
    return out


def _series_values(r: _Reader, table: str, keys: Mapping[str, str]) -> dict[str, float]:
    """``[series.constant]``: series name → number."""
    raw = r.sub(table) or {}
    out = {}
    for key, value in raw.items():
        if key not in keys:
            raise r.fail(table, key, _not_series(key, keys), value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise r.fail(table, key, "must be a finite number", value)
        out[key] = float(value)
    return out


def _series(r: _Reader, path: Path, name: str, plant: Plant | Network) -> Scenario:
    keys = _series_keys(plant)
    network = plant if isinstance(plant, Network) else None
    s = r.table("series")
    given = r.given("series")
    source = s["source"]
    file = r.file
    ry_given = r.sub("series.reference_year") is not None
    if ry_given and source != "reference_year":
        raise r.fail(
            "series", "reference_year", f"options apply to source 'reference_year', not {source!r}", "…"
        )
    only = {
        "file": ("path", "time_column", "time_zone", "resample"),
        "constant": ("start", "duration_h"),
    }
    for src, src_keys in only.items():
        for key in src_keys:
            if key in given and source != src and not (key == "time_zone" and source == "constant"):
                hint = (
                    " (the run's window is `start` and `duration_h` in [horizon])"
                    if src == "constant"
                    else ""
                )
                raise r.fail("series", key, f"applies to source {src!r}, not {source!r}{hint}", s[key])
    if "columns" in (r.sub("series") or {}) and source != "file":
        raise r.fail("series", "columns", f"applies to source 'file', not {source!r}", "…")
    constants = _series_values(r, "series.constant", keys)
    provenance: dict[str, Provenance] = {}
    if source == "reference_year":
        from hydro_sim.cases.lianghekou.reference_year import reference_year

        if constants:
            raise r.fail("series", "constant", "applies to sources 'file' and 'constant'", sorted(constants))
        for key in ("step_h",):
            if key in given:
                raise r.fail("series", key, "applies to sources 'file' and 'constant'", s[key])
        opts = r.table("series.reference_year")
        kw = {
            schema.field("series.reference_year", k).keyword: opts[k]
            for k in r.given("series.reference_year")
        }
        try:
            year = reference_year(**kw)
        except HydroSimInputError as exc:
            raise _library(r, "series.reference_year", kw, exc) from None
        year = dataclasses.replace(year, name=f"{name}: {year.name}")
        price = _tariff_price(r, year.index)
        if price is not None:
            prov = dict(year.provenance)
            prov["price_per_mwh"] = price[1]
            year = dataclasses.replace(year, price_per_mwh=price[0], provenance=prov)
        if network is not None:
            year = _by_name(r, year, network)
        return year
    tz = s["time_zone"]
    if tz is not None:
        try:
            pd.Timestamp("2030-01-01").tz_localize(tz)
        except (ValueError, TypeError, KeyError, LookupError):
            raise r.fail(
                "series", "time_zone", 'must be a time zone name such as "Asia/Shanghai" or "UTC"', tz
            ) from None
    if source == "constant":
        if s["duration_h"] is None:
            raise r.fail("series", "duration_h", "must be given for source 'constant'", None)
        step_h = s["step_h"] or 1.0
        n_f = s["duration_h"] / step_h
        if abs(n_f - round(n_f)) > 1e-9:
            raise r.fail(
                "series", "duration_h", f"must be a whole number of steps of {step_h:g} h", s["duration_h"]
            )
        start = pd.Timestamp(s["start"])
        if start.tz is not None:
            raise r.fail(
                "series",
                "start",
                "must be local time without an offset (the zone is `time_zone`)",
                s["start"],
            )
        try:
            index = pd.date_range(
                start, periods=round(n_f), freq=pd.Timedelta(hours=step_h), tz=tz, name="time"
            )
        except (ValueError, TypeError):
            raise r.fail(
                "series",
                "start",
                f"lies at a daylight-saving change of {tz}: the clock skips or repeats it",
                s["start"],
            ) from None
        if network is None and "inflow_upper_m3s" not in constants:
            raise r.fail(
                "series.constant",
                "inflow_upper_m3s",
                "must be given (0.0 for a plant without inflow)",
                None,
            )
        frame = pd.DataFrame(constants, index=index)
        for key in constants:
            provenance[key] = Provenance(kind="user", text=f"constant in [series.constant] of {file}")
    else:
        if s["path"] is None:
            raise r.fail("series", "path", "must be given for source 'file' (a .csv or .parquet file)", None)
        columns_raw = r.sub("series.columns") or {}
        for key, col in columns_raw.items():
            if key not in keys:
                raise r.fail("series.columns", key, _not_series(key, keys), col)
            if not isinstance(col, str):
                raise r.fail("series.columns", key, "must be a column name in quotes", col)
        data_path = path.parent / s["path"]
        frame = read_series_file(
            data_path,
            time_column=s["time_column"],
            time_zone=tz,
            columns=columns_raw,
            file=file,
            series_keys=keys,
        )

        def fail(key: str, rule: str, value: Any) -> ScenarioFileError:
            return r.fail("series", key, rule, value)

        if s["step_h"] is not None:
            frame = _resample(frame, s["step_h"], s["resample"], fail)
        elif s["resample"] != "none":
            raise r.fail("series", "resample", "needs `step_h`: the step to resample to", s["resample"])
        if len(frame) == 1 and s["step_h"] is None:
            raise r.fail("series", "step_h", "must be given for a file of one row (its step length)", None)
        for key in frame.columns:
            if key in constants:
                raise r.fail(
                    "series.constant",
                    key,
                    f"is also a column of {data_path.name}: give it once",
                    constants[key],
                )
            provenance[key] = Provenance(kind="user", text=f"column of {s['path']} ({file})")
        for key, value in constants.items():
            frame[key] = value
            provenance[key] = Provenance(kind="user", text=f"constant in [series.constant] of {file}")
        if network is None and "inflow_upper_m3s" not in frame.columns:
            raise r.fail(
                "series",
                "path",
                f"must hold an `inflow_upper_m3s` column, or set it in [series.constant] (0.0 for a plant "
                f"without inflow); {data_path.name} has {', '.join(frame.columns)}",
                s["path"],
            )
        if len(frame) == 1:
            frame.index = pd.DatetimeIndex(frame.index, freq=pd.Timedelta(hours=s["step_h"]))
    price = _tariff_price(r, frame.index)
    if price is not None:
        if "price_per_mwh" in frame.columns:
            raise r.fail(
                "tariff",
                "kind",
                "sets the price, which [series] gives too: give the price once",
                r.table("tariff")["kind"],
            )
        frame["price_per_mwh"] = price[0].to_numpy()
        provenance["price_per_mwh"] = price[1]
    prov = {keys[k]: v for k, v in provenance.items()}
    if network is None:
        kwargs: dict[str, Any] = {keys[k]: frame[k] for k in frame.columns}
    else:
        inflows = {}
        for res in network.reservoir_names:
            key = schema.inflow_series(res)
            if key in frame.columns:
                inflows[res] = frame[key]
            else:
                inflows[res] = pd.Series(0.0, index=frame.index)
                prov[keys[key]] = Provenance(
                    kind="user", text=f"no `{key}` in {file}: no natural inflow (zero)"
                )
        kwargs = {keys[k]: frame[k] for k in frame.columns if not k.startswith("inflow_")}
        kwargs["inflow_m3s"] = inflows
    try:
        return Scenario(**kwargs, name=name, provenance=prov)
    except HydroSimInputError as exc:
        m = re.match(r"`([A-Za-z_0-9]+)(?:\['([^']*)'\])?", str(exc))
        field_name = m.group(1) if m else "series"
        if m and m.group(2) is not None:
            field_name = f"{m.group(2)}{INFLOW_SUFFIX}"
        key = next((k for k, v in keys.items() if v == field_name), field_name)
        raise r.fail("series", key, _rule_of(exc), "…") from None


def _by_name(r: _Reader, year: Scenario, network: Network) -> Scenario:
    """The reference year's two role inflows as the inflows of a network's first two reservoirs, by name."""
    names = network.reservoir_names
    if len(names) > 2:
        raise r.fail(
            "series",
            "source",
            f"gives two inflows (upper and lower reservoir) and fits a network of one or two reservoirs, not "
            f"{len(names)} ({', '.join(names)}): give the inflows in a file, `inflow_NAME_m3s`",
            "reference_year",
        )
    roles = ("inflow_upper_m3s", "inflow_lower_m3s")
    inflows = {n: getattr(year, role) for n, role in zip(names, roles, strict=False)}
    if len(names) == 1 and float(year.inflow_lower_m3s.abs().max()) > 0.0:
        raise r.fail(
            "series.reference_year",
            "local_inflow_fraction",
            f"must be 0 for a network of one reservoir ('{names[0]}'): no lower reservoir receives it",
            float(year.inflow_lower_m3s.abs().max()),
        )
    prov = {k: v for k, v in year.provenance.items() if k not in roles}
    for n, role in zip(names, roles, strict=False):
        if role in year.provenance:
            prov[f"{n}{INFLOW_SUFFIX}"] = year.provenance[role]
    return Scenario(
        inflow_m3s=inflows,
        price_per_mwh=year.price_per_mwh,
        pv_available_mw=year.pv_available_mw,
        wind_available_mw=year.wind_available_mw,
        delivery_mw=year.delivery_mw,
        line_capacity_mw=year.line_capacity_mw,
        name=year.name,
        provenance=prov,
    )


def _tariff_price(r: _Reader, index: pd.DatetimeIndex) -> tuple[pd.Series, Provenance] | None:
    """The price of ``[tariff]`` on ``index`` with its provenance, or None without a tariff."""
    if r.sub("tariff") is None:
        return None
    t = r.table("tariff")
    if t["kind"] == "flat":
        price = pd.Series(t["flat_price_per_mwh"], index=index, dtype=float)
    else:
        from hydro_sim.cases.lianghekou.reference_year import sichuan_tou_price

        try:
            price = sichuan_tou_price(index, t["flat_price_per_mwh"])
        except HydroSimInputError as exc:
            raise r.fail("tariff", "flat_price_per_mwh", _rule_of(exc), t["flat_price_per_mwh"]) from None
    return price, Provenance(
        kind="user", text=f"[tariff] {t['kind']} at {t['flat_price_per_mwh']:g} per MWh in {r.file}"
    )


def _library(r: _Reader, table: str, kw: Mapping[str, Any], exc: HydroSimInputError) -> ScenarioFileError:
    """A library error about keyword arguments from ``table``, restated with the file's key."""
    m = re.match(r"`([A-Za-z_]+)`", str(exc))
    keyword = m.group(1) if m else ""
    f = next((f for f in schema.fields_of(table).values() if f.keyword == keyword), None)
    key = f.name if f is not None else keyword or table
    return r.fail(table, key, _rule_of(exc), kw.get(keyword, "…"))


def _horizon(r: _Reader, scenario: Scenario) -> Scenario:
    h = r.table("horizon")
    if h["start"] is None and h["duration_h"] is None:
        return scenario
    try:
        return scenario.window(start=h["start"], hours=h["duration_h"])
    except HydroSimInputError as exc:
        key = "start" if str(exc).startswith("`start`") else "duration_h"
        raise r.fail("horizon", key, f"does not fit the series: {_rule_of(exc)}", h[key]) from None


# ---- the starter file -------------------------------------------------------------------------------------


def starter_text() -> str:
    """The commented starter file that ``hydro-sim init`` writes: a week at Lianghekou, as written."""
    return _STARTER


_STARTER = """\
# A hydro-sim scenario file: `hydro-sim run scenario.toml --out results` dispatches the plant over the
# horizon, replays the schedule through the simulator and writes summary.json, the schedule and plots.
# Every key carries its unit in its name. The schema page (docs/schema.md) lists every key; an unknown key
# is refused with the nearest valid one.

[scenario]
name = "Lianghekou, a week in July"
currency = "CNY"                 # labels every money figure in the outputs

[plant]
preset = "lianghekou"            # or "lianghekou_network", "textbook", "small_pumped_storage"; see
                                 # `hydro-sim plant --preset NAME`; or write your own network out in
                                 # [[plant.reservoirs]], [[plant.sinks]], [[plant.links]] (docs/schema.md)

[plant.overrides]                # scalar parameters of the preset by dotted path
"upper.initial_level_masl" = 2850.0
# "line.capacity_mw" = 4000.0

[series]
source = "reference_year"        # the built-in Lianghekou year; or "file" with your own CSV:
# source = "file"
# path = "series.csv"            # columns: time, inflow_upper_m3s, price_per_mwh, pv_available_mw, ...
# time_zone = "Asia/Shanghai"    # stamps without an offset are local time there
# step_h = 1.0                   # a different step is refused unless `resample = "mean"` (or "hold")

[series.reference_year]
flat_price_per_mwh = 400.0       # flat-period price of the Sichuan time-of-use tariff

# [tariff]                       # a price from a tariff instead of a price series
# kind = "flat"
# flat_price_per_mwh = 300.0

[objective]
kind = "revenue"                 # or "firming", "tracking" (they need a delivery_mw series)
pump_generate_balance = "day"    # pumped and generated water balance each day
head = "fixed"                   # one solve at the initial heads: fast, right for a week

[horizon]
start = "2030-07-01 00:00"
duration_h = 168.0
# rolling = true                 # window by window, for a year: window_h = 168.0, lookahead_h = 48.0

[solver]
backend = "highs"
time_limit_s = 120.0             # `--time-limit` overrides it

[outputs]
schedule_csv = true
schedule_parquet = true
replay = true                    # through the nonlinear simulator
plots = true
"""
