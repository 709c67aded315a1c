"""The readable backend: the dispatch model of a network written in PuLP so that it reads like its algebra.

It builds the same model as :mod:`hydro_sim.optimise._formulation` (the HiGHS backend) from the same
:class:`~hydro_sim.optimise._data.NetworkModelData`, one small function per family of rows, each written as
the equation below it. Any PuLP solver then solves it (CBC by default, HiGHS through PuLP, or a commercial
one), and :func:`export` writes it as an ``.lp`` or ``.mps`` file whose row and column names name elements.

Notation (shapes and units: :mod:`._data`): t steps, r reservoirs, j flow columns, n unit columns (their
chords s), k river sinks; c = 0.0036·Δt hm³ per (m³/s) over one step.

Columns
    x[n,s,t]   chord s of unit column n, 0 ≤ x ≤ seg_width[n,s,t]; the column's flow q[j,t] = Σ_s x[n,s,t]
               and power P[n,t] = Σ_s slope[n,s,t]·x[n,s,t]                               [m³/s], [MW]
    q[j,t]     flow of a spillway or release, flow_min[j,t] ≤ q ≤ flow_max[j,t]                [m³/s]
    Q[k,t]     discharge into a river sink with limits, sink_min ≤ Q ≤ sink_max                [m³/s]
    V[r,t]     end-of-step volume, v_min[r,t] ≤ V ≤ v_max[r,t], the end condition at t = T−1   [hm³]
    pv, wind   renewables used, ≤ available; line: net export, line_min ≤ line ≤ line_max       [MW]
    shortfall (firming), dev_up and dev_down (tracking)                                         [MW]
    u[n,t]     integer units running, 0 ≤ u ≤ n_units; y[g,t] binary: pump-turbine g generating [-]

Rows
    balance       V[r,t] − V[r,t−1] − c·Σ_j A[r,j]·q[j,t] = c·I[r,t]          (V[r,−1] = v0[r])
    sink flow     Q[k,t] − Σ_{j into k} q[j,t] = 0
    power         line[t] − Σ_n sign[n]·P[n,t] − pv[t] − wind[t] = 0
    firm          line[t] + shortfall[t] ≥ delivery[t];  track: line[t] − dev_up[t] + dev_down[t] = delivery[t]
    ramp          −ramp ≤ q[e,t] − q[e,t−1] ≤ ramp (t ≥ 1); join ramp: −ramp ≤ q[e,0] − q_before ≤ ramp
    level change  −dv_max[r,t] ≤ V[r,t] − V[r,t−1] ≤ dv_max[r,t]
    pump-generate balance   Σ_{t∈P} (q[gen,t] − q[pump,t]) = 0 per period P of a pump-turbine link
    generation cap          Σ_{t∈D} P[gen,t]·Δt ≤ cap per local day D
    energy target           lo ≤ Σ_t P[gen,t]·Δt ≤ hi over the horizon (one row per targeted unit link)
    unit commitment         p_min·u ≤ P ≤ p_max·u, q ≤ q_max·u (generating units);
                            u_gen ≤ n·y, u_pump + n·y ≤ n (one mode per step)

Objective (minimised, money): −Σ_t price·Δt·line + Σ_j cost[j]·q[j] (spill tie-break, spillway costs)
    + firming: Σ shortfall_penalty·Δt·shortfall − Σ curtailment_penalty·Δt·(pv + wind)
    + tracking: Σ tracking_penalty·Δt·(dev_up + dev_down)  − Σ_r water_value[r]·V[r,T−1] ("water_value").

Names: the column and row families are those of :mod:`._formulation`, ``"{element}-{family}"``
(``"Yagen-I-volume"``, ``"Yagen-I-balance"``, ``"Yagen-I release-ramp"``, ``"busbar-power"``); the PuLP
name of the entry at step t is ``"{element}-{family}({t})"`` (a chord's family ends in ``_{s}``) as an LP
file can hold it, the names the HiGHS backend's exported files carry: ``-`` (an operator in an LP file)
becomes ``.``, any other character an LP file cannot hold in a name (space, non-ASCII, …) ``_``
(``Yagen.I.balance(0)``, ``Yagen.I_release.ramp_rise(3)``). A ranged row is written as two one-sided rows,
``…_rise({t})`` (≤ the limit) and ``…_fall({t})`` (≥ minus the limit). :attr:`NetworkProblem.names` maps
every PuLP name back to its :class:`ElementName`, for diagnoses. The elastic (diagnosis) model is not
written here: the diagnosis runs on HiGHS.

Examples
--------
>>> from hydro_sim.examples import textbook_plant, two_price_day
>>> from hydro_sim.network import network_of
>>> from hydro_sim.optimise._data import DispatchOptions, build_network_data, initial_heads
>>> net, scenario = network_of(textbook_plant()), two_price_day(inflow_upper_m3s=60.0)
>>> d = build_network_data(net, scenario, DispatchOptions(), initial_heads(net, scenario.n_steps))
>>> m = build_problem(d)
>>> list(m.x)
['units-flow_0', 'units-flow_1', 'lake spillway-flow', 'river-flow', 'lake-volume', 'busbar-line']
>>> print(m.row("lake-balance", 1))  # V[1] − V[0] + c·(q_units + q_spill) = c·I
-lake.volume(0) + lake.volume(1) + 0.0036*lake_spillway.flow(1) + 0.0036*units.flow_0(1) + 0.0036*units.flow_1(1) = 0.216
>>> m.names["lake.balance(1)"]
ElementName(element='lake', family='balance', entry=1, side='')
>>> solve(d, solver="HiGHS").status
'optimal'
"""

