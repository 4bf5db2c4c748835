"""Which signed requests act: only those for this installation, and each only once.

A valid signature proves that Slack sent the bytes, not that they are meant for this install
nor that they are new: a captured request can be sent again within the 5-minute signature
window, and the signing secret is the app's, shared by all its installations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.request.internals import (
    extract_enterprise_id,
    extract_is_enterprise_install,
    extract_team_id,
)
from slack_sdk import WebClient

from bot.config.yamlfile import ConfigError
from bot.storage import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Installation:
    """Where this app is installed: what auth.test says about the bot token."""

    team_id: str
    enterprise_id: str | None = None
    app_id: str | None = None
    # An org-wide install (Enterprise Grid) serves every workspace of the organisation.
    is_enterprise_install: bool = False

    @classmethod
    def of_token(cls, client: WebClient, app_id: str | None = None) -> Installation:
        """auth.test answers team_id, enterprise_id (in an Enterprise organisation) and
        is_enterprise_install (https://docs.slack.dev/reference/methods/auth.test); app_id too
        at times (slackapi/java-slack-sdk:json-logs/samples/api/auth.test.json), which the
        SLACK_APP_ID setting overrides."""
        answer = client.auth_test()
        found = cls(
            team_id=str(answer.get("team_id") or ""),
            enterprise_id=answer.get("enterprise_id") or None,
            app_id=app_id or answer.get("app_id") or None,
            is_enterprise_install=answer.get("is_enterprise_install") is True,
        )
        if not found.team_id and not found.is_enterprise_install:
            # Every bot token belongs to a workspace; without it nothing could be checked.
            raise ConfigError("auth.test did not say which workspace the bot token is for")
        if not found.app_id:
            log.warning(
                "the app's id is unknown (set SLACK_APP_ID): requests are checked for their "
                "workspace and organisation only"
            )
        return found

    def refusal(self, body: dict[str, Any]) -> str | None:
        """Why a request is for another installation, or None when it is for this one.

        The ids are read as Bolt reads them (slack_bolt/request/internals.py): for events, the
        `authorizations` entry rather than the envelope's team_id, which in a shared channel
        can name the other side's workspace."""
        app = body.get("api_app_id")
        if self.app_id and isinstance(app, str) and app and app != self.app_id:
            return f"app {app}"
        enterprise = extract_enterprise_id(body)
        if enterprise and enterprise != self.enterprise_id:
            return f"organisation {enterprise}"
        if self.is_enterprise_install:
            if not enterprise:
                return "a workspace outside the organisation"
            return None
        if extract_is_enterprise_install(body):
            return "an org-wide installation"
        team = extract_team_id(body)
        if team and team != self.team_id:
            return f"workspace {team}"
        return None


def replay_key(request: BoltRequest, body: dict[str, Any]) -> str | None:
    """What identifies a command or interactive payload, which carry no event_id.

    Over HTTP, its signature: it covers the timestamp and the exact bytes, so a replay repeats
    it and nothing else has it. Socket Mode has no signature (the socket itself is
    authenticated): there, each use of a command or a button comes with its own trigger_id
    (good for one views.open within about 3 s), so two payloads with one trigger_id are one use
    delivered twice."""
    if body.get("type") == "event_callback" or "event_id" in body:
        return None  # events have their own id: see listeners.events.once_per_event
    if request.mode == "http":
        signature = (request.headers.get("x-slack-signature") or [""])[0]
        return f"signature:{signature}" if signature else None
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if isinstance(trigger, str) and trigger else None


def admit(
    app: App,
    store: Store,
    installation: Installation | None,
    clock: Callable[[], datetime],
) -> None:
    """Register the middleware; it runs after Bolt's signature check, before any listener."""

    @app.middleware
    def only_ours_and_once(
        request: BoltRequest, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> Any:
        if not isinstance(body, dict):
            return next()
        why = installation.refusal(body) if installation else None
        if why:
            # Answered 200, as Bolt answers a request it cannot authorize (slack_bolt/
            # middleware/authorization/internals.py, _build_user_facing_error_response): Slack
            # must not retry it. Empty: whoever sent it is not one of ours to tell anything.
            log.warning("refused a request (%s) for %s", _kind(body), why)
            return BoltResponse(status=200, body="")
        key = replay_key(request, body)
        if key and not store.first_request(key, clock()):
            log.warning("refused a replayed request (%s)", _kind(body))
            return BoltResponse(status=200, body="")
        return next()


def _kind(body: dict[str, Any]) -> str:
    """A request's kind for the log: never its words."""
    if "command" in body:
        return f"command {body.get('command')}"
    return str(body.get("type") or "unknown")
