"""Property tests (Hypothesis) for the hydraulics and the level–volume curve.

Level↔volume round trips on any strictly increasing table, inside and outside its range; volume rises
with level; turbine and pump power rise with head and flow; a pump-then-generate cycle returns less
energy than it took; a table that does not rise is refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hydro_sim import HydroSimInputError, LevelVolumeCurve
from hydro_sim import _physics as ph
from hydro_sim import hydraulics as hy

#: Relative float round-off allowed on a round trip z → V → z, scaled by the table's conditioning
#: (|V| / smallest slope): a few thousand ulps of the numbers involved.
ROUND_OFF = 1e-12
#: Smallest relative step between two inputs for which a strict rise must be visible in floats
#: (far above the 2.2e-16 machine epsilon, so rounding cannot hide it).
DISTINCT_REL = 1e-9

PROPERTY_SETTINGS = settings(deadline=None)

_increments = st.lists(st.floats(min_value=0.1, max_value=100.0), min_size=1, max_size=9)


@st.composite
def increasing_tables(draw):
    """A strictly increasing level–volume table of 2–10 points."""
    dz = draw(_increments)
    dv = draw(st.lists(st.floats(min_value=0.1, max_value=1000.0), min_size=len(dz), max_size=len(dz)))
    z0 = draw(st.floats(min_value=-100.0, max_value=5000.0))
    v0 = draw(st.floats(min_value=0.0, max_value=1.0e4))
    z = z0 + np.concatenate([[0.0], np.cumsum(dz)])
    v = v0 + np.concatenate([[0.0], np.cumsum(dv)])
    assume(np.all(np.diff(z) > 0) and np.all(np.diff(v) > 0))  # cumsum on large offsets can round
    return z, v


def _round_trip_tolerance(z, v, level):
    slopes = np.diff(v) / np.diff(z)
    vmax = abs(v).max() + abs(hy.volume_from_level_hm3(level, z, v))
    return ROUND_OFF * (abs(level) + abs(z).max() + vmax / slopes.min())


@PROPERTY_SETTINGS
@given(table=increasing_tables(), where=st.floats(min_value=-1.0, max_value=2.0))
def test_level_volume_round_trip(table, where):
    """z → V(z) → z(V) returns z, for levels from one table span below to one span above the table."""
    z, v = table
    level = z[0] + where * (z[-1] - z[0])
    curve = LevelVolumeCurve(level_masl=tuple(z), volume_hm3=tuple(v))
    back = curve.level_masl_at(curve.volume_hm3_at(level))
    assert back == pytest.approx(level, rel=0, abs=_round_trip_tolerance(z, v, level))


@PROPERTY_SETTINGS
@given(table=increasing_tables(), where=st.floats(min_value=-1.0, max_value=2.0))
def test_volume_level_round_trip(table, where):
    """V → z(V) → V(z) returns V, inside and outside the table's volume range."""
    z, v = table
    volume = v[0] + where * (v[-1] - v[0])
    back = hy.volume_from_level_hm3(hy.level_from_volume_masl(volume, z, v), z, v)
    slopes = np.diff(v) / np.diff(z)
    tol = ROUND_OFF * slopes.max() / slopes.min() * (abs(volume) + abs(v).max() + slopes.max() * abs(z).max())
    assert back == pytest.approx(volume, rel=0, abs=tol)


@PROPERTY_SETTINGS
@given(
    table=increasing_tables(),
    where=st.lists(st.floats(min_value=-1.0, max_value=2.0), min_size=2, max_size=20, unique=True),
)
def test_volume_rises_with_level(table, where):
    z, v = table
    levels = np.sort(z[0] + np.asarray(where) * (z[-1] - z[0]))
    volumes = hy.volume_from_level_hm3(levels, z, v)
    assert np.all(np.diff(volumes) >= 0.0)
    # strictly, wherever the rise (at least the smallest slope times the step) beats float round-off
    slopes = np.diff(v) / np.diff(z)
    clearly_apart = np.diff(levels) * slopes.min() > ROUND_OFF * (abs(volumes).max() + abs(v).max())
    assert np.all(np.diff(volumes)[clearly_apart] > 0.0)


