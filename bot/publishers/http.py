"""The HTTP seam every platform client goes through: base-URL redirection and timeouts."""

from __future__ import annotations

from typing import Any

import requests
import urllib3.exceptions

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


def may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether a failed request may still have been acted on by the server.

    Only a connection that was never made proves nothing was sent; a read timeout, a connection
    dropped mid-exchange or a garbled answer leaves the outcome open.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.InvalidJSONError):
        return True  # an answer came back, so the request arrived
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        # NewConnectionError: refused, unreachable or unresolvable, before a byte was sent.
        return not isinstance(reason, urllib3.exceptions.NewConnectionError)
    # A read timeout or a broken answer leaves it open; what remains (a bad URL, a missing
    # schema, a bad header) fails before anything is sent.
    return isinstance(
        exc,
        (
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ),
    )


def requests_error_in(exc: BaseException) -> requests.RequestException | None:
    """The requests exception behind ``exc``, if any: SDKs wrap them (tweepy.API re-raises them
    as TweepyException, keeping the original only as the implicit context)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, requests.RequestException):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
