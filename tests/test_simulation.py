"""Tests of the simulator :func:`hydro_sim.simulation.simulate`: hand physics, cut-backs, replay, batches.

Layers (STYLE.md "Tests in layers"):

- Layer 1, one step of hand physics on ``small_pumped_storage()`` (two 1 km² reservoirs, 100 m of head,
  one 100 MW pump-turbine, η = 0.9).
- Layer 2, cut-backs whose step and limit are derived on paper.
- Layer 3, an LP schedule replayed through the nonlinear physics, batches against single runs, and a TOU
  rule on the Lianghekou plant.

Numbers used throughout, at ρ = 1000 kg/m³, g = 9.81 m/s², Δt = 1 h:

- ρg/10⁶ = 0.00981 MW per (m³/s · m); one step turns 1 m³/s into c = 0.0036 hm³.
- Both reservoirs of ``small_pumped_storage()`` hold 1 hm³ per metre (1 km²), so moving c·Q hm³ from one
  to the other changes the gross head by 2·c·Q metres; the mid-step head moves by half of that.
- A pump cannot draw the lower reservoir back up to its target (a release cannot be negative), so while
  pumping with the automatic release the lower reservoir falls by c·Q; while generating the automatic
  release passes the turbined water on and the lower reservoir stays where it is.

Every result in this file goes through :func:`assert_physical`, which recomputes both water balances from
the arrays at every step and checks the bounds, the signs and the exclusive modes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import hydro_sim
from hydro_sim import HydroSimInputError, Outlet, Plant, Scenario, lianghekou
from hydro_sim._physics import interp_from as _interp_from
from hydro_sim._physics import slopes
from hydro_sim.examples import constant_scenario, small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.hydraulics import interpolate_table
from hydro_sim.optimise import dispatch
from hydro_sim.simulation import FunctionPolicy, ReplayPolicy, SimulationResult, TouRulePolicy, simulate

# -- tolerances (named, with reasons) ------------------------------------------------------------------
#: Water balance of one reservoir over one step. The kernel adds five flows times c to a volume of at
#: most 10⁴ hm³ (Lianghekou); the round-off is ~1e-12 hm³, the brief's bound 1e-9 leaves room. [hm³]
BALANCE_TOL_HM3 = 1e-9
#: Volume bounds: the kernel lets a pass end 1e-12 hm³ beyond a bound and then clips by subtraction,
#: so a volume can sit a few ulps past it; 1e-9 hm³ (1 m³) is round-off, not a breach. [hm³]
BOUND_TOL_HM3 = 1e-9
#: Power recomputed here from the result's own flow and mid-step head by the same formula: round-off. [-]
SELF_CONSISTENCY_REL = 1e-9
#: A power request is turned into flow once, at a head *estimate* (start head plus half the change the
#: requested flows would make), not iterated to the final mid-step head. The flows at the start head differ
#: from the final ones by ≈ΔH/H ≈ 0.4 %, which moves the mid-step head by ≈0.4 % of the step's 0.8 m head
#: change, ≈3e-3 m, i.e. ≈3e-5 of the power. 1e-4 bounds that one-shot error; measured 4.2e-6 (generating,
#: one step), 1.1e-5 (pumping, one step) and 1.6e-5 (LP replay in power mode). [-]
POWER_REQUEST_REL = 1e-4
#: A rating may be exceeded by the kernel's own allowance for LP round-off (RATING_TOL = 5e-4: the LP's
#: heads agree with the simulator's to 0.05 m of ~250 m) plus the one-shot head estimate's second-order
#: error (≤ 3e-5, see POWER_REQUEST_REL). 1e-3 covers both and still catches a head estimate that misses
#: the step's own level change (3.3e-3 on small_pumped_storage). [-]
RATING_REL = 1e-3
#: Volumes of a replayed LP schedule: the simulator adds the same flows the LP balanced; HiGHS meets the
#: balance rows to 1e-7 but its vertex is exact here (measured ≤ 5e-15), 1e-9 is the brief's bound. [hm³]
LP_VOLUME_TOL_HM3 = 1e-9
#: Energies of a successive-head LP replayed: the LP's power is reckoned at the heads of its previous
#: iterate, which differ from the replay's mid-step heads by at most its last head change; divided by the
#: ~100 m head that is the relative power error, plus the LP's 1e-7 feasibility tolerance per row. [-]
SUCCESSIVE_FEAS_REL = 1e-7
#: Batch against single runs: the kernel's scenarios run independently, so results are identical bit for
#: bit; 1e-12 is the brief's bound and still catches any leak between scenarios. [native units]
BATCH_TOL = 1e-12
#: Lianghekou cycle efficiency (per unit of water) against the hand estimate at the initial gross head:
#: the gross head moves by ≈1 m (0.4 %) between the pumping and the generating hours over the week. [-]
CYCLE_HAND_REL = 1e-2

# -- hand constants ------------------------------------------------------------------------------------
RHO_G_MW = 1000.0 * 9.81 / 1e6  # MW per (m³/s · m)
C_HM3 = 0.0036  # hm³ per (m³/s · h)
ETA = 0.9  # η_t = η_p of small_pumped_storage()
HEAD0_M = 100.0  # initial gross head of small_pumped_storage()
P_UNIT_MW = 100.0  # rating of its single pump-turbine (generating and pumping)
#: Loss coefficient for the head-loss cases: 0.81 m at 90 m³/s, ≈0.8 % of the 100 m head. [s²/m⁵]
K_LOSS = 1.0e-4


# -- helpers -------------------------------------------------------------------------------------------
def assert_physical(result: SimulationResult, plant: Plant) -> None:
    """Recompute both water balances from the arrays at every step; check bounds, signs and modes.

    V_up[t] = V_up[t−1] + c(I_up + Q_pump − Q_conv − Q_gen − S_up);
    V_lo[t] = V_lo[t−1] + c(I_lo + Q_conv + Q_gen + S_up − Q_pump − R_lo); c = 0.0036·Δt.
    """
    a = result.arrays
    c = C_HM3 * result.dt_h
    v_up = a["volume_upper_hm3"]
    prev = np.concatenate([result.initial_volume_upper_hm3[:, None], v_up[:, :-1]], axis=1)
    err = (
        v_up
        - prev
        - c
        * (
            a["inflow_upper_m3s"]
            + a["flow_pumping_m3s"]
            - a["flow_conventional_m3s"]
            - a["flow_generating_m3s"]
            - a["spill_upper_m3s"]
        )
    )
    assert np.max(np.abs(err)) < BALANCE_TOL_HM3
    lo, hi = plant.upper.volume_bounds_hm3(result.index)
    assert np.all(v_up >= np.asarray(lo) - BOUND_TOL_HM3)
    assert np.all(v_up <= np.asarray(hi) + BOUND_TOL_HM3)
    flows = ["flow_conventional_m3s", "flow_generating_m3s", "flow_pumping_m3s", "spill_upper_m3s"]
    if plant.lower is not None:
        v_lo = a["volume_lower_hm3"]
        prev = np.concatenate([result.initial_volume_lower_hm3[:, None], v_lo[:, :-1]], axis=1)
        err = (
            v_lo
            - prev
            - c
            * (
                a["inflow_lower_m3s"]
                + a["flow_conventional_m3s"]
                + a["flow_generating_m3s"]
                + a["spill_upper_m3s"]
                - a["flow_pumping_m3s"]
                - a["release_lower_m3s"]
            )
        )
        assert np.max(np.abs(err)) < BALANCE_TOL_HM3
        lo, hi = plant.lower.volume_bounds_hm3(result.index)
        assert np.all(v_lo >= np.asarray(lo) - BOUND_TOL_HM3)
        assert np.all(v_lo <= np.asarray(hi) + BOUND_TOL_HM3)
        flows.append("release_lower_m3s")
    else:
        flows.append("release_m3s")
    for name in flows:
        assert np.all(a[name] >= 0.0), name
    assert not np.any((a["flow_pumping_m3s"] > 0.0) & (a["flow_generating_m3s"] > 0.0))
    assert result.water_balance_error_hm3() < BALANCE_TOL_HM3


def run(plant: Plant, scenario, policy, **kw) -> SimulationResult:
    result = simulate(plant, scenario, policy, **kw)
    assert_physical(result, plant)
    return result


def const_policy(decision: dict) -> FunctionPolicy:
    return FunctionPolicy(decide=lambda state: dict(decision))


def one_hour() -> Scenario:
    return constant_scenario(hours=1, inflow_upper_m3s=0.0)


def roomy(plant: Plant) -> Plant:
    """The same plant with 20 % more rating: the 7.9 m head rise of the two-price day then binds no rating
    (100 MW at 107.9 m is 107.9 MW of output, 108 MW of pump input)."""
    rev = dataclasses.replace(plant.reversible, rated_power_mw=120.0, rated_pumping_power_mw=120.0)
    return dataclasses.replace(plant, reversible=rev)


def pump_root_m3s(p_mw: float, head0_m: float = HEAD0_M) -> float:
    """Pumped flow for input p with the automatic release (lower falls by cQ, upper rises by cQ):
    ρg/10⁶·Q·(H₀ + cQ) = η_p·P, the positive root."""
    a, b, cc = RHO_G_MW * C_HM3, RHO_G_MW * head0_m, -ETA * p_mw
    return (-b + math.sqrt(b * b - 4 * a * cc)) / (2 * a)


def turbine_root_m3s(p_mw: float, head0_m: float = HEAD0_M) -> float:
    """Turbined flow for output p with the lower held (upper falls by cQ): ρg/10⁶·η_t·Q·(H₀ − cQ/2) = P,
    the smaller root (the physical branch)."""
    kappa = RHO_G_MW * ETA
    a, b, cc = kappa * C_HM3 / 2, -kappa * head0_m, p_mw
    return (-b - math.sqrt(b * b - 4 * a * cc)) / (2 * a)


# == Layer 1: one step of hand physics ===================================================================
def test_pumping_one_step_volumes_and_mid_step_head():
    """Pump 100 MW for one hour from 5/5 hm³.

    The volumes move by exactly c·Q (upper up, lower down, no release: it cannot be negative), and the
    mid-step head is z_up(5 + cQ/2) − z_lo(5 − cQ/2) = 100 + cQ. The reported power is ρgQH_mid/η_p.
    """
    plant = small_pumped_storage()
    f = run(plant, one_hour(), const_policy({"pumping_mw": 100.0})).frame()
    q = f["flow_pumping_m3s"].iloc[0]
    assert 85.0 < q < 95.0  # 100 MW at ~100 m lifts ~91 m³/s
    assert f["volume_upper_hm3"].iloc[0] == pytest.approx(5.0 + C_HM3 * q, abs=BOUND_TOL_HM3)
    assert f["volume_lower_hm3"].iloc[0] == pytest.approx(5.0 - C_HM3 * q, abs=BOUND_TOL_HM3)
    assert f["release_lower_m3s"].iloc[0] == 0.0
    assert f["head_m"].iloc[0] == pytest.approx(HEAD0_M + C_HM3 * q, rel=SELF_CONSISTENCY_REL)
    expected = RHO_G_MW * q * f["head_m"].iloc[0] / ETA
    assert f["power_pumping_mw"].iloc[0] == pytest.approx(expected, rel=SELF_CONSISTENCY_REL)


def test_pumping_one_step_delivers_requested_power():
    """Hand root: ρg/10⁶·Q·(100 + 0.0036·Q) = 0.9·100 MW gives Q = 91.441 m³/s, P = 100 MW.

    (While the head estimate took the automatic release as able to go negative, this lifted 91.59 m³/s and
    drew 100.16 MW.)"""
    f = simulate(small_pumped_storage(), one_hour(), const_policy({"pumping_mw": 100.0})).frame()
    assert f["flow_pumping_m3s"].iloc[0] == pytest.approx(pump_root_m3s(100.0), rel=POWER_REQUEST_REL)
    assert f["power_pumping_mw"].iloc[0] == pytest.approx(100.0, rel=POWER_REQUEST_REL)


def test_generating_one_step_matches_hand_root():
    """Generate 100 MW for one hour from 5/5 hm³.

    The automatic release passes the turbined water on, so the lower stays at 5 hm³; the upper falls by
    cQ and the mid-step head is 100 − cQ/2. Hand root of 0.8829·Q·(100 − 0.0018·Q) = 100:
    Q = 113.4950 m³/s (113.26 at a fixed 100 m head).
    """
    plant = small_pumped_storage()
    f = run(plant, one_hour(), const_policy({"generating_mw": 100.0})).frame()
    q = f["flow_generating_m3s"].iloc[0]
    assert q == pytest.approx(turbine_root_m3s(100.0), rel=POWER_REQUEST_REL)
    assert turbine_root_m3s(100.0) == pytest.approx(113.4950, abs=1e-4)
    assert f["volume_upper_hm3"].iloc[0] == pytest.approx(5.0 - C_HM3 * q, abs=BOUND_TOL_HM3)
    assert f["volume_lower_hm3"].iloc[0] == pytest.approx(5.0, abs=BOUND_TOL_HM3)
    assert f["release_lower_m3s"].iloc[0] == pytest.approx(q, rel=SELF_CONSISTENCY_REL)
    assert f["head_m"].iloc[0] == pytest.approx(HEAD0_M - C_HM3 * q / 2, rel=SELF_CONSISTENCY_REL)
    expected = RHO_G_MW * ETA * q * f["head_m"].iloc[0]
    assert f["power_generating_mw"].iloc[0] == pytest.approx(expected, rel=SELF_CONSISTENCY_REL)
    assert f["power_generating_mw"].iloc[0] == pytest.approx(100.0, rel=POWER_REQUEST_REL)


def test_head_loss_makes_pumping_dearer_and_generating_leaner():
    """With k = 1e-4 s²/m⁵ the pump must lift H_g + kQ² and the turbine gets H_g − kQ².

    Pumping: P = ρgQ(H_g + kQ²)/η_p, so the input per m³/s rises by ≈ρg·kQ²/η_p (≈0.89 % at 91 m³/s);
    generating: P = ρgηQ(H_g − kQ²), the output per m³/s falls by ≈ρgη·kQ² (≈1.3 % at 113 m³/s).
    """
    lossless, lossy = small_pumped_storage(), small_pumped_storage(head_loss_coefficient_s2_per_m5=K_LOSS)
    pump = {}
    gen = {}
    for name, plant in (("lossless", lossless), ("lossy", lossy)):
        k = plant.reversible.head_loss_coefficient_s2_per_m5
        f = run(plant, one_hour(), const_policy({"pumping_mw": 100.0})).frame().iloc[0]
        q, h = f["flow_pumping_m3s"], f["head_m"]
        expected = RHO_G_MW * q * (h + k * q * q) / ETA
        assert f["power_pumping_mw"] == pytest.approx(expected, rel=SELF_CONSISTENCY_REL)
        pump[name] = (f["power_pumping_mw"] / q, q, h)
        f = run(plant, one_hour(), const_policy({"generating_mw": 100.0})).frame().iloc[0]
        q, h = f["flow_generating_m3s"], f["head_m"]
        assert f["power_generating_mw"] == pytest.approx(
            RHO_G_MW * ETA * q * (h - k * q * q), rel=SELF_CONSISTENCY_REL
        )
        gen[name] = (f["power_generating_mw"] / q, q, h)
    # more power per unit of flow when pumping, less when generating, by the loss term
    assert pump["lossy"][0] > pump["lossless"][0] * 1.005
    assert pump["lossy"][1] < pump["lossless"][1]
    _, q, h = pump["lossy"]
    assert pump["lossy"][0] / pump["lossless"][0] == pytest.approx(
        (h + K_LOSS * q * q) / pump["lossless"][2], rel=SELF_CONSISTENCY_REL
    )
    assert gen["lossy"][0] < gen["lossless"][0] * 0.99
    assert gen["lossy"][1] > gen["lossless"][1]


# == Layer 2: cut-backs are recorded, never hidden =========================================================
def hand_generation_path(p_mw: float, steps: int) -> tuple[list[float], int]:
    """Generate p every hour from 5 hm³ until the upper reservoir is empty (volume 0 hm³ at 100 m).

    The lower is held at 5 m, so H_mid = (100 + V − cQ/2) − 5; each step's flow solves
    0.8829·Q·(95 + V − cQ/2) = p. Returns the flows and the first step whose flow the remaining water
    cannot carry.
    """
    v, flows = 5.0, []
    for t in range(steps):
        q = turbine_root_m3s(p_mw, head0_m=95.0 + v)
        flows.append(q)
        if v - C_HM3 * q < 0.0:
            return flows, t
        v -= C_HM3 * q
    return flows, -1


def test_generating_until_upper_empties_records_upper_minimum():
    """(a) 100 MW every hour from the 5 hm³ usable: the flow rises from 113.5 to 119.0 m³/s as the head
    falls from 100 to 95 m, i.e. 0.409 → 0.428 hm³ per step. After 11 steps 4.5906 hm³ are gone, 0.4094
    remain and step 11 needs 0.4283: step 11 is the first cut, by 0.0189 hm³; from step 12 nothing is left.
    """
    plant = small_pumped_storage()
    flows, first_cut = hand_generation_path(100.0, 16)
    assert first_cut == 11
    res = run(
        plant, constant_scenario(hours=16, inflow_upper_m3s=0.0), const_policy({"generating_mw": 100.0})
    )
    f = res.frame()
    v_up = f["volume_upper_hm3"].to_numpy()
    assert np.all(v_up >= plant.upper.min_volume_hm3 - BOUND_TOL_HM3)
    assert np.all(v_up[first_cut:] == pytest.approx(plant.upper.min_volume_hm3, abs=BOUND_TOL_HM3))
    assert np.all(v_up[:first_cut] > 0.4)
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == list(range(first_cut, 16))
    assert set(cuts["group"]) == {"generating"} and set(cuts["limit"]) == {"upper minimum level"}
    assert (cuts["water_hm3"] > 0).all() and (cuts["energy_mwh"] > 0).all()
    first = cuts.iloc[0]
    # the water not given: what step 11 asked for minus the 0.4094 hm³ that were left
    left = v_up[first_cut - 1]
    # (the asked-for flow carries the one-shot head estimate's error, relative to the whole 0.428 hm³)
    asked = C_HM3 * flows[first_cut]
    assert first["water_hm3"] == pytest.approx(asked - left, abs=asked * POWER_REQUEST_REL)
    assert first["water_hm3"] == pytest.approx(0.0189, abs=1e-4)
    # the energy not delivered plus the energy delivered is the 100 MWh asked for
    delivered = f["power_generating_mw"].to_numpy()
    assert first["energy_mwh"] + delivered[first_cut] == pytest.approx(100.0, rel=SELF_CONSISTENCY_REL)
    assert np.all(delivered[first_cut + 1 :] == 0.0)
    assert cuts["energy_mwh"].iloc[1:].to_numpy() == pytest.approx(100.0, rel=SELF_CONSISTENCY_REL)


def test_automatic_release_follows_the_cut_flows():
    """With no inflows and only generation (which fills the lower reservoir), the automatic release must
    never take the lower below its 5 hm³ target, nor release while nothing flows in."""
    plant = small_pumped_storage()
    f = simulate(
        plant, constant_scenario(hours=16, inflow_upper_m3s=0.0), const_policy({"generating_mw": 100.0})
    ).frame()
    assert np.all(f["volume_lower_hm3"].to_numpy() >= 5.0 - BOUND_TOL_HM3)
    idle = f["flow_generating_m3s"].to_numpy() == 0.0
    assert np.all(f["release_lower_m3s"].to_numpy()[idle] == 0.0)


@pytest.mark.parametrize(
    ("v_up0", "v_lo0", "limit", "first_cut"),
    [
        # upper has 2 hm³ of room, lower 5 hm³ of water: each step moves ≈0.31-0.32 hm³, six steps 1.89 hm³,
        # 0.11 hm³ of room left for step 6 → the upper fills first, at step 6.
        (8.0, 5.0, "upper maximum level", 6),
        # mirror image: 2 hm³ of water below, 5 hm³ of room above → the lower empties at step 6.
        (5.0, 2.0, "lower minimum level", 6),
    ],
    ids=["upper-full-first", "lower-empty-first"],
)
def test_pumping_into_a_full_upper_or_from_an_empty_lower(v_up0, v_lo0, limit, first_cut):
    """(b) Pump 100 MW every hour. The head starts at 100 + V_up − V_lo = 103 m and rises by 2cQ per
    step; the flow falls from 88.9 to 86.3 m³/s (0.320 → 0.311 hm³ per step), so whichever reservoir has
    only 2 hm³ binds at step 6, with the limit of that reservoir."""
    plant = small_pumped_storage()
    res = run(
        plant,
        constant_scenario(hours=10, inflow_upper_m3s=0.0),
        const_policy({"pumping_mw": 100.0}),
        initial_volume_upper_hm3=v_up0,
        initial_volume_lower_hm3=v_lo0,
    )
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == list(range(first_cut, 10))
    assert set(cuts["group"]) == {"pumping"} and set(cuts["limit"]) == {limit}
    assert (cuts["water_hm3"] > 0).all() and (cuts["energy_mwh"] > 0).all()
    f = res.frame()
    if limit == "upper maximum level":
        assert f["volume_upper_hm3"].iloc[first_cut:].to_numpy() == pytest.approx(10.0, abs=BOUND_TOL_HM3)
    else:
        assert f["volume_lower_hm3"].iloc[first_cut:].to_numpy() == pytest.approx(0.0, abs=BOUND_TOL_HM3)


def test_pumping_from_even_start_binds_both_reservoirs_in_the_same_step():
    """(b) From 5/5 hm³ both reservoirs have exactly 5 hm³ to give or take and pumping moves equal volumes
    (no inflows, release 0), so the upper fills and the lower empties in the same step: the flow falls from
    91.4 to 84.2 m³/s as the head climbs to 109 m, 15 steps move 4.74 hm³ and step 15 is cut. The kernel
    checks the lower minimum first, so that is the limit named; both volumes end on their bounds."""
    plant = small_pumped_storage()
    res = run(plant, constant_scenario(hours=17, inflow_upper_m3s=0.0), const_policy({"pumping_mw": 100.0}))
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == [15, 16]
    assert set(cuts["limit"]) <= {"lower minimum level", "upper maximum level"}
    f = res.frame()
    assert f["volume_upper_hm3"].iloc[-1] == pytest.approx(10.0, abs=BOUND_TOL_HM3)
    assert f["volume_lower_hm3"].iloc[-1] == pytest.approx(0.0, abs=BOUND_TOL_HM3)


def test_interp_from_stays_inside_a_two_point_table():
    """On a two-point table the only segment is 0; beyond the top the level extends linearly, as hydraulics.interpolate_table.

    run() starts each look-up at segment n // 2, which is 1 = n − 1 on a two-point table; without a clamp
    the search stayed there at or above the top and read xs[2], ys[2] past the end (numba does no bounds
    checks): garbage heads, negative and NaN flows, different results for the same inputs."""
    xs, ys = np.array([0.0, 10.0]), np.array([100.0, 110.0])
    start = len(xs) // 2  # where run() starts the search
    for x in (10.0, 10.5):
        value, segment = _interp_from(x, xs, ys, slopes(xs, ys), start)
        assert segment <= len(xs) - 2
        assert value == pytest.approx(interpolate_table(x, xs, ys), rel=SELF_CONSISTENCY_REL)


@pytest.mark.parametrize("key", ["generating_mw", "pumping_mw"])
def test_unit_rating_records_the_missing_energy(key):
    """(c) 200 MW asked of a 100 MW unit: each step records 'rating' with the missing 100 MW × 1 h."""
    plant = small_pumped_storage()
    group = key.split("_")[0]
    res = run(plant, constant_scenario(hours=3, inflow_upper_m3s=0.0), const_policy({key: 200.0}))
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == [0, 1, 2]
    assert set(cuts["group"]) == {group} and set(cuts["limit"]) == {"rating"}
    assert cuts["energy_mwh"].to_numpy() == pytest.approx(100.0 * res.dt_h, rel=POWER_REQUEST_REL)
    power = res.frame()[f"power_{group}_mw"].to_numpy()
    assert power == pytest.approx(P_UNIT_MW, rel=POWER_REQUEST_REL)


def test_unit_rating_cuts_a_flow_request_beyond_the_units():
    """(c) 300 m³/s asked of a unit that takes 200 m³/s and gives 100 MW: the flow is cut to what gives
    100 MW (113 m³/s at ≈100 m) and the rest is recorded as water."""
    plant = small_pumped_storage()
    res = run(
        plant, constant_scenario(hours=2, inflow_upper_m3s=0.0), const_policy({"generating_m3s": 300.0})
    )
    f = res.frame()
    cuts = res.cutbacks()
    assert set(cuts["limit"]) == {"rating"} and cuts["step"].tolist() == [0, 1]
    q = f["flow_generating_m3s"].to_numpy()
    assert np.all(q < 120.0)
    assert cuts["water_hm3"].to_numpy() == pytest.approx(C_HM3 * (300.0 - q), rel=SELF_CONSISTENCY_REL)


def test_a_cut_flow_request_stays_within_the_rating():
    """A flow request beyond the rating is cut to the flow that gives the rating at the mid-step head."""
    plant = small_pumped_storage()
    f = simulate(
        plant, constant_scenario(hours=2, inflow_upper_m3s=0.0), const_policy({"generating_m3s": 300.0})
    ).frame()
    assert np.all(f["power_generating_mw"].to_numpy() <= P_UNIT_MW * (1 + RATING_REL))


@pytest.mark.parametrize(
    ("decision", "cut_group", "kept"),
    [
        ({"generating_mw": 50.0, "pumping_mw": 100.0}, "generating", "flow_pumping_m3s"),
        ({"generating_mw": 100.0, "pumping_mw": 50.0}, "pumping", "flow_generating_m3s"),
    ],
    ids=["pump-wins", "generate-wins"],
)
def test_pump_and_generate_at_once_keeps_the_larger_mode(decision, cut_group, kept):
    """(d) Both modes asked together: the smaller flow (50 MW generating ≈ 57 m³/s against 100 MW pumping
    ≈ 92 m³/s, and the mirror case) is cut whole, recorded with the whole 50 MWh it asked for."""
    plant = small_pumped_storage()
    res = run(plant, constant_scenario(hours=2, inflow_upper_m3s=0.0), const_policy(decision))
    cuts = res.cutbacks()
    assert set(cuts["group"]) == {cut_group} and set(cuts["limit"]) == {"pump and generate at once"}
    assert cuts["step"].tolist() == [0, 1]
    assert cuts["energy_mwh"].to_numpy() == pytest.approx(50.0, rel=SELF_CONSISTENCY_REL)
    assert (cuts["water_hm3"] > 0.15).all()  # ≥ 0.0036 × 42 m³/s
    f = res.frame()
    assert np.all(f[kept].to_numpy() > 0.0)
    assert np.all(f[f"flow_{cut_group}_m3s"].to_numpy() == 0.0)


@pytest.mark.parametrize(("decision", "asked"), [({"conventional_m3s": 2.0}, 2.0), ({}, 0.0)])
def test_a_river_minimum_is_met_through_the_turbines(decision, asked):
    """(e) textbook_plant must pass 5 m³/s to the river, whose minimum it is (the plant has no lower
    reservoir): a policy turbining 2 m³/s (or nothing) has its turbines raised to 5 m³/s (the water is in the
    lake; the LP meets the minimum the same way), recorded on the conventional group as 'environmental flow
    (release raised)' with the (5 − Q)·c hm³ added per step; the river is never short."""
    plant = textbook_plant()
    res = run(plant, constant_scenario(hours=3, inflow_upper_m3s=0.0), const_policy(decision))
    f = res.frame()
    assert f["release_m3s"].to_numpy() == pytest.approx(5.0, abs=1e-12)
    assert f["flow_conventional_m3s"].to_numpy() == pytest.approx(5.0, abs=1e-12)
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == [0, 1, 2]
    assert set(cuts["group"]) == {"conventional"}
    assert set(cuts["limit"]) == {"environmental minimum (raised)"}
    assert cuts["water_hm3"].to_numpy() == pytest.approx(C_HM3 * (5.0 - asked), rel=SELF_CONSISTENCY_REL)


