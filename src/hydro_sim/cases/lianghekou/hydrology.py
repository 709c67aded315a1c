"""Synthetic hourly inflows at Lianghekou for the conventional units' design basis: a mean year and a series.

SYNTHETIC, not data. No monthly gauge record at Yajiang or the dam site was found (sources §4, second
addendum §E), so every shape parameter below is either sourced or an ASSUMPTION, and labelled so:

- **Mean flow** 664 m³/s at the dam (sources §1, §4, H): the mean of :func:`mean_year` exactly, and the
  time-weighted mean of :func:`multi_year_series` exactly (after rescaling).
- **Monthly shape of an average year**: the sources give no monthly table, only the *inequality* of the
  natural distribution: a monthly Gini coefficient of 0.30–0.39 in extremely dry years and 0.40–0.59 in
  average-to-wet years (sources §4, M). The illustrative shape of §8 (Gini ≈ 0.36, in the *dry* band) is
  sharpened by a power p, sₘ ∝ s₈,ₘᵖ, until its Gini is :data:`MEAN_YEAR_GINI` = 0.40 (ASSUMPTION: the
  lower edge of the average-to-wet band, the average end of it); p ≈ 1.14. It keeps §8's timing (the flood
  season June–October, sourced; a February minimum, a July maximum) and carries ≈ 75.7 % of the runoff in
  June–October (the second addendum §E: "a June–October share near 76 % gives ≈ 0.40") and ≈ 81 % in
  May–October (the only sourced proxy, 64–80 % across Yangtze tributaries in 2018, L, is not Yalong-specific).
- **Day-to-day variability**: a daily log-normal AR(1) factor (φ = 0.92, σ = 0.12, the reference year's
  ASSUMPTION) and, in the flood season, **flood events** (ASSUMPTIONS: Poisson arrivals at
  :data:`FLOODS_PER_MONTH` a month in June–October, a two-day rise and an exponential recession of
  :data:`FLOOD_RECESSION_DAYS` days, a log-normal peak factor over the base flow with median
  :data:`FLOOD_PEAK_FACTOR_MEDIAN`). Hours interpolate linearly between daily values at noon; the flows are
  then rescaled month by month so every month's mean is its target exactly.
- **Inter-annual variability** (:func:`multi_year_series`): annual means r_y·664 m³/s with r_y log-normal
  with coefficient of variation :data:`ANNUAL_CV` = 0.15 and lag-1 autocorrelation :data:`ANNUAL_LAG1` = 0.2
  (ASSUMPTIONS, not sourced: no annual runoff series of the Yalong at Lianghekou was found; a sensitivity
  parameter of :func:`multi_year_series`), rescaled so the series' time-weighted mean is 664 m³/s
  exactly. A year's monthly Gini moves with its wetness, G_y = 0.40 + 0.5 (r_y − 1), kept within the sourced
  0.30–0.59 (ASSUMPTION: the sources say dry years are more even than average-to-wet ones).
- **Yagen-I's local inflow**: the fraction 0.015 of the Lianghekou inflow of the reference year (ASSUMPTION).

Every function is deterministic for its seed. The scenarios carry the inflows only (no price, PV or wind):
:mod:`hydro_sim.cases.lianghekou.conventional_basis` adds what its runs need.

Examples
--------
>>> round(monthly_gini(MEAN_YEAR_SHARE_PCT), 3), round(sum(MEAN_YEAR_SHARE_PCT[5:10]), 1)
(0.4, 75.7)
>>> year = mean_year()
>>> year.n_steps, round(float(year.inflow_upper_m3s.mean()), 6)
(8760, 664.0)
"""

from __future__ import annotations

import calendar
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.signal import lfilter

from hydro_sim import _validation as iv
from hydro_sim.cases.lianghekou.plant import MEAN_INFLOW_M3S, YAGEN_I_LOCAL_INFLOW_FRACTION
from hydro_sim.cases.lianghekou.reference_year import FLOOD_SEASON_MONTHS, MONTHLY_INFLOW_SHARE_PCT
from hydro_sim.plant import Provenance
from hydro_sim.scenario import Scenario

__all__ = [
    "ANNUAL_CV",
    "ANNUAL_LAG1",
    "DRY_YEAR_GINI_RANGE",
    "FLOODS_PER_MONTH",
    "FLOOD_PEAK_FACTOR_MEDIAN",
    "FLOOD_RECESSION_DAYS",
    "MEAN_YEAR_GINI",
    "MEAN_YEAR_SHARE_PCT",
    "WET_YEAR_GINI_RANGE",
    "annual_means_m3s",
    "mean_year",
    "monthly_gini",
    "monthly_shares_for_gini",
    "multi_year_series",
]

