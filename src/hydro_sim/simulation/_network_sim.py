"""``simulate`` on a :class:`~hydro_sim.network.Network`: element columns in, element columns out.

The requests of a policy become one row per flow column (``Network.flow_columns()``), the inflows come from
``Network.inflows_m3s(scenario)`` only, and the kernel is :mod:`hydro_sim.simulation._engine`. Frames use the
network's element columns (``"{reservoir} volume_hm3"``, ``"{column} flow_m3s"``, ``"{column} power_mw"``, …);
cut-backs name the element, the limit, the step, the water and the energy.

Examples
--------
>>> from hydro_sim.examples import small_pumped_storage, two_price_day
>>> from hydro_sim.network import network_of
>>> from hydro_sim.simulation import TouRulePolicy, simulate
>>> rule = TouRulePolicy(pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=300.0)
>>> res = simulate(network_of(small_pumped_storage()), two_price_day(), rule)
>>> res.water_balance_error_hm3() < 1e-9
True
>>> list(res.frame().columns[:3]), res.elements[:2]
(['upper inflow_m3s', 'upper volume_hm3', 'upper level_masl'], ('pump-turbine', 'pump-turbine-pump'))
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.balance import incidence_residual_hm3
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.network import Network, PumpTurbineLink, TurbineLink
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import _engine as E
from hydro_sim.simulation import _lanes as L

__all__ = ["NetworkPolicyState", "NetworkSimulationResult", "simulate_network"]

#: A start volume this far outside a reservoir's operating range counts as round-off and is moved onto the
#: bound; 1 m³. [hm³]
START_VOLUME_TOL_HM3 = 1e-6


@dataclass(frozen=True)
class NetworkPolicyState:
    """What a :class:`~hydro_sim.simulation.policies.FunctionPolicy` sees at step ``t`` on a network: per
    reservoir name, arrays shaped (scenarios,)."""

    t: int
    time: pd.Timestamp
    volume_hm3: dict[str, np.ndarray]
    level_masl: dict[str, np.ndarray]
    inflow_m3s: dict[str, np.ndarray]
    price_per_mwh: np.ndarray


@dataclass(frozen=True, kw_only=True, eq=False)
class NetworkSimulationResult:
    """Arrays shaped (scenarios, steps) of a network simulation, in element columns.

    Attributes
    ----------
    network : The network simulated.
    index, scenario_names : Time stamps of the steps; one name per scenario.
    arrays : Element columns (``record="all"``): per reservoir ``"{r} inflow_m3s"``, ``"{r} volume_hm3"``,
        ``"{r} level_masl"`` (end of step); per flow column ``"{c} flow_m3s"``, and for unit columns
        ``"{c} power_mw"`` and ``"{c} head_m"`` (net head of a turbine, pumping head of a pump, mid-step);
        per river sink ``"{k} flow_m3s"``; ``line_mw`` (net export), ``price_per_mwh``,
        ``line_capacity_mw``.
    initial_volume_hm3 : Start volumes, (scenarios, reservoirs). [hm³]
    totals : Per scenario: water per reservoir, column and sink [hm³], energy and shortfall per unit
        column [MWh], revenue, export and import [MWh], extremes, final volumes and each reservoir's water
        balance error over the run [hm³] (with ``Network.water_balance_error_hm3``).
    elements : Names of the elements the cut-back tallies are indexed by: flow columns, then sinks.
    cut_water_hm3, cut_energy_mwh, cut_steps : Cut-backs per scenario, element and limit code
        (``_engine.LIMIT_NAMES``), (scenarios, elements, limits).
    """

    network: Network
    index: pd.DatetimeIndex
    scenario_names: tuple[str, ...]
    arrays: dict[str, np.ndarray]
    initial_volume_hm3: np.ndarray
    dt_h: float
    record: str
    totals: pd.DataFrame
    elements: tuple[str, ...]
    cut_water_hm3: np.ndarray
    cut_energy_mwh: np.ndarray
    cut_steps: np.ndarray
    events: np.ndarray
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def n_scenarios(self) -> int:
        return len(self.scenario_names)

    def _need_series(self, what: str) -> None:
        need_series(self.record, what, f"NetworkSimulationResult.{what}")

    def frame(self, scenario: int | str = 0) -> pd.DataFrame:
        """One scenario as a DataFrame in element columns."""
        self._need_series("frame()")
        s = scenario_position(self.scenario_names, scenario, "NetworkSimulationResult.frame()")
        return pd.DataFrame({c: v[s] for c, v in self.arrays.items()}, index=self.index)

    def water_balance_error_hm3(self) -> float:
        """Largest absolute residual of ``Network.water_balance_error_hm3`` over reservoirs, steps and
        scenarios (``record="all"``), or over each scenario's whole run (``"totals"``). [hm³]"""
        if self.record != "all":
            cols = [f"{r} water_balance_error_hm3" for r in self.network.reservoir_names]
            return float(np.abs(self.totals[cols].to_numpy()).max())
        net = self.network
        worst = 0.0
        for s in range(self.n_scenarios):
            vols = np.stack([self.arrays[f"{r} volume_hm3"][s] for r in net.reservoir_names])
            v = np.hstack([self.initial_volume_hm3[s][:, None], vols])
            inflow = np.stack([self.arrays[f"{r} inflow_m3s"][s] for r in net.reservoir_names])
            q = np.stack([self.arrays[f"{c.name} flow_m3s"][s] for c in net.flow_columns()])
            err = net.water_balance_error_hm3(v, inflow, q, self.dt_h)
            worst = max(worst, float(np.abs(err).max()))
        return worst

    def cutbacks(self) -> pd.DataFrame:
        """Every cut-back: scenario, step, time, element, limit, water [hm³] and energy not delivered [MWh]."""
        self._need_series("cutbacks()")
        ev = self.events
        c = HM3_PER_M3S_HOUR * self.dt_h
        frame = pd.DataFrame(
            {
                "scenario": [self.scenario_names[int(s)] for s in ev[:, 0]],
                "step": ev[:, 1].astype(int),
                "time": self.index[ev[:, 1].astype(int)],
                "element": [self.elements[int(e)] for e in ev[:, 2]],
                "limit": [E.LIMIT_NAMES[int(k)] for k in ev[:, 3]],
                "water_hm3": ev[:, 4] * c,
                "energy_mwh": ev[:, 5] * self.dt_h,
            }
        )
        return frame.sort_values(["scenario", "step", "element"], kind="stable").reset_index(drop=True)

    def cutback_summary(self) -> pd.DataFrame:
        """Cut-backs tallied per scenario, element and limit: steps, water [hm³] and energy [MWh]."""
        rows = []
        for s, name in enumerate(self.scenario_names):
            for e, element in enumerate(self.elements):
                for code in np.nonzero(self.cut_steps[s, e])[0]:
                    rows.append(
                        {
                            "scenario": name,
                            "element": element,
                            "limit": E.LIMIT_NAMES[int(code)],
                            "steps": int(self.cut_steps[s, e, code]),
                            "water_hm3": float(self.cut_water_hm3[s, e, code]),
                            "energy_mwh": float(self.cut_energy_mwh[s, e, code]),
                        }
                    )
        return pd.DataFrame(
            rows, columns=["scenario", "element", "limit", "steps", "water_hm3", "energy_mwh"]
        )


