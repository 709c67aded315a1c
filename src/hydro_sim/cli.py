"""The command line: parse, call one library function, map the status to an exit code.

Exit codes:
  0    success; also a solve stopped by --time-limit that found a feasible schedule (stderr and the output
       say that it is not proven optimal)
  2    bad input, or an output place (--out) that cannot be used: refused before any computation
  3    the problem is infeasible (the diagnosis is printed)
  4    the solver failed, or stopped at --time-limit without a feasible schedule
  130  interrupted by SIGINT (Ctrl-C); 143: by SIGTERM. The previous output, or none, is left; no
       temporary file or folder is left behind.

Output is never overwritten and never half-written: it is written into a hidden temporary beside its place
and renamed into place when complete (see ``hydro_sim._output``).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
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


def _cmd_plant(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.lianghekou import lianghekou
    from hydro_sim.report import plant_table, published_figures_text

    print(plant_table(lianghekou()))
    print()
    print(published_figures_text())
    return EXIT_OK


def _reference(args: argparse.Namespace, design_basis: bool = False) -> Any:
    from hydro_sim.reference_year import reference_year

    year = reference_year()
    if design_basis:
        from hydro_sim.validation import design_basis_year

        year = design_basis_year(year)
    if args.hours is not None or args.start_h != 0.0:
        year = year.window(start_h=args.start_h, hours=args.hours)
    return year


def _cmd_year(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.report import scenario_summary

    print(scenario_summary(_reference(args)))
    return EXIT_OK


def _cmd_dispatch(args: argparse.Namespace, guard: _output.SignalGuard) -> int:
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.lianghekou import lianghekou
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
    print(f"objective (revenue less costs): {res.objective_cny / 1e8:.4f} × 10⁸ CNY")
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
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.lianghekou import lianghekou
    from hydro_sim.optimise import dispatch
    from hydro_sim.report import energy_comparison, plant_table, published_figures_text, scenario_summary

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
    from hydro_sim.lianghekou import lianghekou
    from hydro_sim.report import write_annual_check
    from hydro_sim.validation import AnnualCheckSolveError, annual_check

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


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr and exit code 2, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"hydro-sim: input error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    api = _api_defaults()
    doc = __doc__ or ""
    parser = _Parser(
        prog="hydro-sim",
        description=doc.splitlines()[0],
        epilog="\n".join(doc.splitlines()[2:]).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("plant", help="print every Lianghekou parameter with unit and provenance")

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

    p = sub.add_parser("year", help="summarise the reference year scenario")
    window_args(p)
    p = sub.add_parser(
        "dispatch",
        help="optimise the Lianghekou dispatch over the reference year",
        description="Defaults are those of hydro_sim.dispatch().",
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
    p.add_argument(
        "--mip-gap",
        dest="mip_gap",
        metavar="FRACTION",
        default=None,
        help=f"relative MIP gap at which --unit-commitment stops (default: {_uc_gap():g})",
    )
    p.add_argument("--out", default=None, help="folder for schedule.csv (must not hold one already)")
    p = sub.add_parser("overview", help="plant table, reference year, annual dispatch")
    window_args(p)
    p = sub.add_parser("validate", help="the main job: the annual check against the published figures")
    p.add_argument("--out", default="validate_out", help="new folder for the outputs (default: validate_out)")
    p.add_argument(
        "--quick", action="store_true", help="forward run only (no inverse problems, no sensitivity)"
    )
    window_args(
        p,
        "the design-basis year (a quick look or a test, not the annual check: the published figures "
        "are pro-rated)",
    )
    time_limit_arg(p)
    return parser


_COMMANDS = {
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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (see the module docstring)."""
    with _output.SignalGuard() as guard:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        old_level, old_propagate = log.level, log.propagate
        try:
            args = build_parser().parse_args(argv)
            log.addHandler(handler)
            log.setLevel(logging.INFO if args.verbose else logging.WARNING)
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
