"""The README's code and the scripts in examples/ run as written (oemof's habit)."""

from __future__ import annotations

import contextlib
import io
import os
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


_OUTPUTS: dict[str, tuple[str, Path]] = {}


def run_example(name: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Run examples/NAME once per test process (each script asserts its own answer: an AssertionError fails
    the test) and return what it printed and the folder its figures went to (HYDRO_SIM_EXAMPLE_OUT)."""
    if name not in _OUTPUTS:
        out_dir = tmp_path_factory.mktemp(name.removesuffix(".py"))
        old = os.environ.get("HYDRO_SIM_EXAMPLE_OUT")
        os.environ["HYDRO_SIM_EXAMPLE_OUT"] = str(out_dir)
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
        finally:
            if old is None:
                del os.environ["HYDRO_SIM_EXAMPLE_OUT"]
            else:
                os.environ["HYDRO_SIM_EXAMPLE_OUT"] = old
        _OUTPUTS[name] = (buffer.getvalue(), out_dir)
    return _OUTPUTS[name]


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_runs(script, tmp_path_factory):
    out, _ = run_example(script.name, tmp_path_factory)
    assert out.strip(), f"{script.name} prints its answer"


def test_pumping_pays_example_finds_the_round_trip_threshold(tmp_path_factory):
    out, _ = run_example("when_does_pumping_pay.py", tmp_path_factory)
    assert "pumping pays above a price ratio of 1.2346" in out


def test_textbook_example_meets_the_hand_answer(tmp_path_factory):
    out, _ = run_example("textbook_plant.py", tmp_path_factory)
    # E = ρgηHV = 1000·9.81·0.9·95·60·48/10⁶ MWh; revenue = 300·1,600 + 100·(E − 1,600)
    assert "energy   2415.6144 MWh (by hand ρgηHV = 2415.6144 MWh)" in out
    assert "revenue  561561.44     (by hand 561561.44)" in out


def test_lianghekou_week_example_draws_its_figures(tmp_path_factory):
    import matplotlib.image

    out, figures = run_example("lianghekou_week.py", tmp_path_factory)
    assert "the simulator replays the week within 0.5 % per group" in out
    for name in ("dispatch_stack.png", "reservoir_levels.png", "heads.png"):
        img = matplotlib.image.imread(figures / name)
        assert img.shape[0] > 300 and img.shape[1] > 600, name
        assert img[..., :3].std() > 0.05, f"{name} is blank"


def test_firming_example_curtails_only_beyond_line_and_pumps(tmp_path_factory):
    out, _ = run_example("firming_pv.py", tmp_path_factory)
    # by hand from the reference year's July PV: Σ max(PV − 1000, 0) and Σ max(PV − 1000 − 1236, 0)
    assert "curtailed without pump-turbines   22419.8 MWh (by hand 22419.8)" in out
    assert "curtailed with pump-turbines         52.4 MWh (by hand 52.4)" in out


def test_sizing_example_finds_where_the_volume_stops_paying(tmp_path_factory):
    out, _ = run_example("lower_reservoir_sizing.py", tmp_path_factory)
    assert "beyond about 21.1 hm³ an extra hm³ earns less than 5 % of what the first ones did" in out


def test_cascade_example_prints_the_network_and_the_value_of_water(tmp_path_factory):
    out, _ = run_example("cascade.py", tmp_path_factory)
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
