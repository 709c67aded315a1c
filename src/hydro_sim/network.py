"""The plant as a network: named nodes and links, the checks on its graph, and one water-balance matrix.

A plant is a directed graph (design brief §3), not a set of fixed roles:

- **nodes** are reservoirs (:class:`~hydro_sim.plant.Reservoir`: a level–volume table, operating levels,
  an initial level) and river sinks (:class:`RiverSink`: water leaving the model, at a tailwater level that
  is constant or read from a tailwater–discharge table);
- **links** carry water from one node to another: turbine groups (:class:`TurbineLink`), pump-turbine
  groups (:class:`PumpTurbineLink`, generating ``upper → lower`` and pumping ``lower → upper``), spillways
  (:class:`Spillway`) and outlets or releases (:class:`Release`, with the environmental minimum, maximum and
  ramp of the release). Any number of each on any reservoir.

The water balance of every reservoir r and step t is one matrix product,

.. math::

    V_{r,t} = V_{r,t-1} + c\\,\\Big(I_{r,t} + \\sum_j A_{r,j}\\, q_{j,t}\\Big), \\qquad c = 0.0036\\,\\Delta t,

over the network's flow columns j (one per link, two for a pump-turbine group: generating and pumping),
with A[r, j] = −1 where column j takes water out of r and +1 where it brings water into r
(:meth:`Network.incidence`). Sinks are outside the balance: their water has left the model.

The dispatch optimiser works on this graph (a :class:`~hydro_sim.plant.Plant` is dispatched as
:func:`network_of` of it); the simulator runs a Network on its data-driven kernel and a Plant on the
two-reservoir SIMD kernel.

Examples
--------
>>> from hydro_sim.examples import textbook_plant
>>> net = network_of(textbook_plant())
>>> [c.name for c in net.flow_columns()]
['units', 'lake spillway']
>>> net.incidence().tolist()       # the lake loses the water of both columns to the river
[[-1.0, -1.0]]
>>> net.sinks[0].environmental_min_flow_m3s   # the plant's release minimum, on the river reach
5.0
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.balance import incidence_residual_hm3
from hydro_sim.constants import G_M_S2, HM3_PER_M3S_HOUR, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.errors import HydroSimInputError
from hydro_sim.plant import (
    GridLine,
    Plant,
    Provenance,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
    _walk,
    unit_of,
)

if TYPE_CHECKING:
    from hydro_sim.scenario import Scenario

__all__ = [
    "FlowColumn",
    "Network",
    "PumpTurbineLink",
    "Release",
    "RiverSink",
    "Spillway",
    "TailwaterCurve",
    "TurbineLink",
    "hybrid_network",
    "network_of",
]


@dataclass(frozen=True, kw_only=True)
class TailwaterCurve:
    """Tailwater level as a function of the discharge into the river: a rising table.

    Parameters
    ----------
    discharge_m3s : tuple of float
        Discharges of the table, strictly rising, the first ≥ 0. [m³/s]
    level_masl : tuple of float
        River levels at those discharges, rising (a river does not fall as more water enters). [m a.s.l.]

    Examples
    --------
    >>> TailwaterCurve(discharge_m3s=(0.0, 1000.0), level_masl=(2500.0, 2504.0)).level_masl_at(250.0)
    2501.0
    """

    discharge_m3s: tuple[float, ...]
    level_masl: tuple[float, ...]

    def __post_init__(self) -> None:
        where = "TailwaterCurve"
        q = iv.strictly_increasing("discharge_m3s", self.discharge_m3s, where)
        z = tuple(
            iv.finite(f"level_masl[{i}]", v, where)
            for i, v in enumerate(iv.real_array("level_masl", self.level_masl, where).ravel())
        )
        if len(z) != len(q):
            raise iv.fail("level_masl", f"must hold one level per discharge ({len(q)})", len(z), where)
        if q[0] < 0.0:
            raise iv.fail("discharge_m3s", "must start at a discharge ≥ 0", q[0], where)
        falls = [i for i in range(1, len(z)) if z[i] < z[i - 1]]
        if falls:
            raise iv.fail(
                "level_masl",
                f"must not fall as the discharge rises (entry {falls[0]} is below entry {falls[0] - 1})",
                list(z),
                where,
            )
        object.__setattr__(self, "discharge_m3s", q)
        object.__setattr__(self, "level_masl", z)

    def level_masl_at(self, discharge_m3s: Any) -> Any:
        """River level at a discharge, interpolated in the table and held at its last level beyond it.

        Beyond the table's largest discharge the level is extended along the last segment (never clipped).
        [m a.s.l.]
        """
        q = np.asarray(discharge_m3s, dtype=float)
        xs, ys = np.asarray(self.discharge_m3s), np.asarray(self.level_masl)
        slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        out = np.where(q > xs[-1], ys[-1] + (q - xs[-1]) * slope, np.interp(q, xs, ys))
        return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, kw_only=True)
class RiverSink:
    """Where water leaves the model: a river reach below the last structure.

    Parameters
    ----------
    name : str
        Unique among the network's nodes and links.
    tailwater_level_masl : float, optional
        A constant river level. [m a.s.l.]
    tailwater_curve : TailwaterCurve, optional
        The river level as a function of the total discharge into the sink; give this or the constant.
    environmental_min_flow_m3s : float
        The reach's own minimum: the least total discharge into it from all its links. [m³/s]
    max_flow_m3s : float
        The largest total discharge into the reach; infinite by default. [m³/s]
    max_ramp_m3s_per_h : float
        Largest change of the total discharge from one hour to the next; infinite by default. [m³/s per h]
    """

    name: str
    tailwater_level_masl: float | None = None
    tailwater_curve: TailwaterCurve | None = None
    environmental_min_flow_m3s: float = 0.0
    max_flow_m3s: float = math.inf
    max_ramp_m3s_per_h: float = math.inf

    def __post_init__(self) -> None:
        iv.text("name", self.name, "RiverSink")
        where = f"RiverSink '{self.name}'"
        if (self.tailwater_level_masl is None) == (self.tailwater_curve is None):
            raise iv.fail(
                "tailwater_level_masl",
                "or `tailwater_curve` must be given, exactly one of them",
                self.tailwater_level_masl,
                where,
            )
        if self.tailwater_level_masl is not None:
            object.__setattr__(
                self,
                "tailwater_level_masl",
                iv.finite("tailwater_level_masl", self.tailwater_level_masl, where),
            )
        if self.tailwater_curve is not None and not isinstance(self.tailwater_curve, TailwaterCurve):
            raise iv.fail(
                "tailwater_curve", "must be a TailwaterCurve", type(self.tailwater_curve).__name__, where
            )
        _flow_limits(self, "max_flow_m3s", where)

    def level_masl_at(self, discharge_m3s: Any = 0.0) -> Any:
        """River level at a total discharge into the sink. [m a.s.l.]"""
        if self.tailwater_curve is not None:
            return self.tailwater_curve.level_masl_at(discharge_m3s)
        q = np.asarray(discharge_m3s, dtype=float)
        return self.tailwater_level_masl if q.ndim == 0 else np.full(q.shape, self.tailwater_level_masl)

    @property
    def lowest_level_masl(self) -> float:
        """The lowest river level the sink can have (its level at zero discharge). [m a.s.l.]"""
        return float(self.level_masl_at(0.0))


Node = Reservoir | RiverSink


def _flow_limits(obj: Any, max_field: str, where: str) -> None:
    """Check and store a release's or a reach's minimum, maximum and ramp (one rule set for both)."""
    emin = iv.non_negative("environmental_min_flow_m3s", obj.environmental_min_flow_m3s, where)
    qmax = iv.number_or_inf(max_field, getattr(obj, max_field), where)
    if qmax <= emin:
        raise iv.fail(max_field, f"must be above `environmental_min_flow_m3s` ({emin})", qmax, where)
    ramp = iv.number_or_inf("max_ramp_m3s_per_h", obj.max_ramp_m3s_per_h, where)
    if ramp <= 0.0:
        raise iv.fail("max_ramp_m3s_per_h", "must be positive (infinite for no ramp limit)", ramp, where)
    object.__setattr__(obj, "environmental_min_flow_m3s", emin)
    object.__setattr__(obj, max_field, qmax)
    object.__setattr__(obj, "max_ramp_m3s_per_h", ramp)


def _link_name(cls: str, name: Any) -> str:
    return iv.text("name", name, cls)


def _end(field: str, value: Any, where: str) -> str:
    return iv.text(field, value, where)


@dataclass(frozen=True, kw_only=True)
class TurbineLink:
    """A group of turbines taking water from one node to another.

    Parameters
    ----------
    units : TurbineGroup
        The units (number, rating, flow limit, efficiency, loss, minimum output); its name is the link's name.
    from_node, to_node : str
        The reservoir the units draw on and the node they discharge into (a reservoir or a river sink).
    """

    units: TurbineGroup
    from_node: str
    to_node: str

    def __post_init__(self) -> None:
        if not isinstance(self.units, TurbineGroup):
            raise iv.fail("units", "must be a TurbineGroup", type(self.units).__name__, "TurbineLink")
        where = f"TurbineLink '{self.units.name}'"
        _end("from_node", self.from_node, where)
        _end("to_node", self.to_node, where)

    @property
    def name(self) -> str:
        return self.units.name


@dataclass(frozen=True, kw_only=True)
class PumpTurbineLink:
    """A group of reversible pump-turbines between two reservoirs.

    Generating takes water ``upper → lower``, pumping ``lower → upper``.

    Parameters
    ----------
    units : PumpTurbineGroup
        The units; its name is the link's name.
    upper, lower : str
        The reservoirs at the two ends.
    generating_head_range_m, pumping_head_range_m : tuple of two floats, optional
        The units' operating head range in each mode, (lowest, highest), on the net head of that mode
        (generating H − kQ², pumping H + kQ²); outside it the mode may not run. ``None`` (the default) for no
        range; ``math.inf`` as the highest for no upper limit. A network refuses a range its reservoirs can
        never reach (:class:`Network`). [m]
    """

    units: PumpTurbineGroup
    upper: str
    lower: str
    generating_head_range_m: tuple[float, float] | None = None
    pumping_head_range_m: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.units, PumpTurbineGroup):
            raise iv.fail("units", "must be a PumpTurbineGroup", type(self.units).__name__, "PumpTurbineLink")
        where = f"PumpTurbineLink '{self.units.name}'"
        _end("upper", self.upper, where)
        _end("lower", self.lower, where)
        for field in ("generating_head_range_m", "pumping_head_range_m"):
            value = getattr(self, field)
            if value is None:
                continue
            if isinstance(value, np.ndarray) and value.ndim == 1:
                value = tuple(value.tolist())
            if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
                raise iv.fail(
                    field, "must be a pair (lowest, highest) of heads, or None for no range", value, where
                )
            lo = iv.positive(f"{field}[0]", value[0], where)
            hi = iv.number_or_inf(f"{field}[1]", value[1], where)
            if hi <= lo:
                raise iv.fail(field, "must have its highest head above its lowest", tuple(value), where)
            object.__setattr__(self, field, (lo, hi))

    @property
    def name(self) -> str:
        return self.units.name

    @property
    def from_node(self) -> str:
        """The node generating water leaves (``upper``)."""
        return self.upper

    @property
    def to_node(self) -> str:
        """The node generating water enters (``lower``)."""
        return self.lower


@dataclass(frozen=True, kw_only=True)
class Spillway:
    """Uncontrolled or gated spill from a reservoir, producing no power.

    Parameters
    ----------
    name : str
        Unique among the network's nodes and links.
    from_node, to_node : str
        The reservoir that spills and the node the water goes to.
    capacity_m3s : float
        Largest spill; infinite by default. [m³/s]
    cost_per_hm3 : float
        A cost per hm³ spilled (e.g. a tie-break so that equal schedules turbine rather than spill), in the
        scenario's currency; 0 by default. [money/hm³]
    """

    name: str
    from_node: str
    to_node: str
    capacity_m3s: float = math.inf
    cost_per_hm3: float = 0.0

    def __post_init__(self) -> None:
        _link_name("Spillway", self.name)
        where = f"Spillway '{self.name}'"
        _end("from_node", self.from_node, where)
        _end("to_node", self.to_node, where)
        cap = iv.number_or_inf("capacity_m3s", self.capacity_m3s, where)
        if cap <= 0.0:
            raise iv.fail("capacity_m3s", "must be positive (infinite for no limit)", cap, where)
        object.__setattr__(self, "capacity_m3s", cap)
        object.__setattr__(self, "cost_per_hm3", iv.non_negative("cost_per_hm3", self.cost_per_hm3, where))


@dataclass(frozen=True, kw_only=True)
class Release:
    """A controlled release (outlet) from a reservoir, with the limits that belong to it.

    Parameters
    ----------
    name : str
        Unique among the network's nodes and links.
    from_node, to_node : str
        The reservoir that releases and the node the water goes to (usually a river sink).
    environmental_min_flow_m3s : float
        Release that must always flow. [m³/s]
    max_flow_m3s : float
        Largest release; infinite by default. [m³/s]
    max_ramp_m3s_per_h : float
        Largest change of the release from one hour to the next; infinite by default. [m³/s per h]
    """

    name: str
    from_node: str
    to_node: str
    environmental_min_flow_m3s: float = 0.0
    max_flow_m3s: float = math.inf
    max_ramp_m3s_per_h: float = math.inf

    def __post_init__(self) -> None:
        _link_name("Release", self.name)
        where = f"Release '{self.name}'"
        _end("from_node", self.from_node, where)
        _end("to_node", self.to_node, where)
        _flow_limits(self, "max_flow_m3s", where)


Link = TurbineLink | PumpTurbineLink | Spillway | Release
_LINK_TYPES = (TurbineLink, PumpTurbineLink, Spillway, Release)


@dataclass(frozen=True)
class FlowColumn:
    """One flow of the water balance: a link, or one mode of a pump-turbine link, and its direction.

    ``name`` is the link's name, with ``-pump`` appended for a pump-turbine group's pumping column.
    """

    name: str
    link: str
    mode: Literal["generate", "pump", "flow"]
    from_node: str
    to_node: str


@dataclass(frozen=True, kw_only=True)
class Network:
    """A plant as a directed graph of named nodes and links, checked on creation.

    Parameters
    ----------
    name : str
        Used in reports and messages.
    reservoirs : sequence of Reservoir
        The nodes that store water.
    sinks : sequence of RiverSink
        The nodes where water leaves the model.
    links : sequence of TurbineLink, PumpTurbineLink, Spillway or Release
        Every path water can take, in a stable order (the order of the flow columns).
    line : GridLine
        The busbar's line to the grid (net export of every unit group, PV and wind); infinite capacity when
        not given.
    provenance : mapping of str to Provenance
        Where each parameter comes from, keyed by a dotted path (``"Lianghekou.max_level_masl"``).

    Notes
    -----
    A network is refused when: two elements share a name (nodes and links share one namespace, since
    constraints are named ``"{element}-{family}"``); a link names an unknown node, starts at a river sink,
    or joins a node to itself; a pump-turbine group's ends are not both reservoirs; a reservoir has no way
    for water to leave it; the links that move water downhill (turbines, spillways, releases, generating)
    form a cycle; there is no unit group at all; a unit group's gross head is not positive at every state
    (the lowest level of its ``from`` reservoir must lie above the highest of its ``to`` node); or a
    pump-turbine group's head range lies wholly outside the net heads its reservoirs allow (the units could
    never run in that mode).
    """

    name: str
    reservoirs: tuple[Reservoir, ...]
    sinks: tuple[RiverSink, ...] = ()
    links: tuple[Link, ...] = ()
    line: GridLine = dataclasses.field(default_factory=lambda: GridLine(capacity_mw=math.inf))
    provenance: Mapping[str, Provenance] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        iv.text("name", self.name, "Network")
        where = f"Network '{self.name}'"
        if not isinstance(self.line, GridLine):
            raise iv.fail("line", "must be a GridLine", type(self.line).__name__, where)
        prov = iv.provenance_mapping("provenance", self.provenance, where)
        object.__setattr__(self, "provenance", MappingProxyType(prov))
        for field, types, label in (
            ("reservoirs", (Reservoir,), "Reservoir"),
            ("sinks", (RiverSink,), "RiverSink"),
            ("links", _LINK_TYPES, "TurbineLink, PumpTurbineLink, Spillway or Release"),
        ):
            value = getattr(self, field)
            if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
                raise iv.fail(field, f"must be a list of {label}", type(value).__name__, where)
            for i, item in enumerate(value):
                if not isinstance(item, types):
                    raise iv.fail(f"{field}[{i}]", f"must be a {label}", type(item).__name__, where)
            object.__setattr__(self, field, tuple(value))
        if not self.reservoirs:
            raise iv.fail("reservoirs", "must hold at least one reservoir", [], where)
        seen: dict[str, str] = {}
        for kind, items in (("reservoir", self.reservoirs), ("sink", self.sinks), ("link", self.links)):
            for item in items:
                if item.name in seen:
                    raise iv.fail(
                        "name",
                        f"must be unique among the network's nodes and links, but the {kind} "
                        f"'{item.name}' shares it with a {seen[item.name]}",
                        item.name,
                        where,
                    )
                seen[item.name] = kind
        reservoirs = {r.name for r in self.reservoirs}
        nodes = reservoirs | {s.name for s in self.sinks}
        for link in self.links:
            ends = (
                (("upper", link.upper), ("lower", link.lower))
                if isinstance(link, PumpTurbineLink)
                else (("from_node", link.from_node), ("to_node", link.to_node))
            )
            for field, node in ends:
                if node not in nodes:
                    raise iv.fail(
                        field,
                        f"must name a node of the network ({', '.join(sorted(nodes))})",
                        node,
                        f"{type(link).__name__} '{link.name}' of {where}",
                    )
            if link.from_node == link.to_node:
                raise iv.fail(
                    "to_node",
                    "must differ from `from_node`: a link joins two nodes",
                    link.to_node,
                    f"{type(link).__name__} '{link.name}' of {where}",
                )
            if link.from_node not in reservoirs:
                raise iv.fail(
                    "from_node",
                    "must be a reservoir: a river sink has no outflow",
                    link.from_node,
                    f"{type(link).__name__} '{link.name}' of {where}",
                )
            if isinstance(link, PumpTurbineLink) and link.lower not in reservoirs:
                raise iv.fail(
                    "lower",
                    "must be a reservoir: pump-turbines pump from stored water",
                    link.lower,
                    f"PumpTurbineLink '{link.name}' of {where}",
                )
        leaves = {c.from_node for c in self.flow_columns()}
        for r in self.reservoirs:
            if r.name not in leaves:
                raise iv.fail(
                    "links",
                    f"must give reservoir '{r.name}' a way for its water to leave it (a "
                    "turbine, spillway, release or pump-turbine group starting there)",
                    r.name,
                    where,
                )
        if not any(isinstance(link, (TurbineLink, PumpTurbineLink)) for link in self.links):
            raise iv.fail(
                "links",
                "must hold at least one unit group (TurbineLink or PumpTurbineLink)",
                [type(link).__name__ for link in self.links],
                where,
            )
        self.upstream_order()  # refuses a cycle of downhill links
        for link in self.links:
            if isinstance(link, (TurbineLink, PumpTurbineLink)):
                self._check_heads(link, where)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle and copy by the constructor's arguments (the read-only provenance does not pickle itself)."""
        kw = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        kw["provenance"] = dict(self.provenance)
        return (_network_from_arguments, (kw,))

    def _level_range_masl(self, name: str, flow_m3s: float) -> tuple[float, float]:
        """Lowest and highest level a node can have: a reservoir's operating levels (monthly ones included);
        a river sink's level (a table's: from zero discharge to ``flow_m3s``, a unit group's own full flow,
        below which its level cannot be while that group runs at full flow). [m a.s.l.]"""
        node = self.node(name)
        if isinstance(node, Reservoir):
            lows = [node.min_level_masl, *(node.monthly_min_level_masl or ())]
            highs = [node.max_level_masl, *(node.monthly_max_level_masl or ())]
            return min(lows), max(highs)
        return node.lowest_level_masl, float(node.level_masl_at(flow_m3s))

    def _check_heads(self, link: TurbineLink | PumpTurbineLink, where: str) -> None:
        """A unit group needs a positive gross head at every state of its two ends, and a pump-turbine group's
        head ranges must overlap the net heads its reservoirs allow."""
        units = link.units
        q_gen = units.max_total_flow_m3s
        lo_from, hi_from = self._level_range_masl(link.from_node, q_gen)
        lo_to, hi_to = self._level_range_masl(link.to_node, q_gen)
        kind = type(link).__name__
        at = f"{kind} '{link.name}' of {where}"
        gross_min, gross_max = lo_from - hi_to, hi_from - lo_to
        if gross_min <= 0.0:
            raise iv.fail(
                "to_node" if isinstance(link, TurbineLink) else "lower",
                f"reaches {hi_to:g} m, not below the lowest level of '{link.from_node}' "
                f"({lo_from:g} m): the units' gross head would not be positive at every state",
                link.to_node,
                at,
            )
        if not isinstance(link, PumpTurbineLink):
            return
        k = units.head_loss_coefficient_s2_per_m5
        # pumping flow is at most the largest input over ρ·g·(the least pumping head, ≥ the least gross head)
        q_pump = link.units.max_total_pumping_power_mw * W_PER_MW / (RHO_WATER_KG_M3 * G_M_S2 * gross_min)
        for field, reach in (
            ("generating_head_range_m", (gross_min - k * q_gen**2, gross_max)),
            ("pumping_head_range_m", (gross_min, gross_max + k * q_pump**2)),
        ):
            rng = getattr(link, field)
            if rng is None:
                continue
            if rng[0] > reach[1] or rng[1] < reach[0]:
                mode = "generate" if field.startswith("generating") else "pump"
                raise iv.fail(
                    field,
                    f"lies outside the net heads its reservoirs allow ({reach[0]:.1f}–{reach[1]:.1f} m: "
                    f"'{link.upper}' at {lo_from:g}–{hi_from:g} m over '{link.lower}' at {lo_to:g}–{hi_to:g} m, "
                    f"with the waterway loss): the units could never {mode}",
                    rng,
                    at,
                )

    # -- lookups -------------------------------------------------------------------------------
    def node(self, name: str) -> Node:
        """The reservoir or river sink of that name."""
        nodes: tuple[Node, ...] = (*self.reservoirs, *self.sinks)
        for item in nodes:
            if item.name == name:
                return item
        raise iv.fail(
            "name",
            f"must name a node of the network ({', '.join(self.node_names)})",
            name,
            f"Network '{self.name}'.node()",
        )

    def link(self, name: str) -> Link:
        """The link of that name."""
        links: tuple[Link, ...] = self.links
        for item in links:
            if item.name == name:
                return item
        raise iv.fail(
            "name",
            f"must name a link of the network ({', '.join(x.name for x in self.links)})",
            name,
            f"Network '{self.name}'.link()",
        )

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.reservoirs) + tuple(k.name for k in self.sinks)

    @property
    def reservoir_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.reservoirs)

    # -- the graph -----------------------------------------------------------------------------
    def flow_columns(self) -> tuple[FlowColumn, ...]:
        """The flows of the water balance, in link order; a pump-turbine group gives two (generate, pump)."""
        cols: list[FlowColumn] = []
        for link in self.links:
            if isinstance(link, PumpTurbineLink):
                cols.append(FlowColumn(link.name, link.name, "generate", link.upper, link.lower))
                cols.append(FlowColumn(f"{link.name}-pump", link.name, "pump", link.lower, link.upper))
            elif isinstance(link, TurbineLink):
                cols.append(FlowColumn(link.name, link.name, "generate", link.from_node, link.to_node))
            else:
                cols.append(FlowColumn(link.name, link.name, "flow", link.from_node, link.to_node))
        return tuple(cols)

    def incidence(self) -> np.ndarray:
        """The water-balance matrix A, (reservoirs, flow columns): −1 where a column takes water out of a
        reservoir, +1 where it brings water in; river sinks have no row. [-]"""
        row = {name: i for i, name in enumerate(self.reservoir_names)}
        cols = self.flow_columns()
        a = np.zeros((len(row), len(cols)))
        for j, col in enumerate(cols):
            if col.from_node in row:
                a[row[col.from_node], j] -= 1.0
            if col.to_node in row:
                a[row[col.to_node], j] += 1.0
        return a

    def parameters(self) -> pd.DataFrame:
        """Every scalar parameter of every element with its unit and provenance, one row each.

        Rows in element order (reservoirs, sinks, links, the line), each parameter as ``"{element}.{field}"``
        (a unit group's fields under its link's name; a pump-turbine group's head ranges shown ``none`` when
        not set). Columns: ``parameter``, ``value``, ``unit``, ``provenance`` (``ASSUMPTION: …``,
        ``CALIBRATION (L): …``, ``source (H): …``; ``user input`` where the network carries no record).

        Examples
        --------
        >>> from hydro_sim.examples import cascade_network
        >>> cascade_network().parameters().set_index("parameter").loc["Top units.max_flow_m3s", "value"]
        50.0
        """
        structure = {"name", "where", "provenance", "units", "from_node", "to_node", "upper", "lower"}
        rows: list[tuple[str, Any]] = []
        nodes: tuple[Node, ...] = (*self.reservoirs, *self.sinks)
        for element in nodes:
            rows += [(f"{element.name}.{p}", v) for p, v in _walk(element)]
        for link in self.links:
            if isinstance(link, (TurbineLink, PumpTurbineLink)):
                rows += [(f"{link.name}.{p}", v) for p, v in _walk(link.units)]
            if isinstance(link, PumpTurbineLink):
                for field in ("generating_head_range_m", "pumping_head_range_m"):
                    rng = getattr(link, field)
                    rows.append((f"{link.name}.{field}", "none" if rng is None else f"{rng[0]:g}–{rng[1]:g}"))
            elif not isinstance(link, TurbineLink):
                for f in dataclasses.fields(link):
                    if f.name not in structure:
                        rows.append((f"{link.name}.{f.name}", getattr(link, f.name)))
        rows += [(f"line.{p}", v) for p, v in _walk(self.line)]
        out = []
        for path, value in rows:
            prov = self.provenance.get(path)
            out.append(
                {
                    "parameter": path,
                    "value": value,
                    "unit": unit_of(path),
                    "provenance": prov.label() if prov is not None else "user input",
                }
            )
        return pd.DataFrame(out, columns=["parameter", "value", "unit", "provenance"])

    def sink_incidence(self) -> np.ndarray:
        """Where water leaves the model, (river sinks, flow columns): +1 where a column discharges into a sink.

        Row k times the flows is the total discharge into sink k, to which the reach's own minimum, maximum,
        ramp and tailwater table apply. Stacked under :meth:`incidence` it is the node–link matrix of the whole
        graph, whose every column sums to zero (each column takes its water from one node to another). [-]
        """
        row = {k.name: i for i, k in enumerate(self.sinks)}
        cols = self.flow_columns()
        a = np.zeros((len(row), len(cols)))
        for j, col in enumerate(cols):
            if col.to_node in row:
                a[row[col.to_node], j] = 1.0
        return a

    def upstream_order(self) -> tuple[str, ...]:
        """Reservoir names, upstream first along the links that move water downhill (stable: ties keep the
        order of ``reservoirs``). A cycle of such links is refused, naming it."""
        names = self.reservoir_names
        down = [c for c in self.flow_columns() if c.mode != "pump"]
        feeds: dict[str, list[str]] = {n: [] for n in names}
        indegree = dict.fromkeys(names, 0)
        for c in down:
            if c.to_node in indegree:
                feeds[c.from_node].append(c.to_node)
                indegree[c.to_node] += 1
        order: list[str] = []
        ready = [n for n in names if indegree[n] == 0]
        while ready:
            n = ready.pop(0)
            order.append(n)
            for m in feeds[n]:
                indegree[m] -= 1
                if indegree[m] == 0:
                    ready.append(m)
            ready.sort(key=names.index)
        if len(order) < len(names):
            stuck = [n for n in names if n not in order]
            loop = [c.name for c in down if c.from_node in stuck and c.to_node in stuck]
            raise iv.fail(
                "links",
                "must not let water fall in a circle: the downhill links "
                f"{', '.join(loop)} form a cycle through {', '.join(stuck)}",
                loop,
                f"Network '{self.name}'",
            )
        return tuple(order)

    def inflows_m3s(self, scenario: Scenario) -> np.ndarray:
        """Natural inflow into each reservoir per step, rows in ``reservoirs`` order, shape (reservoirs, steps).

        The one place a model reads a scenario's inflows.

        - A scenario with inflows by reservoir name (``inflow_m3s={name: Series}``) gives each named
          reservoir its series; a reservoir without an entry gets zero inflow. A name that is not one of the
          network's reservoirs is refused, with the list of its reservoirs and the nearest name.
        - A scenario with the two role series (``inflow_upper_m3s``, ``inflow_lower_m3s``) fits a network of
          one or two reservoirs: the upper series is the first reservoir's, the lower one the second's.

        [m³/s]

        Examples
        --------
        >>> import pandas as pd
        >>> from hydro_sim import Scenario
        >>> from hydro_sim.examples import cascade_network
        >>> idx = pd.date_range("2030-01-01", periods=2, freq="h")
        >>> sc = Scenario(inflow_m3s={"Middle": pd.Series([5.0, 6.0], index=idx)})
        >>> cascade_network().inflows_m3s(sc).tolist()      # rows Top, Middle, Bottom
        [[0.0, 0.0], [5.0, 6.0], [0.0, 0.0]]
        """
        return self._inflows_into(scenario, np.zeros((len(self.reservoirs), scenario.n_steps)))

    def _inflows_into(self, scenario: Scenario, out: np.ndarray) -> np.ndarray:
        """:meth:`inflows_m3s` written into ``out`` (reservoirs, steps), zeros where no inflow is given (the
        simulator fills one array of every scenario's, without an array per scenario)."""
        where = f"Network '{self.name}'.inflows_m3s()"
        n_r = len(self.reservoirs)
        out[:] = 0.0
        if scenario.inflows_by_name:
            row = {name: i for i, name in enumerate(self.reservoir_names)}
            for key, series in scenario.inflow_m3s.items():
                if key not in row:
                    near = difflib.get_close_matches(key, self.reservoir_names, n=1, cutoff=0.5)
                    hint = f"; did you mean '{near[0]}'?" if near else ""
                    what = (
                        f"is a river sink of the network, and inflow enters reservoirs only{hint}"
                        if key in {k.name for k in self.sinks}
                        else f"must name one of the network's reservoirs ({', '.join(self.reservoir_names)}){hint}"
                    )
                    raise iv.fail(f"inflow_m3s[{key!r}]", what, key, f"{where} of scenario '{scenario.name}'")
                out[row[key]] = series.to_numpy(dtype=float)
            return out
        out[0] = scenario.inflow_upper_m3s.to_numpy(dtype=float)
        lower = scenario.inflow_lower_m3s.to_numpy(dtype=float)
        if n_r >= 2:
            out[1] = lower
        elif np.any(lower != 0.0):
            raise iv.fail(
                "inflow_lower_m3s",
                f"must be zero for a network with one reservoir ('{self.reservoirs[0].name}'): "
                "there is no lower reservoir to receive it",
                float(np.max(np.abs(lower))),
                where,
            )
        if n_r > 2:
            raise iv.fail(
                "scenario",
                f"must give the inflow of each of the {n_r} reservoirs "
                f"({', '.join(self.reservoir_names)}) by name, `Scenario(inflow_m3s={{name: Series}})`: "
                "the upper/lower series fit one or two",
                scenario.name,
                where,
            )
        return out

    def water_balance_error_hm3(
        self, volume_hm3: Any, inflow_m3s: Any, flow_m3s: Any, dt_h: float
    ) -> np.ndarray:
        """Residual of the water balance per reservoir and step, with the same matrix as every model.

        Parameters
        ----------
        volume_hm3 : array (reservoirs, steps + 1)
            Volumes at the start of the first step and the end of each step, rows in ``reservoirs`` order.
            [hm³]
        inflow_m3s : array (reservoirs, steps)
            Natural inflow into each reservoir. [m³/s]
        flow_m3s : array (flow columns, steps)
            The flows of :meth:`flow_columns`. [m³/s]
        dt_h : float
            Step length. [h]

        Returns
        -------
        array (reservoirs, steps)
            V[t] − V[t−1] − c·(I[t] + A·q[t]); zero to round-off for a schedule that conserves water. [hm³]
        """
        where = f"Network '{self.name}'.water_balance_error_hm3()"
        v = iv.real_array("volume_hm3", volume_hm3, where)
        inflow = iv.real_array("inflow_m3s", inflow_m3s, where)
        q = iv.real_array("flow_m3s", flow_m3s, where)
        dt = iv.positive("dt_h", dt_h, where)
        a = self.incidence()
        n_r, n_c = a.shape
        if v.ndim != 2 or v.shape[0] != n_r:
            raise iv.fail("volume_hm3", f"must have one row per reservoir ({n_r})", f"shape {v.shape}", where)
        steps = v.shape[1] - 1
        for field, arr, rows in (("inflow_m3s", inflow, n_r), ("flow_m3s", q, n_c)):
            if arr.shape != (rows, steps):
                raise iv.fail(field, f"must have shape ({rows}, {steps})", f"shape {arr.shape}", where)
        return incidence_residual_hm3(v, inflow, q, a, HM3_PER_M3S_HOUR * dt)


