"""Scenario files through `hydro-sim run`: a hand-derived optimum, the library's own numbers, user series in
CSV and Parquet (time zones, resampling), the starter file of `init`, and the commands around a run's folder
(`--force`, `plot`, `plant`).

The bad files and series and their messages are in tests/catalogue/cases_files.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hydro_sim import dispatch, files, lianghekou, reference_year, rolling_dispatch
from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3
from hydro_sim.examples import small_pumped_storage, textbook_plant
from hydro_sim.scenario import Scenario

#: summary.json keeps 9 significant digits: a relative rounding of at most 5e-9. [-]
JSON_RTOL = 1e-8
#: An LP optimum against its hand value: HiGHS's tolerances are 1e-7, far below 1e-6 of a few thousand MWh. [-]
LP_REL_TOL = 1e-6
#: The issue's water-balance tolerance of a schedule and of a replay. [hm³]
BALANCE_TOL_HM3 = 1e-6

TEXTBOOK = """\
[scenario]
name = "textbook by hand"
currency = "EUR"

[plant]
preset = "textbook"

[series]
source = "constant"
start = "2030-01-01 00:00"
duration_h = 48.0

[series.constant]
inflow_upper_m3s = 60.0
price_per_mwh = 100.0
"""


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


def main_in_process(capsys, *argv: str) -> tuple[int, str, str]:
    from hydro_sim.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help, --version
        code = int(exc.code or 0)
    got = capsys.readouterr()
    return code, got.out, got.err


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- a hand-derived optimum through `hydro-sim run` --------------------------------------------------------


def test_the_textbook_file_gives_the_hand_optimum(tmp_path):
    """48 h of 60 m³/s into a lake at 115 m over a 20 m tailwater, η = 0.9, no loss, a flat price of 100 per MWh,
    end ≥ start: the units turbine exactly the inflow at a level that does not move (storing water for later
    gains no head that is not lost again), so E = ρgηQH·t = 1000·9.81·0.9·60·95/10⁶ MW × 48 h = 2,415.6144 MWh
    and the revenue is 100 × E."""
    scenario = write(tmp_path, "textbook.toml", TEXTBOOK)
    res = run_cli("run", str(scenario), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    hand_mwh = RHO_WATER_KG_M3 * G_M_S2 * 0.9 * 60.0 * (115.0 - 20.0) / 1e6 * 48.0
    assert hand_mwh == pytest.approx(2415.6144, abs=1e-9)
    s = summary(tmp_path / "out")
    assert s["dispatch"]["status"] == "optimal"
    assert s["energy_mwh"]["conventional_generation_mwh"] == pytest.approx(hand_mwh, rel=LP_REL_TOL)
    assert s["dispatch"]["objective"] == pytest.approx(100.0 * hand_mwh, rel=LP_REL_TOL)
    assert s["dispatch"]["objective_unit"] == "EUR" and s["scenario"]["currency"] == "EUR"
    assert f"objective (revenue less costs): {100.0 * hand_mwh:,.0f} EUR" in res.stdout
    schedule = pd.read_parquet(tmp_path / "out" / "schedule.parquet")
    # at a flat price any timing of the same water is optimal: the units turbine the inflow on average and the
    # lake ends where it started
    assert schedule["flow_conventional_m3s"].mean() == pytest.approx(60.0, rel=LP_REL_TOL)
    assert schedule["level_upper_masl"].iloc[-1] == pytest.approx(115.0, abs=1e-6)
    plant = textbook_plant()
    assert s["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
    assert (
        water_balance_max_error_hm3(
            schedule, initial_volume_upper_hm3=plant.upper.initial_volume_hm3, dt_h=1.0
        )
        <= BALANCE_TOL_HM3
    )
    # the replay through the simulator closes its water balance and cuts nothing back
    assert s["replay"]["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
    assert s["replay"]["cutback_steps"] == 0
    sim = pd.read_csv(tmp_path / "out" / "simulation.csv", index_col=0, parse_dates=True)
    assert sim["power_conventional_mw"].sum() == pytest.approx(
        s["replay"]["energy_mwh"]["conventional_generation_mwh"], rel=JSON_RTOL
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "plots",
        "report.html",
        "scenario.toml",
        "schedule.csv",
        "schedule.parquet",
        "simulation.csv",
        "summary.json",
    ]
    assert (tmp_path / "out" / "scenario.toml").read_text() == TEXTBOOK  # the input, as given


# ---- the Lianghekou preset against the library -------------------------------------------------------------

LIANGHEKOU_WEEK = """\
[plant]
preset = "lianghekou"

[plant.overrides]
"upper.initial_level_masl" = 2845.0

[objective]
head = "fixed"
pump_generate_balance = "day"

[horizon]
start = "2030-07-01 00:00"
duration_h = 168.0

