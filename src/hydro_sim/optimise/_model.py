"""The dispatch model of a two-reservoir Plant as numbers (LEGACY: read by the PuLP backend only).

The HiGHS backend reads :class:`~hydro_sim.optimise._data.NetworkModelData`; this module stays, with
:class:`DispatchOptions` from :mod:`._data`, until the PuLP backend reads that too.

:func:`build_model_data` turns a plant, a scenario, the options and a head estimate into a
:class:`ModelData`. Both backends read only this object, so they solve the same model.

The model (all variables ≥ 0 unless said; t = 0 … T−1; c = 0.0036·Δt hm³ per m³/s):

Columns per step (``col_names`` order; a family is present only when the plant or scenario needs it)
    q_conv_s   conventional flow in loss segment s = 0…S−1, 0 ≤ q ≤ seg_conv_width[t]    [m³/s]
    q_gen_s    reversible generating flow in segment s, 0 ≤ q ≤ seg_gen_width[t]        [m³/s]
    q_pump_s   pumping flow in segment s, 0 ≤ q ≤ seg_pump_width[t]                      [m³/s]
    spill      upper spill, 0 ≤ spill                                                     [m³/s]
    release    release to the river from the most downstream reservoir,
               release_min[t] ≤ release ≤ release_max[t]                                  [m³/s]
    v_up       upper volume at the end of step t, v_up_min[t] ≤ v_up ≤ v_up_max[t]        [hm³]
    v_lo       lower volume at the end of step t (plants with a lower reservoir)          [hm³]
    pv, wind   renewables used, 0 ≤ pv ≤ pv_max[t], 0 ≤ wind ≤ wind_max[t]                [MW]
    line       net export, line_min[t] ≤ line ≤ line_max[t] (free sign: import to pump)   [MW]
    short      firming shortfall (objective "firming")                                    [MW]
    dev_pos, dev_neg   deviation above / below the delivery curve (objective "tracking")  [MW]
    u_conv, u_gen, u_pump  integer units running (unit commitment), y_gen binary mode     [-]

Rows per step
    bal_up   v_up[t] − v_up[t−1] + c·(Σq_conv + Σq_gen + spill − Σq_pump) = c·inflow_up[t]
             (v_up[−1] = v_up0, moved to the right-hand side)
    bal_lo   v_lo[t] − v_lo[t−1] − c·(Σq_conv + Σq_gen + spill − Σq_pump − release) = c·inflow_lo[t]
    rel_def  (no lower reservoir) release − Σq_conv − spill = 0
    power    line − Σ_s k_conv_s[t]·q_conv_s − Σ_s k_gen_s[t]·q_gen_s + Σ_s b_pump_s[t]·q_pump_s
             − pv − wind = 0
    firm     (firming) line + short ≥ delivery[t]  (and line ≤ delivery[t] as a bound)
    track    (tracking) line − dev_pos + dev_neg = delivery[t]
    ramp     (t ≥ 1, finite ramp) −ramp·Δt ≤ release[t] − release[t−1] ≤ ramp·Δt
    join_ramp (finite ramp, release_before given: a rolling window's start)
             −ramp·Δt ≤ release[0] − release_before ≤ ramp·Δt
    dlev_up/dlev_lo (level-change limit) −dv_max[t] ≤ v[t] − v[t−1] ≤ dv_max[t]
    pgbal    (per balance period P) Σ_{t∈P} (Σq_gen − Σq_pump) = 0
    gencap   (per day D, with a daily cap) Σ_{t∈D} Σ_s k_gen_s[t]·q_gen_s[t]·Δt ≤ gen_cap_mwh
    uc_*     (unit commitment) p_min·u ≤ Σ k_s q_s ≤ p_max·u per group; Σq ≤ q_unit_max·u;
             u_gen ≤ n·y_gen; u_pump + n·y_gen ≤ n.

Loss segments: at gross head H_g[t] the turbine power P(Q) = ρgη Q (H_g − kQ²)/10⁶ is concave, the
pump input P(Q) = ρg Q (H_g + kQ²)/(η 10⁶) convex; both are cut into S equal-width chords on
[0, Q_cap[t]] whose slopes (MW per m³/s) are k_*_s[t] and b_pump_s[t]. Q_cap[t] is the smaller of the
flow limit and the flow at which the group reaches its power limit at that head.

Objective (minimised, CNY): − Σ price[t]·Δt·line[t] (revenue; all objectives)
    + Σ spill_cost·spill[t]   (a tie-break of SPILL_TIE_BREAK_CNY_PER_HM3 per hm³ spilled, so that among
                               equally good schedules water is turbined or kept rather than spilled; it is
                               left out of the reported objective)
    + firming:  Σ shortfall_penalty·Δt·short[t] − Σ curtailment_penalty·Δt·(pv[t] + wind[t])
    + tracking: Σ tracking_penalty·Δt·(dev_pos[t] + dev_neg[t])
    − water_value_up·v_up[T−1] − water_value_lo·v_lo[T−1]   (end condition "water_value")
End condition "at_least_start": v[T−1] ≥ v_end (a bound); "fixed": v[T−1] = v_end; v_end is the start
volume v0 unless an end target is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.network import network_of
from hydro_sim.optimise._data import (
    SPILL_TIE_BREAK_CNY_PER_HM3,
    UC_MIP_REL_GAP,
    DispatchOptions,
    calendar_periods,
    group_chords,
    local_wall_time,
    pump_cap_flow,
)
from hydro_sim.plant import Plant, Reservoir
from hydro_sim.scenario import Scenario

__all__ = [
    "SPILL_TIE_BREAK_CNY_PER_HM3",
    "UC_MIP_REL_GAP",
    "DispatchOptions",
    "HeadEstimate",
    "ModelData",
    "build_model_data",
    "calendar_periods",
    "heads_from_volumes",
    "initial_heads",
    "local_wall_time",
]

Objective = Literal["revenue", "firming", "tracking"]
EndCondition = Literal["at_least_start", "fixed", "water_value"]


@dataclass(frozen=True, kw_only=True)
class HeadEstimate:
    """Gross heads the linearisation is built at, per step. [m]"""

    gross_head_m: np.ndarray  # upper level − lower level (or tailwater), shape (T,)
    level_upper_masl: np.ndarray  # mid-step levels used for the level-change limits
    level_lower_masl: np.ndarray | None


@dataclass(kw_only=True)
class ModelData:
    """Every number of the model. Arrays have one entry per step unless said otherwise."""

    T: int
    dt_h: float
    c: float  # hm³ per (m³/s) over one step
    index: pd.DatetimeIndex
    S: int  # loss segments per group
    has_lower: bool
    has_conv: bool
    has_rev: bool
    has_pv: bool
    has_wind: bool
    has_line_limit: bool
    objective: Objective
    end: EndCondition
    unit_commitment: bool
    inflow_up: np.ndarray
    inflow_lo: np.ndarray
    price: np.ndarray
    delivery: np.ndarray | None
    # segment widths [m³/s] and slopes [MW per m³/s], shape (S, T)
    seg_conv_width: np.ndarray
    k_conv: np.ndarray
    seg_gen_width: np.ndarray
    k_gen: np.ndarray
    seg_pump_width: np.ndarray
    b_pump: np.ndarray
    release_min: np.ndarray
    release_max: np.ndarray
    ramp_m3s_per_step: float
    release_before_m3s: float | None  # release of the step before the horizon (ramp row at t = 0)
    v_up0: float
    v_up_min: np.ndarray
    v_up_max: np.ndarray
    v_lo0: float
    v_lo_min: np.ndarray
    v_lo_max: np.ndarray
    dv_up_max: np.ndarray | None  # level-change limit as volume per step [hm³]
    dv_lo_max: np.ndarray | None
    pv_max: np.ndarray
    wind_max: np.ndarray
    line_min: np.ndarray
    line_max: np.ndarray
    water_value_up: float
    water_value_lo: float
    spill_cost: float  # CNY per (m³/s) of spill over one step (tie-break)
    shortfall_penalty: float
    curtailment_penalty: float
    tracking_penalty: float
    balance_periods: list[np.ndarray] = field(default_factory=list)  # step positions per period
    v_up_end: float = 0.0  # end-volume target of the end condition [hm³]
    v_lo_end: float = 0.0
    gen_cap_periods: list[np.ndarray] = field(default_factory=list)  # days of the daily generation cap
    gen_cap_mwh: float = np.inf  # reversible generation allowed per day [MWh]
    # unit commitment data (per unit)
    n_conv: int = 0
    n_rev: int = 0
    conv_pmin_unit: float = 0.0
    conv_pmax_unit: float = 0.0
    conv_qmax_unit: float = 0.0
    gen_pmin_unit: float = 0.0
    gen_pmax_unit: float = 0.0
    gen_qmax_unit: float = 0.0
    pump_pmin_unit: float = 0.0
    pump_pmax_unit: float = 0.0
    mip_rel_gap: float = UC_MIP_REL_GAP
    time_limit_s: float = np.inf

    def volume_bounds_with_end(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Volume bounds per step with the end condition on the last step: "at_least_start" v[T−1] ≥ v_end,
        "fixed" v[T−1] = v_end (v_end: the start volume unless an end target was given). [hm³]

        Returns (v_up lower, v_up upper, v_lo lower, v_lo upper)."""
        vup_lb, vup_ub = self.v_up_min.copy(), self.v_up_max.copy()
        vlo_lb, vlo_ub = self.v_lo_min.copy(), self.v_lo_max.copy()
        if self.end == "at_least_start":
            vup_lb[-1] = max(vup_lb[-1], self.v_up_end)
            vlo_lb[-1] = max(vlo_lb[-1], self.v_lo_end)
        elif self.end == "fixed":
            vup_lb[-1] = vup_ub[-1] = self.v_up_end
            vlo_lb[-1] = vlo_ub[-1] = self.v_lo_end
        return vup_lb, vup_ub, vlo_lb, vlo_ub

    @property
    def families(self) -> list[tuple[str, int]]:
        """Column families in order, with their count of columns per step."""
        fam: list[tuple[str, int]] = []
        if self.has_conv:
            fam += [(f"q_conv_{s}", 1) for s in range(self.S)]
        if self.has_rev:
            fam += [(f"q_gen_{s}", 1) for s in range(self.S)]
            fam += [(f"q_pump_{s}", 1) for s in range(self.S)]
        fam += [("spill", 1), ("release", 1), ("v_up", 1)]
        if self.has_lower:
            fam.append(("v_lo", 1))
        if self.has_pv:
            fam.append(("pv", 1))
        if self.has_wind:
            fam.append(("wind", 1))
        fam.append(("line", 1))
        if self.objective == "firming":
            fam.append(("short", 1))
        if self.objective == "tracking":
            fam += [("dev_pos", 1), ("dev_neg", 1)]
        if self.unit_commitment:
            if self.has_conv:
                fam.append(("u_conv", 1))
            if self.has_rev:
                fam += [("u_gen", 1), ("u_pump", 1), ("y_gen", 1)]
        return fam

    @property
    def col_names(self) -> list[str]:
        return [name for name, _ in self.families]


