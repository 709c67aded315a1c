"""Scenario sweeps: one base scenario file, axes of values to vary, on local processes or a Dask cluster.

A sweep names a base scenario file (:mod:`hydro_sim.files`) and the axes to vary: lists of values, ranges,
or seeded Monte-Carlo draws (synthetic inflow years from the reference-year generator's ``seed``, price
levels from a distribution), combined as the full product, zipped, or a seeded sample of the product. Any key
of a scenario file can be an axis, written as a TOML dotted key::

    plant.overrides."lower.max_level_masl"      # a parameter of the preset (hydro-sim plant --preset NAME)
    series.reference_year.seed                 # a synthetic inflow, PV and wind year
    solver.time_limit_s

Each scenario is the base file's parsed TOML with the axis values set, read back through the scenario files'
own loader: every rule holds and every error is the scenario files' message, naming the base file and the axis.

:func:`sweep` runs the scenarios on a local process pool (``workers``), or on an existing Dask distributed
cluster (``scheduler="tcp://host:port"``, the optional extra ``hydro_sim[distributed]``), and writes into its
output folder:

- ``scenarios/<key>.json``: each scenario's result (status, message, diagnosis, summary figures), written
  atomically the moment it arrives; ``<key>`` is a stable hash of the scenario's resolved inputs, so a sweep
  stopped and started again skips what is done and recomputes nothing (``scenarios/<key>.parquet``: its
  schedule, when the sweep asks for schedules);
- ``table.parquet`` and ``table.csv``: one row per scenario in sweep order, the varied parameters as columns;
- ``plots/*.png`` and ``report.html``: the main figures against the varied parameters;
- ``sweep.json``: the sweep as resolved (its axes, values and scenario keys).

An infeasible or failing scenario is a row with its status and diagnosis; it does not stop the others. A
worker that dies has its scenarios run again (up to ``max_attempts``). The table does not depend on the number
of workers. The sweep file's keys are in ``docs/sweeps.md``.

Examples
--------
>>> axis = Axis.range('plant.overrides."upper.initial_level_masl"', 105.0, 115.0, num=3)
>>> axis.name, axis.values
('plant.overrides.upper.initial_level_masl', (105.0, 110.0, 115.0))
>>> Axis.draws("series.reference_year.seed", 3, seed=1).values
(1835504127, 1731038949, 1320224556)
>>> parse_key('plant.overrides."lower.max_level_masl"')
('plant', 'overrides', 'lower.max_level_masl')
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import hashlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
import tomllib
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import schema
from hydro_sim._sweep_run import Item, Task, canonical
from hydro_sim._validation import fail
from hydro_sim.errors import HydroSimInputError
from hydro_sim.files import ScenarioFileError

__all__ = ["Axis", "Sweep", "SweepFileError", "SweepResult", "load_sweep", "parse_key", "sweep"]

log = logging.getLogger("hydro_sim")

#: The file that marks a sweep's output folder (and describes the sweep as resolved).
MANIFEST = "sweep.json"
#: Scenarios per task of a simulator sweep when the sweep file does not say (one dispatch per task).
DEFAULT_SIMULATE_BATCH = 100
#: Distinct values of an axis read through the loader before the run (all of them up to this many; else the
#: first, the smallest and the largest): a bad axis is refused at once, not scenario by scenario.
CHECKED_VALUES = 20
_KINDS = ("dispatch", "simulate")
_COMBINE = ("product", "zip", "sample")
_DISTRIBUTIONS = ("seeds", "uniform", "normal", "integers")


class SweepFileError(ScenarioFileError):
    """A sweep file (or a :class:`Sweep`) that breaks a rule; the message names the file, the table, the key,
    the rule and the value, as a scenario file's does."""


# ---- axis keys -----------------------------------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def parse_key(text: str, where: str = "Axis") -> tuple[str, ...]:
    """A TOML dotted key as its parts: bare parts and quoted ones (``"..."`` or ``'...'``).

    Under ``plant.overrides`` the rest is one parameter path: ``plant.overrides.lower.max_level_masl`` and
    ``plant.overrides."lower.max_level_masl"`` are the same key.
    """
    if not isinstance(text, str) or not text.strip():
        raise fail("key", 'must be a dotted key in quotes, e.g. "solver.time_limit_s"', text, where)
    parts: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            q = text[i]
            j = text.find(q, i + 1)
            if j < 0:
                raise fail("key", f"has a {q} quote that is not closed", text, where)
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if m is None:
                raise fail(
                    "key",
                    "must be dotted parts of letters, digits, _ and -, or quoted parts, e.g. "
                    'plant.overrides."lower.max_level_masl"',
                    text,
                    where,
                )
            parts.append(m.group())
            i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i == n:
            break
        if text[i] != ".":
            raise fail("key", f"has {text[i]!r} where a dot or the end should be", text, where)
        i += 1
    if len(parts) < 2:
        raise fail(
            "key",
            "must name a table and a key, e.g. solver.time_limit_s (a top-level table is no axis)",
            text,
            where,
        )
    if parts[:2] == ["plant", "overrides"] and len(parts) > 3:
        parts = ["plant", "overrides", ".".join(parts[2:])]
    return tuple(parts)


def _quote(part: str) -> str:
    return part if _BARE.fullmatch(part) else json.dumps(part, ensure_ascii=False)


def key_text(parts: Sequence[str]) -> str:
    """The canonical spelling of a key: bare parts where TOML allows, quoted ones elsewhere."""
    return ".".join(_quote(p) for p in parts)


