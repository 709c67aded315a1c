"""Layer 1: hand-computed physics for :mod:`hydro_sim.hydraulics`.

Every expected value below is worked out on paper from ρ = 1000 kg/m³ and g = 9.81 m/s², so a wrong
constant, a missing factor or a sign slip in the package makes a test fail.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim import HydroSimInputError
from hydro_sim import hydraulics as hy

#: Float round-off of a handful of multiplications and divisions (relative, and absolute near zero).
ROUND_OFF = 1e-12
#: Round-off after a few dozen floating operations (30 Newton steps, tolerance 1e-9 inside the solver).
REL_ROUND_OFF = 1e-9
#: The first-order loss correction Q ≈ Q0 (1 + kQ0²/H) drops 3(kQ0²/H)² ≈ 2e-8 at 100 MW, 250 m.
FIRST_ORDER_REL = 1e-7
#: Hand values quoted to 8 significant figures.
HAND_DIGITS_REL = 1e-7

#: ρ g / 10⁶: MW per (m³/s · m) at η = 1, worked by hand (1000 · 9.81 / 10⁶).
MW_PER_M3S_M = 0.00981


def approx(expected):
    """``pytest.approx`` at float round-off, relative for large values and absolute near zero."""
    return pytest.approx(expected, rel=ROUND_OFF, abs=ROUND_OFF)


def _series(values, name="x"):
    return pd.Series(values, index=pd.date_range("2025-03-01", periods=len(values), freq="h"), name=name)


# -- turbine ------------------------------------------------------------------------------------------


def test_turbine_power_textbook_scalar():
    # 1000 · 9.81 · 0.9 · 1 · 100 / 10⁶ = 0.8829 MW
    p = hy.turbine_power_mw(1.0, 100.0, 0.9)
    assert isinstance(p, float)
    assert p == approx(0.8829)


def test_turbine_power_textbook_array():
    p = hy.turbine_power_mw(np.array([1.0, 2.0, 10.0]), 100.0, 0.9)
    assert isinstance(p, np.ndarray)
    np.testing.assert_allclose(p, [0.8829, 1.7658, 8.829], rtol=ROUND_OFF, atol=ROUND_OFF)


def test_turbine_power_broadcasts_head_and_efficiency_arrays():
    # Q = 1, H = (100, 200), η = (0.9, 0.5): 0.8829 and 0.981 MW
    p = hy.turbine_power_mw(np.array([1.0, 1.0]), np.array([100.0, 200.0]), np.array([0.9, 0.5]))
    np.testing.assert_allclose(p, [0.8829, 0.981], rtol=ROUND_OFF, atol=ROUND_OFF)


def test_turbine_power_series_keeps_index_and_name():
    q = _series([1.0, 2.0, 3.0], name="flow_m3s")
    p = hy.turbine_power_mw(q, 100.0, 0.9)
    assert isinstance(p, pd.Series)
    assert p.index.equals(q.index)
    assert p.name == "flow_m3s"
    np.testing.assert_allclose(p.to_numpy(), [0.8829, 1.7658, 2.6487], rtol=ROUND_OFF, atol=ROUND_OFF)


def test_turbine_flow_inverts_turbine_power():
    assert hy.turbine_flow_m3s(0.8829, 100.0, 0.9) == approx(1.0)
    # 500 MW at 250 m and η 0.92: Q = 500e6 / (9810 · 0.92 · 250) = 221.6... m³/s
    q = hy.turbine_flow_m3s(500.0, 250.0, 0.92)
    assert q == approx(500.0 / (MW_PER_M3S_M * 0.92 * 250.0))
    assert hy.turbine_power_mw(q, 250.0, 0.92) == approx(500.0)


def test_turbine_flow_series_keeps_index():
    p = _series([0.8829, 1.7658])
    q = hy.turbine_flow_m3s(p, 100.0, 0.9)
    assert isinstance(q, pd.Series) and q.index.equals(p.index)
    np.testing.assert_allclose(q.to_numpy(), [1.0, 2.0], rtol=ROUND_OFF, atol=ROUND_OFF)


# -- pump and heads -----------------------------------------------------------------------------------


def test_pump_power_textbook():
    # 1000 · 9.81 · 1 · 100 / (0.9 · 10⁶) = 1.09 MW: more than the 0.981 MW of lossless lifting
    assert hy.pump_power_mw(1.0, 100.0, 0.9) == approx(1.09)
    assert hy.pump_flow_m3s(1.09, 100.0, 0.9) == approx(1.0)


def test_pumping_head_adds_losses_and_net_head_subtracts_them():
    # gross 2865 − 2605 = 260 m; k Q² = 2e-5 · 500² = 5 m
    assert hy.pumping_head_m(2865.0, 2605.0, 500.0, 2.0e-5) == approx(265.0)
    assert hy.net_head_m(2865.0, 2605.0, 500.0, 2.0e-5) == approx(255.0)
    # no flow, no loss: both are the gross head
    assert hy.pumping_head_m(2865.0, 2605.0) == approx(260.0)
    assert hy.net_head_m(2865.0, 2605.0) == approx(260.0)


def test_pump_power_and_flow_with_head_plus_losses():
    # Q = 500 m³/s against 260 + 5 = 265 m at η_p 0.9: 9810 · 500 · 265 / 0.9 / 10⁶ = 1444.25 MW
    h_p = hy.pumping_head_m(2865.0, 2605.0, 500.0, 2.0e-5)
    p = hy.pump_power_mw(500.0, h_p, 0.9)
    assert p == approx(1444.25)
    # the same pump against the gross head only would need 1416.999… MW: the losses cost 27.25 MW
    assert p - hy.pump_power_mw(500.0, 260.0, 0.9) == approx(27.25)
    assert hy.pump_flow_m3s(1444.25, h_p, 0.9) == approx(500.0)


def test_heads_with_series_keep_index():
    up = _series([2865.0, 2855.0], name="level_masl")
    h = hy.net_head_m(up, 2605.0, 500.0, 2.0e-5)
    hp = hy.pumping_head_m(up, 2605.0, 500.0, 2.0e-5)
    assert isinstance(h, pd.Series) and h.index.equals(up.index)
    np.testing.assert_allclose(h.to_numpy(), [255.0, 245.0], rtol=ROUND_OFF, atol=ROUND_OFF)
    np.testing.assert_allclose(hp.to_numpy(), [265.0, 255.0], rtol=ROUND_OFF, atol=ROUND_OFF)


def test_pump_power_series_keeps_index():
    q = _series([1.0, 2.0])
    p = hy.pump_power_mw(q, 100.0, 0.9)
    assert isinstance(p, pd.Series) and p.index.equals(q.index)
    np.testing.assert_allclose(p.to_numpy(), [1.09, 2.18], rtol=ROUND_OFF, atol=ROUND_OFF)


# -- flow, volume and energy --------------------------------------------------------------------------


def test_flow_to_volume_one_hour():
    # 1000 m³/s · 3600 s = 3.6·10⁶ m³ = 3.6 hm³
    assert hy.flow_to_volume_hm3(1000.0, 1.0) == approx(3.6)
    assert hy.flow_to_volume_hm3(1000.0, 3.0) == approx(10.8)
    assert hy.volume_to_flow_m3s(3.6, 1.0) == approx(1000.0)
    assert hy.volume_to_flow_m3s(10.8, 3.0) == approx(1000.0)


def test_flow_to_volume_array_and_series():
    np.testing.assert_allclose(
        hy.flow_to_volume_hm3(np.array([0.0, 500.0, 1000.0]), 1.0),
        [0.0, 1.8, 3.6],
        rtol=ROUND_OFF,
        atol=ROUND_OFF,
    )
    q = _series([1000.0, 250.0], name="inflow_upper_m3s")
    v = hy.flow_to_volume_hm3(q, 2.0)
    assert isinstance(v, pd.Series) and v.index.equals(q.index) and v.name == "inflow_upper_m3s"
    np.testing.assert_allclose(v.to_numpy(), [7.2, 1.8], rtol=ROUND_OFF, atol=ROUND_OFF)


def test_generating_energy_per_hm3():
    # 1 hm³ at 250 m, η 0.9: ρ g η H V = 9810 · 0.9 · 250 · 10⁶ J = 2.20725·10¹² J = 613.125 MWh
    e = hy.generating_energy_per_hm3_mwh(250.0, 0.9)
    assert e == approx(613.125)
    # the same energy as running the turbine at the flow that moves 1 hm³ in one hour
    q = hy.volume_to_flow_m3s(1.0, 1.0)
    one_hour_h = 1.0
    assert hy.turbine_power_mw(q, 250.0, 0.9) * one_hour_h == approx(613.125)


def test_pumping_energy_per_hm3():
    # 9810 · 250 / 0.9 · 10⁶ / 3.6·10⁹ = 756.944… MWh
    e = hy.pumping_energy_per_hm3_mwh(250.0, 0.9)
    assert e == approx(613.125 / 0.81)


def test_energy_per_hm3_series_keeps_index():
    h = _series([250.0, 125.0], name="head_m")
    e = hy.generating_energy_per_hm3_mwh(h, 0.9)
    assert isinstance(e, pd.Series) and e.index.equals(h.index)
    np.testing.assert_allclose(e.to_numpy(), [613.125, 306.5625], rtol=ROUND_OFF, atol=ROUND_OFF)


# -- interpolation ------------------------------------------------------------------------------------

#: A table with two different slopes: 10 hm³/m below 2, 20 hm³/m above.
TABLE_Z = np.array([1.0, 2.0, 4.0])
TABLE_V = np.array([10.0, 20.0, 60.0])


@pytest.mark.parametrize(
    ("z", "v"),
    [
        (1.0, 10.0),
        (2.0, 20.0),
        (4.0, 60.0),  # grid points
        (1.5, 15.0),
        (3.0, 40.0),
        (3.5, 50.0),  # inside the segments
        (0.0, 0.0),
        (-1.0, -10.0),  # below: first slope 10 extended
        (5.0, 80.0),
        (6.5, 110.0),  # above: last slope 20 extended
    ],
)
def test_interpolation_both_ways_and_linear_extension(z, v):
    assert hy.volume_from_level_hm3(z, TABLE_Z, TABLE_V) == approx(v)
    assert hy.level_from_volume_masl(v, TABLE_Z, TABLE_V) == approx(z)
    assert hy.interpolate_table(z, TABLE_Z, TABLE_V) == approx(v)


def test_interpolation_array_and_series():
    z = np.array([0.0, 1.5, 3.0, 5.0])
    np.testing.assert_allclose(
        hy.volume_from_level_hm3(z, TABLE_Z, TABLE_V), [0.0, 15.0, 40.0, 80.0], rtol=ROUND_OFF, atol=ROUND_OFF
    )
    zs = _series(z, name="level_masl")
    vs = hy.volume_from_level_hm3(zs, TABLE_Z, TABLE_V)
    assert isinstance(vs, pd.Series) and vs.index.equals(zs.index)
    back = hy.level_from_volume_masl(vs, TABLE_Z, TABLE_V)
    assert isinstance(back, pd.Series) and back.index.equals(zs.index)
    np.testing.assert_allclose(back.to_numpy(), z, rtol=ROUND_OFF, atol=ROUND_OFF)


# -- efficiency hill chart ----------------------------------------------------------------------------

EFF_Q = np.array([10.0, 20.0, 40.0])
EFF_H = np.array([100.0, 200.0])
EFF = np.array([[0.80, 0.84], [0.90, 0.88], [0.85, 0.82]])


@pytest.mark.parametrize(
    ("q", "h", "eta"),
    [
        # grid points
        (10.0, 100.0, 0.80),
        (10.0, 200.0, 0.84),
        (20.0, 100.0, 0.90),
        (20.0, 200.0, 0.88),
        (40.0, 100.0, 0.85),
        (40.0, 200.0, 0.82),
        # cell centres: mean of the four corners
        (15.0, 150.0, (0.80 + 0.84 + 0.90 + 0.88) / 4),
        (30.0, 150.0, (0.90 + 0.88 + 0.85 + 0.82) / 4),
        # a quarter into the first cell: weights 9/16, 3/16, 3/16, 1/16
        (12.5, 125.0, (9 * 0.80 + 3 * 0.90 + 3 * 0.84 + 1 * 0.88) / 16),
        # edge midpoints
        (10.0, 150.0, 0.82),
        (30.0, 100.0, 0.875),
        # beyond the edges: held at the edge value, not extrapolated
        (5.0, 100.0, 0.80),
        (5.0, 50.0, 0.80),
        (100.0, 300.0, 0.82),
        (100.0, 100.0, 0.85),
        (5.0, 150.0, 0.82),
        (15.0, 1000.0, 0.86),
        (15.0, 0.0, 0.85),
    ],
)
def test_efficiency_from_table(q, h, eta):
    assert hy.efficiency_from_table(q, h, EFF_Q, EFF_H, EFF) == approx(eta)


def test_efficiency_from_table_array_and_series():
    q = np.array([10.0, 15.0, 100.0])
    np.testing.assert_allclose(
        hy.efficiency_from_table(q, 150.0, EFF_Q, EFF_H, EFF),
        [0.82, 0.855, 0.835],
        rtol=ROUND_OFF,
        atol=ROUND_OFF,
    )
    qs = _series(q, name="flow_m3s")
    e = hy.efficiency_from_table(qs, 150.0, EFF_Q, EFF_H, EFF)
    assert isinstance(e, pd.Series) and e.index.equals(qs.index)
    np.testing.assert_allclose(e.to_numpy(), [0.82, 0.855, 0.835], rtol=ROUND_OFF, atol=ROUND_OFF)


# -- turbine flow with losses -------------------------------------------------------------------------

#: A waterway with H_g = 250 m, k = 1e-5 s²/m⁵, η = 0.9.
HG, K, ETA = 250.0, 1.0e-5, 0.9
#: Peak of P(Q) = c Q (H_g − k Q²): Q* = sqrt(H_g / 3k), P_max = c Q* · 2/3 H_g.
Q_PEAK = math.sqrt(HG / (3.0 * K))
P_PEAK = MW_PER_M3S_M * ETA * Q_PEAK * (2.0 / 3.0) * HG


def _power_with_losses(q):
    return hy.turbine_power_mw(q, hy.net_head_m(HG, 0.0, q, K), ETA)


def test_peak_of_power_curve_by_hand():
    # Q* = sqrt(250 / 3e-5) = 2886.75 m³/s; P_max = 0.008829 · 2886.75 · 166.67 = 4247.85 MW
    assert Q_PEAK == pytest.approx(2886.7513, rel=HAND_DIGITS_REL)
    assert P_PEAK == pytest.approx(4247.8546, rel=HAND_DIGITS_REL)
    # and it is the peak: a little more or less flow gives less power
    assert _power_with_losses(Q_PEAK * 0.99) < P_PEAK
    assert _power_with_losses(Q_PEAK * 1.01) < P_PEAK


@pytest.mark.parametrize("power_mw", [1.0, 100.0, 1000.0, 0.9 * P_PEAK, 0.9999 * P_PEAK])
def test_turbine_flow_with_losses_reproduces_power(power_mw):
    q = hy.turbine_flow_with_losses_m3s(power_mw, HG, K, ETA)
    assert math.isfinite(q)
    assert _power_with_losses(q) == pytest.approx(power_mw, rel=REL_ROUND_OFF)
    # the physical (smaller) root, and more flow than without losses
    assert q <= Q_PEAK
    assert q > hy.turbine_flow_m3s(power_mw, HG, ETA)


def test_turbine_flow_with_losses_hand_value():
    # 100 MW at 250 m, η 0.9: lossless Q0 = 100 / 2.20725 = 45.305244 m³/s; the loss k Q0² ≈ 0.0205 m
    # raises Q by ≈ Q0 · 0.0205 / 250
    q0 = 100.0 / (MW_PER_M3S_M * ETA * HG)
    q = hy.turbine_flow_with_losses_m3s(100.0, HG, K, ETA)
    assert q0 == pytest.approx(45.305244, rel=HAND_DIGITS_REL)
    assert q == pytest.approx(q0 * (1.0 + K * q0**2 / HG), rel=FIRST_ORDER_REL)


def test_turbine_flow_without_losses_is_the_lossless_flow():
    q = hy.turbine_flow_with_losses_m3s(500.0, 250.0, 0.0, 0.92)
    assert q == approx(hy.turbine_flow_m3s(500.0, 250.0, 0.92))


@pytest.mark.parametrize("factor", [1.000001, 1.01, 2.0])
def test_turbine_flow_with_losses_nan_beyond_peak(factor):
    assert math.isnan(hy.turbine_flow_with_losses_m3s(factor * P_PEAK, HG, K, ETA))


def test_turbine_flow_with_losses_nan_beyond_max_flow():
    # 100 MW needs ≈ 45.3 m³/s: fine under a 50 m³/s limit, NaN under a 40 m³/s limit
    assert math.isfinite(hy.turbine_flow_with_losses_m3s(100.0, HG, K, ETA, max_flow_m3s=50.0))
    assert math.isnan(hy.turbine_flow_with_losses_m3s(100.0, HG, K, ETA, max_flow_m3s=40.0))


def test_turbine_flow_with_losses_array_and_series():
    p = np.array([100.0, 2.0 * P_PEAK, 1000.0])
    q = hy.turbine_flow_with_losses_m3s(p, HG, K, ETA)
    assert isinstance(q, np.ndarray)
    assert np.isnan(q[1]) and np.isfinite(q[[0, 2]]).all()
    np.testing.assert_allclose(_power_with_losses(q[[0, 2]]), [100.0, 1000.0], rtol=REL_ROUND_OFF)
    ps = _series(p, name="power_mw")
    qs = hy.turbine_flow_with_losses_m3s(ps, HG, K, ETA)
    assert isinstance(qs, pd.Series) and qs.index.equals(ps.index)
    np.testing.assert_allclose(qs.to_numpy(), q, rtol=ROUND_OFF)


# -- a pump-then-generate cycle -----------------------------------------------------------------------


def test_pump_then_generate_cycle_loses_energy():
    """Pump 1 hm³ up 250 m at 400 m³/s, then turbine it back at 600 m³/s, k = 2.56e-5, η_t = η_p = 0.9."""
    h_g, k, eta_t, eta_p, q_p, q_g = 250.0, 2.56e-5, 0.9, 0.9, 400.0, 600.0
    volume_hm3 = 1.0
    t_pump_h = volume_hm3 / hy.flow_to_volume_hm3(q_p, 1.0)
    t_gen_h = volume_hm3 / hy.flow_to_volume_hm3(q_g, 1.0)
    e_in = hy.pump_power_mw(q_p, hy.pumping_head_m(h_g, 0.0, q_p, k), eta_p) * t_pump_h
    e_out = hy.turbine_power_mw(q_g, hy.net_head_m(h_g, 0.0, q_g, k), eta_t) * t_gen_h
    # by hand: η_t η_p (H − k Q_g²)/(H + k Q_p²) = 0.81 · (250 − 9.216)/(250 + 4.096) = 0.767530…
    expected = eta_t * eta_p * (h_g - k * q_g**2) / (h_g + k * q_p**2)
    assert expected == approx(0.81 * 240.784 / 254.096)
    assert e_out / e_in == pytest.approx(expected, rel=REL_ROUND_OFF)
    assert e_out < e_in
    # energies on their own: E_in = 9810 · 254.096 / 0.9 / 3600 MWh for 1 hm³ = 769.34622 MWh
    assert e_in == pytest.approx(769.34622, rel=HAND_DIGITS_REL)
    assert e_in == pytest.approx(hy.pumping_energy_per_hm3_mwh(254.096, 0.9), rel=REL_ROUND_OFF)
    assert e_out == pytest.approx(hy.generating_energy_per_hm3_mwh(240.784, 0.9), rel=REL_ROUND_OFF)


def test_lossless_ideal_cycle_returns_all_energy():
    """The loss in the cycle comes from η and k only: with η = 1 and k = 0 the ratio is exactly 1."""
    e_in = hy.pumping_energy_per_hm3_mwh(250.0, 1.0)
    e_out = hy.generating_energy_per_hm3_mwh(250.0, 1.0)
    assert e_out / e_in == approx(1.0)


# -- what the input rules allow ----------------------------------------------------------------------
# The checks refuse impossible inputs only: signed net flows, zero flow or head, a net head that comes out
# negative and levels beyond a table all stay legal (see the module docstring for the rules).


def test_net_flows_may_be_signed_in_volume_conversions():
    assert hy.flow_to_volume_hm3(-1000.0, 1.0) == approx(-3.6)
    np.testing.assert_allclose(hy.volume_to_flow_m3s(np.array([-3.6, 7.2]), 1.0), [-1000.0, 2000.0])


def test_zero_flow_or_zero_head_gives_zero_power_not_an_error():
    assert hy.turbine_power_mw(0.0, 100.0, 0.9) == 0.0  # exact: a product with 0
    assert hy.pump_power_mw(1.0, 0.0, 0.9) == 0.0
    assert hy.turbine_flow_m3s(0.0, 100.0, 0.9) == 0.0


def test_a_net_head_may_come_out_negative():
    """A large loss can exceed the gross head: that is a result to report, not an input error."""
    assert hy.net_head_m(110.0, 100.0, 1000.0, 2.0e-5) == approx(10.0 - 20.0)


def test_a_level_beyond_the_table_is_extrapolated_not_clipped():
    z, v = np.array([100.0, 110.0]), np.array([0.0, 50.0])
    assert hy.volume_from_level_hm3(112.0, z, v) == approx(60.0)
    assert hy.volume_from_level_hm3(99.0, z, v) == approx(-5.0)


def test_a_refused_series_names_the_function_and_a_good_one_keeps_its_index():
    idx = pd.date_range("2030-01-01", periods=3, freq="h")
    good = hy.turbine_power_mw(pd.Series([1.0, 2.0, 3.0], index=idx), 100.0, 0.9)
    assert isinstance(good, pd.Series) and good.index.equals(idx)
    with pytest.raises(
        HydroSimInputError,
        match=r"`flow_m3s` \(-2.0\) must not be negative \(position 1\) "
        r"in turbine_power_mw\(\)",
    ):
        hy.turbine_power_mw(pd.Series([1.0, -2.0, 3.0], index=idx), 100.0, 0.9)
