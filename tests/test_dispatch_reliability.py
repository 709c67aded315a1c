"""Reliability of dispatch and rolling_dispatch: window joins, stopped solves, signals, calendars, scaling.

Each test pins a defect found by the reliability probe (numbers as in the issue) and fails on the code
before its fix:
1. the release ramp limit held at rolling-window joins;
3. a time-limited MILP keeps its incumbent (status, gap, schedule);
4. SIGINT / SIGTERM stop a solve and return what it has;
6. days of a time-zone-aware index are its local days across daylight-saving changes;
10. a fixed-head schedule whose heads move is flagged, and the default is head="successive";
9. physically impossible start heads are refused; a badly scaled plant still solves accurately.
"""

from __future__ import annotations

import inspect
import math
import os
import signal
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

from hydro_sim import (
    HydroSimInputError,
    LevelVolumeCurve,
    Plant,
    PumpTurbineGroup,
    Reservoir,
    Scenario,
    lianghekou,
)
from hydro_sim.errors import HydroSimWarning
from hydro_sim.examples import small_pumped_storage, textbook_plant, two_price_day
from hydro_sim.optimise import DispatchResult, _highs, dispatch
from hydro_sim.optimise.rolling import rolling_dispatch

#: A ramp row holds to the solvers' primal feasibility tolerance (1e-7) on flows of order 100 m³/s; CBC
#: hands its values back with 8 significant digits (1e-6 on 100 m³/s). [m³/s]
RAMP_TOL_M3S = 1e-5
#: Water balance of one reservoir over one step: HiGHS rows hold to 1e-7 (in hm³ here, coefficients of
#: order 1), CBC's volumes are re-accumulated from its rows (see _pulp.close_balances). [hm³]
BALANCE_TOL_HM3 = 1e-6
#: Volume bounds are column bounds met to the solvers' 1e-7 feasibility tolerance. [hm³]
VOLUME_TOL_HM3 = 1e-6
#: Pumped and generated flow of one period balance to the feasibility tolerance times the steps summed. [m³/s·steps]
PERIOD_BALANCE_TOL_M3S = 1e-5
#: DESIGN.md §4: the two backends agree on the optimum to 1e-6 relative.
OBJECTIVE_REL_TOL = 1e-6
#: Safety net of the signal tests: a solve that ignores the signal stops here instead (and then reports
#: "time_limit", which the tests refuse). Far above the time the signal takes to arrive. [s]
SAFETY_TIME_LIMIT_S = 60.0
#: Time limit of the CBC solve that a signal interrupts: longer than SIGNAL_DELAY_S. [s]
CBC_TIME_LIMIT_S = 4.0
#: Delay before a timer thread sends the signal: the solve has started by then. [s]
SIGNAL_DELAY_S = 1.0


# ---- helpers ---------------------------------------------------------------------------------------------


def _release(schedule: pd.DataFrame) -> np.ndarray:
    col = "release_lower_m3s" if "release_lower_m3s" in schedule else "release_m3s"
    return schedule[col].to_numpy()


def _assert_water_balance(plant: Plant, result: DispatchResult) -> None:
    """Each reservoir's volume change equals its inflows minus outflows, step by step."""
    s = result.schedule
    c = 0.0036 * float((s.index[1] - s.index[0]) / pd.Timedelta(hours=1))
    out_up = (
        s["flow_conventional_m3s"] + s["flow_generating_m3s"] + s["spill_upper_m3s"] - s["flow_pumping_m3s"]
    )
    v = s["volume_upper_hm3"].to_numpy()
    dv = np.diff(v, prepend=plant.upper.initial_volume_hm3)
    assert np.abs(dv - c * (s["inflow_upper_m3s"] - out_up).to_numpy()).max() <= BALANCE_TOL_HM3
    if plant.lower is not None:
        v = s["volume_lower_hm3"].to_numpy()
        dv = np.diff(v, prepend=plant.lower.initial_volume_hm3)
        net = s["inflow_lower_m3s"] + out_up - s["release_lower_m3s"]
        assert np.abs(dv - c * net.to_numpy()).max() <= BALANCE_TOL_HM3


