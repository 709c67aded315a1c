"""Scenarios: the time series a plant is run against (inflows, prices, renewables, line limits).

A :class:`Scenario` holds pandas Series on one regular DatetimeIndex. Build one from your own
Series, or take :func:`hydro_sim.reference_year`.

Inflows come in one of two forms:

- **by reservoir name**, ``inflow_m3s={"Lianghekou": s1, "Yagen-I": s2}``, for a network of any number of
  reservoirs. A reservoir without an entry gets zero inflow; a name the network does not have is refused by
  :meth:`hydro_sim.network.Network.inflows_m3s` (the one place models read inflows).
- **by role**, ``inflow_upper_m3s`` (and ``inflow_lower_m3s``, zero if not given), for a plant of one or two
  reservoirs: the upper series is the first reservoir's, the lower one the second's.

Giving both forms is refused. The role attributes of a scenario given by name raise an error that says
where its inflows are (``inflow_m3s[name]``), so that no code reads a wrong series silently.

Examples
--------
>>> import pandas as pd
>>> idx = pd.date_range("2025-01-01", periods=48, freq="h")
>>> sc = Scenario(inflow_upper_m3s=pd.Series(100.0, index=idx), price_per_mwh=pd.Series(300.0, index=idx))
>>> sc.n_steps, sc.dt_h, sc.window(start_h=24, hours=12).n_steps
(48, 1.0, 12)
>>> named = Scenario(inflow_m3s={"Top": pd.Series(50.0, index=idx), "Bottom": pd.Series(5.0, index=idx)})
>>> named.inflows_by_name, list(named.to_frame().columns)[:2]
(True, ['Top inflow_m3s', 'Bottom inflow_m3s'])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.errors import HydroSimInputError
from hydro_sim.plant import Provenance

__all__ = ["BUSBAR_FIELDS", "INFLOW_SUFFIX", "SERIES_FIELDS", "RoleInflows", "Scenario"]

#: Series fields of a Scenario given by role, in column order.
SERIES_FIELDS: tuple[str, ...] = (
    "inflow_upper_m3s",
    "inflow_lower_m3s",
    "price_per_mwh",
    "pv_available_mw",
    "wind_available_mw",
    "delivery_mw",
    "line_capacity_mw",
)
#: The two role series of the inflows.
ROLE_FIELDS: tuple[str, ...] = SERIES_FIELDS[:2]
#: The series that are not inflows (the busbar's), in column order; the same in both forms.
BUSBAR_FIELDS: tuple[str, ...] = SERIES_FIELDS[2:]
#: Suffix of a named inflow's column and provenance key: ``"{reservoir} inflow_m3s"``.
INFLOW_SUFFIX = " inflow_m3s"
_OPTIONAL_ZERO = ("inflow_lower_m3s", "price_per_mwh", "pv_available_mw", "wind_available_mw")


class RoleInflows(Mapping[str, pd.Series]):
    """The inflows of a scenario given by role: ``inflow_upper_m3s`` and ``inflow_lower_m3s``.

    What :attr:`Scenario.inflow_m3s` holds for a scenario built with the role series; its keys are the two role
    fields, not reservoir names (which reservoir they feed is the network's business:
    :meth:`hydro_sim.network.Network.inflows_m3s`).
    """

    __slots__ = ("lower", "upper")

    def __init__(self, upper: pd.Series, lower: pd.Series) -> None:
        self.upper = upper
        self.lower = lower

    def __getitem__(self, key: str) -> pd.Series:
        if key == "inflow_upper_m3s":
            return self.upper
        if key == "inflow_lower_m3s":
            return self.lower
        raise KeyError(
            f"{key!r}: this scenario gives its inflows by role (inflow_upper_m3s, inflow_lower_m3s), not by "
            "reservoir name; read network.inflows_m3s(scenario) for each reservoir's"
        )

    def __iter__(self) -> Iterator[str]:
        return iter(ROLE_FIELDS)

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return f"RoleInflows(upper mean {self.upper.mean():g} m³/s, lower mean {self.lower.mean():g} m³/s)"


def _aligned(
    field_name: str, value: Any, where: str, index: pd.DatetimeIndex, reference: str, *, non_negative: bool
) -> pd.Series:
    """:func:`iv.series` on the scenario's index, its messages naming the series that set the index.

    (``iv.series`` names ``inflow_upper_m3s`` as the reference; a scenario given by name takes its index from
    its first named inflow. The reference's name should become an argument of ``iv.series``.)
    """
    try:
        return iv.series(field_name, value, where, index=index, non_negative=non_negative)
    except HydroSimInputError as exc:
        if reference == "inflow_upper_m3s":
            raise
        raise HydroSimInputError(str(exc).replace("`inflow_upper_m3s`", f"`{reference}`")) from None


def _named_inflows(value: Any, where: str) -> tuple[dict[str, pd.Series], str]:
    """Check ``inflow_m3s`` (a mapping of reservoir name to Series); return it and the reference's field name."""
    if isinstance(value, pd.DataFrame):
        raise iv.fail(
            "inflow_m3s",
            "must be a mapping of reservoir name to Series, not a DataFrame (use "
            "Scenario.from_frame with '{reservoir} inflow_m3s' columns, or dict(frame))",
            "DataFrame",
            where,
        )
    if not isinstance(value, Mapping):
        raise iv.fail(
            "inflow_m3s",
            "must be a mapping of reservoir name to Series, e.g. {'Lianghekou': s1, 'Yagen-I': s2}",
            type(value).__name__,
            where,
        )
    if not value:
        raise iv.fail(
            "inflow_m3s",
            "must name at least one reservoir (reservoirs without an entry get zero inflow)",
            {},
            where,
        )
    out: dict[str, pd.Series] = {}
    index: pd.DatetimeIndex | None = None
    reference = ""
    for key, series in value.items():
        if not isinstance(key, str) or not key.strip():
            raise iv.fail("inflow_m3s key", "must be a reservoir's name (non-empty text)", key, where)
        if key in SERIES_FIELDS:
            raise iv.fail(
                "inflow_m3s key",
                f"must be a reservoir's name, not the scenario field `{key}` (give the role series as "
                f"`{key}=` instead, or name the reservoir)",
                key,
                where,
            )
        if key.endswith(INFLOW_SUFFIX.strip()):
            raise iv.fail(
                "inflow_m3s key",
                f"must be a reservoir's name without the column suffix '{INFLOW_SUFFIX.strip()}' "
                f"(the column '{key}' is the key '{key.removesuffix(INFLOW_SUFFIX)}')",
                key,
                where,
            )
        name = f"inflow_m3s[{key!r}]"
        if index is None:
            if isinstance(series, pd.Series):
                iv.time_index(name, series.index, where)
            checked = iv.series(name, series, where)
            index, reference = checked.index, name  # type: ignore[assignment]
        else:
            checked = _aligned(name, series, where, index, reference, non_negative=True)
        out[key] = checked.rename(f"{key}{INFLOW_SUFFIX}")
    return out, reference


@dataclass(frozen=True, kw_only=True, eq=False, init=False)
class Scenario:
    """Time series a plant is scheduled or simulated against, on one regular hourly (or coarser) index.

    Parameters
    ----------
    inflow_m3s : Natural inflow into each reservoir, by reservoir name: ``{name: Series}``. A reservoir of the
        network without an entry gets zero inflow. Give this or the role series, not both. [m³/s]
    inflow_upper_m3s : Or, by role: natural inflow to the upper (first) reservoir. [m³/s]
    inflow_lower_m3s : Local inflow to the lower (second) reservoir; zero if not given. [m³/s]
    price_per_mwh : Energy price at the plant's busbar; zero if not given. [money/MWh]
    pv_available_mw : PV power available at the busbar; zero if not given. [MW]
    wind_available_mw : Wind power available at the busbar; zero if not given. [MW]
    delivery_mw : Delivery curve for the firming and tracking objectives; none if not given. [MW]
    line_capacity_mw : Time-varying line limit (e.g. outages); the plant's line rating if not given. [MW]
    name : Label for reports.
    provenance : Where each series comes from, keyed by field name (``"price_per_mwh"``; by role
        ``"inflow_upper_m3s"``) or, for an inflow given by name, by its column ``"{reservoir} inflow_m3s"``.

    Notes
    -----
    The scenario's index is that of its first inflow series; every other series must be on it.
    ``inflow_m3s`` of a scenario given by role is a :class:`RoleInflows` (keys ``inflow_upper_m3s`` and
    ``inflow_lower_m3s``); ``inflow_upper_m3s`` and ``inflow_lower_m3s`` of a scenario given by name raise
    :class:`~hydro_sim.errors.HydroSimInputError` naming ``inflow_m3s[name]`` and
    ``network.inflows_m3s(scenario)``.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2025-01-01", periods=3, freq="h")
    >>> sc = Scenario(inflow_m3s={"Lianghekou": pd.Series([600.0, 650.0, 700.0], index=idx)})
    >>> sc.inflow_m3s["Lianghekou"].tolist(), sc.series("Lianghekou inflow_m3s").name
    ([600.0, 650.0, 700.0], 'Lianghekou inflow_m3s')
    >>> sc.inflow_upper_m3s
    Traceback (most recent call last):
    ...
    hydro_sim.errors.HydroSimInputError: `inflow_upper_m3s` (['Lianghekou']) is not defined for a scenario that gives its inflows by reservoir name: read `scenario.inflow_m3s[name]`, or `network.inflows_m3s(scenario)` for the array of every reservoir in Scenario 'scenario'
    """

    # Types of the attributes after construction: the inflows (by name, or a RoleInflows), the three busbar
    # series that default to zero are always present, the delivery curve and the line limit may be absent.
    inflow_m3s: Mapping[str, pd.Series]
    price_per_mwh: pd.Series
    pv_available_mw: pd.Series
    wind_available_mw: pd.Series
    delivery_mw: pd.Series | None = None
    line_capacity_mw: pd.Series | None = None
    name: str = "scenario"
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def __init__(
        self,
        *,
        inflow_m3s: Mapping[str, pd.Series] | None = None,
        inflow_upper_m3s: pd.Series | None = None,
        inflow_lower_m3s: pd.Series | None = None,
        price_per_mwh: pd.Series | None = None,
        pv_available_mw: pd.Series | None = None,
        wind_available_mw: pd.Series | None = None,
        delivery_mw: pd.Series | None = None,
        line_capacity_mw: pd.Series | None = None,
        name: str = "scenario",
        provenance: Mapping[str, Provenance] = MappingProxyType({}),
    ) -> None:
        # Written out (not generated by @dataclass) because the zero-filled series are optional arguments
        # but never-None attributes, and the inflows come in two forms. ``dataclasses.replace`` passes the
        # stored ``inflow_m3s`` back in: a RoleInflows there means the role form, whose series an explicit
        # ``inflow_upper_m3s``/``inflow_lower_m3s`` replaces.
        iv.text("name", name, "Scenario")
        where = f"Scenario '{name}'"
        object.__setattr__(self, "name", name)
        if isinstance(inflow_m3s, RoleInflows):
            inflow_upper_m3s = inflow_m3s.upper if inflow_upper_m3s is None else inflow_upper_m3s
            inflow_lower_m3s = inflow_m3s.lower if inflow_lower_m3s is None else inflow_lower_m3s
            inflow_m3s = None
        if inflow_m3s is not None:
            for role, value in (
                ("inflow_upper_m3s", inflow_upper_m3s),
                ("inflow_lower_m3s", inflow_lower_m3s),
            ):
                if value is not None:
                    raise iv.fail(
                        "inflow_m3s",
                        f"and `{role}` must not both be given: give the inflows by reservoir name "
                        "(`inflow_m3s`) or by role (`inflow_upper_m3s`, `inflow_lower_m3s`), not both",
                        sorted(map(str, inflow_m3s)) if isinstance(inflow_m3s, Mapping) else inflow_m3s,
                        where,
                    )
            named, reference = _named_inflows(inflow_m3s, where)
            idx = next(iter(named.values())).index
            object.__setattr__(self, "inflow_m3s", MappingProxyType(named))
            keys: tuple[str, ...] = tuple(f"{k}{INFLOW_SUFFIX}" for k in named) + BUSBAR_FIELDS
        else:
            if inflow_upper_m3s is None:
                raise iv.fail(
                    "inflow_upper_m3s",
                    "must be a pandas Series, or give the inflows by reservoir name: "
                    "`inflow_m3s={reservoir: Series}`",
                    "NoneType",
                    where,
                )
            if isinstance(inflow_upper_m3s, pd.Series):
                iv.time_index("inflow_upper_m3s", inflow_upper_m3s.index, where)
            first = iv.series("inflow_upper_m3s", inflow_upper_m3s, where).rename("inflow_upper_m3s")
            idx = first.index  # type: ignore[assignment]
            reference = "inflow_upper_m3s"
            lower = (
                pd.Series(0.0, index=idx, name="inflow_lower_m3s")
                if inflow_lower_m3s is None
                else _aligned("inflow_lower_m3s", inflow_lower_m3s, where, idx, reference, non_negative=True)
            ).rename("inflow_lower_m3s")
            object.__setattr__(self, "inflow_m3s", RoleInflows(first, lower))
            keys = SERIES_FIELDS
        given = {
            "price_per_mwh": price_per_mwh,
            "pv_available_mw": pv_available_mw,
            "wind_available_mw": wind_available_mw,
            "delivery_mw": delivery_mw,
            "line_capacity_mw": line_capacity_mw,
        }
        for series_name in BUSBAR_FIELDS:
            value = given[series_name]
            if value is None:
                if series_name in _OPTIONAL_ZERO:
                    value = pd.Series(0.0, index=idx, name=series_name)
            else:
                value = _aligned(
                    series_name,
                    value,
                    where,
                    idx,  # type: ignore[arg-type]
                    reference,
                    non_negative=series_name != "price_per_mwh",
                ).rename(series_name)
            object.__setattr__(self, series_name, value)
        prov = iv.provenance_mapping("provenance", provenance, where, keys=keys)
        object.__setattr__(self, "provenance", MappingProxyType(prov))

    # -- the inflows ---------------------------------------------------------------------------------
    @property
    def inflows_by_name(self) -> bool:
        """True if the inflows are given by reservoir name (``inflow_m3s``), False if by role."""
        return not isinstance(self.inflow_m3s, RoleInflows)

    def _not_by_role(self, field_name: str) -> HydroSimInputError:
        return iv.fail(
            field_name,
            "is not defined for a scenario that gives its inflows by reservoir name: read "
            "`scenario.inflow_m3s[name]`, or `network.inflows_m3s(scenario)` for the array of every reservoir",
            list(self.inflow_m3s),
            f"Scenario '{self.name}'",
        )

    @property
    def inflow_upper_m3s(self) -> pd.Series:
        """Natural inflow to the upper reservoir (a scenario given by role only). [m³/s]"""
        inflows = self.inflow_m3s
        if isinstance(inflows, RoleInflows):
            return inflows.upper
        raise self._not_by_role("inflow_upper_m3s")

    @property
    def inflow_lower_m3s(self) -> pd.Series:
        """Local inflow to the lower reservoir (a scenario given by role only). [m³/s]"""
        inflows = self.inflow_m3s
        if isinstance(inflows, RoleInflows):
            return inflows.lower
        raise self._not_by_role("inflow_lower_m3s")

    @property
    def series_names(self) -> tuple[str, ...]:
        """The names :meth:`series` takes and the columns :meth:`to_frame` can hold, in column order."""
        if self.inflows_by_name:
            return tuple(f"{k}{INFLOW_SUFFIX}" for k in self.inflow_m3s) + BUSBAR_FIELDS
        return SERIES_FIELDS

    def by_reservoir(self, upper: str, lower: str | None = None) -> Scenario:
        """This scenario with its role inflows given by reservoir name: ``inflow_upper_m3s`` as ``upper``'s,
        ``inflow_lower_m3s`` as ``lower``'s (refused if it is not all zero and no ``lower`` is named).

        The busbar's series, the name and the provenance are kept (an inflow's provenance moves to its
        column ``"{reservoir} inflow_m3s"``).

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.date_range("2030-01-01", periods=2, freq="h")
        >>> sc = Scenario(inflow_upper_m3s=pd.Series(600.0, index=idx), inflow_lower_m3s=pd.Series(9.0, index=idx))
        >>> list(sc.by_reservoir("Lianghekou", "Yagen-I").to_frame().columns)[:2]
        ['Lianghekou inflow_m3s', 'Yagen-I inflow_m3s']
        """
        where = f"Scenario '{self.name}'.by_reservoir()"
        if self.inflows_by_name:
            raise iv.fail(
                "scenario",
                "already gives its inflows by reservoir name",
                list(self.inflow_m3s),
                where,
            )
        iv.text("upper", upper, where)
        if lower is not None:
            iv.text("lower", lower, where)
            if lower == upper:
                raise iv.fail("lower", f"must differ from `upper` ('{upper}')", lower, where)
        elif (self.inflow_lower_m3s.to_numpy() != 0.0).any():
            raise iv.fail(
                "lower",
                "must name the reservoir that receives `inflow_lower_m3s`, which is not all zero",
                None,
                where,
            )
        inflows = {upper: self.inflow_upper_m3s}
        if lower is not None:
            inflows[lower] = self.inflow_lower_m3s
        names = {"inflow_upper_m3s": upper, "inflow_lower_m3s": lower}
        prov = {}
        for key, value in self.provenance.items():
            if key in ROLE_FIELDS:
                if names[key] is not None:
                    prov[f"{names[key]}{INFLOW_SUFFIX}"] = value
            else:
                prov[key] = value
        busbar = {n: getattr(self, n) for n in BUSBAR_FIELDS}
        return Scenario(inflow_m3s=inflows, **busbar, name=self.name, provenance=prov)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle and copy by the constructor's arguments (the read-only mappings do not pickle themselves)."""
        inflows = self.inflow_m3s
        kw: dict[str, Any] = (
            {"inflow_upper_m3s": inflows.upper, "inflow_lower_m3s": inflows.lower}
            if isinstance(inflows, RoleInflows)
            else {"inflow_m3s": dict(inflows)}
        )
        kw |= {n: getattr(self, n) for n in BUSBAR_FIELDS}
        kw |= {"name": self.name, "provenance": dict(self.provenance)}
        return (_scenario_from_arguments, (kw,))

    def _with_series(self, cut: Any) -> Scenario:
        """This scenario with every present series passed through ``cut`` (a Series → Series function)."""
        inflows = self.inflow_m3s
        new_inflows: Mapping[str, pd.Series] = (
            RoleInflows(cut(inflows.upper), cut(inflows.lower))
            if isinstance(inflows, RoleInflows)
            else {k: cut(s) for k, s in inflows.items()}
        )
        busbar: dict[str, Any] = {
            n: (cut(getattr(self, n)) if getattr(self, n) is not None else None) for n in BUSBAR_FIELDS
        }
        return replace(self, inflow_m3s=new_inflows, **busbar)

    # -- views -------------------------------------------------------------------------------------
    @property
    def index(self) -> pd.DatetimeIndex:
        """Time stamps: the start of each step."""
        return next(iter(self.inflow_m3s.values())).index  # type: ignore[return-value]

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
        """One series by field name, or a named inflow by its column ``"{reservoir} inflow_m3s"``.

        The role names ``inflow_upper_m3s``/``inflow_lower_m3s`` of a scenario given by name raise the error
        that says where its inflows are.
        """
        if self.inflows_by_name and isinstance(name, str) and name.endswith(INFLOW_SUFFIX):
            key = name.removesuffix(INFLOW_SUFFIX)
            if key in self.inflow_m3s:
                return self.inflow_m3s[key]
        if self.inflows_by_name and name in ROLE_FIELDS:
            raise self._not_by_role(name)
        if name not in self.series_names:
            raise iv.fail(
                "name",
                f"must be one of {', '.join(self.series_names)}",
                name,
                f"Scenario '{self.name}'.series",
            )
        return getattr(self, name)

    @property
    def local_day(self) -> pd.DatetimeIndex:
        """The local calendar day of each step, as a tz-naive midnight (one label per step).

        For a tz-aware index the day is read from the local wall clock of the index's own zone, so a
        daylight-saving day has 23 or 25 hourly steps (and in a zone whose clocks change at midnight, such as
        America/Santiago, the day still starts at its first local step). Group by it for daily balances.

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.date_range("2025-03-29", periods=72, freq="h", tz="Europe/Berlin")
        >>> sc = Scenario(inflow_upper_m3s=pd.Series(1.0, index=idx))
        >>> sc.local_day.value_counts().sort_index().tolist()          # 30 March has 23 hours
        [24, 23, 24, 1]
        """
        return pd.DatetimeIndex(self.index.tz_localize(None).normalize(), name="local_day")

    def to_frame(self) -> pd.DataFrame:
        """All present series as one DataFrame with unit-suffixed columns, on the scenario's index (tz kept).

        Inflows given by name are the columns ``"{reservoir} inflow_m3s"`` (in the order given), those by
        role ``inflow_upper_m3s`` and ``inflow_lower_m3s``; then the busbar's series.
        """
        cols: dict[str, pd.Series] = {}
        for n in self.series_names:
            value = self.series(n)
            if value is not None:
                cols[n] = value
        return pd.DataFrame(cols, index=self.index)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        name: str = "scenario",
        provenance: Mapping[str, Provenance] | None = None,
    ) -> Scenario:
        """Build a scenario from a DataFrame whose columns are Scenario field names (unknown ones refused).

        Inflows by role are the columns ``inflow_upper_m3s`` (required in that form) and ``inflow_lower_m3s``;
        inflows by reservoir name the columns ``"{reservoir} inflow_m3s"`` (at least one); a frame may not mix
        the two forms. The frame's index becomes the scenario's index (a tz-aware index keeps its zone).

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.date_range("2025-01-01", periods=3, freq="h", tz="Europe/Berlin")
        >>> str(Scenario.from_frame(pd.DataFrame({"inflow_upper_m3s": [1.0, 2.0, 3.0]}, index=idx)).index.tz)
        'Europe/Berlin'
        """
        where = f"Scenario.from_frame '{name}'" if isinstance(name, str) else "Scenario.from_frame"
        iv.text("name", name, where)
        if not isinstance(frame, pd.DataFrame):
            hint = (
                ": build one with pd.DataFrame(data, index=time_stamps)" if isinstance(frame, Mapping) else ""
            )
            raise iv.fail("frame", f"must be a pandas DataFrame{hint}", type(frame).__name__, where)
        cols = list(frame.columns)
        if frame.columns.has_duplicates:
            dup = [c for c in cols if cols.count(c) > 1]
            raise iv.fail("columns", "must not repeat a column", sorted(set(map(str, dup))), where)
        named = [
            c for c in cols if isinstance(c, str) and c.endswith(INFLOW_SUFFIX) and c not in SERIES_FIELDS
        ]
        unknown = [c for c in cols if not isinstance(c, str) or (c not in SERIES_FIELDS and c not in named)]
        if unknown:
            raise iv.fail(
                "columns",
                f"must be Scenario fields ({', '.join(SERIES_FIELDS)}) or inflows by reservoir name "
                f"('{{reservoir}}{INFLOW_SUFFIX}')",
                unknown,
                where,
            )
        roles = [c for c in cols if c in ROLE_FIELDS]
        if named and roles:
            raise iv.fail(
                "columns",
                "must give the inflows by reservoir name ('{reservoir} inflow_m3s') or by role "
                f"({', '.join(ROLE_FIELDS)}), not both",
                named[:1] + roles,
                where,
            )
        if not named and "inflow_upper_m3s" not in cols:
            raise iv.fail(
                "columns",
                f"must include `inflow_upper_m3s`, or inflows by reservoir name ('{{reservoir}}{INFLOW_SUFFIX}')",
                cols,
                where,
            )
        prov = {} if provenance is None else provenance
        busbar = {c: frame[c] for c in cols if c in BUSBAR_FIELDS}
        if named:
            inflows = {c.removesuffix(INFLOW_SUFFIX): frame[c] for c in named}
            return cls(inflow_m3s=inflows, **busbar, name=name, provenance=prov)
        return cls(**{c: frame[c] for c in roles}, **busbar, name=name, provenance=prov)

    def _timestamp(self, start: Any, where: str) -> pd.Timestamp:
        """``start`` as a time stamp in the index's zone (a naive stamp on a tz-aware index is local time)."""
        if isinstance(start, (bool, int, float, np.number)):
            raise iv.fail(
                "start",
                "must be a time stamp such as '2025-07-01 00:00' (use `start_h` for hours into the scenario)",
                start,
                where,
            )
        try:
            ts = pd.Timestamp(start)
        except (TypeError, ValueError, OverflowError):
            raise iv.fail("start", "must be a time stamp such as '2025-07-01 00:00'", start, where) from None
        if ts is pd.NaT:
            raise iv.fail("start", "must be a time stamp, not NaT", str(start), where)
        tz = self.index.tz
        if tz is None:
            if ts.tz is not None:
                raise iv.fail(
                    "start",
                    "must be tz-naive like the scenario index (drop the zone or offset)",
                    str(ts),
                    where,
                )
            return ts
        if ts.tz is not None:
            return ts.tz_convert(tz)
        try:
            return ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except (ValueError, TypeError):  # pandas' AmbiguousTimeError and NonExistentTimeError are ValueErrors
            pass
        try:
            both = [ts.tz_localize(tz, ambiguous=flag).isoformat(sep=" ") for flag in (True, False)]
        except (ValueError, TypeError):
            raise iv.fail(
                "start",
                f"does not exist on the local clock of {tz}: the clocks jump over it at a "
                "daylight-saving change",
                str(ts),
                where,
            ) from None
        raise iv.fail(
            "start",
            f"occurs twice on the local clock of {tz} (the clocks go back at a daylight-saving "
            f"change): give its UTC offset, '{both[0]}' or '{both[1]}'",
            str(ts),
            where,
        )

    def window(
        self, *, start_h: float | None = None, hours: float | None = None, start: Any = None
    ) -> Scenario:
        """A cut of the scenario, ``hours`` long (to the end if not given), from ``start_h`` or ``start``.

        Parameters
        ----------
        start_h : Where the window starts, in hours after the scenario's first time stamp (a whole number of
            steps); 0 if neither this nor ``start`` is given. [h]
        hours : Length of the window, a whole, positive number of steps; to the end if not given. [h]
        start : Or: the time stamp of the window's first step, e.g. ``"2025-07-01"`` or a
            :class:`pandas.Timestamp`; it must be one of the scenario's time stamps. On a tz-aware scenario a
            naive stamp is read on the local clock of the index's zone, and an aware one is converted to it.

        Notes
        -----
        Only one of ``start_h`` and ``start`` may be given. A window must lie inside the scenario (no start
        before the first or past the last step, no end past the last step). A window keeps the scenario's form
        of inflows (by reservoir name or by role), its name and its provenance.

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.date_range("2025-01-01", periods=10, freq="h")
        >>> sc = Scenario(inflow_upper_m3s=pd.Series(range(10), index=idx, dtype=float))
        >>> sc.window(start_h=2, hours=3).inflow_upper_m3s.tolist()
        [2.0, 3.0, 4.0]
        >>> sc.window(start="2025-01-01 07:00").inflow_upper_m3s.tolist()
        [7.0, 8.0, 9.0]
        """
        where = f"Scenario.window of '{self.name}'"
        first, last = self.index[0], self.index[-1]
        if start is not None and start_h is not None:
            raise iv.fail(
                "start",
                f"and `start_h` ({start_h!r}) must not both be given: choose a time stamp or "
                "hours into the scenario",
                str(start),
                where,
            )
        if start is not None:
            ts = self._timestamp(start, where)
            if ts < first:
                raise iv.fail(
                    "start", f"lies before the scenario's first time stamp ({first})", str(ts), where
                )
            if ts > last:
                raise iv.fail("start", f"lies after the scenario's last time stamp ({last})", str(ts), where)
            pos = int(self.index.searchsorted(ts))
            if self.index[pos] != ts:
                raise iv.fail(
                    "start",
                    f"must be one of the scenario's time stamps (steps of {self.dt_h:g} h from {first})",
                    str(ts),
                    where,
                )
        else:
            s = iv.non_negative("start_h", 0.0 if start_h is None else start_h, where)
            pos_f = s / self.dt_h
            if abs(pos_f - round(pos_f)) > 1e-9:
                raise iv.fail("start_h", f"must be a whole number of steps of {self.dt_h} h", s, where)
            pos = round(pos_f)
            if pos >= self.n_steps:
                raise iv.fail(
                    "start_h",
                    f"starts past the scenario's end ({self.n_steps} steps of {self.dt_h} h)",
                    start_h,
                    where,
                )
        if hours is None:
            n = self.n_steps - pos
        else:
            h = iv.positive("hours", hours, where)
            n_f = h / self.dt_h
            if abs(n_f - round(n_f)) > 1e-9 or round(n_f) < 1:
                raise iv.fail("hours", f"must be a whole number of steps of {self.dt_h} h", h, where)
            n = round(n_f)
        if pos + n > self.n_steps:
            raise iv.fail(
                "hours",
                f"runs past the scenario's end ({self.n_steps} steps; window starts at step "
                f"{pos}, {self.index[pos]})",
                hours,
                where,
            )
        sl = slice(pos, pos + n)
        new_index = self.index[sl]
        if new_index.freq is None:
            new_index = pd.DatetimeIndex(new_index, freq=pd.Timedelta(hours=self.dt_h))
        return self._with_series(lambda s: s.iloc[sl].set_axis(new_index))

    def summary(self) -> pd.DataFrame:
        """Mean, minimum and maximum of every series, one row each."""
        frame = self.to_frame()
        return pd.DataFrame({"mean": frame.mean(), "min": frame.min(), "max": frame.max()})


def _scenario_from_arguments(kwargs: dict[str, Any]) -> Scenario:
    """Rebuild a pickled or copied :class:`Scenario` (see ``Scenario.__reduce__``)."""
    return Scenario(**kwargs)
