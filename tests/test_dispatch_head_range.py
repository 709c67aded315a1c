"""The LP keeps a pump-turbine link within its operating head range (``generating_head_range_m``,
``pumping_head_range_m``, on the net head), as the simulator does, on a pair whose answer follows by hand.

The pair: upper and lower reservoirs of 1 hm³ per metre (level = base + volume), the upper at 150 m and the
lower at 50 m, so the gross head is 100 m; one 2 × 100 MW pump-turbine group with head loss k = 5e-4 s²/m⁵.
At fixed head the LP's heads are these 100 m in every step, so the range is a flow limit known by hand:
generating, the net head 100 − kQ² ≥ 95 m caps Q at √(5/k) = 100 m³/s; pumping, 100 + kQ² ≤ 105 m caps it at
100 m³/s too; a range whose top (generating) or bottom (pumping) excludes the gross head closes the mode.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hydro_sim.network import Network, PumpTurbineLink, Release, RiverSink, Spillway
from hydro_sim.optimise import dispatch
from hydro_sim.optimise._data import head_range_widths
from hydro_sim.plant import LevelVolumeCurve, PumpTurbineGroup, Reservoir
from hydro_sim.scenario import Scenario

K = 5e-4  # head loss coefficient [s²/m⁵]
#: The LP's flows against the hand figure: HiGHS's and CBC's primal feasibility tolerance, relative. [-]
FLOW_REL_TOL = 1e-6
#: Backends agree to this, relative to the larger objective. [-]
OBJECTIVE_REL_TOL = 1e-6


def lake(name: str, base: float, v0: float, vmin: float, vmax: float) -> Reservoir:
    return Reservoir(
        name=name,
        curve=LevelVolumeCurve(level_masl=(base, base + 200.0), volume_hm3=(0.0, 200.0)),
        min_level_masl=base + vmin,
        max_level_masl=base + vmax,
        initial_level_masl=base + v0,
    )


def pair(gen: tuple[float, float] | None = None, pump: tuple[float, float] | None = None) -> Network:
    units = PumpTurbineGroup(
        name="pt",
        n_units=2,
        rated_power_mw=100.0,
        max_flow_m3s=150.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=100.0,
        pump_efficiency=0.9,
        head_loss_coefficient_s2_per_m5=K,
    )
    return Network(
        name="pair",
        reservoirs=(lake("upper", 100.0, 50.0, 40.0, 100.0), lake("lower", 0.0, 50.0, 0.0, 60.0)),
        sinks=(RiverSink(name="river", tailwater_level_masl=-10.0),),
        links=(
            PumpTurbineLink(
                units=units,
                upper="upper",
                lower="lower",
                generating_head_range_m=gen,
                pumping_head_range_m=pump,
            ),
            Spillway(name="upper spillway", from_node="upper", to_node="lower"),
            Release(name="lower release", from_node="lower", to_node="river"),
        ),
    )


def day(price: list[float], inflow_m3s: float = 0.0) -> Scenario:
    idx = pd.date_range("2030-01-01", periods=len(price), freq="h")
    return Scenario(
        inflow_upper_m3s=pd.Series(inflow_m3s, index=idx), price_per_mwh=pd.Series(price, index=idx)
    )


def flows(net: Network, sc: Scenario, backend: str) -> tuple[np.ndarray, np.ndarray, float]:
    # (at fixed head the range is known by hand; the levels move a few metres in these hours)
    res = dispatch(net, sc, head="fixed", backend=backend, fixed_head_tolerance_m=5.0)
    assert res.status == "optimal", res.message
    s = res.schedule
    return s["pt flow_m3s"].to_numpy(), s["pt-pump flow_m3s"].to_numpy(), res.objective_value


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_the_generating_range_caps_the_flow_at_the_net_heads_bottom(backend: str) -> None:
    """300 m³/s flow into the upper reservoir and generating pays every hour: without a range the units run
    at their top flow (√(H_g/3k) = 258 m³/s, the most power); with the net head kept ≥ 95 m at √(5/k) = 100
    m³/s (the rest is stored or spilt), and with a range topping out at 90 m (below the 100 m gross head) not
    at all."""
    sc = day([500.0] * 3, inflow_m3s=300.0)
    free, _, _ = flows(pair(), sc, backend)
    assert np.all(free > 250.0)
    capped, _, _ = flows(pair(gen=(95.0, 120.0)), sc, backend)
    assert np.allclose(capped, math.sqrt(5.0 / K), rtol=FLOW_REL_TOL)
    closed, _, _ = flows(pair(gen=(60.0, 90.0)), sc, backend)
    assert np.all(closed == 0.0)


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_the_pumping_range_caps_the_flow_at_the_heads_top(backend: str) -> None:
    """Cheap night, dear day: without a range the pumps take their full input; kept ≤ 105 m of pumping head
    they pump √(5/k) = 100 m³/s; with a range starting at 110 m they do not pump."""
    sc = day([-100.0, 900.0])
    _, free, _ = flows(pair(), sc, backend)
    assert free[0] > 100.0 * (1.0 + 1e-3)
    _, capped, _ = flows(pair(pump=(80.0, 105.0)), sc, backend)
    assert capped[0] == pytest.approx(math.sqrt(5.0 / K), rel=FLOW_REL_TOL)
    _, closed, _ = flows(pair(pump=(110.0, 130.0)), sc, backend)
    assert closed[0] == 0.0


def test_both_backends_agree_with_the_ranges() -> None:
    sc = day([-100.0, 900.0, 600.0, -50.0, 800.0], inflow_m3s=50.0)
    net = pair(gen=(96.0, 120.0), pump=(80.0, 103.0))
    a = flows(net, sc, "highs")
    b = flows(net, sc, "pulp")
    assert a[2] == pytest.approx(b[2], rel=OBJECTIVE_REL_TOL)
    np.testing.assert_allclose(a[0], b[0], rtol=FLOW_REL_TOL, atol=1e-6)
    np.testing.assert_allclose(a[1], b[1], rtol=FLOW_REL_TOL, atol=1e-6)


def test_the_widths_are_cut_from_the_top_and_never_grow() -> None:
    """Three chords of 50 m³/s at 100 m: a cap of 70 m³/s leaves 50, 20 and 0; a range the flows never
    reach, or none, leaves them as they are; a pumping range starting above the head closes the mode."""
    w = np.full((3, 2), 50.0)
    hg = np.array([100.0, 100.0])
    cut = head_range_widths(w, hg, 1.0 / 490.0, (90.0, 200.0), "generate")  # √(10·490) = 70 m³/s
    np.testing.assert_allclose(cut[:, 0], [50.0, 20.0, 0.0], rtol=1e-12)
    assert head_range_widths(w, hg, K, None, "generate") is w
    np.testing.assert_array_equal(head_range_widths(w, hg, K, (0.0, 1e9), "pump"), w)  # √(1e9/k) ≫ 150
    np.testing.assert_array_equal(head_range_widths(w, hg, K, (101.0, 200.0), "pump"), 0.0)
