"""What the listeners need from the rest of the app, built once and handed to every surface."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.app.delivery import Deliverer
from bot.services import Countersign
from bot.storage import Store


@dataclass(frozen=True)
class ListenerDeps:
    """The collaborators of the listeners. Each surface binds it to its module-level functions
    (``running.bind``); nothing is assigned to it after it is built."""

    service: Countersign
    store: Store
    delivery: Deliverer
    clock: Callable[[], datetime]
    # The pool behind every acknowledgement: Bolt's lazy listeners and the events' lanes.
    work: Executor
    # The client the app was built with, for work no request's client comes with (an event's,
    # a modal opened from a command).
    client: WebClient
    proposals_channel: str | None = None
    secret_key: str | None = None
