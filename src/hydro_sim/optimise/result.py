"""The result of a dispatch: status, objective, the schedule and the solver's statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from hydro_sim.network import Network

__all__ = ["DispatchResult"]


@dataclass(frozen=True, kw_only=True)
class DispatchResult:
    """What :func:`hydro_sim.optimise` returns (scipy's ``OptimizeResult`` habit).

    Attributes
    ----------
    status : ``"optimal"``, ``"time_limit"`` (stopped by ``time_limit_s``), ``"interrupted"`` (stopped by
        SIGINT or SIGTERM, see ``interrupted_by``), ``"infeasible"``, ``"unbounded"`` or ``"error"``
        (numerical trouble or a solver failure). A time-limited or interrupted solve keeps the best
        schedule it found (``has_solution``).
    message : A sentence for people; for an infeasible problem the diagnosis (constraint, reservoir or
        unit, first step where it cannot hold); for a stopped solve what came back (e.g. "stopped at the
        time limit (5 s) with a feasible schedule within 0.96 % of the optimum (MIP gap)").
    objective_value : Objective value (revenue is positive; penalties negative). [money]
    schedule : One row per step on the scenario's index, unit-suffixed columns; empty without a solution.
    simultaneous_modes : Steps where the reversible units pump and generate at once (LP mode), with the
        MWh involved; always empty in unit-commitment mode.
    backend : ``"highs"`` or ``"pulp"``.
    head : ``"fixed"`` or ``"successive"``.
    iterations : LP solves made by the successive-head loop (1 with fixed head).
    head_change_m : Largest change of gross head between the last two iterations (with fixed head: between
        the initial heads and the heads of the solved volumes). [m]
    head_history_m : Largest head change after each iteration. [m]
    converged : Whether the successive-head loop met its head tolerance, or its objective tolerance (the
        message says which); with fixed head, whether the heads of the solved volumes stayed within
        ``fixed_head_tolerance_m`` of the initial heads (if not, a ``HydroSimWarning`` says so). False for
        a solve that stopped early.
    mip_gap : Relative MIP gap of the schedule in unit-commitment mode (also when stopped early), else None.
    timings_s : ``build``, ``solve`` (summed over iterations) and ``total`` wall times. [s]
    solver_iterations : Simplex iterations summed over the solves (HiGHS backend).
    diagnosis : For infeasible problems, a table of the soft constraints broken in the penalised-slack model.
    interrupted_by : ``"SIGINT"`` or ``"SIGTERM"`` when a signal stopped the run (status ``"interrupted"``),
        else None.
    network : The network solved, when one was given (its schedule has element columns); None for a Plant.
    """

    status: str
    message: str
    objective_value: float
    schedule: pd.DataFrame
    simultaneous_modes: pd.DataFrame
    backend: str
    head: str
    iterations: int
    head_change_m: float
    head_history_m: tuple[float, ...]
    converged: bool
    mip_gap: float | None
    timings_s: dict[str, float] = field(default_factory=dict)
    solver_iterations: int = 0
    diagnosis: pd.DataFrame | None = None
    interrupted_by: str | None = None
    network: Network | None = None

    @property
    def success(self) -> bool:
        """The solve finished at its optimum (``status == "optimal"``)."""
        return self.status == "optimal"

    @property
    def has_solution(self) -> bool:
        """A feasible schedule is present: optimal, or a time-limited or interrupted solve that found one."""
        return self.status in ("optimal", "time_limit", "interrupted") and not self.schedule.empty

    def water_values_per_hm3(self) -> pd.DataFrame:
        """The water value of each reservoir per step (minus the dual of its balance row; LP only), one
        column per reservoir name (a Plant's: ``upper``/``lower``). [money/hm³]"""
        s = self.schedule
        if self.network is not None:
            names = [r.name for r in self.network.reservoirs]
            cols = {n: f"{n} water_value_per_hm3" for n in names}
        else:
            cols = {"upper": "water_value_upper_per_hm3", "lower": "water_value_lower_per_hm3"}
        return pd.DataFrame({k: s[c] for k, c in cols.items() if c in s}, index=s.index)

    def energy_mwh(self) -> dict[str, float]:
        """Energy totals over the horizon: conventional and reversible generation, pumping, line. [MWh]

        Those of the schedule returned, also one that is feasible but not proven optimal (see
        ``has_solution``); an empty dict without a schedule."""
        if self.schedule.empty:
            return {}
        dt = _dt_h(self.schedule.index)
        s = self.schedule
        if "power_conventional_mw" not in s:  # a network's schedule: one entry per unit column
            out = {
                f"{c[: -len(' power_mw')]} mwh": float(s[c].sum() * dt) for c in s if c.endswith(" power_mw")
            }
            out["line_export_mwh"] = float(s["line_mw"].clip(lower=0).sum() * dt)
            out["line_import_mwh"] = float((-s["line_mw"]).clip(lower=0).sum() * dt)
            return out
        return {
            "conventional_generation_mwh": float(s["power_conventional_mw"].sum() * dt),
            "reversible_generation_mwh": float(s["power_generating_mw"].sum() * dt),
            "pumping_mwh": float(s["power_pumping_mw"].sum() * dt),
            "line_export_mwh": float(s["line_mw"].clip(lower=0).sum() * dt),
            "line_import_mwh": float((-s["line_mw"]).clip(lower=0).sum() * dt),
        }

    def __repr__(self) -> str:  # short, for notebooks and logs
        return (
            f"DispatchResult(status={self.status!r}, objective_value={self.objective_value:.6g}, "
            f"steps={len(self.schedule)}, backend={self.backend!r}, head={self.head!r}, "
            f"iterations={self.iterations}, head_change_m={self.head_change_m:.3g})"
        )


def _dt_h(index: pd.DatetimeIndex) -> float:
    if len(index) > 1:
        return float((index[1] - index[0]) / pd.Timedelta(hours=1))
    return float(pd.Timedelta(index.freq) / pd.Timedelta(hours=1)) if index.freq is not None else 1.0


def empty_frame(index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    return pd.DataFrame(index=index if index is not None else pd.DatetimeIndex([]))
