"""Fixed-speed pumps scheduled by the unit-commitment MILP lie within their band in the true physics.

The MILP carries a pump's convex input P(Q) = ρgQ(H_g + kQ²)/(η 10⁶) by chords, which lie above the curve
between breakpoints; the band rows are tightened to the chords (``_data.pump_band_on_chords``) so that the
true input of k running pumps at the LP's head lies in k·P_rated·(1 ± band).

The hand case is the small pumped store of :mod:`hydro_sim.examples` with two 50 MW pump-turbines, a band of
±3 % (48.5…51.5 MW per pump), η_p = 0.9, a waterway loss k = 2·10⁻³ s²/m⁵, linearised at the initial gross
head of 100 m (``head="fixed"``) with the default two chords on [0, Q̄], Q̄ the flow at the group's largest
input 103 MW (breakpoint Q̄/2):

- Q_1, Q_2: the true flows of one pump at 48.5 MW and two at 97 MW (roots of the cubic);
- the least per-unit floor a with a·k ≤ chord(Q) ⇒ P(Q) ≥ k·48.5 for k = 1, 2 is
  a = max(48.5, chord(Q_1), chord(Q_2)/2); here k = 2 binds (chord(Q_2)/2 = 48.83 > chord(Q_1) = 48.70):
  the chord overstates the input of two pumps at Q_2 by 0.66 MW (0.68 %), beyond the simulator's round-off
  allowance (5·10⁻⁴);
- two steps that must pump exactly 2·Q_2·1 h of water (``end="fixed"`` end volumes): one pump cannot lift
  Q_2 (its ceiling flow is about Q_1), so each step runs two pumps at a flow ≥ Q_2, and the volume leaves
  only Q_2 in both: the true input is 97 MW, the band floor, in each step.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hydro_sim import hydraulics as hy
from hydro_sim.constants import HM3_PER_M3S_HOUR
from hydro_sim.examples import named_scenario, small_pumped_storage
from hydro_sim.network import Network, network_of
from hydro_sim.optimise import dispatch
from hydro_sim.optimise._data import DispatchOptions, build_network_data, initial_heads
from hydro_sim.simulation import ReplayPolicy, simulate

K_LOSS = 2e-3  # [s²/m⁵]
H_G = 100.0  # initial gross head [m]
ETA_P = 0.9
BAND = 0.03
P_MIN, P_MAX = 50.0 * (1 - BAND), 50.0 * (1 + BAND)  # per pump [MW]
#: The LP's primal feasibility tolerance (1e-7) on flows and inputs of ~10² (both backends). [-]
LP_REL_TOL = 1e-6
#: The hand-derived floor and the builder's agree to Newton's convergence on the cubic. [-]
HAND_REL_TOL = 1e-10


def pump_in(q: np.ndarray | float) -> np.ndarray:
    """True input of the group at flow q at the LP's gross head. [MW]"""
    q = np.asarray(q, dtype=float)
    return np.asarray(hy.pump_power_mw(q, H_G + K_LOSS * q * q, ETA_P))


def true_flow(p_mw: float) -> float:
    """The flow at which the true input is p_mw: the real root of A/η·(kQ³ + H_g Q) = P."""
    a = float(np.asarray(hy.pump_power_mw(1.0, 1.0, ETA_P)))  # MW per (m³/s · m)
    roots = np.roots([K_LOSS, 0.0, H_G, -p_mw / a])
    return float(roots[np.abs(roots.imag) < 1e-9].real.max())


Q_BAR = true_flow(2 * P_MAX)
Q_1, Q_2 = true_flow(P_MIN), true_flow(2 * P_MIN)


def chord(q: float) -> float:
    """The two chords of the input on [0, Q̄], breakpoint Q̄/2. [MW]"""
    b = Q_BAR / 2
    pb = float(pump_in(b))
    if q <= b:
        return pb / b * q
    return pb + (float(pump_in(Q_BAR)) - pb) / b * (q - b)


def network() -> Network:
    plant = small_pumped_storage(n_units=2, head_loss_coefficient_s2_per_m5=K_LOSS)
    units = dataclasses.replace(plant.reversible, pump_power_band_fraction=BAND)
    return network_of(dataclasses.replace(plant, reversible=units))


