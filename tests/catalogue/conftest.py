"""Make the catalogue's harness importable by its case files (pytest imports them for doctests too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