def _assert_volumes_in_bounds(plant: Plant, scenario: Scenario, result: DispatchResult) -> None:
    for res, name in ((plant.upper, "volume_upper_hm3"), (plant.lower, "volume_lower_hm3")):
        if res is None:
            continue
        lo, hi = res.volume_bounds_hm3(scenario.index)
        v = result.schedule[name].to_numpy()
        assert np.all(v >= np.asarray(lo) - VOLUME_TOL_HM3) and np.all(v <= np.asarray(hi) + VOLUME_TOL_HM3)


def _evening_peak_days(days: int) -> Scenario:
    """``days`` days of 50 m³/s inflow, price 400 CNY/MWh from 18 h to midnight and 100 CNY/MWh otherwise:
    the release wants to be high at 23 h and low at 0 h, across every midnight join."""
    idx = pd.date_range("2030-01-01", periods=24 * days, freq="h")
    price = np.where(idx.hour >= 18, 400.0, 100.0)
    return Scenario(
        inflow_upper_m3s=pd.Series(50.0, index=idx),
        price_per_mwh=pd.Series(price, index=idx),
        name="evening peaks",
    )


def _send_later(sig: int, delay_s: float = SIGNAL_DELAY_S) -> threading.Timer:
    timer = threading.Timer(delay_s, os.kill, args=(os.getpid(), sig))
    timer.daemon = True
    timer.start()
    return timer


def _slow_milp() -> tuple[Plant, Scenario]:
    """A Lianghekou week of unit commitment: proven to a zero gap only after far more than SIGNAL_DELAY_S."""
    from hydro_sim import reference_year

    return lianghekou(), reference_year().window(hours=168)


# ---- 1. the ramp at rolling-window joins ----------------------------------------------------------------


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_rolling_dispatch_keeps_the_ramp_limit_at_window_joins(backend: str) -> None:
    plant = textbook_plant(max_ramp_m3s_per_h=2.0)
    scenario = _evening_peak_days(4)
    r = rolling_dispatch(
        plant,
        scenario,
        window_h=24,
        lookahead_h=12,
        compare_full=False,
        head="fixed",
        fixed_head_tolerance_m=math.inf,
        backend=backend,
    )
    release = _release(r.schedule)
    steps = np.abs(np.diff(release))
    joins = np.arange(24, len(release), 24) - 1  # the step before each window's first
    assert steps.max() <= 2.0 + RAMP_TOL_M3S, (
        f"ramp broken at steps {np.flatnonzero(steps > 2.0 + RAMP_TOL_M3S)}"
    )
    # the ramp binds at the joins (the case tests what it means to test)
    assert steps[joins].max() >= 2.0 - RAMP_TOL_M3S


@pytest.mark.parametrize("backend", ["highs", "pulp"])
def test_previous_release_limits_the_first_step(backend: str) -> None:
    plant = textbook_plant(max_ramp_m3s_per_h=2.0)
    scenario = _evening_peak_days(1)
    res = dispatch(plant, scenario, backend=backend, previous_release_m3s=70.0)
    assert res.status == "optimal", res.message
    assert abs(_release(res.schedule)[0] - 70.0) <= 2.0 + RAMP_TOL_M3S


def test_an_impossible_ramp_from_the_previous_release_is_diagnosed() -> None:
    # 20 m³/s before, a 2 m³/s per h ramp, and an environmental flow of 50 m³/s from the first step.
    plant = textbook_plant(max_ramp_m3s_per_h=2.0, environmental_min_flow_m3s=50.0)
    res = dispatch(plant, _evening_peak_days(1), previous_release_m3s=20.0)
    assert res.status == "infeasible"
    assert "previous release" in res.message


# ---- 3. stopped solves keep what they found ----------------------------------------------------------------


def test_a_time_limited_milp_returns_its_incumbent_and_gap() -> None:
    plant, week = _slow_milp()
    res = dispatch(
        plant,
        week,
        head="fixed",
        pump_generate_balance="day",
        unit_commitment=True,
        mip_rel_gap=0.0,
        time_limit_s=3.0,
        fixed_head_tolerance_m=math.inf,
    )
    assert res.status == "time_limit", res.message
    assert res.has_solution and not res.success
    assert res.mip_gap is not None and 0.0 < res.mip_gap < 1.0
    assert "stopped at the time limit (3 s) with a feasible schedule within" in res.message
    assert "(MIP gap)" in res.message
    assert math.isfinite(res.objective_value) and len(res.schedule) == week.n_steps
    _assert_water_balance(plant, res)
    _assert_volumes_in_bounds(plant, week, res)
    assert res.energy_mwh()["conventional_generation_mwh"] > 0.0


