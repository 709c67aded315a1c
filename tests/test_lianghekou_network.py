"""Lianghekou as the three-node network: its structure by hand, Yagen-I's calibrated head by hand, provenance.

Layer 1: the node–link matrix of Lianghekou → Yagen-I → the river below Yagen-I written out element by
element; Yagen-I's head derived from its published 11.5亿 kWh with the arithmetic written out, and the network's
figures turning the mean flow back into that energy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError, Scenario, lianghekou
from hydro_sim.cases.lianghekou.plant import (
    PUBLISHED_YAGEN_I_GENERATION_YI_KWH,
    lianghekou_network,
    yagen_i_annual_flow_hm3,
    yagen_i_calibrated_head_m,
)
from hydro_sim.network import PumpTurbineLink, Release, RiverSink, Spillway

#: Float round-off of a product of a few factors (relative). [-]
ROUND_OFF = 1e-12
RIVER = "river below Yagen-I"


@pytest.fixture(scope="module")
def net():
    return lianghekou_network()


def test_elements_and_their_ends(net):
    assert net.reservoir_names == ("Lianghekou", "Yagen-I")
    assert [k.name for k in net.sinks] == [RIVER]
    ends = [(type(link).__name__, link.name, link.from_node, link.to_node) for link in net.links]
    assert ends == [
        ("TurbineLink", "Lianghekou conventional", "Lianghekou", "Yagen-I"),
        ("PumpTurbineLink", "Lianghekou reversible", "Lianghekou", "Yagen-I"),
        ("Spillway", "Lianghekou spillway", "Lianghekou", "Yagen-I"),
        ("TurbineLink", "Yagen-I units", "Yagen-I", RIVER),
        ("Spillway", "Yagen-I spillway", "Yagen-I", RIVER),
        ("Release", "Yagen-I release", "Yagen-I", RIVER),
    ]
    assert net.upstream_order() == ("Lianghekou", "Yagen-I")


def test_node_link_matrix_by_hand(net):
    cols = [c.name for c in net.flow_columns()]
    assert cols == [
        "Lianghekou conventional",
        "Lianghekou reversible",
        "Lianghekou reversible-pump",
        "Lianghekou spillway",
        "Yagen-I units",
        "Yagen-I spillway",
        "Yagen-I release",
    ]
    # conv  gen  pump  spill | Y units  Y spill  Y release
    by_hand = np.array(
        [
            [-1.0, -1.0, +1.0, -1.0, 0.0, 0.0, 0.0],  # Lianghekou
            [+1.0, +1.0, -1.0, +1.0, -1.0, -1.0, -1.0],  # Yagen-I
            [0.0, 0.0, 0.0, 0.0, +1.0, +1.0, +1.0],  # river below Yagen-I
        ]
    )
    np.testing.assert_array_equal(net.incidence(), by_hand[:2])
    np.testing.assert_array_equal(net.sink_incidence(), by_hand[2:])
    np.testing.assert_array_equal(by_hand.sum(axis=0), np.zeros(7))  # each column moves water, none makes it


def test_the_lianghekou_parts_are_those_of_the_plant(net):
    plant = lianghekou()
    assert net.node("Lianghekou") == plant.upper and net.node("Yagen-I") == plant.lower
    assert net.link("Lianghekou conventional").units == plant.conventional  # type: ignore[union-attr]
    assert net.link("Lianghekou reversible").units == plant.reversible  # type: ignore[union-attr]
    assert net.line == plant.line


def test_yagen_i_head_from_its_published_energy_by_hand():
    # V = 664 m³/s × 1.015 × 8,760 h × 3,600 s/h = 21,254.0 hm³ a year
    v_m3 = 664.0 * 1.015 * 8760.0 * 3600.0
    assert yagen_i_annual_flow_hm3() * 1e6 == pytest.approx(v_m3, rel=ROUND_OFF)
    assert v_m3 / 1e6 == pytest.approx(21254.0026, abs=1e-4)
    # E = 11.5 × 10⁸ kWh = 1.15 × 10⁹ kWh × 3.6 × 10⁶ J/kWh = 4.14 × 10¹⁵ J;  H = E / (ρ g η V)
    e_j = 11.5e8 * 3.6e6
    h_m = e_j / (1000.0 * 9.81 * 0.9 * v_m3)
    assert h_m == pytest.approx(22.0622, abs=5e-5)
    assert yagen_i_calibrated_head_m() == pytest.approx(h_m, rel=ROUND_OFF)


def test_the_network_turns_the_mean_flow_back_into_the_published_energy(net):
    # at the calibration level 2,601.5 m over the river's level, the mean flow at the units' η for a year
    river = net.node(RIVER)
    units = net.link("Yagen-I units").units  # type: ignore[union-attr]
    assert isinstance(river, RiverSink) and river.tailwater_level_masl == pytest.approx(2579.4378, abs=5e-5)
    head_m = 2601.5 - river.tailwater_level_masl
    q_m3s = 664.0 * 1.015
    power_mw = 1000.0 * 9.81 * units.efficiency * q_m3s * head_m / 1e6
    assert power_mw == pytest.approx(131.28, abs=0.01)  # mean output; 1.15 TWh / 8,760 h = 131.28 MW
    energy_yi_kwh = power_mw * 8760.0 * 1e3 / 1e8
    assert energy_yi_kwh == pytest.approx(PUBLISHED_YAGEN_I_GENERATION_YI_KWH, rel=1e-12)


def test_yagen_i_units_and_the_reach_limits(net):
    units = net.link("Yagen-I units").units  # type: ignore[union-attr]
    assert (units.n_units, units.max_power_mw, units.max_total_flow_m3s) == (3, 300.0, 1616.0)
    # at the calibrated head 300 MW takes 300 / (0.008829 × 22.062) ≈ 1,540 m³/s: the rating and the 1,616 m³/s
    # of the MIKE model agree to within 5 %
    q_rated = 300.0e6 / (1000.0 * 9.81 * 0.9 * yagen_i_calibrated_head_m())
    assert q_rated == pytest.approx(1540.2, abs=0.1) and 0.95 < q_rated / 1616.0 < 1.0
    river = net.node(RIVER)
    assert (river.environmental_min_flow_m3s, river.max_ramp_m3s_per_h, river.max_flow_m3s) == (
        66.4,
        66.4,
        math.inf,
    )
    outlet = net.link("Yagen-I release")
    assert isinstance(outlet, Release)
    assert (outlet.environmental_min_flow_m3s, outlet.max_flow_m3s, outlet.max_ramp_m3s_per_h) == (
        0.0,
        66.4,
        math.inf,
    )
    for name in ("Lianghekou spillway", "Yagen-I spillway"):
        spill = net.link(name)
        assert isinstance(spill, Spillway) and spill.capacity_m3s == math.inf


def test_every_parameter_has_a_provenance_and_the_head_is_a_calibration(net):
    table = net.parameters().set_index("parameter")
    assert not (table["provenance"] == "user input").any(), table[table["provenance"] == "user input"]
    prov = net.provenance
    assert prov[f"{RIVER}.tailwater_level_masl"].kind == "calibration"
    assert table.loc[f"{RIVER}.tailwater_level_masl", "provenance"].startswith("CALIBRATION (L): ")
    assert prov["Yagen-I units.n_units"].kind == "assumption"
    assert (
        prov["Yagen-I units.rated_power_mw"].kind == "source"
        and prov["Yagen-I units.rated_power_mw"].confidence == "H"
    )
    assert prov["Yagen-I units.max_flow_m3s"].confidence == "L–M"
    for key in ("efficiency", "min_power_mw", "head_loss_coefficient_s2_per_m5"):
        assert prov[f"Yagen-I units.{key}"].kind == "assumption", key
    for key in ("environmental_min_flow_m3s", "max_ramp_m3s_per_h"):
        assert prov[f"{RIVER}.{key}"].kind == "assumption", key
    for mode in ("generating", "pumping"):
        rng = prov[f"Lianghekou reversible.{mode}_head_range_m"]
        assert rng.kind == "assumption" and rng.text.startswith("unrestricted") and "§E" in rng.text
    assert table.loc["Lianghekou reversible.pumping_head_range_m", "value"] == "none"


def test_options_are_labelled_as_the_caller_s():
    net = lianghekou_network(
        yagen_i_tailwater_level_masl=2575.0,
        river_max_ramp_m3s_per_h=5.0,
        reversible_generating_head_range_m=(175.0, 265.0),
        reversible_pumping_head_range_m=(185.0, 280.0),
    )
    assert net.node(RIVER).tailwater_level_masl == 2575.0
    assert net.provenance[f"{RIVER}.tailwater_level_masl"].kind == "user"
    assert net.provenance[f"{RIVER}.max_ramp_m3s_per_h"].kind == "user"
    pair = net.link("Lianghekou reversible")
    assert isinstance(pair, PumpTurbineLink)
    assert (pair.generating_head_range_m, pair.pumping_head_range_m) == ((175.0, 265.0), (185.0, 280.0))
    assert net.provenance["Lianghekou reversible.pumping_head_range_m"].kind == "user"
    no_env = lianghekou_network(environmental_min_flow_m3s=0.0)
    assert no_env.link("Yagen-I release").max_flow_m3s == math.inf  # type: ignore[union-attr]


def test_a_head_range_beyond_the_reservoirs_is_refused():
    # pumping head: gross 2,785 − 2,605 = 180 m to 2,865 − 2,598 = 267 m, plus at most k·Q² ≈ 12.5 m of loss
    with pytest.raises(
        HydroSimInputError, match=r"`pumping_head_range_m` \(\(300.0, 400.0\)\).*could never pump"
    ):
        lianghekou_network(reversible_pumping_head_range_m=(300.0, 400.0))
    with pytest.raises(HydroSimInputError, match=r"`generating_head_range_m\[0\]`"):
        lianghekou_network(reversible_generating_head_range_m=(-1.0, 200.0))


def test_named_inflows_reach_both_reservoirs(net):
    idx = pd.date_range("2030-06-01", periods=4, freq="h")
    sc = Scenario(
        inflow_m3s={
            "Yagen-I": pd.Series(10.0, index=idx),
            "Lianghekou": pd.Series([600.0, 610.0, 620.0, 630.0], index=idx),
        }
    )
    np.testing.assert_array_equal(net.inflows_m3s(sc), [[600.0, 610.0, 620.0, 630.0], [10.0] * 4])
    with pytest.raises(HydroSimInputError, match="did you mean 'Yagen-I'"):
        net.inflows_m3s(Scenario(inflow_m3s={"Yagen I": pd.Series(1.0, index=idx)}))
