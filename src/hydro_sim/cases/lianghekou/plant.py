"""The Lianghekou (两河口) hybrid pumped-storage plant, every figure with its source or ASSUMPTION label.

Figures come from ``shared/data/lianghekou_sources.md`` (compiled 2026-11-26). Where the sources give
no value, the default is a labelled ASSUMPTION picked inside the range the sources suggest, with the
reason; it is to be replaced when real data appear. ``hydro-sim plant`` prints them all.

Examples
--------
>>> plant = lianghekou()
>>> plant.reversible.n_units, plant.reversible.rated_power_mw, plant.conventional.max_power_mw
(4, 300.0, 3000.0)
>>> plant.upper.max_level_masl, plant.upper.min_level_masl
(2865.0, 2785.0)
>>> plant.provenance["reversible.turbine_efficiency"].kind
'assumption'
"""

from __future__ import annotations

import math

import numpy as np

from hydro_sim import _validation as iv
from hydro_sim.constants import (
    G_M_S2,
    HM3_PER_M3S_HOUR,
    HM3_PER_WAN_M3,
    HOURS_PER_YEAR,
    KWH_PER_MWH,
    KWH_PER_YI_KWH,
    M3_PER_HM3,
    M3_PER_YI_M3,
    RHO_WATER_KG_M3,
    SECONDS_PER_HOUR,
    W_PER_MW,
)
from hydro_sim.network import Link, Network, PumpTurbineLink, Release, RiverSink, Spillway, TurbineLink
from hydro_sim.plant import (
    GridLine,
    LevelVolumeCurve,
    Outlet,
    Plant,
    Provenance,
    ProvenanceKind,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
)

__all__ = [
    "LIANGHEKOU_LATITUDE_DEG",
    "LIANGHEKOU_LONGITUDE_DEG",
    "MEAN_INFLOW_M3S",
    "PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH",
    "PUBLISHED_PSH_GENERATION_YI_KWH",
    "PUBLISHED_YAGEN_I_GENERATION_YI_KWH",
    "YAGEN_I_CAPACITY_MW",
    "YAGEN_I_MAX_FLOW_M3S",
    "lianghekou",
    "lianghekou_network",
    "yagen_i_annual_flow_hm3",
    "yagen_i_calibrated_head_m",
]

_SRC = "shared/data/lianghekou_sources.md"

# -- sourced figures (sources file section in brackets) ---------------------------------------------
#: Annual generation of the reversible units from pumped water: 13.97亿 kWh [§0, §3a]. H.
PUBLISHED_PSH_GENERATION_YI_KWH = 13.97
#: Mean annual generation of the conventional units: about 110亿 kWh [§1]. H.
PUBLISHED_CONVENTIONAL_GENERATION_YI_KWH = 110.0
#: Mean annual flow at the Lianghekou dam [§1, §4]. H. [m³/s]
MEAN_INFLOW_M3S = 664.0
#: Dam coordinates 30°11′49″N, 101°00′39″E [§1]. M. [deg]
LIANGHEKOU_LATITUDE_DEG = 30.0 + 11.0 / 60.0 + 49.0 / 3600.0
LIANGHEKOU_LONGITUDE_DEG = 101.0 + 0.0 / 60.0 + 39.0 / 3600.0

NORMAL_POOL_LEVEL_MASL = 2865.0  # §1, gov.cn/Xinhua 2014. H
DEAD_LEVEL_MASL = 2785.0  # §1, bjbjgs.com. M
STORAGE_AT_NORMAL_POOL_HM3 = 101.54 * M3_PER_YI_M3 / M3_PER_HM3  # §1, 101.54×10⁸ m³. M
REGULATING_STORAGE_HM3 = 65.6 * M3_PER_YI_M3 / M3_PER_HM3  # §1, 65.6×10⁸ m³. H
DEAD_STORAGE_HM3 = STORAGE_AT_NORMAL_POOL_HM3 - REGULATING_STORAGE_HM3  # §1, derived 35.94×10⁸ m³. L–M
DAM_BASE_MASL = 2875.0 - 295.0  # §8: crest 2,875 m − height 295 m ≈ 2,580 m (derived)

#: Yagen-I level–storage points from the MIKE 21 batch model (emthaibara/mike-batch) [addendum §2b]. M.
YAGEN_LEVEL_MASL = (2598.0, 2599.0, 2600.0, 2601.0, 2602.0, 2603.0, 2604.0, 2605.0)
YAGEN_STORAGE_WAN_M3 = (2767.78, 3039.17, 3320.46, 3612.30, 3915.02, 4228.02, 4550.39, 4881.30)


