"""From a solution to frames: the element schedule of a network, and the legacy columns of a Plant.

Element columns (contract): per reservoir ``"{r} inflow_m3s"``, ``"{r} volume_hm3"``, ``"{r} level_masl"``,
``"{r} water_value_per_hm3"``; per flow column ``"{c} flow_m3s"`` and, for unit columns, ``"{c} power_mw"``,
``"{c} head_m"``, ``"{c} units"``; per river sink ``"{k} flow_m3s"``; busbar ``pv_used_mw``,
``wind_used_mw``, ``line_mw``, ``price_per_mwh``, ``delivery_mw``, ``shortfall_mw``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hydro_sim.network import Network
from hydro_sim.optimise._data import NetworkModelData
from hydro_sim.optimise._formulation import flow_family, volume_family
from hydro_sim.plant import Plant

#: Magnitude below which a solved flow or power is solver round-off and is reported as 0 (HiGHS's primal
#: feasibility tolerance is 1e-7; real flows are ≥ 1e-3 m³/s). [m³/s or MW]
ROUND_OFF_ZERO = 1e-9


def _clean(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < ROUND_OFF_ZERO, 0.0, x)


def column_flows(d: NetworkModelData, values: dict[str, np.ndarray]) -> np.ndarray:
    """(J, T) flow of every flow column (a unit column's chords summed), round-off set to 0. [m³/s]"""
    un = {int(j): n for n, j in enumerate(d.unit_columns)}
    q = np.zeros((d.J, d.T))
    for j in range(d.J):
        if j in un:
            for s in range(d.S):
                q[j] += _clean(values[flow_family(d, j, s)])
        else:
            q[j] = _clean(values[flow_family(d, j)])
    return q


def unit_powers(d: NetworkModelData, values: dict[str, np.ndarray]) -> np.ndarray:
    """(N, T) power of every unit column (generation or pumping input, ≥ 0). [MW]"""
    p = np.zeros((d.N, d.T))
    for n, j in enumerate(d.unit_columns.tolist()):
        for s in range(d.S):
            p[n] += d.seg_slope_mw_per_m3s[n, s] * _clean(values[flow_family(d, j, s)])
    return p


def volumes(d: NetworkModelData, values: dict[str, np.ndarray]) -> np.ndarray:
    """(R, T) end-of-step volumes. [hm³]"""
    return np.vstack([values[volume_family(d, r)] for r in range(d.R)])


def sink_flows(d: NetworkModelData, q: np.ndarray) -> np.ndarray:
    """(K, T) total discharge into each river sink. [m³/s]"""
    names = [k.name for k in d.network.sinks]
    out = np.zeros((len(names), d.T))
    for j, col in enumerate(d.columns):
        if col.to_node in names:
            out[names.index(col.to_node)] += q[j]
    return out


def network_schedule(d: NetworkModelData, raw: Any, scenario_index: pd.DatetimeIndex) -> pd.DataFrame:
    """The element schedule of a solved network model."""
    net: Network = d.network
    values = raw.values
    q = column_flows(d, values)
    p = unit_powers(d, values)
    v = volumes(d, values)
    cols: dict[str, Any] = {}
    for r, res in enumerate(net.reservoirs):
        cols[f"{res.name} inflow_m3s"] = d.inflow_m3s[r]
        cols[f"{res.name} volume_hm3"] = v[r]
        cols[f"{res.name} level_masl"] = np.asarray(res.curve.level_masl_at(v[r]), dtype=float)
        if raw.balance_duals is not None:
            cols[f"{res.name} water_value_per_hm3"] = -raw.balance_duals[r]
    un = {int(j): n for n, j in enumerate(d.unit_columns)}
    for j, col in enumerate(d.columns):
        cols[f"{col.name} flow_m3s"] = q[j]
        if j in un:
            n = un[j]
            hg = d.gross_head_m[d.unit_link[n]]
            k = d.head_loss_s2_per_m5[n]
            cols[f"{col.name} power_mw"] = p[n]
            cols[f"{col.name} head_m"] = hg + k * q[j] ** 2 if col.mode == "pump" else hg - k * q[j] ** 2
            units = f"{col.name}-units"
            if units in values:
                cols[f"{col.name} units"] = np.rint(values[units]).astype(int)
    for k, sink in enumerate(net.sinks):
        cols[f"{sink.name} flow_m3s"] = sink_flows(d, q)[k]
    T = d.T
    cols["pv_used_mw"] = _clean(values["busbar-pv"]) if "busbar-pv" in values else np.zeros(T)
    cols["wind_used_mw"] = _clean(values["busbar-wind"]) if "busbar-wind" in values else np.zeros(T)
    cols["line_mw"] = values["busbar-line"]
    cols["price_per_mwh"] = d.price_per_mwh
    if d.delivery_mw is not None:
        cols["delivery_mw"] = d.delivery_mw
    if "busbar-shortfall" in values:
        cols["shortfall_mw"] = _clean(values["busbar-shortfall"])
    return pd.DataFrame(cols, index=scenario_index)


def plant_schedule(plant: Plant, d: NetworkModelData, frame: pd.DataFrame, raw: Any) -> pd.DataFrame:
    """The element schedule of ``network_of(plant)`` in the plant's legacy columns (``flow_conventional_m3s``,
    ``volume_upper_hm3``, …), in their former order."""
    net = d.network
    T = d.T
    zero = np.zeros(T)
    up = plant.upper.name
    lo = plant.lower.name if plant.lower is not None else None
    conv = plant.conventional.name if plant.conventional is not None else None
    rev = plant.reversible.name if plant.reversible is not None and lo is not None else None

    def col(name: str | None, qty: str) -> np.ndarray:
        return frame[f"{name} {qty}"].to_numpy() if name is not None else zero

    cols: dict[str, Any] = {
        "inflow_upper_m3s": col(up, "inflow_m3s"),
        "inflow_lower_m3s": col(lo, "inflow_m3s"),
        "flow_conventional_m3s": col(conv, "flow_m3s"),
        "flow_generating_m3s": col(rev, "flow_m3s"),
        "flow_pumping_m3s": col(f"{rev}-pump" if rev else None, "flow_m3s"),
        "spill_upper_m3s": col(f"{up} spillway", "flow_m3s"),
    }
    if lo is not None:
        cols["release_lower_m3s"] = col(net.links[-1].name, "flow_m3s")
    else:
        cols["release_m3s"] = col(net.sinks[0].name, "flow_m3s")
    cols["volume_upper_hm3"] = col(up, "volume_hm3")
    if lo is not None:
        cols["volume_lower_hm3"] = col(lo, "volume_hm3")
    cols["level_upper_masl"] = col(up, "level_masl")
    if lo is not None:
        cols["level_lower_masl"] = col(lo, "level_masl")
    cols["head_m"] = d.gross_head_m[0]
    if conv is not None:
        cols["head_conventional_m"] = col(conv, "head_m")
    if rev is not None:
        cols["head_generating_m"] = col(rev, "head_m")
        cols["head_pumping_m"] = col(f"{rev}-pump", "head_m")
    cols["power_conventional_mw"] = col(conv, "power_mw")
    cols["power_generating_mw"] = col(rev, "power_mw")
    cols["power_pumping_mw"] = col(f"{rev}-pump" if rev else None, "power_mw")
    for name in ("pv_used_mw", "wind_used_mw", "line_mw", "price_per_mwh", "delivery_mw", "shortfall_mw"):
        if name in frame:
            cols[name] = frame[name].to_numpy()
    if raw.balance_duals is not None:
        cols["water_value_upper_per_hm3"] = col(up, "water_value_per_hm3")
        if lo is not None:
            cols["water_value_lower_per_hm3"] = col(lo, "water_value_per_hm3")
    for group, label in ((conv, "units_conventional"), (rev, "units_generating")):
        if group is not None and f"{group} units" in frame:
            cols[label] = frame[f"{group} units"].to_numpy()
    if rev is not None and f"{rev}-pump units" in frame:
        cols["units_pumping"] = frame[f"{rev}-pump units"].to_numpy()
    return pd.DataFrame(cols, index=frame.index)


def simultaneous(d: NetworkModelData, frame: pd.DataFrame, idle_m3s: float, plant: bool) -> pd.DataFrame:
    """Steps where a pump-turbine group pumps and generates at once, with the MWh involved
    (Σ min(P_gen, P_pump)·Δt). A Plant's frame has its legacy columns; a network's one row per group and
    step, with the group's name in ``group``."""
    parts = []
    for pt in d.pump_turbines:
        g, p = d.columns[pt.generate].name, d.columns[pt.pump].name
        both = (frame[f"{g} flow_m3s"] > idle_m3s) & (frame[f"{p} flow_m3s"] > idle_m3s)
        sel = pd.DataFrame(
            {
                "power_generating_mw": frame.loc[both, f"{g} power_mw"],
                "power_pumping_mw": frame.loc[both, f"{p} power_mw"],
            }
        )
        sel["simultaneous_mwh"] = np.minimum(sel["power_generating_mw"], sel["power_pumping_mw"]) * d.dt_h
        if not plant:
            sel.insert(0, "group", pt.link)
        parts.append(sel)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts) if len(parts) > 1 else parts[0]


# ---- the legacy PuLP backend on a Plant's network ---------------------------------------------------------
