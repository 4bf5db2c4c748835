"""The checks as the use cases ask them: a post's words, each platform's own words, its
pictures' descriptions and file names, against the policy and the consent register of today.

Built before the service and the deliverer, and given to both: the deliverer asks it again
just before publishing (``blocking_now``), the service when a post is proposed or revised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.checks import Policy, run_checks
from bot.checks.engine import Register
from bot.domain.findings import Finding, Severity
from bot.domain.posts import Attachment, Post
from bot.media import file_name_where

# Capitalised names, a condition, an address and a voice word: every lazily built table is
# touched. Made up; never logged.
_WARM_UP = (
    "Mary Green from our Tuesday group has asthma; she lives at 14 Elm Road, Leeds LS6 1AA. "
    "I think the council was useless."
)


@dataclass(frozen=True)
class Checker:
    policy: Policy
    zone_name: str
    platforms: tuple[str, ...]  # the configured ones: what a post is checked for by default
    clock: Callable[[], datetime]
    # The consent register, read afresh for every check so that changes apply at once.
    register: Callable[[], Register | None]

    def today(self) -> date:
        """The organisation's calendar date (consent expiry is a date, not an instant)."""
        return self.clock().astimezone(ZoneInfo(self.zone_name)).date()

    def check(self, text: str, platforms: tuple[str, ...] | None = None) -> list[Finding]:
        return run_checks(
            text,
            platforms or self.platforms,
            self.policy,
            register=self.register(),
            today=self.today(),
        )

    def warm_up(self) -> None:
        """Check one made-up sentence, so that the name lists, the condition vocabulary and
        the compiled patterns load at start (a second or two, once) rather than while the first
        proposer waits for the review card."""
        self.check(_WARM_UP)

    def check_all(
        self, text: str, platforms: tuple[str, ...], variants: Mapping[str, str]
    ) -> list[Finding]:
        """The main words for the platforms that use them; each platform's own words for it
        (those findings name the platform)."""
        shared = tuple(p for p in platforms if p not in variants)
        found = self.check(text, shared) if shared else []
        for platform, words in variants.items():
            found += [replace(f, platform=platform) for f in self.check(words, (platform,))]
        return found

    def blocking_now(self, post: Post, platform: str) -> list[Finding]:
        """What would block these words on ``platform`` today. Asked just before publishing:
        since the approval, consent may have been withdrawn or expired, someone may have been
        added to the register, or the policy may have changed."""
        words = {platform: post.variants[platform]} if platform in post.variants else {}
        found = [
            *self.check_all(post.text, (platform,), words),
            *self.check_pictures(post.images, (platform,)),
        ]
        return [f for f in found if f.severity is Severity.BLOCK]

    def check_pictures(
        self, attachments: Sequence[Attachment], platforms: tuple[str, ...]
    ) -> list[Finding]:
        """A picture's description (alt text) is published with it: its words get the voice
        and confidentiality checks too. Its file name is not published, but it is seen in
        Slack and kept, and "jo_smith_hiv_clinic.jpg" exposes as much as the words would: it
        gets the confidentiality check. Such a finding points at no span of the post's text."""
        found: list[Finding] = []
        for number, attachment in enumerate(attachments, start=1):
            name_where = file_name_where(number)
            looked_at = [(name_where, words) for words in _readable_names(attachment.name)]
            if attachment.alt_text:
                looked_at.append((f"the description of picture {number}", attachment.alt_text))
            seen: set[tuple[str, str]] = set()
            for where, words in looked_at:
                for f in self.check(words, platforms):
                    if f.check == "platform":
                        continue  # neither has a length of its own to fit
                    if where == name_where and f.check != "confidentiality":
                        continue  # never published: only what it reveals matters
                    message = f"in {where}: {f.message}"
                    if (f.rule, message) in seen:
                        continue  # the same thing seen in both readings of the name
                    seen.add((f.rule, message))
                    found.append(replace(f, start=0, end=0, replacement=None, message=message))
        return found


# Words a title keeps in lower case: "mary green at the refuge" reads "Mary Green at the Refuge".
_LOWER_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
    ]
)


def _readable_names(name: str) -> list[str]:
    """A file name as words, as the checks read a post: "jo_smith-HIV.clinic.jpg" reads "jo
    smith HIV clinic", and "JoSmithAtTheRefuge2.png" reads "Jo Smith At The Refuge 2". A name
    typed all in lower case has lost the capitals that say a word is a name or a place (in a
    post, "mary green" is not read as a person): it is read a second time with them."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    # camelCase and letters run into digits are separate words too.
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])", " ", stem)
    words = [w for w in re.split(r"[\s_.\-+]+", stem) if w]
    readings = [" ".join(words)[:200]]
    if any(c.isalpha() for c in stem) and not any(c.isupper() for c in stem):
        titled = [w if w in _LOWER_WORDS else w[:1].upper() + w[1:] for w in words]
        readings.append(" ".join(titled)[:200])
    return readings
