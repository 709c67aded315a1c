"""The simulator with efficiency charts (hill charts η(Q per unit, H)).

Groups with a chart take the kernel's other path: Newton's iteration per scenario on the chart, one scenario
at a time, where constant efficiencies run on closed-form starts and Halley steps side by side. These tests
hold the chart path to the constant one (a flat chart is a constant), to hand values on a two-unit plant
(the chart is read at the flow per unit running), and to itself across blocks of scenarios.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hydro_sim import EfficiencyCurve, Scenario, lianghekou
from hydro_sim.examples import constant_scenario, small_pumped_storage
from hydro_sim.simulation import FunctionPolicy, TouRulePolicy, simulate

#: ρg/10⁶: MW per (m³/s · m). [MW s/(m⁴)]
A = 1000.0 * 9.81 / 1e6
#: Flat chart against the constant. Both solve P(Q) at the head estimate to 1e-11, but the estimate itself
#: comes from flows that the constant path takes as series roots (1e-5 of the flow) and the chart path
#: solves: that moves the estimated head by micrometres and the flows solved at it by ~1e-8 relative
#: (measured ≤ 5.5e-8 of 1 + |value| on any series, on flows, powers, cut-backs and releases). [-]
FLAT_REL = 1e-7
#: A power request is met at a head estimate (see test_simulation.py, POWER_REQUEST_REL). [-]
POWER_REQUEST_REL = 1e-4


def flat(eta: float) -> EfficiencyCurve:
    return EfficiencyCurve(flow_m3s=(1.0, 1000.0), head_m=(50.0, 400.0), efficiency=((eta, eta), (eta, eta)))


def charted(plant):
    """The plant with each constant efficiency replaced by a flat chart of the same value."""
    rev = plant.reversible
    return dataclasses.replace(
        plant,
        conventional=dataclasses.replace(plant.conventional, efficiency=flat(plant.conventional.efficiency)),
        reversible=dataclasses.replace(
            rev, turbine_efficiency=flat(rev.turbine_efficiency), pump_efficiency=flat(rev.pump_efficiency)
        ),
    )


def weeks(factors) -> list[Scenario]:
    """January weeks of Lianghekou at factor × 300 m³/s (and × 5 m³/s local) inflow, TOU prices."""
    idx = pd.date_range("2030-01-07", periods=168, freq="h")
    h = idx.hour
    price = pd.Series(
        np.where((h >= 23) | (h < 7), 160.0, np.where((h >= 15) & (h < 21), 640.0, 400.0)), index=idx
    )
    return [
        Scenario(
            inflow_upper_m3s=pd.Series(300.0 * f, index=idx),
            inflow_lower_m3s=pd.Series(5.0 * f, index=idx),
            price_per_mwh=price,
            name=f"×{f:.3f}",
        )
        for f in factors
    ]


POLICIES = {
    "TOU rule (power requests)": TouRulePolicy.for_tariff(flat_price_per_mwh=400.0),
    "powers for every group": FunctionPolicy(
        decide=lambda s: {
            "conventional_mw": np.full_like(s.price_per_mwh, 1500.0),
            "generating_mw": 1000.0 * (s.price_per_mwh > 500.0),
            "pumping_mw": 1100.0 * (s.price_per_mwh < 200.0),
        }
    ),
    "flows for every group": FunctionPolicy(
        decide=lambda s: {
            "conventional_m3s": np.full_like(s.price_per_mwh, 900.0),
            "generating_m3s": 600.0 * (s.price_per_mwh > 500.0),
            "pumping_m3s": 500.0 * (s.price_per_mwh < 200.0),
        }
    ),
}


@pytest.mark.parametrize("name", list(POLICIES))
def test_a_flat_chart_runs_as_its_constant(name):
    """Lianghekou with flat charts (η 0.92, 0.9, 0.9 everywhere) gives the constant-efficiency run's flows,
    powers, volumes and cut-backs, three inflows at once."""
    plant = lianghekou()
    scenarios = weeks((0.5, 1.0, 1.5))
    const = simulate(plant, scenarios, POLICIES[name])
    chart = simulate(charted(plant), scenarios, POLICIES[name])
    assert const.cut_steps.sum() == chart.cut_steps.sum()
    for key, arr in const.arrays.items():
        if key.startswith("limit_"):
            np.testing.assert_array_equal(chart.arrays[key], arr, err_msg=key)
        else:
            np.testing.assert_allclose(chart.arrays[key], arr, rtol=FLAT_REL, atol=FLAT_REL, err_msg=key)
    assert np.abs(chart.arrays["power_generating_mw"]).max() > 0  # the units did run
    assert np.abs(chart.arrays["power_pumping_mw"]).max() > 0


def two_unit_plant():
    """small_pumped_storage() with 2 units of 50 MW and 100 m³/s each, and a turbine chart of 0.80 at 20 m³/s
    per unit rising linearly to 0.90 at 100 m³/s per unit, the same at every head; no waterway loss."""
    plant = small_pumped_storage(n_units=2)
    chart = EfficiencyCurve(flow_m3s=(20.0, 100.0), head_m=(50.0, 150.0), efficiency=((0.8, 0.8), (0.9, 0.9)))
    return dataclasses.replace(
        plant, reversible=dataclasses.replace(plant.reversible, turbine_efficiency=chart)
    )


@pytest.mark.parametrize(("flow", "units"), [(60.0, 1), (120.0, 2), (10.0, 1)])
def test_the_chart_is_read_at_the_flow_per_unit_running(flow, units):
    """Generating 60 m³/s runs one unit at 60 m³/s: η = 0.80 + 0.10·(60 − 20)/80 = 0.85; 120 m³/s runs both
    at 60 m³/s each, η = 0.85 again; 10 m³/s is below the chart, held flat at 0.80. Power = ρgηQH at the
    reported mid-step head."""
    plant = two_unit_plant()
    res = simulate(
        plant,
        constant_scenario(hours=3, inflow_upper_m3s=0.0),
        FunctionPolicy(decide=lambda s: {"generating_m3s": flow}),
    )
    eta = 0.80 + 0.10 * (min(max(flow / units, 20.0), 100.0) - 20.0) / 80.0
    f = res.frame(0)
    np.testing.assert_array_equal(f["flow_generating_m3s"], flow)
    np.testing.assert_allclose(f["power_generating_mw"], A * eta * flow * f["head_m"], rtol=1e-12)


def test_a_power_request_on_the_chart_is_met():
    """Asking 40 MW of the two-unit plant: the flow solves A·η(Q/n)·Q·H = 40 on the chart, so the power at
    the mid-step head is 40 MW to the head estimate's error, and equals the chart's power of that flow."""
    plant = two_unit_plant()
    res = simulate(
        plant,
        constant_scenario(hours=6, inflow_upper_m3s=0.0),
        FunctionPolicy(decide=lambda s: {"generating_mw": 40.0}),
    )
    f = res.frame(0)
    q = f["flow_generating_m3s"].to_numpy()
    n = np.ceil(q / 100.0 - 1e-9)
    eta = plant.reversible.turbine_efficiency(q / n, f["head_m"].to_numpy())
    np.testing.assert_allclose(f["power_generating_mw"], A * eta * q * f["head_m"], rtol=1e-12)
    np.testing.assert_allclose(f["power_generating_mw"], 40.0, rtol=POWER_REQUEST_REL)
    assert 40.0 / (A * 0.9 * 110.0) < q.min() and q.max() < 40.0 / (A * 0.8 * 100.0)  # η and H bracket it


def test_blocks_with_charts_equal_single_runs():
    """40 weeks (more than one block of scenarios) on the charted plant, each equal bit for bit to its run
    alone: the chart path runs scenario by scenario inside the blocks."""
    from hydro_sim.simulation._engine import LANES as BLOCK

    plant = charted(lianghekou())
    scenarios = weeks(np.linspace(0.3, 1.8, BLOCK + 8))
    policy = POLICIES["powers for every group"]
    batch = simulate(plant, scenarios, policy)
    for k in (0, BLOCK - 1, BLOCK, len(scenarios) - 1):
        single = simulate(plant, scenarios[k], policy)
        for key, arr in single.arrays.items():
            np.testing.assert_array_equal(batch.arrays[key][k], arr[0], err_msg=key)
