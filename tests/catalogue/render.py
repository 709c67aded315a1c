"""Write (``--write``) or print the bad-input catalogue page, ``docs/bad-inputs.md``, from the cases."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import load_cases, render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "bad-inputs.md"


def build() -> str:
    with tempfile.TemporaryDirectory() as root:
        counter = iter(range(10**6))

        def scratch() -> Path:
            p = Path(root) / f"case{next(counter)}"
            p.mkdir()
            return p

        return render(load_cases(), scratch)


if __name__ == "__main__":
    text = build()
    if "--write" in sys.argv:
        PAGE.parent.mkdir(parents=True, exist_ok=True)
        PAGE.write_text(text, encoding="utf-8")
        print(f"wrote {PAGE}")
    else:
        sys.stdout.write(text)
