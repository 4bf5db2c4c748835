"""Logging that never prints a token: every record is scrubbed of the configured secrets."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

# Token shapes, in case a secret reaches a log before it is known (e.g. in an exception text).
_TOKEN_SHAPES = re.compile(r"\b(xox[abpr]-[\w-]+|xapp-[\w-]+)|(access_token=)[^&\s]+")


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKEN_SHAPES.sub(lambda m: (m.group(2) or "") + "***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.scrub(message), None
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


def configure(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # These log request headers and bodies at DEBUG: keep them quiet whatever the level.
    for noisy in ("tweepy", "urllib3", "slack_sdk", "slack_bolt"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    for chatty in ("apscheduler", "waitress"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