[outputs]
replay = false
plots = false
report = false
"""


def test_the_lianghekou_week_matches_dispatch_called_directly(tmp_path, capsys):
    scenario = write(tmp_path, "week.toml", LIANGHEKOU_WEEK)
    code, out, err = main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "status: optimal\n" in out  # the message adds nothing to the status here
    plant = lianghekou(upper_initial_level_masl=2845.0)
    window = reference_year().window(start="2030-07-01", hours=168)
    direct = dispatch(plant, window, head="fixed", pump_generate_balance="day")
    assert direct.status == "optimal"
    s = summary(tmp_path / "out")
    assert s["dispatch"]["objective"] == pytest.approx(direct.objective_value, rel=JSON_RTOL)
    for key, value in direct.energy_mwh().items():
        assert s["energy_mwh"][key] == pytest.approx(value, rel=JSON_RTOL, abs=1e-6), key
    assert s["dispatch"]["options"] == {"head": "fixed", "pump_generate_balance": "day"}
    assert s["plant"]["overrides"] == {"upper.initial_level_masl": 2845.0}
    assert s["horizon"] == {
        "start": "2030-07-01 00:00:00",
        "end": "2030-07-08 00:00:00",
        "steps": 168,
        "step_h": 1.0,
        "time_zone": None,
    }
    saved = pd.read_parquet(tmp_path / "out" / "schedule.parquet")
    pd.testing.assert_frame_equal(saved, direct.schedule, check_freq=False)  # Parquet keeps every bit
    csv = pd.read_csv(tmp_path / "out" / "schedule.csv", index_col=0, parse_dates=True)
    pd.testing.assert_frame_equal(
        csv, direct.schedule, check_dtype=False, check_freq=False, check_names=False, rtol=1e-8, atol=1e-9
    )
    assert s["replay"] is None and not (tmp_path / "out" / "plots").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "scenario.toml",
        "schedule.csv",
        "schedule.parquet",
        "summary.json",
    ]


def test_rolling_windows_from_a_file_match_rolling_dispatch(tmp_path, capsys):
    text = LIANGHEKOU_WEEK.replace(
        "duration_h = 168.0\n", "duration_h = 96.0\nrolling = true\nwindow_h = 48.0\nlookahead_h = 24.0\n"
    )
    text = text.replace('pump_generate_balance = "day"\n', "")
    scenario = write(tmp_path, "rolling.toml", text)
    code, _, err = main_in_process(capsys, "run", "-q", str(scenario), "--out", str(tmp_path / "out"))
    assert code == 0, err
    plant = lianghekou(upper_initial_level_masl=2845.0)
    window = reference_year().window(start="2030-07-01", hours=96)
    direct = rolling_dispatch(
        plant, window, window_h=48.0, lookahead_h=24.0, compare_full=False, head="fixed"
    )
    s = summary(tmp_path / "out")
    assert s["rolling"]["windows"] == 2 == len(direct.windows)
    assert s["dispatch"]["objective"] == pytest.approx(direct.objective_value, rel=JSON_RTOL)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "schedule.parquet"), direct.schedule, check_freq=False
    )


# ---- the user's own series ---------------------------------------------------------------------------------


def _two_price_csv(path: Path, index: pd.DatetimeIndex, price: np.ndarray, with_offset: bool = False) -> None:
    stamps = index.strftime("%Y-%m-%d %H:%M%z" if with_offset else "%Y-%m-%d %H:%M")
    lines = ["time,price_per_mwh"] + [f"{t},{float(p)!r}" for t, p in zip(stamps, price, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


PUMPED_STORE = """\
[scenario]
name = "a pure pumped store on my prices"

[plant]
preset = "small_pumped_storage"

[series]
source = "file"
path = "prices.csv"

