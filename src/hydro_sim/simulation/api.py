"""``simulate``: run schedules or rules through the nonlinear physics for many scenarios at once."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.network import Network
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import _kernel as K
from hydro_sim.simulation._network_sim import (
    NetworkSimulationResult,
    need_series,
    scenario_position,
    simulate_network,
)
from hydro_sim.simulation.policies import (
    FunctionPolicy,
    PolicyState,
    ReplayPolicy,
    Requests,
    TouRulePolicy,
    lower_target_volume_hm3,
)

__all__ = ["SimulationResult", "simulate"]

_OUT = (
    "q_conv",
    "q_gen",
    "q_pump",
    "spill",
    "release",
    "v_up",
    "v_lo",
    "p_conv",
    "p_gen",
    "p_pump",
    "head",
    "cut_conv",
    "cut_gen",
    "cut_pump",
    "cut_release",
)
_CODES = ("code_conv", "code_gen", "code_pump", "code_release")
_COLUMNS = {
    "q_conv": "flow_conventional_m3s",
    "q_gen": "flow_generating_m3s",
    "q_pump": "flow_pumping_m3s",
    "spill": "spill_upper_m3s",
    "release": "release_lower_m3s",
    "v_up": "volume_upper_hm3",
    "v_lo": "volume_lower_hm3",
    "p_conv": "power_conventional_mw",
    "p_gen": "power_generating_mw",
    "p_pump": "power_pumping_mw",
    "head": "head_m",
}


@dataclass(frozen=True, kw_only=True, eq=False)
class SimulationResult:
    """Arrays shaped (scenarios, steps) from :func:`simulate`, with views for people.

    Attributes
    ----------
    index : Time stamps of the steps.
    scenario_names : One name per scenario.
    arrays : ``flow_conventional_m3s``, ``flow_generating_m3s``, ``flow_pumping_m3s``, ``spill_upper_m3s``,
        ``release_lower_m3s``, ``volume_upper_hm3``, ``volume_lower_hm3`` (end of step), ``power_*_mw``,
        ``head_m`` (mid-step gross head), ``inflow_upper_m3s``, ``inflow_lower_m3s``, ``price_per_mwh``,
        ``line_mw`` (the net exchange P_conv + P_gen − P_pump, export positive, as the LP's ``line_mw``),
        ``line_capacity_mw`` (the line's limit each step, both ways; infinite for none), and the cut-backs
        ``cut_*_m3s`` with their limit codes ``limit_*``.
    initial_volume_upper_hm3, initial_volume_lower_hm3 : Start volumes, (scenarios,). [hm³]
    energy_shortfall_mwh : Energy a power request asked for and did not get, per group, (scenarios, steps).
    dt_h : Step length. [h]
    record : ``"all"`` (every series above) or ``"totals"`` (``arrays`` and ``energy_shortfall_mwh`` are
        empty; the per-scenario :attr:`totals` and :meth:`cutback_summary` hold the results).
    totals : Per scenario (rows, in scenario order): water moved over the run [hm³], energies and revenue
        [MWh, money], energy shortfalls of power requests [MWh], the lowest and highest volume and level of
        each reservoir over the run (start included), the final volumes, and each reservoir's water
        balance error over the run [hm³]. Filled in both record modes.
    cut_water_hm3, cut_steps : Cut-backs tallied per scenario, group (conventional, generating, pumping,
        release) and limit code 0–11 (names in ``_kernel.LIMIT_NAMES``; 9 and 10 are the line's export and
        import, 11 the release ramp), (scenarios, 4, 12): water [hm³] and number of steps.
    timings_s : ``kernel`` (the compiled physics, summed over its calls) and ``total`` wall times. [s]
    """

    index: pd.DatetimeIndex
    scenario_names: tuple[str, ...]
    arrays: dict[str, np.ndarray]
    initial_volume_upper_hm3: np.ndarray
    initial_volume_lower_hm3: np.ndarray
    energy_shortfall_mwh: dict[str, np.ndarray]
    dt_h: float
    has_lower: bool
    record: str
    totals: pd.DataFrame
    cut_water_hm3: np.ndarray
    cut_steps: np.ndarray
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def n_scenarios(self) -> int:
        return len(self.scenario_names)

    def _need_series(self, what: str) -> None:
        need_series(self.record, what, f"SimulationResult.{what}")

    def frame(self, scenario: int | str = 0) -> pd.DataFrame:
        """One scenario (its position, or its name) as a DataFrame with unit-suffixed columns (like a dispatch
        schedule)."""
        self._need_series("frame()")
        s = self._scenario_position(scenario, "SimulationResult.frame()")
        cols = [c for c in self.arrays if not c.startswith("limit_")]
        return pd.DataFrame({c: self.arrays[c][s] for c in cols}, index=self.index)

    def _scenario_position(self, scenario: Any, where: str) -> int:
        return scenario_position(self.scenario_names, scenario, where)

    def energy_mwh(self) -> pd.DataFrame:
        """Energy per scenario: conventional and reversible generation and pumping. [MWh]"""
        return self.totals[["conventional_generation_mwh", "reversible_generation_mwh", "pumping_mwh"]].copy()

    def water_balance_error_hm3(self) -> float:
        """Largest absolute error of either reservoir's water balance over all steps and scenarios; with
        ``record="totals"``, over the whole run of each scenario (start, flows and final volume). [hm³]"""
        if self.record != "all":
            cols = ["water_balance_error_upper_hm3"] + (
                ["water_balance_error_lower_hm3"] if self.has_lower else []
            )
            return float(np.abs(self.totals[cols].to_numpy()).max())
        return water_balance_max_error_hm3(
            self.arrays,
            initial_volume_upper_hm3=self.initial_volume_upper_hm3,
            initial_volume_lower_hm3=self.initial_volume_lower_hm3 if self.has_lower else None,
            dt_h=self.dt_h,
        )

    def cutbacks(self) -> pd.DataFrame:
        """Every cut-back: scenario, step, time, group, limit, water [hm³] and energy not delivered [MWh]."""
        self._need_series("cutbacks()")
        rows = []
        c = HM3_PER_M3S_HOUR * self.dt_h
        for group, cut, code in (
            ("conventional", "cut_conventional_m3s", "limit_conventional"),
            ("generating", "cut_generating_m3s", "limit_generating"),
            ("pumping", "cut_pumping_m3s", "limit_pumping"),
            ("release", "cut_release_m3s", "limit_release"),
        ):
            codes = self.arrays[code]
            s_idx, t_idx = np.nonzero(codes)
            energy = self.energy_shortfall_mwh.get(group)
            for s, t in zip(s_idx, t_idx, strict=True):
                rows.append(
                    {
                        "scenario": self.scenario_names[s],
                        "step": int(t),
                        "time": self.index[t],
                        "group": group,
                        "limit": K.LIMIT_NAMES[int(codes[s, t])],
                        "water_hm3": float(self.arrays[cut][s, t] * c),
                        "energy_mwh": float(energy[s, t]) if energy is not None else 0.0,
                    }
                )
        frame = pd.DataFrame(
            rows, columns=["scenario", "step", "time", "group", "limit", "water_hm3", "energy_mwh"]
        )
        return frame.sort_values(["scenario", "step", "group"], kind="stable").reset_index(drop=True)

    def cutback_summary(self) -> pd.DataFrame:
        """Cut-backs tallied per scenario, group and limit: steps and water [hm³] (both record modes)."""
        rows = []
        for s_i, name in enumerate(self.scenario_names):
            for g, group in enumerate(_GROUPS):
                for code in np.nonzero(self.cut_steps[s_i, g])[0]:
                    rows.append(
                        {
                            "scenario": name,
                            "group": group,
                            "limit": K.LIMIT_NAMES.get(int(code), "none"),
                            "steps": int(self.cut_steps[s_i, g, code]),
                            "water_hm3": float(self.cut_water_hm3[s_i, g, code]),
                        }
                    )
        return pd.DataFrame(rows, columns=["scenario", "group", "limit", "steps", "water_hm3"])


_GROUPS = ("conventional", "generating", "pumping", "release")
#: A start volume this far outside a reservoir's operating range counts as round-off (e.g. a volume read
#: back from a level) and is moved onto the bound; 1 m³. [hm³]
START_VOLUME_TOL_HM3 = 1e-6


def _rows(values: list[np.ndarray]) -> np.ndarray:
    """Stack one series per scenario into (scenarios, steps), or keep one row when all are equal (the
    kernel reads a one-row input for every scenario, which saves memory and time on large batches)."""
    first = values[0]
    if all(v is first or np.array_equal(v, first) for v in values[1:]):
        return np.ascontiguousarray(first, dtype=float).reshape(1, -1)
    return np.stack(values).astype(float, copy=False)


def _stack(scenarios: Scenario | Sequence[Scenario]) -> tuple[list[Scenario], pd.DatetimeIndex]:
    where = "simulate()"
    if isinstance(scenarios, Scenario):
        items = [scenarios]
    elif isinstance(scenarios, Sequence | Iterator) and not isinstance(scenarios, str | bytes):
        items = list(scenarios)
    else:
        raise iv.fail(
            "scenarios",
            "must be a Scenario or a sequence (list, tuple) of them",
            type(scenarios).__name__,
            where,
        )
    if not items:
        raise iv.fail("scenarios", "must hold at least one Scenario", 0, where)
    for i, sc in enumerate(items):
        if not isinstance(sc, Scenario):
            raise iv.fail(f"scenarios[{i}]", "must be a hydro_sim.Scenario", type(sc).__name__, where)
        if not sc.index.equals(items[0].index):
            raise iv.fail(
                f"scenarios[{i}].index",
                "must equal the first scenario's index (same steps)",
                f"{sc.n_steps} steps from {sc.index[0]}",
                where,
            )
    return items, items[0].index


@overload
def simulate(
    plant: Plant,
    scenarios: Scenario | Sequence[Scenario],
    policy: Any,
    *,
    initial_volume_upper_hm3: float | np.ndarray | None = None,
    initial_volume_lower_hm3: float | np.ndarray | None = None,
    initial_volume_hm3: Mapping[str, Any] | None = None,
    record: str = "all",
    unit_limits: bool = True,
) -> SimulationResult: ...


@overload
def simulate(
    plant: Network,
    scenarios: Scenario | Sequence[Scenario],
    policy: Any,
    *,
    initial_volume_upper_hm3: float | np.ndarray | None = None,
    initial_volume_lower_hm3: float | np.ndarray | None = None,
    initial_volume_hm3: Mapping[str, Any] | None = None,
    record: str = "all",
    unit_limits: bool = True,
) -> NetworkSimulationResult: ...


def simulate(
    plant: Plant | Network,
    scenarios: Scenario | Sequence[Scenario],
    policy: Any,
    *,
    initial_volume_upper_hm3: float | np.ndarray | None = None,
    initial_volume_lower_hm3: float | np.ndarray | None = None,
    initial_volume_hm3: Mapping[str, Any] | None = None,
    record: str = "all",
    unit_limits: bool = True,
) -> SimulationResult | NetworkSimulationResult:
    """Run a policy through the nonlinear physics for many scenarios at once.

    Parameters
    ----------
    plant : The plant, or a :class:`~hydro_sim.network.Network` (then the result is a
        :class:`~hydro_sim.simulation._network_sim.NetworkSimulationResult` in element columns).
    scenarios : One Scenario or a sequence of them on the same index (e.g. Monte-Carlo inflow years).
    policy : :class:`ReplayPolicy`, :class:`TouRulePolicy` or :class:`FunctionPolicy`.
    initial_volume_upper_hm3, initial_volume_lower_hm3 : Start volumes, scalar or one per scenario, each
        within the reservoir's operating range at the first step; the plant's initial levels if not given.
        [hm³]
    initial_volume_hm3 : For a network: start volumes by reservoir name (scalar or one per scenario);
        the reservoirs' initial levels for those not given. [hm³]
    unit_limits : For a network: enforce the units' minimum stable output and the fixed-speed pump band
        (the LP has them in unit-commitment mode). Default True.
    record : ``"all"`` keeps every series per scenario and step; ``"totals"`` keeps only the per-scenario
        totals, extremes and cut-back tallies (:attr:`SimulationResult.totals`), which is what large
        Monte-Carlo batches need: no (scenarios, steps) output is written, so memory stays flat and the
        run is several times faster.

    Returns
    -------
    SimulationResult

    Notes
    -----
    Each step: V_up ← V_up + c(I_up + Q_pump − Q_conv − Q_gen − S_up); V_lo ← V_lo + c(I_lo + Q_conv + Q_gen +
    S_up − Q_pump − R_lo), c = 0.0036·Δt, exactly. Turbine power P = ρgηQ(H_g − kQ²)/10⁶, pump input
    P = ρgQ(H_g + kQ²)/(η10⁶), at the mid-step gross head from both reservoirs' level–volume curves, with
    efficiency curves at the per-unit flow of the units running. Decisions that would break a limit are cut
    back and recorded (see :meth:`SimulationResult.cutbacks`), the grid line included: the net exchange
    P_conv + P_gen − P_pump stays within ±``plant.line.capacity_mw`` and the scenario's ``line_capacity_mw``
    (export: reversible generation cut first, then conventional; import: pumping cut), and the outlet's
    release ramp ``max_ramp_m3s_per_h`` from the second step on (plants with a lower reservoir).

    A :class:`~hydro_sim.network.Network` runs on the network kernel (:mod:`hydro_sim.simulation._engine`):
    any number of reservoirs (upstream first) and unit groups, heads from both ends of every link, inflows
    from ``Network.inflows_m3s``, and every limit of the LP per element, the units' minimum stable output,
    fixed-speed pump band and head range included; requests and frames in element columns
    (``"{column} flow_m3s"``, ``"{column} power_mw"``). A Plant still runs on the two-reservoir kernel
    (:mod:`hydro_sim.simulation._kernel`), with its legacy columns.

    Raises
    ------
    HydroSimInputError
        For an argument of the wrong kind (naming it, its value and the rule) or a start volume outside a
        reservoir's operating range.

    Examples
    --------
    >>> from hydro_sim.examples import small_pumped_storage, two_price_day
    >>> from hydro_sim.simulation.policies import TouRulePolicy
    >>> res = simulate(small_pumped_storage(), two_price_day(), TouRulePolicy(
    ...     pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=300.0))
    >>> res.water_balance_error_hm3() < 1e-9
    True
    """
    where = "simulate()"
    t_start = time.perf_counter()
    if not isinstance(plant, Plant | Network):
        raise iv.fail("plant", "must be a hydro_sim.Plant or a Network", type(plant).__name__, where)
    if not isinstance(record, str) or record not in ("all", "totals"):
        raise iv.fail("record", "must be 'all' or 'totals'", record, where)
    items, index = _stack(scenarios)
    if not isinstance(policy, ReplayPolicy | TouRulePolicy | FunctionPolicy):
        raise iv.fail(
            "policy", "must be a ReplayPolicy, TouRulePolicy or FunctionPolicy", type(policy).__name__, where
        )
    if isinstance(plant, Network):
        for name, value in (
            ("initial_volume_upper_hm3", initial_volume_upper_hm3),
            ("initial_volume_lower_hm3", initial_volume_lower_hm3),
        ):
            if value is not None:
                raise iv.fail(
                    name,
                    "must be None for a Network (give `initial_volume_hm3` by reservoir name)",
                    value,
                    where,
                )
        return simulate_network(
            plant,
            items,
            index,
            policy,
            initial_volume_hm3=initial_volume_hm3,
            record=record,
            unit_limits=bool(unit_limits),
        )
    if initial_volume_hm3 is not None:
        raise iv.fail(
            "initial_volume_hm3",
            "must be None for a Plant (give `initial_volume_upper_hm3` / `initial_volume_lower_hm3`)",
            initial_volume_hm3,
            where,
        )
    S, T = len(items), len(index)
    dt = items[0].dt_h
    c = HM3_PER_M3S_HOUR * dt
    # One row when every scenario has the same series (the kernel reads it for all of them).
    inflow_up = _rows([sc.inflow_upper_m3s.to_numpy(dtype=float) for sc in items])
    inflow_lo = _rows([sc.inflow_lower_m3s.to_numpy(dtype=float) for sc in items])
    price = _rows([sc.price_per_mwh.to_numpy(dtype=float) for sc in items])
    # Every array goes to the kernel C-contiguous and writable (a read-only view, e.g. from pandas, is
    # copied: for one-row inputs that costs nothing), so that the kernel compiles once, for one signature.
    inflow_up, inflow_lo, price = _plain(inflow_up), _plain(inflow_lo), _plain(price)
    line_cap = _plain(_rows([_line_capacity_mw(plant, sc) for sc in items]))

    if plant.lower is None and initial_volume_lower_hm3 is not None:
        raise iv.fail(
            "initial_volume_lower_hm3",
            f"must be None: plant '{plant.name}' has no lower reservoir",
            initial_volume_lower_hm3,
            where,
        )

    def start(value: Any, reservoir: Any, name: str) -> np.ndarray:
        if reservoir is None:
            return np.zeros(S)
        if value is None:
            return np.full(S, reservoir.initial_volume_hm3)
        arr = _per_scenario(name, value, S, where)
        if not np.all(np.isfinite(arr)):
            raise iv.fail(name, "must be finite", arr.tolist(), where)
        # the operating range at the first step (the reservoir's bounds then: e.g. a flood-limit level)
        lo, hi = (float(np.asarray(b)[0]) for b in reservoir.volume_bounds_hm3(index[:1]))
        bad = (arr < lo - START_VOLUME_TOL_HM3) | (arr > hi + START_VOLUME_TOL_HM3)
        if bad.any():
            k = int(np.argmax(bad))
            which = f" (scenario {k}, '{items[k].name}')" if S > 1 else ""
            raise iv.fail(
                name,
                f"must lie in reservoir '{reservoir.name}''s operating range at the first step, "
                f"{lo:g} to {hi:g} hm³{which}",
                float(arr[k]),
                where,
            )
        return np.clip(arr, lo, hi)

    v_up = start(initial_volume_upper_hm3, plant.upper, "initial_volume_upper_hm3")
    v_lo = start(initial_volume_lower_hm3, plant.lower, "initial_volume_lower_hm3")
    v_up0, v_lo0 = v_up.copy(), v_lo.copy()

    if isinstance(policy, ReplayPolicy):
        req = policy.requests(plant, index, S)
    elif isinstance(policy, TouRulePolicy):
        req = policy.requests_for(plant, price, inflow_up)
    else:
        req = None

    keep = record == "all"
    shape = (S, T) if keep else (1, 1)
    out = {k: np.zeros(shape) for k in _OUT}
    out.update({k: np.zeros(shape, dtype=np.int8) for k in _CODES})
    totals = np.zeros((S, K.N_TOT))
    totals[:, [K.TOT_VUP_MIN, K.TOT_VLO_MIN]] = np.inf
    totals[:, [K.TOT_VUP_MAX, K.TOT_VLO_MAX]] = -np.inf
    cut_water = np.zeros((S, 4, K.N_LIMITS))
    cut_steps = np.zeros((S, 4, K.N_LIMITS), dtype=np.int64)
    tallies = (totals, cut_water, cut_steps, keep)
    args = _static_args(plant, index, c)
    args["has_line"] = bool(np.isfinite(line_cap).any())
    args["line_cap"] = line_cap
    args["r_prev"] = np.full(S, np.nan)  # no release before the first step: the first one is free
    t_kernel = 0.0

    if req is not None:
        req = dataclasses.replace(
            req,
            conventional=_plain(req.conventional),
            generating=_plain(req.generating),
            pumping=_plain(req.pumping),
            spill_m3s=_plain(req.spill_m3s),
            release_m3s=_plain(req.release_m3s),
            lower_target_volume_hm3=_plain(req.lower_target_volume_hm3),
        )
        t_kernel = _run(args, 0, T, inflow_up, inflow_lo, price, req, v_up, v_lo, tallies, out)
    else:
        assert isinstance(policy, FunctionPolicy)
        target = lower_target_volume_hm3(plant, policy.lower_target_level_masl, "FunctionPolicy")
        req = _empty_requests(S, T, target)
        for t in range(T):
            state = PolicyState(
                t=t,
                time=index[t],
                volume_upper_hm3=v_up.copy(),
                volume_lower_hm3=v_lo.copy(),
                level_upper_masl=np.asarray(plant.upper.curve.level_masl_at(v_up)),
                level_lower_masl=(
                    np.asarray(plant.lower.curve.level_masl_at(v_lo))
                    if plant.lower is not None
                    else np.full(S, plant.tailwater_level_masl)
                ),
                inflow_upper_m3s=_row_at(inflow_up, t, S),
                inflow_lower_m3s=_row_at(inflow_lo, t, S),
                price_per_mwh=_row_at(price, t, S),
            )
            _apply_decision(req, t, policy.decide(state), S)
            t_kernel += _run(args, t, t + 1, inflow_up, inflow_lo, price, req, v_up, v_lo, tallies, out)

    names = tuple(sc.name for sc in items)
    has_lower = plant.lower is not None
    arrays: dict[str, np.ndarray] = {}
    shortfall: dict[str, np.ndarray] = {}
    if keep:
        arrays = {_COLUMNS[k]: out[k] for k in _COLUMNS}
        if not has_lower:
            arrays.pop("volume_lower_hm3")
            arrays["release_m3s"] = arrays.pop("release_lower_m3s")
        arrays["inflow_upper_m3s"] = np.broadcast_to(inflow_up, (S, T))
        arrays["inflow_lower_m3s"] = np.broadcast_to(inflow_lo, (S, T))
        arrays["price_per_mwh"] = np.broadcast_to(price, (S, T))
        arrays["line_mw"] = out["p_conv"] + out["p_gen"] - out["p_pump"]
        arrays["line_capacity_mw"] = np.broadcast_to(line_cap, (S, T))
        for k, name in (
            ("cut_conv", "conventional"),
            ("cut_gen", "generating"),
            ("cut_pump", "pumping"),
            ("cut_release", "release"),
        ):
            arrays[f"cut_{name}_m3s"] = out[k]
        for k, name in (
            ("code_conv", "conventional"),
            ("code_gen", "generating"),
            ("code_pump", "pumping"),
            ("code_release", "release"),
        ):
            arrays[f"limit_{name}"] = out[k]
        for group, flag, key in (
            ("conventional", req.conventional_is_power, "p_conv"),
            ("generating", req.generating_is_power, "p_gen"),
            ("pumping", req.pumping_is_power, "p_pump"),
        ):
            if flag:
                requested = {
                    "conventional": req.conventional,
                    "generating": req.generating,
                    "pumping": req.pumping,
                }[group]
                # A request of "as much as the units give" (a huge number) has no shortfall to record.
                finite_req = np.where(requested >= K.FULL_POWER_MW, out[key], requested)
                shortfall[group] = np.maximum(finite_req - out[key], 0.0) * dt
    return SimulationResult(
        index=index,
        scenario_names=names,
        arrays=arrays,
        initial_volume_upper_hm3=v_up0,
        initial_volume_lower_hm3=v_lo0,
        energy_shortfall_mwh=shortfall,
        dt_h=dt,
        has_lower=has_lower,
        record=record,
        totals=_totals_frame(plant, names, totals, v_up0, v_lo0, v_up, v_lo, c, dt),
        cut_water_hm3=cut_water * c,
        cut_steps=cut_steps,
        timings_s={"kernel": t_kernel, "total": time.perf_counter() - t_start},
    )


def _line_capacity_mw(plant: Plant, scenario: Scenario) -> np.ndarray:
    """The line's limit per step, in both directions: the scenario's ``line_capacity_mw`` series (e.g. an
    outage) within the plant's ``line.capacity_mw`` rating, as the LP has it; infinite for no limit. [MW]"""
    rating = float(plant.line.capacity_mw)
    if scenario.line_capacity_mw is None:
        return np.full(scenario.n_steps, rating)
    return np.minimum(scenario.line_capacity_mw.to_numpy(dtype=float), rating)


def _row_at(values: np.ndarray, t: int, S: int) -> np.ndarray:
    """Column t of a (scenarios or 1, steps) input as (scenarios,)."""
    return np.broadcast_to(values[:, t], (S,)).copy()


def _totals_frame(
    plant: Plant,
    names: tuple[str, ...],
    tot: np.ndarray,
    v_up0: np.ndarray,
    v_lo0: np.ndarray,
    v_up: np.ndarray,
    v_lo: np.ndarray,
    c: float,
    dt: float,
) -> pd.DataFrame:
    """The kernel's per-scenario sums as a DataFrame with unit-suffixed columns."""
    has_lower = plant.lower is not None
    release = "release_lower_hm3" if has_lower else "release_hm3"
    f = {
        "inflow_upper_hm3": tot[:, K.TOT_IN_UP] * c,
        "inflow_lower_hm3": tot[:, K.TOT_IN_LO] * c,
        "flow_conventional_hm3": tot[:, K.TOT_Q_CONV] * c,
        "flow_generating_hm3": tot[:, K.TOT_Q_GEN] * c,
        "flow_pumping_hm3": tot[:, K.TOT_Q_PUMP] * c,
        "spill_upper_hm3": tot[:, K.TOT_SPILL] * c,
        release: tot[:, K.TOT_RELEASE] * c,
        "conventional_generation_mwh": tot[:, K.TOT_P_CONV] * dt,
        "reversible_generation_mwh": tot[:, K.TOT_P_GEN] * dt,
        "pumping_mwh": tot[:, K.TOT_P_PUMP] * dt,
        "revenue": tot[:, K.TOT_REVENUE] * dt,
        "shortfall_conventional_mwh": tot[:, K.TOT_SHORT_CONV] * dt,
        "shortfall_generating_mwh": tot[:, K.TOT_SHORT_GEN] * dt,
        "shortfall_pumping_mwh": tot[:, K.TOT_SHORT_PUMP] * dt,
        "volume_upper_min_hm3": tot[:, K.TOT_VUP_MIN],
        "volume_upper_max_hm3": tot[:, K.TOT_VUP_MAX],
        "level_upper_min_masl": np.asarray(
            plant.upper.curve.level_masl_at(tot[:, K.TOT_VUP_MIN]), dtype=float
        ),
        "level_upper_max_masl": np.asarray(
            plant.upper.curve.level_masl_at(tot[:, K.TOT_VUP_MAX]), dtype=float
        ),
        "final_volume_upper_hm3": v_up.copy(),
    }
    # V_end − V_start − c Σ(in − out): the run's water balance, to round-off
    f["water_balance_error_upper_hm3"] = (
        v_up
        - v_up0
        - c
        * (
            tot[:, K.TOT_IN_UP]
            + tot[:, K.TOT_Q_PUMP]
            - tot[:, K.TOT_Q_CONV]
            - tot[:, K.TOT_Q_GEN]
            - tot[:, K.TOT_SPILL]
        )
    )
    if has_lower:
        assert plant.lower is not None
        f.update(
            {
                "volume_lower_min_hm3": tot[:, K.TOT_VLO_MIN],
                "volume_lower_max_hm3": tot[:, K.TOT_VLO_MAX],
                "level_lower_min_masl": np.asarray(
                    plant.lower.curve.level_masl_at(tot[:, K.TOT_VLO_MIN]), dtype=float
                ),
                "level_lower_max_masl": np.asarray(
                    plant.lower.curve.level_masl_at(tot[:, K.TOT_VLO_MAX]), dtype=float
                ),
                "final_volume_lower_hm3": v_lo.copy(),
                "water_balance_error_lower_hm3": v_lo
                - v_lo0
                - c
                * (
                    tot[:, K.TOT_IN_LO]
                    + tot[:, K.TOT_Q_CONV]
                    + tot[:, K.TOT_Q_GEN]
                    + tot[:, K.TOT_SPILL]
                    - tot[:, K.TOT_Q_PUMP]
                    - tot[:, K.TOT_RELEASE]
                ),
            }
        )
    return pd.DataFrame(f, index=pd.Index(names, name="scenario"))


def _empty_requests(S: int, T: int, target: float) -> Requests:
    z = np.zeros((S, T))
    return Requests(
        conventional=z.copy(),
        conventional_is_power=True,
        generating=z.copy(),
        generating_is_power=True,
        pumping=z.copy(),
        pumping_is_power=True,
        spill_m3s=z.copy(),
        release_m3s=np.full((S, T), np.nan),
        lower_target_volume_hm3=np.full(T, target),
    )


def _per_scenario(name: str, value: Any, S: int, where: str) -> np.ndarray:
    """A scalar or one value per scenario, as an array of S floats; anything else is an input error."""
    bad = f"must be a number or one number per scenario ({S})"
    if value is None or isinstance(value, str | bytes | dict | set):
        raise iv.fail(name, bad, value, where)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise iv.fail(name, bad, value, where) from None
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size not in (1, S)):
        raise iv.fail(
            name, f"must be a scalar or hold one value per scenario ({S})", f"shape {arr.shape}", where
        )
    return np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (S,)).copy()


