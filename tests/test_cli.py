"""The CLI's `year`, `dispatch` and `overview` subcommands: what they print and write, against the library
calls they wrap, and their input errors (exit code 2, a message on stderr, nothing overwritten).

`plant` and `validate` are tested in test_readme_and_examples.py and test_validation.py. Like those tests,
these run the CLI as a subprocess (``python -m hydro_sim.cli``), as a user would.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import pandas as pd
import pytest

from hydro_sim.balance import water_balance_max_error_hm3
from hydro_sim.cases.lianghekou.plant import lianghekou
from hydro_sim.cases.lianghekou.reference_year import reference_year
from hydro_sim.cases.lianghekou.report import plant_table, published_figures_text, scenario_summary
from hydro_sim.optimise import dispatch

#: The CLI prints energies in whole MWh. [MWh]
PRINTED_MWH = 0.5
#: ... energies in TWh and efficiencies with 3 decimals, the objective in 10⁸ CNY with 4.
#: [TWh], [-], [10⁸ CNY]
PRINTED_3_DECIMALS = 5e-4
PRINTED_4_DECIMALS = 5e-5
#: ... scenario statistics with 2 decimals, deviations in % with 1. [unit of the series], [%]
PRINTED_2_DECIMALS = 5e-3
PRINTED_PCT_1_DECIMAL = 0.05
#: schedule.csv holds 9 significant digits (%.9g): a relative rounding of at most 5e-9. [-]
CSV_RTOL = 1e-8
#: The water balance recomputed from schedule.csv: the upper volumes (≈8,600 hm³) are rounded to 9 significant
#: digits, ≤ 5e-6 hm³ each, and a step's residual takes the difference of two of them. [hm³]
CSV_BALANCE_TOL_HM3 = 2e-5
#: The water balance of the library's schedule, either backend: the issue's 1e-6 hm³ (as test_dispatch.py;
#: the PuLP backend re-accumulates CBC's 8-digit volumes from the balance rows' residuals). [hm³]
LP_BALANCE_TOL_HM3 = 1e-6
#: Flat tariff price of the reference year; TOU multipliers 1.6 (peak), 1.0 (flat), 0.4 (valley), critical
#: peak 1.92 for two peak hours a day in Jan, Jul, Aug and Dec (reference_year's provenance text). [CNY/MWh]
FLAT_PRICE_PER_MWH = 400.0


#: dispatch()'s keyword defaults: the CLI's defaults must be the same.
API_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(dispatch).parameters.items()
    if p.default is not inspect.Parameter.empty
}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", *args], capture_output=True, text=True, check=False
    )


def summary_table(out: str) -> pd.DataFrame:
    """The statistics table `scenario_summary` prints: series name, mean, min, max."""
    number = r"\s+(-?[\d.]+)"
    rows = re.findall(rf"^([a-z_]+_(?:m3s|mw|per_mwh)){number}{number}{number}$", out, flags=re.MULTILINE)
    return pd.DataFrame(
        [[float(v) for v in r[1:]] for r in rows], index=[r[0] for r in rows], columns=["mean", "min", "max"]
    )


# ---- year --------------------------------------------------------------------------------------------------


def test_year_prints_the_reference_year_statistics():
    res = run_cli("year")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert (
        "Scenario: Lianghekou reference year 2030: 8760 steps of 1 h from 2030-01-01 00:00:00 to "
        "2030-12-31 23:00:00"
    ) in out
    table = summary_table(out)
    assert list(table.index) == [
        "inflow_upper_m3s",
        "inflow_lower_m3s",
        "price_per_mwh",
        "pv_available_mw",
        "wind_available_mw",
        "line_capacity_mw",
    ]
    # sourced figures: the annual mean flow 664 m³/s and 72.5 % of the runoff in June–October
    assert table.loc["inflow_upper_m3s", "mean"] == pytest.approx(664.0, abs=PRINTED_2_DECIMALS)
    assert "June–October share of upper inflow: 72.5%" in out
    # TOU prices by hand: 8 peak, 8 flat and 8 valley hours average to the flat price,
    # 400 × (8·1.6 + 8·1.0 + 8·0.4)/24 = 400; the critical peak adds 400 × (1.92 − 1.6) × 2 h on 124 days.
    mean_price = FLAT_PRICE_PER_MWH * (1.0 + (1.92 - 1.6) * 2 * (31 + 31 + 31 + 31) / 8760)
    price = table.loc["price_per_mwh"]
    assert price["mean"] == pytest.approx(mean_price, abs=PRINTED_2_DECIMALS)  # 403.62
    assert price["min"] == pytest.approx(0.4 * FLAT_PRICE_PER_MWH, abs=PRINTED_2_DECIMALS)
    assert price["max"] == pytest.approx(1.92 * FLAT_PRICE_PER_MWH, abs=PRINTED_2_DECIMALS)
    assert "peak 10–12 and 15–21 ×1.6, flat 07–10, 12–15 and 21–23 ×1.0, valley 23–07 ×0.4" in out
    assert table.loc["line_capacity_mw"].tolist() == [4200.0, 4200.0, 4200.0]
    # every number is the library's, and every series has its provenance line
    year = reference_year()
    pd.testing.assert_frame_equal(table, year.summary(), check_names=False, rtol=0, atol=PRINTED_2_DECIMALS)
    for name, prov in year.provenance.items():
        assert f"  {name}: {prov.label()}" in out


def test_year_window_prints_the_window():
    res = run_cli("year", "--hours", "48", "--start-h", "24")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "48 steps of 1 h from 2030-01-02 00:00:00 to 2030-01-03 23:00:00" in out
    assert "June–October share of upper inflow: 0.0%" in out  # two January days
    table = summary_table(out)
    # January: the critical peak (×1.92) at 19–21 lifts the day's mean to 400 × (1 + 0.32 × 2/24)
    assert table.loc["price_per_mwh", "mean"] == pytest.approx(
        FLAT_PRICE_PER_MWH * (1.0 + (1.92 - 1.6) * 2 / 24), abs=PRINTED_2_DECIMALS
    )  # 410.67
    window = reference_year().window(start_h=24, hours=48)
    pd.testing.assert_frame_equal(table, window.summary(), check_names=False, rtol=0, atol=PRINTED_2_DECIMALS)


@pytest.mark.parametrize(
    "args, field, rule",
    [
        (("--hours", "10000"), "`hours` (10000.0)", "runs past the scenario's end (8760 steps"),
        (("--hours", "24", "--start-h", "8760"), "`start_h` (8760.0)", "starts past the scenario's end"),
        (("--hours", "1.5"), "`hours` (1.5)", "must be a whole number of steps of 1.0 h"),
    ],
)
def test_year_bad_window_is_an_input_error(args, field, rule):
    res = run_cli("year", *args)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.startswith("hydro-sim: input error: ")
    assert field in res.stderr and rule in res.stderr and "Scenario.window" in res.stderr


# ---- dispatch ----------------------------------------------------------------------------------------------

DISPATCH_CASES = [
    # CLI arguments, the same as dispatch() keywords; no option given: dispatch()'s own defaults
    (["--hours", "48"], {}),
    (
        ["--hours", "48", "--start-h", "4344", "--head", "fixed", "--balance", "none"],
        dict(backend="highs", head="fixed", pump_generate_balance="none"),
    ),
    (
        ["--hours", "48", "--start-h", "4344", "--backend", "pulp", "--head", "fixed", "--balance", "week"],
        dict(backend="pulp", head="fixed", pump_generate_balance="week"),
    ),
    (
        ["--hours", "24", "--head", "fixed", "--balance", "day", "--unit-commitment"],
        dict(backend="highs", head="fixed", pump_generate_balance="day", unit_commitment=True),
    ),
]


def _window(argv: list[str]):
    hours = float(argv[argv.index("--hours") + 1])
    start_h = float(argv[argv.index("--start-h") + 1]) if "--start-h" in argv else 0.0
    return reference_year().window(start_h=start_h, hours=hours)


@pytest.mark.parametrize("argv, kwargs", DISPATCH_CASES, ids=["default", "fixed-none", "pulp-week", "uc"])
def test_dispatch_prints_and_writes_the_library_schedule(tmp_path, argv, kwargs):
    out_dir = tmp_path / "new" / "folder"  # created by the CLI
    res = run_cli("dispatch", *argv, "--out", str(out_dir))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    plant, window = lianghekou(), _window(argv)
    direct = dispatch(plant, window, **kwargs)
    assert direct.success

    shown = API_DEFAULTS | kwargs
    assert (
        f"({window.n_steps} steps), backend {shown['backend']}, head {shown['head']}, "
        f"pump–generate balance {shown['pump_generate_balance']}"
    ) in out
    assert f"status: {direct.status}: {direct.message}" in out
    objective = float(re.search(r"objective \(revenue less costs\): (-?[\d.]+) × 10⁸ CNY", out).group(1))
    assert objective == pytest.approx(direct.objective_value / 1e8, abs=PRINTED_4_DECIMALS)
    assert f"iterations {direct.iterations}, " in out
    printed = {
        k: float(v.replace(",", ""))
        for k, v in re.findall(r"^  ([a-z_]+_mwh)\s+([\d,]+) MWh = ", out, flags=re.MULTILINE)
    }
    energy = direct.energy_mwh()
    assert list(printed) == list(energy)
    for key, value in energy.items():
        assert printed[key] == pytest.approx(value, abs=PRINTED_MWH), key

    # schedule.csv: the library's schedule, its water balance closes, its power sums to the printed energies
    path = out_dir / "schedule.csv"
    assert f"schedule written to {path}" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["schedule.csv"]  # no temporary file left behind
    csv = pd.read_csv(path, index_col=0, parse_dates=True)
    assert list(csv.columns) == list(direct.schedule.columns)
    assert csv.index.equals(pd.DatetimeIndex(window.index, freq=None))
    # (all-zero columns read back as int)
    pd.testing.assert_frame_equal(
        csv, direct.schedule, check_dtype=False, check_freq=False, check_names=False, rtol=CSV_RTOL, atol=1e-9
    )
    volumes = dict(
        initial_volume_upper_hm3=plant.upper.initial_volume_hm3,
        initial_volume_lower_hm3=plant.lower.initial_volume_hm3,
        dt_h=window.dt_h,
    )
    lp_error_hm3 = water_balance_max_error_hm3(direct.schedule, **volumes)
    assert lp_error_hm3 <= LP_BALANCE_TOL_HM3
    assert water_balance_max_error_hm3(csv, **volumes) <= lp_error_hm3 + CSV_BALANCE_TOL_HM3
    for key, column in (
        ("conventional_generation_mwh", "power_conventional_mw"),
        ("reversible_generation_mwh", "power_generating_mw"),
        ("pumping_mwh", "power_pumping_mw"),
    ):
        assert csv[column].sum() * window.dt_h == pytest.approx(printed[key], abs=PRINTED_MWH), key
    assert csv["line_mw"].clip(lower=0).sum() == pytest.approx(printed["line_export_mwh"], abs=PRINTED_MWH)


def test_dispatch_without_out_writes_nothing(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "dispatch", "--hours", "24"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "status: optimal" in res.stdout and "schedule written" not in res.stdout
    assert list(tmp_path.iterdir()) == []


def test_dispatch_refuses_to_overwrite_a_schedule(tmp_path):
    (tmp_path / "schedule.csv").write_text("keep me")
    (tmp_path / "notes.txt").write_text("mine")
    res = run_cli("dispatch", "--hours", "24", "--out", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.startswith("hydro-sim: input error: `--out`")
    assert "already holds schedule.csv" in res.stderr and "never overwritten" in res.stderr
    assert "status:" not in res.stdout  # refused before the solve, not after it
    assert (tmp_path / "schedule.csv").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "schedule.csv"]  # no temporary file


def test_dispatch_writes_into_a_folder_that_holds_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    res = run_cli("dispatch", "--hours", "24", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert len(pd.read_csv(tmp_path / "schedule.csv")) == 24


def test_dispatch_bad_window_is_an_input_error(tmp_path):
    res = run_cli("dispatch", "--hours", "0", "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "hydro-sim: input error: `hours` (0.0)" in res.stderr
    assert not (tmp_path / "out").exists()


def test_dispatch_unknown_backend_is_refused_by_the_parser():
    res = run_cli("dispatch", "--hours", "24", "--backend", "gurobi")
    assert res.returncode == 2
    assert "invalid choice: 'gurobi'" in res.stderr


# ---- overview ----------------------------------------------------------------------------------------------


def check_overview(out: str, start_h: float, hours: float | None) -> None:
    """The overview's parts against the library: plant table, scenario summary, published figures and the
    dispatch."""
    plant = lianghekou()
    year = reference_year()
    if hours is not None:
        year = year.window(start_h=start_h, hours=hours)
    assert plant_table(plant) in out
    assert scenario_summary(year) in out
    assert published_figures_text() in out
    direct = dispatch(plant, year, head="successive", pump_generate_balance="day")
    assert direct.success
    assert (
        f"(TOU revenue, daily pump–generate water balance, successive head): {direct.status}; "
        f"{direct.iterations} iterations"
    ) in out
    e = direct.energy_mwh()
    found = re.findall(
        r"^  (reversible units, pumped-water basis|conventional units)\s+model\s+([\d.]+) TWh"
        r"\s+published\s+([\d.]+) TWh\s+deviation\s+([+-][\d.]+)%$",
        out,
        flags=re.MULTILINE,
    )
    rows = {name: (float(model), float(pub), float(dev)) for name, model, pub, dev in found}
    for name, model_mwh, published_twh in (
        ("reversible units, pumped-water basis", e["reversible_generation_mwh"], 1.397),  # 13.97亿 kWh
        ("conventional units", e["conventional_generation_mwh"], 11.0),
    ):  # 110亿 kWh
        model, pub, dev = rows.pop(name)
        assert model == pytest.approx(model_mwh / 1e6, abs=PRINTED_3_DECIMALS), name
        assert pub == pytest.approx(published_twh, abs=PRINTED_3_DECIMALS), name
        deviation_pct = 100 * (model_mwh / 1e6 / published_twh - 1)
        assert dev == pytest.approx(deviation_pct, abs=PRINTED_PCT_1_DECIMAL), name
    assert rows == {}
    pumping, efficiency = map(
        float, re.search(r"pumping energy ([\d.]+) TWh; cycle efficiency ([\d.]+)", out).groups()
    )
    assert pumping == pytest.approx(e["pumping_mwh"] / 1e6, abs=PRINTED_3_DECIMALS)
    assert efficiency == pytest.approx(
        e["reversible_generation_mwh"] / e["pumping_mwh"], abs=PRINTED_3_DECIMALS
    )
    assert "`hydro-sim validate`" in out


def test_overview_on_a_month():
    res = run_cli("overview", "--hours", "720", "--start-h", "4344")
    assert res.returncode == 0, res.stderr
    # 4,344 h = 181 days: the window starts on 1 July
    assert "720 steps of 1 h from 2030-07-01 00:00:00 to 2030-07-30 23:00:00" in res.stdout
    check_overview(res.stdout, start_h=4344, hours=720)


@pytest.mark.slow
def test_overview_on_the_full_year():
    """The default overview dispatches the whole reference year (≈10 s, twice with the direct call)."""
    res = run_cli("overview")
    assert res.returncode == 0, res.stderr
    assert "8760 steps of 1 h" in res.stdout
    check_overview(res.stdout, start_h=0.0, hours=None)


def test_overview_bad_window_is_an_input_error():
    res = run_cli("overview", "--hours", "10000")
    assert res.returncode == 2
    assert res.stdout == ""
    assert "hydro-sim: input error: `hours` (10000.0) runs past the scenario's end" in res.stderr


# ---- defaults, solver options and exit codes (in-process: fast, and counted by coverage) -------------------


def main_in_process(capsys, *argv: str) -> tuple[int, str, str]:
    """``hydro-sim ARGV`` through ``hydro_sim.cli.main`` in this process: (exit code, stdout, stderr)."""
    from hydro_sim.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help
        code = int(exc.code or 0)
    got = capsys.readouterr()
    return code, got.out, got.err


def test_the_cli_defaults_are_the_api_defaults():
    from hydro_sim.cli import build_parser

    args = build_parser().parse_args(["dispatch"])
    assert (args.backend, args.head, args.balance, args.unit_commitment) == (
        API_DEFAULTS["backend"],
        API_DEFAULTS["head"],
        API_DEFAULTS["pump_generate_balance"],
        API_DEFAULTS["unit_commitment"],
    )
    assert args.time_limit is None and args.mip_gap is None  # not passed: dispatch()'s own defaults apply
    v = build_parser().parse_args(["validate"])
    assert not v.quick and v.hours is None and v.time_limit is None  # annual_check()'s inverse/sensitivity on


def test_help_documents_the_exit_codes(capsys):
    code, out, _ = main_in_process(capsys, "--help")
    assert code == 0
    for text in (
        "0    success",
        "2    bad input",
        "3    the problem is infeasible",
        "4    the solver failed",
        "130  interrupted by SIGINT",
        "143: by SIGTERM",
    ):
        assert text in out, text


def like_dispatch(fn):
    """``fn`` with dispatch()'s signature (the CLI reads its defaults from it)."""
    import functools

    return functools.wraps(dispatch)(fn)