def test_a_time_limited_lp_is_a_status_with_a_message() -> None:
    from hydro_sim import reference_year

    plant = lianghekou()
    res = dispatch(plant, reference_year(), head="fixed", time_limit_s=1e-3, fixed_head_tolerance_m=math.inf)
    assert res.status == "time_limit", res.message
    assert res.message.startswith("stopped at the time limit (0.001 s)")
    assert res.has_solution == (not res.schedule.empty)
    if not res.has_solution:
        assert "without a feasible schedule" in res.message and res.energy_mwh() == {}


def test_statuses_and_has_solution_are_as_agreed() -> None:
    res = dispatch(small_pumped_storage(), two_price_day())
    assert res.status == "optimal" and res.success and res.has_solution and res.interrupted_by is None
    from hydro_sim.optimise.api import STATUSES

    assert STATUSES == ("optimal", "time_limit", "interrupted", "infeasible", "unbounded", "error")


# ---- 4. signals stop a solve ----------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_interrupts_a_highs_milp_and_restores_the_handlers(sig: int) -> None:
    plant, week = _slow_milp()
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    timer = _send_later(sig)
    res = dispatch(
        plant,
        week,
        head="fixed",
        pump_generate_balance="day",
        unit_commitment=True,
        mip_rel_gap=0.0,
        time_limit_s=SAFETY_TIME_LIMIT_S,
        fixed_head_tolerance_m=math.inf,
    )
    timer.join()
    assert res.status == "interrupted", res.message
    assert res.interrupted_by == signal.Signals(sig).name
    assert res.message.startswith(f"interrupted by {signal.Signals(sig).name}")
    assert {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} == before
    if res.has_solution:
        _assert_water_balance(plant, res)


def test_a_signal_stops_the_successive_head_loop() -> None:
    plant, week = _slow_milp()
    timer = _send_later(signal.SIGINT)
    res = dispatch(
        plant,
        week,
        head="successive",
        pump_generate_balance="day",
        unit_commitment=True,
        mip_rel_gap=0.0,
        time_limit_s=SAFETY_TIME_LIMIT_S,
    )
    timer.join()
    assert res.status == "interrupted" and res.interrupted_by == "SIGINT"
    assert res.iterations == 1 and not res.converged


def test_a_signal_before_the_solve_returns_without_solving() -> None:
    with _highs.interruptible():
        _highs.request_interrupt("SIGTERM")
        res = dispatch(small_pumped_storage(), two_price_day())
    assert res.status == "interrupted" and res.interrupted_by == "SIGTERM" and not res.has_solution
    assert res.message == "interrupted by SIGTERM without a feasible schedule"


def test_a_signal_interrupts_a_cbc_solve_without_a_traceback() -> None:
    plant, week = _slow_milp()
    timer = _send_later(signal.SIGINT)
    # CBC runs in a child process, which a signal to this process alone does not stop: it goes on to its
    # time limit (CBC_TIME_LIMIT_S), and the result still says that the run was interrupted.
    res = dispatch(
        plant,
        week,
        backend="pulp",
        head="fixed",
        unit_commitment=True,
        pump_generate_balance="day",
        mip_rel_gap=0.0,
        time_limit_s=CBC_TIME_LIMIT_S,
        fixed_head_tolerance_m=math.inf,
    )
    timer.join()
    assert res.status == "interrupted" and res.interrupted_by == "SIGINT"


# ---- 6. daylight saving --------------------------------------------------------------------------------------


