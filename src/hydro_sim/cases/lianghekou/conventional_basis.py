"""The conventional units on a regulated-reservoir basis: Lianghekou run on a compensation rule curve.

The published 110.62亿 kWh = 110.62 × 10⁸ kWh = 11.062 × 10⁹ kWh = **11.062 TWh** (亿 = 10⁸; sources §1, H
for ≈ 110亿) is the multi-year mean of the 6 × 500 MW conventional units of a completely multi-year
regulating reservoir (完全多年调节, §1). A one-year revenue LP that starts at an assumed level and must end no
lower is a dispatch result, not that basis (DESIGN.md §6). This module builds the basis a reservoir engineer
runs for a design energy figure:

1. **Hydrology**: :func:`~hydro_sim.cases.lianghekou.hydrology.mean_year` and
   :func:`~hydro_sim.cases.lianghekou.hydrology.multi_year_series` (synthetic, seeded, mean 664 m³/s).
2. **Rule curve** (:func:`rule_curve_levels_masl`): twelve end-of-month levels. Anchors: the normal pool
   level 2,865 m at the end of October (sourced level, §1, H; first reached on 2024-10-25) and the dead level
   2,785 m at the end of May (sourced level, §1, M); the regulating storage between them, 6,560 hm³, is the
   sourced 65.6 × 10⁸ m³. Between the anchors the curve is the **equal-release (compensation) curve** of the
   mean year: November–May release one constant flow that draws the regulating storage down, June–October one
   constant flow that refills it (ASSUMPTION: the shape of the curve between its sourced anchors; a
   compensation reservoir evens out its release to raise the dry-season flow downstream, §C of the second
   addendum: "通过补偿调节…增加平枯期年发电量"). Cyclic: the end-of-December level is the start level.
3. **Operation** (:func:`run_rule_curve`, :func:`plan_periods`): the plan steps by **dekad** (旬: days 1–10,
   11–20, 21–end of each month, the step of Chinese operating charts and long-series energy calculations) and
   follows the curve wherever the water allows: a dekad's planned end volume is the curve's at that time (the
   end-of-month volumes, linear in time within a month), moved only as far as needed to keep the release
   between the environmental minimum (66.4 m³/s, ASSUMPTION §5) and the units' full flow (more water would
   spill), within the dead and normal pool volumes. The start volume of a series is the fixed point of that
   plan, so the end volume equals the start volume (cyclic). Then **one hourly LP per dekad** (successive head,
   energy objective at a flat price, reversible units **off**) must end the dekad at the plan's volume exactly
   (``end="fixed"``) and keep the level inside the band between the dekad's start and end levels (the
   reservoir's ``monthly_min_level_masl``/``monthly_max_level_masl``). Why short windows with end targets and
   not a free year: a design energy calculation follows the operating chart (调度图) period by period; the LP
   only places a dekad's water within the dekad (an energy optimum: keep the head up, store a flood rather than
   spill it), it cannot move water between periods against the curve. Whole-month periods
   (``period="month"``) give the LP more of that freedom; a run with no optimisation at all, the volume moved
   linearly within each period and every hour's inflow surplus over the full flow spilled
   (:attr:`BasisRun.linear_path_generation_mwh`), is the lower cross-check. Why the energy objective: the
   published figure is energy; intra-day peaking at the TOU tariff is a dispatch question (it adds waterway
   losses), not the design basis.
4. **Tailwater**: Yagen-I's pool held at 2,601.5 ± 0.1 m (ASSUMPTION: the mid-band level of the MIKE model's
   2,598–2,605 m, the level of the network's head calibration; Yagen-I's own plant re-regulates the flow, so
   its pool is not free to fall and lend the conventional units head). The two-node :func:`lianghekou` plant
   is used (the three-node network costs ≈ 24 s a year per solve, too slow for 30 years of dekads);
   with reversible units off and the pool held, the third node changes nothing for the conventional units.
5. **Replay**: the hourly schedule through the nonlinear simulator (``ReplayPolicy``, flows), whose energy is
   the reported figure; LP and simulator must agree within 0.5 % per group and both balances close to 1e-6 hm³.

The reversible units' pumped-water cycle is **off**: the published 110.62亿 kWh is the conventional units'
(the design of 2014 predates the hybrid), and turbining natural inflow through the reversible units would be
a different plant.

Output coefficient (the second addendum §C): Chinese design practice writes N = A·Q·H [kW] with A ≈ 8.0–8.5 for
large plants (overall η = A/g ≈ 0.82–0.87). The plant's η_t = 0.92 (ASSUMPTION, wire-to-water) is A = 9.03.
:attr:`BasisRun.output_coefficient_energy_mwh` recomputes the energy as A·ΣQ·H_net·Δt from the run's own
flows and net heads (exact for the same schedule: with a flat price the LP's optimum does not depend on η).

Examples
--------
>>> levels = rule_curve_levels_masl()
>>> levels[4], levels[9], round(levels[11], 1)   # end of May, of October, of December (= the start)
(2785.0, 2865.0, 2849.9)
>>> round(PUBLISHED_CONVENTIONAL_MWH / 1e6, 3)   # 110.62亿 kWh in TWh
11.062
"""

from __future__ import annotations

import calendar
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.cases.lianghekou.hydrology import MEAN_YEAR_SHARE_PCT, mean_year, multi_year_series
from hydro_sim.cases.lianghekou.plant import (
    DEAD_LEVEL_MASL,
    MEAN_INFLOW_M3S,
    NORMAL_POOL_LEVEL_MASL,
    YAGEN_I_CALIBRATION_LEVEL_MASL,
    lianghekou,
)
from hydro_sim.constants import G_M_S2, HM3_PER_M3S_HOUR, MWH_PER_YI_KWH, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.errors import HydroSimError
from hydro_sim.optimise import dispatch
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import ReplayPolicy, simulate

