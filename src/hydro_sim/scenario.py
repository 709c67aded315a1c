"""Scenarios: the time series a plant is run against (inflows, prices, renewables, line limits).

A :class:`Scenario` holds pandas Series on one regular DatetimeIndex. Build one from your own
Series, or take :func:`hydro_sim.reference_year`.

Examples
--------
>>> import pandas as pd
>>> idx = pd.date_range("2025-01-01", periods=48, freq="h")
>>> sc = Scenario(inflow_upper_m3s=pd.Series(100.0, index=idx), price_cny_per_mwh=pd.Series(300.0, index=idx))
>>> sc.n_steps, sc.dt_h, sc.window(start_h=24, hours=12).n_steps
(48, 1.0, 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.plant import Provenance

__all__ = ["SERIES_FIELDS", "Scenario"]

#: Series fields of a Scenario, in column order.
SERIES_FIELDS: tuple[str, ...] = (
    "inflow_upper_m3s",
    "inflow_lower_m3s",
    "price_cny_per_mwh",
    "pv_available_mw",
    "wind_available_mw",
    "delivery_mw",
    "line_capacity_mw",
)
_OPTIONAL_ZERO = ("inflow_lower_m3s", "price_cny_per_mwh", "pv_available_mw", "wind_available_mw")


@dataclass(frozen=True, kw_only=True, eq=False)
class Scenario:
    """Time series a plant is scheduled or simulated against, on one regular hourly (or coarser) index.

    Parameters
    ----------
    inflow_upper_m3s : Natural inflow to the upper reservoir. [m³/s]
    inflow_lower_m3s : Local inflow to the lower reservoir; zero if not given. [m³/s]
    price_cny_per_mwh : Energy price at the plant's busbar; zero if not given. [CNY/MWh]
    pv_available_mw : PV power available at the busbar; zero if not given. [MW]
    wind_available_mw : Wind power available at the busbar; zero if not given. [MW]
    delivery_mw : Delivery curve for the firming and tracking objectives; none if not given. [MW]
    line_capacity_mw : Time-varying line limit (e.g. outages); the plant's line rating if not given. [MW]
    name : Label for reports.
    provenance : Where each series comes from, keyed by field name.
    """

    inflow_upper_m3s: pd.Series
    inflow_lower_m3s: pd.Series | None = None
    price_cny_per_mwh: pd.Series | None = None
    pv_available_mw: pd.Series | None = None
    wind_available_mw: pd.Series | None = None
    delivery_mw: pd.Series | None = None
    line_capacity_mw: pd.Series | None = None
    name: str = "scenario"
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"Scenario '{self.name}'"
        first = iv.series("inflow_upper_m3s", self.inflow_upper_m3s, where)
        idx = first.index
        if not isinstance(idx, pd.DatetimeIndex):
            raise iv.fail("inflow_upper_m3s.index", "must be a pandas DatetimeIndex", type(idx).__name__, where)
        if len(idx) < 1:
            raise iv.fail("inflow_upper_m3s", "must have at least one step", 0, where)
        if not idx.is_monotonic_increasing or idx.has_duplicates:
            raise iv.fail("inflow_upper_m3s.index", "must rise strictly in time (sorted, no duplicates)",
                          str(idx[:3].tolist()), where)
        if len(idx) > 1:
            steps = np.diff(idx.values)
            if not np.all(steps == steps[0]):
                i = int(np.argmax(steps != steps[0]))
                raise iv.fail("inflow_upper_m3s.index", f"must be regular, but the step after {idx[i]} differs"
                              f" from the first step ({pd.Timedelta(steps[0])})", str(pd.Timedelta(steps[i])),
                              where)
        elif idx.freq is None:
            raise iv.fail("inflow_upper_m3s.index", "needs a frequency when it has a single step", None, where)
        object.__setattr__(self, "inflow_upper_m3s", first)
        for name in SERIES_FIELDS[1:]:
            value = getattr(self, name)
            if value is None:
                if name in _OPTIONAL_ZERO:
                    object.__setattr__(self, name, pd.Series(0.0, index=idx, name=name))
                continue
            checked = iv.series(name, value, where, index=idx, non_negative=name != "price_cny_per_mwh")
            object.__setattr__(self, name, checked.rename(name))
        object.__setattr__(self, "inflow_upper_m3s", first.rename("inflow_upper_m3s"))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    # -- views -------------------------------------------------------------------------------------
    @property
    def index(self) -> pd.DatetimeIndex:
        """Time stamps: the start of each step."""
        return self.inflow_upper_m3s.index  # type: ignore[return-value]

    @property
    def n_steps(self) -> int:
        return len(self.index)

    @property
    def dt_h(self) -> float:
        """Step length. [h]"""
        idx = self.index
        if len(idx) > 1:
            return float((idx[1] - idx[0]) / pd.Timedelta(hours=1))
        return float(pd.Timedelta(idx.freq) / pd.Timedelta(hours=1))  # type: ignore[arg-type]

    @property
    def hours(self) -> float:
        """Length of the horizon. [h]"""
        return self.n_steps * self.dt_h

    def series(self, name: str) -> pd.Series | None:
        """One series by field name."""
        if name not in SERIES_FIELDS:
            raise iv.fail("name", f"must be one of {', '.join(SERIES_FIELDS)}", name, "Scenario.series")
        return getattr(self, name)

    def to_frame(self) -> pd.DataFrame:
        """All present series as one DataFrame with unit-suffixed columns."""
        cols = {n: getattr(self, n) for n in SERIES_FIELDS if getattr(self, n) is not None}
        return pd.DataFrame(cols, index=self.index)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, name: str = "scenario",
                   provenance: Mapping[str, Provenance] | None = None) -> Scenario:
        """Build a scenario from a DataFrame whose columns are Scenario field names (unknown ones refused)."""
        unknown = [c for c in frame.columns if c not in SERIES_FIELDS]
        if unknown:
            raise iv.fail("columns", f"must be Scenario fields ({', '.join(SERIES_FIELDS)})", unknown,
                          f"Scenario.from_frame '{name}'")
        if "inflow_upper_m3s" not in frame.columns:
            raise iv.fail("columns", "must include `inflow_upper_m3s`", list(frame.columns),
                          f"Scenario.from_frame '{name}'")
        return cls(**{c: frame[c] for c in frame.columns}, name=name, provenance=provenance or {})

    def window(self, *, start_h: float = 0.0, hours: float | None = None, start: Any = None) -> Scenario:
        """A cut of the scenario: ``hours`` long, starting ``start_h`` hours in (or at time stamp ``start``).

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.date_range("2025-01-01", periods=10, freq="h")
        >>> Scenario(inflow_upper_m3s=pd.Series(range(10), index=idx, dtype=float)).window(
        ...     start_h=2, hours=3).inflow_upper_m3s.tolist()
        [2.0, 3.0, 4.0]
        """
        where = f"Scenario.window of '{self.name}'"
        if start is not None:
            ts = pd.Timestamp(start)
            pos = int(self.index.searchsorted(ts))
            if pos >= self.n_steps or self.index[pos] != ts:
                raise iv.fail("start", "must be one of the scenario's time stamps", str(ts), where)
        else:
            s = iv.non_negative("start_h", start_h, where)
            pos_f = s / self.dt_h
            if abs(pos_f - round(pos_f)) > 1e-9:
                raise iv.fail("start_h", f"must be a whole number of steps of {self.dt_h} h", s, where)
            pos = int(round(pos_f))
        if hours is None:
            n = self.n_steps - pos
        else:
            h = iv.positive("hours", hours, where)
            n_f = h / self.dt_h
            if abs(n_f - round(n_f)) > 1e-9:
                raise iv.fail("hours", f"must be a whole number of steps of {self.dt_h} h", h, where)
            n = int(round(n_f))
        if pos >= self.n_steps:
            raise iv.fail("start_h", f"starts past the scenario's end ({self.n_steps} steps of {self.dt_h} h)",
                          start_h if start is None else str(start), where)
        if pos + n > self.n_steps:
            raise iv.fail("hours", f"runs past the scenario's end ({self.n_steps} steps; window starts at step "
                          f"{pos})", hours, where)
        sl = slice(pos, pos + n)
        new_index = self.index[sl]
        if new_index.freq is None:
            new_index = pd.DatetimeIndex(new_index, freq=pd.Timedelta(hours=self.dt_h))
        kwargs = {name: (getattr(self, name).iloc[sl].set_axis(new_index) if getattr(self, name) is not None
                         else None) for name in SERIES_FIELDS}
        return replace(self, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Mean, minimum and maximum of every series, one row each."""
        frame = self.to_frame()
        return pd.DataFrame({"mean": frame.mean(), "min": frame.min(), "max": frame.max()})
