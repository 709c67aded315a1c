"""Bad command lines: output places, numbers, windows, choices, time limits and MIP gaps of `hydro-sim`.

Every output place is refused before any computation (exit 2, one line); a solver stopped by its time limit
without a schedule exits 4.
"""

from __future__ import annotations

from pathlib import Path

from _harness import Case, cli


def _file(tmp: Path) -> Path:
    """A plain file in the scratch folder, where a folder is expected."""
    path = tmp / "f.txt"
    path.write_text("mine")
    return path


def _busy(tmp: Path) -> Path:
    """A folder that already holds a file."""
    path = tmp / "old"
    path.mkdir()
    (path / "notes.txt").write_text("mine")
    return path


def _link(tmp: Path) -> Path:
    """A symbolic link to an empty folder (replacing it would replace the link, not fill the folder)."""
    (tmp / "target").mkdir()
    link = tmp / "link"
    link.symlink_to(tmp / "target")
    return link


def _with_schedule(tmp: Path) -> Path:
    """A folder that already holds a schedule.csv."""
    (tmp / "schedule.csv").write_text("keep me")
    return tmp


def _validate(*args: str):
    return lambda tmp: cli("validate", "--quick", *args, "--out", str(tmp / "out"))


def _dispatch(*args: str):
    return lambda tmp: cli("dispatch", *args)