_flow = st.floats(min_value=1e-3, max_value=1e4)
_head = st.floats(min_value=1e-2, max_value=2e3)
_eta = st.floats(min_value=0.05, max_value=1.0)


def _apart(a, b):
    lo, hi = sorted((a, b))
    assume(hi > lo * (1.0 + DISTINCT_REL))
    return lo, hi


@PROPERTY_SETTINGS
@given(q=_flow, h1=_head, h2=_head, eta=_eta)
def test_turbine_power_rises_with_head(q, h1, h2, eta):
    lo, hi = _apart(h1, h2)
    assert hy.turbine_power_mw(q, lo, eta) < hy.turbine_power_mw(q, hi, eta)


@PROPERTY_SETTINGS
@given(q1=_flow, q2=_flow, h=_head, eta=_eta)
def test_turbine_power_rises_with_flow(q1, q2, h, eta):
    lo, hi = _apart(q1, q2)
    assert 0.0 < hy.turbine_power_mw(lo, h, eta) < hy.turbine_power_mw(hi, h, eta)


@PROPERTY_SETTINGS
@given(q=_flow, h1=_head, h2=_head, eta=_eta)
def test_pump_power_rises_with_head(q, h1, h2, eta):
    lo, hi = _apart(h1, h2)
    assert hy.pump_power_mw(q, lo, eta) < hy.pump_power_mw(q, hi, eta)


@PROPERTY_SETTINGS
@given(q1=_flow, q2=_flow, h=_head, eta=_eta, k=st.floats(min_value=0.0, max_value=1e-4))
def test_pump_power_rises_with_flow_against_head_plus_losses(q1, q2, h, eta, k):
    lo, hi = _apart(q1, q2)
    p_lo = hy.pump_power_mw(lo, hy.pumping_head_m(h, 0.0, lo, k), eta)
    p_hi = hy.pump_power_mw(hi, hy.pumping_head_m(h, 0.0, hi, k), eta)
    assert 0.0 < p_lo < p_hi


@PROPERTY_SETTINGS
@given(
    h=st.floats(min_value=10.0, max_value=1000.0),
    k=st.floats(min_value=1e-6, max_value=1e-4),
    q_p=st.floats(min_value=1.0, max_value=1000.0),
    q_g=st.floats(min_value=1.0, max_value=1000.0),
    eta_t=st.floats(min_value=0.3, max_value=1.0),
    eta_p=st.floats(min_value=0.3, max_value=1.0),
    volume_hm3=st.floats(min_value=0.01, max_value=100.0),
)
def test_pump_then_generate_cycle_loses_energy(h, k, q_p, q_g, eta_t, eta_p, volume_hm3):
    """Lift a volume at gross head h against h + kQ_p², turbine it back at h − kQ_g²: E_out < E_in."""
    assume(h - k * q_g**2 > 0.0)
    e_in = (
        hy.pump_power_mw(q_p, hy.pumping_head_m(h, 0.0, q_p, k), eta_p)
        * volume_hm3
        / hy.flow_to_volume_hm3(q_p, 1.0)
    )
    e_out = (
        hy.turbine_power_mw(q_g, hy.net_head_m(h, 0.0, q_g, k), eta_t)
        * volume_hm3
        / hy.flow_to_volume_hm3(q_g, 1.0)
    )
    assert 0.0 < e_out < e_in
    ratio = eta_t * eta_p * (h - k * q_g**2) / (h + k * q_p**2)
    assert e_out / e_in == pytest.approx(ratio, rel=ROUND_OFF)


