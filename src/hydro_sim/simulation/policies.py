"""Operating policies for the simulator: replay a schedule, a time-of-use rule, or your own function.

A policy turns a plant and a set of scenarios into *requests* per step: flows or powers for each unit
group, a spill and a release (NaN = the automatic release that holds the lower reservoir at its target).
The simulator then runs them through the nonlinear physics and cuts back what the limits forbid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv

if TYPE_CHECKING:
    from hydro_sim.synthetic import TouTariff

__all__ = ["FunctionPolicy", "PolicyState", "ReplayPolicy", "TouRulePolicy"]


#: A replayed flow or power this little below zero is an LP's round-off, replayed as zero: HiGHS meets its
#: rows to 1e-7 of their terms, and a release derived from the balance of a 10⁴ hm³ reservoir carries
#: ~1e-9 m³/s of it (measured −1.0e-9); 1e-6 is far below any real flow (≥ 1e-3). [m³/s or MW]
REPLAY_ROUND_OFF = 1e-6


@dataclass(frozen=True, kw_only=True)
class ReplayPolicy:
    """Replay a schedule (e.g. ``DispatchResult.schedule``) in every scenario.

    Parameters
    ----------
    schedule : DataFrame with the dispatch schedule's columns, on the scenarios' index.
    mode : ``"flows"`` replays the flows, spill and release (the physics then gives the power);
        ``"power"`` replays the powers, turned into flows at the actual head, with the spill and the
        automatic release holding the lower reservoir on the schedule's volume path.
    """

    schedule: pd.DataFrame
    mode: Literal["flows", "power"] = "flows"

    def __post_init__(self) -> None:
        where = "ReplayPolicy"
        if not isinstance(self.schedule, pd.DataFrame):
            raise iv.fail(
                "schedule",
                "must be a pandas DataFrame (e.g. DispatchResult.schedule)",
                type(self.schedule).__name__,
                where,
            )
        if not isinstance(self.mode, str) or self.mode not in ("flows", "power"):
            raise iv.fail("mode", "must be 'flows' or 'power'", self.mode, where)
        if not isinstance(self.schedule.index, pd.DatetimeIndex):
            raise iv.fail(
                "schedule.index",
                "must be a pandas DatetimeIndex (the scenarios' time stamps)",
                type(self.schedule.index).__name__,
                where,
            )
        if self.schedule.columns.has_duplicates:
            dup = sorted({str(c) for c in self.schedule.columns[self.schedule.columns.duplicated()]})
            raise iv.fail("schedule", "must not repeat a column", dup, where)

    def network_requests(
        self, network: Any, index: pd.DatetimeIndex
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Requests per flow column of a network from the schedule's element columns (``"{c} flow_m3s"``,
        or ``"{c} power_mw"`` in mode ``"power"``): (requests (columns, 1, steps), power flags, targets)."""
        from hydro_sim.simulation._network_sim import replay_requests

        self._check_index(index)
        return replay_requests(self, network, index)

    def _check_index(self, index: pd.DatetimeIndex) -> None:
        sch = self.schedule
        if len(sch) != len(index) or not sch.index.equals(index):
            raise iv.fail(
                "schedule",
                f"must be on the scenarios' index ({len(index)} steps from {index[0]})",
                f"{len(sch)} steps",
                "ReplayPolicy",
            )

    def column(self, name: str) -> np.ndarray:
        """A schedule column as flows or powers ≥ 0 (an LP's round-off below zero replayed as zero)."""
        sch = self.schedule
        where = "the schedule of ReplayPolicy"
        try:
            values = sch[name].to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise iv.fail(name, "must hold numbers", str(sch[name].dtype), where) from None
        bad = ~np.isfinite(values) | (values < -REPLAY_ROUND_OFF)
        if bad.any():
            i = int(np.argmax(bad))
            raise iv.fail(
                name,
                f"must be finite and not negative, but step {i} is {float(values[i])!r}",
                float(values[i]),
                where,
            )
        return np.where(values < 0.0, 0.0, values)


