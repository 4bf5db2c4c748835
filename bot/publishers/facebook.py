"""A Facebook Page through facebook-sdk's GraphAPI, at a current Graph API version."""

from __future__ import annotations

import facebook
import requests

from bot.publishers.base import Draft, FailureKind, Publication, PublishError, redact
from bot.publishers.http import RedirectingSession

GRAPH_ORIGIN = "https://graph.facebook.com"
_THROTTLED = {4, 17, 32, 613}
_CREDENTIALS = {190, 102}


class FacebookPublisher:
    platform = "facebook"
    dry_run = False

    def __init__(
        self,
        *,
        page_id: str,
        page_token: str,
        graph_url: str = GRAPH_ORIGIN,
        version: str = "v24.0",
        timeout: float = 15.0,
    ) -> None:
        session = RedirectingSession({GRAPH_ORIGIN: graph_url}, timeout=timeout)
        # facebook-sdk 3.1 only accepts versions up to 3.1 at construction; the attribute is
        # what it puts in every URL, so set the current version after.
        self.graph = facebook.GraphAPI(
            access_token=page_token, version="3.1", session=session, timeout=timeout
        )
        self.graph.version = version if version.startswith("v") else f"v{version}"
        self.page_id = page_id
        self._secrets = [page_token]

    def publish(self, draft: Draft) -> Publication:
        try:
            result = self.graph.put_object(self.page_id, "feed", message=draft.text)
        except facebook.GraphAPIError as exc:
            raise self._failure(exc) from exc
        except requests.RequestException as exc:
            raise PublishError(
                FailureKind.TRANSIENT, self._clean(f"Facebook unreachable: {exc}")
            ) from exc
        except (KeyError, ValueError) as exc:
            # facebook-sdk fails this way on a non-JSON answer, e.g. an HTML error page.
            raise PublishError(
                FailureKind.TRANSIENT, self._clean(f"Facebook answered unexpectedly: {exc}")
            ) from exc
        post_id = str(result["id"])
        return Publication(remote_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def _failure(self, exc: facebook.GraphAPIError) -> PublishError:
        code = getattr(exc, "code", None)
        reason = self._clean(f"Facebook said: {exc.message} (code {code})")
        if code in _THROTTLED:
            return PublishError(FailureKind.RATE_LIMITED, reason)
        if code in _CREDENTIALS:
            return PublishError(FailureKind.CREDENTIALS, reason)
        if code in (1, 2):
            return PublishError(FailureKind.TRANSIENT, reason)
        if code == 506:
            return PublishError(FailureKind.DUPLICATE, reason)
        return PublishError(FailureKind.REJECTED, reason)

    def _clean(self, text: str) -> str:
        return redact(text, self._secrets)