#: The pump's flow at its largest input (read by ``hydro_sim.validation``; it lives in ``._data`` now).
_pump_cap_flow = pump_cap_flow


def _segments(plant: Plant, hg: np.ndarray, S: int) -> tuple[np.ndarray, ...]:
    """Chord widths and slopes of each group at the gross heads ``hg``, each shaped (S, len(hg)): conventional
    (widths, MW per m³/s), generating (widths, MW per m³/s), pumping (widths, MW per m³/s)."""
    zeros = np.zeros((S, hg.size))
    conv, rev = plant.conventional, plant.reversible
    cw, ck = group_chords(conv, "generate", hg, S) if conv is not None else (zeros, zeros)
    gw, gk = group_chords(rev, "generate", hg, S) if rev is not None else (zeros, zeros)
    pw, pb = group_chords(rev, "pump", hg, S) if rev is not None else (zeros, zeros)
    return cw, ck, gw, gk, pw, pb


def build_model_data(
    plant: Plant, scenario: Scenario, options: DispatchOptions, heads: HeadEstimate
) -> ModelData:
    """Turn a plant, a scenario, options and a head estimate into the model's numbers."""
    T = scenario.n_steps
    dt = scenario.dt_h
    S = options.loss_segments
    idx = scenario.index
    hg = np.asarray(heads.gross_head_m, dtype=float)
    # The chords depend on the head only: work them out once per distinct head (one under a fixed head).
    # (read-only broadcast views when the head is one value: nothing writes into them)
    h_unique, at = np.unique(hg, return_inverse=True)
    seg_conv_width, k_conv, seg_gen_width, k_gen, seg_pump_width, b_pump = (
        np.broadcast_to(part, (S, T)) if h_unique.size == 1 else part[:, at]
        for part in _segments(plant, h_unique, S)
    )
    conv, rev = plant.conventional, plant.reversible

    net = network_of(plant)
    names = net.reservoir_names
    lower_name = names[1] if plant.lower is not None else None
    release_name = net.links[-1].name if plant.lower is not None else net.sinks[0].name
    inf = float("inf")
    limit_up = options.max_level_change_m_per_h.get(names[0], inf)
    limit_lo = options.max_level_change_m_per_h.get(lower_name, inf) if lower_name else inf
    v_up_min, v_up_max = plant.upper.volume_bounds_hm3(idx)
    if plant.lower is not None:
        v_lo_min, v_lo_max = plant.lower.volume_bounds_hm3(idx)
        v_lo0 = plant.lower.initial_volume_hm3
    else:
        v_lo_min = v_lo_max = np.zeros(T)
        v_lo0 = 0.0

    def dv(limit_m_per_h: float, reservoir: Reservoir | None, levels: Any) -> np.ndarray | None:
        if not np.isfinite(limit_m_per_h) or reservoir is None:
            return None
        return np.asarray(reservoir.curve.surface_area_km2_at(levels)) * limit_m_per_h * dt

    cap = plant.line.capacity_mw
    line_cap = (
        scenario.line_capacity_mw.to_numpy() if scenario.line_capacity_mw is not None else np.full(T, cap)
    )
    line_cap = np.minimum(line_cap, cap)
    delivery = scenario.delivery_mw.to_numpy() if scenario.delivery_mw is not None else None
    line_max = line_cap.copy()
    if options.objective == "firming" and delivery is not None:
        line_max = np.minimum(line_max, delivery)

    periods: list[np.ndarray] = []
    if options.pump_generate_balance != "none" and rev is not None:
        periods = calendar_periods(idx, "day" if options.pump_generate_balance == "day" else "week")

    cap_periods: list[np.ndarray] = []
    cap_mwh = np.inf
    if np.isfinite(options.max_daily_generating_hours) and rev is not None:
        cap_periods = calendar_periods(idx, "day")
        cap_mwh = options.max_daily_generating_hours * rev.max_power_mw

    pv = scenario.pv_available_mw.to_numpy()
    wind = scenario.wind_available_mw.to_numpy()
    return ModelData(
        T=T,
        dt_h=dt,
        c=HM3_PER_M3S_HOUR * dt,
        index=idx,
        S=S,
        has_lower=plant.lower is not None,
        has_conv=conv is not None,
        has_rev=rev is not None,
        has_pv=bool(np.any(pv > 0)),
        has_wind=bool(np.any(wind > 0)),
        has_line_limit=bool(np.isfinite(line_cap).all()),
        objective=options.objective,
        end=options.end,
        unit_commitment=options.unit_commitment,
        inflow_up=scenario.inflow_upper_m3s.to_numpy(),
        inflow_lo=scenario.inflow_lower_m3s.to_numpy(),
        price=scenario.price_cny_per_mwh.to_numpy(),
        delivery=delivery,
        seg_conv_width=seg_conv_width,
        k_conv=k_conv,
        seg_gen_width=seg_gen_width,
        k_gen=k_gen,
        seg_pump_width=seg_pump_width,
        b_pump=b_pump,
        release_min=np.full(T, plant.outlet.environmental_min_flow_m3s),
        release_max=np.full(T, plant.outlet.max_release_m3s),
        ramp_m3s_per_step=plant.outlet.max_ramp_m3s_per_h * dt,
        release_before_m3s=options.previous_flow_m3s.get(release_name),
        v_up0=plant.upper.initial_volume_hm3,
        v_up_min=np.asarray(v_up_min),
        v_up_max=np.asarray(v_up_max),
        v_lo0=v_lo0,
        v_lo_min=np.asarray(v_lo_min),
        v_lo_max=np.asarray(v_lo_max),
        dv_up_max=dv(limit_up, plant.upper, heads.level_upper_masl),
        dv_lo_max=dv(limit_lo, plant.lower, heads.level_lower_masl),
        pv_max=pv,
        wind_max=wind,
        line_min=-line_cap,
        line_max=line_max,
        spill_cost=SPILL_TIE_BREAK_CNY_PER_HM3 * HM3_PER_M3S_HOUR * dt,
        water_value_up=options.water_value_per_hm3.get(names[0], 0.0),
        water_value_lo=options.water_value_per_hm3.get(lower_name, 0.0) if lower_name else 0.0,
        shortfall_penalty=options.shortfall_penalty_cny_per_mwh,
        curtailment_penalty=options.curtailment_penalty_cny_per_mwh,
        tracking_penalty=options.tracking_penalty_cny_per_mwh,
        balance_periods=periods,
        v_up_end=options.end_volume_hm3.get(names[0], plant.upper.initial_volume_hm3),
        v_lo_end=options.end_volume_hm3.get(lower_name, v_lo0) if lower_name else v_lo0,
        gen_cap_periods=cap_periods,
        gen_cap_mwh=cap_mwh,
        n_conv=conv.n_units if conv else 0,
        n_rev=rev.n_units if rev else 0,
        conv_pmin_unit=conv.min_power_mw if conv else 0.0,
        conv_pmax_unit=conv.rated_power_mw if conv else 0.0,
        conv_qmax_unit=conv.max_flow_m3s if conv else 0.0,
        gen_pmin_unit=rev.min_power_mw if rev else 0.0,
        gen_pmax_unit=rev.rated_power_mw if rev else 0.0,
        gen_qmax_unit=rev.max_flow_m3s if rev else 0.0,
        pump_pmin_unit=rev.min_pumping_power_mw if rev else 0.0,
        pump_pmax_unit=rev.max_pumping_power_mw if rev else 0.0,
        mip_rel_gap=options.mip_rel_gap,
        time_limit_s=options.time_limit_s,
    )


