"""Plant objects: reservoirs, unit groups, the waterway, the outlet, the grid line, and the plant.

Frozen, keyword-only dataclasses that check their own invariants on creation, so a plant that cannot
exist cannot be built. They are thin wrappers over :mod:`hydro_sim.hydraulics`.

Topology of a :class:`Plant` (DESIGN.md §3)::

    natural inflow ─► [upper] ──conventional group──► [lower] or the river (tailwater level)
                        ▲  │  spill ───────────────►  [lower] or the river
                  pump  │  │ generate (reversible)
                        └──┴───────────────────────► [lower] ─► release ≥ environmental flow
    renewables ──► busbar ──► grid line (capacity) ──► grid

A textbook one-reservoir plant has only ``upper``, a conventional group and a tailwater level:

>>> from hydro_sim import LevelVolumeCurve, Reservoir, TurbineGroup, Plant, Outlet
>>> res = Reservoir(name="lake", curve=LevelVolumeCurve(level_masl=(100, 110, 120), volume_hm3=(0, 50, 120)),
...                 min_level_masl=105, max_level_masl=120, initial_level_masl=115)
>>> plant = Plant(name="textbook", upper=res, tailwater_level_masl=20.0,
...               conventional=TurbineGroup(name="units", n_units=2, rated_power_mw=50, max_flow_m3s=70,
...                                         efficiency=0.9),
...               outlet=Outlet(environmental_min_flow_m3s=5.0))
>>> round(plant.conventional.max_power_mw, 1)
100.0
>>> round(res.initial_volume_hm3, 1)
85.0
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim import hydraulics as hy

__all__ = [
    "EfficiencyCurve",
    "GridLine",
    "LevelVolumeCurve",
    "Outlet",
    "Plant",
    "Provenance",
    "PumpTurbineGroup",
    "Reservoir",
    "TurbineGroup",
    "parameter_lines",
]

ProvenanceKind = Literal["source", "derived", "calibration", "assumption", "user"]
_PROVENANCE_KINDS = ("source", "derived", "calibration", "assumption", "user")


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Where one parameter value comes from.

    Parameters
    ----------
    kind : ``"source"`` (stated in a cited page), ``"derived"`` (computed from sourced figures),
        ``"calibration"`` (fitted so that the model reproduces a published *result*, e.g. a head derived from
        a published annual energy: that result can then not validate the model), ``"assumption"`` (no source;
        an engineering default to replace) or ``"user"``.
    text : Citation, working or reasoning.
    confidence : H, M or L as in ``data/lianghekou_sources.md``; empty for user input.

    Examples
    --------
    >>> Provenance(kind="assumption", text="cycle efficiency 0.76 (range 0.72–0.80)").label()
    'ASSUMPTION: cycle efficiency 0.76 (range 0.72–0.80)'
    >>> Provenance(kind="calibration", text="head from the published energy", confidence="L").label()
    'CALIBRATION (L): head from the published energy'
    """

    kind: ProvenanceKind
    text: str
    confidence: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in _PROVENANCE_KINDS:
            raise iv.fail(
                "kind", f"must be one of {', '.join(map(repr, _PROVENANCE_KINDS))}", self.kind, "Provenance"
            )
        if not isinstance(self.confidence, str) or self.confidence not in ("", "H", "M", "L", "L–M", "M–H"):
            raise iv.fail("confidence", "must be '', H, M, L, L–M or M–H", self.confidence, "Provenance")
        iv.text("text", self.text, "Provenance")

    def label(self) -> str:
        """One-line label for reports: ``ASSUMPTION: …``, ``CALIBRATION (L): …``, ``source (H): …``,
        ``derived (L): …``."""
        if self.kind == "assumption":
            return f"ASSUMPTION: {self.text}"
        conf = f" ({self.confidence})" if self.confidence else ""
        if self.kind == "calibration":
            return f"CALIBRATION{conf}: {self.text}"
        return f"{self.kind}{conf}: {self.text}"