def test_requested_release_below_environmental_flow_is_raised_and_recorded():
    """small_pumped_storage() with a 20 m³/s environmental flow, a policy asking to release 5 m³/s for 3 h:
    the lower reservoir holds 5 hm³ above its minimum (≫ 3 × 20 × 0.0036 = 0.216 hm³), so every hour the
    release is raised to 20 m³/s and the 15 m³/s added (0.054 hm³) is recorded under
    'environmental minimum (raised)'; the environmental flow is never short."""
    plant = dataclasses.replace(small_pumped_storage(), outlet=Outlet(environmental_min_flow_m3s=20.0))
    res = run(plant, constant_scenario(hours=3, inflow_upper_m3s=0.0), const_policy({"release_m3s": 5.0}))
    f = res.frame()
    assert f["release_lower_m3s"].to_numpy() == pytest.approx(20.0, abs=1e-12)
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == [0, 1, 2]
    assert set(cuts["group"]) == {"release"} and set(cuts["limit"]) == {"environmental minimum (raised)"}
    assert cuts["water_hm3"].to_numpy() == pytest.approx(C_HM3 * 15.0, rel=SELF_CONSISTENCY_REL)


def test_requested_release_is_raised_only_to_the_water_there_is():
    """The same plant with only 0.1 hm³ above the lower minimum and the upper at its minimum (no water to
    pass down): hour 0 releases 20 m³/s (0.072 hm³, raised from 5), hour 1 the remaining 0.028 hm³ =
    7.78 m³/s (raised by 2.78 from 5, short of 20 by 12.22: 'environmental minimum (shortfall)'), and hour 2
    nothing (short by 20)."""
    plant = dataclasses.replace(small_pumped_storage(), outlet=Outlet(environmental_min_flow_m3s=20.0))
    v_lo0 = plant.lower.min_volume_hm3 + 0.1
    res = run(
        plant,
        constant_scenario(hours=3, inflow_upper_m3s=0.0),
        const_policy({"release_m3s": 5.0}),
        initial_volume_lower_hm3=v_lo0,
        initial_volume_upper_hm3=plant.upper.min_volume_hm3,
    )
    release = res.frame()["release_lower_m3s"].to_numpy()
    assert release == pytest.approx([20.0, 0.028 / C_HM3, 0.0], abs=1e-9)
    # every limit on its own row (a step's in order of their names): hour 1 raised by what it kept,
    # 7.78 − 5, and short by 20 − 7.78
    cuts = res.cutbacks()
    assert cuts["step"].tolist() == [0, 1, 1, 2]
    assert cuts["limit"].tolist() == [
        "environmental minimum (raised)",
        "environmental minimum (raised)",
        "environmental minimum (shortfall)",
        "environmental minimum (shortfall)",
    ]
    assert cuts["water_hm3"].to_numpy() == pytest.approx(
        C_HM3 * np.array([15.0, release[1] - 5.0, 20.0 - release[1], 20.0]), rel=1e-9
    )


