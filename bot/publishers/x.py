"""X through tweepy: API v2 for posts, look-ups and picture uploads (OAuth 1.0a user context)."""

from __future__ import annotations

import base64
import html
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests
import tweepy

from bot.checks.x_text import extract_urls_with_indices
from bot.publishers.base import (
    Draft,
    DraftImage,
    FailureKind,
    Publication,
    PublishError,
    redact,
)
from bot.publishers.http import (
    DEFAULT_TIMEOUT,
    RedirectingSession,
    may_have_arrived,
    requests_error_in,
)

X_ORIGIN = "https://api.twitter.com"
# X's v2 media upload lives on the API host (https://docs.x.com/x-api/media/upload-media).
X_UPLOAD_ORIGIN = "https://api.x.com"
MAX_IMAGES = 4
# X bills reads per post returned (and the free tier allows very few), while an unsettled post
# is one of the last few the account made: a short look back is enough.
FIND_WINDOW = 20
# Clocks differ: X stamps a post with its own clock, the claim time is ours. A post made after
# the claim may carry a time up to this much earlier and still count; an older look-alike is
# still told apart by the exact text and picture count, and two candidates go to a person.
CLOCK_SKEW = timedelta(minutes=2)
# One request carries a small picture whole; a bigger one goes in chunked segments, each well
# under X's per-request limits (https://docs.x.com/x-api/media/quickstart/media-upload-chunked).
ONE_SHOT_MAX = 1024 * 1024
SEGMENT = 1024 * 1024
# X answers 453 to an access level without the endpoint (seen for v1.1 media upload).
_ACCESS_LEVEL = 453
# Problem types X gives a 403 that no single post can fix: a read-only app, an app outside a
# project (xdevplatform/samples#141, geduldig/TwitterAPI#226).
_ACCOUNT_PROBLEMS = ("oauth1-permissions", "client-forbidden")
# Headers of the limits a 429 may be about: the 15-minute window, then the daily post caps,
# which outlast it (retrying at the window's reset would only meet another 429).
_LIMITS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")


class MediaUploader(Protocol):
    def upload(self, image: DraftImage) -> str:
        """X's media id for the image; raises tweepy or requests exceptions as they come."""
        ...


class XMediaUploader:
    """The one place that knows how images reach X: API v2 media upload.

    X retired the v1.1 upload tweepy 4.17 offers (403, code 453, for most access levels) and
    tweepy has no v2 upload yet (tweepy/tweepy#2217). Its ``Client.request`` signs any v2 call
    with OAuth 1.0a user context and raises its usual exceptions, so the uploads go through
    it: one JSON body with the picture in base64 (the documented one-shot form), or the
    initialize/append/finalize steps for a bigger one.
    """

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        upload_url: str = X_UPLOAD_ORIGIN,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            wait_on_rate_limit=False,
        )
        # tweepy.Client builds every URL on https://api.twitter.com; the session redirects.
        self.client.session = RedirectingSession({X_ORIGIN: upload_url}, timeout=timeout)

    def upload(self, image: DraftImage) -> str:
        if len(image.data) <= ONE_SHOT_MAX:
            answer = self._post(
                "/2/media/upload",
                {
                    "media": base64.b64encode(image.data).decode("ascii"),
                    "media_category": "tweet_image",
                    "media_type": image.mime_type,
                },
            )
        else:
            answer = self._chunked(image)
        media = answer.get("data") or {}
        media_id = str(media.get("id") or "")
        if not media_id:
            raise tweepy.TweepyException("X's upload answer carried no media id")
        state = (media.get("processing_info") or {}).get("state")
        if state == "failed":
            raise tweepy.TweepyException("X could not process the picture")
        if image.alt_text:
            self._post(
                "/2/media/metadata",
                {"id": media_id, "metadata": {"alt_text": {"text": image.alt_text}}},
            )
        return media_id

    def _chunked(self, image: DraftImage) -> dict[str, Any]:
        started = self._post(
            "/2/media/upload/initialize",
            {
                "media_category": "tweet_image",
                "media_type": image.mime_type,
                "total_bytes": len(image.data),
            },
        )
        media_id = str((started.get("data") or {}).get("id") or "")
        if not media_id:
            raise tweepy.TweepyException("X's initialize answer carried no media id")
        for index, offset in enumerate(range(0, len(image.data), SEGMENT)):
            chunk = image.data[offset : offset + SEGMENT]
            self._post(
                f"/2/media/upload/{media_id}/append",
                {"media": base64.b64encode(chunk).decode("ascii"), "segment_index": index},
            )
        return self._post(f"/2/media/upload/{media_id}/finalize", None)

    def _post(self, route: str, body: dict[str, Any] | None) -> dict[str, Any]:
        response = self.client.request("POST", route, json=body, user_auth=True)
        if not response.content:
            return {}
        answer = response.json()
        return answer if isinstance(answer, dict) else {}


