"""The scalar physics, written once: compiled with numba, called by the simulator and wrapped by hydraulics.

Each function here takes and returns plain floats (and table arrays), so that numba compiles it into the
simulator's kernels and :mod:`hydro_sim.hydraulics` runs it over arrays (the ``*_array`` loops below). The
formulas (design brief §2):

- table interpolation: piecewise linear, extended linearly beyond the ends (:func:`interp_from`);
- efficiency chart: bilinear η(Q per unit, H), held flat beyond the grid (:func:`eta_bilinear`);
- power of a unit column: P = A e Q (H_g + s kQ²), A = ρg/10⁶, with s = −1, e = η for a turbine (net head
  H_g − kQ²) and s = +1, e = 1/η for a pump (pumping head H_g + kQ²) (:func:`unit_power`);
- the flow that gives a power, by Newton's method from the lossless flow (:func:`unit_flow`): on the
  turbine's physical branch f(Q) = P(Q) − P is concave and rising, on the pump's convex and rising, so the
  iterates move monotonically to the root.

Only numpy, numba and :mod:`hydro_sim.constants` are imported (the bottom layer).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from hydro_sim.constants import MW_PER_M3S_M

#: Whether the compiled functions are kept on disk (numba's cache, so a new process loads them instead of
#: compiling). False when numba finds no writable place for it (a read-only install without a writable home
#: or NUMBA_CACHE_DIR): the functions are then compiled in each process, and the import still works.
CACHE_ENABLED = True
#: numba's reason when CACHE_ENABLED is False.
CACHE_DISABLED_REASON = ""


def njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """numba.njit with the simulator's options and the disk cache, or without the cache when numba can write
    none. numba looks for a writable place when a cached function is defined (its locators, in
    ``numba.core.caching``: NUMBA_CACHE_DIR, the source's ``__pycache__``, the user's cache folder) and
    raises ``RuntimeError("cannot cache function ...")`` when there is none; the first such failure turns
    the cache off for every later function, so that none is cached and none fails.

    ``_nrt=False`` is an internal numba option that numba's type stubs do not list: it compiles the
    functions without reference counting (each array handed to a compiled helper would otherwise cost
    atomic count updates per call) and without allocation."""

    def decorate(fn: Callable[..., Any]) -> Any:
        global CACHE_ENABLED, CACHE_DISABLED_REASON
        kw: dict[str, Any] = dict(fastmath=False, nogil=True, error_model="numpy", _nrt=False, **options)
        if CACHE_ENABLED:
            try:
                return numba.njit(cache=True, **kw)(fn)
            except RuntimeError as err:  # numba: no locator available (nowhere to write the cache)
                if "cannot cache" not in str(err):
                    raise
                CACHE_ENABLED, CACHE_DISABLED_REASON = False, str(err)
        return numba.njit(cache=False, **kw)(fn)

    return decorate


#: One decorator for every compiled function, built once.
jit = njit()
#: The same, for helpers LLVM should inline into their callers (``forceinline``).
jit_inline = njit(forceinline=True)

#: Newton steps at most for :func:`unit_flow`.
MAX_NEWTON_STEPS = 30
#: Newton stops once a step moved the flow by at most this fraction of it. [-]
NEWTON_STEP_REL = 1e-14


# -- tables ------------------------------------------------------------------------------------------------
@jit_inline
def segment(x: float, xs: np.ndarray, n: int, j: int) -> int:
    """The segment (0 … n−2) of the increasing table ``xs[:n]`` holding ``x``, walking from segment ``j``
    (the first below the table, the last above it)."""
    j = min(max(j, 0), n - 2)
    while j > 0 and x < xs[j]:
        j -= 1
    while j < n - 2 and x >= xs[j + 1]:
        j += 1
    return j


@jit_inline
def interp_from(x: float, xs: np.ndarray, ys: np.ndarray, ms: np.ndarray, j: int) -> tuple[float, int]:
    """Piecewise-linear interpolation in the table (xs, ys), extended linearly beyond its ends, with the
    segment slopes ``ms`` given (:func:`slopes`), searching from segment ``j``; returns (value, segment).

    .. math:: y = y_j + (x - x_j)\\, m_j, \\qquad m_j = (y_{j+1} - y_j) / (x_{j+1} - x_j)
    """
    j = segment(x, xs, xs.shape[0], j)
    return ys[j] + (x - xs[j]) * ms[j], j


def slopes(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Segment slopes of a piecewise-linear table, for :func:`interp_from`."""
    return np.ascontiguousarray(np.diff(ys) / np.diff(xs), dtype=float)