#: Monthly Gini coefficient of the natural runoff in extremely dry years (sources §4, M). [-]
DRY_YEAR_GINI_RANGE = (0.30, 0.39)
#: Monthly Gini coefficient in average-to-wet years (sources §4, M). [-]
WET_YEAR_GINI_RANGE = (0.40, 0.59)
#: ASSUMPTION: the mean year's monthly Gini, the average (lower) end of the sourced average-to-wet band. [-]
MEAN_YEAR_GINI = 0.40
#: ASSUMPTION: how a year's Gini moves with its annual mean ratio r: G = MEAN_YEAR_GINI + slope·(r − 1). [-]
GINI_SLOPE = 0.5
#: ASSUMPTION: coefficient of variation of the annual mean flow (no annual series found). [-]
ANNUAL_CV = 0.15
#: ASSUMPTION: lag-1 autocorrelation of the annual mean flow (no annual series found). [-]
ANNUAL_LAG1 = 0.2
#: ASSUMPTION: lag-1 autocorrelation and log standard deviation of the daily variability (as the reference
#: year). [-]
DAILY_PHI, DAILY_SIGMA = 0.92, 0.12
#: ASSUMPTION: mean number of flood events a month in the flood season June–October. [1/month]
FLOODS_PER_MONTH = 0.8
#: ASSUMPTION: median and log standard deviation of a flood's peak factor over the base flow. [-]
FLOOD_PEAK_FACTOR_MEDIAN, FLOOD_PEAK_FACTOR_LOG_SIGMA = 2.0, 0.3
#: ASSUMPTION: rise time and recession time constant of a flood. [days]
FLOOD_RISE_DAYS, FLOOD_RECESSION_DAYS = 2.0, 4.0
_SMOOTH_PASSES = 8  # smooth month-mean corrections before the exact monthly rescaling


def monthly_gini(values: Any) -> float:
    """Gini coefficient of a year's 12 monthly values (shares or flows).

    .. math:: G = \\frac{\\sum_i \\sum_j |x_i - x_j|}{2 n^2 \\bar x}

    Examples
    --------
    >>> round(monthly_gini(MONTHLY_INFLOW_SHARE_PCT), 3)   # sources, second addendum §E: ≈ 0.36
    0.363
    >>> monthly_gini([1.0] * 12)
    0.0
    """
    x = iv.real_array("values", values, "monthly_gini()")
    if x.shape != (12,) or (x < 0.0).any() or x.sum() <= 0.0:
        raise iv.fail(
            "values", "must be 12 non-negative monthly values, not all zero", x.tolist(), "monthly_gini()"
        )
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2.0 * x.size**2 * x.mean()))


def monthly_shares_for_gini(gini: float, base_pct: Any = MONTHLY_INFLOW_SHARE_PCT) -> tuple[float, ...]:
    """Monthly shares sₘ ∝ baseₘᵖ (in %, summing to 100) with p solved so their Gini is ``gini``.

    p > 1 sharpens the base shape (wetter flood season), p < 1 flattens it; p = 1 returns the base.

    Parameters
    ----------
    gini : float
        Target monthly Gini coefficient, in [0.2, 0.65]. [-]
    base_pct : sequence of 12 floats
        The base shape; the illustrative shape of sources §8 by default. [%]

    Examples
    --------
    >>> s = monthly_shares_for_gini(0.45)
    >>> round(sum(s), 9), round(monthly_gini(s), 9)
    (100.0, 0.45)
    """
    where = "monthly_shares_for_gini()"
    g = iv.finite("gini", gini, where)
    if not 0.2 <= g <= 0.65:
        raise iv.fail("gini", "must lie in [0.2, 0.65] (monthly runoff of a seasonal river)", g, where)
    base = np.asarray(base_pct, dtype=float)
    monthly_gini(base)  # checks the shape
    if (base <= 0.0).any():
        raise iv.fail("base_pct", "must be positive in every month", base.tolist(), where)

    def shares(p: float) -> np.ndarray:
        t = base**p
        return 100.0 * t / t.sum()

    p = brentq(lambda q: monthly_gini(shares(q)) - g, 0.05, 6.0, xtol=1e-14, rtol=1e-14, maxiter=200)
    return tuple(float(v) for v in shares(p))