@pytest.fixture(scope="module")
def day_result():
    """A real, optimal 24-h dispatch (fixed head): the base of the results with other statuses below."""
    res = dispatch(lianghekou(), reference_year().window(hours=24), head="fixed")
    assert res.status == "optimal"
    return res


def status_result(base, status: str, *, solution: bool, interrupted_by: str | None = None, diagnosis=None):
    """``base`` with another status, as dispatch() reports it (``has_solution`` follows the status and the
    schedule, ``interrupted_by``); without a solution the schedule is empty, as dispatch() returns it."""
    import dataclasses

    res = dataclasses.replace(
        base,
        status=status,
        message=f"{status}: a message from the solver",
        diagnosis=diagnosis,
        interrupted_by=interrupted_by,
        schedule=base.schedule if solution else base.schedule.iloc[:0],
    )
    assert res.has_solution == solution
    return res


@pytest.mark.parametrize(
    "status, solution, by, code",
    [
        ("infeasible", False, None, 3),
        ("unbounded", False, None, 4),
        ("error", False, None, 4),
        ("time_limit", False, None, 4),
        ("interrupted", True, "SIGINT", 130),
        ("interrupted", False, "SIGTERM", 143),
    ],
)
def test_dispatch_status_maps_to_its_exit_code_and_writes_nothing(
    capsys, monkeypatch, tmp_path, day_result, status, solution, by, code
):
    import pandas as pd_

    diagnosis = (
        pd_.DataFrame({"constraint": ["minimum level of the upper reservoir"], "first_step": [3]})
        if status == "infeasible"
        else None
    )
    fake = status_result(day_result, status, solution=solution, interrupted_by=by, diagnosis=diagnosis)
    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(lambda *a, **k: fake))
    got, out, err = main_in_process(capsys, "dispatch", "--hours", "24", "--out", str(tmp_path / "o"))
    assert got == code
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err  # one clear line
    assert not (tmp_path / "o").exists()  # nothing written, not even the folder
    if status == "infeasible":
        assert "minimum level of the upper reservoir" in out  # the diagnosis is printed
        assert "is infeasible: infeasible: a message from the solver" in err
    elif status == "interrupted":
        assert err.startswith(f"hydro-sim: interrupted by {by}; no partial output")
    else:
        assert f"gave no schedule ({status})" in err