[series.constant]
inflow_upper_m3s = 0.0      # a pumped store without inflow
"""


def test_a_user_csv_round_trips_and_runs_as_the_library(tmp_path, capsys):
    """Prices from a CSV (no inflow column: a pumped store) give the Scenario one builds by hand, and `run` gives
    the schedule of dispatch() on it."""
    idx = pd.date_range("2030-03-02", periods=48, freq="h", name="time")
    price = np.where(idx.hour < 12, 95.5, 310.25) + 0.125 * np.arange(48)
    _two_price_csv(tmp_path / "prices.csv", idx, price)
    scenario_file = write(tmp_path, "store.toml", PUMPED_STORE)
    sf = files.load(scenario_file)
    hand = Scenario(
        inflow_upper_m3s=pd.Series(0.0, index=idx), price_per_mwh=pd.Series(price, index=idx), name="x"
    )
    pd.testing.assert_frame_equal(sf.scenario.to_frame(), hand.to_frame(), check_freq=False)
    assert sf.scenario.provenance["price_per_mwh"].kind == "user"
    code, _, err = main_in_process(capsys, "run", str(scenario_file), "--out", str(tmp_path / "out"))
    assert code == 0, err
    direct = dispatch(small_pumped_storage(), hand)
    assert (
        direct.status == "optimal" and direct.energy_mwh()["pumping_mwh"] > 0
    )  # it pumps at 95 and sells at 310
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "schedule.parquet"), direct.schedule, check_freq=False
    )
    assert summary(tmp_path / "out")["dispatch"]["objective"] == pytest.approx(
        direct.objective_value, rel=JSON_RTOL
    )


def test_a_parquet_file_with_a_time_zone_across_a_daylight_saving_change(tmp_path):
    """Berlin's spring change: 30 March 2025 has 23 local hours. A tz-aware Parquet file keeps its stamps; the
    same stamps as CSV text with their UTC offsets, and as naive local text, read the same."""
    idx = pd.date_range("2025-03-29", periods=72, freq="h", tz="Europe/Berlin", name="time")
    frame = pd.DataFrame({"inflow_upper_m3s": np.arange(72.0), "price_per_mwh": 50.0}, index=idx)
    frame.to_parquet(tmp_path / "s.parquet")
    base = "[plant]\npreset = 'textbook'\n[series]\nsource = 'file'\ntime_zone = 'Europe/Berlin'\n"
    from_parquet = files.load(write(tmp_path, "a.toml", base + "path = 's.parquet'\n")).scenario
    assert from_parquet.index.equals(idx) and str(from_parquet.index.tz) == "Europe/Berlin"
    assert from_parquet.local_day.value_counts().sort_index().tolist() == [24, 23, 24, 1]
    np.testing.assert_array_equal(from_parquet.inflow_upper_m3s.to_numpy(), np.arange(72.0))
    # CSV with offsets (+01:00 before the change, +02:00 after)
    stamps = [t.isoformat(sep=" ") for t in idx]
    (tmp_path / "offsets.csv").write_text(
        "time,inflow_upper_m3s,price_per_mwh\n" + "".join(f"{t},{i}.0,50\n" for i, t in enumerate(stamps))
    )
    from_offsets = files.load(write(tmp_path, "b.toml", base + "path = 'offsets.csv'\n")).scenario
    assert from_offsets.index.equals(idx)
    # UTC offsets into another zone: converted, not relabelled
    other = files.load(
        write(tmp_path, "c.toml", base.replace("Europe/Berlin", "UTC") + "path = 'offsets.csv'\n")
    ).scenario
    assert other.index.equals(idx.tz_convert("UTC"))


def test_naive_local_stamps_are_read_in_the_time_zone(tmp_path):
    (tmp_path / "s.csv").write_text(
        "time,inflow_upper_m3s\n2030-07-01 00:00,1\n2030-07-01 01:00,2\n2030-07-01 02:00,3\n"
    )
    text = "[plant]\npreset = 'textbook'\n[series]\nsource = 'file'\npath = 's.csv'\n"
    sc = files.load(write(tmp_path, "a.toml", text + "time_zone = 'Asia/Shanghai'\n")).scenario
    assert sc.index[0] == pd.Timestamp("2030-06-30 16:00", tz="UTC")  # 00:00 in UTC+8
    naive = files.load(write(tmp_path, "b.toml", text)).scenario
    assert naive.index.tz is None and naive.index[0] == pd.Timestamp("2030-07-01 00:00")


def test_resampling_only_when_asked(tmp_path):
    """15-minute values 1, 2, 3, 4 and 5, 6, 7, 8 average to the hourly 2.5 and 6.5 (`mean`); 2-hour values
    repeat over their hours (`hold`)."""
    quarter = pd.date_range("2030-01-01", periods=8, freq="15min")
    (tmp_path / "q.csv").write_text(
        "time,inflow_upper_m3s\n" + "".join(f"{t:%Y-%m-%d %H:%M},{i + 1}\n" for i, t in enumerate(quarter))
    )
    text = "[plant]\npreset = 'textbook'\n[series]\nsource = 'file'\npath = 'q.csv'\nstep_h = 1.0\n"
    sc = files.load(write(tmp_path, "a.toml", text + "resample = 'mean'\n")).scenario
    assert sc.inflow_upper_m3s.tolist() == [2.5, 6.5] and sc.dt_h == 1.0
    with pytest.raises(files.ScenarioFileError, match="resampling is refused unless asked"):
        files.load(write(tmp_path, "b.toml", text))
    two = pd.date_range("2030-01-01", periods=3, freq="2h")
    (tmp_path / "t.csv").write_text(
        "time,inflow_upper_m3s\n" + "".join(f"{t:%Y-%m-%d %H:%M},{10 * (i + 1)}\n" for i, t in enumerate(two))
    )
    held = files.load(
        write(tmp_path, "c.toml", text.replace("q.csv", "t.csv") + "resample = 'hold'\n")
    ).scenario
    assert held.inflow_upper_m3s.tolist() == [10.0, 10.0, 20.0, 20.0, 30.0, 30.0]
    assert held.index[-1] == pd.Timestamp("2030-01-01 05:00")


def test_columns_can_be_mapped_and_a_tariff_sets_the_price(tmp_path):
    (tmp_path / "mine.csv").write_text(
        "Zeit,Zufluss\n2030-01-01 10:00,7\n2030-01-01 11:00,8\n2030-01-01 12:00,9\n"
    )
    text = (
        "[plant]\npreset = 'textbook'\n[series]\nsource = 'file'\npath = 'mine.csv'\ntime_column = 'Zeit'\n"
        "[series.columns]\ninflow_upper_m3s = 'Zufluss'\n"
        "[tariff]\nkind = 'sichuan_tou'\nflat_price_per_mwh = 500.0\n"
    )
    sc = files.load(write(tmp_path, "a.toml", text)).scenario
    assert sc.inflow_upper_m3s.tolist() == [7.0, 8.0, 9.0]
    # the Sichuan tariff: 10–12 is peak (×1.6), 12–13 flat (×1.0)
    assert sc.price_per_mwh.tolist() == [800.0, 800.0, 500.0]


def test_the_reference_year_with_a_flat_tariff(tmp_path):
    text = "[plant]\npreset = 'lianghekou'\n[tariff]\nkind = 'flat'\nflat_price_per_mwh = 321.0\n"
    sc = files.load(write(tmp_path, "a.toml", text)).scenario
    assert sc.n_steps == 8760 and set(sc.price_per_mwh) == {321.0}
    assert sc.provenance["price_per_mwh"].kind == "user"
    year = reference_year()
    pd.testing.assert_series_equal(sc.inflow_upper_m3s, year.inflow_upper_m3s)


# ---- init, --force, plot, plant, --quiet, --version --------------------------------------------------------


def test_inits_starter_file_runs_as_written(tmp_path):
    made = run_cli("init", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "scenario.toml").read_text() == files.starter_text()
    res = run_cli("run", "scenario.toml", "--out", "results", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    s = summary(tmp_path / "results")
    assert s["dispatch"]["status"] == "optimal" and s["horizon"]["steps"] == 168
    assert s["plant"]["preset"] == "lianghekou"
    assert s["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
    assert s["replay"]["water_balance_max_error_hm3"] <= BALANCE_TOL_HM3
    assert sorted(p.name for p in (tmp_path / "results" / "plots").iterdir()) == [
        "dispatch_first_week.png",
        "heads.png",
        "month_hour_map.png",
        "monthly_energy.png",
        "reservoir_levels.png",
    ]
    # every commented-out alternative of the starter is a key of the schema
    from hydro_sim import schema

    keys = {f.name for f in schema.FIELDS}
    for line in files.starter_text().splitlines():
        if line.startswith("# ") and " = " in line and not line.startswith('# "'):
            assert line[2:].split(" = ")[0].strip() in keys, line


def test_init_force_replaces_and_init_refuses_a_folder(tmp_path, capsys):
    target = write(tmp_path, "s.toml", "# mine\n")
    code, _, err = main_in_process(capsys, "init", str(target), "--force")
    assert code == 0, err
    assert target.read_text() == files.starter_text()
    code, _, err = main_in_process(capsys, "init", str(tmp_path))
    assert code == 2 and "is a folder; name the scenario file to write" in err


def test_force_replaces_the_folder_of_an_earlier_run_only(tmp_path, capsys):
    scenario = write(tmp_path, "t.toml", TEXTBOOK + "[outputs]\nplots = false\nreplay = false\n")
    out = tmp_path / "out"
    assert main_in_process(capsys, "run", str(scenario), "--out", str(out))[0] == 0
    (out / "extra.txt").write_text("from the first run's folder")
    code, _, err = main_in_process(capsys, "run", str(scenario), "--out", str(out))
    assert code == 2 and "add --force to replace the folder of an earlier run" in err
    scenario.write_text(
        TEXTBOOK.replace("price_per_mwh = 100.0", "price_per_mwh = 200.0") + "[outputs]\nplots = false\n"
    )
    code, _, err = main_in_process(capsys, "run", str(scenario), "--out", str(out), "--force")
    assert code == 0, err
    assert not (out / "extra.txt").exists()  # replaced whole, not merged
    assert summary(out)["dispatch"]["objective"] == pytest.approx(2 * 100.0 * 2415.6144, rel=LP_REL_TOL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "t.toml"]  # no temporary left


def test_plot_redraws_the_same_figures_from_the_saved_schedule(tmp_path, capsys):
    scenario = write(tmp_path, "t.toml", TEXTBOOK)
    out = tmp_path / "out"
    assert main_in_process(capsys, "run", "-q", str(scenario), "--out", str(out))[0] == 0
    first = {p.name: p.read_bytes() for p in (out / "plots").iterdir()}
    code, stdout, err = main_in_process(capsys, "plot", str(out))
    assert code == 0, err
    assert f"plots drawn into {out / 'plots'}/" in stdout
    assert {p.name: p.read_bytes() for p in (out / "plots").iterdir()} == first  # the same pictures, redrawn
    (out / "schedule.parquet").unlink()  # from the CSV too
    code, _, err = main_in_process(capsys, "plot", str(out), "--out", str(tmp_path / "again"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == sorted(first)


def test_plant_prints_a_preset_or_a_files_plant(tmp_path, capsys):
    code, out, _ = main_in_process(capsys, "plant", "--preset", "textbook")
    assert code == 0
    assert "Plant: textbook" in out
    assert re.search(r"^upper\.initial_level_masl +115 m a\.s\.l\.$", out, flags=re.MULTILINE)
    assert "Published" not in out  # Lianghekou's published figures only for Lianghekou
    scenario = write(tmp_path, "s.toml", TEXTBOOK + "[plant.overrides]\n'upper.initial_level_masl' = 110.0\n")
    code, out, _ = main_in_process(capsys, "plant", str(scenario))
    assert code == 0
    assert f"The plant of {scenario}: preset 'textbook' with 1 override" in out
    assert re.search(r"^upper\.initial_level_masl +110 m a\.s\.l\.$", out, flags=re.MULTILINE)
    assert f"↳ user: set in [plant.overrides] of {scenario}" in out


def test_quiet_and_version(tmp_path, capsys):
    scenario = write(tmp_path, "t.toml", TEXTBOOK + "[outputs]\nplots = false\n")
    code, out, err = main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "o"), "--quiet")
    assert (code, out, err) == (0, "", "")
    code, out, _ = main_in_process(capsys, "--version")
    assert code == 0 and out.strip() == "hydro-sim 0.1.0"


def test_every_subcommand_has_help_with_examples(capsys):
    for command in ("init", "run", "plant", "plot", "year", "dispatch", "overview", "validate", "sweep"):
        code, out, _ = main_in_process(capsys, command, "--help")
        assert code == 0 and "Examples:\n  hydro-sim " + command in out, command


def test_an_infeasible_file_exits_3_with_the_diagnosis(tmp_path, capsys):
    """No inflow, an environmental flow of 5 m³/s and an end no lower than the start cannot all hold."""
    text = TEXTBOOK.replace("inflow_upper_m3s = 60.0", "inflow_upper_m3s = 0.0")
    code, out, err = main_in_process(
        capsys, "run", str(write(tmp_path, "t.toml", text)), "--out", str(tmp_path / "o")
    )
    assert code == 3
    assert "is infeasible" in err and "end volume of the upper reservoir" in out
    assert not (tmp_path / "o").exists()


def test_the_command_line_limits_override_the_files(tmp_path, capsys, monkeypatch):
    import functools

    seen = {}
    real = dispatch

    @functools.wraps(real)
    def spy(*args, **kw):
        seen.update(kw)
        return real(*args, **kw)

    monkeypatch.setattr("hydro_sim.optimise.dispatch", spy)
    text = TEXTBOOK + "[objective]\nunit_commitment = true\n[solver]\ntime_limit_s = 60.0\nmip_gap = 0.01\n"
    scenario = write(tmp_path, "t.toml", text + "[outputs]\nplots = false\nreplay = false\n")
    assert main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "a"))[0] == 0
    assert seen["time_limit_s"] == 60.0 and seen["mip_rel_gap"] == 0.01 and seen["unit_commitment"] is True
    argv = ("run", str(scenario), "--out", str(tmp_path / "b"), "--time-limit", "7.5", "--mip-gap", "0.002")
    assert main_in_process(capsys, *argv)[0] == 0
    assert seen["time_limit_s"] == 7.5 and seen["mip_rel_gap"] == 0.002


def test_the_readme_scenario_file_runs_as_written(tmp_path, capsys):
    """The README's TOML block, on four days of two-price hours: a pumped store pumps at the low price and
    generates at the high one, in the file's own time zone."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)
    scenario = write(tmp_path, "s.toml", block)
    idx = pd.date_range("2030-01-07", periods=96, freq="h")
    _two_price_csv(tmp_path / "prices.csv", idx, np.where(idx.hour < 7, 40.0, 90.0))
    code, out, err = main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "out"))
    assert code == 0, err
    s = summary(tmp_path / "out")
    assert s["scenario"]["currency"] == "EUR" and s["horizon"]["time_zone"] == "Europe/London"
    schedule = pd.read_parquet(tmp_path / "out" / "schedule.parquet")
    pumping = schedule["power_pumping_mw"] > 0
    assert pumping.any() and (schedule.loc[pumping, "price_per_mwh"] == 40.0).all()
    generating = schedule["power_generating_mw"] > 0
    assert generating.any() and (schedule.loc[generating, "price_per_mwh"] == 90.0).all()
    assert "EUR" in out


