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
    return subprocess.Popen(
        [sys.executable, "-m", "hydro_sim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


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
    assert list(tmp_path.iterdir()) == []  # no output, no temporary, no probe


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_validate_interrupted_during_the_write(tmp_path, sig):
    out = tmp_path / "check"
    proc = start(["validate", "--quick", "--hours", "48", "--out", str(out)], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote summary.json", sig)  # its first file in the temporary
    check_clean_exit(code, err, sig)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_dispatch_interrupted_during_the_computation(tmp_path, sig):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = signal_at(
        start(["-v", "dispatch", "--out", str(tmp_path)]), "hydro-sim dispatch: solving", sig
    )
    check_clean_exit(code, err, sig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # the folder's other files untouched
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_dispatch_interrupted_during_the_write(tmp_path, sig):
    (tmp_path / "notes.txt").write_text("mine")
    proc = start(["dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path)], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote schedule.csv", sig)  # written, not yet renamed
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
    done = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "validate", "--quick", "--hours", "48", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=WATCHDOG_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert hidden(tmp_path) == [] and [p.name for p in tmp_path.iterdir()] == ["check"]
    assert (out / "summary.json").stat().st_size > 0 and (out / "report.md").stat().st_size > 0


def test_a_killed_dispatch_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    proc = start(["dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path)], pause=True)
    code, _, _ = signal_at(proc, "test hook: wrote schedule.csv", signal.SIGKILL)
    assert code == -signal.SIGKILL
    (left,) = hidden(tmp_path)
    assert left.startswith(f".schedule.csv.{proc.pid}.") and left.endswith(".tmp")
    assert not (tmp_path / "schedule.csv").exists()  # never a partial schedule.csv
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hydro_sim.cli",
            "dispatch",
            "--hours",
            "24",
            "--head",
            "fixed",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=WATCHDOG_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["schedule.csv"]
    assert len((tmp_path / "schedule.csv").read_text().splitlines()) == 25  # header and 24 steps


# ---- in this process: the same handling, step by step (fast, and counted by coverage) ----------------------


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    from hydro_sim.cli import main

    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def like_dispatch(fn):
    """``fn`` with dispatch()'s signature (the CLI reads its defaults from it)."""
    import functools

    from hydro_sim.optimise import dispatch

    return functools.wraps(dispatch)(fn)


def test_a_signal_in_the_computation_interrupts_in_process(capsys, monkeypatch, tmp_path):
    """SIGTERM while the library computes (here a stand-in that waits): exit 143, nothing written."""
    import time

    def computing(*args, **kw):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(WATCHDOG_S)  # the handler raises out of the sleep
        pytest.fail("the signal did not interrupt the computation")

    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(computing))
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    code, out, err = run_main(capsys, "dispatch", "--hours", "24", "--out", str(tmp_path / "o"))
    assert code == 143 and out == ""
    assert (
        err == "hydro-sim: interrupted by SIGTERM; no partial output was left and temporaries were removed\n"
    )
    assert list(tmp_path.iterdir()) == []
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before  # handlers restored


def test_keyboard_interrupt_from_the_library_exits_130(capsys, monkeypatch):
    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr("hydro_sim.optimise.dispatch", like_dispatch(interrupted))
    code, _, err = run_main(capsys, "dispatch", "--hours", "24")
    assert code == 130 and err.startswith("hydro-sim: interrupted by SIGINT")


def test_a_signal_after_the_output_is_complete_keeps_it(capsys, monkeypatch, tmp_path):
    """A signal that lands once schedule.csv is in place: the file stays whole; exit 130 says so."""
    from hydro_sim import _output

    real = _output.write_file

    def then_signal(*args, **kw):
        real(*args, **kw)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(_output, "write_file", then_signal)
    code, out, err = run_main(capsys, "dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path))
    assert code == 130
    assert err == "hydro-sim: interrupted by SIGINT; the output was already complete\n"
    assert "schedule written to" in out
    assert len((tmp_path / "schedule.csv").read_text().splitlines()) == 25


@pytest.mark.parametrize("command", ["dispatch", "validate"])
def test_a_signal_held_back_at_the_rename_stops_the_commit(capsys, monkeypatch, tmp_path, command):
    """A signal pending while SIGINT/SIGTERM are blocked for the rename: nothing is renamed into place."""
    from hydro_sim import _output

    monkeypatch.setattr(_output, "_pending_signal", lambda: True)
    out = tmp_path / "o"
    argv = (
        ["dispatch", "--hours", "24", "--head", "fixed"]
        if command == "dispatch"
        else ["validate", "--quick", "--hours", "24"]
    )
    code, _, err = run_main(capsys, *argv, "--out", str(out))
    assert code == 130 and err.splitlines()[-1].startswith(
        "hydro-sim: interrupted by SIGINT; no partial output"
    )
    assert hidden(tmp_path) == [] and not (out / "schedule.csv").exists()
    assert not out.exists() or list(out.iterdir()) == []


def test_a_full_disk_while_writing_is_one_line_and_no_temporary(capsys, monkeypatch, tmp_path):
    import errno

    from hydro_sim import _output

    def full(name):
        raise OSError(errno.ENOSPC, "No space left on device", name)

    monkeypatch.setattr(_output, "test_hook", full)
    code, _, err = run_main(capsys, "dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path))
    assert code == 2
    assert err == "hydro-sim: error: could not write the output: No space left on device (schedule.csv)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_schedule_that_appears_meanwhile_is_not_overwritten(capsys, monkeypatch, tmp_path):
    """Another run writes schedule.csv between the check and the rename: it is kept, and this run says so."""
    from hydro_sim import _output

    monkeypatch.setattr(_output, "test_hook", lambda name: (tmp_path / name).write_text("the other run's"))
    code, _, err = run_main(capsys, "dispatch", "--hours", "24", "--head", "fixed", "--out", str(tmp_path))
    assert code == 2 and "already holds schedule.csv; the output is never overwritten" in err
    assert (tmp_path / "schedule.csv").read_text() == "the other run's"
    assert hidden(tmp_path) == []


def test_the_test_hook_announces_each_file(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(PAUSE_ENV, "0")
    code, _, err = run_main(capsys, "validate", "--quick", "--hours", "24", "--out", str(tmp_path / "o"))
    assert code == 0
    wrote = [
        line.removeprefix("hydro-sim: test hook: wrote ") for line in err.splitlines() if "test hook" in line
    ]
    assert sorted(wrote) == sorted(p.name for p in (tmp_path / "o").iterdir())  # every file, once
    assert (
        wrote[:4] == ["summary.json", "report.md", "report.html", "schedule.csv"]
        and wrote[-1] == "timings.json"
    )


def test_validate_replaces_an_empty_folder_and_removes_stale_temporaries(capsys, tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = tmp_path / f".o.tmp-{int(dead.stdout)}-abc_12"
    stale.mkdir()
    (stale / "summary.json").write_text("{")  # what a killed run leaves
    live = tmp_path / f".o.tmp-{os.getppid()}-def_34"  # a run still going: kept
    live.mkdir()
    (tmp_path / "o").mkdir()  # an empty folder is a new folder
    code, _, err = run_main(capsys, "validate", "--quick", "--hours", "24", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "o"])
    assert (tmp_path / "o" / "summary.json").read_text().startswith("{\n")


# ---- `hydro-sim run`: a scenario file's run, its output folder and --force -----------------------------------

#: A quick run of the textbook plant (one day of constant inflow and price).
TEXTBOOK_DAY = """\
[plant]
preset = "textbook"
[series]
source = "constant"
duration_h = 24.0
[series.constant]
inflow_upper_m3s = 60.0
price_per_mwh = 100.0
[outputs]
plots = false
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_interrupted_during_the_write(tmp_path, sig):
    scenario = tmp_path / "day.toml"
    scenario.write_text(TEXTBOOK_DAY)
    proc = start(["run", str(scenario), "--out", str(tmp_path / "out")], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote summary.json", sig)  # the first file in the temporary
    check_clean_exit(code, err, sig)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day.toml"]  # no output, no temporary


def test_run_force_interrupted_keeps_the_earlier_run(tmp_path):
    """--force replaces an earlier run's folder only when the new one is complete: a signal during the write
    leaves the earlier folder as it was."""
    scenario = tmp_path / "day.toml"
    scenario.write_text(TEXTBOOK_DAY)
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "hydro_sim.cli", "run", "-q", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=WATCHDOG_S,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = start(["run", str(scenario), "--out", str(out), "--force"], pause=True)
    code, _, err = signal_at(proc, "test hook: wrote summary.json", signal.SIGINT)
    check_clean_exit(code, err, signal.SIGINT)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert hidden(tmp_path) == []


def test_run_force_replaces_at_once_in_process(capsys, tmp_path):
    """The swap of --force: the earlier folder is moved aside, the new one renamed in, the earlier removed."""
    scenario = tmp_path / "day.toml"
    scenario.write_text(TEXTBOOK_DAY)
    out = tmp_path / "out"
    assert run_main(capsys, "run", "-q", str(scenario), "--out", str(out))[0] == 0
    (out / "old-note.txt").write_text("from before")
    code, _, err = run_main(capsys, "run", "-q", str(scenario), "--out", str(out), "--force")
    assert code == 0, err
    assert "old-note.txt" not in {p.name for p in out.iterdir()}
    assert hidden(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["day.toml", "out"]
