"""How a listener runs: the acknowledgement Slack waits for first, the work behind it after,
its failures logged, and the answer Slack gets when a listener fails anyway.

Slack waits 3 seconds for an acknowledgement, whatever else the app is doing. Bolt runs with
process_before_response, so the acknowledging function (``ack=``) runs on the request's own
thread and answers Slack; the work behind it (``lazy=``) runs in the listener pool. Only what
must happen inside those 3 seconds runs first: a form's validation, a command's answer, a
modal opened with the click's trigger_id (which expires).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackClientError

from bot.slack.listeners.deps import ListenerDeps

log = logging.getLogger(__name__)

# Keys an acknowledging function leaves in the context for the work that follows it.
ACCEPTED = "countersign_form_accepted"
LATER = "countersign_later"

P = ParamSpec("P")


def bind(
    listener: Callable[Concatenate[ListenerDeps, P], None], deps: ListenerDeps
) -> Callable[P, None]:
    """A module-level listener with its collaborators bound. Bolt passes a listener the
    arguments its parameters name (``inspect.getfullargspec``), which sees a partial without
    what it binds positionally: ``ack``, ``body`` … are still injected."""
    bound = functools.partial(listener, deps)
    # Bolt names a lazy listener, and ``logged`` its failures, by the function's name.
    bound.__name__ = listener.__name__  # type: ignore[attr-defined]
    return bound


def acknowledge(ack: Ack) -> None:
    ack()


def logged(work: Callable[..., None]) -> Callable[..., None]:
    """Work after the acknowledgement fails where nobody waits for it: keep its traceback
    (Bolt logs only the message). An event's work stays unfinished, for ``replay``."""

    @functools.wraps(work)  # Bolt reads the arguments to pass from the wrapped function
    def run(**kwargs: Any) -> None:
        try:
            work(**kwargs)
        except Exception:
            log.exception("%s failed after Slack was answered", run.__name__)

    return run


def check_form(
    errors_of: Callable[[dict[str, Any]], dict[str, str]],
    ack: Ack,
    view: dict[str, Any],
    context: BoltContext,
) -> None:
    """A modal's acknowledgement: its mistakes go back to the form; a good form is marked
    accepted for the work that follows."""
    errors = errors_of(view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    context[ACCEPTED] = True
    ack()


def show(call: Callable[..., Any], **kwargs: Any) -> None:
    """Open or update a view. Slack refusing (an expired trigger, a modal closed while its words
    were typed, a view without an id) is for the person to try again, not a failure of the app."""
    try:
        call(**kwargs)
    except SlackClientError as exc:
        log.warning("Slack refused %s: %s", getattr(call, "__name__", "a view"), exc)


def answer_despite_error(
    error: Exception, request: BoltRequest, logger: logging.Logger
) -> BoltResponse:
    """A listener failed on the request's thread: log it, and give Slack the answer already
    made (or a plain one) — a 500 makes Slack retry an event or show the user a vague error.
    What nothing listens to (an event type or a button we do not know) is quietly
    acknowledged: Slack counts a 404 as a failure, retries it and warns the user."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("ignored a Slack request nothing here handles (%s)", _kind(request.body))
        return BoltResponse(status=200, body="")
    logger.error("a Slack listener failed: %r", error, exc_info=error)
    acked = request.context.ack.response if request.context.ack else None
    if acked is not None:
        return acked
    if request.body.get("event_id"):
        # Not recorded (the database failed before the answer): a 500 makes Slack send it
        # again, which is the only way it is not lost.
        return BoltResponse(status=500, body="")
    if request.body.get("command"):
        return BoltResponse(
            status=200, body="Countersign could not do that: an internal error, now in its log."
        )
    return BoltResponse(status=200, body="")


def _kind(body: dict[str, Any]) -> str:
    event = body.get("event")
    if isinstance(event, dict):
        return f"event {str(event.get('type'))[:40]}"
    return str(body.get("type") or body.get("command") or "unknown")[:40]
