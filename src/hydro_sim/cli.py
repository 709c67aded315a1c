"""hydro-sim: schedule and simulate pumped-storage hydro plants, from a scenario file or the Lianghekou case.

Commands:
  init       write a commented starter scenario file that runs as written
  run        run a scenario file: dispatch, replay through the simulator, write the results
  plant      print a plant's parameters with units and provenance (a preset or a scenario file's)
  plot       redraw the plots of a run's output folder
  sweep      run a scenario sweep on local processes or a Dask cluster; resumes where it stopped
  validate   the Lianghekou annual check against the published figures
  year, dispatch, overview   the Lianghekou reference year, its dispatch, and both with the plant

Examples:
  hydro-sim init scenario.toml
  hydro-sim run scenario.toml --out results
  hydro-sim plant --preset textbook
  hydro-sim validate --out validate_out

Exit codes:
  0    success; also a solve stopped by --time-limit that found a feasible schedule (stderr and the output
       say that it is not proven optimal)
  2    bad input, or an output place (--out) that cannot be used: refused before any computation
  3    the problem is infeasible (the diagnosis is printed)
  4    the solver failed, or stopped at --time-limit without a feasible schedule
  130  interrupted by SIGINT (Ctrl-C); 143: by SIGTERM. The previous output, or none, is left; no
       temporary file or folder is left behind.

Output is never overwritten and never half-written: it is written into a hidden temporary beside its place
and renamed into place when complete (see ``hydro_sim._output``); `--force` replaces the folder of an earlier
run (only one that holds a run's summary.json) at once.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any, NoReturn

from hydro_sim import _output
from hydro_sim._validation import fail
from hydro_sim.errors import HydroSimError, HydroSimInputError

log = logging.getLogger("hydro_sim")

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4


def _api_defaults() -> dict[str, Any]:
    """The keyword defaults of :func:`hydro_sim.optimise.dispatch`: the CLI's defaults are the API's."""
    import inspect

    from hydro_sim.optimise import dispatch

    return {
        name: p.default
        for name, p in inspect.signature(dispatch).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _has_solution(res: Any) -> bool:
    """A feasible schedule is present (optimal, or a time-limited solve that found one)."""
    return bool(getattr(res, "has_solution", res.success)) and not res.schedule.empty


def _solve_outcome(res: Any, what: str) -> int | None:
    """The exit code of a dispatch that gave no schedule to use (None if it gave one); raises
    :class:`~hydro_sim._output.Interrupted` for an interrupted solve. Says what happened on stderr."""
    if res.status == "interrupted":
        raise _output.Interrupted(getattr(res, "interrupted_by", None) or "SIGINT")
    if _has_solution(res):
        if res.status != "optimal":
            print(
                f"hydro-sim: note: {what} stopped at {res.status} with a feasible schedule that is not proven "
                f"optimal: {res.message}",
                file=sys.stderr,
            )
        return None
    if res.status == "infeasible":
        if res.diagnosis is not None:
            print(res.diagnosis.to_string())
        print(f"hydro-sim: {what} is infeasible: {res.message}", file=sys.stderr)
        return EXIT_INFEASIBLE
    print(f"hydro-sim: {what} gave no schedule ({res.status}): {res.message}", file=sys.stderr)
    return EXIT_SOLVER


def _time_limit(args: argparse.Namespace, where: str) -> dict[str, Any]:
    """``--time-limit`` as the ``time_limit_s`` keyword (nothing if not given: the API's default)."""
    if args.time_limit is None:
        return {}
    try:
        x = float(args.time_limit)
    except ValueError:
        raise fail("--time-limit", "must be a number of seconds", args.time_limit, where) from None
    if not math.isfinite(x) or x <= 0.0:
        raise fail("--time-limit", "must be a positive, finite number of seconds", args.time_limit, where)
    return {"time_limit_s": x}


def _uc_gap() -> float:
    """dispatch()'s MIP gap for unit commitment when none is given (its ``mip_rel_gap=None``)."""
    from hydro_sim.optimise._data import UC_MIP_REL_GAP

    return UC_MIP_REL_GAP


def _mip_gap(args: argparse.Namespace, where: str) -> dict[str, Any]:
    """``--mip-gap`` as the ``mip_rel_gap`` keyword (nothing if not given: the API's default)."""
    if args.mip_gap is None:
        return {}
    try:
        x = float(args.mip_gap)
    except ValueError:
        raise fail("--mip-gap", "must be a fraction such as 0.001", args.mip_gap, where) from None
    if not 0.0 <= x < 1.0:
        raise fail("--mip-gap", "must be a fraction in [0, 1), e.g. 0.001 for 0.1 %", args.mip_gap, where)
    if not args.unit_commitment:
        raise fail(
            "--mip-gap",
            "applies to the MILP only: add --unit-commitment (the LP has no gap)",
            args.mip_gap,
            where,
        )
    return {"mip_rel_gap": x}


def _reference(args: argparse.Namespace, design_basis: bool = False) -> Any:
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    year = reference_year()
    if design_basis:
        from hydro_sim.cases.lianghekou.annual_check import design_basis_year

        year = design_basis_year(year)
    if args.hours is not None or args.start_h != 0.0:
        year = year.window(start_h=args.start_h, hours=args.hours)
    return year


def _cmd_year(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.cases.lianghekou.report import scenario_summary

    print(scenario_summary(_reference(args)))
    return EXIT_OK


def _cmd_dispatch(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.cases.lianghekou.plant import lianghekou
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.optimise import dispatch

    where = "hydro-sim dispatch"
    solver = _time_limit(args, where) | _mip_gap(args, where)
    out = Path(args.out) if args.out is not None else None
    if out is not None:
        _output.check_file_place(out, "schedule.csv", where)  # before the solve, not after it
    plant = lianghekou()
    year = _reference(args)
    log.info(
        "hydro-sim dispatch: solving %d steps (backend %s, head %s)", year.n_steps, args.backend, args.head
    )
    res = dispatch(
        plant,
        year,
        backend=args.backend,
        head=args.head,
        pump_generate_balance=args.balance,
        unit_commitment=args.unit_commitment,
        **solver,
    )
    print(
        f"Dispatch of {plant.name} over {year.name} ({year.n_steps} steps), backend {args.backend}, "
        f"head {args.head}, pump–generate balance {args.balance}"
    )
    print(f"status: {res.status}: {res.message}")
    code = _solve_outcome(res, "the dispatch")
    if code is not None:
        return code
    if res.status != "optimal":
        print(f"NOTE: the schedule is feasible but not proven optimal ({res.status}).")
    e = res.energy_mwh()
    print(f"objective (revenue less costs): {res.objective_value / 1e8:.4f} × 10⁸ CNY")
    print(
        f"iterations {res.iterations}, final head change {res.head_change_m:.3g} m, "
        f"build {res.timings_s['build']:.2f} s, solve {res.timings_s['solve']:.2f} s"
    )
    for key, value in e.items():
        print(f"  {key:<30} {value:>14,.0f} MWh = {value / MWH_PER_TWH:.3f} TWh")
    if out is not None:
        log.info("hydro-sim dispatch: writing %s", out / "schedule.csv")
        _output.write_file(out / "schedule.csv", res.schedule.to_csv(float_format="%.9g"), guard)
        print(f"schedule written to {out / 'schedule.csv'}")
    return EXIT_OK


def _cmd_overview(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.cases.lianghekou.plant import lianghekou
    from hydro_sim.cases.lianghekou.report import (
        energy_comparison,
        plant_table,
        published_figures_text,
        scenario_summary,
    )
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.optimise import dispatch

    plant = lianghekou()
    year = _reference(args)
    print(plant_table(plant))
    print()
    print(scenario_summary(year))
    print()
    print(published_figures_text())
    res = dispatch(plant, year, head="successive", pump_generate_balance="day")
    print()
    hours = year.n_steps * year.dt_h
    print(
        f"Dispatch of {year.name} ({hours:,.0f} h) with PV and wind (TOU revenue, daily pump–generate water "
        f"balance, successive head): {res.status}; "
        f"{res.iterations} iterations, final head change {res.head_change_m:.3g} m"
    )
    if hours != 8760:
        print(
            f"  (the published figures are annual and this run covers {hours:,.0f} h: the deviations below "
            "compare a window with a year and are no check)"
        )
    code = _solve_outcome(res, "the overview's dispatch")
    if code is not None:
        return code
    e = res.energy_mwh()
    cmp = energy_comparison(e["reversible_generation_mwh"], e["conventional_generation_mwh"])
    for row in cmp.itertuples(index=False):
        print(
            f"  {row.figure:<38} model {row.model_mwh / MWH_PER_TWH:7.3f} TWh   published "
            f"{row.published_mwh / MWH_PER_TWH:7.3f} TWh   deviation {row.relative_deviation:+.1%}"
        )
    print(
        f"  pumping energy {e['pumping_mwh'] / MWH_PER_TWH:.3f} TWh; cycle efficiency "
        f"{e['reversible_generation_mwh'] / e['pumping_mwh']:.3f}"
        if e["pumping_mwh"] > 0
        else "  no pumping"
    )
    print(
        f"  (LP figures on {year.name}, PV and wind included, and the default ASSUMPTIONS; the annual "
        "check on the design basis, replayed through the physics and with its inverse problems, is "
        "`hydro-sim validate`.)"
    )
    return EXIT_OK


def _inverse_text(value: float | None, status: str, unit: str, quick: bool) -> str:
    if value is not None:
        return f"{value:.2f} {unit}"
    return "not run (--quick)" if quick and status == "not run" else status


def _cmd_validate(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.cases.lianghekou.annual_check import AnnualCheckSolveError, annual_check
    from hydro_sim.cases.lianghekou.plant import lianghekou
    from hydro_sim.cases.lianghekou.report import write_annual_check

    where = "hydro-sim validate"
    out = Path(args.out)
    _output.check_new_folder(out, where)  # before the computation, not after it
    solver = _time_limit(args, where)
    plant = lianghekou()
    year = _reference(args, design_basis=True) if (args.hours is not None or args.start_h != 0.0) else None
    try:
        check = annual_check(
            plant,
            year,
            inverse=not args.quick,
            sensitivity=not args.quick,
            unit_commitment=args.unit_commitment,
            progress=lambda text: log.warning("hydro-sim validate: %s", text),
            **solver,
        )
    except AnnualCheckSolveError as exc:
        if exc.status == "interrupted":
            raise _output.Interrupted(exc.interrupted_by or "SIGINT") from None
        if exc.diagnosis is not None:
            print(exc.diagnosis.to_string())
        print(f"hydro-sim: error: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE if exc.status == "infeasible" else EXIT_SOLVER
    log.warning("hydro-sim validate: writing %s", out)
    with _output.new_folder(out, guard) as tmp:
        write_annual_check(check, plant, tmp, after_file=_output.test_hook)
    s = check.summary
    print(f"Annual check of {plant.name}: written to {out}/")
    print("13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh (亿 = 10⁸)")
    if s["hours"] != 8760.0:
        print(
            f"  (a window of {s['hours']:,.0f} h, not the annual check: the published figures are pro-rated by "
            f"{s['published_pro_rata_factor']:.4f})"
        )
    db = s.get("design_basis")
    if db is not None:
        import textwrap

        print("What the check shows (design basis):")
        for sentence in db["headline"]:
            print(textwrap.fill(sentence, width=110, initial_indent="  - ", subsequent_indent="    "))
        inv = db["reversible"]["implied_yagen_i_usable_volume_hm3"]
        print(
            "  usable Yagen-I volume at which the capability equals the duty (release ramp-limited): "
            + (
                f"{inv:.2f} hm³"
                if inv is not None
                else _inverse_text(
                    None, db["reversible"]["implied_yagen_i_usable_volume_status"], "", args.quick
                )
            )
        )
        print(
            f"  every run replayed through the simulator: largest LP-vs-simulator energy difference "
            f"{db['lp_vs_simulation_largest']:.3%}; water balance ≤ {db['water_balance_max_abs_error_hm3']:.1e} hm³"
        )
        print("The tariff run on the two-node plant (the check before the design basis; report.md explains):")
    basis = s["published_psh_generation_basis_mwh"]
    cyc = s["psh_cycle_efficiency"]
    print(
        f"  reversible generation from pumped water: {s['psh_generation_mwh']:,.0f} MWh against {basis:,.0f} MWh "
        f"({s['psh_relative_deviation']:+.1%}); cycle efficiency " + ("–" if cyc is None else f"{cyc:.3f}")
    )
    if s["conventional_generation_mwh"] is not None:
        print(
            f"  conventional generation: {s['conventional_generation_mwh']:,.0f} MWh against "
            f"{s['published_conventional_generation_basis_mwh']:,.0f} MWh "
            f"({s['conventional_relative_deviation']:+.1%})"
        )
    print(
        "  implied usable Yagen-I volume: "
        + _inverse_text(
            s["implied_lower_usable_volume_hm3"], s["implied_lower_usable_volume_status"], "hm³", args.quick
        )
    )
    print(
        "  implied daily generating cap: "
        + _inverse_text(
            s["implied_daily_generating_hours_cap"],
            s["implied_daily_generating_hours_cap_status"],
            "h/day",
            args.quick,
        )
    )
    print(f"  water balance error ≤ {s['water_balance_max_abs_error_hm3']:.1e} hm³")
    if s["time_limited_runs"]:
        print(
            f"hydro-sim: note: {s['time_limited_runs']} dispatches stopped at the time limit with a feasible "
            "schedule that is not proven optimal; report.md says so",
            file=sys.stderr,
        )
    return EXIT_OK


# ---- scenario files: run, plant, plot, init ---------------------------------------------------------------


def _say(args: argparse.Namespace, text: str = "") -> None:
    """A line of the report on stdout (nothing with --quiet)."""
    if not getattr(args, "quiet", False):
        print(text)


def _progress(args: argparse.Namespace) -> bool:
    """Show tqdm bars: not with --quiet, and only on a terminal (a log file gets the progress lines)."""
    return not getattr(args, "quiet", False) and sys.stderr.isatty()


class _Stages:
    """The progress of `run` through its stages: a tqdm bar on a terminal, else one line on stderr per stage
    (what a log file keeps); nothing with --quiet. The report for stdout is held while the bar is drawn and
    printed when it closes, so that the two do not interleave."""

    def __init__(self, args: argparse.Namespace, total: int) -> None:
        self.args = args
        self.bar: Any = None
        self.held: list[str] = []
        if _progress(args):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="hydro-sim run", unit="stage", leave=False, file=sys.stderr)

    def step(self, text: str, short: str) -> None:
        """A stage starts (the one before it is done): ``text`` on a log line, ``short`` on the bar."""
        if self.bar is None:
            log.warning("hydro-sim run: %s", text)
            return
        if self.bar.postfix:
            self.bar.update()
        self.bar.set_postfix_str(short)

    def say(self, text: str = "") -> None:
        """A line of the report on stdout: held while the bar is drawn."""
        if self.bar is not None:
            self.held.append(text)
        else:
            _say(self.args, text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        for line in self.held:
            _say(self.args, line)
        self.held.clear()


def _mip_gap_for(args: argparse.Namespace, where: str, unit_commitment: bool) -> dict[str, Any]:
    """``--mip-gap`` for `run`: the MILP is the file's ``unit_commitment = true``."""
    if args.mip_gap is None:
        return {}
    if not unit_commitment:
        raise fail(
            "--mip-gap",
            "applies to the MILP only: set `unit_commitment = true` in [objective] of the scenario file",
            args.mip_gap,
            where,
        )
    args.unit_commitment = True
    return _mip_gap(args, where)


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


def _draw_plots(
    schedule: Any, folder: Path, *, currency: str, plant: Any, case: str, line_capacity_mw: Any = None
) -> list[str]:
    """The figures of a schedule into ``folder``: the first week's dispatch, levels, heads, monthly energy, the
    month–hour map, each titled with the plant (a Plant, whose limits are drawn, or its name) and the case.
    Returns the names written."""
    from hydro_sim import plots
    from hydro_sim.network import Network

    named = {"plant": plant, "case": case}
    figures: dict[str, Any]
    if isinstance(plant, Network):
        from hydro_sim.plots import figure_weeks

        figures = {
            name: (
                lambda start=start: plots.network_dispatch(
                    schedule, currency=currency, line_capacity_mw=line_capacity_mw, start=start, **named
                )
            )
            for name, start in figure_weeks(schedule).items()
        }
        figures["reservoir_levels.png"] = lambda: plots.network_levels(schedule, **named)
        folder.mkdir(exist_ok=True)
        for name, draw in figures.items():
            plots.save_figure(draw(), folder / name)
            _output.test_hook(f"plots/{name}")
        return list(figures)
    figures = {
        "dispatch_first_week.png": lambda: plots.dispatch_stack(
            schedule, currency=currency, line_capacity_mw=line_capacity_mw, **named
        ),
        "reservoir_levels.png": lambda: plots.reservoir_levels(schedule, **named),
        "heads.png": lambda: plots.heads(schedule, **named),
        "monthly_energy.png": lambda: plots.monthly_energy(schedule, **named),
        "month_hour_map.png": lambda: plots.month_hour_map(schedule, **named),
    }
    folder.mkdir(exist_ok=True)
    for name, draw in figures.items():
        plots.save_figure(draw(), folder / name)
        _output.test_hook(f"plots/{name}")
    return list(figures)


def _rolling_failed(exc: HydroSimError, plant: Any, scenario: Any, opts: dict[str, Any]) -> int:
    """Exit code of a rolling run that stopped at a window without a schedule: the whole horizon is solved at
    once (at fixed head: feasibility does not hang on the head's linearisation) to tell an infeasible problem
    (3, with its diagnosis) from a failure of the windows or the solver (4)."""
    from hydro_sim.optimise import dispatch

    print(f"hydro-sim: the rolling dispatch stopped: {exc}", file=sys.stderr)
    log.warning("hydro-sim run: solving the whole horizon at once to diagnose it")
    probe = dispatch(plant, scenario, **(opts | {"head": "fixed", "fixed_head_tolerance_m": math.inf}))
    if probe.status == "infeasible":
        if probe.diagnosis is not None:
            print(probe.diagnosis.to_string())
        print(
            f"hydro-sim: the problem is infeasible (the whole horizon solved at once): {probe.message}",
            file=sys.stderr,
        )
        return EXIT_INFEASIBLE
    if probe.status == "interrupted":
        raise _output.Interrupted(probe.interrupted_by or "SIGINT")
    print(
        f"hydro-sim: the whole horizon solved at once is {probe.status}, so the problem is not infeasible: the "
        "rolling windows failed (their end targets, or the solver's limits); try longer windows or lookahead",
        file=sys.stderr,
    )
    return EXIT_SOLVER


def _elements(schedule: Any, network: Any, replay: Any) -> dict[str, Any]:
    """Per-element figures of a network schedule (and of its replay) for summary.json."""
    dt = float(schedule.index.to_series().diff().iloc[1] / _hour()) if len(schedule) > 1 else 1.0
    c = 0.0036 * dt
    out: dict[str, Any] = {"reservoirs": {}, "links": {}, "sinks": {}}
    for res in network.reservoirs:
        n = res.name
        out["reservoirs"][n] = {
            "initial_volume_hm3": res.initial_volume_hm3,
            "final_volume_hm3": float(schedule[f"{n} volume_hm3"].iloc[-1]),
            "usable_volume_hm3": res.usable_volume_hm3,
            "min_level_masl": float(schedule[f"{n} level_masl"].min()),
            "max_level_masl": float(schedule[f"{n} level_masl"].max()),
            "inflow_hm3": float(schedule[f"{n} inflow_m3s"].sum() * c),
        }
    for col in network.flow_columns():
        entry: dict[str, Any] = {"water_hm3": float(schedule[f"{col.name} flow_m3s"].sum() * c)}
        if f"{col.name} power_mw" in schedule:
            entry["energy_mwh"] = float(schedule[f"{col.name} power_mw"].sum() * dt)
            if replay is not None and f"{col.name} power_mw" in replay:
                entry["replayed_energy_mwh"] = float(replay[f"{col.name} power_mw"].sum() * dt)
        out["links"][col.name] = entry
    for sink in network.sinks:
        q = schedule[f"{sink.name} flow_m3s"]
        out["sinks"][sink.name] = {
            "water_hm3": float(q.sum() * c),
            "min_flow_m3s": float(q.min()),
            "max_flow_m3s": float(q.max()),
            "largest_change_m3s_per_h": float(q.diff().abs().max() / dt) if len(q) > 1 else 0.0,
        }
    return out


def _hour() -> Any:
    import pandas as pd

    return pd.Timedelta(hours=1)


def _saved_plant(summary: dict[str, Any]) -> Any:
    """The plant of a run's summary.json (its preset and overrides, or its scenario file's network), or its
    name if it cannot be rebuilt."""
    from hydro_sim import files

    info = summary.get("plant", {})
    if info.get("kind") == "network" and info.get("preset") is None:
        try:
            return files.load(summary["scenario"]["file"]).plant
        except (KeyError, TypeError, HydroSimInputError):
            return info.get("name")
    try:
        return files.apply_overrides(files.preset_plant(info["preset"]), info.get("overrides", {}))
    except (KeyError, TypeError, HydroSimInputError):
        return info.get("name")


def _json_ready(value: Any) -> Any:
    """Floats to 9 significant digits, NaN → null, ±inf → "inf"/"-inf" (strict JSON has no infinity)."""
    from hydro_sim.cases.lianghekou.report import _json_ready as ready

    def finite(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, list):
            return [finite(x) for x in v]
        if isinstance(v, float) and math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v

    return finite(ready(value))


def _cmd_run(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim import files

    where = "hydro-sim run"
    sf = files.load(args.scenario)
    out = Path(args.out) if args.out is not None else sf.outputs["folder"]
    if out is None:
        raise fail("--out", "must be given (or `folder` in [outputs] of the scenario file)", None, where)
    _output.check_new_folder(out, where, force=args.force)  # before any computation
    opts = dict(sf.options) | _time_limit(args, where)
    opts |= _mip_gap_for(args, where, bool(opts.get("unit_commitment", False)))
    stages = _Stages(args, 2 + bool(sf.outputs["replay"]) + bool(sf.outputs["plots"]))
    try:
        return _run(args, guard, sf, out, opts, stages)
    finally:
        stages.close()


def _run(
    args: argparse.Namespace,
    guard: _output.SignalGuard,
    sf: Any,
    out: Path,
    opts: dict[str, Any],
    stages: _Stages,
) -> int:
    """The work of `run` once its inputs and output place are checked."""
    import json

    from hydro_sim import __version__, files
    from hydro_sim.html_report import replay_energy_mwh, schedule_energy_mwh, schedule_water_balance_hm3
    from hydro_sim.network import Network

    plant, scenario, cur = sf.plant, sf.scenario, sf.currency
    network = plant if isinstance(plant, Network) else None
    stages.step(
        f"dispatching {plant.name} over {scenario.n_steps} steps of {scenario.dt_h:g} h from {scenario.index[0]}"
        + (" in rolling windows" if sf.rolling is not None else ""),
        "dispatch",
    )
    rolling: dict[str, Any] | None = None
    outcome: Any = None  # the DispatchResult or the RollingResult, for the report
    try:
        if sf.rolling is None:
            from hydro_sim.optimise import dispatch

            res = dispatch(plant, scenario, **opts)
            stages.say(f"Run '{sf.name}': {plant.name} over {scenario.name} ({scenario.n_steps} steps)")
            stages.say(f"status: {res.status}" + (f": {res.message}" if res.message != res.status else ""))
            if res.status == "interrupted" or not _has_solution(res):
                stages.close()  # the report so far, then what the outcome prints
            code = _solve_outcome(res, "the dispatch")
            if code is not None:
                return code
            outcome = res
            schedule, objective, status, message = res.schedule, res.objective_value, res.status, res.message
            details = {
                "iterations": res.iterations,
                "converged": res.converged,
                "head_change_m": res.head_change_m,
                "mip_gap": res.mip_gap,
                "timings_s": res.timings_s,
            }
        else:
            from hydro_sim.optimise.rolling import rolling_dispatch

            try:
                rr = rolling_dispatch(plant, scenario, progress=_progress(args), **dict(sf.rolling), **opts)
            except HydroSimInputError:
                raise
            except HydroSimError as exc:
                stages.close()
                return _rolling_failed(exc, plant, scenario, opts)
            if rr.status == "interrupted":
                raise _output.Interrupted(rr.interrupted_by or "SIGINT")
            outcome = rr
            schedule, objective, status = rr.schedule, rr.objective_value, rr.status
            message = f"{len(rr.windows)} windows" + (
                f"; {rr.gap:+.3%} below the full-horizon optimum" if rr.gap is not None else ""
            )
            stages.say(f"Run '{sf.name}': {plant.name} over {scenario.name} ({scenario.n_steps} steps)")
            stages.say(f"status: {status}: {message}")
            details = {"timings_s": rr.timings_s}
            rolling = {
                "windows": len(rr.windows),
                "full_objective": rr.full_objective_value,
                "gap": rr.gap,
                **dict(sf.rolling),
            }
    except files.ScenarioFileError:
        raise
    except HydroSimInputError as exc:
        raise sf.blame(exc) from None
    energy = schedule_energy_mwh(schedule, plant)
    balance = schedule_water_balance_hm3(schedule, plant)
    replay: dict[str, Any] | None = None
    sim_frame = None
    sim = None
    if sf.outputs["replay"]:
        from hydro_sim.simulation import ReplayPolicy, simulate

        stages.step("replaying the schedule through the simulator", "replay")
        sim = simulate(plant, scenario, ReplayPolicy(schedule=schedule, mode="flows"))
        sim_frame = sim.frame(0)
        e = replay_energy_mwh(sim, plant)
        totals = sim.totals.iloc[0]
        replay = {
            "energy_mwh": e,
            "revenue": float(totals["revenue"]),
            "water_balance_max_error_hm3": sim.water_balance_error_hm3(),
            "cutback_steps": len(sim.cutbacks()),
            "relative_deviation": {k: (float(e[k]) / energy[k] - 1.0) if energy.get(k) else None for k in e},
        }
        if network is not None:
            replay["note"] = (
                "the simulator's line carries the units' power only (no PV or wind): compare the units' "
                "energies; the line export differs by the renewables used"
            )
    files_written: list[str] = ["summary.json", "scenario.toml"]
    if sf.outputs["schedule_csv"]:
        files_written.append("schedule.csv")
    if sf.outputs["schedule_parquet"]:
        files_written.append("schedule.parquet")
    if sim_frame is not None:
        files_written.append("simulation.csv")
    if sf.outputs["report"]:
        files_written.append("report.html")
    idx = scenario.index
    summary = {
        "written_by": "hydro-sim",
        "version": __version__,
        "scenario": {
            "name": sf.name,
            "description": sf.description,
            "file": str(sf.path),
            "currency": cur,
        },
        "plant": {
            "name": plant.name,
            "kind": "network" if network is not None else "plant",
            "preset": sf.preset,
            "overrides": dict(sf.overrides),
        },
        "elements": None if network is None else _elements(schedule, network, sim_frame),
        "horizon": {
            "start": str(idx[0]),
            "end": str(idx[-1] + (idx[1] - idx[0] if len(idx) > 1 else idx.freq)),
            "steps": scenario.n_steps,
            "step_h": scenario.dt_h,
            "time_zone": None if idx.tz is None else str(idx.tz),
        },
        "dispatch": {
            "status": status,
            "message": message,
            "objective": objective,
            "objective_unit": cur,
            "options": dict(opts),
            **details,
        },
        "energy_mwh": energy,
        "water_balance_max_error_hm3": balance,
        "replay": replay,
        "rolling": rolling,
        "files": files_written + (["plots/"] if sf.outputs["plots"] else []),  # as written below
    }
    if status != "optimal":
        stages.say(f"NOTE: the schedule is feasible but not proven optimal ({status}).")
    stages.say(f"objective (revenue less costs): {_money(objective, cur)}")
    width = max(30, *(len(k) for k in energy))
    for key, value in energy.items():
        line = f"  {key:<{width}} {value:>14,.0f} MWh"
        if replay is not None and key in replay["energy_mwh"]:
            line += f"   replayed {replay['energy_mwh'][key]:>14,.0f} MWh"
        stages.say(line)
    stages.say(f"  water balance of the schedule closes to {balance:.1e} hm³")
    stages.step(f"writing {out}", "write")
    with _output.new_folder(out, guard, replace=args.force) as tmp:
        for name in files_written:
            path = tmp / name
            if name == "summary.json":
                text = json.dumps(
                    _json_ready(summary), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
                )
                path.write_text(text + "\n", encoding="utf-8")
            elif name == "scenario.toml":
                path.write_bytes(sf.path.read_bytes())
            elif name == "schedule.csv":
                schedule.to_csv(path, float_format="%.9g", index_label="time")
            elif name == "schedule.parquet":
                schedule.to_parquet(path)
            elif name == "simulation.csv" and sim_frame is not None:
                sim_frame.to_csv(path, float_format="%.9g", index_label="time")
            elif name == "report.html":
                from hydro_sim.html_report import write_dispatch_report

                write_dispatch_report(
                    path,
                    outcome,
                    plant=plant,
                    scenario=scenario,
                    simulation=sim,
                    currency=cur,
                    inputs={
                        "command": args.command_line,
                        sf.path.name: sf.path.read_text(),
                    },
                )
            _output.test_hook(name)
        if sf.outputs["plots"]:
            stages.step("drawing the plots", "plots")
            _draw_plots(
                schedule,
                tmp / "plots",
                currency=cur,
                plant=plant,
                case=sf.name,
                line_capacity_mw=scenario.line_capacity_mw,
            )
    written = files_written + (["plots/"] if sf.outputs["plots"] else [])
    stages.say(f"written to {out}/: {', '.join(written)}")
    return EXIT_OK


def _cmd_plot(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    import json

    import pandas as pd

    where = "hydro-sim plot"
    folder = Path(args.folder)
    if not folder.is_dir() or not _output.is_run_folder(folder):
        raise fail(
            "DIR",
            "must be the output folder of `hydro-sim run` (with its summary.json)",
            str(folder),
            where,
        )
    summary = json.loads((folder / _output.RUN_MARKER).read_text(encoding="utf-8"))
    if (folder / "schedule.parquet").is_file():
        schedule = pd.read_parquet(folder / "schedule.parquet")
    elif (folder / "schedule.csv").is_file():
        schedule = pd.read_csv(folder / "schedule.csv", index_col=0, parse_dates=True)
    else:
        raise fail("DIR", "holds no schedule.parquet or schedule.csv to draw", str(folder), where)
    out = Path(args.out) if args.out is not None else folder / "plots"
    replace = args.out is None  # DIR/plots is the run's own: redrawn in place, at once
    if args.out is not None:
        _output.check_new_folder(out, where)
    cur = summary.get("scenario", {}).get("currency", "money")
    plant = _saved_plant(summary)
    case = summary.get("scenario", {}).get("name")
    with _output.new_folder(out, guard, replace=replace) as tmp:
        names = _draw_plots(schedule, tmp, currency=cur, plant=plant, case=case)
    _say(args, f"plots drawn into {out}/: {', '.join(names)}")
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.sweeps import run_cli

    return run_cli(args)


def _cmd_init(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim import files

    where = "hydro-sim init"
    path = Path(args.path)
    if path.is_dir():
        raise fail(
            "PATH", "is a folder; name the scenario file to write, e.g. scenario.toml", str(path), where
        )
    if path.exists() and not args.force:
        raise fail(
            "PATH",
            "already exists; it is never overwritten: name a new file, or add --force",
            str(path),
            where,
        )
    _output.write_file(path, files.starter_text(), guard, replace=args.force)
    _say(args, f"wrote {path}: run it with `hydro-sim run {path} --out results`")
    return EXIT_OK


def _cmd_plant(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim import files
    from hydro_sim.cases.lianghekou.report import plant_table, published_figures_text

    if args.scenario is not None and args.preset is not None:
        raise fail(
            "--preset",
            "and a scenario file must not both be given: choose one",
            args.preset,
            "hydro-sim plant",
        )
    from hydro_sim.network import Network

    if args.scenario is not None:
        sf = files.load(args.scenario)
        plant, preset = sf.plant, sf.preset
        n = len(sf.overrides)
        if preset is None:
            print(f"The plant of {sf.path}: a network written out in the file")
        else:
            print(f"The plant of {sf.path}: preset {preset!r} with {n} override{'' if n == 1 else 's'}")
        print()
    else:
        preset = args.preset or "lianghekou"
        plant = files.preset_plant(preset, "hydro-sim plant --preset")
    print(_network_table(plant) if isinstance(plant, Network) else plant_table(plant))
    if preset in ("lianghekou", "lianghekou_network"):
        print()
        print(published_figures_text())
    return EXIT_OK


def _network_table(net: Any) -> str:
    """Every parameter of a network with its unit and provenance, then its links, as text."""
    from hydro_sim.html_report import _topology
    from hydro_sim.plant import parameter_lines

    frame = net.parameters()
    lines = [f"Network: {net.name}", ""]
    lines += parameter_lines(frame)
    lines += ["", "Links (from → to):"]
    lines += [f"  {r.link} ({r.kind}): {r[2]} → {r[3]}" for r in _topology(net).itertuples(index=False)]
    lines += [
        "",
        (
            f"Reservoirs, upstream first: {', '.join(net.upstream_order())}; river sinks: "
            f"{', '.join(k.name for k in net.sinks) or 'none'}"
        ),
    ]
    n_assume = sum(p.startswith("ASSUMPTION") for p in frame["provenance"])
    lines += [
        "",
        (
            f"{len(frame)} parameters, {n_assume} of them ASSUMPTIONS (no source; replace when data appear). The "
            "parameter paths are the keys of [plant.overrides] for a network preset."
        ),
    ]
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr and exit code 2, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"hydro-sim: input error: {message} (see `{self.prog} --help`)\n")


def _examples(*lines: str) -> str:
    return "Examples:\n" + "\n".join(f"  {line}" for line in lines)


def build_parser() -> argparse.ArgumentParser:
    from hydro_sim import __version__

    api = _api_defaults()
    doc = __doc__ or ""
    parser = _Parser(
        prog="hydro-sim",
        description=doc.splitlines()[0],
        epilog="\n".join(doc.splitlines()[2:]).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hydro-sim {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but warnings and errors (no report, no progress)",
    )
    # the same two flags after the command (`hydro-sim run s.toml -q`); SUPPRESS keeps the ones given before it
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print nothing but warnings and errors",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, description: str, *examples: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=textwrap.fill(description, width=100),
            epilog=_examples(*examples) if examples else None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )

    def window_args(p: argparse.ArgumentParser, what: str = "the reference year") -> None:
        p.add_argument("--hours", type=float, default=None, help=f"cut {what} to this many hours")
        p.add_argument(
            "--start-h", dest="start_h", type=float, default=0.0, help="window start, hours into the year"
        )

    def time_limit_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--time-limit",
            dest="time_limit",
            metavar="SECONDS",
            default=None,
            help="time limit of each solve (default: none); a solve stopped by it with a feasible "
            "schedule exits 0 and says so, without one it exits 4",
        )

    def mip_gap_arg(p: argparse.ArgumentParser, needs: str) -> None:
        p.add_argument(
            "--mip-gap",
            dest="mip_gap",
            metavar="FRACTION",
            default=None,
            help=f"relative MIP gap at which unit commitment stops (default: {_uc_gap():g}); {needs}",
        )

    p = command(
        "init",
        "write a commented starter scenario file",
        "Write a commented starter scenario file (a week at Lianghekou) that `hydro-sim run` runs as written. "
        "Every table of a scenario file is in it, with the keys a new user changes first.",
        "hydro-sim init                      # writes scenario.toml",
        "hydro-sim init studies/week.toml",
        "hydro-sim run scenario.toml --out results",
    )
    p.add_argument(
        "path",
        nargs="?",
        default="scenario.toml",
        metavar="PATH",
        help="the file to write (default: scenario.toml)",
    )
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")

    p = command(
        "run",
        "run a scenario file: dispatch, replay, write the results",
        "Run a scenario file: optimise the dispatch over its horizon (one solve, or rolling windows), replay the "
        "schedule through the nonlinear simulator, and write a new output folder: summary.json (status, "
        "objective, energies of the schedule and of the replay, water balance, inputs), the schedule as "
        "schedule.csv and schedule.parquet, the replay as simulation.csv, a copy of the scenario file, the "
        "plots in plots/ and report.html (a self-contained report to open in a browser). A plant written out as "
        'a network ([[plant.links]] …) gets a column per element ("{link} flow_m3s", "{reservoir} '
        'volume_hm3") and per-element figures in summary.json. The output folder is checked before any computation. `hydro-sim init` writes a '
        "commented scenario file; every key is listed with its unit on the schema page of the docs "
        "(docs/schema.md).",
        "hydro-sim run scenario.toml --out results",
        "hydro-sim run scenario.toml --out results --force        # replace the results of an earlier run",
        "hydro-sim run uc.toml --out uc --time-limit 60 --mip-gap 0.01",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="the scenario file (TOML)")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="new folder for the results (default: [outputs] folder of the file)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace DIR if it holds the results of an earlier run (never other files)",
    )
    time_limit_arg(p)
    mip_gap_arg(p, "needs `unit_commitment = true` in [objective]")

    p = command(
        "plant",
        "print a plant's parameters with units and provenance",
        "Print every parameter of a plant with its unit and provenance (source, derived, ASSUMPTION or user), "
        "then its topology: a preset (Lianghekou by default, with its published figures) or the plant of a "
        "scenario file, overrides applied. The parameter paths are the keys of [plant.overrides].",
        "hydro-sim plant                      # Lianghekou",
        "hydro-sim plant --preset textbook",
        "hydro-sim plant --preset lianghekou_network     # the three-node network with Yagen-I's units",
        "hydro-sim plant scenario.toml",
    )
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO", help="a scenario file (TOML)")
    p.add_argument(
        "--preset",
        default=None,
        choices=("lianghekou", "lianghekou_network", "textbook", "small_pumped_storage"),
        help="a preset plant",
    )

    p = command(
        "plot",
        "redraw the plots of a run's output folder",
        "Redraw the plots of a `hydro-sim run` output folder from its saved schedule (schedule.parquet, or "
        "schedule.csv) into DIR/plots/, replacing the plots there, or into a new folder --out.",
        "hydro-sim plot results",
        "hydro-sim plot results --out results-plots",
    )
    p.add_argument("folder", metavar="DIR", help="the output folder of `hydro-sim run`")
    p.add_argument(
        "--out", default=None, metavar="PLOTS", help="a new folder for the plots (default: DIR/plots)"
    )

    p = command(
        "sweep",
        "run a scenario sweep on local processes or a Dask cluster",
        "Run a sweep file: a base scenario file and the axes to vary (lists, ranges, seeded draws), on local "
        "processes or on a Dask cluster (--scheduler). Each scenario's result is written into DIR/scenarios/ "
        "as it finishes; run the same command again to resume a stopped sweep (nothing done is recomputed). "
        "At the end: table.csv and table.parquet (one row per scenario), plots/ and report.html. A failing "
        "scenario is a row with its diagnosis. docs/sweeps.md describes the sweep file.",
        "hydro-sim sweep study.toml --out study",
        "hydro-sim sweep study.toml --out study --workers 2",
        "hydro-sim sweep study.toml --out study --scheduler tcp://10.0.0.5:8786",
    )
    p.add_argument("sweep", metavar="SWEEP", help="the sweep file (TOML)")
    p.add_argument(
        "--out", default=None, metavar="DIR", help="the output folder (an earlier run's: resume it)"
    )
    p.add_argument("--workers", default=None, metavar="N", help="local worker processes (default: the CPUs)")
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://host:8786"
    )
    p.add_argument("--retry-failed", action="store_true", help="run the scenarios that failed before again")

    p = command(
        "year",
        "summarise the Lianghekou reference year",
        "Statistics of the Lianghekou reference year's series (inflows, the Sichuan TOU price, PV, wind, line) "
        "with their provenance.",
        "hydro-sim year",
        "hydro-sim year --hours 168 --start-h 4344       # the first week of July",
    )
    window_args(p)
    p = command(
        "dispatch",
        "optimise the Lianghekou dispatch over the reference year",
        "Optimise the Lianghekou dispatch over the reference year (or a window of it) and print the energies. "
        "Defaults are those of hydro_sim.dispatch(). For another plant or your own series: `hydro-sim run`.",
        "hydro-sim dispatch --hours 168 --head fixed --out week",
        "hydro-sim dispatch --hours 24 --unit-commitment --mip-gap 0.01",
    )
    window_args(p)
    p.add_argument(
        "--backend", choices=("highs", "pulp"), default=api["backend"], help=f"(default: {api['backend']})"
    )
    p.add_argument(
        "--head", choices=("fixed", "successive"), default=api["head"], help=f"(default: {api['head']})"
    )
    p.add_argument(
        "--balance",
        choices=("none", "day", "week"),
        default=api["pump_generate_balance"],
        help=f"pump–generate water balance period (default: {api['pump_generate_balance']})",
    )
    p.add_argument(
        "--unit-commitment", action="store_true", help="solve the MILP with integer units per mode"
    )
    time_limit_arg(p)
    mip_gap_arg(p, "needs --unit-commitment")
    p.add_argument("--out", default=None, help="folder for schedule.csv (must not hold one already)")
    p = command(
        "overview",
        "plant table, reference year, annual dispatch",
        "The Lianghekou plant table, the reference year's statistics, the published figures and a dispatch "
        "with the daily pump–generate balance compared with them.",
        "hydro-sim overview --hours 720 --start-h 4344     # July",
    )
    window_args(p)
    p = command(
        "validate",
        "the Lianghekou annual check against the published figures",
        "The main job of the Lianghekou case: the annual check against the published figures on their design "
        "basis (the reversible units' duty against their capability on the three-node network, the "
        "conventional units on a regulated-reservoir basis, Yagen-I as a calibration; every run replayed "
        "through the physics; inverse problem and sensitivity tables), then the earlier tariff run on the "
        "two-node plant, written into a new folder.",
        "hydro-sim validate --out validate_out",
        "hydro-sim validate --quick --out quick_check",
    )
    p.add_argument("--out", default="validate_out", help="new folder for the outputs (default: validate_out)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="no inverse problems and no sensitivity tables; the conventional basis on its mean year only",
    )
    p.add_argument(
        "--unit-commitment",
        action="store_true",
        help="also solve the duty's daily windows as MILPs (integer units, minimum output, pump band); "
        "slow: 10–25 min for the year",
    )
    window_args(
        p,
        "the design-basis year (a quick look or a test, not the annual check: the published figures "
        "are pro-rated)",
    )
    time_limit_arg(p)
    return parser


_COMMANDS = {
    "init": _cmd_init,
    "run": _cmd_run,
    "plot": _cmd_plot,
    "sweep": _cmd_sweep,
    "plant": _cmd_plant,
    "year": _cmd_year,
    "dispatch": _cmd_dispatch,
    "overview": _cmd_overview,
    "validate": _cmd_validate,
}


def _interrupted(signal_name: str, complete: bool) -> int:
    state = (
        "the output was already complete"
        if complete
        else "no partial output was left and temporaries were removed"
    )
    print(f"hydro-sim: interrupted by {signal_name}; {state}", file=sys.stderr)
    return _output.EXIT_CODES.get(signal_name, 130)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning as one line on stderr, ``hydro-sim: warning: …`` (not Python's two lines with the source)."""
    print(f"hydro-sim: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (see the module docstring)."""
    with _output.SignalGuard() as guard, warnings.catch_warnings():
        warnings.showwarning = _show_warning
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        old_level, old_propagate = log.level, log.propagate
        try:
            args = build_parser().parse_args(argv)
            args.command_line = " ".join(["hydro-sim", *(sys.argv[1:] if argv is None else argv)])
            log.addHandler(handler)
            quiet = getattr(args, "quiet", False)
            log.setLevel(
                logging.ERROR
                if quiet
                else logging.INFO
                if getattr(args, "verbose", False)
                else logging.WARNING
            )
            log.propagate = False
            code = _COMMANDS[args.command](args, guard)
        except _output.Interrupted as exc:
            return _interrupted(exc.signal_name, complete=False)
        except KeyboardInterrupt:  # no handler of ours (not the main thread)
            return _interrupted("SIGINT", complete=False)
        except HydroSimInputError as exc:
            print(f"hydro-sim: input error: {exc}", file=sys.stderr)
            return EXIT_INPUT
        except HydroSimError as exc:
            print(f"hydro-sim: error: {exc}", file=sys.stderr)
            return EXIT_SOLVER
        except OSError as exc:
            print(
                f"hydro-sim: error: could not write the output: {exc.strerror or exc} "
                f"({exc.filename or 'no file name'})",
                file=sys.stderr,
            )
            return EXIT_INPUT
        finally:
            log.removeHandler(handler)
            log.setLevel(old_level)
            log.propagate = old_propagate
        if guard.received is not None:
            return _interrupted(guard.received, complete=True)
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