def test_a_release_minimum_the_lower_cannot_carry_is_met_through_the_units_from_the_upper():
    """As above, the upper full of water: what the lower lacks for the 20 m³/s minimum comes down through
    the reversible units (a river's minimum is met through the turbines before the spillway), recorded on
    them as 'environmental minimum (raised)'. Hour 1 turbines 20 − 7.78 = 12.22 m³/s, hour 2 all 20; the
    release meets its minimum every hour and the lower ends at its minimum."""
    plant = dataclasses.replace(small_pumped_storage(), outlet=Outlet(environmental_min_flow_m3s=20.0))
    res = run(
        plant,
        constant_scenario(hours=3, inflow_upper_m3s=0.0),
        const_policy({"release_m3s": 5.0}),
        initial_volume_lower_hm3=plant.lower.min_volume_hm3 + 0.1,
    )
    f = res.frame()
    assert f["release_lower_m3s"].to_numpy() == pytest.approx([20.0, 20.0, 20.0], abs=1e-9)
    gen = f["flow_generating_m3s"].to_numpy()
    assert gen == pytest.approx([0.0, 20.0 - 0.028 / C_HM3, 20.0], abs=1e-9)
    assert f["spill_upper_m3s"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=0)
    assert res.arrays["volume_lower_hm3"][0, 1:] == pytest.approx(plant.lower.min_volume_hm3, abs=1e-9)
    cuts = res.cutbacks()
    raised = cuts[cuts["group"] == "generating"]
    assert set(raised["limit"]) == {"environmental minimum (raised)"}
    assert raised["water_hm3"].to_numpy() == pytest.approx(C_HM3 * gen[1:], rel=1e-9)
    assert "environmental minimum (shortfall)" not in set(cuts["limit"])


