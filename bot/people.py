"""The register of people we support: import, add, change consent, remove, list.

Used by `countersign people …` and by admins in Slack. A name is hashed as soon as it is read
and never stored, logged or repeated back; an admin-chosen label stands for the person everywhere
someone could see it.

Identity on re-import: a row is the entry with its label. A row without a label takes the label
of the one entry already holding its name's hash, or else the next free "person N"; so importing
the same file again changes nothing, with or without labels.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from bot.checks.normalise import normalise
from bot.checks.register import (
    MAX_TOKENS,
    ConsentRegister,
    RegisterEntry,
    name_hash,
    name_hashes,
    normalise_name,
    token_count,
)
from bot.config.yamlfile import undecodable_line
from bot.domain.posts import PLATFORM_NAMES, PLATFORMS
from bot.storage.people import (
    Change,
    People,
    Person,
    RegisterError,
    RegisterKeyError,
    key_fingerprint,
    on_previous_key,
    register_key,
    secret_key,
)
from bot.storage.store import Store

__all__ = [
    "COLUMNS",
    "ImportResult",
    "PersonError",
    "PersonSummary",
    "RegisterError",
    "RegisterImportError",
    "RegisterKeyError",
    "add_person",
    "import_csv",
    "list_people",
    "parse_consent",
    "parse_expiry",
    "parse_platforms",
    "posts_mentioning",
    "remove_person",
    "set_consent",
]

COLUMNS = ("label", "name", "aliases", "consent", "consent_expires", "platforms")
_REQUIRED = ("name", "consent")
_COLUMN_SYNONYMS = {"expires": "consent_expires", "alias": "aliases", "platform": "platforms"}
_PLATFORM_SYNONYMS = {"twitter": "x", "fb": "facebook"}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GENERATED = re.compile(r"person (\d{1,9})")
MAX_LABEL_CHARS = 64
_T = TypeVar("_T")


class RegisterImportError(RegisterError):
    """An import that changed nothing: every problem, as "FILE, line N: reason"."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "\n".join([*self.problems, "Nothing was imported: fix the file and import it again."])
        )


class PersonError(RegisterError):
    """An add, change or remove that was refused, with the reason."""


@dataclass(frozen=True)
class PersonSummary:
    """What `people list` shows: never a name, never a hash."""

    label: str
    consent: bool
    expires: date | None
    platforms: tuple[str, ...] | None  # None: every platform
    names: int  # names and aliases given

    def describe(self, today: date | None = None) -> str:
        parts = [f"consent {'yes' if self.consent else 'no'}"]
        if self.expires is not None:
            lapsed = today is not None and self.expires < today
            parts.append(f"until {self.expires.isoformat()}{' (expired)' if lapsed else ''}")
        parts.append(
            "all platforms"
            if self.platforms is None
            else " and ".join(PLATFORM_NAMES.get(p, p) for p in self.platforms) + " only"
        )
        parts.append(f"{self.names} name{'s' if self.names != 1 else ''}")
        return f"{self.label}: {', '.join(parts)}"


