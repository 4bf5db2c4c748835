"""`countersign check`: the checks from the command line, one text or a JSON-lines stream."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.checks import Policy, run_checks
from bot.checks.engine import Register
from bot.checks.platform_fit import fit
from bot.config.settings import Settings
from bot.domain.findings import Finding, Verdict, verdict
from bot.domain.posts import PLATFORMS

FINDING_FIELDS = ("check", "rule", "severity", "start", "end", "excerpt", "message", "suggestion")


@dataclass(frozen=True)
class Checker:
    """Everything a check needs, read once: the policy, the register, today's date."""

    policy: Policy
    register: Register | None
    today: date
    platforms: tuple[str, ...]

    def findings(
        self, text: str, platforms: tuple[str, ...], images: Iterable[Any] = ()
    ) -> list[Finding]:
        found = run_checks(text, platforms, self.policy, register=self.register, today=self.today)
        images = list(images)
        if images:
            from bot.checks.images import check_images

            found += check_images(images)
        return found

    def result(
        self,
        text: str,
        platforms: tuple[str, ...],
        *,
        post_id: Any = None,
        images: Iterable[Any] = (),
    ) -> dict[str, Any]:
        found = self.findings(text, platforms, images)
        return {
            "id": post_id,
            "verdict": verdict(found).value,
            "findings": [_finding(f) for f in found],
            "platforms": fit(text, platforms, self.policy),
        }


def _finding(f: Finding) -> dict[str, Any]:
    data = f.to_dict()
    out = {k: data[k] for k in FINDING_FIELDS}
    if f.platform:
        out["platform"] = f.platform
    return out


def make_checker(settings: Settings, policy: Policy) -> Checker:
    return Checker(
        policy=policy,
        register=load_register_if_any(settings),
        today=datetime.now(settings.zone).date(),
        platforms=tuple(settings.platforms),
    )


def load_register_if_any(settings: Settings) -> Register | None:
    """The consent register from COUNTERSIGN_DB, if that database exists (never creates it)."""
    if not Path(settings.db).exists():
        return None
    from bot.storage import open_store
    from bot.storage.people import load_register

    store = open_store(settings.db, settings.keyring())
    try:
        # With entries and no (or the wrong) key this raises: names must never go unchecked.
        return load_register(store, settings.secret("secret_key") or None)
    finally:
        store.close()


def check_text(
    checker: Checker,
    text: str,
    *,
    as_json: bool,
    platforms: tuple[str, ...],
    images: list[Any],
    out: TextIO = sys.stdout,
) -> int:
    result = checker.result(text, platforms, images=images)
    if as_json:
        result.pop("id")
        print(json.dumps(result, indent=2, ensure_ascii=False), file=out)
    else:
        print(f"verdict: {result['verdict']}", file=out)
        for f in result["findings"]:
            where = f" [{f['platform']}]" if f.get("platform") else ""
            print(
                f"  {f['severity']:5} {f['check']}/{f['rule']}{where} at {f['start']}-"
                f"{f['end']}: {f['excerpt']!r} — {f['message']}",
                file=out,
            )
            if f["suggestion"]:
                print(f"        suggestion: {f['suggestion']}", file=out)
        for platform, measure in result["platforms"].items():
            state = "fits" if measure["fits"] else "too long"
            print(f"  {platform}: {measure['length']}/{measure['limit']} ({state})", file=out)
    return 1 if result["verdict"] == Verdict.BLOCK.value else 0


def check_jsonl(checker: Checker, lines: Iterable[str], out: TextIO) -> int:
    """One {"id", "text", "platforms"?} per line in; one result per line out, in order.

    A line that cannot be read gets an error line in its place, so the output stays aligned
    with the input. Exit status: 2 if any line was malformed, else 1 if any post is blocked.
    """
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item: Any = None
        try:
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"not JSON ({exc})") from exc
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected an object with a "text" string')
            platforms = item.get("platforms") or checker.platforms
            if isinstance(platforms, str):
                platforms = [platforms]
            bad = [p for p in platforms if p not in PLATFORMS]
            if bad:
                raise ValueError(f"unknown platform(s) {', '.join(map(str, bad))}")
            result = checker.result(item["text"], tuple(platforms), post_id=item.get("id"))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            item_id = item.get("id") if isinstance(item, dict) else None
            result = {"id": item_id, "line": number, "error": str(exc)}
            status = 2
        else:
            if result["verdict"] == Verdict.BLOCK.value and status == 0:
                status = 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return status