def _upper_curve() -> LevelVolumeCurve:
    """Lianghekou level–volume table.

    Only two (level, volume) points are sourced: the dead level with the dead storage and the normal pool
    level with its storage. Between and beyond them the shape is an ASSUMPTION: a power law
    V = V_npl·((z − z_b)/(2865 − z_b))ⁿ from the dam base z_b ≈ 2,580 m, with n fitted through both
    points (n ≈ 3.15, in the usual 2–3.5 of valley reservoirs). It gives ≈ 10,720 hm³ at 2,870 m, close to
    the sourced total storage of 107.67×10⁸ m³ (check-flood level not sourced), a consistency check.
    """
    n = math.log(STORAGE_AT_NORMAL_POOL_HM3 / DEAD_STORAGE_HM3) / math.log(
        (NORMAL_POOL_LEVEL_MASL - DAM_BASE_MASL) / (DEAD_LEVEL_MASL - DAM_BASE_MASL)
    )
    z = np.arange(2700.0, 2875.0 + 1e-9, 5.0)
    v = STORAGE_AT_NORMAL_POOL_HM3 * ((z - DAM_BASE_MASL) / (NORMAL_POOL_LEVEL_MASL - DAM_BASE_MASL)) ** n
    return LevelVolumeCurve(
        level_masl=tuple(z), volume_hm3=tuple(np.round(v, 3)), where="lianghekou() upper curve"
    )


def _lower_curve() -> LevelVolumeCurve:
    """Yagen-I level–volume table from the MIKE batch model (万 m³ → hm³)."""
    z = np.asarray(YAGEN_LEVEL_MASL)
    v = np.asarray(YAGEN_STORAGE_WAN_M3) * HM3_PER_WAN_M3
    return LevelVolumeCurve(level_masl=tuple(z), volume_hm3=tuple(v), where="lianghekou() lower curve")


def _months(value: object, where: str) -> frozenset[int]:
    """The flood-limit months: a non-empty list, tuple or set of whole numbers 1–12."""
    if not isinstance(value, (tuple, list, set, frozenset)):
        raise iv.fail(
            "flood_limit_months", "must list months as whole numbers 1–12, e.g. (6, 7, 8, 9)", value, where
        )
    if not value:
        raise iv.fail("flood_limit_months", "must list at least one month", tuple(value), where)
    for m in value:
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= 12:
            raise iv.fail(
                "flood_limit_months",
                f"must list months as whole numbers 1–12, not {m!r}",
                tuple(value),
                where,
            )
    return frozenset(int(m) for m in value)


