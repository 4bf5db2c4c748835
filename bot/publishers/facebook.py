"""A Facebook Page through facebook-sdk's GraphAPI, at a current Graph API version."""

from __future__ import annotations

import io
import json
import threading
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import requests

from bot.publishers.base import (
    Draft,
    DraftImage,
    FailureKind,
    Publication,
    PublishError,
    redact,
)
from bot.publishers.http import DEFAULT_TIMEOUT, RedirectingSession, may_have_arrived

GRAPH_ORIGIN = "https://graph.facebook.com"
FIND_WINDOW = 25
# Facebook stamps a post with its own clock (to the second); the claim time is ours. A post
# made after the claim may carry a time up to this much earlier and still count; an older
# look-alike is still told apart by the exact text and picture count, and two candidates go to
# a person.
CLOCK_SKEW = timedelta(minutes=2)
# What settling reads of each post: its words, its time and its pictures (a single photo is
# an attachment of type "photo"; several are an "album" with one subattachment each).
FEED_FIELDS = "id,message,created_time,attachments{type,media_type,subattachments}"
# Graph error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
_THROTTLED = {4, 17, 32, 613, 80001}
_CREDENTIALS = {190, 102}
_SERVER_ERRORS = {1, 2}
_DUPLICATE = 506
# "You've already posted this. Posting the same content repeatedly on Facebook isn't
# allowed." comes as code 368 (arsduo/koala#422); 368 otherwise means "deemed abusive".
_BLOCKED = 368
_UNKNOWN_OBJECT = (100, 33)