# == Layer 3: an LP schedule replayed ========================================================================
@pytest.fixture(scope="module")
def lp_fixed():
    res = dispatch(small_pumped_storage(), two_price_day(), head="fixed", fixed_head_tolerance_m=math.inf)
    assert res.success
    return res


def test_replay_flows_without_binding_ratings_reproduces_the_lp(lp_fixed):
    """Replay the fixed-head LP's flows on the plant with 20 % more rating (no rating binds).

    Flows and volumes are the LP's. The LP values every MWh at 100 m; the real head climbs linearly with
    the water moved, ΔH = 2·c·ΣQ_pump = 2·0.0036·12·91.743 = 7.927 m, and falls back along the same line.
    Mid-step heads are exact averages of a linear path, so both the pumped and the generated energy are
    the LP's times (100 + ΔH/2)/100 = 1.039633: the fixed-head LP understates both by 3.96 %, and the
    round trip 972/1200 = 0.81 is unchanged.
    """
    plant = roomy(small_pumped_storage())
    s = lp_fixed.schedule
    res = run(plant, two_price_day(), ReplayPolicy(schedule=s, mode="flows"))
    f = res.frame()
    assert res.cutbacks().empty
    for col in ("flow_pumping_m3s", "flow_generating_m3s", "release_lower_m3s", "spill_upper_m3s"):
        np.testing.assert_array_equal(f[col].to_numpy(), s[col].to_numpy(), err_msg=col)
    for col in ("volume_upper_hm3", "volume_lower_hm3"):
        np.testing.assert_allclose(f[col].to_numpy(), s[col].to_numpy(), rtol=0, atol=LP_VOLUME_TOL_HM3)
    rise = 2 * C_HM3 * s["flow_pumping_m3s"].sum()
    assert rise == pytest.approx(7.927, abs=1e-3)
    ratio = 1 + rise / (2 * HEAD0_M)
    e, lp = res.energy_mwh().iloc[0], lp_fixed.energy_mwh()
    assert e["pumping_mwh"] / lp["pumping_mwh"] == pytest.approx(ratio, rel=SELF_CONSISTENCY_REL)
    assert e["reversible_generation_mwh"] / lp["reversible_generation_mwh"] == pytest.approx(
        ratio, rel=SELF_CONSISTENCY_REL
    )