@st.composite
def non_increasing_tables(draw):
    """A table that is increasing except for one entry that does not rise above the one before it."""
    dz = draw(st.lists(st.floats(min_value=0.1, max_value=100.0), min_size=2, max_size=9))
    z = 100.0 + np.concatenate([[0.0], np.cumsum(dz)])
    i = draw(st.integers(min_value=1, max_value=len(z) - 1))
    drop = draw(st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1000.0)))
    z[i] = z[i - 1] - drop  # equal (flat) or falling
    good = 10.0 + np.arange(len(z), dtype=float)
    return tuple(z), tuple(good)


@PROPERTY_SETTINGS
@given(tables=non_increasing_tables(), flip=st.booleans())
def test_level_volume_curve_refuses_non_increasing_table(tables, flip):
    bad, good = tables
    level, volume, field = (good, bad, "volume_hm3") if flip else (bad, good, "level_masl")
    with pytest.raises(HydroSimInputError, match=f"`{field}`.*must rise strictly"):
        LevelVolumeCurve(level_masl=level, volume_hm3=volume)


# -- refused inputs -----------------------------------------------------------------------------------
# Each public function names the argument that breaks its rule; a NaN, a negative magnitude or an
# efficiency outside (0, 1] anywhere in an array is found, never passed on as a NaN or a negative power.

_flows = st.lists(st.floats(min_value=0.0, max_value=1000.0), min_size=1, max_size=20)
_POWER_FUNCTIONS = [hy.turbine_power_mw, hy.pump_power_mw]
_FLOW_FUNCTIONS = [hy.turbine_flow_m3s, hy.pump_flow_m3s]


@PROPERTY_SETTINGS
@given(
    q=_flows,
    data=st.data(),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    fn=st.sampled_from(_POWER_FUNCTIONS),
)
def test_power_functions_refuse_a_non_finite_flow_anywhere(q, data, bad, fn):
    i = data.draw(st.integers(min_value=0, max_value=len(q) - 1))
    flows = np.asarray(q, dtype=float)
    flows[i] = bad
    with pytest.raises(HydroSimInputError, match=f"^`flow_m3s` .*must be finite.*position {i}"):
        fn(flows, 100.0, 0.9)


@PROPERTY_SETTINGS
@given(
    q=_flows,
    data=st.data(),
    neg=st.floats(min_value=1e-9, max_value=1e6),
    fn=st.sampled_from(_POWER_FUNCTIONS),
)
def test_power_functions_refuse_a_negative_flow_anywhere(q, data, neg, fn):
    i = data.draw(st.integers(min_value=0, max_value=len(q) - 1))
    flows = np.asarray(q, dtype=float)
    flows[i] = -neg
    with pytest.raises(HydroSimInputError, match=f"^`flow_m3s` .*must not be negative \\(position {i}\\)"):
        fn(flows, 100.0, 0.9)


@PROPERTY_SETTINGS
@given(
    eta=st.one_of(
        st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
        st.floats(min_value=1.0, exclude_min=True, allow_nan=False, allow_infinity=False),
    ),
    fn=st.sampled_from(_POWER_FUNCTIONS + _FLOW_FUNCTIONS),
)
def test_every_power_and_flow_function_refuses_an_efficiency_outside_0_1(eta, fn):
    with pytest.raises(HydroSimInputError, match=r"^`efficiency` .*must lie in \(0, 1\]"):
        fn(10.0, 100.0, eta)


@PROPERTY_SETTINGS
@given(
    head=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False), fn=st.sampled_from(_FLOW_FUNCTIONS)
)
def test_flow_functions_refuse_a_head_they_would_divide_by(head, fn):
    with pytest.raises(HydroSimInputError, match=r"^`head_m` .*must be positive"):
        fn(10.0, head, 0.9)


@PROPERTY_SETTINGS
@given(n=st.integers(min_value=1, max_value=6), m=st.integers(min_value=1, max_value=6))
def test_arrays_that_do_not_broadcast_are_refused_by_name(n, m):
    assume(n != m and 1 not in (n, m))
    with pytest.raises(HydroSimInputError, match=rf"`flow_m3s` \({n},\).*`head_m` \({m},\)"):
        hy.turbine_power_mw(np.ones(n), np.full(m, 100.0), 0.9)