@dataclass(frozen=True)
class ImportResult:
    """Which labels were added, updated or left as they were; `labels` maps line → label."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    labels: dict[int, str] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [
            f"{len(labels)} {what}" + (f" ({', '.join(labels)})" if labels else "")
            for what, labels in (
                ("added", self.added),
                ("updated", self.updated),
                ("unchanged", self.unchanged),
            )
        ]
        return ", ".join(parts) + "."


@dataclass(frozen=True)
class _Row:
    """One person as typed, before hashing; lives only as long as the call."""

    line: int
    label: str | None
    names: tuple[str, ...]  # the name, then the aliases
    consent: bool
    expires: date | None
    platforms: frozenset[str] | None


# -- parsing the values an admin types ---------------------------------------------------------


def parse_consent(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    # Not echoed: a shifted column could put a name here.
    raise ValueError("consent must be yes or no")


def parse_expiry(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "consent_expires must be a date written YYYY-MM-DD (e.g. 2027-03-31), or empty"
        ) from None


def parse_platforms(value: str | Iterable[str] | None) -> frozenset[str] | None:
    """Platforms consent covers; nothing given means every platform."""
    if value is None:
        return None
    items = re.split(r"[;,]", value) if isinstance(value, str) else list(value)
    words = [w.strip().casefold() for w in items if w.strip()]
    if not words:
        return None
    unknown = [i + 1 for i, w in enumerate(words) if _PLATFORM_SYNONYMS.get(w, w) not in PLATFORMS]
    if unknown:
        which = ", ".join(str(i) for i in unknown)
        raise ValueError(
            f"platform {which} is not one we publish to: use {' or '.join(PLATFORMS)} "
            "(separated by ;), or leave it empty for all"
        )
    return frozenset(_PLATFORM_SYNONYMS.get(w, w) for w in words)


def _split_aliases(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(";") if isinstance(value, str) else list(value)
    return tuple(a.strip() for a in items if a.strip())


def _name_problems(names: Sequence[str]) -> list[str]:
    # Reasons never quote the name: they end up in terminals, logs and Slack.
    problems = []
    for i, name in enumerate(names):
        what = "the name" if i == 0 else f"alias {i}"
        words = normalise_name(name).split()
        if not name.strip():
            problems.append(f"{what} is empty")
        elif not words:
            problems.append(f"{what} has no letters")
        elif len(words) > MAX_TOKENS:
            problems.append(
                f"{what} has {len(words)} words; the register matches names of up to {MAX_TOKENS}"
            )
        elif len(words) == 1 and len(words[0]) < 2:
            problems.append(f"{what} is a single letter, which would match far too much")
    return problems


def _label_problems(label: str, names: Sequence[str], key: bytes) -> list[str]:
    if not label:
        return ["the label is empty"]
    problems = []
    if len(label) > MAX_LABEL_CHARS:
        problems.append(f"the label is longer than {MAX_LABEL_CHARS} characters")
    if any(not c.isprintable() for c in label):
        problems.append("the label has a line break or a control character")
    # Any one word of a name gives a person away to the people who know them.
    words = {w for n in names for w in normalise_name(n).split() if len(w) > 1}
    parts = RegisterEntry("", name_hashes(key, [*names, *words]), False, max_tokens=MAX_TOKENS)
    if ConsentRegister(key, [parts]).find(normalise(label).text):
        problems.append(
            "the label contains the person's name or an alias; labels are shown in Slack, so "
            'use a code or a description (e.g. "P-014" or "volunteer, Tuesday group")'
        )
    return problems


def _person(row: _Row, key: bytes, label: str) -> Person:
    """The row as stored: from here on the names exist only as hashes."""
    return Person(
        label=label,
        consent=row.consent,
        expires=row.expires,
        platforms=row.platforms,
        max_tokens=max(token_count(n) for n in row.names),
        names=len(row.names),
        name_hashes=name_hashes(key, row.names),
    )


# -- the use cases -----------------------------------------------------------------------------


def import_csv(
    store: Store, key: str | None, path: Path | str, *, actor: str, at: datetime
) -> ImportResult:
    """Add or update every row of a CSV file, or nothing at all if any row is wrong."""
    raw = secret_key(key)
    rows, problems = _read_csv(Path(path))
    return _save(
        store,
        raw,
        rows,
        problems,
        lambda line: f"{path}, line {line}: ",
        RegisterImportError,
        actor=actor,
        at=at,
        source="import",
    )


def add_person(
    store: Store,
    key: str | None,
    *,
    name: str,
    aliases: str | Iterable[str] | None = (),
    consent: bool | str,
    expires: date | str | None = None,
    platforms: str | Iterable[str] | None = None,
    label: str | None = None,
    actor: str,
    at: datetime,
) -> ImportResult:
    """Add one person, or replace the entry with the same label ("a;b" text is fine)."""
    raw = secret_key(key)
    problems: list[str] = []
    parsed_consent, parsed_expires, parsed_platforms = False, None, None
    try:
        parsed_consent = parse_consent(consent)
    except ValueError as exc:
        problems.append(str(exc))
    try:
        parsed_expires = parse_expiry(expires)
    except ValueError as exc:
        problems.append(str(exc).replace("consent_expires", "the expiry date"))
    try:
        parsed_platforms = parse_platforms(platforms)
    except ValueError as exc:
        problems.append(str(exc))
    names = (name, *_split_aliases(aliases))
    problems += _name_problems(names)
    row = _Row(
        1, (label or "").strip() or None, names, parsed_consent, parsed_expires, parsed_platforms
    )
    return _save(
        store,
        raw,
        [] if problems else [row],
        problems,
        lambda _line: "",
        _person_error,
        actor=actor,
        at=at,
        source="add",
    )


def set_consent(
    store: Store,
    label: str,
    *,
    consent: bool | str,
    expires: date | str | None = None,
    platforms: str | Iterable[str] | None = None,
    actor: str,
    at: datetime,
) -> bool:
    """Record new consent for a label (a withdrawal is `consent=False`): no name needed."""
    try:
        parsed = parse_consent(consent), parse_expiry(expires), parse_platforms(platforms)
    except ValueError as exc:
        raise PersonError(str(exc)) from None
    change = People(store).set_consent(
        label.strip(),
        consent=parsed[0],
        expires=parsed[1],
        platforms=parsed[2],
        actor=actor,
        at=at,
    )
    return change is not None


def remove_person(store: Store, label: str, actor: str, at: datetime) -> bool:
    """Forget an entry by label (a data-protection erasure, say)."""
    # The name is then not checked at all: to stop posts naming someone, set consent to no.
    return People(store).remove(label.strip(), actor=actor, at=at)


def list_people(store: Store) -> list[PersonSummary]:
    """Every entry by label, in natural order ("person 2" before "person 10")."""
    summaries = [
        PersonSummary(
            label=p.label,
            consent=p.consent,
            expires=p.expires,
            platforms=tuple(sorted(p.platforms)) if p.platforms is not None else None,
            names=p.names,
        )
        for p in People(store).all()
    ]
    return sorted(summaries, key=lambda s: _natural(s.label))


ON_PREVIOUS_KEY_ADD = (
    "the register still uses the previous key (COUNTERSIGN_PREVIOUS_SECRET_KEYS): re-import the "
    "whole register (`people import FILE`, every entry with its label) before adding one"
)


def posts_mentioning(store: Store, key: str | None, label: str) -> list[int]:
    """Published posts that name this entry: the match re-run with its hashes, no name needed."""
    raw = register_key(store, key)
    person = People(store).get(label.strip())
    if person is None:
        raise PersonError(f"nobody on the register has the label {label.strip()!r}")
    register = ConsentRegister(raw, [person.entry()])
    # Each text on its own: joined, the end of one and the start of the next could make a name.
    return [
        post_id
        for post_id, texts in People(store).published_posts()
        if any(register.find(normalise(text).text) for text in texts)
    ]


# -- shared by import and add ------------------------------------------------------------------


def _person_error(problems: Sequence[str]) -> PersonError:
    return PersonError("; ".join(problems))


def _save(
    store: Store,
    key: bytes,
    rows: list[_Row],
    problems: list[str],
    where: Callable[[int], str],
    error: Callable[[Sequence[str]], RegisterError],
    *,
    actor: str,
    at: datetime,
    source: str,
) -> ImportResult:
    """Resolve labels, refuse on any problem, then write everything in one transaction."""
    repo = People(store)
    with repo.transaction():
        if on_previous_key(store, key):
            # After a key rotation the stored hashes are the old key's: a re-import under the
            # new key replaces them all, so it must name every entry (nothing is dropped).
            if source != "import":
                raise error([ON_PREVIOUS_KEY_ADD])
            given = {row.label for row in rows if row.label is not None}
            missing = sorted({p.label for p in repo.all()} - given, key=_natural)
            if missing:
                raise error(
                    [
                        "the register still uses the previous key: this import moves it to "
                        "the current one, so it must give every entry with its label; "
                        f"missing: {', '.join(missing)}"
                    ]
                )
            repo.adopt_key(key_fingerprint(key))
        repo.check_key(key_fingerprint(key))
        existing = {p.label for p in repo.all()}
        explicit = {row.label: row.line for row in reversed(rows) if row.label is not None}
        labels = {row.line: row.label for row in rows if row.label is not None}
        primaries: dict[str, int] = {}
        for row in sorted(rows, key=lambda r: r.label is None):
            primary = name_hash(key, row.names[0])
            if row.label is not None:
                primaries.setdefault(primary, row.line)
                continue
            if primary in primaries:
                problems.append(
                    f"{where(row.line)}the same name as line {primaries[primary]}; give each "
                    "row a label if they are different people"
                )
                continue
            primaries[primary] = row.line
            owners = repo.labels_with(primary)
            if len(owners) > 1:
                problems.append(
                    f"{where(row.line)}this name is on the register as {', '.join(owners)}; "
                    "give the row the label of the entry it updates"
                )
            elif owners and owners[0] in explicit:
                problems.append(
                    f"{where(row.line)}this name is registered as {owners[0]}, which line "
                    f"{explicit[owners[0]]} gives to another row; give this row its own label"
                )
            elif owners:
                labels[row.line] = owners[0]
        taken = existing | set(explicit) | set(labels.values())
        counter = max((int(m.group(1)) for t in taken if (m := _GENERATED.fullmatch(t))), default=0)
        people: list[Person] = []
        for row in rows:
            if row.line not in labels:
                counter += 1
                labels[row.line] = f"person {counter}"
            if row.label is not None:
                problems += [
                    where(row.line) + p for p in _label_problems(row.label, row.names, key)
                ]
            people.append(_person(row, key, labels[row.line]))
        if problems:
            raise error(sorted(problems, key=_line_order))
        changes = repo.save(people, actor=actor, at=at, source=source)
    by_kind: dict[Change, list[str]] = {c: [] for c in Change}
    for person, change in zip(people, changes, strict=True):
        by_kind[change].append(person.label)
    return ImportResult(
        added=tuple(by_kind[Change.ADDED]),
        updated=tuple(by_kind[Change.UPDATED]),
        unchanged=tuple(by_kind[Change.UNCHANGED]),
        labels=dict(sorted(labels.items())),
    )


def _line_order(problem: str) -> int:
    m = re.search(r", line (\d+): ", problem)
    return int(m.group(1)) if m else 0


def _natural(label: str) -> list[tuple[int, int | str]]:
    return [
        (0, int(p)) if p.isdigit() else (1, p.casefold()) for p in re.split(r"(\d+)", label) if p
    ]


def _read_csv(path: Path) -> tuple[list[_Row], list[str]]:
    """Rows that parsed, and every problem as "FILE, line N: reason"."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegisterImportError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise RegisterImportError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = undecodable_line(data, exc)
        raise RegisterImportError(
            [f'{path}, line {line}: not UTF-8 text; save it as "CSV UTF-8"']
        ) from None
    # strict: a quote left open is an error, not a cell that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _parse_csv(path, list(_numbered(reader)))
    except csv.Error as exc:
        raise RegisterImportError(
            [f"{path}, line {reader.line_num}: not a readable CSV line ({exc})"]
        ) from None