# ---- axes ----------------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True, kw_only=True)
class Axis:
    """One varied key of a sweep and its values; build it with :meth:`of`, :meth:`range` or :meth:`draws`.

    Parameters
    ----------
    key : The scenario-file key, a TOML dotted key (``'plant.overrides."lower.max_level_masl"'``).
    values : The values, in order (TOML values: numbers, text, booleans).
    name : The column of the table; the key's parts joined by dots if not given.
    how : How the values were made, for the report (``"values"``, ``"range …"``, ``"draws …"``).
    """

    key: str
    values: tuple[Any, ...]
    name: str = ""
    how: str = "values"

    def __post_init__(self) -> None:
        parts = parse_key(self.key, f"Axis {self.key!r}")
        object.__setattr__(self, "key", key_text(parts))
        if not isinstance(self.values, tuple):
            object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "values", tuple(_plain(v) for v in self.values))
        if not self.values:
            raise fail("values", "must hold at least one value", list(self.values), f"Axis {self.key}")
        if not self.name:
            object.__setattr__(self, "name", ".".join(parts))

    @property
    def parts(self) -> tuple[str, ...]:
        """The key's parts (table names, then the key)."""
        return parse_key(self.key)

    @classmethod
    def of(cls, key: str, values: Sequence[Any], *, name: str = "") -> Axis:
        """An axis of the given values."""
        return cls(key=key, values=tuple(values), name=name)

    @classmethod
    def range(
        cls,
        key: str,
        start: float,
        stop: float,
        *,
        num: int | None = None,
        step: float | None = None,
        name: str = "",
    ) -> Axis:
        """``num`` evenly spaced values from ``start`` to ``stop`` (both included), or ``start``, ``start +
        step``, … up to ``stop`` (whole numbers if start and step are whole)."""
        where = f"Axis {key}"
        a = _number("start", start, where)
        b = _number("stop", stop, where)
        if (num is None) == (step is None):
            raise fail("num", "or `step` must be given, one of the two", num, where)
        if num is not None:
            if isinstance(num, bool) or not isinstance(num, int) or num < 1:
                raise fail("num", "must be a whole number of at least 1", num, where)
            if num == 1 and a != b:
                raise fail(
                    "num", "must be at least 2 for a range from `start` to a different `stop`", num, where
                )
            values: list[Any] = [float(v) for v in np.linspace(a, b, num)]
            how = f"range {a:g} to {b:g}, {num} values"
        else:
            s = _number("step", step, where)
            if s <= 0.0 or (b - a) / s < -1e-9:
                raise fail(
                    "step", f"must be positive, with `stop` ({b:g}) at or above `start` ({a:g})", step, where
                )
            count = math.floor((b - a) / s + 1e-9) + 1
            whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, step))
            values = (
                [start + k * step for k in range(count)]  # type: ignore[operator]
                if whole
                else [round(a + k * s, 12) for k in range(count)]
            )
            how = f"range {a:g} to {b:g} in steps of {s:g}"
        return cls(key=key, values=tuple(values), name=name, how=how)

    @classmethod
    def draws(
        cls,
        key: str,
        n: int,
        *,
        distribution: str = "seeds",
        seed: int = 0,
        name: str = "",
        **params: float,
    ) -> Axis:
        """``n`` seeded Monte-Carlo draws.

        ``distribution``: ``"seeds"`` (whole numbers for a generator's seed, e.g. ``series.reference_year.seed``:
        each is a synthetic inflow, PV and wind year), ``"uniform"`` (``low``, ``high``), ``"normal"``
        (``mean``, ``sd``) or ``"integers"`` (``low`` to ``high``, both included). The same ``seed`` gives the
        same draws.
        """
        where = f"Axis {key}"
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise fail("draws", "must be a whole number of at least 1", n, where)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise fail("seed", "must be a whole number of at least 0", seed, where)
        if distribution not in _DISTRIBUTIONS:
            raise fail(
                "distribution",
                f"must be one of {', '.join(map(repr, _DISTRIBUTIONS))}{_nearest(str(distribution), _DISTRIBUTIONS)}",
                distribution,
                where,
            )
        need = {
            "seeds": (),
            "uniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "integers": ("low", "high"),
        }
        for p in params:
            if p not in need[distribution]:
                rule = f"is not a parameter of distribution {distribution!r}" + (
                    f" (it takes {', '.join(need[distribution])})"
                    if need[distribution]
                    else " (it takes none)"
                )
                raise fail(p, rule, params[p], where)
        for p in need[distribution]:
            if p not in params:
                raise fail(p, f"must be given for distribution {distribution!r}", None, where)
        x = {p: _number(p, params[p], where) for p in need[distribution]}
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        if distribution == "seeds":
            values: list[Any] = [
                int(v) for v in np.random.SeedSequence(seed).generate_state(n, dtype=np.uint32)
            ]
            how = f"{n} seeds drawn with seed {seed}"
        elif distribution == "uniform":
            if not x["high"] > x["low"]:
                raise fail("high", f"must be above `low` ({x['low']:g})", x["high"], where)
            values = [float(v) for v in rng.uniform(x["low"], x["high"], n)]
            how = f"{n} draws uniform on [{x['low']:g}, {x['high']:g}) with seed {seed}"
        elif distribution == "normal":
            if not x["sd"] > 0.0:
                raise fail("sd", "must be positive", x["sd"], where)
            values = [float(v) for v in rng.normal(x["mean"], x["sd"], n)]
            how = f"{n} draws normal (mean {x['mean']:g}, sd {x['sd']:g}) with seed {seed}"
        else:
            lo, hi = params["low"], params["high"]
            for p, v in (("low", lo), ("high", hi)):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise fail(p, "must be a whole number for distribution 'integers'", v, where)
            if hi < lo:
                raise fail("high", f"must be at least `low` ({lo})", hi, where)
            values = [int(v) for v in rng.integers(int(lo), int(hi), n, endpoint=True)]
            how = f"{n} whole numbers drawn from {lo} to {hi} with seed {seed}"
        return cls(key=key, values=tuple(values), name=name, how=how)