def test_dispatch_time_limit_with_a_schedule_exits_0_and_says_so(capsys, monkeypatch, tmp_path, day_result):
    fake = status_result(day_result, "time_limit", solution=True)
    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(lambda *a, **k: fake))
    code, out, err = main_in_process(
        capsys, "dispatch", "--hours", "24", "--time-limit", "5", "--out", str(tmp_path)
    )
    assert code == 0
    assert "stopped at time_limit with a feasible schedule that is not proven optimal" in err
    assert "NOTE: the schedule is feasible but not proven optimal (time_limit)." in out
    assert len(pd.read_csv(tmp_path / "schedule.csv")) == 24


def test_time_limit_and_mip_gap_reach_the_solver(capsys, monkeypatch, day_result):
    seen = {}

    def spy(*args, **kw):
        seen.update(kw)
        return day_result

    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(spy))
    code, _, err = main_in_process(
        capsys, "dispatch", "--hours", "24", "--unit-commitment", "--time-limit", "7.5", "--mip-gap", "0.01"
    )
    assert code == 0, err
    assert seen["time_limit_s"] == 7.5 and seen["mip_rel_gap"] == 0.01 and seen["unit_commitment"] is True
    seen.clear()
    main_in_process(capsys, "dispatch", "--hours", "24")
    assert "time_limit_s" not in seen and "mip_rel_gap" not in seen  # dispatch()'s defaults apply


