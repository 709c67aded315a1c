"""Property tests (Hypothesis) for the simulator: whatever a policy asks, the water adds up.

Random inflows (some large enough to overflow a reservoir), random power and flow requests (many beyond
the ratings or the water available), random spills and releases, random start volumes within bounds,
1–5 scenarios of 24–72 hourly steps, on ``small_pumped_storage()`` (with and without a 20 m³/s
environmental flow) and ``textbook_plant()``. For every run:

- each reservoir's balance, recomputed here from the arrays, closes at every step and scenario;
- volumes stay within the reservoirs' bounds (a full reservoir spills or releases, an empty one cuts);
- every flow is ≥ 0 and finite, and the reversible units never pump and generate in the same step;
- a release cut below the environmental flow only happens with the lower reservoir at its minimum.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hydro_sim import GridLine, Outlet, Plant, Scenario
from hydro_sim.examples import small_pumped_storage, textbook_plant
from hydro_sim.simulation import FunctionPolicy, SimulationResult, TouRulePolicy, simulate
from hydro_sim.simulation.api import ENV, LIMIT_NAMES, RATING_TOL

#: Water balance of one reservoir over one step: five flows times c = 0.0036 added to a volume of at most
#: 200 hm³; float round-off is ~1e-13 hm³, 1e-9 hm³ (1 m³) is the brief's bound. [hm³]
BALANCE_TOL_HM3 = 1e-9
#: Volume bounds: the kernel ends its limit passes within 1e-12 hm³ of a bound; 1e-9 hm³ is round-off. [hm³]
BOUND_TOL_HM3 = 1e-9
#: One hour turns 1 m³/s into this volume. [hm³ per (m³/s · h)]
C_HM3 = 0.0036

#: The numba kernel compiles on first use (cached on disk afterwards); no per-example deadline. Hundreds of
#: examples, the same ones every run (derandomize: a failure is reproducible, the suite deterministic).
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, derandomize=True)
#: The line is met to the kernel's allowance for round-off on a limit (RATING_TOL, 5e-4 of the line): the
#: flows are cut to the line at the step's head estimate and the power is reckoned at the mid-step head,
#: which a limit applied after the estimate (a spill, an empty lower reservoir) moves by up to that. [-]
LINE_ALLOWANCE_REL = RATING_TOL
#: ... plus round-off for a line out of service (0 MW), where the net exchange is a difference of powers of
#: ~100 MW that the cut made equal (measured 1.4e-14 MW). [MW]
NET_ROUND_OFF_MW = 1e-9

SMALL_ENV = dataclasses.replace(small_pumped_storage(), outlet=Outlet(environmental_min_flow_m3s=20.0))
PLANTS = {
    "small_pumped_storage": small_pumped_storage(),
    "small_pumped_storage, 20 m³/s environmental flow": SMALL_ENV,
    "textbook_plant": textbook_plant(),
}
PLANT_NAMES = tuple(sorted(PLANTS))


@dataclasses.dataclass(frozen=True, eq=False)
class Case:
    """One drawn run; its repr is the few numbers it was drawn from (the arrays would print as 30 kB)."""

    label: str
    plant: Plant
    scenarios: list[Scenario]
    requests: dict[str, np.ndarray]
    v_up0: np.ndarray
    v_lo0: np.ndarray | None

    def __repr__(self) -> str:
        return f"Case({self.label})"

    def run(self) -> SimulationResult:
        """The run, checked for its line: the net exchange within the line at every step and scenario."""
        res = self._run()
        a = res.arrays
        net = a["power_conventional_mw"] + a["power_generating_mw"] - a["power_pumping_mw"]
        cap = a["line_capacity_mw"]
        assert np.all(np.abs(net) <= cap * (1.0 + LINE_ALLOWANCE_REL) + NET_ROUND_OFF_MW), float(
            np.max(np.abs(net) - cap)
        )
        return res

    def _run(self) -> SimulationResult:
        return simulate(
            self.plant,
            self.scenarios,
            table_policy(self.requests),
            initial_volume_upper_hm3=self.v_up0,
            initial_volume_lower_hm3=self.v_lo0,
        )


def table_policy(requests: dict[str, np.ndarray]) -> FunctionPolicy:
    return FunctionPolicy(decide=lambda state: {key: arr[:, state.t] for key, arr in requests.items()})


@st.composite
def cases(draw, plants=PLANT_NAMES, spill_while_pumping=True):
    """A plant, scenarios and a table of per-step requests, drawn from a seeded generator.

    ``spill_while_pumping=False`` asks for no spill in a step that asks for pumping (see
    ``test_volumes_stay_within_bounds``)."""
    name = draw(st.sampled_from(plants))
    line_mw = draw(st.sampled_from([np.inf, np.inf, 0.0, 10.0, 40.0, 120.0]))
    plant = (
        dataclasses.replace(PLANTS[name], line=GridLine(capacity_mw=line_mw)) if line_mw > 0 else PLANTS[name]
    )
    scenario_line = line_mw == 0.0 or draw(st.booleans())  # a time-varying line (outages) in the scenario
    n_sc = draw(st.integers(1, 5))
    n_t = draw(st.integers(24, 72))
    seed = draw(st.integers(0, 2**32 - 1))
    # up to 500 m³/s of upper inflow overfills the 10 hm³ store in 6 h and the textbook lake's 50 hm³ of
    # room in 28 h; requests reach twice the ratings
    inflow_up = draw(st.sampled_from([0.0, 20.0, 150.0, 500.0]))
    inflow_lo = draw(st.sampled_from([0.0, 10.0, 100.0])) if plant.lower is not None else 0.0
    kinds = {g: draw(st.sampled_from(["mw", "m3s"])) for g in ("conventional", "generating", "pumping")}
    idle = draw(st.floats(0.0, 0.8))
    spill_share = draw(st.floats(0.0, 0.5))
    release_share = draw(st.floats(0.0, 0.5)) if plant.lower is not None else 0.0
    label = (
        f"{name!r}, line={line_mw} MW (scenario series: {scenario_line}), scenarios={n_sc}, steps={n_t}, "
        f"seed={seed}, inflow_up≤{inflow_up}, "
        f"inflow_lo≤{inflow_lo}, kinds={kinds}, idle={idle:.3g}, spill={spill_share:.3g}, "
        f"release={release_share:.3g}, spill_while_pumping={spill_while_pumping}"
    )
    rng = np.random.default_rng(seed)

    def series(top):
        return np.where(rng.random((n_sc, n_t)) < idle, 0.0, rng.uniform(0.0, top, size=(n_sc, n_t)))

    requests = {}
    if plant.conventional is not None:
        conv = plant.conventional
        requests[f"conventional_{kinds['conventional']}"] = series(
            2 * (conv.max_power_mw if kinds["conventional"] == "mw" else conv.max_total_flow_m3s)
        )
    if plant.reversible is not None:
        rev = plant.reversible
        requests[f"generating_{kinds['generating']}"] = series(
            2 * (rev.max_power_mw if kinds["generating"] == "mw" else rev.max_total_flow_m3s)
        )
        requests[f"pumping_{kinds['pumping']}"] = series(
            2 * (rev.max_total_pumping_power_mw if kinds["pumping"] == "mw" else rev.max_total_flow_m3s)
        )
    spill = np.where(rng.random((n_sc, n_t)) < spill_share, rng.uniform(0.0, 200.0, (n_sc, n_t)), 0.0)
    if not spill_while_pumping:
        pumping = next((v for k, v in requests.items() if k.startswith("pumping_")), np.zeros((n_sc, n_t)))
        spill = np.where(pumping > 0, 0.0, spill)
    requests["spill_m3s"] = spill
    if plant.lower is not None:
        requests["release_m3s"] = np.where(
            rng.random((n_sc, n_t)) < release_share, rng.uniform(0.0, 300.0, (n_sc, n_t)), np.nan
        )
    idx = pd.date_range("2030-01-01", periods=n_t, freq="h")
    scenarios = [
        Scenario(
            inflow_upper_m3s=pd.Series(rng.uniform(0.0, inflow_up, n_t), index=idx),
            inflow_lower_m3s=pd.Series(rng.uniform(0.0, inflow_lo, n_t), index=idx),
            price_per_mwh=pd.Series(300.0, index=idx),
            name=f"s{k}",
            line_capacity_mw=(
                pd.Series(rng.choice([0.0, 5.0, 30.0, 90.0, 500.0], n_t), index=idx)
                if scenario_line
                else None
            ),
        )
        for k in range(n_sc)
    ]
    up, lo = plant.upper, plant.lower
    v_up0 = rng.uniform(up.min_volume_hm3, up.max_volume_hm3, n_sc)
    v_lo0 = rng.uniform(lo.min_volume_hm3, lo.max_volume_hm3, n_sc) if lo is not None else None
    return Case(label, plant, scenarios, requests, v_up0, v_lo0)


def one_step_case(
    plant: Plant,
    *,
    v_up0: float,
    v_lo0: float,
    inflow_upper_m3s: float = 0.0,
    inflow_lower_m3s: float = 0.0,
    **decision: float,
) -> Case:
    """An explicit one-scenario, one-step case (for ``@example``)."""
    idx = pd.date_range("2030-01-01", periods=1, freq="h")
    sc = Scenario(
        inflow_upper_m3s=pd.Series(inflow_upper_m3s, index=idx),
        inflow_lower_m3s=pd.Series(inflow_lower_m3s, index=idx),
        name="example",
    )
    label = (
        f"{plant.name!r} one step from V = {v_up0}/{v_lo0} hm³, inflows {inflow_upper_m3s}/"
        f"{inflow_lower_m3s} m³/s, {decision}"
    )
    return Case(
        label,
        plant,
        [sc],
        {k: np.full((1, 1), v) for k, v in decision.items()},
        np.array([v_up0]),
        np.array([v_lo0]),
    )


def assert_within(v: np.ndarray, lo: float, hi: float) -> None:
    assert np.all(v >= lo - BOUND_TOL_HM3), float(v.min())
    assert np.all(v <= hi + BOUND_TOL_HM3), float(v.max())


def assert_volumes_within_bounds(case: Case, res: SimulationResult) -> None:
    plant, a = case.plant, res.arrays
    assert_within(a["volume_upper_hm3"], plant.upper.min_volume_hm3, plant.upper.max_volume_hm3)
    if plant.lower is not None:
        assert_within(a["volume_lower_hm3"], plant.lower.min_volume_hm3, plant.lower.max_volume_hm3)


@PROPERTY_SETTINGS
@given(case=cases())
def test_water_balance_closes_flows_are_signed_modes_exclusive(case):
    """Whatever is asked: both balances close at every step, flows and cuts are ≥ 0 and finite, the units
    never pump and generate at once, and cutbacks() lists exactly the recorded limit codes."""
    res = case.run()
    a = res.arrays
    c = C_HM3 * res.dt_h
    n_sc, n_t = len(case.scenarios), len(case.scenarios[0].index)
    assert a["volume_upper_hm3"].shape == (n_sc, n_t)

    v_up = a["volume_upper_hm3"]
    prev = np.concatenate([case.v_up0[:, None], v_up[:, :-1]], axis=1)
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
    assert np.max(np.abs(err)) <= BALANCE_TOL_HM3
    if case.plant.lower is not None:
        v_lo = a["volume_lower_hm3"]
        prev = np.concatenate([case.v_lo0[:, None], v_lo[:, :-1]], axis=1)
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
        assert np.max(np.abs(err)) <= BALANCE_TOL_HM3
        release = "release_lower_m3s"
    else:
        # one reservoir: everything that leaves it reaches the river
        np.testing.assert_allclose(
            a["release_m3s"], a["flow_conventional_m3s"] + a["spill_upper_m3s"], rtol=0, atol=1e-9
        )
        release = "release_m3s"
    assert res.water_balance_error_hm3() <= BALANCE_TOL_HM3

    for name in (
        "flow_conventional_m3s",
        "flow_generating_m3s",
        "flow_pumping_m3s",
        "spill_upper_m3s",
        release,
        "power_conventional_mw",
        "power_generating_mw",
        "power_pumping_mw",
        "cut_conventional_m3s",
        "cut_generating_m3s",
        "cut_pumping_m3s",
        "cut_release_m3s",
        "cut_spill_m3s",
    ):
        assert np.all(np.isfinite(a[name])), name
        assert np.all(a[name] >= 0.0), name
    assert not np.any((a["flow_pumping_m3s"] > 0.0) & (a["flow_generating_m3s"] > 0.0))

    # every cut-back listed; the series keep one limit per group and step, one of that step's listed
    cuts = res.cutbacks()
    listed = set(zip(cuts["scenario"], cuts["step"], cuts["group"], cuts["limit"], strict=True))
    for g in ("conventional", "generating", "pumping", "release", "spill"):
        s_idx, t_idx = np.nonzero(a[f"limit_{g}"])
        for s, t in zip(s_idx, t_idx, strict=True):
            name = LIMIT_NAMES[int(a[f"limit_{g}"][s, t])]
            assert (res.scenario_names[s], t, g, name) in listed
    assert len({(n, t, g) for n, t, g, _ in listed}) == sum(
        int(np.count_nonzero(a[f"limit_{g}"]))
        for g in ("conventional", "generating", "pumping", "release", "spill")
    )
    assert (cuts["water_hm3"] >= 0).all() and (cuts["energy_mwh"] >= 0).all()


@PROPERTY_SETTINGS
@given(case=cases(spill_while_pumping=False))
def test_volumes_stay_within_bounds(case):
    """Volumes stay within [min, max]: an overflow spills (or, below, releases more), a shortage cuts.

    No spill is asked in a step that asks for pumping: spilling the water the pumps are lifting is the one
    pattern whose limit passes may not settle (pinned by the next test)."""
    assert_volumes_within_bounds(case, case.run())


@PROPERTY_SETTINGS
@example(
    case=one_step_case(
        SMALL_ENV, v_up0=0.0, v_lo0=0.0, inflow_lower_m3s=19.0, pumping_mw=100.0, spill_m3s=95.0
    )
)
@given(case=cases())
def test_volumes_stay_within_bounds_when_spilling_while_pumping(case):
    assert_volumes_within_bounds(case, case.run())


@PROPERTY_SETTINGS
@example(case=one_step_case(SMALL_ENV, v_up0=10.0, v_lo0=0.0, inflow_upper_m3s=100.0))
@given(case=cases(plants=("small_pumped_storage, 20 m³/s environmental flow",)))
def test_environmental_flow_is_cut_only_with_the_lower_reservoir_at_its_minimum(case):
    """The release may fall below the environmental flow only when the lower reservoir has nothing left: an
    automatic release holds it, and a requested release below it is raised to it (limit 8)."""
    a = case.run().arrays
    env_cut = a["limit_release"] == ENV
    assert np.all(np.abs(a["volume_lower_hm3"][env_cut] - case.plant.lower.min_volume_hm3) <= BOUND_TOL_HM3)


@PROPERTY_SETTINGS
@given(case=cases())
def test_a_policy_that_asks_nothing_moves_water_only_downhill(case):
    """Asking for nothing (automatic release only): nothing pumps, volumes stay within bounds, the
    balance closes, and nothing but the environmental flow (or a full lower reservoir) is ever short; the
    units run only to pass the river's minimum down (a plant without a lower reservoir through its
    conventional units; one with, through any units from the upper when the lower cannot carry it), and
    by no more than it."""
    res = simulate(
        case.plant,
        case.scenarios,
        FunctionPolicy(decide=lambda state: {}),
        initial_volume_upper_hm3=case.v_up0,
        initial_volume_lower_hm3=case.v_lo0,
    )
    assert_volumes_within_bounds(case, res)
    assert res.water_balance_error_hm3() <= BALANCE_TOL_HM3
    allowed = {"environmental minimum (shortfall)", "lower maximum level", "environmental minimum (raised)"}
    assert set(res.cutbacks()["limit"]) <= allowed
    assert not np.any(res.arrays["flow_pumping_m3s"] > 0.0)
    down = res.arrays["flow_conventional_m3s"] + res.arrays["flow_generating_m3s"]
    assert np.all(down <= case.plant.outlet.environmental_min_flow_m3s + 1e-9)


# == the LP and the simulator on a plant whose head cannot move ==========================================
#: Heads of the flat plant: each reservoir holds 10⁴ hm³ within 1 µm of level, so no schedule moves the
#: gross head by more than 2e-6 m of its 100 m (2e-8 of the power), and without waterway loss the LP's
#: linear power a·η·Q·H₀ is the physics. [m]
FLAT_HEAD_M = 100.0
#: Revenue of a schedule against the LP optimum: the head's 2e-8 of at most 100 MW × 36 h × 400 CNY/MWh
#: (0.03 CNY) plus HiGHS's 1e-7 on its rows (~1e-5 MW per step: 0.15 CNY). [CNY]
LP_OPTIMUM_TOL_CNY = 1.0
#: Power of a replayed LP schedule: the LP's flows are met to HiGHS's 1e-7 (~1e-7 m³/s, 1e-5 MW at 100 m;
#: measured 1.8e-7 MW) and the head differs by ≤ 2e-8 of the power. [MW]
REPLAY_POWER_TOL_MW = 1e-4
#: Hypothesis settings for the runs that solve an LP (~10 ms each).
LP_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


def flat_plant(*, line_mw: float, eta_t: float, eta_p: float, conventional: bool) -> Plant:
    """Two 10⁴ hm³ reservoirs 100 m apart, 1 µm deep in level: the gross head cannot move. One 100 MW
    pump-turbine (and a 60 MW conventional unit if asked), no waterway loss, a line of ``line_mw``."""
    from hydro_sim import LevelVolumeCurve, PumpTurbineGroup, Reservoir, TurbineGroup

    up = Reservoir(
        name="upper",
        curve=LevelVolumeCurve(level_masl=(100.0, 100.000001), volume_hm3=(0.0, 1e4)),
        min_level_masl=100.0,
        max_level_masl=100.000001,
        initial_level_masl=100.0000005,
    )
    lo = Reservoir(
        name="lower",
        curve=LevelVolumeCurve(level_masl=(0.0, 0.000001), volume_hm3=(0.0, 1e4)),
        min_level_masl=0.0,
        max_level_masl=0.000001,
        initial_level_masl=0.0000005,
    )
    rev = PumpTurbineGroup(
        name="pump-turbine",
        n_units=1,
        rated_power_mw=100.0,
        max_flow_m3s=200.0,
        turbine_efficiency=eta_t,
        rated_pumping_power_mw=100.0,
        pump_efficiency=eta_p,
        pump_power_band_fraction=0.0,
        min_power_mw=0.0,
    )
    conv = (
        TurbineGroup(
            name="conventional", n_units=1, rated_power_mw=60.0, max_flow_m3s=100.0, efficiency=eta_t
        )
        if conventional
        else None
    )
    return Plant(
        name="flat", upper=up, lower=lo, reversible=rev, conventional=conv, line=GridLine(capacity_mw=line_mw)
    )


@st.composite
def flat_cases(draw):
    """A flat plant (line limited or not, with or without a conventional unit), a day or so of random
    prices, inflows and (sometimes) line outages, and TOU thresholds."""
    line_mw = draw(st.sampled_from([np.inf, 5.0, 30.0, 80.0]))
    plant = flat_plant(
        line_mw=line_mw,
        eta_t=draw(st.floats(0.6, 0.98)),
        eta_p=draw(st.floats(0.6, 0.98)),
        conventional=draw(st.booleans()),
    )
    n_t = draw(st.integers(6, 36))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2030-01-01", periods=n_t, freq="h")
    outages = draw(st.booleans())
    sc = Scenario(
        inflow_upper_m3s=pd.Series(
            rng.uniform(0.0, draw(st.sampled_from([0.0, 30.0, 120.0])), n_t), index=idx
        ),
        price_per_mwh=pd.Series(rng.uniform(0.0, 400.0, n_t), index=idx),
        line_capacity_mw=(pd.Series(rng.choice([0.0, 20.0, 1e3], n_t), index=idx) if outages else None),
        name=f"seed {seed}",
    )
    low = draw(st.floats(0.0, 300.0))
    rule = TouRulePolicy(
        pump_when_price_at_most_per_mwh=low,
        generate_when_price_at_least_per_mwh=low + draw(st.floats(1.0, 200.0)),
    )
    return plant, sc, rule


def lp_revenue(schedule: pd.DataFrame, dt_h: float) -> float:
    return float((schedule["price_per_mwh"] * schedule["line_mw"]).sum() * dt_h)


@LP_SETTINGS
@given(case=flat_cases())
def test_the_lp_optimum_bounds_the_rule_policys_revenue(case):
    """The rule's schedule, run through the physics, is one of the LP's feasible points (same limits, the
    line included, and the LP may end at any volume), so its revenue cannot exceed the LP optimum."""
    from hydro_sim.optimise import dispatch

    plant, sc, rule = case
    res = simulate(plant, sc, rule)
    lp = dispatch(plant, sc, end="water_value")
    assert lp.status == "optimal"
    assert res.totals["revenue"].iloc[0] <= lp_revenue(lp.schedule, sc.dt_h) + LP_OPTIMUM_TOL_CNY


@LP_SETTINGS
@given(case=flat_cases())
def test_a_fixed_head_lp_schedule_replayed_at_its_head_gives_the_lps_energies(case):
    """On a plant whose head cannot move the LP's linear physics is exact: its flows, replayed, give its
    powers step by step, and the exchange stays within the line. (With unit commitment: the LP relaxation
    may pump and generate in one step, which the simulator cuts as limit 6.)"""
    from hydro_sim.optimise import dispatch
    from hydro_sim.simulation import ReplayPolicy

    plant, sc, _ = case
    lp = dispatch(plant, sc, unit_commitment=True)  # no pumping and generating in the same step
    assert lp.status == "optimal"
    res = simulate(plant, sc, ReplayPolicy(schedule=lp.schedule, mode="flows"))
    a, s = res.arrays, lp.schedule
    for col in ("power_conventional_mw", "power_generating_mw", "power_pumping_mw"):
        if col in s.columns:
            np.testing.assert_allclose(
                a[col][0], s[col].to_numpy(), rtol=0, atol=REPLAY_POWER_TOL_MW, err_msg=col
            )
    np.testing.assert_allclose(a["line_mw"][0], s["line_mw"].to_numpy(), rtol=0, atol=REPLAY_POWER_TOL_MW)
    np.testing.assert_allclose(a["volume_upper_hm3"][0], s["volume_upper_hm3"].to_numpy(), rtol=0, atol=1e-6)


@PROPERTY_SETTINGS
@given(
    eta_t=st.floats(0.5, 0.99),
    eta_p=st.floats(0.5, 0.99),
    k=st.sampled_from([0.0, 1e-5, 1e-4, 1e-3]),
    p_mw=st.floats(5.0, 100.0),
    hours=st.integers(1, 6),
    extra_hours=st.integers(0, 4),
)
def test_a_pump_then_generate_cycle_returns_less_energy_than_it_took(
    eta_t, eta_p, k, p_mw, hours, extra_hours
):
    """Pump at p for some hours, then turbine the same water back over as many hours or more (so that no
    rating binds: the flow is at most the pumped one): the upper reservoir is back where it started, and
    the energy out is less than the energy in (η_t·η_p < 1, losses)."""
    gen_hours = hours + extra_hours
    plant = small_pumped_storage(
        turbine_efficiency=eta_t, pump_efficiency=eta_p, head_loss_coefficient_s2_per_m5=k
    )
    idx = pd.date_range("2030-01-01", periods=hours, freq="h")
    pump = simulate(
        plant,
        Scenario(inflow_upper_m3s=pd.Series(0.0, index=idx)),
        FunctionPolicy(decide=lambda state: {"pumping_mw": p_mw}),
    )
    e_in = float(pump.totals["pumping_mwh"].iloc[0])
    lifted = float(pump.totals["flow_pumping_hm3"].iloc[0])
    assert e_in > 0.0 and lifted > 0.0
    idx = pd.date_range(idx[-1] + pd.Timedelta(hours=1), periods=gen_hours, freq="h")
    q = lifted / (C_HM3 * gen_hours)
    back = simulate(
        plant,
        Scenario(inflow_upper_m3s=pd.Series(0.0, index=idx)),
        FunctionPolicy(decide=lambda state: {"generating_m3s": q}),
        initial_volume_upper_hm3=pump.totals["final_volume_upper_hm3"].to_numpy(),
        initial_volume_lower_hm3=pump.totals["final_volume_lower_hm3"].to_numpy(),
    )
    assert back.totals["final_volume_upper_hm3"].iloc[0] == pytest.approx(5.0, abs=BALANCE_TOL_HM3 * 10)
    assert back.cutback_summary().empty
    assert float(back.totals["reversible_generation_mwh"].iloc[0]) < e_in


# == the network kernel: balances, bounds, and its power is hydraulics' power =========================
from hydro_sim import hydraulics as hy  # noqa: E402
from hydro_sim.network import network_of  # noqa: E402
from hydro_sim.simulation import ReplayPolicy  # noqa: E402

#: The network kernel's power against hydraulics' formula at the head it records: the same scalar function
#: (``_physics``), one product apart. [-]
POWER_REL = 1e-12


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(PLANT_NAMES),
    steps=st.integers(min_value=2, max_value=30),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    unit_limits=st.booleans(),
)
def test_a_network_run_conserves_water_and_reckons_power_as_hydraulics(name, steps, seed, unit_limits):
    """Random flow requests (many beyond the ratings or the water there is) on the plant's network: every
    reservoir's balance closes at every step with ``Network.water_balance_error_hm3`` (the one matrix),
    volumes stay within bounds, and each unit column's power is hydraulics' P at its recorded head."""
    plant = PLANTS[name]
    net = network_of(plant)
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2030-01-01", periods=steps, freq="h")
    sc = Scenario(
        inflow_upper_m3s=pd.Series(rng.uniform(0.0, 400.0, steps), index=idx),
        inflow_lower_m3s=pd.Series(
            rng.uniform(0.0, 50.0, steps) if plant.lower else np.zeros(steps), index=idx
        ),
        price_per_mwh=pd.Series(rng.uniform(0.0, 500.0, steps), index=idx),
    )
    schedule = {
        f"{c.name} flow_m3s": np.where(rng.random(steps) < 0.6, rng.uniform(0.0, 400.0, steps), 0.0)
        for c in net.flow_columns()
    }
    res = simulate(net, sc, ReplayPolicy(schedule=pd.DataFrame(schedule, index=idx)), unit_limits=unit_limits)
    a = res.arrays
    vol = np.vstack([a[f"{r} volume_hm3"][0] for r in net.reservoir_names])
    q = np.vstack([a[f"{c.name} flow_m3s"][0] for c in net.flow_columns()])
    v = np.hstack([res.initial_volume_hm3[0][:, None], vol])
    err = net.water_balance_error_hm3(v, net.inflows_m3s(sc), q, 1.0)
    assert np.abs(err).max() <= BALANCE_TOL_HM3
    for i, r in enumerate(net.reservoirs):
        lo, hi = r.volume_bounds_hm3(idx)
        assert np.all(vol[i] >= np.asarray(lo) - BOUND_TOL_HM3) and np.all(
            vol[i] <= np.asarray(hi) + BOUND_TOL_HM3
        )
    assert np.all(q >= 0.0) and np.all(np.isfinite(q))
    for c in net.flow_columns():
        if c.mode == "flow":
            continue
        units = net.link(c.link).units  # type: ignore[union-attr]
        flow, head, power = a[f"{c.name} flow_m3s"][0], a[f"{c.name} head_m"][0], a[f"{c.name} power_mw"][0]
        on = flow > 0.0
        if c.mode == "pump":
            expected = hy.pump_power_mw(flow[on], head[on], units.pump_efficiency)
        else:
            eta = units.efficiency if hasattr(units, "efficiency") else units.turbine_efficiency
            expected = hy.turbine_power_mw(flow[on], head[on], eta)
        np.testing.assert_allclose(power[on], expected, rtol=POWER_REL)
        assert np.all(power[~on] == 0.0)
