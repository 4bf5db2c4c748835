"""The Bolt app: one WebClient (pointed at SLACK_API_URL), signed requests only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.app.delivery import Deliverer
from bot.services import Countersign
from bot.slack import listeners
from bot.slack.admission import Installation, admit
from bot.storage import Store


def web_client(token: str, base_url: str) -> WebClient:
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    *,
    client: WebClient,
    signing_secret: str,
    service: Countersign,
    store: Store,
    delivery: Deliverer,
    proposals_channel: str | None,
    clock: Callable[[], datetime],
    secret_key: str | None = None,
    executor: Executor | None = None,
    verify_token: bool = True,
    app_id: str | None = None,
) -> tuple[App, listeners.Registered]:
    # One pool for the work behind every acknowledgement: Bolt's lazy listeners and events.
    executor = executor or ThreadPoolExecutor(max_workers=5, thread_name_prefix="work")  # CLI
    logger = logging.getLogger("countersign.slack")
    # Bolt also reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it does.
    logger.addFilter(lambda record: "will be unused" not in record.getMessage())
    app = App(
        client=client,
        signing_secret=signing_secret,
        listener_executor=executor,
        logger=logger,
        # Acknowledge on the request's thread: listeners split what must answer Slack within
        # 3 s from the work behind it (lazy listeners), so a busy pool cannot delay an answer.
        process_before_response=True,
        # Bolt asks Slack (auth.test) whether the token works; the command line must not need
        # Slack — `countersign pause` is the emergency stop when Slack itself is down.
        token_verification_enabled=verify_token,
        # What nothing listens to goes to listeners.running.answer_despite_error: a quiet 200.
        raise_error_for_unhandled_request=True,
    )
    # Registered before the listeners' middleware: a request for another installation, or a
    # replayed one, is answered before anything records or acts on it.
    installation = Installation.of_token(client, app_id) if verify_token else None
    admit(app, store, installation, clock)
    deps = listeners.ListenerDeps(
        service=service,
        store=store,
        delivery=delivery,
        clock=clock,
        work=executor,
        client=client,
        proposals_channel=proposals_channel,
        secret_key=secret_key,
    )
    registered = listeners.register(app, deps)
    return app, registered