@jit
def interp_array(x: np.ndarray, xs: np.ndarray, ys: np.ndarray, ms: np.ndarray, out: np.ndarray) -> None:
    """:func:`interp_from` over an array (hydraulics' vectorised wrapper)."""
    j = xs.shape[0] // 2
    for i in range(x.shape[0]):
        out[i], j = interp_from(x[i], xs, ys, ms, j)


# -- efficiency charts ---------------------------------------------------------------------------------------
@jit
def eta_bilinear(q_unit: float, h: float, qg: np.ndarray, hg: np.ndarray, tab: np.ndarray) -> float:
    """Bilinear efficiency η(Q per unit, H) of a chart on the grid (qg, hg), held flat beyond the grid; a
    1 × 1 chart is a constant."""
    nq, nh = qg.shape[0], hg.shape[0]
    if nq == 1 and nh == 1:
        return tab[0, 0]
    q = min(max(q_unit, qg[0]), qg[nq - 1])
    hh = min(max(h, hg[0]), hg[nh - 1])
    i = 0
    while i < nq - 2 and qg[i + 1] <= q:
        i += 1
    j = 0
    while j < nh - 2 and hg[j + 1] <= hh:
        j += 1
    wq = (q - qg[i]) / (qg[i + 1] - qg[i]) if nq > 1 else 0.0
    wh = (hh - hg[j]) / (hg[j + 1] - hg[j]) if nh > 1 else 0.0
    i1 = min(i + 1, nq - 1)
    j1 = min(j + 1, nh - 1)
    return (
        (1 - wq) * (1 - wh) * tab[i, j]
        + wq * (1 - wh) * tab[i1, j]
        + (1 - wq) * wh * tab[i, j1]
        + wq * wh * tab[i1, j1]
    )


@jit
def eta_array(
    q: np.ndarray, h: np.ndarray, qg: np.ndarray, hg: np.ndarray, tab: np.ndarray, out: np.ndarray
) -> None:
    """:func:`eta_bilinear` over arrays of equal length (hydraulics' vectorised wrapper)."""
    for i in range(q.shape[0]):
        out[i] = eta_bilinear(q[i], h[i], qg, hg, tab)


@jit
def n_running(q: float, q_unit_max: float, n: int) -> int:
    """Units running for a group flow q: as few as carry it (at least one, at most n)."""
    if q <= 0.0:
        return 1
    k = math.ceil(q / q_unit_max - 1e-9)
    return min(max(k, 1), n)


@jit
def group_eta(
    q: float, h: float, n: int, q_unit_max: float, qg: np.ndarray, hg: np.ndarray, tab: np.ndarray
) -> float:
    """Efficiency of a group at flow q and head h: a constant, or the chart at the per-unit flow of the
    units running (:func:`n_running`)."""
    if tab.shape[0] == 1 and tab.shape[1] == 1:
        return tab[0, 0]
    return eta_bilinear(q / n_running(q, q_unit_max, n), h, qg, hg, tab)


# -- power and flow of a unit column --------------------------------------------------------------------------
@jit_inline
def head_m(hg: float, k: float, s: float, q: float) -> float:
    """Net head of a turbine (s = −1: H_g − kQ²) or pumping head of a pump (s = +1: H_g + kQ²). [m]"""
    return hg + s * (k * q * q)


