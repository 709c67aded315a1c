"""The bad-input catalogue: one record per bad input, the outcome it must get, and the page the docs show.

Each ``cases_*.py`` file beside this one holds a list ``CASES`` of :class:`Case`. ``test_catalogue.py``
runs every case and checks its outcome; ``python tests/catalogue/render.py --write`` writes
``docs/bad-inputs.md`` from the same cases, and a test keeps that page in step with the code.

A case ends in exactly one of three ways:
- an exception of the package's error family (``raises``), whose message holds every fragment of ``match``;
- a result whose ``status`` is the expected one (``status``: a diagnosed outcome such as ``"infeasible"``),
  whose ``message`` holds every fragment;
- a CLI exit code (``exit_code``), with one clear line on stderr holding every fragment and no traceback.
Never a numpy/pandas/HiGHS/numba traceback, never a silent clip.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydro_sim.errors import HydroSimError, HydroSimInputError

HERE = Path(__file__).resolve().parent

#: Words that must never reach a user: a raw traceback or another library's exception name.
RAW_MARKERS = ("Traceback (most recent call last)", "numpy.", "pandas.", "highspy", "numba.")


@dataclass(frozen=True)
class CliOutcome:
    """What a CLI run gave: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Case:
    """One bad input and the outcome it must get.

    Parameters
    ----------
    id : Unique, short, kebab-case (``"reservoir-min-above-max"``).
    area : Where the input goes in: ``"plant"``, ``"scenario"``, ``"reference-year"``, ``"dispatch"``,
        ``"rolling"``, ``"simulate"``, ``"annual-check"``, ``"cli"``, ...
    bad : What is wrong, in a user's words (``"a minimum level above the maximum level"``).
    run : Called with a fresh scratch folder; raises, returns a result with ``status`` and ``message``,
        or (CLI cases) returns a :class:`CliOutcome` (see :func:`cli`).
    raises : The exception class expected (a subclass of ``HydroSimError``); ``None`` for a status or
        exit-code case.
    status : The expected ``result.status`` for a diagnosed outcome.
    exit_code : The expected exit code of a CLI case.
    match : Fragments the message must hold: the field's name, the value, the rule's words.
    volatile : Regular expressions for parts of the message that depend on the machine's speed (the MIP gap
        reached within a wall-clock time limit); they are shown as ``…`` so that the page is deterministic.
    """

    id: str
    area: str
    bad: str
    run: Callable[[Path], Any]
    raises: type[BaseException] | None = HydroSimInputError
    status: str | None = None
    exit_code: int | None = None
    match: tuple[str, ...] = ()
    volatile: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        kinds = [self.status is not None, self.exit_code is not None]
        if any(kinds) and self.raises is HydroSimInputError:
            object.__setattr__(self, "raises", None)
        if sum(kinds) + (self.raises is not None) != 1:
            raise ValueError(f"case {self.id!r}: give exactly one of raises, status, exit_code")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.id):
            raise ValueError(f"case id {self.id!r} must be kebab-case")


def cli(*argv: str, cwd: Path | None = None) -> CliOutcome:
    """Run ``hydro-sim ARGV`` in this process (fast, and counted by coverage) and capture what it prints."""
    import os

    from hydro_sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's own errors exit 2
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(old)
    return CliOutcome(exit_code=int(code), stdout=out.getvalue(), stderr=err.getvalue())


def outcome(case: Case, tmp: Path) -> tuple[str, str]:
    """Run a case; check its outcome; return (the outcome in words, the message a user gets).

    Raises ``AssertionError`` when the case does not get its outcome.
    """
    try:
        got = case.run(tmp)
    except BaseException as exc:
        if case.raises is None:
            raise AssertionError(
                f"case {case.id!r}: expected no exception, got {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(exc, case.raises) or not isinstance(exc, HydroSimError):
            raise AssertionError(
                f"case {case.id!r}: expected {case.raises.__name__}, got "
                f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
            ) from exc
        message = str(exc)
        kind = type(exc).__name__
    else:
        if case.raises is not None:
            raise AssertionError(
                f"case {case.id!r}: expected {case.raises.__name__}, got no exception ({got!r})"
            )
        if case.exit_code is not None:
            if not isinstance(got, CliOutcome):
                raise AssertionError(f"case {case.id!r}: a CLI case must return cli(...)")
            printed = got.stdout + got.stderr
            assert "Traceback" not in printed, f"case {case.id!r}: traceback printed:\n{printed}"
            assert got.exit_code == case.exit_code, (
                f"case {case.id!r}: exit code {got.exit_code}, expected "
                f"{case.exit_code}; stderr: {got.stderr}"
            )
            message = got.stderr.strip()
            kind = f"exit {got.exit_code}"
        else:
            assert getattr(got, "status", None) == case.status, (
                f"case {case.id!r}: status {getattr(got, 'status', None)!r}, expected {case.status!r}"
            )
            message = str(got.message)
            kind = f"status {case.status}"
    message = message.replace(str(tmp), "<tmp>")
    for pattern in case.volatile:
        message = re.sub(pattern, "…", message)
    for marker in RAW_MARKERS[:1]:
        assert marker not in message, f"case {case.id!r}: raw traceback in the message: {message}"
    for fragment in case.match:
        assert fragment in message, f"case {case.id!r}: {fragment!r} not in the message: {message}"
    return kind, message


def load_cases() -> list[Case]:
    """Every case of every ``cases_*.py`` file, in file then list order; ids must be unique."""
    cases: list[Case] = []
    for path in sorted(HERE.glob("cases_*.py")):
        spec = importlib.util.spec_from_file_location(f"_catalogue_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(module.CASES)
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate case ids: {dupes}")
    return cases


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(cases: Sequence[Case], scratch: Callable[[], Path]) -> str:
    """The docs page: one row per case with the outcome and the message a user gets."""
    lines = [
        "# Bad inputs and the messages they get",
        "",
        "Every row is a test (`tests/catalogue/`): the input on the left gets exactly the outcome and the message",
        "on the right, never a raw traceback and never a silent clip. Generated by",
        "`python tests/catalogue/render.py --write`; a test fails when this page and the code disagree.",
        "",
        f"{len(cases)} cases.",
        "",
    ]
    area = None
    for case in cases:
        if case.area != area:
            area = case.area
            lines += [
                "",
                f"## {area}",
                "",
                "| case | what is wrong | outcome | message |",
                "|---|---|---|---|",
            ]
        kind, message = outcome(case, scratch())
        lines.append(f"| `{case.id}` | {_cell(case.bad)} | {kind} | {_cell(message)} |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


__all__ = [
    "Case",
    "CliOutcome",
    "HydroSimError",
    "HydroSimInputError",
    "cli",
    "load_cases",
    "outcome",
    "render",
]
