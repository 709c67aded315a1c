"""The dispatch model of a :class:`~hydro_sim.network.Network` as numbers: options, head estimate, data.

Three objects, read by every backend (HiGHS in :mod:`._formulation`, PuLP in :mod:`._pulp`):

:class:`DispatchOptions`
    The single home of the options of :func:`hydro_sim.optimise.dispatch` and their defaults, after
    validation. Per-element options are mappings keyed by element name (a reservoir, a release link or a
    river sink); an element missing from a mapping takes the default.
:class:`HeadEstimate`
    The levels and gross heads the linearisation is built at, per unit link and step.
:class:`NetworkModelData`
    Every coefficient and bound of the LP/MILP, per element and step (built by :func:`build_network_data`).

Indices and shapes (every array is a float array unless said):

- ``T`` steps, ``t = 0 … T−1``; ``c = 0.0036·Δt`` hm³ per (m³/s) over one step;
- ``R`` reservoirs, in ``network.reservoirs`` order (``r``);
- ``J`` flow columns, ``network.flow_columns()`` order (``j``): one per link, two per pump-turbine link;
- ``N`` unit columns (``n``), the flow columns that carry units: a turbine link's column, a pump-turbine
  link's generating column and its ``-pump`` column, in flow-column order (``unit_columns[n]`` is ``j``);
- ``S`` loss segments (chords) per unit column (``s``);
- ``G`` unit links (``g``): TurbineLink and PumpTurbineLink, in link order (a pump-turbine link's two
  columns share its gross head);
- ``K`` river sinks (``k``), in ``network.sinks`` order.

The model these numbers define (all flows ≥ 0; written once in :mod:`._formulation`):

- water balance, one block ``V[r,t] − V[r,t−1] − c·Σ_j A[r,j]·q[j,t] = c·I[r,t]`` (``V[r,−1] = v0[r]``);
- a unit column's flow is the sum of its chords, ``q[j,t] = Σ_s x[n,s,t]``, ``0 ≤ x ≤ seg_width``;
  power at the busbar ``Σ_n sign[n]·Σ_s slope[n,s,t]·x[n,s,t] + pv + wind = line``;
- a flow column without units has ``flow_min ≤ q ≤ flow_max``;
- a river sink with limits has ``sink_min ≤ Σ_{j into k} q[j] ≤ sink_max`` and ramp rows;
- a release link's ramp: ``|q[j,t] − q[j,t−1]| ≤ ramp`` (and from the step before the horizon);
- levels: ``v_min ≤ V ≤ v_max`` (monthly limits included), level change ``|V[t] − V[t−1]| ≤ dv_max``;
- end: ``V[r,T−1] ≥ v_end`` ("at_least_start"), ``= v_end`` ("fixed") or value ``water_value·V[r,T−1]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from hydro_sim import hydraulics as hy
from hydro_sim.constants import G_M_S2, HEAD_TOLERANCE_M, HM3_PER_M3S_HOUR, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.network import FlowColumn, Network, PumpTurbineLink, Release, RiverSink, Spillway, TurbineLink
from hydro_sim.plant import PumpTurbineGroup, TurbineGroup
from hydro_sim.scenario import Scenario

__all__ = [
    "SPILL_TIE_BREAK_PER_HM3",
    "UC_MIP_REL_GAP",
    "DispatchOptions",
    "EnergyTargetData",
    "FlowLimit",
    "HeadEstimate",
    "NetworkModelData",
    "PumpTurbineData",
    "UnitGroupData",
    "build_network_data",
    "calendar_periods",
    "heads_from_solution",
    "initial_heads",
    "local_wall_time",
    "unit_links",
]

Objective = Literal["revenue", "firming", "tracking"]
EndCondition = Literal["at_least_start", "fixed", "water_value"]
GenerationTarget = Literal["equal", "at_most", "at_least"]

_A = RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW  # MW per (m³/s · m)
#: Cost of spilling 1 hm³, a tie-break only: far below any water value (Lianghekou: ~10⁵ CNY/hm³) and far
#: above the solver's optimality tolerance on this cost scale; left out of the reported objective. [money/hm³]
SPILL_TIE_BREAK_PER_HM3 = 1.0
#: Largest MIP gap at which unit commitment stops by default. HiGHS proves a Lianghekou week
#: (``head="successive"``, ``pump_generate_balance="day"``, five successive-head MILPs) to 1e-3 in 10–16 s
#: on a 2-core machine shared with other jobs (``python benchmarks/bench_dispatch.py --uc``), while at the
#: former 1e-4 the first MILP alone is still at a 2.5e-4 gap after 120 s (measured there). 0.1 % of a week's
#: revenue is below the model's own errors (chords of the power curve, efficiencies at one point). [-]
UC_MIP_REL_GAP = 1e-3


@dataclass(frozen=True, kw_only=True)
class DispatchOptions:
    """Every option of :func:`hydro_sim.optimise.dispatch` after validation, with its default.

    Model options (they change the LP):

    objective : ``"revenue"``, ``"firming"`` or ``"tracking"``.
    end : ``"at_least_start"``, ``"fixed"`` or ``"water_value"``.
    water_value_per_hm3 : reservoir name → value of the water left in it at the end (end "water_value");
        0 for a reservoir not named. [money/hm³]
    end_volume_hm3 : reservoir name → end-volume target of "at_least_start" (≥) and "fixed" (=); the start
        volume for a reservoir not named. [hm³]
    max_level_change_m_per_h : reservoir name → level-change limit; none for a reservoir not named. [m/h]
    previous_flow_m3s : release-link or river-sink name → its flow in the step before the horizon (the ramp
        row across a rolling window's join); no join row for an element not named. [m³/s]
    pump_generate_balance : ``"none"``, ``"day"`` or ``"week"``, for every pump-turbine link.
    max_daily_generating_hours : cap on each pump-turbine link's generation per local day, in full-load
        hours of the group. [h]
    generation_mwh : unit-link name → its generation summed over the horizon, Σ_t P[t]·Δt (a pump-turbine
        link's generating column); no target for a link not named. [MWh]
    generation_target : how the sums meet ``generation_mwh``: ``"equal"``, ``"at_most"`` or ``"at_least"``.
    unit_commitment : integer units per mode (MILP).
    loss_segments : chords per unit column (S). [-]
    shortfall_penalty_per_mwh, curtailment_penalty_per_mwh : firming penalties. [money/MWh]
    tracking_penalty_per_mwh : price of one MWh of deviation from the delivery curve. [money/MWh]

    Solve options (they do not change the LP):

    backend : ``"highs"`` or ``"pulp"``; solver : PuLP solver name or None; highs_options : dict or None.
    head : ``"successive"`` or ``"fixed"``; head_tolerance_m [m]; max_iterations [-]; objective_tolerance [-];
    fixed_head_tolerance_m : None for the default rule of the api [m].
    mip_rel_gap : MIP gap of unit commitment [-]; time_limit_s : per solve [s].
    """

    objective: Objective = "revenue"
    end: EndCondition = "at_least_start"
    water_value_per_hm3: Mapping[str, float] = field(default_factory=dict)
    end_volume_hm3: Mapping[str, float] = field(default_factory=dict)
    max_level_change_m_per_h: Mapping[str, float] = field(default_factory=dict)
    previous_flow_m3s: Mapping[str, float] = field(default_factory=dict)
    pump_generate_balance: Literal["none", "day", "week"] = "none"
    max_daily_generating_hours: float = math.inf
    generation_mwh: Mapping[str, float] = field(default_factory=dict)
    generation_target: GenerationTarget = "equal"
    unit_commitment: bool = False
    loss_segments: int = 2
    shortfall_penalty_per_mwh: float = 2000.0
    curtailment_penalty_per_mwh: float = 100.0
    tracking_penalty_per_mwh: float = 1000.0
    # -- solve options
    backend: Literal["highs", "pulp"] = "highs"
    solver: str | None = None
    highs_options: Mapping[str, Any] | None = None
    head: Literal["successive", "fixed"] = "successive"
    head_tolerance_m: float = HEAD_TOLERANCE_M
    max_iterations: int = 30
    objective_tolerance: float = 1e-4
    fixed_head_tolerance_m: float | None = None
    mip_rel_gap: float = UC_MIP_REL_GAP
    time_limit_s: float = math.inf

    def __post_init__(self) -> None:
        for name in (
            "water_value_per_hm3",
            "end_volume_hm3",
            "max_level_change_m_per_h",
            "previous_flow_m3s",
            "generation_mwh",
        ):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


@dataclass(frozen=True, kw_only=True)
class HeadEstimate:
    """Levels and gross heads the linearisation is built at.

    level_masl : (R, T) mid-step level of each reservoir (the level-change limits' surface areas). [m a.s.l.]
    gross_head_m : (G, T) gross head of each unit link: level of its upper end minus the level of its lower
        end (a reservoir's mid-step level, or a river sink's tailwater level at its discharge). [m]
    """

    level_masl: np.ndarray
    gross_head_m: np.ndarray


@dataclass(frozen=True, kw_only=True)
class UnitGroupData:
    """Unit-commitment data of one unit column (per unit, not per group).

    column : index j of the flow column; unit : index n among the unit columns.
    name : the column's name (the link's, or ``"{link}-pump"``); link : the link's name.
    mode : ``"generate"`` or ``"pump"``.
    n_units : units in the group. [-]
    p_min_mw, p_max_mw : least stable and largest power of one running unit (pump: input band). [MW]
    q_max_m3s : flow limit of one unit (None for a pump: its flow follows from its input). [m³/s]
    uc_min_mw, uc_max_mw : (T,) the per-unit coefficients of the rows ``uc_min_mw·u ≤ Σ slope·x ≤
        uc_max_mw·u``: p_min and p_max, but for a pump the band tightened to the chords
        (:func:`pump_band_on_chords`), so that the true input of what the rows allow lies in the band. [MW]
    """

    column: int
    unit: int
    name: str
    link: str
    mode: Literal["generate", "pump"]
    n_units: int
    p_min_mw: float
    p_max_mw: float
    q_max_m3s: float | None
    uc_min_mw: np.ndarray
    uc_max_mw: np.ndarray


@dataclass(frozen=True, kw_only=True)
class PumpTurbineData:
    """Per pump-turbine link: its two columns, its units and its period rows.

    link : name; generate, pump : flow-column indices j; generate_unit, pump_unit : unit indices n.
    n_units : units of the group (the mode exclusion ``u_gen ≤ n·y``, ``u_pump + n·y ≤ n``). [-]
    balance_periods : step positions of each period whose pumped and generated water balance (may be []).
    gen_cap_periods : step positions of each local day of the daily generation cap (may be []).
    gen_cap_mwh : generation allowed per day (∞ without a cap). [MWh]
    """

    link: str
    generate: int
    pump: int
    generate_unit: int
    pump_unit: int
    n_units: int
    balance_periods: list[np.ndarray] = field(default_factory=list)
    gen_cap_periods: list[np.ndarray] = field(default_factory=list)
    gen_cap_mwh: float = math.inf


@dataclass(frozen=True, kw_only=True)
class FlowLimit:
    """The limits of a release link or a river sink on the flow through it.

    name : the element's name; kind : ``"release"`` (one column) or ``"sink"`` (all columns into the sink).
    columns : flow-column indices j whose sum is the flow (one for a release). (int array)
    min_m3s, max_m3s : (T,) least and largest flow. [m³/s]
    ramp_m3s_per_step : largest change from one step to the next (∞: none). [m³/s per step]
    previous_m3s : the flow of the step before the horizon (None: no join row). [m³/s]
    """

    name: str
    kind: Literal["release", "sink"]
    columns: np.ndarray
    min_m3s: np.ndarray
    max_m3s: np.ndarray
    ramp_m3s_per_step: float
    previous_m3s: float | None

    @property
    def binds(self) -> bool:
        """Whether any limit is there at all (a sink without limits needs no rows)."""
        return bool(
            np.any(self.min_m3s > 0.0)
            or np.any(np.isfinite(self.max_m3s))
            or math.isfinite(self.ramp_m3s_per_step)
        )


@dataclass(frozen=True, kw_only=True)
class EnergyTargetData:
    """The horizon's energy target of one unit link's generating column.

    link : the link's name; column : its generating flow column j; unit : that column's unit index n.
    lo_mwh, hi_mwh : least and largest Σ_t Σ_s slope[n,s,t]·x[n,s,t]·Δt (equal for ``"equal"``). [MWh]
    """

    link: str
    column: int
    unit: int
    lo_mwh: float
    hi_mwh: float


@dataclass(kw_only=True)
class NetworkModelData:
    """Every number of the dispatch model of a network (shapes: see the module docstring)."""

    network: Network
    T: int  # steps [-]
    dt_h: float  # step length [h]
    c: float  # hm³ per (m³/s) over one step [hm³ per m³/s]
    index: pd.DatetimeIndex  # the scenario's steps
    S: int  # chords per unit column [-]
    objective: Objective
    end: EndCondition
    unit_commitment: bool
    mip_rel_gap: float  # [-]
    time_limit_s: float  # [s]
    # ---- reservoirs (R)
    reservoir_names: tuple[str, ...]  # (R,)
    inflow_m3s: np.ndarray  # (R, T) natural inflow [m³/s]
    v0_hm3: np.ndarray  # (R,) volume at the start [hm³]
    v_min_hm3: np.ndarray  # (R, T) least volume at the end of each step (monthly limits included) [hm³]
    v_max_hm3: np.ndarray  # (R, T) largest volume [hm³]
    v_end_hm3: np.ndarray  # (R,) end target of "at_least_start"/"fixed" [hm³]
    water_value_per_hm3: np.ndarray  # (R,) value of the end volume under "water_value" [money/hm³]
    dv_max_hm3: np.ndarray  # (R, T) level-change limit as volume per step, ∞ without a limit [hm³]
    # ---- flow columns (J)
    columns: tuple[FlowColumn, ...]  # (J,)
    incidence: np.ndarray  # (R, J) Network.incidence(): −1 out of r, +1 into r [-]
    column_kind: tuple[str, ...]  # (J,) "turbine", "generate", "pump", "spill" or "release"
    flow_min_m3s: np.ndarray  # (J, T) least flow (0 for units and spillways, the minimum of a release) [m³/s]
    flow_max_m3s: np.ndarray  # (J, T) largest flow (units: Σ chord widths; spillway capacity; release max)
    flow_cost_per_m3s: (
        np.ndarray
    )  # (J,) cost of 1 m³/s over one step (spill tie-break + spillway cost) [money]
    spill_tie_break_per_m3s: np.ndarray  # (J,) the tie-break part of it, left out of the reported objective
    # ---- unit columns (N) and unit links (G)
    unit_columns: np.ndarray  # (N,) int: flow-column index j of each unit column
    unit_sign: np.ndarray  # (N,) +1 generating (power out), −1 pumping (power in) [-]
    unit_link: np.ndarray  # (N,) int: index g of the unit link of each unit column
    unit_link_names: tuple[str, ...]  # (G,)
    seg_width_m3s: np.ndarray  # (N, S, T) chord widths [m³/s]
    seg_slope_mw_per_m3s: (
        np.ndarray
    )  # (N, S, T) chord slopes, power per flow (pump: input, convex) [MW per m³/s]
    gross_head_m: np.ndarray  # (G, T) the heads the chords are cut at [m]
    head_loss_s2_per_m5: np.ndarray  # (N,) waterway loss coefficient k of each unit column [s²/m⁵]
    # ---- release links and river sinks
    flow_limits: tuple[FlowLimit, ...]  # releases with a ramp, then sinks with any limit
    # ---- busbar
    price_per_mwh: np.ndarray  # (T,) [money/MWh]
    pv_max_mw: np.ndarray  # (T,) available PV [MW]
    wind_max_mw: np.ndarray  # (T,) available wind [MW]
    has_pv: bool
    has_wind: bool
    line_min_mw: np.ndarray  # (T,) −(import capacity) [MW]
    line_max_mw: np.ndarray  # (T,) export capacity (firming: at most the delivery) [MW]
    delivery_mw: np.ndarray | None  # (T,) delivery curve (firming, tracking) [MW]
    shortfall_penalty: float  # [money/MWh]
    curtailment_penalty: float  # [money/MWh]
    tracking_penalty: float  # [money/MWh]
    # ---- unit commitment and pump-turbine periods
    unit_groups: tuple[UnitGroupData, ...]  # (N,) one per unit column
    pump_turbines: tuple[PumpTurbineData, ...]  # one per pump-turbine link
    # ---- energy targets over the horizon
    energy_targets: tuple[EnergyTargetData, ...] = ()  # one per link named in generation_mwh

    @property
    def R(self) -> int:
        return len(self.reservoir_names)

    @property
    def J(self) -> int:
        return len(self.columns)

    @property
    def N(self) -> int:
        return int(self.unit_columns.size)

    def reservoir_index(self, name: str) -> int:
        return self.reservoir_names.index(name)

    def column_index(self, name: str) -> int:
        return [c.name for c in self.columns].index(name)

    def volume_bounds_with_end(self) -> tuple[np.ndarray, np.ndarray]:
        """(R, T) volume bounds with the end condition on the last step: "at_least_start" V[T−1] ≥ v_end,
        "fixed" V[T−1] = v_end. [hm³]"""
        lb, ub = self.v_min_hm3.copy(), self.v_max_hm3.copy()
        if self.end == "at_least_start":
            lb[:, -1] = np.maximum(lb[:, -1], self.v_end_hm3)
        elif self.end == "fixed":
            lb[:, -1] = ub[:, -1] = self.v_end_hm3
        return lb, ub


# ---- chords of the power curves ----------------------------------------------------------------------------
def chords(
    q_cap: np.ndarray, S: int, power_of_flow: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Cut [0, q_cap[t]] into S equal chords of ``power_of_flow``; return widths and slopes, shape (S, T)."""
    width = np.broadcast_to(q_cap / S, (S, q_cap.size)).copy()
    edges = q_cap[None, :] * (np.arange(S + 1)[:, None] / S)  # (S+1, T)
    p = power_of_flow(edges)  # (S+1, T)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(width > 0, np.diff(p, axis=0) / np.where(width > 0, width, 1.0), 0.0)
    return width, slope


def turbine_cap_flow(
    max_flow: float, max_power: float, h_g: np.ndarray, k: float, eta: np.ndarray
) -> np.ndarray:
    """Largest useful group flow at gross head h_g: the flow limit or the flow at the power limit. [m³/s]"""
    q_at_p = hy.turbine_flow_with_losses_m3s(np.full_like(h_g, max_power), h_g, k, eta)
    q_at_p = np.where(np.isnan(q_at_p), max_flow, q_at_p)  # power limit out of reach: flow limit binds
    return np.minimum(max_flow, q_at_p)


def pump_cap_flow(max_power: float, h_g: np.ndarray, k: float, eta: np.ndarray) -> np.ndarray:
    """Pumped flow at the group's largest input: solves ρ g Q (H_g + kQ²)/(η 10⁶) = P by Newton. [m³/s]"""
    q = hy.pump_flow_m3s(np.full_like(h_g, max_power), h_g, eta)
    for _ in range(30):
        f = _A * q * (h_g + k * q * q) / eta - max_power
        df = _A * (h_g + 3.0 * k * q * q) / eta
        step = f / df
        q = q - step
        if not np.any(np.abs(step) > 1e-14 * np.abs(q)):  # converged everywhere
            break
    return q


def group_chords(
    units: TurbineGroup | PumpTurbineGroup, mode: str, hg: np.ndarray, S: int
) -> tuple[np.ndarray, np.ndarray]:
    """Chord widths [m³/s] and slopes [MW per m³/s] of one unit column at the gross heads ``hg``, (S, len(hg)).

    Turbining: the concave P(Q) = ρgηQ(H_g − kQ²)/10⁶ on [0, Q_cap], Q_cap the smaller of the flow limit and
    the flow at the power limit. Pumping: the convex input P(Q) = ρgQ(H_g + kQ²)/(η 10⁶) on [0, Q at the
    largest input]."""
    U = hg.size
    k = units.head_loss_coefficient_s2_per_m5
    if isinstance(units, TurbineGroup):
        eta = np.full(U, units.reference_efficiency)
        qcap = turbine_cap_flow(units.max_total_flow_m3s, units.max_power_mw, hg, k, eta)
        if not isinstance(units.efficiency, float):
            eta = units.efficiency_at(qcap, hg - k * qcap**2)
        return chords(qcap, S, lambda q: _A * eta * q * (hg - k * q * q))
    if mode == "generate":
        eta_t = np.full(U, units.reference_turbine_efficiency)
        qcap = turbine_cap_flow(units.max_total_flow_m3s, units.max_power_mw, hg, k, eta_t)
        if not isinstance(units.turbine_efficiency, float):
            eta_t = units.turbine_efficiency_at(qcap, hg - k * qcap**2)
        return chords(qcap, S, lambda q: _A * eta_t * q * (hg - k * q * q))
    eta_p = np.full(U, units.reference_pump_efficiency)
    qp = pump_cap_flow(units.max_total_pumping_power_mw, hg, k, eta_p)
    if not isinstance(units.pump_efficiency, float):
        eta_p = units.pump_efficiency_at(qp, hg + k * qp**2)
        qp = pump_cap_flow(units.max_total_pumping_power_mw, hg, k, eta_p)
    return chords(qp, S, lambda q: _A * q * (hg + k * q * q) / eta_p)


def head_range_widths(
    w: np.ndarray, hg: np.ndarray, k: float, head_range_m: tuple[float, float] | None, mode: str
) -> np.ndarray:
    """Chord widths (S, T) of a pump-turbine column trimmed to its link's operating head range (net head).

    Generating, the net head H_g − kQ² must lie in [lo, hi]: the flow is capped at √((H_g − lo)/k) (none
    where H_g ≤ lo), and a step with H_g > hi is closed (a net head within hi would need a minimum flow, which
    an LP cannot hold: the LP keeps to the safe side of the simulator's check). Pumping, the head H_g + kQ²:
    capped at √((hi − H_g)/k), closed where H_g < lo. The widths are cut from the top (the LP fills the chords
    in order). None: the widths as they are."""
    if head_range_m is None:
        return w
    lo, hi = head_range_m
    if mode == "generate":
        room, closed = hg - lo, hg > hi
    else:
        room, closed = hi - hg, hg < lo
    qcap = np.sqrt(np.maximum(room, 0.0) / k) if k > 0.0 else np.where(room >= 0.0, np.inf, 0.0)
    qcap = np.where(closed, 0.0, qcap)
    start = np.cumsum(w, axis=0) - w
    return np.clip(qcap[None, :] - start, 0.0, w)


def pump_band_on_chords(
    units: PumpTurbineGroup, hg: np.ndarray, width: np.ndarray, slope: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit band coefficients (a, b) of the pump rows a·u ≤ chord(Q) ≤ b·u at the gross heads ``hg``,
    from the chords (S, len(hg)) of :func:`group_chords`, such that the true input of k running pumps lies in
    k·P_rated·(1 ± band) for every k = 1…n whose chord the rows allow. [MW]

    The chord of the convex input P(Q) = ρgQ(H_g + kQ²)/(η 10⁶) lies above it between breakpoints, so the row
    p_min·u ≤ chord(Q) alone lets k pumps run at a flow whose true input is below k·p_min (the simulator then
    stops a unit). Both are increasing in Q, so chord(Q) ≥ a·k implies P(Q) ≥ k·p_min exactly when
    a·k ≥ chord(Q_k), Q_k the true flow of k units at k·p_min: the least floor that holds for every k is
    a = max(p_min, max_k chord(Q_k)/k), and likewise the ceiling b = min(p_max, min_k chord(Q̄_k)/k), Q̄_k the
    true flow at k·p_max. This is chosen over breakpoints at the flows of 1…n units at rated input because
    those make the chord exact at rated input only: the floor of the band (−3 %) would still lie on a chord
    that overstates, and the breakpoints would change the LP (every model without unit commitment) too.
    With a constant efficiency the chord never understates, so b = p_max; with an efficiency curve the true
    input uses the efficiency of k running units at the flow (``pump_efficiency_at(..., n_running=k)``).

    A band narrower than the chords' overstatement (a > b; e.g. a band of zero width, a fixed input, whose
    flows are breakpoints only by chance) cannot be held this way: the builder then sets the floor to the
    ceiling, the rows as they were for such a band, and the true input falls short of the band by the
    overstatement (10⁻³ of it for three units on two chords at a 0.6 % head loss); more ``loss_segments``
    shrink it."""
    k_loss = units.head_loss_coefficient_s2_per_m5
    edges = np.concatenate((np.zeros((1, hg.size)), np.cumsum(width, axis=0)[:-1]))  # (S, U) left ends

    def chord_at(q: np.ndarray) -> np.ndarray:
        return (slope * np.clip(q[None, :] - edges, 0.0, width)).sum(axis=0)

    def true_flow(p_mw: float, n_running: int) -> np.ndarray:
        eta = np.full(hg.size, units.reference_pump_efficiency)
        q = pump_cap_flow(p_mw, hg, k_loss, eta)
        if not isinstance(units.pump_efficiency, float):
            for _ in range(3):  # the efficiency at the flow, then the flow at that efficiency
                eta = units.pump_efficiency_at(q, hg + k_loss * q**2, n_running)
                q = pump_cap_flow(p_mw, hg, k_loss, eta)
        return q

    lo = np.full(hg.size, units.min_pumping_power_mw)
    hi = np.full(hg.size, units.max_pumping_power_mw)
    for n_run in range(1, units.n_units + 1):
        lo = np.maximum(lo, chord_at(true_flow(n_run * units.min_pumping_power_mw, n_run)) / n_run)
        if not isinstance(units.pump_efficiency, float):
            hi = np.minimum(hi, chord_at(true_flow(n_run * units.max_pumping_power_mw, n_run)) / n_run)
    return lo, hi


# ---- calendar ---------------------------------------------------------------------------------------------
def local_wall_time(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The index's time stamps on its own calendar (the local wall clock of a time-zone-aware index)."""
    return index.tz_localize(None) if index.tz is not None else index


def calendar_periods(index: pd.DatetimeIndex, period: Literal["day", "week"]) -> list[np.ndarray]:
    """Step positions of each local day (or Monday-to-Sunday week) of the index, in order.

    Days are the local dates of the steps, so a day across a daylight-saving change holds 23 or 25 hourly
    steps, and a change at midnight (no 00:00 that day) raises nothing.

    Examples
    --------
    >>> idx = pd.date_range("2025-03-29 22:00", periods=6, freq="h", tz="Europe/Berlin")
    >>> [p.tolist() for p in calendar_periods(idx, "day")]
    [[0, 1], [2, 3, 4, 5]]
    """
    wall = local_wall_time(index)
    key = wall.normalize() if period == "day" else wall.to_period("W").start_time
    codes, _ = pd.factorize(np.asarray(key))
    return [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]


# ---- heads ------------------------------------------------------------------------------------------------
def unit_links(network: Network) -> tuple[TurbineLink | PumpTurbineLink, ...]:
    """The links that carry units (G), in link order."""
    return tuple(link for link in network.links if isinstance(link, (TurbineLink, PumpTurbineLink)))


def _lower_end_levels(
    network: Network, level_masl: np.ndarray, sink_flow_m3s: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(G, T) levels of the upper and lower end of each unit link from reservoir levels (R, T) and the
    discharge into each sink (K, T; None: the sinks' lowest levels)."""
    res = {name: i for i, name in enumerate(network.reservoir_names)}
    T = level_masl.shape[1]
    links = unit_links(network)
    up = np.empty((len(links), T))
    down = np.empty((len(links), T))
    for g, link in enumerate(links):
        up[g] = level_masl[res[link.from_node]]
        if link.to_node in res:
            down[g] = level_masl[res[link.to_node]]
        else:
            k = [s.name for s in network.sinks].index(link.to_node)
            sink = network.sinks[k]
            down[g] = (
                sink.lowest_level_masl
                if sink_flow_m3s is None
                else np.asarray(sink.level_masl_at(sink_flow_m3s[k]), dtype=float)
            )
    return up, down


def initial_heads(network: Network, T: int) -> HeadEstimate:
    """Heads at the initial levels, the same at every step (``head="fixed"``); a sink at its lowest level."""
    levels = np.repeat(np.array([[r.initial_level_masl] for r in network.reservoirs]), T, axis=1)
    up, down = _lower_end_levels(network, levels, None)
    return HeadEstimate(level_masl=levels, gross_head_m=up - down)


def heads_from_solution(
    network: Network, volume_hm3: np.ndarray, sink_flow_m3s: np.ndarray | None = None
) -> HeadEstimate:
    """Heads at the mid-step levels of a solved schedule: end-of-step volumes (R, T), starting from the
    initial ones, and the discharge into each sink (K, T) for a sink with a tailwater curve."""
    v0 = np.array([r.initial_volume_hm3 for r in network.reservoirs])
    vm = 0.5 * (np.concatenate((v0[:, None], volume_hm3[:, :-1]), axis=1) + volume_hm3)
    levels = np.vstack([np.asarray(r.curve.level_masl_at(vm[i])) for i, r in enumerate(network.reservoirs)])
    curves = any(s.tailwater_curve is not None for s in network.sinks)
    up, down = _lower_end_levels(network, levels, sink_flow_m3s if curves else None)
    return HeadEstimate(level_masl=levels, gross_head_m=up - down)


# ---- the builder ------------------------------------------------------------------------------------------
def build_network_data(
    network: Network, scenario: Scenario, options: DispatchOptions, heads: HeadEstimate
) -> NetworkModelData:
    """Turn a network, a scenario, options and a head estimate into the model's numbers (inputs validated)."""
    T, dt, S, idx = scenario.n_steps, scenario.dt_h, options.loss_segments, scenario.index
    c = HM3_PER_M3S_HOUR * dt
    cols = network.flow_columns()
    J = len(cols)
    R = len(network.reservoirs)
    links = unit_links(network)
    g_of = {link.name: g for g, link in enumerate(links)}
    hg_all = np.asarray(heads.gross_head_m, dtype=float).reshape(len(links), T)

    # reservoirs
    v_min = np.empty((R, T))
    v_max = np.empty((R, T))
    dv_max = np.full((R, T), np.inf)
    for i, r in enumerate(network.reservoirs):
        lo, hi = r.volume_bounds_hm3(idx)
        v_min[i], v_max[i] = lo, hi
        limit = options.max_level_change_m_per_h.get(r.name, math.inf)
        if math.isfinite(limit):
            dv_max[i] = np.asarray(r.curve.surface_area_km2_at(heads.level_masl[i])) * limit * dt
    v0 = np.array([r.initial_volume_hm3 for r in network.reservoirs])
    v_end = np.array([options.end_volume_hm3.get(r.name, r.initial_volume_hm3) for r in network.reservoirs])
    wv = np.array([options.water_value_per_hm3.get(r.name, 0.0) for r in network.reservoirs])

    # flow columns
    kinds: list[str] = []
    fmin = np.zeros((J, T))
    fmax = np.full((J, T), np.inf)
    fcost = np.zeros(J)
    tie = np.zeros(J)
    unit_cols: list[int] = []
    unit_sign: list[float] = []
    unit_link: list[int] = []
    widths: list[np.ndarray] = []
    slopes: list[np.ndarray] = []
    kloss: list[float] = []
    groups: list[UnitGroupData] = []
    limits: list[FlowLimit] = []
    # the chords depend on the head only: cut them once per distinct head of each link
    chord_cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    # and a pump's band on its chords, (T,) each
    band_cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for j, col in enumerate(cols):
        link = network.link(col.link)
        if isinstance(link, (TurbineLink, PumpTurbineLink)):
            kinds.append("turbine" if isinstance(link, TurbineLink) else col.mode)
            g = g_of[link.name]
            hg = hg_all[g]
            key = (link.name, col.mode)
            if key not in chord_cache:
                h_unique, at = np.unique(hg, return_inverse=True)
                w, s = group_chords(link.units, col.mode, h_unique, S)
                chord_cache[key] = (
                    (np.broadcast_to(w, (S, T)), np.broadcast_to(s, (S, T)))
                    if h_unique.size == 1
                    else (w[:, at], s[:, at])
                )
                if col.mode == "pump" and options.unit_commitment:
                    assert isinstance(link.units, PumpTurbineGroup)
                    lo, hi = pump_band_on_chords(link.units, h_unique, w, s)
                    band_cache[key] = (lo[at].reshape(T), hi[at].reshape(T))
            w, s = chord_cache[key]
            if isinstance(link, PumpTurbineLink):
                rng = link.generating_head_range_m if col.mode != "pump" else link.pumping_head_range_m
                w = head_range_widths(w, hg, link.units.head_loss_coefficient_s2_per_m5, rng, col.mode)
            n = len(unit_cols)
            unit_cols.append(j)
            unit_sign.append(-1.0 if col.mode == "pump" else 1.0)
            unit_link.append(g)
            widths.append(w)
            slopes.append(s)
            kloss.append(link.units.head_loss_coefficient_s2_per_m5)
            fmax[j] = w.sum(axis=0)
            u = link.units
            pump = col.mode == "pump"
            if pump:
                assert isinstance(u, PumpTurbineGroup)
            p_lo = u.min_pumping_power_mw if pump else u.min_power_mw  # type: ignore[union-attr]
            p_hi = u.max_pumping_power_mw if pump else u.rated_power_mw  # type: ignore[union-attr]
            uc_lo, uc_hi = band_cache.get(key, (np.full(T, p_lo), np.full(T, p_hi)))
            if pump:  # a band the chords cannot hold: its ceiling (see pump_band_on_chords)
                uc_lo = np.minimum(uc_lo, uc_hi)
            groups.append(
                UnitGroupData(
                    column=j,
                    unit=n,
                    name=col.name,
                    link=link.name,
                    mode="pump" if pump else "generate",
                    n_units=u.n_units,
                    p_min_mw=p_lo,
                    p_max_mw=p_hi,
                    q_max_m3s=None if pump else u.max_flow_m3s,
                    uc_min_mw=uc_lo,
                    uc_max_mw=uc_hi,
                )
            )
        elif isinstance(link, Spillway):
            kinds.append("spill")
            fmax[j] = link.capacity_m3s
            tie[j] = SPILL_TIE_BREAK_PER_HM3 * c
            fcost[j] = tie[j] + link.cost_per_hm3 * c
        else:
            assert isinstance(link, Release)
            kinds.append("release")
            fmin[j] = link.environmental_min_flow_m3s
            fmax[j] = link.max_flow_m3s
            if math.isfinite(link.max_ramp_m3s_per_h):
                limits.append(
                    FlowLimit(
                        name=link.name,
                        kind="release",
                        columns=np.array([j]),
                        min_m3s=fmin[j].copy(),
                        max_m3s=fmax[j].copy(),
                        ramp_m3s_per_step=link.max_ramp_m3s_per_h * dt,
                        previous_m3s=options.previous_flow_m3s.get(link.name),
                    )
                )
    for sink in network.sinks:
        lim = _sink_limit(sink, cols, T, dt, options)
        if lim.binds:
            limits.append(lim)

    # busbar
    cap = network.line.capacity_mw
    line_cap = (
        scenario.line_capacity_mw.to_numpy() if scenario.line_capacity_mw is not None else np.full(T, cap)
    )
    line_cap = np.minimum(line_cap, cap)
    delivery = scenario.delivery_mw.to_numpy() if scenario.delivery_mw is not None else None
    line_max = line_cap.copy()
    if options.objective == "firming" and delivery is not None:
        line_max = np.minimum(line_max, delivery)
    pv = scenario.pv_available_mw.to_numpy()
    wind = scenario.wind_available_mw.to_numpy()

    # pump-turbine links
    pts: list[PumpTurbineData] = []
    names = [col.name for col in cols]
    for link in links:
        if not isinstance(link, PumpTurbineLink):
            continue
        jg, jp = names.index(link.name), names.index(f"{link.name}-pump")
        periods: list[np.ndarray] = []
        if options.pump_generate_balance != "none":
            periods = calendar_periods(idx, "day" if options.pump_generate_balance == "day" else "week")
        cap_periods: list[np.ndarray] = []
        cap_mwh = math.inf
        if math.isfinite(options.max_daily_generating_hours):
            cap_periods = calendar_periods(idx, "day")
            cap_mwh = options.max_daily_generating_hours * link.units.max_power_mw
        pts.append(
            PumpTurbineData(
                link=link.name,
                generate=jg,
                pump=jp,
                generate_unit=unit_cols.index(jg),
                pump_unit=unit_cols.index(jp),
                n_units=link.units.n_units,
                balance_periods=periods,
                gen_cap_periods=cap_periods,
                gen_cap_mwh=cap_mwh,
            )
        )

    return NetworkModelData(
        network=network,
        T=T,
        dt_h=dt,
        c=c,
        index=idx,
        S=S,
        objective=options.objective,
        end=options.end,
        unit_commitment=options.unit_commitment,
        mip_rel_gap=options.mip_rel_gap,
        time_limit_s=options.time_limit_s,
        reservoir_names=network.reservoir_names,
        inflow_m3s=network.inflows_m3s(scenario),
        v0_hm3=v0,
        v_min_hm3=v_min,
        v_max_hm3=v_max,
        v_end_hm3=v_end,
        water_value_per_hm3=wv,
        dv_max_hm3=dv_max,
        columns=cols,
        incidence=network.incidence(),
        column_kind=tuple(kinds),
        flow_min_m3s=fmin,
        flow_max_m3s=fmax,
        flow_cost_per_m3s=fcost,
        spill_tie_break_per_m3s=tie,
        unit_columns=np.array(unit_cols, dtype=np.int64),
        unit_sign=np.array(unit_sign),
        unit_link=np.array(unit_link, dtype=np.int64),
        unit_link_names=tuple(link.name for link in links),
        seg_width_m3s=np.stack(widths) if widths else np.zeros((0, S, T)),
        seg_slope_mw_per_m3s=np.stack(slopes) if slopes else np.zeros((0, S, T)),
        gross_head_m=hg_all,
        head_loss_s2_per_m5=np.array(kloss),
        flow_limits=tuple(limits),
        price_per_mwh=scenario.price_per_mwh.to_numpy(),
        pv_max_mw=pv,
        wind_max_mw=wind,
        has_pv=bool(np.any(pv > 0)),
        has_wind=bool(np.any(wind > 0)),
        line_min_mw=-line_cap,
        line_max_mw=line_max,
        delivery_mw=delivery,
        shortfall_penalty=options.shortfall_penalty_per_mwh,
        curtailment_penalty=options.curtailment_penalty_per_mwh,
        tracking_penalty=options.tracking_penalty_per_mwh,
        unit_groups=tuple(groups),
        pump_turbines=tuple(pts),
        energy_targets=energy_targets(options, names, unit_cols),
    )


def energy_targets(
    options: DispatchOptions, column_names: list[str], unit_cols: list[int]
) -> tuple[EnergyTargetData, ...]:
    """The energy targets of ``options.generation_mwh``, one per named unit link (its generating column)."""
    out = []
    for link, e in options.generation_mwh.items():
        j = column_names.index(link)
        lo = -math.inf if options.generation_target == "at_most" else float(e)
        hi = math.inf if options.generation_target == "at_least" else float(e)
        out.append(EnergyTargetData(link=link, column=j, unit=unit_cols.index(j), lo_mwh=lo, hi_mwh=hi))
    return tuple(out)


def _sink_limit(
    sink: RiverSink, cols: tuple[FlowColumn, ...], T: int, dt: float, options: DispatchOptions
) -> FlowLimit:
    into = np.array([j for j, col in enumerate(cols) if col.to_node == sink.name], dtype=np.int64)
    return FlowLimit(
        name=sink.name,
        kind="sink",
        columns=into,
        min_m3s=np.full(T, sink.environmental_min_flow_m3s),
        max_m3s=np.full(T, sink.max_flow_m3s),
        ramp_m3s_per_step=sink.max_ramp_m3s_per_h * dt,
        previous_m3s=options.previous_flow_m3s.get(sink.name),
    )
