"""Physical constants and unit conversions, kept in one place.

Every other module takes ρ, g and the hour/volume conversions from here, so that g is never
hard-coded twice (a slip seen in well-known projects).

Examples
--------
>>> HM3_PER_M3S_HOUR
0.0036
>>> round(KWH_PER_YI_KWH * 13.97 / KWH_PER_MWH)   # 13.97亿 kWh in MWh
1397000
"""

from __future__ import annotations

#: Density of water. [kg/m³]
RHO_WATER_KG_M3: float = 1000.0
#: Standard gravity. [m/s²]
G_M_S2: float = 9.81
#: Seconds in one hour. [s/h]
SECONDS_PER_HOUR: float = 3600.0
#: Cubic metres in one hm³ (10⁶ m³). [m³/hm³]
M3_PER_HM3: float = 1.0e6
#: Volume moved by 1 m³/s during one hour: 3600 / 10⁶. [hm³ per (m³/s · h)]
HM3_PER_M3S_HOUR: float = SECONDS_PER_HOUR / M3_PER_HM3
#: Watts in one MW. [W/MW]
W_PER_MW: float = 1.0e6
#: kWh in one MWh. [kWh/MWh]
KWH_PER_MWH: float = 1.0e3
#: MWh in one TWh. [MWh/TWh]
MWH_PER_TWH: float = 1.0e6
#: kWh in one 亿 kWh (亿 = 10⁸). [kWh/亿kWh]
KWH_PER_YI_KWH: float = 1.0e8
#: m³ in one 亿 m³ (亿 = 10⁸), i.e. 100 hm³. [m³/亿m³]
M3_PER_YI_M3: float = 1.0e8
#: hm³ in one 万 m³ (万 = 10⁴). [hm³/万m³]
HM3_PER_WAN_M3: float = 1.0e4 / M3_PER_HM3
#: Hours in a non-leap year. [h]
HOURS_PER_YEAR: int = 8760
#: ρg/10⁶: the power of 1 m³/s falling 1 m, at efficiency 1. [MW per (m³/s · m)]
MW_PER_M3S_M: float = RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW
#: MWh in one 亿 kWh (10⁸ kWh = 10⁵ MWh). [MWh/亿kWh]
MWH_PER_YI_KWH: float = KWH_PER_YI_KWH / KWH_PER_MWH
#: hm³ in one 亿 m³ (10⁸ m³ = 100 hm³). [hm³/亿m³]
HM3_PER_YI_M3: float = M3_PER_YI_M3 / M3_PER_HM3
#: The successive-head LP's default head tolerance (``head_tolerance_m``), and so the head difference the
#: simulator takes as round-off when it replays a schedule: a unit held at its minimum stable output or at
#: its pump band's edge in the LP may run up to this much lower in the simulator (its power lower by
#: HEAD_TOLERANCE_M / H, 2 × 10⁻⁴ at Lianghekou's 250 m, 2 × 10⁻³ at Yagen-I's 22 m). [m]
HEAD_TOLERANCE_M: float = 0.05