_DECISION_KEYS = {
    "conventional_mw",
    "conventional_m3s",
    "generating_mw",
    "generating_m3s",
    "pumping_mw",
    "pumping_m3s",
    "spill_m3s",
    "release_m3s",
}


def _apply_decision(req: Requests, t: int, decision: dict[str, Any], S: int) -> None:
    where = "FunctionPolicy.decide"
    if not isinstance(decision, dict):
        raise iv.fail("decide(state)", "must return a dict of decisions", type(decision).__name__, where)
    unknown = set(decision) - _DECISION_KEYS
    if unknown:
        raise iv.fail(
            "decide(state)",
            f"returned unknown keys; allowed: {', '.join(sorted(_DECISION_KEYS))}",
            sorted(unknown),
            where,
        )
    for group in ("conventional", "generating", "pumping"):
        has_p, has_q = f"{group}_mw" in decision, f"{group}_m3s" in decision
        if has_p and has_q:
            raise iv.fail(f"{group}_mw", f"and `{group}_m3s` cannot both be given", "both", where)
        key = f"{group}_mw" if has_p or not has_q else f"{group}_m3s"
        value = _per_scenario(key, decision.get(key, 0.0), S, where)
        if not np.all(np.isfinite(value)) or np.any(value < 0):
            raise iv.fail(key, f"must be finite and not negative at step {t}", value.tolist(), where)
        if t == 0:
            setattr(req, f"{group}_is_power", key.endswith("_mw"))
        elif getattr(req, f"{group}_is_power") != key.endswith("_mw"):
            raise iv.fail(key, "must keep one kind (power or flow) for the whole run", key, where)
        getattr(req, group)[:, t] = value
    spill = _per_scenario("spill_m3s", decision.get("spill_m3s", 0.0), S, where)
    if not np.all(np.isfinite(spill)) or np.any(spill < 0):
        raise iv.fail("spill_m3s", f"must be finite and not negative at step {t}", spill.tolist(), where)
    release = _per_scenario("release_m3s", decision.get("release_m3s", np.nan), S, where)
    if np.any(np.isinf(release)) or np.any(release < 0):
        raise iv.fail(
            "release_m3s",
            f"must be finite and not negative (NaN: automatic) at step {t}",
            release.tolist(),
            where,
        )
    req.spill_m3s[:, t] = spill
    req.release_m3s[:, t] = release