def lianghekou(
    *,
    lower_usable_volume_hm3: float | None = None,
    flood_limit_level_masl: float | None = None,
    flood_limit_months: tuple[int, ...] = (6, 7, 8, 9),
    upper_initial_level_masl: float = 2850.0,
    lower_initial_level_masl: float = 2601.5,
    line_capacity_mw: float = 4200.0,
) -> Plant:
    """The Lianghekou hybrid plant: 4 × 300 MW reversible units beside 6 × 500 MW conventional units.

    Parameters
    ----------
    lower_usable_volume_hm3 : Usable volume of the Yagen-I lower reservoir between 2,598 and 2,605 m.
        Default: the MIKE model table's 21.1 hm³ (sources addendum §2b, L as regulating storage). [hm³]
    flood_limit_level_masl : Flood-limit level of the upper reservoir in ``flood_limit_months``; none by
        default (sources §8: no flood-limit level found; 2,845 m is the suggested sensitivity case). [m a.s.l.]
    flood_limit_months : Months (1–12) in which the flood-limit level applies; a non-empty list, checked even
        when no flood-limit level is given.
    upper_initial_level_masl : Upper level at the start of a run; ASSUMPTION 2,850 m. [m a.s.l.]
    lower_initial_level_masl : Lower level at the start of a run; ASSUMPTION mid-band 2,601.5 m. [m a.s.l.]
    line_capacity_mw : Grid line limit; ASSUMPTION 4,200 MW. [MW]

    Returns
    -------
    Plant with a provenance record for every parameter.
    """
    where = "lianghekou()"
    months = _months(flood_limit_months, where)
    monthly_max = None
    if flood_limit_level_masl is not None:
        flz = iv.finite("flood_limit_level_masl", flood_limit_level_masl, where)
        if not DEAD_LEVEL_MASL < flz <= NORMAL_POOL_LEVEL_MASL:
            raise iv.fail(
                "flood_limit_level_masl",
                f"must lie above the dead level ({DEAD_LEVEL_MASL:g} m) and "
                f"at most the normal pool level ({NORMAL_POOL_LEVEL_MASL:g} m)",
                flz,
                where,
            )
        monthly_max = tuple(flz if m in months else NORMAL_POOL_LEVEL_MASL for m in range(1, 13))
    z0_up = iv.finite("upper_initial_level_masl", upper_initial_level_masl, where)
    if not DEAD_LEVEL_MASL <= z0_up <= NORMAL_POOL_LEVEL_MASL:
        raise iv.fail(
            "upper_initial_level_masl",
            f"must lie between the dead level ({DEAD_LEVEL_MASL:g} m) and "
            f"the normal pool level ({NORMAL_POOL_LEVEL_MASL:g} m)",
            z0_up,
            where,
        )
    z0_lo = iv.finite("lower_initial_level_masl", lower_initial_level_masl, where)
    if not YAGEN_LEVEL_MASL[0] <= z0_lo <= YAGEN_LEVEL_MASL[-1]:
        raise iv.fail(
            "lower_initial_level_masl",
            f"must lie within Yagen-I's operating band [{YAGEN_LEVEL_MASL[0]:g}, {YAGEN_LEVEL_MASL[-1]:g}] m",
            z0_lo,
            where,
        )
    line_mw = iv.number_or_inf("line_capacity_mw", line_capacity_mw, where)
    if line_mw <= 0.0:
        raise iv.fail("line_capacity_mw", "must be positive (math.inf for no limit)", line_mw, where)
    if lower_usable_volume_hm3 is not None:
        iv.positive("lower_usable_volume_hm3", lower_usable_volume_hm3, where)

    upper = Reservoir(
        name="Lianghekou",
        curve=_upper_curve(),
        min_level_masl=DEAD_LEVEL_MASL,
        max_level_masl=NORMAL_POOL_LEVEL_MASL,
        initial_level_masl=upper_initial_level_masl,
        monthly_max_level_masl=monthly_max,
    )
    lower = Reservoir(
        name="Yagen-I",
        curve=_lower_curve(),
        min_level_masl=2598.0,
        max_level_masl=2605.0,
        initial_level_masl=lower_initial_level_masl,
    )
    if lower_usable_volume_hm3 is not None:
        # Scaled above 2,598 m over the same band: the sources say Yagen-I "will need to be expanded".
        lower = lower.with_usable_volume(lower_usable_volume_hm3)
    conventional = TurbineGroup(
        name="Lianghekou conventional",
        n_units=6,
        rated_power_mw=500.0,
        max_flow_m3s=249.0,
        efficiency=0.92,
        min_power_mw=200.0,
        head_loss_coefficient_s2_per_m5=3.4e-6,
    )
    reversible = PumpTurbineGroup(
        name="Lianghekou reversible",
        n_units=4,
        rated_power_mw=300.0,
        max_flow_m3s=156.25,
        turbine_efficiency=0.90,
        rated_pumping_power_mw=300.0,
        pump_efficiency=0.90,
        pump_power_band_fraction=0.03,
        min_power_mw=150.0,
        head_loss_coefficient_s2_per_m5=2.56e-5,
    )
    outlet = Outlet(environmental_min_flow_m3s=round(0.1 * MEAN_INFLOW_M3S, 1))
    line = GridLine(capacity_mw=line_capacity_mw)

    S: ProvenanceKind = "source"
    D: ProvenanceKind = "derived"
    A: ProvenanceKind = "assumption"
    lower_usable = (
        f"{lower_usable_volume_hm3:g} hm³ set by the caller (Yagen-I table scaled above 2,598 m)"
        if lower_usable_volume_hm3 is not None
        else "MIKE 21 batch model table (emthaibara/mike-batch, z0/v0_cases.csv), 27.68 hm³ at 2,598 m to "
        "48.81 hm³ at 2,605 m (万 m³ × 0.01); addendum §2b"
    )
    prov = {
        "upper.curve": Provenance(
            kind=A,
            text=(
                "power-law shape V ∝ (z − 2,580 m)^3.15 through two sourced points, dead storage 35.94×10⁸ m³ at "
                "2,785 m (derived 101.54 − 65.6) and 101.54×10⁸ m³ at 2,865 m (§1); gives ≈107×10⁸ m³ near 2,870 m "
                "against the sourced total storage 107.67×10⁸ m³"
            ),
        ),
        "upper.min_level_masl": Provenance(
            kind=S, text="dead water level 2,785 m, bjbjgs.com (§1)", confidence="M"
        ),
        "upper.max_level_masl": Provenance(
            kind=S, text="normal pool level 2,865 m, gov.cn/Xinhua 2014 (§1)", confidence="H"
        ),
        "upper.initial_level_masl": Provenance(
            kind=A,
            text=(
                "2,850 m on 1 January: a multi-year reservoir filled to 2,865 m in the flood season and drawn down "
                "over the dry season (§1, §4); no level record was found"
            ),
        ),
        "upper.monthly_max_level_masl": Provenance(
            kind=A,
            text=(
                "flood-limit level set by the caller; none is sourced (§8 suggests 2,845 m Jun–Sep as a "
                "sensitivity case)"
            ),
        ),
        "lower.curve": Provenance(
            kind=S if lower_usable_volume_hm3 is None else "user",
            text=lower_usable,
            confidence="M" if lower_usable_volume_hm3 is None else "",
        ),
        "lower.min_level_masl": Provenance(
            kind=S,
            text=(
                "2,598 m, lowest initial level of the MIKE batch model (z0_cases.csv); L as the real dead level "
                "(addendum §2b)"
            ),
            confidence="L",
        ),
        "lower.max_level_masl": Provenance(
            kind=S,
            text=(
                "2,605 m, highest modelled level (z0_cases.csv); the old single-stage 牙根 plan had NWL 2,602 m; "
                "L as the real normal pool level (addendum §2b)"
            ),
            confidence="L",
        ),
        "lower.initial_level_masl": Provenance(kind=A, text="mid-band 2,601.5 m (no operating record)"),
        "conventional.n_units": Provenance(
            kind=S, text="6 × 500 MW Francis, Xinhua 2022 (§1)", confidence="H"
        ),
        "conventional.rated_power_mw": Provenance(
            kind=S, text="500 MW per unit, Xinhua 2022 (§1)", confidence="H"
        ),
        "conventional.max_flow_m3s": Provenance(
            kind=D,
            text=(
                "249 m³/s = 1,492/6, the largest Lianghekou outflow of the MIKE batch model (q1_cases.csv, "
                "addendum §3); §8's estimate 220 m³/s is the flow at rated head, 249 m³/s lets a unit reach "
                "500 MW down to ≈222 m net head"
            ),
            confidence="L",
        ),
        "conventional.efficiency": Provenance(kind=A, text="η_t = 0.92 wire-to-water (§8 uses 0.92)"),
        "conventional.min_power_mw": Provenance(
            kind=A, text="200 MW per unit (40 % of rating, usual Francis rough-zone floor); not sourced"
        ),
        "conventional.head_loss_coefficient_s2_per_m5": Provenance(
            kind=A,
            text=(
                "k = 3.4×10⁻⁶ s²/m⁵: ≈7.6 m (3 %) loss at the full 1,494 m³/s, §8 'take about 3 % hydraulic loss'"
            ),
        ),
        "reversible.n_units": Provenance(
            kind=S, text="4 × 300 MW reversible units, Xinhua (§3a)", confidence="H"
        ),
        "reversible.rated_power_mw": Provenance(kind=S, text="300 MW per unit, Xinhua (§3a)", confidence="H"),
        "reversible.max_flow_m3s": Provenance(
            kind=D,
            text=(
                "156.25 m³/s = 625/4 from the MIKE model's ±625 m³/s hybrid flow bound (q2_cases.csv, addendum §2b); "
                "§8 suggests 130–150 m³/s at rated head; 156.25 m³/s reaches 300 MW down to ≈218 m net head"
            ),
            confidence="L",
        ),
        "reversible.turbine_efficiency": Provenance(
            kind=A, text="η_t = 0.90 wire-to-water (§8: η_turbine 0.90)"
        ),
        "reversible.rated_pumping_power_mw": Provenance(
            kind=A, text=("300 MW input per unit (§8: 300–320 MW, fixed speed; DESIGN.md: 300 MW ± a few %)")
        ),
        "reversible.pump_efficiency": Provenance(
            kind=A,
            text=(
                "η_p = 0.90 (§8); with the waterway loss the cycle efficiency is ≈0.76 at rated flow, the §8 default "
                "(range 0.72–0.80)"
            ),
        ),
        "reversible.pump_power_band_fraction": Provenance(
            kind=A, text="±3 % fixed-speed input band (DESIGN.md §2)"
        ),
        "reversible.min_power_mw": Provenance(kind=A, text="150 MW per unit (50 % of rating); not sourced"),
        "reversible.head_loss_coefficient_s2_per_m5": Provenance(
            kind=A,
            text=(
                "k = 2.56×10⁻⁵ s²/m⁵: 10 m (≈4 %) loss at the full 625 m³/s, §8 'net head about 3–5 % below gross' "
                "for the ~10 km waterway to Yagen-I"
            ),
        ),
        "outlet.environmental_min_flow_m3s": Provenance(
            kind=A,
            text=(
                "66.4 m³/s = 10 % of the mean flow 664 m³/s (Tennant-style floor, §5 of the addendum); no EIA figure "
                "was found"
            ),
        ),
        "outlet.max_release_m3s": Provenance(
            kind=A,
            text=("no limit: Yagen-I's units (1,616 m³/s modelled) and spillway pass any flow; not modelled"),
        ),
        "outlet.max_ramp_m3s_per_h": Provenance(kind=A, text="no ramp limit below Yagen-I (none sourced)"),
        "line.capacity_mw": Provenance(
            kind=A,
            text=(
                "4,200 MW, the installed hydro capacity: the Ganzi PV shares the hydro plant's 500 kV outlet "
                "(hydro–PV complementary design, §5); no line rating was found"
            ),
        ),
    }
    if lower_usable_volume_hm3 is None:
        prov["lower.curve"] = Provenance(kind=S, text=lower_usable, confidence="M")
    if flood_limit_level_masl is None:
        del prov["upper.monthly_max_level_masl"]
    return Plant(
        name="Lianghekou hybrid pumped storage (两河口混合式抽水蓄能)",
        upper=upper,
        lower=lower,
        conventional=conventional,
        reversible=reversible,
        outlet=outlet,
        line=line,
        provenance=prov,
    )


