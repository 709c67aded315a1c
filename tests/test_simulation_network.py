"""The simulator on a Network: hand-derived answers on small networks, every limit recorded per element.

Each case is small enough to follow by hand: reservoirs of 1 hm³ per metre (level = base + volume), river
sinks at a constant level, flows replayed so that the water moved is known exactly; a step of one hour
moves c = 0.0036 hm³ per m³/s. Power is P = ρgηQ(H_g − kQ²)/10⁶ at the mid-step gross head H_g (the mean of
the start and end volumes' levels, less the tailwater or the lower reservoir's level).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import lianghekou
from hydro_sim.constants import HM3_PER_M3S_HOUR, MW_PER_M3S_M
from hydro_sim.examples import small_pumped_storage, two_price_day
from hydro_sim.network import (
    Network,
    PumpTurbineLink,
    Release,
    RiverSink,
    Spillway,
    TurbineLink,
    network_of,
)
from hydro_sim.optimise import dispatch
from hydro_sim.plant import GridLine, LevelVolumeCurve, PumpTurbineGroup, Reservoir, TurbineGroup
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, TouRulePolicy, simulate
from hydro_sim.simulation import _engine as E

C = HM3_PER_M3S_HOUR  # one-hour steps
#: The balance is V + c(I + Aq) applied in floating point: its residual is round-off of volumes of ~10² hm³.
BALANCE_TOL_HM3 = 1e-9
#: Hand-derived powers use the same formula as the kernel, in another order of operations. [-]
POWER_REL = 1e-12
#: A power request is met at the step's head estimate (the mid-step head of a first pass at the start head)
#: and reckoned at the mid-step head of the flows solved there: they differ by the second pass's change of
#: the end volume, measured 1.1e-5 of the power on these 1 hm³-per-metre lakes. [-]
HEAD_ESTIMATE_REL = 5e-5
#: The LP reckons the head by successive fixed-head passes to 0.05 m of ~100 m; the rule's schedule is one of
#: its feasible points, so the rule's revenue exceeds the LP optimum by at most that head's share of it. [CNY]
LP_OPTIMUM_TOL_CNY = 50.0


def lake(name: str, base_masl: float, *, v0: float, vmin: float = 0.0, vmax: float = 100.0) -> Reservoir:
    """A reservoir of 1 hm³ per metre: level = base + volume, operated between vmin and vmax."""
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(level_masl=(base_masl, base_masl + 200.0), volume_hm3=(0.0, 200.0)),
        min_level_masl=base_masl + vmin,
        max_level_masl=base_masl + vmax,
        initial_level_masl=base_masl + v0,
    )


def turbines(
    name: str, n: int, rated_mw: float, q_unit: float, eta: float, pmin: float = 0.0
) -> TurbineGroup:
    return TurbineGroup(
        name=name, n_units=n, rated_power_mw=rated_mw, max_flow_m3s=q_unit, efficiency=eta, min_power_mw=pmin
    )


def hours(n: int, inflow_m3s: float | dict[str, float] = 0.0, price: float | np.ndarray = 100.0) -> Scenario:
    """``n`` hourly steps; ``inflow_m3s`` a number (the first reservoir's role series) or inflows by name."""
    idx = pd.date_range("2030-01-01", periods=n, freq="h")
    price_s = pd.Series(np.broadcast_to(price, (n,)).astype(float), index=idx)
    if isinstance(inflow_m3s, dict):
        named = {r: pd.Series(q, index=idx) for r, q in inflow_m3s.items()}
        return Scenario(inflow_m3s=named, price_per_mwh=price_s, name="hours")
    return Scenario(inflow_upper_m3s=pd.Series(inflow_m3s, index=idx), price_per_mwh=price_s, name="hours")


def replay(schedule: dict[str, object], n: int, mode: str = "flows") -> ReplayPolicy:
    idx = pd.date_range("2030-01-01", periods=n, freq="h")
    return ReplayPolicy(schedule=pd.DataFrame(schedule, index=idx), mode=mode)  # type: ignore[arg-type]


def one_lake(*groups: TurbineGroup, v0: float = 50.0, vmin: float = 0.0) -> Network:
    return Network(
        name="one lake",
        reservoirs=(lake("lake", 100.0, v0=v0, vmin=vmin),),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0),),
        links=(
            *(TurbineLink(units=g, from_node="lake", to_node="river") for g in groups),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )


def cut_rows(res: object) -> list[list[object]]:
    frame = res.cutbacks()  # type: ignore[attr-defined]
    return frame[["step", "element", "limit"]].values.tolist()


# == two unit groups on one reservoir ====================================================================
def test_two_unit_groups_on_one_reservoir_share_its_head_and_its_water():
    """Groups A (2 × 50 MW, η 0.9) and B (1 × 30 MW, η 0.8) on one lake replay 50 and 20 m³/s for three
    hours: the lake loses c·70 hm³ an hour, and each group's power is AηQ·H at the mid-step head."""
    net = one_lake(turbines("A", 2, 50.0, 40.0, 0.9), turbines("B", 1, 30.0, 30.0, 0.8))
    res = simulate(net, hours(3), replay({"A flow_m3s": 50.0, "B flow_m3s": 20.0}, 3))
    a = res.arrays
    v = 50.0 - C * 70.0 * np.arange(1, 4)
    np.testing.assert_allclose(a["lake volume_hm3"][0], v, rtol=0, atol=BALANCE_TOL_HM3)
    mid = 0.5 * (np.r_[50.0, v[:-1]] + v)
    head = 100.0 + mid - 50.0
    np.testing.assert_allclose(a["A power_mw"][0], MW_PER_M3S_M * 0.9 * 50.0 * head, rtol=POWER_REL)
    np.testing.assert_allclose(a["B power_mw"][0], MW_PER_M3S_M * 0.8 * 20.0 * head, rtol=POWER_REL)
    np.testing.assert_allclose(a["river flow_m3s"][0], 70.0)
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3
    assert res.cutbacks().empty
    assert res.totals["A energy_mwh"].iloc[0] == pytest.approx(a["A power_mw"][0].sum(), rel=POWER_REL)


