"""X through tweepy's Client (API v2, OAuth 1.0a user context)."""

from __future__ import annotations

import requests
import tweepy

from bot.publishers.base import Draft, FailureKind, Publication, PublishError, redact
from bot.publishers.http import RedirectingSession

X_ORIGIN = "https://api.twitter.com"


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
        timeout: float = 15.0,
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
        self._secrets = [consumer_key, consumer_secret, access_token, access_token_secret]

    def publish(self, draft: Draft) -> Publication:
        try:
            response = self.client.create_tweet(text=draft.text, user_auth=True)
        except tweepy.TweepyException as exc:
            raise self._failure(exc) from exc
        except requests.RequestException as exc:
            raise PublishError(FailureKind.TRANSIENT, self._clean(f"X unreachable: {exc}")) from exc
        tweet_id = str(response.data["id"])
        return Publication(remote_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def _failure(self, exc: tweepy.TweepyException) -> PublishError:
        messages = "; ".join(getattr(exc, "api_messages", []) or []) or str(exc)
        reason = self._clean(f"X said: {messages}")
        if isinstance(exc, tweepy.TooManyRequests):
            return PublishError(FailureKind.RATE_LIMITED, reason, getattr(exc, "reset_time", None))
        if isinstance(exc, tweepy.Unauthorized):
            return PublishError(FailureKind.CREDENTIALS, reason)
        if isinstance(exc, tweepy.Forbidden) and "duplicate" in messages.lower():
            return PublishError(FailureKind.DUPLICATE, reason)
        if isinstance(exc, tweepy.TwitterServerError):
            return PublishError(FailureKind.TRANSIENT, reason)
        return PublishError(FailureKind.REJECTED, reason)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)
