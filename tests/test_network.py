"""The plant as a network: the graph's checks, its upstream order and the one water-balance matrix.

Hand-derived: the incidence matrices of Lianghekou, the textbook plant and a three-reservoir cascade are
written out element by element; the water balance of a schedule built by the equations written out by hand
closes with the matrix, and a perturbed flow shows up at exactly its reservoirs and step.
"""

from __future__ import annotations

import numpy as np
import pytest

from hydro_sim import LevelVolumeCurve, PumpTurbineGroup, Reservoir, TurbineGroup, lianghekou
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import small_pumped_storage, textbook_plant
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TailwaterCurve,
    TurbineLink,
    network_of,
)

#: Round-off of a balance summed over a few steps of hm³-sized volumes (float64, ~1e-16 relative). [hm³]
BALANCE_TOL_HM3 = 1e-9


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