class XPublisher:
    platform = "x"
    dry_run = False

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        api_url: str = X_ORIGIN,
        upload_url: str = X_UPLOAD_ORIGIN,
        timeout: float = DEFAULT_TIMEOUT,
        uploader: MediaUploader | None = None,
    ) -> None:
        # wait_on_rate_limit=False: tweepy would otherwise sleep inside the scheduler's thread.
        self.client = tweepy.Client(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            wait_on_rate_limit=False,
        )
        self.client.session = RedirectingSession({X_ORIGIN: api_url}, timeout=timeout)
        self.uploader: MediaUploader = uploader or XMediaUploader(
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            upload_url=upload_url,
            timeout=timeout,
        )
        self._user_id: str | None = None
        self._secrets = [consumer_key, consumer_secret, access_token, access_token_secret]

    def publish(self, draft: Draft) -> Publication:
        if len(draft.images) > MAX_IMAGES:
            raise PublishError(
                FailureKind.REJECTED,
                f"X takes at most {MAX_IMAGES} images a post; this one has {len(draft.images)}.",
            )
        media_ids = []
        for number, image in enumerate(draft.images, start=1):
            try:
                media_ids.append(self.uploader.upload(image))
            except (tweepy.TweepyException, requests.RequestException) as exc:
                # Media never attached to a post is invisible and expires: nothing was posted.
                where = f"uploading image {number} of {len(draft.images)}"
                raise self._failure(exc, where, posting=False) from exc
        try:
            response = self.client.create_tweet(
                text=draft.text, media_ids=media_ids or None, user_auth=True
            )
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._failure(exc, "posting", posting=True) from exc
        return self._publication(response.data["id"])

    def delete(self, remote_id: str) -> None:
        try:
            response = self.client.delete_tweet(remote_id, user_auth=True)
        except tweepy.NotFound:
            return  # already gone
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._failure(exc, "deleting", posting=False) from exc
        if not (response.data or {}).get("deleted"):
            raise PublishError(FailureKind.REJECTED, f"X did not delete post {remote_id}.")

    def verify(self) -> None:
        try:
            response = self.client.get_me(user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._failure(exc, "checking the account", posting=False) from exc
        self._user_id = str(response.data.id)

    def find(self, draft: Draft) -> Publication | None:
        if draft.claimed_at is None:
            return None  # no time to bound the look by: any match could be an older post
        if self._user_id is None:
            self.verify()
        since = draft.claimed_at - CLOCK_SKEW
        try:
            response = self.client.get_users_tweets(
                self._user_id,
                max_results=FIND_WINDOW,
                start_time=since,
                tweet_fields=["created_at", "attachments", "entities"],
                exclude=["retweets", "replies"],
                user_auth=True,
            )
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._failure(exc, "looking for the post", posting=False) from exc
        candidates = [
            tweet
            for tweet in response.data or []
            if _made_since(tweet, since) and same_post(tweet.data, draft)
        ]
        # Several look-alikes made since the claim (or none) cannot be told apart: a person
        # decides, rather than the delivery claiming a post that may be another's.
        return self._publication(candidates[0].id) if len(candidates) == 1 else None

    def _publication(self, tweet_id: object) -> Publication:
        return Publication(remote_id=str(tweet_id), url=f"https://x.com/i/web/status/{tweet_id}")

    def _failure(self, exc: Exception, doing: str, *, posting: bool) -> PublishError:
        """``posting``: the request could have created the post, so an answer lost on the way
        back leaves the outcome unknown; other requests are safe to repeat."""
        if isinstance(exc, tweepy.HTTPException):
            return self._http_failure(exc, doing, posting=posting)
        cause = requests_error_in(exc)
        if cause is None:
            return PublishError(
                FailureKind.REJECTED, self._clean(f"X client failed {doing}: {exc}")
            )
        if posting and may_have_arrived(cause):
            return PublishError(
                FailureKind.UNKNOWN,
                self._clean(
                    f"X's answer was lost ({type(cause).__name__}) while {doing}: "
                    "the post may or may not have gone out"
                ),
            )
        return PublishError(
            FailureKind.TRANSIENT,
            self._clean(f"X unreachable while {doing} ({type(cause).__name__}): {cause}"),
        )

    def _http_failure(
        self, exc: tweepy.HTTPException, doing: str, *, posting: bool
    ) -> PublishError:
        messages = "; ".join(str(m) for m in exc.api_messages) or str(exc)
        context = "" if doing == "posting" else f" (while {doing})"
        reason = self._clean(f"X said: {messages}{context}")
        status = exc.response.status_code
        if isinstance(exc, tweepy.TooManyRequests):
            return PublishError(FailureKind.RATE_LIMITED, reason, _retry_at(exc.response.headers))
        if isinstance(exc, tweepy.Unauthorized):
            return PublishError(FailureKind.CREDENTIALS, reason)
        if status == 402:
            # Pay-per-use with no credits left: nothing posts until someone buys more.
            return PublishError(FailureKind.ACCOUNT, self._clean(f"{reason} (HTTP 402)"))
        if isinstance(exc, tweepy.Forbidden):
            if "duplicate" in messages.lower():
                return PublishError(FailureKind.DUPLICATE, reason)
            if _ACCESS_LEVEL in exc.api_codes or _problem_type(exc).endswith(_ACCOUNT_PROBLEMS):
                return PublishError(FailureKind.ACCOUNT, reason)
            return PublishError(FailureKind.REJECTED, reason)
        if isinstance(exc, tweepy.TwitterServerError):
            if posting:
                # X has answered 500 and 503 with the post live: only a look settles it.
                return PublishError(
                    FailureKind.UNKNOWN,
                    f"{reason} — X answered {status}: the post may or may not have gone out",
                )
            return PublishError(FailureKind.TRANSIENT, reason)
        return PublishError(FailureKind.REJECTED, reason)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)


