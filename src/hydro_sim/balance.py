"""The water balance, V[t] − V[t−1] − c·(I[t] + A·q[t]) per reservoir and step, written once.

:func:`incidence_residual_hm3` is the one formula; :meth:`hydro_sim.network.Network.water_balance_error_hm3`
applies it with a network's incidence matrix A (``Network.incidence()``, −1 where a flow column leaves a
reservoir, +1 where it enters), and :func:`water_balance_max_error_hm3` with the incidence of a two-reservoir
plant's schedule columns (:data:`PLANT_COLUMNS`): for the upper and lower reservoir,

    V_up[t] − V_up[t−1] − c·(I_up + Q_pump − Q_conv − Q_gen − S_up)
    V_lo[t] − V_lo[t−1] − c·(I_lo + Q_conv + Q_gen + S_up − Q_pump − R_lo),   c = 0.0036·Δt,

which is zero up to round-off when water is conserved. Used to check LP schedules and simulator runs alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hydro_sim.constants import HM3_PER_M3S_HOUR

__all__ = ["PLANT_COLUMNS", "incidence_residual_hm3", "water_balance_max_error_hm3"]

#: A two-reservoir plant's flow columns and their ends in its incidence: (column, upper row, lower row).
PLANT_COLUMNS: tuple[tuple[str, float, float], ...] = (
    ("flow_conventional_m3s", -1.0, 1.0),
    ("flow_generating_m3s", -1.0, 1.0),
    ("spill_upper_m3s", -1.0, 1.0),
    ("flow_pumping_m3s", 1.0, -1.0),
    ("release_lower_m3s", 0.0, -1.0),
)


def incidence_residual_hm3(
    volume_hm3: np.ndarray, inflow_m3s: np.ndarray, flow_m3s: np.ndarray, incidence: np.ndarray, c: float
) -> np.ndarray:
    """V[t] − V[t−1] − c·(I[t] + A·q[t]). [hm³]

    Parameters
    ----------
    volume_hm3 : (reservoirs, …, steps + 1): the start volume, then the end of each step. [hm³]
    inflow_m3s : (reservoirs, …, steps) natural inflows. [m³/s]
    flow_m3s : (columns, …, steps) flows of the incidence's columns. [m³/s]
    incidence : (reservoirs, columns) A. [-]
    c : hm³ per m³/s over one step. [hm³ s/m³]

    Examples
    --------
    >>> a = np.array([[-1.0], [1.0]])  # one column from reservoir 0 into reservoir 1
    >>> v = np.array([[10.0, 9.64], [0.0, 0.36]])
    >>> incidence_residual_hm3(v, np.zeros((2, 1)), np.array([[100.0]]), a, 0.0036).round(12).tolist()
    [[0.0], [0.0]]
    """
    # column by column, element-wise: each scenario's residual is the same bits whatever the batch around it
    # (a matrix product's summation order depends on the shapes)
    inflow, flow = np.asarray(inflow_m3s, dtype=float), np.asarray(flow_m3s, dtype=float)
    shape = (incidence.shape[0], *np.broadcast_shapes(inflow.shape[1:], flow.shape[1:]))
    net = np.array(np.broadcast_to(inflow, shape))
    for j in range(incidence.shape[1]):
        for r in np.flatnonzero(incidence[:, j]):
            net[r] += incidence[r, j] * flow[j]
    return np.diff(volume_hm3, axis=-1) - c * net


def water_balance_max_error_hm3(
    columns: Mapping[str, Any],
    *,
    initial_volume_upper_hm3: Any,
    initial_volume_lower_hm3: Any = None,
    dt_h: float,
) -> float:
    """Largest absolute balance residual of either reservoir over all steps (and scenarios). [hm³]

    Parameters
    ----------
    columns : Arrays (steps,) or (scenarios, steps), or a DataFrame, with the schedule's column names
        (``volume_upper_hm3``, ``inflow_upper_m3s``, ``flow_*_m3s``, ``spill_upper_m3s``, and for a lower
        reservoir ``volume_lower_hm3``, ``inflow_lower_m3s``, ``release_lower_m3s``).
    initial_volume_upper_hm3, initial_volume_lower_hm3 : Start volumes, scalar or one per scenario. [hm³]
    dt_h : Step length. [h]

    Examples
    --------
    >>> cols = {"volume_upper_hm3": np.array([3.6]), "inflow_upper_m3s": np.array([1000.0]),
    ...         "flow_conventional_m3s": np.array([0.0]), "flow_generating_m3s": np.array([0.0]),
    ...         "flow_pumping_m3s": np.array([0.0]), "spill_upper_m3s": np.array([0.0])}
    >>> water_balance_max_error_hm3(cols, initial_volume_upper_hm3=0.0, dt_h=1.0) < 1e-12
    True
    """
    col = {k: np.asarray(columns[k], dtype=float) for k in columns}
    v_up = col["volume_upper_hm3"]
    lower = initial_volume_lower_hm3 is not None and "volume_lower_hm3" in col
    names = ("upper", "lower") if lower else ("upper",)
    starts = (initial_volume_upper_hm3, initial_volume_lower_hm3)
    volume = np.stack(
        [
            np.concatenate(
                [
                    np.broadcast_to(np.asarray(v0, dtype=float), v_up.shape[:-1])[..., None],
                    col[f"volume_{r}_hm3"],
                ],
                axis=-1,
            )
            for r, v0 in zip(names, starts, strict=False)
        ]
    )
    inflow = np.stack([col[f"inflow_{r}_m3s"] for r in names])
    used = [(name, up, lo) for name, up, lo in PLANT_COLUMNS if lower or up != 0.0]
    flows = np.stack([col[name] for name, _, _ in used])
    incidence = np.array([[up, lo][: len(names)] for _, up, lo in used]).T
    residual = incidence_residual_hm3(volume, inflow, flows, incidence, HM3_PER_M3S_HOUR * dt_h)
    return float(np.max(np.abs(residual)))