def _static_args(plant: Plant, index: pd.DatetimeIndex, c: float) -> dict[str, Any]:
    conv, rev, low = plant.conventional, plant.reversible, plant.lower
    vmin_up, vmax_up = plant.upper.volume_bounds_hm3(index)
    if low is not None:
        vmin_lo, vmax_lo = low.volume_bounds_hm3(index)
        z_lo, v_lo = np.asarray(low.curve.level_masl), np.asarray(low.curve.volume_hm3)
    else:
        vmin_lo = vmax_lo = np.zeros(len(index))
        z_lo = v_lo = np.array([0.0, 1.0])
    qg_c, hg_c, tab_c = K.table_of(conv.efficiency if conv else 1.0)
    qg_t, hg_t, tab_t = K.table_of(rev.turbine_efficiency if rev else 1.0)
    qg_p, hg_p, tab_p = K.table_of(rev.pump_efficiency if rev else 1.0)
    args = dict(
        c=c,
        has_lower=low is not None,
        tailwater=float(plant.tailwater_level_masl) if plant.tailwater_level_masl is not None else 0.0,
        z_up_tab=np.asarray(plant.upper.curve.level_masl),
        v_up_tab=np.asarray(plant.upper.curve.volume_hm3),
        z_lo_tab=z_lo,
        v_lo_tab=v_lo,
        m_lo=K.slopes(v_lo, z_lo),
        m_up=K.slopes(np.asarray(plant.upper.curve.volume_hm3), np.asarray(plant.upper.curve.level_masl)),
        vmin_up=np.asarray(vmin_up, dtype=float),
        vmax_up=np.asarray(vmax_up, dtype=float),
        vmin_lo=np.asarray(vmin_lo, dtype=float),
        vmax_lo=np.asarray(vmax_lo, dtype=float),
        n_c=conv.n_units if conv else 0,
        qmax_c=conv.max_flow_m3s if conv else 1.0,
        pmax_c=conv.rated_power_mw if conv else 0.0,
        k_c=conv.head_loss_coefficient_s2_per_m5 if conv else 0.0,
        eta_c=K.eta_of(conv.efficiency if conv else 1.0),
        qg_c=qg_c,
        hg_c=hg_c,
        tab_c=tab_c,
        n_r=rev.n_units if rev else 0,
        qmax_r=rev.max_flow_m3s if rev else 1.0,
        pmax_r=rev.rated_power_mw if rev else 0.0,
        pmax_pump_r=rev.max_total_pumping_power_mw if rev else 0.0,
        k_r=rev.head_loss_coefficient_s2_per_m5 if rev else 0.0,
        eta_t=K.eta_of(rev.turbine_efficiency if rev else 1.0),
        qg_t=qg_t,
        hg_t=hg_t,
        tab_t=tab_t,
        eta_p=K.eta_of(rev.pump_efficiency if rev else 1.0),
        qg_p=qg_p,
        hg_p=hg_p,
        tab_p=tab_p,
        env_min=plant.outlet.environmental_min_flow_m3s,
        release_max=plant.outlet.max_release_m3s if np.isfinite(plant.outlet.max_release_m3s) else 1e300,
        # the release ramp, per step (the release of a plant without a lower reservoir is its units' outflow
        # and spill, which the simulator does not ramp)
        ramp=plant.outlet.max_ramp_m3s_per_h * (c / HM3_PER_M3S_HOUR) if low is not None else math.inf,
        scratch=K.lane_scratch(),
    )
    return {k: _plain(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}


def _plain(x: np.ndarray) -> np.ndarray:
    """``x`` itself when it is C-contiguous and writable, else a copy that is."""
    return x if x.flags.c_contiguous and x.flags.writeable else np.array(x, order="C")


def _run(
    a: dict[str, Any],
    t0: int,
    t1: int,
    inflow_up: np.ndarray,
    inflow_lo: np.ndarray,
    price: np.ndarray,
    req: Requests,
    v_up: np.ndarray,
    v_lo: np.ndarray,
    tallies: tuple[np.ndarray, np.ndarray, np.ndarray, bool],
    out: dict[str, np.ndarray],
) -> float:
    """Run the kernel over steps t0…t1−1; returns its wall time. [s]"""
    totals, cut_water, cut_steps, keep = tallies
    t0_wall = time.perf_counter()
    K.run(
        t0,
        t1,
        a["c"],
        a["has_lower"],
        a["tailwater"],
        a["z_up_tab"],
        a["v_up_tab"],
        a["m_up"],
        a["z_lo_tab"],
        a["v_lo_tab"],
        a["m_lo"],
        a["vmin_up"],
        a["vmax_up"],
        a["vmin_lo"],
        a["vmax_lo"],
        inflow_up,
        inflow_lo,
        price,
        req.conventional,
        req.conventional_is_power,
        req.generating,
        req.generating_is_power,
        req.pumping,
        req.pumping_is_power,
        req.spill_m3s,
        req.release_m3s,
        req.lower_target_volume_hm3,
        a["has_line"],
        a["line_cap"],
        a["n_c"],
        a["qmax_c"],
        a["pmax_c"],
        a["k_c"],
        a["eta_c"],
        a["qg_c"],
        a["hg_c"],
        a["tab_c"],
        a["n_r"],
        a["qmax_r"],
        a["pmax_r"],
        a["pmax_pump_r"],
        a["k_r"],
        a["eta_t"],
        a["qg_t"],
        a["hg_t"],
        a["tab_t"],
        a["eta_p"],
        a["qg_p"],
        a["hg_p"],
        a["tab_p"],
        a["env_min"],
        a["release_max"],
        a["ramp"],
        a["r_prev"],
        v_up,
        v_lo,
        totals,
        cut_water,
        cut_steps,
        keep,
        out["q_conv"],
        out["q_gen"],
        out["q_pump"],
        out["spill"],
        out["release"],
        out["v_up"],
        out["v_lo"],
        out["p_conv"],
        out["p_gen"],
        out["p_pump"],
        out["head"],
        out["cut_conv"],
        out["cut_gen"],
        out["cut_pump"],
        out["cut_release"],
        out["code_conv"],
        out["code_gen"],
        out["code_pump"],
        out["code_release"],
        *a["scratch"],
    )
    return time.perf_counter() - t0_wall