# =====================================================================================================
# The three-node network: Lianghekou → Yagen-I → the river below Yagen-I (DESIGN.md §3)
# =====================================================================================================
#: Yagen-I's installed capacity: 30万 kW (Xinhua 2025-10-28, addendum §2a). H. [MW]
YAGEN_I_CAPACITY_MW = 300.0
#: Yagen-I's mean annual generation: ≈ 11.5亿 kWh = 1.15 TWh (Xinhua 2025-10-28, addendum §2a). H.
PUBLISHED_YAGEN_I_GENERATION_YI_KWH = 11.5
#: Yagen-I's largest outflow in the public MIKE 21 model's inputs, probably its plant's full discharge
#: (mike-batch q3_cases.csv; addendum §2b, second addendum §D). M/L. [m³/s]
YAGEN_I_MAX_FLOW_M3S = 1616.0
#: ASSUMPTION: 3 units of 100 MW (no source gives Yagen-I's number of units; only the 300 MW total).
YAGEN_I_N_UNITS = 3
#: ASSUMPTION: local inflow between the Lianghekou dam and Yagen-I as a fraction of the Lianghekou inflow,
#: the same 1.5 % as :func:`hydro_sim.reference_year`'s default (no source). [-]
YAGEN_I_LOCAL_INFLOW_FRACTION = 0.015
#: ASSUMPTION: Yagen-I's overall efficiency in its head calibration and in the model (second addendum §D
#: uses η ≈ 0.9). [-]
YAGEN_I_EFFICIENCY = 0.90
#: ASSUMPTION: the Yagen-I pool level at which the calibrated head holds: the mid-band 2,601.5 m (the
#: flow-weighted mean level of a pool operated over 2,598–2,605 m; no operating record). [m a.s.l.]
YAGEN_I_CALIBRATION_LEVEL_MASL = 2601.5
#: ASSUMPTION: the river reach's environmental minimum below Yagen-I, 10 % of the mean flow (Tennant-style
#: floor; addendum §5: no EIA figure found; the MIKE model's lowest Yagen-I outflow is 150 m³/s, not stated as
#: ecological). [m³/s]
YAGEN_I_ENVIRONMENTAL_MIN_FLOW_M3S = round(0.1 * MEAN_INFLOW_M3S, 1)
#: ASSUMPTION: the largest change of the river's flow below Yagen-I from one hour to the next, 10 % of the
#: mean flow per hour (no source; second addendum §D: with no ramp the model hydropeaks the reach 66 ↔ 2,000
#: m³/s within hours; at 5 m³/s per h the Yagen-I storage binds). A sensitivity parameter. [m³/s per h]
YAGEN_I_DEFAULT_RAMP_M3S_PER_H = round(0.1 * MEAN_INFLOW_M3S, 1)

