"""README is part of the product: its Quickstart, commands and settings must stay true."""

import re
from pathlib import Path

from bot.cli import parser
from bot.config.settings import setting_docs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quickstart_is_two_commands_and_ci_runs_the_test_one():
    commands = quickstart_commands()
    assert len(commands) == 2
    run, test = commands
    assert "countersign" in run and "pytest" in test
    assert test in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_in_the_reference():
    reference = README.split("## Configuration reference", 1)[1]
    for env, key, _default, _help in setting_docs():
        assert f"| `{env}` | `{key}` |" in reference, env


def test_every_command_is_documented():
    subcommands = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in subcommands:
        assert f"`countersign {name}" in README, name


def test_env_example_names_only_real_settings():
    known = {env for env, *_ in setting_docs()}
    names = re.findall(
        r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / "config" / ".env.example").read_text(), re.MULTILINE
    )
    assert names and set(names) <= known
