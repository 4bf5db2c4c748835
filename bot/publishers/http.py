"""The HTTP seam every platform client goes through: base-URL redirection and timeouts."""

from __future__ import annotations

from typing import Any

import requests

DEFAULT_TIMEOUT = 15.0


class RedirectingSession(requests.Session):
    """A session that sends requests meant for ``origin`` to ``target`` and never waits forever.

    tweepy hard-codes https://api.twitter.com and facebook-sdk reads a module global, so the
    only clean way to point them at a configured (or emulated) host is the session they accept.
    """

    def __init__(self, rewrites: dict[str, str], timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.rewrites = {
            origin.rstrip("/"): target.rstrip("/") for origin, target in rewrites.items()
        }
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        url = url.decode() if isinstance(url, bytes) else url
        for origin, target in self.rewrites.items():
            if origin != target and (url == origin or url.startswith(origin + "/")):
                url = target + url[len(origin) :]
                break
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)