@dataclass(frozen=True, kw_only=True)
class TouRulePolicy:
    """Pump in the valley, generate at peak, pass the inflow through the conventional units.

    Parameters
    ----------
    pump_when_price_at_most_per_mwh : Pump at full input when the price is at or below this. [money/MWh]
    generate_when_price_at_least_per_mwh : Generate at full output when the price is at or above this.
        [money/MWh]
    conventional_flow : ``"inflow"`` (turbine the upper inflow, up to the units' limits: a level-holding rule).
    lower_target_level_masl : Level the automatic release holds in the lower reservoir; the initial level if
        not given. [m a.s.l.]

    Examples
    --------
    >>> policy = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    >>> policy.pump_when_price_at_most_per_mwh, policy.generate_when_price_at_least_per_mwh
    (160.0, 640.0)
    """

    pump_when_price_at_most_per_mwh: float
    generate_when_price_at_least_per_mwh: float
    conventional_flow: Literal["inflow"] = "inflow"
    lower_target_level_masl: float | None = None

    def __post_init__(self) -> None:
        where = "TouRulePolicy"
        lo = iv.finite("pump_when_price_at_most_per_mwh", self.pump_when_price_at_most_per_mwh, where)
        hi = iv.finite(
            "generate_when_price_at_least_per_mwh", self.generate_when_price_at_least_per_mwh, where
        )
        if hi <= lo:
            raise iv.fail(
                "generate_when_price_at_least_per_mwh",
                f"must be above `pump_when_price_at_most_per_mwh` ({lo}) or the units would pump and "
                "generate at the same price",
                hi,
                where,
            )
        if not isinstance(self.conventional_flow, str) or self.conventional_flow != "inflow":
            raise iv.fail(
                "conventional_flow",
                "must be 'inflow' (the only rule for the conventional units)",
                self.conventional_flow,
                where,
            )
        _check_level("lower_target_level_masl", self.lower_target_level_masl, where)

    @classmethod
    def for_tariff(
        cls,
        *,
        flat_price_per_mwh: float,
        tariff: TouTariff | None = None,
        pump_period: str = "valley",
        generate_period: str = "peak",
        **kw: Any,
    ) -> TouRulePolicy:
        """Thresholds from a time-of-use tariff: pump at its ``pump_period`` price, generate from its
        ``generate_period`` price (the flat price times the periods' multipliers).

        ``tariff`` is a :class:`hydro_sim.synthetic.TouTariff`; the Sichuan tariff
        (:data:`hydro_sim.synthetic.SICHUAN_TOU_2023`: valley 0.4×, peak 1.6×) if None.

        Examples
        --------
        >>> p = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
        >>> p.pump_when_price_at_most_per_mwh, p.generate_when_price_at_least_per_mwh
        (160.0, 640.0)
        """
        from hydro_sim.synthetic import SICHUAN_TOU_2023

        where = "TouRulePolicy.for_tariff()"
        t = SICHUAN_TOU_2023 if tariff is None else tariff
        flat = iv.finite("flat_price_per_mwh", flat_price_per_mwh, where)
        for name, period in (("pump_period", pump_period), ("generate_period", generate_period)):
            if period not in t.multipliers:
                raise iv.fail(
                    name, f"must be a period of tariff '{t.name}' {sorted(t.multipliers)}", period, where
                )
        return cls(
            pump_when_price_at_most_per_mwh=t.multipliers[pump_period] * flat,
            generate_when_price_at_least_per_mwh=t.multipliers[generate_period] * flat,
            **kw,
        )

    def network_requests(
        self, network: Any, price: np.ndarray, inflow: np.ndarray
    ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """The rule on a network (:func:`hydro_sim.simulation._network_sim.tou_requests`)."""
        from hydro_sim.simulation._network_sim import tou_requests

        return tou_requests(
            network,
            price,
            inflow,
            self.pump_when_price_at_most_per_mwh,
            self.generate_when_price_at_least_per_mwh,
            self.lower_target_level_masl,
        )


@dataclass(frozen=True)
class PolicyState:
    """What a user policy sees at step ``t``: arrays shaped (scenarios,)."""

    t: int
    time: pd.Timestamp
    volume_upper_hm3: np.ndarray
    volume_lower_hm3: np.ndarray
    level_upper_masl: np.ndarray
    level_lower_masl: np.ndarray
    inflow_upper_m3s: np.ndarray
    inflow_lower_m3s: np.ndarray
    price_per_mwh: np.ndarray


@dataclass(frozen=True, kw_only=True)
class FunctionPolicy:
    """A user policy: a vectorised function of the state, called once per step for all scenarios.

    ``decide(state: PolicyState) -> dict`` returns any of ``conventional_mw``, ``generating_mw``,
    ``pumping_mw`` (powers) or ``conventional_m3s``, ``generating_m3s``, ``pumping_m3s`` (flows), and
    ``spill_m3s``, ``release_m3s``; each a scalar or an array over scenarios. Missing ones are zero
    (release: automatic). Powers and flows may not be mixed within one group.

    Examples
    --------
    >>> policy = FunctionPolicy(decide=lambda state: {"generating_mw": 100.0 * (state.price_per_mwh > 300)})
    """

    decide: Callable[[Any], dict[str, Any]]  # PolicyState (a Plant) or NetworkPolicyState (a Network)
    lower_target_level_masl: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = "FunctionPolicy"
        if not callable(self.decide):
            raise iv.fail(
                "decide",
                "must be a function of the PolicyState returning a dict of decisions",
                type(self.decide).__name__,
                where,
            )
        _check_level("lower_target_level_masl", self.lower_target_level_masl, where)
        if not isinstance(self.meta, dict):
            raise iv.fail("meta", "must be a dict", type(self.meta).__name__, where)


def _check_level(name: str, value: Any, where: str) -> None:
    """A level that may be None: a finite number (not a bool or a string)."""
    if value is None:
        return
    if isinstance(value, bool | str | bytes):
        raise iv.fail(name, "must be a number (a level) or None", value, where)
    iv.finite(name, value, where)


def lower_target_volume_hm3(plant: Any, level_masl: float | None, where: str) -> float:
    """Volume of the lower reservoir at the level the automatic release holds (its initial level when None),
    which must lie within the reservoir's operating levels; 0 for a plant without a lower reservoir. [hm³]"""
    low = plant.lower
    if low is None:
        return 0.0
    if level_masl is None:
        return float(low.curve.volume_hm3_at(low.initial_level_masl))
    z = float(level_masl)
    if not low.min_level_masl <= z <= low.max_level_masl:
        raise iv.fail(
            "lower_target_level_masl",
            f"must lie within reservoir '{low.name}''s operating levels, "
            f"{low.min_level_masl:g} to {low.max_level_masl:g} m a.s.l.",
            z,
            where,
        )
    return float(low.curve.volume_hm3_at(z))
