"""A Facebook Page through facebook-sdk's GraphAPI, at a current Graph API version."""

from __future__ import annotations

import io
import json
import threading
import unicodedata
from collections.abc import Callable
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
_THROTTLED = {4, 17, 32, 613, 80001}
_CREDENTIALS = {190, 102}
_SERVER_ERRORS = {1, 2}
_DUPLICATE = 506
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
        result = self._call(
            "looking for the post",
            False,
            self.graph.get_connections,
            self.page_id,
            "feed",
            fields="id,message,created_time",
            limit=FIND_WINDOW,
        )
        wanted = _comparable(draft.text)
        for post in result.get("data") or []:  # newest first
            if _comparable(post.get("message") or "") == wanted:
                return self._publication(post["id"])
        return None

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
            raise self._graph_failure(exc, doing) from exc
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
        if posting and status is not None and 200 <= status < 300:
            # A success status over an unreadable body: the post was most likely made.
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

    def _graph_failure(self, exc: facebook.GraphAPIError, doing: str) -> PublishError:
        code, subcode = exc.code, _subcode(exc)
        codes = f"code {code}" + (f", subcode {subcode}" if subcode is not None else "")
        context = "" if doing == "posting" else f" while {doing}"
        reason = self._clean(f"Facebook said: {exc.message} ({codes}){context}")
        status = getattr(self._seen, "status", None)
        if code in _THROTTLED:
            return PublishError(FailureKind.RATE_LIMITED, reason)
        if code in _CREDENTIALS or (isinstance(code, int) and 200 <= code <= 299) or code == 10:
            # A missing permission fails every post until someone fixes the token: pause.
            return PublishError(FailureKind.CREDENTIALS, reason)
        if code == _DUPLICATE:
            return PublishError(FailureKind.DUPLICATE, reason)
        if code in _SERVER_ERRORS or (status is not None and status >= 500):
            return PublishError(FailureKind.TRANSIENT, reason)
        return PublishError(FailureKind.REJECTED, reason)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)


def _subcode(exc: BaseException | None) -> int | None:
    result = getattr(exc, "result", None)
    error = result.get("error") if isinstance(result, dict) else None
    return error.get("error_subcode") if isinstance(error, dict) else None


def _comparable(text: str) -> str:
    """Facebook keeps a message as sent, give or take Unicode form and whitespace."""
    return " ".join(unicodedata.normalize("NFC", text).split())
