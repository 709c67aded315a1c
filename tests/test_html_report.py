"""The HTML reports: every section present, self-contained (no external address, no script), the tables'
numbers read back exactly, atomic writes that never overwrite unless asked, and the page opened in headless
Chromium: it renders, logs no console message and its screenshot is not blank.

Fast inputs: a week-long dispatch of Lianghekou (about a second) and an annual check of that week without its
inverse problems and sensitivity table, given a synthetic sensitivity table and inverse runs."""

from __future__ import annotations

import dataclasses
import html
import html.parser
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import hydro_sim as hs
from hydro_sim.cases.lianghekou.annual_check import annual_check, design_basis_year
from hydro_sim.cases.lianghekou.report_html import write_annual_check_report
from hydro_sim.errors import HydroSimInputError
from hydro_sim.html_report import (
    Section,
    Table,
    Text,
    render_html,
    write_dispatch_report,
    write_html_report,
)
from hydro_sim.simulation import ReplayPolicy

DISPATCH_SECTIONS = [
    "Result",
    "Against the published figures",
    "Figures",
    "Simulator replay",
    "Inputs of the run",
    "Assumptions and provenance",
]
CHECK_SECTIONS = [
    "What the check shows",
    "Conventional units on a regulated-reservoir basis",
    "Reversible units: duty and capability",
    "Yagen-I&#x27;s own units (a calibration)",
    "The tariff run on the two-node plant (the check before the design basis)",
    "Result against the published figures",
    "The published figures, read right",
    "Design basis of the forward run",
    "Why the reversible figure differs on the defaults",
    "The conventional units",
    "Sensitivity",
    "Figures of the forward run",
    "Inputs of the run",
    "Assumptions and provenance",
]
#: The published reversible figure pro rata for a week: 1,397,000 MWh × 168/8,760. [MWh]
WEEK_PUBLISHED_MWH = 1_397_000.0 * 168 / 8760


@pytest.fixture(scope="module")
def week_run():
    plant = hs.lianghekou()
    week = hs.reference_year().window(start="2030-07-01", hours=168)
    result = hs.dispatch(plant, week)
    assert result.status == "optimal"
    sim = hs.simulate(plant, week, ReplayPolicy(schedule=result.schedule, mode="flows"))
    return plant, week, result, sim


@pytest.fixture(scope="module")
def week_check():
    """A real check of a week (forward run only), with a synthetic sensitivity table and inverse runs so
    that every part of the report is drawn without the minutes the real ones take."""
    year = design_basis_year(hs.reference_year()).window(start="2030-07-01", hours=168)
    check = annual_check(year=year, inverse=False, sensitivity=False)
    base = check.summary["psh_generation_mwh"]
    target = check.summary["published_psh_generation_basis_mwh"]
    sensitivity = pd.DataFrame(
        {
            "parameter": ["base", "tariff spread", "tariff spread", "daily generating cap"],
            "case": ["defaults", "×0.5 around flat", "×1.25 around flat", "2 h/day"],
            "psh_generation_mwh": [base, 0.9 * base, 1.02 * base, 0.4 * base],
            "psh_pumping_mwh": [1.3 * base, 1.17 * base, 1.33 * base, 0.52 * base],
            "psh_cycle_efficiency": [1 / 1.3, 0.9 / 1.17, 1.02 / 1.33, 0.4 / 0.52],
            "psh_relative_deviation": [
                base / target - 1,
                0.9 * base / target - 1,
                1.02 * base / target - 1,
                0.4 * base / target - 1,
            ],
            "conventional_generation_mwh": [check.summary["conventional_generation_mwh"]] * 4,
            "lp_iterations": [1, 3, 4, 5],
        }
    )
    runs = pd.DataFrame(
        {
            "search": ["daily generating hours cap [h]"] * 3,
            "x": [0.5, 12.0, 2.25],
            "psh_generation_mwh": [0.1 * target, base, target],
            "iterations": [5, 1, 4],
        }
    )
    summary = dict(
        check.summary,
        implied_daily_generating_hours_cap=2.25,
        implied_daily_generating_hours_cap_status="solved",
        implied_lower_usable_volume_status="not reached in the searched range",
        sensitivity_status="run",
    )
    return dataclasses.replace(check, summary=summary, sensitivity=sensitivity, inverse_runs=runs)


