"""X through tweepy: API v2 for posts (OAuth 1.0a user context), v1.1 for image uploads."""

from __future__ import annotations

import html
import io
import mimetypes
import unicodedata
from collections.abc import Mapping
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
X_UPLOAD_ORIGIN = "https://upload.twitter.com"
MAX_IMAGES = 4
# X bills reads per post returned (and the free tier allows very few), while an unsettled post
# is one of the last few the account made: a short look back is enough.
FIND_WINDOW = 20
# Headers of the limits a 429 may be about: the 15-minute window, then the daily post caps,
# which outlast it (retrying at the window's reset would only meet another 429).
_LIMITS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")


class MediaUploader(Protocol):
    def upload(self, image: DraftImage) -> str:
        """X's media id for the image; raises tweepy or requests exceptions as they come."""
        ...


class XMediaUploader:
    """The one place that knows how images reach X.

    tweepy 4.17 offers only the v1.1 upload, which X has deprecated; when it goes, only this
    class changes.
    """

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        upload_url: str = X_UPLOAD_ORIGIN,
        api_url: str = X_ORIGIN,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        auth = tweepy.OAuth1UserHandler(
            consumer_key, consumer_secret, access_token, access_token_secret
        )
        # tweepy.API passes its own timeout on every request, overriding the session's default.
        self.api = tweepy.API(auth, timeout=timeout, wait_on_rate_limit=False, retry_count=0)
        # tweepy.API only builds https:// URLs from its host settings; the session redirects.
        self.api.session = RedirectingSession(
            {X_UPLOAD_ORIGIN: upload_url, X_ORIGIN: api_url}, timeout=timeout
        )

    def upload(self, image: DraftImage) -> str:
        media = self.api.media_upload(filename=_filename(image), file=io.BytesIO(image.data))
        media_id = str(media.media_id_string)
        if image.alt_text:
            self.api.create_media_metadata(media_id, image.alt_text)
        return media_id


def _filename(image: DraftImage) -> str:
    """A name whose extension gives the image's type: tweepy guesses the type from it (from the
    bytes too while Python still has imghdr) and fails on a name it cannot place."""
    name = image.name or "image"
    if mimetypes.guess_type(name)[0] == image.mime_type:
        return name
    return "image" + (mimetypes.guess_extension(image.mime_type) or ".jpg")


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
            api_url=api_url,
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
        if self._user_id is None:
            self.verify()
        try:
            response = self.client.get_users_tweets(
                self._user_id,
                max_results=FIND_WINDOW,
                tweet_fields=["created_at"],
                exclude=["retweets", "replies"],
                user_auth=True,
            )
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._failure(exc, "looking for the post", posting=False) from exc
        wanted = comparable(draft.text)
        for tweet in response.data or []:  # newest first
            if comparable(html.unescape(tweet.text)) == wanted:
                return self._publication(tweet.id)
        return None

    def _publication(self, tweet_id: object) -> Publication:
        return Publication(remote_id=str(tweet_id), url=f"https://x.com/i/web/status/{tweet_id}")

    def _failure(self, exc: Exception, doing: str, *, posting: bool) -> PublishError:
        """``posting``: the request could have created the post, so an answer lost on the way
        back leaves the outcome unknown; other requests are safe to repeat."""
        if isinstance(exc, tweepy.HTTPException):
            return self._http_failure(exc, doing)
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

    def _http_failure(self, exc: tweepy.HTTPException, doing: str) -> PublishError:
        messages = "; ".join(str(m) for m in exc.api_messages) or str(exc)
        context = "" if doing == "posting" else f" (while {doing})"
        reason = self._clean(f"X said: {messages}{context}")
        if isinstance(exc, tweepy.TooManyRequests):
            return PublishError(FailureKind.RATE_LIMITED, reason, _retry_at(exc.response.headers))
        if isinstance(exc, tweepy.Unauthorized):
            return PublishError(FailureKind.CREDENTIALS, reason)
        if isinstance(exc, tweepy.Forbidden) and "duplicate" in messages.lower():
            return PublishError(FailureKind.DUPLICATE, reason)
        if isinstance(exc, tweepy.TwitterServerError):
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


def comparable(text: str) -> str:
    """Text as X may give it back, reduced to what X leaves alone: X swaps every link it
    recognises (bare domains too) for a t.co link, adds one for attached media, and may
    normalise Unicode and whitespace — so links are dropped and whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    for url in reversed(extract_urls_with_indices(text)):
        start, end = url["indices"]
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())