from __future__ import annotations

import math
import os
import re
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pulp

from hydro_sim import _validation as iv
from hydro_sim.optimise import _highs
from hydro_sim.optimise._data import NetworkModelData
from hydro_sim.optimise._highs import RawSolution

__all__ = ["ElementName", "NetworkProblem", "build_problem", "check_solver", "export", "solve"]

#: Solver used when none is named.
DEFAULT_SOLVER = "PULP_CBC_CMD"

Family = list[pulp.LpVariable]
Expressions = list[pulp.LpAffineExpression]


# ---- names ------------------------------------------------------------------------------------------------
#: Characters a PuLP name may not hold: all but those every LP and MPS reader takes in a name (letters,
#: digits, ``_``, ``.``, ``(``, ``)``), as the HiGHS backend's exported files name them too.
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_.()]")


def lp_name(text: str) -> str:
    """``text`` as a name an LP file can hold: ``-`` (an operator there) becomes ``.``, any other character an
    LP file cannot hold (space, brackets, non-ASCII, …) ``_``, and a name that would start with a digit or a
    period gets a leading ``_``.

    >>> lp_name("Yagen-I release-ramp_rise"), lp_name("两河口-volume"), lp_name("2nd dam-balance")
    ('Yagen.I_release.ramp_rise', '___.volume', '_2nd_dam.balance')
    """
    out = _NOT_IN_NAMES.sub("_", text.replace("-", "."))
    return "_" + out if out[:1].isdigit() or out[:1] == "." else out


class ElementName(NamedTuple):
    """What a PuLP column or row stands for.

    element : the network element (reservoir, link, flow column, sink) or ``"busbar"``.
    family : the quantity or row family (``"volume"``, ``"flow_0"``, ``"balance"``, ``"ramp"``, …).
    entry : the step t, or the period k of a period row.
    side : ``"rise"`` or ``"fall"`` for the two halves of a ranged row, else ``""``.
    """

    element: str
    family: str
    entry: int
    side: str = ""

    @property
    def model_family(self) -> str:
        """The family's name in the model, ``"{element}-{family}"`` (as in :mod:`._formulation`)."""
        return f"{self.element}-{self.family}"


