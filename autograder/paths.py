"""Where things live in this repository (one place, so no module hard-codes a layout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
PACKAGE = "convolutions"
DATA = REPO / "data"