def test_a_real_time_limit_without_a_solution_exits_4():
    """HiGHS stopped by a 1 ns limit has no schedule: exit 4 with one line, no traceback."""
    res = run_cli("dispatch", "--hours", "24", "--time-limit", "1e-9")
    assert res.returncode == 4, res.stdout + res.stderr
    assert "status: time_limit" in res.stdout
    assert res.stderr.startswith("hydro-sim: the dispatch gave no schedule (time_limit)")
    assert len(res.stderr.strip().splitlines()) == 1


def test_start_h_alone_cuts_the_year(capsys):
    """`--start-h` without `--hours` runs from there to the year's end (it used to be ignored)."""
    code, out, _ = main_in_process(capsys, "year", "--start-h", "8736")
    assert code == 0
    assert "24 steps of 1 h from 2030-12-31 00:00:00 to 2030-12-31 23:00:00" in out


# ---- output places: refused before any computation, with one clear line -----------------------------------


@pytest.mark.parametrize("command", ["validate", "dispatch"])
@pytest.mark.parametrize(
    "place, fragment",
    [
        ("f.txt", "is a file"),
        ("f.txt/out", "which is a file, not a folder"),
        ("f.txt/a/b", "which is a file, not a folder"),
        ("/proc/hydro-sim-out", "cannot be written: creating a folder in '/proc' fails"),
        (
            "/sys/hydro-sim-out",
            "cannot be written: creating a folder in '/sys' fails (Operation not permitted)",
        ),
        ("x" * 256, "has a name longer than 255 bytes"),
    ],
)
def test_a_bad_output_place_is_refused_before_any_work(
    capsys, monkeypatch, tmp_path, command, place, fragment
):
    (tmp_path / "f.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        "hydro_sim.optimise.dispatch", like_dispatch(lambda *a, **k: pytest.fail("solved early"))
    )
    monkeypatch.setattr(
        "hydro_sim.cases.lianghekou.annual_check.annual_check",
        lambda *a, **k: pytest.fail("ran before the check"),
    )
    argv = [command, "--out", place] + (["--hours", "24"] if command == "dispatch" else ["--quick"])
    code, out, err = main_in_process(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("hydro-sim: input error: `--out`") and fragment in err, err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]  # no probe or temporary left