_RIVER = "river below Yagen-I"


def yagen_i_annual_flow_hm3(
    mean_inflow_m3s: float = MEAN_INFLOW_M3S, local_inflow_fraction: float = YAGEN_I_LOCAL_INFLOW_FRACTION
) -> float:
    """The mean annual flow through Yagen-I: the Lianghekou mean flow plus the local inflow, over 8,760 h.

    .. math:: V = \\bar Q_{\\text{LHK}}\\,(1 + f)\\cdot 8760\\,\\text{h}\\cdot 0.0036\\ \\text{hm}^3/(\\text{m}^3/\\text{s}\\cdot\\text{h})

    Examples
    --------
    >>> round(yagen_i_annual_flow_hm3(), 1)     # 664 × 1.015 × 8,760 × 0.0036
    21254.0
    """
    return mean_inflow_m3s * (1.0 + local_inflow_fraction) * HOURS_PER_YEAR * HM3_PER_M3S_HOUR


def yagen_i_calibrated_head_m(
    *,
    annual_energy_yi_kwh: float = PUBLISHED_YAGEN_I_GENERATION_YI_KWH,
    annual_flow_hm3: float | None = None,
    efficiency: float = YAGEN_I_EFFICIENCY,
) -> float:
    """Yagen-I's mean net head implied by its published energy: a CALIBRATION, not data.

    No source gives Yagen-I's head. If the whole mean annual flow V passes its units at efficiency η, the
    published energy E fixes the mean head:

    .. math:: H = \\frac{E}{\\rho\\, g\\, \\eta\\, V}
              = \\frac{1.15\\cdot 10^{9}\\,\\text{kWh}\\cdot 3.6\\cdot 10^{6}\\,\\text{J/kWh}}
                      {1000 \\cdot 9.81 \\cdot 0.9 \\cdot 21{,}254\\cdot 10^{6}\\,\\text{m}^3}
              \\approx 22.06\\ \\text{m}

    (second addendum §D: "≈ 22 m, 1.15 TWh over ≈ 21,250 hm³/yr at η ≈ 0.9"). Because the head is fitted to
    the energy, a modelled Yagen-I energy near 1.15 TWh is a consistency check of the calibration, never a
    validation of the model. The whole flow can pass the units: their full discharge (1,616 m³/s) exceeds the
    largest daily mean inflow of the reference year (≈ 2.4 × 664 m³/s), and the Yagen-I pool buffers the hours.

    Parameters
    ----------
    annual_energy_yi_kwh : float
        Published annual energy. [亿 kWh]
    annual_flow_hm3 : float, optional
        Water through the units in a year; :func:`yagen_i_annual_flow_hm3` if not given. [hm³]
    efficiency : float
        Overall efficiency η. [-]

    Examples
    --------
    >>> round(yagen_i_calibrated_head_m(), 2)
    22.06
    """
    where = "yagen_i_calibrated_head_m()"
    e_mwh = iv.positive("annual_energy_yi_kwh", annual_energy_yi_kwh, where) * KWH_PER_YI_KWH / KWH_PER_MWH
    v_hm3 = yagen_i_annual_flow_hm3() if annual_flow_hm3 is None else annual_flow_hm3
    v_hm3 = iv.positive("annual_flow_hm3", v_hm3, where)
    eta = iv.efficiency("efficiency", efficiency, where)
    joules = e_mwh * W_PER_MW * SECONDS_PER_HOUR
    return joules / (RHO_WATER_KG_M3 * G_M_S2 * eta * v_hm3 * M3_PER_HM3)