def _local_scenario(start: str, tz: str, days: int) -> Scenario:
    """Hourly steps from local midnight ``start`` in zone ``tz``: cheap nights, dear days (by local hour)."""
    first = pd.Timestamp(start, tz=tz)
    idx = pd.date_range(
        first, (first.tz_localize(None) + pd.Timedelta(days=days)).tz_localize(tz), freq="h", inclusive="left"
    )
    price = np.where((idx.hour >= 8) & (idx.hour < 20), 300.0, 100.0)
    return Scenario(
        inflow_upper_m3s=pd.Series(0.0, index=idx),
        price_per_mwh=pd.Series(price, index=idx),
        name=f"{tz} days",
    )


def test_daily_balance_holds_per_local_day_across_a_dst_change_at_midnight() -> None:
    # Chile starts summer time on 2025-09-07 at 00:00 (clocks jump to 01:00): that day has no midnight.
    idx = pd.date_range(pd.Timestamp("2025-09-05 00:00", tz="America/Santiago"), periods=4 * 24 - 1, freq="h")
    price = np.where((idx.hour >= 8) & (idx.hour < 20), 300.0, 100.0)
    sc = Scenario(inflow_upper_m3s=pd.Series(0.0, index=idx), price_per_mwh=pd.Series(price, index=idx))
    res = dispatch(small_pumped_storage(), sc, pump_generate_balance="day")
    assert res.status == "optimal", res.message
    s = res.schedule
    local_day = s.index.tz_localize(None).normalize()
    assert (local_day == pd.Timestamp("2025-09-07")).sum() == 23
    net = (s["flow_generating_m3s"] - s["flow_pumping_m3s"]).groupby(local_day).sum()
    assert np.abs(net.to_numpy()).max() <= PERIOD_BALANCE_TOL_M3S
    assert s["flow_pumping_m3s"].max() > 1.0  # the balance binds on a cycle that does happen


def test_rolling_windows_start_at_local_midnight_across_a_dst_change() -> None:
    # Germany starts summer time on 2025-03-30 at 02:00: that day has 23 hours.
    sc = _local_scenario("2025-03-28", "Europe/Berlin", 5)
    r = rolling_dispatch(small_pumped_storage(), sc, window_h=24, lookahead_h=12, pump_generate_balance="day")
    assert r.status == "optimal"
    assert r.schedule.index.equals(sc.index)
    starts = pd.DatetimeIndex(r.windows["start"])
    assert (starts.hour == 0).all() and len(starts) == 5
    assert r.windows["steps_kept"].tolist() == [24, 24, 23, 24, 24]
    s = r.schedule
    net = (
        (s["flow_generating_m3s"] - s["flow_pumping_m3s"])
        .groupby(s.index.tz_localize(None).normalize())
        .sum()
    )
    assert np.abs(net.to_numpy()).max() <= PERIOD_BALANCE_TOL_M3S


# ---- 10. fixed head is checked; successive is the default -----------------------------------------------------


def test_the_default_head_is_successive() -> None:
    assert inspect.signature(dispatch).parameters["head"].default == "successive"
    res = dispatch(small_pumped_storage(), two_price_day())
    assert res.head == "successive" and res.converged


def test_a_fixed_head_schedule_whose_heads_move_is_flagged() -> None:
    # The small pumped store cycles 10 hm³ reservoirs: its head moves by ~10 m of 100 m in the day.
    with pytest.warns(HydroSimWarning, match="fixed-head schedule's own heads differ"):
        res = dispatch(small_pumped_storage(), two_price_day(), head="fixed")
    assert res.status == "optimal" and not res.converged
    assert res.head_change_m > 1.0 and "head='successive'" in res.message


def test_a_fixed_head_schedule_whose_heads_stay_is_converged() -> None:
    # The textbook lake holds 10 hm³ per metre: two days at 50 m³/s move it by a few centimetres.
    plant = textbook_plant()
    with warnings.catch_warnings():
        warnings.simplefilter("error", HydroSimWarning)
        res = dispatch(plant, _evening_peak_days(2), head="fixed")
    assert res.status == "optimal" and res.converged and res.head_change_m < 1.0


# ---- 9. start heads and scaling ----------------------------------------------------------------------------------


def test_start_heads_outside_the_physical_range_are_refused() -> None:
    plant, sc = small_pumped_storage(), two_price_day()
    with pytest.raises(
        HydroSimInputError, match=r"`start_head_m` \(1000000000.0\).*physical gross-head range"
    ):
        dispatch(plant, sc, start_head_m=np.full(24, 1e9))
    # heads inside the range (90 m … 110 m here) are a warm start
    assert dispatch(plant, sc, start_head_m=np.full(24, 101.0)).status == "optimal"