def test_on_a_terminal_a_progress_bar_and_then_the_report(tmp_path, capsys, monkeypatch):
    """With a terminal, the stages are a tqdm bar on stderr and the report is printed once the bar is gone
    (not interleaved with it); without one, one line per stage (what a log file keeps)."""
    scenario = write(tmp_path, "t.toml", TEXTBOOK)
    code, out, err = main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "a"))
    assert code == 0
    assert [line.split(":")[1].split()[0] for line in err.splitlines()] == [
        "dispatching",
        "replaying",
        "writing",
        "drawing",
    ]
    monkeypatch.setattr("hydro_sim.cli._progress", lambda args: True)
    code, out_tty, err_tty = main_in_process(capsys, "run", str(scenario), "--out", str(tmp_path / "b"))
    assert code == 0
    assert "hydro-sim run: " in err_tty and "stage" in err_tty and "dispatching" not in err_tty
    assert out_tty.replace(str(tmp_path / "b"), "X") == out.replace(str(tmp_path / "a"), "X")


def test_the_output_folder_of_the_file_is_beside_it(tmp_path, capsys):
    (tmp_path / "study").mkdir()
    scenario = write(
        tmp_path / "study", "t.toml", TEXTBOOK + "[outputs]\nfolder = 'results'\nplots = false\n"
    )
    code, out, err = main_in_process(capsys, "run", str(scenario))
    assert code == 0, err
    assert summary(tmp_path / "study" / "results")["scenario"]["name"] == "textbook by hand"
    assert f"written to {tmp_path / 'study' / 'results'}/" in out