@dataclass
class NetworkProblem:
    """The model as a PuLP problem, and the way from its names back to the network's elements.

    d : the model's numbers.
    prob : the minimisation problem.
    x : column family ``"{element}-{family}"`` → its variables (one per step, or per period).
    rows : row family → its constraints (a ranged family as ``"{family}_rise"`` and ``"{family}_fall"``).
    names : PuLP name of every variable and constraint → the :class:`ElementName` it stands for.
    """

    d: NetworkModelData
    prob: pulp.LpProblem
    x: dict[str, Family] = field(default_factory=dict)
    rows: dict[str, list[pulp.LpConstraint]] = field(default_factory=dict)
    names: dict[str, ElementName] = field(default_factory=dict)
    _flows: dict[int, Expressions] = field(default_factory=dict)
    _powers: dict[int, Expressions] = field(default_factory=dict)
    _bases: dict[tuple[str, str, str], str] = field(default_factory=dict)

    # -- naming
    def _name(self, element: str, family: str, entry: int, side: str = "") -> str:
        """The PuLP name of ``entry`` of a family (``side`` of a ranged row), recorded in :attr:`names`."""
        key = (element, family, side)
        base = self._bases.get(key)
        if base is None:
            base = self._bases[key] = lp_name(f"{element}-{family}" + (f"_{side}" if side else ""))
        name, k = f"{base}({entry})", 1
        while name in self.names:  # element names that differ only in characters an LP file cannot hold
            k += 1
            name = f"{base}({entry})_{k}"
        self.names[name] = ElementName(element, family, entry, side)
        return name

    # -- columns
    def variables(
        self, element: str, family: str, lb: Any, ub: Any, n: int | None = None, cat: str = pulp.LpContinuous
    ) -> Family:
        """Column family ``"{element}-{family}"``: n (default T) variables with per-entry or scalar bounds."""
        n = self.d.T if n is None else n
        lbs = np.broadcast_to(np.asarray(lb, dtype=float), (n,)).tolist()
        ubs = np.broadcast_to(np.asarray(ub, dtype=float), (n,)).tolist()
        family_vars = [
            self.prob.add_variable(self._name(element, family, t), _bound(lbs[t]), _bound(ubs[t]), cat)
            for t in range(n)
        ]
        self.x[f"{element}-{family}"] = family_vars
        return family_vars

    # -- rows
    def add(self, element: str, family: str, entry: int, row: pulp.LpConstraint, side: str = "") -> None:
        """Add ``row`` as ``entry`` (step or period) of the row family ``"{element}-{family}"`` (``side`` of a
        ranged row)."""
        name = self._name(element, family, entry, side)
        self.prob += (row, name)
        key = f"{element}-{family}" + (f"_{side}" if side else "")
        self.rows.setdefault(key, []).append(row)

    def add_range(
        self, element: str, family: str, entry: int, expr: pulp.LpAffineExpression, lo: float, hi: float
    ) -> None:
        """lo ≤ expr ≤ hi as the two rows ``…_rise`` (expr ≤ hi) and ``…_fall`` (expr ≥ lo)."""
        self.add(element, family, entry, expr <= hi, side="rise")
        self.add(element, family, entry, expr >= lo, side="fall")

    def row(self, family: str, position: int, side: str = "") -> pulp.LpConstraint:
        """The row at ``position`` in a row family (the step t of a balance; t − 1 of a ramp, from t = 1)."""
        return self.rows[family + (f"_{side}" if side else "")][position]

    # -- expressions
    def flow(self, j: int) -> Expressions:
        """q[j,t] for every t: the sum of the chords of a unit column, or the column itself. [m³/s]"""
        if j not in self._flows:
            d = self.d
            name = d.columns[j].name
            if j in _unit_of(d):
                chords = [self.x[f"{name}-flow_{s}"] for s in range(d.S)]
                self._flows[j] = [pulp.LpAffineExpression([(x[t], 1.0) for x in chords]) for t in range(d.T)]
            else:
                self._flows[j] = [pulp.LpAffineExpression(v) for v in self.x[f"{name}-flow"]]
        return self._flows[j]

    def power(self, n: int) -> Expressions:
        """P[n,t] = Σ_s slope[n,s,t]·x[n,s,t] for every t: generation, or pumping input (≥ 0). [MW]"""
        if n not in self._powers:
            d = self.d
            name = d.columns[int(d.unit_columns[n])].name
            chords = [self.x[f"{name}-flow_{s}"] for s in range(d.S)]
            slope = d.seg_slope_mw_per_m3s[n].tolist()
            self._powers[n] = [
                pulp.LpAffineExpression([(chords[s][t], slope[s][t]) for s in range(d.S)]) for t in range(d.T)
            ]
        return self._powers[n]


def weighted_sum(terms: Iterable[tuple[float, pulp.LpAffineExpression]]) -> pulp.LpAffineExpression:
    """Σ a·e over the pairs (a, e): ``pulp.lpSum(a * e for a, e in terms)`` without its intermediate copies."""
    out = pulp.LpAffineExpression()
    for a, e in terms:
        for v, coef in e.items():
            out[v] = out.get(v, 0.0) + a * coef
        out.constant += a * e.constant
    return out