#: Monthly shares of the mean year, January to December: §8's illustrative shape sharpened to the Gini
#: coefficient MEAN_YEAR_GINI (see the module notes; SYNTHETIC, not data). [%]
MEAN_YEAR_SHARE_PCT: tuple[float, ...] = monthly_shares_for_gini(MEAN_YEAR_GINI)


# =====================================================================================================
# Series builders (inner physics: inputs already checked)
# =====================================================================================================
def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) with standard-normal marginals: y_t = φ y_{t−1} + √(1 − φ²) e_t, y_0 stationary."""
    e = rng.standard_normal(n)
    y0 = e[0]
    rest = lfilter([math.sqrt(1.0 - phi * phi)], [1.0, -phi], e[1:], zi=[phi * y0])[0]
    return np.concatenate([[y0], rest])


def _mid_month_interp(monthly: np.ndarray, days_in_month: np.ndarray, steps_per_day: int) -> np.ndarray:
    """Monthly values at mid-month, interpolated linearly (periodically) to each step's middle."""
    steps = days_in_month.astype(float) * steps_per_day
    mid = np.cumsum(steps) - steps / 2.0
    n = int(steps.sum())
    return np.interp(np.arange(n) + 0.5, mid, monthly, period=n)


def _flood_factor(rng: np.random.Generator, month_of_day: np.ndarray) -> np.ndarray:
    """Multiplicative daily flood factor 1 + Σ (peak − 1)·shape(t − t₀) of Poisson flood events."""
    n = month_of_day.size
    t = np.arange(n, dtype=float)
    factor = np.ones(n)
    flood_days = np.flatnonzero(np.isin(month_of_day, FLOOD_SEASON_MONTHS))
    n_months = len(FLOOD_SEASON_MONTHS)
    n_events = int(rng.poisson(FLOODS_PER_MONTH * n_months))
    starts = np.sort(rng.choice(flood_days, size=n_events)) if n_events else np.array([], dtype=int)
    peaks = FLOOD_PEAK_FACTOR_MEDIAN * np.exp(FLOOD_PEAK_FACTOR_LOG_SIGMA * rng.standard_normal(n_events))
    for t0, peak in zip(starts, peaks, strict=True):
        dt = t - float(t0)
        shape = np.where(
            dt < 0.0,
            0.0,
            np.where(
                dt < FLOOD_RISE_DAYS,
                dt / FLOOD_RISE_DAYS,
                np.exp(-(dt - FLOOD_RISE_DAYS) / FLOOD_RECESSION_DAYS),
            ),
        )
        factor += (max(peak, 1.0) - 1.0) * shape
    return factor


def _month_means(q: np.ndarray, month: np.ndarray) -> np.ndarray:
    return np.bincount(month - 1, weights=q, minlength=12) / np.bincount(month - 1, minlength=12)


