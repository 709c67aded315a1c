"""The fast backend: the model of :mod:`._formulation` solved by HiGHS (highspy), with the exact
reformulations of :mod:`._reformulate`, and the handling of signals during a solve.

:func:`solve` builds the network's model, applies the reformulations (the revenue fold always; in LP mode
the release as slack, the merged renewables and the summed checkpoint balances with their refinement
rounds), starts HiGHS from a crash or a carried basis, and maps the solution back to the model itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from hydro_sim.optimise import _reformulate as rf
from hydro_sim.optimise._data import NetworkModelData
from hydro_sim.optimise._formulation import LP, balance_family, build_model, volume_family
from hydro_sim.optimise._reformulate import WarmStart

INF = highspy.kHighsInf
#: Slack below which a soft constraint counts as met in the elastic (diagnosis) model; solver tolerance. [same unit]
ELASTIC_TOLERANCE = 1e-6
#: An upper volume between checkpoints counts as within its bounds up to this amount: HiGHS's primal
#: feasibility tolerance, which the volume columns of the model itself are held to. [hm³]
CHECKPOINT_TOLERANCE_HM3 = 1e-7
#: Rounds of added checkpoints after which every step becomes one (the model itself). [-]
MAX_CHECKPOINT_ROUNDS = 8


@dataclass
class RawSolution:
    """What a backend hands back: column values per family, duals of the water balances, statistics.

    ``values`` are keyed by the column families of the model itself (:func:`._formulation.build_model`;
    the legacy PuLP backend keys them by its own families until it reads the network model);
    ``balance_duals`` (R, T) are the duals of the reservoirs' balance rows (money per hm³, the sign of
    HiGHS: minus the water value)."""

    status: str  # "optimal", "infeasible", "unbounded", "time_limit", "interrupted", "error"
    solver_message: str
    objective_value: float
    values: dict[str, np.ndarray] = field(default_factory=dict)  # family → (T,) or (n_periods,)
    balance_duals: np.ndarray | None = None
    dual_bal_up: np.ndarray | None = None  # legacy PuLP backend
    dual_bal_lo: np.ndarray | None = None  # legacy PuLP backend
    mip_gap: float | None = None
    iterations: int = 0
    build_s: float = 0.0
    solve_s: float = 0.0
    basis: WarmStart | None = None
    has_solution: bool = False  # a primal feasible schedule is in ``values`` (optimal or not)


# ---- interruption by a signal ---------------------------------------------------------------------
#: Signals that stop a solve and let it return what it has (Ctrl-C, and a polite kill or a batch queue).
INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[str] = []  # names of the signals received while :func:`interruptible` is active
_depth = 0  # nesting of :func:`interruptible` in the main thread


def _on_signal(signum: int, frame: Any) -> None:
    _received.append(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While active (in the main thread only), SIGINT and SIGTERM do not stop the process: they are recorded,
    and a running HiGHS solve stops at its next interrupt callback and hands back what it has.

    The previous handlers come back on exit. Nested uses share the outermost one's record, which starts
    empty. In another thread (where Python cannot install signal handlers) this does nothing.
    """
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth:
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    _received.clear()
    previous = {sig: signal.signal(sig, _on_signal) for sig in INTERRUPT_SIGNALS}
    _depth = 1
    try:
        yield
    finally:
        _depth = 0
        _received.clear()  # the results made inside have read it; nothing stale is left
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def received_signal() -> str | None:
    """The first signal (``"SIGINT"`` or ``"SIGTERM"``) received in the active :func:`interruptible`, if any."""
    return _received[0] if _received and _depth else None


def request_interrupt(name: str = "SIGINT") -> None:
    """Act as if the signal ``name`` had been received in the active :func:`interruptible` (for tests and
    embedding applications); outside one it does nothing."""
    if _depth:
        _received.append(name)


def _interrupt_event(event: Any) -> None:
    if received_signal() is not None:
        event.interrupt()


def _watch_interrupts(h: highspy.Highs) -> None:
    """Let the simplex, interior-point and MIP solvers of ``h`` stop when a signal has been received."""
    for cb in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        cb.subscribe(_interrupt_event)