def test_replay_flows_on_the_lps_own_plant_cuts_only_at_the_ratings(lp_fixed):
    """Replay the fixed-head LP's flows on small_pumped_storage itself.

    The LP's 91.74 m³/s pump and 113.26 m³/s turbine flows take exactly 100 MW only at 100 m; the head
    climbs to 107.9 m, so every pumping step after the first and every full generating step needs more than
    the 100 MW rating and is cut, each recorded as 'rating'. Nothing is hidden: delivered + cut is the
    LP's flow. Ratings cap the power on both sides, so the energies stay within a fraction of a percent of
    the LP's (measured: generation +0.27 %, pumping −0.01 %).
    """
    plant = small_pumped_storage()
    s = lp_fixed.schedule
    res = run(plant, two_price_day(), ReplayPolicy(schedule=s, mode="flows"))
    f = res.frame()
    cuts = res.cutbacks()
    assert set(cuts["limit"]) == {"rating"}
    assert len(cuts) > 10
    for group in ("pumping", "generating"):
        total = f[f"flow_{group}_m3s"].to_numpy() + res.arrays[f"cut_{group}_m3s"][0]
        np.testing.assert_allclose(total, s[f"flow_{group}_m3s"].to_numpy(), rtol=0, atol=1e-9)
    e, lp = res.energy_mwh().iloc[0], lp_fixed.energy_mwh()
    for key in ("pumping_mwh", "reversible_generation_mwh"):
        assert abs(e[key] / lp[key] - 1) < 5e-3, key


