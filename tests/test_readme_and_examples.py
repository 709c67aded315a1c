"""The README's code and the scripts in examples/ run as written (oemof's habit)."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Relative accuracy of an LP optimum against its hand value: HiGHS's feasibility and optimality tolerances
#: are 1e-7, so an energy of a few thousand MWh is exact to well below 1e-6 of itself.
LP_REL_TOL = 1e-6


def test_readme_python_blocks_run(capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "the README shows Python code"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    # The textbook plant: 48 h at 60 m³/s of inflow into a lake at 115 m over a 20 m tailwater, η = 0.9, no
    # loss; it must end no lower than it starts, so it turbines exactly its inflow at a level that does not
    # move: E = ρgηQH·t = 1000·9.81·0.9·60·95/10⁶ MW × 48 h = 2,415.6144 MWh.
    status, energy = out.split()[:2]
    assert status == "optimal"
    hand_mwh = 1000.0 * 9.81 * 0.9 * 60.0 * (115.0 - 20.0) / 1e6 * 48.0
    assert float(energy) == pytest.approx(hand_mwh, rel=LP_REL_TOL, abs=0.0)


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_runs(script, capsys):
    # each script asserts its own answer (an AssertionError fails this test) and prints it
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{script.name} prints its answer"


def test_pumping_pays_example_finds_the_round_trip_threshold(capsys):
    runpy.run_path(str(ROOT / "examples" / "when_does_pumping_pay.py"), run_name="__main__")
    assert "pumping pays above a price ratio of 1.2346" in capsys.readouterr().out


def test_cascade_example_prints_the_network_and_the_value_of_water(capsys):
    runpy.run_path(str(ROOT / "examples" / "cascade.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "upstream order: Top → Middle → Bottom" in out
    assert "  Middle pair-pump  pump      Bottom → Middle" in out
    assert "  Middle  1   1  -1   1  -1   0   0   0" in out  # the Middle row of the water-balance matrix
    assert (
        "a hm³ in Top is worth 981 MWh = 490.5 (Top units) + 245.25 (Middle pair) + 245.25 (Bottom units)"
        in out
    )
    # the dispatch: the day's inflow runs down the chain and each water value is price × energy factor
    assert "dispatch: optimal, revenue 339,033.6" in out
    assert "  Top       98100.0      98100.0" in out and "  Bottom    24525.0      24525.0" in out


def test_cli_plant_prints_every_parameter_with_provenance():
    out = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "plant"], capture_output=True, text=True, check=True
    ).stdout
    assert "reversible.n_units" in out and "4 units" in out
    assert "conventional.rated_power_mw" in out and "500 MW" in out
    assert "upper.max_level_masl                          2865 m a.s.l." in out
    assert "upper.min_level_masl" in out and "2785 m a.s.l." in out
    assert "1.397 TWh = 1,397,000 MWh" in out
    # every parameter line is followed by its provenance line
    lines = out.splitlines()
    params = [i for i, line in enumerate(lines) if re.match(r"^[a-z_]+\.[a-z0-9_.]+\s{2,}\S", line)]
    assert len(params) == 27  # every scalar parameter of lianghekou()
    for i in params:
        assert "↳ " in lines[i + 1] and (
            "ASSUMPTION: " in lines[i + 1] or "source" in lines[i + 1] or "derived" in lines[i + 1]
        ), lines[i + 1]
