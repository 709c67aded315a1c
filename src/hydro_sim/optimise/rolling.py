"""Rolling-horizon dispatch: a long horizon as a sequence of windows with look-ahead.

Each window (``window_h`` kept, plus ``lookahead_h`` seen but not kept) is solved hourly, carrying the end
volumes of the kept part forward. So that windows do not drain the reservoirs at their ends, each solve's
end must reach a volume target: for the upper reservoir the seasonal path of a coarse (daily-step) LP of
the whole horizon, for the lower reservoir its start volume (it cycles daily). The last window ends on the
whole horizon's own end condition. The objective gap to the full-horizon optimum is reported.

Windows start at local midnight on the index's own calendar (a time-zone-aware index keeps its days across
daylight-saving changes: such a day has 23 or 25 hourly steps), and each window's first release keeps the
outlet's ramp limit from the last kept release of the window before.

On a :class:`~hydro_sim.network.Network` the same holds per element: the headwater reservoirs (those the
HiGHS backend sums between checkpoints, :func:`~hydro_sim.optimise._reformulate.checkpoint_reservoirs`)
follow the coarse path, every other reservoir ends each window at its start volume, and every release link
and river sink with a ramp limit keeps it across the joins (``previous_flow_m3s``).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.errors import HydroSimError
from hydro_sim.network import Network, Release, network_of
from hydro_sim.optimise import _highs
from hydro_sim.optimise._data import local_wall_time
from hydro_sim.optimise.api import _number, dispatch
from hydro_sim.optimise.result import DispatchResult
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario

__all__ = ["RollingResult", "rolling_dispatch", "schedule_revenue"]

#: Options of dispatch() that the rolling horizon sets for each window itself.
_SET_BY_ROLLING = (
    "end_volume_upper_hm3",
    "end_volume_lower_hm3",
    "previous_release_m3s",
    "end_volume_hm3",
    "previous_flow_m3s",
)


@dataclass(frozen=True, kw_only=True)
class RollingResult:
    """Result of :func:`rolling_dispatch`.

    Attributes
    ----------
    schedule : The kept parts of every window, end to end, on the scenario's index (only the windows
        solved before an interruption, if one came).
    objective_value : Revenue of the rolling schedule (Σ price·line·Δt). [money]
    full_objective_value : Revenue of the full-horizon optimum, if it was solved. [money]
    gap : (full − rolling) / |full|: what the windows lose against the full-horizon optimum. [-]
    windows : One row per window: start, steps kept, status, iterations, solve time.
    coarse : The coarse daily-step dispatch that set the upper reservoir's end targets.
    status : ``"optimal"`` (every window solved to its optimum), ``"time_limit"`` (some window stopped at
        its time limit with a feasible schedule, which was kept) or ``"interrupted"`` (SIGINT or SIGTERM:
        the schedule covers the windows solved so far).
    interrupted_by : ``"SIGINT"`` or ``"SIGTERM"`` if a signal stopped the run, else None.
    """

    schedule: pd.DataFrame
    objective_value: float
    full_objective_value: float | None
    gap: float | None
    windows: pd.DataFrame
    coarse: DispatchResult
    timings_s: dict[str, float] = field(default_factory=dict)
    status: str = "optimal"
    interrupted_by: str | None = None


def schedule_revenue(schedule: pd.DataFrame) -> float:
    """Σ price·line·Δt of a schedule (the revenue objective). [money]"""
    dt = float((schedule.index[1] - schedule.index[0]) / pd.Timedelta(hours=1)) if len(schedule) > 1 else 1.0
    return float((schedule["price_per_mwh"] * schedule["line_mw"]).sum() * dt)


def _daily(scenario: Scenario) -> Scenario:
    """The scenario averaged to daily steps on its own calendar (inflows, prices and renewables as daily means
    of each local day; the result has a naive index of local dates)."""
    frame = scenario.to_frame()
    frame.index = local_wall_time(scenario.index)
    frame = frame.resample("D").mean().dropna(how="all")
    frame.index = pd.DatetimeIndex(frame.index, freq="D")
    return Scenario.from_frame(frame, name=f"{scenario.name}, daily means")


def _with_start(target: Plant | Network, volumes_hm3: dict[str, float]) -> Plant | Network:
    """The plant or network with its reservoirs starting at the given volumes (by reservoir name)."""

    def moved(res: Any) -> Any:
        if res is None or res.name not in volumes_hm3:
            return res
        return dataclasses.replace(
            res, initial_level_masl=float(res.curve.level_masl_at(volumes_hm3[res.name]))
        )

    if isinstance(target, Plant):
        return dataclasses.replace(target, upper=moved(target.upper), lower=moved(target.lower))
    return dataclasses.replace(target, reservoirs=tuple(moved(r) for r in target.reservoirs))


class _Columns:
    """Where a schedule of ``target`` holds each reservoir's volume and each ramped element's flow."""

    def __init__(self, target: Plant | Network) -> None:
        net = network_of(target) if isinstance(target, Plant) else target
        self.network = net
        self.reservoirs = net.reservoir_names
        fed = {c.to_node for c in net.flow_columns() if c.mode != "pump"}
        #: reservoirs whose window targets follow the coarse path (the headwater ones)
        self.seasonal = [r for r in self.reservoirs if r not in fed]
        ramped = [
            link.name
            for link in net.links
            if isinstance(link, Release) and math.isfinite(link.max_ramp_m3s_per_h)
        ] + [k.name for k in net.sinks if math.isfinite(k.max_ramp_m3s_per_h)]
        self.ramped = ramped
        if isinstance(target, Plant):
            vol = {target.upper.name: "volume_upper_hm3"}
            if target.lower is not None:
                vol[target.lower.name] = "volume_lower_hm3"
            release = "release_lower_m3s" if target.lower is not None else "release_m3s"
            self.volume = vol
            self.flow = dict.fromkeys(ramped, release)
        else:
            self.volume = {r: f"{r} volume_hm3" for r in self.reservoirs}
            self.flow = {e: f"{e} flow_m3s" for e in ramped}


def _coarse_volume_at(end_of_day_hm3: pd.Series, start_hm3: float, when: pd.Timestamp) -> float:
    """The coarse path's upper volume at local wall time ``when``: linear between the ends of its days (a
    window whose look-ahead ends within a day gets the part of that day's change it can make). [hm³]"""
    days = pd.DatetimeIndex(end_of_day_hm3.index)
    times = np.r_[days[0].value, (days + pd.Timedelta(days=1)).asi8].astype(float)
    volumes = np.r_[start_hm3, end_of_day_hm3.to_numpy()]
    return float(np.interp(float(pd.Timestamp(when).value), times, volumes))


