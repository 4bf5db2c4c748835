"""A Facebook Page as the Graph API shows it to a Page access token.

Every answer is JSON with a JSON content-type, errors included: facebook-sdk ignores the HTTP
status and decides by the body, and fails on anything that is not JSON.
Feed reads honour ``since`` (time-based paging, a Unix time:
https://developers.facebook.com/docs/graph-api/results) and show a post's pictures as
``attachments`` (https://developers.facebook.com/docs/graph-api/reference/story-attachment/):
one photo is an attachment of type "photo", several an "album" with a photo subattachment each.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.emulators.base import Call, Emulator, Response

_VERSION = re.compile(r"v\d+\.\d+")


def _error(
    message: str, code: int, kind: str = "OAuthException", *, status: int = 400, **extra: Any
) -> Response:
    error = {"message": message, "type": kind, "code": code, **extra}
    error["fbtrace_id"] = "A" + secrets.token_hex(5)
    return status, {}, {"error": error}


# A Page refusing a message it posted recently, as the fixtures record it
# (tests/fixtures/real/graph/duplicate_506.json, already_posted_368.json): code 506 "Duplicate
# status message" (https://developers.facebook.com/docs/graph-api/guides/error-handling;
# facebook-csharp-sdk/facebook-csharp-sdk#119, the same message posted again), and code 368
# "You've already posted this" (arsduo/koala#422), both HTTP 400.
_DUPLICATE = {
    506: "Duplicate status message",
    368: "You've already posted this. Posting the same content repeatedly on Facebook isn't "
    "allowed.",
}
# A Page token without pages_manage_posts / pages_read_engagement, as the fixtures record it
# (tests/fixtures/real/graph/permission_200.json, permission_10.json): code 200 with HTTP 403
# (arsduo/koala#644; the wording of the current Page requirement from
# Codeinwp/tweet-old-post#649), or code 10 "Application does not have permission" (error-handling
# guide above; facebookarchive/php-graph-sdk#302: 10 and 200-299 are permission errors).
_NO_PERMISSION = {
    200: "(#200) If posting to a group, requires app being installed in the group, and either "
    "publish_to_groups permission with user token, or both pages_read_engagement and "
    "pages_manage_posts permission with page token; If posting to a page, requires both "
    "pages_read_engagement and pages_manage_posts as an admin with sufficient administrative "
    "permission",
    10: "(#10) Application does not have permission for this action",
}


def _missing(object_id: str, operation: str) -> Response:
    return _error(
        f"Unsupported {operation} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        "GraphMethodException",
        error_subcode=33,
    )


def _created_time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _false(value: str | None) -> bool:
    return (value or "").strip().lower() in ("false", "0")


class GraphEmulator(Emulator):
    """One Page with its feed and photos; any Graph version segment is accepted and recorded."""

    # Facebook's clock, for the times it stamps on posts; tests set it to their fake clock.
    clock: Callable[[], float] = staticmethod(time.time)
    # On: a feed post whose message equals one the Page made in the last ``duplicate_window``
    # seconds is refused with ``duplicate_code`` (506 or 368, see _DUPLICATE). Facebook does not
    # publish how long it remembers; a day is this emulator's choice. On by default, as X's
    # reject_duplicates: the whole suite passes with it (a product posting the same words twice
    # shows); turn it off where a test means the Page to take the same words twice.
    reject_duplicates = True
    duplicate_code = 506
    duplicate_window = 24 * 3600.0
    # On: the token lacks the posting permissions, so every write (posting to the feed or photos,
    # deleting) answers ``permission_code`` (200 or 10, see _NO_PERMISSION); reading the Page and
    # its feed still works, as it does for a token that has only pages_read_engagement.
    permissions_missing = False
    permission_code = 200

    def __init__(
        self, *, page_id: str = "1234567890", page_token: str = "page-token", **kw: Any
    ) -> None:
        self.page_id = page_id
        self.page_token = page_token
        super().__init__(**kw)

    def _reset_state(self) -> None:
        self._posts: dict[str, dict[str, Any]] = {}
        self._photos: dict[str, dict[str, Any]] = {}
        self._post_seq = itertools.count(100_000_000_000_001)
        self._photo_seq = itertools.count(900_000_000_000_001)
        self._versions: set[str] = set()

    @property
    def posts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(p, photo_ids=list(p["photo_ids"])) for p in self._posts.values()]

    @property
    def photos(self) -> list[dict[str, Any]]:
        """Each: id, data (bytes), message, published, alt_text_custom, created_at."""
        with self._lock:
            return [dict(p) for p in self._photos.values()]

    @property
    def versions_seen(self) -> set[str]:
        with self._lock:
            return set(self._versions)

    def handle(self, call: Call) -> Response:
        status, headers, body = self._route(call)
        return status, {"Content-Type": "application/json; charset=UTF-8", **headers}, body

    def _route(self, call: Call) -> Response:
        segments = [s for s in call.path.split("/") if s]
        if segments and _VERSION.fullmatch(segments[0]):
            self._versions.add(segments.pop(0))
        token = call.query.get("access_token") or call.form.get("access_token")
        if token != self.page_token:
            return _error("Invalid OAuth access token - Cannot parse access token", 190)
        segments = [self.page_id if s == "me" else s for s in segments]
        method = call.method
        if self.permissions_missing and method in ("POST", "DELETE"):
            return _error(_NO_PERMISSION[self.permission_code], self.permission_code, status=403)
        if len(segments) == 2 and method == "POST":
            page, edge = segments
            if page != self.page_id:
                return _missing(page, "post")
            if edge == "feed":
                return self._post_feed(call)
            if edge == "photos":
                return self._post_photo(call)
        if len(segments) == 2 and method == "GET" and segments[1] in ("feed", "posts"):
            if segments[0] != self.page_id:
                return _missing(segments[0], "get")
            since = float(call.query.get("since") or 0)
            fields = call.query.get("fields") or ""
            # /feed is what the Page and its visitors posted there; /posts only the Page's own
            # (https://developers.facebook.com/docs/graph-api/reference/page/feed/).
            own_only = segments[1] == "posts"
            feed = [
                self._public(p["id"], attachments="attachments" in fields)
                for p in reversed(self._posts.values())
                if p["at"] >= since and not (own_only and p.get("by_visitor"))
            ]
            limit = int(call.query.get("limit") or 25)
            return 200, {}, {"data": feed[:limit]}
        if len(segments) == 1 and method == "GET":
            return self._get(segments[0])
        if len(segments) == 1 and method == "DELETE":
            return self._delete(segments[0])
        return _missing("/".join(segments), method.lower())

    def _new_post(self, call: Call | None, message: str, link: str, photo_ids: list[str]) -> str:
        post_id = f"{self.page_id}_{next(self._post_seq)}"
        at = self.clock()
        self._posts[post_id] = {
            "id": post_id,
            "message": message,
            "link": link or None,
            "photo_ids": photo_ids,
            "created_at": _created_time(at),
            "at": at,
        }
        return post_id

    def create_post_directly(
        self, message: str, pictures: int = 0, *, by_visitor: bool = False
    ) -> dict[str, Any]:
        """A post made outside the API under test (by hand on the Page, or before a crash);
        ``by_visitor``: by someone else on the Page, so in its feed but not in its posts."""
        with self._lock:
            photo_ids = []
            for _ in range(pictures):
                photo_id = str(next(self._photo_seq))
                self._photos[photo_id] = {
                    "id": photo_id,
                    "data": b"",
                    "message": "",
                    "published": True,
                    "alt_text_custom": None,
                    "created_at": _created_time(self.clock()),
                }
                photo_ids.append(photo_id)
            post_id = self._new_post(None, message, "", photo_ids)
            self._posts[post_id]["by_visitor"] = by_visitor
            return dict(self._posts[post_id])

    def _post_feed(self, call: Call) -> Response:
        photo_ids = []
        attached = [
            (k, v) for k, v in call.form.items() if re.fullmatch(r"attached_media\[\d+\]", k)
        ]
        attached.sort(key=lambda kv: int(kv[0][15:-1]))
        if "attached_media" in call.form:
            # The whole array as one JSON field; anything else (such as the bare dict keys a
            # Python list of dicts turns into under form encoding) is refused, not ignored.
            try:
                items = json.loads(call.form["attached_media"])
                attached += [("attached_media", json.dumps(item)) for item in items]
            except (ValueError, TypeError):
                return _error("(#100) param attached_media must be an array.", 100)
        for key, value in attached:
            try:
                fbid = str(json.loads(value)["media_fbid"])
            except (ValueError, TypeError, KeyError):
                return _error(f"(#100) param {key} must be a JSON object with media_fbid", 100)
            photo = self._photos.get(fbid)
            if photo is None or photo["published"]:
                return _error(f"(#100) param {key} has invalid media_fbid {fbid}", 100)
            photo_ids.append(fbid)
        message, link = call.form.get("message", ""), call.form.get("link", "")
        if not (message or link or photo_ids):
            return _error("(#100) Missing message or attachment", 100)
        if self.reject_duplicates and message and self._posted_recently(message):
            return _error(_DUPLICATE[self.duplicate_code], self.duplicate_code)
        return 200, {}, {"id": self._new_post(call, message, link, photo_ids)}

    def _posted_recently(self, message: str) -> bool:
        since = self.clock() - self.duplicate_window
        return any(p["message"] == message and p["at"] >= since for p in self._posts.values())

    def _post_photo(self, call: Call) -> Response:
        data = call.files.get("source")
        if not data:
            return _error("(#324) Requires upload file", 324)
        photo_id = str(next(self._photo_seq))
        message = call.form.get("message") or call.form.get("caption") or ""
        published = not _false(call.form.get("published"))
        self._photos[photo_id] = {
            "id": photo_id,
            "data": data,
            "message": message,
            "published": published,
            "alt_text_custom": call.form.get("alt_text_custom"),
            "created_at": _created_time(call.at),
        }
        if not published:
            return 200, {}, {"id": photo_id}
        post_id = self._new_post(call, message, "", [photo_id])
        return 200, {}, {"id": photo_id, "post_id": post_id}

    def _public(self, object_id: str, *, attachments: bool = False) -> dict[str, Any]:
        if object_id in self._posts:
            post = self._posts[object_id]
            shown: dict[str, Any] = {"id": object_id, "created_time": post["created_at"]}
            if post["message"]:
                shown["message"] = post["message"]  # Graph leaves out a field with no value
            if attachments and post["photo_ids"]:
                shown["attachments"] = {"data": [self._attachment(post["photo_ids"])]}
            return shown if post["link"] is None else {**shown, "link": post["link"]}
        photo = self._photos[object_id]
        return {"id": object_id, "name": photo["message"], "created_time": photo["created_at"]}

    @staticmethod
    def _attachment(photo_ids: list[str]) -> dict[str, Any]:
        photo = {"type": "photo", "media_type": "photo"}
        if len(photo_ids) == 1:
            return {**photo, "target": {"id": photo_ids[0]}}
        subs = [{**photo, "target": {"id": i}} for i in photo_ids]
        return {"type": "album", "media_type": "album", "subattachments": {"data": subs}}

    def _get(self, object_id: str) -> Response:
        if object_id == self.page_id:
            return 200, {}, {"id": self.page_id, "name": "Test Page"}
        if object_id in self._posts or object_id in self._photos:
            return 200, {}, self._public(object_id)
        return _missing(object_id, "get")

    def _delete(self, object_id: str) -> Response:
        if self._posts.pop(object_id, None) is None and self._photos.pop(object_id, None) is None:
            return _missing(object_id, "delete")
        return 200, {}, {"success": True}