# -- the two-reservoir plant as a network ----------------------------------------------------------
def hybrid_network(
    *,
    name: str,
    upper: Reservoir,
    lower: Reservoir,
    reversible: PumpTurbineGroup | None = None,
    conventional: TurbineGroup | None = None,
    river: RiverSink | None = None,
    environmental_min_flow_m3s: float = 0.0,
    max_release_m3s: float = math.inf,
    max_ramp_m3s_per_h: float = math.inf,
    generating_head_range_m: tuple[float, float] | None = None,
    pumping_head_range_m: tuple[float, float] | None = None,
    line: GridLine | None = None,
    provenance: Mapping[str, Provenance] | None = None,
) -> Network:
    """The two-reservoir hybrid in a few lines: upper → lower through its units and spillway, then a release.

    Links, in this order: ``conventional`` (upper → lower), ``reversible`` (a pump-turbine group between
    them, with its head ranges), ``"{upper} spillway"`` (upper → lower) and ``"{lower} release"`` (lower →
    the river, with the environmental minimum, maximum and ramp). The river is ``river``, or a sink named
    ``"river"`` at the lower reservoir's lowest level (no unit discharges into it, so its level enters no
    head). :func:`network_of` builds a :class:`~hydro_sim.plant.Plant` with a lower reservoir through this.

    Parameters
    ----------
    name : str
        The network's name.
    upper, lower : Reservoir
        The two reservoirs.
    reversible : PumpTurbineGroup, optional
        Pump-turbines between them.
    conventional : TurbineGroup, optional
        Conventional units on the upper reservoir (give this, ``reversible`` or both).
    river : RiverSink, optional
        Where the release goes.
    environmental_min_flow_m3s, max_release_m3s, max_ramp_m3s_per_h : float
        Limits of the release. [m³/s], [m³/s], [m³/s per h]
    generating_head_range_m, pumping_head_range_m : tuple of two floats, optional
        The pump-turbines' operating head ranges (:class:`PumpTurbineLink`). [m]
    line : GridLine, optional
        The busbar's line; unlimited if not given.
    provenance : mapping of str to Provenance, optional
        Where each parameter comes from.

    Examples
    --------
    >>> from hydro_sim import lianghekou
    >>> p = lianghekou()
    >>> net = hybrid_network(name="hybrid", upper=p.upper, lower=p.lower, reversible=p.reversible,
    ...                      conventional=p.conventional, environmental_min_flow_m3s=66.4,
    ...                      pumping_head_range_m=(185.0, 275.0))
    >>> [c.name for c in net.flow_columns()] == [c.name for c in network_of(p).flow_columns()]
    True
    >>> net.link("Lianghekou reversible").pumping_head_range_m
    (185.0, 275.0)
    """
    where = "hybrid_network()"
    for field, value in (("upper", upper), ("lower", lower)):
        if not isinstance(value, Reservoir):
            raise iv.fail(field, "must be a Reservoir", type(value).__name__, where)
    if river is None:
        river = RiverSink(name="river", tailwater_level_masl=float(lower.curve.level_masl[0]))
    elif not isinstance(river, RiverSink):
        raise iv.fail("river", "must be a RiverSink or None", type(river).__name__, where)
    links: list[Link] = []
    if conventional is not None:
        links.append(TurbineLink(units=conventional, from_node=upper.name, to_node=lower.name))
    if reversible is not None:
        links.append(
            PumpTurbineLink(
                units=reversible,
                upper=upper.name,
                lower=lower.name,
                generating_head_range_m=generating_head_range_m,
                pumping_head_range_m=pumping_head_range_m,
            )
        )
    elif generating_head_range_m is not None or pumping_head_range_m is not None:
        raise iv.fail(
            "generating_head_range_m" if generating_head_range_m is not None else "pumping_head_range_m",
            "needs `reversible`: a head range belongs to pump-turbines",
            generating_head_range_m if generating_head_range_m is not None else pumping_head_range_m,
            where,
        )
    links.append(Spillway(name=f"{upper.name} spillway", from_node=upper.name, to_node=lower.name))
    links.append(
        Release(
            name=f"{lower.name} release",
            from_node=lower.name,
            to_node=river.name,
            environmental_min_flow_m3s=environmental_min_flow_m3s,
            max_flow_m3s=max_release_m3s,
            max_ramp_m3s_per_h=max_ramp_m3s_per_h,
        )
    )
    return Network(
        name=name,
        reservoirs=(upper, lower),
        sinks=(river,),
        links=tuple(links),
        line=GridLine(capacity_mw=math.inf) if line is None else line,
        provenance={} if provenance is None else provenance,
    )


