"""A deterministic hourly reference year for the Lianghekou plant, built from the sources.

:func:`reference_year` returns a :class:`~hydro_sim.scenario.Scenario` of 8,760 hourly steps (a non-leap
year, tz-naive Beijing time, UTC+8) with every series labelled in ``Scenario.provenance``:

- ``inflow_upper_m3s``: mean 664 m³/s (sources §1, §4, H), the flood season June–October (§4) carrying
  72.5 % of the runoff through the ILLUSTRATIVE monthly shape of §8, with smooth, seeded day-to-day
  variability (an AR(1) log-normal daily factor), renormalised so every month keeps its target mean.
- ``inflow_lower_m3s``: ASSUMPTION, a fixed fraction (1.5 %) of the upper inflow from the ~10–20 km
  intermediate catchment down to Yagen-I (no source).
- ``price_per_mwh``: the Sichuan time-of-use tariff 川发改价格规〔2023〕186号 (§6a, H) applied to an
  ASSUMED flat price of 400 CNY/MWh (the Sichuan coal benchmark was not found), see :func:`sichuan_tou_price`.
- ``pv_available_mw``: pvlib clear-sky physics at the dam (Ineichen with pvlib's shipped Linke-turbidity
  table, no network), transposed to a 30° south-facing plane, with a cell-temperature correction and a
  seeded weather pattern (a cloudier summer monsoon), scaled to 1,975 full-load hours (§5: 1,950–2,000 h)
  on 3,000 MW (§5).
- ``wind_available_mw``: ASSUMPTION, a seeded Weibull wind-speed process (windier in winter and spring,
  a mild afternoon peak) through a generic power curve, scaled to 2,400 full-load hours (§8: 2,200–2,600 h)
  on an ASSUMED 1,000 MW.
- ``line_capacity_mw``: ASSUMPTION, 4,200 MW constant, as in :func:`hydro_sim.lianghekou`.

Section numbers refer to ``shared/data/lianghekou_sources.md``.

Examples
--------
>>> idx = pd.date_range("2030-07-15 14:00", periods=4, freq="h")
>>> sichuan_tou_price(idx, flat_price_per_mwh=400.0).tolist()
[400.0, 768.0, 768.0, 640.0]
>>> sichuan_tou_period(idx).tolist()
['flat', 'critical', 'critical', 'peak']
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.cases.lianghekou.plant import (
    LIANGHEKOU_LATITUDE_DEG,
    LIANGHEKOU_LONGITUDE_DEG,
    MEAN_INFLOW_M3S,
)
from hydro_sim.constants import HOURS_PER_YEAR
from hydro_sim.plant import Provenance, ProvenanceKind
from hydro_sim.scenario import Scenario

__all__ = [
    "FLOOD_SEASON_MONTHS",
    "MONTHLY_INFLOW_SHARE_PCT",
    "PV_ALTITUDE_M",
    "PV_SURFACE_AZIMUTH_DEG",
    "PV_TILT_DEG",
    "TOU_MULTIPLIERS",
    "full_load_hours",
    "reference_year",
    "sichuan_tou_period",
    "sichuan_tou_price",
]

_WHERE = "reference_year()"

# -- inflow (sources §1, §4, §8) ----------------------------------------------------------------------
#: Monthly share of the annual runoff, January to December. ILLUSTRATIVE ASSUMPTION of sources §8
#: (not data); June–October = 72.5 %. [%]
MONTHLY_INFLOW_SHARE_PCT: tuple[float, ...] = (
    3.0,
    2.6,
    2.8,
    3.8,
    6.0,
    12.5,
    17.5,
    16.0,
    15.5,
    11.0,
    5.5,
    3.8,
)
#: Flood season (汛期) of the Yalong cascade's energy accounting, sources §4. [month numbers]
FLOOD_SEASON_MONTHS: tuple[int, ...] = (6, 7, 8, 9, 10)
_INFLOW_DAILY_PHI = 0.92  # lag-1 autocorrelation of the daily log factor: large rivers vary slowly
_INFLOW_DAILY_SIGMA = 0.12  # standard deviation of the daily log factor [-]
_INFLOW_SMOOTH_PASSES = 8  # smooth month-mean corrections before the exact monthly rescaling

# -- tariff (sources §6a) -----------------------------------------------------------------------------
#: Price of each TOU period relative to the flat price, 川发改价格规〔2023〕186号 (sources §6a, H). [-]
TOU_MULTIPLIERS: dict[str, float] = {"valley": 0.4, "flat": 1.0, "peak": 1.6, "critical": 1.92}
_PERIOD_NAMES = ("valley", "flat", "peak", "critical")
# period code (index into _PERIOD_NAMES) of each clock hour 00..23, before the critical-peak overrides
_HOUR_CODE = np.array([0] * 7 + [1] * 3 + [2] * 2 + [1] * 3 + [2] * 6 + [1] * 2 + [0], dtype=np.int8)
# critical peak: 15:00–17:00 in July and August, 19:00–21:00 in January and December (replaces peak)
_CRITICAL_HOURS_BY_MONTH = {7: (15, 16), 8: (15, 16), 1: (19, 20), 12: (19, 20)}
_BEIJING_TZ = _dt.timezone(_dt.timedelta(hours=8))

# -- PV (sources §5) ----------------------------------------------------------------------------------
#: Array altitude: Kela PV lies at 4,000–4,600 m (sources §5); the lower end is taken. [m]
PV_ALTITUDE_M = 4000.0
#: Fixed tilt of the modules, ASSUMPTION (≈ latitude, the usual fixed-tilt choice). [deg]
PV_TILT_DEG = 30.0
#: Surface azimuth of the modules, 180° = facing south, ASSUMPTION. [deg]
PV_SURFACE_AZIMUTH_DEG = 180.0
_PV_ALBEDO = 0.2  # ground reflectance (grassland; snow in winter would raise it) [-]
_PV_GAMMA_PER_C = -0.0035  # power temperature coefficient of crystalline silicon (pvwatts) [1/°C]
_PV_WIND_SPEED_M_S = 3.0  # wind speed for the cell-temperature model [m/s]
# Air temperature at ~4,000 m on the plateau, ASSUMPTION: annual mean 3 °C, January ≈ −5 °C, July ≈ 11 °C,
# ±6 °C daily swing peaking at 15:00.
_AIR_T_MEAN_C, _AIR_T_SEASON_C, _AIR_T_DAY_C = 3.0, 8.0, 6.0
# Mean daily clearness (all-sky / clear-sky plane-of-array irradiance) by month, ASSUMPTION: a dry, sunny
# winter and a cloudy summer monsoon on the western Sichuan plateau.
_PV_MONTHLY_CLEARNESS = (0.86, 0.84, 0.80, 0.76, 0.70, 0.58, 0.55, 0.58, 0.58, 0.70, 0.83, 0.86)
_PV_DAILY_CONCENTRATION = 8.0  # Beta(μκ, (1 − μ)κ) spread of the daily clearness [-]
_PV_DAILY_PHI = 0.5  # lag-1 autocorrelation of the daily clearness (weather spells) [-]
_PV_HOURLY_PHI = 0.7  # lag-1 autocorrelation of the passing-cloud noise [-]
_PV_HOURLY_SIGMA = 0.6  # passing-cloud log noise scale, times (1 − daily clearness) [-]
_PV_MAX_ENHANCEMENT = 1.1  # cloud-edge enhancement cap on the clear-sky irradiance [-]

# -- wind (sources §3a, §8) ---------------------------------------------------------------------------
_WIND_WEIBULL_SHAPE = 2.0  # Rayleigh-like shape of hourly wind speeds [-]
_WIND_HOURLY_PHI = 0.96  # lag-1 autocorrelation, ≈ 1 day correlation time (synoptic systems) [-]
# Relative Weibull scale by month, ASSUMPTION: windier in winter and spring on the plateau.
_WIND_MONTHLY_SCALE = (1.15, 1.20, 1.22, 1.15, 1.00, 0.85, 0.80, 0.80, 0.85, 0.95, 1.05, 1.12)
_WIND_DIURNAL_AMPLITUDE = 0.10  # ±10 % on speed, peak at 15:00 [-]
_WIND_CUT_IN_M_S, _WIND_RATED_M_S = 3.0, 12.0  # generic power curve, no cut-out [m/s]


# =====================================================================================================
# Tariff
# =====================================================================================================
def _local_index(index: Any, where: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        raise iv.fail("index", "must be a pandas DatetimeIndex", type(index).__name__, where)
    if index.hasnans:
        i = int(np.argmax(np.asarray(index.isna())))
        raise iv.fail("index", f"must hold only time stamps, but step {i} is NaT", "NaT", where)
    if index.tz is not None:
        index = index.tz_convert(_BEIJING_TZ)
    return index


def _period_codes(index: pd.DatetimeIndex) -> np.ndarray:
    hour = index.hour.to_numpy()
    month = index.month.to_numpy()
    code = _HOUR_CODE[hour].copy()
    for m, hours in _CRITICAL_HOURS_BY_MONTH.items():
        code[(month == m) & np.isin(hour, hours)] = 3
    return code


def sichuan_tou_period(index: pd.DatetimeIndex) -> pd.Series:
    """TOU period of each hour under the Sichuan tariff 川发改价格规〔2023〕186号 (sources §6a).

    Parameters
    ----------
    index : Time stamps (start of each hour), local Beijing time if tz-naive; a tz-aware index is converted
        to UTC+8.

    Returns
    -------
    Series of ``'valley'`` (23:00–07:00), ``'flat'`` (07–10, 12–15, 21–23), ``'peak'`` (10–12, 15–21) or
    ``'critical'`` (15:00–17:00 in July and August, 19:00–21:00 in January and December) on ``index``.

    Examples
    --------
    >>> sichuan_tou_period(pd.date_range("2030-12-10 18:00", periods=4, freq="h")).tolist()
    ['peak', 'critical', 'critical', 'flat']
    """
    local = _local_index(index, "sichuan_tou_period()")
    names = np.asarray(_PERIOD_NAMES, dtype=object)[_period_codes(local)]
    return pd.Series(names, index=index, name="tou_period")


def sichuan_tou_price(index: pd.DatetimeIndex, flat_price_per_mwh: float = 400.0) -> pd.Series:
    """Sichuan time-of-use price of each hour: the flat price times the period multiplier (sources §6a).

    Parameters
    ----------
    index : Time stamps (start of each hour), local Beijing time if tz-naive; a tz-aware index is converted
        to UTC+8.
    flat_price_per_mwh : Flat-period (平段) price; default 400 CNY/MWh is an ASSUMPTION (the Sichuan coal
        benchmark price was not found in the sources). [CNY/MWh]

    Returns
    -------
    Price on ``index``. [CNY/MWh]

    Notes
    -----
    Multipliers of the flat price (川发改价格规〔2023〕186号, in force since 2023-06-01): peak 10:00–12:00 and
    15:00–21:00 ×1.6, flat 07:00–10:00, 12:00–15:00 and 21:00–23:00 ×1.0, valley 23:00–07:00 ×0.4, and the
    critical peak ×1.92 (peak + 20 %) in place of the peak at 15:00–17:00 in July and August and at
    19:00–21:00 in January and December. Eight hours a day each of peak (critical included), flat and valley.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2030-03-03 03:00", "2030-03-03 08:00", "2030-06-10 20:00",
    ...                         "2030-12-10 20:00"])
    >>> sichuan_tou_price(idx, 500.0).tolist()
    [200.0, 500.0, 800.0, 960.0]
    """
    where = "sichuan_tou_price()"
    local = _local_index(index, where)
    flat = iv.positive("flat_price_per_mwh", flat_price_per_mwh, where)
    mult = np.array([TOU_MULTIPLIERS[n] for n in _PERIOD_NAMES])[_period_codes(local)]
    return pd.Series(flat * mult, index=index, name="price_per_mwh")


# =====================================================================================================
# Helpers
# =====================================================================================================
def full_load_hours(power_mw: Any, capacity_mw: float, *, dt_h: float = 1.0) -> float:
    """Full-load hours of a power series: its energy divided by the capacity.

    Parameters
    ----------
    power_mw : Power of each step (Series or array). [MW]
    capacity_mw : Installed capacity. [MW]
    dt_h : Step length. [h]

    Returns
    -------
    Σ P·Δt / capacity. [h]

    Examples
    --------
    >>> full_load_hours([0.0, 50.0, 100.0], 100.0, dt_h=2.0)
    3.0
    """
    where = "full_load_hours()"
    power = iv.real_array("power_mw", power_mw, where)
    if (power < 0.0).any():
        raise iv.fail("power_mw", "must not be negative (a power output)", float(power.min()), where)
    cap = iv.positive("capacity_mw", capacity_mw, where)
    dt = iv.positive("dt_h", dt_h, where)
    return float(np.sum(power) * dt / cap)


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) series y_t = φ y_{t−1} + √(1 − φ²) e_t with standard-normal marginals, 0 < φ < 1.

    Vectorised by the closed form y_{s+j} = φ^j (φ y_{s−1} + Σ_{i≤j} φ^{−i} √(1 − φ²) e_{s+i}) over blocks
    short enough that φ^{−i} stays far below the float range (one block for the φ used here).
    """
    e = rng.standard_normal(n + 1)
    b = np.sqrt(1.0 - phi * phi)
    block = max(1, int(250.0 / -np.log10(phi)))
    y = np.empty(n)
    prev = e[0]  # y_{−1}, drawn from the stationary distribution
    for start in range(0, n, block):
        innov = b * e[1 + start : 1 + start + block]
        pw = phi ** np.arange(innov.size)
        y[start : start + innov.size] = pw * (phi * prev + np.cumsum(innov / pw))
        prev = y[start + innov.size - 1]
    return y