__all__ = [
    "LP_SIMULATOR_TOLERANCE",
    "OUTPUT_COEFFICIENTS",
    "PUBLISHED_CONVENTIONAL_MWH",
    "PUBLISHED_CONVENTIONAL_YI_KWH",
    "SENSITIVITY_CASES",
    "BasisRun",
    "ConventionalBasis",
    "basis_plant",
    "conventional_basis",
    "linear_path_energy_mwh",
    "mean_year_sensitivity",
    "plan_periods",
    "render_markdown",
    "rule_curve_levels_masl",
    "run_rule_curve",
]

#: The design mean annual generation of the conventional units: 110.62亿 kWh (sources §1, ttnews; H for ≈ 110).
PUBLISHED_CONVENTIONAL_YI_KWH = 110.62
#: The same in MWh: 110.62 × 10⁸ kWh / 10³ kWh/MWh = 11,062,000 MWh = 11.062 TWh. [MWh]
PUBLISHED_CONVENTIONAL_MWH = PUBLISHED_CONVENTIONAL_YI_KWH * MWH_PER_YI_KWH
#: Output coefficients A of N = A·Q·H [kW] for the sensitivity (second addendum §C: A ≈ 8.0–8.5). [kW/(m³/s·m)]
OUTPUT_COEFFICIENTS = (8.0, 8.3, 8.5)
#: The month at whose end the curve reaches the normal pool level (October; "by late October"). [1–12]
REFILL_MONTH = 10
#: The month at whose end the curve reaches its drawdown level (May; "by late May/June"). [1–12]
DRAWDOWN_MONTH = 5
#: ASSUMPTION: half-width of the band Yagen-I's pool is held in (its plant re-regulates the flow). [m]
TAILWATER_BAND_M = 0.1
#: ASSUMPTION: the environmental minimum release from Lianghekou in the plan, 10 % of the mean flow
#: (the Tennant-style floor the plant's outlet uses; no EIA figure found, sources addendum §5). [m³/s]
MIN_RELEASE_M3S = round(0.1 * MEAN_INFLOW_M3S, 1)
#: The LP and the simulator must agree within this on every group's energy (issue 12). [-]
LP_SIMULATOR_TOLERANCE = 0.005
#: Head tolerance of the monthly successive-head loops: 0.2 m is 0.08 % of the ≈ 240 m head. [m]
HEAD_TOLERANCE_M = 0.2
#: Level margin around a window's band (round-off of the level–volume table). [m]
BAND_MARGIN_M = 1e-6
_MW_PER_M3S_M = RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW
_DRY = (11, 12, 1, 2, 3, 4, 5)
_WET = (6, 7, 8, 9, 10)


class ConventionalBasisError(HydroSimError):
    """A monthly dispatch of the basis ended without a schedule (status and month in the message)."""


# =====================================================================================================
# The plant and the rule curve
# =====================================================================================================
def basis_plant(*, tailwater_level_masl: float = YAGEN_I_CALIBRATION_LEVEL_MASL) -> Plant:
    """:func:`lianghekou` with the reversible units off and Yagen-I's pool held at ``tailwater_level_masl``
    ± :data:`TAILWATER_BAND_M` (ASSUMPTION, see the module notes).

    Parameters
    ----------
    tailwater_level_masl : float
        Yagen-I's held level, within its 2,598–2,605 m band; 2,601.5 m by default. [m a.s.l.]

    Examples
    --------
    >>> p = basis_plant()
    >>> p.reversible is None, p.lower.min_level_masl, p.lower.max_level_masl
    (True, 2601.4, 2601.6)
    """
    where = "basis_plant()"
    z = iv.finite("tailwater_level_masl", tailwater_level_masl, where)
    if not 2598.0 + TAILWATER_BAND_M <= z <= 2605.0 - TAILWATER_BAND_M:
        raise iv.fail("tailwater_level_masl", "must lie within Yagen-I's band 2,598.1–2,604.9 m", z, where)
    p = lianghekou(lower_initial_level_masl=z)
    assert p.lower is not None
    lower = dataclasses.replace(
        p.lower,
        min_level_masl=round(z - TAILWATER_BAND_M, 6),
        max_level_masl=round(z + TAILWATER_BAND_M, 6),
        initial_level_masl=z,
    )
    return dataclasses.replace(p, reversible=None, lower=lower, name=f"{p.name}, conventional basis")


def _hours_in_months(year: int) -> np.ndarray:
    return np.array([24.0 * calendar.monthrange(year, m)[1] for m in range(1, 13)])


