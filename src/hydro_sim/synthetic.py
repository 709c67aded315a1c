"""Regional tools that build synthetic hourly series from a site's coordinates and statistics.

Nothing here knows a case: every generator takes its site and its statistics as arguments (a case study such
as :mod:`hydro_sim.cases.lianghekou.reference_year` passes its sourced figures and labelled assumptions).

- :class:`TouTariff`: a time-of-use tariff (the period of each clock hour, month-specific overrides such as a
  critical peak, multipliers of a flat price, the local time zone); :meth:`TouTariff.price` and
  :meth:`TouTariff.period`.
- :func:`monthly_shaped_inflow_m3s`: river flow with a monthly shape of the annual runoff, a mean, and smooth
  seeded day-to-day variability; every month keeps its target mean exactly.
- :func:`clear_sky_poa` and :func:`pv_shape`: pvlib clear-sky irradiance on a tilted plane at a site, and a
  seeded all-sky weather pattern through a cell-temperature model.
- :func:`wind_power_mw`: seeded Weibull wind speeds through a generic power curve.
- :func:`scale_to_full_load_hours`, :func:`full_load_hours`, :func:`ar1`, :func:`mid_month_interp`.

Examples
--------
>>> t = TouTariff(name="two-rate", hour_periods=("night",) * 7 + ("day",) * 16 + ("night",),
...               multipliers={"night": 0.5, "day": 1.0})
>>> t.price(pd.date_range("2030-01-01 06:00", periods=2, freq="h"), 100.0).tolist()
[50.0, 100.0]
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv

__all__ = [
    "SICHUAN_TOU_2023",
    "TOU_MULTIPLIERS",
    "TouTariff",
    "ar1",
    "clear_sky_poa",
    "full_load_hours",
    "mid_month_interp",
    "monthly_shaped_inflow_m3s",
    "pv_shape",
    "scale_to_full_load_hours",
    "wind_power_mw",
]


# =====================================================================================================
# Time-of-use tariff
# =====================================================================================================
@dataclass(frozen=True, kw_only=True)
class TouTariff:
    """A time-of-use tariff: the period of every clock hour, month overrides, multipliers of a flat price.

    Parameters
    ----------
    name : Name used in messages and provenance.
    hour_periods : The period of each clock hour 00–23 (24 names).
    multipliers : Price of each period relative to the flat price. [-]
    month_overrides : Month (1–12) → (clock hours, period) that replace ``hour_periods`` in that month
        (e.g. a critical peak in July and August).
    utc_offset_h : Local time of the tariff, hours east of UTC: a tz-aware index is converted to it, a
        tz-naive index is taken as local time. [h]
    """

    name: str
    hour_periods: tuple[str, ...]
    multipliers: Mapping[str, float]
    month_overrides: Mapping[int, tuple[tuple[int, ...], str]] = field(default_factory=dict)
    utc_offset_h: float = 0.0

    def __post_init__(self) -> None:
        where = f"TouTariff '{self.name}'"
        iv.text("name", self.name, "TouTariff")
        if len(self.hour_periods) != 24:
            raise iv.fail(
                "hour_periods",
                "must name the period of each of the 24 clock hours",
                len(self.hour_periods),
                where,
            )
        for p in (*self.hour_periods, *(per for _, per in self.month_overrides.values())):
            if p not in self.multipliers:
                raise iv.fail(
                    "hour_periods",
                    f"names a period without a multiplier {sorted(self.multipliers)}",
                    p,
                    where,
                )
        for name, m in self.multipliers.items():
            iv.non_negative(f"multipliers[{name!r}]", m, where)
        for month, (hours, _) in self.month_overrides.items():
            if not 1 <= int(month) <= 12 or not all(0 <= h <= 23 for h in hours):
                raise iv.fail(
                    "month_overrides", "must map months 1–12 to clock hours 0–23", (month, hours), where
                )
        iv.finite("utc_offset_h", self.utc_offset_h, where)

    @property
    def periods(self) -> tuple[str, ...]:
        """The periods, in the order of ``multipliers``."""
        return tuple(self.multipliers)

    def _local(self, index: Any, where: str) -> pd.DatetimeIndex:
        if not isinstance(index, pd.DatetimeIndex):
            raise iv.fail("index", "must be a pandas DatetimeIndex", type(index).__name__, where)
        if index.hasnans:
            i = int(np.argmax(np.asarray(index.isna())))
            raise iv.fail("index", f"must hold only time stamps, but step {i} is NaT", "NaT", where)
        if index.tz is not None:
            index = index.tz_convert(_dt.timezone(_dt.timedelta(hours=self.utc_offset_h)))
        return index

    def codes(self, index: pd.DatetimeIndex, where: str = "TouTariff.codes()") -> np.ndarray:
        """Index into :attr:`periods` of each step's period."""
        local = self._local(index, where)
        names = self.periods
        by_hour = np.array([names.index(p) for p in self.hour_periods], dtype=np.int8)
        hour = local.hour.to_numpy()
        month = local.month.to_numpy()
        code = by_hour[hour].copy()
        for m, (hours, period) in self.month_overrides.items():
            code[(month == m) & np.isin(hour, hours)] = names.index(period)
        return code

    def period(self, index: pd.DatetimeIndex, where: str = "TouTariff.period()") -> pd.Series:
        """The period name of each step, on ``index``."""
        names = np.asarray(self.periods, dtype=object)[self.codes(index, where)]
        return pd.Series(names, index=index, name="tou_period")

    def price(
        self, index: pd.DatetimeIndex, flat_price_per_mwh: float, where: str = "TouTariff.price()"
    ) -> pd.Series:
        """The flat price times each step's period multiplier, on ``index``. [money/MWh]"""
        codes = self.codes(index, where)
        flat = iv.positive("flat_price_per_mwh", flat_price_per_mwh, where)
        mult = np.array([self.multipliers[n] for n in self.periods])[codes]
        return pd.Series(flat * mult, index=index, name="price_per_mwh")