def network_of(plant: Plant, *, river_name: str = "river") -> Network:
    """The network of a :class:`~hydro_sim.plant.Plant` (upper, optional lower, one group of each kind).

    The conventional units and the spill of the upper reservoir discharge into the lower reservoir when
    there is one, else into the river. With a lower reservoir, the release leaves it for the river with the
    plant's outlet limits (:func:`hybrid_network`); with one reservoir, the plant's release is all the water
    reaching the river, so the outlet limits become the river reach's own (:class:`RiverSink`). The river
    sink is at the plant's tailwater level; below a lower reservoir, where the plant gives none, at the lower
    reservoir's lowest level (no unit discharges into it, so its level enters no head).

    Examples
    --------
    >>> from hydro_sim import lianghekou
    >>> net = network_of(lianghekou())
    >>> net.upstream_order(), [c.name for c in net.flow_columns()]
    (('Lianghekou', 'Yagen-I'), ['Lianghekou conventional', 'Lianghekou reversible', 'Lianghekou reversible-pump', 'Lianghekou spillway', 'Yagen-I release'])
    """
    if not isinstance(plant, Plant):
        raise iv.fail("plant", "must be a hydro_sim.Plant", type(plant).__name__, "network_of()")
    upper = plant.upper
    out = plant.outlet
    try:
        if plant.lower is not None:
            tailwater = (
                plant.tailwater_level_masl
                if plant.tailwater_level_masl is not None
                else plant.lower.curve.level_masl[0]
            )
            return hybrid_network(
                name=plant.name,
                upper=upper,
                lower=plant.lower,
                reversible=plant.reversible,
                conventional=plant.conventional,
                river=RiverSink(name=river_name, tailwater_level_masl=float(tailwater)),
                environmental_min_flow_m3s=out.environmental_min_flow_m3s,
                max_release_m3s=out.max_release_m3s,
                max_ramp_m3s_per_h=out.max_ramp_m3s_per_h,
                line=plant.line,
                provenance=plant.provenance,
            )
        # one reservoir: the plant's "release" is all the water reaching the river (units and spill), so its
        # limits are the reach's own
        sink = RiverSink(
            name=river_name,
            tailwater_level_masl=float(
                plant.tailwater_level_masl if plant.tailwater_level_masl is not None else math.nan
            ),
            environmental_min_flow_m3s=out.environmental_min_flow_m3s,
            max_flow_m3s=out.max_release_m3s,
            max_ramp_m3s_per_h=out.max_ramp_m3s_per_h,
        )
        links: list[Link] = []
        if plant.conventional is not None:
            links.append(TurbineLink(units=plant.conventional, from_node=upper.name, to_node=river_name))
        links.append(Spillway(name=f"{upper.name} spillway", from_node=upper.name, to_node=river_name))
        return Network(
            name=plant.name,
            reservoirs=(upper,),
            sinks=(sink,),
            links=tuple(links),
            line=plant.line,
            provenance=plant.provenance,
        )
    except HydroSimInputError as exc:  # a name of the plant's groups clashes with a link or node name
        raise iv.fail(
            "river_name",
            f"and the plant's element names must be distinct ({exc})",
            river_name,
            "network_of()",
        ) from None


def _network_from_arguments(kwargs: dict[str, Any]) -> Network:
    """Rebuild a pickled or copied :class:`Network` (see ``Network.__reduce__``)."""
    return Network(**kwargs)
