"""``dispatch``: schedule every unit of a hybrid plant over a scenario by linear programming.

The orchestrator: validate once, build the model's numbers, solve with a backend, iterate on the
heads (successive LP), turn the solution into a schedule, and diagnose infeasibility.
"""

from __future__ import annotations

import inspect
import math
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.errors import HydroSimWarning
from hydro_sim.network import Network, PumpTurbineLink, Release, TurbineLink, network_of
from hydro_sim.optimise import _frames, _highs
from hydro_sim.optimise._data import (
    UC_MIP_REL_GAP,
    DispatchOptions,
    HeadEstimate,
    NetworkModelData,
    build_network_data,
    heads_from_solution,
    initial_heads,
    unit_links,
)
from hydro_sim.optimise.result import DispatchResult, empty_frame
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario

__all__ = ["STATUSES", "dispatch", "export_model"]

#: Flow below which a group counts as idle when reporting simultaneous pumping and generating; well
#: above the solver's primal feasibility tolerance (1e-7) and far below any real unit flow. [m³/s]
IDLE_FLOW_M3S = 1e-4
#: Successive-head iterations taken at full step before under-relaxation starts. [-]
UNDAMPED_ITERATIONS = 4
#: Slack above which a soft constraint of the diagnosis model counts as broken (solver tolerance × 10). [unit of the row]
DIAGNOSIS_TOLERANCE = 1e-5

_SOFT_TEXT = {
    "vup_lo": ("minimum level of the upper reservoir", "upper", "hm³ short of the minimum volume"),
    "vup_hi": ("maximum level of the upper reservoir", "upper", "hm³ above the maximum volume"),
    "vlo_lo": ("minimum level of the lower reservoir", "lower", "hm³ short of the minimum volume"),
    "vlo_hi": ("maximum level of the lower reservoir", "lower", "hm³ above the maximum volume"),
    "env_lo": ("environmental minimum flow of the release", "outlet", "m³/s short"),
    "end_up_lo": ("end volume of the upper reservoir (≥ its target)", "upper", "hm³ short of the end target"),
    "end_up_hi": ("end volume of the upper reservoir (= its target)", "upper", "hm³ above the end target"),
    "end_lo_lo": ("end volume of the lower reservoir (≥ its target)", "lower", "hm³ short of the end target"),
    "end_lo_hi": ("end volume of the lower reservoir (= its target)", "lower", "hm³ above the end target"),
    "ramp_lo": ("release ramp limit (falling)", "outlet", "m³/s beyond the ramp"),
    "ramp_hi": ("release ramp limit (rising)", "outlet", "m³/s beyond the ramp"),
    "join_ramp_lo": (
        "release ramp limit from the previous release (falling)",
        "outlet",
        "m³/s beyond the ramp",
    ),
    "join_ramp_hi": (
        "release ramp limit from the previous release (rising)",
        "outlet",
        "m³/s beyond the ramp",
    ),
    "dlev_up_lo": ("level-change limit of the upper reservoir (falling)", "upper", "hm³ beyond the limit"),
    "dlev_up_hi": ("level-change limit of the upper reservoir (rising)", "upper", "hm³ beyond the limit"),
    "dlev_lo_lo": ("level-change limit of the lower reservoir (falling)", "lower", "hm³ beyond the limit"),
    "dlev_lo_hi": ("level-change limit of the lower reservoir (rising)", "lower", "hm³ beyond the limit"),
    "pgbal_lo": (
        "pump–generate water balance of the period",
        "reversible",
        "m³/s·steps more pumped than generated",
    ),
    "gencap_hi": ("daily cap on reversible generation", "reversible", "MWh above the cap"),
    "etarget_lo": ("energy target over the horizon", "units", "MWh short of the target"),
    "etarget_hi": ("energy target over the horizon", "units", "MWh above the target"),
    "pgbal_hi": (
        "pump–generate water balance of the period",
        "reversible",
        "m³/s·steps more generated than pumped",
    ),
}


#: Fixed-head schedules whose solved heads move further than the larger of this and ``FIXED_HEAD_RELATIVE``
#: times the initial head are flagged (not converged, with a warning). 1 m keeps small plants' round-off
#: quiet. [m]
FIXED_HEAD_MIN_TOLERANCE_M = 1.0
#: Relative part of the fixed-head tolerance. Power is linear in head, so the head's move is the error in
#: the energy of the steps concerned; 2 % is the size of the error the model already accepts elsewhere (one
#: reference efficiency over the whole operating range, two loss chords). Fixed head stays what it is for,
#: a speed-up on short horizons: the daily cycle of Lianghekou's lower reservoir moves its 248 m head by
#: 3.8 m (1.5 %, within), a year's drawdown of the upper reservoir by 24 m (10 %, flagged). [-]
FIXED_HEAD_RELATIVE = 0.02
#: Heads handed in as ``start_head_m`` may lie this far outside the plant's physical gross-head range (from
#: the reservoirs' level limits): heads are interpolated levels, so a little slack spares round-off. [m]
START_HEAD_MARGIN_M = 1.0

_NUMERIC_TYPES = (int, float, np.integer, np.floating)
STATUSES = ("optimal", "time_limit", "interrupted", "infeasible", "unbounded", "error")


def _number(name: str, value: Any, where: str) -> float:
    """A real number (int or float, numpy scalars too); strings, None and bools are refused, NaN too."""
    if isinstance(value, bool) or not isinstance(value, _NUMERIC_TYPES):
        raise iv.fail(name, "must be a number (int or float)", value, where)
    x = float(value)
    if math.isnan(x):
        raise iv.fail(name, "must not be NaN", value, where)
    return x