def test_replay_flows_never_exceed_the_ratings(lp_fixed):
    """Ratings are checked at the mid-step head the power is reckoned at, so a replayed flow that the real
    head makes too large is cut to the rating (before edc0f36 they were checked at the start head, and the
    pump drew 100.33 MW from its 100 MW rating)."""
    plant = small_pumped_storage()
    f = simulate(plant, two_price_day(), ReplayPolicy(schedule=lp_fixed.schedule, mode="flows")).frame()
    rev = plant.reversible
    assert np.all(f["power_pumping_mw"].to_numpy() <= rev.max_total_pumping_power_mw * (1 + RATING_REL))
    assert np.all(f["power_generating_mw"].to_numpy() <= rev.max_power_mw * (1 + RATING_REL))


def test_replay_flows_of_successive_head_lp_reproduces_its_energy():
    """A successive-head LP (converged to 1e-6 m) knows the mid-step heads, so replaying its flows must
    reproduce its flows, volumes and energies with no cut-back (measured: −1.9e-6 generation, −1.3e-7
    pumping, with the LP stopping at a 6.3e-4 m head change)."""
    plant = small_pumped_storage()
    lp = dispatch(plant, two_price_day(), head="successive", head_tolerance_m=1e-6, max_iterations=100)
    assert lp.success and lp.converged and lp.head_change_m < 0.01
    rel = lp.head_change_m / HEAD0_M + SUCCESSIVE_FEAS_REL
    res = simulate(plant, two_price_day(), ReplayPolicy(schedule=lp.schedule, mode="flows"))
    assert_physical(res, plant)
    assert res.cutbacks().empty
    f = res.frame()
    for col in ("flow_generating_m3s", "flow_pumping_m3s"):
        np.testing.assert_array_equal(f[col].to_numpy(), lp.schedule[col].to_numpy(), err_msg=col)
    for col in ("volume_upper_hm3", "volume_lower_hm3"):
        np.testing.assert_allclose(
            f[col].to_numpy(), lp.schedule[col].to_numpy(), rtol=0, atol=LP_VOLUME_TOL_HM3
        )
    e, le = res.energy_mwh().iloc[0], lp.energy_mwh()
    assert e["reversible_generation_mwh"] == pytest.approx(le["reversible_generation_mwh"], rel=rel)
    assert e["pumping_mwh"] == pytest.approx(le["pumping_mwh"], rel=rel)


def test_replay_power_closes_the_water_balance_in_the_lps_hours(lp_fixed):
    """Replay the LP's powers (the physics picks the flows at the real head) with room in the ratings:
    the water balance closes, the units run in exactly the LP's hours, nothing is cut, and as the head
    rises the same power takes less pumped water and less turbined water."""
    plant = roomy(small_pumped_storage())
    s = lp_fixed.schedule
    res = run(plant, two_price_day(), ReplayPolicy(schedule=s, mode="power"))
    f = res.frame()
    assert res.cutbacks().empty
    for group in ("pumping", "generating"):
        col = f"flow_{group}_m3s"
        np.testing.assert_array_equal(f[col].to_numpy() > 0, s[col].to_numpy() > 0)
    on = s["flow_pumping_m3s"].to_numpy() > 0
    assert np.all(f["flow_pumping_m3s"].to_numpy()[on][1:] < s["flow_pumping_m3s"].to_numpy()[on][1:])


def test_replay_power_delivers_the_requested_power(lp_fixed):
    """The LP's 100 MW requests are met at the real head to the one-shot estimate's accuracy (while the
    estimate ignored the automatic release's clip and target they were 1.6e-3 and 2.0e-3 off)."""
    plant = roomy(small_pumped_storage())
    s = lp_fixed.schedule
    f = simulate(plant, two_price_day(), ReplayPolicy(schedule=s, mode="power")).frame()
    for group in ("pumping", "generating"):
        on = s[f"power_{group}_mw"].to_numpy() > 0
        col = f"power_{group}_mw"
        np.testing.assert_allclose(
            f[col].to_numpy()[on], s[col].to_numpy()[on], rtol=POWER_REQUEST_REL, err_msg=group
        )


# == many scenarios at once ==================================================================================
def three_scenarios() -> list[Scenario]:
    """The two-price day with 0, 30 and 80 m³/s of upper inflow and 0, 10, 20 m³/s below: the last one fills
    the 10 hm³ upper reservoir (80 m³/s is 0.29 hm³/h) and spills, so the three runs part ways."""
    base = two_price_day()
    out = []
    for k, (i_up, i_lo) in enumerate(((0.0, 0.0), (30.0, 10.0), (80.0, 20.0))):
        out.append(
            Scenario(
                inflow_upper_m3s=pd.Series(i_up, index=base.index),
                inflow_lower_m3s=pd.Series(i_lo, index=base.index),
                price_per_mwh=base.price_per_mwh,
                name=f"s{k}",
            )
        )
    return out