def _bound(x: float) -> float | None:
    """A finite bound as a float; an infinite one as None (PuLP's 'no bound')."""
    return float(x) if math.isfinite(x) else None


def _unit_of(d: NetworkModelData) -> dict[int, int]:
    """Flow-column index j → unit index n."""
    return {int(j): n for n, j in enumerate(d.unit_columns)}


# ---- columns ----------------------------------------------------------------------------------------------
def add_flows(m: NetworkProblem) -> None:
    """x[n,s,t] (chords of each unit column), q[j,t] (spillways, releases) in flow-column order, then Q[k,t] of
    each river sink with limits."""
    d = m.d
    unit = _unit_of(d)
    for j, col in enumerate(d.columns):
        if j in unit:
            for s in range(d.S):
                m.variables(col.name, f"flow_{s}", 0.0, d.seg_width_m3s[unit[j], s])
        else:
            m.variables(col.name, "flow", d.flow_min_m3s[j], d.flow_max_m3s[j])
    for lim in d.flow_limits:
        if lim.kind == "sink":
            m.variables(lim.name, "flow", lim.min_m3s, lim.max_m3s)


def add_volumes(m: NetworkProblem) -> None:
    """V[r,t], v_min ≤ V ≤ v_max; the end condition on the last step: "at_least_start" V[r,T−1] ≥ v_end[r],
    "fixed" V[r,T−1] = v_end[r] (v_end is the start volume unless an end target was given)."""
    d = m.d
    lb, ub = d.volume_bounds_with_end()
    for r, name in enumerate(d.reservoir_names):
        m.variables(name, "volume", lb[r], ub[r])


def add_busbar(m: NetworkProblem) -> None:
    """pv ≤ pv_max, wind ≤ wind_max, line_min ≤ line ≤ line_max; shortfall (firming); dev_up, dev_down (tracking)."""
    d = m.d
    if d.has_pv:
        m.variables("busbar", "pv", 0.0, d.pv_max_mw)
    if d.has_wind:
        m.variables("busbar", "wind", 0.0, d.wind_max_mw)
    m.variables("busbar", "line", d.line_min_mw, d.line_max_mw)
    if d.objective == "firming":
        m.variables("busbar", "shortfall", 0.0, math.inf)
    if d.objective == "tracking":
        m.variables("busbar", "deviation_up", 0.0, math.inf)
        m.variables("busbar", "deviation_down", 0.0, math.inf)


# ---- rows -------------------------------------------------------------------------------------------------
def add_water_balances(m: NetworkProblem) -> None:
    """V[r,t] − V[r,t−1] − c·Σ_j A[r,j]·q[j,t] = c·I[r,t] for every reservoir r and step t (V[r,−1] = v0[r])."""
    d = m.d
    c, A = d.c, d.incidence
    for r, name in enumerate(d.reservoir_names):
        V = m.x[f"{name}-volume"]
        inflow = d.inflow_m3s[r].tolist()
        linked = [(float(A[r, j]), m.flow(j)) for j in np.flatnonzero(A[r]).tolist()]
        for t in range(d.T):
            V_before = V[t - 1] if t > 0 else float(d.v0_hm3[r])
            net_inflow = weighted_sum((a, q[t]) for a, q in linked)  # Σ_j A[r,j]·q[j,t]
            m.add(name, "balance", t, V[t] - V_before - c * net_inflow == c * inflow[t])


def add_power(m: NetworkProblem) -> None:
    """line[t] − Σ_n sign[n]·P[n,t] − pv[t] − wind[t] = 0; firming: line + shortfall ≥ delivery; tracking:
    line − dev_up + dev_down = delivery."""
    d = m.d
    line = m.x["busbar-line"]
    powers = [(float(d.unit_sign[n]), m.power(n)) for n in range(d.N)]
    renewables = [m.x[f] for f in ("busbar-pv", "busbar-wind") if f in m.x]
    for t in range(d.T):
        units = weighted_sum((sign, P[t]) for sign, P in powers)  # Σ_n sign[n]·P[n,t]: generation − pumping
        used = pulp.lpSum(ren[t] for ren in renewables)
        m.add("busbar", "power", t, line[t] - units - used == 0.0)
    if d.objective == "firming":
        assert d.delivery_mw is not None
        shortfall, delivery = m.x["busbar-shortfall"], d.delivery_mw.tolist()
        for t in range(d.T):
            m.add("busbar", "firm", t, line[t] + shortfall[t] >= delivery[t])
    if d.objective == "tracking":
        assert d.delivery_mw is not None
        up, down, delivery = m.x["busbar-deviation_up"], m.x["busbar-deviation_down"], d.delivery_mw.tolist()
        for t in range(d.T):
            m.add("busbar", "track", t, line[t] - up[t] + down[t] == delivery[t])