def _as_float_tuple(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


@dataclass(frozen=True, kw_only=True)
class LevelVolumeCurve:
    """Monotone piecewise-linear level–volume table, interpolated both ways.

    Parameters
    ----------
    level_masl : Levels, strictly increasing. [m a.s.l.]
    volume_hm3 : Stored volumes at those levels, strictly increasing. [hm³]

    Examples
    --------
    >>> c = LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(0.0, 50.0))
    >>> c.volume_hm3_at(104.0), c.level_masl_at(20.0)
    (20.0, 104.0)
    """

    level_masl: tuple[float, ...]
    volume_hm3: tuple[float, ...]
    where: str = field(default="LevelVolumeCurve", compare=False, repr=False)

    def __post_init__(self) -> None:
        iv.text("where", self.where, "LevelVolumeCurve")
        z = iv.strictly_increasing("level_masl", self.level_masl, self.where)
        v = iv.strictly_increasing("volume_hm3", self.volume_hm3, self.where)
        if len(z) != len(v):
            raise iv.fail(
                "volume_hm3", f"must have one volume per level ({len(z)} levels)", len(v), self.where
            )
        if v[0] < 0.0:
            raise iv.fail("volume_hm3", "must not be negative (volume is water stored)", v[0], self.where)
        object.__setattr__(self, "level_masl", z)
        object.__setattr__(self, "volume_hm3", v)

    @property
    def _z(self) -> np.ndarray:
        return np.asarray(self.level_masl)

    @property
    def _v(self) -> np.ndarray:
        return np.asarray(self.volume_hm3)

    def volume_hm3_at(self, level_masl: Any) -> Any:
        """Volume at a level (scalar, array or Series), extended linearly beyond the table. [hm³]

        A level outside the table is extrapolated along the end segment, never clipped; a reservoir's
        operating levels are checked against the table when it is built. NaN and non-numbers are refused.
        """
        iv.real_array("level_masl", level_masl, f"{self.where}.volume_hm3_at")
        return hy.volume_from_level_hm3(level_masl, self._z, self._v)

    def level_masl_at(self, volume_hm3: Any) -> Any:
        """Level at a volume (scalar, array or Series), extended linearly beyond the table. [m a.s.l.]"""
        iv.real_array("volume_hm3", volume_hm3, f"{self.where}.level_masl_at")
        return hy.level_from_volume_masl(volume_hm3, self._z, self._v)

    def surface_area_km2_at(self, level_masl: Any) -> Any:
        """Surface area dV/dz from the table's slope (hm³/m = km²), the end segment's beyond the table. [km²]"""
        z = iv.real_array("level_masl", level_masl, f"{self.where}.surface_area_km2_at")
        i = np.clip(np.searchsorted(self._z, z, side="right") - 1, 0, self._z.size - 2)
        return np.diff(self._v)[i] / np.diff(self._z)[i]


@dataclass(frozen=True, kw_only=True)
class EfficiencyCurve:
    """Efficiency hill chart η(Q per unit, H), bilinear, held flat beyond its edges.

    Parameters
    ----------
    flow_m3s : Per-unit flow grid, strictly increasing. [m³/s]
    head_m : Head grid, strictly increasing. [m]
    efficiency : Efficiencies, one row per flow and one column per head, each in (0, 1]. [-]

    Examples
    --------
    >>> c = EfficiencyCurve(flow_m3s=(50.0, 150.0), head_m=(200.0, 260.0),
    ...                     efficiency=((0.80, 0.82), (0.90, 0.92)))
    >>> round(c(100.0, 230.0), 3)
    0.86
    """

    flow_m3s: tuple[float, ...]
    head_m: tuple[float, ...]
    efficiency: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        where = "EfficiencyCurve"
        q = iv.strictly_increasing("flow_m3s", self.flow_m3s, where)
        h = iv.strictly_increasing("head_m", self.head_m, where)
        if q[0] < 0.0:
            raise iv.fail("flow_m3s", "must not be negative (a flow through a unit)", q[0], where)
        if h[0] <= 0.0:
            raise iv.fail("head_m", "must be positive (a unit works against a positive head)", h[0], where)
        e = iv.real_array("efficiency", self.efficiency, where, allow_nan=True)
        if e.shape != (len(q), len(h)):
            raise iv.fail(
                "efficiency",
                f"must have shape (len(flow_m3s), len(head_m)) = ({len(q)}, {len(h)})",
                e.shape,
                where,
            )
        bad = ~np.isfinite(e) | (e <= 0.0) | (e > 1.0)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise iv.fail(
                f"efficiency[{i}][{j}]", "is an efficiency and must lie in (0, 1]", float(e[i, j]), where
            )
        object.__setattr__(self, "flow_m3s", q)
        object.__setattr__(self, "head_m", h)
        object.__setattr__(self, "efficiency", tuple(tuple(float(x) for x in row) for row in e))

    def __call__(self, flow_m3s: Any, head_m: Any) -> Any:
        """Efficiency at a per-unit flow and a head, held at the chart's edge value beyond it. [-]"""
        return hy.efficiency_from_table(
            flow_m3s, head_m, np.asarray(self.flow_m3s), np.asarray(self.head_m), np.asarray(self.efficiency)
        )

    @property
    def peak(self) -> float:
        """Best efficiency on the chart. [-]"""
        return float(np.max(self.efficiency))


Efficiency = float | EfficiencyCurve


def _check_efficiency(name: str, value: Any, where: str) -> Efficiency:
    if isinstance(value, EfficiencyCurve):
        return value
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        raise iv.fail(name, "must be a number in (0, 1] or an EfficiencyCurve", type(value).__name__, where)
    return iv.efficiency(name, value, where)


def efficiency_at(eff: Efficiency, flow_per_unit_m3s: Any, head_m: Any) -> Any:
    """Evaluate a constant or a curve efficiency at per-unit flow and head. [-]"""
    if isinstance(eff, EfficiencyCurve):
        return eff(flow_per_unit_m3s, head_m)
    if np.ndim(flow_per_unit_m3s) == 0 and np.ndim(head_m) == 0:
        return float(eff)
    return np.full(np.broadcast_shapes(np.shape(flow_per_unit_m3s), np.shape(head_m)), float(eff))


def _monthly(name: str, values: Any, where: str) -> tuple[float, ...] | None:
    if values is None:
        return None
    arr = iv.real_array(name, values, where, allow_nan=True)
    if arr.ndim != 1 or arr.size != 12:
        raise iv.fail(name, "must list 12 monthly values, January first", arr.size, where)
    for m, x in enumerate(arr, start=1):
        iv.finite(f"{name}[month {m}]", x, where)
    return tuple(float(x) for x in arr)


@dataclass(frozen=True, kw_only=True)
class Reservoir:
    """A reservoir with its level–volume curve and operating levels.

    Parameters
    ----------
    name : Name used in messages and reports.
    curve : Level–volume table.
    min_level_masl : Lowest operating level (e.g. the dead water level). [m a.s.l.]
    max_level_masl : Highest operating level (e.g. the normal pool level). [m a.s.l.]
    initial_level_masl : Level at the start of a run. [m a.s.l.]
    monthly_min_level_masl, monthly_max_level_masl : Optional 12 monthly limits (January first) that
        replace the constant ones in their month, e.g. a flood-limit level in the flood season. [m a.s.l.]

    Examples
    --------
    >>> r = Reservoir(name="r", curve=LevelVolumeCurve(level_masl=(0.0, 10.0), volume_hm3=(0.0, 100.0)),
    ...               min_level_masl=2.0, max_level_masl=9.0, initial_level_masl=5.0)
    >>> r.min_volume_hm3, r.max_volume_hm3, r.initial_volume_hm3
    (20.0, 90.0, 50.0)
    """

    name: str
    curve: LevelVolumeCurve
    min_level_masl: float
    max_level_masl: float
    initial_level_masl: float
    monthly_min_level_masl: tuple[float, ...] | None = None
    monthly_max_level_masl: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        iv.text("name", self.name, "Reservoir")
        where = f"Reservoir '{self.name}'"
        if not isinstance(self.curve, LevelVolumeCurve):
            raise iv.fail("curve", "must be a LevelVolumeCurve", type(self.curve).__name__, where)
        zmin, zmax = self.curve.level_masl[0], self.curve.level_masl[-1]
        lo = iv.finite("min_level_masl", self.min_level_masl, where)
        hi = iv.finite("max_level_masl", self.max_level_masl, where)
        z0 = iv.finite("initial_level_masl", self.initial_level_masl, where)
        for name, z in (("min_level_masl", lo), ("max_level_masl", hi)):
            if not zmin <= z <= zmax:
                raise iv.fail(name, f"must lie within the level–volume table [{zmin}, {zmax}] m", z, where)
        if not lo < hi:
            raise iv.fail("max_level_masl", f"must be above `min_level_masl` ({lo})", hi, where)
        if not lo <= z0 <= hi:
            raise iv.fail(
                "initial_level_masl", f"must lie between the operating levels [{lo}, {hi}] m", z0, where
            )
        mlo = _monthly("monthly_min_level_masl", self.monthly_min_level_masl, where)
        mhi = _monthly("monthly_max_level_masl", self.monthly_max_level_masl, where)
        lo_m = np.asarray(mlo if mlo is not None else [lo] * 12)
        hi_m = np.asarray(mhi if mhi is not None else [hi] * 12)
        for m in range(12):
            for name, z in (("monthly_min_level_masl", lo_m[m]), ("monthly_max_level_masl", hi_m[m])):
                if not zmin <= z <= zmax:
                    raise iv.fail(
                        f"{name}[month {m + 1}]",
                        f"must lie within the level–volume table [{zmin}, {zmax}] m",
                        z,
                        where,
                    )
            if not lo_m[m] < hi_m[m]:
                raise iv.fail(
                    f"monthly_max_level_masl[month {m + 1}]",
                    f"must be above the minimum level of that month ({lo_m[m]})",
                    hi_m[m],
                    where,
                )
        for name, val in (("min_level_masl", lo), ("max_level_masl", hi), ("initial_level_masl", z0)):
            object.__setattr__(self, name, val)
        object.__setattr__(self, "monthly_min_level_masl", mlo)
        object.__setattr__(self, "monthly_max_level_masl", mhi)

    @property
    def min_volume_hm3(self) -> float:
        """Volume at the minimum operating level. [hm³]"""
        return float(self.curve.volume_hm3_at(self.min_level_masl))

    @property
    def max_volume_hm3(self) -> float:
        """Volume at the maximum operating level. [hm³]"""
        return float(self.curve.volume_hm3_at(self.max_level_masl))

    @property
    def initial_volume_hm3(self) -> float:
        """Volume at the initial level. [hm³]"""
        return float(self.curve.volume_hm3_at(self.initial_level_masl))

    @property
    def usable_volume_hm3(self) -> float:
        """Volume between the minimum and maximum operating levels. [hm³]"""
        return self.max_volume_hm3 - self.min_volume_hm3

    def with_usable_volume(self, usable_volume_hm3: float) -> Reservoir:
        """This reservoir with the storage above its minimum level scaled to ``usable_volume_hm3`` over the
        same level band (a reservoir enlarged in area); the dead storage below the minimum level is kept.

        Examples
        --------
        >>> r = Reservoir(name="r", curve=LevelVolumeCurve(level_masl=(0.0, 10.0), volume_hm3=(0.0, 100.0)),
        ...               min_level_masl=0.0, max_level_masl=10.0, initial_level_masl=5.0)
        >>> r.with_usable_volume(50.0).usable_volume_hm3
        50.0
        """
        where = f"Reservoir '{self.name}'.with_usable_volume"
        u = iv.positive("usable_volume_hm3", usable_volume_hm3, where)
        z = np.asarray(self.curve.level_masl)
        v = np.asarray(self.curve.volume_hm3)
        v_min = self.min_volume_hm3
        v_new = np.where(v > v_min, v_min + (v - v_min) * (u / self.usable_volume_hm3), v)
        curve = LevelVolumeCurve(level_masl=tuple(z), volume_hm3=tuple(v_new), where=where)
        return replace(self, curve=curve)

    def level_bounds_masl(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Minimum and maximum operating level at each time stamp (monthly limits applied). [m a.s.l.]"""
        if not isinstance(index, pd.DatetimeIndex):
            raise iv.fail(
                "index",
                "must be a pandas DatetimeIndex",
                type(index).__name__,
                f"Reservoir '{self.name}'.level_bounds_masl",
            )
        month = np.asarray(index.month) - 1
        lo = (
            np.asarray(self.monthly_min_level_masl)[month]
            if self.monthly_min_level_masl is not None
            else np.full(len(index), self.min_level_masl)
        )
        hi = (
            np.asarray(self.monthly_max_level_masl)[month]
            if self.monthly_max_level_masl is not None
            else np.full(len(index), self.max_level_masl)
        )
        return lo, hi

    def volume_bounds_hm3(self, index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Minimum and maximum operating volume at each time stamp. [hm³]"""
        lo, hi = self.level_bounds_masl(index)
        return self.curve.volume_hm3_at(lo), self.curve.volume_hm3_at(hi)


@dataclass(frozen=True, kw_only=True)
class TurbineGroup:
    """A group of identical conventional turbine-generator units.

    Parameters
    ----------
    name : Name used in reports.
    n_units : Number of units.
    rated_power_mw : Rated (maximum) output per unit. [MW]
    max_flow_m3s : Maximum discharge per unit. [m³/s]
    efficiency : Wire-to-water efficiency η_t, a constant in (0, 1] or an :class:`EfficiencyCurve`
        over per-unit flow and net head. [-]
    min_power_mw : Minimum stable output per unit while running (enforced in unit-commitment mode). [MW]
    head_loss_coefficient_s2_per_m5 : Waterway loss k on the group's total flow, h_loss = k·Q². [s²/m⁵]

    Notes
    -----
    Output per unit is P = ρ g η_t Q H / 10⁶, capped at ``rated_power_mw``.
    """

    name: str
    n_units: int
    rated_power_mw: float
    max_flow_m3s: float
    efficiency: Efficiency
    min_power_mw: float = 0.0
    head_loss_coefficient_s2_per_m5: float = 0.0

    def __post_init__(self) -> None:
        iv.text("name", self.name, "TurbineGroup")
        where = f"TurbineGroup '{self.name}'"
        iv.positive_int("n_units", self.n_units, where)
        object.__setattr__(self, "rated_power_mw", iv.positive("rated_power_mw", self.rated_power_mw, where))
        object.__setattr__(self, "max_flow_m3s", iv.positive("max_flow_m3s", self.max_flow_m3s, where))
        object.__setattr__(self, "efficiency", _check_efficiency("efficiency", self.efficiency, where))
        pmin = iv.non_negative("min_power_mw", self.min_power_mw, where)
        if pmin >= self.rated_power_mw:
            raise iv.fail(
                "min_power_mw", f"must be below `rated_power_mw` ({self.rated_power_mw})", pmin, where
            )
        object.__setattr__(self, "min_power_mw", pmin)
        object.__setattr__(
            self,
            "head_loss_coefficient_s2_per_m5",
            iv.non_negative("head_loss_coefficient_s2_per_m5", self.head_loss_coefficient_s2_per_m5, where),
        )

    @property
    def max_power_mw(self) -> float:
        """Rated output of the whole group. [MW]"""
        return self.n_units * self.rated_power_mw

    @property
    def max_total_flow_m3s(self) -> float:
        """Maximum discharge of the whole group. [m³/s]"""
        return self.n_units * self.max_flow_m3s

    def efficiency_at(self, flow_m3s: Any, head_m: Any, n_running: Any | None = None) -> Any:
        """Efficiency at a group flow, sharing it equally over ``n_running`` units (default: all). [-]"""
        n = self.n_units if n_running is None else np.maximum(n_running, 1)
        q = iv.real_array("flow_m3s", flow_m3s, f"TurbineGroup '{self.name}'.efficiency_at")
        return efficiency_at(self.efficiency, q / n, head_m)

    @property
    def reference_efficiency(self) -> float:
        """Constant efficiency, or the curve's best value (used where a single figure is needed). [-]"""
        return (
            self.efficiency.peak if isinstance(self.efficiency, EfficiencyCurve) else float(self.efficiency)
        )


@dataclass(frozen=True, kw_only=True)
class PumpTurbineGroup:
    """A group of identical reversible pump-turbines between the upper and the lower reservoir.

    Parameters
    ----------
    name : Name used in reports.
    n_units : Number of units.
    rated_power_mw : Rated generating output per unit. [MW]
    max_flow_m3s : Maximum generating discharge per unit. [m³/s]
    turbine_efficiency : Generating efficiency η_t, constant or :class:`EfficiencyCurve`. [-]
    rated_pumping_power_mw : Rated pumping input per unit (fixed speed). [MW]
    pump_efficiency : Pumping efficiency η_p, constant or :class:`EfficiencyCurve`. [-]
    pump_power_band_fraction : A fixed-speed pump runs within ±this fraction of its rated input, or not
        at all (enforced in unit-commitment mode). [-]
    min_power_mw : Minimum stable generating output per unit (unit-commitment mode). [MW]
    head_loss_coefficient_s2_per_m5 : Loss k on the shared waterway's total flow, h = k·Q². [s²/m⁵]

    Notes
    -----
    Generating: P = ρ g η_t Q (H_g − kQ²)/10⁶. Pumping: P = ρ g Q (H_g + kQ²)/(η_p 10⁶).
    A unit cannot pump and generate at once; reports book pumping as negative power.
    """

    name: str
    n_units: int
    rated_power_mw: float
    max_flow_m3s: float
    turbine_efficiency: Efficiency
    rated_pumping_power_mw: float
    pump_efficiency: Efficiency
    pump_power_band_fraction: float = 0.03
    min_power_mw: float = 0.0
    head_loss_coefficient_s2_per_m5: float = 0.0

    def __post_init__(self) -> None:
        iv.text("name", self.name, "PumpTurbineGroup")
        where = f"PumpTurbineGroup '{self.name}'"
        iv.positive_int("n_units", self.n_units, where)
        for f in ("rated_power_mw", "max_flow_m3s", "rated_pumping_power_mw"):
            object.__setattr__(self, f, iv.positive(f, getattr(self, f), where))
        object.__setattr__(
            self,
            "turbine_efficiency",
            _check_efficiency("turbine_efficiency", self.turbine_efficiency, where),
        )
        object.__setattr__(
            self, "pump_efficiency", _check_efficiency("pump_efficiency", self.pump_efficiency, where)
        )
        band = iv.non_negative("pump_power_band_fraction", self.pump_power_band_fraction, where)
        if band >= 1.0:
            raise iv.fail(
                "pump_power_band_fraction",
                "must be below 1 (a band of ±100 % is no fixed speed)",
                band,
                where,
            )
        object.__setattr__(self, "pump_power_band_fraction", band)
        pmin = iv.non_negative("min_power_mw", self.min_power_mw, where)
        if pmin >= self.rated_power_mw:
            raise iv.fail(
                "min_power_mw", f"must be below `rated_power_mw` ({self.rated_power_mw})", pmin, where
            )
        object.__setattr__(self, "min_power_mw", pmin)
        object.__setattr__(
            self,
            "head_loss_coefficient_s2_per_m5",
            iv.non_negative("head_loss_coefficient_s2_per_m5", self.head_loss_coefficient_s2_per_m5, where),
        )

    @property
    def max_power_mw(self) -> float:
        """Rated generating output of the group. [MW]"""
        return self.n_units * self.rated_power_mw

    @property
    def max_total_flow_m3s(self) -> float:
        """Maximum generating discharge of the group. [m³/s]"""
        return self.n_units * self.max_flow_m3s

    @property
    def min_pumping_power_mw(self) -> float:
        """Lowest input of one running pump (fixed-speed band). [MW]"""
        return self.rated_pumping_power_mw * (1.0 - self.pump_power_band_fraction)

    @property
    def max_pumping_power_mw(self) -> float:
        """Highest input of one running pump (fixed-speed band). [MW]"""
        return self.rated_pumping_power_mw * (1.0 + self.pump_power_band_fraction)

    @property
    def max_total_pumping_power_mw(self) -> float:
        """Highest pumping input of the whole group. [MW]"""
        return self.n_units * self.max_pumping_power_mw

    def turbine_efficiency_at(self, flow_m3s: Any, head_m: Any, n_running: Any | None = None) -> Any:
        """Generating efficiency at a group flow shared over ``n_running`` units (default: all). [-]"""
        n = self.n_units if n_running is None else np.maximum(n_running, 1)
        q = iv.real_array("flow_m3s", flow_m3s, f"PumpTurbineGroup '{self.name}'.turbine_efficiency_at")
        return efficiency_at(self.turbine_efficiency, q / n, head_m)

    def pump_efficiency_at(self, flow_m3s: Any, head_m: Any, n_running: Any | None = None) -> Any:
        """Pumping efficiency at a group flow shared over ``n_running`` units (default: all). [-]"""
        n = self.n_units if n_running is None else np.maximum(n_running, 1)
        q = iv.real_array("flow_m3s", flow_m3s, f"PumpTurbineGroup '{self.name}'.pump_efficiency_at")
        return efficiency_at(self.pump_efficiency, q / n, head_m)

    @property
    def reference_turbine_efficiency(self) -> float:
        """Constant generating efficiency, or the curve's best value. [-]"""
        e = self.turbine_efficiency
        return e.peak if isinstance(e, EfficiencyCurve) else float(e)

    @property
    def reference_pump_efficiency(self) -> float:
        """Constant pumping efficiency, or the curve's best value. [-]"""
        e = self.pump_efficiency
        return e.peak if isinstance(e, EfficiencyCurve) else float(e)


@dataclass(frozen=True, kw_only=True)
class Outlet:
    """Release from the most downstream reservoir to the river.

    Parameters
    ----------
    environmental_min_flow_m3s : Release that must always reach the river. [m³/s]
    max_release_m3s : Largest release (outlet and downstream-unit capacity); infinite if not given. [m³/s]
    max_ramp_m3s_per_h : Largest change of release from one hour to the next; none if not given. [m³/s per h]
    """

    environmental_min_flow_m3s: float = 0.0
    max_release_m3s: float = math.inf
    max_ramp_m3s_per_h: float = math.inf

    def __post_init__(self) -> None:
        where = "Outlet"
        emin = iv.non_negative("environmental_min_flow_m3s", self.environmental_min_flow_m3s, where)
        rmax = iv.number_or_inf("max_release_m3s", self.max_release_m3s, where)
        if rmax <= emin:
            raise iv.fail(
                "max_release_m3s", f"must be above `environmental_min_flow_m3s` ({emin})", rmax, where
            )
        ramp = iv.number_or_inf("max_ramp_m3s_per_h", self.max_ramp_m3s_per_h, where)
        if ramp <= 0.0:
            raise iv.fail(
                "max_ramp_m3s_per_h", "must be positive (or infinite for no ramp limit)", ramp, where
            )
        object.__setattr__(self, "environmental_min_flow_m3s", emin)
        object.__setattr__(self, "max_release_m3s", rmax)
        object.__setattr__(self, "max_ramp_m3s_per_h", ramp)


@dataclass(frozen=True, kw_only=True)
class GridLine:
    """The plant's line to the grid.

    Parameters
    ----------
    capacity_mw : Transfer limit in either direction (export, and import for pumping); ``math.inf`` for
        none. [MW]
    """

    capacity_mw: float

    def __post_init__(self) -> None:
        cap = iv.number_or_inf("capacity_mw", self.capacity_mw, "GridLine")
        if cap <= 0.0:
            raise iv.fail(
                "capacity_mw", "must be positive (infinite for no limit)", self.capacity_mw, "GridLine"
            )
        object.__setattr__(self, "capacity_mw", cap)


_UNIT_SUFFIXES = (
    ("_s2_per_m5", "s²/m⁵"),
    ("_m3s_per_h", "m³/s per h"),
    ("_per_mwh", "money/MWh"),
    ("_m3s", "m³/s"),
    ("_hm3", "hm³"),
    ("_masl", "m a.s.l."),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_km2", "km²"),
    ("_m", "m"),
    ("_h", "h"),
    ("_fraction", "-"),
    ("efficiency", "-"),
    ("n_units", "units"),
)


def unit_of(name: str) -> str:
    """Unit of a parameter, read from its name suffix (names carry units).

    Examples
    --------
    >>> unit_of("upper.max_level_masl"), unit_of("line.capacity_mw")
    ('m a.s.l.', 'MW')
    """
    leaf = name.rsplit(".", 1)[-1]
    for suffix, unit in _UNIT_SUFFIXES:
        if leaf.endswith(suffix):
            return unit
    return ""


@dataclass(frozen=True, kw_only=True)
class Plant:
    """A hydro plant of up to two reservoirs, with its units, outlet and grid line.

    Parameters
    ----------
    name : Name used in reports.
    upper : The upper reservoir (receives the natural inflow).
    lower : The lower reservoir; required by a reversible group. Conventional units and the upper
        spill discharge into it when it exists, else into the river.
    conventional : Conventional units drawing on ``upper``.
    reversible : Reversible pump-turbines between ``upper`` and ``lower``.
    tailwater_level_masl : River level below the upper reservoir's units when there is no lower
        reservoir. [m a.s.l.]
    outlet : Release from the most downstream reservoir (environmental flow, limits).
    line : Grid line; infinite capacity when not given.
    provenance : Where each parameter comes from, keyed by its dotted path (``"upper.max_level_masl"``).
    """

    name: str
    upper: Reservoir
    lower: Reservoir | None = None
    conventional: TurbineGroup | None = None
    reversible: PumpTurbineGroup | None = None
    tailwater_level_masl: float | None = None
    outlet: Outlet = field(default_factory=Outlet)
    line: GridLine = field(default_factory=lambda: GridLine(capacity_mw=math.inf))
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        iv.text("name", self.name, "Plant")
        where = f"Plant '{self.name}'"
        if not isinstance(self.upper, Reservoir):
            raise iv.fail("upper", "must be a Reservoir", type(self.upper).__name__, where)
        if self.lower is not None and not isinstance(self.lower, Reservoir):
            raise iv.fail("lower", "must be a Reservoir or None", type(self.lower).__name__, where)
        if self.conventional is not None and not isinstance(self.conventional, TurbineGroup):
            raise iv.fail(
                "conventional", "must be a TurbineGroup or None", type(self.conventional).__name__, where
            )
        if self.reversible is not None and not isinstance(self.reversible, PumpTurbineGroup):
            raise iv.fail(
                "reversible", "must be a PumpTurbineGroup or None", type(self.reversible).__name__, where
            )
        if self.conventional is None and self.reversible is None:
            raise iv.fail(
                "conventional",
                "or `reversible` must be given: a plant needs at least one unit group",
                None,
                where,
            )
        if self.reversible is not None and self.lower is None:
            raise iv.fail(
                "lower",
                "must be given: reversible units pump from and generate into a lower reservoir",
                None,
                where,
            )
        if self.lower is None and self.tailwater_level_masl is None:
            raise iv.fail(
                "tailwater_level_masl", "must be given when there is no lower reservoir", None, where
            )
        if self.tailwater_level_masl is not None:
            tw = iv.finite("tailwater_level_masl", self.tailwater_level_masl, where)
            if tw >= self.upper.min_level_masl:
                raise iv.fail(
                    "tailwater_level_masl",
                    f"must lie below the upper reservoir's minimum level ({self.upper.min_level_masl}):"
                    " the head would not be positive",
                    tw,
                    where,
                )
            object.__setattr__(self, "tailwater_level_masl", tw)
        if self.lower is not None and self.lower.max_level_masl >= self.upper.min_level_masl:
            raise iv.fail(
                "lower.max_level_masl",
                f"must lie below `upper.min_level_masl` ({self.upper.min_level_masl}): the head would not"
                " be positive at every state",
                self.lower.max_level_masl,
                where,
            )
        if not isinstance(self.outlet, Outlet):
            raise iv.fail("outlet", "must be an Outlet", type(self.outlet).__name__, where)
        if not isinstance(self.line, GridLine):
            raise iv.fail("line", "must be a GridLine", type(self.line).__name__, where)
        prov = iv.provenance_mapping("provenance", self.provenance, where)
        object.__setattr__(self, "provenance", MappingProxyType(prov))

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle and copy by the constructor's arguments (the read-only provenance does not pickle itself)."""
        kw = {f.name: getattr(self, f.name) for f in fields(self)}
        kw["provenance"] = dict(self.provenance)
        return (_plant_from_arguments, (kw,))

    # -- derived views -------------------------------------------------------------------------
    @property
    def has_lower(self) -> bool:
        return self.lower is not None

    def downstream_level_masl(self, volume_lower_hm3: Any = None) -> Any:
        """Level the upper reservoir's units discharge into: the lower reservoir's, or the tailwater. [m a.s.l.]"""
        if self.lower is None:
            return self.tailwater_level_masl
        if volume_lower_hm3 is None:
            return self.lower.initial_level_masl
        return self.lower.curve.level_masl_at(volume_lower_hm3)

    def gross_head_m(self, volume_upper_hm3: Any, volume_lower_hm3: Any = None) -> Any:
        """Gross head z_up(V_up) − z_lo(V_lo) (or the tailwater). [m]"""
        z_up = np.asarray(self.upper.curve.level_masl_at(volume_upper_hm3))
        z_lo = np.asarray(self.downstream_level_masl(volume_lower_hm3))
        iv.broadcast(f"Plant '{self.name}'.gross_head_m", volume_upper_hm3=z_up, volume_lower_hm3=z_lo)
        return z_up - z_lo

    @property
    def initial_gross_head_m(self) -> float:
        """Gross head at the initial levels. [m]"""
        return float(self.upper.initial_level_masl - self.downstream_level_masl())

    def topology(self) -> list[tuple[str, str, str]]:
        """Links of the plant as (link, from, to) rows, for reports."""
        low = self.lower.name if self.lower is not None else "river"
        rows = [("natural inflow", "catchment", self.upper.name)]
        if self.lower is not None:
            rows.append(("local inflow", "catchment", self.lower.name))
        if self.conventional is not None:
            rows.append((f"conventional: {self.conventional.name}", self.upper.name, low))
        rows.append(("spill", self.upper.name, low))
        if self.reversible is not None:
            rows.append((f"generate: {self.reversible.name}", self.upper.name, low))
            rows.append((f"pump: {self.reversible.name}", low, self.upper.name))
            rows.append(("release (≥ environmental flow)", low, "river"))
        elif self.lower is not None:
            rows.append(("release (≥ environmental flow)", low, "river"))
        return rows

    def parameters(self) -> pd.DataFrame:
        """Every scalar parameter with its unit and provenance, one row each, in a stable order.

        Columns: ``parameter``, ``value``, ``unit``, ``provenance`` (``ASSUMPTION: …`` or ``source (H): …``;
        ``user input`` where the plant carries no record).
        """
        rows = []
        for path, value in _walk(self):
            prov = self.provenance.get(path)
            rows.append(
                {
                    "parameter": path,
                    "value": value,
                    "unit": unit_of(path),
                    "provenance": prov.label() if prov is not None else "user input",
                }
            )
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "provenance"])