# -- a regional tariff --------------------------------------------------------------------------------
#: Price of each TOU period relative to the flat price under the Sichuan notice 川发改价格规〔2023〕186号. [-]
TOU_MULTIPLIERS: dict[str, float] = {"valley": 0.4, "flat": 1.0, "peak": 1.6, "critical": 1.92}
#: The Sichuan time-of-use tariff 川发改价格规〔2023〕186号 (in force since 2023-06-01): valley 23:00–07:00, flat 07–10,
#: 12–15 and 21–23, peak 10–12 and 15–21, the critical peak in place of the peak at 15:00–17:00 in July and
#: August and at 19:00–21:00 in January and December; Beijing time (UTC+8).
SICHUAN_TOU_2023 = TouTariff(
    name="Sichuan TOU 川发改价格规〔2023〕186号",
    hour_periods=("valley",) * 7
    + ("flat",) * 3
    + ("peak",) * 2
    + ("flat",) * 3
    + ("peak",) * 6
    + ("flat",) * 2
    + ("valley",),
    multipliers=TOU_MULTIPLIERS,
    month_overrides={
        7: ((15, 16), "critical"),
        8: ((15, 16), "critical"),
        1: ((19, 20), "critical"),
        12: ((19, 20), "critical"),
    },
    utc_offset_h=8.0,
)


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


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) series y_t = φ y_{t−1} + √(1 − φ²) e_t with standard-normal marginals, 0 < φ < 1.

    Vectorised by the closed form y_{s+j} = φ^j (φ y_{s−1} + Σ_{i≤j} φ^{−i} √(1 − φ²) e_{s+i}) over blocks
    short enough that φ^{−i} stays far below the float range.
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


