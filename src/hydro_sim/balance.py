"""The water balance of both reservoirs, recomputed from a schedule's columns.

Used to check LP schedules and simulator runs alike: the residual of each step's balance,

    V_up[t] − V_up[t−1] − c·(I_up + Q_pump − Q_conv − Q_gen − S_up)
    V_lo[t] − V_lo[t−1] − c·(I_lo + Q_conv + Q_gen + S_up − Q_pump − R_lo),   c = 0.0036·Δt,

which is zero up to round-off when water is conserved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hydro_sim.constants import HM3_PER_M3S_HOUR

__all__ = ["water_balance_max_error_hm3"]


def _residual(v: np.ndarray, v0: Any, net_inflow_m3s: np.ndarray, c: float) -> np.ndarray:
    v0 = np.asarray(v0, dtype=float)
    prev = np.concatenate([v0[..., None] if v.ndim > 1 else np.atleast_1d(v0), v[..., :-1]], axis=-1)
    return v - prev - c * net_inflow_m3s


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
    c = HM3_PER_M3S_HOUR * dt_h
    down = col["flow_conventional_m3s"] + col["flow_generating_m3s"] + col["spill_upper_m3s"]
    worst = float(
        np.max(
            np.abs(
                _residual(
                    col["volume_upper_hm3"],
                    initial_volume_upper_hm3,
                    col["inflow_upper_m3s"] + col["flow_pumping_m3s"] - down,
                    c,
                )
            )
        )
    )
    if initial_volume_lower_hm3 is not None and "volume_lower_hm3" in col:
        net = col["inflow_lower_m3s"] + down - col["flow_pumping_m3s"] - col["release_lower_m3s"]
        worst = max(
            worst, float(np.max(np.abs(_residual(col["volume_lower_hm3"], initial_volume_lower_hm3, net, c))))
        )
    return worst