def state_policy() -> FunctionPolicy:
    """Pump at the low price, generate at the high price while the upper holds more than 3 hm³."""

    def decide(state):
        low = state.price_per_mwh <= 100.0
        return {
            "pumping_mw": np.where(low, 100.0, 0.0),
            "generating_mw": np.where(~low & (state.volume_upper_hm3 > 3.0), 100.0, 0.0),
        }

    return FunctionPolicy(decide=decide)


def assert_same_run(batch: SimulationResult, k: int, single: SimulationResult) -> None:
    assert set(batch.arrays) == set(single.arrays)
    for name, arr in batch.arrays.items():
        np.testing.assert_allclose(arr[k], single.arrays[name][0], rtol=0, atol=BATCH_TOL, err_msg=name)
    for group, arr in batch.energy_shortfall_mwh.items():
        np.testing.assert_allclose(arr[k], single.energy_shortfall_mwh[group][0], rtol=0, atol=BATCH_TOL)
    assert batch.initial_volume_upper_hm3[k] == single.initial_volume_upper_hm3[0]


@pytest.mark.parametrize(
    "policy",
    [
        state_policy(),
        TouRulePolicy(pump_when_price_at_most_per_mwh=100.0, generate_when_price_at_least_per_mwh=300.0),
    ],
    ids=["function", "tou"],
)
def test_batch_equals_single_runs(policy):
    plant = small_pumped_storage()
    scenarios = three_scenarios()
    batch = run(plant, scenarios, policy)
    assert batch.n_scenarios == 3 and batch.scenario_names == ("s0", "s1", "s2")
    finals = batch.arrays["volume_upper_hm3"][:, -1]
    assert len(set(np.round(finals, 6))) == 3  # the scenarios really differ
    for k, sc in enumerate(scenarios):
        assert_same_run(batch, k, run(plant, sc, policy))


def test_initial_volume_per_scenario():
    """One start volume per scenario: each scenario runs as if started alone from its own volume."""
    plant = small_pumped_storage()
    sc = two_price_day()
    starts = np.array([3.0, 5.0, 7.0])
    batch = run(plant, [sc, sc, sc], state_policy(), initial_volume_upper_hm3=starts)
    np.testing.assert_array_equal(batch.initial_volume_upper_hm3, starts)
    for k, v0 in enumerate(starts):
        assert_same_run(batch, k, run(plant, sc, state_policy(), initial_volume_upper_hm3=float(v0)))
    assert len(set(np.round(batch.arrays["volume_upper_hm3"][:, 0], 6))) == 3


# == a TOU rule on Lianghekou ================================================================================
def tou_week() -> Scenario:
    """One January week, hourly: 300 m³/s into Lianghekou, 5 m³/s into Yagen-I, TOU prices 160/400/640
    CNY/MWh (valley 23–07 h, peak 10–12 h and 15–21 h, flat otherwise)."""
    idx = pd.date_range("2030-01-07", periods=168, freq="h")
    h = idx.hour
    valley = (h >= 23) | (h < 7)
    peak = ((h >= 10) & (h < 12)) | ((h >= 15) & (h < 21))
    price = np.where(valley, 160.0, np.where(peak, 640.0, 400.0))
    return Scenario(
        inflow_upper_m3s=pd.Series(300.0, index=idx),
        inflow_lower_m3s=pd.Series(5.0, index=idx),
        price_per_mwh=pd.Series(price, index=idx),
        name="TOU week",
    )


@pytest.fixture(scope="module", params=["built-week", "reference-year"])
def week(request) -> Scenario:
    if request.param == "built-week":
        return tou_week()
    return hydro_sim.reference_year().window(hours=168)


def test_tou_rule_on_lianghekou_week(week):
    """TouRulePolicy.for_tariff(400) on Lianghekou for one week: the week built above, and the first week of
    ``reference_year()`` (≈243 m³/s inflow, the Sichuan tariff with its January critical peak at 768 CNY/MWh,
    which the rule treats as peak).

    Valley hours pump at the full 4 × 309 MW; peak hours generate as much as the units give (1,200 MW);
    the conventional units pass the 300 m³/s inflow. Yagen-I falls ≈5.2 hm³ a night (pump 447 m³/s in,
    release ≥ 66.4 m³/s out, 305 m³/s in) of its 9.96 hm³ above the minimum, so nothing is cut.

    Cycle efficiency. The ratio of generated to pumped *energy* over the week is ≈0.97, not a cycle
    efficiency: the rule generates 8 peak hours at ≈565 m³/s but pumps 8 valley hours at ≈447 m³/s, so
    ≈24 of the 114 hm³ it turbines are Lianghekou's own water. Per unit of water the cycle efficiency is
    (E_gen/W_gen)/(E_pump/W_pump) = η_t·η_p·(H_g − kQ_g²)/(H_g + kQ_p²); by hand at H_g = 2,850 − 2,601.5
    = 248.5 m, Q_g = 565.6 and Q_p = 447.1 m³/s, k = 2.56e-5: 0.81 × 240.3/253.6 ≈ 0.7675. Measured 0.765 on
    both weeks, inside the sources' 0.72–0.80 and near their 0.76 default (≈0.747 at the full 625 m³/s with
    its 10 m loss each way; the rule runs below that flow, so its loss is smaller).
    """
    plant = lianghekou()
    res = run(plant, week, TouRulePolicy.for_tariff(flat_price_per_mwh=400.0))
    f = res.frame()
    price = week.price_per_mwh.to_numpy()
    assert set(np.unique(price)) <= {160.0, 400.0, 640.0, 768.0}
    pumping = f["flow_pumping_m3s"].to_numpy() > 0
    generating = f["flow_generating_m3s"].to_numpy() > 0
    np.testing.assert_array_equal(pumping, price <= 160.0)  # every valley hour, and only those
    np.testing.assert_array_equal(generating, price >= 640.0)  # every peak hour, and only those
    assert res.cutbacks().empty
    rev = plant.reversible
    assert np.all(f["power_pumping_mw"].to_numpy() <= rev.max_total_pumping_power_mw * (1 + RATING_REL))
    assert np.all(f["power_generating_mw"].to_numpy() <= rev.max_power_mw * (1 + RATING_REL))
    e = res.energy_mwh().iloc[0]
    e_gen, e_pump = e["reversible_generation_mwh"], e["pumping_mwh"]
    assert e_gen > 0 and e_pump > 0
    w_gen = C_HM3 * f["flow_generating_m3s"].sum()
    w_pump = C_HM3 * f["flow_pumping_m3s"].sum()
    assert w_gen > w_pump  # the rule turbines more than it pumps
    assert 0.95 < e_gen / e_pump < 1.0  # hence the energy ratio is no efficiency
    cycle = (e_gen / w_gen) / (e_pump / w_pump)
    assert 0.70 <= cycle <= 0.80
    k = rev.head_loss_coefficient_s2_per_m5
    hg = plant.upper.initial_level_masl - plant.lower.initial_level_masl
    q_g = f["flow_generating_m3s"][generating].mean()
    q_p = f["flow_pumping_m3s"][pumping].mean()
    hand = ETA * ETA * (hg - k * q_g**2) / (hg + k * q_p**2)
    assert hand == pytest.approx(0.7675, abs=2e-3)
    assert cycle == pytest.approx(hand, rel=CYCLE_HAND_REL)


