"""The work of a sweep's task, run in a worker process (a local process or a Dask worker).

A task is a batch of scenarios, each given as the text of its resolved scenario file: the worker writes the
text to a temporary file, reads it with :func:`hydro_sim.files.load` (so every rule of the scenario files holds
and every error is the scenario files' own, restated to name the base file and the axis values), runs it and
returns one record per scenario. Nothing here writes a result: the sweep's driver does, the moment a task's
records arrive (a Dask worker need not share a file system with it).

Dispatch sweeps run one scenario per task. Simulator sweeps run many: scenarios on the same plant, steps and
policy go through :func:`hydro_sim.simulation.simulate` in one call (the kernel's blocks).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Test hook: seconds each task sleeps before its work (so that a test can stop a sweep or kill a worker).
PAUSE_ENV = "HYDRO_SIM_SWEEP_TEST_PAUSE_S"
#: Test hook: a file path; the first task to find the file missing creates it and kills its own process
#: (``os._exit``), as a worker that dies mid-task.
DIE_ONCE_ENV = "HYDRO_SIM_SWEEP_TEST_DIE_ONCE"
#: Test hook: a file path; each scenario computed appends its key to it (counts the computations).
LOG_ENV = "HYDRO_SIM_SWEEP_TEST_LOG"

#: The summary figures of a dispatch scenario, in table order (a replay adds the ``replay_`` ones).
DISPATCH_FIGURES = (
    "objective",
    "conventional_generation_mwh",
    "reversible_generation_mwh",
    "pumping_mwh",
    "line_export_mwh",
    "line_import_mwh",
    "water_balance_max_error_hm3",
    "iterations",
    "head_change_m",
    "converged",
    "replay_conventional_generation_mwh",
    "replay_reversible_generation_mwh",
    "replay_pumping_mwh",
    "replay_revenue",
    "replay_water_balance_max_error_hm3",
    "replay_cutback_steps",
)
#: The summary figures of a simulator scenario, in table order (then the rest of the simulator's totals).
SIMULATE_FIGURES = (
    "revenue",
    "conventional_generation_mwh",
    "reversible_generation_mwh",
    "pumping_mwh",
    "water_balance_max_error_hm3",
    "cutback_steps",
)


@dataclass(frozen=True)
class Item:
    """One scenario of a task: its position in the sweep, its key, its resolved scenario file and how to name it
    in a message (the base file, the sweep file and the axis values)."""

    index: int
    key: str
    toml: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class Task:
    """A batch of scenarios of one kind: ``dispatch`` (one scenario) or ``simulate`` (many)."""

    kind: str
    items: tuple[Item, ...]
    policy: Mapping[str, Any] = field(default_factory=dict)
    schedules: bool = False


def _test_hooks() -> None:
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        time.sleep(float(pause))
    marker = os.environ.get(DIE_ONCE_ENV)
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(17)


def _log(key: str) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(key + "\n")


def _clean(value: Any) -> Any:
    """A number for a JSON record: numpy scalars to Python, NaN and ±inf to None."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _record(item: Item, status: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"index": item.index, "key": item.key, "status": status, "message": message, **extra}


def _restate(exc: Exception, tmp_file: str, item: Item) -> str:
    """The message of a scenario file error, naming the base file and the axis values instead of the
    temporary file the worker read."""
    from hydro_sim.files import ScenarioFileError

    if isinstance(exc, ScenarioFileError) and exc.file == tmp_file:
        return str(
            ScenarioFileError(file=item.label, table=exc.table, key=exc.key, rule=exc.rule, value=exc.value)
        )
    return str(exc).replace(tmp_file, item.label)


def _load(item: Item, folder: str) -> Any:
    from hydro_sim import files

    path = Path(folder) / f"scenario-{item.index}.toml"
    path.write_text(item.toml, encoding="utf-8")
    return files.load(path)