def add_release_limits(m: NetworkProblem) -> None:
    """The limits of releases and river reaches beyond their bounds: the discharge into a sink with limits,
    Q[k,t] − Σ_{j into k} q[j,t] = 0; the ramp −ramp ≤ q[e,t] − q[e,t−1] ≤ ramp (t ≥ 1) of a release or reach,
    and across a rolling window's join, −ramp ≤ q[e,0] − q_before ≤ ramp."""
    d = m.d
    for lim in d.flow_limits:
        if lim.kind == "sink":
            Q, into = m.x[f"{lim.name}-flow"], [m.flow(j) for j in lim.columns.tolist()]
            for t in range(d.T):
                m.add(lim.name, "flow", t, Q[t] - pulp.lpSum(q[t] for q in into) == 0.0)
    for lim in d.flow_limits:
        ramp = lim.ramp_m3s_per_step
        if not math.isfinite(ramp):
            continue
        q = (
            m.x[f"{lim.name}-flow"]
            if lim.kind == "sink"
            else m.x[f"{d.columns[int(lim.columns[0])].name}-flow"]
        )
        for t in range(1, d.T):
            m.add_range(lim.name, "ramp", t, q[t] - q[t - 1], -ramp, ramp)
        if lim.previous_m3s is not None:
            m.add_range(
                lim.name,
                "join_ramp",
                0,
                pulp.LpAffineExpression(q[0]),
                lim.previous_m3s - ramp,
                lim.previous_m3s + ramp,
            )


def add_level_change(m: NetworkProblem) -> None:
    """−dv_max[r,t] ≤ V[r,t] − V[r,t−1] ≤ dv_max[r,t] for each reservoir with a level-change limit."""
    d = m.d
    for r, name in enumerate(d.reservoir_names):
        dv = d.dv_max_hm3[r]
        if not np.all(np.isfinite(dv)):
            continue
        V = m.x[f"{name}-volume"]
        for t, dv_t in enumerate(dv.tolist()):
            V_before = V[t - 1] if t > 0 else float(d.v0_hm3[r])
            m.add_range(name, "level_change", t, V[t] - V_before, -dv_t, dv_t)


def add_pump_generate_balance(m: NetworkProblem) -> None:
    """Σ_{t∈P} (q[gen,t] − q[pump,t]) = 0 for each balance period P of each pump-turbine link."""
    for pt in m.d.pump_turbines:
        q_gen, q_pump = m.flow(pt.generate), m.flow(pt.pump)
        for k, steps in enumerate(pt.balance_periods):
            generated = pulp.lpSum(q_gen[t] for t in steps.tolist())
            pumped = pulp.lpSum(q_pump[t] for t in steps.tolist())
            m.add(pt.link, "pump_generate_balance", k, generated - pumped == 0.0)


def add_generation_cap(m: NetworkProblem) -> None:
    """Σ_{t∈D} P[gen,t]·Δt ≤ cap for each local day D of each pump-turbine link with a daily cap."""
    d = m.d
    for pt in d.pump_turbines:
        P = m.power(pt.generate_unit)
        for k, steps in enumerate(pt.gen_cap_periods):
            energy = pulp.lpSum(d.dt_h * P[t] for t in steps.tolist())
            m.add(pt.link, "generation_cap", k, energy <= pt.gen_cap_mwh)


def add_energy_target(m: NetworkProblem) -> None:
    """lo ≤ Σ_t P[gen,t]·Δt ≤ hi over the horizon for each unit link with an energy target (``= E`` when
    lo = hi; a one-sided row when the other side is infinite)."""
    d = m.d
    for et in d.energy_targets:
        energy = pulp.lpSum(d.dt_h * P_t for P_t in m.power(et.unit))
        if et.lo_mwh == et.hi_mwh:
            m.add(et.link, "energy_target", 0, energy == et.lo_mwh)
        elif not math.isfinite(et.lo_mwh):
            m.add(et.link, "energy_target", 0, energy <= et.hi_mwh)
        elif not math.isfinite(et.hi_mwh):
            m.add(et.link, "energy_target", 0, energy >= et.lo_mwh)
        else:
            m.add_range(et.link, "energy_target", 0, energy, et.lo_mwh, et.hi_mwh)


