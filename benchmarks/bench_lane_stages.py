"""Time each stage of the network kernel's lane step (``simulation/_lanes.py``) on its own, in one process.

The whole-kernel figures of ``bench_simulator.py --network`` move by ±40 % from process to process on a shared
machine, more than most changes to one stage. This script instead times each stage of one block of 64 lanes
(``_engine.LANES``; the ``_l_*`` functions, each called REPEATS times in a compiled loop) on a realistic state
(the block of ``network_of(lianghekou())`` after a year of the TOU rule, at hour 4,000), nine rounds, minimum
per stage (``simulate()`` runs wider blocks, up to ``_engine.LANES_MAX``, when it has the scenarios):

- ``kernel``: the whole kernel (``run``) over the block's year from its start, per step: the stages below
  and what lies between them (the inputs streamed from memory, the level tables' segments, the check for
  lanes the scalar step must take);
- ``step`` and ``account``: what the kernel does for a block each step (``_l_step``, ``_l_account``);
- ``units`` (the unit columns' flows at the heads: the series start and Halley's step), ``water`` (the
  releases and the reservoirs' levels), ``volumes`` (end volumes and mid-step heads), ``settle`` (units,
  water, sinks: ``_l_step`` takes two).

With ``--against FILE`` (another version of ``_lanes.py``, e.g. ``git show HEAD~1:src/hydro_sim/simulation/_lanes.py
> /tmp/old/lanes_old.py``) both versions' stages are compiled here and timed alternately, round by round, and
the ratio of their minima printed (this ÷ that; below 1: this is faster): the machine's load falls on both.

    python benchmarks/bench_lane_stages.py
    python benchmarks/bench_lane_stages.py --against /tmp/old/lanes_old.py
    python benchmarks/bench_lane_stages.py --quick    # one round of 100 calls (CI: the code runs)

Compiling the stages takes about a minute; with ``--against``, the other version's whole kernel compiles too
(about five minutes: nothing of it is cached).
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import inspect
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPEATS = 20_000
#: The (state, outputs) of the block at the year's start, for the whole-kernel row.
START: list[Any] = []
ROUNDS = 9
HOUR = 4000


def _state() -> tuple[Any, ...]:
    """(model, inputs, outputs, work) of the lane kernel after a year of one block's scenarios
    (``_engine.LANES``) of the TOU rule, and (state, outputs) at the year's start."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_simulator as B

    from hydro_sim.simulation import _engine, _lanes, _network_sim, simulate

    captured: dict[str, Any] = {}
    run = _lanes.run

    def grab(t0: int, t1: int, s0: int, s1: int, m: Any, inp: Any, st: Any, out: Any, w: Any) -> None:
        captured.update(m=m, inp=inp, out=out, w=w, st=copy.deepcopy(st), out0=copy.deepcopy(out))
        run(t0, t1, s0, s1, m, inp, st, out, w)

    _network_sim.L.run = grab  # type: ignore[attr-defined]
    try:
        target, options, scenarios, policies = B._setup(_engine.LANES, True)  # one block (64 lanes)
        simulate(target, scenarios, policies["TOU rule (power requests)"], record="totals", **options)
    finally:
        _network_sim.L.run = run  # type: ignore[attr-defined]
    return captured["m"], captured["inp"], captured["out"], captured["w"], captured["st"], captured["out0"]


def _stages(mod: ModuleType, nb: int) -> dict[str, Any]:
    """The stages of ``mod`` (a version of ``_lanes``) over ``nb`` lanes (this version's block: the captured
    state's), each in a compiled loop of ``rep`` calls. Not cached
    on disk: the two versions' loops share their names, and numba's cache, keyed by this file, would hand one
    version's machine code to the other (or fail to load a module loaded from a path, ``--against``)."""
    import numba

    jit = numba.njit(cache=False, fastmath=False, nogil=True, error_model="numpy", _nrt=False)

    @jit
    def step(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_step(m, inp, w, 0, nb, t, n_col, n_r, n_k)

    @jit
    def account(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_account(m, out, w, 0, nb, t, n_col, n_r, n_k)

    @jit
    def units(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_units(m, w, nb, n_col, n_r + n_k)

    @jit
    def water(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_water(m, w, t, nb, n_col, n_r + n_k)

    @jit
    def volumes(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_volumes(m, w, nb, n_col, n_r, n_k)

    @jit
    def settle(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        for _ in range(rep):
            mod._l_settle(m, w, t, nb, n_col, n_r, n_k)

    # (a version before the kernel took a range of scenarios, --against, runs them all)
    ranged = len(inspect.signature(getattr(mod.run, "py_func", mod.run)).parameters) == 9

    def kernel(m, inp, out, w, t, n_col, n_r, n_k, rep):  # type: ignore[no-untyped-def]
        st, o = copy.deepcopy(START[0]), copy.deepcopy(START[1])  # (a few KiB: one block's state)
        done = 0
        while done < rep:  # rep steps of the whole kernel from the year's start, in runs of at most a year
            n = min(rep - done, 8760)
            if ranged:
                mod.run(0, n, 0, st.vol.shape[0], m, inp, st, o, w)
            else:
                mod.run(0, n, m, inp, st, o, w)
            done += n

    return {
        "kernel": kernel,
        "step": step,
        "account": account,
        "units": units,
        "water": water,
        "volumes": volumes,
        "settle": settle,
    }


def _load(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("lanes_against", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--against: cannot load {path}")
    from hydro_sim import _physics

    mod = importlib.util.module_from_spec(spec)
    cache, _physics.CACHE_ENABLED = _physics.CACHE_ENABLED, False  # (its functions compiled, not cached:
    try:  # numba's cache cannot load a module loaded from a path in another process)
        spec.loader.exec_module(mod)
    finally:
        _physics.CACHE_ENABLED = cache
    return mod


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--against", help="another version of _lanes.py, timed alternately with this one")
    parser.add_argument("--quick", action="store_true", help="one round of 100 calls (CI: the code runs)")
    args = parser.parse_args()
    repeats, rounds = (100, 1) if args.quick else (REPEATS, ROUNDS)
    from hydro_sim.simulation import _lanes
    from hydro_sim.simulation._engine import LANES

    m, inp, out, w, st0, out0 = _state()
    START[:] = [st0, out0]
    n_col, n_r, n_k = m.ci.shape[0], m.rn.shape[0], m.kn.shape[0]
    sides = {"this": _stages(_lanes, LANES)}
    if args.against:
        sides["that"] = _stages(_load(args.against), LANES)
    call = (m, inp, out, w, HOUR, n_col, n_r, n_k)
    for stages in sides.values():
        for fn in stages.values():
            fn(*call, 1)  # compile
    best: dict[str, dict[str, float]] = {side: {} for side in sides}
    for _ in range(rounds):
        for name in sides["this"]:
            for side, stages in sides.items():
                t0 = time.perf_counter()
                stages[name](*call, repeats)
                dt = (time.perf_counter() - t0) / repeats * 1e9
                best[side][name] = min(best[side].get(name, dt), dt)
    lanes = LANES
    print(f"one block of {lanes} lanes, hour {HOUR}; ns per call, minimum of {rounds} rounds of {repeats:,}")
    head = f"{'stage':<10} {'this':>9}" + (f" {'that':>9} {'this/that':>10}" if args.against else "")
    print(head)
    for name, ns in best["this"].items():
        line = f"{name:<10} {ns:>9.0f}"
        if args.against:
            line += f" {best['that'][name]:>9.0f} {ns / best['that'][name]:>10.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
