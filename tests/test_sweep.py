"""Scenario sweeps (hydro_sim.sweep): the same table on a process pool and on a real Dask LocalCluster, no
scenario lost when a worker dies, a stopped sweep resumed without recomputing, failures recorded, the scenario
files' messages for a bad axis, and the example study on a small grid.

Scenarios are tiny (the textbook plant over two days; Lianghekou over a week for the simulator), so that the
file stays near a minute. The worker hooks of ``hydro_sim._sweep_run`` (environment variables) pause a task,
kill its worker once, or log each computed scenario's key.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hydro_sim import _sweep_run, files
from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3
from hydro_sim.errors import HydroSimInputError
from hydro_sim.sweeps import Axis, Sweep, SweepFileError, load_sweep, sweep

REPO = Path(__file__).resolve().parents[1]
#: Water balance of each scenario's schedule and replay: the issue's 1e-6 hm³. [hm³]
BALANCE_TOL_HM3 = 1e-6
#: A fixed-head LP's energy against the hand formula: HiGHS's feasibility tolerance on the flows (1e-7
#: relative) is the only difference. [-]
ENERGY_RTOL = 1e-6
#: Nested LPs (one a tightening of the other) against each other: HiGHS's relative optimality tolerance. [-]
LP_OBJECTIVE_RTOL = 1e-7
HOURS = 48.0
PRICE = 100.0
TAILWATER_MASL = 20.0  # the textbook plant's tailwater
ETA = 0.9

BASE = f"""
[scenario]
name = "textbook, two days"
[plant]
preset = "textbook"
[series]
source = "constant"
duration_h = {HOURS}
[series.constant]
inflow_upper_m3s = 60.0
price_per_mwh = {PRICE}
[objective]
head = "fixed"
[outputs]
replay = true
"""

SWEEP = """
[sweep]
name = "textbook level x inflow"
base = "base.toml"

[[axes]]
key = 'plant.overrides."upper.initial_level_masl"'
start = 105.0
stop = 115.0
step = 10.0

[[axes]]
key = "series.constant.inflow_upper_m3s"
values = [0.0, 20.0]
"""
LEVEL = "plant.overrides.upper.initial_level_masl"
INFLOW = "series.constant.inflow_upper_m3s"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return folder / "sweep.toml"


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Two spawned worker processes kept warm for the module's sweeps (each start imports the package)."""
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


@pytest.fixture(scope="module")
def pool_run(
    study: Path, tmp_path_factory: pytest.TempPathFactory, pool: ProcessPoolExecutor
) -> tuple[Path, pd.DataFrame]:
    """The study on a local process pool of 2 workers."""
    out = tmp_path_factory.mktemp("pool") / "out"
    res = sweep(study, out, executor=pool)
    return out, res.table


def test_table_physics_and_failure(pool_run: tuple[Path, pd.DataFrame]) -> None:
    """One row per scenario in product order; the fixed-head energies are the hand formula ρgηQ(z − z_tw)·T;
    a scenario without inflow cannot release the environmental flow and end at its start volume: infeasible,
    recorded with its diagnosis, and it did not stop the others."""
    out, table = pool_run
    assert list(table["scenario"]) == [0, 1, 2, 3]
    assert list(table[LEVEL]) == [105.0, 105.0, 115.0, 115.0]
    assert list(table[INFLOW]) == [0.0, 20.0, 0.0, 20.0]
    assert list(table["status"]) == ["infeasible", "optimal", "infeasible", "optimal"]
    assert table.loc[[0, 2], "objective"].isna().all()
    for _, row in table.loc[[1, 3]].iterrows():
        q, z = row[INFLOW], row[LEVEL]
        hand_mwh = RHO_WATER_KG_M3 * G_M_S2 * ETA * q * (z - TAILWATER_MASL) * HOURS / 1e6
        assert row["conventional_generation_mwh"] == pytest.approx(hand_mwh, rel=ENERGY_RTOL, abs=1e-9)
        assert row["objective"] == pytest.approx(PRICE * row["line_export_mwh"], rel=1e-9, abs=1e-9)
        assert row["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
        assert row["replay_water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
    written = sorted(p.name for p in (out / "scenarios").glob("*.json"))
    assert written == sorted(f"{k}.json" for k in table["key"])
    assert pd.read_csv(out / "table.csv")["key"].tolist() == table["key"].tolist()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "table.parquet"), table)
    assert {"objective.png", "conventional_generation_mwh.png", "grid.png"} <= {
        p.name for p in (out / "plots").iterdir()
    }
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Failures" in html and "infeasible" in html


