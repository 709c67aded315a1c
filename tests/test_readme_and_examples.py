"""The README's code and the scripts in examples/ run as written (oemof's habit)."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README shows Python code"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    # The textbook plant: 48 h at 60 m³/s of inflow, 100 m of head at most, 0.9 efficiency; it starts
    # 10 m above its minimum and must end no lower, so it can at most turbine its inflow plus nothing more.
    status, energy = out.split()[:2]
    assert status == "optimal"
    upper_bound_mwh = 0.9 * 9.81e-3 * 60.0 * (120.0 - 20.0) * 48.0   # ρgηQH·t at the highest head
    assert 0.0 < float(energy) <= upper_bound_mwh


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_runs(script, capsys):
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip(), f"{script.name} prints its answer"


def test_cli_plant_prints_every_parameter_with_provenance():
    out = subprocess.run([sys.executable, "-m", "hydro_sim.cli", "plant"], capture_output=True, text=True,
                         check=True).stdout
    assert "reversible.n_units" in out and "4 units" in out
    assert "conventional.rated_power_mw" in out and "500 MW" in out
    assert "upper.max_level_masl                          2865 m a.s.l." in out
    assert "upper.min_level_masl" in out and "2785 m a.s.l." in out
    assert "1.397 TWh = 1,397,000 MWh" in out
    # every parameter line is followed by its provenance line
    lines = out.splitlines()
    params = [i for i, line in enumerate(lines) if re.match(r"^[a-z_]+\.[a-z0-9_.]+\s{2,}\S", line)]
    assert len(params) == 27   # every scalar parameter of lianghekou()
    for i in params:
        assert "↳ " in lines[i + 1] and ("ASSUMPTION: " in lines[i + 1] or "source" in lines[i + 1]
                                          or "derived" in lines[i + 1]), lines[i + 1]