CASES = [
    # ---- validate --out
    Case(
        id="cli-validate-out-is-a-file",
        area="cli",
        bad="`validate --out` names an existing file",
        run=lambda tmp: cli("validate", "--quick", "--out", str(_file(tmp))),
        exit_code=2,
        match=("`--out` ('<tmp>/f.txt')", "is a file", "name a new folder"),
    ),
    Case(
        id="cli-validate-out-under-a-file",
        area="cli",
        bad="`validate --out` lies under a file",
        run=lambda tmp: cli("validate", "--quick", "--out", str(_file(tmp) / "out")),
        exit_code=2,
        match=("`--out` ('<tmp>/f.txt/out')", "lies under '<tmp>/f.txt', which is a file"),
    ),
    Case(
        id="cli-validate-out-deep-under-a-file",
        area="cli",
        bad="`validate --out` lies two folders under a file",
        run=lambda tmp: cli("validate", "--quick", "--out", str(_file(tmp) / "a" / "b")),
        exit_code=2,
        match=("lies under '<tmp>/f.txt', which is a file",),
    ),
    Case(
        id="cli-validate-out-under-proc",
        area="cli",
        bad="`validate --out` under /proc, where nothing can be created",
        run=lambda tmp: cli("validate", "--quick", "--out", "/proc/hydro-sim-out"),
        exit_code=2,
        match=("`--out` ('/proc/hydro-sim-out') cannot be written", "creating a folder in '/proc' fails"),
    ),
    Case(
        id="cli-validate-out-under-sys",
        area="cli",
        bad="`validate --out` under /sys, which refuses new folders",
        run=lambda tmp: cli("validate", "--quick", "--out", "/sys/hydro-sim-out"),
        exit_code=2,
        match=("cannot be written", "'/sys' fails (Operation not permitted)"),
    ),
    Case(
        id="cli-validate-out-dot",
        area="cli",
        bad="`validate --out .` in an empty folder (renaming `.` fails)",
        run=lambda tmp: cli("validate", "--quick", "--out", ".", cwd=tmp),
        exit_code=2,
        match=("`--out` ('.') must name a new folder", "--out validate_out"),
    ),
    Case(
        id="cli-validate-out-dotdot",
        area="cli",
        bad="`validate --out ..`",
        run=lambda tmp: cli("validate", "--quick", "--out", "..", cwd=tmp),
        exit_code=2,
        match=("`--out` ('..') must name a new folder",),
    ),
    Case(
        id="cli-validate-out-trailing-dotdot",
        area="cli",
        bad="`validate --out sub/..`, a folder by a trailing '..'",
        run=lambda tmp: cli("validate", "--quick", "--out", "sub/..", cwd=tmp),
        exit_code=2,
        match=("('sub/..') must name a new folder",),
    ),
    Case(
        id="cli-validate-out-not-empty",
        area="cli",
        bad="`validate --out` names a folder that holds files",
        run=lambda tmp: cli("validate", "--quick", "--out", str(_busy(tmp))),
        exit_code=2,
        match=("`--out` ('<tmp>/old') already exists and is not an empty folder", "never overwritten"),
    ),
    Case(
        id="cli-validate-out-is-a-link",
        area="cli",
        bad="`validate --out` names a symbolic link to a folder",
        run=lambda tmp: cli("validate", "--quick", "--out", str(_link(tmp))),
        exit_code=2,
        match=("`--out` ('<tmp>/link') is a symbolic link", "name a new folder"),
    ),
    Case(
        id="cli-validate-out-name-too-long",
        area="cli",
        bad="`validate --out` with a 300-character name",
        run=lambda tmp: cli("validate", "--quick", "--out", "x" * 300, cwd=tmp),
        exit_code=2,
        match=("has a name longer than 255 bytes",),
    ),
    # ---- dispatch --out
    Case(
        id="cli-dispatch-out-is-a-file",
        area="cli",
        bad="`dispatch --out` names an existing file",
        run=lambda tmp: cli("dispatch", "--hours", "24", "--out", str(_file(tmp))),
        exit_code=2,
        match=("`--out` ('<tmp>/f.txt') is a file", "must be a folder for schedule.csv"),
    ),
    Case(
        id="cli-dispatch-out-under-a-file",
        area="cli",
        bad="`dispatch --out` lies under a file",
        run=lambda tmp: cli("dispatch", "--hours", "24", "--out", str(_file(tmp) / "out")),
        exit_code=2,
        match=("lies under '<tmp>/f.txt', which is a file",),
    ),
    Case(
        id="cli-dispatch-out-holds-a-schedule",
        area="cli",
        bad="`dispatch --out` already holds a schedule.csv",
        run=lambda tmp: cli("dispatch", "--hours", "24", "--out", str(_with_schedule(tmp))),
        exit_code=2,
        match=("`--out` ('<tmp>') already holds schedule.csv", "never overwritten"),
    ),
    Case(
        id="cli-dispatch-out-under-sys",
        area="cli",
        bad="`dispatch --out` under /sys",
        run=lambda tmp: cli("dispatch", "--hours", "24", "--out", "/sys/hydro-sim-out"),
        exit_code=2,
        match=("cannot be written", "'/sys' fails"),
    ),
    # ---- windows
    Case(
        id="cli-dispatch-hours-negative",
        area="cli",
        bad="a negative `--hours`",
        run=_dispatch("--hours", "-5"),
        exit_code=2,
        match=("`hours` (-5.0) must be positive", "Scenario.window"),
    ),
    Case(
        id="cli-dispatch-hours-zero",
        area="cli",
        bad="`--hours 0`",
        run=_dispatch("--hours", "0"),
        exit_code=2,
        match=("`hours` (0.0) must be positive",),
    ),
    Case(
        id="cli-dispatch-hours-not-a-number",
        area="cli",
        bad="`--hours` that is not a number",
        run=_dispatch("--hours", "a week"),
        exit_code=2,
        match=("argument --hours: invalid float value: 'a week'", "hydro-sim dispatch --help"),
    ),
    Case(
        id="cli-dispatch-hours-nan",
        area="cli",
        bad="`--hours nan`",
        run=_dispatch("--hours", "nan"),
        exit_code=2,
        match=("`hours` (nan) must be finite",),
    ),
    Case(
        id="cli-dispatch-hours-fraction",
        area="cli",
        bad="`--hours` that is not a whole number of steps",
        run=_dispatch("--hours", "1.5"),
        exit_code=2,
        match=("`hours` (1.5) must be a whole number of steps",),
    ),
    Case(
        id="cli-dispatch-window-past-the-year",
        area="cli",
        bad="a window that runs past the year's end",
        run=_dispatch("--hours", "48", "--start-h", "8736"),
        exit_code=2,
        match=("`hours` (48.0) runs past the scenario's end",),
    ),
    Case(
        id="cli-dispatch-start-past-the-year",
        area="cli",
        bad="a window that starts after the year",
        run=_dispatch("--hours", "24", "--start-h", "9000"),
        exit_code=2,
        match=("`start_h` (9000.0) starts past the scenario's end",),
    ),
    Case(
        id="cli-dispatch-start-negative",
        area="cli",
        bad="a negative `--start-h`",
        run=_dispatch("--hours", "24", "--start-h", "-24"),
        exit_code=2,
        match=("`start_h` (-24.0) must not be negative",),
    ),
    Case(
        id="cli-validate-window-past-the-year",
        area="cli",
        bad="`validate --hours` longer than the year",
        run=_validate("--hours", "9000"),
        exit_code=2,
        match=("`hours` (9000.0) runs past the scenario's end", "design basis"),
    ),
    Case(
        id="cli-year-start-at-the-end",
        area="cli",
        bad="`year --start-h 8760`, the first hour after the year",
        run=lambda tmp: cli("year", "--start-h", "8760"),
        exit_code=2,
        match=("`start_h` (8760.0) starts past the scenario's end",),
    ),
    # ---- choices and commands
    Case(
        id="cli-dispatch-unknown-backend",
        area="cli",
        bad="an unknown `--backend`",
        run=_dispatch("--hours", "24", "--backend", "gurobi"),
        exit_code=2,
        match=("argument --backend: invalid choice: 'gurobi'",),
    ),
    Case(
        id="cli-dispatch-unknown-head",
        area="cli",
        bad="an unknown `--head`",
        run=_dispatch("--hours", "24", "--head", "variable"),
        exit_code=2,
        match=("argument --head: invalid choice: 'variable'",),
    ),
    Case(
        id="cli-dispatch-unknown-balance",
        area="cli",
        bad="an unknown `--balance` period",
        run=_dispatch("--hours", "24", "--balance", "month"),
        exit_code=2,
        match=("argument --balance: invalid choice: 'month'",),
    ),
    Case(
        id="cli-unknown-command",
        area="cli",
        bad="an unknown subcommand",
        run=lambda tmp: cli("simulate"),
        exit_code=2,
        match=("invalid choice: 'simulate'", "hydro-sim --help"),
    ),
    Case(
        id="cli-no-command",
        area="cli",
        bad="no subcommand at all",
        run=lambda tmp: cli(),
        exit_code=2,
        match=("the following arguments are required: COMMAND",),
    ),
    Case(
        id="cli-validate-mip-gap",
        area="cli",
        bad="`--mip-gap` on validate, which solves no MILP",
        run=_validate("--mip-gap", "0.01"),
        exit_code=2,
        match=("unrecognized arguments: --mip-gap 0.01",),
    ),
    # ---- time limits and MIP gaps
    Case(
        id="cli-dispatch-time-limit-zero",
        area="cli",
        bad="`--time-limit 0`",
        run=_dispatch("--hours", "24", "--time-limit", "0"),
        exit_code=2,
        match=("`--time-limit` ('0') must be a positive, finite number of seconds",),
    ),
    Case(
        id="cli-dispatch-time-limit-negative",
        area="cli",
        bad="a negative `--time-limit`",
        run=_dispatch("--hours", "24", "--time-limit", "-10"),
        exit_code=2,
        match=("`--time-limit` ('-10') must be a positive, finite number of seconds",),
    ),
    Case(
        id="cli-dispatch-time-limit-infinite",
        area="cli",
        bad="`--time-limit inf` (leave it out for no limit)",
        run=_dispatch("--hours", "24", "--time-limit", "inf"),
        exit_code=2,
        match=("`--time-limit` ('inf') must be a positive, finite number",),
    ),
    Case(
        id="cli-dispatch-time-limit-text",
        area="cli",
        bad="`--time-limit` with a unit in it",
        run=_dispatch("--hours", "24", "--time-limit", "10s"),
        exit_code=2,
        match=("`--time-limit` ('10s') must be a number of seconds",),
    ),
    Case(
        id="cli-validate-time-limit-zero",
        area="cli",
        bad="`validate --time-limit 0`",
        run=_validate("--time-limit", "0"),
        exit_code=2,
        match=("`--time-limit` ('0') must be a positive, finite number of seconds", "hydro-sim validate"),
    ),
    Case(
        id="cli-dispatch-mip-gap-one",
        area="cli",
        bad="`--mip-gap 1` (100 %)",
        run=_dispatch("--hours", "24", "--unit-commitment", "--mip-gap", "1"),
        exit_code=2,
        match=("`--mip-gap` ('1') must be a fraction in [0, 1)",),
    ),
    Case(
        id="cli-dispatch-mip-gap-negative",
        area="cli",
        bad="a negative `--mip-gap`",
        run=_dispatch("--hours", "24", "--unit-commitment", "--mip-gap", "-0.01"),
        exit_code=2,
        match=("`--mip-gap` ('-0.01') must be a fraction in [0, 1)",),
    ),
    Case(
        id="cli-dispatch-mip-gap-percent",
        area="cli",
        bad="`--mip-gap 1%` written as a percentage",
        run=_dispatch("--hours", "24", "--unit-commitment", "--mip-gap", "1%"),
        exit_code=2,
        match=("`--mip-gap` ('1%') must be a fraction such as 0.001",),
    ),
    Case(
        id="cli-dispatch-mip-gap-without-milp",
        area="cli",
        bad="`--mip-gap` without `--unit-commitment`",
        run=_dispatch("--hours", "24", "--mip-gap", "0.01"),
        exit_code=2,
        match=("applies to the MILP only: add --unit-commitment",),
    ),
    Case(
        id="cli-dispatch-time-limit-too-short",
        area="cli",
        bad="a time limit too short for any schedule (exit 4, not a traceback)",
        run=_dispatch("--hours", "24", "--time-limit", "1e-9"),
        exit_code=4,
        match=("the dispatch gave no schedule (time_limit)",),
    ),
    Case(
        id="cli-validate-time-limit-too-short",
        area="cli",
        bad="`validate` with a time limit too short to solve",
        run=_validate("--hours", "24", "--time-limit", "1e-9"),
        exit_code=4,
        match=("the annual check's dispatch", "ended time_limit"),
    ),
]