def _one_year_m3s(year: int, mean_m3s: float, shares_pct: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hourly flows of one calendar year with mean ``mean_m3s`` and the monthly shares ``shares_pct``."""
    days = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)])
    hours_in_month = 24.0 * days
    target = shares_pct / 100.0 * mean_m3s * hours_in_month.sum() / hours_in_month  # monthly means [m³/s]
    month_of_day = np.repeat(np.arange(1, 13), days)
    month = np.repeat(month_of_day, 24)
    daily = _mid_month_interp(target, days, 1)
    x = DAILY_SIGMA * _ar1(rng, daily.size, DAILY_PHI)
    daily = daily * np.exp(x - 0.5 * DAILY_SIGMA**2) * _flood_factor(rng, month_of_day)
    n = int(hours_in_month.sum())
    q = np.interp(np.arange(n, dtype=float), 24.0 * np.arange(daily.size) + 12.0, daily)
    for _ in range(_SMOOTH_PASSES):
        q = q * _mid_month_interp(target / _month_means(q, month), days, 24)
    return q * (target / _month_means(q, month))[month - 1]


def _scenario(
    q: np.ndarray, index: pd.DatetimeIndex, frac: float, form: str, name: str, text: str
) -> Scenario:
    upper = pd.Series(q, index=index)
    lower = pd.Series(frac * q, index=index)
    p_up = Provenance(kind="assumption", text=text)
    p_lo = Provenance(
        kind="assumption",
        text=f"{frac:g} × the Lianghekou inflow: local inflow between the dam and Yagen-I (no source)",
    )
    if form == "name":
        return Scenario(
            inflow_m3s={"Lianghekou": upper, "Yagen-I": lower},
            name=name,
            provenance={"Lianghekou inflow_m3s": p_up, "Yagen-I inflow_m3s": p_lo},
        )
    return Scenario(
        inflow_upper_m3s=upper,
        inflow_lower_m3s=lower,
        name=name,
        provenance={"inflow_upper_m3s": p_up, "inflow_lower_m3s": p_lo},
    )


def _check(
    where: str, seed: Any, first_year: Any, local_inflow_fraction: Any, form: Any
) -> tuple[int, int, float]:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise iv.fail("seed", "must be a whole number of at least 0", seed, where)
    y = iv.whole_number("year", first_year, where, minimum=1901, maximum=2099)
    frac = iv.non_negative("local_inflow_fraction", local_inflow_fraction, where)
    if frac >= 1.0:
        raise iv.fail(
            "local_inflow_fraction", "must lie in [0, 1) (a fraction of the upper inflow)", frac, where
        )
    if form not in ("role", "name"):
        raise iv.fail(
            "form",
            "must be 'role' (inflow_upper_m3s/inflow_lower_m3s, for lianghekou()) or 'name' (inflow_m3s by "
            "reservoir, for lianghekou_network())",
            form,
            where,
        )
    return int(seed), y, frac


# =====================================================================================================
# Public builders
# =====================================================================================================
def mean_year(
    *,
    year: int = 2030,
    seed: int = 2026,
    local_inflow_fraction: float = YAGEN_I_LOCAL_INFLOW_FRACTION,
    form: Literal["role", "name"] = "role",
) -> Scenario:
    """A synthetic hourly mean year at Lianghekou: mean 664 m³/s, the mean-year monthly shape, floods.

    Parameters
    ----------
    year : int
        Calendar year of the index (tz-naive Beijing time); a leap year has 8,784 steps.
    seed : int
        Seed of the day-to-day variability and the flood events.
    local_inflow_fraction : float
        Yagen-I's local inflow as a fraction of the Lianghekou inflow; ASSUMPTION 0.015. [-]
    form : {"role", "name"}
        Inflows by role (``inflow_upper_m3s``, ``inflow_lower_m3s``: for :func:`lianghekou`) or by reservoir
        name (``"Lianghekou"``, ``"Yagen-I"``: for :func:`lianghekou_network`).

    Returns
    -------
    Scenario with the inflows only; every month's mean is exactly MEAN_YEAR_SHARE_PCT of the year's runoff
    at a mean of 664 m³/s. [m³/s]

    Examples
    --------
    >>> y = mean_year(form="name")
    >>> sorted(y.inflow_m3s), round(float(y.inflow_m3s["Yagen-I"].mean()), 2)
    (['Lianghekou', 'Yagen-I'], 9.96)
    """
    where = "mean_year()"
    s, y, frac = _check(where, seed, year, local_inflow_fraction, form)
    rng = np.random.default_rng(np.random.SeedSequence([s, 1]))
    q = _one_year_m3s(y, MEAN_INFLOW_M3S, np.asarray(MEAN_YEAR_SHARE_PCT), rng)
    index = pd.date_range(f"{y}-01-01", periods=q.size, freq="h", name="time")
    text = (
        f"SYNTHETIC mean year (seed {s}): mean {MEAN_INFLOW_M3S:g} m³/s (§1, §4, H); monthly shape = §8's "
        f"illustrative shape sharpened to a monthly Gini of {MEAN_YEAR_GINI:g} (ASSUMPTION at the average end of "
        "the sourced 0.40–0.59 band of average-to-wet years, §4, M), Jun–Oct "
        f"{sum(MEAN_YEAR_SHARE_PCT[5:10]):.1f} %; daily AR(1) log-normal variability and Poisson flood events "
        "in Jun–Oct (ASSUMPTIONS); each month rescaled to its target mean exactly"
    )
    return _scenario(q, index, frac, form, f"Lianghekou synthetic mean year {y}", text)


def annual_means_m3s(
    n_years: int,
    *,
    seed: int = 2026,
    cv: float = ANNUAL_CV,
    lag1: float = ANNUAL_LAG1,
    first_year: int = 2030,
) -> np.ndarray:
    """Annual mean flows r_y·664 m³/s: log-normal, lag-1 autocorrelated, time-weighted mean 664 exactly.

    Parameters
    ----------
    n_years : int
        Number of calendar years (at least 2).
    seed : int
        Seed of the annual draws (the same stream :func:`multi_year_series` uses).
    cv : float
        Coefficient of variation of the annual means, in [0, 0.5); ASSUMPTION 0.15. [-]
    lag1 : float
        Lag-1 autocorrelation of the log annual means, in [0, 0.9]; ASSUMPTION 0.2. [-]
    first_year : int
        The first calendar year (its length weights the mean).

    Returns
    -------
    Array of n_years annual means. [m³/s]

    Examples
    --------
    >>> q = annual_means_m3s(10)
    >>> q.shape, bool(q.min() < 664.0 < q.max())
    ((10,), True)
    """
    where = "annual_means_m3s()"
    n = iv.whole_number("n_years", n_years, where, minimum=2, maximum=200)
    s, y0, _ = _check(where, seed, first_year, 0.0, "role")
    c = iv.non_negative("cv", cv, where)
    if c >= 0.5:
        raise iv.fail("cv", "must lie in [0, 0.5) (annual runoff of a large river)", c, where)
    rho = iv.non_negative("lag1", lag1, where)
    if rho > 0.9:
        raise iv.fail("lag1", "must lie in [0, 0.9]", rho, where)
    rng = np.random.default_rng(np.random.SeedSequence([s, 2]))
    return _annual_means(rng, n, y0, c, rho)


def _annual_means(rng: np.random.Generator, n: int, y0: int, cv: float, rho: float) -> np.ndarray:
    sigma = math.sqrt(math.log1p(cv * cv))
    z = _ar1(rng, n, rho) if rho > 0.0 else rng.standard_normal(n)
    r = np.exp(sigma * z - 0.5 * sigma * sigma)
    hours = np.array([8784.0 if calendar.isleap(y) else 8760.0 for y in range(y0, y0 + n)])
    r = r / (float(np.sum(r * hours)) / float(hours.sum()))
    return MEAN_INFLOW_M3S * r


def multi_year_series(
    n_years: int = 30,
    *,
    first_year: int = 2030,
    seed: int = 2026,
    cv: float = ANNUAL_CV,
    lag1: float = ANNUAL_LAG1,
    local_inflow_fraction: float = YAGEN_I_LOCAL_INFLOW_FRACTION,
    form: Literal["role", "name"] = "role",
) -> Scenario:
    """``n_years`` synthetic hourly calendar years with inter-annual variability (see the module notes).

    Parameters
    ----------
    n_years : int
        Number of years, 2–200 (10–30 for the design basis).
    first_year, seed, local_inflow_fraction, form
        As in :func:`mean_year`.
    cv, lag1 : float
        As in :func:`annual_means_m3s`.

    Returns
    -------
    Scenario on a continuous hourly index from 1 January of ``first_year`` (leap days included). Year y has
    the annual mean ``annual_means_m3s(...)[y]`` and the monthly shares ``monthly_shares_for_gini(G_y)``.

    Examples
    --------
    >>> sc = multi_year_series(3)
    >>> sc.n_steps, round(float(sc.inflow_upper_m3s.mean()), 6)
    (26304, 664.0)
    """
    where = "multi_year_series()"
    n = iv.whole_number("n_years", n_years, where, minimum=2, maximum=200)
    s, y0, frac = _check(where, seed, first_year, local_inflow_fraction, form)
    means = annual_means_m3s(n, seed=s, cv=cv, lag1=lag1, first_year=y0)
    rng = np.random.default_rng(np.random.SeedSequence([s, 3]))
    parts = []
    lo, hi = DRY_YEAR_GINI_RANGE[0], WET_YEAR_GINI_RANGE[1]
    for k in range(n):
        g = min(max(MEAN_YEAR_GINI + GINI_SLOPE * (means[k] / MEAN_INFLOW_M3S - 1.0), lo), hi)
        parts.append(_one_year_m3s(y0 + k, float(means[k]), np.asarray(monthly_shares_for_gini(g)), rng))
    q = np.concatenate(parts)
    index = pd.date_range(f"{y0}-01-01", periods=q.size, freq="h", name="time")
    text = (
        f"SYNTHETIC {n}-year series {y0}–{y0 + n - 1} (seed {s}): annual means log-normal around "
        f"{MEAN_INFLOW_M3S:g} m³/s (§1, §4, H; time-weighted mean exact) with CV {cv:g} and lag-1 "
        f"autocorrelation {lag1:g} (ASSUMPTIONS); a year's monthly Gini {MEAN_YEAR_GINI:g} + {GINI_SLOPE:g}·(r − 1) "
        "within the sourced 0.30–0.59 (§4, ASSUMPTION); daily variability and Jun–Oct floods as the mean year"
    )
    return _scenario(q, index, frac, form, f"Lianghekou synthetic {n}-year series {y0}–{y0 + n - 1}", text)
