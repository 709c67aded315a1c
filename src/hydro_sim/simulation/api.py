"""``simulate``: run schedules or rules through the nonlinear physics for many scenarios at once."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.network import Network, network_of
from hydro_sim.plant import Plant
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import _engine as E
from hydro_sim.simulation._network_sim import (
    NetworkSimulationResult,
    default_threads,
    need_series,
    rows,
    scenario_position,
    simulate_network,
)
from hydro_sim.simulation.policies import (
    FunctionPolicy,
    PolicyState,
    ReplayPolicy,
    TouRulePolicy,
    lower_target_volume_hm3,
)

__all__ = ["SimulationResult", "simulate"]


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
        ``cut_*_m3s`` per group (conventional, generating, pumping, release, spill: the water of the step's
        cut-backs summed) with the limit code of the largest, ``limit_*``.
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
        release, spill) and limit code 0–15 (names in :data:`LIMIT_NAMES`; 9 and 10 are the line's export
        and import, 11 the release ramp), (scenarios, 5, 16): water [hm³] and number of cut-backs.
    events : Every cut-back (``record="all"``), (events, 6): scenario, step, group, limit code, water
        [m³/s over the step], energy not delivered [MW over the step]; :meth:`cutbacks` as a table.
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
    events: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))
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
        """Every cut-back: scenario, step, time, group, limit, water [hm³] and energy not delivered [MWh]
        (a group with several limits in one step has a row for each)."""
        self._need_series("cutbacks()")
        ev = self.events
        c = HM3_PER_M3S_HOUR * self.dt_h
        frame = pd.DataFrame(
            {
                "scenario": [self.scenario_names[int(s)] for s in ev[:, 0]],
                "step": ev[:, 1].astype(int),
                "time": self.index[ev[:, 1].astype(int)],
                "group": [_GROUPS[int(g)] for g in ev[:, 2]],
                "limit": [LIMIT_NAMES[int(k)] for k in ev[:, 3]],
                "water_hm3": ev[:, 4] * c,
                "energy_mwh": ev[:, 5] * self.dt_h,
            }
        )
        return frame.sort_values(["scenario", "step", "group", "limit"], kind="stable").reset_index(drop=True)

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
                            "limit": LIMIT_NAMES.get(int(code), "none"),
                            "steps": int(self.cut_steps[s_i, g, code]),
                            "water_hm3": float(self.cut_water_hm3[s_i, g, code]),
                        }
                    )
        return pd.DataFrame(rows, columns=["scenario", "group", "limit", "steps", "water_hm3"])


#: A start volume this far outside a reservoir's operating range counts as round-off (e.g. a volume read
#: back from a level) and is moved onto the bound; 1 m³. [hm³]
START_VOLUME_TOL_HM3 = 1e-6


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
    threads: int | None = None,
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
    threads: int | None = None,
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
    threads: int | None = None,
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
    threads : Threads the compiled kernel runs on, side by side, each taking whole blocks of 64 to 256
        scenarios (each thread's share in as few blocks as that allows: a wider block is faster per core;
        one block, or a FunctionPolicy, runs on one thread). Default: the cores this process may use (one
        with numba's JIT off). Any number gives the same bits: a scenario's result never depends on the
        others. Give 1 where the cores are already busy (e.g. one process per core).
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
    release ramp ``max_ramp_m3s_per_h`` from the second step on (the river's, for a plant without a lower
    reservoir).

    Both run on the network kernel (:mod:`hydro_sim.simulation._engine`): any number of reservoirs
    (upstream first) and unit groups, heads from both ends of every link, inflows from
    ``Network.inflows_m3s``, and every limit of the LP per element, the units' minimum stable output,
    fixed-speed pump band and head range included; a Network's requests and frames in element columns
    (``"{column} flow_m3s"``, ``"{column} power_mw"``). A Plant runs as ``network_of(plant)``, its requests
    and results in the Plant's columns above, without the minimum stable output and the pump band
    (``unit_limits`` is for a Network); the release limits of a plant without a lower reservoir are the
    river's (the LP's too), its release the water reaching the river.

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
    if threads is None:
        threads = default_threads()
    elif isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise iv.fail("threads", "must be a whole number of at least 1, or None (every core)", threads, where)
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
            threads=int(threads),
        )
    if initial_volume_hm3 is not None:
        raise iv.fail(
            "initial_volume_hm3",
            "must be None for a Plant (give `initial_volume_upper_hm3` / `initial_volume_lower_hm3`)",
            initial_volume_hm3,
            where,
        )
    return _simulate_plant(
        plant,
        items,
        index,
        policy,
        initial_volume_upper_hm3,
        initial_volume_lower_hm3,
        record,
        t_start,
        int(threads),
    )


# -- a Plant through the network kernel, in the Plant's columns ----------------------------------------------
#: The Plant's groups of the cut-back tallies, ``cut_water_hm3[s, group, limit]``.
_GROUPS = ("conventional", "generating", "pumping", "release", "spill")
#: A Plant's legacy limit codes (``limit_*`` series and the tallies' last axis): the network kernel's limit
#: on a Plant's element, with the reservoir a level limit belongs to named.
(
    NONE,
    UNIT,
    UPPER_MIN,
    LOWER_MIN,
    UPPER_MAX,
    LOWER_MAX,
    MODE,
    ENV,
    ENV_RAISED,
    LINE_EXPORT,
    LINE_IMPORT,
    RAMP,
    MIN_OUTPUT,
    PUMP_BAND,
    HEAD_RANGE,
    RELEASE_MAX,
) = range(16)
N_LIMITS = 16
#: Relative excess over a unit rating that counts as round-off, not a cut-back (the network kernel's).
RATING_TOL = E.RATING_TOL
#: A power request at or above this means "as much as the units give" (no shortfall). [MW]
FULL_POWER_MW = E.FULL_POWER_MW
_SAME = {
    E.UNIT: UNIT,
    E.MODE: MODE,
    E.RELEASE_MIN: ENV,
    E.RELEASE_MIN_RAISED: ENV_RAISED,
    E.RELEASE_MAX: RELEASE_MAX,
    E.RAMP: RAMP,
    E.LINE_EXPORT: LINE_EXPORT,
    E.LINE_IMPORT: LINE_IMPORT,
    E.MIN_OUTPUT: MIN_OUTPUT,
    E.PUMP_BAND: PUMP_BAND,
    E.HEAD_RANGE: HEAD_RANGE,
}
#: The legacy codes' names: the network kernel's, and the level limits named by their reservoir.
LIMIT_NAMES = {v: E.LIMIT_NAMES[k] for k, v in _SAME.items()} | {
    UPPER_MIN: "upper minimum level",
    LOWER_MIN: "lower minimum level",
    UPPER_MAX: "upper maximum level",
    LOWER_MAX: "lower maximum level",
}


def _legacy_codes(group: str) -> np.ndarray:
    """The legacy code of each network limit code on an element of ``group``: a level limit named by the
    reservoir it belongs to (the source's minimum, the destination's maximum; a release's maximum level is
    its lower reservoir's, the level that raised it)."""
    codes = np.zeros(E.N_LIMITS, dtype=np.int64)
    for k, v in _SAME.items():
        codes[k] = v
    from_lower = group in ("pumping", "release")
    codes[E.MIN_LEVEL] = LOWER_MIN if from_lower else UPPER_MIN
    codes[E.MAX_LEVEL] = UPPER_MAX if group == "pumping" else LOWER_MAX
    return codes


@dataclass(frozen=True)
class _PlantColumns:
    """Where a Plant's groups are in the network of it: flow column names by group, the river sink."""

    names: dict[str, str]  # group -> flow column name (groups the plant has)
    river: str

    @classmethod
    def of(cls, network: Network) -> _PlantColumns:
        from hydro_sim.network import PumpTurbineLink, Release, Spillway, TurbineLink

        names: dict[str, str] = {}
        for col in network.flow_columns():
            link = network.link(col.link)
            if isinstance(link, PumpTurbineLink):
                names["generating" if col.mode == "generate" else "pumping"] = col.name
            elif isinstance(link, TurbineLink):
                names["conventional"] = col.name
            elif isinstance(link, Spillway):
                names["spill"] = col.name
            elif isinstance(link, Release):
                names["release"] = col.name
        return cls(names=names, river=network.sinks[0].name)

    def element_groups(self, network: Network) -> list[str]:
        """The group of each element of the network result's tallies (flow columns, then the river: the
        release of a plant without a lower reservoir is the river's)."""
        by_name = {v: k for k, v in self.names.items()}
        return [by_name[c.name] for c in network.flow_columns()] + ["release"]


def _simulate_plant(
    plant: Plant,
    items: list[Scenario],
    index: pd.DatetimeIndex,
    policy: Any,
    initial_volume_upper_hm3: Any,
    initial_volume_lower_hm3: Any,
    record: str,
    t_start: float,
    threads: int,
) -> SimulationResult:
    """A Plant through the network kernel (``network_of(plant)``, without the units' minimum stable output
    and pump band, which a Plant's simulation never had), its results in the Plant's columns."""
    where = "simulate()"
    S, T = len(items), len(index)
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

    v_up0 = start(initial_volume_upper_hm3, plant.upper, "initial_volume_upper_hm3")
    v_lo0 = start(initial_volume_lower_hm3, plant.lower, "initial_volume_lower_hm3")
    net = network_of(plant)
    cols = _PlantColumns.of(net)
    v0 = {plant.upper.name: v_up0}
    if plant.lower is not None:
        v0[plant.lower.name] = v_lo0
    # the Plant's inflow and price series (S or 1, steps), stacked only where they are read (a rule on the
    # Plant's state, record="all"'s series, a plant without a lower reservoir's inflow total): a thousand
    # distinct years of one series are 70 MB
    inflow_up = inflow_lo = price = None
    if record == "all" or isinstance(policy, FunctionPolicy) or plant.lower is None:
        inflow_up = rows([sc.inflow_upper_m3s.to_numpy(dtype=float) for sc in items])
        inflow_lo = rows([sc.inflow_lower_m3s.to_numpy(dtype=float) for sc in items])
        price = rows([sc.price_per_mwh.to_numpy(dtype=float) for sc in items])
    # requested powers per group (S or 1, steps), for the shortfall series
    requested: dict[str, np.ndarray] = {}
    target = None
    if isinstance(policy, ReplayPolicy):
        policy, requested = _plant_replay(plant, cols, policy, index)
    elif isinstance(policy, TouRulePolicy):
        rev = plant.reversible
        full = rev.max_total_pumping_power_mw if rev is not None else 0.0
        if price is not None:  # (the shortfall series of record="all")
            requested = {
                "generating": np.full((1, T), FULL_POWER_MW),
                "pumping": np.where(price <= policy.pump_when_price_at_most_per_mwh, full, 0.0),
            }
    else:
        assert isinstance(policy, FunctionPolicy)
        kinds: dict[str, bool] = {}
        assert inflow_up is not None and inflow_lo is not None
        policy, asked, target = _plant_function(plant, cols, policy, index, S, inflow_up, inflow_lo, kinds)
    res = simulate_network(
        net,
        items,
        index,
        policy,
        initial_volume_hm3=v0,
        record=record,
        unit_limits=False,
        target_volume_hm3=target,
        threads=threads,
    )
    if isinstance(policy, FunctionPolicy):  # the groups it asked powers of, known once it ran
        requested = {g: v for g, v in asked.items() if kinds.get(g, True)}
    return _plant_result(plant, net, cols, res, requested, v_up0, v_lo0, inflow_up, inflow_lo, t_start)


def _plant_replay(
    plant: Plant, cols: _PlantColumns, policy: ReplayPolicy, index: pd.DatetimeIndex
) -> tuple[ReplayPolicy, dict[str, np.ndarray]]:
    """A schedule in the Plant's columns as one in the network's element columns: flows (a missing one is
    zero, the release too), or powers with the spill and the automatic release holding the lower
    reservoir on the schedule's ``volume_lower_hm3`` path."""
    policy._check_index(index)
    sch = policy.schedule
    power = policy.mode == "power"
    T = len(index)
    out: dict[str, np.ndarray] = {}
    requested: dict[str, np.ndarray] = {}
    for group in ("conventional", "generating", "pumping"):
        legacy = f"power_{group}_mw" if power else f"flow_{group}_m3s"
        values = policy.column(legacy) if legacy in sch.columns else np.zeros(T)
        if power:
            requested[group] = values.reshape(1, -1)
        if group in cols.names:
            out[f"{cols.names[group]} {'power_mw' if power else 'flow_m3s'}"] = values
    if "spill" in cols.names and "spill_upper_m3s" in sch.columns:
        out[f"{cols.names['spill']} flow_m3s"] = policy.column("spill_upper_m3s")
    if "release" in cols.names and not power:
        name = "release_lower_m3s" if "release_lower_m3s" in sch.columns else "release_m3s"
        out[f"{cols.names['release']} flow_m3s"] = policy.column(name) if name in sch.columns else np.zeros(T)
    if power and plant.lower is not None and "volume_lower_hm3" in sch.columns:
        try:
            target = sch["volume_lower_hm3"].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise iv.fail(
                "volume_lower_hm3",
                "must hold numbers",
                str(sch["volume_lower_hm3"].dtype),
                "the schedule of ReplayPolicy",
            ) from None
        out[f"{plant.lower.name} volume_hm3"] = target
    return ReplayPolicy(schedule=pd.DataFrame(out, index=index), mode=policy.mode), requested


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


def _plant_function(
    plant: Plant,
    cols: _PlantColumns,
    policy: FunctionPolicy,
    index: pd.DatetimeIndex,
    S: int,
    inflow_up: np.ndarray,
    inflow_lo: np.ndarray,
    kinds: dict[str, bool],
) -> tuple[FunctionPolicy, dict[str, np.ndarray], np.ndarray | None]:
    """A user policy on the Plant's state and decisions (:class:`PolicyState`, ``conventional_mw``, …) as
    one on the network's: the decisions checked here, the automatic release holding the lower reservoir at
    ``lower_target_level_masl`` (its initial level if not given). ``kinds`` gets, per group, whether the
    policy asks powers (fixed at its first step); ``requested`` (returned) is filled as it runs."""
    T = len(index)
    up, low = plant.upper, plant.lower
    requested = {g: np.zeros((S, T)) for g in ("conventional", "generating", "pumping")}

    def decide(state: Any) -> dict[str, Any]:
        t = state.t
        v_lo = state.volume_hm3[low.name] if low is not None else np.zeros(S)
        legacy = PolicyState(
            t=t,
            time=state.time,
            volume_upper_hm3=state.volume_hm3[up.name],
            volume_lower_hm3=v_lo,
            level_upper_masl=state.level_masl[up.name],
            level_lower_masl=(
                state.level_masl[low.name] if low is not None else np.full(S, plant.tailwater_level_masl)
            ),
            inflow_upper_m3s=_row_at(inflow_up, t, S),
            inflow_lower_m3s=_row_at(inflow_lo, t, S),
            price_per_mwh=state.price_per_mwh,
        )
        return _plant_decision(cols, kinds, requested, t, policy.decide(legacy), S)

    target = None
    if low is not None:
        target = np.full((2, T), np.nan)
        target[1] = lower_target_volume_hm3(plant, policy.lower_target_level_masl, "FunctionPolicy")
    return FunctionPolicy(decide=decide, meta=policy.meta), requested, target


def _plant_decision(
    cols: _PlantColumns,
    kinds: dict[str, bool],
    requested: dict[str, np.ndarray],
    t: int,
    decision: Any,
    S: int,
) -> dict[str, Any]:
    """A Plant decision checked (keys, one kind per group for the run, finite and not negative) and put
    in the network's element keys; a group the plant does not have is left out."""
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
    out: dict[str, Any] = {}
    for group in ("conventional", "generating", "pumping"):
        has_p, has_q = f"{group}_mw" in decision, f"{group}_m3s" in decision
        if has_p and has_q:
            raise iv.fail(f"{group}_mw", f"and `{group}_m3s` cannot both be given", "both", where)
        key = f"{group}_mw" if has_p or not has_q else f"{group}_m3s"
        value = _per_scenario(key, decision.get(key, 0.0), S, where)
        if not np.all(np.isfinite(value)) or np.any(value < 0):
            raise iv.fail(key, f"must be finite and not negative at step {t}", value.tolist(), where)
        is_power = key.endswith("_mw")
        if t == 0:
            kinds[group] = is_power
        elif kinds[group] != is_power:
            raise iv.fail(key, "must keep one kind (power or flow) for the whole run", key, where)
        requested[group][:, t] = value
        if group in cols.names:
            out[f"{cols.names[group]} {'power_mw' if is_power else 'flow_m3s'}"] = value
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
    if "spill" in cols.names:
        out[f"{cols.names['spill']} flow_m3s"] = spill
    if "release" in cols.names:
        out[f"{cols.names['release']} flow_m3s"] = release
    return out


def _plant_result(
    plant: Plant,
    net: Network,
    cols: _PlantColumns,
    res: NetworkSimulationResult,
    requested: dict[str, np.ndarray],
    v_up0: np.ndarray,
    v_lo0: np.ndarray,
    inflow_up: np.ndarray | None,
    inflow_lo: np.ndarray | None,
    t_start: float,
) -> SimulationResult:
    """The network result of a Plant in the Plant's columns, totals and cut-back groups."""
    S, T, dt = res.n_scenarios, len(res.index), res.dt_h
    c = HM3_PER_M3S_HOUR * dt
    up, low = plant.upper.name, plant.lower.name if plant.lower is not None else None
    groups = cols.element_groups(net)
    # the tallies: each element's limits by the legacy code of its group
    cut_water = np.zeros((S, len(_GROUPS), N_LIMITS))
    cut_steps = np.zeros((S, len(_GROUPS), N_LIMITS), dtype=np.int64)
    for e, group in enumerate(groups):
        g, codes = _GROUPS.index(group), _legacy_codes(group)
        for k in range(E.N_LIMITS):
            cut_water[:, g, codes[k]] += res.cut_water_hm3[:, e, k]
            cut_steps[:, g, codes[k]] += res.cut_steps[:, e, k]
    cut_water[:, :, NONE] = 0.0
    cut_steps[:, :, NONE] = 0
    arrays: dict[str, np.ndarray] = {}
    shortfall: dict[str, np.ndarray] = {}
    events = np.zeros((0, 6))
    if res.record == "all":
        assert inflow_up is not None and inflow_lo is not None
        A = res.arrays
        zero = np.zeros((S, T))

        def col(group: str, what: str) -> np.ndarray:
            return A[f"{cols.names[group]} {what}"] if group in cols.names else zero

        arrays = {
            "flow_conventional_m3s": col("conventional", "flow_m3s"),
            "flow_generating_m3s": col("generating", "flow_m3s"),
            "flow_pumping_m3s": col("pumping", "flow_m3s"),
            "spill_upper_m3s": col("spill", "flow_m3s"),
        }
        if low is not None:
            arrays["release_lower_m3s"] = col("release", "flow_m3s")
        arrays["volume_upper_hm3"] = A[f"{up} volume_hm3"]
        if low is not None:
            arrays["volume_lower_hm3"] = A[f"{low} volume_hm3"]
        arrays["power_conventional_mw"] = col("conventional", "power_mw")
        arrays["power_generating_mw"] = col("generating", "power_mw")
        arrays["power_pumping_mw"] = col("pumping", "power_mw")
        arrays["head_m"] = _gross_head(net, res)
        if low is None:
            arrays["release_m3s"] = A[f"{cols.river} flow_m3s"]
        arrays["inflow_upper_m3s"] = np.broadcast_to(inflow_up, (S, T))
        arrays["inflow_lower_m3s"] = np.broadcast_to(inflow_lo, (S, T))
        arrays["price_per_mwh"] = A["price_per_mwh"]
        arrays["line_mw"] = A["line_mw"]
        arrays["line_capacity_mw"] = A["line_capacity_mw"]
        events = _plant_events(res, groups)
        cut, code = _cut_series(events, S, T)
        for g, group in enumerate(_GROUPS):
            arrays[f"cut_{group}_m3s"] = cut[g]
        for g, group in enumerate(_GROUPS):
            arrays[f"limit_{group}"] = code[g]
        for group, req in requested.items():
            got = arrays[f"power_{group}_mw"]
            # a request of "as much as the units give" (a huge number) has no shortfall to record
            finite_req = np.where(req >= FULL_POWER_MW, got, req)
            shortfall[group] = np.maximum(finite_req - got, 0.0) * dt
    tot = res.totals
    if low is not None:
        inflow_lower_hm3 = tot[f"{low} inflow_hm3"].to_numpy()
    else:
        assert inflow_lo is not None
        inflow_lower_hm3 = np.broadcast_to(inflow_lo.sum(axis=1) * c, (S,)).copy()

    def total(group: str, what: str) -> np.ndarray:
        if group not in cols.names:
            return np.zeros(S)
        return tot[f"{cols.names[group]} {what}"].to_numpy()

    f = {
        "inflow_upper_hm3": tot[f"{up} inflow_hm3"].to_numpy(),
        "inflow_lower_hm3": inflow_lower_hm3,
        "flow_conventional_hm3": total("conventional", "flow_hm3"),
        "flow_generating_hm3": total("generating", "flow_hm3"),
        "flow_pumping_hm3": total("pumping", "flow_hm3"),
        "spill_upper_hm3": total("spill", "flow_hm3"),
        ("release_lower_hm3" if low is not None else "release_hm3"): (
            total("release", "flow_hm3") if low is not None else tot[f"{cols.river} flow_hm3"].to_numpy()
        ),
        "conventional_generation_mwh": total("conventional", "energy_mwh"),
        "reversible_generation_mwh": total("generating", "energy_mwh"),
        "pumping_mwh": total("pumping", "energy_mwh"),
        "revenue": tot["revenue"].to_numpy(),
        "shortfall_conventional_mwh": total("conventional", "shortfall_mwh"),
        "shortfall_generating_mwh": total("generating", "shortfall_mwh"),
        "shortfall_pumping_mwh": total("pumping", "shortfall_mwh"),
    }
    for role, name in (("upper", up), ("lower", low)):
        if name is None:
            continue
        f[f"volume_{role}_min_hm3"] = tot[f"{name} volume_min_hm3"].to_numpy()
        f[f"volume_{role}_max_hm3"] = tot[f"{name} volume_max_hm3"].to_numpy()
        f[f"level_{role}_min_masl"] = tot[f"{name} level_min_masl"].to_numpy()
        f[f"level_{role}_max_masl"] = tot[f"{name} level_max_masl"].to_numpy()
        f[f"final_volume_{role}_hm3"] = tot[f"{name} final_volume_hm3"].to_numpy()
        f[f"water_balance_error_{role}_hm3"] = tot[f"{name} water_balance_error_hm3"].to_numpy()
    return SimulationResult(
        index=res.index,
        scenario_names=res.scenario_names,
        arrays=arrays,
        initial_volume_upper_hm3=v_up0,
        initial_volume_lower_hm3=v_lo0,
        energy_shortfall_mwh=shortfall,
        dt_h=dt,
        has_lower=low is not None,
        record=res.record,
        totals=pd.DataFrame(f, index=pd.Index(res.scenario_names, name="scenario")),
        cut_water_hm3=cut_water,
        cut_steps=cut_steps,
        events=events,
        timings_s={"kernel": res.timings_s["kernel"], "total": time.perf_counter() - t_start},
    )


def _gross_head(net: Network, res: NetworkSimulationResult) -> np.ndarray:
    """The mid-step gross head of the plant's first unit column (all of a Plant's unit columns join the
    same two levels): its net head (turbine) or pumping head (pump) without the loss kQ²."""
    for col in net.flow_columns():
        if col.mode == "flow":
            continue
        units = net.link(col.link).units  # type: ignore[union-attr]
        q = res.arrays[f"{col.name} flow_m3s"]
        loss = units.head_loss_coefficient_s2_per_m5 * q * q
        head = res.arrays[f"{col.name} head_m"]
        return head + loss if col.mode == "generate" else head - loss
    raise AssertionError("a Plant has a unit group")  # pragma: no cover - Plant checks it


#: The stage of the step each legacy limit binds in (units, releases, water, line): the series keep the
#: cut-back of the latest stage (the limit that bound last), the largest of a stage.
_STAGE = np.zeros(N_LIMITS, dtype=np.int64)
_STAGE[[RELEASE_MAX, RAMP, ENV_RAISED]] = 1
_STAGE[[UPPER_MIN, LOWER_MIN, UPPER_MAX, LOWER_MAX, ENV]] = 2
_STAGE[[LINE_EXPORT, LINE_IMPORT]] = 3


def _plant_events(res: NetworkSimulationResult, groups: list[str]) -> np.ndarray:
    """The network's cut-back events with the Plant's groups and legacy codes: (events, 6) of scenario,
    step, group, limit, water [m³/s over the step] and energy [MW over the step]."""
    ev = np.array(res.events, dtype=float)
    if len(ev):
        e, k = ev[:, 2].astype(np.int64), ev[:, 3].astype(np.int64)
        g = np.array([_GROUPS.index(x) for x in groups])[e]
        table = np.stack([_legacy_codes(x) for x in _GROUPS])
        ev[:, 2], ev[:, 3] = g, table[g, k]
    return ev


def _cut_series(ev: np.ndarray, S: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group (scenarios, steps): the cut-back of the limit that bound last in each step (the latest
    stage of :data:`_STAGE`, the largest water of it) [m³/s] and its legacy code."""
    cut = np.zeros((len(_GROUPS), S, T))
    code = np.zeros((len(_GROUPS), S, T), dtype=np.int8)
    if len(ev) == 0:
        return cut, code
    s, t, g, k = (ev[:, i].astype(np.int64) for i in range(4))
    # per group and step, in order of stage then water: the last one is written
    order = np.lexsort((np.abs(ev[:, 4]), _STAGE[k], t, s, g))
    key = np.stack([g[order], s[order], t[order]])
    last = np.ones(len(order), dtype=bool)
    last[:-1] = np.any(key[:, 1:] != key[:, :-1], axis=0)
    pick = order[last]
    cut[g[pick], s[pick], t[pick]] = ev[pick, 4]
    code[g[pick], s[pick], t[pick]] = k[pick]
    return cut, code


def _row_at(values: np.ndarray, t: int, S: int) -> np.ndarray:
    """Column t of a (scenarios or 1, steps) input as (scenarios,)."""
    return np.broadcast_to(values[:, t], (S,)).copy()


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