def test_a_flow_beyond_one_groups_rating_is_cut_on_that_group_only():
    """B may take 30 m³/s: 40 asked is cut by 10 m³/s (c·10 hm³ an hour), recorded on B as its rating; A is
    untouched."""
    net = one_lake(turbines("A", 2, 50.0, 40.0, 0.9), turbines("B", 1, 30.0, 30.0, 0.8))
    res = simulate(net, hours(2), replay({"A flow_m3s": 50.0, "B flow_m3s": 40.0}, 2))
    np.testing.assert_allclose(res.arrays["B flow_m3s"][0], 30.0)
    np.testing.assert_allclose(res.arrays["A flow_m3s"][0], 50.0)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [[0, "B", "rating"], [1, "B", "rating"]]
    np.testing.assert_allclose(cut["water_hm3"], C * 10.0, rtol=1e-12)
    summary = res.cutback_summary()
    assert summary[["element", "limit", "steps"]].values.tolist() == [["B", "rating", 2]]


def test_the_minimum_level_cuts_the_outflow_to_the_water_there_is():
    """0.5 hm³ above the minimum and 100 m³/s asked for one hour (0.36 hm³): the first step runs, the second
    gets the 0.14 hm³ left (38.9 m³/s), recorded as the minimum level on the group; the lake ends at it."""
    net = one_lake(turbines("A", 2, 100.0, 60.0, 0.9), v0=10.5, vmin=10.0)
    res = simulate(net, hours(3), replay({"A flow_m3s": 100.0}, 3))
    q = res.arrays["A flow_m3s"][0]
    assert q[0] == 100.0
    assert q[1] == pytest.approx((0.5 - C * 100.0) / C, rel=1e-12)
    assert q[2] == pytest.approx(0.0, abs=1e-9)
    assert res.arrays["lake volume_hm3"][0, -1] == pytest.approx(10.0, abs=BALANCE_TOL_HM3)
    assert [r[1:] for r in cut_rows(res)] == [["A", "minimum level"], ["A", "minimum level"]]


# == a three-reservoir cascade ============================================================================
def cascade(*, a0: float = 50.0, a_max: float = 100.0) -> Network:
    """A (base 600 m) → B (base 350 m) → C (base 100 m) → river (50 m), a turbine group and a spillway
    below each (every group's gross head positive at every level)."""
    links = []
    for up, down in (("A", "B"), ("B", "C"), ("C", "river")):
        links.append(
            TurbineLink(units=turbines(f"{up} units", 2, 500.0, 100.0, 0.9), from_node=up, to_node=down)
        )
        links.append(Spillway(name=f"{up} spillway", from_node=up, to_node=down))
    return Network(
        name="cascade",
        reservoirs=(
            lake("A", 600.0, v0=a0, vmax=a_max),
            lake("B", 350.0, v0=50.0),
            lake("C", 100.0, v0=50.0),
        ),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0),),
        links=tuple(links),
    )


def test_water_passes_down_a_three_reservoir_cascade_with_each_balance_exact():
    """Inflows 50, 10, 0 m³/s and turbines 100, 60, 80 m³/s: A loses c·50 an hour, B gains c·(10 + 100 − 60),
    C loses c·(80 − 60); each group's head is its reservoir's level less the next one's."""
    net = cascade()
    T = 4
    res = simulate(
        net,
        hours(T, inflow_m3s={"A": 50.0, "B": 10.0}),
        replay({"A units flow_m3s": 100.0, "B units flow_m3s": 60.0, "C units flow_m3s": 80.0}, T),
    )
    a = res.arrays
    steps = np.arange(1, T + 1)
    va, vb, vc = 50.0 - C * 50.0 * steps, 50.0 + C * 50.0 * steps, 50.0 - C * 20.0 * steps
    for name, v in (("A", va), ("B", vb), ("C", vc)):
        np.testing.assert_allclose(a[f"{name} volume_hm3"][0], v, rtol=0, atol=BALANCE_TOL_HM3)
    mid = {n: 0.5 * (np.r_[50.0, v[:-1]] + v) for n, v in (("A", va), ("B", vb), ("C", vc))}
    head_b = (350.0 + mid["B"]) - (100.0 + mid["C"])
    np.testing.assert_allclose(a["B units power_mw"][0], MW_PER_M3S_M * 0.9 * 60.0 * head_b, rtol=POWER_REL)
    head_c = 100.0 + mid["C"] - 50.0
    np.testing.assert_allclose(a["C units power_mw"][0], MW_PER_M3S_M * 0.9 * 80.0 * head_c, rtol=POWER_REL)
    # the one matrix: V[t] − V[t−1] − c(I + A q) per reservoir and step
    vol = np.vstack([a[f"{r} volume_hm3"][0] for r in net.reservoir_names])
    q = np.vstack([a[f"{c.name} flow_m3s"][0] for c in net.flow_columns()])
    err = net.water_balance_error_hm3(
        np.hstack([[[50.0]] * 3, vol]), net.inflows_m3s(hours(T, inflow_m3s={"A": 50.0, "B": 10.0})), q, 1.0
    )
    assert np.abs(err).max() < BALANCE_TOL_HM3
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3
    assert res.totals["river flow_hm3"].iloc[0] == pytest.approx(C * 80.0 * T)


