"""Every ```python block of the tutorial and the formulation page runs as written, so the pages cannot rot.

The blocks of a page run in order in one namespace (a later block uses the names of an earlier one), the
way a reader pastes them into one session; each block's own ``assert``s check its hand-derived answers.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("docs/tutorial.md", "docs/formulation.md")
#: A fenced Python block at the start of a line: ```python, the code, the closing ```.
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of ``page`` (a path relative to the repository), in order."""
    return BLOCK.findall((ROOT / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_page_has_python_blocks(page):
    assert python_blocks(page), f"{page} shows Python code"


@pytest.mark.parametrize("page", PAGES)
def test_page_python_blocks_run_in_order(page, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # a block that writes files writes them here
    namespace: dict[str, object] = {"__name__": "__docs__"}
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # a page may show a warning; it must not fail the run
        for number, code in enumerate(python_blocks(page), start=1):
            try:
                exec(compile(code, f"{page} block {number}", "exec"), namespace)  # noqa: S102 (the pages run as written)
            except AssertionError as err:
                pytest.fail(f"{page} block {number}: an assertion of the page failed: {err!r}\n{code}")
    assert capsys.readouterr().out.strip(), f"{page} prints its answers"