def _badly_scaled() -> Plant:
    """A 10⁴ hm³ lake above a one-litre pond (1e-9 hm³): eleven orders of magnitude between the volumes."""
    lake = Reservoir(
        name="lake",
        curve=LevelVolumeCurve(level_masl=(100.0, 200.0), volume_hm3=(0.0, 1.0e4)),
        min_level_masl=110.0,
        max_level_masl=200.0,
        initial_level_masl=150.0,
    )
    pond = Reservoir(
        name="pond",
        curve=LevelVolumeCurve(level_masl=(0.0, 1.0), volume_hm3=(0.0, 1.0e-9)),
        min_level_masl=0.0,
        max_level_masl=1.0,
        initial_level_masl=0.5,
    )
    rev = PumpTurbineGroup(
        name="pump-turbine",
        n_units=1,
        rated_power_mw=100.0,
        max_flow_m3s=100.0,
        turbine_efficiency=0.9,
        rated_pumping_power_mw=100.0,
        pump_efficiency=0.9,
        pump_power_band_fraction=0.0,
        min_power_mw=0.0,
    )
    return Plant(name="lake and pond", upper=lake, lower=pond, reversible=rev)


def test_a_badly_scaled_plant_solves_accurately_on_both_backends() -> None:
    plant = _badly_scaled()
    sc = two_price_day(inflow_upper_m3s=20.0)
    fast = dispatch(plant, sc, head="fixed")
    readable = dispatch(plant, sc, head="fixed", backend="pulp")
    for res in (fast, readable):
        assert res.status == "optimal", res.message
        _assert_water_balance(plant, res)
        _assert_volumes_in_bounds(plant, sc, res)
    assert abs(fast.objective_value - readable.objective_value) <= OBJECTIVE_REL_TOL * max(
        1.0, abs(fast.objective_value)
    )
    assert fast.energy_mwh()["reversible_generation_mwh"] > 0.0


def test_rolling_window_targets_follow_the_coarse_path_within_a_day() -> None:
    # Prices rise day by day: the coarse path stores 3.888 hm³ a day (50 m³/s in, 5 m³/s out). A window that
    # sees 12 h into the next day can store 1.5 days' worth, not the 2 days' the end of that day asks for.
    idx = pd.date_range("2030-01-01", periods=96, freq="h")
    price = np.where(idx.hour >= 18, 400.0, 100.0) * (1.0 + 0.01 * np.arange(96) / 96)
    sc = Scenario(inflow_upper_m3s=pd.Series(50.0, index=idx), price_per_mwh=pd.Series(price, index=idx))
    r = rolling_dispatch(textbook_plant(), sc, window_h=24, lookahead_h=12, compare_full=True)
    assert r.status == "optimal" and (r.windows["status"] == "optimal").all()
    assert r.gap is not None and r.gap >= -OBJECTIVE_REL_TOL


# ---- 4. the default MIP gap of unit commitment ----------------------------------------------------------------


def test_unit_commitment_defaults_to_a_gap_a_week_reaches() -> None:
    from hydro_sim.optimise._data import UC_MIP_REL_GAP, DispatchOptions

    assert inspect.signature(dispatch).parameters["mip_rel_gap"].default is None
    assert UC_MIP_REL_GAP == pytest.approx(1e-3) and DispatchOptions().mip_rel_gap == UC_MIP_REL_GAP
    res = dispatch(small_pumped_storage(n_units=2), two_price_day(), unit_commitment=True)
    assert res.status == "optimal" and res.mip_gap is not None and res.mip_gap <= UC_MIP_REL_GAP


@pytest.mark.slow
def test_a_unit_commitment_week_solves_with_the_defaults() -> None:
    # The probe's case: it stalled at a 2.4e-4 gap against the former default of 1e-4.
    plant, week = _slow_milp()
    res = dispatch(
        plant, week, pump_generate_balance="day", unit_commitment=True, time_limit_s=SAFETY_TIME_LIMIT_S
    )
    assert res.status == "optimal", res.message
    _assert_water_balance(plant, res)


