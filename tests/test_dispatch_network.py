"""Dispatch on a Network: hand-derived optima of small networks, element columns, water values per reservoir.

Every case runs at a fixed head (``head="fixed"``; the reservoirs are large, so their levels hardly move,
and the check on the head's move is off): each unit column's power is then κ·Q with
κ = ρ g η H / 10⁶ MW per m³/s, and 1 m³/s over one hour is c = 0.0036 hm³. The values below follow from
these by hand.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hydro_sim import LevelVolumeCurve, Reservoir, Scenario, TurbineGroup, lianghekou
from hydro_sim.constants import G_M_S2, HM3_PER_M3S_HOUR, RHO_WATER_KG_M3, W_PER_MW
from hydro_sim.errors import HydroSimInputError
from hydro_sim.network import Network, Release, RiverSink, Spillway, TurbineLink, network_of
from hydro_sim.optimise import dispatch, export_model
from hydro_sim.optimise.rolling import rolling_dispatch

C_HM3 = HM3_PER_M3S_HOUR  # hm³ per (m³/s · h)
A_MW = RHO_WATER_KG_M3 * G_M_S2 / W_PER_MW  # MW per (m³/s · m)
#: Objectives to the solvers' relative tolerance (DESIGN.md §4). [-]
OBJECTIVE_REL_TOL = 1e-6
#: Flows to the solver's feasibility tolerance, scaled up for the chords' sums. [m³/s]
FLOW_TOL_M3S = 1e-5
#: The issue's bound on each reservoir's balance per step. [hm³]
BALANCE_TOL_HM3 = 1e-6
PRICE = 100.0  # [CNY/MWh]
FIXED = {"head": "fixed", "fixed_head_tolerance_m": math.inf}


def lake(
    name: str, top_masl: float, *, initial_below_top_m: float = 5.0, area_km2: float = 50.0
) -> Reservoir:
    """A prism: ``area_km2`` km² (so ``area_km2`` hm³ per m), operating over its top 10 m."""
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(level_masl=(top_masl - 20.0, top_masl), volume_hm3=(0.0, 20.0 * area_km2)),
        min_level_masl=top_masl - 10.0,
        max_level_masl=top_masl,
        initial_level_masl=top_masl - initial_below_top_m,
    )


def units(name: str, max_flow_m3s: float, efficiency: float) -> TurbineGroup:
    """One unit whose flow limit binds first (rated far above κ·Q)."""
    return TurbineGroup(
        name=name, n_units=1, rated_power_mw=10_000.0, max_flow_m3s=max_flow_m3s, efficiency=efficiency
    )


def hours(n: int, inflow_m3s: dict[str, float] | None = None, **series: Any) -> Scenario:
    """``n`` hourly steps of constant series; ``inflow_m3s`` gives inflows by reservoir name (the others get
    none), else the role series are used."""
    idx = pd.date_range("2030-01-01", periods=n, freq="h")
    data: dict[str, Any] = {
        k: pd.Series(np.broadcast_to(np.asarray(v, dtype=float), (n,)), index=idx) for k, v in series.items()
    }
    data.setdefault("price_per_mwh", pd.Series(PRICE, index=idx))
    if inflow_m3s is not None:
        data["inflow_m3s"] = {r: pd.Series(q, index=idx) for r, q in inflow_m3s.items()}
    else:
        data.setdefault("inflow_upper_m3s", pd.Series(0.0, index=idx))
    return Scenario(**data)


def balance_error_hm3(net: Network, schedule: pd.DataFrame, dt_h: float = 1.0) -> float:
    """Largest residual of ``Network.water_balance_error_hm3`` over the schedule's element columns."""
    v0 = np.array([[r.initial_volume_hm3] for r in net.reservoirs])
    v = np.hstack([v0, np.vstack([schedule[f"{r} volume_hm3"].to_numpy() for r in net.reservoir_names])])
    inflow = np.vstack([schedule[f"{r} inflow_m3s"].to_numpy() for r in net.reservoir_names])
    q = np.vstack([schedule[f"{c.name} flow_m3s"].to_numpy() for c in net.flow_columns()])
    return float(np.max(np.abs(net.water_balance_error_hm3(v, inflow, q, dt_h))))