# ---- Dask --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real LocalCluster on the loopback address: 2 worker processes of one thread, small memory; armed to
    kill the worker that runs its first task (the die-once hook), as a worker dying mid-sweep."""
    distributed = pytest.importorskip("distributed")
    marker = tmp_path_factory.mktemp("dask") / "died"
    old = os.environ.get(_sweep_run.DIE_ONCE_ENV)
    os.environ[_sweep_run.DIE_ONCE_ENV] = str(marker)
    try:
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: 8787 may be taken
            memory_limit="1GiB",
            silence_logs=40,
        ) as c:
            yield c, marker
    finally:
        if old is None:
            os.environ.pop(_sweep_run.DIE_ONCE_ENV, None)
        else:
            os.environ[_sweep_run.DIE_ONCE_ENV] = old


def test_dask_cluster_gives_the_pool_table_and_loses_nothing(
    study: Path, pool_run: tuple[Path, pd.DataFrame], cluster, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    c, marker = cluster
    res = sweep(study, tmp_path / "dask", scheduler=c.scheduler_address)
    assert marker.exists()  # a worker died mid-task ...
    assert res.computed == 4 and res.failed == 2  # ... and every scenario has its result
    pd.testing.assert_frame_equal(res.table, pool_run[1])


def test_extended_sweep_reuses_its_points_and_survives_a_dying_worker(
    study: Path, pool_run: tuple[Path, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys hash the resolved inputs: the study extended by an inflow value computes only the new points,
    and the worker that dies under the first of them loses none (the pool is replaced, the task run again)."""
    out = tmp_path / "out"
    shutil.copytree(pool_run[0], out)
    marker = tmp_path / "died"
    monkeypatch.setenv(_sweep_run.DIE_ONCE_ENV, str(marker))
    sw = dataclasses.replace(load_sweep(study), plots=False, report=False)
    wider = dataclasses.replace(sw, axes=(sw.axes[0], Axis.of(INFLOW, [0.0, 20.0, 40.0])))
    res = sweep(wider, out, workers=1)
    assert marker.exists()
    assert (res.computed, res.reused) == (2, 4)
    assert list(res.table["status"]) == ["infeasible", "optimal", "optimal"] * 2
    shared = res.table[res.table[INFLOW] != 40.0].reset_index(drop=True)
    expect = pool_run[1].copy()
    expect["scenario"] = [0, 1, 3, 4]
    pd.testing.assert_frame_equal(shared, expect)