def need_series(record: str, what: str, where: str) -> None:
    """Refuse a per-step view of a ``record="totals"`` run."""
    if record != "all":
        raise iv.fail(
            "record",
            f"must be 'all' for {what} (this run kept per-scenario totals only: use "
            "`totals` or `cutback_summary()`, or run simulate(..., record='all'))",
            record,
            where,
        )


def scenario_position(names: tuple[str, ...], scenario: Any, where: str) -> int:
    """The position of a scenario given by position (negative from the end) or by name."""
    if isinstance(scenario, str):
        if scenario not in names:
            raise iv.fail(
                "scenario", f"must be one of the scenario names ({', '.join(names)})", scenario, where
            )
        return names.index(scenario)
    if isinstance(scenario, bool) or not isinstance(scenario, int | np.integer):
        raise iv.fail(
            "scenario",
            "must be a scenario's position (an int) or its name (a str)",
            type(scenario).__name__,
            where,
        )
    n = len(names)
    if not -n <= int(scenario) < n:
        raise iv.fail(
            "scenario", f"must be a position among the {n} scenarios (0 … {n - 1})", scenario, where
        )
    return int(scenario) % n


def _same(v: np.ndarray, first: np.ndarray) -> bool:
    """Whether v holds first's values: the same array, a view of the same memory with the same layout (the
    scenarios of a batch often share one series, whose ``to_numpy`` gives such a view: nothing to compare),
    or equal values."""
    if v is first:
        return True
    same_layout = v.shape == first.shape and v.dtype == first.dtype and v.strides == first.strides
    if same_layout and v.__array_interface__["data"][0] == first.__array_interface__["data"][0]:
        return True
    return bool(np.array_equal(v, first))


