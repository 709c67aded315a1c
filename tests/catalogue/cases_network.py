"""Bad networks: unknown or wrong nodes, water that cannot leave, water falling in a circle, bad limits, heads
that cannot be positive or head ranges out of reach, inflows for reservoirs a network does not have."""

from __future__ import annotations

from _harness import Case

from hydro_sim import LevelVolumeCurve, PumpTurbineGroup, Reservoir, TurbineGroup
from hydro_sim.cases.lianghekou.plant import lianghekou_network, yagen_i_calibrated_head_m
from hydro_sim.examples import cascade_network, constant_scenario, named_scenario
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TailwaterCurve,
    TurbineLink,
    hybrid_network,
)


def _res(name: str, top: float = 500.0) -> Reservoir:
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(level_masl=(top - 20.0, top), volume_hm3=(0.0, 100.0)),
        min_level_masl=top - 15.0,
        max_level_masl=top,
        initial_level_masl=top - 5.0,
    )


def _units(name: str = "units") -> TurbineGroup:
    return TurbineGroup(name=name, n_units=1, rated_power_mw=50.0, max_flow_m3s=70.0, efficiency=0.9)


def _pt(name: str = "pair") -> PumpTurbineGroup:
    return PumpTurbineGroup(
        name=name,
        n_units=1,
        rated_power_mw=50.0,
        max_flow_m3s=60.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=50.0,
        pump_efficiency=0.9,
    )


RIVER = RiverSink(name="river", tailwater_level_masl=100.0)


def _net(*links, reservoirs=None, sinks=(RIVER,)) -> Network:
    return Network(
        name="net", reservoirs=(_res("lake"),) if reservoirs is None else reservoirs, sinks=sinks, links=links
    )