# ---- a network written out in the file -----------------------------------------------------------------------

MERIT = """\
[plant]
name = "two groups"

[[plant.reservoirs]]
name = "Lake"
level_masl = [100.0, 110.0]
volume_hm3 = [0.0, 10.0]
min_level_masl = 100.0
max_level_masl = 110.0
initial_level_masl = 105.0

[[plant.sinks]]
name = "river"
tailwater_level_masl = 0.0

[[plant.links]]
kind = "turbine"
name = "good units"
from = "Lake"
to = "river"
n_units = 1
rated_power_mw = 50.0
max_flow_m3s = 50.0
efficiency = 0.9

[[plant.links]]
kind = "turbine"
name = "poor units"
from = "Lake"
to = "river"
n_units = 1
rated_power_mw = 50.0
max_flow_m3s = 50.0
efficiency = 0.8

[[plant.links]]
kind = "spillway"
name = "Lake spillway"
from = "Lake"
to = "river"

[series]
source = "constant"
duration_h = 24.0

[series.constant]
inflow_Lake_m3s = 60.0
price_per_mwh = 100.0

[objective]
head = "fixed"
"""


def test_a_network_file_gives_the_merit_order_by_hand(tmp_path):
    """One lake, two groups of 0.9 and 0.8: the better group runs at its 50 m³/s limit every hour and the
    poorer one takes the other 10 m³/s of the 60 m³/s inflow (the end may not fall below the start), at the
    initial head of 105 m: revenue = 100 · ρg·105·(0.9·50 + 0.8·10)/10⁶ · 24."""
    sf = files.load(write(tmp_path, "s.toml", MERIT))
    res = dispatch(sf.plant, sf.scenario, **sf.options)
    assert res.status == "optimal"
    sch = res.schedule
    np.testing.assert_allclose(sch["good units flow_m3s"], 50.0, atol=1e-6)
    assert sch["poor units flow_m3s"].sum() == pytest.approx(10.0 * 24, rel=LP_REL_TOL)
    assert sch["Lake spillway flow_m3s"].abs().max() < 1e-6
    k = RHO_WATER_KG_M3 * G_M_S2 * 105.0 / 1e6  # MW per m³/s at η = 1
    assert res.objective_value == pytest.approx(100.0 * k * (0.9 * 50 + 0.8 * 10) * 24, rel=LP_REL_TOL)
    from hydro_sim.html_report import schedule_water_balance_hm3

    assert schedule_water_balance_hm3(sch, sf.plant) < BALANCE_TOL_HM3