@jit_inline
def power_mw(q: float, h: float, eta: float, s: float) -> float:
    """Power at flow q and (net or pumping) head h: turbine (s = −1) P = AηQH, pump (s = +1) P = AQH/η,
    A = ρg/10⁶. [MW]"""
    return MW_PER_M3S_M * eta * q * h if s < 0.0 else MW_PER_M3S_M * q * h / eta


@jit
def unit_power(
    q: float,
    hg: float,
    k: float,
    s: float,
    n: int,
    q_unit_max: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> float:
    """Power of a unit column at flow q and gross head hg, losses k·Q², efficiency of the units running;
    zero without flow. [MW]"""
    if q <= 0.0:
        return 0.0
    h = head_m(hg, k, s, q)
    return power_mw(q, h, group_eta(q, h, n, q_unit_max, qg, hgr, tab), s)


@jit_inline
def const_power(q: float, hg: float, k: float, s: float, eta: float) -> float:
    """:func:`unit_power` of a column with the constant efficiency ``eta``, without branches (a select), for
    the simulator's loops over scenarios. [MW]"""
    h = head_m(hg, k, s, q)
    return power_mw(q, h, eta, s) if q > 0.0 else 0.0


@jit_inline
def top_flow(hg: float, k: float, s: float, q_max: float) -> float:
    """The largest useful flow: the flow limit, and for a turbine with losses the flow of maximum power
    √(H_g/3k) (beyond it more water gives less power). [m³/s]"""
    if s < 0.0 and k > 0.0 and 3.0 * k * q_max * q_max > hg:
        return math.sqrt(hg / (3.0 * k))
    return q_max


@jit_inline
def series_flow(p: float, ih: float, k: float, s: float, inv_a: float) -> float:
    """Start of the flow of a constant-efficiency column (``inv_a`` = 1/(A e), ``ih`` = 1/H_g): the series
    root of the cubic aQ(H_g + s kQ²) = P, Q ≈ Q₀(1 + y + 3y² + 12y³ + 55y⁴), Q₀ = P/(aH_g),
    y = −s kQ₀²/H_g (relative error ≈ 273y⁵)."""
    q0 = p * ih * inv_a
    y = -s * (k * q0 * q0 * ih)
    return q0 * (1.0 + y * (1.0 + y * (3.0 + y * (12.0 + 55.0 * y))))


@jit_inline
def halley_step(q: float, p: float, hg: float, k: float, s: float, a: float) -> tuple[float, float]:
    """One Halley step on f(Q) = aQ(H_g + s kQ²) − P (cubic convergence, one division): (ΔQ, f)."""
    f = a * q * (hg + s * (k * q * q)) - p
    f1 = a * (hg + s * (3.0 * k * q * q))
    f2 = s * 6.0 * a * k * q
    return 2.0 * f * f1 / (2.0 * f1 * f1 - f * f2), f


#: Halley's method stops once its last step moved the flow by less than this fraction: its error is then
#: about 10·HALLEY_STEP_REL³ of the flow for loss fractions of a few %, below 1e-11. [-]
HALLEY_STEP_REL = 1e-4


@jit_inline
def const_flow_first(
    p: float, hg: float, k: float, s: float, a: float, inv_a: float, q_top: float
) -> tuple[float, bool]:
    """The flow of a constant-efficiency column (``a`` = A e, ``inv_a`` = 1/a) for power p > 0 at gross head
    hg, up to ``q_top``: the series start and one Halley step, without branches (the simulator runs it over
    scenarios side by side); returns (flow, more): ``more`` when the step moved the flow by more than
    HALLEY_STEP_REL of it (:func:`const_flow_rest` finishes it)."""
    return const_flow_step(const_flow_start(p, hg, k, s, inv_a, q_top), p, hg, k, s, a, q_top)


@jit_inline
def const_flow_start(p: float, hg: float, k: float, s: float, inv_a: float, q_top: float) -> float:
    """The first half of :func:`const_flow_first`: the series start, up to ``q_top``."""
    return min(series_flow(p, 1.0 / hg, k, s, inv_a), q_top)


@jit_inline
def const_flow_step(
    q: float, p: float, hg: float, k: float, s: float, a: float, q_top: float
) -> tuple[float, bool]:
    """The second half of :func:`const_flow_first`: one Halley step from q, up to ``q_top``; (flow, more)."""
    dq = halley_step(q, p, hg, k, s, a)[0]
    q1 = min(q - dq, q_top)
    return q1, not (abs(q1 - q) <= HALLEY_STEP_REL * q1)


@jit
def const_flow_rest(q: float, p: float, hg: float, k: float, s: float, a: float, q_top: float) -> float:
    """Halley's steps after :func:`const_flow_first`, until a step moves the flow by at most HALLEY_STEP_REL
    of it (MAX_NEWTON_STEPS in all)."""
    for _ in range(MAX_NEWTON_STEPS - 1):
        dq = halley_step(q, p, hg, k, s, a)[0]
        q1 = min(q - dq, q_top)
        done = abs(q1 - q) <= HALLEY_STEP_REL * q1
        q = q1
        if done:
            break
    return q


@jit
def unit_flow(
    p: float,
    hg: float,
    k: float,
    s: float,
    n: int,
    q_unit_max: float,
    q_max: float,
    qg: np.ndarray,
    hgr: np.ndarray,
    tab: np.ndarray,
) -> float:
    """Flow of a unit column that gives power p at gross head hg (:func:`unit_power` = p), for a turbine
    (s = −1) on the physical branch up to :func:`top_flow`; the top flow when even it gives less than p. [m³/s]

    A constant efficiency: the series start and Halley's steps (:func:`series_flow`, :func:`halley_step`).
    A chart: Newton's method from the lossless flow Q₀ = P/(A e H_g), η re-evaluated at each iterate."""
    if p <= 0.0:
        return 0.0
    q_top = top_flow(hg, k, s, q_max)
    const = tab.shape[0] == 1 and tab.shape[1] == 1
    # (without losses or a flow limit the top flow is infinite and its power too: never ≤ p)
    if s < 0.0 and math.isfinite(q_top) and unit_power(q_top, hg, k, s, n, q_unit_max, qg, hgr, tab) <= p:
        return q_top
    if const:
        a = MW_PER_M3S_M * (tab[0, 0] if s < 0.0 else 1.0 / tab[0, 0])
        q, more = const_flow_first(p, hg, k, s, a, 1.0 / a, q_top)
        return const_flow_rest(q, p, hg, k, s, a, q_top) if more else q
    eta = eta_bilinear(q_unit_max, hg, qg, hgr, tab)
    q = p / (MW_PER_M3S_M * eta * hg) if s < 0.0 else p * eta / (MW_PER_M3S_M * hg)
    for _ in range(MAX_NEWTON_STEPS):
        h = head_m(hg, k, s, q)
        eta = group_eta(q, h, n, q_unit_max, qg, hgr, tab)
        e = eta if s < 0.0 else 1.0 / eta
        f = MW_PER_M3S_M * e * q * h - p
        df = MW_PER_M3S_M * e * (hg + 3.0 * s * k * q * q)
        if df <= 0.0:
            break
        step = f / df
        q1 = min(q - step, q_top) if s < 0.0 else q - step
        done = abs(q1 - q) <= NEWTON_STEP_REL * abs(q1)
        q = q1
        if done:
            break
    return q


@jit
def unit_flow_array(
    p: np.ndarray,
    hg: np.ndarray,
    k: float,
    s: float,
    eta: np.ndarray,
    q_max: np.ndarray,
    grid: np.ndarray,
    tab: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`unit_flow` of one unit at a constant efficiency per element (hydraulics' vectorised wrapper);
    ``grid`` (1,) and ``tab`` (1, 1) are work arrays."""
    for i in range(p.shape[0]):
        tab[0, 0] = eta[i]
        out[i] = unit_flow(p[i], hg[i], k, s, 1, q_max[i], q_max[i], grid, grid, tab)