class FacebookPublisher:
    """Posts as the Page. A URL in the text is left in the message, not sent as ``link``:
    Facebook previews the first URL of a message by itself, and ``link`` would only add a
    second way to fail (a link Facebook cannot scrape) and a second shape of post to find."""

    platform = "facebook"
    dry_run = False

    def __init__(
        self,
        *,
        page_id: str,
        page_token: str,
        graph_url: str = GRAPH_ORIGIN,
        version: str = "v24.0",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        session = RedirectingSession({GRAPH_ORIGIN: graph_url}, timeout=timeout)
        # facebook-sdk ignores the HTTP status (it decides by the body), but a 5xx or a 2xx
        # matters when the body is an error or garbled: keep the last one seen, per thread.
        self._seen = threading.local()
        session.hooks["response"].append(self._record_status)
        # facebook-sdk 3.1 only accepts versions up to 3.1 at construction; the attribute is
        # what it puts in every URL, so set the current version after.
        self.graph = facebook.GraphAPI(
            access_token=page_token, version="3.1", session=session, timeout=timeout
        )
        self.graph.version = version if version.startswith("v") else f"v{version}"
        self.page_id = page_id
        self._secrets = [page_token]

    def publish(self, draft: Draft) -> Publication:
        text = {"message": draft.text} if draft.text else {}
        if not draft.images:
            result = self._call(
                "posting", True, self.graph.put_object, self.page_id, "feed", **text
            )
            return self._publication(result["id"])
        if len(draft.images) == 1:
            result = self._call("posting", True, self._put_photo, draft.images[0], **text)
            return self._publication(result.get("post_id") or result["id"])
        # Photos uploaded unpublished are invisible: if a later step fails they are simply
        # never shown, and a retry uploads afresh.
        attached = {}
        for number, image in enumerate(draft.images):
            doing = f"uploading image {number + 1} of {len(draft.images)}"
            photo = self._call(doing, False, self._put_photo, image, published="false")
            # Graph reads attached_media as indexed form fields, each a JSON object; given a
            # list, facebook-sdk (via requests' form encoding) would send only the dict keys.
            attached[f"attached_media[{number}]"] = json.dumps({"media_fbid": str(photo["id"])})
        result = self._call(
            "posting", True, self.graph.put_object, self.page_id, "feed", **text, **attached
        )
        return self._publication(result["id"])

    def delete(self, remote_id: str) -> None:
        try:
            self._call("deleting", False, self.graph.delete_object, remote_id)
        except PublishError as exc:
            cause = exc.__cause__
            if (getattr(cause, "code", None), _subcode(cause)) == _UNKNOWN_OBJECT:
                return  # already gone
            raise

    def verify(self) -> None:
        self._call("checking the Page", False, self.graph.get_object, self.page_id, fields="id")

    def find(self, draft: Draft) -> Publication | None:
        if draft.claimed_at is None:
            return None  # no time to bound the look by: any match could be an older post
        since = draft.claimed_at - CLOCK_SKEW
        result = self._call(
            "looking for the post",
            False,
            self.graph.get_connections,
            self.page_id,
            # /posts, not /feed: the feed also holds what visitors post on the Page, and a
            # visitor's post with the same words must never be taken for ours
            # (https://developers.facebook.com/docs/graph-api/reference/page/feed/).
            "posts",
            fields=FEED_FIELDS,
            limit=FIND_WINDOW,
            since=int(since.timestamp()),
        )
        candidates = [
            post
            for post in result.get("data") or []
            if _made_since(post, since) and same_post(post, draft)
        ]
        # Several look-alikes made since the claim (or none) cannot be told apart: a person
        # decides, rather than the delivery claiming a post that may be another's.
        return self._publication(candidates[0]["id"]) if len(candidates) == 1 else None

    def _put_photo(self, image: DraftImage, **fields: str) -> Any:
        if image.alt_text:
            fields["alt_text_custom"] = image.alt_text
        upload = (image.name or "image", io.BytesIO(image.data), image.mime_type)
        return self.graph.put_photo(image=upload, album_path=f"{self.page_id}/photos", **fields)

    def _publication(self, post_id: object) -> Publication:
        return Publication(remote_id=str(post_id), url=f"https://www.facebook.com/{post_id}")

    def _record_status(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._seen.status = response.status_code

    def _call(
        self, doing: str, posting: bool, call: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """One Graph request, its failures classified. ``posting``: the request could have
        created the post, so an answer lost on the way back leaves the outcome unknown."""
        self._seen.status = None
        try:
            return call(*args, **kwargs)
        except facebook.GraphAPIError as exc:
            if exc.code is None and not isinstance(exc.result, dict):
                # "Maintype was not text, image, or querystring": a body that is not JSON.
                raise self._garbled(exc, doing, posting) from exc
            raise self._graph_failure(exc, doing, posting) from exc
        except (requests.exceptions.InvalidJSONError, KeyError, ValueError) as exc:
            # facebook-sdk's way of failing on a body it cannot read: an HTML error page, a
            # JSON content-type over something else, or no content-type at all.
            raise self._garbled(exc, doing, posting) from exc
        except requests.RequestException as exc:
            if posting and may_have_arrived(exc):
                raise PublishError(
                    FailureKind.UNKNOWN,
                    self._clean(
                        f"Facebook's answer was lost ({type(exc).__name__}) while {doing}: "
                        "the post may or may not have gone out"
                    ),
                ) from exc
            raise PublishError(
                FailureKind.TRANSIENT,
                self._clean(f"Facebook unreachable while {doing} ({type(exc).__name__}): {exc}"),
            ) from exc

    def _garbled(self, exc: Exception, doing: str, posting: bool) -> PublishError:
        status = getattr(self._seen, "status", None)
        if posting and status is not None and (200 <= status < 300 or status >= 500):
            # A success over an unreadable body, or a gateway's error page (which may come
            # after Facebook acted): neither proves the post absent.
            return PublishError(
                FailureKind.UNKNOWN,
                self._clean(
                    f"Facebook answered {status} with a body it could not read while {doing}: "
                    "the post may or may not have gone out"
                ),
            )
        shown = f"HTTP {status}" if status is not None else "no status"
        return PublishError(
            FailureKind.TRANSIENT,
            self._clean(
                f"Facebook answered unexpectedly while {doing} ({shown}, not JSON: "
                f"{type(exc).__name__}: {exc})"
            ),
        )

    def _graph_failure(
        self, exc: facebook.GraphAPIError, doing: str, posting: bool
    ) -> PublishError:
        code, subcode = exc.code, _subcode(exc)
        codes = f"code {code}" + (f", subcode {subcode}" if subcode is not None else "")
        context = "" if doing == "posting" else f" while {doing}"
        reason = self._clean(f"Facebook said: {exc.message} ({codes}){context}")
        status = getattr(self._seen, "status", None)
        if code in _THROTTLED:
            return PublishError(FailureKind.RATE_LIMITED, reason)
        if code in _CREDENTIALS:
            return PublishError(FailureKind.CREDENTIALS, reason)
        if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            # A permission the token lacks fails every post alike until someone grants it;
            # reading the Page may still work, so only a person can say it is fixed.
            return PublishError(FailureKind.ACCOUNT, reason)
        if code == _DUPLICATE or (code == _BLOCKED and "already posted" in str(exc.message)):
            return PublishError(FailureKind.DUPLICATE, reason)
        if code in _SERVER_ERRORS or (status is not None and status >= 500):
            if posting:
                # Graph has answered code 2 / HTTP 500 with the post made (arsduo/koala#699):
                # only a look settles it.
                return PublishError(
                    FailureKind.UNKNOWN,
                    f"{reason} — the post may or may not have gone out",
                )
            return PublishError(FailureKind.TRANSIENT, reason)
        return PublishError(FailureKind.REJECTED, reason)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)


def _subcode(exc: BaseException | None) -> int | None:
    result = getattr(exc, "result", None)
    error = result.get("error") if isinstance(result, dict) else None
    return error.get("error_subcode") if isinstance(error, dict) else None


def _made_since(post: Mapping[str, Any], since: datetime) -> bool:
    try:
        created = datetime.strptime(str(post.get("created_time")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return False  # no readable time: it cannot be shown to be this delivery's post
    return created >= since.astimezone(UTC)


def same_post(post: Mapping[str, Any], draft: Draft) -> bool:
    """Whether a feed post is exactly the draft: the same words (links included — Facebook
    keeps the message as sent) and the same number of pictures."""
    if pictures(post) != len(draft.images):
        return False
    message = str(post.get("message") or "")
    return unicodedata.normalize("NFC", message) == unicodedata.normalize("NFC", draft.text)


def pictures(post: Mapping[str, Any]) -> int:
    """How many photos a feed post shows: one for an attachment of media type photo, one per
    photo subattachment of an album (a link preview is no picture)."""
    count = 0
    for attachment in (post.get("attachments") or {}).get("data") or []:
        subs = (attachment.get("subattachments") or {}).get("data") or []
        if subs:
            count += sum(1 for sub in subs if _is_photo(sub))
        elif _is_photo(attachment):
            count += 1
    return count


def _is_photo(attachment: Mapping[str, Any]) -> bool:
    return "photo" in (attachment.get("media_type"), attachment.get("type"))