def _walk(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted path, value) for every scalar field of a nested dataclass, curves as summaries."""
    for f in fields(obj):
        if f.name in ("provenance", "where", "name"):
            continue
        value = getattr(obj, f.name)
        path = f"{prefix}{f.name}"
        if value is None:
            continue
        if isinstance(value, LevelVolumeCurve):
            pts = ", ".join(
                f"{z:g} m→{v:g} hm³" for z, v in zip(value.level_masl, value.volume_hm3, strict=True)
            )
            yield (
                path,
                f"{len(value.level_masl)} points: {pts}"
                if len(value.level_masl) <= 8
                else (
                    f"{len(value.level_masl)} points from {value.level_masl[0]:g} m ({value.volume_hm3[0]:g} hm³) "
                    f"to {value.level_masl[-1]:g} m ({value.volume_hm3[-1]:g} hm³)"
                ),
            )
        elif isinstance(value, EfficiencyCurve):
            yield path, f"curve, {len(value.flow_m3s)}×{len(value.head_m)} points, peak {value.peak:.3f}"
        elif is_dataclass(value):
            yield from _walk(value, path + ".")
        elif isinstance(value, tuple):
            yield path, ", ".join(f"{x:g}" for x in value)
        else:
            yield path, value


def parameter_lines(frame: Any) -> list[str]:
    """The rows of a ``parameters()`` table (``Plant.parameters()``, ``Network.parameters()``) as text: each
    parameter with its value and unit, then its provenance on the next line.

    Examples
    --------
    >>> import pandas as pd
    >>> parameter_lines(pd.DataFrame({"parameter": ["a.x_m"], "value": [2.0], "unit": ["m"],
    ...                               "provenance": ["ASSUMPTION: two"]}))
    ['a.x_m  2 m', '         ↳ ASSUMPTION: two']
    """
    lines = []
    width = max(len(p) for p in frame["parameter"])
    for row in frame.itertuples(index=False):
        value = f"{row.value:g}" if isinstance(row.value, (int, float)) else str(row.value)
        unit = f" {row.unit}" if row.unit else ""
        lines.append(f"{row.parameter:<{width}}  {value}{unit}")
        lines.append(f"{'':<{width}}    ↳ {row.provenance}")
    return lines


def _plant_from_arguments(kwargs: dict[str, Any]) -> Plant:
    """Rebuild a pickled or copied :class:`Plant` (see ``Plant.__reduce__``)."""
    return Plant(**kwargs)