def add_unit_commitment(m: NetworkProblem) -> None:
    """Integer units u per unit column (per mode): p_min·u ≤ P ≤ p_max·u, and q ≤ q_max·u for generating units
    (a pump's flow follows from its input band); per pump-turbine link a binary mode y (1: generating):
    u_gen ≤ n·y and u_pump + n·y ≤ n, so that it never pumps and generates in the same step. A pump's band is
    the one tightened to its chords (``uc_min_mw``, ``uc_max_mw`` of ``_data.pump_band_on_chords``), as in the
    HiGHS model."""
    d = m.d
    units: dict[int, Family] = {}
    for g in d.unit_groups:
        u = m.variables(g.name, "units", 0.0, g.n_units, cat=pulp.LpInteger)
        units[g.column] = u
        P, q = m.power(g.unit), m.flow(g.column)
        lo, hi = g.uc_min_mw.tolist(), g.uc_max_mw.tolist()
        for t in range(d.T):
            m.add(g.name, "uc_min", t, P[t] - lo[t] * u[t] >= 0.0)
            m.add(g.name, "uc_max", t, P[t] - hi[t] * u[t] <= 0.0)
            if g.q_max_m3s is not None:
                m.add(g.name, "uc_flow", t, q[t] - g.q_max_m3s * u[t] <= 0.0)
    for pt in d.pump_turbines:
        y = m.variables(pt.link, "mode", 0, 1, cat=pulp.LpBinary)
        u_gen, u_pump, n = units[pt.generate], units[pt.pump], float(pt.n_units)
        for t in range(d.T):
            m.add(pt.link, "uc_mode_gen", t, u_gen[t] - n * y[t] <= 0.0)  # generate only in generating mode
            m.add(pt.link, "uc_mode_pump", t, u_pump[t] + n * y[t] <= n)  # pump only in pumping mode


# ---- objective --------------------------------------------------------------------------------------------
def objective(m: NetworkProblem) -> pulp.LpAffineExpression:
    """The cost to minimise (money): minus the revenue at the line, plus the flow costs (the spill tie-break
    and spillway costs), the firming or tracking penalties, minus the value of the water left at the end."""
    d = m.d
    dt, T = d.dt_h, d.T
    price = d.price_per_mwh.tolist()
    line = m.x["busbar-line"]
    cost = -pulp.lpSum(price[t] * dt * line[t] for t in range(T))
    for j, col in enumerate(d.columns):
        if f"{col.name}-flow" in m.x and d.flow_cost_per_m3s[j] != 0.0:
            cost += pulp.lpSum(float(d.flow_cost_per_m3s[j]) * q for q in m.x[f"{col.name}-flow"])
    if d.objective == "firming":
        cost += pulp.lpSum(d.shortfall_penalty * dt * s for s in m.x["busbar-shortfall"])
        renewables = [v for f in ("busbar-pv", "busbar-wind") if f in m.x for v in m.x[f]]
        cost -= pulp.lpSum(d.curtailment_penalty * dt * v for v in renewables)
    if d.objective == "tracking":
        deviations = m.x["busbar-deviation_up"] + m.x["busbar-deviation_down"]
        cost += pulp.lpSum(d.tracking_penalty * dt * v for v in deviations)
    if d.end == "water_value":
        for r, name in enumerate(d.reservoir_names):
            if d.water_value_per_hm3[r] != 0.0:
                cost -= float(d.water_value_per_hm3[r]) * m.x[f"{name}-volume"][-1]
    return cost


def build_problem(d: NetworkModelData) -> NetworkProblem:
    """The model of ``d`` as a PuLP problem, family by family (see the module docstring)."""
    m = NetworkProblem(d=d, prob=pulp.LpProblem("hydro_sim_dispatch", pulp.LpMinimize))
    add_flows(m)
    add_volumes(m)
    add_busbar(m)
    add_water_balances(m)
    add_power(m)
    add_release_limits(m)
    add_level_change(m)
    add_pump_generate_balance(m)
    add_generation_cap(m)
    add_energy_target(m)
    if d.unit_commitment:
        add_unit_commitment(m)
    m.prob.setObjective(objective(m))
    return m