def test_the_hand_case_has_teeth() -> None:
    """The untightened floor lets two pumps run below their band at the LP's head, by more than the
    simulator's round-off allowance: the chord is 97 MW at a flow whose true input is lower."""
    assert Q_BAR / 2 < Q_2 < Q_BAR
    b = Q_BAR / 2
    q_old = b + (2 * P_MIN - chord(b)) / ((chord(Q_BAR) - chord(b)) / b)  # chord(q_old) = 97 MW
    assert chord(q_old) == pytest.approx(2 * P_MIN, rel=1e-12)
    assert float(pump_in(q_old)) < 2 * P_MIN * (1 - 5e-3)
    assert chord(Q_2) / 2 > chord(Q_1) > P_MIN  # k = 2 sets the floor


def test_the_band_rows_are_tightened_to_the_chords() -> None:
    """The builder's per-unit floor is the hand-derived a = chord(Q_2)/2, its ceiling p_max (the chords of
    a constant-efficiency pump never understate); the plant's band itself is kept."""
    net = network()
    sc = named_scenario(hours=2, inflow_m3s={"upper": 0.0})
    d = build_network_data(net, sc, DispatchOptions(unit_commitment=True), initial_heads(net, sc.n_steps))
    g = next(g for g in d.unit_groups if g.mode == "pump")
    np.testing.assert_allclose(g.uc_min_mw, chord(Q_2) / 2, rtol=HAND_REL_TOL)
    np.testing.assert_array_equal(g.uc_max_mw, P_MAX)
    assert (g.p_min_mw, g.p_max_mw) == (P_MIN, P_MAX)
    gen = next(g for g in d.unit_groups if g.mode == "generate")
    np.testing.assert_array_equal(gen.uc_min_mw, gen.p_min_mw)
    np.testing.assert_array_equal(gen.uc_max_mw, gen.p_max_mw)


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_the_scheduled_pumps_are_within_their_band_and_replay_without_a_band_cut(backend: str) -> None:
    """Two steps pumping 2·Q_2 of water in all: two pumps at Q_2 in each, true input 97 MW (the band floor,
    not below it), and the simulator's replay of the flows records no pump-band cut-back."""
    net = network()
    sc = named_scenario(hours=2, inflow_m3s={"upper": 0.0})
    lifted_hm3 = 2 * Q_2 * HM3_PER_M3S_HOUR
    res = dispatch(
        net,
        sc,
        backend=backend,
        head="fixed",
        unit_commitment=True,
        end="fixed",
        end_volume_hm3={"upper": 5.0 + lifted_hm3, "lower": 5.0 - lifted_hm3},
        fixed_head_tolerance_m=float("inf"),
    )
    assert res.status == "optimal"
    s = res.schedule
    q = s["pump-turbine-pump flow_m3s"].to_numpy()
    u = s["pump-turbine-pump units"].to_numpy()
    np.testing.assert_array_equal(u, [2, 2])
    np.testing.assert_allclose(q, Q_2, rtol=LP_REL_TOL)
    p_true = pump_in(q)
    assert np.all(p_true >= u * P_MIN * (1 - LP_REL_TOL)), p_true
    assert np.all(p_true <= u * P_MAX), p_true
    sim = simulate(net, sc, ReplayPolicy(schedule=s, mode="flows"))
    cut = sim.cutbacks()
    assert "pump band" not in set(cut["limit"]), cut
    np.testing.assert_allclose(sim.arrays["pump-turbine-pump flow_m3s"][0], q, rtol=1e-12)


def test_a_band_of_zero_width_keeps_its_rows() -> None:
    """A fixed input (band 0) is exact only at breakpoints, which the flows of one of two pumps are not here:
    the tightened floor would exceed the ceiling, so the rows stay at the rated input, as before."""
    plant = small_pumped_storage(n_units=2, head_loss_coefficient_s2_per_m5=K_LOSS)
    net = network_of(plant)
    sc = named_scenario(hours=2, inflow_m3s={"upper": 0.0})
    d = build_network_data(net, sc, DispatchOptions(unit_commitment=True), initial_heads(net, sc.n_steps))
    g = next(g for g in d.unit_groups if g.mode == "pump")
    np.testing.assert_array_equal(g.uc_min_mw, 50.0)
    np.testing.assert_array_equal(g.uc_max_mw, 50.0)
