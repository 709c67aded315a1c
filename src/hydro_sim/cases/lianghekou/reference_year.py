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
from hydro_sim.synthetic import (
    SICHUAN_TOU_2023,
    TOU_MULTIPLIERS,
    clear_sky_poa,
    full_load_hours,
    monthly_shaped_inflow_m3s,
    pv_shape,
    scale_to_full_load_hours,
    wind_power_mw,
)

__all__ = [
    "FLOOD_SEASON_MONTHS",
    "MONTHLY_INFLOW_SHARE_PCT",
    "PV_ALTITUDE_M",
    "PV_SURFACE_AZIMUTH_DEG",
    "PV_TILT_DEG",
    "SICHUAN_TOU_2023",
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
# TOU_MULTIPLIERS and SICHUAN_TOU_2023 (the regional tariff) live in hydro_sim.synthetic.

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
    return SICHUAN_TOU_2023.period(index, "sichuan_tou_period()")


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
    The tariff is :data:`SICHUAN_TOU_2023`, a :class:`hydro_sim.synthetic.TouTariff`.

    Examples
    --------
    >>> idx = pd.DatetimeIndex(["2030-03-03 03:00", "2030-03-03 08:00", "2030-06-10 20:00",
    ...                         "2030-12-10 20:00"])
    >>> sichuan_tou_price(idx, 500.0).tolist()
    [200.0, 500.0, 800.0, 960.0]
    """
    return SICHUAN_TOU_2023.price(index, flat_price_per_mwh, "sichuan_tou_price()")


# =====================================================================================================
# The site's series (the regional tools of hydro_sim.synthetic with the case's figures)
# =====================================================================================================
def _inflow_upper_m3s(index: pd.DatetimeIndex, rng: np.random.Generator, mean_m3s: float) -> np.ndarray:
    return monthly_shaped_inflow_m3s(
        index,
        rng,
        mean_m3s=mean_m3s,
        monthly_share_pct=MONTHLY_INFLOW_SHARE_PCT,
        daily_phi=_INFLOW_DAILY_PHI,
        daily_sigma=_INFLOW_DAILY_SIGMA,
        smooth_passes=_INFLOW_SMOOTH_PASSES,
    )


def _pv_clear_sky(year: int) -> tuple[np.ndarray, np.ndarray]:
    """Clear-sky plane-of-array irradiance [W/m²] and air temperature [°C] at the dam (cached)."""
    return clear_sky_poa(
        year,
        latitude_deg=LIANGHEKOU_LATITUDE_DEG,
        longitude_deg=LIANGHEKOU_LONGITUDE_DEG,
        altitude_m=PV_ALTITUDE_M,
        tilt_deg=PV_TILT_DEG,
        surface_azimuth_deg=PV_SURFACE_AZIMUTH_DEG,
        albedo=_PV_ALBEDO,
        utc_offset_h=8,
        air_temperature_c=(_AIR_T_MEAN_C, _AIR_T_SEASON_C, _AIR_T_DAY_C),
    )


def _pv_shape(index: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Relative DC output per kW of modules at the site under a seeded weather pattern. [kW/kWp]"""
    return pv_shape(
        index,
        rng,
        clear_sky=_pv_clear_sky(int(index[0].year)),
        monthly_clearness=_PV_MONTHLY_CLEARNESS,
        daily_concentration=_PV_DAILY_CONCENTRATION,
        daily_phi=_PV_DAILY_PHI,
        hourly_phi=_PV_HOURLY_PHI,
        hourly_sigma=_PV_HOURLY_SIGMA,
        max_enhancement=_PV_MAX_ENHANCEMENT,
        gamma_per_c=_PV_GAMMA_PER_C,
        wind_speed_m_s=_PV_WIND_SPEED_M_S,
    )


def _wind_mw(
    index: pd.DatetimeIndex, rng: np.random.Generator, capacity_mw: float, hours_h: float
) -> np.ndarray:
    """Seeded wind power at the site, scaled to ``hours_h`` full-load hours. [MW]"""
    return wind_power_mw(
        index,
        rng,
        capacity_mw,
        hours_h,
        weibull_shape=_WIND_WEIBULL_SHAPE,
        hourly_phi=_WIND_HOURLY_PHI,
        monthly_scale=_WIND_MONTHLY_SCALE,
        diurnal_amplitude=_WIND_DIURNAL_AMPLITUDE,
        cut_in_m_s=_WIND_CUT_IN_M_S,
        rated_m_s=_WIND_RATED_M_S,
        where=_WHERE,
    )


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
    pv_profile = _pv_shape(index, rng_pv)
    pv = (
        scale_to_full_load_hours(
            pv_profile, a["pv_capacity_mw"], a["pv_full_load_hours_h"], 1.0, "pv_full_load_hours_h", _WHERE
        )
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