# ---- solving ----------------------------------------------------------------------------------------------
def _make_solver(solver: str | None, time_limit_s: float, mip_rel_gap: float | None) -> pulp.LpSolver:
    """A silent PuLP solver with the model's time limit and (for MILP) relative gap."""
    name = DEFAULT_SOLVER if solver is None else solver
    kwargs: dict[str, object] = {"msg": False}
    if math.isfinite(time_limit_s):
        kwargs["timeLimit"] = float(time_limit_s)
    if mip_rel_gap is not None:
        kwargs["gapRel"] = float(mip_rel_gap)
    if name == "HiGHS":
        _highs.new_highs()  # swallows the banner HiGHS prints at its first construction
        return pulp.HiGHS(**kwargs)
    if name == "PULP_CBC_CMD":
        kwargs["keepFiles"] = False  # temporary files go to the temp directory and are deleted
    check_solver(name)
    # PuLP 3.3 deprecates PULP_CBC_CMD (bundled CBC) in favour of a separately installed CBC; the bundled
    # one is the only CBC here, so its DeprecationWarning is not the user's concern.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated", category=DeprecationWarning)
        try:
            return pulp.getSolver(name, **kwargs)
        except TypeError:  # a solver without a relative-gap option (e.g. GLPK_CMD): its own default applies
            kwargs.pop("gapRel", None)
            return pulp.getSolver(name, **kwargs)


def check_solver(solver: str) -> None:
    """Refuse a PuLP solver name that is not available here (with the list of those that are)."""
    if solver in ("PULP_CBC_CMD", "HiGHS"):
        return
    available = pulp.listSolvers(onlyAvailable=True)
    if solver not in available:
        raise iv.fail(
            "solver",
            f"must name a PuLP solver available here: {', '.join(available)}",
            solver,
            "dispatch(backend='pulp')",
        )


def _status(status: int, sol_status: int, time_limited: bool) -> str:
    """The backend status from PuLP's problem and solution status codes.

    A solver stopped by its time limit reports PuLP status "Optimal" with an integer-feasible (not
    optimal) solution, or "Not Solved" if it found none.
    """
    if status == pulp.LpStatusOptimal:
        if time_limited and sol_status == pulp.LpSolutionIntegerFeasible:
            return "time_limit"
        return "optimal"
    if status == pulp.LpStatusInfeasible:
        return "infeasible"
    if status == pulp.LpStatusUnbounded:
        return "unbounded"
    if status == pulp.LpStatusNotSolved and time_limited:
        return "time_limit"
    return "error"


@dataclass
class _Outcome:
    status: str
    message: str
    has_solution: bool
    iterations: int = 0
    mip_gap: float | None = None


def _run(
    prob: pulp.LpProblem, lp_solver: pulp.LpSolver, time_limit_s: float, integer: bool
) -> tuple[_Outcome | None, str, float]:
    """Solve; the outcome (None if the solver raised, with its message), and the wall time taken. [s]"""
    t0 = time.perf_counter()
    try:
        prob.solve(lp_solver)
    except pulp.PulpSolverError as err:
        return None, str(err), time.perf_counter() - t0
    took = time.perf_counter() - t0
    time_limited = math.isfinite(time_limit_s)
    if isinstance(lp_solver, pulp.HiGHS):
        h = prob.solverModel
        ms = h.getModelStatus()
        info = h.getInfo()
        status = _highs._STATUS.get(ms, "error")
        has = status == "optimal" or (
            status in _highs.STOPPED_EARLY and info.primal_solution_status == _highs.FEASIBLE_SOLUTION
        )
        out = _Outcome(status, h.modelStatusToString(ms), has, iterations=int(info.simplex_iteration_count))
        if integer and has:
            out.mip_gap = float(info.mip_gap)
    else:
        status = _status(prob.status, prob.sol_status, time_limited)
        message = f"{pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
        if status == "infeasible" and integer and time_limited and took >= time_limit_s:
            # CBC stopped by its time limit before any integer solution sometimes says "Integer infeasible".
            status = "time_limit"
            message += "; reported at the time limit, so taken as stopped by it"
        has = status == "optimal" or (
            status == "time_limit" and prob.sol_status == pulp.LpSolutionIntegerFeasible
        )
        out = _Outcome(status, message, has)
    if _highs.received_signal() is not None:
        out.status = "interrupted"  # CBC stopped by the same Ctrl-C, or finished after it
    return out, "", took


