"""Benchmark the dispatch optimiser: model build and solve timed apart, median of several runs, peak memory.

Horizons: a day, a week, a year and four years of Lianghekou on the reference year (four years = the
reference year repeated). Both backends, fixed and successive head. Each configuration runs in a fresh
subprocess so that its peak resident memory (ru_maxrss) is its own.

    python benchmarks/bench_dispatch.py            # full table (several minutes)
    python benchmarks/bench_dispatch.py --quick    # a day and a week, one run each (CI)
    python benchmarks/bench_dispatch.py --uc       # unit commitment: a week, and a year under a time limit
    python benchmarks/bench_dispatch.py --compare /work/baseline/src   # the annual LP against a baseline

``--compare SRC`` times the annual Lianghekou LP (HiGHS, fixed and successive head) of this tree on
``network_of(lianghekou())`` and of the tree whose ``src`` is SRC on ``lianghekou()`` (a baseline commit's
worktree, which may predate the network), interleaved: baseline, new, baseline, new, … each in a fresh
interpreter (after a one-day warm-up solve there), ``--repeats`` of each (default 5); it prints the medians
of the dispatch wall time and their ratio, and checks the two optima agree to 1e-6.

Unit commitment runs as the issue's probe did: successive head, daily pump–generate balance, the default
MIP gap (``UC_MIP_REL_GAP``); the year stops at ``--uc-year-time-limit`` seconds per MILP and reports the
gap it reached there.

DESIGN.md §6 anchor: PyPSA + linopy + HiGHS needs 1.5–1.7 s for a smaller canonical year (52,560 columns).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import time

HORIZONS_H = {"day": 24, "week": 168, "year": 8760, "4 years": 4 * 8760}


def _scenario(hours: int):
    import pandas as pd

    from hydro_sim import Scenario, reference_year

    year = reference_year()
    if hours <= year.n_steps:
        return year.window(hours=hours)
    reps = -(-hours // year.n_steps)
    frame = pd.concat([year.to_frame()] * reps).iloc[:hours]
    frame.index = pd.date_range(year.index[0], periods=hours, freq="h")
    return Scenario.from_frame(frame, name=f"reference year × {reps}")


def run_one(
    horizon: str, backend: str, head: str, repeats: int, uc: bool = False, time_limit_s: float = math.inf
) -> dict:
    """Run one configuration ``repeats`` times in this process; report medians and peak RSS."""
    import resource

    from hydro_sim import lianghekou
    from hydro_sim.optimise import dispatch

    plant = lianghekou()
    sc = _scenario(HORIZONS_H[horizon])
    builds, solves, totals = [], [], []
    res = None
    extra = (
        {"unit_commitment": True, "pump_generate_balance": "day", "time_limit_s": time_limit_s} if uc else {}
    )
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = dispatch(plant, sc, backend=backend, head=head, **extra)
        totals.append(time.perf_counter() - t0)
        builds.append(res.timings_s["build"])
        solves.append(res.timings_s["solve"])
    assert res is not None
    return {
        "horizon": horizon,
        "steps": sc.n_steps,
        "backend": backend,
        "head": head,
        "repeats": repeats,
        "status": res.status,
        "iterations": res.iterations,
        "objective_value": res.objective_value,
        "unit_commitment": uc,
        "mip_gap": res.mip_gap,
        "build_s": statistics.median(builds),
        "solve_s": statistics.median(solves),
        "total_s": statistics.median(totals),
        "build_share": statistics.median(b / t for b, t in zip(builds, totals, strict=True)),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


_COMPARE_CODE = """
import json, sys, time
from hydro_sim import lianghekou, reference_year
from hydro_sim.optimise import dispatch
plant = lianghekou()
if sys.argv[2] == "network":
    from hydro_sim.network import network_of
    plant = network_of(plant)
year = reference_year()
dispatch(plant, year.window(hours=24), head="fixed", fixed_head_tolerance_m=float("inf"))  # warm-up
t0 = time.perf_counter()
res = dispatch(plant, year, head=sys.argv[1], fixed_head_tolerance_m=float("inf") if sys.argv[1] == "fixed" else None)
total = time.perf_counter() - t0
print(json.dumps({"total_s": total, "build_s": res.timings_s["build"], "solve_s": res.timings_s["solve"],
                  "objective_value": res.objective_value, "iterations": res.iterations, "status": res.status}))