@pytest.fixture(scope="module")
def dispatch_page(week_run, tmp_path_factory):
    plant, week, result, sim = week_run
    path = tmp_path_factory.mktemp("dispatch") / "report.html"
    write_dispatch_report(
        path,
        result,
        plant=plant,
        scenario=week,
        simulation=sim,
        published={"reversible_generation_mwh": WEEK_PUBLISHED_MWH},
        inputs={
            "command": "hydro-sim run week.toml --out week",
            "week.toml": "[plant]\npreset = 'lianghekou'\n",
        },
    )
    return path


@pytest.fixture(scope="module")
def network_run():
    """A cascade network over two days, dispatched and replayed (element columns)."""
    from hydro_sim.examples import cascade_network, named_scenario

    net = cascade_network()
    sc = named_scenario(hours=48, inflow_m3s={"Top": 40.0, "Middle": 5.0})
    result = hs.dispatch(net, sc, head="fixed", fixed_head_tolerance_m=float("inf"))
    assert result.status == "optimal"
    sim = hs.simulate(net, sc, ReplayPolicy(schedule=result.schedule, mode="flows"))
    return net, sc, result, sim


@pytest.fixture(scope="module")
def network_page(network_run, tmp_path_factory):
    net, sc, result, sim = network_run
    path = tmp_path_factory.mktemp("network") / "report.html"
    write_dispatch_report(path, result, plant=net, scenario=sc, simulation=sim, currency="EUR")
    return path


def test_a_network_report_has_element_figures_and_energies(network_run, network_page):
    from hydro_sim.html_report import replay_energy_mwh, schedule_energy_mwh, schedule_water_balance_hm3

    net, _sc, result, sim = network_run
    page = network_page.read_text(encoding="utf-8")
    assert _h2(page) == [
        "Result",
        "Figures",
        "Simulator replay",
        "Inputs of the run",
        "Assumptions and provenance",
    ]
    energy = schedule_energy_mwh(result.schedule, net)
    units = [c.name for c in net.flow_columns() if f"{c.name} power_mw" in result.schedule]
    assert set(energy) == {f"{u} energy_mwh" for u in units} | {"line_export_mwh", "line_import_mwh"}
    dt = 1.0
    for u in units:  # energy is Σ power · Δt of each element column
        assert energy[f"{u} energy_mwh"] == pytest.approx(
            result.schedule[f"{u} power_mw"].sum() * dt, rel=1e-12
        )
    assert set(replay_energy_mwh(sim, net)) == set(energy)
    assert schedule_water_balance_hm3(result.schedule, net) < 1e-6
    rows = tables(page)["Energy over the run: the LP schedule and its replay through the simulator"]["rows"]
    assert [r[0][0] for r in rows] == [u.replace("-pump", " pumping") for u in units] + [
        "line export",
        "line import",
    ]
    assert page.count("<img ") == 2  # the dispatch window and the levels