def _mid_month_interp(
    monthly: tuple[float, ...] | np.ndarray, year: int, steps_per_day: int = 1
) -> np.ndarray:
    """Monthly values placed at mid-month, interpolated linearly (periodically) to every step of ``year``.

    ``steps_per_day`` = 1 gives one value per day, 24 one per hour (each at the middle of its step).
    """
    days = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)], dtype=float) * steps_per_day
    mid = np.cumsum(days) - days / 2.0  # position of each mid-month, in steps from 1 January
    n = int(days.sum())
    return np.interp(np.arange(n) + 0.5, mid, np.asarray(monthly, dtype=float), period=n)


def _scale_clipped(
    shape: np.ndarray, capacity_mw: float, hours_h: float, dt_h: float, field: str
) -> np.ndarray:
    """k·shape clipped to [0, capacity], with k solved so the full-load hours are exactly ``hours_h``."""
    from scipy.optimize import brentq

    positive = shape > 0.0
    max_hours = float(np.count_nonzero(positive)) * dt_h
    if hours_h >= max_hours:
        raise iv.fail(
            field,
            f"must be below the {max_hours:g} h in which the profile is above zero "
            "(every such hour at full load)",
            hours_h,
            _WHERE,
        )
    k_max = capacity_mw / float(shape[positive].min())

    def excess(k: float) -> float:
        return float(np.minimum(k * shape, capacity_mw).sum()) * dt_h / capacity_mw - hours_h

    k = brentq(excess, 0.0, k_max, xtol=1e-9, rtol=1e-12, maxiter=500)
    return np.minimum(k * shape, capacity_mw)


