"""Validators are discovered (issue [11]): a module that declares `@validator("name")` is found
by walking the package, with no list to edit; modules that declare none are not imported."""

from __future__ import annotations

import importlib
import json
import pkgutil
import py_compile
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bot.checks
from bot.checks import registry

SHOUTING = '''
from bot.checks.registry import Hit, validator


@validator("zz_shouting")
def shouting(ctx, rule):
    """A word of five or more capitals: a made-up rule, to prove discovery finds it."""
    import re

    for m in re.finditer(r"\\b[A-Z]{5,}\\b", ctx.text):
        yield Hit(m.start(), m.end())
'''


def _run(script: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_module_placed_in_the_package_is_found_without_editing_a_list(tmp_path):
    # The module lives in a second directory of the bot.checks package (as if dropped into
    # bot/checks/): nothing names it, yet a policy may use its validator and the checks run it.
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "zz_shouting.py").write_text(SHOUTING)
    config = tmp_path / "config"
    config.mkdir()
    (config / "policy.yaml").write_text(
        "rules:\n  shouting:\n    check: voice\n    severity: warn\n"
        "    message: Shouting.\n    validator: zz_shouting\n"
    )
    found = _run(f"""
        import json
        from pathlib import Path
        import bot.checks
        bot.checks.__path__.append({str(tmp_path / "extra")!r})
        from bot.checks import run_checks
        from bot.config.policy_file import load_policy
        policy = load_policy(Path({str(config)!r}))
        findings = run_checks("We are CLOSED on Saturday.", ("x",), policy)
        print(json.dumps([[f.rule, f.excerpt, f.severity.value] for f in findings]))
    """)
    assert ["shouting", "CLOSED", "warn"] in found


def test_discovery_is_lazy_and_skips_modules_without_validators():
    # `import bot.checks` loads no rule module; running the checks loads those that declare a
    # validator, and not images.py (Pillow), which a text-only check never needs.
    seen = _run("""
        import json, sys
        import bot.checks
        before = sorted(m for m in sys.modules if m.startswith("bot.checks."))
        from bot.checks import run_checks
        from bot.config.policy_file import load_policy
        run_checks("Call me on 07700 900123.", ("x",), load_policy(None))
        after = set(sys.modules)
        print(json.dumps({
            "before": before,
            "voice": "bot.checks.voice" in after,
            "people": "bot.checks.people" in after,
            "images": "bot.checks.images" in after,
            "PIL": "PIL" in after,
        }))
    """)
    assert not {"bot.checks.voice", "bot.checks.identifiers"} & set(seen["before"])
    assert seen["voice"] and seen["people"]
    assert not seen["images"] and not seen["PIL"]


def test_every_module_that_registers_a_validator_is_discovered():
    # Import everything in the package (images too), then: each registered validator comes
    # from a module discovery names, so reading the source misses none.
    for info in pkgutil.walk_packages(bot.checks.__path__, "bot.checks."):
        importlib.import_module(info.name)
    declared = {fn.__module__ for fn in registry.VALIDATORS.values()}
    assert declared <= set(registry.discover())
    assert {"bot.checks.voice", "bot.checks.confidentiality", "bot.checks.people"} <= declared


@pytest.fixture
def fixture_package(tmp_path, monkeypatch):
    """An empty package `zzchecks` on sys.path; the registry is restored afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "zzchecks").mkdir()
    (tmp_path / "zzchecks" / "__init__.py").write_text("")
    saved = dict(registry.VALIDATORS)
    yield tmp_path / "zzchecks"
    registry.VALIDATORS.clear()
    registry.VALIDATORS.update(saved)
    for name in [m for m in sys.modules if m == "zzchecks" or m.startswith("zzchecks.")]:
        del sys.modules[name]


def test_discovery_on_a_fixture_package_imports_only_declaring_modules(fixture_package):
    (fixture_package / "shouting.py").write_text(SHOUTING)
    (fixture_package / "heavy.py").write_text("raise ImportError('not a validator module')\n")
    (fixture_package / "sub").mkdir()
    (fixture_package / "sub" / "__init__.py").write_text("")
    (fixture_package / "sub" / "heavy.py").write_text("raise ImportError('not imported')\n")
    (fixture_package / "sub" / "deep.py").write_text(
        SHOUTING.replace("zz_shouting", "zz_deep").replace("def shouting", "def deep")
    )
    found = registry.discover("zzchecks")
    assert sorted(found) == ["zzchecks.shouting", "zzchecks.sub.deep"]
    assert "zzchecks.heavy" not in sys.modules and "zzchecks.sub.heavy" not in sys.modules
    assert registry.VALIDATORS["zz_deep"].__module__ == "zzchecks.sub.deep"
    assert registry.VALIDATORS["zz_shouting"].__module__ == "zzchecks.shouting"


def test_a_module_without_source_is_imported_anyway(fixture_package):
    # An install may ship only compiled files: nothing can be read, so the module is imported.
    source = fixture_package / "compiled.py"
    source.write_text(SHOUTING.replace("zz_shouting", "zz_compiled"))
    py_compile.compile(str(source), cfile=str(fixture_package / "compiled.pyc"), doraise=True)
    source.unlink()
    assert registry.discover("zzchecks") == ["zzchecks.compiled"]
    assert "zz_compiled" in registry.VALIDATORS


def test_two_modules_declaring_one_name_is_a_clear_error(fixture_package):
    (fixture_package / "one.py").write_text(SHOUTING)
    (fixture_package / "two.py").write_text(SHOUTING.replace("def shouting", "def loud"))
    with pytest.raises(ValueError, match=r"'zz_shouting' is declared twice: in zzchecks\.one"):
        registry.discover("zzchecks")