def _numbered(reader: Iterable[list[str]]) -> Iterable[tuple[int, list[str]]]:
    # The line a record starts on, even when a quoted cell spans lines.
    line = 1
    for record in reader:
        yield line, record
        line = getattr(reader, "line_num", line) + 1


def _parse_csv(path: Path, records: list[tuple[int, list[str]]]) -> tuple[list[_Row], list[str]]:
    problems: list[str] = []
    records = [(n, r) for n, r in records if any(c.strip() for c in r)]
    if not records:
        return [], [
            f"{path}, line 1: the file is empty; the first line names the columns "
            f"({', '.join(COLUMNS)})"
        ]
    header_line, header = records[0]
    columns = [
        _COLUMN_SYNONYMS.get(c, c)
        for c in (h.strip().casefold().replace(" ", "_").replace("-", "_") for h in header)
    ]
    for i, column in enumerate(columns):
        if column not in COLUMNS:
            problems.append(
                f"{path}, line {header_line}: column {i + 1} is not one of {', '.join(COLUMNS)}"
            )
        elif column in columns[:i]:
            problems.append(f"{path}, line {header_line}: column {column} appears twice")
    for column in _REQUIRED:
        if column not in columns:
            problems.append(f"{path}, line {header_line}: no {column} column")
    if problems:
        return [], problems
    if len(records) == 1:
        return [], [f"{path}, line {header_line}: no rows to import after this header line"]
    rows: list[_Row] = []
    labels: dict[str, int] = {}
    for line, record in records[1:]:
        if record[0].lstrip().startswith("#"):
            continue
        here = f"{path}, line {line}"
        if len(record) > len(columns):
            problems.append(
                f"{here}: {len(record)} cells but only {len(columns)} columns "
                "(a comma inside a name needs the cell in double quotes)"
            )
            continue
        cells = dict(zip(columns, record, strict=False))
        names = (cells.get("name", ""), *_split_aliases(cells.get("aliases")))
        mistakes = _name_problems(names)
        label = cells.get("label", "").strip()
        if label in labels:
            mistakes.append(f"label {label!r} is also used on line {labels[label]}")
        elif label:
            labels[label] = line
        consent = _attempt(parse_consent, cells.get("consent", ""), mistakes)
        expires = _attempt(parse_expiry, cells.get("consent_expires", ""), mistakes)
        platforms = _attempt(parse_platforms, cells.get("platforms", ""), mistakes)
        problems += [f"{here}: {m}" for m in mistakes]
        if not mistakes:
            rows.append(_Row(line, label or None, names, bool(consent), expires, platforms))
    return rows, problems


def _attempt(parse: Callable[[str], _T], value: str, mistakes: list[str]) -> _T | None:
    try:
        return parse(value)
    except ValueError as exc:
        mistakes.append(str(exc))
        return None
