"""Real answers of X and Graph, written field by field from public sources (tests/fixtures/real)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"


def real(area: str, name: str) -> dict[str, Any]:
    """The fixture without its ``_source`` and ``_note`` (which every one must carry)."""
    data = json.loads((REAL / area / f"{name}.json").read_text())
    assert data.get("_source") and data.get("_note"), f"{area}/{name} must say where it is from"
    return {k: v for k, v in data.items() if not k.startswith("_")}
