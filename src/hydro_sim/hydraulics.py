"""Pure, vectorised hydraulic functions: level↔volume, head, turbine and pump power.

Everything here takes scalars, numpy arrays or pandas Series and returns the same kind
(a Series keeps its index). No I/O, no objects: the plant objects wrap these functions.

Sign convention: power and flow are given as positive magnitudes; the plant reports
generation positive and pumping negative.

Input rules (each function checks its arguments and raises :class:`~hydro_sim.errors.HydroSimInputError`
naming the argument, the rule, the value and the function):

- every argument is a real number, an array or a Series of them; text, None, bools, complex numbers, NaN
  and ±inf are refused, and the arguments must broadcast to one shape;
- flows through a unit or a waterway, powers and heads fed to power formulas are magnitudes (≥ 0);
  a head or an efficiency that is divided by must be positive; an efficiency lies in (0, 1]; a loss
  coefficient is a scalar ≥ 0; a step length is positive;
- flows and volumes in :func:`flow_to_volume_hm3` and :func:`volume_to_flow_m3s` may be signed (net flows);
- tables are 1-D, of at least two points, strictly increasing and of matching lengths.

The scalar formulas are written once, in :mod:`hydro_sim._physics`, which the simulator's compiled kernel
calls too; the functions here check their inputs and run those formulas over arrays.

Beyond a level–volume table the level and the volume are extended linearly along the end segment (never
clipped); bounds are the reservoir's business, checked when it is built. An efficiency chart is held at its
edge value beyond its grid (a measured chart is not extrapolated out of (0, 1]).
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import pandas as pd

from hydro_sim import _physics as ph
from hydro_sim import _validation as iv
from hydro_sim.constants import HM3_PER_M3S_HOUR, M3_PER_HM3, MW_PER_M3S_M, SECONDS_PER_HOUR

ArrayLike = TypeVar("ArrayLike", float, np.ndarray, pd.Series)

__all__ = [
    "efficiency_from_table",
    "flow_to_volume_hm3",
    "generating_energy_per_hm3_mwh",
    "interpolate_table",
    "level_from_volume_masl",
    "net_head_m",
    "pump_flow_m3s",
    "pump_power_mw",
    "pumping_energy_per_hm3_mwh",
    "pumping_head_m",
    "turbine_flow_m3s",
    "turbine_flow_with_losses_m3s",
    "turbine_power_mw",
    "volume_from_level_hm3",
    "volume_to_flow_m3s",
]


def _like(template: Any, values: np.ndarray) -> Any:
    """Return ``values`` in the container kind of ``template`` (Series, array or float)."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index, name=template.name)
    if np.ndim(values) == 0:
        return float(values)
    return values


def _values(
    name: str, x: Any, where: str, *, minimum: float | None = None, strict: bool = False
) -> np.ndarray:
    """``x`` as finite floats, ≥ ``minimum`` (> if ``strict``) when a minimum is given."""
    arr = iv.real_array(name, x, where)
    if minimum is not None:
        bad = arr <= minimum if strict else arr < minimum
        if bad.any():
            i = int(np.argmax(bad.ravel()))
            v = float(arr.ravel()[i])
            rule = (
                "must be positive"
                if strict and minimum == 0.0
                else "must not be negative"
                if minimum == 0.0
                else f"must be at least {minimum}"
            )
            at = f" (position {i})" if arr.ndim else ""
            raise iv.fail(name, f"{rule}{at}", v, where)
    return arr


def _efficiencies(name: str, x: Any, where: str) -> np.ndarray:
    arr = iv.real_array(name, x, where)
    bad = (arr <= 0.0) | (arr > 1.0)
    if bad.any():
        i = int(np.argmax(bad.ravel()))
        raise iv.fail(name, "is an efficiency and must lie in (0, 1]", float(arr.ravel()[i]), where)
    return arr


def _coefficient(name: str, x: Any, where: str) -> float:
    return iv.non_negative(name, x, where)