# == input errors ============================================================================================
def _sc(start: str = "2030-01-01") -> Scenario:
    return constant_scenario(hours=3, inflow_upper_m3s=0.0, start=start)


def _other_index_schedule() -> pd.DataFrame:
    idx = pd.date_range("2031-01-01", periods=3, freq="h")
    return pd.DataFrame({"flow_pumping_m3s": [1.0, 1.0, 1.0]}, index=idx)


def _mixed_kinds(state):
    return {"generating_mw": 1.0} if state.t == 0 else {"generating_m3s": 1.0}


def _replay_on(index, mode="flows"):
    return ReplayPolicy(schedule=_other_index_schedule().set_axis(index), mode=mode)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(lambda p: simulate(p, _sc(), "tou"), "`policy`", id="policy-str"),
        pytest.param(lambda p: simulate(p, _sc(), dispatch), "`policy`", id="policy-function"),
        pytest.param(
            lambda p: simulate(p, [_sc(), _sc("2031-01-01")], const_policy({})),
            r"`scenarios\[1\]\.index`",
            id="index",
        ),
        pytest.param(lambda p: simulate(p, [], const_policy({})), "`scenarios`", id="no-scenarios"),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"generate_mw": 1.0})),
            r"`decide\(state\)`.*generate_mw",
            id="unknown-key",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), FunctionPolicy(decide=lambda s: 3)),
            r"`decide\(state\)`",
            id="not-a-dict",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"generating_mw": -1.0})),
            "`generating_mw`",
            id="negative-power",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"pumping_m3s": -5.0})),
            "`pumping_m3s`",
            id="negative-flow",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"pumping_m3s": math.nan})),
            "`pumping_m3s`",
            id="nan-flow",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"generating_mw": 1.0, "generating_m3s": 1.0})),
            "`generating_mw`",
            id="power-and-flow",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), FunctionPolicy(decide=_mixed_kinds)),
            "`generating_m3s`",
            id="kind-change",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), ReplayPolicy(schedule=_other_index_schedule())),
            "`schedule`",
            id="replay-index",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), ReplayPolicy(schedule=_other_index_schedule().iloc[:2])),
            "`schedule`",
            id="replay-length",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), _replay_on(_sc().index, mode="energy")), "`mode`", id="replay-mode"
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({}), initial_volume_upper_hm3=-1.0),
            "`initial_volume_upper_hm3`",
            id="negative-start",
        ),
        pytest.param(lambda p: simulate("plant", _sc(), const_policy({})), "`plant`", id="plant"),
    ],
)
def test_input_errors_name_the_field(call, field):
    with pytest.raises(HydroSimInputError, match=field):
        call(small_pumped_storage())


@pytest.mark.parametrize(
    ("call", "field"),
    [
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"spill_m3s": -50.0})),
            "`spill_m3s`",
            id="negative-spill",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"spill_m3s": math.inf})),
            "`spill_m3s`",
            id="infinite-spill",
        ),
        pytest.param(
            lambda p: simulate(p, _sc(), const_policy({"release_m3s": -50.0})),
            "`release_m3s`",
            id="negative-release",
        ),
        pytest.param(
            lambda p: simulate(p, [_sc(), _sc()], const_policy({"generating_mw": [1.0, 2.0, 3.0]})),
            "`generating_mw`",
            id="decision-length",
        ),
        pytest.param(
            lambda p: simulate(p, [_sc(), _sc()], const_policy({}), initial_volume_upper_hm3=[1.0, 2.0, 3.0]),
            "`initial_volume_upper_hm3`",
            id="start-length",
        ),
        pytest.param(
            lambda p: simulate(
                p,
                _sc(),
                ReplayPolicy(schedule=pd.DataFrame({"flow_pumping_m3s": [-100.0] * 3}, index=_sc().index)),
            ),
            "`flow_pumping_m3s`",
            id="replay-negative-flow",
        ),
    ],
)
def test_decisions_starts_and_schedules_are_checked(call, field):
    with pytest.raises(HydroSimInputError, match=field):
        call(small_pumped_storage())


# == the import where numba can write no cache ==========================================================
#: The subprocess compiles the whole kernel without a cache (~30 s on this VM); generous, not a speed check.
NO_CACHE_TIMEOUT_S = 900
_NO_CACHE_SCRIPT = """
import numpy as np
import hydro_sim
from hydro_sim.examples import small_pumped_storage, two_price_day
from hydro_sim.simulation import TouRulePolicy, simulate
from hydro_sim import _physics as K
assert hydro_sim.__file__.startswith({root!r}), hydro_sim.__file__
# numba's own locators (numba.core.caching) found nowhere to write: the fallback was taken for real
assert not K.CACHE_ENABLED and "cannot cache" in K.CACHE_DISABLED_REASON, K.CACHE_DISABLED_REASON
res = simulate(small_pumped_storage(), two_price_day(), TouRulePolicy(
    pump_when_price_at_most_per_mwh=150.0, generate_when_price_at_least_per_mwh=250.0))
assert res.water_balance_error_hm3() < 1e-9
assert res.totals["reversible_generation_mwh"].iloc[0] > 0.0
print("ok")
"""


def test_import_and_simulate_work_where_numba_can_write_no_cache(tmp_path):
    """A read-only install with no writable home: numba looks for a cache folder in NUMBA_CACHE_DIR, beside
    the source (``__pycache__``) and in the user's cache folder (``numba.core.caching``'s locators), and
    raised "cannot cache function" at import when none was writable. The package is copied to a folder
    made read-only, with a file where each ``__pycache__`` would go (root ignores file modes), and HOME,
    XDG_CACHE_HOME and NUMBA_CACHE_DIR under a plain file; the import and a small simulation must work."""
    import os
    import shutil
    import stat
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path / "site"
    pkg = root / "hydro_sim"
    shutil.copytree(Path(hydro_sim.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [pkg, *(p for p in pkg.rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("not a folder\n")
    blocked = tmp_path / "home"
    blocked.write_text("a file: nothing can be made below it\n")
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(
        PYTHONPATH=str(root),
        HOME=str(blocked),
        XDG_CACHE_HOME=str(blocked / "cache"),
        NUMBA_CACHE_DIR=str(blocked / "numba"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", _NO_CACHE_SCRIPT.format(root=str(root))],
            check=False,
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=NO_CACHE_TIMEOUT_S,
        )
    finally:
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)  # let pytest clean up
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok")