def rows(values: list[np.ndarray]) -> np.ndarray:
    """Stack one series per scenario into (scenarios, steps), or keep one row when all are equal (the
    kernel reads a one-row input for every scenario, which saves memory and time on large batches)."""
    first = values[0]
    if all(_same(v, first) for v in values[1:]):
        return np.ascontiguousarray(first.reshape(1, -1), dtype=float)
    return np.ascontiguousarray(np.stack(values), dtype=float)


def _start_volumes(
    network: Network, value: Any, index: pd.DatetimeIndex, items: list[Scenario], where: str
) -> np.ndarray:
    S = len(items)
    out = np.zeros((S, len(network.reservoirs)))
    given: Mapping[str, Any] = {}
    if value is not None:
        if not isinstance(value, Mapping):
            raise iv.fail(
                "initial_volume_hm3",
                "must map reservoir names to a start volume (a number or one per scenario)",
                type(value).__name__,
                where,
            )
        unknown = sorted(set(value) - set(network.reservoir_names))
        if unknown:
            raise iv.fail(
                "initial_volume_hm3",
                f"must name reservoirs of the network ({', '.join(network.reservoir_names)})",
                unknown,
                where,
            )
        given = value
    for i, r in enumerate(network.reservoirs):
        if r.name not in given:
            out[:, i] = r.initial_volume_hm3
            continue
        arr = np.broadcast_to(np.asarray(given[r.name], dtype=float).reshape(-1), (S,)).astype(float)
        lo, hi = (float(np.asarray(b)[0]) for b in r.volume_bounds_hm3(index[:1]))
        bad = ~np.isfinite(arr) | (arr < lo - START_VOLUME_TOL_HM3) | (arr > hi + START_VOLUME_TOL_HM3)
        if bad.any():
            k = int(np.argmax(bad))
            raise iv.fail(
                f"initial_volume_hm3['{r.name}']",
                f"must lie in the reservoir's operating range at the first step, {lo:g} to {hi:g} hm³",
                float(arr[k]),
                where,
            )
        out[:, i] = np.clip(arr, lo, hi)
    return out


