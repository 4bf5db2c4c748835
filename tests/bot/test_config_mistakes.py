"""Mistakes in the files an organisation writes — settings.yaml, schedule.yaml, policy.yaml and
the consent register's CSV — are reported with the file, the line and the reason, and a failed
import or seed changes nothing already stored.

A table of distinct mistakes per file, then Hypothesis mutating a valid file line by line.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.policy_file import load_policy
from bot.config.schedule_file import load_schedule
from bot.config.settings import load_settings
from bot.config.yamlfile import ConfigError
from bot.people import RegisterImportError, import_csv
from bot.storage import open_store

KEY = "correct horse battery staple"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MUTATIONS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

SETTINGS = """\
review_channel: C0REVIEW
proposals_channel: C0PROPOSALS
approvers: [U0ALICE, S0GROUP]
admins:
  - U0DANA
timezone: Europe/London
platforms: [x, facebook]
approvals_required: 1
missed_grace_minutes: 15
requested_times: allowed
"""
SCHEDULE = """\
x:
  - days: mon-fri
    times: ["09:30", "17:00"]
  - days: sat
    times: "11:00"
facebook:
  - days: mon-fri
    times: ["10:00"]
all:
  - days: sun
    times: ["12:00"]
"""
POLICY = """\
country: GB
allow:
  emails: [hello@example.org]
  phones: ["0113 496 0000"]
  terms: [Drop-in]
rules:
  phone_number: warn
  profanity:
    severity: block
    add_phrases: [blimey]
  our_own_rule:
    check: voice
    message: Say "people", not "clients".
    phrases: [clients]
case_references:
  - "CASE-\\\\d{4}"
confidential_locations:
  - label: refuge
    address: 12 Acacia Avenue