def initial_heads(plant: Plant, T: int) -> HeadEstimate:
    """Heads at the initial levels, the same at every step (``head="fixed"``)."""
    z_up = np.full(T, plant.upper.initial_level_masl)
    z_lo = np.full(T, plant.downstream_level_masl())
    return HeadEstimate(
        gross_head_m=z_up - z_lo,
        level_upper_masl=z_up,
        level_lower_masl=z_lo if plant.lower is not None else None,
    )


def heads_from_volumes(plant: Plant, v_up: np.ndarray, v_lo: np.ndarray | None) -> HeadEstimate:
    """Heads at the mid-step levels of a solved schedule (end-of-step volumes; start from the initial ones)."""
    vm_up = 0.5 * (np.concatenate(([plant.upper.initial_volume_hm3], v_up[:-1])) + v_up)
    z_up = np.asarray(plant.upper.curve.level_masl_at(vm_up))
    if plant.lower is not None and v_lo is not None:
        vm_lo = 0.5 * (np.concatenate(([plant.lower.initial_volume_hm3], v_lo[:-1])) + v_lo)
        z_lo = np.asarray(plant.lower.curve.level_masl_at(vm_lo))
        return HeadEstimate(gross_head_m=z_up - z_lo, level_upper_masl=z_up, level_lower_masl=z_lo)
    # No lower reservoir here (v_lo comes with one), so Plant has required the tailwater level.
    return HeadEstimate(
        gross_head_m=z_up - float(plant.tailwater_level_masl),  # type: ignore[arg-type]
        level_upper_masl=z_up,
        level_lower_masl=None,
    )