def rule_curve_levels_masl(
    *,
    shares_pct: Any = MEAN_YEAR_SHARE_PCT,
    mean_inflow_m3s: float = MEAN_INFLOW_M3S,
    full_level_masl: float = NORMAL_POOL_LEVEL_MASL,
    drawdown_level_masl: float = DEAD_LEVEL_MASL,
    year: int = 2030,
) -> tuple[float, ...]:
    """End-of-month levels (January first) of the equal-release compensation curve of the mean year.

    From ``full_level_masl`` at the end of October, November–May release one constant flow R_d that brings the
    reservoir to ``drawdown_level_masl`` at the end of May; June–October release one constant flow R_w that
    refills it:

    .. math:: R_d = \\frac{\\sum_{dry} I_m + (V_{full} - V_{draw})}{T_{dry}}, \\quad
              R_w = \\frac{\\sum_{wet} I_m - (V_{full} - V_{draw})}{T_{wet}}

    with I_m the mean year's monthly inflow volumes and T the hours. The curve is cyclic by construction (it
    ends December where January starts).

    Parameters
    ----------
    shares_pct : 12 floats
        Monthly shares of the annual runoff (the mean year's by default). [%]
    mean_inflow_m3s : float
        Mean inflow. [m³/s]
    full_level_masl, drawdown_level_masl : float
        Levels at the end of October and of May. [m a.s.l.]
    year : int
        Calendar year whose month lengths are used.

    Returns
    -------
    Twelve end-of-month levels. [m a.s.l.]

    Raises
    ------
    HydroSimInputError
        If a dry month's inflow exceeds R_d or a wet month's falls below R_w (the curve would not be monotone),
        or the levels lie outside the reservoir's operating range.
    """
    where = "rule_curve_levels_masl()"
    shares = iv.real_array("shares_pct", shares_pct, where)
    if shares.shape != (12,) or (shares < 0.0).any() or abs(float(shares.sum()) - 100.0) > 1e-9:
        raise iv.fail(
            "shares_pct", "must be 12 non-negative monthly shares summing to 100 %", shares.tolist(), where
        )
    q = iv.positive("mean_inflow_m3s", mean_inflow_m3s, where)
    z_full = iv.finite("full_level_masl", full_level_masl, where)
    z_draw = iv.finite("drawdown_level_masl", drawdown_level_masl, where)
    if not DEAD_LEVEL_MASL <= z_draw < z_full <= NORMAL_POOL_LEVEL_MASL:
        raise iv.fail(
            "drawdown_level_masl",
            f"must lie in [{DEAD_LEVEL_MASL:g}, full_level_masl = {z_full:g}) m, with full_level_masl at most "
            f"{NORMAL_POOL_LEVEL_MASL:g} m",
            z_draw,
            where,
        )
    y = iv.whole_number("year", year, where, minimum=1901, maximum=2099)
    curve = lianghekou().upper.curve
    v_full, v_draw = float(curve.volume_hm3_at(z_full)), float(curve.volume_hm3_at(z_draw))
    h = _hours_in_months(y)
    inflow_hm3 = shares / 100.0 * q * h.sum() * HM3_PER_M3S_HOUR
    dry = [m - 1 for m in _DRY]
    wet = [m - 1 for m in _WET]
    r_dry = (inflow_hm3[dry].sum() + (v_full - v_draw)) / h[dry].sum()  # hm³ per h
    r_wet = (inflow_hm3[wet].sum() - (v_full - v_draw)) / h[wet].sum()
    v = np.empty(12)
    prev = v_full
    for m in (*dry, *wet):
        r = r_dry if m in dry else r_wet
        step = inflow_hm3[m] - r * h[m]
        if (m in dry and step > 0.0) or (m in wet and step < 0.0):
            raise iv.fail(
                "shares_pct",
                f"give a curve that is not monotone: month {m + 1}'s inflow {inflow_hm3[m]:.0f} hm³ against an "
                f"equal release of {r * h[m]:.0f} hm³",
                shares.tolist(),
                where,
            )
        prev = prev + step
        v[m] = prev
    v[DRAWDOWN_MONTH - 1], v[REFILL_MONTH - 1] = v_draw, v_full  # exact anchors (round-off of the sums)
    return tuple(float(round(float(curve.level_masl_at(x)), 6)) for x in v)


# =====================================================================================================
# Results
# =====================================================================================================
@dataclass(frozen=True, kw_only=True)
class BasisRun:
    """Figures of one rule-curve run (the mean year, or the multi-year series).

    Energies are the simulator's (the LP's beside them); heads, flows and spill are the simulator's.
    """

    label: str
    n_years: int
    hours: int
    annual_generation_mwh: tuple[float, ...]  #: per calendar year, simulator [MWh]
    mean_annual_generation_mwh: float  #: Σ energy / n_years, simulator [MWh]
    relative_deviation: float  #: (mean − 11,062,000) / 11,062,000 [-]
    lp_generation_mwh: float  #: whole run, LP [MWh]
    simulation_generation_mwh: float  #: whole run, simulator [MWh]
    lp_vs_simulation: dict[str, float]  #: (LP − sim) / sim per group [-]
    turbined_hm3: float  #: whole run [hm³]
    spill_hm3: float  #: whole run [hm³]
    spill_energy_mwh: float  #: spill at the flow-weighted net head and the mean efficiency [MWh]
    flow_weighted_upper_level_masl: float
    flow_weighted_gross_head_m: float
    flow_weighted_net_head_m: float
    mean_efficiency: float  #: E / (ρ g Σ Q H_net Δt) [-]
    output_coefficient_energy_mwh: dict[float, float]  #: A → mean annual A·ΣQ·H_net·Δt [MWh]
    implied_output_coefficient: float  #: A at which the mean annual energy is 11,062,000 MWh
    water_balance_lp_hm3: float
    water_balance_simulation_hm3: float
    cyclic_error_hm3: float  #: end − start volume of the upper reservoir [hm³]
    band_excess_m: float  #: largest level outside its window's band, LP schedule (0 if none) [m]
    upper_level_range_masl: tuple[float, float]
    #: Cross-check without the LP: the same plan with the volume moved linearly within each period,
    #: release = inflow − storage change, turbined up to the units' full flow and the rest spilled; mean
    #: annual energy at η and the same tailwater. [MWh]
    linear_path_generation_mwh: float
    lp_solves: int
    time_s: float
    plan: pd.DataFrame = field(repr=False, compare=False)  #: the LP windows, their planned volumes and bands
    schedule: pd.DataFrame = field(repr=False, compare=False)  #: the LP schedule, end to end
    simulation: pd.DataFrame = field(repr=False, compare=False)  #: the simulator's frame

    @property
    def annual_spread_mwh(self) -> tuple[float, float, float]:
        """Smallest, largest and sample standard deviation of the annual energies. [MWh]"""
        a = np.asarray(self.annual_generation_mwh)
        return float(a.min()), float(a.max()), float(a.std(ddof=1)) if a.size > 1 else 0.0