# =====================================================================================================
# Series builders (inner physics: inputs already checked)
# =====================================================================================================
def _inflow_upper_m3s(index: pd.DatetimeIndex, rng: np.random.Generator, mean_m3s: float) -> np.ndarray:
    year = int(index[0].year)
    month = index.month.to_numpy()
    share = np.asarray(MONTHLY_INFLOW_SHARE_PCT) / 100.0
    hours_in_month = np.bincount(month, minlength=13)[1:].astype(float)
    target_m3s = share * mean_m3s * len(index) / hours_in_month  # monthly means, volume-weighted
    daily = _mid_month_interp(target_m3s, year)
    x = _ar1(rng, daily.size, _INFLOW_DAILY_PHI) * _INFLOW_DAILY_SIGMA
    daily = daily * np.exp(x - 0.5 * _INFLOW_DAILY_SIGMA**2)
    # smooth within the day: linear between daily values placed at noon
    q = np.interp(np.arange(len(index), dtype=float), 24.0 * np.arange(daily.size) + 12.0, daily)
    # Pull every month to its target mean with a smooth correction (interpolated between mid-months), then
    # close the small remainder with one exact step per month; a plain step would jump at month ends.
    for _ in range(_INFLOW_SMOOTH_PASSES):
        q = q * _mid_month_interp(target_m3s / _month_means(q, month, hours_in_month), year, 24)
    return q * (target_m3s / _month_means(q, month, hours_in_month))[month - 1]