_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent Highs object. HiGHS prints a banner to stdout at its first construction in a process; the
    library never prints, so that first construction runs with file descriptor 1 pointed at /dev/null."""
    global _banner_done
    if _banner_done:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_done = True
    h.setOptionValue("output_flag", False)
    return h


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}
#: HiGHS's ``primal_solution_status`` of a feasible point (kSolutionStatusFeasible).
FEASIBLE_SOLUTION = 2
#: Statuses after which the solver may hold a feasible, not proven optimal, solution.
STOPPED_EARLY = ("time_limit", "interrupted")


def _load(lp: LP) -> highspy.Highs:
    h = new_highs()
    if lp.pass_to(h) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS refused the model")  # a bug of the build, never the user's data
    return h


def _run(
    h: highspy.Highs,
    d: NetworkModelData,
    start: highspy.HighsBasis | None,
    elastic: bool,
    every_step: bool,
    highs_options: dict | None,
) -> None:
    h.setOptionValue("random_seed", 0)
    if d.unit_commitment and not elastic:
        h.setOptionValue("mip_rel_gap", float(d.mip_rel_gap))
    if np.isfinite(d.time_limit_s):
        h.setOptionValue("time_limit", float(d.time_limit_s))
    periods = any(pt.balance_periods or pt.gen_cap_periods for pt in d.pump_turbines)
    if start is None and every_step and periods and not d.unit_commitment:
        # Period-sum rows (pump–generate balance, daily cap) couple a day's steps; on the model with every
        # balance HiGHS's dual simplex stalls on them from a cold start (249 s on the Lianghekou year
        # against 2.6 s with the interior point method, measured here). Interior point with crossover still
        # hands back a basis for warm starts. With balances summed between checkpoints it is the other way
        # round (firming with a daily balance: dual simplex 0.87 s, interior point 8.0 s).
        h.setOptionValue("solver", "ipm")
    for k, v in (highs_options or {}).items():
        h.setOptionValue(k, v)  # checked at the boundary (api.check_highs_options)
    if start is not None:
        h.setBasis(start)
    if _depth:
        _watch_interrupts(h)
    if received_signal() is not None:  # a signal came before the solve: do not start it
        return
    h.run()


def values_by_family(lp: LP, x: np.ndarray) -> dict[str, np.ndarray]:
    """Column values of the model itself per family (slack columns of the elastic model left out)."""
    return {name: x[o : o + n].copy() for name, (o, n) in lp.col_fam.items() if not name.endswith("-slack")}


def base_chain(d: NetworkModelData, *, elastic: bool) -> rf.Chain:
    """The model and the reformulations that do not depend on checkpoints: the revenue fold (always under
    "revenue"), and in LP mode the release as slack and the merged renewables."""
    chain = rf.Chain(build_model(d, elastic=elastic))
    if d.objective == "revenue":
        chain.apply(rf.fold_revenue(chain.lp))
    if not elastic and not d.unit_commitment:
        slack = rf.release_as_slack(chain.lp, d)
        if slack is not None:
            chain.apply(slack)
        merged = rf.merge_renewables(chain.lp, d)
        if merged is not None:
            chain.apply(merged)
    return chain


def with_checkpoints(base: rf.Chain, d: NetworkModelData, cps: dict[int, np.ndarray]) -> rf.Chain:
    """``base`` with the balances of each reservoir of ``cps`` summed between its checkpoints."""
    chain = rf.Chain(base.base)
    chain.steps = list(base.steps)
    for r, cp in cps.items():
        if cp.size < d.T:
            chain.apply(rf.sum_checkpoints(chain.lp, d, r, cp))
    return chain


def solve(
    d: NetworkModelData,
    *,
    elastic: bool = False,
    basis: WarmStart | None = None,
    highs_options: dict | None = None,
) -> tuple[RawSolution, dict[str, np.ndarray]]:
    """Build and solve with HiGHS. Returns the raw solution and, in elastic mode, slack values per family.

    The LP (not the MILP, not the elastic model) is solved in an exactly equivalent smaller form (see
    :mod:`._reformulate`): the release as a row slack, PV and wind in one column, and the balances of the
    reservoirs :func:`~._reformulate.checkpoint_reservoirs` picks summed between checkpoints (at first every
    CHECKPOINT_SPACING_STEPS-th step and the last one), their volume bounds in between left out. That is a
    relaxation of the model; when the volumes of its optimum, recomputed step by step, keep every bound,
    its optimum is the model's optimum. Steps that break a bound become checkpoints and the LP is solved
    again, warm from the last basis (at most MAX_CHECKPOINT_ROUNDS times, then with every step). A huge
    reservoir that never reaches its limits thus costs a dozen summed rows in place of T balance rows and T
    volume columns (Lianghekou's year: 0.6 s against 3.3 s). ``basis`` is the :class:`WarmStart` of an
    earlier solve (the previous successive-head iteration).
    """
    T = d.T
    lp_mode = not elastic and not d.unit_commitment
    all_steps = np.arange(T)
    t0 = time.perf_counter()
    base = base_chain(d, elastic=elastic)
    build_s = time.perf_counter() - t0
    crash_res = rf.checkpoint_reservoirs(d, level_limits=True) if lp_mode else []
    summed = rf.checkpoint_reservoirs(d) if lp_mode else []
    warm = (
        basis if isinstance(basis, WarmStart) and lp_mode and set(basis.checkpoints) == set(summed) else None
    )
    cps = (
        {r: warm.checkpoints[r] for r in summed}
        if warm is not None
        else {r: rf.initial_checkpoints(T) for r in summed}
    )
    crash = lp_mode and d.objective == "revenue"
    lb_end, ub_end = d.volume_bounds_with_end()
    solve_s = 0.0
    iterations = rounds = 0
    while True:
        t0 = time.perf_counter()
        chain = with_checkpoints(base, d, cps)
        lp = chain.lp
        h = _load(lp)
        t1 = time.perf_counter()
        start = rf.carry_basis(warm, lp) if warm is not None else None
        if start is None and crash:
            start = rf.crash_basis(lp, d, crash_res)
        every_step = all(cp.size == T for cp in cps.values())
        _run(h, d, start, elastic, every_step, highs_options)
        t2 = time.perf_counter()
        build_s += t1 - t0
        solve_s += t2 - t1
        ms = h.getModelStatus()
        status = _STATUS.get(ms, "error")
        if received_signal() is not None and status != "optimal":
            status = "interrupted"
        info = h.getInfo()
        iterations += int(info.simplex_iteration_count)
        if status not in ("optimal", *STOPPED_EARLY) and not every_step:
            cps, warm = (
                dict.fromkeys(cps, all_steps),
                None,
            )  # the relaxation decides nothing: the model itself
            continue
        has_solution = status == "optimal" or (
            status in STOPPED_EARLY and info.primal_solution_status == FEASIBLE_SOLUTION
        )
        if not has_solution:
            break
        x = chain.primal(np.asarray(h.getSolution().col_value))
        if every_step:
            break
        broken: dict[int, np.ndarray] = {}
        for r in cps:
            v = x[chain.base.cols(volume_family(d, r))]
            bad = np.flatnonzero(
                (v < lb_end[r] - CHECKPOINT_TOLERANCE_HM3) | (v > ub_end[r] + CHECKPOINT_TOLERANCE_HM3)
            )
            if bad.size:
                broken[r] = bad
        if not broken:
            break
        if status != "optimal":  # stopped early on the relaxation: its schedule breaks bounds
            has_solution = False
            break
        rounds += 1
        warm = WarmStart(checkpoints=dict(cps), col_id=lp.col_id, row_id=lp.row_id, basis=h.getBasis())
        cps = {
            r: (np.union1d(cp, broken[r]) if r in broken else cp)
            if rounds < MAX_CHECKPOINT_ROUNDS
            else all_steps
            for r, cp in cps.items()
        }
    raw = RawSolution(
        status=status,
        solver_message=h.modelStatusToString(ms),
        objective_value=float(info.objective_function_value),
        build_s=build_s,
        solve_s=solve_s,
        iterations=iterations,
        has_solution=has_solution,
    )
    slacks: dict[str, np.ndarray] = {}
    if d.unit_commitment and not elastic and has_solution:
        raw.mip_gap = float(info.mip_gap)
    if has_solution:
        model = chain.base
        raw.values = values_by_family(model, x)
        for name, fam in model.soft.items():
            slacks[name] = x[model.cols(fam)]
        if not (d.unit_commitment and not elastic) and status == "optimal":
            y = chain.dual(np.asarray(h.getSolution().row_dual))
            raw.balance_duals = np.vstack([y[model.rows(balance_family(d, r))] for r in range(d.R)])
            raw.basis = WarmStart(
                checkpoints=dict(cps), col_id=lp.col_id, row_id=lp.row_id, basis=h.getBasis()
            )
    return raw, slacks