x_max_weighted_length: 280
"""
CSV = """\
name,aliases,consent,consent_expires,platforms,label
Sarah Jones,Sal;S. Jones,yes,2027-01-31,x;facebook,P-014
Tom Baker,,no,,,"volunteer, Tuesday group"
Amélie Durand,Ami,yes,,facebook,
Priya Patel,,yes,2026-12-31,x,P-020
"""


def load_settings_file(folder: Path) -> Any:
    return load_settings(isolated=True, overrides={"COUNTERSIGN_CONFIG_DIR": str(folder)})


def seed_schedule(folder: Path, store: Any) -> Any:
    schedule = load_schedule(folder)
    store.seed_slots(schedule.slots, at=NOW)  # as at start-up: the file seeds the schedule once
    return schedule


LOADERS: dict[str, Callable[[Path], Any]] = {
    "settings.yaml": load_settings_file,
    "policy.yaml": load_policy,
}


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def located(message: str, path: Path) -> int:
    """The line the message names, after asserting that it names the file."""
    found = re.search(re.escape(str(path)) + r", line (\d+)\b", message)
    assert found, f"no file and line in: {message}"
    return int(found.group(1))


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "c.db")
    yield s
    s.close()


# -- one mistake at a time ---------------------------------------------------------------------

SETTINGS_MISTAKES = [
    ("timezone: UTC\nreveiw_channel: C1\n", 2, "unknown setting 'reveiw_channel'"),
    ("review_channel: C1\ntimezone: Mars/Olympus\n", 2, "not an IANA time zone"),
    ("platforms: [x, myspace]\n", 1, "myspace"),
    ("review_channel: C1\napprovals_required: 0\n", 2, "at least 1"),
    ("approvals_required: two\n", 1, "approvals_required"),
    ("missed_grace_minutes: -5\n", 1, "0 or more"),
    ("requested_times: sometimes\n", 1, "allowed"),
    ("port: [3000]\n", 1, "port"),
    ("timezone: UTC\ntimezone: Europe/Paris\n", 2, "given twice (first on line 1)"),
    ("review_channel: C1\napprovers: [U1\n", 3, "not valid YAML"),
    ("review_channel: C1\n  proposals_channel: C2\n", 2, "not valid YAML"),
    ("db: 2026-02-30\n", 1, "cannot be read"),
    ("- review_channel: C1\n", 1, "expected a mapping"),
    ("review_channel: C1\ntimezone: \udcff\n", 2, "not UTF-8"),
    ("COUNTERSIGN_TIMEZONE: Nowhere/Atall\n", 1, "not an IANA time zone"),
]
SCHEDULE_MISTAKES = [
    ("x:\n  - days: mon\n    times: ['09:00']\nmyspace:\n  - days: mon\n", 4, "myspace"),
    ("x: mon-fri 09:00\n", 1, "expected a list"),
    ("x:\n  - days: mon\n", 2, "needs days and times"),
    ("x:\n  - mon 09:00\n", 2, "needs days and times"),
    ("x:\n  - days: someday\n    times: ['09:00']\n", 2, "someday"),
    ("x:\n  - days: mon\n    times: ['25:00']\n", 2, "25:00"),
    ("x:\n  - days: mon\n    times: 930\n", 3, "times must be a time or a list"),
    ("x:\n  - days: mon\n    times:\n", 3, "times"),
    ("x:\n  - days: mon\n    times: ['09:00']\nx:\n  - days: tue\n", 4, "given twice"),
    ("x:\n  - days: mon\n    times: ['09:00'\n", 4, "not valid YAML"),
    ("", 1, "expected platforms"),
    ("x:\n  - days: mon\n    times: ['\udcfe']\n", 3, "not UTF-8"),
]
POLICY_MISTAKES = [
    ("country: GB\ncolour: red\n", 2, "unknown key 'colour'"),
    ("country: XX\n", 1, "unknown country code"),
    ("rules:\n  phone_number: loud\n", 2, "severity must be info, warn or block"),
    ("rules:\n  phone_number:\n    colour: red\n", 2, "unknown setting 'colour'"),
    ("rules:\n  mine:\n    check: voice\n    phrases: [a]\n", 2, "needs message"),
    ("rules:\n  mine:\n    check: voice\n    message: m\n", 2, "needs patterns, phrases"),
    ("rules:\n  mine:\n    check: tone\n    message: m\n    phrases: [a]\n", 2, "check must be"),
    ("rules:\n  mine:\n    check: voice\n    message: m\n    patterns: ['(']\n", 2, "regular"),
    ("rules:\n  mine:\n    check: voice\n    message: m\n    validator: nope\n", 2, "validator"),
    ("rules: [phone_number]\n", 1, "rules must map"),
    ("rules:\n  phone_number: [warn]\n", 2, "a severity or a mapping"),
    ("rules:\n  profanity:\n    add_phrases: 5\n", 2, "add_phrases"),
    ("rules:\n  profanity:\n    patterns: 5\n", 2, "patterns must be a list"),
    ("rules:\n  profanity:\n    options: [1]\n", 2, "options must be a mapping"),
    ("allow:\n  phones: ['not a phone']\n", 2, "not a phone number"),
    ("allow: [a]\n", 1, "allow must be a mapping"),
    ("allow:\n  emails: 5\n", 2, "emails"),
    ("case_references:\n  - {}\n", 2, "needs a pattern"),
    ("case_references:\n  - '('\n", 2, "regular"),
    ("case_references:\n  - '(?<!x)CASE-\\d+'\n", 2, "look-around and back-references"),
    ("rules:\n  mine:\n    check: voice\n    message: m\n    patterns: ['(a)\\1']\n", 2, "RE2"),
    ("confidential_locations:\n  - label: refuge\n", 2, "needs an address"),
    ("confidential_locations: 5\n", 1, "confidential_locations must be a list"),
    ("x_max_weighted_length: lots\n", 1, "x_max_weighted_length"),
    ("country: GB\ncountry: FR\n", 2, "given twice"),
]
CSV_HEADER = "name,aliases,consent,consent_expires,platforms,label\n"
CSV_MISTAKES = [
    ("nmae,consent\nSarah Jones,yes\n", 1, "column 1 is not one of"),
    ("name,aliases\nSarah Jones,Sal\n", 1, "no consent column"),
    ("name,consent,consent\nSarah Jones,yes,no\n", 1, "appears twice"),
    (CSV_HEADER + "Sarah Jones,,maybe,,,\n", 2, "consent must be yes or no"),
    (CSV_HEADER + "Sarah Jones,,yes,2026-02-30,,\n", 2, "YYYY-MM-DD"),
    (CSV_HEADER + "Sarah Jones,,yes,31/12/2026,,\n", 2, "YYYY-MM-DD"),
    (CSV_HEADER + "Tom Baker,,no,,,\nJones, Sarah,,yes,,,\n", 3, "cells but only"),
    (CSV_HEADER + ",,yes,,,\n", 2, "the name is empty"),
    (CSV_HEADER + "S,,yes,,,\n", 2, "single letter"),
    (CSV_HEADER + "Sarah Jones,,yes,,myspace,\n", 2, "not one we publish to"),
    (CSV_HEADER + "Sarah Jones,,yes,,,P-1\nTom Baker,,no,,,P-1\n", 3, "also used on line 2"),
    (CSV_HEADER + "Sarah Jones,,yes,,,Sarah\n", 2, "contains the person's name"),
    (CSV_HEADER + "Sarah Jones,,yes,,,\nSarah Jones,,no,,,\n", 3, "the same name as line 2"),
    (CSV_HEADER + "Sarah Jones,,yes,,,\nTom Baker,,n\udcffo,,,\n", 3, "not UTF-8"),
    (CSV_HEADER + 'Sarah Jones,,yes,,,"P-1\n', 2, "CSV"),
    ("", 1, "empty"),
    (CSV_HEADER, 1, "no rows to import"),
]


def _bytes(text: str) -> bytes:
    """Text with lone surrogates standing for bytes that are not UTF-8."""
    return text.encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("name", ["settings.yaml", "policy.yaml"])
def test_each_settings_and_policy_mistake_names_the_file_the_line_and_the_reason(tmp_path, name):
    table = SETTINGS_MISTAKES if name == "settings.yaml" else POLICY_MISTAKES
    for text, line, reason in table:
        path = write(tmp_path, name, _bytes(text))
        with pytest.raises(ConfigError) as err:
            LOADERS[name](tmp_path)
        message = str(err.value)
        assert located(message, path) == line, (text, message)
        assert reason in message, (text, message)


def test_each_schedule_mistake_is_reported_and_seeds_nothing(tmp_path, store):
    for text, line, reason in SCHEDULE_MISTAKES:
        path = write(tmp_path, "schedule.yaml", _bytes(text))
        with pytest.raises(ConfigError) as err:
            seed_schedule(tmp_path, store)
        message = str(err.value)
        assert located(message, path) == line, (text, message)
        assert reason in message, (text, message)
        assert store.slots() is None


def test_each_register_mistake_is_reported_and_changes_nothing(tmp_path, store):
    import_csv(store, KEY, write(tmp_path, "first.csv", CSV), actor="test", at=NOW)
    before = dump(tmp_path / "c.db")
    for text, line, reason in CSV_MISTAKES:
        path = write(tmp_path, "people.csv", _bytes(text))
        with pytest.raises(RegisterImportError) as err:
            import_csv(store, KEY, path, actor="test", at=NOW)
        message = str(err.value)
        assert located(message, path) == line, (text, message)
        assert reason in message, (text, message)
        assert "Sarah" not in message and "Jones" not in message  # names are never repeated
        assert dump(tmp_path / "c.db") == before, text


def test_the_valid_files_load(tmp_path, store):
    for name, text in (("settings.yaml", SETTINGS), ("policy.yaml", POLICY)):
        write(tmp_path, name, text)
        LOADERS[name](tmp_path)
    write(tmp_path, "schedule.yaml", SCHEDULE)
    assert len(seed_schedule(tmp_path, store).slots) == 5 * 2 + 1 + 5 + 2
    result = import_csv(store, KEY, write(tmp_path, "p.csv", "\ufeff" + CSV), actor="t", at=NOW)
    assert len(result.added) == 4


def test_times_written_without_quotes_are_times(tmp_path, store):
    """YAML 1.1 would read 17:00 as the number 1020."""
    write(tmp_path, "schedule.yaml", "x:\n  - days: mon\n    times: [09:30, 17:00]\n")
    assert [s.at.strftime("%H:%M") for s in seed_schedule(tmp_path, store).slots] == [
        "09:30",
        "17:00",
    ]


# -- mutations of a valid file -----------------------------------------------------------------

GARBLE = st.sampled_from(
    [
        "",
        " ",
        "\t",
        ":",
        "- ",
        "[",
        "{",
        '"',
        "'",
        "#",
        ",",
        ";",
        "&a",
        "*a",
        "!!binary",
        "<<: *b",
        "2026-02-30",
        "9999-99-99",
        "31/12/2026",
        "25:61",
        "17:00",
        "yes",
        "no",
        "null",
        "~",
        "0x",
        "1e999",
        "\ufeff",
        "\u00a0",
        "\u202e",
        "\x00",
        "\udcff",  # a byte that is not UTF-8
        "\udcc3",
        "é",
    ]
)


@st.composite
def mutated_lines(draw: st.DrawFn, text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "garble", "cut"]))
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif how == "cut":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + "\n"
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(GARBLE | st.text(max_size=4)) + lines[i][at:]
    prefix = draw(st.sampled_from(["", "", "\ufeff"]))
    return _bytes(prefix + "".join(lines))


@MUTATIONS
@given(data=st.data())
def test_a_mutated_settings_or_policy_file_loads_or_names_its_line(tmp_path, data):
    name = data.draw(st.sampled_from(sorted(LOADERS)))
    text = SETTINGS if name == "settings.yaml" else POLICY
    path = write(tmp_path, name, data.draw(mutated_lines(text)))
    try:
        LOADERS[name](tmp_path)
    except ConfigError as exc:
        located(str(exc), path)


@MUTATIONS
@given(data=st.data())
def test_a_mutated_schedule_seeds_or_names_its_line_and_seeds_nothing(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("schedule")
    path = write(folder, "schedule.yaml", data.draw(mutated_lines(SCHEDULE)))
    store = open_store(folder / "c.db")
    try:
        before = dump(folder / "c.db")
        try:
            schedule = seed_schedule(folder, store)
        except ConfigError as exc:
            located(str(exc), path)
            assert dump(folder / "c.db") == before
        else:
            assert sorted(store.slots() or []) == sorted(schedule.slots)
    finally:
        store.close()


@MUTATIONS
@given(data=st.data())
def test_a_mutated_register_imports_or_names_its_line_and_changes_nothing(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("register")
    store = open_store(folder / "c.db")
    try:
        import_csv(store, KEY, write(folder, "first.csv", CSV), actor="test", at=NOW)
        before = dump(folder / "c.db")
        path = write(folder, "people.csv", data.draw(mutated_lines(CSV)))
        try:
            import_csv(store, KEY, path, actor="test", at=NOW)
        except RegisterImportError as exc:
            for problem in exc.problems:
                located(problem, path)
            assert dump(folder / "c.db") == before
    finally:
        store.close()