def _window_starts(index: pd.DatetimeIndex, days: int) -> np.ndarray:
    """Positions at which the windows start: the first step, then every ``days``-th local midnight."""
    wall = local_wall_time(index).normalize()
    day_starts = np.flatnonzero(np.r_[True, wall[1:] != wall[:-1]])
    return day_starts[::days]


def _validate(
    plant: Any,
    scenario: Any,
    window_h: Any,
    lookahead_h: Any,
    compare_full: Any,
    progress: Any,
    options: dict[str, Any],
) -> tuple[float, float]:
    where = "rolling_dispatch()"
    if not isinstance(plant, (Plant, Network)):
        raise iv.fail(
            "plant", "must be a hydro_sim.Plant or a hydro_sim.network.Network", type(plant).__name__, where
        )
    if not isinstance(scenario, Scenario):
        raise iv.fail("scenario", "must be a hydro_sim.Scenario", type(scenario).__name__, where)
    known = [
        name
        for name, p in inspect.signature(dispatch).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise iv.fail(
            "options",
            f"must be keyword options of dispatch() ({', '.join(known)})",
            ", ".join(unknown),
            where,
        )
    for name, allowed in (("objective", "revenue"), ("end", "at_least_start")):
        if options.get(name, allowed) != allowed:
            raise iv.fail(
                name,
                f"must be {allowed!r} for a rolling horizon (the end targets replace the end "
                "condition within the horizon)",
                options[name],
                where,
            )
    for name in _SET_BY_ROLLING:
        if name in options:
            raise iv.fail(name, "is set by the rolling horizon itself", options[name], where)
    for name, value in (("compare_full", compare_full), ("progress", progress)):
        if not isinstance(value, bool):
            raise iv.fail(name, "must be True or False", value, where)
    w = iv.positive("window_h", _number("window_h", window_h, where), where)
    la = iv.non_negative("lookahead_h", _number("lookahead_h", lookahead_h, where), where)
    dt = scenario.dt_h
    if abs(w / 24.0 - round(w / 24.0)) > 1e-9 or abs(w / dt - round(w / dt)) > 1e-9:
        raise iv.fail("window_h", "must be a whole number of days (windows start at midnight)", w, where)
    if abs(la / dt - round(la / dt)) > 1e-9:
        raise iv.fail("lookahead_h", f"must be a whole number of steps of {dt:g} h", la, where)
    return w, la


def rolling_dispatch(
    plant: Plant | Network,
    scenario: Scenario,
    *,
    window_h: float = 168.0,
    lookahead_h: float = 48.0,
    compare_full: bool = True,
    progress: bool = False,
    **options: Any,
) -> RollingResult:
    """Dispatch a long horizon window by window (revenue objective).

    Parameters
    ----------
    plant, scenario : As for :func:`hydro_sim.optimise` (a Plant or a Network; a Network's schedule has
        element columns).
    window_h : Hours kept from each window; a whole number of days. Windows start at local midnight of the
        index's own calendar (across a daylight-saving change a window keeps its days, so it is an hour
        shorter or longer). [h]
    lookahead_h : Hours seen beyond each window and then discarded. [h]
    compare_full : Also solve the full horizon at once and report the objective gap.
    progress : Show a progress bar (tqdm) over the windows.
    **options : Options of :func:`hydro_sim.optimise` for every window (e.g. ``head``,
        ``pump_generate_balance``); ``objective`` must be ``"revenue"`` and ``end`` ``"at_least_start"``; the
        end targets and ``previous_release_m3s`` (the ramp across window joins) are set here.

    Returns
    -------
    RollingResult
        A window stopped at its time limit with a feasible schedule keeps it (``status="time_limit"``); a
        SIGINT or SIGTERM stops the run after the window it interrupts (``status="interrupted"``, the
        schedule of the windows solved so far).

    Raises
    ------
    HydroSimError
        If the coarse dispatch or a window comes back without a schedule (infeasible, or stopped by its time
        limit before it found one).
    """
    w, la = _validate(plant, scenario, window_h, lookahead_h, compare_full, progress, options)
    with _highs.interruptible():
        return _rolling(plant, scenario, w, la, compare_full, progress, options)


def _rolling(
    plant: Plant | Network,
    scenario: Scenario,
    w: float,
    la: float,
    compare_full: bool,
    progress: bool,
    options: dict[str, Any],
) -> RollingResult:
    dt = scenario.dt_h
    n_look = round(la / dt)
    t_all = time.perf_counter()

    coarse_opts = {
        k: v
        for k, v in options.items()
        if k not in ("pump_generate_balance", "max_daily_generating_hours", "unit_commitment")
    }
    coarse = dispatch(plant, _daily(scenario), **coarse_opts)
    if coarse.status == "interrupted" or _highs.received_signal() is not None:
        return RollingResult(
            schedule=pd.DataFrame(index=scenario.index[:0]),
            objective_value=0.0,
            full_objective_value=None,
            gap=None,
            windows=pd.DataFrame(),
            coarse=coarse,
            timings_s={"rolling": time.perf_counter() - t_all},
            status="interrupted",
            interrupted_by=_highs.received_signal() or coarse.interrupted_by,
        )
    if not coarse.has_solution:
        raise HydroSimError(
            f"the coarse daily-step dispatch that sets the window targets failed: {coarse.message}"
        )
    cols = _Columns(plant)
    start_volume = {r.name: r.initial_volume_hm3 for r in cols.network.reservoirs}
    coarse_paths = {r: coarse.schedule[cols.volume[r]] for r in cols.seasonal}  # end of each local day

    volumes = dict(start_volume)
    previous: dict[str, float] = {}
    parts, rows = [], []
    starts = _window_starts(scenario.index, round(w / 24.0))
    ends = np.r_[starts[1:], scenario.n_steps]
    status = "optimal"
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), desc="rolling horizon", unit="window")
    for start, keep_stop in zip(starts.tolist(), ends.tolist(), strict=True):
        stop = min(keep_stop + n_look, scenario.n_steps)
        keep = keep_stop - start
        sc = scenario.window(start_h=start * dt, hours=(stop - start) * dt)
        last = stop >= scenario.n_steps
        targets = dict(start_volume)
        if not last:
            when = local_wall_time(sc.index)[-1] + pd.Timedelta(hours=dt)
            for r, path in coarse_paths.items():
                targets[r] = _coarse_volume_at(path, start_volume[r], when)
        p = _with_start(plant, volumes)
        t0 = time.perf_counter()
        res = dispatch(p, sc, end_volume_hm3=targets, previous_flow_m3s=previous or None, **options)
        rows.append(
            {
                "start": sc.index[0],
                "steps_kept": keep,
                "status": res.status,
                "iterations": res.iterations,
                "solve_s": time.perf_counter() - t0,
            }
        )
        interrupted = res.status == "interrupted" or _highs.received_signal() is not None
        if not res.has_solution and not interrupted:
            raise HydroSimError(f"the rolling-horizon window from {sc.index[0]} did not solve: {res.message}")
        if res.has_solution:
            part = res.schedule.iloc[:keep]
            parts.append(part)
            volumes = {r: float(part[c].iloc[-1]) for r, c in cols.volume.items()}
            previous = {e: float(part[c].iloc[-1]) for e, c in cols.flow.items()}
            if res.status == "time_limit":
                status = "time_limit"
        if bar is not None:
            bar.update(1)
        if interrupted:
            status = "interrupted"
            break
    if bar is not None:
        bar.close()
    schedule = pd.concat(parts) if parts else pd.DataFrame(index=scenario.index[:0])
    objective = schedule_revenue(schedule) if parts else 0.0
    full_obj = gap = None
    timings = {"rolling": time.perf_counter() - t_all}
    if compare_full and status != "interrupted":
        t0 = time.perf_counter()
        full = dispatch(plant, scenario, **options)
        timings["full"] = time.perf_counter() - t0
        if full.status == "interrupted":
            status = "interrupted"
        elif full.success:
            full_obj = schedule_revenue(full.schedule)
            gap = (full_obj - objective) / abs(full_obj) if full_obj else None
    return RollingResult(
        schedule=schedule,
        objective_value=objective,
        full_objective_value=full_obj,
        gap=gap,
        windows=pd.DataFrame(rows),
        coarse=coarse,
        timings_s=timings,
        status=status,
        interrupted_by=_highs.received_signal() if status == "interrupted" else None,
    )