def test_a_forced_spill_at_the_top_passes_down_the_chain():
    """A is full and takes 300 m³/s with its units at 100: 200 m³/s spill (recorded as A's maximum level on
    its spillway), and B receives all 300."""
    net = cascade(a0=100.0)
    res = simulate(
        net,
        hours(2, inflow_m3s={"A": 300.0}),
        replay({"A units flow_m3s": 100.0, "B units flow_m3s": 100.0}, 2),
    )
    a = res.arrays
    np.testing.assert_allclose(a["A spillway flow_m3s"][0], 200.0, rtol=1e-12)
    np.testing.assert_allclose(a["A volume_hm3"][0], 100.0, atol=BALANCE_TOL_HM3)
    np.testing.assert_allclose(a["B volume_hm3"][0], 50.0 + C * 200.0 * np.arange(1, 3), atol=BALANCE_TOL_HM3)
    cut = res.cutbacks()
    assert cut[["element", "limit"]].values.tolist() == [["A spillway", "maximum level"]] * 2
    np.testing.assert_allclose(cut["water_hm3"], C * 200.0, rtol=1e-12)
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3


# == the line ===========================================================================================
def test_a_tou_rule_on_a_line_limited_network_never_beats_the_lp_optimum():
    """small_pumped_storage behind a 30 MW line: the rule asks for 100 MW both ways; the simulator lets 30
    through each way (recorded as the line's import and export on the pump-turbine's columns), so its
    revenue stays at or below the LP optimum of the same plant."""
    plant = dataclasses.replace(small_pumped_storage(), line=GridLine(capacity_mw=30.0))
    day = two_price_day()
    lp = dispatch(plant, day, end="water_value")
    lp_revenue = float((lp.schedule["price_per_mwh"] * lp.schedule["line_mw"]).sum() * day.dt_h)
    rule = TouRulePolicy(pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=300.0)
    res = simulate(network_of(plant), day, rule, unit_limits=False)
    line = res.arrays["line_mw"][0]
    assert np.all(np.abs(line) <= 30.0 * (1.0 + E.RATING_TOL))
    assert line.max() == pytest.approx(30.0, rel=1e-3) and line.min() == pytest.approx(-30.0, rel=1e-3)
    limits = set(res.cutbacks()[["element", "limit"]].itertuples(index=False, name=None))
    assert ("pump-turbine-pump", "line capacity (import)") in limits
    assert ("pump-turbine", "line capacity (export)") in limits
    assert res.totals["revenue"].iloc[0] <= lp_revenue + LP_OPTIMUM_TOL_CNY
    unlimited = simulate(network_of(small_pumped_storage()), day, rule, unit_limits=False)
    assert unlimited.totals["revenue"].iloc[0] > lp_revenue + 50_000.0  # without the line it "beat" the LP


# == a release ramp ======================================================================================
def ramped_pair(ramp_m3s_per_h: float) -> Network:
    return Network(
        name="ramped",
        reservoirs=(lake("upper", 300.0, v0=50.0), lake("lower", 100.0, v0=50.0)),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0),),
        links=(
            TurbineLink(units=turbines("units", 2, 500.0, 100.0, 0.9), from_node="upper", to_node="lower"),
            Spillway(name="upper spillway", from_node="upper", to_node="lower"),
            Release(
                name="lower release", from_node="lower", to_node="river", max_ramp_m3s_per_h=ramp_m3s_per_h
            ),
        ),
    )


def test_the_release_ramp_binds_and_each_cut_is_what_the_held_level_wanted():
    """The units start 100 m³/s into the lower reservoir at the second hour; its automatic release (holding
    its start volume) wants 100 plus what it held back before, but may rise 10 m³/s an hour: releases
    0, 10, 20, 30, 40 and cuts (the water the ramp held back) 90, 170, 240, 300 m³/s·h."""
    T = 5
    res = simulate(ramped_pair(10.0), hours(T), replay({"units flow_m3s": [0.0] + [100.0] * (T - 1)}, T))
    r = res.arrays["lower release flow_m3s"][0]
    np.testing.assert_allclose(r, [0.0, 10.0, 20.0, 30.0, 40.0], atol=1e-9)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [t, "lower release", "ramp"] for t in range(1, T)
    ]
    held, wanted = 0.0, []
    for t in range(1, T):
        wanted.append(100.0 + held - 10.0 * t)
        held += 100.0 - 10.0 * t
    np.testing.assert_allclose(cut["water_hm3"], C * np.array(wanted), rtol=1e-9)
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3