# ---- 9. solver trouble is a status ----------------------------------------------------------------------------


def test_a_solver_that_stops_without_a_solution_is_an_error_status() -> None:
    res = dispatch(small_pumped_storage(), two_price_day(), highs_options={"simplex_iteration_limit": 0})
    assert res.status == "error" and not res.has_solution
    assert res.message.startswith("error: the solver stopped without a solution")
    assert "try the other backend" in res.message


def test_a_fixed_head_year_of_lianghekou_is_flagged() -> None:
    # The probe's case: a year at the initial heads; the upper reservoir's drawdown moves the head ~24 m.
    from hydro_sim import reference_year

    with pytest.warns(HydroSimWarning, match="use head='successive'"):
        res = dispatch(lianghekou(), reference_year(), head="fixed")
    assert res.status == "optimal" and not res.converged and res.head_change_m > 10.0


# ---- rolling_dispatch with stopped windows ------------------------------------------------------------------


def _two_price_days(days: int) -> Scenario:
    idx = pd.date_range("2030-01-01", periods=24 * days, freq="h")
    price = np.where(idx.hour < 12, 100.0, 300.0)
    return Scenario(inflow_upper_m3s=pd.Series(0.0, index=idx), price_per_mwh=pd.Series(price, index=idx))


def test_rolling_dispatch_stops_after_the_window_a_signal_interrupts(monkeypatch: pytest.MonkeyPatch) -> None:
    from hydro_sim.optimise import rolling

    calls: list[int] = []

    def dispatch_then_signal(*args: object, **kwargs: object) -> DispatchResult:
        res = dispatch(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(1)
        if len(calls) == 2:  # the coarse dispatch, then the first window: SIGTERM comes
            _highs.request_interrupt("SIGTERM")
        return res

    monkeypatch.setattr(rolling, "dispatch", dispatch_then_signal)
    r = rolling.rolling_dispatch(small_pumped_storage(), _two_price_days(4), window_h=24, lookahead_h=12)
    assert r.status == "interrupted" and r.interrupted_by == "SIGTERM"
    assert len(r.windows) == 1 and len(r.schedule) == 24 and r.gap is None
    assert len(calls) == 2  # no further window, no full-horizon comparison
    # and nothing stale is left behind for the next run
    assert rolling_dispatch(small_pumped_storage(), _two_price_days(2), window_h=24).status == "optimal"


def test_rolling_dispatch_keeps_a_time_limited_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from hydro_sim.optimise import rolling

    def dispatch_time_limited(*args: object, **kwargs: object) -> DispatchResult:
        res = dispatch(*args, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(res, status="time_limit")  # as if stopped with this feasible schedule

    monkeypatch.setattr(rolling, "dispatch", dispatch_time_limited)
    r = rolling.rolling_dispatch(small_pumped_storage(), _two_price_days(2), window_h=24, compare_full=False)
    assert r.status == "time_limit" and len(r.schedule) == 48
    assert (r.windows["status"] == "time_limit").all()


def test_an_interrupt_leaves_no_record_behind_for_later_solves() -> None:
    from hydro_sim.network import network_of
    from hydro_sim.optimise._data import DispatchOptions, build_network_data, initial_heads

    with _highs.interruptible():
        _highs.request_interrupt("SIGINT")
        assert dispatch(small_pumped_storage(), two_price_day()).status == "interrupted"
    net, sc = network_of(small_pumped_storage()), two_price_day()
    d = build_network_data(net, sc, DispatchOptions(), initial_heads(net, sc.n_steps))
    raw, _ = _highs.solve(d)  # a backend solve outside any interruptible
    assert raw.status == "optimal" and _highs.received_signal() is None


def test_dispatch_runs_in_a_worker_thread() -> None:
    # Python installs signal handlers from the main thread only: elsewhere the solve runs without them.
    out: list[DispatchResult] = []
    worker = threading.Thread(target=lambda: out.append(dispatch(small_pumped_storage(), two_price_day())))
    worker.start()
    worker.join()
    assert out and out[0].status == "optimal" and out[0].interrupted_by is None