def _retry_at(headers: Mapping[str, Any]) -> float | None:
    """The latest reset among the limits a 429 may be about; None when X gave none."""
    resets = []
    for limit in _LIMITS:
        reset, remaining = headers.get(f"{limit}-reset"), headers.get(f"{limit}-remaining")
        if reset is None or (limit != "x-rate-limit" and str(remaining) != "0"):
            continue
        try:
            resets.append(float(reset))
        except ValueError:
            continue
    return max(resets, default=None)


def _problem_type(exc: tweepy.HTTPException) -> str:
    """The problem ``type`` URL of a v2 error body, or ""."""
    try:
        body = exc.response.json()
    except ValueError:
        return ""
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else ""


def _made_since(tweet: Any, since: datetime) -> bool:
    created = getattr(tweet, "created_at", None)
    if not isinstance(created, datetime):
        return False  # no time given: it cannot be shown to be this delivery's post
    return created.astimezone(UTC) >= since.astimezone(UTC)


def same_post(tweet: Mapping[str, Any], draft: Draft) -> bool:
    """Whether a tweet, as X answers it, is exactly the draft: same words, links included, and
    the same number of pictures."""
    pictures = len((tweet.get("attachments") or {}).get("media_keys") or [])
    if pictures != len(draft.images):
        return False
    return _nfc(as_sent(tweet, draft.text)) == _nfc(draft.text)


def as_sent(tweet: Mapping[str, Any], draft_text: str) -> str:
    """A tweet's text undone from what X provably does to it: every link it recognised is
    wrapped in t.co (the entity keeps the original as ``expanded_url``, with ``http://``
    added to a bare domain), a t.co link to attached pictures is appended (an entity with a
    ``media_key``), and &, < and > come back HTML-escaped."""
    text = str(tweet.get("text") or "")
    bare = {url["url"] for url in extract_urls_with_indices(draft_text) if "://" not in url["url"]}
    for entity in (tweet.get("entities") or {}).get("urls") or []:
        wrapped = entity.get("url")
        if not wrapped:
            continue
        if entity.get("media_key"):
            # X appends it after a space (or as the whole text of a picture-only post).
            spaced = " " + wrapped
            text = text.replace(spaced if spaced in text else wrapped, "", 1)
            continue
        original = str(entity.get("expanded_url") or wrapped)
        if original.startswith("http://") and original[7:] in bare:
            original = original[7:]
        text = text.replace(wrapped, original)
    return html.unescape(text)


def _nfc(text: str) -> str:
    # X counts text in Unicode normal form C (docs.x.com, "Counting characters"): composed and
    # decomposed forms are the same words to it, so they are to the comparison.
    return unicodedata.normalize("NFC", text)