# == the units' own limits =================================================================================
def test_the_minimum_stable_output_cuts_a_request_the_units_cannot_run_at():
    """Two 100 MW units of 70 MW minimum: 50 MW is below one unit's minimum (cut to 0), 120 MW lies between
    one full unit and two at their minimum (cut to 100 MW), 150 MW runs; the energy not delivered is
    recorded on the group."""
    net = one_lake(turbines("A", 2, 100.0, 200.0, 0.9, pmin=70.0))
    res = simulate(net, hours(3), replay({"A power_mw": [50.0, 120.0, 150.0]}, 3, mode="power"))
    np.testing.assert_allclose(res.arrays["A power_mw"][0], [0.0, 100.0, 150.0], rtol=HEAD_ESTIMATE_REL)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [0, "A", "minimum stable output"],
        [1, "A", "minimum stable output"],
    ]
    np.testing.assert_allclose(cut["energy_mwh"], [50.0, 20.0], rtol=1e-6)
    off = simulate(
        net, hours(3), replay({"A power_mw": [50.0, 120.0, 150.0]}, 3, mode="power"), unit_limits=False
    )
    np.testing.assert_allclose(off.arrays["A power_mw"][0], [50.0, 120.0, 150.0], rtol=HEAD_ESTIMATE_REL)


def test_a_request_just_below_the_minimum_runs_within_the_head_tolerance_of_a_low_head():
    """The simulator's heads agree with the LP's to HEAD_TOLERANCE_M (0.05 m): at a unit's minimum that is a
    relative power of 0.05/H, so a request below the 70 MW minimum by 0.15 % runs at a ≈ 20 m head (0.05/20 =
    0.25 %) and is cut to 0 at a ≈ 100 m head (RATING_TOL, 0.05 %); 0.4 % below is cut at both."""
    from hydro_sim.constants import HEAD_TOLERANCE_M

    assert HEAD_TOLERANCE_M == 0.05
    just, far = 70.0 * (1.0 - 1.5e-3), 70.0 * (1.0 - 4e-3)
    sched = replay({"A power_mw": [just, far]}, 2, mode="power")
    for tailwater, runs in ((130.0, True), (50.0, False)):  # the lake at 150 m: gross head 20 m or 100 m
        net = Network(
            name="one lake",
            reservoirs=(lake("lake", 100.0, v0=50.0, vmin=45.0),),  # 145–200 m: above either river
            sinks=(RiverSink(name="river", tailwater_level_masl=tailwater),),
            links=(
                TurbineLink(
                    units=turbines("A", 2, 100.0, 600.0, 0.9, pmin=70.0), from_node="lake", to_node="river"
                ),
                Spillway(name="lake spillway", from_node="lake", to_node="river"),
            ),
        )
        res = simulate(net, hours(2), sched)
        power = res.arrays["A power_mw"][0]
        assert power[1] == 0.0, tailwater
        if runs:
            # (it runs: the lake falls ≈ 1.4 m in the hour at 20 m of head, so the power at the mid-step
            # head is within 0.2 % of the request, not at round-off)
            assert power[0] == pytest.approx(just, rel=2e-3)
            assert cut_rows(res) == [[1, "A", "minimum stable output"]]
        else:
            assert power[0] == 0.0
            assert cut_rows(res) == [[0, "A", "minimum stable output"], [1, "A", "minimum stable output"]]
        assert res.water_balance_error_hm3() < BALANCE_TOL_HM3


def pump_pair(*, band: float = 0.03, gen_range: tuple[float, float] | None = None) -> Network:
    units = PumpTurbineGroup(
        name="pt",
        n_units=2,
        rated_power_mw=50.0,
        max_flow_m3s=100.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=50.0,
        pump_efficiency=0.9,
        pump_power_band_fraction=band,
    )
    return Network(
        name="pair",
        reservoirs=(lake("upper", 100.0, v0=50.0), lake("lower", 0.0, v0=50.0, vmax=90.0)),
        sinks=(RiverSink(name="river", tailwater_level_masl=-10.0),),
        links=(
            PumpTurbineLink(units=units, upper="upper", lower="lower", generating_head_range_m=gen_range),
            Spillway(name="upper spillway", from_node="upper", to_node="lower"),
            Release(name="lower release", from_node="lower", to_node="river"),
        ),
    )


def test_the_pump_band_runs_whole_pumps_within_their_band():
    """Two 50 MW pumps of ±3 %: 80 MW fits one pump at its top, 51.5 MW (28.5 MWh not taken, recorded as the
    band); 100 MW runs both."""
    res = simulate(pump_pair(), hours(2), replay({"pt-pump power_mw": [80.0, 100.0]}, 2, mode="power"))
    np.testing.assert_allclose(res.arrays["pt-pump power_mw"][0], [51.5, 100.0], rtol=HEAD_ESTIMATE_REL)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [[0, "pt-pump", "pump band"]]
    assert cut["energy_mwh"].iloc[0] == pytest.approx(28.5, rel=1e-9)


def test_the_head_range_refuses_generation_outside_it():
    """The units may generate between 110 and 130 m; the head is ~100 m, so 60 m³/s asked is refused and
    recorded as the head range (its water and the energy it would have given)."""
    res = simulate(pump_pair(gen_range=(110.0, 130.0)), hours(1), replay({"pt flow_m3s": 60.0}, 1))
    assert res.arrays["pt flow_m3s"][0, 0] == 0.0
    cut = res.cutbacks()
    assert cut[["element", "limit"]].values.tolist() == [["pt", "head range"]]
    assert cut["water_hm3"].iloc[0] == pytest.approx(C * 60.0)
    assert cut["energy_mwh"].iloc[0] == pytest.approx(MW_PER_M3S_M * 0.9 * 60.0 * 100.0, rel=1e-3)


def test_a_pump_turbine_group_cannot_pump_and_generate_at_once():
    """60 m³/s generating and 40 m³/s pumping asked together: the smaller (pumping) is cut as the mode."""
    res = simulate(pump_pair(band=0.5), hours(1), replay({"pt flow_m3s": 60.0, "pt-pump flow_m3s": 40.0}, 1))
    assert res.arrays["pt flow_m3s"][0, 0] == 60.0 and res.arrays["pt-pump flow_m3s"][0, 0] == 0.0
    assert cut_rows(res) == [[0, "pt-pump", "pump and generate at once"]]