@dataclass(frozen=True, kw_only=True)
class ConventionalBasis:
    """Result of :func:`conventional_basis`: the mean-year and multi-year runs and their basis."""

    mean_year: BasisRun
    multi_year: BasisRun | None
    rule_curve_levels_masl: tuple[float, ...]
    published_mwh: float = PUBLISHED_CONVENTIONAL_MWH
    unit_conversion: str = (
        "110.62亿 kWh = 110.62 × 10⁸ kWh = 11.062 × 10⁹ kWh = 11.062 TWh = 11,062,000 MWh (亿 = 10⁸)"
    )
    assumptions: tuple[str, ...] = ()
    #: Mean-year runs with one assumption changed (:func:`mean_year_sensitivity`); empty if not run.
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)


# =====================================================================================================
# The run
# =====================================================================================================
def _full_flow_m3s(plant: Plant, level_masl: float) -> float:
    """The conventional units' largest flow at ``level_masl``: their flow limit or their rated power. [m³/s]"""
    g = plant.conventional
    assert g is not None and plant.lower is not None
    h = (
        level_masl
        - plant.lower.initial_level_masl
        - g.head_loss_coefficient_s2_per_m5 * g.max_total_flow_m3s**2
    )
    return min(g.max_total_flow_m3s, g.max_power_mw / (_MW_PER_M3S_M * g.reference_efficiency * max(h, 1.0)))