def _month_means(values: np.ndarray, month: np.ndarray, hours_in_month: np.ndarray) -> np.ndarray:
    return np.bincount(month, weights=values, minlength=13)[1:] / hours_in_month


@functools.lru_cache(maxsize=8)
def _pv_clear_sky(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky plane-of-array irradiance [W/m²] and air temperature [°C] of every hour of ``year``.

    Evaluated at mid-hour (the hour's average), only while the sun is up, so that no night-time division
    by cos(zenith) happens. Cached; the arrays are read-only.
    """
    from pvlib import atmosphere, clearsky, irradiance, solarposition

    idx = pd.date_range(f"{year}-01-01", periods=HOURS_PER_YEAR, freq="h")
    mid = (idx + pd.Timedelta(minutes=30)).tz_localize("Etc/GMT-8")
    lat, lon = LIANGHEKOU_LATITUDE_DEG, LIANGHEKOU_LONGITUDE_DEG
    sp = solarposition.get_solarposition(mid, lat, lon, altitude=PV_ALTITUDE_M)
    app_zen = sp["apparent_zenith"].to_numpy()
    up = app_zen < 90.0
    zen, azi, app_zen = sp["zenith"].to_numpy()[up], sp["azimuth"].to_numpy()[up], app_zen[up]
    doy = idx.day_of_year.to_numpy()
    # Monthly Linke turbidity from the table shipped with pvlib (LinkeTurbidities.h5, no network),
    # interpolated to days as pvlib does (months at their middles).
    months = pd.DatetimeIndex([pd.Timestamp(year, m, 15, tz="UTC") for m in range(1, 13)])
    tl_month = clearsky.lookup_linke_turbidity(months, lat, lon, interp_turbidity=False).to_numpy()
    tl = np.repeat(_mid_month_interp(tl_month, year), 24)[up]
    am_rel = atmosphere.get_relative_airmass(app_zen)
    am_abs = atmosphere.get_absolute_airmass(am_rel, atmosphere.alt2pres(PV_ALTITUDE_M))
    dni_extra = irradiance.get_extra_radiation(doy[up])
    cs = clearsky.ineichen(app_zen, am_abs, tl, altitude=PV_ALTITUDE_M, dni_extra=dni_extra)
    poa = irradiance.get_total_irradiance(
        PV_TILT_DEG,
        PV_SURFACE_AZIMUTH_DEG,
        zen,
        azi,
        cs["dni"],
        cs["ghi"],
        cs["dhi"],
        dni_extra=dni_extra,
        airmass=am_rel,
        albedo=_PV_ALBEDO,
        model="haydavies",
    )
    g = np.zeros(HOURS_PER_YEAR)
    g[up] = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float), nan=0.0).clip(min=0.0)
    hour_mid = idx.hour.to_numpy() + 0.5
    t_air = (
        _AIR_T_MEAN_C
        - _AIR_T_SEASON_C * np.cos(2.0 * np.pi * (doy - 15.0) / 365.0)
        + _AIR_T_DAY_C * np.cos(2.0 * np.pi * (hour_mid - 15.0) / 24.0)
    )
    g.setflags(write=False)
    t_air.setflags(write=False)
    return g, t_air


def _pv_shape(index: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Relative DC output per kW of modules under a seeded weather pattern (before scaling). [kW/kWp]"""
    from pvlib import pvsystem, temperature
    from scipy.special import betaincinv, ndtr

    year = int(index[0].year)
    g_clear, t_air = _pv_clear_sky(year)
    n_days = len(index) // 24
    mu = _mid_month_interp(_PV_MONTHLY_CLEARNESS, year)
    u = ndtr(_ar1(rng, n_days, _PV_DAILY_PHI))
    kappa = _PV_DAILY_CONCENTRATION
    k_day = betaincinv(mu * kappa, (1.0 - mu) * kappa, u)  # daily clearness, Beta-distributed
    sigma_h = _PV_HOURLY_SIGMA * np.repeat(1.0 - k_day, 24)
    noise = np.exp(sigma_h * _ar1(rng, len(index), _PV_HOURLY_PHI) - 0.5 * sigma_h**2)
    factor = np.clip(np.repeat(k_day, 24) * noise, 0.0, _PV_MAX_ENHANCEMENT)
    g = g_clear * factor
    params = temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    t_cell = temperature.sapm_cell(g, t_air, _PV_WIND_SPEED_M_S, **params)
    return np.asarray(pvsystem.pvwatts_dc(g, t_cell, 1.0, _PV_GAMMA_PER_C), dtype=float).clip(min=0.0)


def _wind_mw(
    index: pd.DatetimeIndex, rng: np.random.Generator, capacity_mw: float, hours_h: float
) -> np.ndarray:
    """Seeded wind power: AR(1) → Weibull speeds → power curve, speeds scaled to hit ``hours_h``. [MW]"""
    from scipy.optimize import brentq
    from scipy.special import ndtr

    year = int(index[0].year)
    z = _ar1(rng, len(index), _WIND_HOURLY_PHI)
    u = np.clip(ndtr(z), 1e-12, 1.0 - 1e-12)
    scale = np.repeat(_mid_month_interp(_WIND_MONTHLY_SCALE, year), 24)
    hour_mid = index.hour.to_numpy() + 0.5
    diurnal = 1.0 + _WIND_DIURNAL_AMPLITUDE * np.cos(2.0 * np.pi * (hour_mid - 15.0) / 24.0)
    v = scale * diurnal * (-np.log1p(-u)) ** (1.0 / _WIND_WEIBULL_SHAPE)  # relative speed, mean ≈ 0.9
    if capacity_mw == 0.0:
        return np.zeros(len(index))
    vin3, vr3 = _WIND_CUT_IN_M_S**3, _WIND_RATED_M_S**3

    def power_pu(m: float) -> np.ndarray:
        return np.clip(((m * v) ** 3 - vin3) / (vr3 - vin3), 0.0, 1.0)

    def excess(m: float) -> float:
        return float(power_pu(m).sum()) - hours_h

    m_hi = _WIND_RATED_M_S / float(v.min())
    if excess(m_hi) <= 0.0:
        raise iv.fail(
            "wind_full_load_hours_h",
            f"must be below {float(power_pu(m_hi).sum()):g} h, the most the wind profile can give",
            hours_h,
            _WHERE,
        )
    m = brentq(excess, 0.0, m_hi, xtol=1e-12, rtol=1e-13, maxiter=200)  # speed scale [m/s per unit]
    return capacity_mw * power_pu(m)


# =====================================================================================================
# The reference year
# =====================================================================================================
def _check_inputs(
    year: Any,
    seed: Any,
    local_inflow_fraction: Any,
    flat_price_per_mwh: Any,
    pv_capacity_mw: Any,
    pv_full_load_hours_h: Any,
    wind_capacity_mw: Any,
    wind_full_load_hours_h: Any,
    line_capacity_mw: Any,
) -> dict[str, Any]:
    """Check every argument of :func:`reference_year` once; return them as numbers."""
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise iv.fail("year", "must be a whole number (a calendar year such as 2030)", year, _WHERE)
    if not 1901 <= int(year) <= 2099:
        raise iv.fail("year", "must lie in 1901–2099", year, _WHERE)
    if calendar.isleap(int(year)):
        raise iv.fail("year", f"must be a non-leap year (8,760 hours); {int(year)} has 8,784", year, _WHERE)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise iv.fail("seed", "must be a whole number of at least 0", seed, _WHERE)
    frac = iv.non_negative("local_inflow_fraction", local_inflow_fraction, _WHERE)
    if frac >= 1.0:
        raise iv.fail(
            "local_inflow_fraction", "must lie in [0, 1) (a fraction of the upper inflow)", frac, _WHERE
        )
    out: dict[str, Any] = {"year": int(year), "seed": int(seed), "local_inflow_fraction": frac}
    out["flat_price_per_mwh"] = iv.positive("flat_price_per_mwh", flat_price_per_mwh, _WHERE)
    out["pv_capacity_mw"] = iv.non_negative("pv_capacity_mw", pv_capacity_mw, _WHERE)
    out["wind_capacity_mw"] = iv.non_negative("wind_capacity_mw", wind_capacity_mw, _WHERE)
    out["line_capacity_mw"] = iv.positive("line_capacity_mw", line_capacity_mw, _WHERE)
    for name, value in (
        ("pv_full_load_hours_h", pv_full_load_hours_h),
        ("wind_full_load_hours_h", wind_full_load_hours_h),
    ):
        h = iv.finite(name, value, _WHERE)
        if not 0.0 < h < HOURS_PER_YEAR:
            raise iv.fail(name, f"must lie in (0, {HOURS_PER_YEAR}) hours a year", h, _WHERE)
        out[name] = h
    return out


def reference_year(
    *,
    year: int = 2030,
    seed: int = 2026,
    local_inflow_fraction: float = 0.015,
    flat_price_per_mwh: float = 400.0,
    pv_capacity_mw: float = 3000.0,
    pv_full_load_hours_h: float = 1975.0,
    wind_capacity_mw: float = 1000.0,
    wind_full_load_hours_h: float = 2400.0,
    line_capacity_mw: float = 4200.0,
) -> Scenario:
    """An hourly Lianghekou reference year: inflows, TOU prices, PV, wind and the line limit.

    Deterministic: the same arguments give the same scenario; ``seed`` changes only the weather and flow
    variability, never the sourced totals (mean inflow, June–October share, full-load hours).

    Parameters
    ----------
    year : Calendar year of the index; must be a non-leap year (8,760 hourly steps, tz-naive Beijing time).
    seed : Seed of the inflow, cloud and wind variability (independent streams for each).
    local_inflow_fraction : Local inflow to the lower reservoir as a fraction of the upper inflow;
        ASSUMPTION 0.015 (intermediate catchment of the ~10–20 km reach to Yagen-I, no source). [-]
    flat_price_per_mwh : Flat-period price of the Sichuan TOU tariff; ASSUMPTION 400 CNY/MWh (the
        coal benchmark was not found, sources §6b). [CNY/MWh]
    pv_capacity_mw : PV capacity at the busbar; 3,000 MW, the "300万kW PV" of the Lianghekou hydro–PV
        complex (sources §5, M). [MW]
    pv_full_load_hours_h : Annual PV energy over capacity; 1,975 h, inside the sourced 1,950–2,000 h (Kela
        ≈ 2,000 h, Suorong ≈ 1,980 h, sources §5). [h]
    wind_capacity_mw : Wind capacity at the busbar; ASSUMPTION 1,000 MW (no wind farm on this busbar is
        sourced; ~7 GW of renewables is the firming target, sources §3a). [MW]
    wind_full_load_hours_h : Annual wind energy over capacity; ASSUMPTION 2,400 h (sources §8: 2,200–2,600 h;
        Labashan 2,612 h). [h]
    line_capacity_mw : Grid line limit, constant; ASSUMPTION 4,200 MW as in :func:`hydro_sim.lianghekou`. [MW]

    Returns
    -------
    Scenario named "Lianghekou reference year <year>" with ``inflow_upper_m3s`` [m³/s], ``inflow_lower_m3s``
    [m³/s], ``price_per_mwh`` [CNY/MWh], ``pv_available_mw`` [MW], ``wind_available_mw`` [MW] and
    ``line_capacity_mw`` [MW], each with a :class:`~hydro_sim.plant.Provenance` record in ``provenance``.

    Raises
    ------
    HydroSimInputError
        For a leap or out-of-range year, a negative seed, a negative or non-finite capacity, a flat price
        ≤ 0, full-load hours outside (0, 8760) or above what the profile can give.

    Notes
    -----
    Inflow: the monthly means Q_m = s_m · 664 m³/s · 8760 h / h_m (shares s_m of §8, h_m hours in month m)
    are interpolated between mid-months, multiplied by a daily log-normal AR(1) factor (φ = 0.92,
    σ = 0.12), interpolated linearly between daily values at noon, pulled towards each month's Q_m by a few
    smooth corrections (interpolated between mid-months, so no jump at month ends) and finally rescaled
    month by month so each month's mean is exactly Q_m; the annual mean is then 664 m³/s and June–October
    carries 72.5 % of the runoff. PV: pvlib solar position at mid-hour, Ineichen clear sky (Linke turbidity from pvlib's shipped
    table), Hay–Davies transposition to 30° tilt facing south, a seeded all-sky factor (Beta-distributed
    daily clearness with a cloudy June–September, and passing-cloud noise), SAPM cell temperature and the
    PVWatts temperature coefficient; the DC shape is scaled by k and clipped at the capacity (inverter
    limit), k solved so the full-load hours hit the target exactly. Wind: an hourly AR(1) Gaussian
    (φ = 0.96) mapped to Weibull (k = 2) speeds with a seasonal scale and an afternoon peak, through a
    cubic power curve (cut-in 3 m/s, rated 12 m/s); the speed scale is solved so the full-load hours hit
    the target exactly, and the power never leaves [0, capacity].

    Examples
    --------
    >>> year = reference_year()
    >>> year.n_steps, str(year.index[0]), round(float(year.inflow_upper_m3s.mean()), 1)
    (8760, '2030-01-01 00:00:00', 664.0)
    >>> round(full_load_hours(year.pv_available_mw, 3000.0)), round(full_load_hours(year.wind_available_mw, 1000.0))
    (1975, 2400)
    >>> year.provenance["wind_available_mw"].kind
    'assumption'
    """
    a = _check_inputs(
        year,
        seed,
        local_inflow_fraction,
        flat_price_per_mwh,
        pv_capacity_mw,
        pv_full_load_hours_h,
        wind_capacity_mw,
        wind_full_load_hours_h,
        line_capacity_mw,
    )
    y = a["year"]
    index = pd.date_range(f"{y}-01-01", periods=HOURS_PER_YEAR, freq="h", name="time")
    rng_inflow, rng_pv, rng_wind = (
        np.random.default_rng(s) for s in np.random.SeedSequence(a["seed"]).spawn(3)
    )

    inflow_upper = _inflow_upper_m3s(index, rng_inflow, MEAN_INFLOW_M3S)
    inflow_lower = a["local_inflow_fraction"] * inflow_upper
    price = sichuan_tou_price(index, a["flat_price_per_mwh"]).to_numpy()
    pv_shape = _pv_shape(index, rng_pv)
    pv = (
        _scale_clipped(pv_shape, a["pv_capacity_mw"], a["pv_full_load_hours_h"], 1.0, "pv_full_load_hours_h")
        if a["pv_capacity_mw"] > 0.0
        else np.zeros(len(index))
    )
    wind = _wind_mw(index, rng_wind, a["wind_capacity_mw"], a["wind_full_load_hours_h"])
    line = np.full(len(index), a["line_capacity_mw"])

    prov = _provenance(a)
    return Scenario(
        inflow_upper_m3s=pd.Series(inflow_upper, index=index),
        inflow_lower_m3s=pd.Series(inflow_lower, index=index),
        price_per_mwh=pd.Series(price, index=index),
        pv_available_mw=pd.Series(pv, index=index),
        wind_available_mw=pd.Series(wind, index=index),
        line_capacity_mw=pd.Series(line, index=index),
        name=f"Lianghekou reference year {y}",
        provenance=prov,
    )


def _provenance(a: dict[str, Any]) -> dict[str, Provenance]:
    D: ProvenanceKind = "derived"
    A: ProvenanceKind = "assumption"
    U: ProvenanceKind = "user"
    seed = f"seed {a['seed']}"
    shares = ", ".join(f"{s:g}" for s in MONTHLY_INFLOW_SHARE_PCT)
    frac = a["local_inflow_fraction"]
    flat = a["flat_price_per_mwh"]
    tou = (
        "Sichuan TOU tariff 川发改价格规〔2023〕186号 (§6a, H): peak 10–12 and 15–21 ×1.6, flat 07–10, 12–15 "
        "and 21–23 ×1.0, valley 23–07 ×0.4, critical peak ×1.92 at 15–17 in Jul–Aug and 19–21 in Jan and Dec"
    )
    pv_default = a["pv_capacity_mw"] == 3000.0 and a["pv_full_load_hours_h"] == 1975.0
    pv_text = (
        f"{a['pv_capacity_mw']:g} MW × {a['pv_full_load_hours_h']:g} full-load h; "
        + (
            "capacity 3,000 MW = '300万kW PV' of the Lianghekou hydro–PV complex (§5, M); 1,975 h inside the "
            "sourced 1,950–2,000 h (Kela ≈ 2,000 h, Suorong ≈ 1,980 h, §5, H); "
            if pv_default
            else "capacity and hours set by the caller; "
        )
        + f"profile: pvlib clear sky (Ineichen, shipped Linke table) at the dam, {PV_ALTITUDE_M:g} m (Kela "
        f"4,000–4,600 m, §5), {PV_TILT_DEG:g}° tilt facing south, SAPM cell temperature; weather is an "
        f"ASSUMPTION (seeded daily clearness, cloudier Jun–Sep monsoon, {seed}), clipped at capacity"
    )
    wind_default = a["wind_capacity_mw"] == 1000.0 and a["wind_full_load_hours_h"] == 2400.0
    line_default = a["line_capacity_mw"] == 4200.0
    return {
        "inflow_upper_m3s": Provenance(
            kind=A,
            text=(
                f"synthetic hourly flows: annual mean {MEAN_INFLOW_M3S:g} m³/s (§1, §4, H) and flood season "
                f"Jun–Oct (§4, M) are sourced; the monthly shape ({shares} % of the annual runoff, Jun–Oct 72.5 %) is "
                f"the ILLUSTRATIVE ASSUMPTION of §8 (no monthly gauge data found); daily AR(1) log-normal "
                f"variability ({seed}), renormalised smoothly so each month keeps its target mean"
            ),
        ),
        "inflow_lower_m3s": Provenance(
            kind=A if frac == 0.015 else U,
            text=(
                f"{frac:g} × the upper inflow: local inflow of the intermediate catchment between Lianghekou and "
                "Yagen-I (~10–20 km reach, §2, addendum §2b); no source"
            ),
        ),
        "price_per_mwh": Provenance(
            kind=A if flat == 400.0 else U,
            text=(
                f"{tou}; flat price {flat:g} CNY/MWh "
                + (
                    "is an ASSUMPTION (the Sichuan coal benchmark price was not found, §6b, §8)"
                    if flat == 400.0
                    else "set by the caller"
                )
            ),
        ),
        "pv_available_mw": Provenance(
            kind=D if pv_default else U, text=pv_text, confidence="M" if pv_default else ""
        ),
        "wind_available_mw": Provenance(
            kind=A if wind_default else U,
            text=(
                f"{a['wind_capacity_mw']:g} MW × {a['wind_full_load_hours_h']:g} full-load h; "
                + (
                    "capacity 1,000 MW: no wind farm on the Lianghekou busbar is sourced (~7 GW of renewables is the "
                    "firming target, §3a); 2,400 h inside §8's 2,200–2,600 h (Labashan 2,612 h, §5); "
                    if wind_default
                    else "capacity and hours set by the caller; "
                )
                + f"profile: seeded AR(1) Weibull speeds ({seed}), windier in winter and spring, afternoon peak, "
                "generic cubic power curve (3–12 m/s)"
            ),
        ),
        "line_capacity_mw": Provenance(
            kind=A if line_default else U,
            text=(
                f"{a['line_capacity_mw']:g} MW constant"
                + (
                    ", the installed hydro capacity, as lianghekou()'s line (no line rating found, §5)"
                    if line_default
                    else ", set by the caller"
                )
            ),
        ),
    }