def _toml_value(v) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and np.isinf(v):
        return "inf"
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def _written_out(net) -> str:
    """A scenario file that writes ``net`` out element by element (the test's own writer)."""
    from hydro_sim.network import PumpTurbineLink, Release, Spillway, TurbineLink

    out = [
        "[plant]",
        f"name = {_toml_value(net.name)}",
        f"line_capacity_mw = {_toml_value(net.line.capacity_mw)}",
    ]
    for r in net.reservoirs:
        out += ["", "[[plant.reservoirs]]", f"name = {_toml_value(r.name)}"]
        out += [
            f"level_masl = {_toml_value(r.curve.level_masl)}",
            f"volume_hm3 = {_toml_value(r.curve.volume_hm3)}",
        ]
        for f in (
            "min_level_masl",
            "max_level_masl",
            "initial_level_masl",
            "monthly_min_level_masl",
            "monthly_max_level_masl",
        ):
            if getattr(r, f) is not None:
                out.append(f"{f} = {_toml_value(getattr(r, f))}")
    for k in net.sinks:
        out += [
            "",
            "[[plant.sinks]]",
            f"name = {_toml_value(k.name)}",
            f"tailwater_level_masl = {_toml_value(k.tailwater_level_masl)}",
        ]
        for f in ("environmental_min_flow_m3s", "max_flow_m3s", "max_ramp_m3s_per_h"):
            out.append(f"{f} = {_toml_value(getattr(k, f))}")
    for link in net.links:
        out += ["", "[[plant.links]]", f"name = {_toml_value(link.name)}"]
        if isinstance(link, (TurbineLink, PumpTurbineLink)):
            u = link.units
            out.append('kind = "turbine"' if isinstance(link, TurbineLink) else 'kind = "pump_turbine"')
            for f in (
                "n_units",
                "rated_power_mw",
                "max_flow_m3s",
                "efficiency",
                "turbine_efficiency",
                "rated_pumping_power_mw",
                "pump_efficiency",
                "pump_power_band_fraction",
                "min_power_mw",
                "head_loss_coefficient_s2_per_m5",
            ):
                if hasattr(u, f):
                    out.append(f"{f} = {_toml_value(getattr(u, f))}")
        if isinstance(link, PumpTurbineLink):
            out += [f"upper = {_toml_value(link.upper)}", f"lower = {_toml_value(link.lower)}"]
            for f in ("generating_head_range_m", "pumping_head_range_m"):
                if getattr(link, f) is not None:
                    out.append(f"{f} = {_toml_value(getattr(link, f))}")
        else:
            out += [f"from = {_toml_value(link.from_node)}", f"to = {_toml_value(link.to_node)}"]
        if isinstance(link, Spillway):
            out += [
                'kind = "spillway"',
                f"capacity_m3s = {_toml_value(link.capacity_m3s)}",
                f"cost_per_hm3 = {_toml_value(link.cost_per_hm3)}",
            ]
        if isinstance(link, Release):
            out.append('kind = "release"')
            for f in ("environmental_min_flow_m3s", "max_flow_m3s", "max_ramp_m3s_per_h"):
                out.append(f"{f} = {_toml_value(getattr(link, f))}")
    out += [
        "",
        "[series]",
        'source = "constant"',
        "duration_h = 24.0",
        "",
        "[series.constant]",
        '"inflow_Yagen-I_m3s" = 10.0',
        "inflow_Lianghekou_m3s = 600.0",
        "",
    ]
    return "\n".join(out)


