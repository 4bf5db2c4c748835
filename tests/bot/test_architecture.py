"""The pure core imports no SDK and never reads the clock: a test keeps that true."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PURE = [
    *sorted((BOT / "domain").glob("*.py")),
    *sorted((BOT / "checks").rglob("*.py")),  # x_text/ too
    BOT / "scheduling" / "slots.py",
]
SDKS = {
    "slack_bolt",
    "slack_sdk",
    "tweepy",
    "facebook",
    "apscheduler",
    "sqlite_utils",
    "sqlite3",
    "requests",
    "waitress",
    "pydantic",
    "pydantic_settings",
    "yaml",
}
CLOCK_READS = {"now", "utcnow", "today", "time", "monotonic"}


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(BOT)))
def test_pure_module_imports_no_sdk_and_reads_no_clock(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in SDKS, f"{path.name} imports {name}"
            assert name.split(".")[0] not in {"time", "bot"} or name.startswith(
                ("bot.domain", "bot.checks", "bot.scheduling.slots")
            ), f"{path.name}: {name}"
        if isinstance(node, ast.Attribute) and node.attr in CLOCK_READS:
            base = node.value
            owner = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
            assert owner not in {"datetime", "date", "time"}, f"{path.name} reads the clock"


def test_only_storage_imports_sqlite_utils():
    for path in BOT.rglob("*.py"):
        if "storage" in path.parts:
            continue
        assert "sqlite_utils" not in path.read_text(), path