# == batches, the legacy kernel and the policies =========================================================
def lianghekou_weeks(n: int) -> list[Scenario]:
    from hydro_sim.cases.lianghekou.annual_check import design_basis_year
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    year = design_basis_year(reference_year())
    week = year.slice(year.index[0], year.index[24 * 14 - 1]) if hasattr(year, "slice") else year
    return [
        dataclasses.replace(
            week,
            inflow_upper_m3s=week.inflow_upper_m3s * f,
            inflow_lower_m3s=week.inflow_lower_m3s * f,
            name=f"y{i}",
        )
        for i, f in enumerate(np.linspace(0.6, 1.4, n))
    ]


@pytest.fixture(scope="module")
def weeks() -> list[Scenario]:
    return lianghekou_weeks(5)


def test_a_batch_equals_single_runs_bit_for_bit(weeks):
    net = network_of(lianghekou())
    rule = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    batch = simulate(net, weeks, rule)
    for s, sc in enumerate(weeks):
        one = simulate(net, sc, rule)
        for name, arr in one.arrays.items():
            np.testing.assert_array_equal(batch.arrays[name][s], arr[0], err_msg=name)


def test_a_plants_totals_are_its_networks_bit_for_bit(weeks):
    """A Plant runs as ``network_of(plant)`` with the units' minimum output and pump band off (the limits a
    Plant does not declare): its legacy totals are the network's element totals, bit for bit, and its
    release and spill series sum to the network's."""
    plant = lianghekou()
    weeks = weeks[:3]
    rule = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    old = simulate(plant, weeks, rule)
    new = simulate(network_of(plant), weeks, rule, unit_limits=False)
    for legacy, element in (
        ("conventional_generation_mwh", "Lianghekou conventional energy_mwh"),
        ("reversible_generation_mwh", "Lianghekou reversible energy_mwh"),
        ("pumping_mwh", "Lianghekou reversible-pump energy_mwh"),
        ("release_lower_hm3", "Yagen-I release flow_hm3"),
        ("final_volume_upper_hm3", "Lianghekou final_volume_hm3"),
        ("final_volume_lower_hm3", "Yagen-I final_volume_hm3"),
    ):
        np.testing.assert_array_equal(new.totals[element].to_numpy(), old.totals[legacy].to_numpy(), element)
    for legacy, element in (
        ("volume_upper_hm3", "Lianghekou volume_hm3"),
        ("volume_lower_hm3", "Yagen-I volume_hm3"),
        ("release_lower_m3s", "Yagen-I release flow_m3s"),
    ):
        np.testing.assert_array_equal(new.arrays[element], old.arrays[legacy], element)


def test_a_function_policy_on_a_network_sees_reservoirs_by_name_and_equals_the_replay():
    net = one_lake(turbines("A", 2, 50.0, 40.0, 0.9), turbines("B", 1, 30.0, 30.0, 0.8))
    seen: list[float] = []

    def decide(state):
        seen.append(float(state.volume_hm3["lake"][0]))
        return {"A flow_m3s": 50.0, "B flow_m3s": 20.0}

    stepwise = simulate(net, hours(3), FunctionPolicy(decide=decide))
    replayed = simulate(net, hours(3), replay({"A flow_m3s": 50.0, "B flow_m3s": 20.0}, 3))
    np.testing.assert_allclose(
        seen, [50.0, 50.0 - C * 70.0, 50.0 - 2 * C * 70.0], rtol=0, atol=BALANCE_TOL_HM3
    )
    for name, arr in replayed.arrays.items():
        np.testing.assert_array_equal(stepwise.arrays[name], arr, err_msg=name)
    power = simulate(net, hours(1), FunctionPolicy(decide=lambda state: {"B power_mw": 10.0}))
    assert math.isclose(power.arrays["B power_mw"][0, 0], 10.0, rel_tol=HEAD_ESTIMATE_REL)


def test_totals_mode_keeps_the_same_totals_and_tallies(weeks):
    net = network_of(lianghekou())
    rule = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    full = simulate(net, weeks, rule)
    lean = simulate(net, weeks, rule, record="totals")
    pd.testing.assert_frame_equal(full.totals, lean.totals)
    np.testing.assert_array_equal(full.cut_steps, lean.cut_steps)
    assert lean.water_balance_error_hm3() < 1e-6


def test_the_runs_balance_of_every_scenario_at_once_is_each_scenarios_own():
    """The totals' balance (all scenarios at once) equals Network.water_balance_error_hm3 of each scenario's
    whole run as one step, on made-up volumes and sums that do not balance (so an axis mixed up between
    scenarios, reservoirs and columns shows)."""
    from hydro_sim.simulation._network_sim import run_balance_hm3

    net = cascade()
    rng = np.random.default_rng(3)
    S, R, J = 5, len(net.reservoirs), len(net.flow_columns())
    v0, v1 = rng.uniform(10, 90, (S, R)), rng.uniform(10, 90, (S, R))
    inflow, flows = rng.uniform(0, 500, (S, R)), rng.uniform(0, 800, (S, J))
    got = run_balance_hm3(net, v0, v1, inflow, flows, 1.0)
    assert got.shape == (S, R)
    for s in range(S):
        own = net.water_balance_error_hm3(np.c_[v0[s], v1[s]], inflow[s][:, None], flows[s][:, None], 1.0)
        np.testing.assert_allclose(got[s], own[:, 0], rtol=0, atol=1e-12)
    assert np.abs(got).min() > 1e-3  # the made-up runs do not balance: the comparison is not of zeros


