"""Rolling-horizon dispatch: a long horizon as a sequence of windows with look-ahead.

Each window (``window_h`` kept, plus ``lookahead_h`` seen but not kept) is solved hourly, carrying the end
volumes of the kept part forward. So that windows do not drain the reservoirs at their ends, each solve's
end must reach a volume target: for the upper reservoir the seasonal path of a coarse (daily-step) LP of
the whole horizon, for the lower reservoir its start volume (it cycles daily). The last window ends on the
whole horizon's own end condition. The objective gap to the full-horizon optimum is reported.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.errors import HydroSimError
from hydro_sim.optimise.api import dispatch
from hydro_sim.optimise.result import DispatchResult
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario

__all__ = ["RollingResult", "rolling_dispatch", "schedule_revenue_cny"]


@dataclass(frozen=True, kw_only=True)
class RollingResult:
    """Result of :func:`rolling_dispatch`.

    Attributes
    ----------
    schedule : The kept parts of every window, end to end, on the scenario's index.
    objective_cny : Revenue of the rolling schedule (Σ price·line·Δt). [CNY]
    full_objective_cny : Revenue of the full-horizon optimum, if it was solved. [CNY]
    gap : (full − rolling) / |full|: what the windows lose against the full-horizon optimum. [-]
    windows : One row per window: start, steps kept, status, iterations, solve time.
    coarse : The coarse daily-step dispatch that set the upper reservoir's end targets.
    """

    schedule: pd.DataFrame
    objective_cny: float
    full_objective_cny: float | None
    gap: float | None
    windows: pd.DataFrame
    coarse: DispatchResult
    timings_s: dict[str, float] = field(default_factory=dict)


def schedule_revenue_cny(schedule: pd.DataFrame) -> float:
    """Σ price·line·Δt of a schedule (the revenue objective). [CNY]"""
    dt = float((schedule.index[1] - schedule.index[0]) / pd.Timedelta(hours=1)) if len(schedule) > 1 else 1.0
    return float((schedule["price_cny_per_mwh"] * schedule["line_mw"]).sum() * dt)


def _daily(scenario: Scenario) -> Scenario:
    """The scenario averaged to daily steps (inflows, prices and renewables as daily means)."""
    frame = scenario.to_frame().resample("D").mean()
    frame.index = pd.DatetimeIndex(frame.index, freq="D")
    return Scenario.from_frame(frame, name=f"{scenario.name}, daily means")


def _with_start(plant: Plant, v_up: float, v_lo: float | None) -> Plant:
    upper = dataclasses.replace(plant.upper, initial_level_masl=float(plant.upper.curve.level_masl_at(v_up)))
    lower = plant.lower
    if lower is not None and v_lo is not None:
        lower = dataclasses.replace(lower, initial_level_masl=float(lower.curve.level_masl_at(v_lo)))
    return dataclasses.replace(plant, upper=upper, lower=lower)


def rolling_dispatch(plant: Plant, scenario: Scenario, *, window_h: float = 168.0, lookahead_h: float = 48.0,
                     compare_full: bool = True, progress: bool = False, **options: Any) -> RollingResult:
    """Dispatch a long horizon window by window (revenue objective).

    Parameters
    ----------
    plant, scenario : As for :func:`hydro_sim.optimise`.
    window_h : Hours kept from each window; a whole number of days. [h]
    lookahead_h : Hours seen beyond each window and then discarded. [h]
    compare_full : Also solve the full horizon at once and report the objective gap.
    progress : Show a progress bar (tqdm) over the windows.
    **options : Options of :func:`hydro_sim.optimise` for every window (e.g. ``head``,
        ``pump_generate_balance``); ``objective`` must be ``"revenue"`` and ``end`` ``"at_least_start"``.
    """
    where = "rolling_dispatch()"
    for name, allowed in (("objective", "revenue"), ("end", "at_least_start")):
        if options.get(name, allowed) != allowed:
            raise iv.fail(name, f"must be {allowed!r} for a rolling horizon (the end targets replace the end "
                          "condition within the horizon)", options[name], where)
    for name in ("end_volume_upper_hm3", "end_volume_lower_hm3"):
        if name in options:
            raise iv.fail(name, "is set by the rolling horizon itself", options[name], where)
    dt = scenario.dt_h
    w = iv.positive("window_h", window_h, where)
    la = iv.non_negative("lookahead_h", lookahead_h, where)
    if abs(w / 24.0 - round(w / 24.0)) > 1e-9 or abs(w / dt - round(w / dt)) > 1e-9:
        raise iv.fail("window_h", "must be a whole number of days (windows start at midnight)", w, where)
    n_keep = int(round(w / dt))
    n_look = int(round(la / dt))
    t_all = time.perf_counter()

    coarse_opts = {k: v for k, v in options.items() if k not in ("pump_generate_balance", "max_daily_generating_hours",
                                                                   "unit_commitment")}
    coarse = dispatch(plant, _daily(scenario), **coarse_opts)
    if not coarse.success:
        raise HydroSimError(f"the coarse daily-step dispatch that sets the window targets failed: {coarse.message}")
    coarse_v_up = coarse.schedule["volume_upper_hm3"]           # end of each day

    v_up = plant.upper.initial_volume_hm3
    v_lo = plant.lower.initial_volume_hm3 if plant.lower is not None else None
    parts, rows = [], []
    starts = range(0, scenario.n_steps, n_keep)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), desc="rolling horizon", unit="window")
    for start in starts:
        stop = min(start + n_keep + n_look, scenario.n_steps)
        keep = min(n_keep, scenario.n_steps - start)
        sc = scenario.window(start_h=start * dt, hours=(stop - start) * dt)
        last = stop >= scenario.n_steps
        if last:
            end_up, end_lo = plant.upper.initial_volume_hm3, (plant.lower.initial_volume_hm3
                                                               if plant.lower is not None else None)
        else:
            day_end = sc.index[-1].normalize()
            end_up = float(coarse_v_up.asof(day_end))
            end_lo = plant.lower.initial_volume_hm3 if plant.lower is not None else None
        p = _with_start(plant, v_up, v_lo)
        t0 = time.perf_counter()
        res = dispatch(p, sc, end_volume_upper_hm3=end_up, end_volume_lower_hm3=end_lo, **options)
        rows.append({"start": sc.index[0], "steps_kept": keep, "status": res.status, "iterations": res.iterations,
                     "solve_s": time.perf_counter() - t0})
        if not res.success:
            raise HydroSimError(f"the rolling-horizon window from {sc.index[0]} did not solve: {res.message}")
        part = res.schedule.iloc[:keep]
        parts.append(part)
        v_up = float(part["volume_upper_hm3"].iloc[-1])
        v_lo = float(part["volume_lower_hm3"].iloc[-1]) if "volume_lower_hm3" in part else None
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    schedule = pd.concat(parts)
    objective = schedule_revenue_cny(schedule)
    full_obj = gap = None
    timings = {"rolling": time.perf_counter() - t_all}
    if compare_full:
        t0 = time.perf_counter()
        full = dispatch(plant, scenario, **options)
        timings["full"] = time.perf_counter() - t0
        if full.success:
            full_obj = schedule_revenue_cny(full.schedule)
            gap = (full_obj - objective) / abs(full_obj) if full_obj else None
    return RollingResult(schedule=schedule, objective_cny=objective, full_objective_cny=full_obj, gap=gap,
                         windows=pd.DataFrame(rows), coarse=coarse, timings_s=timings)

