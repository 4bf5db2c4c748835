"""Who a post is about: possible service users, tagged handles and children named with a school.

The person finder is in identifiers.py (`_people`, `_everyone`); membership cues and roles are in
membership.py. These rules put them together: a person tied to "one of our residents" and to a
contact detail, an address, an identifier or a sensitive fact is someone we support, identified.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.checks.engine import VALIDATORS, Context, Hit, validator
from bot.checks.identifiers import _everyone, _once_per_run
from bot.checks.membership import cue_near, membership_cues, role_of
from bot.checks.policy import RulePack

# What other rules find that, with a membership cue, identifies a person we support; each in
# words for the message.
_EVIDENCE = {
    "phone_number": "a phone number",
    "email_address": "an e-mail address",
    "home_address": "a home address",
    "postcode": "a postcode",
    "confidential_location": "a confidential location",
    "refuge_location": "where a refuge is",
    "date_of_birth": "a date of birth",
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "ssn": "a Social Security number",
    "case_reference": "a case reference",
    "passport_number": "a passport number",
    "driving_licence": "a driving licence number",
    "vehicle_registration": "a vehicle registration",
    "special_category": "a sensitive fact (health, sexuality, religion, immigration, "
    "criminal record or abuse)",
}


def _evidence(ctx: Context) -> list[str]:
    """What the evidence rules find in this post, in words (each rule run once, and only here,
    when a post has a membership cue next to a person — a few posts in a hundred)."""

    def compute() -> list[str]:
        seen: list[str] = []
        for rule in ctx.policy.rules:
            if rule.id not in _EVIDENCE or not rule.enabled or rule.validator is None:
                continue
            hits = VALIDATORS[rule.validator](ctx, rule)
            if any(h.severity is None or h.severity.value == "block" for h in hits):
                seen.append(_EVIDENCE[rule.id])
        return seen

    found: list[str] = _once_per_run(ctx, "people.evidence", compute)
    return found


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@validator("service_user")
def service_user(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A person named as one of the people we support, with something that identifies them."""
    text = ctx.text
    if not membership_cues(text):
        return
    for start, end in _everyone(ctx):
        cue = cue_near(text, start, end)
        if cue is None or role_of(text, start, end):
            continue
        evidence = _evidence(ctx)
        if not evidence:
            return
        yield Hit(
            min(start, cue.start),
            max(end, cue.end),
            message=f"This names a person as {cue.label} together with "
            f"{_listed(evidence)}: together they identify someone we support.",
        )