# == the kernels' scalar physics is hydraulics' physics ====================================================
#: Power and flow through the compiled scalar functions and through hydraulics' array functions: the same
#: formula, evaluated in the same order, so the same bits; 1e-13 allows for a fused multiply-add. [-]
SCALAR_REL = 1e-13


@PROPERTY_SETTINGS
@given(q=_flow, hg=_head, eta=_eta, k=st.floats(min_value=0.0, max_value=1e-4), pump=st.booleans())
def test_the_compiled_unit_power_is_hydraulics_power(q, hg, eta, k, pump):
    """``_physics.unit_power`` (what both kernels call) against ``hydraulics``: a turbine's P = ρgηQ(H_g − kQ²)
    at its net head, a pump's P = ρgQ(H_g + kQ²)/η at its pumping head."""
    tab = np.full((1, 1), eta)
    grid = np.zeros(1)
    if pump:
        expected = hy.pump_power_mw(q, hy.pumping_head_m(hg, 0.0, q, k), eta)
        got = ph.unit_power(q, hg, k, 1.0, 1, 1e9, grid, grid, tab)
    else:
        h = hy.net_head_m(hg, 0.0, q, k)
        assume(h >= 0.0)
        expected = hy.turbine_power_mw(q, h, eta)
        got = ph.unit_power(q, hg, k, -1.0, 1, 1e9, grid, grid, tab)
    assert got == pytest.approx(expected, rel=SCALAR_REL, abs=1e-300)


@PROPERTY_SETTINGS
@given(
    p=st.floats(min_value=1e-3, max_value=1e3), hg=_head, eta=_eta, k=st.floats(min_value=0.0, max_value=1e-4)
)
def test_the_compiled_turbine_flow_is_hydraulics_flow_with_losses(p, hg, eta, k):
    """``_physics.unit_flow`` is the flow ``hydraulics.turbine_flow_with_losses_m3s`` returns (NaN there where
    the power lies beyond the curve's peak, the top flow here)."""
    assume(hg >= 1.0)
    q = hy.turbine_flow_with_losses_m3s(p, hg, k, eta)
    grid, tab = np.zeros(1), np.full((1, 1), eta)
    got = ph.unit_flow(p, hg, k, -1.0, 1, np.inf, np.inf, grid, grid, tab)
    if np.isnan(q):
        assert got == pytest.approx(np.sqrt(hg / (3.0 * k)), rel=1e-12)
    else:
        assert got == pytest.approx(q, rel=1e-9)
        assert hy.turbine_power_mw(got, hy.net_head_m(hg, 0.0, got, k), eta) == pytest.approx(p, rel=1e-9)


@PROPERTY_SETTINGS
@given(table=increasing_tables(), where=st.floats(min_value=-1.0, max_value=2.0))
def test_the_compiled_table_look_up_is_hydraulics_interpolation(table, where):
    """``_physics.interp_from`` from any start segment equals ``hydraulics.interpolate_table``, inside the
    table and on its linear extensions."""
    xs, ys = table
    x = xs[0] + where * (xs[-1] - xs[0])
    ms = ph.slopes(xs, ys)
    expected = hy.interpolate_table(x, xs, ys)
    for j in (0, len(xs) // 2, len(xs) - 2):
        assert ph.interp_from(x, xs, ys, ms, j)[0] == expected


@PROPERTY_SETTINGS
@given(
    q=st.floats(min_value=0.0, max_value=300.0),
    h=st.floats(min_value=50.0, max_value=400.0),
    cells=st.lists(st.floats(min_value=0.5, max_value=0.95), min_size=9, max_size=9),
)
def test_the_compiled_chart_is_hydraulics_bilinear_chart(q, h, cells):
    tq, th = np.array([50.0, 150.0, 250.0]), np.array([100.0, 200.0, 300.0])
    te = np.array(cells).reshape(3, 3)
    assert ph.eta_bilinear(q, h, tq, th, te) == hy.efficiency_from_table(q, h, tq, th, te)
