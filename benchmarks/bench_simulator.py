"""Benchmark the simulator's throughput: scenario-steps per second for 1, 100 and 1,000 scenarios of a year.

Two policies: the TOU rule (power requests, turned into flow at the actual head every step) and the replay
of an LP schedule's flows; two record modes: ``totals`` (per-scenario totals, extremes and cut-back tallies:
what a Monte-Carlo batch keeps) and ``all`` (every series per scenario and step: 15 arrays of
scenarios × 8,760 floats, 1 GiB at 1,000 scenarios, whose first-touch page faults dominate on this VM).
Timed end to end: ``simulate()`` from Scenario objects to the result. Medians of several runs after a
warm-up (numba compiles on first use and caches to disk). One process; the kernel runs on every core the
process may use (``simulate(threads=None)``: blocks of 64 to 256 scenarios side by side, each thread's share
in as few as that allows), so 1 and 64 scenarios run on one core.
The column "kernel" is the compiled physics alone (``SimulationResult.timings_s["kernel"]``, median of the
same runs): the rest of the end-to-end time is turning Scenario objects into arrays (at 1,000 distinct inflow
years, 140 MB of fresh memory) and the result into frames. The last column is each run's end-to-end speed
relative to ``all`` with the same policy and size, measured in the same process.

    python benchmarks/bench_simulator.py            # 1, 100, 1000 scenarios, 3 runs each
    python benchmarks/bench_simulator.py --quick    # 1 and 100 scenarios, 1 run (CI)
    python benchmarks/bench_simulator.py --network  # the same on network_of(lianghekou()), element columns

A ``Plant`` runs through the network kernel as ``network_of(plant)`` (its minimum-output and pump-band
limits off: a Plant declares none; scenarios in blocks of lanes, ``simulation/_lanes.py``), its results
turned into the Plant's columns; ``--network`` runs ``network_of(lianghekou())`` itself, with the LP
schedule's columns renamed to the network's element columns (no Plant columns to build).

Against another version, in one run (the machine's load falls on both alike): ``--against`` names another
checkout's ``src``; the script then alternates fresh processes of that version and of this one (``--pairs``
pairs, which one goes first alternating), each timing 1,000 years (``--scenarios``) in totals mode with both
policies, and prints each side's median and the ratio of the medians (this ÷ that; above 1: this is
faster). Each process first compiles (two scenarios), then times one full-size run on its own (the row
``first_run``: for the TOU rule, which runs first, the process's first use of that much memory, whose page
faults, huge pages included, the later runs no longer pay; the replay runs in memory the process already
has), then the timed runs whose medians make the other rows. The other side runs the
Plant (with ``--that-network`` the network); this side the Plant, or with ``--network`` the network. A side
whose ``simulate`` takes ``threads`` is timed on every core and on one (``threads=1``: the rows
``end_to_end_1`` and ``kernel_1``); a side without it (8a016c0) runs on one core, and its one figure stands
on both rows. Against 8a016c0 (the Plant on its own kernel, the baseline of issue 9's speed criterion) the
plain form measures that criterion.

    git -C <repo> worktree add /tmp/base8a 8a016c0   # the version to compare with
    python benchmarks/bench_simulator.py --against /tmp/base8a/src --pairs 5
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

#: The LP schedule's Plant columns → network_of(lianghekou())'s element columns.
NETWORK_COLUMNS = {
    "flow_conventional_m3s": "Lianghekou conventional flow_m3s",
    "flow_generating_m3s": "Lianghekou reversible flow_m3s",
    "flow_pumping_m3s": "Lianghekou reversible-pump flow_m3s",
    "spill_upper_m3s": "Lianghekou spillway flow_m3s",
    "release_lower_m3s": "Yagen-I release flow_m3s",
}


def _case() -> tuple[Any, Any]:
    """(design_basis_year, reference_year) of the Lianghekou case, in this version's layout or, for
    ``--against`` an older checkout, in the one before the case package (``hydro_sim.validation``)."""
    try:
        from hydro_sim.cases.lianghekou.annual_check import design_basis_year
        from hydro_sim.cases.lianghekou.reference_year import reference_year
    except ImportError:
        from hydro_sim.reference_year import reference_year  # type: ignore[no-redef]
        from hydro_sim.validation import design_basis_year  # type: ignore[no-redef]
    return design_basis_year, reference_year


def _setup(n: int, network: bool, schedule_path: str | None = None) -> tuple[Any, dict[str, Any], list, dict]:
    """(target, simulate options, scenarios, policies): ``n`` seeded Monte-Carlo years of Lianghekou."""
    from hydro_sim import lianghekou
    from hydro_sim.simulation import ReplayPolicy, TouRulePolicy

    design_basis_year, reference_year = _case()
    plant = lianghekou()
    year = design_basis_year(reference_year())
    rng = np.random.default_rng(0)
    # Monte-Carlo inflow years: the reference year scaled by a seeded factor per scenario.
    scenarios = [
        dataclasses.replace(
            year,
            inflow_upper_m3s=year.inflow_upper_m3s * f,
            inflow_lower_m3s=year.inflow_lower_m3s * f,
            name=f"year {i}",
        )
        for i, f in enumerate(rng.uniform(0.7, 1.3, n))
    ]
    if schedule_path is not None:
        with open(schedule_path, "rb") as fh:
            schedule = pickle.load(fh)
    else:
        from hydro_sim.optimise import dispatch

        schedule = dispatch(plant, year, pump_generate_balance="day").schedule
    target: Any = plant
    options: dict[str, Any] = {}
    if network:
        from hydro_sim.network import network_of

        target, options = network_of(plant), {"unit_limits": False}
        schedule = schedule.rename(columns=NETWORK_COLUMNS)
    try:
        tou = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    except TypeError:  # a version before the currency-neutral names (--against 8a016c0)
        tou = TouRulePolicy.for_tariff(flat_price_cny_per_mwh=400.0)
    policies = {
        "TOU rule (power requests)": tou,
        "LP replay (flows)": ReplayPolicy(schedule=schedule, mode="flows"),
    }
    return target, options, scenarios, policies


def table(args: argparse.Namespace) -> int:
    from hydro_sim.simulation import simulate

    sizes = (1, 100) if args.quick else (1, 100, 1000)
    repeats = 1 if args.quick else args.repeats
    target, options, scenarios, policies = _setup(max(sizes), args.network)
    n_steps = scenarios[0].n_steps
    print(
        f"{'policy':<28} {'record':>7} {'scenarios':>9} {'median s':>9} {'M scenario-steps/s':>19} "
        f"{'kernel':>7} {'× all':>6}"
    )
    for name, policy in policies.items():
        simulate(target, scenarios[:2], policy, **options)  # warm-up: compile or load the cache (lanes too)
        for n in sizes:
            medians = {}
            for record in ("all", "totals"):
                times, kernel = [], []
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    res = simulate(target, scenarios[:n], policy, record=record, **options)
                    times.append(time.perf_counter() - t0)
                    kernel.append(res.timings_s["kernel"])
                    assert res.water_balance_error_hm3() < 1e-6
                    del res
                med = medians[record] = statistics.median(times)
                steps = n * n_steps / 1e6
                print(
                    f"{name:<28} {record:>7} {n:>9} {med:>9.3f} {steps / med:>19.2f} "
                    f"{steps / statistics.median(kernel):>7.2f} {medians['all'] / med:>6.2f}",
                    flush=True,
                )
    return 0


def worker(args: argparse.Namespace) -> int:
    """One side of ``--against``: a JSON line of M scenario-steps/s (end to end, kernel) per policy."""
    from hydro_sim.simulation import simulate

    target, options, scenarios, policies = _setup(args.scenarios, args.network, args.schedule)
    # a version with simulate(threads=...) is timed on every core and on one (suffix "_1")
    runs = {"": {}, "_1": {"threads": 1}} if "threads" in inspect.signature(simulate).parameters else {"": {}}
    out: dict[str, Any] = {}
    for name, policy in policies.items():
        t0 = time.perf_counter()
        # compile or load the cache (two scenarios: one runs the network kernel's scalar loop alone)
        simulate(target, scenarios[:2], policy, record="totals", **options)
        out[name] = {"warm_up_s": time.perf_counter() - t0}
        steps = len(scenarios) * scenarios[0].n_steps / 1e6
        # the first full-size run of the process, on its own row: it also pays for the memory the process
        # takes from the system for the first time (page faults, which the runs after it reuse)
        t0 = time.perf_counter()
        res = simulate(target, scenarios, policy, record="totals", **options)
        out[name]["first_run"] = steps / (time.perf_counter() - t0)
        del res
        for suffix, extra in runs.items():
            times, kernel = [], []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                res = simulate(target, scenarios, policy, record="totals", **options, **extra)
                times.append(time.perf_counter() - t0)
                kernel.append(res.timings_s["kernel"])
                assert res.water_balance_error_hm3() < 1e-6
                del res
            out[name][f"end_to_end{suffix}"] = steps / statistics.median(times)
            out[name][f"kernel{suffix}"] = steps / statistics.median(kernel)
    print(json.dumps(out))
    return 0


def against(args: argparse.Namespace) -> int:
    """Alternate processes of the other version (``--against``) and this one; medians and ratios."""
    here = str(Path(__file__).resolve().parents[1] / "src")
    sides = {
        "that": (str(Path(args.against).resolve()), args.that_network),
        "this": (here, args.network),
    }
    results: dict[str, list[dict[str, Any]]] = {"that": [], "this": []}
    with tempfile.TemporaryDirectory() as tmp:
        schedule = os.path.join(tmp, "schedule.pkl")
        sys.path.insert(0, here)
        from hydro_sim import lianghekou
        from hydro_sim.cases.lianghekou.annual_check import design_basis_year
        from hydro_sim.cases.lianghekou.reference_year import reference_year
        from hydro_sim.optimise import dispatch

        lp = dispatch(lianghekou(), design_basis_year(reference_year()), pump_generate_balance="day")
        with open(schedule, "wb") as fh:
            pickle.dump(lp.schedule, fh)
        for i in range(args.pairs):
            for side in ("that", "this") if i % 2 == 0 else ("this", "that"):
                src, network = sides[side]
                cmd = [sys.executable, __file__, "--worker", "--scenarios", str(args.scenarios)]
                cmd += ["--repeats", str(args.repeats), "--schedule", schedule] + (["--network"] * network)
                env = {**os.environ, "PYTHONPATH": src}
                line = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
                results[side].append(json.loads(line.strip().splitlines()[-1]))
                print(f"pair {i + 1} {side}: {results[side][-1]}", flush=True)
    kind = {True: "network", False: "Plant"}
    print(f"\nthat = {sides['that'][0]} ({kind[args.that_network]}); this = {here} ({kind[args.network]})")
    print(
        f"{args.scenarios} scenarios × 1 year, totals mode, {args.pairs} pairs; M scenario-steps/s, medians"
    )
    print(f"{'policy':<28} {'measure':>12} {'that':>8} {'this':>8} {'this/that':>10}")
    for name in results["that"][0]:
        for measure in ("first_run", "end_to_end", "kernel", "end_to_end_1", "kernel_1"):
            # (a side without threads runs on one core: its "_1" is its only figure)
            base = measure.removesuffix("_1")
            if measure not in results["this"][0][name] and measure != base:
                continue
            a = statistics.median(r[name].get(measure, r[name][base]) for r in results["that"])
            b = statistics.median(r[name].get(measure, r[name][base]) for r in results["this"])
            print(f"{name:<28} {measure:>12} {a:>8.2f} {b:>8.2f} {b / a:>10.3f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--network", action="store_true", help="run network_of(lianghekou())")
    parser.add_argument("--against", help="another checkout's src: alternate its processes with this one's")
    parser.add_argument("--pairs", type=int, default=5, help="with --against: pairs of processes")
    parser.add_argument(
        "--that-network", action="store_true", help="with --against: the other side runs the network too"
    )
    parser.add_argument("--scenarios", type=int, default=1000, help="with --against: scenarios per run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--schedule", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.against:
        return against(args)
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