@pytest.mark.parametrize("place", [".", "..", "", "sub/.."])
def test_validate_refuses_dot_names(capsys, monkeypatch, tmp_path, place):
    """`validate --out .` in an empty folder used to fail only after the whole run (renaming `.`)."""
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.setattr(
        "hydro_sim.cases.lianghekou.annual_check.annual_check",
        lambda *a, **k: pytest.fail("ran before the check"),
    )
    code, _, err = main_in_process(capsys, "validate", "--quick", "--out", place)
    assert code == 2
    assert "must name a new folder" in err and "--out validate_out" in err


def test_stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept(capsys, tmp_path):
    """Temporaries named with the prefix and a pid: removed when that process is gone, kept while it runs."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    live_pid = subprocess.os.getppid()  # pytest's parent: alive, and not this process
    out = tmp_path / "o"
    out.mkdir()
    stale = out / f".schedule.csv.{dead_pid}.abc123.tmp"
    live = out / f".schedule.csv.{live_pid}.def456.tmp"
    other = out / ".schedule.csv.tmp"  # not a name the CLI makes: never touched
    for p in (stale, live, other):
        p.write_text("x")
    code, _, err = main_in_process(capsys, "dispatch", "--hours", "24", "--head", "fixed", "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(["schedule.csv", live.name, other.name])


def test_plant_and_overview_in_process(capsys):
    code, out, _ = main_in_process(capsys, "plant")
    assert code == 0 and plant_table(lianghekou()) in out and published_figures_text() in out
    code, out, _ = main_in_process(capsys, "overview", "--hours", "48")
    assert code == 0
    assert "this run covers 48 h: the deviations below compare a window with a year and are no check" in out
    check_overview(out, start_h=0.0, hours=48)


def test_overview_and_library_errors_map_to_exit_codes(capsys, monkeypatch, day_result):
    from hydro_sim.errors import HydroSimError

    fake = status_result(day_result, "infeasible", solution=False)
    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(lambda *a, **k: fake))
    code, _, err = main_in_process(capsys, "overview", "--hours", "24")
    assert code == 3 and "the overview's dispatch is infeasible" in err

    def broken(*args, **kw):
        raise HydroSimError("the solver library is missing")

    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(broken))
    code, _, err = main_in_process(capsys, "dispatch", "--hours", "24")
    assert code == 4 and err == "hydro-sim: error: the solver library is missing\n"


def test_the_own_plant_example_runs_and_gives_the_answer_by_hand(tmp_path):
    """examples/own_plant: a pure pumped store, no inflow, 12 h at 40 then 12 h at 160 EUR/MWh, two days, at
    the initial gross head 405 − 68 = 337 m. The pumps (2 × 150 MW, η 0.9, no band) lift
    300·0.9/(ρg·337) MW → 81.67 m³/s, 3.528 hm³ in 12 h: the units' limit, below the usable 4.75 hm³. The
    turbines (η 0.9) return 0.81 of the 3,600 MWh pumped each day, and the revenue is
    2 · (160 · 0.81 · 3,600 − 40 · 3,600) = 645,120 EUR."""
    import json
    import os
    from pathlib import Path

    import hydro_sim
    from hydro_sim.constants import G_M_S2, RHO_WATER_KG_M3

    folder = Path(__file__).resolve().parents[1] / "examples" / "own_plant"
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "run", "-q", "own_plant.toml", "--out", str(out)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(hydro_sim.__file__).resolve().parents[1])},  # this checkout
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["dispatch"]["objective"] == pytest.approx(2 * (160 * 0.81 * 3600 - 40 * 3600), rel=1e-6)
    e = summary["energy_mwh"]
    assert e["Units-pump energy_mwh"] == pytest.approx(2 * 3600.0, rel=1e-6)
    assert e["Units energy_mwh"] == pytest.approx(0.81 * 2 * 3600.0, rel=1e-6)
    pumped_m3s = 300e6 * 0.9 / (RHO_WATER_KG_M3 * G_M_S2 * 337.0)
    cycled = summary["elements"]["links"]["Units-pump"]["water_hm3"]
    assert cycled == pytest.approx(2 * pumped_m3s * 12 * 0.0036, rel=1e-6)
    assert summary["elements"]["links"]["Units"]["water_hm3"] == pytest.approx(cycled, rel=1e-6)
    upper = summary["elements"]["reservoirs"]["Upper lake"]
    assert upper["final_volume_hm3"] == pytest.approx(upper["initial_volume_hm3"], abs=1e-6)
    assert summary["water_balance_max_error_hm3"] < 1e-6
    assert summary["replay"]["water_balance_max_error_hm3"] < 1e-6
    assert (out / "report.html").is_file() and (out / "plots" / "reservoir_levels.png").is_file()
    schedule = pd.read_csv(out / "schedule.csv", index_col=0)
    assert "Upper lake volume_hm3" in schedule and "Units-pump flow_m3s" in schedule