def test_a_file_written_out_equals_lianghekou_network_parameter_for_parameter(tmp_path):
    from hydro_sim.cases.lianghekou.plant import lianghekou_network

    net = lianghekou_network()
    sf = files.load(write(tmp_path, "s.toml", _written_out(net)))
    got, want = sf.plant.parameters(), net.parameters()
    assert list(got["parameter"]) == list(want["parameter"])
    assert list(got["value"].astype(str)) == list(want["value"].astype(str))
    assert sf.plant.reservoirs == net.reservoirs and sf.plant.sinks == net.sinks
    assert sf.plant.links == net.links and sf.plant.line == net.line
    # the inflows by reservoir name, hyphen and all
    assert float(sf.scenario.inflow_m3s["Yagen-I"].iloc[0]) == 10.0
    assert float(sf.scenario.inflow_m3s["Lianghekou"].iloc[0]) == 600.0


def test_inflows_by_reservoir_name_from_a_csv_and_a_column_map(tmp_path):
    idx = pd.date_range("2030-01-01", periods=24, freq="h")
    pd.DataFrame({"time": idx.strftime("%Y-%m-%d %H:%M"), "inflow_Lake_m3s": 60.0, "p": 100.0}).to_csv(
        tmp_path / "series.csv", index=False
    )
    text = MERIT.split("[series]")[0] + (
        '[series]\nsource = "file"\npath = "series.csv"\n[series.columns]\nprice_per_mwh = "p"\n'
    )
    sf = files.load(write(tmp_path, "s.toml", text))
    assert sf.scenario.inflow_m3s["Lake"].tolist() == [60.0] * 24
    assert sf.scenario.price_per_mwh.tolist() == [100.0] * 24


def test_the_network_preset_takes_overrides_by_element_path(tmp_path):
    text = """\
[plant]
preset = "lianghekou_network"

[plant.overrides]
"Yagen-I.max_level_masl" = 2603.0
"Yagen-I release.max_ramp_m3s_per_h" = 50.0

[series]
source = "constant"
duration_h = 24.0

[series.constant]
inflow_Lianghekou_m3s = 600.0
"""
    sf = files.load(write(tmp_path, "s.toml", text))
    net = sf.plant
    assert net.node("Yagen-I").max_level_masl == 2603.0
    assert net.link("Yagen-I release").max_ramp_m3s_per_h == 50.0
    assert net.provenance["Yagen-I.max_level_masl"].kind == "user"
    assert float(sf.scenario.inflow_m3s["Yagen-I"].abs().max()) == 0.0  # no series: no inflow, said so
    assert "zero" in sf.scenario.provenance["Yagen-I inflow_m3s"].text


def test_plant_prints_the_network_preset_with_provenance(capsys):
    code, out, _ = main_in_process(capsys, "plant", "--preset", "lianghekou_network")
    assert code == 0
    assert "Yagen-I units.rated_power_mw" in out and "river below Yagen-I.tailwater_level_masl" in out
    assert "CALIBRATION" in out and "Yagen-I units (turbine): Yagen-I → river below Yagen-I" in out


def test_a_rolling_run_of_an_infeasible_problem_exits_3_with_the_diagnosis(tmp_path, capsys):
    text = (
        TEXTBOOK.replace("inflow_upper_m3s = 60.0", "inflow_upper_m3s = 0.0").replace(
            "duration_h = 48.0", "duration_h = 96.0"
        )
        + "[horizon]\nrolling = true\nwindow_h = 48.0\nlookahead_h = 0.0\n"
    )
    code, out, err = main_in_process(
        capsys, "run", str(write(tmp_path, "s.toml", text)), "--out", str(tmp_path / "o")
    )
    assert code == 3, err
    assert "the problem is infeasible (the whole horizon solved at once)" in err
    assert out.strip()  # the diagnosis
    assert not (tmp_path / "o").exists()


def test_a_rolling_run_writes_report_html(tmp_path, capsys):
    text = TEXTBOOK.replace("duration_h = 48.0", "duration_h = 96.0") + (
        "[horizon]\nrolling = true\nwindow_h = 48.0\nlookahead_h = 24.0\n[outputs]\nreplay = false\nplots = false\n"
    )
    code, _, err = main_in_process(
        capsys, "run", "-q", str(write(tmp_path, "s.toml", text)), "--out", str(tmp_path / "o")
    )
    assert code == 0, err
    page = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "rolling windows" in page and "Water balance of the schedule" in page


