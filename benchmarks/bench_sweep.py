"""Benchmark scenario sweeps: speed-up and overhead per scenario of `hydro_sim.sweep` against a plain loop.

Two workloads on the Lianghekou preset, each scenario a year of the reference-year generator with its own seed
(a synthetic inflow, PV and wind year):

- 1,000 simulator scenario-years: the time-of-use rule through the simulator (``kind = "simulate"``, totals
  only), 100 scenarios per task;
- 40 annual dispatches: the annual check's set-up (design basis: no PV or wind; successive head; daily
  pump–generate balance), one dispatch per task, no replay.

Each runs as a plain loop in this process (``reference_year(seed=…)`` then ``simulate()`` or ``dispatch()``, what
one would write without the sweep), then as a sweep on 1 and on 2 local worker processes, then on a 2-worker
Dask ``LocalCluster`` (processes, loopback; its start is timed apart: a sweep meets an existing cluster). The
sweep's times are end to end: reading and checking the sweep, starting the workers (each imports the package),
every scenario read through the scenario-file loader, each result written as its own file, the table (no plots,
no report). Speed-up = loop time / sweep time; overhead per scenario = (workers × sweep time − loop time) /
scenarios, the worker time the sweep adds to each scenario.

    python benchmarks/bench_sweep.py            # 1,000 scenario-years and 40 annual dispatches (≈ 15 min)
    python benchmarks/bench_sweep.py --quick    # 20 scenario-years and 2 weekly dispatches (CI: the code runs)

The machine's load average is printed before and after: on a shared machine the figures are not the code's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIM_BASE = """
[plant]
preset = "lianghekou"
[series]
source = "reference_year"
"""
DISPATCH_BASE = """
[plant]
preset = "lianghekou"
[series]
source = "reference_year"
[series.reference_year]
pv_capacity_mw = 0.0
wind_capacity_mw = 0.0
[objective]
pump_generate_balance = "day"
head = "successive"
[outputs]
replay = false
"""


def _loop_simulate(seeds: list[int], hours: float | None) -> float:
    from hydro_sim import lianghekou
    from hydro_sim.cases.lianghekou.reference_year import reference_year
    from hydro_sim.simulation import TouRulePolicy, simulate

    plant = lianghekou()
    policy = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    simulate(
        plant, reference_year(seed=1), policy, record="totals"
    )  # numba's cache, as a worker's first call
    t0 = time.perf_counter()
    for s in seeds:
        year = reference_year(seed=s)
        if hours is not None:
            year = year.window(start_h=0.0, hours=hours)
        simulate(plant, year, policy, record="totals")
    return time.perf_counter() - t0


def _loop_dispatch(seeds: list[int], hours: float | None) -> float:
    from hydro_sim import lianghekou
    from hydro_sim.cases.lianghekou.reference_year import reference_year
    from hydro_sim.optimise import dispatch

    plant = lianghekou()
    t0 = time.perf_counter()
    for s in seeds:
        year = reference_year(seed=s, pv_capacity_mw=0.0, wind_capacity_mw=0.0)
        if hours is not None:
            year = year.window(start_h=0.0, hours=hours)
        res = dispatch(plant, year, head="successive", pump_generate_balance="day")
        assert res.status == "optimal", res.message
    return time.perf_counter() - t0


def _sweep(
    kind: str, folder: Path, n: int, batch: int | None, hours: float | None, **run: Any
) -> tuple[float, Any]:
    from hydro_sim.sweeps import Axis, Sweep, sweep

    base = folder / f"{kind}.toml"
    text = SIM_BASE if kind == "simulate" else DISPATCH_BASE
    if hours is not None:
        text += f'[horizon]\nstart = "2030-01-01 00:00"\nduration_h = {hours}\n'
    base.write_text(text, encoding="utf-8")
    sw = Sweep(
        base=base,
        axes=(Axis.draws("series.reference_year.seed", n, seed=2026),),
        kind=kind,
        batch_size=batch,
        plots=False,
        report=False,
        name=f"bench {kind}",
    )
    out = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-", dir=folder))
    t0 = time.perf_counter()
    res = sweep(sw, out, **run)
    elapsed = time.perf_counter() - t0
    assert res.computed == n and res.failed == 0, res.table[["status", "message"]]
    return elapsed, res.table


def _row(name: str, runner: str, wall: float, loop: float, workers: int, n: int) -> str:
    if runner == "loop":
        return f"{name:<26} {'plain loop, 1 process':<28} {wall:9.1f} s {'1.00×':>9} {'–':>14}"
    over = (workers * wall - loop) / n
    return f"{name:<26} {runner:<28} {wall:9.1f} s {loop / wall:8.2f}× {over * 1e3:11.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 scenario-years and 2 weekly dispatches (CI)")
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster runs")
    parser.add_argument("--only", choices=("simulate", "dispatch"), default=None, help="one workload only")
    args = parser.parse_args()
    n_sim, n_disp = (20, 2) if args.quick else (1000, 40)
    sim_hours, disp_hours = (None, 168.0) if args.quick else (None, None)
    sim_batch = 10 if args.quick else 100
    load0 = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (1, 5, 15 min)"
    )
    print(f"{'workload':<26} {'runner':<28} {'wall':>11} {'speed-up':>9} {'overhead/scen.':>14}")
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    seeds_of = {}
    from hydro_sim.sweeps import Axis

    for kind, n in (("simulate", n_sim), ("dispatch", n_disp)):
        seeds_of[kind] = list(Axis.draws("series.reference_year.seed", n, seed=2026).values)
    reference_year(seed=1)  # the clear-sky cache, as a warm worker has it
    cluster = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            folder = Path(tmp)
            tables: dict[str, list[Any]] = {}
            for kind, n, batch, hours in (
                ("simulate", n_sim, sim_batch, sim_hours),
                ("dispatch", n_disp, None, disp_hours),
            ):
                if args.only not in (None, kind):
                    continue
                name = (
                    f"{n} simulator years"
                    if kind == "simulate"
                    else f"{n} {'weekly' if hours else 'annual'} dispatches"
                )
                loop = (_loop_simulate if kind == "simulate" else _loop_dispatch)(seeds_of[kind], hours)
                print(_row(name, "loop", loop, loop, 1, n), flush=True)
                for w in (1, 2):
                    wall, table = _sweep(kind, folder, n, batch, hours, workers=w)
                    tables.setdefault(kind, []).append(table)
                    print(_row(name, f"sweep, {w} local worker{'s' * (w > 1)}", wall, loop, w, n), flush=True)
                if not args.no_dask:
                    if cluster is None:
                        from distributed import LocalCluster

                        t0 = time.perf_counter()
                        cluster = LocalCluster(
                            n_workers=2,
                            threads_per_worker=1,
                            processes=True,
                            host="127.0.0.1",
                            dashboard_address=":0",  # any free port: 8787 may be taken
                            silence_logs=40,
                        )
                        print(f"  (LocalCluster of 2 workers started in {time.perf_counter() - t0:.1f} s)")
                    wall, table = _sweep(kind, folder, n, batch, hours, scheduler=cluster.scheduler_address)
                    tables[kind].append(table)
                    print(_row(name, "sweep, Dask LocalCluster (2)", wall, loop, 2, n), flush=True)
                first = tables[kind][0].drop(columns=["warnings"])
                for other in tables[kind][1:]:
                    assert first.equals(other.drop(columns=["warnings"])), "the table depends on the runner"
    finally:
        if cluster is not None:
            cluster.close()
    load1 = os.getloadavg()
    print(
        f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; the tables of every runner are equal"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