def _rekey(prov: dict[str, Provenance]) -> dict[str, Provenance]:
    """The plant's provenance keyed by element name (``upper.`` → ``Lianghekou.``); the outlet's dropped."""
    names = {
        "upper": "Lianghekou",
        "lower": "Yagen-I",
        "conventional": "Lianghekou conventional",
        "reversible": "Lianghekou reversible",
        "line": "line",
    }
    out = {}
    for key, value in prov.items():
        role, _, leaf = key.partition(".")
        if role in names:
            out[f"{names[role]}.{leaf}"] = value
    return out


def lianghekou_network(
    *,
    lower_usable_volume_hm3: float | None = None,
    flood_limit_level_masl: float | None = None,
    flood_limit_months: tuple[int, ...] = (6, 7, 8, 9),
    upper_initial_level_masl: float = 2850.0,
    lower_initial_level_masl: float = 2601.5,
    line_capacity_mw: float = 4200.0,
    yagen_i_tailwater_level_masl: float | None = None,
    yagen_i_max_flow_m3s: float = YAGEN_I_MAX_FLOW_M3S,
    environmental_min_flow_m3s: float = YAGEN_I_ENVIRONMENTAL_MIN_FLOW_M3S,
    river_max_ramp_m3s_per_h: float = YAGEN_I_DEFAULT_RAMP_M3S_PER_H,
    reversible_generating_head_range_m: tuple[float, float] | None = None,
    reversible_pumping_head_range_m: tuple[float, float] | None = None,
) -> Network:
    """Lianghekou as the three-node network of DESIGN.md §3, with Yagen-I's own plant.

    ::

        Lianghekou ──Lianghekou conventional (6 × 500 MW)──┐
             ▲   │ ──Lianghekou spillway────────────────────┤
        pump │   │ generate: Lianghekou reversible (4 × 300 MW)
             └───┴──────────────────────────────────────► Yagen-I ──Yagen-I units (300 MW)──┐
                                                            │ ──Yagen-I spillway──────────────┤
                                                            │ ──Yagen-I release (ecological)──┤
                                                                                            ▼
                                                                             river below Yagen-I

    The reservoirs, the conventional and the reversible groups, the line and their provenance are those of
    :func:`lianghekou` (the arguments up to ``line_capacity_mw`` are its own); this adds Yagen-I's plant:

    - **Yagen-I units**: 300 MW (source, H) as 3 × 100 MW (ASSUMPTION: the number of units is not sourced),
      their full discharge 1,616 m³/s (the MIKE model's largest Yagen-I outflow, M/L), η = 0.90, no waterway
      loss (ASSUMPTIONS: folded into the calibrated head), 30 MW minimum stable output per unit (ASSUMPTION).
    - **Yagen-I's head: a CALIBRATION, not data.** No head is sourced. The river below Yagen-I is a sink
      whose tailwater level makes the net head at the mid-band pool level 2,601.5 m equal to the head that
      reproduces the published 11.5亿 kWh when the mean flow passes the units at η = 0.9
      (:func:`yagen_i_calibrated_head_m`, ≈ 22.06 m): 2,601.5 − 22.06 ≈ **2,579.44 m**. (Plausible: the
      Lianghekou dam's base, 20 km upstream, is at ≈ 2,580 m.) At that head 300 MW needs ≈ 1,540 m³/s, so
      the rating and the 1,616 m³/s agree to within 5 %.
    - **The river reach below Yagen-I** carries the release limits of the whole outflow (units, spillway and
      outlet together): the environmental minimum 66.4 m³/s (10 % of the mean flow, ASSUMPTION) and a ramp
      of 66.4 m³/s per h (ASSUMPTION; the sensitivity parameter of the second addendum §D).
    - **Yagen-I release**: the ecological outlet that passes the environmental flow when the units stand
      (e.g. below their minimum output), sized for it: at most 66.4 m³/s (ASSUMPTION).
    - **Spillways** of both reservoirs, unlimited and free (ASSUMPTION: no spillway capacity is sourced).
    - **The reversible units' head ranges**: not sourced (second addendum §E: the gross head spans ≈ 180–267 m,
      wide for fixed-speed units). ``None`` (unrestricted) by default; give them for a sensitivity case.

    Parameters
    ----------
    lower_usable_volume_hm3, flood_limit_level_masl, flood_limit_months, upper_initial_level_masl, \
lower_initial_level_masl, line_capacity_mw
        As in :func:`lianghekou`.
    yagen_i_tailwater_level_masl : float, optional
        The river level below Yagen-I; the calibration (≈ 2,579.44 m) if not given. [m a.s.l.]
    yagen_i_max_flow_m3s : float
        Full discharge of Yagen-I's units. [m³/s]
    environmental_min_flow_m3s : float
        The least flow of the river below Yagen-I. [m³/s]
    river_max_ramp_m3s_per_h : float
        The largest hourly change of that flow; ``math.inf`` for none. [m³/s per h]
    reversible_generating_head_range_m, reversible_pumping_head_range_m : tuple of two floats, optional
        The reversible units' net-head ranges in each mode; unrestricted if not given. [m]

    Returns
    -------
    Network with a provenance record for every parameter of every element (:meth:`Network.parameters`).

    Examples
    --------
    >>> net = lianghekou_network()
    >>> net.upstream_order(), [k.name for k in net.sinks]
    (('Lianghekou', 'Yagen-I'), ['river below Yagen-I'])
    >>> round(net.node("river below Yagen-I").tailwater_level_masl, 2)
    2579.44
    >>> net.provenance["river below Yagen-I.tailwater_level_masl"].kind
    'calibration'
    """
    where = "lianghekou_network()"
    plant = lianghekou(
        lower_usable_volume_hm3=lower_usable_volume_hm3,
        flood_limit_level_masl=flood_limit_level_masl,
        flood_limit_months=flood_limit_months,
        upper_initial_level_masl=upper_initial_level_masl,
        lower_initial_level_masl=lower_initial_level_masl,
        line_capacity_mw=line_capacity_mw,
    )
    assert plant.lower is not None and plant.conventional is not None and plant.reversible is not None
    head_m = yagen_i_calibrated_head_m()
    calibrated_tw = YAGEN_I_CALIBRATION_LEVEL_MASL - head_m
    if yagen_i_tailwater_level_masl is None:
        tailwater = calibrated_tw
    else:
        tailwater = iv.finite("yagen_i_tailwater_level_masl", yagen_i_tailwater_level_masl, where)
    q_max = iv.positive("yagen_i_max_flow_m3s", yagen_i_max_flow_m3s, where)
    emin = iv.non_negative("environmental_min_flow_m3s", environmental_min_flow_m3s, where)
    if emin == 0.0:
        outlet_max = math.inf  # no environmental flow to size the outlet for
    else:
        outlet_max = emin
    reversible = PumpTurbineLink(  # checks the head ranges
        units=plant.reversible,
        upper="Lianghekou",
        lower="Yagen-I",
        generating_head_range_m=reversible_generating_head_range_m,
        pumping_head_range_m=reversible_pumping_head_range_m,
    )
    gen_range, pump_range = reversible.generating_head_range_m, reversible.pumping_head_range_m
    yagen_units = TurbineGroup(
        name="Yagen-I units",
        n_units=YAGEN_I_N_UNITS,
        rated_power_mw=YAGEN_I_CAPACITY_MW / YAGEN_I_N_UNITS,
        max_flow_m3s=q_max / YAGEN_I_N_UNITS,
        efficiency=YAGEN_I_EFFICIENCY,
        min_power_mw=30.0,
        head_loss_coefficient_s2_per_m5=0.0,
    )
    river = RiverSink(
        name=_RIVER,
        tailwater_level_masl=tailwater,
        environmental_min_flow_m3s=emin,
        max_ramp_m3s_per_h=river_max_ramp_m3s_per_h,
    )
    links: tuple[Link, ...] = (
        TurbineLink(units=plant.conventional, from_node="Lianghekou", to_node="Yagen-I"),
        reversible,
        Spillway(name="Lianghekou spillway", from_node="Lianghekou", to_node="Yagen-I"),
        TurbineLink(units=yagen_units, from_node="Yagen-I", to_node=_RIVER),
        Spillway(name="Yagen-I spillway", from_node="Yagen-I", to_node=_RIVER),
        Release(name="Yagen-I release", from_node="Yagen-I", to_node=_RIVER, max_flow_m3s=outlet_max),
    )

    S: ProvenanceKind = "source"
    A: ProvenanceKind = "assumption"
    U: ProvenanceKind = "user"
    prov = _rekey(dict(plant.provenance))
    unrestricted = (
        "unrestricted: no head range of the reversible units is sourced (second addendum §E: gross head ≈ "
        "180–267 m, ratio 1.48, wide for fixed-speed units; variable speed or restricted operation at low upper "
        "levels would narrow it); give one as a sensitivity case"
    )
    prov |= {
        "Lianghekou reversible.generating_head_range_m": (
            Provenance(kind=A, text=unrestricted)
            if gen_range is None
            else Provenance(kind=U, text=f"{gen_range} m set by the caller (not sourced, second addendum §E)")
        ),
        "Lianghekou reversible.pumping_head_range_m": (
            Provenance(kind=A, text=unrestricted)
            if pump_range is None
            else Provenance(
                kind=U, text=f"{pump_range} m set by the caller (not sourced, second addendum §E)"
            )
        ),
        "Lianghekou spillway.capacity_m3s": Provenance(
            kind=A,
            text="no limit: the spillway capacity is not sourced (a 295 m dam passes its design flood)",
        ),
        "Lianghekou spillway.cost_per_hm3": Provenance(kind=A, text="no cost on spilled water"),
        "Yagen-I units.n_units": Provenance(
            kind=A,
            text="3 units of 100 MW: the number of Yagen-I's units is not sourced, only the 300 MW total",
        ),
        "Yagen-I units.rated_power_mw": Provenance(
            kind=S,
            text="300 MW in total (30万 kW, Xinhua 2025-10-28, addendum §2a), shared over the assumed 3 units",
            confidence="H",
        ),
        "Yagen-I units.max_flow_m3s": Provenance(
            kind=S if yagen_i_max_flow_m3s == YAGEN_I_MAX_FLOW_M3S else U,
            text=(
                f"{q_max:g} m³/s in total over the 3 units: the largest Yagen-I outflow of the public MIKE 21 "
                "model's inputs, probably the plant's full discharge (mike-batch q3_cases.csv; addendum §2b, "
                "second addendum §D)"
                if yagen_i_max_flow_m3s == YAGEN_I_MAX_FLOW_M3S
                else f"{q_max:g} m³/s in total set by the caller (the MIKE model's inputs give 1,616 m³/s)"
            ),
            confidence="L–M" if yagen_i_max_flow_m3s == YAGEN_I_MAX_FLOW_M3S else "",
        ),
        "Yagen-I units.efficiency": Provenance(
            kind=A, text="η = 0.90 (second addendum §D uses η ≈ 0.9), the efficiency of the head calibration"
        ),
        "Yagen-I units.min_power_mw": Provenance(
            kind=A, text="30 MW per unit (30 % of rating; low-head Kaplan units run down to about a third)"
        ),
        "Yagen-I units.head_loss_coefficient_s2_per_m5": Provenance(
            kind=A, text="no waterway loss: a dam-toe powerhouse; any loss is folded into the calibrated head"
        ),
        "Yagen-I spillway.capacity_m3s": Provenance(
            kind=A, text="no limit: the spillway capacity is not sourced"
        ),
        "Yagen-I spillway.cost_per_hm3": Provenance(kind=A, text="no cost on spilled water"),
        "Yagen-I release.environmental_min_flow_m3s": Provenance(
            kind=A,
            text=(
                "none of its own: the environmental minimum is the river reach's (units, spill and outlet "
                "together count)"
            ),
        ),
        "Yagen-I release.max_flow_m3s": Provenance(
            kind=A,
            text=(
                f"{outlet_max:g} m³/s: the ecological outlet is sized to pass the environmental flow when the units "
                "stand (no outlet capacity is sourced)"
            ),
        ),
        "Yagen-I release.max_ramp_m3s_per_h": Provenance(
            kind=A, text="none of its own: the ramp limit is the river reach's (the whole outflow)"
        ),
        f"{_RIVER}.tailwater_level_masl": (
            Provenance(
                kind="calibration",
                text=(
                    f"{calibrated_tw:.2f} m = the mid-band Yagen-I level 2,601.5 m (ASSUMPTION) − the head "
                    f"{head_m:.2f} m that turns the mean flow {yagen_i_annual_flow_hm3():,.0f} hm³/yr (664 m³/s "
                    "× 1.015 local inflow, ASSUMPTION) at η 0.9 into the published 11.5亿 kWh = 1.15 TWh "
                    "(addendum §2a, H; second addendum §D); no head is sourced, so Yagen-I's modelled energy "
                    "checks this calibration, it does not validate the model"
                ),
                confidence="L",
            )
            if yagen_i_tailwater_level_masl is None
            else Provenance(
                kind=U,
                text=f"{tailwater:g} m set by the caller (the calibration gives {calibrated_tw:.2f} m)",
            )
        ),
        f"{_RIVER}.environmental_min_flow_m3s": Provenance(
            kind=A if environmental_min_flow_m3s == YAGEN_I_ENVIRONMENTAL_MIN_FLOW_M3S else U,
            text=(
                "66.4 m³/s = 10 % of the mean flow 664 m³/s (Tennant-style floor, addendum §5); no EIA figure was "
                "found; the MIKE model's lowest Yagen-I outflow, 150 m³/s, is not stated as ecological"
                if environmental_min_flow_m3s == YAGEN_I_ENVIRONMENTAL_MIN_FLOW_M3S
                else f"{emin:g} m³/s set by the caller"
            ),
        ),
        f"{_RIVER}.max_flow_m3s": Provenance(kind=A, text="no limit: floods pass the reach"),
        f"{_RIVER}.max_ramp_m3s_per_h": Provenance(
            kind=A if river_max_ramp_m3s_per_h == YAGEN_I_DEFAULT_RAMP_M3S_PER_H else U,
            text=(
                "66.4 m³/s per h = 10 % of the mean flow per hour, so the reach cannot swing 66 ↔ 2,000 m³/s "
                "within hours as it does unconstrained (second addendum §D); not sourced, a sensitivity "
                "parameter (§D also ran 5 m³/s per h)"
                if river_max_ramp_m3s_per_h == YAGEN_I_DEFAULT_RAMP_M3S_PER_H
                else f"{river_max_ramp_m3s_per_h:g} m³/s per h set by the caller"
            ),
        ),
    }
    return Network(
        name="Lianghekou hybrid with Yagen-I (两河口混合式抽水蓄能, 牙根一级)",
        reservoirs=(plant.upper, plant.lower),
        sinks=(river,),
        links=links,
        line=plant.line,
        provenance=prov,
    )