@pytest.fixture(scope="module")
def check_page(week_check, tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "report.html"
    write_annual_check_report(path, week_check)
    return path


class _Tables(html.parser.HTMLParser):
    """Every table: caption, header, and per row the cells as (text, data-value or None)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = ["", dict(attrs).get("data-value"), tag]

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            text, value, kind = self._cell
            if kind == "th":
                self.tables[-1]["header"].append(text)
            else:
                self.tables[-1]["rows"][-1].append((text, value))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell[0] += data


def tables(page: str) -> dict[str, dict]:
    parser = _Tables()
    parser.feed(page)
    for t in parser.tables:
        t["rows"] = [r for r in t["rows"] if r]
    return {t["caption"]: t for t in parser.tables}


def _h2(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def _without_data_uris(page: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:…", page)


def test_dispatch_report_has_every_section(dispatch_page):
    page = dispatch_page.read_text(encoding="utf-8")
    assert _h2(page) == DISPATCH_SECTIONS
    assert page.count("<img ") == 3  # the week's dispatch, the levels, the heads
    assert "hydro-sim run week.toml --out week" in page and "preset = &#x27;lianghekou&#x27;" in page


def test_annual_check_report_has_every_section(check_page):
    page = check_page.read_text(encoding="utf-8")
    assert _h2(page) == CHECK_SECTIONS
    # comparison, tornado, a dispatch week, levels, heads
    assert page.count("<img ") == 5
    assert "13.97亿 kWh = 13.97 × 10⁸ kWh = 1.397 TWh = <strong>1,397,000 MWh</strong>" in page
    assert "<strong>2.25 h/day</strong>" in page


@pytest.mark.parametrize("page_fixture", ["dispatch_page", "check_page", "network_page"])
def test_reports_are_self_contained(page_fixture, request):
    page = request.getfixturevalue(page_fixture).read_text(encoding="utf-8")
    rest = _without_data_uris(page)
    assert "http" not in rest and "//" not in rest.replace("<!--", "")  # no address of any kind
    assert "<script" not in page and "<link" not in page and "@import" not in page
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert refs and all(r.startswith(("data:image/png;base64,", "#")) for r in refs)
    assert "@media print" in page


def test_dispatch_tables_read_back_exactly(dispatch_page, week_run):
    _, week, result, sim = week_run
    t = tables(dispatch_page.read_text(encoding="utf-8"))
    energy = t["Energy over the run: the LP schedule and its replay through the simulator"]
    assert energy["header"] == [
        "quantity",
        "schedule [MWh]",
        "simulator [MWh]",
        "schedule − simulator, relative",
    ]
    lp, simulated = result.energy_mwh(), sim.energy_mwh().iloc[0]
    rows = {r[0][0]: r for r in energy["rows"]}
    for label, key in (
        ("conventional generation", "conventional_generation_mwh"),
        ("reversible generation", "reversible_generation_mwh"),
        ("pumping", "pumping_mwh"),
    ):
        text, value = rows[label][1]
        assert float(value) == lp[key] and text == f"{lp[key]:,.1f}"
        assert float(rows[label][2][1]) == simulated[key]
    assert float(rows["line export"][1][1]) == lp["line_export_mwh"]
    # the daily totals add up to the run's (the last row) and to the LP's energy
    daily = t["Daily totals at the busbar (line: net export, import negative)"]
    days = [r for r in daily["rows"] if r[0][0] != "total"]
    assert len(days) == 7
    total = next(r for r in daily["rows"] if r[0][0] == "total")
    conv = [float(r[1][1]) for r in days]
    assert sum(conv) == pytest.approx(float(total[1][1]), rel=1e-12)
    assert float(total[1][1]) == pytest.approx(lp["conventional_generation_mwh"], rel=1e-12)
    # revenue over the run: Σ line × price × 1 h, the objective's busbar term
    revenue = float((result.schedule["line_mw"] * result.schedule["price_per_mwh"]).sum())
    assert float(total[5][1]) == pytest.approx(revenue, rel=1e-12)
    published = t["Model against the published figures"]["rows"][0]
    assert float(published[2][1]) == WEEK_PUBLISHED_MWH
    assert float(published[3][1]) == pytest.approx(
        simulated["reversible_generation_mwh"] / WEEK_PUBLISHED_MWH - 1, rel=1e-12
    )
    series = t["Series"]
    mean_price = next(r for r in series["rows"] if r[0][0] == "price_per_mwh")[1]
    assert float(mean_price[1]) == float(week.price_per_mwh.mean())


def test_check_tables_read_back_exactly(check_page, week_check):
    t = tables(check_page.read_text(encoding="utf-8"))
    s = week_check.summary
    head = t["Model against published over 168 h (the published annual figures pro rata)"]["rows"]
    assert float(head[0][1][1]) == s["psh_generation_mwh"]
    assert float(head[0][2][1]) == s["published_psh_generation_basis_mwh"]
    assert float(head[0][3][1]) == s["psh_relative_deviation"]
    assert float(head[1][1][1]) == s["conventional_generation_mwh"]
    sens = t["Sensitivity table"]["rows"]
    got = np.array([[float(c[1]) for c in r[2:]] for r in sens])
    want = week_check.sensitivity.drop(columns=["parameter", "case"]).to_numpy(dtype=float)
    np.testing.assert_array_equal(got, want)
    runs = t["Runs of the inverse searches"]["rows"]
    assert [float(r[1][1]) for r in runs] == list(week_check.inverse_runs["x"])


def test_an_existing_file_is_kept_unless_overwrite(tmp_path, week_run):
    plant, week, result, _ = week_run
    path = tmp_path / "report.html"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(
        HydroSimInputError,
        match=r"already exists; pass overwrite=True to replace it in write_dispatch_report\(\)",
    ):
        write_dispatch_report(path, result, plant=plant, scenario=week)
    assert path.read_text(encoding="utf-8") == "keep me"
    with pytest.raises(HydroSimInputError, match=r"already exists"):
        write_html_report(path, title="t", sections=[Section("s", (Text("x"),))])
    write_html_report(path, title="t", sections=[Section("s", (Text("x"),))], overwrite=True)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary left


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    """A failure while the file is written (here the disk flush) leaves neither the report nor a temporary."""

    def broken(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space left"):
        write_html_report(tmp_path / "r.html", title="t", sections=[Section("s", (Text("x"),))])
    assert list(tmp_path.iterdir()) == []


def test_bad_places_are_refused_before_any_work(tmp_path):
    sections = [Section("s", (Text("x"),))]
    with pytest.raises(HydroSimInputError, match=r"must be in an existing folder"):
        write_html_report(tmp_path / "missing" / "r.html", title="t", sections=sections)
    with pytest.raises(HydroSimInputError, match=r"must be a file, not a folder"):
        write_html_report(tmp_path, title="t", sections=sections)


def test_rendering_is_deterministic_and_escapes_text():
    frame = pd.DataFrame(
        {"name": ["<b>a</b>"], "energy_mwh": [1234567.891], "count": [3], "missing": [np.nan]}
    )
    sections = [
        Section("One & two", (Text("**bold** and `code` <i>not html</i>"), Table(frame, caption="T")))
    ]
    page = render_html(title="Report <1>", sections=sections)
    assert page == render_html(title="Report <1>", sections=sections)
    assert "<title>Report &lt;1&gt;</title>" in page
    assert "<strong>bold</strong> and <code>code</code> &lt;i&gt;not html&lt;/i&gt;" in page
    assert "<td>&lt;b&gt;a&lt;/b&gt;</td>" in page
    assert '<td class="num" data-value="1234567.891">1,234,568</td>' in page
    assert '<td class="num" data-value="3">3</td>' in page and '<td class="na">–</td>' in page


# -- the browser ---------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install -y --no-install-recommends chromium "
    "fonts-wqy-zenhei); CI installs it",
)


def _chromium(page, tmp_path, *args):
    """Run headless Chromium on a file with console logging on stderr; return (returncode, stdout, stderr)."""
    out = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return out.returncode, out.stdout, out.stderr


def console_messages(stderr: str) -> list[str]:
    """The page's console messages in Chromium's log (``...:INFO:CONSOLE(...)] "text", source: ...``)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_the_console_check_sees_a_page_that_logs(tmp_path):
    """The check below can fail: a page with a script error shows up in the log it reads."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); undefinedName();</script>", "utf-8")
    code, _, err = _chromium(bad, tmp_path, "--dump-dom")
    assert code == 0
    messages = console_messages(err)
    assert any("boom" in m for m in messages) and any("undefinedName" in m for m in messages)


@needs_chromium
@pytest.mark.parametrize("page_fixture", ["dispatch_page", "check_page", "network_page", "own_plant_page"])
def test_the_report_renders_in_chromium(page_fixture, request, tmp_path):
    import matplotlib.image

    page = request.getfixturevalue(page_fixture)
    shot = tmp_path / "screenshot.png"
    code, _, err = _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert code == 0, err[-2000:]
    assert console_messages(err) == []
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (2000, 1280)
    grey = image[..., :3].mean(axis=-1)
    ink = (grey < 0.9).mean()  # share of pixels that are not white
    assert grey.std() > 0.05 and 0.02 < ink < 0.8, (grey.std(), ink)
    # the DOM Chromium built holds what the file holds: every section and figure, the figures decoded
    code, dom, err = _chromium(page, tmp_path, "--dump-dom")
    assert code == 0 and console_messages(err) == []
    source = page.read_text(encoding="utf-8")
    unescaped = [html.unescape(h) for h in _h2(source)]  # Chromium's DOM writes ' where the file has &#x27;
    assert [html.unescape(h) for h in _h2(dom)] == unescaped and dom.count("<img ") == source.count(
        "<img "
    ) > 0
    if os.environ.get("HYDRO_SIM_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["HYDRO_SIM_KEEP_SCREENSHOT"] + f"-{page_fixture}.png")


def test_a_run_without_a_schedule_still_reports_its_status_and_inputs(tmp_path, week_run):
    """An infeasible run: the status with its diagnosis, the inputs and the assumptions; no figures."""
    plant, week, result, _ = week_run
    diagnosis = pd.DataFrame({"constraint": ["Yagen-I-balance"], "first_step": [3], "slack_hm3": [0.25]})
    failed = dataclasses.replace(
        result,
        status="infeasible",
        message="infeasible: the lower reservoir cannot hold its minimum volume from step 3",
        schedule=pd.DataFrame(),
        diagnosis=diagnosis,
    )
    path = write_dispatch_report(tmp_path / "report.html", failed, plant=plant, scenario=week)
    page = path.read_text(encoding="utf-8")
    assert _h2(page) == ["Result", "Inputs of the run", "Assumptions and provenance"]
    assert "<img " not in page and "cannot hold its minimum volume from step 3" in page
    (row,) = tables(page)["Diagnosis"]["rows"]
    assert row[0][0] == "Yagen-I-balance" and float(row[2][1]) == 0.25


def test_wrong_arguments_name_the_field(week_run, tmp_path):
    plant, _, result, _ = week_run
    with pytest.raises(HydroSimInputError, match=r"`scenario` \('str'\) must be a hydro_sim.Scenario"):
        write_dispatch_report(tmp_path / "r.html", result, plant=plant, scenario="week")
    with pytest.raises(HydroSimInputError, match=r"`path` \('int'\) must be a file path"):
        write_html_report(3, title="t", sections=[])
    with pytest.raises(HydroSimInputError, match=r"`sections` \('str'\) must be a sequence of Section"):
        render_html(title="t", sections=["text"])
    with pytest.raises(HydroSimInputError, match=r"`check` \('str'\) must be an AnnualCheck"):
        write_annual_check_report(tmp_path / "c.html", "check")
    assert list(tmp_path.iterdir()) == []


# -- a user's own files through `hydro-sim run` in a subprocess, its report in the browser ----------------------
@pytest.fixture(scope="module")
def own_plant_run(tmp_path_factory):
    """examples/own_plant (a scenario file written from scratch with its CSVs) run as a user runs it."""
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "examples" / "own_plant"
    out = tmp_path_factory.mktemp("own") / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "run", "-q", "own_plant.toml", "--out", str(out)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(hs.__file__).resolve().parents[1])},  # this checkout
    )
    assert proc.returncode == 0, proc.stderr
    return folder, out


@pytest.fixture(scope="module")
def own_plant_page(own_plant_run):
    return own_plant_run[1] / "report.html"


def test_a_run_of_ones_own_files_equals_the_library_call(own_plant_run):
    """The subprocess run's schedule and energies are those of dispatch() on the same file, and its water
    balance closes."""
    import json

    from hydro_sim import files
    from hydro_sim.html_report import schedule_water_balance_hm3

    folder, out = own_plant_run
    sf = files.load(folder / "own_plant.toml")
    res = hs.dispatch(sf.plant, sf.scenario, **sf.options)
    schedule = pd.read_parquet(out / "schedule.parquet")
    for col in res.schedule.columns:
        np.testing.assert_allclose(
            schedule[col].to_numpy(), res.schedule[col].to_numpy(), rtol=1e-9, atol=1e-9
        )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["dispatch"]["objective"] == pytest.approx(res.objective_value, rel=1e-12)
    units = {k.replace(" mwh", " energy_mwh"): v for k, v in res.energy_mwh().items() if k.endswith(" mwh")}
    assert set(units) == {"Units energy_mwh", "Units-pump energy_mwh"}
    for key, mwh in units.items():
        assert summary["energy_mwh"][key] == pytest.approx(mwh, rel=1e-9), key
    assert schedule_water_balance_hm3(schedule, sf.plant) < 1e-6