CASES = [
    Case(
        id="network-link-to-unknown-node",
        area="network",
        bad="a turbine group discharging into a node that does not exist",
        run=lambda tmp: _net(TurbineLink(units=_units(), from_node="lake", to_node="rivr")),
        match=("to_node", "'rivr'", "must name a node", "TurbineLink 'units'"),
    ),
    Case(
        id="network-link-from-a-sink",
        area="network",
        bad="a spillway that starts at a river sink",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="river"),
            Spillway(name="s", from_node="river", to_node="lake"),
        ),
        match=("from_node", "'river'", "a river sink has no outflow"),
    ),
    Case(
        id="network-link-to-itself",
        area="network",
        bad="a release from a reservoir into itself",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="river"),
            Release(name="r", from_node="lake", to_node="lake"),
        ),
        match=("to_node", "must differ from `from_node`"),
    ),
    Case(
        id="network-pump-turbine-lower-is-a-sink",
        area="network",
        bad="pump-turbines whose lower end is the river",
        run=lambda tmp: _net(PumpTurbineLink(units=_pt(), upper="lake", lower="river")),
        match=("lower", "'river'", "must be a reservoir"),
    ),
    Case(
        id="network-reservoir-water-cannot-leave",
        area="network",
        bad="a reservoir with inflow links only",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="pond"),
            reservoirs=(_res("lake", 500.0), _res("pond", 300.0)),
        ),
        match=("links", "reservoir 'pond'", "way for its water to leave"),
    ),
    Case(
        id="network-downhill-cycle",
        area="network",
        bad="a turbine from A to B and a spillway from B back to A",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="A", to_node="B"),
            Spillway(name="back", from_node="B", to_node="A"),
            reservoirs=(_res("A", 700.0), _res("B", 500.0)),
        ),
        match=("form a cycle", "units", "back"),
    ),
    Case(
        id="network-duplicate-name",
        area="network",
        bad="a spillway named like a reservoir",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="river"),
            Spillway(name="lake", from_node="lake", to_node="river"),
        ),
        match=("name", "'lake'", "must be unique"),
    ),
    Case(
        id="network-no-unit-group",
        area="network",
        bad="a network with a spillway and no units",
        run=lambda tmp: _net(Spillway(name="s", from_node="lake", to_node="river")),
        match=("links", "at least one unit group"),
    ),
    Case(
        id="network-no-reservoir",
        area="network",
        bad="a network without reservoirs",
        run=lambda tmp: _net(reservoirs=()),
        match=("reservoirs",),
    ),
    Case(
        id="network-links-not-a-list",
        area="network",
        bad="links given as a single link, not a list",
        run=lambda tmp: Network(
            name="net",
            reservoirs=(_res("lake"),),
            sinks=(RIVER,),
            links=TurbineLink(units=_units(), from_node="lake", to_node="river"),
        ),  # type: ignore[arg-type]
        match=("links", "must be a list"),
    ),
    Case(
        id="network-link-of-wrong-type",
        area="network",
        bad="a TurbineGroup put among the links without its ends",
        run=lambda tmp: _net(_units()),
        match=("links[0]", "TurbineGroup"),
    ),
    Case(
        id="network-sink-without-level",
        area="network",
        bad="a river sink with neither a level nor a table",
        run=lambda tmp: RiverSink(name="river"),
        match=("tailwater_level_masl", "exactly one"),
    ),
    Case(
        id="network-sink-with-both-levels",
        area="network",
        bad="a river sink with a level and a table",
        run=lambda tmp: RiverSink(
            name="river",
            tailwater_level_masl=100.0,
            tailwater_curve=TailwaterCurve(discharge_m3s=(0.0, 10.0), level_masl=(100.0, 101.0)),
        ),
        match=("exactly one",),
    ),
    Case(
        id="network-tailwater-falls",
        area="network",
        bad="a tailwater table whose level falls with discharge",
        run=lambda tmp: TailwaterCurve(discharge_m3s=(0.0, 10.0, 20.0), level_masl=(100.0, 101.0, 100.5)),
        match=("level_masl", "must not fall"),
    ),
    Case(
        id="network-tailwater-negative-discharge",
        area="network",
        bad="a tailwater table from −5 m³/s",
        run=lambda tmp: TailwaterCurve(discharge_m3s=(-5.0, 10.0), level_masl=(100.0, 101.0)),
        match=("discharge_m3s", "-5.0", "≥ 0"),
    ),
    Case(
        id="network-head-range-reversed",
        area="network",
        bad="a pump-turbine head range (400, 300) m",
        run=lambda tmp: PumpTurbineLink(
            units=_pt(), upper="a", lower="b", pumping_head_range_m=(400.0, 300.0)
        ),
        match=("pumping_head_range_m", "highest head above its lowest"),
    ),
    Case(
        id="network-head-range-not-a-pair",
        area="network",
        bad="a generating head range of one number",
        run=lambda tmp: PumpTurbineLink(units=_pt(), upper="a", lower="b", generating_head_range_m=300.0),  # type: ignore[arg-type]
        match=("generating_head_range_m", "pair"),
    ),
    Case(
        id="network-release-max-below-min",
        area="network",
        bad="a release whose maximum is below its minimum",
        run=lambda tmp: Release(
            name="r", from_node="a", to_node="b", environmental_min_flow_m3s=50.0, max_flow_m3s=10.0
        ),
        match=("max_flow_m3s", "10.0", "above `environmental_min"),
    ),
    Case(
        id="network-reach-zero-ramp",
        area="network",
        bad="a river reach with a ramp limit of 0 m³/s per h",
        run=lambda tmp: RiverSink(name="river", tailwater_level_masl=1.0, max_ramp_m3s_per_h=0.0),
        match=("max_ramp_m3s_per_h", "must be positive"),
    ),
    Case(
        id="network-spillway-negative-cost",
        area="network",
        bad="a spillway with a negative cost",
        run=lambda tmp: Spillway(name="s", from_node="a", to_node="b", cost_per_hm3=-1.0),
        match=("cost_per_hm3", "-1.0"),
    ),
    Case(
        id="network-balance-wrong-shape",
        area="network",
        bad="water-balance flows with a missing column",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="river")
        ).water_balance_error_hm3([[50.0, 50.0]], [[0.0]], [[1.0], [2.0]], 1.0),
        match=("flow_m3s", "shape (1, 1)"),
    ),
    # -- inflows ---------------------------------------------------------------------------------------------
    Case(
        id="network-inflow-unknown-reservoir",
        area="network",
        bad="a scenario's inflow for 'Midle' on a cascade with a reservoir 'Middle'",
        run=lambda tmp: cascade_network().inflows_m3s(named_scenario(hours=3, inflow_m3s={"Midle": 1.0})),
        match=("`inflow_m3s['Midle']`", "(Top, Middle, Bottom)", "did you mean 'Middle'?"),
    ),
    Case(
        id="network-inflow-into-a-sink",
        area="network",
        bad="a scenario's inflow into the river sink",
        run=lambda tmp: cascade_network().inflows_m3s(named_scenario(hours=3, inflow_m3s={"river": 1.0})),
        match=("`inflow_m3s['river']`", "is a river sink", "inflow enters reservoirs only"),
    ),
    Case(
        id="network-role-inflows-on-three-reservoirs",
        area="network",
        bad="an upper/lower scenario on a three-reservoir cascade",
        run=lambda tmp: cascade_network().inflows_m3s(constant_scenario(hours=3, inflow_upper_m3s=1.0)),
        match=("`scenario`", "each of the 3 reservoirs", "`Scenario(inflow_m3s={name: Series})`"),
    ),
    # -- heads -----------------------------------------------------------------------------------------------
    Case(
        id="network-unit-head-not-positive",
        area="network",
        bad="turbines into a pool that can stand above the reservoir they draw on",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="pool"),
            Spillway(name="pool spill", from_node="pool", to_node="river"),
            reservoirs=(_res("lake", 500.0), _res("pool", 490.0)),
        ),
        match=("`to_node`", "('pool') reaches 490 m", "lowest level of 'lake' (485 m)", "not be positive"),
    ),
    Case(
        id="network-unit-head-below-a-tailwater-table",
        area="network",
        bad="turbines whose river rises above the reservoir at the units' full flow",
        run=lambda tmp: _net(
            TurbineLink(units=_units(), from_node="lake", to_node="river"),
            sinks=(
                RiverSink(
                    name="river",
                    tailwater_curve=TailwaterCurve(discharge_m3s=(0.0, 70.0), level_masl=(400.0, 486.0)),
                ),
            ),
        ),
        match=("`to_node`", "('river') reaches 486 m", "lowest level of 'lake' (485 m)"),
    ),
    Case(
        id="network-generating-head-range-out-of-reach",
        area="network",
        bad="a generating head range (300, 400) m on reservoirs 185–215 m apart",
        run=lambda tmp: _net(
            PumpTurbineLink(units=_pt(), upper="up", lower="down", generating_head_range_m=(300.0, 400.0)),
            Spillway(name="down spill", from_node="down", to_node="river"),
            reservoirs=(_res("up", 500.0), _res("down", 300.0)),
        ),
        match=("`generating_head_range_m`", "(300.0, 400.0)", "185.0–215.0 m", "could never generate"),
    ),
    Case(
        id="network-pumping-head-range-out-of-reach",
        area="network",
        bad="a pumping head range (50, 100) m on reservoirs 185–215 m apart",
        run=lambda tmp: _net(
            PumpTurbineLink(units=_pt(), upper="up", lower="down", pumping_head_range_m=(50.0, 100.0)),
            Spillway(name="down spill", from_node="down", to_node="river"),
            reservoirs=(_res("up", 500.0), _res("down", 300.0)),
        ),
        match=("`pumping_head_range_m`", "(50.0, 100.0)", "could never pump"),
    ),
    Case(
        id="network-head-range-negative",
        area="network",
        bad="a pumping head range starting at −10 m",
        run=lambda tmp: PumpTurbineLink(
            units=_pt(), upper="a", lower="b", pumping_head_range_m=(-10.0, 300.0)
        ),
        match=("`pumping_head_range_m[0]`", "-10.0", "must be positive"),
    ),
    Case(
        id="network-head-range-nan",
        area="network",
        bad="a generating head range whose top is NaN",
        run=lambda tmp: PumpTurbineLink(
            units=_pt(), upper="a", lower="b", generating_head_range_m=(100.0, float("nan"))
        ),
        match=("`generating_head_range_m[1]`", "must not be NaN"),
    ),
    Case(
        id="network-head-range-text",
        area="network",
        bad="a head range given as the text '180-260'",
        run=lambda tmp: PumpTurbineLink(units=_pt(), upper="a", lower="b", generating_head_range_m="180-260"),  # type: ignore[arg-type]
        match=("`generating_head_range_m`", "'180-260'", "pair (lowest, highest)"),
    ),
    # -- the hybrid constructor ---------------------------------------------------------------------------------
    Case(
        id="network-hybrid-head-range-without-pump-turbines",
        area="network",
        bad="hybrid_network() with a head range but no reversible units",
        run=lambda tmp: hybrid_network(
            name="h",
            upper=_res("up", 500.0),
            lower=_res("down", 300.0),
            conventional=_units(),
            pumping_head_range_m=(180.0, 220.0),
        ),
        match=("`pumping_head_range_m`", "needs `reversible`", "hybrid_network()"),
    ),
    Case(
        id="network-hybrid-lower-not-a-reservoir",
        area="network",
        bad="hybrid_network() with the lower reservoir given by name",
        run=lambda tmp: hybrid_network(name="h", upper=_res("up", 500.0), lower="down", reversible=_pt()),  # type: ignore[arg-type]
        match=("`lower`", "str", "must be a Reservoir", "hybrid_network()"),
    ),
    Case(
        id="network-hybrid-river-not-a-sink",
        area="network",
        bad="hybrid_network() with the river given as a level",
        run=lambda tmp: hybrid_network(
            name="h", upper=_res("up", 500.0), lower=_res("down", 300.0), reversible=_pt(), river=250.0
        ),  # type: ignore[arg-type]
        match=("`river`", "float", "must be a RiverSink"),
    ),
    Case(
        id="network-hybrid-release-max-below-min",
        area="network",
        bad="hybrid_network() whose release maximum is below its environmental minimum",
        run=lambda tmp: hybrid_network(
            name="h",
            upper=_res("up", 500.0),
            lower=_res("down", 300.0),
            reversible=_pt(),
            environmental_min_flow_m3s=50.0,
            max_release_m3s=20.0,
        ),
        match=(
            "`max_flow_m3s`",
            "20.0",
            "above `environmental_min_flow_m3s` (50.0)",
            "Release 'down release'",
        ),
    ),
    # -- the Lianghekou network --------------------------------------------------------------------------------
    Case(
        id="lianghekou-network-tailwater-nan",
        area="network",
        bad="lianghekou_network() with a NaN river level below Yagen-I",
        run=lambda tmp: lianghekou_network(yagen_i_tailwater_level_masl=float("nan")),
        match=("`yagen_i_tailwater_level_masl`", "finite", "lianghekou_network()"),
    ),
    Case(
        id="lianghekou-network-tailwater-above-the-pool",
        area="network",
        bad="lianghekou_network() with the river below Yagen-I at 2,600 m, above Yagen-I's lowest level",
        run=lambda tmp: lianghekou_network(yagen_i_tailwater_level_masl=2600.0),
        match=("`to_node`", "('river below Yagen-I') reaches 2600 m", "lowest level of 'Yagen-I' (2598 m)"),
    ),
    Case(
        id="lianghekou-network-zero-yagen-flow",
        area="network",
        bad="lianghekou_network() with Yagen-I's units taking 0 m³/s",
        run=lambda tmp: lianghekou_network(yagen_i_max_flow_m3s=0.0),
        match=("`yagen_i_max_flow_m3s`", "0.0", "must be positive", "lianghekou_network()"),
    ),
    Case(
        id="lianghekou-network-negative-environmental-flow",
        area="network",
        bad="lianghekou_network() with an environmental minimum of −5 m³/s",
        run=lambda tmp: lianghekou_network(environmental_min_flow_m3s=-5.0),
        match=("`environmental_min_flow_m3s`", "-5.0", "must not be negative"),
    ),
    Case(
        id="lianghekou-network-zero-ramp",
        area="network",
        bad="lianghekou_network() with a river ramp of 0 m³/s per h",
        run=lambda tmp: lianghekou_network(river_max_ramp_m3s_per_h=0.0),
        match=("`max_ramp_m3s_per_h`", "must be positive", "RiverSink 'river below Yagen-I'"),
    ),
    Case(
        id="lianghekou-network-pumping-head-range-out-of-reach",
        area="network",
        bad="lianghekou_network() with a pumping head range of 300–400 m (the reservoirs give ≈ 180–280 m)",
        run=lambda tmp: lianghekou_network(reversible_pumping_head_range_m=(300.0, 400.0)),
        match=("`pumping_head_range_m`", "(300.0, 400.0)", "could never pump", "Lianghekou reversible"),
    ),
    Case(
        id="lianghekou-calibration-efficiency-above-one",
        area="network",
        bad="Yagen-I's head calibrated at an efficiency of 1.2",
        run=lambda tmp: yagen_i_calibrated_head_m(efficiency=1.2),
        match=("`efficiency`", "1.2", "(0, 1]", "yagen_i_calibrated_head_m()"),
    ),
]