def mid_month_interp(
    monthly: tuple[float, ...] | np.ndarray, year: int, steps_per_day: int = 1
) -> np.ndarray:
    """Monthly values placed at mid-month, interpolated linearly (periodically) to every step of ``year``.

    ``steps_per_day`` = 1 gives one value per day, 24 one per hour (each at the middle of its step).
    """
    days = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)], dtype=float) * steps_per_day
    mid = np.cumsum(days) - days / 2.0  # position of each mid-month, in steps from 1 January
    n = int(days.sum())
    return np.interp(np.arange(n) + 0.5, mid, np.asarray(monthly, dtype=float), period=n)


def scale_to_full_load_hours(
    shape: np.ndarray, capacity_mw: float, hours_h: float, dt_h: float, field: str, where: str
) -> np.ndarray:
    """k·shape clipped to [0, capacity], with k solved so the full-load hours are exactly ``hours_h``.

    ``field`` and ``where`` name the argument and the function in the message when no k can reach the hours.
    """
    from scipy.optimize import brentq

    positive = shape > 0.0
    max_hours = float(np.count_nonzero(positive)) * dt_h
    if hours_h >= max_hours:
        raise iv.fail(
            field,
            f"must be below the {max_hours:g} h in which the profile is above zero "
            "(every such hour at full load)",
            hours_h,
            where,
        )
    k_max = capacity_mw / float(shape[positive].min())

    def excess(k: float) -> float:
        return float(np.minimum(k * shape, capacity_mw).sum()) * dt_h / capacity_mw - hours_h

    k = brentq(excess, 0.0, k_max, xtol=1e-9, rtol=1e-12, maxiter=500)
    return np.minimum(k * shape, capacity_mw)


def _month_means(values: np.ndarray, month: np.ndarray, hours_in_month: np.ndarray) -> np.ndarray:
    return np.bincount(month, weights=values, minlength=13)[1:] / hours_in_month


# =====================================================================================================
# Inflow
# =====================================================================================================
def monthly_shaped_inflow_m3s(
    index: pd.DatetimeIndex,
    rng: np.random.Generator,
    *,
    mean_m3s: float,
    monthly_share_pct: tuple[float, ...],
    daily_phi: float,
    daily_sigma: float,
    smooth_passes: int = 8,
) -> np.ndarray:
    """Hourly river flow over one calendar year's ``index`` (hourly, from 1 January) with an exact monthly shape.

    The monthly means Q_m = s_m · mean · hours / h_m (shares s_m of the annual runoff, h_m hours in month m)
    are interpolated between mid-months, multiplied by a daily log-normal AR(1) factor (``daily_phi``,
    ``daily_sigma``), interpolated linearly between daily values at noon, pulled towards each month's Q_m by
    ``smooth_passes`` smooth corrections (interpolated between mid-months, so no jump at month ends) and
    finally rescaled month by month so each month's mean is exactly Q_m. [m³/s]
    """
    year = int(index[0].year)
    month = index.month.to_numpy()
    share = np.asarray(monthly_share_pct) / 100.0
    hours_in_month = np.bincount(month, minlength=13)[1:].astype(float)
    target_m3s = share * mean_m3s * len(index) / hours_in_month  # monthly means, volume-weighted
    daily = mid_month_interp(target_m3s, year)
    x = ar1(rng, daily.size, daily_phi) * daily_sigma
    daily = daily * np.exp(x - 0.5 * daily_sigma**2)
    # smooth within the day: linear between daily values placed at noon
    q = np.interp(np.arange(len(index), dtype=float), 24.0 * np.arange(daily.size) + 12.0, daily)
    # Pull every month to its target mean with a smooth correction (interpolated between mid-months), then
    # close the small remainder with one exact step per month; a plain step would jump at month ends.
    for _ in range(smooth_passes):
        q = q * mid_month_interp(target_m3s / _month_means(q, month, hours_in_month), year, 24)
    return q * (target_m3s / _month_means(q, month, hours_in_month))[month - 1]


