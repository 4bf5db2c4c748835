"""The slice of the X API the publisher uses: v2 tweets, timeline and media upload.

Errors use X's problem-JSON shapes so tweepy raises the same exception types as against X.
Sources: https://docs.x.com/x-api/media/upload-media (one-shot upload: JSON with the picture in
base64, answered {"data": {"id", "media_key", "size", "expires_after_secs"}}),
https://docs.x.com/x-api/media/initialize-media-upload and its append/finalize pages,
https://docs.x.com/x-api/media/create-media-metadata ({"id", "metadata": {"alt_text":
{"text"}}}), tweepy/tweepy:cassettes/test_client_get_users_tweets.yaml (a timeline answer, the
t.co link X appends for attached media), the v1.1 retirement answer (socioboard/Socioboard-5.0#440).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import time
from collections.abc import Callable
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
# The answers of an account that cannot post, as the fixtures record them
# (tests/fixtures/real/x/credits_depleted_402.json, oauth1_permissions_403.json).
# A pay-per-use account with no credits left: 402 on POST /2/tweets, a problem of type "credits"
# (tryethernal/ethernal#1326; title and detail as quoted by public tests of X clients).
_NO_CREDITS = {
    "title": "CreditsDepleted",
    "detail": "Your enrolled account [1780611631] does not have any credits to fulfill this "
    "request.",
    "type": "https://api.twitter.com/2/problems/credits",
}
# Tokens made while the app could only read: every write is refused with this 403 until they are
# made again (xdevplatform/samples#141, plhery/node-twitter-api-v2#493, tweepy #1796 and #1663).
_READ_ONLY = {
    "title": "Forbidden",
    "status": 403,
    "detail": "Your client app is not configured with the appropriate oauth1 app permissions "
    "for this endpoint.",
    "type": "https://api.twitter.com/2/problems/oauth1-permissions",
}
ACCOUNT_STATES = ("ok", "no_credits", "read_only")


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


# What an access level without v1.1 media upload gets since X retired it (2025): most do.
_V1_RETIRED = (
    "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints "
    "(e.g. media post, oauth) only. If you need access to this endpoint, you may need a "
    "different access level. You can learn more here: https://developer.x.com/en/portal/product"
)


def _parse_iso(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class XEmulator(Emulator):
    """Checks OAuth 1.0a identity (not the signature) and keeps live tweets and uploaded media."""

    rate_limit = 300
    # X refuses a tweet identical to a live one; off, a product that posts twice shows it.
    reject_duplicates = True
    # Off: tweets keep the text as sent. On: stored and returned as X shows them — links (and
    # a link to attached media) as t.co links, and &, <, > HTML-escaped.
    rewrite_text = False
    # What X thinks of the account: "ok"; "no_credits" (a pay-per-use account with nothing left:
    # POST /2/tweets answers 402); "read_only" (the app's tokens lack write permission: creating
    # and deleting tweets answer 403 oauth1-permissions). Reading (users/me, the timeline) still
    # works in both, which is why a product cannot tell by reading that the account is fixed.
    account = "ok"
    # X's clock, for the times it stamps on posts; tests set it to their fake clock.
    clock: Callable[[], float] = staticmethod(time.time)

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
        """media id -> {"id", "media_key", "data", "size", "alt_text", "finalized"}."""
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
        if (refused := self._account_refusal(path, method)) is not None:
            return refused
        if path == "/2/tweets" and method == "POST":
            return self._create_tweet(call)
        if (m := re.fullmatch(r"/2/tweets/(\d+)", path)) and method == "DELETE":
            return self._delete_tweet(m.group(1))
        if path == "/2/users/me" and method == "GET":
            return 200, {}, {"data": dict(USER)}
        if (m := re.fullmatch(r"/2/users/(\d+)/tweets", path)) and method == "GET":
            return self._timeline(m.group(1), call.query)
        if path == "/2/media/upload" and method == "POST":
            return self._upload(call)
        if path == "/2/media/upload/initialize" and method == "POST":
            return self._initialize(call)
        if (m := re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", path)) and (
            method == "POST"
        ):
            media_id, step = m.groups()
            return self._append(media_id, call) if step == "append" else self._finalize(media_id)
        if path == "/2/media/metadata" and method == "POST":
            return self._metadata(call)
        if path.startswith("/1.1/media/"):
            return _v1_error(403, 453, _V1_RETIRED)
        if path.startswith("/1.1/"):
            return _v1_error(404, 34, "Sorry, that page does not exist.")
        return _not_found(f"No route for {method} {path}.")

    def _account_refusal(self, path: str, method: str) -> Response | None:
        """The account-level refusals: only writes to /2/tweets, as recorded (reads still work).
        402 is documented only for creating a tweet, so a delete is left to go through."""
        if self.account not in ACCOUNT_STATES:
            raise ValueError(f"account must be one of {ACCOUNT_STATES}")
        tweets = path == "/2/tweets" and method == "POST"
        if self.account == "no_credits" and tweets:
            return 402, {}, dict(_NO_CREDITS)
        one = re.fullmatch(r"/2/tweets/\d+", path) is not None and method == "DELETE"
        if self.account == "read_only" and (tweets or one):
            return 403, {}, dict(_READ_ONLY)
        return None

    def _create_tweet(self, call: Call) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        text = body.get("text") or ""
        media_ids = [str(i) for i in (body.get("media") or {}).get("media_ids") or []]
        if not text and not media_ids:
            return _invalid("Tweet text is empty and no media was attached.")
        if any(not self._media.get(i, {}).get("finalized") for i in media_ids):
            return _invalid("Your media IDs are invalid.")
        if self.reject_duplicates and text and any(t["sent_text"] == text for t in self._tweets):
            return 403, {}, dict(_DUPLICATE)
        tweet = self._add_tweet(text, media_ids, self.clock())
        data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        return 201, {}, {"data": data}

    def create_tweet_directly(
        self, text: str, media_ids: list[str] | None = None
    ) -> dict[str, Any]:
        """A tweet made outside the API under test (another app, or before a crash)."""
        with self._lock:
            for media_id in media_ids or []:
                if media_id not in self._media:
                    self._new_media(b"", media_id=media_id)
            return dict(self._add_tweet(text, list(media_ids or []), self.clock()))

    def add_media(self, media_id: str, data: bytes = b"") -> None:
        """Media uploaded outside the API under test (an upload answer replayed from X)."""
        with self._lock:
            self._new_media(data, media_id=media_id)

    def _add_tweet(self, text: str, media_ids: list[str], at: float) -> dict[str, Any]:
        shown, urls = self._as_shown(text, media_ids) if self.rewrite_text else (text, [])
        tweet = {
            "id": str(next(self._tweet_ids)),
            "text": shown,
            "sent_text": text,
            "media_ids": media_ids,
            "urls": urls,
            "created_at": _iso(at),
            "at": at,
        }
        self._tweets.append(tweet)
        return tweet

    def _as_shown(self, text: str, media_ids: list[str]) -> tuple[str, list[dict[str, Any]]]:
        """As X shows a post: each link wrapped in t.co (the original kept in the entity's
        expanded_url), a t.co link to the pictures appended (an entity with a media_key),
        &, < and > escaped. Entity offsets are left out: nothing here reads them."""
        urls: list[dict[str, Any]] = []

        def shorten(match: re.Match[str]) -> str:
            wrapped = "https://t.co/" + hashlib.sha1(match.group().encode()).hexdigest()[:10]
            display = match.group().split("://", 1)[-1]
            urls.append({"url": wrapped, "expanded_url": match.group(), "display_url": display})
            return wrapped

        shown = html.escape(_URL.sub(shorten, text), quote=False)
        if media_ids:
            wrapped = "https://t.co/" + hashlib.sha1(media_ids[0].encode()).hexdigest()[:10]
            shown = f"{shown} {wrapped}" if shown else wrapped
            urls.append(
                {
                    "url": wrapped,
                    "expanded_url": f"https://x.com/{USER['username']}/status/0/photo/1",
                    "display_url": "pic.x.com/" + wrapped[-10:],
                    "media_key": self._media[media_ids[0]]["media_key"],
                }
            )
        return shown, urls

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
        since = _parse_iso(query["start_time"]) if query.get("start_time") else None
        fields = set((query.get("tweet.fields") or "").split(","))
        mine = self._tweets if user_id == USER["id"] else []
        page = [
            self._as_answered(t, fields)
            for t in reversed(mine)
            if since is None or t["at"] >= since
        ][:max_results]
        if not page:
            return 200, {}, {"meta": {"result_count": 0}}
        meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        return 200, {}, {"data": page, "meta": meta}

    def _as_answered(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        """Only the fields asked for, as v2 does: id, text and edit history by default."""
        shown: dict[str, Any] = {
            "id": tweet["id"],
            "text": tweet["text"],
            "edit_history_tweet_ids": [tweet["id"]],
        }
        if "created_at" in fields:
            shown["created_at"] = tweet["created_at"]
        if "attachments" in fields and tweet["media_ids"]:
            keys = [self._media[i]["media_key"] for i in tweet["media_ids"] if i in self._media]
            shown["attachments"] = {"media_keys": keys}
        if "entities" in fields and tweet["urls"]:
            shown["entities"] = {"urls": [dict(u) for u in tweet["urls"]]}
        return shown

    def _new_media(self, data: bytes, *, media_id: str | None = None) -> dict[str, Any]:
        media_id = media_id or str(next(self._media_ids))
        media = {
            "id": media_id,
            "media_key": f"3_{media_id}",  # 3: a photo (the key's pattern is type_id)
            "data": data,
            "size": len(data),
            "alt_text": None,
            "finalized": True,
            "total_bytes": len(data),
            "segments": {},
        }
        self._media[media_id] = media
        return media

    @staticmethod
    def _media_answer(media: dict[str, Any]) -> Response:
        data = {
            "id": media["id"],
            "media_key": media["media_key"],
            "size": media["size"],
            "expires_after_secs": 86400,
        }
        return 200, {}, {"data": data}

    def _upload(self, call: Call) -> Response:
        """One-shot: JSON with ``media`` in base64 (as documented), or multipart ``media``."""
        body = call.json if isinstance(call.json, dict) else {}
        if "command" in call.query or "command" in call.form:
            return _invalid("The command parameter is no longer supported; use initialize.")
        data = call.files.get("media")
        if data is None and isinstance(body.get("media"), str):
            try:
                data = base64.b64decode(body["media"], validate=True)
            except ValueError:
                return _invalid("media is not valid base64.")
        category = body.get("media_category") or call.form.get("media_category")
        if not data:
            return _invalid("The `media` field is required.")
        if category not in ("tweet_image", "dm_image", "subtitles"):
            return _invalid("media_category must be one of tweet_image, dm_image, subtitles.")
        return self._media_answer(self._new_media(data))

    def _initialize(self, call: Call) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        total = body.get("total_bytes")
        if not isinstance(total, int) or total <= 0 or not body.get("media_type"):
            return _invalid("total_bytes and media_type are required.")
        media = self._new_media(b"")
        media.update(finalized=False, total_bytes=total, size=total)
        return self._media_answer(media)

    def _append(self, media_id: str, call: Call) -> Response:
        media = self._media.get(media_id)
        if media is None or media["finalized"]:
            return _invalid(f"Media {media_id} is not waiting for segments.")
        body = call.json if isinstance(call.json, dict) else {}
        index = body.get("segment_index", call.form.get("segment_index"))
        chunk = call.files.get("media")
        if chunk is None and isinstance(body.get("media"), str):
            chunk = base64.b64decode(body["media"])
        if chunk is None or index is None or not 0 <= int(index) <= 999:
            return _invalid("media and segment_index (0-999) are required.")
        media["segments"][int(index)] = chunk
        return 200, {}, {"data": {"expires_at": int(call.at) + 86400}}

    def _finalize(self, media_id: str) -> Response:
        media = self._media.get(media_id)
        if media is None:
            return _invalid(f"Media {media_id} was not initialized.")
        data = b"".join(media["segments"][i] for i in sorted(media["segments"]))
        if len(data) != media["total_bytes"]:
            return _invalid("The segments do not add up to total_bytes.")
        media.update(data=data, size=len(data), finalized=True, segments={})
        return self._media_answer(media)

    def _metadata(self, call: Call) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        media = self._media.get(str(body.get("id")))
        if media is None:
            return _invalid("Invalid media id.")
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if alt is not None and len(alt) > 1000:
            return _invalid("alt_text.text must be at most 1000 characters.")
        media["alt_text"] = alt
        data = {"id": media["id"], "associated_metadata": {"alt_text": {"text": alt}}}
        return 200, {}, {"data": data}
