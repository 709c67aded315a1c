"""Benchmark the simulator's throughput: scenario-steps per second for 1, 100 and 1,000 scenarios of a year.

Two policies: the TOU rule (power requests, turned into flow at the actual head every step) and the replay
of an LP schedule's flows; two record modes: ``totals`` (per-scenario totals, extremes and cut-back tallies:
what a Monte-Carlo batch keeps) and ``all`` (every series per scenario and step: 15 arrays of
scenarios × 8,760 floats, 1 GiB at 1,000 scenarios, whose first-touch page faults dominate on this VM).
Timed end to end: ``simulate()`` from Scenario objects to the result. Medians of several runs after a
warm-up (numba compiles on first use and caches to disk). One process, one core (numba's loop is serial).
The column "kernel" is the compiled physics alone (``SimulationResult.timings_s["kernel"]``, median of the
same runs): the rest of the end-to-end time is turning Scenario objects into arrays (at 1,000 distinct inflow
years, 140 MB of fresh memory) and the result into frames. The last column is each run's end-to-end speed
relative to ``all`` with the same policy and size, measured in the same process.

    python benchmarks/bench_simulator.py            # 1, 100, 1000 scenarios, 3 runs each
    python benchmarks/bench_simulator.py --quick    # 1 and 100 scenarios, 1 run (CI)
    python benchmarks/bench_simulator.py --network  # the same on network_of(lianghekou()), element columns

``--network`` runs ``network_of(lianghekou())`` through the network kernel (any number of reservoirs and
groups, every limit per element; its minimum-output and pump-band limits off, as the Plant's kernel has
none) with the LP schedule's columns renamed to the network's element columns.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from typing import Any

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--network", action="store_true", help="run network_of(lianghekou())")
    args = parser.parse_args()

    from hydro_sim import lianghekou
    from hydro_sim.cases.lianghekou.annual_check import design_basis_year
    from hydro_sim.cases.lianghekou.reference_year import reference_year
    from hydro_sim.optimise import dispatch
    from hydro_sim.simulation import ReplayPolicy, TouRulePolicy, simulate

    plant = lianghekou()
    year = design_basis_year(reference_year())
    rng = np.random.default_rng(0)
    sizes = (1, 100) if args.quick else (1, 100, 1000)
    repeats = 1 if args.quick else args.repeats
    base = max(sizes)
    # Monte-Carlo inflow years: the reference year scaled by a seeded factor per scenario.
    scenarios = [
        dataclasses.replace(
            year,
            inflow_upper_m3s=year.inflow_upper_m3s * f,
            inflow_lower_m3s=year.inflow_lower_m3s * f,
            name=f"year {i}",
        )
        for i, f in enumerate(rng.uniform(0.7, 1.3, base))
    ]
    lp = dispatch(plant, year, pump_generate_balance="day")
    policies = {
        "TOU rule (power requests)": TouRulePolicy.for_tariff(flat_price_per_mwh=400.0),
        "LP replay (flows)": ReplayPolicy(schedule=lp.schedule, mode="flows"),
    }
    target: Any = plant
    options: dict[str, Any] = {}
    if args.network:
        from hydro_sim.network import network_of

        target, options = network_of(plant), {"unit_limits": False}
        columns = {
            "flow_conventional_m3s": "Lianghekou conventional flow_m3s",
            "flow_generating_m3s": "Lianghekou reversible flow_m3s",
            "flow_pumping_m3s": "Lianghekou reversible-pump flow_m3s",
            "spill_upper_m3s": "Lianghekou spillway flow_m3s",
            "release_lower_m3s": "Yagen-I release flow_m3s",
        }
        policies["LP replay (flows)"] = ReplayPolicy(
            schedule=lp.schedule.rename(columns=columns), mode="flows"
        )
    print(
        f"{'policy':<28} {'record':>7} {'scenarios':>9} {'median s':>9} {'M scenario-steps/s':>19} "
        f"{'kernel':>7} {'× all':>6}"
    )
    for name, policy in policies.items():
        simulate(target, scenarios[:1], policy, **options)  # warm-up: compile or load the cache
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
                steps = n * year.n_steps / 1e6
                print(
                    f"{name:<28} {record:>7} {n:>9} {med:>9.3f} {steps / med:>19.2f} "
                    f"{steps / statistics.median(kernel):>7.2f} {medians['all'] / med:>6.2f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
