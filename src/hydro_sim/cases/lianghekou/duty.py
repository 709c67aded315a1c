"""Duty and capability of Lianghekou's reversible units, on the three-node network (DESIGN.md §1, §6).

The published 13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh a year is the reversible units'
generation from pumped water (按照抽发水量平衡折算): a **design duty** set by the receiving grid's production
simulation, not what the units could do. This module keeps the two apart:

**Capability** (:func:`capability`): the revenue optimum at the Sichuan TOU tariff on
:func:`~hydro_sim.cases.lianghekou.plant.lianghekou_network` (Lianghekou → Yagen-I → river, Yagen-I's own
units, the release limits of the reach below Yagen-I), a daily pump–generate balance (so every MWh of the
reversible units is from pumped water), successive head, LP. A user-side tariff pays cycling in every peak
hour, so this is an **upper bound** on what the units would be asked to do.

**Duty** (:func:`duty`): the same year with the reversible units' generation fixed at the duty.

1. An annual LP with the target ``generation_mwh={"Lianghekou reversible": 1,397,000}`` (the optimiser
   places the energy in the year's best hours): the allocation, the heads and the volume paths.
2. Windows of ``window_days`` local days (a day by default), each with the target **split pro rata** to its
   hours (1,397,000 × hours/8,760 MWh), solved as a MILP (unit commitment: integer units per mode, the
   fixed-speed pump band, minimum output, one mode per step) with successive head started from the annual
   LP's heads (``start_head_m``; ``window_head="fixed"`` stays at them), each window ending at the annual LP's volumes of both reservoirs (≥) and keeping the
   river's ramp across the joins. The same windows are also solved as LPs: the LP windows against the annual
   LP measure what the pro-rata **split** costs (it takes the freedom to move energy between seasons), the
   MILP windows against the LP windows what **unit commitment** costs.
3. The MILP schedule replayed through the nonlinear simulator (``ReplayPolicy``, flows): energy per group,
   LP against simulator, and the water balance.

What the duty implies is set against the design conventions of the sources' second addendum §B and
DESIGN.md §6: pumping energy ≈ 17.5–18.6 × 10⁸ kWh (13.97 / 0.80 … 13.97 / 0.75) at a cycle efficiency
(综合效率 = generation / pumping) of 0.75–0.80; cycled water ≈ 24 × 10⁸ m³ a year; a continuous full-load
duration of 5–6 h on the days used; the number of equivalent full cycles of a D-hour store (D = 6 h,
ASSUMPTION from the convention); Yagen-I's level swing and the release pattern below it (largest hourly
change, hours at the environmental minimum, hours above the plant's 1,616 m³/s); hours at a gross head
outside a fixed-speed range (ASSUMPTION: no head range is sourced, see :data:`HEAD_RANGE_RATIO`).

**Inverses under physical limits** (:func:`volume_inverse`): the usable Yagen-I volume at which the
capability equals the duty, with the release constrained (the reach's ramp), by Brent's method on
re-dispatches; and utilisation hours and equivalent full cycles in place of the old every-day cap
(:class:`UtilisationFigures`). :func:`sensitivity` tabulates cycle efficiency, Yagen-I volume, release ramp,
tariff spread and head range. :func:`render_duty_section` writes the Markdown section.

On a window shorter than a year the duty is pro-rated by its share of 8,760 h (:func:`duty_target_mwh`); a
window is for tests and quick looks, never a check of the annual figure.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from hydro_sim import _validation as iv
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_PSH_GENERATION_YI_KWH,
    YAGEN_I_DEFAULT_RAMP_M3S_PER_H,
    YAGEN_I_MAX_FLOW_M3S,
    lianghekou_network,
)
from hydro_sim.constants import (
    HM3_PER_M3S_HOUR,
    HM3_PER_YI_M3,
    HOURS_PER_YEAR,
    MWH_PER_TWH,
    MWH_PER_YI_KWH,
)
from hydro_sim.errors import HydroSimError
from hydro_sim.network import Network, PumpTurbineLink, RiverSink
from hydro_sim.optimise import dispatch
from hydro_sim.optimise._data import heads_from_solution, local_wall_time
from hydro_sim.optimise.result import DispatchResult
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import ReplayPolicy, simulate

__all__ = [
    "CYCLED_WATER_CONVENTION_HM3",
    "CYCLE_EFFICIENCY_CONVENTION",
    "DUTY_MWH",
    "FULL_LOAD_DURATION_CONVENTION_H",
    "HEAD_RANGE_RATIO",
    "PUMPING_CONVENTION_MWH",
    "STORE_HOURS_H",
    "DutyResult",
    "DutySolveError",
    "InverseResult",
    "ReversibleFigures",
    "RunResult",
    "UtilisationFigures",
    "capability",
    "duty",
    "duty_target_mwh",
    "render_duty_section",
    "reversible_figures",
    "sensitivity",
    "utilisation",
    "volume_inverse",
]

# -- names of the network's elements (lianghekou_network) ---------------------------------------------------
REVERSIBLE = "Lianghekou reversible"
PUMP = f"{REVERSIBLE}-pump"
UPPER = "Lianghekou"
LOWER = "Yagen-I"
RIVER = "river below Yagen-I"

# -- the duty and the design conventions (sources, second addendum §B; DESIGN.md §1, §6) ---------------------
#: The published duty: 13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh a year, pumped-water basis.
DUTY_MWH = PUBLISHED_PSH_GENERATION_YI_KWH * MWH_PER_YI_KWH
#: Design convention of the cycle efficiency 综合效率 = generation / pumping (Taizihe 0.750; practice
#: ≈ 0.75–0.80). [-]
CYCLE_EFFICIENCY_CONVENTION = (0.75, 0.80)
#: The pumping energy the duty implies at those efficiencies: 13.97 / 0.80 … 13.97 / 0.75 × 10⁸ kWh
#: (derived). [MWh]
PUMPING_CONVENTION_MWH = (
    DUTY_MWH / CYCLE_EFFICIENCY_CONVENTION[1],
    DUTY_MWH / CYCLE_EFFICIENCY_CONVENTION[0],
)
#: Cycled water of the duty by DESIGN.md §6: ≈ 24 × 10⁸ m³ a year (derived there). [hm³]
CYCLED_WATER_CONVENTION_HM3 = 24.0 * HM3_PER_YI_M3
#: Continuous full-load duration of the store on the days used, design practice 5–6 h (second addendum §B). [h]
FULL_LOAD_DURATION_CONVENTION_H = (5.0, 6.0)
#: D of the "D-hour store" whose equivalent full cycles are counted: 6 h, ASSUMPTION from the convention's
#: upper end and Daofu's sourced 6 h daily storage (second addendum §B). [h]
STORE_HOURS_H = 6.0
#: Ratio of the highest to the lowest gross head a fixed-speed pump-turbine is designed for: 1.3, ASSUMPTION
#: at the lenient end of "≲ 1.2–1.3" (second addendum §E); no head range is sourced. The range counted is
#: (H_top / 1.3, H_top), H_top the plant's highest gross head (2,865 − 2,598 = 267 m). [-]
HEAD_RANGE_RATIO = 1.3
#: Flow below which a column or the river counts as idle / at its minimum: far above the solvers'
#: tolerance (1e-7), far below any real flow. [m³/s]
IDLE_FLOW_M3S = 1e-3
#: Power above which a reversible unit group counts as running in an hour. [MW]
RUNNING_POWER_MW = 1.0
#: Head tolerance of the fixed-head re-dispatches of the inverse and the sensitivity, and of the successive
#: runs of the main line. [m]
HEAD_TOLERANCE_M = 0.05
#: The volume inverse stops when its bracket is this narrow. [hm³]
VOLUME_XTOL_HM3 = 0.1
#: Time limit of each window's MILP; a window stopped by it keeps its incumbent (status "time_limit"). [s]
WINDOW_TIME_LIMIT_S = 60.0


class DutySolveError(HydroSimError):
    """A dispatch of the duty or capability runs came back without a schedule (infeasible, time limit
    without a solution, interrupted, error). ``status`` and ``diagnosis`` are the dispatch's."""

    def __init__(self, message: str, *, status: str, diagnosis: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.diagnosis = diagnosis


# ---- the figures ------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ReversibleFigures:
    """What a schedule of the three-node network implies for the reversible units, Yagen-I and the river.

    Energies [MWh], water [hm³], levels [m a.s.l.], flows [m³/s], heads [m], hours [h].

    generation_mwh, pumping_mwh : Σ P·Δt of the reversible units generating and pumping (input).
    cycle_efficiency : generation / pumping (综合效率); NaN without pumping. [-]
    pumped_water_hm3, generated_water_hm3 : Σ Q·Δt·0.0036 pumped up and turbined down (the cycled water).
    full_load_hours : generation / the group's rating (1,200 MW). [h]
    equivalent_cycles : generation / (rating × ``store_hours_h``): full cycles of a D-hour store. [-]
    store_hours_h : D. [h]
    days_used : local days with any reversible generation. [-]
    mean_daily_full_load_h, max_daily_full_load_h : a used day's generation / rating, mean and largest. [h]
    longest_generating_run_h : longest run of consecutive hours generating. [h]
    yagen_level_min_masl, yagen_level_max_masl : Yagen-I's lowest and highest end-of-step level.
    yagen_swing_m : their difference; yagen_mean_daily_swing_m, yagen_max_daily_swing_m : per local day.
    river_min_m3s, river_max_m3s, river_max_hourly_change_m3s : the flow below Yagen-I.
    river_hours_at_minimum : hours within ``IDLE_FLOW_M3S`` of the reach's environmental minimum. [h]
    river_hours_above_plant_discharge : hours above Yagen-I's plant discharge (1,616 m³/s). [h]
    head_range_m : the gross-head range counted; gross_head_min_m, gross_head_max_m : the range of gross
        heads the reversible units ran at (either mode).
    hours_outside_head_range : hours the reversible units ran (either mode) at a gross head outside it. [h]
    revenue : Σ price·line·Δt of the whole plant at the tariff. [money]
    hours : length of the schedule. [h]
    """

    generation_mwh: float
    pumping_mwh: float
    cycle_efficiency: float
    pumped_water_hm3: float
    generated_water_hm3: float
    full_load_hours: float
    equivalent_cycles: float
    store_hours_h: float
    days_used: int
    mean_daily_full_load_h: float
    max_daily_full_load_h: float
    longest_generating_run_h: float
    yagen_level_min_masl: float
    yagen_level_max_masl: float
    yagen_swing_m: float
    yagen_mean_daily_swing_m: float
    yagen_max_daily_swing_m: float
    river_min_m3s: float
    river_max_m3s: float
    river_max_hourly_change_m3s: float
    river_hours_at_minimum: float
    river_hours_above_plant_discharge: float
    head_range_m: tuple[float, float]
    gross_head_min_m: float
    gross_head_max_m: float
    hours_outside_head_range: float
    revenue: float
    hours: float


def default_head_range_m(network: Network) -> tuple[float, float]:
    """(H_top / ``HEAD_RANGE_RATIO``, H_top), H_top the reversible link's highest gross head from the level
    limits (ASSUMPTION, see :data:`HEAD_RANGE_RATIO`). [m]"""
    up, lo = network.node(UPPER), network.node(LOWER)
    top = float(up.max_level_masl - lo.min_level_masl)  # type: ignore[union-attr]
    return (top / HEAD_RANGE_RATIO, top)


def _dt_h(index: pd.DatetimeIndex) -> float:
    return float((index[1] - index[0]) / pd.Timedelta(hours=1)) if len(index) > 1 else 1.0


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for on in mask.tolist():
        run = run + 1 if on else 0
        best = max(best, run)
    return best


def reversible_figures(
    schedule: pd.DataFrame,
    network: Network,
    *,
    store_hours_h: float = STORE_HOURS_H,
    head_range_m: tuple[float, float] | None = None,
) -> ReversibleFigures:
    """The figures of a network schedule (a dispatch schedule or a simulator frame in element columns).

    Parameters
    ----------
    schedule : Element columns of :func:`~hydro_sim.cases.lianghekou.plant.lianghekou_network`:
        ``"Lianghekou reversible power_mw"``, ``"… flow_m3s"``, ``"… head_m"`` and their ``-pump`` twins,
        ``"Yagen-I level_masl"``, ``"river below Yagen-I flow_m3s"`` (the sum of the columns into the river if
        absent), ``line_mw``, ``price_per_mwh``.
    network : The network scheduled (ratings, loss coefficient, the river's minimum).
    store_hours_h : D of the equivalent full cycles. [h]
    head_range_m : Gross-head range to count the hours outside; :func:`default_head_range_m` if not given.

    Notes
    -----
    cycle efficiency = Σ P_gen Δt / Σ P_pump Δt; cycled water = Σ Q_pump·Δt·0.0036 hm³; equivalent cycles =
    Σ P_gen Δt / (P_rated·D); the gross head of a running step is the net head plus k·Q² generating, minus
    k·Q² pumping.
    """
    where = "reversible_figures()"
    d_h = iv.positive("store_hours_h", store_hours_h, where)
    s = schedule
    dt = _dt_h(pd.DatetimeIndex(s.index))
    link = network.link(REVERSIBLE)
    assert isinstance(link, PumpTurbineLink)
    units = link.units
    k = units.head_loss_coefficient_s2_per_m5
    p_gen = s[f"{REVERSIBLE} power_mw"].to_numpy(dtype=float)
    p_pump = s[f"{PUMP} power_mw"].to_numpy(dtype=float)
    q_gen = s[f"{REVERSIBLE} flow_m3s"].to_numpy(dtype=float)
    q_pump = s[f"{PUMP} flow_m3s"].to_numpy(dtype=float)
    gen = float(p_gen.sum() * dt)
    pump = float(p_pump.sum() * dt)
    rating = units.max_power_mw
    days = local_wall_time(pd.DatetimeIndex(s.index)).normalize()
    daily = pd.Series(p_gen * dt, index=days).groupby(level=0).sum()
    used = daily[daily > RUNNING_POWER_MW * dt]
    z = pd.Series(s[f"{LOWER} level_masl"].to_numpy(dtype=float), index=days)
    zd = z.groupby(level=0)
    daily_swing = zd.max() - zd.min()
    river_col = f"{RIVER} flow_m3s"
    if river_col in s:
        river = s[river_col].to_numpy(dtype=float)
    else:
        into = [c.name for c in network.flow_columns() if c.to_node == RIVER]
        river = np.sum([s[f"{c} flow_m3s"].to_numpy(dtype=float) for c in into], axis=0)
    sink = network.node(RIVER)
    assert isinstance(sink, RiverSink)
    gen_on = p_gen > RUNNING_POWER_MW
    pump_on = p_pump > RUNNING_POWER_MW
    hg_gen = s[f"{REVERSIBLE} head_m"].to_numpy(dtype=float) + k * q_gen**2
    hg_pump = s[f"{PUMP} head_m"].to_numpy(dtype=float) - k * q_pump**2
    heads = np.concatenate([hg_gen[gen_on], hg_pump[pump_on]])
    rng = (
        default_head_range_m(network)
        if head_range_m is None
        else (float(head_range_m[0]), float(head_range_m[1]))
    )
    outside = (gen_on & ((hg_gen < rng[0]) | (hg_gen > rng[1]))) | (
        pump_on & ((hg_pump < rng[0]) | (hg_pump > rng[1]))
    )
    return ReversibleFigures(
        generation_mwh=gen,
        pumping_mwh=pump,
        cycle_efficiency=gen / pump if pump > 0.0 else math.nan,
        pumped_water_hm3=float(q_pump.sum() * HM3_PER_M3S_HOUR * dt),
        generated_water_hm3=float(q_gen.sum() * HM3_PER_M3S_HOUR * dt),
        full_load_hours=gen / rating,
        equivalent_cycles=gen / (rating * d_h),
        store_hours_h=d_h,
        days_used=int(used.size),
        mean_daily_full_load_h=float(used.mean() / rating) if used.size else 0.0,
        max_daily_full_load_h=float(used.max() / rating) if used.size else 0.0,
        longest_generating_run_h=_longest_run(gen_on) * dt,
        yagen_level_min_masl=float(z.min()),
        yagen_level_max_masl=float(z.max()),
        yagen_swing_m=float(z.max() - z.min()),
        yagen_mean_daily_swing_m=float(daily_swing.mean()),
        yagen_max_daily_swing_m=float(daily_swing.max()),
        river_min_m3s=float(river.min()),
        river_max_m3s=float(river.max()),
        river_max_hourly_change_m3s=float(np.abs(np.diff(river)).max() / dt) if river.size > 1 else 0.0,
        river_hours_at_minimum=float(np.sum(river <= sink.environmental_min_flow_m3s + IDLE_FLOW_M3S) * dt),
        river_hours_above_plant_discharge=float(np.sum(river > YAGEN_I_MAX_FLOW_M3S + IDLE_FLOW_M3S) * dt),
        head_range_m=rng,
        gross_head_min_m=float(heads.min()) if heads.size else math.nan,
        gross_head_max_m=float(heads.max()) if heads.size else math.nan,
        hours_outside_head_range=float(outside.sum() * dt),
        revenue=float((s["price_per_mwh"] * s["line_mw"]).sum() * dt),
        hours=float(len(s) * dt),
    )


@dataclass(frozen=True, kw_only=True)
class UtilisationFigures:
    """Utilisation hours and equivalent full cycles in place of the every-day cap.

    duty_full_load_hours, capability_full_load_hours : annual generation / 1,200 MW. [h]
    duty_equivalent_cycles, capability_equivalent_cycles : of a ``store_hours_h`` store. [-]
    duty_share_of_capability : duty / capability. [-]
    yagen_store_hours_h : hours of full reversible generation Yagen-I's usable volume holds (V / Q_rated). [h]
    """

    store_hours_h: float
    duty_full_load_hours: float
    capability_full_load_hours: float
    duty_equivalent_cycles: float
    capability_equivalent_cycles: float
    duty_share_of_capability: float
    yagen_store_hours_h: float


def utilisation(
    capability_mwh: float,
    network: Network,
    *,
    duty_mwh: float = DUTY_MWH,
    store_hours_h: float = STORE_HOURS_H,
) -> UtilisationFigures:
    """Utilisation hours and equivalent full cycles of the duty and the capability (annual energies).

    >>> u = utilisation(2.73e6, lianghekou_network())
    >>> round(u.duty_full_load_hours), round(u.duty_equivalent_cycles, 1), round(u.yagen_store_hours_h, 2)
    (1164, 194.0, 9.39)
    """
    link = network.link(REVERSIBLE)
    assert isinstance(link, PumpTurbineLink)
    rating = link.units.max_power_mw
    lower = network.node(LOWER)
    usable = lower.usable_volume_hm3  # type: ignore[union-attr]
    return UtilisationFigures(
        store_hours_h=store_hours_h,
        duty_full_load_hours=duty_mwh / rating,
        capability_full_load_hours=capability_mwh / rating,
        duty_equivalent_cycles=duty_mwh / (rating * store_hours_h),
        capability_equivalent_cycles=capability_mwh / (rating * store_hours_h),
        duty_share_of_capability=duty_mwh / capability_mwh if capability_mwh > 0 else math.nan,
        yagen_store_hours_h=usable / (link.units.max_total_flow_m3s * HM3_PER_M3S_HOUR),
    )


# ---- runs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RunResult:
    """One run on the network and its figures.

    label : what it is; dispatch : the dispatch (of a window chain: the annual LP it follows);
    schedule : the run's schedule (of a window chain: the windows end to end); solve_s : its time. [s]
    """

    label: str
    dispatch: DispatchResult
    schedule: pd.DataFrame
    figures: ReversibleFigures
    solve_s: float


def duty_target_mwh(year: Scenario, duty_mwh: float = DUTY_MWH) -> float:
    """The duty pro-rated to the scenario's length: ``duty_mwh`` × hours / 8,760. [MWh]"""
    return duty_mwh * year.hours / HOURS_PER_YEAR


def _year(year: Scenario | None) -> Scenario:
    if year is not None:
        if not isinstance(year, Scenario):
            raise iv.fail(
                "year", "must be a hydro_sim.Scenario (or None for the reference year)", year, "duty"
            )
        return year
    from hydro_sim.cases.lianghekou.annual_check import design_basis_year
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    return design_basis_year(reference_year())


def _checked(res: DispatchResult, what: str) -> DispatchResult:
    if res.status == "interrupted" or not res.has_solution or res.schedule.empty:
        raise DutySolveError(
            f"the {what} ended {res.status}: {res.message}", status=res.status, diagnosis=res.diagnosis
        )
    return res


def _dispatch(network: Network, year: Scenario, what: str, **kw: Any) -> tuple[DispatchResult, float]:
    t0 = time.perf_counter()
    res = dispatch(network, year, pump_generate_balance="day", **kw)
    return _checked(res, what), time.perf_counter() - t0


def _head_kw(head: str, start_head_m: np.ndarray | None) -> dict[str, Any]:
    kw: dict[str, Any] = {"head": head, "start_head_m": start_head_m, "head_tolerance_m": HEAD_TOLERANCE_M}
    if head == "fixed":
        kw["fixed_head_tolerance_m"] = math.inf  # the head change is reported (DispatchResult.head_change_m)
    return kw


def capability(
    network: Network | None = None,
    year: Scenario | None = None,
    *,
    head: Literal["successive", "fixed"] = "successive",
    start_head_m: np.ndarray | None = None,
    time_limit_s: float = math.inf,
) -> RunResult:
    """The capability: revenue optimum at the tariff with a daily pump–generate balance (an upper bound).

    Parameters
    ----------
    network : :func:`lianghekou_network` by default. year : the design-basis reference year by default.
    head : ``"successive"`` (default) or ``"fixed"`` at ``start_head_m`` (the re-dispatches of the inverse
        and the sensitivity).
    start_head_m : (G, T) gross heads to linearise at, e.g. :func:`solved_heads` of an earlier run. [m]
    time_limit_s : per solve. [s]
    """
    net = lianghekou_network() if network is None else network
    sc = _year(year)
    res, took = _dispatch(
        net, sc, "capability run", time_limit_s=time_limit_s, **_head_kw(head, start_head_m)
    )
    return RunResult(
        label="capability",
        dispatch=res,
        schedule=res.schedule,
        figures=reversible_figures(res.schedule, net),
        solve_s=took,
    )


def solved_heads(network: Network, schedule: pd.DataFrame) -> np.ndarray:
    """(G, T) gross heads of every unit link at a network schedule's mid-step levels. [m]"""
    vol = np.vstack([schedule[f"{r} volume_hm3"].to_numpy(dtype=float) for r in network.reservoir_names])
    sinks = np.vstack([schedule[f"{k.name} flow_m3s"].to_numpy(dtype=float) for k in network.sinks])
    return heads_from_solution(network, vol, sinks).gross_head_m


@dataclass(frozen=True, kw_only=True)
class DutyResult:
    """Result of :func:`duty`.

    annual_lp : the annual LP with the whole target (the optimiser's allocation).
    windows_lp, windows_milp : the window chains, LP and MILP (unit commitment), schedules end to end.
    windows : one row per window: start, hours, target [MWh], LP and MILP revenue, MILP status, gap, times.
    split : ``"pro_rata"``; split_cost : 1 − revenue(LP windows) / revenue(annual LP), what the pro-rata split
        costs; commitment_cost : 1 − revenue(MILP windows) / revenue(LP windows). [-]
    simulation_figures : the figures of the MILP schedule replayed through the simulator.
    lp_vs_simulation : per group (conventional, reversible generation, pumping, Yagen-I units): (simulator −
        LP) / LP energy. [-]
    water_balance_lp_hm3, water_balance_simulation_hm3 : largest residual per reservoir and step. [hm³]
    simulation_cutbacks_mwh : energy the simulator cut back (all limits). [MWh]
    yagen_i_units_mwh, yagen_i_units_water_hm3 : Yagen-I's own units in the replay: energy and the water
        through them. [MWh], [hm³]
    """

    target_mwh: float
    window_days: int
    annual_lp: RunResult
    windows_lp: RunResult
    windows_milp: RunResult
    windows: pd.DataFrame
    split: str
    split_cost: float
    commitment_cost: float
    simulation_figures: ReversibleFigures
    lp_vs_simulation: Mapping[str, float]
    water_balance_lp_hm3: float
    water_balance_simulation_hm3: float
    simulation_cutbacks_mwh: float
    yagen_i_units_mwh: float = math.nan
    yagen_i_units_water_hm3: float = math.nan
    unit_commitment: bool = True
    timings_s: Mapping[str, float] = field(default_factory=dict)


def _window_starts(index: pd.DatetimeIndex, days: int) -> list[int]:
    wall = local_wall_time(index).normalize()
    day_starts = np.flatnonzero(np.r_[True, wall[1:] != wall[:-1]])
    return [int(x) for x in day_starts[::days]]


def _starting_at(network: Network, volumes_hm3: Mapping[str, float]) -> Network:
    """The network with its reservoirs starting at the given volumes (levels from their curves; a level a
    round-off outside the operating band is put on the band's edge, anything more raises)."""
    out = []
    for r in network.reservoirs:
        z = float(r.curve.level_masl_at(volumes_hm3[r.name]))
        lo, hi = r.min_level_masl, r.max_level_masl
        if z < lo - 1e-6 or z > hi + 1e-6:
            raise DutySolveError(
                f"a window of the duty run starts reservoir '{r.name}' at {z:.6f} m, outside [{lo}, {hi}] m",
                status="error",
            )
        out.append(dataclasses.replace(r, initial_level_masl=min(max(z, lo), hi)))
    return dataclasses.replace(network, reservoirs=tuple(out))


@dataclass(frozen=True, kw_only=True)
class _Chain:
    """Windows solved one after the other: the LP schedules end to end, and (closed loop) the simulator's
    frames of each window's replay end to end; per window its row; the largest water-balance residual of
    any window's LP schedule (from its own start) and of the simulator; the energy the simulator cut."""

    lp: pd.DataFrame
    sim: pd.DataFrame | None
    rows: list[dict]
    water_balance_lp_hm3: float
    water_balance_simulation_hm3: float
    cutbacks_mwh: float


def _chain(
    network: Network,
    year: Scenario,
    starts: list[int],
    targets: list[float] | None,
    heads: np.ndarray,
    path: pd.DataFrame,
    *,
    unit_commitment: bool,
    time_limit_s: float,
    say: Callable[[str], None],
    head: Literal["successive", "fixed"] = "successive",
    closed_loop: bool = True,
) -> _Chain:
    """Solve the windows one after the other, each with its heads linearised at ``heads`` (``head="fixed"``)
    or iterated from them to its own (``"successive"``), each ending at ``path``'s volumes (≥; closed loop: shifted by
    the simulator's offset from the LP's state at the window's start) and keeping the river's ramp across the joins.

    ``closed_loop`` (default): each window's schedule is replayed through the nonlinear simulator (flows;
    the units' minimum output and pump band enforced when ``unit_commitment``) and the next window starts
    from the **simulator's** end state (volumes, the ramped reach's last flow), as an operator re-dispatches
    each day from the plant's actual state: the LP-against-simulator comparison then measures each window's
    linearisation, not an open-loop drift that a year of 8,760 replayed steps on a plant held at its bounds
    accumulates (measured 2026-12-01: the open-loop replay of the year's LP windows was −4.9 % on the
    reversible units and −65 % on pumping, every week of it within 0.15 %). Without it the next window
    starts from the LP's own end state."""
    dt = year.dt_h
    T = year.n_steps
    ends = [*starts[1:], T]
    volumes = {r.name: r.initial_volume_hm3 for r in network.reservoirs}
    lp_volumes = dict(volumes)  # the LP's own end state of the window before
    previous: dict[str, float] = {}
    parts, frames, rows = [], [], []
    lp_bal = sim_bal = cut_mwh = 0.0
    ramped = [k.name for k in network.sinks if math.isfinite(k.max_ramp_m3s_per_h)]
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        sc = year.window(start_h=a * dt, hours=(b - a) * dt)
        net = _starting_at(network, volumes)
        # the plan's volumes at the window's end, shifted by how far the simulator's state is from the LP's
        # at the window's start (closed loop; 0 in open loop): the physics' small differences are carried,
        # not made up within a day
        end_volume = {
            r: float(path[f"{r} volume_hm3"].iloc[b - 1]) + volumes[r] - lp_volumes[r]
            for r in network.reservoir_names
        }
        what = f"{'MILP' if unit_commitment else 'LP'} window from {sc.index[0]}"
        t0 = time.perf_counter()
        res = dispatch(
            net,
            sc,
            pump_generate_balance="day",
            unit_commitment=unit_commitment,
            generation_mwh={REVERSIBLE: targets[i]} if targets is not None else None,
            end_volume_hm3=end_volume,
            previous_flow_m3s=previous or None,
            time_limit_s=time_limit_s,
            **_head_kw(head, heads[:, a:b]),
        )
        took = time.perf_counter() - t0
        _checked(res, what)
        if len(starts) <= 12 or i + 1 == len(starts) or sc.index[-1].month != year.index[min(b, T - 1)].month:
            # a line per window on a short chain, else one per month (365 lines of a year help nobody)
            say(f"  {what}: {res.status} in {took:.1f} s ({i + 1} of {len(starts)} windows)")
        part = res.schedule
        parts.append(part)
        lp_bal = max(lp_bal, _balance_error_hm3(net, part, dt))
        state = part
        if closed_loop:
            sim = simulate(net, sc, ReplayPolicy(schedule=part, mode="flows"), unit_limits=unit_commitment)
            state = sim.frame(0)
            frames.append(state)
            sim_bal = max(sim_bal, sim.water_balance_error_hm3())
            cut = sim.cutbacks()
            cut_mwh += float(cut["energy_mwh"].sum()) if len(cut) else 0.0
        volumes = {r: float(state[f"{r} volume_hm3"].iloc[-1]) for r in network.reservoir_names}
        lp_volumes = {r: float(part[f"{r} volume_hm3"].iloc[-1]) for r in network.reservoir_names}
        previous = {k: float(state[f"{k} flow_m3s"].iloc[-1]) for k in ramped}
        rows.append(
            {
                "start": sc.index[0],
                "hours": (b - a) * dt,
                "target_mwh": targets[i] if targets is not None else math.nan,
                "status": res.status,
                "revenue": float((part["price_per_mwh"] * part["line_mw"]).sum() * dt),
                "mip_gap": res.mip_gap,
                "head_iterations": res.iterations,
                "solve_s": took,
            }
        )
    return _Chain(
        lp=pd.concat(parts),
        sim=pd.concat(frames) if frames else None,
        rows=rows,
        water_balance_lp_hm3=lp_bal,
        water_balance_simulation_hm3=sim_bal,
        cutbacks_mwh=cut_mwh,
    )


def _balance_error_hm3(network: Network, schedule: pd.DataFrame, dt: float) -> float:
    v0 = np.array([[r.initial_volume_hm3] for r in network.reservoirs])
    v = np.hstack([v0, np.vstack([schedule[f"{r} volume_hm3"].to_numpy() for r in network.reservoir_names])])
    inflow = np.vstack([schedule[f"{r} inflow_m3s"].to_numpy() for r in network.reservoir_names])
    q = np.vstack([schedule[f"{c.name} flow_m3s"].to_numpy() for c in network.flow_columns()])
    return float(np.max(np.abs(network.water_balance_error_hm3(v, inflow, q, dt))))


#: The groups compared between LP and simulator: label → the network's power column.
GROUPS = {
    "conventional": "Lianghekou conventional",
    "reversible_generation": REVERSIBLE,
    "pumping": PUMP,
    "yagen_i_units": "Yagen-I units",
}


@dataclass(frozen=True, kw_only=True)
class Replay:
    """A network schedule replayed through the nonlinear simulator (``ReplayPolicy``, flows).

    energy_mwh : simulator energy per group of :data:`GROUPS`; lp_vs_simulation : (simulator − LP) / LP per
    group [-]; figures : :func:`reversible_figures` of the simulator's frame; water balances : largest residual
    per reservoir and step [hm³]; cutbacks_mwh : energy cut back [MWh]; yagen_i_units_water_hm3 : water through
    Yagen-I's units in the simulator [hm³].
    """

    energy_mwh: Mapping[str, float]
    lp_vs_simulation: Mapping[str, float]
    figures: ReversibleFigures
    water_balance_lp_hm3: float
    water_balance_simulation_hm3: float
    cutbacks_mwh: float
    yagen_i_units_water_hm3: float


def _compare(network: Network, chain: _Chain, dt: float) -> Replay:
    """LP against simulator energy per group of a closed-loop chain (:func:`_chain`)."""
    assert chain.sim is not None
    lp, frame = chain.lp, chain.sim
    energy, err = {}, {}
    for label, col in GROUPS.items():
        lp_e = float(lp[f"{col} power_mw"].sum() * dt)
        sim_e = float(frame[f"{col} power_mw"].sum() * dt)
        energy[label] = sim_e
        err[label] = (sim_e - lp_e) / lp_e if lp_e else math.nan
    return Replay(
        energy_mwh=energy,
        lp_vs_simulation=err,
        figures=reversible_figures(frame, network),
        water_balance_lp_hm3=chain.water_balance_lp_hm3,
        water_balance_simulation_hm3=chain.water_balance_simulation_hm3,
        cutbacks_mwh=chain.cutbacks_mwh,
        yagen_i_units_water_hm3=float(
            frame[f"{GROUPS['yagen_i_units']} flow_m3s"].sum() * HM3_PER_M3S_HOUR * dt
        ),
    )


def replay(
    network: Network,
    year: Scenario,
    run: RunResult,
    *,
    window_days: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Replay:
    """A run's plan replayed through the simulator in closed loop: daily LP windows (successive head from the
    run's heads), each ending at the run's volumes (≥), each from the simulator's end state of the window
    before (see :func:`_chain`), with the run's daily energy of the reversible units as each window's target.
    For an LP plan such as :func:`capability` (an annual LP, whose open-loop replay drifts on a plant held at
    its bounds)."""
    say = progress or (lambda _text: None)
    days = iv.positive_int("window_days", window_days, "replay()")
    starts = _window_starts(year.index, days)
    ends = [*starts[1:], year.n_steps]
    p = run.schedule[f"{REVERSIBLE} power_mw"].to_numpy(dtype=float) * year.dt_h
    targets = [float(p[a:b].sum()) for a, b in zip(starts, ends, strict=True)]
    chain = _chain(
        network,
        year,
        starts,
        targets,
        solved_heads(network, run.schedule),
        run.schedule,
        unit_commitment=False,
        time_limit_s=WINDOW_TIME_LIMIT_S,
        say=say,
    )
    return _compare(network, chain, year.dt_h)


def duty(
    network: Network | None = None,
    year: Scenario | None = None,
    *,
    target_mwh: float | None = None,
    window_days: int = 1,
    window_head: Literal["successive", "fixed"] = "successive",
    unit_commitment: bool = True,
    window_time_limit_s: float = WINDOW_TIME_LIMIT_S,
    start_head_m: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
) -> DutyResult:
    """The duty run (see the module notes): annual LP with the target, LP and MILP windows with the target
    split pro rata, the MILP schedule replayed through the simulator.

    Parameters
    ----------
    network : :func:`lianghekou_network` by default. year : the design-basis reference year by default.
    target_mwh : the reversible units' generation over ``year``; the duty pro-rated by default
        (:func:`duty_target_mwh`). [MWh]
    window_days : local days per window (1 by default: a day's MILP takes ≈ 0.2 s a head iteration, a
        week's 3–60 s on a loaded 2-core machine, measured with ``benchmarks/reversible_duty.py``; the
        daily pump–generate balance closes each day's cycle either way).
    window_head : ``"successive"`` (default): each window iterates its heads from the annual LP's to its
        own schedule's (the MILP windows from their LP windows' converged heads), so the LP's power is the
        physics' at the window's own levels; ``"fixed"``: at the annual LP's heads (≈ 3× faster, but
        Yagen-I's 22 m head moves by metres between the two schedules: ±1–5 % per group in the replay,
        measured on a July fortnight). Measured 2026-12-01, replay against LP per group: the LP windows
        within 0.15 % on a January, a May and a July week; the MILP windows (closed loop) within 0.05 % in
        May and July and within 0.42 % in the first week of January (Yagen-I's units; they were −1.7 %
        while the simulator tripped a unit the MILP held at its minimum for a head 0.04 m lower, before
        :data:`hydro_sim.constants.HEAD_TOLERANCE_M` set the round-off there).
    unit_commitment : solve the windows as MILPs (default) or only as LPs (then ``windows_milp`` is the LP
        chain).
    window_time_limit_s : time limit of each window's solve; a MILP stopped by it keeps its incumbent. [s]
    start_head_m : (G, T) gross heads the annual LP's successive-head loop starts from (e.g.
        :func:`solved_heads` of the capability run: fewer iterations); the initial levels' if None. [m]
    progress : called with a short text before each stage and after each window.

    Raises
    ------
    DutySolveError
        A dispatch came back without a schedule (e.g. a target the window cannot meet: its diagnosis).
    """
    where = "duty()"
    net = lianghekou_network() if network is None else network
    sc = _year(year)
    say = progress or (lambda _text: None)
    e_total = duty_target_mwh(sc) if target_mwh is None else iv.non_negative("target_mwh", target_mwh, where)
    days = iv.positive_int("window_days", window_days, where)
    if window_head not in ("successive", "fixed"):
        raise iv.fail("window_head", "must be 'successive' or 'fixed'", window_head, where)
    if not isinstance(unit_commitment, bool):
        raise iv.fail("unit_commitment", "must be True or False", unit_commitment, where)
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    say("duty: annual LP with the whole target (successive head)")
    res, took = _dispatch(
        net,
        sc,
        "annual duty LP",
        generation_mwh={REVERSIBLE: e_total},
        **_head_kw("successive", start_head_m),
    )
    timings["annual_lp"] = took
    annual = RunResult(
        label="annual LP, whole target",
        dispatch=res,
        schedule=res.schedule,
        figures=reversible_figures(res.schedule, net),
        solve_s=took,
    )
    heads = solved_heads(net, res.schedule)
    starts = _window_starts(sc.index, days)
    ends = [*starts[1:], sc.n_steps]
    targets = [e_total * (b - a) / sc.n_steps for a, b in zip(starts, ends, strict=True)]
    say(f"duty: {len(starts)} LP windows of {days} days, target split pro rata")
    t0 = time.perf_counter()
    lp_chain = _chain(
        net,
        sc,
        starts,
        targets,
        heads,
        res.schedule,
        unit_commitment=False,
        time_limit_s=window_time_limit_s,
        say=say,
        head=window_head,
        closed_loop=not unit_commitment,
    )
    lp_sched, lp_rows = lp_chain.lp, lp_chain.rows
    timings["lp_windows"] = time.perf_counter() - t0
    windows_lp = RunResult(
        label="LP windows, pro-rata split",
        dispatch=res,
        schedule=lp_sched,
        figures=reversible_figures(lp_sched, net),
        solve_s=timings["lp_windows"],
    )
    final = lp_chain
    if unit_commitment:
        say(f"duty: {len(starts)} MILP windows (unit commitment)")
        t0 = time.perf_counter()
        # successive windows start from the heads their LP windows converged to (fewer MILPs per window)
        milp_start = solved_heads(net, lp_sched) if window_head == "successive" else heads
        final = _chain(
            net,
            sc,
            starts,
            targets,
            milp_start,
            res.schedule,
            unit_commitment=True,
            time_limit_s=window_time_limit_s,
            say=say,
            head=window_head,
        )
        timings["milp_windows"] = time.perf_counter() - t0
    milp_sched, milp_rows = final.lp, final.rows
    windows_milp = RunResult(
        label="MILP windows, pro-rata split" if unit_commitment else "LP windows, pro-rata split",
        dispatch=res,
        schedule=milp_sched,
        figures=reversible_figures(milp_sched, net),
        solve_s=timings.get("milp_windows", timings["lp_windows"]),
    )
    table = pd.DataFrame(
        {
            "start": [r["start"] for r in lp_rows],
            "hours": [r["hours"] for r in lp_rows],
            "target_mwh": targets,
            "lp_revenue": [r["revenue"] for r in lp_rows],
            "milp_revenue": [r["revenue"] for r in milp_rows],
            "milp_status": [r["status"] for r in milp_rows],
            "milp_gap": [r["mip_gap"] for r in milp_rows],
            "milp_head_iterations": [r["head_iterations"] for r in milp_rows],
            "lp_solve_s": [r["solve_s"] for r in lp_rows],
            "milp_solve_s": [r["solve_s"] for r in milp_rows],
        }
    )
    rep = _compare(net, final, sc.dt_h)
    timings["total"] = time.perf_counter() - t_all
    annual_rev = annual.figures.revenue
    return DutyResult(
        target_mwh=e_total,
        window_days=days,
        annual_lp=annual,
        windows_lp=windows_lp,
        windows_milp=windows_milp,
        windows=table,
        split="pro_rata",
        split_cost=1.0 - windows_lp.figures.revenue / annual_rev if annual_rev else math.nan,
        commitment_cost=1.0 - windows_milp.figures.revenue / windows_lp.figures.revenue
        if windows_lp.figures.revenue
        else math.nan,
        simulation_figures=rep.figures,
        lp_vs_simulation=rep.lp_vs_simulation,
        water_balance_lp_hm3=rep.water_balance_lp_hm3,
        water_balance_simulation_hm3=rep.water_balance_simulation_hm3,
        simulation_cutbacks_mwh=rep.cutbacks_mwh,
        yagen_i_units_mwh=rep.energy_mwh["yagen_i_units"],
        yagen_i_units_water_hm3=rep.yagen_i_units_water_hm3,
        unit_commitment=unit_commitment,
        timings_s=timings,
    )


# ---- inverse and sensitivity ------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class InverseResult:
    """The usable Yagen-I volume at which the capability equals the duty (None if not in the range).

    root_hm3 : the volume; status : ``"solved"`` or why not; ramp_m3s_per_h : the reach's ramp limit used;
    target_mwh : the duty matched; runs : every re-dispatch (volume, capability generation, head change).
    """

    root_hm3: float | None
    status: str
    ramp_m3s_per_h: float
    target_mwh: float
    runs: pd.DataFrame


def volume_inverse(
    year: Scenario | None = None,
    *,
    ramp_m3s_per_h: float = YAGEN_I_DEFAULT_RAMP_M3S_PER_H,
    lo_hm3: float = 1.0,
    hi_hm3: float | None = None,
    start_head_m: np.ndarray | None = None,
    head: Literal["successive", "fixed"] = "fixed",
    xtol_hm3: float = VOLUME_XTOL_HM3,
    progress: Callable[[str], None] | None = None,
) -> InverseResult:
    """Brent's method on capability(V) − duty over the usable Yagen-I volume V ∈ [lo, hi], the reach below
    Yagen-I ramp-limited (``ramp_m3s_per_h``): each evaluation is a capability re-dispatch of
    ``lianghekou_network(lower_usable_volume_hm3=V, river_max_ramp_m3s_per_h=ramp)``, at fixed head
    ``start_head_m`` by default (the heads of a base capability run; the head change is reported per run).

    ``hi_hm3`` defaults to the MIKE table's 21.1 hm³.
    """
    where = "volume_inverse()"
    sc = _year(year)
    say = progress or (lambda _text: None)
    target = duty_target_mwh(sc)
    base = lianghekou_network(river_max_ramp_m3s_per_h=ramp_m3s_per_h)
    hi = base.node(LOWER).usable_volume_hm3 if hi_hm3 is None else iv.positive("hi_hm3", hi_hm3, where)  # type: ignore[union-attr]
    lo = iv.positive("lo_hm3", lo_hm3, where)
    if lo >= hi:
        raise iv.fail("lo_hm3", f"must be below hi_hm3 ({hi:g})", lo, where)
    rows: list[dict] = []
    cache: dict[float, float] = {}

    def g(v: float) -> float:
        if v not in cache:
            net = lianghekou_network(lower_usable_volume_hm3=v, river_max_ramp_m3s_per_h=ramp_m3s_per_h)
            run = capability(net, sc, head=head, start_head_m=start_head_m)
            cache[v] = run.figures.generation_mwh - target
            say(f"  inverse: V = {v:.3f} hm³ → {run.figures.generation_mwh:,.0f} MWh")
            rows.append(
                {
                    "usable_volume_hm3": v,
                    "capability_mwh": run.figures.generation_mwh,
                    "yagen_swing_m": run.figures.yagen_swing_m,
                    "head_change_m": run.dispatch.head_change_m,
                    "solve_s": run.solve_s,
                }
            )
        return cache[v]

    g_lo, g_hi = g(lo), g(hi)
    if g_lo * g_hi > 0:
        status = (
            f"not reached in [{lo:g}, {hi:g}] hm³: the capability goes from {g_lo + target:,.0f} to "
            f"{g_hi + target:,.0f} MWh against the duty's {target:,.0f} MWh"
        )
        return InverseResult(
            root_hm3=None,
            status=status,
            ramp_m3s_per_h=ramp_m3s_per_h,
            target_mwh=target,
            runs=pd.DataFrame(rows),
        )
    root = float(brentq(g, lo, hi, xtol=xtol_hm3, rtol=1e-6, maxiter=30))
    return InverseResult(
        root_hm3=root,
        status="solved",
        ramp_m3s_per_h=ramp_m3s_per_h,
        target_mwh=target,
        runs=pd.DataFrame(rows),
    )


def _scaled_spread(year: Scenario, factor: float) -> Scenario:
    """Prices with their spread around the flat (median) price scaled by ``factor``."""
    price = year.price_per_mwh
    flat = float(price.median())
    return dataclasses.replace(
        year, price_per_mwh=flat + factor * (price - flat), name=f"{year.name}, spread ×{factor:g}"
    )


def rated_cycle_efficiency(network: Network) -> float:
    """η_t η_p (H − kQ_g²)/(H + kQ_p²) of the reversible units at the initial gross head, full flow and full
    pumping input (the rated point of :func:`~hydro_sim.cases.lianghekou.annual_check.rated_cycle_efficiency`). [-]"""
    from hydro_sim.optimise._data import pump_cap_flow

    link = network.link(REVERSIBLE)
    assert isinstance(link, PumpTurbineLink)
    u = link.units
    hg = network.node(UPPER).initial_level_masl - network.node(LOWER).initial_level_masl  # type: ignore[union-attr]
    k = u.head_loss_coefficient_s2_per_m5
    qg = u.max_total_flow_m3s
    qp = float(
        pump_cap_flow(
            u.max_total_pumping_power_mw, np.array([hg]), k, np.array([u.reference_pump_efficiency])
        )[0]
    )
    return u.reference_turbine_efficiency * u.reference_pump_efficiency * (hg - k * qg**2) / (hg + k * qp**2)


def with_cycle_efficiency(network: Network, cycle: float) -> Network:
    """The network with the reversible units' η_t = η_p scaled so that the rated cycle efficiency is ``cycle``."""
    link = network.link(REVERSIBLE)
    assert isinstance(link, PumpTurbineLink)
    f = math.sqrt(cycle / rated_cycle_efficiency(network))
    u = link.units
    units = dataclasses.replace(
        u,
        turbine_efficiency=u.reference_turbine_efficiency * f,
        pump_efficiency=u.reference_pump_efficiency * f,
    )
    new = dataclasses.replace(link, units=units)
    links = tuple(new if x.name == REVERSIBLE else x for x in network.links)
    return dataclasses.replace(network, links=links)


def sensitivity(
    year: Scenario | None = None,
    *,
    base_capability: RunResult | None = None,
    base_duty_lp: RunResult | None = None,
    progress: Callable[[str], None] | None = None,
    beside: bool = False,
) -> pd.DataFrame:
    """Capability and the annual duty LP under one change at a time, as a DataFrame.

    Rows: base; cycle efficiency 0.75 and 0.80 at the rated point; Yagen-I usable volume ½× and 2×; the reach's
    ramp 5 m³/s per h and none; tariff spread ×0.5 and ×1.25 around the flat price; the head range imposed
    (ASSUMPTION ratio 1.3, :func:`default_head_range_m`, on the reversible link's net heads: the LP caps each
    step's flow to the range at its head, or closes the mode). Each change is re-dispatched at fixed head at
    the base runs' heads (``head_change_m`` says how far the solved heads moved).

    ``beside``: every other case in a child process beside this one (:mod:`hydro_sim._children`; on two or
    more cores): the same table, bit for bit, in about half the time.

    Columns: parameter, case, capability_mwh, duty_pumping_mwh, duty_cycle_efficiency, duty_revenue,
    capability_revenue, duty_yagen_swing_m, duty_river_hours_at_minimum, capability_head_change_m, method.
    """
    from hydro_sim._children import Child, can_run_beside

    sc = _year(year)
    say = progress or (lambda _text: None)
    base_net = lianghekou_network()
    if base_capability is None:
        say("sensitivity: base capability")
        base_capability = capability(base_net, sc)
    if base_duty_lp is None:
        say("sensitivity: base annual duty LP")
        res, took = _dispatch(
            base_net,
            sc,
            "annual duty LP",
            generation_mwh={REVERSIBLE: duty_target_mwh(sc)},
            **_head_kw("successive", None),
        )
        base_duty_lp = RunResult(
            label="annual LP",
            dispatch=res,
            schedule=res.schedule,
            figures=reversible_figures(res.schedule, base_net),
            solve_s=took,
        )
    h_cap = solved_heads(base_net, base_capability.dispatch.schedule)
    h_duty = solved_heads(base_net, base_duty_lp.dispatch.schedule)
    n = len(_sensitivity_cases(sc))
    mine = list(range(n))
    child = None
    if beside and can_run_beside():
        theirs, mine = mine[0::2], mine[1::2]
        say(f"sensitivity: {len(theirs)} of the {n} cases in a child process beside this one")
        kw = {"year": sc, "cap_heads_m": h_cap, "duty_heads_m": h_duty, "which": theirs}
        child = Child("hydro_sim.cases.lianghekou.duty", "sensitivity_rows", kw)
    try:
        rows = dict(zip(mine, sensitivity_rows(sc, h_cap, h_duty, mine, progress=say), strict=True))
        if child is not None:
            rows |= dict(zip(theirs, child.result()[0], strict=True))
    finally:
        if child is not None:
            child.close()
    base = _sensitivity_row(
        "base", "defaults", base_capability.figures, base_duty_lp.figures, 0.0, "successive-head LP"
    )
    return pd.DataFrame([base, *(rows[i] for i in range(n))])


def _sensitivity_cases(sc: Scenario) -> list[tuple[str, str, Network, Scenario]]:
    """The sensitivity table's cases in its order: (parameter, case, network, year)."""
    base_net = lianghekou_network()
    usable = base_net.node(LOWER).usable_volume_hm3  # type: ignore[union-attr]
    cases: list[tuple[str, str, Network, Scenario]] = []
    for c in CYCLE_EFFICIENCY_CONVENTION:
        cases.append(
            ("cycle efficiency", f"{c:.2f} at the rated point", with_cycle_efficiency(base_net, c), sc)
        )
    for v in (0.5 * usable, 2.0 * usable):
        cases.append(
            ("Yagen-I usable volume", f"{v:.1f} hm³", lianghekou_network(lower_usable_volume_hm3=v), sc)
        )
    for r in (5.0, math.inf):
        text = "none" if math.isinf(r) else f"{r:g} m³/s per h"
        cases.append(("release ramp", text, lianghekou_network(river_max_ramp_m3s_per_h=r), sc))
    for f in (0.5, 1.25):
        cases.append(("tariff spread", f"×{f:g} around the flat price", base_net, _scaled_spread(sc, f)))

    rng = default_head_range_m(base_net)
    ranged = lianghekou_network(
        reversible_generating_head_range_m=_net_range(base_net, rng, "generate"),
        reversible_pumping_head_range_m=_net_range(base_net, rng, "pump"),
    )
    cases.append(
        (
            "head range",
            f"gross {rng[0]:.1f}–{rng[1]:.1f} m (ratio {HEAD_RANGE_RATIO:g}, ASSUMPTION)",
            ranged,
            sc,
        )
    )
    return cases


def sensitivity_rows(
    year: Scenario,
    cap_heads_m: np.ndarray,
    duty_heads_m: np.ndarray,
    which: list[int],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Rows ``which`` of :func:`sensitivity`'s cases (after its base row), each re-dispatched at fixed head:
    the capability at ``cap_heads_m``, the duty's annual LP at ``duty_heads_m`` (both (G, T) [m])."""
    say = progress or (lambda _text: None)
    cases = _sensitivity_cases(year)
    target = duty_target_mwh(year)
    rows = []
    for i in which:
        parameter, case, net, year_case = cases[i]
        say(f"sensitivity: {parameter}, {case}")
        cap = capability(net, year_case, head="fixed", start_head_m=cap_heads_m)
        res, _ = _dispatch(
            net, year_case, "duty LP", generation_mwh={REVERSIBLE: target}, **_head_kw("fixed", duty_heads_m)
        )
        rows.append(
            _sensitivity_row(
                parameter,
                case,
                cap.figures,
                reversible_figures(res.schedule, net),
                cap.dispatch.head_change_m,
                "fixed-head LP at the base heads",
            )
        )
    return rows


def _sensitivity_row(
    parameter: str,
    case: str,
    cap: ReversibleFigures,
    dut: ReversibleFigures,
    head_change: float,
    method: str,
) -> dict:
    return {
        "parameter": parameter,
        "case": case,
        "capability_mwh": cap.generation_mwh,
        "duty_generation_mwh": dut.generation_mwh,
        "duty_pumping_mwh": dut.pumping_mwh,
        "duty_cycle_efficiency": dut.cycle_efficiency,
        "duty_revenue": dut.revenue,
        "capability_revenue": cap.revenue,
        "duty_yagen_swing_m": dut.yagen_swing_m,
        "duty_river_hours_at_minimum": dut.river_hours_at_minimum,
        "capability_head_change_m": head_change,
        "method": method,
    }


def _net_range(network: Network, gross: tuple[float, float], mode: str) -> tuple[float, float]:
    """A gross-head range as the net-head range of one mode at full flow (generating: less the loss at full
    flow at the low end; pumping: plus the loss at full input at the top), so that the simulator's check on
    the net head lets every step run whose gross head is in range."""
    link = network.link(REVERSIBLE)
    assert isinstance(link, PumpTurbineLink)
    k = link.units.head_loss_coefficient_s2_per_m5
    q = link.units.max_total_flow_m3s
    loss = k * q * q
    if mode == "generate":
        return (gross[0] - loss, gross[1])
    return (gross[0], gross[1] + loss)


# ---- the Markdown section ---------------------------------------------------------------------------------
def _yi(mwh: float) -> str:
    return f"{mwh / MWH_PER_YI_KWH:.2f} × 10⁸ kWh"


def _twh(mwh: float) -> str:
    return f"{mwh / MWH_PER_TWH:.3f} TWh"


def render_duty_section(
    cap: RunResult,
    dut: DutyResult,
    *,
    inverse: InverseResult | None = None,
    sensitivity_table: pd.DataFrame | None = None,
    network: Network | None = None,
) -> str:
    """The Markdown section on the reversible units: leads with the duty against the capability, then what
    the duty implies against each design convention, the split, the replay, the inverse and the sensitivity."""
    net = lianghekou_network() if network is None else network
    f = dut.windows_milp.figures
    c = cap.figures
    u = utilisation(c.generation_mwh * HOURS_PER_YEAR / c.hours, net)
    pro = c.hours / HOURS_PER_YEAR
    window_note = (
        ""
        if pro == 1.0
        else f" (a {c.hours:g}-hour window: the duty pro rata, {dut.target_mwh:,.0f} MWh; no check of the annual figure)"
    )
    within = "within" if dut.target_mwh <= c.generation_mwh else "beyond"
    lines = [
        "## Reversible units: duty and capability",
        "",
        (
            f"**The duty of 13.97 × 10⁸ kWh = 1.397 TWh is {within} the plant's capability of {_twh(c.generation_mwh)} "
            f"under the tariff{window_note}; imposed, it implies {_yi(f.pumping_mwh)} of pumping at a cycle efficiency "
            f"of {f.cycle_efficiency:.3f}, {f.equivalent_cycles:.0f} equivalent {f.store_hours_h:g}-hour cycles, and a "
            f"Yagen-I swing of {f.yagen_swing_m:.2f} m.**"
        ),
        "",
        (
            "Unit conversion: 亿 = 10⁸, so 13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = 1,397,000 MWh (pumped-water basis, "
            "按照抽发水量平衡折算)."
        ),
        "",
        (
            f"- Capability (revenue optimum at the Sichuan TOU tariff, daily pump–generate balance, three-node network, "
            f"successive-head LP): {_twh(c.generation_mwh)}, {c.full_load_hours:,.0f} full-load hours, "
            f"{c.equivalent_cycles:.0f} equivalent {c.store_hours_h:g}-hour cycles. An upper bound: a user-side tariff "
            "pays cycling in every peak hour; the duty comes from the receiving grid's production simulation."
        ),
        (
            f"- Duty run: {dut.target_mwh:,.0f} MWh imposed, windows of {dut.window_days} day(s) with the target split "
            "pro rata, "
            + ("unit commitment (MILP)" if dut.unit_commitment else "LPs (no unit commitment)")
            + f", Yagen-I's release limits, each window from the simulator's state; generation {f.generation_mwh:,.0f} MWh."
        ),
        "",
        "| implied by the duty | model | design convention |",
        "|---|---|---|",
        f"| pumping energy | {_yi(f.pumping_mwh)} | {_yi(PUMPING_CONVENTION_MWH[0] * pro)} … {_yi(PUMPING_CONVENTION_MWH[1] * pro)} |",
        f"| cycle efficiency (generation / pumping) | {f.cycle_efficiency:.3f} | {CYCLE_EFFICIENCY_CONVENTION[0]:.2f} … {CYCLE_EFFICIENCY_CONVENTION[1]:.2f} |",
        f"| cycled water (pumped) | {f.pumped_water_hm3 / HM3_PER_YI_M3:.1f} × 10⁸ m³ | ≈ {CYCLED_WATER_CONVENTION_HM3 * pro / HM3_PER_YI_M3:.1f} × 10⁸ m³ |",
        f"| full-load hours a day on the {f.days_used} days used (mean / largest) | {f.mean_daily_full_load_h:.2f} / {f.max_daily_full_load_h:.2f} h | {FULL_LOAD_DURATION_CONVENTION_H[0]:g}–{FULL_LOAD_DURATION_CONVENTION_H[1]:g} h |",
        f"| longest run of generating hours | {f.longest_generating_run_h:g} h | – |",
        f"| equivalent full cycles of a {f.store_hours_h:g}-hour store | {f.equivalent_cycles:.0f} | – |",
        f"| Yagen-I level range (swing; mean / largest daily swing) | {f.yagen_level_min_masl:.2f} … {f.yagen_level_max_masl:.2f} m ({f.yagen_swing_m:.2f} m; {f.yagen_mean_daily_swing_m:.2f} / {f.yagen_max_daily_swing_m:.2f} m) | 2,598 … 2,605 m band |",
        f"| flow below Yagen-I (largest hourly change) | {f.river_min_m3s:.1f} … {f.river_max_m3s:.1f} m³/s ({f.river_max_hourly_change_m3s:.1f} m³/s per h) | ramp limit (ASSUMPTION) |",
        f"| hours at the environmental minimum / above 1,616 m³/s | {f.river_hours_at_minimum:,.0f} / {f.river_hours_above_plant_discharge:,.0f} h | – |",
        f"| hours outside the gross-head range {f.head_range_m[0]:.1f}–{f.head_range_m[1]:.1f} m (ASSUMPTION, ratio {HEAD_RANGE_RATIO:g}) | {f.hours_outside_head_range:,.0f} h (heads run {f.gross_head_min_m:.1f}–{f.gross_head_max_m:.1f} m) | 0 |",
        "",
        (
            f"Split: pro rata to hours. Against the annual LP that places the whole target freely, the LP windows lose "
            f"{100 * dut.split_cost:.2f} % of the revenue (the split's effect); "
            + (
                f"unit commitment costs a further {100 * dut.commitment_cost:.2f} %."
                if dut.unit_commitment
                else "unit commitment left out (`--unit-commitment` adds it)."
            )
            + f" The annual LP itself pumps {_yi(dut.annual_lp.figures.pumping_mwh)} "
            f"(cycle efficiency {dut.annual_lp.figures.cycle_efficiency:.3f})."
        ),
        "",
        "Replay through the nonlinear simulator, closed loop (simulator − LP energy): "
        + ", ".join(
            f"{k.replace('_', ' ').replace('yagen i', 'Yagen-I')} {100 * v:+.3f} %"
            for k, v in dut.lp_vs_simulation.items()
        )
        + f"; water balance {max(dut.water_balance_lp_hm3, dut.water_balance_simulation_hm3):.1e} hm³ "
        f"(LP {dut.water_balance_lp_hm3:.1e}, simulator {dut.water_balance_simulation_hm3:.1e}); "
        f"{dut.simulation_cutbacks_mwh:,.0f} MWh cut back.",
        "",
        (
            f"Utilisation in place of the every-day cap: the duty is {u.duty_full_load_hours:,.0f} full-load hours a year "
            f"({u.duty_equivalent_cycles:.0f} equivalent {u.store_hours_h:g}-hour cycles), the capability "
            f"{u.capability_full_load_hours:,.0f} h ({u.capability_equivalent_cycles:.0f} cycles): the duty is "
            f"{100 * u.duty_share_of_capability:.0f} % of it. Yagen-I's usable {net.node(LOWER).usable_volume_hm3:.1f} hm³ "  # type: ignore[union-attr]
            f"holds {u.yagen_store_hours_h:.1f} h of full generation."
        ),
    ]
    if inverse is not None:
        ramp = "none" if math.isinf(inverse.ramp_m3s_per_h) else f"{inverse.ramp_m3s_per_h:g} m³/s per h"
        if inverse.root_hm3 is not None:
            lines += [
                "",
                (
                    f"Inverse under physical limits: with the release below Yagen-I ramp-limited ({ramp}), the capability "
                    f"equals the duty at a usable Yagen-I volume of **{inverse.root_hm3:.2f} hm³** "
                    f"({len(inverse.runs)} re-dispatches)."
                ),
            ]
        else:
            lines += ["", f"Inverse under physical limits (ramp {ramp}): {inverse.status}."]
    if sensitivity_table is not None and not sensitivity_table.empty:
        lines += [
            "",
            "| parameter | case | capability | duty pumping | duty cycle eff. | Yagen-I swing |",
            "|---|---|---|---|---|---|",
        ]
        for r in sensitivity_table.itertuples():
            lines.append(
                f"| {r.parameter} | {r.case} | {_twh(r.capability_mwh)} | "
                f"{_yi(r.duty_pumping_mwh)} | {r.duty_cycle_efficiency:.3f} | {r.duty_yagen_swing_m:.2f} m |"
            )
    return "\n".join(lines) + "\n"
