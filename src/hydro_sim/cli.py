"""The command line: parse, call one library function, map the status to an exit code.

Exit codes: 0 success, 1 the optimisation did not reach an optimum, 2 bad input.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from hydro_sim.errors import HydroSimError, HydroSimInputError

log = logging.getLogger("hydro_sim")


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise HydroSimInputError(f"`--out` ({str(path.parent)!r}) already holds {path.name}; the CLI never "
                                 "overwrites output: choose a new folder or remove the old one")


def _write_atomic(path: Path, text: str) -> None:
    """Write a file all at once (temporary file, then rename); refuse to overwrite an existing one."""
    _refuse_existing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _cmd_plant(args: argparse.Namespace) -> int:
    from hydro_sim.lianghekou import lianghekou
    from hydro_sim.report import plant_table, published_figures_text

    print(plant_table(lianghekou()))
    print()
    print(published_figures_text())
    return 0


def _reference(args: argparse.Namespace):
    from hydro_sim.reference_year import reference_year

    year = reference_year()
    if args.hours is not None:
        year = year.window(start_h=args.start_h, hours=args.hours)
    return year


def _cmd_year(args: argparse.Namespace) -> int:
    from hydro_sim.report import scenario_summary

    print(scenario_summary(_reference(args)))
    return 0


def _dispatch_report(args: argparse.Namespace) -> int:
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.optimise import dispatch
    from hydro_sim.lianghekou import lianghekou

    if args.out:
        _refuse_existing(Path(args.out) / "schedule.csv")     # before the solve, not after it
    plant = lianghekou()
    year = _reference(args)
    res = dispatch(plant, year, backend=args.backend, head=args.head, pump_generate_balance=args.balance,
                   unit_commitment=args.unit_commitment)
    print(f"Dispatch of {plant.name} over {year.name} ({year.n_steps} steps), backend {args.backend}, "
          f"head {args.head}, pump–generate balance {args.balance}")
    print(f"status: {res.status}: {res.message}")
    if not res.success:
        if res.diagnosis is not None:
            print(res.diagnosis.to_string())
        return 1
    e = res.energy_mwh()
    print(f"objective (revenue less costs): {res.objective_cny / 1e8:.4f} × 10⁸ CNY")
    print(f"iterations {res.iterations}, final head change {res.head_change_m:.3g} m, "
          f"build {res.timings_s['build']:.2f} s, solve {res.timings_s['solve']:.2f} s")
    for key, value in e.items():
        print(f"  {key:<30} {value:>14,.0f} MWh = {value / MWH_PER_TWH:.3f} TWh")
    if args.out:
        out = Path(args.out)
        _write_atomic(out / "schedule.csv", res.schedule.to_csv(float_format="%.9g"))
        print(f"schedule written to {out / 'schedule.csv'}")
    return 0


def _cmd_overview(args: argparse.Namespace) -> int:
    from hydro_sim.constants import MWH_PER_TWH
    from hydro_sim.optimise import dispatch
    from hydro_sim.lianghekou import lianghekou
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
    print(f"Dispatch of {year.name} ({hours:,.0f} h) with PV and wind (TOU revenue, daily pump–generate water "
          f"balance, successive head): {res.status}; "
          f"{res.iterations} iterations, final head change {res.head_change_m:.3g} m")
    if hours != 8760:
        print(f"  (the published figures are annual and this run covers {hours:,.0f} h: the deviations below "
              "compare a window with a year and are no check)")
    if not res.success:
        print(res.message)
        return 1
    e = res.energy_mwh()
    cmp = energy_comparison(e["reversible_generation_mwh"], e["conventional_generation_mwh"])
    for row in cmp.itertuples(index=False):
        print(f"  {row.figure:<38} model {row.model_mwh / MWH_PER_TWH:7.3f} TWh   published "
              f"{row.published_mwh / MWH_PER_TWH:7.3f} TWh   deviation {row.relative_deviation:+.1%}")
    print(f"  pumping energy {e['pumping_mwh'] / MWH_PER_TWH:.3f} TWh; cycle efficiency "
          f"{e['reversible_generation_mwh'] / e['pumping_mwh']:.3f}" if e["pumping_mwh"] > 0 else "  no pumping")
    print(f"  (LP figures on {year.name}, PV and wind included, and the default ASSUMPTIONS; the annual "
          "check on the design basis, replayed through the physics and with its inverse problems, is "
          "`hydro-sim validate`.)")
    return 0


def _json_ready(value):
    """Floats rounded to 9 significant digits (byte-identical output across runs); NaN → None."""
    import math

    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.9g}")
    if hasattr(value, "item"):
        return _json_ready(value.item())
    return value


def _cmd_validate(args: argparse.Namespace) -> int:
    import json
    import shutil

    from hydro_sim import plots
    from hydro_sim.lianghekou import lianghekou
    from hydro_sim.report import annual_check_markdown
    from hydro_sim.validation import annual_check

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HydroSimInputError(f"`--out` ({str(out)!r}) already exists and is not an empty folder; the annual "
                                 "check never overwrites output: name a new folder")
    plant = lianghekou()
    check = annual_check(plant, inverse=not args.quick, sensitivity=not args.quick,
                         progress=lambda text: log.warning("hydro-sim validate: %s", text))
    # Everything is written into a temporary sibling folder, then renamed: no half-written output.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        (tmp / "summary.json").write_text(json.dumps(_json_ready(check.summary), indent=2, sort_keys=True,
                                                     ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "report.md").write_text(annual_check_markdown(check, plant), encoding="utf-8")
        check.schedule.to_csv(tmp / "schedule.csv", float_format="%.6f", index_label="time")
        sch = check.schedule
        year = sch.index[0].year
        plots.save_figure(plots.dispatch_stack(sch, start=f"{year}-01-08"), tmp / "dispatch_week_january.png")
        plots.save_figure(plots.dispatch_stack(sch, start=f"{year}-07-08"), tmp / "dispatch_week_july.png")
        plots.save_figure(plots.reservoir_levels(sch), tmp / "reservoir_levels.png")
        plots.save_figure(plots.heads(sch), tmp / "heads.png")
        plots.save_figure(plots.month_hour_map(sch), tmp / "month_hour_map.png")
        plots.save_figure(plots.monthly_energy(sch), tmp / "monthly_energy.png")
        (tmp / "timings.json").write_text(json.dumps(_json_ready(check.timings_s), indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    s = check.summary
    print(f"Annual check of {plant.name}: written to {out}/")
    print("13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh (亿 = 10⁸)")
    print(f"  reversible generation from pumped water: {s['psh_generation_mwh']:,.0f} MWh against 1,397,000 MWh "
          f"({s['psh_relative_deviation']:+.1%}); cycle efficiency {s['psh_cycle_efficiency']:.3f}")
    print(f"  conventional generation: {s['conventional_generation_mwh']:,.0f} MWh against 11,000,000 MWh "
          f"({s['conventional_relative_deviation']:+.1%})")
    if s["implied_lower_usable_volume_hm3"] is not None:
        print(f"  implied usable Yagen-I volume: {s['implied_lower_usable_volume_hm3']:.2f} hm³")
    if s["implied_daily_generating_hours_cap"] is not None:
        print(f"  implied daily generating cap: {s['implied_daily_generating_hours_cap']:.2f} h/day")
    print(f"  water balance error ≤ {s['water_balance_max_abs_error_hm3']:.1e} hm³")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hydro-sim", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("plant", help="print every Lianghekou parameter with unit and provenance")

    def window_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--hours", type=float, default=None, help="cut the reference year to this many hours")
        p.add_argument("--start-h", dest="start_h", type=float, default=0.0, help="window start, hours into the year")

    p = sub.add_parser("year", help="summarise the reference year scenario")
    window_args(p)
    p = sub.add_parser("dispatch", help="optimise the Lianghekou dispatch over the reference year")
    window_args(p)
    p.add_argument("--backend", choices=("highs", "pulp"), default="highs")
    p.add_argument("--head", choices=("fixed", "successive"), default="successive")
    p.add_argument("--balance", choices=("none", "day", "week"), default="day",
                   help="pump–generate water balance period")
    p.add_argument("--unit-commitment", action="store_true", help="solve the MILP with integer units per mode")
    p.add_argument("--out", default=None, help="folder for schedule.csv (must not hold one already)")
    p = sub.add_parser("overview", help="plant table, reference year, annual dispatch")
    window_args(p)
    p = sub.add_parser("validate", help="the main job: the annual check against the published figures")
    p.add_argument("--out", default="validate_out", help="new folder for the outputs (default: validate_out)")
    p.add_argument("--quick", action="store_true", help="forward run only (no inverse problems, no sensitivity)")
    return parser


_COMMANDS = {"plant": _cmd_plant, "year": _cmd_year, "dispatch": _dispatch_report, "overview": _cmd_overview,
             "validate": _cmd_validate}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return _COMMANDS[args.command](args)
    except HydroSimInputError as exc:
        print(f"hydro-sim: input error: {exc}", file=sys.stderr)
        return 2
    except HydroSimError as exc:
        print(f"hydro-sim: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