def check_highs_options(highs_options: Any, where: str) -> dict[str, Any] | None:
    """``highs_options`` as a dict HiGHS accepts: every name known and every value of the option's type."""
    if highs_options is None:
        return None
    if not isinstance(highs_options, dict):
        raise iv.fail("highs_options", "must be a dict of HiGHS option names to values", highs_options, where)
    h = _highs.new_highs()
    for name, value in highs_options.items():
        if not isinstance(name, str):
            raise iv.fail("highs_options", "must have option names as strings", name, where)
        status, _ = h.getOptionType(name)
        if status != _highs.highspy.HighsStatus.kOk:
            raise iv.fail(
                f"highs_options[{name!r}]",
                "is not a HiGHS option name (see the HiGHS options page)",
                value,
                where,
            )
        if name in _RESERVED_HIGHS_OPTIONS:
            raise iv.fail(
                f"highs_options[{name!r}]",
                f"is set by dispatch() itself; use its `{_RESERVED_HIGHS_OPTIONS[name]}` option",
                value,
                where,
            )
        ok = (
            not isinstance(value, (list, tuple, dict, type(None)))
            and h.setOptionValue(name, value.item() if isinstance(value, np.generic) else value)
            == _highs.highspy.HighsStatus.kOk
        )
        if not ok:
            kind = str(h.getOptionType(name)[1]).rsplit(".k", 1)[-1].lower()
            raise iv.fail(
                f"highs_options[{name!r}]",
                f"is not a valid value for this HiGHS option (of type {kind}, within its range)",
                value,
                where,
            )
    return dict(highs_options)


#: HiGHS options that dispatch() sets from its own arguments (and that must not print to stdout).
_RESERVED_HIGHS_OPTIONS = {
    "time_limit": "time_limit_s",
    "mip_rel_gap": "mip_rel_gap",
    "output_flag": "(the library never prints)",
    "log_to_console": "(the library never prints)",
}


def _head_ranges_m(network: Network) -> np.ndarray:
    """(G, 2) smallest and largest gross head of each unit link that the level limits allow. [m]"""
    res = {r.name: r for r in network.reservoirs}
    out = []
    for link in unit_links(network):
        up = res[link.from_node]
        if link.to_node in res:
            lo_lo, lo_hi = res[link.to_node].min_level_masl, res[link.to_node].max_level_masl
        else:
            sink = next(k for k in network.sinks if k.name == link.to_node)
            lo_lo = lo_hi = sink.lowest_level_masl
        out.append((up.min_level_masl - lo_hi, up.max_level_masl - lo_lo))
    return np.asarray(out, dtype=float)


#: The keyword options of dispatch() that name a Plant's roles, and the per-element option they fill.
_PLANT_STYLE = {
    "water_value_upper_per_hm3": ("water_value_per_hm3", 0, 0.0),
    "water_value_lower_per_hm3": ("water_value_per_hm3", 1, 0.0),
    "end_volume_upper_hm3": ("end_volume_hm3", 0, None),
    "end_volume_lower_hm3": ("end_volume_hm3", 1, None),
    "max_level_change_upper_m_per_h": ("max_level_change_m_per_h", 0, math.inf),
    "max_level_change_lower_m_per_h": ("max_level_change_m_per_h", 1, math.inf),
    "previous_release_m3s": ("previous_flow_m3s", -1, None),
}


def _as_network(target: Any, where: str) -> tuple[Network, Plant | None]:
    if isinstance(target, Plant):
        return network_of(target), target
    if isinstance(target, Network):
        return target, None
    raise iv.fail(
        "plant", "must be a hydro_sim.Plant or a hydro_sim.network.Network", type(target).__name__, where
    )