def _period_starts(index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Positions of the first step of each month, or of each dekad (days 1, 11 and 21), in ``index``."""
    key = index.year * 12 + index.month - 1
    if period == "dekad":
        key = key * 3 + np.minimum((index.day - 1) // 10, 2)
    key = np.asarray(key)
    return np.flatnonzero(np.r_[True, key[1:] != key[:-1]])


def _curve_targets_hm3(
    plant: Plant, levels_masl: tuple[float, ...], period_ends: pd.DatetimeIndex
) -> np.ndarray:
    """The curve's volume at each period end: the end-of-month volumes, linear in time within a month."""
    curve = plant.upper.curve
    v_month = np.asarray(curve.volume_hm3_at(np.asarray(levels_masl)))  # end of January … end of December
    out = np.empty(len(period_ends))
    for k, t in enumerate(period_ends):
        month_start = pd.Timestamp(year=t.year, month=t.month, day=1)
        if t == month_start:  # a period that ends exactly at a month end
            out[k] = v_month[(t.month - 2) % 12]
            continue
        length = pd.Timestamp(year=t.year + (t.month == 12), month=t.month % 12 + 1, day=1) - month_start
        f = (t - month_start) / length
        out[k] = v_month[(t.month - 2) % 12] + f * (v_month[t.month - 1] - v_month[(t.month - 2) % 12])
    return out


def plan_periods(
    plant: Plant, scenario: Scenario, levels_masl: tuple[float, ...], period: str = "dekad"
) -> pd.DataFrame:
    """The plan: each period's start and end volume, following the curve wherever the water allows.

    A period (a dekad 旬, or a calendar month) ends on the curve's volume at its end (the end-of-month volumes,
    linear in time within a month), clipped so the period's release stays between :data:`MIN_RELEASE_M3S` and
    the units' full flow at its start level (beyond it the water would spill) and so the volume stays between
    the dead and the normal pool volumes. The start volume is the plan's fixed point (start = end of the last
    period; cyclic).

    Returns
    -------
    DataFrame, one row per period: ``start`` (time stamp), ``steps``, ``inflow_hm3``, ``target_hm3``,
    ``start_volume_hm3``, ``end_volume_hm3``.
    """
    curve = plant.upper.curve
    inflow = scenario.inflow_upper_m3s
    idx = scenario.index
    starts = _period_starts(idx, period)
    steps = np.diff(np.r_[starts, len(idx)])
    c = HM3_PER_M3S_HOUR * scenario.dt_h
    inflow_hm3 = np.add.reduceat(inflow.to_numpy(), starts) * c
    ends = idx[np.r_[starts[1:], len(idx)] - 1] + pd.Timedelta(hours=scenario.dt_h)
    target = _curve_targets_hm3(plant, levels_masl, pd.DatetimeIndex(ends))
    v_lo, v_hi = plant.upper.min_volume_hm3, plant.upper.max_volume_hm3

    def run(v0: float) -> tuple[np.ndarray, np.ndarray]:
        start, end = np.empty(starts.size), np.empty(starts.size)
        v = v0
        for k in range(starts.size):
            start[k] = v
            hours = steps[k] * scenario.dt_h
            q_full = _full_flow_m3s(plant, float(curve.level_masl_at(v)))
            least = v + inflow_hm3[k] - q_full * hours * HM3_PER_M3S_HOUR
            most = v + inflow_hm3[k] - MIN_RELEASE_M3S * hours * HM3_PER_M3S_HOUR
            v = min(max(float(target[k]), least), most)
            v = min(max(v, v_lo), v_hi)
            end[k] = v
        return start, end

    v0 = float(target[-1])
    for _ in range(50):
        start, end = run(v0)
        if abs(end[-1] - v0) <= 1e-9:
            break
        v0 = float(end[-1])
    else:  # pragma: no cover - the plan resets to the curve within a year
        raise ConventionalBasisError(f"the plan of {scenario.name} found no cyclic start volume")
    end[-1] = v0  # cyclic exactly
    return pd.DataFrame(
        {
            "start": idx[starts],
            "steps": steps,
            "inflow_hm3": inflow_hm3,
            "target_hm3": target,
            "start_volume_hm3": start,
            "end_volume_hm3": end,
        }
    )


def _month_plant(plant: Plant, month: int, v_start: float, v_end: float) -> tuple[Plant, float, float]:
    """The plant starting at ``v_start`` with the level of ``month`` held between its start and end levels."""
    up = plant.upper
    z0 = float(up.curve.level_masl_at(v_start))
    z1 = float(up.curve.level_masl_at(v_end))
    lo = max(min(z0, z1) - BAND_MARGIN_M, up.min_level_masl)
    hi = min(max(z0, z1) + BAND_MARGIN_M, up.max_level_masl)
    if hi - lo < 2 * BAND_MARGIN_M:  # a month that neither fills nor draws (e.g. held at the normal pool)
        lo, hi = max(lo - 1e-3, up.min_level_masl), min(hi + 1e-3, up.max_level_masl)
    mlo = [up.min_level_masl] * 12
    mhi = [up.max_level_masl] * 12
    mlo[month - 1], mhi[month - 1] = lo, hi
    upper = dataclasses.replace(
        up, initial_level_masl=z0, monthly_min_level_masl=tuple(mlo), monthly_max_level_masl=tuple(mhi)
    )
    return dataclasses.replace(plant, upper=upper), lo, hi


def _flat_price(scenario: Scenario) -> Scenario:
    return dataclasses.replace(
        scenario,
        price_per_mwh=pd.Series(1.0, index=scenario.index),
        pv_available_mw=None,
        wind_available_mw=None,
        name=f"{scenario.name}, energy basis",
    )


def run_rule_curve(
    scenario: Scenario,
    *,
    plant: Plant | None = None,
    levels_masl: tuple[float, ...] | None = None,
    label: str | None = None,
    period: str = "dekad",
    progress: Callable[[str], None] | None = None,
) -> BasisRun:
    """Run ``scenario`` on the rule curve: the plan, one LP per dekad (or month), the simulator replay.

    Parameters
    ----------
    scenario : Scenario
        Hourly inflows by role (``inflow_upper_m3s``, ``inflow_lower_m3s``), e.g. from
        :mod:`~hydro_sim.cases.lianghekou.hydrology`; its prices are replaced by a flat 1 per MWh.
    plant : Plant, optional
        :func:`basis_plant` by default (reversible units off, Yagen-I held).
    levels_masl : 12 floats, optional
        End-of-month levels of the rule curve; :func:`rule_curve_levels_masl` by default. [m a.s.l.]
    label : str, optional
        Name of the run in reports; the scenario's name by default.
    period : {"dekad", "month"}
        The plan's step and the LP windows: dekads (旬, the step of Chinese operating charts) or whole
        months (more freedom within a window to keep the head up).
    progress : callable, optional
        Called with a short text at each year.

    Returns
    -------
    BasisRun
    """
    t0 = time.perf_counter()
    where = "run_rule_curve()"
    if not isinstance(scenario, Scenario):
        raise iv.fail("scenario", "must be a hydro_sim.Scenario", type(scenario).__name__, where)
    if scenario.dt_h != 1.0:
        raise iv.fail("scenario.dt_h", "must be 1 h (an hourly series)", scenario.dt_h, where)
    plant = plant if plant is not None else basis_plant()
    if plant.conventional is None or plant.lower is None:
        raise iv.fail("plant", "must have conventional units and a lower reservoir", plant.name, where)
    if period not in ("dekad", "month"):
        raise iv.fail("period", "must be 'dekad' (旬) or 'month'", period, where)
    levels = rule_curve_levels_masl() if levels_masl is None else tuple(levels_masl)
    say = progress or (lambda _text: None)
    sc = _flat_price(scenario)
    periods = plan_periods(plant, sc, levels, period)

    parts: list[pd.DataFrame] = []
    bands: list[tuple[float, float]] = []
    lp_solves = 0
    for row in periods.itertuples():
        if row.start.month == 1 and row.start.day == 1:
            say(f"{label or scenario.name}: {row.start.year}")
        p, lo, hi = _month_plant(plant, row.start.month, row.start_volume_hm3, row.end_volume_hm3)
        bands.append((lo, hi))
        window = sc.window(start=row.start, hours=int(row.steps))
        res = dispatch(
            p,
            window,
            head="successive",
            end="fixed",
            end_volume_upper_hm3=float(row.end_volume_hm3),
            head_tolerance_m=HEAD_TOLERANCE_M,
            loss_segments=3,
        )
        lp_solves += res.iterations
        if not res.has_solution or res.schedule.empty:
            raise ConventionalBasisError(
                f"the dispatch of the {period} from {row.start:%Y-%m-%d} of {scenario.name} ended {res.status}: "
                f"{res.message}"
            )
        parts.append(res.schedule)
    periods["band_min_level_masl"] = [b[0] for b in bands]
    periods["band_max_level_masl"] = [b[1] for b in bands]
    schedule = pd.concat(parts)
    v_start = float(periods["start_volume_hm3"].iloc[0])
    start_plant = dataclasses.replace(
        plant,
        upper=dataclasses.replace(
            plant.upper, initial_level_masl=float(plant.upper.curve.level_masl_at(v_start))
        ),
    )
    sim = simulate(start_plant, sc, ReplayPolicy(schedule=schedule, mode="flows"))
    frame = sim.frame(0)
    return _figures(
        label or scenario.name,
        start_plant,
        sc,
        periods,
        schedule,
        frame,
        sim,
        lp_solves,
        time.perf_counter() - t0,
        linear_path_energy_mwh(start_plant, sc, periods),
    )


def linear_path_energy_mwh(plant: Plant, scenario: Scenario, plan: pd.DataFrame) -> float:
    """Energy of the plan run without optimisation: the volume moves linearly within each period.

    Each hour releases its inflow less the period's constant storage change, Q = I − ΔV/(n·c), turbines up to
    the full flow at the hour's level (:func:`_full_flow_m3s`) and spills the rest; in the few hours whose inflow
    is below the month's filling rate the release is zero (the level lags the line). Power
    min(ρgηQ(H_g − kQ²), P_max). A cross-check of the LP's placement of the water, not the reported figure. [MWh]
    """
    g = plant.conventional
    assert g is not None and plant.lower is not None
    c = HM3_PER_M3S_HOUR * scenario.dt_h
    inflow = scenario.inflow_upper_m3s.to_numpy()
    steps = plan["steps"].to_numpy()
    dv = (plan["end_volume_hm3"] - plan["start_volume_hm3"]).to_numpy()
    k = np.arange(len(inflow)) - np.repeat(np.cumsum(steps) - steps, steps)  # step within its period
    rate = np.repeat(dv / steps, steps)  # hm³ per step
    v = np.repeat(plan["start_volume_hm3"].to_numpy(), steps) + rate * (k + 1)
    release = np.maximum(inflow - rate / c, 0.0)
    z = np.asarray(plant.upper.curve.level_masl_at(v))
    q_full = np.array([_full_flow_m3s(plant, float(x)) for x in z])
    q = np.minimum(release, q_full)
    h = z - plant.lower.initial_level_masl - g.head_loss_coefficient_s2_per_m5 * q**2
    p = np.minimum(_MW_PER_M3S_M * g.reference_efficiency * q * h, g.max_power_mw)
    return float(p.sum() * scenario.dt_h)


def _figures(
    label: str,
    plant: Plant,
    sc: Scenario,
    periods: pd.DataFrame,
    schedule: pd.DataFrame,
    frame: pd.DataFrame,
    sim: Any,
    lp_solves: int,
    elapsed_s: float,
    linear_mwh: float,
) -> BasisRun:
    g = plant.conventional
    assert g is not None and plant.lower is not None
    dt = sc.dt_h
    q = frame["flow_conventional_m3s"].to_numpy()
    p = frame["power_conventional_mw"].to_numpy()
    h_gross = frame["head_m"].to_numpy()
    h_net = h_gross - g.head_loss_coefficient_s2_per_m5 * q**2
    e_sim = float(p.sum() * dt)
    e_lp = float(schedule["power_conventional_mw"].sum() * dt)
    years = frame.index.year
    annual = tuple(float(v) for v in pd.Series(p * dt, index=frame.index).groupby(years).sum())
    n_years = len(annual)
    mean_annual = e_sim / n_years
    qsum = float(q.sum())
    qh = float((q * h_net).sum())
    level_up = np.asarray(plant.upper.curve.level_masl_at(frame["volume_upper_hm3"].to_numpy()))
    eta = e_sim / (_MW_PER_M3S_M * qh * dt)
    spill_hm3 = float(frame["spill_upper_m3s"].sum() * dt * HM3_PER_M3S_HOUR)
    h_net_fw = qh / qsum
    spill_mwh = _MW_PER_M3S_M * eta * h_net_fw * spill_hm3 / HM3_PER_M3S_HOUR
    coeff = {a: a * qh * dt / 1e3 / n_years for a in OUTPUT_COEFFICIENTS}  # N [kW] = A·Q·H; kWh → MWh
    implied_a = PUBLISHED_CONVENTIONAL_MWH * 1e3 * n_years / (qh * dt)
    lp_vs_sim = {"conventional": (e_lp - e_sim) / e_sim if e_sim else math.nan}
    # band check on the LP schedule: every step's level within its window's band
    lvl = schedule["level_upper_masl"].to_numpy()
    lo = np.repeat(periods["band_min_level_masl"].to_numpy(), periods["steps"].to_numpy())
    hi = np.repeat(periods["band_max_level_masl"].to_numpy(), periods["steps"].to_numpy())
    band_excess = float(max(0.0, np.max(lo - lvl), np.max(lvl - hi)))
    v0 = float(periods["start_volume_hm3"].iloc[0])
    wb_lp = water_balance_max_error_hm3(
        schedule,
        initial_volume_upper_hm3=v0,
        initial_volume_lower_hm3=plant.lower.initial_volume_hm3,
        dt_h=dt,
    )
    return BasisRun(
        label=label,
        n_years=n_years,
        hours=len(frame),
        annual_generation_mwh=annual,
        mean_annual_generation_mwh=mean_annual,
        relative_deviation=(mean_annual - PUBLISHED_CONVENTIONAL_MWH) / PUBLISHED_CONVENTIONAL_MWH,
        lp_generation_mwh=e_lp,
        simulation_generation_mwh=e_sim,
        lp_vs_simulation=lp_vs_sim,
        turbined_hm3=qsum * dt * HM3_PER_M3S_HOUR,
        spill_hm3=spill_hm3,
        spill_energy_mwh=spill_mwh,
        flow_weighted_upper_level_masl=float((q * level_up).sum() / qsum),
        flow_weighted_gross_head_m=float((q * h_gross).sum() / qsum),
        flow_weighted_net_head_m=h_net_fw,
        mean_efficiency=eta,
        output_coefficient_energy_mwh=coeff,
        implied_output_coefficient=implied_a,
        water_balance_lp_hm3=wb_lp,
        water_balance_simulation_hm3=float(sim.water_balance_error_hm3()),
        cyclic_error_hm3=float(frame["volume_upper_hm3"].iloc[-1]) - v0,
        band_excess_m=band_excess,
        upper_level_range_masl=(float(level_up.min()), float(level_up.max())),
        linear_path_generation_mwh=linear_mwh / n_years,
        lp_solves=lp_solves,
        time_s=elapsed_s,
        plan=periods,
        schedule=schedule,
        simulation=frame,
    )


_ASSUMPTIONS = (
    (
        "hydrology SYNTHETIC: mean 664 m³/s sourced; mean-year monthly Gini 0.40 (sourced band 0.40–0.59 for "
        "average-to-wet years, its lower end an ASSUMPTION); floods, daily variability, annual CV 0.15 and lag-1 "
        "autocorrelation 0.2 are ASSUMPTIONS"
    ),
    (
        "rule curve: 2,865 m end of October and 2,785 m end of May are sourced levels; the equal-release shape "
        "between them is an ASSUMPTION"
    ),
    "Yagen-I pool (tailwater) held at 2,601.5 ± 0.1 m: ASSUMPTION",
    "η_t = 0.92 wire-to-water and the waterway loss k = 3.4 × 10⁻⁶ s²/m⁵: ASSUMPTIONS of lianghekou()",
    "environmental minimum 66.4 m³/s in the plan: ASSUMPTION",
    "reversible units off (the published figure is the conventional units')",
)


#: Sensitivity cases of :func:`mean_year_sensitivity`: (parameter, case, tailwater level, drawdown level).
SENSITIVITY_CASES: tuple[tuple[str, str, float, float], ...] = (
    ("Yagen-I tailwater", "2,598.1 m (bottom of its band)", 2598.1, DEAD_LEVEL_MASL),
    ("Yagen-I tailwater", "2,604.9 m (top of its band)", 2604.9, DEAD_LEVEL_MASL),
    ("drawdown level, end of May", "2,800 m", YAGEN_I_CALIBRATION_LEVEL_MASL, 2800.0),
    ("drawdown level, end of May", "2,815 m", YAGEN_I_CALIBRATION_LEVEL_MASL, 2815.0),
)


def mean_year_sensitivity(base: BasisRun, *, seed: int = 2026) -> pd.DataFrame:
    """The mean year with one assumption changed at a time: Yagen-I's held level and the curve's drawdown.

    Returns
    -------
    DataFrame, one row per case (the base first): ``parameter``, ``case``, ``annual_generation_mwh``,
    ``relative_deviation`` (against 11,062,000 MWh), ``change`` (against the base), ``energy_at_a83_mwh``,
    ``flow_weighted_upper_level_masl``, ``spill_hm3``.
    """
    sc = mean_year(seed=seed)

    def row(parameter: str, case: str, r: BasisRun) -> dict[str, Any]:
        return {
            "parameter": parameter,
            "case": case,
            "annual_generation_mwh": r.mean_annual_generation_mwh,
            "relative_deviation": r.relative_deviation,
            "change": (r.mean_annual_generation_mwh - base.mean_annual_generation_mwh)
            / base.mean_annual_generation_mwh,
            "energy_at_a83_mwh": r.output_coefficient_energy_mwh[8.3],
            "flow_weighted_upper_level_masl": r.flow_weighted_upper_level_masl,
            "spill_hm3": r.spill_hm3,
        }

    rows = [row("base", "defaults", base)]
    for parameter, case, tailwater, drawdown in SENSITIVITY_CASES:
        r = run_rule_curve(
            sc,
            plant=basis_plant(tailwater_level_masl=tailwater),
            levels_masl=rule_curve_levels_masl(drawdown_level_masl=drawdown),
            label=case,
        )
        rows.append(row(parameter, case, r))
    return pd.DataFrame(rows)


def conventional_basis(
    *,
    n_years: int | None = 30,
    seed: int = 2026,
    plant: Plant | None = None,
    sensitivity: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ConventionalBasis:
    """The conventional units' design basis: the mean year and, if ``n_years``, the multi-year series.

    Parameters
    ----------
    n_years : int or None
        Length of the multi-year series (10–30 for the basis); None runs the mean year only.
    seed : int
        Seed of both hydrologies.
    plant : Plant, optional
        :func:`basis_plant` by default.
    sensitivity : bool
        Run :func:`mean_year_sensitivity` (four more mean years, ≈ 15 s).
    progress : callable, optional
        Called with a short text at each stage.
    """
    levels = rule_curve_levels_masl()
    say = progress or (lambda _text: None)
    say("mean year")
    mean = run_rule_curve(
        mean_year(seed=seed), plant=plant, levels_masl=levels, label="mean year", progress=say
    )
    multi = None
    if n_years is not None:
        say(f"{n_years}-year series")
        multi = run_rule_curve(
            multi_year_series(n_years, seed=seed),
            plant=plant,
            levels_masl=levels,
            label=f"{n_years}-year series",
            progress=say,
        )
    sens = pd.DataFrame()
    if sensitivity:
        say("sensitivity (mean year)")
        sens = mean_year_sensitivity(mean, seed=seed)
    return ConventionalBasis(
        mean_year=mean,
        multi_year=multi,
        rule_curve_levels_masl=levels,
        assumptions=_ASSUMPTIONS,
        sensitivity=sens,
    )


# =====================================================================================================
# Report
# =====================================================================================================
def _twh(mwh: float) -> str:
    return f"{mwh / 1e6:.3f} TWh"


def render_markdown(basis: ConventionalBasis) -> str:
    """A short Markdown section of the basis: energy against 11.062 TWh, heads, spill, efficiency, A."""
    runs = [basis.mean_year] + ([basis.multi_year] if basis.multi_year is not None else [])
    out = [
        "## Conventional units on a regulated-reservoir basis",
        "",
        f"Published: {basis.unit_conversion}, the multi-year mean of the 6 × 500 MW conventional units.",
        "Basis: synthetic hydrology (mean 664 m³/s), compensation rule curve (end-of-month levels "
        + ", ".join(f"{z:.1f}" for z in basis.rule_curve_levels_masl)
        + " m, January first; cyclic), one energy LP per dekad (旬) ending on the plan, reversible units off, "
        "Yagen-I held at 2,601.5 m; energies from the simulator replay.",
        "",
        (
            "| run | mean annual energy | vs 11.062 TWh | flow-weighted upper level | gross / net head | spill | "
            "spill energy | mean η | LP vs sim | water balance LP / sim | cyclic end |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        out.append(
            f"| {r.label} | {_twh(r.mean_annual_generation_mwh)} | {r.relative_deviation:+.1%} | "
            f"{r.flow_weighted_upper_level_masl:,.1f} m | {r.flow_weighted_gross_head_m:.1f} / "
            f"{r.flow_weighted_net_head_m:.1f} m | {r.spill_hm3 / r.n_years:,.0f} hm³/yr | "
            f"{_twh(r.spill_energy_mwh / r.n_years)}/yr | {r.mean_efficiency:.3f} | "
            f"{r.lp_vs_simulation['conventional']:+.3%} | {r.water_balance_lp_hm3:.1e} / "
            f"{r.water_balance_simulation_hm3:.1e} hm³ | {r.cyclic_error_hm3:+.1e} hm³ |"
        )
    out += [""]
    for r in runs:
        lin = r.linear_path_generation_mwh
        out.append(
            f"Without the LP ({r.label}): the same plan with the volume moved linearly within each period "
            f"gives {_twh(lin)} a year, {(r.mean_annual_generation_mwh - lin) / lin:+.2%} from the LP's placement "
            "of the water within the periods."
        )
    if basis.multi_year is not None:
        lo, hi, sd = basis.multi_year.annual_spread_mwh
        out += [
            "",
            (
                f"Multi-year spread ({basis.multi_year.n_years} years): {_twh(lo)} – {_twh(hi)}, standard deviation "
                f"{_twh(sd)} ({sd / basis.multi_year.mean_annual_generation_mwh:.1%})."
            ),
        ]
    out += [
        "",
        (
            "Output-coefficient sensitivity, N = A·Q·H from each run's own flows and net heads (A = 9.81 η; the "
            f"model's η = {runs[0].mean_efficiency:.2f} is A = {G_M_S2 * runs[0].mean_efficiency:.2f}):"
        ),
        "",
        "| run | " + " | ".join(f"A = {a:g}" for a in OUTPUT_COEFFICIENTS) + " | A matching 11.062 TWh |",
        "|---|" + "---|" * (len(OUTPUT_COEFFICIENTS) + 1),
    ]
    for r in runs:
        cells = [
            f"{_twh(e)} ({(e - PUBLISHED_CONVENTIONAL_MWH) / PUBLISHED_CONVENTIONAL_MWH:+.1%})"
            for e in r.output_coefficient_energy_mwh.values()
        ]
        out.append(f"| {r.label} | " + " | ".join(cells) + f" | {r.implied_output_coefficient:.2f} |")
    if not basis.sensitivity.empty:
        out += [
            "",
            "Mean year with one assumption changed:",
            "",
            "| parameter | case | energy (η 0.92) | vs 11.062 TWh | change | at A = 8.3 | flow-weighted level | spill |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in basis.sensitivity.itertuples():
            out.append(
                f"| {s.parameter} | {s.case} | {_twh(s.annual_generation_mwh)} | {s.relative_deviation:+.1%} | "
                f"{s.change:+.1%} | {_twh(s.energy_at_a83_mwh)} | {s.flow_weighted_upper_level_masl:,.1f} m | "
                f"{s.spill_hm3:,.0f} hm³ |"
            )
    m = basis.mean_year
    eta_match = m.implied_output_coefficient / G_M_S2
    out += [
        "",
        f"What holds the check: at the model's η = {m.mean_efficiency:.2f} (A = {G_M_S2 * m.mean_efficiency:.2f}, "
        f"an ASSUMPTION) the mean year gives {m.relative_deviation:+.1%}; the published figure needs an overall "
        f"A = {m.implied_output_coefficient:.2f} (η = {eta_match:.3f}) on this run's flows and heads, "
        + ("inside" if 8.0 <= m.implied_output_coefficient <= 8.5 else "outside")
        + " the design practice's 8.0–8.5.",
        "",
        "Assumptions: " + "; ".join(basis.assumptions) + ".",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m hydro_sim.cases.lianghekou.conventional_basis [n_years]``: print the Markdown section."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 30
    t0 = time.perf_counter()
    basis = conventional_basis(n_years=n, progress=lambda text: print(f"  {text}", file=sys.stderr))
    print(render_markdown(basis))
    print(f"run time {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