def test_a_network_file_runs_rolling_and_plot_redraws_its_figures(tmp_path, capsys):
    """Rolling windows on a network written out give the rolling_dispatch schedule of the library, with
    element columns; `plot` rebuilds the network from the run's scenario file; `plant FILE` prints it."""
    text = MERIT.replace("duration_h = 24.0", "duration_h = 96.0") + (
        "[horizon]\nrolling = true\nwindow_h = 48.0\nlookahead_h = 24.0\ncompare_full = false\n"
    )
    path = write(tmp_path, "s.toml", text)
    code, _, err = main_in_process(capsys, "run", "-q", str(path), "--out", str(tmp_path / "o"))
    assert code == 0, err
    sf = files.load(path)
    rr = rolling_dispatch(sf.plant, sf.scenario, **dict(sf.rolling), **sf.options)
    s = summary(tmp_path / "o")
    assert s["dispatch"]["objective"] == pytest.approx(rr.objective_value, rel=JSON_RTOL)
    assert s["rolling"]["windows"] == 2 and s["water_balance_max_error_hm3"] < BALANCE_TOL_HM3
    sch = pd.read_parquet(tmp_path / "o" / "schedule.parquet")
    np.testing.assert_allclose(sch["good units flow_m3s"], rr.schedule["good units flow_m3s"], atol=1e-9)
    assert (tmp_path / "o" / "report.html").is_file()
    code, out, err = main_in_process(capsys, "plot", str(tmp_path / "o"), "--out", str(tmp_path / "p"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "dispatch_week_first.png",
        "reservoir_levels.png",
    ]
    code, out, _ = main_in_process(capsys, "plant", str(path))
    assert code == 0 and "a network written out in the file" in out
    assert re.search(r"poor units.efficiency +0.8 -", out) and "good units (turbine): Lake → river" in out


def test_per_reservoir_options_of_a_network_file_are_met_by_hand(tmp_path):
    """`[objective.end_volume_hm3]` draws the lake from 5 to 4 hm³: the extra 10⁶ m³ over the day runs through
    the poorer group (the better one is at its limit), at the initial head of 105 m."""
    text = MERIT.replace('[objective]\nhead = "fixed"\n', '[objective]\nhead = "fixed"\nend = "fixed"\n')
    text += '\n[objective.end_volume_hm3]\n"Lake" = 4.0\n\n[objective.max_level_change_m_per_h]\nLake = 1.0\n'
    sf = files.load(write(tmp_path, "s.toml", text))
    assert sf.options["end_volume_hm3"] == {"Lake": 4.0}
    assert sf.options["max_level_change_m_per_h"] == {"Lake": 1.0}
    res = dispatch(sf.plant, sf.scenario, **sf.options)
    assert res.status == "optimal"
    assert res.schedule["Lake volume_hm3"].iloc[-1] == pytest.approx(4.0, abs=1e-6)
    extra_m3s = 1e6 / (24 * 3600.0)
    k = RHO_WATER_KG_M3 * G_M_S2 * 105.0 / 1e6
    assert res.objective_value == pytest.approx(
        100.0 * k * (0.9 * 50 + 0.8 * (10.0 + extra_m3s)) * 24, rel=LP_REL_TOL
    )


@pytest.mark.parametrize(
    ("extra", "table", "key", "rule"),
    [
        (
            "\n[objective.water_value_per_hm3]\nLak = 1.0\n",
            "objective.water_value_per_hm3",
            "Lak",
            "is not a reservoir of the network: did you mean `Lake`?",
        ),
        (
            '\n[objective.end_volume_hm3]\nLake = "4"\n',
            "objective.end_volume_hm3",
            "Lake",
            "must be a finite number",
        ),
    ],
)
def test_per_reservoir_options_are_checked_by_name(tmp_path, extra, table, key, rule):
    with pytest.raises(files.ScenarioFileError) as err:
        files.load(write(tmp_path, "s.toml", MERIT + extra))
    assert f"[{table}]" in str(err.value) and f"`{key}`" in str(err.value) and rule in str(err.value)


def test_a_role_key_on_a_network_points_to_its_per_reservoir_table(tmp_path):
    text = MERIT.replace('head = "fixed"', 'head = "fixed"\nwater_value_upper_per_hm3 = 5.0')
    with pytest.raises(
        files.ScenarioFileError, match=r"give it per reservoir in \[objective.water_value_per_hm3\]"
    ):
        files.load(write(tmp_path, "s.toml", text))


def test_a_per_reservoir_table_on_a_preset_plant_is_refused(tmp_path):
    text = '[plant]\npreset = "textbook"\n\n[objective.water_value_per_hm3]\nlake = 1.0\n'
    with pytest.raises(files.ScenarioFileError, match=r"keyed by the reservoirs of a network"):
        files.load(write(tmp_path, "s.toml", text))


def test_the_currency_defaults_to_the_cases_yuan_and_is_otherwise_neutral(tmp_path):
    plain = files.load(write(tmp_path, "a.toml", '[plant]\npreset = "textbook"\n'))
    case = files.load(write(tmp_path, "b.toml", '[plant]\npreset = "lianghekou"\n'))
    given = files.load(
        write(tmp_path, "c.toml", '[scenario]\ncurrency = "GBP"\n\n[plant]\npreset = "lianghekou"\n')
    )
    assert (plain.currency, case.currency, given.currency) == ("money", "CNY", "GBP")