def _table(name_x: str, tx: Any, name_y: str, ty: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    x: np.ndarray = np.asarray(iv.strictly_increasing(name_x, tx, where), dtype=float)
    y = iv.real_array(name_y, ty, where)
    if y.ndim != 1 or y.size != x.size:
        raise iv.fail(
            name_y,
            f"must be a 1-D table with one value per entry of `{name_x}` ({x.size})",
            list(np.shape(y)),
            where,
        )
    return x, y


def flow_to_volume_hm3(flow_m3s: ArrayLike, dt_h: float) -> ArrayLike:
    """Volume moved by a steady flow over one step.

    Parameters
    ----------
    flow_m3s : Flow Q. [m³/s]
    dt_h : Step length Δt. [h]

    Returns
    -------
    Volume ΔV. [hm³]

    Notes
    -----
    ΔV = Q · 3600 · Δt / 10⁶ = 0.0036 · Δt · Q.

    Examples
    --------
    >>> flow_to_volume_hm3(1000.0, 1.0)
    3.6
    """
    where = "flow_to_volume_hm3()"
    q = _values("flow_m3s", flow_m3s, where)
    return _like(flow_m3s, q * (HM3_PER_M3S_HOUR * iv.positive("dt_h", dt_h, where)))


def volume_to_flow_m3s(volume_hm3: ArrayLike, dt_h: float) -> ArrayLike:
    """Steady flow that moves ``volume_hm3`` in one step of ``dt_h`` hours. [m³/s]

    Examples
    --------
    >>> volume_to_flow_m3s(3.6, 1.0)
    1000.0
    """
    where = "volume_to_flow_m3s()"
    v = _values("volume_hm3", volume_hm3, where)
    return _like(volume_hm3, v / (HM3_PER_M3S_HOUR * iv.positive("dt_h", dt_h, where)))


def interpolate_table(x: ArrayLike, table_x: np.ndarray, table_y: np.ndarray) -> ArrayLike:
    """Piecewise-linear interpolation in an increasing table, extended linearly beyond its ends.

    The end segments are extended rather than clipped, so a value outside the table is never silently
    flattened; callers that need bounds check them at their public boundary.

    Examples
    --------
    >>> interpolate_table(1.5, np.array([1.0, 2.0]), np.array([10.0, 20.0]))
    15.0
    >>> interpolate_table(3.0, np.array([1.0, 2.0]), np.array([10.0, 20.0]))
    30.0
    """
    return _interpolate(x, table_x, table_y, "interpolate_table()", ("x", "table_x", "table_y"))


def _interpolate(x: Any, table_x: Any, table_y: Any, where: str, names: tuple[str, str, str]) -> Any:
    tx, ty = _table(names[1], table_x, names[2], table_y, where)
    xv = _values(names[0], x, where)
    flat = np.ascontiguousarray(xv, dtype=float).reshape(-1)
    out = np.empty_like(flat)
    ph.interp_array(flat, tx, np.ascontiguousarray(ty, dtype=float), ph.slopes(tx, ty), out)
    return _like(x, out.reshape(xv.shape))


def volume_from_level_hm3(
    level_masl: ArrayLike, curve_level_masl: np.ndarray, curve_volume_hm3: np.ndarray
) -> ArrayLike:
    """Stored volume at a water level, from a level–volume table.

    Parameters
    ----------
    level_masl : Water level z. [m a.s.l.]
    curve_level_masl : Table levels, strictly increasing. [m a.s.l.]
    curve_volume_hm3 : Table volumes, strictly increasing. [hm³]

    Returns
    -------
    Volume V(z). [hm³]

    Examples
    --------
    >>> volume_from_level_hm3(2601.5, np.array([2601.0, 2602.0]), np.array([36.123, 39.1502]))
    37.6366
    """
    return _interpolate(
        level_masl,
        curve_level_masl,
        curve_volume_hm3,
        "volume_from_level_hm3()",
        ("level_masl", "curve_level_masl", "curve_volume_hm3"),
    )


def level_from_volume_masl(
    volume_hm3: ArrayLike, curve_level_masl: np.ndarray, curve_volume_hm3: np.ndarray
) -> ArrayLike:
    """Water level at a stored volume: the inverse of :func:`volume_from_level_hm3`. [m a.s.l.]

    Examples
    --------
    >>> level_from_volume_masl(37.6366, np.array([2601.0, 2602.0]), np.array([36.123, 39.1502]))
    2601.5
    """
    if (
        np.ndim(curve_volume_hm3) == 1
        and np.ndim(curve_level_masl) == 1
        and np.size(curve_volume_hm3) != np.size(curve_level_masl)
    ):
        raise iv.fail(
            "curve_volume_hm3",
            f"must have one volume per level ({np.size(curve_level_masl)} levels)",
            np.size(curve_volume_hm3),
            "level_from_volume_masl()",
        )
    return _interpolate(
        volume_hm3,
        curve_volume_hm3,
        curve_level_masl,
        "level_from_volume_masl()",
        ("volume_hm3", "curve_volume_hm3", "curve_level_masl"),
    )


def net_head_m(
    upstream_level_masl: ArrayLike,
    downstream_level_masl: ArrayLike | float,
    flow_m3s: ArrayLike | float = 0.0,
    loss_coefficient_s2_per_m5: float = 0.0,
) -> ArrayLike:
    """Net head on a turbine: gross head less the waterway loss.

    Parameters
    ----------
    upstream_level_masl : Level of the reservoir the water comes from, z_up. [m a.s.l.]
    downstream_level_masl : Level it discharges to, z_lo (lower reservoir or tailwater). [m a.s.l.]
    flow_m3s : Flow through the waterway Q. [m³/s]
    loss_coefficient_s2_per_m5 : Waterway loss coefficient k. [s²/m⁵]

    Returns
    -------
    Net head H = z_up − z_lo − k·Q². [m]

    Examples
    --------
    >>> net_head_m(2865.0, 2605.0, 600.0, 2.0e-5)
    252.8
    """
    zu, zd, q, k = _head_args(
        upstream_level_masl, downstream_level_masl, flow_m3s, loss_coefficient_s2_per_m5, "net_head_m()"
    )
    return _like(upstream_level_masl, zu - zd - k * np.square(q))


def _head_args(
    zu: Any, zd: Any, q: Any, k: Any, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    up = _values("upstream_level_masl", zu, where)
    down = _values("downstream_level_masl", zd, where)
    flow = _values("flow_m3s", q, where, minimum=0.0)
    iv.broadcast(where, upstream_level_masl=up, downstream_level_masl=down, flow_m3s=flow)
    return up, down, flow, _coefficient("loss_coefficient_s2_per_m5", k, where)


def pumping_head_m(
    upstream_level_masl: ArrayLike,
    downstream_level_masl: ArrayLike | float,
    flow_m3s: ArrayLike | float = 0.0,
    loss_coefficient_s2_per_m5: float = 0.0,
) -> ArrayLike:
    """Head a pump must deliver: gross head *plus* the waterway loss, H_p = z_up − z_lo + k·Q². [m]

    Examples
    --------
    >>> pumping_head_m(2865.0, 2605.0, 500.0, 2.0e-5)
    265.0
    """
    zu, zd, q, k = _head_args(
        upstream_level_masl, downstream_level_masl, flow_m3s, loss_coefficient_s2_per_m5, "pumping_head_m()"
    )
    return _like(upstream_level_masl, zu - zd + k * np.square(q))


def turbine_power_mw(
    flow_m3s: ArrayLike, head_m: ArrayLike | float, efficiency: ArrayLike | float
) -> ArrayLike:
    """Electrical output of a turbine.

    Parameters
    ----------
    flow_m3s : Turbine discharge Q. [m³/s]
    head_m : Net head H. [m]
    efficiency : Wire-to-water efficiency η_t, in (0, 1]. [-]

    Returns
    -------
    Power P = ρ g η_t Q H / 10⁶. [MW]

    Examples
    --------
    >>> round(turbine_power_mw(1.0, 100.0, 0.9), 4)
    0.8829
    """
    q, h, eta = _power_args(flow_m3s, head_m, efficiency, "turbine_power_mw()")
    return _like(flow_m3s, MW_PER_M3S_M * eta * q * h)


def _power_args(q: Any, h: Any, eta: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flow = _values("flow_m3s", q, where, minimum=0.0)
    head = _values("head_m", h, where, minimum=0.0)
    e = _efficiencies("efficiency", eta, where)
    iv.broadcast(where, flow_m3s=flow, head_m=head, efficiency=e)
    return flow, head, e


def _flow_args(
    p: Any, h: Any, eta: Any, where: str, head_name: str = "head_m"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    power = _values("power_mw", p, where, minimum=0.0)
    head = _values(head_name, h, where, minimum=0.0, strict=True)
    e = _efficiencies("efficiency", eta, where)
    iv.broadcast(where, **{"power_mw": power, head_name: head, "efficiency": e})
    return power, head, e


def turbine_flow_m3s(
    power_mw: ArrayLike, head_m: ArrayLike | float, efficiency: ArrayLike | float
) -> ArrayLike:
    """Discharge a turbine needs for a given output at a given net head: Q = 10⁶ P / (ρ g η_t H). [m³/s]

    Examples
    --------
    >>> round(turbine_flow_m3s(0.8829, 100.0, 0.9), 6)
    1.0
    """
    p, h, eta = _flow_args(power_mw, head_m, efficiency, "turbine_flow_m3s()")
    return _like(power_mw, p / (MW_PER_M3S_M * eta * h))


def pump_power_mw(flow_m3s: ArrayLike, head_m: ArrayLike | float, efficiency: ArrayLike | float) -> ArrayLike:
    """Electrical input of a pump.

    Parameters
    ----------
    flow_m3s : Pumped flow Q. [m³/s]
    head_m : Pumping head H_p (gross head plus losses). [m]
    efficiency : Water-to-wire pump efficiency η_p, in (0, 1]. [-]

    Returns
    -------
    Power P = ρ g Q H_p / (η_p 10⁶), a positive magnitude (the plant books it as negative). [MW]

    Examples
    --------
    >>> round(pump_power_mw(1.0, 100.0, 0.9), 4)
    1.09
    """
    q, h, eta = _power_args(flow_m3s, head_m, efficiency, "pump_power_mw()")
    return _like(flow_m3s, MW_PER_M3S_M * q * h / eta)


def pump_flow_m3s(power_mw: ArrayLike, head_m: ArrayLike | float, efficiency: ArrayLike | float) -> ArrayLike:
    """Flow a pump lifts with a given input at a given pumping head: Q = 10⁶ η_p P / (ρ g H_p). [m³/s]

    Examples
    --------
    >>> round(pump_flow_m3s(1.09, 100.0, 0.9), 6)
    1.0
    """
    p, h, eta = _flow_args(power_mw, head_m, efficiency, "pump_flow_m3s()")
    return _like(power_mw, p * eta / (MW_PER_M3S_M * h))


def generating_energy_per_hm3_mwh(head_m: ArrayLike, efficiency: ArrayLike | float) -> ArrayLike:
    """Electrical energy from turbining 1 hm³ at a net head: E = ρ g η H · 10⁶ / 3.6·10⁹. [MWh/hm³]

    Examples
    --------
    >>> round(generating_energy_per_hm3_mwh(250.0, 0.9), 3)
    613.125
    """
    return _energy_per_hm3(head_m, efficiency, "generating_energy_per_hm3_mwh()", pump=False)


def _energy_per_hm3(head_m: Any, efficiency: Any, where: str, *, pump: bool) -> Any:
    """Energy of 1 hm³ through a turbine (ρgηH) or a pump (ρgH/η), per hour of flow. [MWh/hm³]"""
    h = _values("head_m", head_m, where, minimum=0.0)
    eta = _efficiencies("efficiency", efficiency, where)
    iv.broadcast(where, head_m=h, efficiency=eta)
    per_m3s = MW_PER_M3S_M * h / eta if pump else MW_PER_M3S_M * eta * h
    return _like(head_m, np.asarray(per_m3s * M3_PER_HM3 / SECONDS_PER_HOUR))


def pumping_energy_per_hm3_mwh(head_m: ArrayLike, efficiency: ArrayLike | float) -> ArrayLike:
    """Electrical energy to pump 1 hm³ against a pumping head: E = ρ g H_p · 10⁶ / (η_p 3.6·10⁹). [MWh/hm³]

    Examples
    --------
    >>> round(pumping_energy_per_hm3_mwh(250.0, 0.9), 3)
    756.944
    """
    return _energy_per_hm3(head_m, efficiency, "pumping_energy_per_hm3_mwh()", pump=True)


def efficiency_from_table(
    flow_m3s: ArrayLike,
    head_m: ArrayLike | float,
    table_flow_m3s: np.ndarray,
    table_head_m: np.ndarray,
    table_efficiency: np.ndarray,
) -> ArrayLike:
    """Bilinear interpolation of an efficiency hill chart η(Q, H), held flat beyond the table's edges.

    An efficiency table is a measured chart: beyond its edges it is held at the edge value rather than
    extrapolated (an extrapolated efficiency can leave (0, 1]).

    Parameters
    ----------
    flow_m3s : Flow per unit Q. [m³/s]
    head_m : Net (or pumping) head H. [m]
    table_flow_m3s : Increasing flow grid, length n. [m³/s]
    table_head_m : Increasing head grid, length m. [m]
    table_efficiency : Efficiencies, shape (n, m). [-]

    Examples
    --------
    >>> efficiency_from_table(1.5, 100.0, np.array([1.0, 2.0]), np.array([50.0, 150.0]),
    ...                       np.array([[0.8, 0.8], [0.9, 0.9]]))
    0.85
    """
    where = "efficiency_from_table()"
    tq: np.ndarray = np.asarray(iv.strictly_increasing("table_flow_m3s", table_flow_m3s, where), dtype=float)
    th: np.ndarray = np.asarray(iv.strictly_increasing("table_head_m", table_head_m, where), dtype=float)
    te = _efficiencies("table_efficiency", table_efficiency, where)
    if te.shape != (tq.size, th.size):
        raise iv.fail(
            "table_efficiency",
            f"must have shape (len(table_flow_m3s), len(table_head_m)) = ({tq.size}, {th.size})",
            te.shape,
            where,
        )
    q_in = _values("flow_m3s", flow_m3s, where, minimum=0.0)
    h_in = _values("head_m", head_m, where)
    iv.broadcast(where, flow_m3s=q_in, head_m=h_in)
    q, h = np.broadcast_arrays(q_in, h_in)
    qf = np.ascontiguousarray(q, dtype=float).reshape(-1)
    hf = np.ascontiguousarray(h, dtype=float).reshape(-1)
    eta = np.empty_like(qf)
    ph.eta_array(qf, hf, tq, th, np.ascontiguousarray(te, dtype=float), eta)
    return _like(flow_m3s, eta.reshape(q.shape))


def turbine_flow_with_losses_m3s(
    power_mw: ArrayLike,
    gross_head_m: ArrayLike | float,
    loss_coefficient_s2_per_m5: float,
    efficiency: ArrayLike | float,
    max_flow_m3s: ArrayLike | float = np.inf,
) -> ArrayLike:
    """Flow that yields ``power_mw`` when the waterway loss grows with the flow itself.

    Solves P = ρ g η Q (H_g − k Q²) / 10⁶ for the smaller root Q (the physical branch, where power rises
    with flow), by Newton steps from the lossless flow. Where the power cannot be reached (beyond the
    peak of the curve, or beyond ``max_flow_m3s``) it returns NaN, so the caller can record the shortfall.

    Parameters
    ----------
    power_mw : Requested output P. [MW]
    gross_head_m : Gross head H_g. [m]
    loss_coefficient_s2_per_m5 : Waterway loss coefficient k. [s²/m⁵]
    efficiency : Efficiency η (taken constant over the iteration). [-]
    max_flow_m3s : Flow limit. [m³/s]

    Examples
    --------
    >>> q = turbine_flow_with_losses_m3s(100.0, 250.0, 1.0e-5, 0.9)
    >>> round(turbine_power_mw(q, 250.0 - 1.0e-5 * q**2, 0.9), 9)
    100.0
    """
    where = "turbine_flow_with_losses_m3s()"
    p, hg, eta = _flow_args(power_mw, gross_head_m, efficiency, where, head_name="gross_head_m")
    k = _coefficient("loss_coefficient_s2_per_m5", loss_coefficient_s2_per_m5, where)
    q_max = iv.real_array("max_flow_m3s", max_flow_m3s, where, allow_nan=True)
    if np.isnan(q_max).any() or (q_max <= 0.0).any():
        raise iv.fail("max_flow_m3s", "must be positive (np.inf for no limit)", float(np.min(q_max)), where)
    iv.broadcast(where, power_mw=p, max_flow_m3s=q_max)
    c = MW_PER_M3S_M * eta
    p, hg, c, eta_b, q_max_b = np.broadcast_arrays(p, hg, c, eta, q_max)
    shape = p.shape
    flat = [np.ascontiguousarray(a, dtype=float).reshape(-1) for a in (p, hg, eta_b)]
    q = np.empty_like(flat[0])
    ph.unit_flow_array(
        flat[0], flat[1], k, -1.0, flat[2], np.full(q.size, np.inf), np.zeros(1), np.zeros((1, 1)), q
    )
    q = q.reshape(shape)
    # Peak of the power curve is at Q* = sqrt(H_g / 3k); beyond it there is no physical solution.
    ok = np.isclose(c * q * (hg - k * q * q), p, rtol=1e-9, atol=1e-9) & (q <= q_max_b + 1e-9)
    if k > 0:
        with np.errstate(over="ignore"):  # a subnormal k puts the peak beyond any float: no limit
            ok &= q <= np.sqrt(hg / (3.0 * k)) + 1e-9
    q = np.where(ok, q, np.nan)
    return _like(power_mw, q)