# == tailwater tables, release minimum, sinks =============================================================
def test_the_head_of_a_turbine_into_a_river_reads_the_tailwater_table_at_the_discharge():
    """The river's level rises 1 m per 100 m³/s from 50 m: 80 m³/s through the units and 40 m³/s spilled
    put it at 51.2 m, and the units' head is the lake's mid-step level less that."""
    from hydro_sim.network import TailwaterCurve

    net = Network(
        name="tailwater",
        reservoirs=(lake("lake", 100.0, v0=50.0),),
        sinks=(
            RiverSink(
                name="river",
                tailwater_curve=TailwaterCurve(discharge_m3s=(0.0, 1000.0), level_masl=(50.0, 60.0)),
            ),
        ),
        links=(
            TurbineLink(units=turbines("A", 2, 100.0, 100.0, 0.9), from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )
    res = simulate(net, hours(2), replay({"A flow_m3s": 80.0, "lake spillway flow_m3s": 40.0}, 2))
    v = 50.0 - C * 120.0 * np.arange(1, 3)
    mid = 0.5 * (np.r_[50.0, v[:-1]] + v)
    head = 100.0 + mid - 51.2
    np.testing.assert_allclose(res.arrays["A head_m"][0], head, rtol=1e-13)
    np.testing.assert_allclose(res.arrays["A power_mw"][0], MW_PER_M3S_M * 0.9 * 80.0 * head, rtol=POWER_REL)
    np.testing.assert_allclose(res.arrays["river flow_m3s"][0], 120.0)


def test_a_release_below_its_minimum_is_raised_and_then_to_the_reachs_own():
    """The lower release must carry 15 m³/s and the river reach below it 30: 5 asked is raised to 15 by the
    release's own minimum (10 m³/s recorded), then to 30 by the reach's (15 more, recorded as the same limit
    on the release); the water is there, so the reach is not short."""
    net = Network(
        name="minimum",
        reservoirs=(lake("upper", 300.0, v0=50.0), lake("lower", 100.0, v0=50.0)),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0, environmental_min_flow_m3s=30.0),),
        links=(
            TurbineLink(units=turbines("units", 2, 500.0, 100.0, 0.9), from_node="upper", to_node="lower"),
            Spillway(name="upper spillway", from_node="upper", to_node="lower"),
            Release(
                name="lower release", from_node="lower", to_node="river", environmental_min_flow_m3s=15.0
            ),
        ),
    )
    res = simulate(net, hours(1), replay({"lower release flow_m3s": 5.0}, 1))
    assert res.arrays["lower release flow_m3s"][0, 0] == 30.0
    cut = res.cutbacks()
    assert cut[["element", "limit"]].values.tolist() == [["lower release", "environmental minimum (raised)"]]
    np.testing.assert_allclose(cut["water_hm3"], [C * 25.0], rtol=1e-12)
    assert res.arrays["lower volume_hm3"][0, 0] == pytest.approx(50.0 - C * 30.0, abs=BALANCE_TOL_HM3)
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3


# == a river reach's own limits ==========================================================================
def reach(*, v0: float = 50.0, vmin: float = 0.0, vmax: float = 100.0, **limits: float) -> Network:
    """One lake (1 hm³ per metre, level 100 m + volume) with units A (2 × 100 MW, 100 m³/s each), an outlet
    and a spillway, all into a river reach at 50 m with its own ``limits`` (RiverSink fields)."""
    return Network(
        name="reach",
        reservoirs=(lake("lake", 100.0, v0=v0, vmin=vmin, vmax=vmax),),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0, **limits),),
        links=(
            TurbineLink(units=turbines("A", 2, 100.0, 100.0, 0.9), from_node="lake", to_node="river"),
            Release(name="lake release", from_node="lake", to_node="river"),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
    )


def assert_balance(res: object, net: Network, v0: float, inflow_m3s: float) -> None:
    """V[t] − V[t−1] − c(I + A q) = 0 per reservoir and step, from the recorded flows and volumes."""
    a = res.arrays  # type: ignore[attr-defined]
    vol = a["lake volume_hm3"]
    q = np.stack([a[f"{c.name} flow_m3s"][0] for c in net.flow_columns()])
    err = np.diff(np.r_[v0, vol[0]]) - C * (inflow_m3s - q.sum(axis=0))
    assert np.abs(err).max() < BALANCE_TOL_HM3
    assert res.water_balance_error_hm3() < BALANCE_TOL_HM3  # type: ignore[attr-defined]


