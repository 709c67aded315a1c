"""The network kernel's lanes (blocks of scenarios side by side, :mod:`hydro_sim.simulation._lanes`) give what
its scalar loop gives, bit for bit: series, totals, cut-back tallies and events, across a block's boundary,
with limits binding (Lianghekou's two-week case with inflows from half to one and a half of the year's, so
the levels, the ratings and the release's minimum all bind on some steps)."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest

from hydro_sim import lianghekou
from hydro_sim.network import network_of
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import ReplayPolicy, TouRulePolicy, simulate
from hydro_sim.simulation import _engine as E
from hydro_sim.simulation import _lanes as L


def two_weeks(n: int) -> list[Scenario]:
    from hydro_sim.cases.lianghekou.annual_check import design_basis_year
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    year = design_basis_year(reference_year())
    part = year.window(start_h=24 * 150, hours=24 * 14)  # June: Lianghekou drawn down, the flood coming
    return [
        dataclasses.replace(
            part,
            inflow_upper_m3s=part.inflow_upper_m3s * f,
            inflow_lower_m3s=part.inflow_lower_m3s * f,
            name=f"y{i}",
        )
        for i, f in enumerate(np.linspace(0.5, 1.5, n))
    ]


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return two_weeks(E.LANES + 3)  # a full block and three lanes of a second


def scalar_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the network kernel one scenario at a time (``build_model(lanes=False)``)."""
    monkeypatch.setattr(E, "build_model", functools.partial(E.build_model, lanes=False))


def assert_same(a, b) -> None:
    assert a.arrays.keys() == b.arrays.keys()
    for name, arr in a.arrays.items():
        np.testing.assert_array_equal(arr, b.arrays[name], err_msg=name)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    for field in ("cut_water_hm3", "cut_energy_mwh", "cut_steps", "events"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def rule() -> TouRulePolicy:
    return TouRulePolicy.for_tariff(flat_price_per_mwh=400.0)


@pytest.mark.parametrize("unit_limits", [False, True])
def test_lanes_equal_the_scalar_loop_under_a_rule(scenarios, monkeypatch, unit_limits):
    net = network_of(lianghekou())
    lanes = simulate(net, scenarios, rule(), unit_limits=unit_limits)
    assert int(lanes.cut_steps.sum()) > 0  # limits bind: the lanes record cut-backs themselves
    scalar_loop(monkeypatch)
    one = simulate(net, scenarios, rule(), unit_limits=unit_limits)
    assert_same(lanes, one)


@pytest.mark.parametrize(
    ("release", "upper", "level"),
    [(0.5, 1.0, "maximum level"), (1.5, 1.0, "minimum level"), (1.0, 0.0, "environmental minimum (raised)")],
)
def test_lanes_equal_the_scalar_loop_replaying_flows_the_levels_cannot_keep(
    scenarios, monkeypatch, release, upper, level
):
    """The rule's flows of the median scenario, 1.2 times, replayed in all, Yagen-I's release held back
    (its level reaches the maximum in the wet scenarios) or let go (the minimum in the dry ones), or
    Lianghekou's generation and spill stopped (``upper`` 0: Yagen-I runs dry and its environmental release is
    fed from Lianghekou's units, in the lanes); the ratings bind too."""
    net = network_of(lianghekou())
    mid = simulate(net, scenarios[len(scenarios) // 2], rule()).frame()
    schedule = mid[[f"{c.name} flow_m3s" for c in net.flow_columns()]] * 1.2
    schedule["Yagen-I release flow_m3s"] *= release
    for name in ("Lianghekou conventional", "Lianghekou reversible", "Lianghekou spillway"):
        schedule[f"{name} flow_m3s"] *= upper
    replay = ReplayPolicy(schedule=schedule, mode="flows")
    works = []
    monkeypatch.setattr(E, "work_of", lambda model, f=E.work_of: works.append(f(model)) or works[-1])
    lanes = simulate(net, scenarios, replay, unit_limits=False)
    codes, counts = np.unique(lanes.events[:, 3], return_counts=True)
    named = {E.LIMIT_NAMES[int(k)]: int(n) for k, n in zip(codes, counts, strict=True)}
    assert {level, "rating"} <= named.keys()
    # the lanes took the steps where the level binds themselves (none handed to the scalar step)
    assert int(works[-1].n_slow[0]) == 0
    scalar_loop(monkeypatch)
    one = simulate(net, scenarios, replay, unit_limits=False)
    assert_same(lanes, one)


def test_one_scenario_alone_equals_its_lane_in_a_block(scenarios):
    """A single scenario runs the scalar loop (no lanes to fill; a third of the compile time): its series and
    totals are those of its lane in a block of them, bit for bit."""
    net = network_of(lianghekou())
    block = simulate(net, scenarios, rule())
    k = E.LANES + 1  # in the second block, with two others
    alone = simulate(net, scenarios[k], rule())
    assert int(alone.cut_steps.sum()) > 0  # limits bind in this one too
    for name, arr in alone.arrays.items():
        np.testing.assert_array_equal(arr[0], block.arrays[name][k], err_msg=name)
    np.testing.assert_array_equal(alone.totals.to_numpy()[0], block.totals.to_numpy()[k])
    np.testing.assert_array_equal(alone.cut_steps[0], block.cut_steps[k])


def test_lanes_need_constant_efficiencies():
    """A model with an efficiency chart keeps the scalar loop (its flows need Newton's method per lane); one
    with constant efficiencies and sinks at constant levels runs in lanes."""
    from hydro_sim import EfficiencyCurve
    from hydro_sim.examples import small_pumped_storage

    plant = small_pumped_storage()
    index = two_weeks(1)[0].index[:2]
    assert E.build_model(network_of(plant), index, 1.0).lanes
    assert not E.build_model(network_of(plant), index, 1.0, lanes=False).lanes
    chart = EfficiencyCurve(flow_m3s=(1.0, 1000.0), head_m=(50.0, 400.0), efficiency=((0.9, 0.9), (0.9, 0.9)))
    charted = dataclasses.replace(
        plant, reversible=dataclasses.replace(plant.reversible, turbine_efficiency=chart)
    )
    assert not E.build_model(network_of(charted), index, 1.0).lanes
    assert L.LANES == E.LANES


def test_each_kernel_names_the_files_it_inlines_by_their_content():
    """numba keys its cache on a compiled function's own file only: a kernel that inlines another file's
    helpers must change with them, or a changed helper leaves stale compiled code on disk. Each kernel file
    carries a hash of the files it inlines; bring it up to date when this fails."""
    import hashlib
    from pathlib import Path

    from hydro_sim.simulation import _engine, _lanes

    root = Path(_engine.__file__).parents[1]

    def digest(*names: str) -> str:
        d = hashlib.sha256()
        for name in names:
            d.update((root / name).read_bytes())
        return d.hexdigest()[:16]

    want_engine = digest("_physics.py", "constants.py")
    assert _engine.DEPENDS_ON == want_engine, f"set _engine.DEPENDS_ON = {want_engine!r}"
    want_lanes = digest("simulation/_engine.py", "_physics.py", "constants.py")
    assert _lanes.DEPENDS_ON == want_lanes, f"set _lanes.DEPENDS_ON = {want_lanes!r}"