# =====================================================================================================
# PV
# =====================================================================================================
@functools.lru_cache(maxsize=8)
def clear_sky_poa(
    year: int,
    *,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    tilt_deg: float,
    surface_azimuth_deg: float,
    albedo: float,
    utc_offset_h: int,
    air_temperature_c: tuple[float, float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky plane-of-array irradiance [W/m²] and air temperature [°C] of every hour of ``year`` at a site.

    pvlib's solar position at mid-hour (the hour's average, local time ``utc_offset_h`` east of UTC), the
    Ineichen clear sky with the monthly Linke turbidity of the table shipped with pvlib (no network), Hay–Davies
    transposition to ``tilt_deg`` facing ``surface_azimuth_deg``. Evaluated only while the sun is up, so no
    night-time division by cos(zenith) happens. ``air_temperature_c`` = (annual mean, seasonal amplitude,
    daily amplitude): a cosine year with its minimum in mid-January and a cosine day peaking at 15:00.
    Cached; the arrays are read-only.
    """
    from pvlib import atmosphere, clearsky, irradiance, solarposition

    idx = pd.date_range(f"{year}-01-01", periods=365 * 24, freq="h")
    mid = (idx + pd.Timedelta(minutes=30)).tz_localize(f"Etc/GMT{-int(utc_offset_h):+d}")
    lat, lon = latitude_deg, longitude_deg
    sp = solarposition.get_solarposition(mid, lat, lon, altitude=altitude_m)
    app_zen = sp["apparent_zenith"].to_numpy()
    up = app_zen < 90.0
    zen, azi, app_zen = sp["zenith"].to_numpy()[up], sp["azimuth"].to_numpy()[up], app_zen[up]
    doy = idx.day_of_year.to_numpy()
    # Monthly Linke turbidity from the table shipped with pvlib (LinkeTurbidities.h5, no network),
    # interpolated to days as pvlib does (months at their middles).
    months = pd.DatetimeIndex([pd.Timestamp(year, m, 15, tz="UTC") for m in range(1, 13)])
    tl_month = clearsky.lookup_linke_turbidity(months, lat, lon, interp_turbidity=False).to_numpy()
    tl = np.repeat(mid_month_interp(tl_month, year), 24)[up]
    am_rel = atmosphere.get_relative_airmass(app_zen)
    am_abs = atmosphere.get_absolute_airmass(am_rel, atmosphere.alt2pres(altitude_m))
    dni_extra = irradiance.get_extra_radiation(doy[up])
    cs = clearsky.ineichen(app_zen, am_abs, tl, altitude=altitude_m, dni_extra=dni_extra)
    poa = irradiance.get_total_irradiance(
        tilt_deg,
        surface_azimuth_deg,
        zen,
        azi,
        cs["dni"],
        cs["ghi"],
        cs["dhi"],
        dni_extra=dni_extra,
        airmass=am_rel,
        albedo=albedo,
        model="haydavies",
    )
    g = np.zeros(idx.size)
    g[up] = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float), nan=0.0).clip(min=0.0)
    hour_mid = idx.hour.to_numpy() + 0.5
    t_mean, t_season, t_day = air_temperature_c
    t_air = (
        t_mean
        - t_season * np.cos(2.0 * np.pi * (doy - 15.0) / 365.0)
        + t_day * np.cos(2.0 * np.pi * (hour_mid - 15.0) / 24.0)
    )
    g.setflags(write=False)
    t_air.setflags(write=False)
    return g, t_air


def pv_shape(
    index: pd.DatetimeIndex,
    rng: np.random.Generator,
    *,
    clear_sky: tuple[np.ndarray, np.ndarray],
    monthly_clearness: tuple[float, ...],
    daily_concentration: float,
    daily_phi: float,
    hourly_phi: float,
    hourly_sigma: float,
    max_enhancement: float,
    gamma_per_c: float,
    wind_speed_m_s: float,
) -> np.ndarray:
    """Relative DC output per kW of modules under a seeded weather pattern (before scaling). [kW/kWp]

    ``clear_sky`` is :func:`clear_sky_poa`'s (irradiance, air temperature). The daily clearness is Beta
    distributed around ``monthly_clearness`` (spread ``daily_concentration``, AR(1) ``daily_phi`` across
    days), passing clouds a log-normal AR(1) noise scaled by (1 − daily clearness), capped at
    ``max_enhancement`` × clear sky; SAPM cell temperature (open rack) and the PVWatts coefficient.
    """
    from pvlib import pvsystem, temperature
    from scipy.special import betaincinv, ndtr

    year = int(index[0].year)
    g_clear, t_air = clear_sky
    n_days = len(index) // 24
    mu = mid_month_interp(monthly_clearness, year)
    u = ndtr(ar1(rng, n_days, daily_phi))
    kappa = daily_concentration
    k_day = betaincinv(mu * kappa, (1.0 - mu) * kappa, u)  # daily clearness, Beta-distributed
    sigma_h = hourly_sigma * np.repeat(1.0 - k_day, 24)
    noise = np.exp(sigma_h * ar1(rng, len(index), hourly_phi) - 0.5 * sigma_h**2)
    factor = np.clip(np.repeat(k_day, 24) * noise, 0.0, max_enhancement)
    g = g_clear * factor
    params = temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    t_cell = temperature.sapm_cell(g, t_air, wind_speed_m_s, **params)
    return np.asarray(pvsystem.pvwatts_dc(g, t_cell, 1.0, gamma_per_c), dtype=float).clip(min=0.0)


# =====================================================================================================
# Wind
# =====================================================================================================
def wind_power_mw(
    index: pd.DatetimeIndex,
    rng: np.random.Generator,
    capacity_mw: float,
    hours_h: float,
    *,
    weibull_shape: float,
    hourly_phi: float,
    monthly_scale: tuple[float, ...],
    diurnal_amplitude: float,
    cut_in_m_s: float,
    rated_m_s: float,
    field: str = "wind_full_load_hours_h",
    where: str = "wind_power_mw()",
) -> np.ndarray:
    """Seeded wind power: AR(1) → Weibull speeds → a cubic power curve, speeds scaled to hit ``hours_h``. [MW]

    An hourly AR(1) Gaussian (``hourly_phi``) mapped to Weibull (``weibull_shape``) speeds with a monthly
    scale and an afternoon peak (±``diurnal_amplitude`` at 15:00), through a cubic curve from ``cut_in_m_s``
    to ``rated_m_s`` (no cut-out); the speed scale is solved so the full-load hours are exactly ``hours_h``.
    """
    from scipy.optimize import brentq
    from scipy.special import ndtr

    year = int(index[0].year)
    z = ar1(rng, len(index), hourly_phi)
    u = np.clip(ndtr(z), 1e-12, 1.0 - 1e-12)
    scale = np.repeat(mid_month_interp(monthly_scale, year), 24)
    hour_mid = index.hour.to_numpy() + 0.5
    diurnal = 1.0 + diurnal_amplitude * np.cos(2.0 * np.pi * (hour_mid - 15.0) / 24.0)
    v = scale * diurnal * (-np.log1p(-u)) ** (1.0 / weibull_shape)  # relative speed, mean ≈ 0.9
    if capacity_mw == 0.0:
        return np.zeros(len(index))
    vin3, vr3 = cut_in_m_s**3, rated_m_s**3

    def power_pu(m: float) -> np.ndarray:
        return np.clip(((m * v) ** 3 - vin3) / (vr3 - vin3), 0.0, 1.0)

    def excess(m: float) -> float:
        return float(power_pu(m).sum()) - hours_h

    m_hi = rated_m_s / float(v.min())
    if excess(m_hi) <= 0.0:
        raise iv.fail(
            field,
            f"must be below {float(power_pu(m_hi).sum()):g} h, the most the wind profile can give",
            hours_h,
            where,
        )
    m = brentq(excess, 0.0, m_hi, xtol=1e-12, rtol=1e-13, maxiter=200)  # speed scale [m/s per unit]
    return capacity_mw * power_pu(m)