# ---- two turbine groups of different efficiency on one reservoir -------------------------------------------
def two_groups() -> Network:
    """One lake (top 120 m, 5 m below it) over a river at 20 m: group "A" (η 0.9, 50 m³/s) and group "B"
    (η 0.8, 50 m³/s), both at the head 115 − 20 = 95 m."""
    return Network(
        name="two groups",
        reservoirs=(lake("lake", 120.0),),
        sinks=(RiverSink(name="river", tailwater_level_masl=20.0),),
        links=(
            TurbineLink(units=units("A", 50.0, 0.9), from_node="lake", to_node="river"),
            TurbineLink(units=units("B", 50.0, 0.8), from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )


def test_two_groups_on_one_reservoir_follow_the_merit_order() -> None:
    """60 m³/s of inflow for 24 h, the lake must end where it started, one price: all 60 m³/s are
    turbined. A yields κ_A = ρg·0.9·95/10⁶ = 0.838755 MW per m³/s, B κ_B = 0.745560: the merit order fills
    A to its 50 m³/s and gives B the other 10 m³/s, so each hour earns PRICE·(50 κ_A + 10 κ_B) and B runs
    10 m³/s on average (its hours are interchangeable)."""
    net = two_groups()
    res = dispatch(net, hours(24, inflow_upper_m3s=60.0), **FIXED)
    assert res.status == "optimal"
    k_a, k_b = A_MW * 0.9 * 95.0, A_MW * 0.8 * 95.0
    expected = PRICE * 24 * (50.0 * k_a + 10.0 * k_b)
    assert res.objective_value == pytest.approx(expected, rel=OBJECTIVE_REL_TOL)
    s = res.schedule
    np.testing.assert_allclose(s["A flow_m3s"], 50.0, atol=FLOW_TOL_M3S)
    assert s["B flow_m3s"].sum() == pytest.approx(240.0, abs=24 * FLOW_TOL_M3S)
    np.testing.assert_allclose(s["A power_mw"], k_a * s["A flow_m3s"], rtol=1e-12)
    np.testing.assert_allclose(
        s["river flow_m3s"], s["A flow_m3s"] + s["B flow_m3s"] + s["lake spillway flow_m3s"]
    )
    assert balance_error_hm3(net, s) <= BALANCE_TOL_HM3
    # the element columns of the contract, in its order
    assert list(s.columns[:4]) == [
        "lake inflow_m3s",
        "lake volume_hm3",
        "lake level_masl",
        "lake water_value_per_hm3",
    ]
    assert {"A head_m", "B power_mw", "line_mw", "price_per_mwh"} <= set(s.columns)
    # The water value is the marginal group's: B turbines the last m³/s, PRICE·κ_B per (m³/s·h).
    np.testing.assert_allclose(res.water_values_per_hm3()["lake"], PRICE * k_b / C_HM3, rtol=1e-6)


# ---- a three-reservoir cascade ---------------------------------------------------------------------------
def cascade(*, full: bool = False, turbine_m3s: float = 100.0) -> Network:
    """top (300 m) → T1 → middle (200 m) → T2 → bottom (100 m) → T3 → river (20 m), each reservoir with a
    spillway to the next node; η 0.9, 0.85, 0.8. Levels 5 m below the tops (or at them, ``full``): heads
    H1 = 100 m, H2 = 100 m, H3 = 75 m (95 − 20; at the tops 80 m)."""
    below = 0.0 if full else 5.0
    return Network(
        name="cascade",
        reservoirs=(
            lake("top", 300.0, initial_below_top_m=below),
            lake("middle", 200.0, initial_below_top_m=below),
            lake("bottom", 100.0, initial_below_top_m=below),
        ),
        sinks=(RiverSink(name="river", tailwater_level_masl=20.0),),
        links=(
            TurbineLink(units=units("T1", turbine_m3s, 0.9), from_node="top", to_node="middle"),
            TurbineLink(units=units("T2", turbine_m3s, 0.85), from_node="middle", to_node="bottom"),
            TurbineLink(units=units("T3", turbine_m3s, 0.8), from_node="bottom", to_node="river"),
            Spillway(name="top spillway", from_node="top", to_node="middle"),
            Spillway(name="middle spillway", from_node="middle", to_node="bottom"),
            Spillway(name="bottom spillway", from_node="bottom", to_node="river"),
        ),
    )


def test_the_value_of_water_in_the_top_reservoir_is_the_sum_of_the_downstream_energy_factors() -> None:
    """50 m³/s into the top reservoir for 24 h, every reservoir must end where it started, turbines of
    100 m³/s (never full), one price. One more hm³ in a reservoir is turbined by every group below it:
    its water value (the dual of its balance) is PRICE·Σκ/c, with κ1 = ρg·0.9·100, κ2 = ρg·0.85·100,
    κ3 = ρg·0.8·75 (/10⁶): top PRICE·(κ1+κ2+κ3)/c, middle PRICE·(κ2+κ3)/c, bottom PRICE·κ3/c, at every
    step. The revenue is PRICE·24·50·(κ1+κ2+κ3)."""
    net = cascade()
    res = dispatch(net, hours(24, inflow_m3s={"top": 50.0}), **FIXED)
    assert res.status == "optimal"
    k1, k2, k3 = A_MW * 0.9 * 100.0, A_MW * 0.85 * 100.0, A_MW * 0.8 * 75.0
    assert res.objective_value == pytest.approx(PRICE * 24 * 50.0 * (k1 + k2 + k3), rel=OBJECTIVE_REL_TOL)
    wv = res.water_values_per_hm3()
    assert list(wv.columns) == ["top", "middle", "bottom"]
    np.testing.assert_allclose(wv["top"], PRICE * (k1 + k2 + k3) / C_HM3, rtol=1e-6)
    np.testing.assert_allclose(wv["middle"], PRICE * (k2 + k3) / C_HM3, rtol=1e-6)
    np.testing.assert_allclose(wv["bottom"], PRICE * k3 / C_HM3, rtol=1e-6)
    assert balance_error_hm3(net, res.schedule) <= BALANCE_TOL_HM3


def test_a_forced_spill_passes_down_the_chain() -> None:
    """Every reservoir full (at its top) and to end so, 150 m³/s into the top one for 12 h, turbines of
    100 m³/s: none can keep more water, so each spills what its turbine cannot take. Every turbine runs
    at 100 m³/s at every step (one price; water is never short); the top spills 50·12 m³/s·h in all into
    the middle, which then gets 150·12 and spills 50·12 m³/s·h, and so on down to the river, which gets
    150·12 m³/s·h. (Within the 12 h a reservoir may spill earlier and refill: only the sums are unique.)"""
    net = cascade(full=True)
    res = dispatch(net, hours(12, inflow_m3s={"top": 150.0}), **FIXED)
    assert res.status == "optimal"
    s = res.schedule
    for name in ("T1", "T2", "T3"):
        np.testing.assert_allclose(s[f"{name} flow_m3s"], 100.0, atol=FLOW_TOL_M3S)
    for name in ("top", "middle", "bottom"):
        assert s[f"{name} spillway flow_m3s"].sum() == pytest.approx(50.0 * 12, abs=12 * FLOW_TOL_M3S)
        assert s[f"{name} volume_hm3"].iloc[-1] == pytest.approx(1000.0, abs=1e-6)
    assert s["river flow_m3s"].sum() == pytest.approx(150.0 * 12, abs=12 * FLOW_TOL_M3S)
    k = A_MW * (0.9 * 100.0 + 0.85 * 100.0 + 0.8 * 80.0)
    assert res.objective_value == pytest.approx(PRICE * 12 * 100.0 * k, rel=OBJECTIVE_REL_TOL)
    assert balance_error_hm3(net, s) <= BALANCE_TOL_HM3


# ---- a release ramp across a rolling window's join ------------------------------------------------------
def peaking_lake(*, gate_max_m3s: float = math.inf) -> Network:
    """A lake (top 120 m, 5 m below it) over a river at 20 m whose reach may change its flow by 10 m³/s per
    hour at most (the release of the plant into it, as ``network_of`` gives a one-reservoir plant): one
    turbine group (η 0.9, 50 m³/s), a gate (an outlet with a minimum of 30 m³/s and its own ramp limit of
    10 m³/s per hour) and a spillway."""
    return (
        Network(
            name="peaking lake",
            reservoirs=(lake("lake", 120.0),),
            sinks=(RiverSink(name="river", tailwater_level_masl=20.0, max_ramp_m3s_per_h=10.0),),
            links=(
                TurbineLink(units=units("units", 50.0, 0.9), from_node="lake", to_node="river"),
                Spillway(name="lake spillway", from_node="lake", to_node="river"),
            ),
        )
        if math.isinf(gate_max_m3s)
        else Network(
            name="gated lake",
            reservoirs=(lake("lake", 120.0),),
            sinks=(RiverSink(name="river", tailwater_level_masl=20.0),),
            links=(
                TurbineLink(units=units("units", 50.0, 0.9), from_node="lake", to_node="river"),
                Release(
                    name="gate",
                    from_node="lake",
                    to_node="river",
                    environmental_min_flow_m3s=30.0,
                    max_flow_m3s=gate_max_m3s,
                    max_ramp_m3s_per_h=10.0,
                ),
                Spillway(name="lake spillway", from_node="lake", to_node="river"),
            ),
        )
    )


def test_a_release_ramp_binds_across_a_rolling_windows_join() -> None:
    """Two days, each with a price of −50 until noon and 500 after it, 30 m³/s of inflow, the reach's
    release ramp 10 m³/s per hour. Generating at −50 costs money, so the units stand still in the morning
    except to ramp up for noon: 10, 20, 30, 40 m³/s at 8–11 h (costing 50·100 against the 500·100 a later
    ramp would lose), 50 m³/s from noon to the end of the first window (23 h), which sees nothing beyond.
    The second window starts at midnight at −50 and would stop the units at once; the ramp from the last
    kept hour (50 m³/s) lets it fall to 40, 30, 20, 10, 0 m³/s at 0–4 h only."""
    net = peaking_lake()
    hour = np.arange(48) % 24
    price = np.where(hour < 12, -50.0, 500.0)
    sc = hours(48, inflow_upper_m3s=30.0, price_per_mwh=price)
    res = rolling_dispatch(net, sc, window_h=24, lookahead_h=0, compare_full=False, **FIXED)
    river = res.schedule["river flow_m3s"].to_numpy()
    np.testing.assert_allclose(river[:8], 0.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(river[8:12], [10.0, 20.0, 30.0, 40.0], atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(river[12:24], 50.0, atol=FLOW_TOL_M3S)
    np.testing.assert_allclose(river[24:29], [40.0, 30.0, 20.0, 10.0, 0.0], atol=FLOW_TOL_M3S)
    assert np.max(np.abs(np.diff(river))) <= 10.0 + FLOW_TOL_M3S
    assert balance_error_hm3(net, res.schedule) <= BALANCE_TOL_HM3
    # the second day alone, without the flow before it, stops the units at once
    alone = dispatch(net, sc.window(start_h=24, hours=24), **FIXED).schedule["river flow_m3s"].to_numpy()
    assert alone[0] == pytest.approx(0.0, abs=FLOW_TOL_M3S)


def test_the_join_row_of_a_release_link() -> None:
    """The gate ran at 100 m³/s before the horizon; water is worth turbining (one price, 60 m³/s of inflow,
    the lake must end where it started), so the gate closes as fast as its ramp lets it, to its 30 m³/s minimum:
    90, 80, …, 30 m³/s at steps 0–6."""
    net = peaking_lake(gate_max_m3s=200.0)
    res = dispatch(net, hours(12, inflow_upper_m3s=60.0), previous_flow_m3s={"gate": 100.0}, **FIXED)
    assert res.status == "optimal"
    np.testing.assert_allclose(
        res.schedule["gate flow_m3s"], [90.0, 80.0, 70.0, 60.0, 50.0, 40.0] + [30.0] * 6, atol=FLOW_TOL_M3S
    )


def test_an_impossible_join_is_diagnosed_by_element_and_step() -> None:
    """The gate ran at 100 m³/s before the horizon and may fall 10 m³/s an hour, but may carry 50 m³/s at
    most: step 0 cannot keep the ramp (40 m³/s beyond it)."""
    net = peaking_lake(gate_max_m3s=50.0)
    res = dispatch(net, hours(6, inflow_upper_m3s=20.0), previous_flow_m3s={"gate": 100.0}, **FIXED)
    assert res.status == "infeasible"
    assert res.message.startswith(
        "infeasible: the ramp limit of 'gate' from the previous flow (falling) cannot hold from step 0"
    )
    top = res.diagnosis.iloc[0]
    assert (top["element"], top["first_step"]) == ("gate", 0)
    assert top["largest_violation"] == pytest.approx(40.0, abs=1e-6)


# ---- the Plant path and the options by element name -------------------------------------------------------
def test_a_plant_and_its_network_give_the_same_optimum() -> None:
    plant = lianghekou()
    sc = hours(
        48,
        inflow_upper_m3s=600.0,
        inflow_lower_m3s=5.0,
        price_per_mwh=np.tile(np.r_[np.full(8, 160.0), np.full(16, 640.0)], 2),
    )
    by_plant = dispatch(plant, sc, **FIXED)
    by_network = dispatch(network_of(plant), sc, **FIXED)
    assert by_network.objective_value == pytest.approx(by_plant.objective_value, rel=OBJECTIVE_REL_TOL)
    np.testing.assert_allclose(
        by_network.schedule["Lianghekou volume_hm3"], by_plant.schedule["volume_upper_hm3"], rtol=1e-9
    )
    assert "Yagen-I water_value_per_hm3" in by_network.schedule
    assert by_network.network is not None and by_plant.network is None
    assert balance_error_hm3(by_network.network, by_network.schedule) <= BALANCE_TOL_HM3


def test_plant_keywords_and_element_keywords_set_the_same_model() -> None:
    plant = lianghekou()
    sc = hours(24, inflow_upper_m3s=600.0, inflow_lower_m3s=5.0)
    a = dispatch(plant, sc, max_level_change_lower_m_per_h=1.0, **FIXED)
    b = dispatch(plant, sc, max_level_change_m_per_h={"Yagen-I": 1.0}, **FIXED)
    assert a.objective_value == pytest.approx(b.objective_value, rel=1e-12)
    with pytest.raises(HydroSimInputError, match=r"`max_level_change_lower_m_per_h`.*both give a value"):
        dispatch(plant, sc, max_level_change_lower_m_per_h=1.0, max_level_change_m_per_h={"Yagen-I": 2.0})
    with pytest.raises(HydroSimInputError, match=r"`water_value_upper_per_hm3`.*names a Plant's role"):
        dispatch(network_of(plant), sc, water_value_upper_per_hm3=1.0)
    with pytest.raises(
        HydroSimInputError, match=r"`end_volume_hm3`.*must name reservoirs.*Lianghekou, Yagen-I"
    ):
        dispatch(plant, sc, end_volume_hm3={"nowhere": 1.0})
    # both backends read the network: the same optimum for the Plant and for its network
    by_pulp = dispatch(network_of(plant), sc, backend="pulp", **FIXED)
    by_highs = dispatch(network_of(plant), sc, **FIXED)
    assert by_pulp.objective_value == pytest.approx(by_highs.objective_value, rel=1e-6)


def test_export_of_a_network_names_its_elements(tmp_path: Any) -> None:
    path = export_model(two_groups(), hours(3, inflow_upper_m3s=60.0), tmp_path / "two.lp")
    text = path.read_text()
    assert "lake.balance(0)" in text and "A.flow_0(2)" in text and "busbar.power(1)" in text
    mps = export_model(two_groups(), hours(3, inflow_upper_m3s=60.0), tmp_path / "two.mps").read_text()
    assert "lake.balance(0)" in mps and "lake_spillway.flow(2)" in mps


def test_successive_head_reads_the_tailwater_of_a_sink_at_its_discharge() -> None:
    """A river whose level rises 1 m per 100 m³/s (20 m at none): with successive head the units' gross
    head at the end is the lake's mid-step level minus the river's level at the solved discharge, to the
    head tolerance (0.05 m); at fixed head it is the lake's start level minus the river's lowest level.
    60 m³/s for 24 h is exactly 80 m³/s (the units' limit) in the 18 dear hours, so the schedule is unique
    and the heads settle: the river at 80 m³/s stands 0.8 m higher."""
    from hydro_sim.network import TailwaterCurve

    river = RiverSink(
        name="river", tailwater_curve=TailwaterCurve(discharge_m3s=(0.0, 100.0), level_masl=(20.0, 21.0))
    )
    net = Network(
        name="rising river",
        reservoirs=(lake("lake", 120.0),),
        sinks=(river,),
        links=(
            TurbineLink(units=units("units", 80.0, 0.9), from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )
    sc = hours(24, inflow_upper_m3s=60.0, price_per_mwh=np.r_[np.full(6, 10.0), np.full(18, 100.0)])
    fixed = dispatch(net, sc, **FIXED)
    np.testing.assert_allclose(
        fixed.schedule["units head_m"], 115.0 - 20.0, atol=1e-9
    )  # no loss: net = gross
    res = dispatch(net, sc, head="successive")
    assert res.status == "optimal" and res.converged and "(largest head change" in res.message
    s = res.schedule
    np.testing.assert_allclose(s["units flow_m3s"], np.r_[np.zeros(6), np.full(18, 80.0)], atol=FLOW_TOL_M3S)
    v0 = net.reservoirs[0].initial_volume_hm3
    v = s["lake volume_hm3"].to_numpy()
    mid = 0.5 * (np.r_[v0, v[:-1]] + v)
    expected = net.reservoirs[0].curve.level_masl_at(mid) - river.level_masl_at(
        s["river flow_m3s"].to_numpy()
    )
    assert np.max(np.abs(s["units head_m"].to_numpy() - expected)) <= 0.05
    assert s["units head_m"].iloc[6:].max() < 95.0 - 0.7  # the river's rise takes 0.8 m off the head


def test_unit_commitment_on_a_network_counts_the_units_of_each_group() -> None:
    """Two groups of two units each (25 m³/s and a minimum of 12 MW per unit) on the lake of
    :func:`two_groups`: the MILP runs whole units, and every group's flow fits its running units."""

    def group(name: str, eta: float) -> TurbineGroup:
        return TurbineGroup(
            name=name, n_units=2, rated_power_mw=5_000.0, max_flow_m3s=25.0, efficiency=eta, min_power_mw=12.0
        )

    net = Network(
        name="two groups of two",
        reservoirs=(lake("lake", 120.0),),
        sinks=(RiverSink(name="river", tailwater_level_masl=20.0),),
        links=(
            TurbineLink(units=group("A", 0.9), from_node="lake", to_node="river"),
            TurbineLink(units=group("B", 0.8), from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )
    res = dispatch(net, hours(12, inflow_upper_m3s=60.0), unit_commitment=True, **FIXED)
    assert res.status == "optimal"
    s = res.schedule
    for g in ("A", "B"):
        u = s[f"{g} units"].to_numpy()
        assert set(np.unique(u)) <= {0, 1, 2}
        assert np.all(s[f"{g} flow_m3s"].to_numpy() <= 25.0 * u + FLOW_TOL_M3S)
        assert np.all(s[f"{g} power_mw"].to_numpy() >= 12.0 * u - 1e-6)
    np.testing.assert_allclose(s["A units"], 2)  # the better group runs both units all the time
    assert balance_error_hm3(net, s) <= BALANCE_TOL_HM3


def test_each_successive_head_solve_starts_from_the_previous_optimal_basis(monkeypatch: Any) -> None:
    """On the peaking lake (the reach's ramp binding twice a day), every solve of the successive-head loop
    after the first is handed the previous solve's optimal basis (a WarmStart); that basis, on the very
    model it came from, is optimal at once (no simplex iteration) with the same optimum. The schedule keeps
    the ramp and the water balance."""
    from hydro_sim.optimise import _highs

    inner = _highs.solve
    calls: list[tuple[Any, Any]] = []

    def recording(d: Any, **kw: Any) -> Any:
        raw, slacks = inner(d, **kw)
        calls.append((d, kw.get("basis"), raw))
        return raw, slacks

    monkeypatch.setattr(_highs, "solve", recording)
    net = peaking_lake()
    price = np.where(np.arange(48) % 24 < 12, 10.0, 500.0)
    sc = hours(48, inflow_upper_m3s=30.0, price_per_mwh=price)
    # a head tolerance below the heads' change keeps the loop going for its three iterations
    res = dispatch(
        net, sc, head="successive", head_tolerance_m=1e-9, objective_tolerance=0.0, max_iterations=3
    )
    assert res.status == "optimal" and res.iterations == 3 and len(calls) == 3
    assert calls[0][1] is None
    for (_, _, before), (_, basis, _) in itertools.pairwise(calls):
        assert basis is before.basis and basis is not None
    d, _, last = calls[-1]
    again, _ = inner(d, basis=last.basis)
    assert again.status == "optimal" and again.iterations == 0
    assert again.objective_value == pytest.approx(last.objective_value, rel=1e-12)
    river = res.schedule["river flow_m3s"].to_numpy()
    assert np.max(np.abs(np.diff(river))) <= 10.0 + FLOW_TOL_M3S
    assert balance_error_hm3(net, res.schedule) <= BALANCE_TOL_HM3
