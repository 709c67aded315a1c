"""Property tests (Hypothesis) for the dispatch optimiser: on any small plant and price path, the schedule
is physical and both backends find the same optimum.

Random two-reservoir pumped stores (reservoir sizes 0.5–50 hm³, start levels anywhere within bounds,
efficiencies 0.7–0.95, waterway loss 0 or small, 1–3 units) on 4–24 hourly steps of random prices and
inflows. No environmental flow and an unbounded release, so every case is feasible (doing nothing and
spilling keeps every bound) and must come back "optimal". For every drawn case:

- each reservoir's balance, recomputed from the schedule, closes at every step;
- every volume lies within its reservoir's bounds, and the end volumes are at least the start ones;
- HiGHS and PuLP/CBC agree on the optimum to 1e-6 relative (DESIGN.md §4);
- with unit commitment, the reversible units never pump and generate in the same step.

Derandomised (``derandomize=True``): the same examples run on every machine, so CI is deterministic.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hydro_sim import LevelVolumeCurve, Plant, PumpTurbineGroup, Reservoir, Scenario
from hydro_sim.optimise import DispatchResult, dispatch

#: One hour turns 1 m³/s into this volume. [hm³ per (m³/s · h)]
C_HM3 = 0.0036
#: Water balance of one reservoir over one step: HiGHS meets rows to its 1e-7 primal feasibility tolerance
#: and the schedule's volumes are the solver's own columns; CBC's are re-accumulated from its rows. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: Volume bounds are column bounds, met to the same 1e-7 feasibility tolerance (plus CBC's 8 digits). [hm³]
BOUND_TOL_HM3 = 1e-6
#: DESIGN.md §4: the backends agree on the optimum to 1e-6 relative ("same model, same optimum").
OBJECTIVE_REL_TOL = 1e-6
#: Objectives are compared relative to the larger of |objective| and this: a case whose best schedule is
#: to do (almost) nothing has an optimum near 0 CNY, where 1e-6 relative would be below CBC's 8 digits on
#: its terms (revenues of order 1e4 CNY). [CNY]
OBJECTIVE_SCALE_FLOOR_CNY = 1e3
#: A group counts as running above this flow; the solvers' feasibility tolerance is 1e-7. [m³/s]
IDLE_FLOW_M3S = 1e-4

#: The LP properties: a HiGHS solve of ≤ 24 steps takes milliseconds.
LP_SETTINGS = settings(max_examples=500, deadline=None, derandomize=True)
#: CBC runs as a child process (≈15–40 ms a solve here): fewer examples.
BACKEND_SETTINGS = settings(max_examples=100, deadline=None, derandomize=True)
#: A small MILP takes HiGHS tens of milliseconds.
MILP_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)


@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """One drawn case; its repr is the few numbers it was drawn from."""

    label: str
    plant: Plant
    scenario: Scenario

    def __repr__(self) -> str:
        return f"Case({self.label})"


@st.composite
def cases(draw: st.DrawFn, *, max_units: int = 1) -> Case:
    v_up_max = draw(st.floats(0.5, 50.0))
    v_lo_max = draw(st.floats(0.5, 50.0))
    f_up = draw(st.floats(0.0, 1.0))
    f_lo = draw(st.floats(0.0, 1.0))
    eta_t = draw(st.floats(0.7, 0.95))
    eta_p = draw(st.floats(0.7, 0.95))
    k_loss = draw(st.sampled_from([0.0, 1e-4]))
    n_units = draw(st.integers(1, max_units))
    hours = draw(st.integers(4, 24))
    prices = draw(st.lists(st.floats(-50.0, 800.0), min_size=hours, max_size=hours))
    inflow_up = draw(st.floats(0.0, 30.0))
    inflow_lo = draw(st.floats(0.0, 10.0))
    # Levels: the upper lake from 100 m, 10 m deep; the lower pond from 0 m, 10 m deep.
    upper = Reservoir(
        name="upper",
        curve=LevelVolumeCurve(level_masl=(100.0, 110.0), volume_hm3=(0.0, v_up_max)),
        min_level_masl=100.0,
        max_level_masl=110.0,
        initial_level_masl=100.0 + 10.0 * f_up,
    )
    lower = Reservoir(
        name="lower",
        curve=LevelVolumeCurve(level_masl=(0.0, 10.0), volume_hm3=(0.0, v_lo_max)),
        min_level_masl=0.0,
        max_level_masl=10.0,
        initial_level_masl=10.0 * f_lo,
    )
    rev = PumpTurbineGroup(
        name="pump-turbine",
        n_units=n_units,
        rated_power_mw=100.0 / n_units,
        max_flow_m3s=200.0 / n_units,
        turbine_efficiency=eta_t,
        rated_pumping_power_mw=100.0 / n_units,
        pump_efficiency=eta_p,
        pump_power_band_fraction=0.0,
        min_power_mw=0.0,
        head_loss_coefficient_s2_per_m5=k_loss,
    )
    plant = Plant(name="random pumped store", upper=upper, lower=lower, reversible=rev)
    idx = pd.date_range("2030-01-01", periods=hours, freq="h")
    scenario = Scenario(
        inflow_upper_m3s=pd.Series(inflow_up, index=idx),
        inflow_lower_m3s=pd.Series(inflow_lo, index=idx),
        price_per_mwh=pd.Series(np.asarray(prices, dtype=float), index=idx),
    )
    label = (
        f"V_up={v_up_max:.3g}@{f_up:.2f}, V_lo={v_lo_max:.3g}@{f_lo:.2f}, eta={eta_t:.2f}/{eta_p:.2f}, "
        f"k={k_loss:g}, units={n_units}, T={hours}, I={inflow_up:.3g}/{inflow_lo:.3g}"
    )
    return Case(label=label, plant=plant, scenario=scenario)


def _solve(case: Case, **options: object) -> DispatchResult:
    res = dispatch(case.plant, case.scenario, head="fixed", fixed_head_tolerance_m=math.inf, **options)
    assert res.status == "optimal", f"{case!r}: {res.message}"
    return res


def _assert_physical(case: Case, res: DispatchResult) -> None:
    s, plant = res.schedule, case.plant
    out_up = (s["flow_generating_m3s"] + s["spill_upper_m3s"] - s["flow_pumping_m3s"]).to_numpy()
    v_up = s["volume_upper_hm3"].to_numpy()
    v_lo = s["volume_lower_hm3"].to_numpy()
    err_up = np.diff(v_up, prepend=plant.upper.initial_volume_hm3) - C_HM3 * (
        s["inflow_upper_m3s"].to_numpy() - out_up
    )
    net_lo = s["inflow_lower_m3s"].to_numpy() + out_up - s["release_lower_m3s"].to_numpy()
    err_lo = np.diff(v_lo, prepend=plant.lower.initial_volume_hm3) - C_HM3 * net_lo
    assert np.abs(err_up).max() <= BALANCE_TOL_HM3, f"upper balance off by {np.abs(err_up).max():.3g} hm³"
    assert np.abs(err_lo).max() <= BALANCE_TOL_HM3, f"lower balance off by {np.abs(err_lo).max():.3g} hm³"
    for res_, v in ((plant.upper, v_up), (plant.lower, v_lo)):
        lo, hi = res_.volume_bounds_hm3(case.scenario.index)
        assert np.all(v >= np.asarray(lo) - BOUND_TOL_HM3) and np.all(v <= np.asarray(hi) + BOUND_TOL_HM3)
        assert v[-1] >= res_.initial_volume_hm3 - BOUND_TOL_HM3  # end condition "at_least_start"
    for name in ("flow_generating_m3s", "flow_pumping_m3s", "spill_upper_m3s", "release_lower_m3s"):
        assert s[name].min() >= -BOUND_TOL_HM3 / C_HM3, f"negative {name}"


@LP_SETTINGS
@given(cases())
def test_lp_schedule_closes_the_water_balance_within_bounds(case: Case) -> None:
    _assert_physical(case, _solve(case))


@BACKEND_SETTINGS
@given(cases())
def test_backends_agree_on_the_optimum(case: Case) -> None:
    fast = _solve(case)
    readable = _solve(case, backend="pulp")
    _assert_physical(case, readable)
    scale = max(abs(fast.objective_value), OBJECTIVE_SCALE_FLOOR_CNY)
    assert abs(fast.objective_value - readable.objective_value) <= OBJECTIVE_REL_TOL * scale, (
        f"{case!r}: HiGHS {fast.objective_value!r} CNY, CBC {readable.objective_value!r} CNY"
    )


@MILP_SETTINGS
@given(cases(max_units=3))
def test_unit_commitment_never_pumps_and_generates_in_the_same_step(case: Case) -> None:
    res = _solve(case, unit_commitment=True)
    _assert_physical(case, res)
    s = res.schedule
    both = (s["flow_generating_m3s"] > IDLE_FLOW_M3S) & (s["flow_pumping_m3s"] > IDLE_FLOW_M3S)
    assert not both.any(), f"{case!r}: pumping and generating at once at {list(s.index[both])}"
    assert not ((s["units_generating"] > 0) & (s["units_pumping"] > 0)).any()