def solve(d: NetworkModelData, *, solver: str | None = None) -> RawSolution:
    """Build the model in PuLP and solve it; fill a :class:`RawSolution` as the HiGHS backend does.

    Parameters
    ----------
    d : The model's numbers.
    solver : A PuLP solver name: ``None`` or ``"PULP_CBC_CMD"`` (bundled CBC), ``"HiGHS"`` (highspy), or any
        name in ``pulp.listSolvers(onlyAvailable=True)``.

    Returns
    -------
    RawSolution with the minimised cost (money, the spill tie-break included, as HiGHS reports it), the
    column values per family of :mod:`._formulation` and, for an LP solved to optimality, ``balance_duals``
    (R, T): the duals of the reservoirs' balance rows (d cost / d right-hand side, money per hm³: minus the
    water value). ``mip_gap`` and ``iterations`` (simplex) are reported by HiGHS only.
    """
    t0 = time.perf_counter()
    m = build_problem(d)
    build_s = time.perf_counter() - t0
    lp_solver = _make_solver(solver, d.time_limit_s, d.mip_rel_gap if d.unit_commitment else None)
    out, error, solve_s = _run(m.prob, lp_solver, d.time_limit_s, d.unit_commitment)
    if out is None:
        return RawSolution(
            status="error", solver_message=error, objective_value=math.nan, build_s=build_s, solve_s=solve_s
        )
    raw = RawSolution(
        status=out.status,
        solver_message=out.message,
        objective_value=math.nan,
        build_s=build_s,
        solve_s=solve_s,
        iterations=out.iterations,
        mip_gap=out.mip_gap,
        has_solution=out.has_solution,
    )
    if not out.has_solution:
        return raw
    raw.objective_value = float(m.prob.objective.value())
    raw.values = {
        family: np.array([np.nan if v.varValue is None else v.varValue for v in variables], dtype=float)
        for family, variables in m.x.items()
    }
    if not isinstance(lp_solver, pulp.HiGHS):
        close_balances(m, raw)
    if not d.unit_commitment and out.status == "optimal":
        raw.balance_duals = _balance_duals(m)
    return raw


def close_balances(m: NetworkProblem, raw: RawSolution) -> None:
    """Re-accumulate every reservoir's volumes so that each water balance closes to round-off.

    CBC hands its solution back as text with about eight significant digits, so on Lianghekou's 10⁴ hm³ the
    balances read back hold only to ~1e-4 hm³. Row ``{r}-balance`` at t is V[t] − V[t−1] − c·Σ A·q − c·I =
    e_t; subtracting the running sum of e from V makes every e_t zero. The volumes move by the solver's
    rounding of the flows (a random walk of ~1e-8 relative steps: ~1e-6 hm³ over a year)."""
    for name in m.d.reservoir_names:
        residual = np.array([row.value() for row in m.rows[f"{name}-balance"]], dtype=float)
        raw.values[f"{name}-volume"] = raw.values[f"{name}-volume"] - np.cumsum(residual)


def _balance_duals(m: NetworkProblem) -> np.ndarray | None:
    """(R, T) duals of the balance rows, d cost / d rhs [money per hm³]; None if the solver gives none."""
    pi = [[row.pi for row in m.rows[f"{name}-balance"]] for name in m.d.reservoir_names]
    if all(p is None for rows in pi for p in rows):
        return None
    return np.array([[np.nan if p is None else p for p in rows] for rows in pi], dtype=float)


# ---- export -----------------------------------------------------------------------------------------------
def export(d: NetworkModelData, path: str | os.PathLike[str]) -> Path:
    """Write the model as a CPLEX-LP (``.lp``) or MPS (``.mps``) file, chosen by the suffix of ``path``; its
    rows and columns carry the PuLP names of the module docstring (``Yagen.I.balance(0)``).

    Returns the path written.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise iv.fail(
            "path",
            "must end in .lp or .mps (the suffix chooses the file format)",
            str(path),
            "export_model()",
        )
    prob = build_problem(d).prob
    if suffix == ".lp":
        prob.writeLP(str(p))
    else:
        prob.writeMPS(str(p))
    return p