def run_task(task: Task) -> list[dict[str, Any]]:
    """Run every scenario of ``task``; one record per scenario, in the task's order. A scenario that cannot
    be read, is infeasible or fails is a record with its status and diagnosis, never an exception."""
    _test_hooks()
    out: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="hydro-sim-sweep-") as folder:
        loaded: list[tuple[Item, Any, str]] = []
        for item in task.items:
            tmp_file = str(Path(folder) / f"scenario-{item.index}.toml")
            try:
                loaded.append((item, _load(item, folder), tmp_file))
            except Exception as exc:  # the scenario's input error (or a loader failure): recorded, not raised
                from hydro_sim.errors import HydroSimInputError

                status = "input_error" if isinstance(exc, HydroSimInputError) else "error"
                out[item.index] = _record(item, status, _restate(exc, tmp_file, item), **_trace(exc, status))
                _log(item.key)
        if task.kind == "dispatch":
            for item, sf, tmp_file in loaded:
                out[item.index] = _guarded(
                    lambda i=item, s=sf: _dispatch(i, s, task.schedules), item, tmp_file
                )
                _log(item.key)
        else:
            groups: dict[tuple[Any, ...], list[tuple[Item, Any, str]]] = {}
            for entry in loaded:
                item, sf, _ = entry
                try:
                    policy = _policy(sf, task.policy)
                except Exception as exc:
                    out[item.index] = _record(item, "input_error", _restate(exc, entry[2], item))
                    _log(item.key)
                    continue
                idx = sf.scenario.index
                group = (item.group, len(idx), str(idx[0]), str(idx.freq), repr(policy))
                groups.setdefault(group, []).append((item, sf, policy))
            for entries in groups.values():
                for rec in _simulate_group(entries, task.schedules):
                    out[rec["index"]] = rec
                for item, _, _ in entries:
                    _log(item.key)
    return [out[item.index] for item in task.items]


def _trace(exc: BaseException, status: str) -> dict[str, Any]:
    if status != "error":
        return {}
    return {"diagnosis": "".join(traceback.format_exception(exc)[-6:])}


def _guarded(work: Any, item: Item, tmp_file: str) -> dict[str, Any]:
    """``work()`` with its warnings recorded and any exception made a record."""
    from hydro_sim.errors import HydroSimInputError

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rec = work()
        except Exception as exc:
            status = "input_error" if isinstance(exc, HydroSimInputError) else "error"
            rec = _record(item, status, _restate(exc, tmp_file, item), **_trace(exc, status))
    rec["warnings"] = sorted({str(w.message).replace(tmp_file, item.label) for w in caught})
    rec.setdefault("timings_s", {})["scenario"] = time.perf_counter() - t0
    return rec


def _dispatch(item: Item, sf: Any, schedules: bool) -> dict[str, Any]:
    """One scenario as `hydro-sim run` runs it (dispatch or rolling windows, then the replay if the file asks)."""
    from hydro_sim.balance import water_balance_max_error_hm3
    from hydro_sim.errors import HydroSimInputError

    plant, scenario = sf.plant, sf.scenario
    opts = dict(sf.options)
    try:
        if sf.rolling is None:
            from hydro_sim.optimise import dispatch

            res = dispatch(plant, scenario, **opts)
            diagnosis = None if res.diagnosis is None else res.diagnosis.to_string()
            details: dict[str, Any] = {
                "iterations": res.iterations,
                "head_change_m": res.head_change_m,
                "converged": res.converged,
            }
            has = bool(getattr(res, "has_solution", res.success)) and not res.schedule.empty
            status, message, objective, schedule = res.status, res.message, res.objective_value, res.schedule
            timings = dict(res.timings_s)
        else:
            from hydro_sim.optimise.rolling import rolling_dispatch

            rr = rolling_dispatch(plant, scenario, progress=False, **dict(sf.rolling), **opts)
            diagnosis, details = None, {"windows": len(rr.windows)}
            status, objective, schedule = rr.status, rr.objective_value, rr.schedule
            message = f"{len(rr.windows)} windows"
            has = not schedule.empty
            timings = dict(rr.timings_s)
    except HydroSimInputError as exc:
        raise sf.blame(exc) from None
    if not has:
        return _record(item, status, message, diagnosis=diagnosis, timings_s=timings)
    dt = scenario.dt_h
    figures: dict[str, Any] = {
        "objective": objective,
        "conventional_generation_mwh": schedule["power_conventional_mw"].sum() * dt,
        "reversible_generation_mwh": schedule["power_generating_mw"].sum() * dt,
        "pumping_mwh": schedule["power_pumping_mw"].sum() * dt,
        "line_export_mwh": schedule["line_mw"].clip(lower=0).sum() * dt,
        "line_import_mwh": (-schedule["line_mw"]).clip(lower=0).sum() * dt,
        "water_balance_max_error_hm3": water_balance_max_error_hm3(
            schedule,
            initial_volume_upper_hm3=plant.upper.initial_volume_hm3,
            initial_volume_lower_hm3=None if plant.lower is None else plant.lower.initial_volume_hm3,
            dt_h=dt,
        ),
        **details,
    }
    if sf.outputs["replay"]:
        from hydro_sim.simulation import ReplayPolicy, simulate

        sim = simulate(plant, scenario, ReplayPolicy(schedule=schedule, mode="flows"))
        e = sim.energy_mwh().iloc[0]
        for k, v in e.items():
            figures[f"replay_{k}"] = v
        figures["replay_revenue"] = sim.totals.iloc[0]["revenue"]
        figures["replay_water_balance_max_error_hm3"] = sim.water_balance_error_hm3()
        figures["replay_cutback_steps"] = len(sim.cutbacks())
    rec = _record(
        item,
        status,
        message,
        figures={k: _clean(v) for k, v in figures.items()},
        currency=sf.currency,
        timings_s=timings,
    )
    if schedules:
        rec["schedule"] = schedule
    return rec