"""


def _compare(baseline_src: str, repeats: int) -> int:
    """The annual LP of the baseline tree and of this one, interleaved; medians and ratios."""
    import os
    from pathlib import Path

    here = str(Path(__file__).resolve().parents[1] / "src")
    runs: dict[tuple[str, str], list[dict]] = {}
    for _ in range(repeats):
        for head in ("fixed", "successive"):
            for side, src, target in (("baseline", baseline_src, "plant"), ("new", here, "network")):
                env = {**os.environ, "PYTHONPATH": src}
                out = subprocess.run(
                    [sys.executable, "-c", _COMPARE_CODE, head, target],
                    capture_output=True,
                    text=True,
                    check=False,
                    env=env,
                )
                if out.returncode != 0:
                    print(f"{side} {head} FAILED\n{out.stderr}", file=sys.stderr)
                    return 1
                runs.setdefault((side, head), []).append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"annual Lianghekou LP, HiGHS, {repeats} interleaved runs each (medians of the dispatch wall time)")
    print(f"{'head':<11} {'baseline s':>10} {'new s':>8} {'ratio':>6}  {'baseline runs':<40} new runs")
    ok = True
    for head in ("fixed", "successive"):
        b = [r["total_s"] for r in runs[("baseline", head)]]
        n = [r["total_s"] for r in runs[("new", head)]]
        mb, mn = statistics.median(b), statistics.median(n)
        ob = runs[("baseline", head)][0]["objective_value"]
        on = runs[("new", head)][0]["objective_value"]
        rel = abs(ob - on) / max(abs(ob), 1.0)
        print(
            f"{head:<11} {mb:>10.3f} {mn:>8.3f} {mn / mb:>6.2f}  {', '.join(f'{x:.3f}' for x in b):<40} "
            f"{', '.join(f'{x:.3f}' for x in n)}"
        )
        print(f"{'':<11} optimum baseline {ob:.10g}, new {on:.10g} (relative difference {rel:.1e})")
        ok = ok and rel <= 1e-6
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a day and a week, one run each")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--one", nargs=3, metavar=("HORIZON", "BACKEND", "HEAD"), help=argparse.SUPPRESS)
    parser.add_argument("--one-uc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one-time-limit", type=float, default=math.inf, help=argparse.SUPPRESS)
    parser.add_argument(
        "--uc",
        action="store_true",
        help="unit commitment (HiGHS, successive head, daily balance): a week and a year",
    )
    parser.add_argument(
        "--uc-year-time-limit",
        type=float,
        default=300.0,
        help="time limit of each MILP of the unit-commitment year [s] (default 300)",
    )
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    parser.add_argument(
        "--compare",
        metavar="BASELINE_SRC",
        default=None,
        help="time the annual LP against the tree whose src folder this is, interleaved",
    )
    parser.add_argument(
        "--horizons",
        nargs="+",
        choices=list(HORIZONS_H),
        default=list(HORIZONS_H),
        help="horizons to run (default: all)",
    )
    parser.add_argument("--backends", nargs="+", choices=("highs", "pulp"), default=["highs", "pulp"])
    args = parser.parse_args()
    if args.one:
        print(
            json.dumps(
                run_one(args.one[0], args.one[1], args.one[2], args.repeats, args.one_uc, args.one_time_limit)
            )
        )
        return 0
    if args.uc:
        return _run_uc(args.uc_year_time_limit)
    if args.compare:
        return _compare(args.compare, args.repeats)
    if args.quick:
        configs = [(h, b, "fixed", 1) for h in ("day", "week") for b in ("highs", "pulp")]
        configs.append(("week", "highs", "successive", 1))
    else:
        configs = []
        for h in args.horizons:
            for b in args.backends:
                for head in ("fixed", "successive"):
                    reps = (
                        args.repeats if (b == "highs" or h in ("day", "week")) else max(1, args.repeats // 2)
                    )
                    if b == "pulp" and h == "4 years":
                        if head == "successive":
                            continue  # ~10 CBC solves of 140,000 columns: left out (tens of minutes)
                        reps = 1
                    configs.append((h, b, head, reps))
    rows = []
    print(
        f"{'horizon':<8} {'steps':>6} {'backend':<6} {'head':<10} {'it':>3} {'build s':>8} {'solve s':>8} "
        f"{'total s':>8} {'build %':>7} {'peak MiB':>8}  status"
    )
    for h, b, head, reps in configs:
        out = subprocess.run(
            [sys.executable, __file__, "--one", h, b, head, "--repeats", str(reps)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{h:<8} {b:<6} {head:<10} FAILED\n{out.stderr}", file=sys.stderr)
            return 1
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['horizon']:<8} {row['steps']:>6} {row['backend']:<6} {row['head']:<10} {row['iterations']:>3} "
            f"{row['build_s']:>8.3f} {row['solve_s']:>8.3f} {row['total_s']:>8.3f} {100 * row['build_share']:>6.1f}% "
            f"{row['peak_rss_mib']:>8.0f}  {row['status']}",
            flush=True,
        )
        if row["status"] != "optimal":
            return 1
    # Backends must agree on every horizon they both solved.
    for h in {r["horizon"] for r in rows}:
        for head in ("fixed", "successive"):
            pair = [r for r in rows if r["horizon"] == h and r["head"] == head]
            if len(pair) == 2:
                a, b = (p["objective_value"] for p in pair)
                rel = abs(a - b) / max(abs(a), 1.0)
                print(f"backends agree on {h}, {head} head: relative objective difference {rel:.2e}")
                if head == "fixed" and rel > 1e-6:
                    return 1
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return 0


def _run_uc(year_time_limit_s: float) -> int:
    """Unit commitment of a Lianghekou week (no time limit) and year (time-limited): time, status, gap."""
    print(
        f"{'horizon':<8} {'steps':>6} {'it':>3} {'build s':>8} {'solve s':>8} {'total s':>8} {'MIP gap':>9}  status"
    )
    for horizon, limit in (("week", math.inf), ("year", year_time_limit_s)):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                horizon,
                "highs",
                "successive",
                "--repeats",
                "1",
                "--one-uc",
                "--one-time-limit",
                str(limit),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(f"{horizon:<8} FAILED\n{out.stderr}", file=sys.stderr)
            return 1
        row = json.loads(out.stdout.strip().splitlines()[-1])
        gap = f"{row['mip_gap']:.2e}" if row["mip_gap"] is not None else "-"
        print(
            f"{row['horizon']:<8} {row['steps']:>6} {row['iterations']:>3} {row['build_s']:>8.3f} "
            f"{row['solve_s']:>8.3f} {row['total_s']:>8.3f} {gap:>9}  {row['status']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
