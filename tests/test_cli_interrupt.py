"""Interrupting the CLI: SIGINT and SIGTERM during the computation and during the write, and SIGKILL.

An interrupted run leaves the previous complete output or none, no hidden temporary, exits 130 (SIGINT) or
143 (SIGTERM) with one line on stderr and no traceback; a later run removes the temporaries a killed run
left. These run the CLI as a subprocess, since a signal is the point. "During the computation" is after the
run's first progress line on stderr; "during the write" uses the CLI's test hook
(``hydro_sim._output.PAUSE_ENV``: each file written into a temporary is announced on stderr and followed by a
pause), so the signal lands between two files or before the rename, deterministically.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hydro_sim._output import PAUSE_ENV

#: Longest a run may take to reach its cue or to end after the signal; a hung run fails, not the suite. [s]
WATCHDOG_S = 300.0
#: The test hook's pause after each file: long enough that the run is still paused when the signal lands. [s]
PAUSE_S = "60"

EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def start(args: list[str], pause: bool = False) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop(PAUSE_ENV, None)
    if pause:
        env[PAUSE_ENV] = PAUSE_S
    return subprocess.Popen([sys.executable, "-m", "hydro_sim.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def signal_at(proc: subprocess.Popen[str], cue: str, sig: int) -> tuple[int, str, str]:
    """Wait for the line holding ``cue`` on the run's stderr, send ``sig``; return (exit code, stdout, stderr)."""
    watchdog = threading.Timer(WATCHDOG_S, proc.kill)
    watchdog.start()
    try:
        assert proc.stderr is not None and proc.stdout is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if cue in line:
                break
        else:
            proc.kill()
            proc.communicate()
            pytest.fail(f"the run ended before {cue!r}: {''.join(seen)}")
        proc.send_signal(sig)
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, "".join(seen) + err


def hidden(folder: Path) -> list[str]:
    """Every hidden entry (a temporary's name starts with a dot) under ``folder``, at any depth."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def check_clean_exit(code: int, err: str, sig: int) -> None:
    assert code == EXIT[sig], err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"hydro-sim: interrupted by {signal.Signals(sig).name}; no partial output"), err
    assert sum(line.startswith("hydro-sim: interrupted") for line in err.splitlines()) == 1, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_validate_interrupted_during_the_computation(tmp_path, sig):
    out = tmp_path / "check"
    code, _, err = signal_at(start(["validate", "--quick", "--out", str(out)]), "forward run", sig)
    check_clean_exit(code, err, sig)
    assert list(tmp_path.iterdir()) == []              # no output, no temporary, no probe


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_validate_interrupted_during_the_write(tmp_path, sig):
    out = tmp_path / "check"
    proc = start(["validate", "--quick", "--hours", "48", "--out", str(out)], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote summary.json", sig)   # its first file in the temporary
    check_clean_exit(code, err, sig)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_dispatch_interrupted_during_the_computation(tmp_path, sig):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = signal_at(start(["-v", "dispatch", "--out", str(tmp_path)]), "hydro-sim dispatch: solving", sig)
    check_clean_exit(code, err, sig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]   # the folder's other files untouched
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_dispatch_interrupted_during_the_write(tmp_path, sig):
    (tmp_path / "notes.txt").write_text("mine")
    proc = start(["dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path)], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote schedule.csv", sig)   # written, not yet renamed
    check_clean_exit(code, err, sig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_killed_validate_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    out = tmp_path / "check"
    proc = start(["validate", "--quick", "--hours", "48", "--out", str(out)], pause=True)
    code, _, _ = signal_at(proc, "test hook: wrote summary.json", signal.SIGKILL)
    assert code == -signal.SIGKILL
    left = hidden(tmp_path)
    assert [p for p in left if "/" not in p] == [f".check.tmp-{proc.pid}-" + left[0].split("-")[-1]]
    assert not out.exists()
    done = subprocess.run([sys.executable, "-m", "hydro_sim.cli", "validate", "--quick", "--hours", "48", "--out",
                           str(out)], capture_output=True, text=True, timeout=WATCHDOG_S, check=False)
    assert done.returncode == 0, done.stderr
    assert hidden(tmp_path) == [] and [p.name for p in tmp_path.iterdir()] == ["check"]
    assert (out / "summary.json").stat().st_size > 0 and (out / "report.md").stat().st_size > 0


def test_a_killed_dispatch_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    proc = start(["dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path)], pause=True)
    code, _, _ = signal_at(proc, "test hook: wrote schedule.csv", signal.SIGKILL)
    assert code == -signal.SIGKILL
    (left,) = hidden(tmp_path)
    assert left.startswith(f".schedule.csv.{proc.pid}.") and left.endswith(".tmp")
    assert not (tmp_path / "schedule.csv").exists()                      # never a partial schedule.csv
    done = subprocess.run([sys.executable, "-m", "hydro_sim.cli", "dispatch", "--hours", "24", "--head", "fixed",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=WATCHDOG_S, check=False)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["schedule.csv"]
    assert len((tmp_path / "schedule.csv").read_text().splitlines()) == 25  # header and 24 steps