def _policy(sf: Any, spec: Mapping[str, Any]) -> Any:
    """The sweep's ``[policy]`` for one scenario: the time-of-use rule, its thresholds as given or (not given)
    0.4 and 1.6 times the scenario's flat price (``[series.reference_year]`` or ``[tariff]``)."""
    from hydro_sim.simulation import TouRulePolicy

    kw: dict[str, Any] = {}
    if spec.get("lower_target_level_masl") is not None:
        kw["lower_target_level_masl"] = float(spec["lower_target_level_masl"])
    lo, hi = spec.get("pump_when_price_at_most_per_mwh"), spec.get("generate_when_price_at_least_per_mwh")
    if lo is not None and hi is not None:
        return TouRulePolicy(
            pump_when_price_at_most_per_mwh=float(lo),
            generate_when_price_at_least_per_mwh=float(hi),
            **kw,
        )
    series = sf.data.get("series") or {}
    flat = (sf.data.get("tariff") or {}).get("flat_price_per_mwh")
    if flat is None and series.get("source", "reference_year") == "reference_year":
        from hydro_sim import schema

        default = schema.field("series.reference_year", "flat_price_per_mwh").default
        flat = (series.get("reference_year") or {}).get("flat_price_per_mwh", default)
    if flat is None:
        from hydro_sim.files import ScenarioFileError

        raise ScenarioFileError(
            file="the sweep",
            table="policy",
            key="pump_when_price_at_most_per_mwh",
            rule="must be given with `generate_when_price_at_least_per_mwh`: the scenario's prices come from "
            "neither the reference year nor a [tariff], so there is no flat price to derive them from",
            value=None,
        )
    return TouRulePolicy.for_tariff(flat_price_per_mwh=float(flat), **kw)


def _simulate_group(entries: list[tuple[Item, Any, Any]], schedules: bool) -> list[dict[str, Any]]:
    """Scenarios on one plant, steps and policy through the simulator in one call; if the call fails, each
    scenario alone (so that one bad scenario does not take the others with it)."""
    from hydro_sim.simulation import simulate

    plant, policy = entries[0][1].plant, entries[0][2]
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            sim = simulate(  # (one thread: the sweep runs a worker per core)
                plant,
                [sf.scenario for _, sf, _ in entries],
                policy,
                record="all" if schedules else "totals",
                threads=1,
            )
        except Exception:
            sim = None
    if sim is None:
        if len(entries) == 1:
            item, sf, policy = entries[0]
            return [_guarded(lambda: _raise_simulate(sf, policy, schedules), item, str(sf.path))]
        return [rec for entry in entries for rec in _simulate_group([entry], schedules)]
    per = (time.perf_counter() - t0) / len(entries)
    warned = sorted({str(w.message) for w in caught})
    out = []
    for s, (item, sf, _) in enumerate(entries):
        row = sim.totals.iloc[s]
        figures: dict[str, Any] = {
            "revenue": row["revenue"],
            "conventional_generation_mwh": row["conventional_generation_mwh"],
            "reversible_generation_mwh": row["reversible_generation_mwh"],
            "pumping_mwh": row["pumping_mwh"],
            "water_balance_max_error_hm3": max(
                abs(float(v)) for k, v in row.items() if str(k).startswith("water_balance_error")
            ),
            "cutback_steps": int(sim.cut_steps[s].sum()),
        }
        for k, v in row.items():
            if k not in ("revenue", *figures):
                figures[str(k)] = v
        rec = _record(
            item,
            "ok",
            "simulated",
            figures={k: _clean(v) for k, v in figures.items()},
            currency=sf.currency,
            warnings=warned,
            timings_s={"scenario": per},
        )
        if schedules:
            rec["schedule"] = sim.frame(s)
        out.append(rec)
    return out


def _raise_simulate(sf: Any, policy: Any, schedules: bool) -> dict[str, Any]:
    from hydro_sim.simulation import simulate

    simulate(sf.plant, sf.scenario, policy, record="all" if schedules else "totals")
    raise AssertionError("simulate() failed in a batch and not alone")  # pragma: no cover


def canonical(value: Any) -> str:
    """Canonical JSON of resolved inputs (sorted keys, exact floats): what a scenario's key hashes."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