def _per_element(name: str, value: Any, allowed: tuple[str, ...], what: str, where: str) -> dict[str, float]:
    """A mapping of element names to numbers, every name one of ``allowed``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise iv.fail(name, f"must be a dict of {what} names to numbers", value, where)
    out: dict[str, float] = {}
    for key, x in value.items():
        if key not in allowed:
            raise iv.fail(name, f"must name {what}s of the network ({', '.join(allowed)})", key, where)
        out[key] = _number(f"{name}[{key!r}]", x, where)
    return out


def _validate(
    target: Any, scenario: Any, kw: dict[str, Any]
) -> tuple[Network, Plant | None, DispatchOptions]:
    where = "dispatch()"
    network, plant = _as_network(target, where)
    if not isinstance(scenario, Scenario):
        raise iv.fail("scenario", "must be a hydro_sim.Scenario", type(scenario).__name__, where)
    choices = {
        "objective": ("revenue", "firming", "tracking"),
        "backend": ("highs", "pulp"),
        "head": ("fixed", "successive"),
        "end": ("at_least_start", "fixed", "water_value"),
        "pump_generate_balance": ("none", "day", "week"),
        "generation_target": ("equal", "at_most", "at_least"),
    }
    for name, allowed in choices.items():
        if not isinstance(kw[name], str) or kw[name] not in allowed:
            raise iv.fail(name, f"must be one of {', '.join(map(repr, allowed))}", kw[name], where)
    if kw["objective"] in ("firming", "tracking") and scenario.delivery_mw is None:
        raise iv.fail(
            "scenario.delivery_mw",
            f"must be given for objective {kw['objective']!r} (the delivery curve to firm or track)",
            None,
            where,
        )
    has_rev = any(isinstance(link, PumpTurbineLink) for link in network.links)
    if kw["pump_generate_balance"] != "none" and not has_rev:
        raise iv.fail(
            "pump_generate_balance", "needs reversible units in the plant", kw["pump_generate_balance"], where
        )
    if not isinstance(kw["unit_commitment"], bool):
        raise iv.fail("unit_commitment", "must be True or False", kw["unit_commitment"], where)
    solver = kw["solver"]
    if solver is not None:
        if not isinstance(solver, str):
            raise iv.fail("solver", "must be a PuLP solver name (a string) or None", solver, where)
        if kw["backend"] != "pulp":
            raise iv.fail("solver", "names a PuLP solver and needs backend='pulp'", solver, where)
        from hydro_sim.optimise import _pulp

        _pulp.check_solver(solver)
    if kw["highs_options"] is not None and kw["backend"] != "highs":
        raise iv.fail("highs_options", "apply to backend='highs' only", kw["highs_options"], where)
    check_highs_options(kw["highs_options"], where)
    iv.positive_int("loss_segments", kw["loss_segments"], where)
    iv.positive_int("max_iterations", kw["max_iterations"], where)
    numbers = {
        name: _number(name, kw[name], where)
        for name in (
            "head_tolerance_m",
            "objective_tolerance",
            "water_value_upper_per_hm3",
            "water_value_lower_per_hm3",
            "shortfall_penalty_per_mwh",
            "curtailment_penalty_per_mwh",
            "tracking_penalty_per_mwh",
            "max_level_change_upper_m_per_h",
            "max_level_change_lower_m_per_h",
            "time_limit_s",
            "max_daily_generating_hours",
        )
    }
    for name in (
        "mip_rel_gap",
        "fixed_head_tolerance_m",
        "previous_release_m3s",
        "end_volume_upper_hm3",
        "end_volume_lower_hm3",
    ):
        if kw[name] is not None:
            numbers[name] = _number(name, kw[name], where)
    iv.positive("head_tolerance_m", numbers["head_tolerance_m"], where)
    iv.non_negative("objective_tolerance", numbers["objective_tolerance"], where)
    for name in (
        "shortfall_penalty_per_mwh",
        "curtailment_penalty_per_mwh",
        "tracking_penalty_per_mwh",
    ):
        iv.non_negative(name, numbers[name], where)
    for name in ("time_limit_s",):
        if numbers[name] <= 0:
            raise iv.fail(name, "must be positive (or infinite for no limit)", kw[name], where)
    if kw["mip_rel_gap"] is None:
        gap = UC_MIP_REL_GAP
    else:
        gap = iv.non_negative("mip_rel_gap", numbers["mip_rel_gap"], where)
        if gap >= 1.0:
            raise iv.fail(
                "mip_rel_gap", "must be below 1 (a fraction of the objective, e.g. 1e-3)", gap, where
            )
    if kw["fixed_head_tolerance_m"] is not None and numbers["fixed_head_tolerance_m"] <= 0.0:
        raise iv.fail(
            "fixed_head_tolerance_m",
            "must be positive (math.inf turns the check off)",
            kw["fixed_head_tolerance_m"],
            where,
        )
    cap_h = numbers["max_daily_generating_hours"]
    if cap_h < 0.0:
        raise iv.fail("max_daily_generating_hours", "must not be negative", cap_h, where)
    if np.isfinite(cap_h) and not has_rev:
        raise iv.fail("max_daily_generating_hours", "needs reversible units in the plant", cap_h, where)

    # per-element options: the mappings, and a Plant's role keywords mapped onto its element names
    names = network.reservoir_names
    ramped = tuple(link.name for link in network.links if isinstance(link, Release)) + tuple(
        k.name for k in network.sinks
    )
    per: dict[str, dict[str, float]] = {
        "water_value_per_hm3": _per_element(
            "water_value_per_hm3", kw["water_value_per_hm3"], names, "reservoir", where
        ),
        "end_volume_hm3": _per_element("end_volume_hm3", kw["end_volume_hm3"], names, "reservoir", where),
        "max_level_change_m_per_h": _per_element(
            "max_level_change_m_per_h", kw["max_level_change_m_per_h"], names, "reservoir", where
        ),
        "previous_flow_m3s": _per_element(
            "previous_flow_m3s", kw["previous_flow_m3s"], ramped, "release or river sink", where
        ),
    }
    release_name = (
        (network.links[-1].name if plant.lower is not None else network.sinks[0].name)
        if plant is not None
        else ""
    )
    for name, (target_name, pos, default) in _PLANT_STYLE.items():
        value = kw[name]
        if value is None or value == default:
            continue
        if plant is None:
            raise iv.fail(
                name,
                f"names a Plant's role; for a Network give `{target_name}` by element name",
                value,
                where,
            )
        if pos == 1 and plant.lower is None:
            if name.startswith("end_volume"):
                raise iv.fail(name, "needs a lower reservoir in the plant", value, where)
            continue
        key = release_name if pos < 0 else names[pos]
        if key in per[target_name]:
            raise iv.fail(name, f"and `{target_name}` both give a value for '{key}'", value, where)
        per[target_name][key] = numbers[name]
    for key, x in per["water_value_per_hm3"].items():
        iv.finite(_role_field(plant, names, key, "water_value_{}_per_hm3", "water_value_per_hm3"), x, where)
    for key, x in per["max_level_change_m_per_h"].items():
        field = _role_field(plant, names, key, "max_level_change_{}_m_per_h", "max_level_change_m_per_h")
        if x <= 0:
            raise iv.fail(field, "must be positive (or infinite for no limit)", x, where)
    per["max_level_change_m_per_h"] = {
        k: x for k, x in per["max_level_change_m_per_h"].items() if math.isfinite(x)
    }
    for key, x in per["end_volume_hm3"].items():
        field = _role_field(plant, names, key, "end_volume_{}_hm3", "end_volume_hm3")
        iv.finite(field, x, where)
        if x < 0.0:
            raise iv.fail(field, "must not be negative", x, where)
    for key, x in per["previous_flow_m3s"].items():
        field = "previous_release_m3s" if plant is not None else f"previous_flow_m3s[{key!r}]"
        iv.non_negative(field, x, where)
    generation_mwh = _generation_targets(network, kw["generation_mwh"], where)
    # The start must lie within the first step's bounds, else nothing can be scheduled.
    for res in network.reservoirs:
        lo, hi = res.level_bounds_masl(scenario.index[:1])
        if not lo[0] - 1e-9 <= res.initial_level_masl <= hi[0] + 1e-9:
            raise iv.fail(
                "initial_level_masl",
                f"must lie within the operating levels of the first step "
                f"[{lo[0]}, {hi[0]}] m ({scenario.index[0]:%B} limits)",
                res.initial_level_masl,
                f"Reservoir '{res.name}' of {where}",
            )
    opts = DispatchOptions(
        objective=kw["objective"],
        end=kw["end"],
        pump_generate_balance=kw["pump_generate_balance"],
        unit_commitment=kw["unit_commitment"],
        loss_segments=int(kw["loss_segments"]),
        shortfall_penalty_per_mwh=numbers["shortfall_penalty_per_mwh"],
        curtailment_penalty_per_mwh=numbers["curtailment_penalty_per_mwh"],
        tracking_penalty_per_mwh=numbers["tracking_penalty_per_mwh"],
        mip_rel_gap=gap,
        time_limit_s=numbers["time_limit_s"],
        max_daily_generating_hours=cap_h,
        generation_mwh=generation_mwh,
        generation_target=kw["generation_target"],
        backend=kw["backend"],
        solver=solver,
        highs_options=kw["highs_options"],
        head=kw["head"],
        head_tolerance_m=numbers["head_tolerance_m"],
        max_iterations=int(kw["max_iterations"]),
        objective_tolerance=numbers["objective_tolerance"],
        fixed_head_tolerance_m=numbers.get("fixed_head_tolerance_m"),
        **per,
    )
    return network, plant, opts


def _generation_targets(network: Network, value: Any, where: str) -> dict[str, float]:
    """``generation_mwh`` checked: a dict of unit-link names (turbine or pump-turbine links) to finite,
    non-negative energies."""
    units = tuple(link.name for link in network.links if isinstance(link, (TurbineLink, PumpTurbineLink)))
    if isinstance(value, dict):
        for key in value:
            if key not in units and any(link.name == key for link in network.links):
                raise iv.fail(
                    "generation_mwh",
                    f"must name links that carry units (turbine or pump-turbine links: {', '.join(units)}); "
                    "a spillway or release generates nothing",
                    key,
                    where,
                )
    out = _per_element("generation_mwh", value, units, "unit link", where)
    for key, e in out.items():
        iv.finite(f"generation_mwh[{key!r}]", e, where)
        if e < 0.0:
            raise iv.fail(f"generation_mwh[{key!r}]", "must not be negative", e, where)
    return out


def _role_field(plant: Plant | None, names: tuple[str, ...], key: str, role: str, mapping: str) -> str:
    """The name of the option a user gave for element ``key``: the Plant's role keyword, or the mapping's."""
    if plant is not None and key in names[:2]:
        return role.format("upper" if key == names[0] else "lower")
    return f"{mapping}[{key!r}]"


def _start_heads(network: Network, scenario: Scenario, start_head_m: Any) -> HeadEstimate:
    """The heads of the first solve: the initial ones, or ``start_head_m`` checked against the physical range
    (one head per step for every unit link, or one row per unit link)."""
    heads = initial_heads(network, scenario.n_steps)
    if start_head_m is None:
        return heads
    where = "dispatch()"
    G, T = heads.gross_head_m.shape
    try:
        h0 = np.asarray(start_head_m, dtype=float)
    except (TypeError, ValueError):
        raise iv.fail(
            "start_head_m", "must be an array of heads (numbers), one per step", start_head_m, where
        ) from None
    if h0.shape == (T,):
        h0 = np.broadcast_to(h0, (G, T)).copy()
    if h0.shape != (G, T) or not np.all(np.isfinite(h0)) or np.any(h0 <= 0):
        raise iv.fail(
            "start_head_m",
            f"must hold {scenario.n_steps} finite positive heads, one per step",
            f"shape {np.shape(start_head_m)}",
            where,
        )
    ranges = _head_ranges_m(network)
    for g in range(G):
        lo, hi = ranges[g]
        lo, hi = max(lo - START_HEAD_MARGIN_M, 0.0), hi + START_HEAD_MARGIN_M
        outside = np.flatnonzero((h0[g] < lo) | (h0[g] > hi))
        if outside.size:
            k = int(outside[0])
            raise iv.fail(
                "start_head_m",
                f"must lie within the plant's physical gross-head range [{lo:.6g}, {hi:.6g}] m "
                f"(from the reservoirs' level limits, ± {START_HEAD_MARGIN_M:g} m); step {k} and "
                f"{outside.size - 1} more lie outside",
                float(h0[g, k]),
                where,
            )
    return HeadEstimate(level_masl=heads.level_masl, gross_head_m=h0)


#: The defaults of every option: DispatchOptions is their one home, dispatch()'s keywords read them.
_DEFAULT = DispatchOptions()


def dispatch(
    plant: Plant | Network,
    scenario: Scenario,
    *,
    objective: str = _DEFAULT.objective,
    backend: str = _DEFAULT.backend,
    head: str = _DEFAULT.head,
    end: str = _DEFAULT.end,
    water_value_upper_per_hm3: float = 0.0,
    water_value_lower_per_hm3: float = 0.0,
    pump_generate_balance: str = _DEFAULT.pump_generate_balance,
    unit_commitment: bool = _DEFAULT.unit_commitment,
    loss_segments: int = _DEFAULT.loss_segments,
    head_tolerance_m: float = _DEFAULT.head_tolerance_m,
    max_iterations: int = _DEFAULT.max_iterations,
    objective_tolerance: float = _DEFAULT.objective_tolerance,
    shortfall_penalty_per_mwh: float = _DEFAULT.shortfall_penalty_per_mwh,
    curtailment_penalty_per_mwh: float = _DEFAULT.curtailment_penalty_per_mwh,
    tracking_penalty_per_mwh: float = _DEFAULT.tracking_penalty_per_mwh,
    max_level_change_upper_m_per_h: float = math.inf,
    max_level_change_lower_m_per_h: float = math.inf,
    mip_rel_gap: float | None = None,
    time_limit_s: float = _DEFAULT.time_limit_s,
    max_daily_generating_hours: float = _DEFAULT.max_daily_generating_hours,
    generation_mwh: dict[str, float] | None = None,
    generation_target: str = _DEFAULT.generation_target,
    end_volume_upper_hm3: float | None = None,
    end_volume_lower_hm3: float | None = None,
    start_head_m: Any = None,
    solver: str | None = None,
    highs_options: dict[str, Any] | None = None,
    fixed_head_tolerance_m: float | None = None,
    previous_release_m3s: float | None = None,
    water_value_per_hm3: dict[str, float] | None = None,
    end_volume_hm3: dict[str, float] | None = None,
    max_level_change_m_per_h: dict[str, float] | None = None,
    previous_flow_m3s: dict[str, float] | None = None,
) -> DispatchResult:
    """Schedule every unit of a hybrid plant over a scenario by linear programming on the water balance.

    Parameters
    ----------
    plant : The plant (e.g. :func:`hydro_sim.lianghekou`), or a :class:`~hydro_sim.network.Network`. A Plant
        is solved as ``network_of(plant)`` and its schedule has the Plant's columns (``volume_upper_hm3``,
        ``flow_conventional_m3s``, …); a Network's schedule has element columns (``"{reservoir} volume_hm3"``,
        ``"{column} flow_m3s"``, ``"{column} power_mw"``, ``"{reservoir} water_value_per_hm3"``, …).
    scenario : Inflows, prices, renewables and limits (e.g. :func:`hydro_sim.reference_year`).
    objective : ``"revenue"`` (maximise Σ price·line·Δt), ``"firming"`` (deliver renewables plus hydro up to
        the delivery curve, penalising shortfall and curtailment) or ``"tracking"`` (follow the delivery curve
        with least absolute deviation).
    backend : ``"highs"`` (vectorised sparse build, HiGHS via highspy) or ``"pulp"`` (the same model in PuLP).
    head : ``"successive"`` (the default: re-solve with heads from the solved volumes of both reservoirs until
        the largest gross-head change is below ``head_tolerance_m``) or ``"fixed"`` (linearise at the initial
        heads: one solve, an opt-in speed-up that is right only while the heads stay near their start; a
        schedule whose heads move further than ``fixed_head_tolerance_m`` is reported ``converged=False``
        with a :class:`~hydro_sim.errors.HydroSimWarning`).
    end : ``"at_least_start"`` (end volumes ≥ start), ``"fixed"`` (= start) or ``"water_value"``.
    water_value_upper_per_hm3, water_value_lower_per_hm3 : Value of water left at the end. [money/hm³]
    pump_generate_balance : ``"none"``, ``"day"`` or ``"week"``: pumped and generated water of the reversible
        units balance in each period (the design basis of the published figure). Days and weeks are those of
        the index's own calendar: the local date of each step (a day across a daylight-saving change has 23
        or 25 hours).
    unit_commitment : Solve a MILP with integer units per mode (minimum stable output, fixed-speed pump band,
        no pumping and generating in the same step).
    loss_segments : Chords of the power–flow curve per group that carry the waterway loss k·Q².
    head_tolerance_m : Convergence tolerance of the successive-head loop: the largest change of any step's
        gross head between two iterations. The default 0.05 m is 0.02 % of Lianghekou's ≈250 m head, so its
        effect on energy is far below the model's other errors; tighter values can cycle on degenerate LP
        optima (alternative schedules of equal value). [m]
    max_iterations : Largest number of successive-head iterations.
    objective_tolerance : Second stopping rule of the successive-head loop, after its first
        ``UNDAMPED_ITERATIONS``: the objective changed by at most this fraction between two iterations.
        Degenerate LPs (renewables behind a binding line) can flip single steps between equally good
        schedules, so the heads at those steps keep moving while the schedule's value no longer does. [-]
    shortfall_penalty_per_mwh, curtailment_penalty_per_mwh : Firming penalties. [money/MWh]
    tracking_penalty_per_mwh : Price of one MWh of deviation from the delivery curve. [money/MWh]
    max_level_change_upper_m_per_h, max_level_change_lower_m_per_h : Level-change limits. [m/h]
    mip_rel_gap : Relative MIP gap at which unit commitment stops; default ``UC_MIP_REL_GAP`` = 1e-3: a
        Lianghekou week (successive head, daily pump–generate balance: five MILPs) is proven to 1e-3 in
        10–16 s on a shared 2-core machine, while at 1e-4 the first MILP is still at a 2.5e-4 gap after
        120 s (measured with ``benchmarks/bench_dispatch.py --uc``). [-]
    time_limit_s : Solver time limit per solve. A solve stopped by it returns status ``"time_limit"`` with the
        best feasible schedule found (and, for a MILP, its gap), if any. [s]
    max_daily_generating_hours : Cap on the reversible units' generation per calendar day, in full-load hours
        of the group (a limit on daily generated energy: hours × rated power). [h]
    generation_mwh : Energy target over the horizon per unit link, by link name (a turbine link, or a
        pump-turbine link's generation): Σ_t P[t]·Δt meets it as ``generation_target`` says, e.g.
        ``{"Lianghekou reversible": 1_397_000.0}``. A target the plant cannot meet comes back
        ``"infeasible"`` with the diagnosis. [MWh]
    generation_target : ``"equal"`` (the default), ``"at_most"`` or ``"at_least"``.
    end_volume_upper_hm3, end_volume_lower_hm3 : End-volume targets of the end conditions ``"at_least_start"``
        (≥) and ``"fixed"`` (=) in place of the start volumes (used by rolling horizons). [hm³]
    start_head_m : Gross head per step to linearise the first solve at, e.g. ``head_m`` of an earlier
        result on a similar case (a warm start for sweeps); the initial heads if not given. Heads outside
        the plant's physical range (from the level limits, ± ``START_HEAD_MARGIN_M``) are refused. [m]
    solver : PuLP solver name for ``backend="pulp"`` (``"PULP_CBC_CMD"`` default, ``"HiGHS"``).
    highs_options : Extra HiGHS options for ``backend="highs"``; each name and value is checked with HiGHS.
    fixed_head_tolerance_m : With ``head="fixed"``: the largest head change (initial heads against the heads
        of the solved volumes) at which the schedule still counts as converged (``math.inf``: no check);
        default the larger of
        ``FIXED_HEAD_MIN_TOLERANCE_M`` (1 m) and ``FIXED_HEAD_RELATIVE`` (2 %) of the mean initial head:
        power is linear in head, and 2 % is the size of the model's other simplifications (a Lianghekou
        day moves the head 1.5 %, a year 10 %). [m]
    previous_release_m3s : Release of the step before the horizon: with a finite ramp limit of the outlet,
        the first step's release keeps the ramp from it (``rolling_dispatch`` carries it across windows). [m³/s]
    water_value_per_hm3, end_volume_hm3, max_level_change_m_per_h : The per-reservoir options by reservoir
        name (for a Network; a Plant's role keywords above fill them for its reservoirs). [money/hm³, hm³, m/h]
    previous_flow_m3s : Flow of the step before the horizon per release link or river sink, by name (for a
        Network; ``previous_release_m3s`` fills it for a Plant). [m³/s]

    Returns
    -------
    DispatchResult
        ``status`` is one of ``"optimal"``, ``"time_limit"``, ``"interrupted"`` (SIGINT or SIGTERM during
        the solve: ``interrupted_by`` names it), ``"infeasible"``, ``"unbounded"``, ``"error"``;
        ``has_solution`` says whether a feasible schedule came back.

    Notes
    -----
    Water balance per step (hm³, exact), c = 0.0036·Δt:
    V_up[t] = V_up[t−1] + c(I_up + Q_pump − Q_conv − Q_gen − S_up);
    V_lo[t] = V_lo[t−1] + c(I_lo + Q_conv + Q_gen + S_up − Q_pump − R_lo).
    Power is linear in flow at a given gross head; the waterway loss enters through ``loss_segments`` chords
    of the concave turbine curve P = ρgηQ(H_g − kQ²)/10⁶ and the convex pump curve
    P = ρgQ(H_g + kQ²)/(η10⁶). Generation is positive, pumping is reported as a positive input.

    While a HiGHS solve runs in the main thread, SIGINT (Ctrl-C) and SIGTERM stop it: the result comes back
    with status ``"interrupted"`` and the best schedule found so far (the previous handlers are restored).

    Examples
    --------
    >>> import pandas as pd
    >>> from hydro_sim.examples import small_pumped_storage, two_price_day
    >>> res = dispatch(small_pumped_storage(), two_price_day(low_per_mwh=100.0, high_per_mwh=400.0))
    >>> res.status, bool(res.schedule["power_pumping_mw"].max() > 0)
    ('optimal', True)
    """
    t_start = time.perf_counter()
    kw = {k: v for k, v in locals().items() if k not in ("plant", "scenario", "start_head_m", "t_start")}
    network, target, opts = _validate(plant, scenario, kw)
    heads = _start_heads(network, scenario, start_head_m)
    with _highs.interruptible():
        return _dispatch(network, target, scenario, opts, heads, t_start)


def _dispatch(
    network: Network,
    plant: Plant | None,
    scenario: Scenario,
    opts: DispatchOptions,
    heads: HeadEstimate,
    t_start: float,
) -> DispatchResult:
    """The successive-head loop and the result (inputs validated; signals recorded by the caller)."""
    backend, head = opts.backend, opts.head
    history: list[float] = []
    objectives: list[float] = []
    build_s = solve_s = 0.0
    n_iter = 0
    solver_iterations = 0
    basis = None
    raw = None
    data: NetworkModelData | None = None
    best: tuple[Any, NetworkModelData, HeadEstimate, int] | None = None  # last solve with a schedule
    converged = False
    converged_by = ""
    fixed_tol_m = math.inf
    while True:
        t0 = time.perf_counter()
        data = build_network_data(network, scenario, opts, heads)
        build_s += time.perf_counter() - t0
        raw = _solve(data, opts, plant, scenario, heads, basis)
        build_s += raw.build_s
        solve_s += raw.solve_s
        solver_iterations += raw.iterations
        n_iter += 1
        if raw.has_solution:
            best = (raw, data, heads, n_iter)
        if raw.status != "optimal" or _highs.received_signal() is not None:
            break
        basis = raw.basis
        q = _frames.column_flows(data, raw.values)
        new_heads = heads_from_solution(
            network, _frames.volumes(data, raw.values), _frames.sink_flows(data, q)
        )
        change = float(np.max(np.abs(new_heads.gross_head_m - heads.gross_head_m)))
        history.append(change)
        objectives.append(raw.objective_value)
        if head == "fixed":
            fixed_tol_m = opts.fixed_head_tolerance_m if opts.fixed_head_tolerance_m is not None else math.nan
            if opts.fixed_head_tolerance_m is None:
                fixed_tol_m = max(
                    FIXED_HEAD_MIN_TOLERANCE_M, FIXED_HEAD_RELATIVE * float(np.mean(heads.gross_head_m))
                )
            converged = change <= fixed_tol_m
            converged_by = "fixed head"
            break
        if change < opts.head_tolerance_m:
            converged = True
            converged_by = "head"
            break
        if (
            n_iter > UNDAMPED_ITERATIONS
            and len(objectives) >= 2
            and abs(objectives[-1] - objectives[-2])
            <= opts.objective_tolerance * max(abs(objectives[-1]), 1.0)
        ):
            converged = True
            converged_by = "objective"
            break
        if n_iter >= opts.max_iterations:
            break
        if n_iter >= UNDAMPED_ITERATIONS:
            # Degenerate LPs can flip between equally good schedules and make the heads cycle; from here on
            # each new estimate moves only half way (under-relaxation), which damps such cycles.
            heads = HeadEstimate(
                gross_head_m=0.5 * (heads.gross_head_m + new_heads.gross_head_m),
                level_masl=0.5 * (heads.level_masl + new_heads.level_masl),
            )
        else:
            heads = new_heads

    assert raw is not None and data is not None
    timings = {"build": build_s, "solve": solve_s}
    signal_name = _highs.received_signal()
    status = "interrupted" if signal_name is not None else raw.status
    common = {
        "backend": backend,
        "head": head,
        "iterations": n_iter,
        "head_history_m": tuple(history),
        "solver_iterations": solver_iterations,
        "interrupted_by": signal_name,
    }
    if best is None:
        if status in ("interrupted", "time_limit", "error"):
            diagnosis, message = None, _stopped_message(status, raw, opts, signal_name, None)
        else:
            diagnosis, message = _diagnose(data, raw, scenario, plant)
        timings["total"] = time.perf_counter() - t_start
        return DispatchResult(
            status=status,
            message=message,
            objective_value=math.nan,
            schedule=empty_frame(scenario.index[:0]),
            simultaneous_modes=empty_frame(),
            head_change_m=history[-1] if history else math.nan,
            converged=False,
            mip_gap=raw.mip_gap,
            timings_s=timings,
            diagnosis=diagnosis,
            **common,
        )

    sol, sol_data, _sol_heads, sol_iter = best
    frame = _frames.network_schedule(sol_data, sol, scenario.index)
    simultaneous = (
        _frames.simultaneous(sol_data, frame, IDLE_FLOW_M3S, plant is not None)
        if not opts.unit_commitment
        else empty_frame()
    )
    schedule = _frames.plant_schedule(plant, sol_data, frame, sol) if plant is not None else frame
    if status == "optimal":
        message = "optimal"
    else:
        converged = False
        message = _stopped_message(status, sol, opts, signal_name, sol_iter if sol is not raw else None)
    if head == "successive" and history and status == "optimal":
        message += (
            (
                f"; successive head converged in {n_iter} iterations (largest head change {history[-1]:.3g} m)"
                if converged_by == "head"
                else f"; successive head converged in {n_iter} iterations on the objective (change ≤ "
                f"{opts.objective_tolerance:g} relative); the largest head change is still "
                f"{history[-1]:.3g} m at steps that flip between equally good schedules"
            )
            if converged
            else f"; successive head NOT converged after {n_iter} iterations (last change {history[-1]:.3g} m "
            f"> {opts.head_tolerance_m} m)"
        )
    elif head == "successive" and status != "optimal":
        message += f"; the successive-head loop stopped after {n_iter} solves"
    if head == "fixed" and history and not converged and status == "optimal":
        text = (
            f"the fixed-head schedule's own heads differ from the initial heads it was solved at by up to "
            f"{history[-1]:.3g} m (more than `fixed_head_tolerance_m`, {fixed_tol_m:.3g} m): its powers are "
            "off by as much and the physics will cut it back; use head='successive'"
        )
        message += "; " + text
        warnings.warn(text, HydroSimWarning, stacklevel=3)
    if not simultaneous.empty:
        message += (
            f"; the reversible units pump and generate at once in {len(simultaneous)} steps "
            f"({simultaneous['simultaneous_mwh'].sum():.6g} MWh); use unit_commitment=True to exclude it"
        )
    timings["total"] = time.perf_counter() - t_start
    # The reported objective is the economic one: the spill tie-break is taken back out.
    q = _frames.column_flows(sol_data, sol.values)
    tie = float(np.sum(sol_data.spill_tie_break_per_m3s[:, None] * _raw_flows(sol_data, sol.values, q)))
    objective_value = 0.0 - (sol.objective_value - tie)
    return DispatchResult(
        status=status,
        message=message,
        objective_value=objective_value,
        schedule=schedule,
        simultaneous_modes=simultaneous,
        head_change_m=history[-1] if history else math.nan,
        converged=converged,
        mip_gap=sol.mip_gap,
        timings_s=timings,
        network=network if plant is None else None,
        **common,
    )


def _raw_flows(d: NetworkModelData, values: dict[str, np.ndarray], q: np.ndarray) -> np.ndarray:
    """(J, T) flows as solved (round-off kept) for the columns with a tie-break cost, else ``q``."""
    out = q.copy()
    for j in np.flatnonzero(d.spill_tie_break_per_m3s).tolist():
        out[j] = values[f"{d.columns[j].name}-flow"]
    return out


def _stopped_message(
    status: str, raw: Any, opts: DispatchOptions, signal_name: str | None, earlier_iteration: int | None
) -> str:
    """The message of a solve that stopped early or failed: why, and what schedule (if any) came back."""
    if status == "time_limit":
        head = f"stopped at the time limit ({opts.time_limit_s:g} s)"
    elif status == "interrupted":
        head = f"interrupted by {signal_name or 'a user interrupt'}"
    else:
        return (
            f"error: the solver stopped without a solution ({raw.solver_message}); this is numerical "
            "trouble or a solver failure, not a property of the plant: try the other backend, "
            "highs_options={'solver': 'ipm'} or a rescaled plant"
        )
    if not raw.has_solution:
        return f"{head} without a feasible schedule"
    if earlier_iteration is not None:
        return (
            f"{head}; the schedule is that of successive-head iteration {earlier_iteration}, optimal at its "
            "heads"
        )
    if raw.status == "optimal":
        return f"{head} after the last solve had finished: the schedule is optimal at its heads"
    if raw.mip_gap is not None and math.isfinite(raw.mip_gap):
        return f"{head} with a feasible schedule within {100 * raw.mip_gap:.3g} % of the optimum (MIP gap)"
    return f"{head} with a feasible schedule, not proven optimal"


def _solve(
    data: NetworkModelData,
    opts: DispatchOptions,
    plant: Plant | None,
    scenario: Scenario,
    heads: HeadEstimate,
    basis: Any,
) -> Any:
    if opts.backend == "highs":
        highs_options = dict(opts.highs_options) if opts.highs_options is not None else None
        raw, _ = _highs.solve(data, basis=basis, highs_options=highs_options)
        return raw
    from hydro_sim.optimise import _pulp

    return _pulp.solve(data, solver=opts.solver)


# ---- diagnosis --------------------------------------------------------------------------------------------
#: Soft families of the elastic model: kind → (text for a Network, text's unit for the lower and upper side,
#: the legacy family stem of a Plant's first and second reservoir or its outlet / reversible units).
_SOFT_KINDS = {
    "volume": (
        "{side} level of reservoir '{e}'",
        ("hm³ short of the minimum volume", "hm³ above the maximum volume"),
    ),
    "end": (
        "end volume of reservoir '{e}' ({side} its target)",
        ("hm³ short of the end target", "hm³ above the end target"),
    ),
    "min_flow": ("environmental minimum flow of '{e}'", ("m³/s short", "")),
    "join_ramp": (
        "ramp limit of '{e}' from the previous flow ({side})",
        ("m³/s beyond the ramp", "m³/s beyond the ramp"),
    ),
    "ramp": ("ramp limit of '{e}' ({side})", ("m³/s beyond the ramp", "m³/s beyond the ramp")),
    "level_change": (
        "level-change limit of reservoir '{e}' ({side})",
        ("hm³ beyond the limit", "hm³ beyond the limit"),
    ),
    "pump_generate_balance": (
        "pump–generate water balance of '{e}' over the period",
        ("m³/s·steps more pumped than generated", "m³/s·steps more generated than pumped"),
    ),
    "generation_cap": ("daily cap on the generation of '{e}'", ("", "MWh above the cap")),
    "energy_target": (
        "energy target of '{e}' over the horizon",
        ("MWh short of the target", "MWh above the target"),
    ),
}
_SIDE_WORD = {
    "volume": ("minimum", "maximum"),
    "end": ("≥", "="),
    "join_ramp": ("falling", "rising"),
    "ramp": ("falling", "rising"),
    "level_change": ("falling", "rising"),
}


def _parse_soft(name: str) -> tuple[str, str, str]:
    """``"{element}-{kind}_{lo|hi}"`` → (element, kind, side)."""
    base, side = name.rsplit("_", 1)
    for kind in _SOFT_KINDS:  # longest first where one ends another ("join_ramp" before "ramp")
        if base.endswith("-" + kind):
            return base[: -len(kind) - 1], kind, side
    raise AssertionError(name)


def _legacy_label(plant: Plant, d: NetworkModelData, element: str, kind: str, side: str) -> tuple[str, str]:
    """A Plant's soft family (``vup_lo``, ``env_lo``, …) and its former sentence."""
    names = d.reservoir_names
    _role, stem = ("upper", "up") if element == names[0] else ("lower", "lo")
    legacy = {
        "volume": f"v{stem}_{side}",
        "end": f"end_{stem}_{side}",
        "min_flow": f"env_{side}",
        "ramp": f"ramp_{side}",
        "join_ramp": f"join_ramp_{side}",
        "level_change": f"dlev_{stem}_{side}",
        "pump_generate_balance": f"pgbal_{side}",
        "generation_cap": f"gencap_{side}",
        "energy_target": f"etarget_{side}",
    }[kind]
    return legacy, _SOFT_TEXT[legacy][0]


def _diagnose(
    d: NetworkModelData, raw: Any, scenario: Scenario, plant: Plant | None
) -> tuple[pd.DataFrame | None, str]:
    """Find which limit of which element cannot hold, and from which step, by re-solving with penalised
    slacks."""
    if raw.status == "unbounded":
        return None, (
            "unbounded: the objective can grow without limit; check for negative penalties or water "
            "values, or a missing line capacity with negative prices"
        )
    if raw.status != "infeasible":
        return None, f"{raw.status}: the solver stopped without a solution ({raw.solver_message})"
    elastic, slacks = _highs.solve(d, elastic=True)
    if elastic.status == "interrupted":
        return None, "infeasible (the diagnosis of which limit cannot hold was interrupted)"
    if elastic.status != "optimal":
        return None, (
            "infeasible: even with every operating limit relaxed the water balance cannot close "
            "(a reservoir would have to hold negative water); check the inflows and the start volumes"
        )
    periods = {pt.link: pt for pt in d.pump_turbines}
    rows = []
    for name, e in slacks.items():
        broken = np.flatnonzero(e > DIAGNOSIS_TOLERANCE)
        if broken.size == 0:
            continue
        element, kind, side = _parse_soft(name)
        k = 0 if side == "lo" else 1
        template, units = _SOFT_KINDS[kind]
        word = _SIDE_WORD.get(kind, ("", ""))[k]
        if plant is not None:
            family, text = _legacy_label(plant, d, element, kind, side)
        else:
            family, text = name, template.format(e=element, side=word)
        first = int(broken[0])
        if kind == "end":
            first = d.T - 1
        elif kind == "generation_cap":
            first = int(periods[element].gen_cap_periods[first][0])
        elif kind == "pump_generate_balance":
            first = int(periods[element].balance_periods[first][0])
        elif kind == "ramp":
            first += 1
        rows.append(
            {
                "constraint": text,
                "family": family,
                "element": element,
                "first_step": first,
                "first_time": scenario.index[first],
                "steps_broken": int(broken.size),
                "largest_violation": float(e.max()),
                "violation_unit": units[k],
            }
        )
    if not rows:
        return None, (
            "infeasible: the solver reports no feasible schedule, but no operating limit is broken in "
            "the penalised-slack model (numerical trouble); try another backend"
        )
    table = pd.DataFrame(rows).sort_values(["first_step", "family"]).reset_index(drop=True)
    top = table.iloc[0]
    msg = (
        f"infeasible: the {top['constraint']} cannot hold from step {top['first_step']} "
        f"({top['first_time']:%Y-%m-%d %H:%M}); broken in {top['steps_broken']} steps, by up to "
        f"{top['largest_violation']:.4g} {top['violation_unit']}"
    )
    if len(table) > 1:
        others = "; ".join(f"{r.constraint} from step {r.first_step}" for r in table.iloc[1:].itertuples())
        msg += f". Also: {others}"
    return table, msg


def export_model(
    plant: Plant | Network, scenario: Scenario, path: str | os.PathLike[str], **options: Any
) -> Path:
    """Write the dispatch model, linearised at the initial heads, as an ``.lp`` or ``.mps`` file.

    The file holds the same model that :func:`dispatch` solves with ``head="fixed"``, for reading or for
    solving with another tool: for a Plant written by the PuLP backend (rows ``bal_up_0``, …), for a Network
    by HiGHS, with the element names of the model: ``Yagen-I-balance[0]`` is written ``Yagen-I-balance(0)``
    in MPS, ``Yagen.I.balance(0)`` in LP (which takes no ``-`` in a name); spaces become ``_``.

    Parameters
    ----------
    plant : The plant or network.
    scenario : Inflows, prices, renewables and limits.
    path : File to write; its suffix chooses the format: ``.lp`` (CPLEX LP) or ``.mps``.
    **options : Any keyword option of :func:`dispatch`, validated the same way; those of the solver and of
        the head iteration (``backend``, ``head``, ``head_tolerance_m``, ``max_iterations``, ``solver``,
        ``highs_options``, ``time_limit_s``, ``mip_rel_gap``) do not change the written model.

    Returns
    -------
    The path written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from hydro_sim.examples import small_pumped_storage, two_price_day
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = export_model(small_pumped_storage(), two_price_day(), pathlib.Path(tmp) / "day.lp")
    ...     "upper.balance(0)" in out.read_text()
    True
    """
    defaults = {
        name: p.default
        for name, p in inspect.signature(dispatch).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise iv.fail(
            "options",
            f"must be keyword options of dispatch() ({', '.join(defaults)})",
            ", ".join(unknown),
            "export_model()",
        )
    if not isinstance(path, (str, os.PathLike)):
        raise iv.fail(
            "path", "must be a file path (str or pathlib.Path) ending in .lp or .mps", path, "export_model()"
        )
    network, _, opts = _validate(plant, scenario, {**defaults, **options})
    heads = _start_heads(network, scenario, options.get("start_head_m"))
    from hydro_sim.optimise import _pulp

    return _pulp.export(build_network_data(network, scenario, opts, heads), path)
