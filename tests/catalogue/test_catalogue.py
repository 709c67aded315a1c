"""The bad-input catalogue: every case gets its clear outcome; the docs page is in step with the cases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import load_cases, outcome

CASES = load_cases()
#: The issue's floor for the catalogue's size.
MIN_CASES = 120


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_its_clear_outcome(case, tmp_path):
    outcome(case, tmp_path)


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= MIN_CASES, f"{len(CASES)} cases, the catalogue needs at least {MIN_CASES}"


def test_the_docs_page_is_in_step_with_the_cases():
    import render

    page = render.PAGE
    assert page.exists(), "docs/bad-inputs.md is missing: run `python tests/catalogue/render.py --write`"
    built, shipped = render.build().splitlines(), page.read_text(encoding="utf-8").splitlines()
    differ = [f"- {a}\n+ {b}" for a, b in zip(shipped, built, strict=False) if a != b]
    assert built == shipped, (
        "docs/bad-inputs.md is out of step with tests/catalogue: run `python tests/catalogue/render.py --write`; "
        f"{len(differ)} lines differ, the first: \n" + "\n".join(differ[:3])
    )
