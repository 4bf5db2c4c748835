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


def _checks_imports() -> dict[str, set[str]]:
    """Each module of bot/checks and the modules of bot/checks it imports anywhere in its body
    (a function-level import is still a loop: it is how `engine` used to import its rules)."""
    root = BOT / "checks"
    modules: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = ["bot", *path.relative_to(BOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([base] if base else [])])
                # `from bot.checks import voice` imports the module bot.checks.voice
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_loop_inside_checks():
    # Issue [11]: the engine once imported every rule module by name to register their
    # validators, while each imports the engine. Validators are now discovered (registry.py).
    graph = _checks_imports()
    assert "bot.checks.normalise" in graph["bot.checks.engine"]  # the walk does see imports
    cycle = _a_cycle(graph)
    assert cycle is None, "import loop inside bot/checks: " + " → ".join(cycle or [])
