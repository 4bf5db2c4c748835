"""The policy from files: the packaged rule packs, then the organisation's config/policy.yaml.

config/policy.yaml can change any packaged rule by id (severity, message, suggestion, phrases,
patterns, exceptions, `enabled: false`), add phrases to it (`add_phrases`, `add_exceptions`),
or add rules of its own; plus the country, allow-lists, case-reference patterns and
confidential locations. Every mistake is reported with the file, the line and the reason.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, cast

import phonenumbers
import re2

from bot.checks.policy import CHECKS, Allow, Location, Policy, RulePack, TextPattern
from bot.checks.registry import VALIDATORS, load_validators
from bot.config.yamlfile import ConfigError, LineDict, load_yaml, where
from bot.domain.findings import Severity

BUILTIN = Path(__file__).resolve().parents[1] / "checks" / "rules"
_RULE_KEYS = {
    "check",
    "severity",
    "message",
    "suggestion",
    "validator",
    "patterns",
    "phrases",
    "exceptions",
    "outside_quotes",
    "options",
    "enabled",
    "add_phrases",
    "add_exceptions",
    "add_patterns",
    "add_options",
    "case_sensitive",
}
_TOP_KEYS = {
    "country",
    "allow",
    "rules",
    "case_references",
    "confidential_locations",
    "x_max_weighted_length",
}


def load_policy(config_dir: Path | None) -> Policy:
    """The packaged rules overlaid with ``config_dir/policy.yaml`` (if there is one)."""
    rules = dict(_builtin_rules())
    data: Any = LineDict()
    path = Path("<builtin>")
    if config_dir is not None:
        path = config_dir / "policy.yaml"
        data = load_yaml(path) or LineDict()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping (country, allow, rules, …)")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise ConfigError(
            f"{where(path, data, unknown[0])}: unknown key {unknown[0]!r} "
            f"(expected one of {', '.join(sorted(_TOP_KEYS))})"
        )
    overrides = data.get("rules") or LineDict()
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where(path, data, 'rules')}: rules must map rule ids to settings")
    for rule_id, spec in overrides.items():
        place = where(path, overrides, rule_id)
        if isinstance(spec, str):
            spec = {"severity": spec}  # the short form: `phone_number: warn`
        if not isinstance(spec, dict):
            raise ConfigError(f"{place}: rule {rule_id} must be a severity or a mapping")
        base = rules.get(str(rule_id))
        rules[str(rule_id)] = _overlay(base, spec, place, str(rule_id))
    references = _items(path, data, "case_references")
    for i, ref in enumerate(references):
        place = f"{where(path, references, i)}: case_references entry {i + 1}"
        if isinstance(ref, str):
            ref = {"pattern": ref}
        if not isinstance(ref, dict) or "pattern" not in ref:
            raise ConfigError(f"{place}: needs a pattern")
        case = rules.get("case_reference")
        if case is None:
            raise ConfigError(f"{place}: the case_reference rule is disabled or missing")
        rules["case_reference"] = {
            **case,
            "patterns": [*case.get("patterns", []), ref["pattern"]],
            "_where": place,
        }
    compiled = tuple(_compile(rule_id, spec) for rule_id, spec in rules.items())
    return Policy(
        country=_country(path, data),
        rules=compiled,
        allow=_allow(path, data),
        locations=_locations(path, data),
        x_max_weighted_length=_whole_number(path, data, "x_max_weighted_length", 280),
    )


def _items(path: Path, data: Any, key: str) -> list[Any]:
    """A list under ``key`` (none when the key is absent or empty)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{where(path, data, key)}: {key} must be a list")
    return value


def _whole_number(path: Path, data: Any, key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where(path, data, key)}: {key} must be a whole number above 0")
    return value


@cache
def _builtin_rules() -> tuple[tuple[str, dict[str, Any]], ...]:
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(BUILTIN.glob("*.yaml")):
        data = load_yaml(file, required=True) or {}
        for rule_id, spec in (data.get("rules") or {}).items():
            if rule_id in found:
                raise ConfigError(
                    f"{where(file, data['rules'], rule_id)}: rule {rule_id} is defined twice"
                )
            found[str(rule_id)] = {**spec, "_where": where(file, data["rules"], rule_id)}
    return tuple(found.items())


@cache
def _packaged_patterns() -> frozenset[str]:
    """Every pattern the packaged rule packs ship: the only ones compiled with `re`."""
    found: set[str] = set()
    for _, spec in _builtin_rules():
        for key in ("patterns", "exceptions"):
            values = spec.get(key) or []
            found.update(str(v) for v in ([values] if isinstance(values, str) else values))
    return frozenset(found)


def _overlay(
    base: dict[str, Any] | None, spec: dict[str, Any], place: str, rule_id: str
) -> dict[str, Any]:
    unknown = [k for k in spec if k not in _RULE_KEYS]
    if unknown:
        raise ConfigError(f"{place}: rule {rule_id}: unknown setting {unknown[0]!r}")
    merged = dict(base or {})
    for key, value in spec.items():
        if key.startswith("add_") and not isinstance(value, list | dict):
            raise ConfigError(f"{place}: rule {rule_id}: {key} must be a list")
        if key.startswith("add_"):
            target = key[len("add_") :]
            current = merged.get(target) or ([] if not isinstance(value, dict) else {})
            if isinstance(current, dict):
                extra = value if isinstance(value, dict) else {v: "" for v in value}
                merged[target] = {**current, **extra}
            else:
                merged[target] = [*current, *value]
        else:
            merged[key] = value
    merged["_where"] = place
    if base is None:
        missing = [k for k in ("check", "message") if k not in merged]
        if missing:
            raise ConfigError(f"{place}: new rule {rule_id} needs {' and '.join(missing)}")
        if not any(merged.get(k) for k in ("validator", "patterns", "phrases")):
            raise ConfigError(f"{place}: new rule {rule_id} needs patterns, phrases or a validator")
    return merged


