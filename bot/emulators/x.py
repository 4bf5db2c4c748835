"""The slice of the X API the publisher uses: v2 tweets and the v1.1 media upload tweepy offers.

Errors use X's problem-JSON shapes so tweepy raises the same exception types as against X.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import struct
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from bot.emulators.base import Call, Emulator, Response

USER = {"id": "1000", "name": "Test Org", "username": "testorg"}
RATE_WINDOW = 15 * 60
_URL = re.compile(r"https?://[^\s]+")

_UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
_DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def _invalid(message: str) -> Response:
    return (
        400,
        {},
        {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def _not_found(detail: str) -> Response:
    return (
        404,
        {},
        {
            "title": "Not Found Error",
            "detail": detail,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
            "status": 404,
        },
    )


def _v1_error(status: int, code: int, message: str) -> Response:
    return status, {}, {"errors": [{"code": code, "message": message}]}


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _image_info(data: bytes) -> dict[str, Any]:
    """Good enough for PNG (the format the tests and demo use); other formats get 0x0."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return {"image_type": "image/png", "w": width, "h": height}
    kind = "image/gif" if data.startswith(b"GIF8") else "image/jpeg"
    return {"image_type": kind, "w": 0, "h": 0}


class XEmulator(Emulator):
    """Checks OAuth 1.0a identity (not the signature) and keeps live tweets and uploaded media."""

    rate_limit = 300
    # X refuses a tweet identical to a live one; off, a product that posts twice shows it.
    reject_duplicates = True
    # Off: tweets keep the text as sent. On: stored and returned as X shows them — links (and
    # a link to attached media) as t.co links, and &, <, > HTML-escaped.
    rewrite_text = False

    def __init__(
        self,
        *,
        consumer_key: str = "x-consumer-key",
        access_token: str = "x-access-token",
        **kw: Any,
    ) -> None:
        self.consumer_key = consumer_key
        self.access_token = access_token
        super().__init__(**kw)

    def _reset_state(self) -> None:
        self._tweets: list[dict[str, Any]] = []
        self._media: dict[str, dict[str, Any]] = {}
        self._tweet_ids = itertools.count(1_800_000_000_000_000_001)
        self._media_ids = itertools.count(1_700_000_000_000_000_001)
        self._usage: dict[tuple[str, str, int], int] = {}

    @property
    def tweets(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(t, media_ids=list(t["media_ids"])) for t in self._tweets]

    @property
    def media(self) -> dict[str, dict[str, Any]]:
        """media_id_string -> {"id", "data", "size", "alt_text"}."""
        with self._lock:
            return {k: dict(v) for k, v in self._media.items()}

    def handle(self, call: Call) -> Response:
        v1 = call.path.startswith("/1.1/")
        if not self._authorized(call.headers.get("authorization", "")):
            if v1:
                return _v1_error(401, 32, "Could not authenticate you.")
            return 401, {}, dict(_UNAUTHORIZED)
        status, headers, body = self._route(call)
        if not v1:
            headers.update(self._rate_headers(call))
        return status, headers, body

    def _authorized(self, header: str) -> bool:
        if not header.startswith("OAuth "):
            return False
        params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header)}
        return (
            params.get("oauth_consumer_key") == self.consumer_key
            and params.get("oauth_token") == self.access_token
            and "oauth_signature" in params
        )

    def _rate_headers(self, call: Call) -> dict[str, str]:
        """Reports a real-looking budget per endpoint; exhaustion is left to inject()."""
        route = re.sub(r"/\d+", "/:id", call.path)
        window = int(call.at) // RATE_WINDOW
        key = (call.method, route, window)
        self._usage[key] = used = self._usage.get(key, 0) + 1
        headers = {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(max(0, self.rate_limit - used)),
            "x-rate-limit-reset": str((window + 1) * RATE_WINDOW),
        }
        if call.method == "POST" and route == "/2/tweets":
            day = int(call.at) // 86400
            day_key = ("24h", route, day)
            self._usage[day_key] = posted = self._usage.get(day_key, 0) + 1
            headers["x-user-limit-24hour-limit"] = "17"
            headers["x-user-limit-24hour-remaining"] = str(max(0, 17 - posted))
            headers["x-user-limit-24hour-reset"] = str((day + 1) * 86400)
        return headers

    def _route(self, call: Call) -> Response:
        path, method = call.path, call.method
        if path == "/2/tweets" and method == "POST":
            return self._create_tweet(call)
        if (m := re.fullmatch(r"/2/tweets/(\d+)", path)) and method == "DELETE":
            return self._delete_tweet(m.group(1))
        if path == "/2/users/me" and method == "GET":
            return 200, {}, {"data": dict(USER)}
        if (m := re.fullmatch(r"/2/users/(\d+)/tweets", path)) and method == "GET":
            return self._timeline(m.group(1), call.query)
        if path == "/1.1/media/upload.json" and method == "POST":
            return self._upload(call)
        if path == "/1.1/media/metadata/create.json" and method == "POST":
            return self._metadata(call)
        if path.startswith("/1.1/"):
            return _v1_error(404, 34, "Sorry, that page does not exist.")
        return _not_found(f"No route for {method} {path}.")

    def _create_tweet(self, call: Call) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        text = body.get("text") or ""
        media_ids = [str(i) for i in (body.get("media") or {}).get("media_ids") or []]
        if not text and not media_ids:
            return _invalid("Tweet text is empty and no media was attached.")
        if any(i not in self._media for i in media_ids):
            return _invalid("Your media IDs are invalid.")
        if self.reject_duplicates and text and any(t["sent_text"] == text for t in self._tweets):
            return 403, {}, dict(_DUPLICATE)
        tweet = self._add_tweet(text, media_ids, call.at)
        data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        return 201, {}, {"data": data}

    def create_tweet_directly(
        self, text: str, media_ids: list[str] | None = None
    ) -> dict[str, Any]:
        """A tweet made outside the API under test (another app, or before a crash)."""
        with self._lock:
            return dict(self._add_tweet(text, list(media_ids or []), time.time()))

    def _add_tweet(self, text: str, media_ids: list[str], at: float) -> dict[str, Any]:
        tweet = {
            "id": str(next(self._tweet_ids)),
            "text": self._as_shown(text, media_ids) if self.rewrite_text else text,
            "sent_text": text,
            "media_ids": media_ids,
            "created_at": _iso(at),
        }
        self._tweets.append(tweet)
        return tweet

    def _as_shown(self, text: str, media_ids: list[str]) -> str:
        def shorten(match: re.Match[str]) -> str:
            return "https://t.co/" + hashlib.sha1(match.group().encode()).hexdigest()[:10]

        shown = html.escape(_URL.sub(shorten, text), quote=False)
        if media_ids:
            shown += " https://t.co/" + hashlib.sha1(media_ids[0].encode()).hexdigest()[:10]
        return shown

    def _delete_tweet(self, tweet_id: str) -> Response:
        for tweet in self._tweets:
            if tweet["id"] == tweet_id:
                self._tweets.remove(tweet)
                return 200, {}, {"data": {"deleted": True}}
        return _not_found(f"Could not find tweet with id: [{tweet_id}].")

    def _timeline(self, user_id: str, query: dict[str, str]) -> Response:
        max_results = int(query.get("max_results") or 10)
        if not 5 <= max_results <= 100:
            return _invalid("max_results must be between 5 and 100.")
        mine = self._tweets if user_id == USER["id"] else []
        page = [
            {
                "id": t["id"],
                "text": t["text"],
                "created_at": t["created_at"],
                "edit_history_tweet_ids": [t["id"]],
            }
            for t in reversed(mine)
        ][:max_results]
        if not page:
            return 200, {}, {"meta": {"result_count": 0}}
        meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        return 200, {}, {"data": page, "meta": meta}

    def _upload(self, call: Call) -> Response:
        if "command" in call.form:
            return _v1_error(400, 324, "Chunked upload is not emulated.")
        data = call.files.get("media")
        if data is None and "media_data" in call.form:
            data = base64.b64decode(call.form["media_data"])
        if not data:
            return _v1_error(400, 38, "media parameter is missing.")
        media_id = next(self._media_ids)
        self._media[str(media_id)] = {
            "id": str(media_id),
            "data": data,
            "size": len(data),
            "alt_text": None,
        }
        return (
            200,
            {},
            {
                "media_id": media_id,
                "media_id_string": str(media_id),
                "size": len(data),
                "expires_after_secs": 86400,
                "image": _image_info(data),
            },
        )

    def _metadata(self, call: Call) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        media = self._media.get(str(body.get("media_id")))
        if media is None:
            return _v1_error(400, 324, "Invalid media_id.")
        media["alt_text"] = (body.get("alt_text") or {}).get("text")
        return 200, {}, None
