"""Small example plants, networks and scenarios whose answers can be worked out by hand.

They feed the README, docstrings, tests and scripts alike.

Examples
--------
>>> plant = small_pumped_storage()
>>> plant.reversible.rated_power_mw, round(plant.initial_gross_head_m, 1)
(100.0, 100.0)
>>> cascade_network().upstream_order()
('Top', 'Middle', 'Bottom')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hydro_sim import _validation as iv
from hydro_sim.constants import G_M_S2, HM3_PER_M3S_HOUR, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.network import Network, PumpTurbineLink, Release, RiverSink, Spillway, TurbineLink
from hydro_sim.plant import (
    GridLine,
    LevelVolumeCurve,
    Outlet,
    Plant,
    PumpTurbineGroup,
    Reservoir,
    TurbineGroup,
)
from hydro_sim.scenario import Scenario

__all__ = [
    "CASCADE_ETA",
    "cascade_energy_factors_mwh_per_hm3",
    "cascade_network",
    "constant_scenario",
    "named_scenario",
    "small_pumped_storage",
    "textbook_plant",
    "two_price_day",
]


def textbook_plant(
    *,
    initial_level_masl: float = 115.0,
    environmental_min_flow_m3s: float = 5.0,
    max_ramp_m3s_per_h: float = float("inf"),
) -> Plant:
    """A one-reservoir plant: a 1 km²-per-metre lake (10 hm³/m) above two 50 MW units, tailwater 20 m.

    The lake holds 0 hm³ at 100 m and 200 hm³ at 120 m (linear), operates between 105 and 120 m.
    Each unit takes up to 70 m³/s; η = 0.9; no waterway loss.
    """
    lake = Reservoir(
        name="lake",
        curve=LevelVolumeCurve(level_masl=(100.0, 120.0), volume_hm3=(0.0, 200.0)),
        min_level_masl=105.0,
        max_level_masl=120.0,
        initial_level_masl=initial_level_masl,
    )
    units = TurbineGroup(
        name="units", n_units=2, rated_power_mw=50.0, max_flow_m3s=70.0, efficiency=0.9, min_power_mw=10.0
    )
    return Plant(
        name="textbook",
        upper=lake,
        conventional=units,
        tailwater_level_masl=20.0,
        outlet=Outlet(
            environmental_min_flow_m3s=environmental_min_flow_m3s, max_ramp_m3s_per_h=max_ramp_m3s_per_h
        ),
    )


def small_pumped_storage(
    *,
    turbine_efficiency: float = 0.9,
    pump_efficiency: float = 0.9,
    lower_max_level_masl: float = 10.0,
    n_units: int = 1,
    head_loss_coefficient_s2_per_m5: float = 0.0,
) -> Plant:
    """A pure pumped store: 100 m of head, one 100 MW pump-turbine, 10 hm³ reservoirs at half volume.

    Upper: 0 hm³ at 100 m to 10 hm³ at 110 m (1 km²); lower: 0 hm³ at 0 m to 10 hm³ at 10 m. Both start
    at 5 hm³, so the initial gross head is 100 m. No conventional units, no inflow needed.
    """
    n_units = iv.positive_int("n_units", n_units, "small_pumped_storage()")
    upper = Reservoir(
        name="upper",
        curve=LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(0.0, 10.0)),
        min_level_masl=100.0,
        max_level_masl=110.0,
        initial_level_masl=105.0,
    )
    lower = Reservoir(
        name="lower",
        curve=LevelVolumeCurve(level_masl=(0.0, 10.0), volume_hm3=(0.0, 10.0)),
        min_level_masl=0.0,
        max_level_masl=lower_max_level_masl,
        initial_level_masl=5.0,
    )
    rev = PumpTurbineGroup(
        name="pump-turbine",
        n_units=n_units,
        rated_power_mw=100.0 / n_units,
        max_flow_m3s=200.0 / n_units,
        turbine_efficiency=turbine_efficiency,
        rated_pumping_power_mw=100.0 / n_units,
        pump_efficiency=pump_efficiency,
        pump_power_band_fraction=0.0,
        min_power_mw=0.0,
        head_loss_coefficient_s2_per_m5=head_loss_coefficient_s2_per_m5,
    )
    return Plant(name="small pumped storage", upper=upper, lower=lower, reversible=rev)


def two_price_day(
    *,
    low_per_mwh: float = 100.0,
    high_per_mwh: float = 300.0,
    low_hours: int = 12,
    inflow_upper_m3s: float = 0.0,
    start: str = "2030-01-01",
) -> Scenario:
    """24 hourly steps: ``low_hours`` at the low price, then the rest at the high price.

    ``low_hours`` is a whole number in [0, 24]; the prices are finite (either may be negative), the inflow is
    finite and ≥ 0, and ``start`` is a time stamp.
    """
    where = "two_price_day()"
    low_hours = iv.whole_number("low_hours", low_hours, where, minimum=0, maximum=24)
    low_per_mwh = iv.finite("low_per_mwh", low_per_mwh, where)
    high_per_mwh = iv.finite("high_per_mwh", high_per_mwh, where)
    inflow_upper_m3s = iv.non_negative("inflow_upper_m3s", inflow_upper_m3s, where)
    idx = pd.date_range(iv.timestamp("start", start, where), periods=24, freq="h")
    price = np.where(np.arange(24) < low_hours, low_per_mwh, high_per_mwh)
    return Scenario(
        inflow_upper_m3s=pd.Series(float(inflow_upper_m3s), index=idx),
        price_per_mwh=pd.Series(price.astype(float), index=idx),
        name="two-price day",
    )


def constant_scenario(
    *,
    hours: int,
    inflow_upper_m3s: float,
    price_per_mwh: float = 100.0,
    inflow_lower_m3s: float = 0.0,
    start: str = "2030-01-01",
) -> Scenario:
    """Constant inflows and price for ``hours`` hourly steps (a whole number ≥ 1) from the time stamp ``start``."""
    where = "constant_scenario()"
    hours = iv.positive_int("hours", hours, where)
    inflow_upper_m3s = iv.non_negative("inflow_upper_m3s", inflow_upper_m3s, where)
    inflow_lower_m3s = iv.non_negative("inflow_lower_m3s", inflow_lower_m3s, where)
    price_per_mwh = iv.finite("price_per_mwh", price_per_mwh, where)
    idx = pd.date_range(iv.timestamp("start", start, where), periods=hours, freq="h")
    return Scenario(
        inflow_upper_m3s=pd.Series(float(inflow_upper_m3s), index=idx),
        inflow_lower_m3s=pd.Series(float(inflow_lower_m3s), index=idx),
        price_per_mwh=pd.Series(float(price_per_mwh), index=idx),
        name="constant",
    )


# -- a cascade network ------------------------------------------------------------------------------------
#: The efficiency of every unit of the cascade, generating and pumping (no waterway losses). [-]
CASCADE_ETA = 0.9
_CASCADE_BOTTOMS_MASL = {"Top": 500.0, "Middle": 300.0, "Bottom": 200.0}
_CASCADE_RIVER_MASL = 110.0


def _cascade_reservoir(name: str, initial_level_masl: float) -> Reservoir:
    """20 m deep, 10 hm³ per metre (a 10 km² lake with vertical sides), operated over its whole depth."""
    z_b = _CASCADE_BOTTOMS_MASL[name]
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(
            level_masl=(z_b, z_b + 20.0), volume_hm3=(0.0, 200.0), where=f"cascade_network() {name} curve"
        ),
        min_level_masl=z_b,
        max_level_masl=z_b + 20.0,
        initial_level_masl=initial_level_masl,
    )


def cascade_network(
    *,
    top_initial_level_masl: float = 510.0,
    middle_initial_level_masl: float = 310.0,
    bottom_initial_level_masl: float = 210.0,
    environmental_min_flow_m3s: float = 0.0,
    max_ramp_m3s_per_h: float = math.inf,
    generating_head_range_m: tuple[float, float] | None = None,
    pumping_head_range_m: tuple[float, float] | None = None,
    line_capacity_mw: float = math.inf,
) -> Network:
    """Three reservoirs in series with a hybrid (pump-turbine) pair between the lower two; every number round.

    ::

        Top (500–520 m) ──Top units 2 × 50 m³/s──► Middle (300–320 m) ⇄ Middle pair ⇄ Bottom (200–220 m)
             └─ Top spillway ─────────────────────►      └─ Middle spillway ─────────►     │ Bottom units
                                                                                        │ Bottom spillway
                                                                                        ▼ Bottom release
                                                                                  river (110 m, constant)

    - **Reservoirs**: each 20 m deep with a linear table, 0 hm³ at its bottom to 200 hm³ at its top
      (10 hm³ per metre), operated over its whole depth, starting half full by default (510, 310, 210 m:
      100 hm³ each). Rows of the water balance in the order Top, Middle, Bottom.
    - **Links**, in flow-column order: ``Top units`` (Top → Middle: 2 units of 50 m³/s and 100 MW),
      ``Top spillway`` (Top → Middle), ``Middle pair`` (a pump-turbine between Middle and Bottom, one unit:
      50 m³/s and 60 MW generating, 50 MW pumping input, no pump band), its pumping column
      ``Middle pair-pump``, ``Middle spillway`` (Middle → Bottom), ``Bottom units`` (Bottom → river: 2 units of
      50 m³/s and 60 MW), ``Bottom spillway`` and ``Bottom release`` (Bottom → river; the release carries the
      environmental minimum and ramp given here). Spillways have no capacity limit and no cost.
    - **Efficiency** :data:`CASCADE_ETA` = 0.9 for every unit in every mode, no waterway loss, no minimum
      output: P = ρ g η Q H / 10⁶ exactly. The ratings never bind inside the operating levels (the largest
      gross heads are 220, 120 and 110 m: 97.1, 53.0 and 48.6 MW per unit at full flow), so each group's
      output is linear in its flow for a given head.
    - **Heads at the initial levels**: Top → Middle 200 m, Middle → Bottom 100 m, Bottom → river 100 m.

    Hand-derived figures at the initial levels (fixed head), with ρ g η / 10⁶ = 0.008829 MW per (m³/s·m):
    an energy factor of 1.7658 MW per m³/s (490.5 MWh/hm³) for the Top units, 0.8829 MW per m³/s
    (245.25 MWh/hm³) for the Middle pair and the Bottom units each; so a hm³ of water in Top is worth
    490.5 + 245.25 + 245.25 = **981 MWh** at the busbar if it runs down the whole chain, one in Middle 490.5 MWh,
    one in Bottom 245.25 MWh (:func:`cascade_energy_factors_mwh_per_hm3`). A pumping cycle Bottom → Middle →
    Bottom returns η² = 0.81 of its energy. Spill from Top passes to Middle and can still be turbined below.

    Parameters
    ----------
    top_initial_level_masl, middle_initial_level_masl, bottom_initial_level_masl : float
        Start levels. [m a.s.l.]
    environmental_min_flow_m3s, max_ramp_m3s_per_h : float
        Limits of the ``Bottom release``; none by default. [m³/s], [m³/s per h]
    generating_head_range_m, pumping_head_range_m : tuple of two floats, optional
        The Middle pair's head ranges; none by default. [m]
    line_capacity_mw : float
        The busbar's line; unlimited by default. [MW]

    Examples
    --------
    >>> net = cascade_network()
    >>> [c.name for c in net.flow_columns()][:4]
    ['Top units', 'Top spillway', 'Middle pair', 'Middle pair-pump']
    >>> net.incidence()[:, :4].tolist()         # rows Top, Middle, Bottom
    [[-1.0, -1.0, 0.0, 0.0], [1.0, 1.0, -1.0, 1.0], [0.0, 0.0, 1.0, -1.0]]
    """
    top = _cascade_reservoir("Top", top_initial_level_masl)
    middle = _cascade_reservoir("Middle", middle_initial_level_masl)
    bottom = _cascade_reservoir("Bottom", bottom_initial_level_masl)
    top_units = TurbineGroup(
        name="Top units", n_units=2, rated_power_mw=100.0, max_flow_m3s=50.0, efficiency=CASCADE_ETA
    )
    pair = PumpTurbineGroup(
        name="Middle pair",
        n_units=1,
        rated_power_mw=60.0,
        max_flow_m3s=50.0,
        turbine_efficiency=CASCADE_ETA,
        rated_pumping_power_mw=50.0,
        pump_efficiency=CASCADE_ETA,
        pump_power_band_fraction=0.0,
    )
    bottom_units = TurbineGroup(
        name="Bottom units", n_units=2, rated_power_mw=60.0, max_flow_m3s=50.0, efficiency=CASCADE_ETA
    )
    return Network(
        name="cascade",
        reservoirs=(top, middle, bottom),
        sinks=(RiverSink(name="river", tailwater_level_masl=_CASCADE_RIVER_MASL),),
        links=(
            TurbineLink(units=top_units, from_node="Top", to_node="Middle"),
            Spillway(name="Top spillway", from_node="Top", to_node="Middle"),
            PumpTurbineLink(
                units=pair,
                upper="Middle",
                lower="Bottom",
                generating_head_range_m=generating_head_range_m,
                pumping_head_range_m=pumping_head_range_m,
            ),
            Spillway(name="Middle spillway", from_node="Middle", to_node="Bottom"),
            TurbineLink(units=bottom_units, from_node="Bottom", to_node="river"),
            Spillway(name="Bottom spillway", from_node="Bottom", to_node="river"),
            Release(
                name="Bottom release",
                from_node="Bottom",
                to_node="river",
                environmental_min_flow_m3s=environmental_min_flow_m3s,
                max_ramp_m3s_per_h=max_ramp_m3s_per_h,
            ),
        ),
        line=GridLine(capacity_mw=line_capacity_mw),
    )


def cascade_energy_factors_mwh_per_hm3(network: Network | None = None) -> dict[str, float]:
    """Energy at the busbar of one hm³ stored in each reservoir, run down the chain at the initial levels.

    The sum of the energy factors ρ g η H / 3.6·10⁹ [MWh per m³] of the generating links below each reservoir,
    at the heads of the initial levels (fixed head): the value of water a revenue LP at fixed head gives each
    reservoir's balance when one MWh is worth one unit of money and nothing limits the flows.

    .. math::

        e_r = \\sum_{l \\,\\in\\, \\text{path}(r)} \\frac{\\rho g \\eta_l H_l}{3.6\\cdot 10^{9}}\\cdot 10^{6}

    Examples
    --------
    >>> {k: round(v, 6) for k, v in cascade_energy_factors_mwh_per_hm3().items()}
    {'Top': 981.0, 'Middle': 490.5, 'Bottom': 245.25}
    """
    net = cascade_network() if network is None else network
    per_m3s_mw: dict[str, float] = {}
    reservoirs = {r.name: r for r in net.reservoirs}
    for name in reversed(net.upstream_order()):  # downstream first, so each adds the factor below it
        below = 0.0
        for link in net.links:
            if isinstance(link, (TurbineLink, PumpTurbineLink)) and link.from_node == name:
                eta = (
                    link.units.reference_efficiency
                    if isinstance(link, TurbineLink)
                    else link.units.reference_turbine_efficiency
                )
                to = net.node(link.to_node)
                z_to_masl = to.initial_level_masl if isinstance(to, Reservoir) else to.lowest_level_masl
                head_m = reservoirs[name].initial_level_masl - z_to_masl
                factor = RHO_WATER_KG_M3 * G_M_S2 * eta * head_m / W_PER_MW + per_m3s_mw.get(
                    link.to_node, 0.0
                )
                below = max(below, factor)
        per_m3s_mw[name] = below
    # MW per m³/s held one hour is MWh per 0.0036 hm³
    return {r: per_m3s_mw[r] / HM3_PER_M3S_HOUR for r in net.reservoir_names}


def named_scenario(
    *,
    hours: int,
    inflow_m3s: Mapping[str, float],
    price_per_mwh: float = 100.0,
    start: str = "2030-01-01",
) -> Scenario:
    """Constant inflows by reservoir name and a constant price for ``hours`` hourly steps from ``start``.

    Examples
    --------
    >>> sc = named_scenario(hours=3, inflow_m3s={"Top": 40.0})
    >>> sc.inflow_m3s["Top"].tolist(), cascade_network().inflows_m3s(sc)[2].tolist()
    ([40.0, 40.0, 40.0], [0.0, 0.0, 0.0])
    """
    where = "named_scenario()"
    hours = iv.positive_int("hours", hours, where)
    if not isinstance(inflow_m3s, Mapping):
        raise iv.fail("inflow_m3s", "must be a mapping of reservoir name to m³/s", inflow_m3s, where)
    flows = {k: iv.non_negative(f"inflow_m3s[{k!r}]", v, where) for k, v in inflow_m3s.items()}
    price = iv.finite("price_per_mwh", price_per_mwh, where)
    idx = pd.date_range(iv.timestamp("start", start, where), periods=hours, freq="h")
    return Scenario(
        inflow_m3s={k: pd.Series(q, index=idx) for k, q in flows.items()},
        price_per_mwh=pd.Series(price, index=idx),
        name="constant, by reservoir",
    )