def test_no_dask_gives_a_clear_message(study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    with pytest.raises(HydroSimInputError, match=r"hydro_sim\[distributed\]"):
        sweep(study, tmp_path / "out", scheduler="tcp://127.0.0.1:8786")
    from hydro_sim.cli import main

    assert main(["sweep", str(study), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"]) == 2


# ---- resume ------------------------------------------------------------------------------------------------


def _log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def test_stopped_sweep_resumes_without_recomputing(
    study: Path, tmp_path: Path, pool: ProcessPoolExecutor
) -> None:
    """`hydro-sim sweep` stopped by SIGINT after two results; run again, it computes only the others and
    leaves the finished results untouched (same files: os.replace would give a new inode)."""
    log = tmp_path / "computed.log"
    out = tmp_path / "out"
    env = dict(os.environ, **{_sweep_run.LOG_ENV: str(log), _sweep_run.PAUSE_ENV: "0.7"})
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "hydro_sim.cli", "sweep", str(study), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while len(list((out / "scenarios").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    first = {p.stem: p.stat().st_ino for p in (out / "scenarios").glob("*.json")}
    assert 2 <= len(first) < 4
    assert set(first) <= set(_log_lines(log))  # each written result was computed by the first run
    assert not list((out / "scenarios").glob(".*.tmp"))  # no half-written result
    assert not (out / "table.csv").exists()
    res = sweep(study, out, executor=pool)
    assert (res.computed, res.reused) == (4 - len(first), len(first))
    assert {k: (out / "scenarios" / f"{k}.json").stat().st_ino for k in first} == first
    assert set(res.table["key"]) == {p.stem for p in (out / "scenarios").glob("*.json")}
    assert sweep(study, out, executor=pool).computed == 0


# ---- the simulator -----------------------------------------------------------------------------------------


def test_simulator_sweep_batches_equal_one_direct_call(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    """Monte-Carlo inflow years (the reference year's seed) through the time-of-use rule, in batches of 3:
    the figures equal one direct simulate() call over the same years."""
    from hydro_sim.simulation import TouRulePolicy, simulate

    (tmp_path / "week.toml").write_text(
        '[plant]\npreset = "lianghekou"\n[series]\nsource = "reference_year"\n'
        '[horizon]\nstart = "2030-03-01 00:00"\nduration_h = 168.0\n',
        encoding="utf-8",
    )
    sw = Sweep(
        base=tmp_path / "week.toml",
        axes=(Axis.draws("series.reference_year.seed", 5, seed=11),),
        kind="simulate",
        batch_size=3,
        plots=False,
        report=False,
    )
    res = sweep(sw, tmp_path / "out", executor=pool)
    seeds = list(res.table["series.reference_year.seed"])
    assert seeds == list(sw.axes[0].values) and len(set(seeds)) == 5
    assert (res.table["status"] == "ok").all()
    assert (res.table["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3).all()
    base = files.load(tmp_path / "week.toml")
    from hydro_sim.cases.lianghekou.reference_year import reference_year

    years = [reference_year(seed=s).window(start="2030-03-01 00:00", hours=168.0) for s in seeds]
    direct = simulate(base.plant, years, TouRulePolicy.for_tariff(flat_price_per_mwh=400.0), record="totals")
    np.testing.assert_array_equal(res.table["revenue"].to_numpy(), direct.totals["revenue"].to_numpy())
    np.testing.assert_array_equal(
        res.table["pumping_mwh"].to_numpy(), direct.totals["pumping_mwh"].to_numpy()
    )
    assert res.table["revenue"].nunique() == 5  # the years differ


# ---- definitions and messages ------------------------------------------------------------------------------


def test_axes_values() -> None:
    assert Axis.range("solver.time_limit_s", 1, 7, step=3).values == (1, 4, 7)
    assert Axis.range("solver.time_limit_s", 0.1, 0.3, step=0.1).values == (0.1, 0.2, 0.3)
    d = Axis.draws(
        "series.reference_year.flat_price_per_mwh", 4, distribution="uniform", low=300.0, high=500.0, seed=3
    )
    assert d.values == Axis.draws(d.key, 4, distribution="uniform", low=300.0, high=500.0, seed=3).values
    assert all(300.0 <= v < 500.0 for v in d.values)
    assert (
        Axis.of("plant.overrides.lower.max_level_masl", [1.0]).key == 'plant.overrides."lower.max_level_masl"'
    )
    sw = Sweep(base=Path("b.toml"), axes=(Axis.of("a.x", [1, 2, 3]), Axis.of("a.y", [4, 5])), combine="sample",
               sample_size=4, seed=2)  # fmt: skip
    pts = sw.points()
    assert len(pts) == 4 and pts == sw.points() and len({tuple(p.values()) for p in pts}) == 4
    full = Sweep(base=Path("b.toml"), axes=sw.axes).points()
    assert [full.index(p) for p in pts] == sorted(full.index(p) for p in pts)  # product order


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ("key = 'plant.overrides.\"upper.initial_levl_masl\"'\nvalues = [110.0]",
         (r"`upper.initial_levl_masl` \(110.0\) is not a parameter of plant 'textbook': did you mean "
          r"`upper.initial_level_masl`\? in \[plant.overrides\] of .*base.toml with axis 1")),
        ("key = 'solver.time_limit'\nvalues = [5.0]",
         r"`time_limit` \(5.0\) is not a key of \[solver\]: did you mean `time_limit_s`\?"),
        ("key = 'objective.head'\nvalues = ['fixed', 'succesive']",
         r"`head` \('succesive'\) must be one of 'fixed', 'successive'"),
        ("key = 'solver.time_limit_s'\nvalues = [5.0]\nstart = 1.0",
         r"give exactly one way to make the values in \[axes 1\]"),
        ("key = 'solver.time_limit_s'\ndraws = 3\ndistribution = 'gauss'",
         r"`distribution` \('gauss'\) must be one of 'seeds', 'uniform', 'normal', 'integers'"),
        ("key = 'solver.time_limit_s'\nvalus = [1.0]", r"`valus` \(\[1.0\]\) is not a key of \[\[axes\]\]: did you mean `values`\?"),
    ],
)  # fmt: skip
def test_bad_axis_gets_the_scenario_files_message(
    study: Path, tmp_path: Path, axis: str, message: str
) -> None:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(f'[sweep]\nbase = "base.toml"\n[[axes]]\n{axis}\n', encoding="utf-8")
    with pytest.raises(HydroSimInputError, match=message):
        sweep(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_joint_bad_combination_is_one_failed_row(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    """Each value is valid alone; the combination (start below the minimum level) is refused by the plant's
    own check, for that scenario only."""
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    sw = Sweep(
        base=tmp_path / "base.toml",
        axes=(
            Axis.of('plant.overrides."upper.min_level_masl"', [105.0, 112.0]),
            Axis.of(LEVEL, [110.0, 115.0]),
        ),
        plots=False,
        report=False,
    )
    res = sweep(sw, tmp_path / "out", executor=pool)
    assert list(res.table["status"]) == ["optimal", "optimal", "input_error", "optimal"]
    msg = res.table.loc[2, "message"]
    assert (
        "in [plant.overrides] of" in msg
        and "with scenario 2" in msg
        and "upper.min_level_masl = 112.0" in msg
    )


def test_output_folder_of_something_else_is_refused(study: Path, tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(HydroSimInputError, match="not a sweep's folder"):
        sweep(study, tmp_path)
    with pytest.raises(SweepFileError, match="does not exist"):
        sweep(tmp_path / "missing.toml", tmp_path / "o")


# ---- the example study ---------------------------------------------------------------------------------------


def test_yagen_volume_ramp_example_on_a_small_grid(tmp_path: Path, pool: ProcessPoolExecutor) -> None:
    """The example study (usable Yagen-I volume × release ramp) on 2 × 2 points over two weeks, at fixed head
    (single-value axes override the base file): each LP is the same at the same initial heads but for a tighter
    top level or ramp, so a smaller lower reservoir or a tighter ramp never earns more."""
    sw = load_sweep(REPO / "examples" / "sweeps" / "yagen_volume_ramp.toml")
    vol, ramp = sw.axes
    small = dataclasses.replace(
        sw,
        axes=(
            Axis.of(vol.key, [vol.values[0], vol.values[-1]], name=vol.name),
            Axis.of(ramp.key, [ramp.values[0], ramp.values[-1]], name=ramp.name),
            Axis.of("horizon.duration_h", [336.0]),
            Axis.of("objective.head", ["fixed"]),
        ),
    )
    res = sweep(small, tmp_path / "out", executor=pool)
    t = res.table
    assert (t["status"] == "optimal").all(), t[["status", "message"]]
    assert (t["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3).all()
    obj = t.set_index([vol.name, ramp.name])["objective"]
    v_lo, v_hi = vol.values[0], vol.values[-1]
    r_lo, r_hi = ramp.values[0], ramp.values[-1]
    tol = LP_OBJECTIVE_RTOL * abs(obj).max()
    assert obj[(v_lo, r_hi)] <= obj[(v_hi, r_hi)] + tol
    assert obj[(v_lo, r_lo)] <= obj[(v_lo, r_hi)] + tol
    assert obj[(v_hi, r_lo)] <= obj[(v_hi, r_hi)] + tol
    assert (tmp_path / "out" / "report.html").is_file()


def test_the_sweeps_page_shows_the_example_and_sweep_files_that_load(tmp_path: Path) -> None:
    """docs/sweeps.md: its first TOML block is the example's sweep (without the comments); every block loads."""
    import re

    page = (REPO / "docs" / "sweeps.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```toml\n(.*?)^```", page, flags=re.DOTALL | re.MULTILINE)
    example = (REPO / "examples" / "sweeps" / "yagen_volume_ramp.toml").read_text(encoding="utf-8")
    lines = [line.split(" #")[0].rstrip() for line in blocks[0].splitlines()]
    example_lines = [line for line in example.splitlines() if line and not line.startswith("#")]
    assert [line for line in lines if line] == [
        line for line in example_lines if not line.startswith("[outputs]")
    ][: len([line for line in lines if line])]
    for i, block in enumerate(blocks):
        (tmp_path / f"s{i}.toml").write_text(block, encoding="utf-8")
        assert load_sweep(tmp_path / f"s{i}.toml").axes


def test_cli_help_and_bad_arguments(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hydro_sim.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["sweep", "--help"])
    assert stop.value.code == 0 and "Examples:\n  hydro-sim sweep" in capsys.readouterr().out
    assert main(["sweep", str(study), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert "`--workers` ('0') must be a whole number of at least 1" in capsys.readouterr().err
    assert main(["sweep", str(study)]) == 2
    assert "`--out` (None) must be given" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_simulator_policy_without_a_flat_price_is_a_failed_row(
    tmp_path: Path, pool: ProcessPoolExecutor
) -> None:
    """Constant series have no flat price to place the rule's thresholds: refused for that scenario, with the
    fix in the message; with the thresholds given the same scenarios run and their water balances close."""
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    axes = (Axis.of(INFLOW, [20.0, 60.0]),)
    sw = Sweep(base=tmp_path / "base.toml", axes=axes, kind="simulate", plots=False, report=False)
    res = sweep(sw, tmp_path / "a", executor=pool)
    assert list(res.table["status"]) == ["input_error"] * 2
    assert "no flat price" in res.table.loc[0, "message"]
    given = dataclasses.replace(
        sw, policy={"pump_when_price_at_most_per_mwh": 50.0, "generate_when_price_at_least_per_mwh": 150.0}
    )
    res = sweep(given, tmp_path / "b", executor=pool)
    assert list(res.table["status"]) == ["ok", "ok"]
    assert (res.table["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3).all()
    assert (res.table["revenue"] > 0).all() and res.table.loc[1, "revenue"] > res.table.loc[0, "revenue"]