def test_a_reach_ramp_cuts_the_units_going_up_and_raises_the_release_going_down():
    """The reach may change 10 m³/s an hour. The units ask 0, 100, 100, 0 m³/s: the first hour is free (0);
    then the reach may rise to 10 and 20 (the units cut by 90 and 80, the water kept in the lake, recorded
    as the ramp on A); then it may fall only to 10, so the release (which holds nothing back: the lake is
    below its start) is raised from 0 to 10, recorded as the ramp on the release."""
    net = reach(max_ramp_m3s_per_h=10.0)
    res = simulate(net, hours(4), replay({"A flow_m3s": [0.0, 100.0, 100.0, 0.0]}, 4))
    a = res.arrays
    np.testing.assert_allclose(a["A flow_m3s"][0], [0.0, 10.0, 20.0, 0.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["lake release flow_m3s"][0], [0.0, 0.0, 0.0, 10.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["river flow_m3s"][0], [0.0, 10.0, 20.0, 10.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        a["lake volume_hm3"][0], 50.0 - C * np.cumsum([0.0, 10.0, 20.0, 10.0]), rtol=0, atol=BALANCE_TOL_HM3
    )
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [1, "A", "ramp"],
        [2, "A", "ramp"],
        [3, "lake release", "ramp"],
    ]
    np.testing.assert_allclose(cut["water_hm3"], C * np.array([90.0, 80.0, 10.0]), rtol=1e-9)
    assert (cut["energy_mwh"].iloc[:2] > 0.0).all() and cut["energy_mwh"].iloc[2] == 0.0
    assert_balance(res, net, 50.0, 0.0)


def test_a_reach_minimum_raises_the_release_to_it():
    """The reach needs 30 m³/s: with the units at 10 the release is raised from 0 to 20 each hour (recorded
    as the reach's minimum (raised) on the release); the units at 50 need none."""
    net = reach(environmental_min_flow_m3s=30.0)
    res = simulate(net, hours(3), replay({"A flow_m3s": [10.0, 10.0, 50.0]}, 3))
    a = res.arrays
    np.testing.assert_allclose(a["lake release flow_m3s"][0], [20.0, 20.0, 0.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["river flow_m3s"][0], [30.0, 30.0, 50.0], rtol=0, atol=1e-9)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [0, "lake release", "environmental minimum (raised)"],
        [1, "lake release", "environmental minimum (raised)"],
    ]
    np.testing.assert_allclose(cut["water_hm3"], C * 20.0, rtol=1e-12)
    assert_balance(res, net, 50.0, 0.0)


def test_a_reach_minimum_the_water_cannot_meet_is_recorded_on_the_reach():
    """The lake holds 0.036 hm³ (10 m³/s for an hour) above its minimum and the reach needs 30: the release
    gets the 10 there are in the first hour (the lake ends at its minimum) and none after; the reach is short
    by 20, then 30 m³/s, recorded on the reach."""
    net = reach(v0=10.0 + C * 10.0, vmin=10.0, environmental_min_flow_m3s=30.0)
    res = simulate(net, hours(2), replay({"A flow_m3s": 0.0}, 2))
    a = res.arrays
    np.testing.assert_allclose(a["lake release flow_m3s"][0], [10.0, 0.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["lake volume_hm3"][0], [10.0, 10.0], rtol=0, atol=BALANCE_TOL_HM3)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [0, "lake release", "environmental minimum (raised)"],
        [0, "river", "environmental minimum (shortfall)"],
        [1, "river", "environmental minimum (shortfall)"],
    ]
    np.testing.assert_allclose(cut["water_hm3"], C * np.array([10.0, 20.0, 30.0]), rtol=1e-9)
    assert_balance(res, net, 10.0 + C * 10.0, 0.0)


def test_a_reach_maximum_a_full_lake_cannot_keep_is_recorded_on_the_reach():
    """The reach may carry 50 m³/s; the lake is full and 100 m³/s flow in: the units at 30 are cut to 0
    only as far as the lake has room (none), so 100 m³/s leave and the reach's maximum is exceeded by 50,
    recorded on the reach; the lake stays at its maximum."""
    net = reach(v0=100.0, max_flow_m3s=50.0)
    res = simulate(net, hours(2, inflow_m3s=100.0), replay({"A flow_m3s": 30.0}, 2))
    a = res.arrays
    np.testing.assert_allclose(a["river flow_m3s"][0], [100.0, 100.0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(a["lake volume_hm3"][0], [100.0, 100.0], rtol=0, atol=BALANCE_TOL_HM3)
    sink_rows = res.cutbacks().query("element == 'river'")
    assert sink_rows[["step", "limit"]].values.tolist() == [[0, "maximum flow"], [1, "maximum flow"]]
    np.testing.assert_allclose(sink_rows["water_hm3"], C * 50.0, rtol=1e-9)
    assert_balance(res, net, 100.0, 100.0)


def test_the_tallies_are_the_sums_of_the_recorded_cutbacks(weeks):
    net = network_of(lianghekou())
    rule = TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)
    res = simulate(net, weeks[-2:], rule)
    cut = res.cutbacks()
    summary = res.cutback_summary()
    assert not summary.empty
    for row in summary.itertuples():
        rows = cut[(cut.scenario == row.scenario) & (cut.element == row.element) & (cut.limit == row.limit)]
        assert len(rows) == row.steps
        assert rows.water_hm3.sum() == pytest.approx(row.water_hm3, rel=1e-12)
        assert rows.energy_mwh.sum() == pytest.approx(row.energy_mwh, rel=1e-12)


def units_reach(line_mw: float | None = None) -> Network:
    """One lake (level 100 m + volume) with units A (2 × 100 MW) and a spillway into a reach at 50 m that
    needs 30 m³/s; no outlet; optionally a line of ``line_mw``."""
    return Network(
        name="units reach",
        reservoirs=(lake("lake", 100.0, v0=50.0),),
        sinks=(RiverSink(name="river", tailwater_level_masl=50.0, environmental_min_flow_m3s=30.0),),
        links=(
            TurbineLink(
                units=turbines("A", 2, 100.0, 100.0, 0.9),
                from_node="lake",
                to_node="river",
            ),
            Spillway(name="lake spillway", from_node="lake", to_node="river"),
        ),
        line=GridLine(capacity_mw=math.inf if line_mw is None else line_mw),
    )


def test_a_reach_minimum_runs_the_units_before_the_spillway():
    """Without an outlet, the units asked for 10 m³/s are raised to the reach's 30 (20 m³/s recorded on A,
    no energy withheld) and nothing is spilled."""
    net = units_reach()
    res = simulate(net, hours(2), replay({"A flow_m3s": 10.0}, 2))
    a = res.arrays
    np.testing.assert_allclose(a["A flow_m3s"][0], 30.0, rtol=1e-12)
    np.testing.assert_allclose(a["lake spillway flow_m3s"][0], 0.0, atol=1e-9)
    cut = res.cutbacks()
    assert cut[["step", "element", "limit"]].values.tolist() == [
        [0, "A", "environmental minimum (raised)"],
        [1, "A", "environmental minimum (raised)"],
    ]
    np.testing.assert_allclose(cut["water_hm3"], C * 20.0, rtol=1e-12)
    np.testing.assert_allclose(cut["energy_mwh"], 0.0)
    assert_balance(res, net, 50.0, 0.0)


def test_a_reach_minimum_beyond_the_lines_headroom_is_spilled():
    """A 15 MW line: 30 m³/s through A would export ~26 MW, so A is raised only to the line (15 MW) and the
    spillway carries the rest of the reach's 30 m³/s."""
    net = units_reach(line_mw=15.0)
    res = simulate(net, hours(2), replay({"A flow_m3s": 10.0}, 2))
    a = res.arrays
    assert np.all(a["line_mw"][0] <= 15.0 * (1.0 + E.RATING_TOL))
    assert np.all(a["line_mw"][0] >= 15.0 * (1.0 - 1e-3))
    np.testing.assert_allclose(a["river flow_m3s"][0], 30.0, rtol=1e-12)
    assert np.all(a["lake spillway flow_m3s"][0] > 5.0) and np.all(a["A flow_m3s"][0] > 10.0)
    limits = res.cutbacks()[["element", "limit"]].drop_duplicates().values.tolist()
    assert limits == [
        ["A", "environmental minimum (raised)"],
        ["lake spillway", "environmental minimum (raised)"],
    ]
    assert_balance(res, net, 50.0, 0.0)


def test_an_automatic_release_holds_its_level_after_the_line_cuts_the_units():
    """small_pumped_storage's network behind a 10 MW line, 100 MW of generation asked for an hour with the
    lower reservoir's release automatic (held at its start, 5 hm³): the line cuts the generation to 10 MW,
    and the release is then what those 10 MW bring down, so the lower reservoir ends at 5 hm³ (the release
    set for the 100 MW asked would have drained it by 0.37 hm³)."""
    plant = dataclasses.replace(small_pumped_storage(), line=GridLine(capacity_mw=10.0))
    res = simulate(
        network_of(plant), hours(1), FunctionPolicy(decide=lambda s: {"pump-turbine power_mw": 100.0})
    )
    a = res.arrays
    assert a["line_mw"][0, 0] == pytest.approx(10.0, rel=E.RATING_TOL)
    assert a["lower volume_hm3"][0, 0] == pytest.approx(5.0, abs=BALANCE_TOL_HM3)
    assert a["lower release flow_m3s"][0, 0] == pytest.approx(a["pump-turbine flow_m3s"][0, 0], abs=1e-9)
    assert set(res.cutbacks()["limit"]) == {"line capacity (export)"}


def test_a_function_policys_lower_target_level_is_what_the_automatic_release_holds():
    """A FunctionPolicy asking nothing, with ``lower_target_level_masl=4``: the lower reservoir of
    small_pumped_storage (level = volume, from 5 hm³) is released to 4 hm³ in the first hour, (5 − 4)/c
    m³/s, and held there."""
    net = network_of(small_pumped_storage())
    res = simulate(net, hours(3), FunctionPolicy(decide=lambda s: {}, lower_target_level_masl=4.0))
    a = res.arrays
    np.testing.assert_allclose(a["lower volume_hm3"][0], 4.0, rtol=0, atol=BALANCE_TOL_HM3)
    np.testing.assert_allclose(a["lower release flow_m3s"][0], [1.0 / C, 0.0, 0.0], rtol=0, atol=1e-9)


def test_a_series_shared_by_every_scenario_is_kept_as_one_row() -> None:
    """The inputs' stacking (``_network_sim.rows``): one row when every scenario holds the same values (the
    same array, a view of the same memory, or an equal copy; a shared NaN too), else a row per scenario."""
    from hydro_sim.simulation._network_sim import rows

    a = np.array([1.0, np.nan, 3.0, 4.0])
    view = a[:]
    assert view is not a
    one = rows([a, view, a])
    assert one.shape == (1, 4) and one.flags.c_contiguous
    np.testing.assert_array_equal(one[0], a)
    b = np.array([1.0, 2.0, 3.0, 4.0])
    assert rows([b, b.copy(), b + 0.0]).shape == (1, 4)
    # equal values in other memory are compared: NaN is not equal to NaN there, so a row each
    assert rows([a, a.copy()]).shape == (2, 4)
    # the same memory in another layout (every second value) is not the same series
    c = np.arange(8.0)
    stacked = rows([c[:4], c[::2]])
    assert stacked.shape == (2, 4)
    np.testing.assert_array_equal(stacked, [[0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]])
    different = rows([b, b * 2.0])
    np.testing.assert_array_equal(different, np.stack([b, b * 2.0]))
