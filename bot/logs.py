"""Logging that never prints a token, a request or a post.

Every record is scrubbed of the configured secrets (as written, URL-encoded or JSON-escaped) and
of token and authorisation-header shapes. Libraries log request headers and bodies — and so
posts, with whatever confidential text a proposal held — at DEBUG: only Countersign's own
loggers (``bot.…``) may log below INFO, whatever the level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

# Token shapes, in case a secret reaches a log before it is known (e.g. in an exception text),
# and the values of authorisation headers and OAuth 1.0a parameters, whatever the token.
_TOKEN_SHAPES = re.compile(
    r"\b(xox[abpr]-[\w-]+|xapp-[\w-]+)"
    r"|((?:access_token|oauth_(?:consumer_key|token|signature|nonce))=\"?)[^&\s\",]+"
    r"|(\bBearer\s+)[^\s'\",]+"
    r"|(\bOAuth\s+)(?:\w+=\"[^\"]*\"(?:,\s*)?)+"
)

# Loggers that log requests (headers, bodies) at DEBUG. Bolt logs through the logger the app
# gives it ("countersign.slack") and through loggers named after the app's file.
_NOISY = (
    "tweepy",
    "urllib3",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "facebook",
    "slack_sdk",
    "slack_bolt",
    "countersign.slack",
    "websocket",
    "PIL",
)
_CHATTY = ("apscheduler", "waitress")
OWN = "bot"  # Countersign's own loggers: the only ones allowed below INFO


def _forms(secret: str) -> set[str]:
    """The ways a secret is written into a URL, a header or a JSON body."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
    }


def _scrub_shape(match: re.Match[str]) -> str:
    prefix = match.group(2) or match.group(3) or match.group(4) or ""
    return prefix + "***"


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = {form for s in secrets if s and len(s) >= 4 for form in _forms(s)}
        self.secrets = sorted(forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKEN_SHAPES.sub(_scrub_shape, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.scrub(message), None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


class OwnDebugOnly(logging.Filter):
    """Below INFO, only Countersign's own records pass: a library's DEBUG is its traffic."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        return record.levelno >= logging.INFO or name == OWN or name.startswith(OWN + ".")


def configure(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(OwnDebugOnly())
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Set before the Slack app is built: Bolt copies its logger's level to the loggers it makes.
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
