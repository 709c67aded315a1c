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
from hydro_sim.constants import HM3_PER_WAN_M3, M3_PER_HM3, M3_PER_YI_M3
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
    "lianghekou",
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