def _compile(rule_id: str, spec: dict[str, Any]) -> RulePack:
    place = spec.get("_where", rule_id)
    check = spec.get("check")
    if check not in CHECKS:
        raise ConfigError(f"{place}: rule {rule_id}: check must be one of {', '.join(CHECKS)}")
    try:
        severity = Severity(str(spec.get("severity", "warn")))
    except ValueError:
        raise ConfigError(
            f"{place}: rule {rule_id}: severity must be info, warn or block"
        ) from None
    name = spec.get("validator")
    if name is not None:
        load_validators()
        if name not in VALIDATORS:
            raise ConfigError(
                f"{place}: rule {rule_id}: unknown validator {name!r} (known: "
                f"{', '.join(sorted(VALIDATORS))})"
            )
    flags = 0 if spec.get("case_sensitive") else re.IGNORECASE
    options = spec.get("options") or {}
    if not isinstance(options, dict):
        raise ConfigError(f"{place}: rule {rule_id}: options must be a mapping")
    phrases = spec.get("phrases") or {}
    if isinstance(phrases, list):
        phrases = {str(p): "" for p in phrases}
    elif not isinstance(phrases, dict):
        raise ConfigError(f"{place}: rule {rule_id}: phrases must be a list or a mapping")
    return RulePack(
        id=rule_id,
        check=str(check),
        severity=severity,
        message=str(spec.get("message", "")),
        suggestion=str(spec.get("suggestion") or ""),
        validator=name,
        patterns=_patterns(spec.get("patterns"), flags, place, rule_id, _packaged_patterns()),
        phrases={str(k): str(v or "") for k, v in phrases.items()},
        exceptions=_patterns(
            spec.get("exceptions"), re.IGNORECASE, place, rule_id, _packaged_patterns()
        ),
        outside_quotes=bool(spec.get("outside_quotes", check == "voice")),
        options=dict(options),
        enabled=bool(spec.get("enabled", True)),
    )


def _patterns(
    values: Any, flags: int, place: str, rule_id: str, packaged: frozenset[str] = frozenset()
) -> tuple[TextPattern, ...]:
    """The packaged rules' own patterns (tested here, some needing look-around) compile with
    `re`; every other pattern is the organisation's and compiles with RE2, whose time is linear
    in the text: a pattern like ``(?:[A-Z0-9]+-?)+/\\d{4}`` would otherwise take `re` minutes
    on a short post, and the event inbox would replay that post at every start."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise ConfigError(f"{place}: rule {rule_id}: patterns must be a list of expressions")
    compiled: list[TextPattern] = []
    for value in values:
        text = str(value)
        if text in packaged:
            compiled.append(re.compile(text, flags))
            continue
        try:
            re.compile(text, flags)
        except re.error as exc:
            raise ConfigError(
                f"{place}: rule {rule_id}: pattern {text!r} is not a valid "
                f"regular expression ({exc})"
            ) from exc
        compiled.append(_linear(text, flags, place, rule_id))
    return tuple(compiled)


def _linear(text: str, flags: int, place: str, rule_id: str) -> TextPattern:
    options = re2.Options()
    options.log_errors = False  # the reason goes into the ConfigError, not onto stderr
    options.case_sensitive = not flags & re.IGNORECASE
    try:
        return cast(TextPattern, re2.compile(text, options))
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ConfigError(
            f"{place}: rule {rule_id}: pattern {text!r} uses something Countersign does not "
            f"take from policy.yaml ({reason}): look-around and back-references can make "
            "a check take minutes on one post. Write it without them (RE2 syntax: "
            "https://github.com/google/re2/wiki/Syntax)"
        ) from exc


def _country(path: Path, data: Any) -> str:
    country = str(data.get("country", "GB")).upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"{where(path, data, 'country')}: unknown country code {country!r}")
    return country


def _allow(path: Path, data: Any) -> Allow:
    allow = data.get("allow") or LineDict()
    if not isinstance(allow, dict):
        raise ConfigError(f"{where(path, data, 'allow')}: allow must be a mapping")
    country = _country(path, data)
    phones = set()
    for raw in _items(path, allow, "phones"):
        try:
            number = phonenumbers.parse(str(raw), country)
        except phonenumbers.NumberParseException as exc:
            raise ConfigError(
                f"{where(path, allow, 'phones')}: {raw!r} is not a phone number"
            ) from exc
        phones.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return Allow(
        emails=frozenset(str(e).lower() for e in _items(path, allow, "emails")),
        email_domains=frozenset(
            str(d).lower().lstrip("@") for d in _items(path, allow, "email_domains")
        ),
        phones=frozenset(phones),
        terms=tuple(str(t) for t in _items(path, allow, "terms")),
    )


def _locations(path: Path, data: Any) -> tuple[Location, ...]:
    found = []
    entries = _items(path, data, "confidential_locations")
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"label": f"location {i + 1}", "address": entry}
        if not isinstance(entry, dict) or not (entry.get("address") or entry.get("also")):
            raise ConfigError(
                f"{where(path, entries, i)}: confidential_locations entry {i + 1} "
                "needs an address (and optionally a label and `also` names)"
            )
        phrases = [str(entry["address"])] if entry.get("address") else []
        phrases += [str(a) for a in _items(path, entry, "also")]
        found.append(Location(str(entry.get("label", f"location {i + 1}")), tuple(phrases)))
    return tuple(found)
