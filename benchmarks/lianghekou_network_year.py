"""The Lianghekou year on today's two-node plant and on the three-node network with Yagen-I's own plant.

Design-basis reference year (no PV or wind), revenue at the Sichuan TOU tariff, a daily pump–generate
balance: the dispatch of ``network_of(lianghekou())`` (the annual check's model) against
``lianghekou_network()``, in which Yagen-I's units value its head (a CALIBRATION from its published
11.5亿 kWh) and the reach below Yagen-I has its environmental minimum and ramp (ASSUMPTIONS). Prints each
group's energy, the river's flow range and hourly change, the hours above Yagen-I's 1,616 m³/s plant
discharge, the level ranges and the solve times, fixed and successive head, two-node beside three-node.

Then the forms of the three-node LP tried for speed (issue 9), each timed on the LP of the first
checkpoint round (Lianghekou's balances summed every 720 steps, as :func:`hydro_sim.optimise._highs.solve`
starts), one HiGHS solve each, with its simplex iterations and its optimum against today's form:

    today          sink-flow column q, sink row q − Σ inflows = 0, ramp rows −r ≤ q[t] − q[t−1] ≤ r;
                   dual simplex from the crash basis (what dispatch() does)
    no ramp        the same with the ramp rows freed (a relaxation: a different optimum; for scale)
    sink in bal.   Yagen-I's balance written on q (balance + c·sink row: its outflows replaced by q)
    ramp as var.   ramp rows as equalities q[t] − q[t−1] − δ[t] = 0 with −r ≤ δ ≤ r
    relaxed→ramp   the no-ramp optimum's basis carried to today's form (ramp rows basic)
    cold+presolve  today's form without a starting basis (HiGHS presolves then)
    ipm            interior point (IPX) with crossover, cold; ipm no x.: without crossover

and, per successive-head iteration, whether it started from the previous iteration's basis and its
simplex iterations. Several minutes on a 2-core machine (the full run); ``--quick`` runs the dispatch
with fixed head and today's form only.

Run: ``python benchmarks/lianghekou_network_year.py [--quick]``

Findings (2026-12-01, one full run on the shared 2-core machine under a load average of 10–17, so the
seconds are 2–5 × those of a quiet machine; iterations do not depend on the load; quiet-machine figures
from the issue in brackets):

- dispatch(): two-node fixed 5,207 it (≈ 0.45 s quiet), three-node fixed 57,967 it (≈ 24 s quiet);
  successive head two-node 10 solves, 8,235 it; three-node 8 solves, 88,586 it: cold 57,967 it, then
  warm 20,597, 7,280, 1,456, 507, 317, 202, 260 it. Every solve after the first does start from the
  previous optimal basis (also a test in ``tests/test_dispatch_network.py``); the second solve (the
  heads' first large change) takes 20,597 iterations and as long as the cold first one.
- Forms (same run, same LP): today 57,926 it; sink in balance 53,010 it; ramp as a variable 60,241 it;
  relaxed→ramp 25,552 + 32,236 it; cold + presolve 47,564 it (no faster: presolve removes little);
  primal simplex 100,859 it (5 × slower); IPX with crossover 30 iterations, in two interleaved pairs
  0.95 × and 0.81 × the dual simplex's time (28.7 s against 30.2 s, 34.1 s against 42.3 s under load;
  the issue's quiet figure 31 s against 24 s), without crossover 26 iterations and 10⁻¹⁰ off; IPX on
  the model with every Lianghekou balance (no summed rows) 41 iterations, several times slower.
  Scaling off 69,002 it; Dantzig dual edge weights 294,865 it; the ``hipo`` IPM is not in
  this highspy build (1.16.0: the option falls back to simplex). PDLP on one month: 229 s against 0.9 s,
  its rows violated by up to 2e-4 and its objective 4e-7 off: not usable. All forms reach the same
  optimum (within 2e-14). Blocks of 720 steps with their joins fixed (Lianghekou's volume, Yagen-I's
  volume and the river's flow at each checkpoint) are no faster in one LP (56,527 it), and freeing the
  joins from that basis costs another 4,750 iterations at ≈ 5 ms each.
- What holds it back: in the optimum the river below Yagen-I is a triangle wave, 12 h up and 12 h
  down at exactly the ramp limit (277 ↔ 1,073 m³/s; 99.9 % of the hours at the limit, the longest
  unbroken run of ramp-limited hours 7,163 h). Each hour's flow is then fixed by the hour before through
  a binding ramp row: the optimal basis is a chain of thousands of steps, and a change anywhere moves
  every later hour's flow. The simplex's solves with the basis (FTRAN, BTRAN, the pivot row) are dense
  along the chain, O(T) per iteration instead of the hypersparse O(1) of the two-node year, where the
  release has no ramp and Yagen-I's level reaches a bound at least every 15 h (chains of ≤ 15 steps):
  ≈ 0.45 ms per iteration against 0.13 ms, and 5 ms per iteration near the optimum. No exact rewrite of
  the rows changes this (the sensitivity of the flows to a ramp bound is the same in every form), which
  the three forms confirm. A month alone solves in ≈ 3,000 iterations and under a second: the cost is
  the year's long chain. The ways to the targets are an IPM with a direct (Cholesky) factorisation, for
  which the chain is a band (HiGHS's HiPO, not in this build), or a rolling horizon (not the year's
  exact optimum).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from hydro_sim import dispatch, reference_year
from hydro_sim.cases.lianghekou.annual_check import design_basis_year
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_YAGEN_I_GENERATION_YI_KWH,
    lianghekou,
    lianghekou_network,
)
from hydro_sim.constants import MWH_PER_TWH, MWH_PER_YI_KWH
from hydro_sim.network import Network, network_of
from hydro_sim.optimise import _highs, api
from hydro_sim.optimise import _reformulate as rf
from hydro_sim.optimise._data import NetworkModelData, build_network_data
from hydro_sim.optimise._formulation import LP, Block, ColFamily

YAGEN_I_DISCHARGE_M3S = 1616.0  # the MIKE 21 model's largest Yagen-I outflow (sources, addendum §2b; M/L)
FLOW_TOL_M3S = 1e-6  # a flow change within this of the ramp limit counts as at the limit [m³/s]


# ---- the dispatch, with a record of each HiGHS solve of the successive-head loop --------------------------
def _dispatch_recorded(net: Network, year: Any, head: str) -> tuple[Any, list[tuple[bool, int, float]]]:
    """dispatch() with each backend solve recorded: (started from a carried basis, iterations, solve s)."""
    calls: list[tuple[bool, int, float]] = []
    inner = _highs.solve

    def solve(d: NetworkModelData, **kw: Any) -> Any:
        raw, slacks = inner(d, **kw)
        calls.append((kw.get("basis") is not None, raw.iterations, raw.solve_s))
        return raw, slacks

    _highs.solve = solve  # type: ignore[assignment]
    try:
        res = dispatch(net, year, pump_generate_balance="day", head=head)
    finally:
        _highs.solve = inner  # type: ignore[assignment]
    return res, calls


def _report(label: str, net: Network, res: Any, dt: float, calls: list[tuple[bool, int, float]]) -> None:
    s = res.schedule
    print(
        f"== {label}, {res.head} head: {res.status} in {res.timings_s['total']:.1f} s "
        f"(solve {res.timings_s['solve']:.1f} s), {res.iterations} head iterations, "
        f"{res.solver_iterations} simplex iterations, revenue {res.objective_value:,.0f} CNY"
    )
    if len(calls) > 1:
        print("   solves: " + ", ".join(f"{'warm' if w else 'cold'} {it} it {t:.1f} s" for w, it, t in calls))
    for col in s.columns:
        if col.endswith(" power_mw"):
            print(f"   {col:<45} {s[col].sum() * dt / MWH_PER_TWH:8.3f} TWh")
    if "Yagen-I units power_mw" in s:
        model = s["Yagen-I units power_mw"].sum() * dt
        published = PUBLISHED_YAGEN_I_GENERATION_YI_KWH * MWH_PER_YI_KWH
        print(
            f"   Yagen-I against its published {PUBLISHED_YAGEN_I_GENERATION_YI_KWH}亿 kWh = "
            f"{published / MWH_PER_TWH:.3f} TWh: {model / published - 1.0:+.1%} "
            "(a CALIBRATION: its head is derived from that figure)"
        )
    for sink in net.sinks:
        q = s[f"{sink.name} flow_m3s"].to_numpy()
        print(
            f"   {sink.name}: {q.min():.1f} … {q.max():.1f} m³/s, largest hourly change "
            f"{np.abs(np.diff(q)).max():.1f} m³/s, {(q > YAGEN_I_DISCHARGE_M3S).sum()} h above "
            f"{YAGEN_I_DISCHARGE_M3S:,.0f} m³/s"
        )
        ramp = getattr(sink, "max_ramp_m3s_per_h", None)
        if ramp is not None and np.isfinite(ramp):
            # the runs of hours at the ramp limit are the chains of the optimal basis (see the docstring)
            binds = np.abs(np.diff(q)) >= ramp * dt - FLOW_TOL_M3S
            edges = np.diff(np.r_[0, binds.astype(int), 0])
            longest = int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max(initial=0))
            print(f"   its ramp binds on {binds.mean():.0%} of the hours, the longest run {longest:,} h")
    for name in net.reservoir_names:
        z = s[f"{name} level_masl"]
        print(f"   {name} level {z.min():.2f} … {z.max():.2f} m")


# ---- the forms of the three-node LP ------------------------------------------------------------------------
def _model_data(net: Network, year: Any) -> NetworkModelData:
    defaults = {
        n: p.default
        for n, p in inspect.signature(dispatch).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    network, _, opts = api._validate(net, year, {**defaults, "pump_generate_balance": "day", "head": "fixed"})
    return build_network_data(network, year, opts, api._start_heads(network, year, None))


def _ramp_limit(d: NetworkModelData) -> Any:
    (lim,) = [lim for lim in d.flow_limits if np.isfinite(lim.ramp_m3s_per_step)]
    return lim


def _no_ramp(lp: LP, d: NetworkModelData) -> LP:
    name = f"{_ramp_limit(d).name}-ramp"
    rowf = dict(lp.rowf)
    f = rowf[name]
    rowf[name] = dataclasses.replace(f, lb=np.full(f.lb.size, -np.inf), ub=np.full(f.ub.size, np.inf))
    return dataclasses.replace(lp, rowf=rowf)


def _sink_in_balance(lp: LP, d: NetworkModelData) -> LP:
    """Yagen-I's balance + c·(sink row): its outflows into the sink cancel and c·q takes their place (a row
    operation; the duals map back as y_sink = y'_sink + c·y'_balance)."""
    lim = _ramp_limit(d)
    (r,) = [r for r in range(d.R) if np.all(d.incidence[r, lim.columns] < 0)]
    bal, sink = f"{d.reservoir_names[r]}-balance", f"{lim.name}-flow"
    outs = {b.col for b in lp.blocks_in_row(sink) if b.col != sink}
    (qb,) = [b for b in lp.blocks_in_row(sink) if b.col == sink]
    blocks = [b for b in lp.blocks if not (b.row == bal and b.col in outs)]
    blocks.append(Block(bal, sink, qb.i, qb.j, d.c * qb.v))
    return dataclasses.replace(lp, blocks=blocks)


def _ramp_as_variable(lp: LP, d: NetworkModelData) -> LP:
    name = f"{_ramp_limit(d).name}-ramp"
    rowf, colf = dict(lp.rowf), dict(lp.colf)
    f = rowf[name]
    n = f.lb.size
    rowf[name] = dataclasses.replace(f, lb=np.zeros(n), ub=np.zeros(n))
    colf["ramp-delta"] = ColFamily(
        lb=f.lb.copy(), ub=f.ub.copy(), cost=np.zeros(n), integer=False, id=lp.n_cols + np.arange(n),
        steps=np.arange(1, n + 1),
    )  # fmt: skip
    k = np.arange(n, dtype=np.int32)
    blocks = [*lp.blocks, Block(name, "ramp-delta", k, k, -np.ones(n))]
    return dataclasses.replace(lp, rowf=rowf, colf=colf, blocks=blocks)


def _solve_lp(lp: LP, start: Any = None, **options: Any) -> tuple[float, int, float, Any]:
    h = _highs._load(lp)
    h.setOptionValue("random_seed", 0)
    for k, v in options.items():
        h.setOptionValue(k, v)
    if start is not None:
        h.setBasis(start)
    t0 = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - t0
    info = h.getInfo()
    assert h.getModelStatus() == _highs.highspy.HighsModelStatus.kOptimal, h.modelStatusToString(
        h.getModelStatus()
    )
    its = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    return elapsed, its, float(info.objective_function_value), h


def _forms(d: NetworkModelData) -> None:
    cps = {r: rf.initial_checkpoints(d.T) for r in rf.checkpoint_reservoirs(d)}
    lp = _highs.with_checkpoints(_highs.base_chain(d, elastic=False), d, cps).lp
    crash_res = rf.checkpoint_reservoirs(d, level_limits=True)

    def crash(m: LP) -> Any:
        return rf.crash_basis(m, d, crash_res)

    print(
        f"== forms of the three-node LP (first checkpoint round: {lp.n_rows:,} rows, {lp.n_cols:,} columns, "
        f"{lp.matrix().nnz:,} nonzeros), one solve each"
    )
    ref = None
    cases: list[tuple[str, Callable[[], tuple[float, int, float, Any]]]] = [
        ("today (dual simplex, crash)", lambda: _solve_lp(lp, crash(lp))),
        ("no ramp (relaxation)", lambda: _solve_lp(_no_ramp(lp, d), crash(lp))),
        ("sink in balance", lambda: _solve_lp(_sink_in_balance(lp, d), crash(lp))),
        ("ramp as variable", lambda: _solve_lp(m := _ramp_as_variable(lp, d), crash(m))),
        ("relaxed→ramp (carried basis)", lambda: _relaxed_then_ramp(lp, d, crash(lp))),
        ("cold + presolve", lambda: _solve_lp(lp)),
        ("primal simplex, crash", lambda: _solve_lp(lp, crash(lp), simplex_strategy=4)),
        ("ipm + crossover", lambda: _solve_lp(lp, solver="ipm")),
        ("ipm, no crossover", lambda: _solve_lp(lp, solver="ipm", run_crossover="off")),
    ]
    for label, case in cases:
        elapsed, its, obj, _ = case()
        ref = obj if ref is None else ref
        print(f"   {label:<32} {elapsed:7.2f} s {its:8d} it  objective {obj:,.2f} ({obj / ref - 1.0:+.1e})")


def _relaxed_then_ramp(lp: LP, d: NetworkModelData, start: Any) -> tuple[float, int, float, Any]:
    t1, i1, _, h = _solve_lp(_no_ramp(lp, d), start)
    t2, i2, obj, h2 = _solve_lp(lp, h.getBasis())
    return t1 + t2, i1 + i2, obj, h2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fixed head and today's form only")
    args = parser.parse_args()
    year = design_basis_year(reference_year())
    dt = year.dt_h
    nets = (
        ("two-node (the annual check's model)", network_of(lianghekou())),
        ("three-node with Yagen-I's plant", lianghekou_network()),
    )
    for head in ("fixed",) if args.quick else ("fixed", "successive"):
        for label, net in nets:
            res, calls = _dispatch_recorded(net, year, head)
            _report(label, net, res, dt, calls)
    if not args.quick:
        _forms(_model_data(nets[1][1], year))


if __name__ == "__main__":
    main()
