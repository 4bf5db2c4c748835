"""The layers' import rules, kept true by a test: the pure core imports no SDK, never reads
the clock and imports only itself; the use cases (bot/app) import the core, their ports,
storage and the publishers' contract, never Slack, the configuration or an SDK; only the
composition root (runtime.py) builds the whole."""

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PURE = [
    *sorted((BOT / "domain").glob("*.py")),
    *sorted((BOT / "checks").rglob("*.py")),  # x_text/ too
    *sorted((BOT / "scheduling").glob("*.py")),
]
CORE = ("bot.domain", "bot.checks", "bot.scheduling")
APP = sorted((BOT / "app").glob("*.py"))
# What the use cases may import from bot/: the core, themselves (ports included), storage and
# the publishers' contract. bot.media (re-encoding pictures without their metadata) is the one
# more: attachments need it, and it is Pillow's only door.
APP_MAY_IMPORT = (*CORE, "bot.app", "bot.storage", "bot.publishers.base", "bot.media")
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
            assert name.split(".")[0] not in {"time", "bot"} or name.startswith(CORE), (
                f"{path.name}: {name}"
            )
        if isinstance(node, ast.Attribute) and node.attr in CLOCK_READS:
            base = node.value
            owner = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
            assert owner not in {"datetime", "date", "time"}, f"{path.name} reads the clock"


def _imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return names


def test_the_app_layer_is_there():
    assert {p.name for p in APP} >= {"ports.py", "delivery.py", "attachments.py", "checking.py"}


@pytest.mark.parametrize("path", APP, ids=lambda p: str(p.relative_to(BOT)))
def test_use_cases_import_only_the_core_their_ports_storage_and_the_publishers_contract(path):
    for name in _imported(path):
        top = name.split(".")[0]
        assert top not in SDKS, f"{path.name} imports {name}"
        if top == "bot" and name != "bot":
            assert name.startswith(APP_MAY_IMPORT), f"{path.name} imports {name}"


def test_only_runtime_builds_the_whole():
    """The platforms' SDK publishers and the scheduler are built in one place."""
    wiring = ("bot.publishers.x", "bot.publishers.facebook", "bot.scheduler")
    wiring_within = tuple(f"{w}." for w in wiring)
    for path in BOT.rglob("*.py"):
        if path == BOT / "runtime.py" or path.parent == BOT / "publishers":
            continue
        found = [n for n in _imported(path) if n in wiring or n.startswith(wiring_within)]
        assert not found, f"{path.relative_to(BOT)} imports {found}"


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
