"""The plant as a network: the graph's checks, its upstream order and the one water-balance matrix.

Hand-derived: the incidence matrices of Lianghekou, the textbook plant and a three-reservoir cascade are
written out element by element; the water balance of a schedule built by the equations written out by hand
closes with the matrix, and a perturbed flow shows up at exactly its reservoirs and step.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import LevelVolumeCurve, PumpTurbineGroup, Reservoir, Scenario, TurbineGroup, lianghekou
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import (
    CASCADE_ETA,
    cascade_energy_factors_mwh_per_hm3,
    cascade_network,
    named_scenario,
    small_pumped_storage,
    textbook_plant,
)
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TailwaterCurve,
    TurbineLink,
    hybrid_network,
    network_of,
)

#: Round-off of a balance summed over a few steps of hm³-sized volumes (float64, ~1e-16 relative). [hm³]
BALANCE_TOL_HM3 = 1e-9
#: Float round-off of a product of a few factors (relative). [-]
ROUND_OFF = 1e-12


def reservoir(name: str, top_masl: float) -> Reservoir:
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(level_masl=(top_masl - 20.0, top_masl), volume_hm3=(0.0, 100.0)),
        min_level_masl=top_masl - 15.0,
        max_level_masl=top_masl,
        initial_level_masl=top_masl - 5.0,
    )


def units(name: str) -> TurbineGroup:
    return TurbineGroup(name=name, n_units=2, rated_power_mw=50.0, max_flow_m3s=70.0, efficiency=0.9)


def pump_turbines(name: str) -> PumpTurbineGroup:
    return PumpTurbineGroup(
        name=name,
        n_units=1,
        rated_power_mw=50.0,
        max_flow_m3s=60.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=50.0,
        pump_efficiency=0.9,
    )


def cascade() -> Network:
    """Top → Middle (turbines), Middle ⇄ Bottom (a hybrid pair), Bottom → river; reservoirs listed out of order."""
    return Network(
        name="cascade",
        reservoirs=(reservoir("Bottom", 300.0), reservoir("Top", 700.0), reservoir("Middle", 500.0)),
        sinks=(RiverSink(name="river", tailwater_level_masl=250.0),),
        links=(
            TurbineLink(units=units("Top units"), from_node="Top", to_node="Middle"),
            Spillway(name="Top spillway", from_node="Top", to_node="Middle"),
            PumpTurbineLink(units=pump_turbines("Middle pair"), upper="Middle", lower="Bottom"),
            TurbineLink(units=units("Bottom units"), from_node="Bottom", to_node="river"),
            Release(
                name="Bottom release", from_node="Bottom", to_node="river", environmental_min_flow_m3s=3.0
            ),
        ),
    )


def test_lianghekou_incidence_by_hand():
    net = network_of(lianghekou())
    names = [c.name for c in net.flow_columns()]
    assert names == [
        "Lianghekou conventional",
        "Lianghekou reversible",
        "Lianghekou reversible-pump",
        "Lianghekou spillway",
        "Yagen-I release",
    ]
    # conventional, generate, pump, spill, release; rows Lianghekou, Yagen-I
    expected = np.array([[-1.0, -1.0, +1.0, -1.0, 0.0], [+1.0, +1.0, -1.0, +1.0, -1.0]])
    np.testing.assert_array_equal(net.incidence(), expected)
    assert net.upstream_order() == ("Lianghekou", "Yagen-I")
    release = net.link("Yagen-I release")
    assert isinstance(release, Release)
    assert release.environmental_min_flow_m3s == lianghekou().outlet.environmental_min_flow_m3s
    assert release.to_node == "river"


def test_textbook_plant_puts_its_release_limits_on_the_reach():
    net = network_of(textbook_plant(environmental_min_flow_m3s=7.0, max_ramp_m3s_per_h=4.0))
    np.testing.assert_array_equal(net.incidence(), [[-1.0, -1.0]])  # units and spill leave the lake
    river = net.node("river")
    assert isinstance(river, RiverSink)
    assert (river.environmental_min_flow_m3s, river.max_ramp_m3s_per_h, river.tailwater_level_masl) == (
        7.0,
        4.0,
        20.0,
    )


def test_pure_pumped_store_is_a_closed_pair():
    net = network_of(small_pumped_storage())
    a = net.incidence()
    # every column moves water between the two reservoirs or out of the lower one: columns of a closed pair sum to 0
    gen, pump = (net.flow_columns()[i].name for i in (0, 1))
    assert (gen, pump) == ("pump-turbine", "pump-turbine-pump")
    np.testing.assert_array_equal(a[:, :2], [[-1.0, 1.0], [1.0, -1.0]])


def test_cascade_order_and_incidence_by_hand():
    net = cascade()
    assert net.upstream_order() == ("Top", "Middle", "Bottom")
    assert net.reservoir_names == ("Bottom", "Top", "Middle")  # rows keep the given order
    # columns: Top units, Top spillway, Middle pair (generate), Middle pair-pump, Bottom units, Bottom release
    expected = np.array(
        [
            [0.0, 0.0, +1.0, -1.0, -1.0, -1.0],  # Bottom
            [-1.0, -1.0, 0.0, 0.0, 0.0, 0.0],  # Top
            [+1.0, +1.0, -1.0, +1.0, 0.0, 0.0],
        ]
    )  # Middle
    np.testing.assert_array_equal(net.incidence(), expected)


def test_water_balance_with_the_matrix_equals_the_equations_by_hand():
    rng = np.random.default_rng(7)
    T, dt = 6, 1.0
    c = HM3_PER_M3S_HOUR * dt
    q = rng.uniform(0.0, 50.0, (6, T))  # the cascade's six flow columns
    inflow = rng.uniform(0.0, 30.0, (3, T))  # Bottom, Top, Middle
    v = np.zeros((3, T + 1))
    v[:, 0] = (40.0, 60.0, 50.0)
    top_u, top_s, gen, pump, bot_u, rel = q
    for t in range(T):  # the balances written out by hand
        v[1, t + 1] = v[1, t] + c * (inflow[1, t] - top_u[t] - top_s[t])
        v[2, t + 1] = v[2, t] + c * (inflow[2, t] + top_u[t] + top_s[t] - gen[t] + pump[t])
        v[0, t + 1] = v[0, t] + c * (inflow[0, t] + gen[t] - pump[t] - bot_u[t] - rel[t])
    net = cascade()
    err = net.water_balance_error_hm3(v, inflow, q, dt)
    assert np.max(np.abs(err)) < BALANCE_TOL_HM3
    # one more m³/s through the Middle pair's turbines at step 3 that the volumes do not show: Middle is short by
    # exactly c of water at that step, Bottom has c too much, Top is untouched
    q2 = q.copy()
    q2[2, 3] += 1.0
    err2 = net.water_balance_error_hm3(v, inflow, q2, dt)
    delta = err2 - err
    assert delta[2, 3] == pytest.approx(+c, abs=BALANCE_TOL_HM3)
    assert delta[0, 3] == pytest.approx(-c, abs=BALANCE_TOL_HM3)
    delta[[0, 2], 3] = 0.0
    assert np.max(np.abs(delta)) < BALANCE_TOL_HM3


def test_a_cycle_of_downhill_links_is_refused_by_name():
    a, b = reservoir("A", 700.0), reservoir("B", 500.0)
    with pytest.raises(HydroSimInputError, match="form a cycle") as err:
        Network(
            name="loop",
            reservoirs=(a, b),
            links=(
                TurbineLink(units=units("A units"), from_node="A", to_node="B"),
                Spillway(name="B spillway", from_node="B", to_node="A"),
            ),
        )
    assert "A units" in str(err.value) and "B spillway" in str(err.value)


def test_pumping_does_not_make_a_cycle():
    # generating upper → lower and pumping back is the point of a pumped store, not a cycle
    net = network_of(small_pumped_storage())
    assert net.upstream_order() == ("upper", "lower")


def test_tailwater_curve_by_hand():
    curve = TailwaterCurve(discharge_m3s=(0.0, 500.0, 1500.0), level_masl=(2500.0, 2502.0, 2505.0))
    assert curve.level_masl_at(250.0) == pytest.approx(2501.0)
    assert curve.level_masl_at(1000.0) == pytest.approx(2503.5)
    assert curve.level_masl_at(2500.0) == pytest.approx(2508.0)  # extended along the last segment
    sink = RiverSink(name="river", tailwater_curve=curve)
    np.testing.assert_allclose(sink.level_masl_at(np.array([0.0, 500.0])), [2500.0, 2502.0])
    assert sink.lowest_level_masl == 2500.0


# -- inflows: the one place models read them ----------------------------------------------------------------

HOURS = pd.date_range("2030-01-01", periods=3, freq="h")


def test_named_inflows_go_to_their_rows_and_missing_reservoirs_get_zero():
    sc = Scenario(
        inflow_m3s={"Middle": pd.Series([1.0, 2.0, 3.0], index=HOURS), "Top": pd.Series(7.5, index=HOURS)}
    )
    got = cascade().inflows_m3s(sc)  # rows in the network's reservoir order: Bottom, Top, Middle
    np.testing.assert_array_equal(got, [[0.0, 0.0, 0.0], [7.5, 7.5, 7.5], [1.0, 2.0, 3.0]])


def test_role_inflows_are_the_first_and_second_reservoirs():
    sc = Scenario(
        inflow_upper_m3s=pd.Series([10.0, 20.0, 30.0], index=HOURS),
        inflow_lower_m3s=pd.Series([1.0, 0.0, 2.0], index=HOURS),
    )
    np.testing.assert_array_equal(
        network_of(lianghekou()).inflows_m3s(sc), [[10.0, 20.0, 30.0], [1.0, 0.0, 2.0]]
    )
    np.testing.assert_array_equal(
        network_of(textbook_plant()).inflows_m3s(
            dataclasses.replace(sc, inflow_lower_m3s=0.0 * sc.inflow_lower_m3s)
        ),
        [[10.0, 20.0, 30.0]],
    )


def test_an_unknown_reservoir_name_is_refused_with_the_list_and_the_nearest():
    sc = Scenario(inflow_m3s={"Midle": pd.Series(1.0, index=HOURS)})
    with pytest.raises(HydroSimInputError) as err:
        cascade().inflows_m3s(sc)
    msg = str(err.value)
    assert (
        "`inflow_m3s['Midle']`" in msg and "(Bottom, Top, Middle)" in msg and "did you mean 'Middle'?" in msg
    )


def test_inflow_into_a_river_sink_is_refused():
    sc = Scenario(inflow_m3s={"river": pd.Series(1.0, index=HOURS)})
    with pytest.raises(
        HydroSimInputError, match="is a river sink of the network, and inflow enters reservoirs"
    ):
        cascade().inflows_m3s(sc)


def test_role_inflows_do_not_fit_three_reservoirs():
    sc = Scenario(inflow_upper_m3s=pd.Series(1.0, index=HOURS))
    with pytest.raises(HydroSimInputError, match=r"by name, `Scenario\(inflow_m3s=\{name: Series\}\)`"):
        cascade().inflows_m3s(sc)


# -- the node-link matrix, the hybrid constructor, the head checks ----------------------------------------------


def test_sink_incidence_completes_the_node_link_matrix():
    net = cascade()
    # columns: Top units, Top spillway, Middle pair, Middle pair-pump, Bottom units, Bottom release
    np.testing.assert_array_equal(net.sink_incidence(), [[0.0, 0.0, 0.0, 0.0, 1.0, 1.0]])
    whole = np.vstack([net.incidence(), net.sink_incidence()])
    np.testing.assert_array_equal(whole.sum(axis=0), np.zeros(6))  # every column moves water, none makes it


def test_hybrid_network_is_the_network_of_the_hybrid_plant():
    p = lianghekou()
    by_hand = hybrid_network(
        name=p.name,
        upper=p.upper,
        lower=p.lower,
        reversible=p.reversible,
        conventional=p.conventional,
        environmental_min_flow_m3s=p.outlet.environmental_min_flow_m3s,
        line=p.line,
    )
    of_plant = network_of(p)
    assert by_hand.flow_columns() == of_plant.flow_columns()
    np.testing.assert_array_equal(by_hand.incidence(), of_plant.incidence())
    assert by_hand.sinks == of_plant.sinks and by_hand.links == of_plant.links


def test_hybrid_network_carries_the_head_ranges():
    upper, lower = reservoir("up", 500.0), reservoir("down", 300.0)
    net = hybrid_network(
        name="h",
        upper=upper,
        lower=lower,
        reversible=pump_turbines("pair"),
        generating_head_range_m=(180.0, 220.0),
        pumping_head_range_m=(185.0, math.inf),
    )
    pair = net.link("pair")
    assert isinstance(pair, PumpTurbineLink)
    assert pair.generating_head_range_m == (180.0, 220.0) and pair.pumping_head_range_m == (185.0, math.inf)
    with pytest.raises(HydroSimInputError, match="needs `reversible`"):
        hybrid_network(
            name="h", upper=upper, lower=lower, conventional=units("u"), pumping_head_range_m=(1, 2)
        )


def test_a_unit_group_without_positive_head_at_every_state_is_refused():
    # Top at 680–700 m over a pool at 685–705 m: at Top's lowest level the pool is above it
    with pytest.raises(HydroSimInputError) as err:
        Network(
            name="flat",
            reservoirs=(reservoir("Top", 700.0), reservoir("Pool", 705.0)),
            sinks=(RiverSink(name="river", tailwater_level_masl=250.0),),
            links=(
                TurbineLink(units=units("Top units"), from_node="Top", to_node="Pool"),
                Spillway(name="Pool spillway", from_node="Pool", to_node="river"),
            ),
        )
    assert "`to_node` ('Pool') reaches 705 m, not below the lowest level of 'Top' (685 m)" in str(err.value)


def test_a_head_range_the_reservoirs_never_reach_is_refused():
    # gross head 485−300 = 185 m to 500−285 = 215 m; the pump-turbine has no loss: net heads 185–215 m
    def net(**ranges):
        return hybrid_network(
            name="h",
            upper=reservoir("up", 500.0),
            lower=reservoir("down", 300.0),
            reversible=pump_turbines("p"),
            **ranges,
        )

    assert net(generating_head_range_m=(200.0, 400.0)).link("p").generating_head_range_m == (200.0, 400.0)
    with pytest.raises(HydroSimInputError, match=r"185.0–215.0 m.*could never generate"):
        net(generating_head_range_m=(216.0, 400.0))
    with pytest.raises(HydroSimInputError, match=r"could never pump"):
        net(pumping_head_range_m=(100.0, 184.0))


def test_a_head_range_the_waterway_loss_brings_within_reach_is_kept():
    # with k = 1e-3 s²/m⁵ at the full 60 m³/s the generating net head falls by 3.6 m: 181.4–215 m
    lossy = dataclasses.replace(pump_turbines("p"), head_loss_coefficient_s2_per_m5=1e-3)
    net = hybrid_network(
        name="h",
        upper=reservoir("up", 500.0),
        lower=reservoir("down", 300.0),
        reversible=lossy,
        generating_head_range_m=(100.0, 183.0),
    )
    assert net.link("p").generating_head_range_m == (100.0, 183.0)


def test_parameters_list_every_element_with_its_unit():
    table = cascade().parameters().set_index("parameter")
    assert (
        table.loc["Top.max_level_masl", "value"] == 700.0
        and table.loc["Top.max_level_masl", "unit"] == "m a.s.l."
    )
    assert table.loc["Middle pair.generating_head_range_m", "value"] == "none"
    assert table.loc["Bottom release.environmental_min_flow_m3s", "value"] == 3.0
    assert table.loc["river.tailwater_level_masl", "value"] == 250.0
    assert (table["provenance"] == "user input").all()


# -- the cascade example ------------------------------------------------------------------------------------


def test_cascade_example_structure_by_hand():
    net = cascade_network()
    assert net.reservoir_names == ("Top", "Middle", "Bottom") and net.upstream_order() == (
        "Top",
        "Middle",
        "Bottom",
    )
    assert [c.name for c in net.flow_columns()] == [
        "Top units",
        "Top spillway",
        "Middle pair",
        "Middle pair-pump",
        "Middle spillway",
        "Bottom units",
        "Bottom spillway",
        "Bottom release",
    ]
    # Top units, Top spill, pair generate, pair pump, Middle spill, Bottom units, Bottom spill, Bottom release
    np.testing.assert_array_equal(
        np.vstack([net.incidence(), net.sink_incidence()]),
        [
            [-1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # Top
            [+1.0, +1.0, -1.0, +1.0, -1.0, 0.0, 0.0, 0.0],  # Middle
            [0.0, 0.0, +1.0, -1.0, +1.0, -1.0, -1.0, -1.0],  # Bottom
            [0.0, 0.0, 0.0, 0.0, 0.0, +1.0, +1.0, +1.0],  # river
        ],
    )
    # each reservoir: 10 hm³ per metre, half full (100 hm³) at its start level; heads 200, 100, 100 m
    for name, z0 in (("Top", 510.0), ("Middle", 310.0), ("Bottom", 210.0)):
        r = net.node(name)
        assert r.initial_volume_hm3 == pytest.approx(100.0, rel=ROUND_OFF) and r.initial_level_masl == z0
        assert r.curve.volume_hm3_at(z0 + 1.0) - r.curve.volume_hm3_at(z0) == pytest.approx(
            10.0, rel=ROUND_OFF
        )


def test_cascade_ratings_never_bind_inside_the_operating_levels():
    # largest gross heads 520 − 300 = 220, 320 − 200 = 120, 220 − 110 = 110 m at full flow and η = 0.9
    net = cascade_network()
    for link, head_m in (("Top units", 220.0), ("Middle pair", 120.0), ("Bottom units", 110.0)):
        g = net.link(link).units  # type: ignore[union-attr]
        full_mw = 1000.0 * 9.81 * CASCADE_ETA * g.max_flow_m3s * head_m / 1e6
        assert full_mw < g.rated_power_mw, link


def test_cascade_value_of_water_is_the_sum_of_the_factors_below():
    # ρ g η H / 10⁶ per m³/s: 1.7658 MW (200 m), 0.8829 MW (100 m) each below; per hm³ divide by 0.0036 h·m³/s
    top_units, pair, bottom_units = (1000.0 * 9.81 * 0.9 * h / 1e6 / 0.0036 for h in (200.0, 100.0, 100.0))
    assert (top_units, pair, bottom_units) == pytest.approx((490.5, 245.25, 245.25), rel=ROUND_OFF)
    values = cascade_energy_factors_mwh_per_hm3()
    assert values == pytest.approx(
        {"Top": top_units + pair + bottom_units, "Middle": pair + bottom_units, "Bottom": bottom_units},
        rel=ROUND_OFF,
    )
    assert values["Top"] == pytest.approx(981.0, rel=ROUND_OFF)


def test_cascade_options_reach_their_elements_and_the_named_scenario_feeds_it():
    net = cascade_network(
        environmental_min_flow_m3s=4.0, max_ramp_m3s_per_h=2.0, pumping_head_range_m=(95.0, 125.0)
    )
    release = net.link("Bottom release")
    assert (release.environmental_min_flow_m3s, release.max_ramp_m3s_per_h) == (4.0, 2.0)  # type: ignore[union-attr]
    assert net.link("Middle pair").pumping_head_range_m == (95.0, 125.0)  # type: ignore[union-attr]
    sc = named_scenario(hours=2, inflow_m3s={"Top": 40.0, "Bottom": 1.5})
    np.testing.assert_array_equal(net.inflows_m3s(sc), [[40.0, 40.0], [0.0, 0.0], [1.5, 1.5]])


def test_networks_and_plants_pickle_and_copy() -> None:
    """A Network and a Plant go to another process (the design basis's child processes, a sweep's workers)
    and come back equal, their provenance still read-only."""
    import copy
    import pickle
    from types import MappingProxyType

    from hydro_sim.cases.lianghekou.plant import lianghekou_network

    for obj in (lianghekou(), network_of(lianghekou()), lianghekou_network()):
        assert obj.provenance  # (the sourced figures' records: something to carry)
        for back in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj), copy.copy(obj)):
            assert back == obj and type(back) is type(obj)
            assert isinstance(back.provenance, MappingProxyType)
            assert {k: v.text for k, v in back.provenance.items()} == {
                k: v.text for k, v in obj.provenance.items()
            }