def simulate_network(
    network: Network,
    items: list[Scenario],
    index: pd.DatetimeIndex,
    policy: Any,
    *,
    initial_volume_hm3: Mapping[str, Any] | None = None,
    record: str = "all",
    unit_limits: bool = True,
    target_volume_hm3: np.ndarray | None = None,
    threads: int = 1,
) -> NetworkSimulationResult:
    """The network branch of :func:`hydro_sim.simulation.simulate` (arguments checked there).

    ``target_volume_hm3`` (reservoirs, steps) is what the automatic releases of a FunctionPolicy hold (NaN:
    the run's start volume); if None, the lower reservoirs of pump-turbine groups at the policy's
    ``lower_target_level_masl`` when it has one, the others at their start volumes."""
    from hydro_sim.simulation.policies import FunctionPolicy, ReplayPolicy, TouRulePolicy

    where = "simulate()"
    t_start = time.perf_counter()
    S, T = len(items), len(index)
    dt = items[0].dt_h
    inflow = np.empty((len(network.reservoirs), S, T))
    for s, sc in enumerate(items):
        network._inflows_into(sc, inflow[:, s])
    if all(np.array_equal(inflow[:, s], inflow[:, 0]) for s in range(1, S)):
        inflow = np.ascontiguousarray(inflow[:, :1])  # one row shared by every scenario
    price = rows([sc.price_per_mwh.to_numpy(dtype=float) for sc in items])
    rating = float(network.line.capacity_mw)
    full = np.full(T, rating)  # (one array for every scenario without its own capacity: one row)
    line = rows(
        [
            full
            if sc.line_capacity_mw is None
            else np.minimum(sc.line_capacity_mw.to_numpy(dtype=float), rating)
            for sc in items
        ]
    )
    v0 = _start_volumes(network, initial_volume_hm3, index, items, where)
    cols = network.flow_columns()
    req: np.ndarray | list[np.ndarray]  # per column (S or 1, steps)
    decided = np.zeros((0, 0, 0))  # a FunctionPolicy's requests (columns, S, steps), filled step by step
    if isinstance(policy, ReplayPolicy):
        req, power, target = policy.network_requests(network, index)
    elif isinstance(policy, TouRulePolicy):
        req, power, target = policy.network_requests(network, price, inflow)
    elif isinstance(policy, FunctionPolicy):
        req = decided = np.zeros((len(cols), S, T))
        for j, col in enumerate(cols):
            if col.mode == "flow" and isinstance(network.link(col.link), _release_type()):
                decided[j] = np.nan
        power = np.zeros(len(cols), dtype=bool)
        target = target_volume_hm3
        if target is None and policy.lower_target_level_masl is not None:
            target = np.full((len(network.reservoirs), T), np.nan)
            _hold_pump_lowers(network, target, policy.lower_target_level_masl, "FunctionPolicy")
    else:  # pragma: no cover - checked by simulate()
        raise iv.fail("policy", "must be a policy", type(policy).__name__, where)
    model = E.build_model(
        network,
        index,
        dt,
        target_volume_hm3=target,
        has_line=bool(np.isfinite(line).any()),
        unit_limits=unit_limits,
        # one scenario gains nothing from a block of lanes, and the scalar loop alone compiles in a third of
        # the time (a fresh install: ≈ 1.5 min against ≈ 4 min); the two give the same bits
        lanes=S > 1,
    )
    # _lanes.run compiles the lanes and the scalar loop; the scalar loop alone when the model has no lanes
    kernel = L.run if model.lanes else E.run
    model.ci[:, E.I_POWER_REQ] = np.asarray(power, dtype=np.int64)
    keep = record == "all"
    inflow_rows, inflow_at = E.packed_rows(inflow)
    req_rows, req_at = E.packed_rows(req)
    inputs = E.Inputs(
        inflow=inflow_rows, inflow_at=inflow_at, req=req_rows, req_at=req_at, price=price, line=line
    )
    t_kernel = 0.0
    if not isinstance(policy, FunctionPolicy):
        n_threads = threads if model.lanes else 1
        width = block_width(S, n_threads)
        parts = scenario_parts(S, n_threads, width)
        capacity = [((b - a) * T // 2 + 1024 if keep else 1) for a, b in parts]
        while True:
            state = E.state_of(model, v0.copy())
            out = E.outputs_of(model, S, T, keep, 1)
            outs = [out._replace(events=np.zeros((n, len(E.EV_FIELDS))), n_events=np.zeros(1, np.int64))
                    for n in capacity]  # fmt: skip
            t0 = time.perf_counter()
            run_parts(kernel, T, model, inputs, state, outs, parts, width)
            t_kernel += time.perf_counter() - t0
            seen = [int(o.n_events[0]) for o in outs]
            if not keep or all(n <= c for n, c in zip(seen, capacity, strict=True)):
                break
            capacity = [max(n, c) for n, c in zip(seen, capacity, strict=True)]
        if keep:
            events = np.concatenate([o.events[:n] for o, n in zip(outs, seen, strict=True)])
        else:
            events = np.zeros((0, len(E.EV_FIELDS)))
    else:
        work = E.work_of(model, block_width(S, 1))
        state = E.state_of(model, v0.copy())
        out = E.outputs_of(model, S, T, keep, 64 * S + 1024)
        chunks = []
        for t in range(T):
            vol = {r.name: state.vol[:, i].copy() for i, r in enumerate(network.reservoirs)}
            decision = policy.decide(
                NetworkPolicyState(
                    t=t,
                    time=index[t],
                    volume_hm3=vol,
                    level_masl={
                        r.name: np.asarray(r.curve.level_masl_at(vol[r.name]), dtype=float)
                        for r in network.reservoirs
                    },
                    inflow_m3s={
                        r.name: np.broadcast_to(inflow[i, :, t], (S,)).copy()
                        for i, r in enumerate(network.reservoirs)
                    },
                    price_per_mwh=np.broadcast_to(price[:, t], (S,)).copy(),
                )
            )
            _apply_network_decision(network, decided, power, model, t, decision, S)
            t0 = time.perf_counter()
            kernel(t, t + 1, 0, S, model, inputs, state, out, work)
            t_kernel += time.perf_counter() - t0
            if keep:
                n = int(out.n_events[0])
                if n > out.events.shape[0]:  # pragma: no cover - 64 events per scenario and step
                    raise RuntimeError("event buffer overflow")
                chunks.append(out.events[:n].copy())
                out.n_events[0] = 0
        events = np.concatenate(chunks) if chunks else np.zeros((0, len(E.EV_FIELDS)))
    # one order whatever the kernel's (blocks of lanes write a step's events lane by lane): scenario, step,
    # element, limit
    events = events[np.lexsort((events[:, 3], events[:, 2], events[:, 1], events[:, 0]))]
    return _result(
        network, items, index, dt, v0, state, out, events, record, inflow, price, line, t_kernel, t_start
    )


def default_threads() -> int:
    """The threads :func:`simulate` uses by default: the cores this process may run on; one with numba's JIT
    off (``NUMBA_DISABLE_JIT``: the kernel is then Python, which holds the GIL, and threads only take turns)."""
    import numba

    if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]
        return 1
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


#: The widest block :func:`block_width` gives (``_engine.LANES_MAX``; a test narrows it to span several blocks
#: with few scenarios).
MAX_WIDTH = E.LANES_MAX


def block_width(S: int, threads: int) -> int:
    """Lanes per block for S scenarios on ``threads`` threads: each thread's share of the scenarios in as few
    blocks as fit in MAX_WIDTH lanes, the width rounded up to a multiple of 8 (doubles per AVX-512 vector) and
    at least LANES. A wider block is faster per core (``_engine.LANES_MAX``); splitting each share evenly
    keeps every thread busy (1,000 scenarios: 256 lanes on 1 or 2 threads, 168 on 3, 64 on 16). Any width
    gives the same bits: a lane's result never depends on its block."""
    share = max(-(-S // max(threads, 1)), 1)
    per_thread = -(-share // MAX_WIDTH)  # blocks per thread
    lanes = -(-share // per_thread)
    width = -(-lanes // 8) * 8
    return min(MAX_WIDTH, max(E.LANES, width))


def scenario_parts(S: int, threads: int, width: int) -> list[tuple[int, int]]:
    """Scenarios 0 … S−1 in at most ``threads`` contiguous ranges (s0, s1), each a whole number of blocks of
    ``width`` lanes but the last, as even as the blocks allow (one range when there is one block)."""
    n_blocks = -(-S // width)
    n = max(1, min(threads, n_blocks))
    cuts = [min(width * (n_blocks * i // n), S) for i in range(n + 1)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def run_parts(
    kernel: Any,
    T: int,
    model: E.Model,
    inputs: E.Inputs,
    state: E.State,
    outs: list[E.Outputs],
    parts: list[tuple[int, int]],
    width: int,
) -> None:
    """Steps 0 … T−1 of every scenario, the ranges ``parts`` side by side on threads (the kernel releases
    the GIL), each with its own scratch and its own events (``outs[i]``: the same totals and series arrays,
    written by scenario, so the ranges never touch the same element). A scenario's result does not depend
    on the range it runs in (a block of lanes equals single runs bit for bit), so any number of threads gives
    the same bits. The first range runs on the calling thread; blocks of ``width`` lanes."""
    works = [E.work_of(model, width) for _ in parts]

    def one(i: int) -> None:
        a, b = parts[i]
        kernel(0, T, a, b, model, inputs, state, outs[i], works[i])

    if len(parts) == 1:
        one(0)
        return
    with ThreadPoolExecutor(max_workers=len(parts) - 1, thread_name_prefix="hydro_sim-kernel") as pool:
        futures = [pool.submit(one, i) for i in range(1, len(parts))]
        one(0)
        for f in futures:
            f.result()


def _release_type() -> type:
    from hydro_sim.network import Release

    return Release


def _apply_network_decision(
    network: Network,
    req: np.ndarray,
    power: np.ndarray,
    model: E.Model,
    t: int,
    decision: Any,
    S: int,
) -> None:
    where = "FunctionPolicy.decide"
    if not isinstance(decision, dict):
        raise iv.fail("decide(state)", "must return a dict of decisions", type(decision).__name__, where)
    cols = network.flow_columns()
    allowed = {f"{c.name} flow_m3s" for c in cols} | {f"{c.name} power_mw" for c in cols if c.mode != "flow"}
    unknown = sorted(set(decision) - allowed)
    if unknown:
        raise iv.fail(
            "decide(state)", f"returned unknown keys; allowed: {', '.join(sorted(allowed))}", unknown, where
        )
    for j, c in enumerate(cols):
        kp, kq = f"{c.name} power_mw", f"{c.name} flow_m3s"
        if kp in decision and kq in decision:
            raise iv.fail(kp, f"and `{kq}` cannot both be given", "both", where)
        if kp not in decision and kq not in decision:
            continue
        key = kp if kp in decision else kq
        is_power = key == kp
        if t > 0 and bool(power[j]) != is_power and np.any(req[j, :, :t] != 0.0):
            raise iv.fail(key, "must keep one kind (power or flow) for the whole run", key, where)
        power[j] = is_power
        model.ci[j, E.I_POWER_REQ] = int(is_power)
        value = np.broadcast_to(np.asarray(decision[key], dtype=float).reshape(-1), (S,))
        ok = np.isnan(value) if c.mode == "flow" and not is_power else np.zeros(S, dtype=bool)
        if np.any(~ok & (~np.isfinite(value) | (value < 0))):
            raise iv.fail(key, f"must be finite and not negative at step {t}", value.tolist(), where)
        req[j, :, t] = value


def run_balance_hm3(
    network: Network,
    start_hm3: np.ndarray,
    end_hm3: np.ndarray,
    inflow_m3s: np.ndarray,
    flow_m3s: np.ndarray,
    dt_h: float,
) -> np.ndarray:
    """The water balance of each scenario's whole run, (S, reservoirs): V_end − V_start − c·(ΣI + A·Σq), from
    the start and end volumes (S, reservoirs), the inflows summed over the steps (S, reservoirs) and the
    flows summed over the steps (S, columns); every scenario at once, with the network's own incidence (as
    :meth:`~hydro_sim.network.Network.water_balance_error_hm3` checks one scenario). [hm³]"""
    return incidence_residual_hm3(
        np.stack([start_hm3.T, end_hm3.T], axis=-1),
        inflow_m3s.T[..., None],
        flow_m3s.T[..., None],
        network.incidence(),
        HM3_PER_M3S_HOUR * dt_h,
    )[..., 0].T


def _result(
    network: Network,
    items: list[Scenario],
    index: pd.DatetimeIndex,
    dt: float,
    v0: np.ndarray,
    state: E.State,
    out: E.Outputs,
    events: np.ndarray,
    record: str,
    inflow: np.ndarray,
    price: np.ndarray,
    line: np.ndarray,
    t_kernel: float,
    t_start: float,
) -> NetworkSimulationResult:
    S, T = len(items), len(index)
    c = HM3_PER_M3S_HOUR * dt
    cols = network.flow_columns()
    units = [col.mode != "flow" for col in cols]
    arrays: dict[str, np.ndarray] = {}
    if record == "all":
        for i, r in enumerate(network.reservoirs):
            arrays[f"{r.name} inflow_m3s"] = np.broadcast_to(inflow[i], (S, T))
            arrays[f"{r.name} volume_hm3"] = out.volume[i]
            arrays[f"{r.name} level_masl"] = np.asarray(r.curve.level_masl_at(out.volume[i]), dtype=float)
        for j, col in enumerate(cols):
            arrays[f"{col.name} flow_m3s"] = out.flow[j]
            if units[j]:
                arrays[f"{col.name} power_mw"] = out.power[j]
                arrays[f"{col.name} head_m"] = out.head[j]
        for k, sink in enumerate(network.sinks):
            arrays[f"{sink.name} flow_m3s"] = out.sink[k]
        arrays["line_mw"] = out.line
        arrays["price_per_mwh"] = np.broadcast_to(price, (S, T))
        arrays["line_capacity_mw"] = np.broadcast_to(line, (S, T))
    f: dict[str, np.ndarray] = {}
    err = run_balance_hm3(
        network, v0, state.vol, out.tot_res[:, :, E.TR_INFLOW], out.tot_col[:, :, E.TC_FLOW], dt
    )
    for i, r in enumerate(network.reservoirs):
        f[f"{r.name} inflow_hm3"] = out.tot_res[:, i, E.TR_INFLOW] * c
        f[f"{r.name} volume_min_hm3"] = np.minimum(out.tot_res[:, i, E.TR_VMIN], v0[:, i])
        f[f"{r.name} volume_max_hm3"] = np.maximum(out.tot_res[:, i, E.TR_VMAX], v0[:, i])
        f[f"{r.name} level_min_masl"] = np.asarray(r.curve.level_masl_at(f[f"{r.name} volume_min_hm3"]))
        f[f"{r.name} level_max_masl"] = np.asarray(r.curve.level_masl_at(f[f"{r.name} volume_max_hm3"]))
        f[f"{r.name} final_volume_hm3"] = state.vol[:, i].copy()
        f[f"{r.name} water_balance_error_hm3"] = err[:, i]
    for j, col in enumerate(cols):
        f[f"{col.name} flow_hm3"] = out.tot_col[:, j, E.TC_FLOW] * c
        if units[j]:
            f[f"{col.name} energy_mwh"] = out.tot_col[:, j, E.TC_POWER] * dt
            f[f"{col.name} shortfall_mwh"] = out.tot_col[:, j, E.TC_SHORTFALL] * dt
    for k, sink in enumerate(network.sinks):
        f[f"{sink.name} flow_hm3"] = out.tot_sink[:, k] * c
    f["revenue"] = out.tot_sys[:, E.TS_REVENUE] * dt
    f["export_mwh"] = out.tot_sys[:, E.TS_EXPORT] * dt
    f["import_mwh"] = out.tot_sys[:, E.TS_IMPORT] * dt
    names = tuple(sc.name for sc in items)
    return NetworkSimulationResult(
        network=network,
        index=index,
        scenario_names=names,
        arrays=arrays,
        initial_volume_hm3=v0,
        dt_h=dt,
        record=record,
        totals=pd.DataFrame(f, index=pd.Index(names, name="scenario")),
        elements=tuple(col.name for col in cols) + tuple(k.name for k in network.sinks),
        cut_water_hm3=out.cut_w * c,
        cut_energy_mwh=out.cut_e * dt,
        cut_steps=out.cut_n.astype(np.int64),
        events=events,
        timings_s={"kernel": t_kernel, "total": time.perf_counter() - t_start},
    )


# -- requests of the policies on a network (used by policies.py) ------------------------------------------
def replay_requests(
    policy: Any, network: Network, index: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A network schedule's element columns as requests: ``"{c} flow_m3s"`` per flow column (mode
    ``"flows"``), or ``"{c} power_mw"`` for unit columns with automatic releases holding each reservoir on
    the schedule's ``"{r} volume_hm3"`` path (mode ``"power"``). A missing unit or spill column is zero; a
    missing release column is the automatic release."""
    where = "ReplayPolicy"
    schedule, mode = policy.schedule, policy.mode
    cols = network.flow_columns()
    T = len(index)
    req = np.zeros((len(cols), 1, T))
    power = np.zeros(len(cols), dtype=bool)
    series = policy.column

    release = _release_type()
    for j, col in enumerate(cols):
        is_release = isinstance(network.link(col.link), release)
        name = f"{col.name} power_mw" if (mode == "power" and col.mode != "flow") else f"{col.name} flow_m3s"
        if mode == "power" and is_release:
            req[j, 0] = np.nan
        elif name in schedule.columns:
            req[j, 0] = series(name)
            power[j] = name.endswith("power_mw")
        elif is_release:
            req[j, 0] = np.nan
    target = np.full((len(network.reservoirs), T), np.nan)
    for i, r in enumerate(network.reservoirs):
        name = f"{r.name} volume_hm3"
        if name in schedule.columns:
            target[i] = schedule[name].to_numpy(dtype=float)
            if not np.all(np.isfinite(target[i])):
                k = int(np.argmax(~np.isfinite(target[i])))
                raise iv.fail(
                    name,
                    f"must be finite, but step {k} is {float(target[i][k])!r}",
                    float(target[i][k]),
                    f"the schedule of {where}",
                )
    return req, power, target


def tou_requests(
    network: Network,
    price: np.ndarray,
    inflow: np.ndarray,
    pump_at_most: float,
    generate_at_least: float,
    lower_target_level_masl: float | None,
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The time-of-use rule on a network: every pump column at its full input at or below the pumping price,
    every pump-turbine group's generation at full output at or above the generating price, every turbine
    group passing its reservoir's natural inflow (shared by flow capacity among the groups on it), spill
    none, releases automatic (each reservoir held at its start volume; the lower reservoirs of pump-turbine
    groups at ``lower_target_level_masl`` when given)."""
    cols = network.flow_columns()
    res = {name: i for i, name in enumerate(network.reservoir_names)}
    T = price.shape[1]
    # each column's requests (S or 1, steps): only what follows a scenario's inflow or price has a row each
    req: list[np.ndarray] = [np.zeros((1, T)) for _ in cols]
    power = np.zeros(len(cols), dtype=bool)
    capacity: dict[str, float] = {}
    for col in cols:
        link = network.link(col.link)
        if isinstance(link, TurbineLink):
            capacity[col.from_node] = capacity.get(col.from_node, 0.0) + link.units.max_total_flow_m3s
    release = _release_type()
    target = np.full((len(network.reservoirs), T), np.nan)
    for j, col in enumerate(cols):
        link = network.link(col.link)
        if isinstance(link, PumpTurbineLink):
            power[j] = True
            if col.mode == "pump":
                req[j] = np.where(price <= pump_at_most, link.units.max_total_pumping_power_mw, 0.0)
            else:
                req[j] = np.where(price >= generate_at_least, 1e12, 0.0)
        elif isinstance(link, TurbineLink):
            share = link.units.max_total_flow_m3s / capacity[col.from_node]
            # (the only group on its reservoir passes the inflow itself: no copy of S rows to pack again)
            req[j] = inflow[res[col.from_node]] if share == 1.0 else inflow[res[col.from_node]] * share
        elif isinstance(link, release):
            req[j] = np.full((1, T), np.nan)
    if lower_target_level_masl is not None:
        _hold_pump_lowers(network, target, lower_target_level_masl, "TouRulePolicy")
    for i, r in enumerate(network.reservoirs):
        if np.isnan(target[i]).all():
            target[i] = r.initial_volume_hm3
    return req, power, target


def _hold_pump_lowers(network: Network, target: np.ndarray, level_masl: float, where: str) -> None:
    """Set the target of the lower reservoir of every pump-turbine group in ``target`` (reservoirs, steps)
    to its volume at ``level_masl``, which must lie within the reservoir's operating levels (``where``: the
    policy that gave the level, for the message)."""
    res = {name: i for i, name in enumerate(network.reservoir_names)}
    for link in network.links:
        if isinstance(link, PumpTurbineLink):
            low = network.node(link.lower)
            z = float(level_masl)
            if not low.min_level_masl <= z <= low.max_level_masl:  # type: ignore[union-attr]
                raise iv.fail(
                    "lower_target_level_masl",
                    f"must lie within reservoir '{low.name}''s operating levels, "
                    f"{low.min_level_masl:g} to {low.max_level_masl:g} m a.s.l.",  # type: ignore[union-attr]
                    z,
                    where,
                )
            target[res[link.lower]] = float(low.curve.volume_hm3_at(z))  # type: ignore[union-attr]


def check_network_policy_inputs(network: Network, value: Any, name: str, where: str) -> None:
    """Refuse a Plant-only argument given with a network."""
    if value is not None:
        raise iv.fail(
            name, "must be None for a Network (give `initial_volume_hm3` by reservoir name)", value, where
        )
