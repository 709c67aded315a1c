"""The network kernel's lanes (blocks of scenarios side by side, :mod:`hydro_sim.simulation._lanes`) give what
its scalar loop gives, bit for bit: series, totals, cut-back tallies and events, across a block's boundary,
with limits binding (Lianghekou's two-week case with inflows from half to one and a half of the year's, so
the levels, the ratings and the release's minimum all bind on some steps)."""

from __future__ import annotations

import dataclasses
import functools
import itertools

import numpy as np
import pandas as pd
import pytest

from hydro_sim import lianghekou
from hydro_sim.network import network_of
from hydro_sim.scenario import Scenario
from hydro_sim.simulation import ReplayPolicy, TouRulePolicy, simulate
from hydro_sim.simulation import _engine as E


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
    return two_weeks(E.LANES + 3)  # a full block and three lanes of a second (blocks of LANES: narrow)


@pytest.fixture(autouse=True)
def blocks_of_64(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of LANES lanes, the narrowest, so that a few scenarios span several blocks (simulate() would put
    LANES + 3 of them in one wider block); test_a_wide_block_equals_narrow_ones undoes it."""
    from hydro_sim.simulation import _network_sim

    monkeypatch.setattr(_network_sim, "MAX_WIDTH", E.LANES)


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
    work_of = E.work_of
    monkeypatch.setattr(
        E, "work_of", lambda m, width=E.LANES_MAX: works.append(work_of(m, width)) or works[-1]
    )
    lanes = simulate(net, scenarios, replay, unit_limits=False)
    codes, counts = np.unique(lanes.events[:, 3], return_counts=True)
    named = {E.LIMIT_NAMES[int(k)]: int(n) for k, n in zip(codes, counts, strict=True)}
    assert {level, "rating"} <= named.keys()
    # the lanes took the steps where the level binds themselves (none handed to the scalar step)
    assert works and sum(int(w.n_slow[0]) for w in works) == 0
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


def test_scenario_parts_are_whole_blocks_as_even_as_they_allow():
    """Hand-derived: 1,000 scenarios are 16 blocks (15 of 64 and one of 40): two threads take 8 blocks each;
    three take 5, 5 and 6 (cuts at 16·1//3 = 5 and 16·2//3 = 10 blocks); one block is one range however many
    threads there are, and more threads than blocks give one range a block."""
    from hydro_sim.simulation._network_sim import scenario_parts

    assert E.LANES == 64
    assert scenario_parts(1000, 2, 64) == [(0, 512), (512, 1000)]
    assert scenario_parts(1000, 3, 64) == [(0, 320), (320, 640), (640, 1000)]
    assert scenario_parts(1000, 1, 64) == [(0, 1000)]
    assert scenario_parts(64, 2, 64) == [(0, 64)]
    assert scenario_parts(1, 8, 64) == [(0, 1)]
    assert scenario_parts(131, 8, 64) == [(0, 64), (64, 128), (128, 131)]


def test_block_width_splits_each_threads_share_evenly_within_the_bounds(monkeypatch):
    """Hand-derived: a thread's share of the scenarios in as few blocks as hold at most LANES_MAX (256) lanes,
    rounded up to 8 lanes, at least LANES (64): 1,000 on one thread are 4 blocks of 250 → 256; on two, 500
    each → 2 blocks of 250 → 256; on three, 334 → 2 of 167 → 168 (6 blocks, 2 a thread); on eight, 125 →
    128; on sixteen, 63 → 64 (16 blocks). 133 on one thread: 136; 5: 8, raised to 64. Narrowed (the
    autouse fixture) every width is 64."""
    from hydro_sim.simulation import _network_sim
    from hydro_sim.simulation._network_sim import block_width, scenario_parts

    assert block_width(1000, 1) == 64  # (this module's fixture)
    monkeypatch.setattr(_network_sim, "MAX_WIDTH", E.LANES_MAX)
    assert (E.LANES, E.LANES_MAX) == (64, 256)
    widths = {t: block_width(1000, t) for t in (1, 2, 3, 8, 16)}
    assert widths == {1: 256, 2: 256, 3: 168, 8: 128, 16: 64}
    assert scenario_parts(1000, 3, 168) == [(0, 336), (336, 672), (672, 1000)]
    assert scenario_parts(1000, 2, 256) == [(0, 512), (512, 1000)]
    assert len(scenario_parts(1000, 16, 64)) == 16
    assert (block_width(133, 1), block_width(5, 1), block_width(1, 4)) == (136, 64, 64)


def yagen_drawn_down(net, scenarios):  # type: ignore[no-untyped-def]
    """The rule's flows of the median scenario, 1.2 times, Yagen-I's release 1.5 times: replayed, Yagen-I's
    minimum level and the ratings bind."""
    mid = simulate(net, scenarios[len(scenarios) // 2], rule()).frame()
    schedule = mid[[f"{c.name} flow_m3s" for c in net.flow_columns()]] * 1.2
    schedule["Yagen-I release flow_m3s"] *= 1.5
    return schedule


def test_a_wide_block_equals_narrow_ones(scenarios, monkeypatch):
    """The same replay (the ratings and Yagen-I's minimum level binding) in one block of LANES + 3 = 67 lanes
    (its width 72, rounded up to 8) and in blocks of 64 and 3, and 2·LANES_MAX + 5 = 517 two-day scenarios in
    three blocks of 176 lanes (517 in ⌈517/256⌉ = 3 blocks of ⌈517/3⌉ = 173 → 176) and in nine of 64: the same
    bits, events included; only the block's width differs."""
    from hydro_sim.simulation import _network_sim

    net = network_of(lianghekou())
    schedule = yagen_drawn_down(net, scenarios)
    replay = ReplayPolicy(schedule=schedule, mode="flows")
    widths = []
    work_of = E.work_of
    monkeypatch.setattr(E, "work_of", lambda m, w=E.LANES_MAX: widths.append(w) or work_of(m, w))
    in_64 = simulate(net, scenarios, replay, unit_limits=False, threads=1)
    short = [s.window(hours=48) for s in two_weeks(2 * E.LANES_MAX + 5)]
    replay_short = ReplayPolicy(schedule=schedule.iloc[:48], mode="flows")
    in_64_short = simulate(net, short, replay_short, unit_limits=False, threads=1)
    monkeypatch.setattr(_network_sim, "MAX_WIDTH", E.LANES_MAX)
    wide = simulate(net, scenarios, replay, unit_limits=False, threads=1)
    wide_short = simulate(net, short, replay_short, unit_limits=False, threads=1)
    assert widths[0] == 64 and widths[-1] == 176 and set(widths) == {64, 72, 176}  # (a run may take two)
    named = {E.LIMIT_NAMES[int(k)] for k in np.unique(wide.events[:, 3])}
    assert {"minimum level", "rating"} <= named
    assert_same(wide, in_64)
    assert_same(wide_short, in_64_short)


def test_any_number_of_threads_gives_the_same_bits(monkeypatch):
    """Three blocks of lanes (two full, one of five) on one, two (cut after 3·1//2 = 1 block) and three threads
    (and eight: one a block), the flows replayed so
    that Yagen-I's minimum level and the ratings bind: the same series, totals, tallies and events
    (concatenated from the threads, in one order), bit for bit; each thread has its own scratch."""
    net = network_of(lianghekou())
    many = two_weeks(2 * E.LANES + 5)
    replay = ReplayPolicy(schedule=yagen_drawn_down(net, many), mode="flows")
    from hydro_sim.simulation import _network_sim

    seen = []
    run_parts = _network_sim.run_parts

    def spy(kernel, T, model, inputs, state, outs, parts, width):  # type: ignore[no-untyped-def]
        seen.append((list(parts), len({id(o.events) for o in outs})))
        run_parts(kernel, T, model, inputs, state, outs, parts, width)

    monkeypatch.setattr(_network_sim, "run_parts", spy)
    one = simulate(net, many, replay, unit_limits=False, threads=1)
    assert seen[-1] == ([(0, len(many))], 1)
    named = {E.LIMIT_NAMES[int(k)] for k in np.unique(one.events[:, 3])}
    assert {"minimum level", "rating"} <= named
    for threads, cuts in ((2, [0, 64, 133]), (3, [0, 64, 128, 133]), (8, [0, 64, 128, 133])):
        assert_same(simulate(net, many, replay, unit_limits=False, threads=threads), one)
        parts = list(itertools.pairwise(cuts))
        assert seen[-1] == (parts, len(parts))  # (each range its own events)
    # a Plant's result too (its own columns, built from the network's)
    plant, sc = lianghekou(), many[: E.LANES + 3]
    a, b = simulate(plant, sc, rule(), threads=1), simulate(plant, sc, rule(), threads=2)
    for name, arr in a.arrays.items():
        np.testing.assert_array_equal(arr, b.arrays[name], err_msg=name)
    pd.testing.assert_frame_equal(a.totals, b.totals)


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_threads_must_be_a_whole_number_of_at_least_one(threads):
    from hydro_sim.errors import HydroSimInputError

    with pytest.raises(HydroSimInputError, match=r"`threads` .* must be a whole number of at least 1"):
        simulate(network_of(lianghekou()), two_weeks(1), rule(), threads=threads)


def test_threads_default_to_the_cores_and_to_one_with_the_jit_off(monkeypatch):
    """Every core the process may use, or one where the kernel is Python (the JIT off): Python threads only
    take turns on the GIL."""
    import os

    import numba

    from hydro_sim.simulation._network_sim import default_threads

    monkeypatch.setattr(numba.config, "DISABLE_JIT", False)
    assert default_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    assert default_threads() == 1
