"""The energy target of the optimiser: ``dispatch(..., generation_mwh={link: E})``.

Layer 2 (hand-derived optima) and layer 3 (backend against backend) for the row family
``"{link}-energy_target"``: Σ_t P[t]·Δt of a unit link's generation equals E (or at most / at least E).

The hand case is the small pumped store of :mod:`hydro_sim.examples` (100 m head, one 100 MW pump-turbine,
η_t = η_p = 0.9, no loss) on a two-price day (12 h at 100, then 12 h at 300 per MWh), linearised at the
initial head (``head="fixed"``, so the LP's power per flow is exactly that of 100 m):

- generating 100 MW takes Q_g = 100/(ρ g η_t 100 m) = 113.27 m³/s; pumping 100 MW lifts
  Q_p = 100·η_p/(ρ g 100 m) = 91.74 m³/s; the cycle efficiency is η_t η_p = 0.81 exactly;
- with a target E below the capability, the cheapest way to generate E in the high hours is to pump the same
  water, E/0.81 MWh, in low hours; revenue = E·(300 − 100/0.81) (every high hour pays the same, so where in
  the high hours the water goes is not unique, but the energy in them is);
- the capability (no target) pumps all 12 low hours, 1,200 MWh, and generates 1,200·0.81 = 972 MWh.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hydro_sim.errors import HydroSimInputError
from hydro_sim.examples import small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.network import Network, network_of
from hydro_sim.optimise import dispatch
from hydro_sim.optimise._data import DispatchOptions, build_network_data, initial_heads
from hydro_sim.optimise._formulation import build_model

#: DESIGN.md §4: the two backends reach the same optimum to 1e-6 relative (CBC returns 8 digits). [-]
BACKEND_REL_TOL = 1e-6
#: An energy target holds to the solvers' feasibility tolerance (1e-7 relative) on energies of 10²–10³
#: MWh. [MWh]
ENERGY_TOL_MWH = 1e-4
#: The issue's bound on each reservoir's water balance per step. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: Revenue of the hand case to this fraction (the LP's primal tolerance on 10⁵ of money). [-]
REVENUE_REL_TOL = 1e-7

LINK = "pump-turbine"
CYCLE = 0.9 * 0.9
LOW, HIGH = 100.0, 300.0


def _fixed(**kw: object) -> dict:
    """The hand case's options: fixed head, its head check off (the heads move by the cycle's level swing)."""
    return {"head": "fixed", "fixed_head_tolerance_m": math.inf, **kw}


def _net() -> Network:
    return network_of(small_pumped_storage())


def _energy(schedule, column: str) -> float:
    dt = float((schedule.index[1] - schedule.index[0]).total_seconds() / 3600.0)
    return float(schedule[f"{column} power_mw"].sum() * dt)


def _balance_error_hm3(net: Network, schedule) -> float:
    """Largest water-balance residual of a network schedule, from its own columns (Network's matrix)."""
    dt = float((schedule.index[1] - schedule.index[0]).total_seconds() / 3600.0)
    v0 = np.array([[r.initial_volume_hm3] for r in net.reservoirs])
    v = np.hstack([v0, np.vstack([schedule[f"{r} volume_hm3"].to_numpy() for r in net.reservoir_names])])
    inflow = np.vstack([schedule[f"{r} inflow_m3s"].to_numpy() for r in net.reservoir_names])
    q = np.vstack([schedule[f"{c.name} flow_m3s"].to_numpy() for c in net.flow_columns()])
    return float(np.max(np.abs(net.water_balance_error_hm3(v, inflow, q, dt))))


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_a_target_below_the_capability_is_generated_exactly_in_the_high_hours(backend: str) -> None:
    net, day = _net(), two_price_day(low_per_mwh=LOW, high_per_mwh=HIGH)
    e = 500.0
    res = dispatch(net, day, backend=backend, **_fixed(generation_mwh={LINK: e}))
    assert res.status == "optimal", res.message
    s = res.schedule
    gen, pump = s[f"{LINK} power_mw"], s[f"{LINK}-pump power_mw"]
    high = s["price_per_mwh"] == HIGH
    assert abs(_energy(s, LINK) - e) <= ENERGY_TOL_MWH
    assert abs(float(gen[high].sum()) - e) <= ENERGY_TOL_MWH  # all of it in the high hours
    assert float(gen[~high].sum()) <= ENERGY_TOL_MWH
    # the water is pumped back in the low hours: E/0.81 MWh, no more
    assert abs(float(pump[~high].sum()) - e / CYCLE) <= ENERGY_TOL_MWH
    assert float(pump[high].sum()) <= ENERGY_TOL_MWH
    revenue = e * (HIGH - LOW / CYCLE)  # 88,271.60 by hand
    assert abs(res.objective_value - revenue) <= REVENUE_REL_TOL * revenue
    assert _balance_error_hm3(net, s) <= BALANCE_TOL_HM3


def test_without_a_target_the_capability_is_the_whole_low_period_pumped() -> None:
    """The reference the target is below: 1,200 MWh pumped, 972 MWh generated."""
    res = dispatch(_net(), two_price_day(low_per_mwh=LOW, high_per_mwh=HIGH), **_fixed())
    assert res.status == "optimal", res.message
    assert abs(_energy(res.schedule, f"{LINK}-pump") - 1200.0) <= ENERGY_TOL_MWH
    assert abs(_energy(res.schedule, LINK) - 1200.0 * CYCLE) <= ENERGY_TOL_MWH


@pytest.mark.parametrize(
    ("target", "e", "expected"),
    [
        ("at_most", 2000.0, 1200.0 * CYCLE),  # above the capability: does not bind
        ("at_most", 400.0, 400.0),  # below it: binds
        ("at_least", 300.0, 1200.0 * CYCLE),  # below it: does not bind
        ("equal", 0.0, 0.0),  # no cycling at all
    ],
)
def test_one_sided_targets_bind_only_on_their_side(target: str, e: float, expected: float) -> None:
    res = dispatch(
        _net(),
        two_price_day(low_per_mwh=LOW, high_per_mwh=HIGH),
        **_fixed(generation_mwh={LINK: e}, generation_target=target),
    )
    assert res.status == "optimal", res.message
    assert abs(_energy(res.schedule, LINK) - expected) <= ENERGY_TOL_MWH


def test_a_turbine_link_target_on_a_plant() -> None:
    """A Plant takes the target by the link's name too (the textbook lake's units, successive head)."""
    plant = textbook_plant()
    day = two_price_day(low_per_mwh=LOW, high_per_mwh=HIGH, inflow_upper_m3s=40.0)
    res = dispatch(plant, day, generation_mwh={"units": 500.0})
    assert res.status == "optimal", res.message
    dt = 1.0
    assert abs(float(res.schedule["power_conventional_mw"].sum()) * dt - 500.0) <= ENERGY_TOL_MWH


@pytest.mark.parametrize("head", ["fixed", "successive"])
def test_the_backends_agree_with_a_target(head: str) -> None:
    net = network_of(small_pumped_storage(head_loss_coefficient_s2_per_m5=2e-4))
    day = two_price_day(low_per_mwh=LOW, high_per_mwh=HIGH)
    kw = {"generation_mwh": {LINK: 600.0}, "head": head}
    if head == "fixed":
        kw["fixed_head_tolerance_m"] = math.inf
    fast = dispatch(net, day, **kw)
    readable = dispatch(net, day, backend="pulp", **kw)
    assert fast.status == readable.status == "optimal", (fast.message, readable.message)
    rel = abs(fast.objective_value - readable.objective_value) / abs(fast.objective_value)
    assert rel <= BACKEND_REL_TOL
    for res in (fast, readable):
        assert abs(_energy(res.schedule, LINK) - 600.0) <= ENERGY_TOL_MWH
        assert _balance_error_hm3(net, res.schedule) <= BALANCE_TOL_HM3


def test_the_row_family_is_one_row_named_after_the_link() -> None:
    net, day = _net(), two_price_day()
    opts = DispatchOptions(generation_mwh={LINK: 500.0})
    d = build_network_data(net, day, opts, initial_heads(net, day.n_steps))
    lp = build_model(d)
    fam = f"{LINK}-energy_target"
    assert fam in lp.rowf and lp.rowf[fam].lb.size == 1
    assert lp.rowf[fam].lb[0] == lp.rowf[fam].ub[0] == 500.0
    # its coefficients are the generating chords' slopes × Δt: 100 m·ρgη/10⁶ MW per m³/s at every step
    coef = np.concatenate([b.v for b in lp.blocks_in_row(fam)])
    assert coef.size == d.S * day.n_steps
    assert np.allclose(coef, 1000.0 * 9.81 * 0.9 * 100.0 / 1e6, rtol=1e-12)


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_a_target_beyond_the_units_is_diagnosed(backend: str) -> None:
    """3,000 MWh in 24 h from 100 MW: 600 MWh more than the units can give even with unlimited water."""
    res = dispatch(_net(), two_price_day(), backend=backend, **_fixed(generation_mwh={LINK: 3000.0}))
    assert res.status == "infeasible"
    assert res.diagnosis is not None
    row = res.diagnosis.set_index("family").loc[f"{LINK}-energy_target_lo"]
    assert row["element"] == LINK
    assert abs(row["largest_violation"] - 600.0) <= ENERGY_TOL_MWH
    assert row["violation_unit"] == "MWh short of the target"
    assert "energy target of 'pump-turbine' over the horizon cannot hold" in res.message


def test_a_plant_diagnosis_names_the_target() -> None:
    res = dispatch(small_pumped_storage(), two_price_day(), **_fixed(generation_mwh={LINK: 3000.0}))
    assert res.status == "infeasible"
    assert res.diagnosis is not None
    assert "etarget_lo" in set(res.diagnosis["family"])
    assert res.message.startswith("infeasible: the energy target over the horizon cannot hold")


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"generation_mwh": {"turbine": 1.0}}, r"`generation_mwh` \('turbine'\) must name unit links"),
        ({"generation_mwh": {"upper spillway": 1.0}}, r"must name links that carry units.*spillway"),
        (
            {"generation_mwh": {LINK: -1.0}},
            r"`generation_mwh\['pump-turbine'\]` \(-1.0\) must not be negative",
        ),
        ({"generation_mwh": {LINK: math.nan}}, r"`generation_mwh\['pump-turbine'\]`.*NaN"),
        ({"generation_mwh": {LINK: math.inf}}, r"`generation_mwh\['pump-turbine'\]`.*finite"),
        ({"generation_mwh": {LINK: "1"}}, r"`generation_mwh\['pump-turbine'\]`.*number"),
        ({"generation_mwh": [500.0]}, r"`generation_mwh`.*must be a dict"),
        ({"generation_target": "exactly"}, r"`generation_target` \('exactly'\) must be one of"),
    ],
)
def test_bad_targets_are_refused_naming_the_field(kw: dict, match: str) -> None:
    with pytest.raises(HydroSimInputError, match=match):
        dispatch(_net(), two_price_day(), **kw)