def _number(name: str, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise fail(name, "must be a number, e.g. 2.5", value, where)
    x = float(value)
    if not math.isfinite(x):
        raise fail(name, "must be finite", value, where)
    return x


def _nearest(key: str, valid: Any) -> str:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f": did you mean `{near[0]}`?" if near else ""


# ---- the sweep -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Sweep:
    """A sweep: a base scenario file and the axes to vary (the Python form of a sweep file).

    Parameters
    ----------
    base : The base scenario file (TOML).
    axes : The varied keys (:class:`Axis`); their names are the table's columns, in this order.
    kind : ``"dispatch"`` (each scenario as `hydro-sim run` runs it: the dispatch, and its replay if the file
        asks) or ``"simulate"`` (the scenario's series through the simulator under ``policy``, many scenarios per
        call).
    combine : ``"product"`` (every combination, the first axis slowest), ``"zip"`` (the i-th value of every
        axis; equal lengths) or ``"sample"`` (``sample_size`` combinations of the product drawn with ``seed``,
        in product order).
    sample_size, seed : Of ``combine = "sample"``.
    batch_size : Scenarios per task: 1 for dispatches, :data:`DEFAULT_SIMULATE_BATCH` for simulations if not
        given. A fixed size, so that the same sweep gives the same batches whatever the number of workers.
    policy : For ``kind = "simulate"``: the time-of-use rule's ``pump_when_price_at_most_per_mwh`` and
        ``generate_when_price_at_least_per_mwh`` [money/MWh] (not given: 0.4 and 1.6 times each scenario's
        flat price), ``lower_target_level_masl`` [m a.s.l.].
    schedules : Keep each scenario's schedule (``scenarios/<key>.parquet``).
    plots, report : Draw ``plots/`` and write ``report.html`` at the end.
    name : The sweep's name in the report; the sweep file's name if not given.
    file : The sweep file it was read from (None for a sweep built in Python).
    """

    base: Path
    axes: tuple[Axis, ...]
    kind: str = "dispatch"
    combine: str = "product"
    sample_size: int | None = None
    seed: int = 0
    batch_size: int | None = None
    policy: Mapping[str, Any] = field(default_factory=dict)
    schedules: bool = False
    plots: bool = True
    report: bool = True
    name: str = ""
    file: Path | None = None

    def __post_init__(self) -> None:
        where = self._where("sweep")
        object.__setattr__(self, "base", Path(self.base))
        object.__setattr__(self, "axes", tuple(self.axes))
        object.__setattr__(self, "policy", dict(self.policy))
        if not self.axes:
            raise self._fail("axes", "axes", "must hold at least one axis ([[axes]] with a `key`)", [])
        for i, a in enumerate(self.axes):
            if not isinstance(a, Axis):
                raise self._fail("axes", f"axes[{i}]", "must be an Axis", type(a).__name__)
        names = [a.name for a in self.axes]
        for name in names:
            if names.count(name) > 1:
                raise self._fail(
                    "axes", "name", "must differ from axis to axis (give each axis a `name`)", name
                )
        keys = [a.key for a in self.axes]
        for key in keys:
            if keys.count(key) > 1:
                raise self._fail("axes", "key", "is varied by two axes: give it once", key)
        if self.kind not in _KINDS:
            raise self._fail(
                "sweep",
                "kind",
                f"must be one of {', '.join(map(repr, _KINDS))}{_nearest(str(self.kind), _KINDS)}",
                self.kind,
            )
        if self.combine not in _COMBINE:
            raise self._fail(
                "sweep",
                "combine",
                f"must be one of {', '.join(map(repr, _COMBINE))}{_nearest(str(self.combine), _COMBINE)}",
                self.combine,
            )
        if self.combine == "zip" and len({len(a.values) for a in self.axes}) > 1:
            raise self._fail(
                "sweep",
                "combine",
                "'zip' needs axes of equal length; they have "
                + ", ".join(str(len(a.values)) for a in self.axes),
                self.combine,
            )
        if self.combine == "sample":
            n = self.sample_size
            total = math.prod(len(a.values) for a in self.axes)
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= total:
                raise self._fail(
                    "sweep",
                    "sample_size",
                    f"must be a whole number from 1 to {total} (the product's size)",
                    n,
                )
        elif self.sample_size is not None:
            raise self._fail("sweep", "sample_size", 'applies to `combine = "sample"` only', self.sample_size)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise self._fail("sweep", "seed", "must be a whole number of at least 0", self.seed)
        b = self.batch_size
        if b is not None and (isinstance(b, bool) or not isinstance(b, int) or b < 1):
            raise self._fail("sweep", "batch_size", "must be a whole number of at least 1", b)
        allowed = (
            "pump_when_price_at_most_per_mwh",
            "generate_when_price_at_least_per_mwh",
            "lower_target_level_masl",
        )
        for key, value in self.policy.items():
            if key == "kind":
                if value != "tou_rule":
                    raise self._fail("policy", "kind", "must be 'tou_rule' (the time-of-use rule)", value)
                continue
            if key not in allowed:
                raise self._fail("policy", key, f"is not a key of [policy]{_nearest(key, allowed)}", value)
            _check_number(self, "policy", key, value)
        given = [k for k in allowed[:2] if k in self.policy]
        if len(given) == 1:
            other = allowed[1 - allowed.index(given[0])]
            raise self._fail(
                "policy", other, f"must be given with `{given[0]}` (both thresholds, or neither)", None
            )
        if self.policy and self.kind != "simulate":
            raise self._fail(
                "policy", "kind", 'applies to `kind = "simulate"` only', self.policy.get("kind", "…")
            )
        for name in ("schedules", "plots", "report"):
            if not isinstance(getattr(self, name), bool):
                raise self._fail("outputs", name, "must be true or false", getattr(self, name))
        del where

    def _where(self, table: str) -> str:
        return f"[{table}] of {self.file}" if self.file is not None else "Sweep"

    def _fail(self, table: str, key: str, rule: str, value: Any) -> SweepFileError:
        return SweepFileError(
            file=str(self.file) if self.file else "Sweep(...)", table=table, key=key, rule=rule, value=value
        )

    @property
    def title(self) -> str:
        return self.name or (self.file.stem if self.file is not None else self.base.stem)

    def points(self) -> list[dict[str, Any]]:
        """The scenarios: axis name → value, in sweep order."""
        names = [a.name for a in self.axes]
        if self.combine == "zip":
            combos: Iterator[tuple[Any, ...]] | list[tuple[Any, ...]] = zip(
                *(a.values for a in self.axes), strict=True
            )
        elif self.combine == "product":
            combos = itertools.product(*(a.values for a in self.axes))
        else:
            sizes = [len(a.values) for a in self.axes]
            total = math.prod(sizes)
            rng = np.random.default_rng(np.random.SeedSequence(self.seed))
            picks = np.sort(rng.choice(total, size=self.sample_size, replace=False))
            combos = [
                tuple(a.values[int(i)] for a, i in zip(self.axes, np.unravel_index(p, sizes), strict=True))
                for p in picks
            ]
        return [dict(zip(names, c, strict=True)) for c in combos]


def _check_number(sw: Sweep, table: str, key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise sw._fail(table, key, "must be a finite number", value)


# ---- the sweep file ------------------------------------------------------------------------------------------

_SWEEP_KEYS = ("name", "base", "kind", "combine", "sample_size", "seed", "batch_size")
_OUTPUT_KEYS = ("schedules", "plots", "report")
_AXIS_KEYS = ("key", "name", "values", "start", "stop", "num", "step", "draws", "distribution", "seed",
              "low", "high", "mean", "sd")  # fmt: skip


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    """Read a sweep file (TOML): ``[sweep]``, ``[[axes]]``, optionally ``[policy]`` and ``[outputs]``.

    Raises
    ------
    SweepFileError
        A file that is missing or not TOML, an unknown table or key (with the nearest valid one), an axis
        given in no way or in two, a value outside its rule.
    """
    path = Path(path)
    file = str(path)

    def bad(table: str, key: str, rule: str, value: Any) -> SweepFileError:
        return SweepFileError(file=file, table=table, key=key, rule=rule, value=value)

    if not path.is_file():
        rule = "is a folder, not a sweep file" if path.is_dir() else "does not exist"
        raise SweepFileError(file="the command line", table="", key="SWEEP", rule=rule, value=file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SweepFileError(
            file="the command line", table="", key="SWEEP", rule=f"cannot be read as TOML: {exc}", value=file
        ) from None
    tables = ("sweep", "axes", "policy", "outputs")
    for key in data:
        if key not in tables:
            raise bad("", key, f"is not a table of a sweep file{_nearest(key, tables)}", data[key])
    head = data.get("sweep")
    if not isinstance(head, dict):
        raise bad("", "sweep", "must be given: a [sweep] table with the `base` scenario file", head)
    for key in head:
        if key not in _SWEEP_KEYS:
            raise bad("sweep", key, f"is not a key of [sweep]{_nearest(key, _SWEEP_KEYS)}", head[key])
    if not isinstance(head.get("base"), str) or not head["base"].strip():
        raise bad(
            "sweep", "base", 'must be the base scenario file in quotes, e.g. "base.toml"', head.get("base")
        )
    for key in ("name", "kind", "combine"):
        if key in head and not isinstance(head[key], str):
            raise bad("sweep", key, 'must be text in quotes, e.g. "product"', head[key])
    raw_axes = data.get("axes")
    if not isinstance(raw_axes, list) or not raw_axes:
        raise bad("", "axes", "must be given: one [[axes]] table per varied key, each with a `key`", raw_axes)
    axes = []
    for i, raw in enumerate(raw_axes, start=1):
        table = f"axes {i}"
        if not isinstance(raw, dict):
            raise bad("", "axes", "must be [[axes]] tables", raw)
        for key in raw:
            if key not in _AXIS_KEYS:
                raise bad(table, key, f"is not a key of [[axes]]{_nearest(key, _AXIS_KEYS)}", raw[key])
        if "key" not in raw:
            raise bad(table, "key", "must be given: the scenario-file key to vary", None)
        ways = [w for w in ("values", "start", "draws") if w in raw]
        if len(ways) != 1:
            raise bad(
                table,
                "values",
                "or `start`/`stop` with `num` or `step`, or `draws`: give exactly one way to make the values",
                ways or None,
            )
        only = {"values": ("values",), "start": ("start", "stop", "num", "step"),
                "draws": ("draws", "distribution", "seed", "low", "high", "mean", "sd")}  # fmt: skip
        for key in raw:
            if key not in ("key", "name", *only[ways[0]]):
                raise bad(table, key, f"does not go with `{ways[0]}`", raw[key])
        name = raw.get("name", "")
        if not isinstance(name, str):
            raise bad(table, "name", "must be text in quotes", name)
        try:
            if ways[0] == "values":
                values = raw["values"]
                if not isinstance(values, list) or not values:
                    raise bad(
                        table, "values", "must be a list of at least one value, e.g. [1.0, 2.0]", values
                    )
                axes.append(Axis.of(raw["key"], values, name=name))
            elif ways[0] == "start":
                if "stop" not in raw:
                    raise bad(table, "stop", "must be given with `start`", None)
                axes.append(
                    Axis.range(
                        raw["key"],
                        raw["start"],
                        raw["stop"],
                        num=raw.get("num"),
                        step=raw.get("step"),
                        name=name,
                    )
                )
            else:
                params = {k: raw[k] for k in ("low", "high", "mean", "sd") if k in raw}
                axes.append(
                    Axis.draws(
                        raw["key"],
                        raw["draws"],
                        distribution=raw.get("distribution", "seeds"),
                        seed=raw.get("seed", 0),
                        name=name,
                        **params,
                    )
                )
        except SweepFileError:
            raise
        except HydroSimInputError as exc:
            m = re.match(r"`([A-Za-z_]+)` \(", str(exc))
            key = m.group(1) if m else "key"
            rule = re.sub(r"^`[^`]*` \((?:[^()]|\([^()]*\))*\) ", "", str(exc)).rsplit(" in Axis", 1)[0]
            raise bad(table, key, rule, raw.get(key, raw.get("key"))) from None
    policy = data.get("policy", {})
    outputs = data.get("outputs", {})
    for table, raw_t in (("policy", policy), ("outputs", outputs)):
        if not isinstance(raw_t, dict):
            raise bad("", table, f"must be a table, written [{table}]", raw_t)
    for key in outputs:
        if key not in _OUTPUT_KEYS:
            raise bad("outputs", key, f"is not a key of [outputs]{_nearest(key, _OUTPUT_KEYS)}", outputs[key])
    return Sweep(
        base=path.parent / head["base"],
        axes=tuple(axes),
        kind=head.get("kind", "dispatch"),
        combine=head.get("combine", "product"),
        sample_size=head.get("sample_size"),
        seed=head.get("seed", 0),
        batch_size=head.get("batch_size"),
        policy=policy,
        schedules=outputs.get("schedules", False),
        plots=outputs.get("plots", True),
        report=outputs.get("report", True),
        name=head.get("name", ""),
        file=path,
    )


# ---- resolving scenarios -------------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_quote(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "isoformat"):  # a TOML date or time, as the file had it
        return value.isoformat()
    raise TypeError(f"no TOML form for {type(value).__name__}")  # pragma: no cover - tomllib gives no other


def to_toml(data: Mapping[str, Any]) -> str:
    """A parsed TOML document as TOML text (every value on its own line with its full dotted key)."""
    lines: list[str] = []

    def walk(node: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            path = (*prefix, key)
            if isinstance(value, dict) and value:
                walk(value, path)
            else:
                lines.append(f"{key_text(path)} = {_toml_value(value)}")

    walk(data, ())
    return "\n".join(lines) + "\n"


def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _set(
    data: dict[str, Any], parts: Sequence[str], value: Any, where: Callable[[str, str, Any], Exception]
) -> None:
    """Set ``parts`` (a dotted key) to ``value`` in the parsed file ``data``, making missing tables."""
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = node.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise where(
                key_text(parts[: i + 1]),
                f"is a value in the base file, not a table, so `{key_text(parts)}` cannot be set",
                nxt,
            )
        if tuple(parts[: i + 1]) == ("plant", "overrides"):
            flat = _flat(nxt)
            nxt.clear()
            nxt.update(flat)
        node = nxt
    node[parts[-1]] = copy.deepcopy(value)


_PATH_FIELDS = tuple((f.table, f.name) for f in schema.FIELDS if f.type == "path")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class _Planned:
    index: int
    parameters: dict[str, Any]
    key: str
    toml: str
    label: str
    group: str


def _resolve(
    sw: Sweep, base_data: Mapping[str, Any], values: Mapping[str, Any], digests: dict[str, str], label: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The base file's data with the axis values set: (as the worker reads it, as its key hashes it)."""

    def where(key: str, rule: str, value: Any) -> SweepFileError:
        return SweepFileError(file=label, table="", key=key, rule=rule, value=value)

    data = copy.deepcopy(dict(base_data))
    for axis in sw.axes:
        _set(data, axis.parts, values[axis.name], where)
    (data.get("outputs") or {}).pop("folder", None)
    hashed = copy.deepcopy(data)
    base_dir = sw.base.parent
    for table, name in _PATH_FIELDS:
        node: Any = data
        hnode: Any = hashed
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
            hnode = hnode.get(part) if isinstance(hnode, dict) else None
        if isinstance(node, dict) and isinstance(node.get(name), str):
            target = (base_dir / node[name]).resolve()
            node[name] = str(target)
            if target.is_file():
                if str(target) not in digests:
                    digests[str(target)] = _digest(target)
                hnode[name] = {"sha256": digests[str(target)]}
    return data, hashed


def _check_axes(sw: Sweep, base_data: Mapping[str, Any]) -> None:
    """Each axis's values (all, or the first, smallest and largest of a long axis) applied alone to the base
    file and read through the loader: a bad axis gets the scenario files' message at once."""
    from hydro_sim import files

    with tempfile.TemporaryDirectory(prefix="hydro-sim-sweep-check-") as folder:
        tmp = Path(folder) / sw.base.name
        for n, axis in enumerate(sw.axes, start=1):
            distinct = list(dict.fromkeys(axis.values))
            if len(distinct) > CHECKED_VALUES:
                numeric = [v for v in distinct if isinstance(v, int | float) and not isinstance(v, bool)]
                distinct = list(
                    dict.fromkeys([distinct[0], *([min(numeric), max(numeric)] if numeric else [])])
                )
            for value in distinct:
                label = f"{sw.base} with axis {n} (`{axis.key}` = {_show(value)}) of {sw.file or 'the sweep'}"
                data = copy.deepcopy(dict(base_data))
                _set(data, axis.parts, value, _blame(label))
                data, _ = _resolve_paths_only(sw, data)
                tmp.write_text(to_toml(data), encoding="utf-8")
                try:
                    files.load(tmp)
                except ScenarioFileError as exc:
                    raise SweepFileError(
                        file=label if exc.file == str(tmp) else exc.file,
                        table=exc.table,
                        key=exc.key,
                        rule=exc.rule.replace(str(tmp), str(sw.base)),
                        value=exc.value,
                    ) from None
                except HydroSimInputError as exc:
                    raise HydroSimInputError(str(exc).replace(str(tmp), label)) from None


def _blame(label: str) -> Callable[[str, str, Any], Exception]:
    def where(key: str, rule: str, value: Any) -> Exception:
        return SweepFileError(file=label, table="", key=key, rule=rule, value=value)

    return where


def _resolve_paths_only(sw: Sweep, data: dict[str, Any]) -> tuple[dict[str, Any], None]:
    (data.get("outputs") or {}).pop("folder", None)
    for table, name in _PATH_FIELDS:
        node: Any = data
        for part in table.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(name), str):
            node[name] = str((sw.base.parent / node[name]).resolve())
    return data, None


def _show(value: Any) -> str:
    return repr(round(value, 6)) if isinstance(value, float) else repr(value)


def plan(sw: Sweep) -> list[_Planned]:
    """The sweep's scenarios with their keys and resolved files (checks the base file and the axes first)."""
    from hydro_sim import __version__, files

    files.load(sw.base)  # the base file's own errors name it
    base_data = tomllib.loads(sw.base.read_text(encoding="utf-8"))
    _check_axes(sw, base_data)
    digests: dict[str, str] = {}
    spec = {
        "format": 1,
        "version": __version__,
        "kind": sw.kind,
        "policy": {k: v for k, v in sw.policy.items() if k != "kind"},
    }
    out = []
    where = sw.file or "the sweep"
    for i, values in enumerate(sw.points()):
        shown = ", ".join(f"{name} = {_show(v)}" for name, v in values.items())
        label = f"{sw.base} with scenario {i} ({shown}) of {where}"
        data, hashed = _resolve(sw, base_data, values, digests, label)
        key = hashlib.sha256(canonical({**spec, "scenario": hashed}).encode()).hexdigest()[:20]
        group = hashlib.sha256(canonical(hashed.get("plant", {})).encode()).hexdigest()[:12]
        out.append(_Planned(i, values, key, to_toml(data), label, group))
    return out


# ---- results -------------------------------------------------------------------------------------------------


#: The temporaries of :func:`_atomic_write` (``.NAME.PID.HEX.tmp``): those of a process that is gone are removed.
_STALE = r"\..+\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` a hidden temporary in ``path``'s folder, then rename it into place (never a partial file)."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    _atomic_write(path, write)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, kw_only=True)
class SweepResult:
    """What :func:`sweep` did.

    Attributes
    ----------
    folder : The output folder.
    table : One row per scenario in sweep order: ``scenario`` (its position), ``key``, the varied parameters,
        ``status``, the summary figures, ``message``, ``warnings``.
    computed : Scenarios computed by this call.
    reused : Scenarios whose results an earlier run had written (skipped).
    failed : Scenarios without figures (infeasible, refused input, solver failure, error).
    files : What was written at the end (table, plots, report).
    """

    folder: Path
    table: pd.DataFrame
    computed: int
    reused: int
    failed: int
    files: tuple[str, ...]

    @property
    def statuses(self) -> dict[str, int]:
        """Scenarios per status."""
        return dict(Counter(self.table["status"]))


def _folder(out: Path, where: str) -> None:
    if out.exists() and not out.is_dir():
        raise fail("out", "is a file; name a folder for the sweep's results", str(out), where)
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise fail(
            "out",
            f"holds files but no {MANIFEST}, so it is not a sweep's folder: name a new folder, or the folder of "
            "an earlier run of the sweep to resume it",
            str(out),
            where,
        )


def _done(
    folder: Path, planned: Sequence[_Planned], schedules: bool, retry_failed: bool
) -> dict[str, dict[str, Any]]:
    """Results written by earlier runs, by key (a damaged file counts as not done)."""
    done = {}
    for p in planned:
        path = folder / "scenarios" / f"{p.key}.json"
        if not path.is_file():
            continue
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if retry_failed and "figures" not in rec:
            continue
        if schedules and "figures" in rec and not (folder / "scenarios" / f"{p.key}.parquet").is_file():
            continue
        done[p.key] = rec
    return done


# ---- executors -----------------------------------------------------------------------------------------------


_DIED_HINT = (
    "(out of memory? A script that runs a sweep on local processes must start it under "
    '`if __name__ == "__main__":`, or each worker runs the script again and fails.)'
)


class _WorkerDied(Exception):
    """The worker running a task died: the task may be run again, unless ``final`` (the cluster has already
    run it again, as often as it allows)."""

    def __init__(self, text: str, final: bool = False) -> None:
        super().__init__(text)
        self.final = final


class _Pool:
    """A local process pool (spawn: no fork of a process with threads), or the caller's executor; replaced by
    a new pool of our own when a worker dies (a broken pool takes no more work)."""

    def __init__(self, workers: int, executor: Any = None) -> None:
        self.workers = workers
        self.generation = 0
        if executor is None:
            self._new()
        else:
            self.ex, self.own = executor, False

    def _new(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.ex = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        self.own = True

    def submit(self, task: Task) -> Any:
        return self.ex.submit(_run_task, task)

    def wait(self, futures: Sequence[Any], timeout: float) -> set[Any]:
        from concurrent.futures import FIRST_COMPLETED, wait

        return set(wait(futures, timeout=timeout, return_when=FIRST_COMPLETED).done)

    def result(self, future: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise _WorkerDied(str(exc) or "a worker process died") from None

    def running(self, futures: Sequence[Any]) -> int:
        return sum(1 for f in futures if f.running())

    def restart(self) -> None:
        self.close()
        self.generation += 1
        self._new()

    def close(self) -> None:
        if not self.own:
            return
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            with contextlib.suppress(Exception):
                if p.is_alive():
                    p.terminate()
        for p in procs:
            with contextlib.suppress(Exception):
                p.join(5)


def _run_task(task: Task) -> list[dict[str, Any]]:
    from hydro_sim._sweep_run import run_task

    return run_task(task)


_DASK_MISSING = (
    "needs Dask's distributed scheduler, which is not installed: install the optional extra "
    "`pip install 'hydro_sim[distributed]'` (or run without a scheduler, on local processes)"
)


class _Dask:
    """An existing Dask distributed cluster (its scheduler's address, or a ``distributed.Client``)."""

    generation = 0

    def __init__(self, scheduler: Any, where: str) -> None:
        try:
            import distributed
        except ImportError:
            raise fail("scheduler", _DASK_MISSING, str(scheduler), where) from None
        self.distributed = distributed
        if isinstance(scheduler, distributed.Client):
            self.client, self.own = scheduler, False
        else:
            try:
                self.client = distributed.Client(scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise fail(
                    "scheduler",
                    f"cannot be reached ({type(exc).__name__}: {exc}); start one with `dask scheduler` and "
                    "workers with `dask worker ADDRESS`",
                    str(scheduler),
                    where,
                ) from None
            self.own = True

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: Task) -> Any:
        return self.client.submit(_run_task, task, pure=False)

    def wait(self, futures: Sequence[Any], timeout: float) -> set[Any]:
        import time

        deadline = time.monotonic() + timeout
        while True:  # polling: distributed.wait() wants a default client, and this one is not
            done = {f for f in futures if f.done()}
            if done or time.monotonic() >= deadline:
                return done
            time.sleep(0.05)

    def result(self, future: Any) -> Any:
        try:
            return future.result()
        except self.distributed.KilledWorker as exc:
            raise _WorkerDied(f"Dask gave up on it after its workers died ({exc})", final=True) from None

    def running(self, futures: Sequence[Any]) -> int:
        return min(len(futures), self.workers)

    def restart(self) -> None:  # pragma: no cover - Dask reschedules by itself
        pass

    def close(self) -> None:
        if self.own:
            self.client.close()


# ---- the driver ----------------------------------------------------------------------------------------------


def _tasks(sw: Sweep, items: Sequence[_Planned]) -> list[Task]:
    size = sw.batch_size or (DEFAULT_SIMULATE_BATCH if sw.kind == "simulate" else 1)
    groups: dict[str, list[_Planned]] = {}
    for p in items:  # simulator batches share a plant (one kernel call); sweep order within a group
        groups.setdefault(p.group if sw.kind == "simulate" else "", []).append(p)
    tasks = []
    for members in groups.values():
        for k in range(0, len(members), size):
            chunk = members[k : k + size]
            tasks.append(
                Task(
                    kind=sw.kind,
                    items=tuple(Item(p.index, p.key, p.toml, p.label, p.group) for p in chunk),
                    policy={k2: v for k2, v in sw.policy.items() if k2 != "kind"},
                    schedules=sw.schedules,
                )
            )
    return tasks


class _Progress:
    def __init__(self, total: int, done: int, failed: int, show: bool) -> None:
        self.bar: Any = None
        self.failed = failed
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=total, initial=done, desc="hydro-sim sweep", unit="scenario", dynamic_ncols=True
            )
            self.bar.set_postfix_str(f"running 0, failed {failed}")

    def update(self, n: int, failed: int, running: int) -> None:
        self.failed += failed
        if self.bar is not None:
            if n:
                self.bar.update(n)
            self.bar.set_postfix_str(f"running {running}, failed {self.failed}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def sweep(
    definition: Sweep | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    scheduler: Any = None,
    executor: Any = None,
    progress: bool = False,
    retry_failed: bool = False,
    max_attempts: int = 3,
) -> SweepResult:
    """Run a sweep into the folder ``out`` (new, or the folder of an earlier run to resume it).

    Parameters
    ----------
    definition : A :class:`Sweep`, or the path of a sweep file (:func:`load_sweep`).
    out : The output folder; scenarios whose results it holds are skipped (not recomputed).
    workers : Local worker processes; the machine's CPU count if not given (never more than the tasks).
    scheduler : A Dask scheduler's address (``"tcp://host:port"``) or a ``distributed.Client``: the sweep runs
        on that cluster instead of local processes. Needs ``hydro_sim[distributed]``.
    executor : A ``concurrent.futures`` executor of your own (e.g. a ``ProcessPoolExecutor`` kept warm across
        sweeps) in place of the sweep's pool; left running. If one of its workers dies, the rest of the
        sweep runs on a new pool of the sweep's own.
    progress : Show a progress bar (tqdm) of the done, running and failed scenarios.
    retry_failed : Run again the scenarios an earlier run recorded as failed.
    max_attempts : Runs of a task whose worker dies before it is recorded as failed.

    Returns
    -------
    SweepResult

    Raises
    ------
    HydroSimInputError
        For a bad sweep or base file or axis (the scenario files' messages), an output folder that is not a
        sweep's, a scheduler asked for without Dask installed or out of reach.
    """
    where = "hydro_sim.sweep()"
    sw = definition if isinstance(definition, Sweep) else load_sweep(definition)
    folder = Path(out)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise fail("workers", "must be a whole number of at least 1", workers, where)
    if workers is not None and scheduler is not None:
        raise fail(
            "workers", "applies to local processes; a Dask cluster has its own workers", workers, where
        )
    if executor is not None and (workers is not None or scheduler is not None):
        raise fail(
            "executor",
            "comes with its own workers: give no `workers` or `scheduler` with it",
            executor,
            where,
        )
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise fail("max_attempts", "must be a whole number of at least 1", max_attempts, where)
    _folder(folder, where)
    runner: _Pool | _Dask | None = _Dask(scheduler, where) if scheduler is not None else None
    try:
        planned = plan(sw)
        (folder / "scenarios").mkdir(parents=True, exist_ok=True)
        from hydro_sim._output import remove_stale

        for place in (folder, folder / "scenarios", folder / "plots"):  # temporaries of a run that was killed
            remove_stale(place, _STALE)
        _write_manifest(folder, sw, planned)
        done = _done(folder, planned, sw.schedules, retry_failed)
        pending = [p for p in planned if p.key not in done]
        reused = len(planned) - len(pending)
        computed = 0
        if pending:
            tasks = _tasks(sw, pending)
            if runner is None:
                n = getattr(executor, "_max_workers", None) or workers or os.cpu_count() or 1
                runner = _Pool(min(n, len(tasks)), executor)
            computed = _drive(runner, tasks, folder, planned, done, progress, max_attempts)
    finally:
        if runner is not None:
            runner.close()
    from hydro_sim import _sweep_report

    table = _sweep_report.table(sw, planned, done)
    written = _sweep_report.write_outputs(folder, sw, planned, table, done, _write_text, _atomic_write)
    failed = int(sum(1 for p in planned if "figures" not in done[p.key]))
    return SweepResult(
        folder=folder, table=table, computed=computed, reused=reused, failed=failed, files=tuple(written)
    )


def _write_manifest(folder: Path, sw: Sweep, planned: Sequence[_Planned]) -> None:
    from hydro_sim import __version__

    manifest = {
        "written_by": "hydro-sim sweep",
        "version": __version__,
        "name": sw.title,
        "sweep_file": None if sw.file is None else str(sw.file),
        "base": str(sw.base),
        "kind": sw.kind,
        "combine": sw.combine,
        "axes": [{"key": a.key, "name": a.name, "how": a.how, "values": list(a.values)} for a in sw.axes],
        "scenarios": [{"scenario": p.index, "key": p.key, "parameters": p.parameters} for p in planned],
    }
    _write_text(folder / MANIFEST, json.dumps(_json_safe(manifest), indent=1, ensure_ascii=False) + "\n")


def _drive(
    executor: _Pool | _Dask,
    tasks: Sequence[Task],
    folder: Path,
    planned: Sequence[_Planned],
    done: dict[str, dict[str, Any]],
    progress: bool,
    max_attempts: int,
) -> int:
    """Run the tasks; write each scenario's result as it arrives. Returns the scenarios computed."""
    params = {p.key: p.parameters for p in planned}
    total = len(planned)
    bar = _Progress(total, len(done), sum(1 for r in done.values() if "figures" not in r), progress)
    futures: dict[Any, tuple[Task, int]] = {executor.submit(t): (t, executor.generation) for t in tasks}
    attempts: Counter[int] = Counter()
    computed = 0
    try:
        while futures:
            finished = executor.wait(list(futures), timeout=0.5)
            again: list[Task] = []
            n_new = n_failed = 0
            for f in finished:
                task, generation = futures.pop(f)
                try:
                    records = executor.result(f)
                except _WorkerDied as exc:
                    attempts[id(task)] += 1
                    if attempts[id(task)] < max_attempts and not exc.final:
                        log.warning("hydro-sim sweep: a worker died; its scenarios run again (%s)", exc)
                        if generation == executor.generation:
                            executor.restart()
                        again.append(task)
                        continue
                    records = [
                        {"index": it.index, "key": it.key, "status": "error",
                         "message": f"the worker running it died {attempts[id(task)]} times: {exc} " + _DIED_HINT}
                        for it in task.items
                    ]  # fmt: skip
                except Exception as exc:  # the task itself failed (not a scenario): recorded, not raised
                    records = [
                        {
                            "index": it.index,
                            "key": it.key,
                            "status": "error",
                            "message": f"{type(exc).__name__}: {exc}",
                        }
                        for it in task.items
                    ]
                for rec in records:
                    done[rec["key"]] = _write_result(folder, rec, params[rec["key"]])
                    n_new += 1
                    n_failed += "figures" not in rec
            for task in again:
                futures[executor.submit(task)] = (task, executor.generation)
            computed += n_new
            bar.update(n_new, n_failed, executor.running(list(futures)))
            if n_new and not progress:
                log.info("hydro-sim sweep: %d of %d scenarios done", len(done), total)
    finally:
        for f in futures:  # stopped: what has not run does not run (on a caller's executor too)
            f.cancel()
        bar.close()
    return computed


def _write_result(folder: Path, rec: dict[str, Any], parameters: Mapping[str, Any]) -> dict[str, Any]:
    """One scenario's files, atomically: its schedule first, then its result (the mark that it is done)."""
    key = rec["key"]
    schedule = rec.pop("schedule", None)
    if schedule is not None:
        _atomic_write(folder / "scenarios" / f"{key}.parquet", schedule.to_parquet)
    body = {"scenario": rec["index"], "key": key, "parameters": dict(parameters)}
    body |= {k: v for k, v in rec.items() if k not in ("index", "key")}
    body = _json_safe(body)
    _write_text(folder / "scenarios" / f"{key}.json", json.dumps(body, indent=1, ensure_ascii=False) + "\n")
    return body


# ---- the command line ----------------------------------------------------------------------------------------


def run_cli(args: Any) -> int:
    """`hydro-sim sweep SWEEP.toml --out DIR [--workers N] [--scheduler ADDRESS]` (parsed by :mod:`hydro_sim.cli`)."""
    import sys

    from hydro_sim import _output

    where = "hydro-sim sweep"
    if args.out is None:
        raise fail(
            "--out",
            "must be given: the sweep's output folder (a new one, or an earlier run's to resume)",
            None,
            where,
        )
    workers = None
    if args.workers is not None:
        try:
            workers = int(args.workers)
        except ValueError:
            workers = -1
        if workers < 1:
            raise fail("--workers", "must be a whole number of at least 1", args.workers, where)
    if workers is not None and args.scheduler is not None:
        raise fail(
            "--workers",
            "applies to local processes; a Dask cluster (--scheduler) has its own workers",
            args.workers,
            where,
        )
    quiet = getattr(args, "quiet", False)
    show = not quiet and sys.stderr.isatty()
    out = Path(args.out)
    try:
        res = sweep(
            args.sweep,
            out,
            workers=workers,
            scheduler=args.scheduler,
            progress=show,
            retry_failed=args.retry_failed,
        )
    except _output.Interrupted:
        n = len(list((out / "scenarios").glob("*.json"))) if (out / "scenarios").is_dir() else 0
        print(
            f"hydro-sim sweep: stopped; the results of {n} scenarios are kept in {out / 'scenarios'}: run the same "
            "command again to resume",
            file=sys.stderr,
        )
        raise
    if not quiet:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(res.statuses.items(), key=lambda kv: -kv[1]))
        print(
            f"Sweep of {len(res.table)} scenarios into {out}/: {res.computed} computed, {res.reused} from an earlier "
            f"run; {counts}"
        )
        if res.failed:
            print(
                f"  {res.failed} scenarios failed: their status and diagnosis are in table.csv and report.html"
            )
        print(f"  written: {', '.join(res.files)}")
    return 0
