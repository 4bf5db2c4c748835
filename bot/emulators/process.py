"""The environment that points a real `countersign` process at the emulators.

Crash tests and soak scripts run the product as a subprocess (so that it can be killed with
SIGKILL) against the Slack, X and Graph emulators running in the calling process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from bot.emulators.graph import GraphEmulator
from bot.emulators.slack import SlackEmulator
from bot.emulators.x import XEmulator

# The made-up credentials the emulators are started with, in tests and scripts alike.
BOT_TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"
X_KEYS = {"consumer_key": "x-ck", "access_token": "x-at"}
PAGE_ID, PAGE_TOKEN = "1000", "fb-page-token"
REGISTER_KEY = "test-register-key-0123456789"
OWN_PREFIXES = ("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_emulators(**latency: float) -> tuple[SlackEmulator, XEmulator, GraphEmulator]:
    """Slack, X and Graph on 127.0.0.1 with the credentials `product_env` gives the product."""
    slack = SlackEmulator(token=BOT_TOKEN).start()
    x = XEmulator(**X_KEYS, latency=latency.get("x", 0.0)).start()
    graph = GraphEmulator(
        page_id=PAGE_ID, page_token=PAGE_TOKEN, latency=latency.get("graph", 0.0)
    ).start()
    return slack, x, graph


def product_env(
    slack: SlackEmulator,
    x: XEmulator,
    graph: GraphEmulator,
    folder: Path,
    *,
    proposals: str,
    review: str,
    approvers: str,
    admins: str,
    **extra: str,
) -> dict[str, str]:
    """This process's environment without a developer's Slack/X/Facebook/Countersign settings,
    plus the emulators' addresses, a database, config and data folder under ``folder`` and a
    free port; ``extra`` overrides (e.g. COUNTERSIGN_LOG_LEVEL)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    return clean | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "X_CONSUMER_KEY": X_KEYS["consumer_key"],
        "X_CONSUMER_SECRET": "x-cs",
        "X_ACCESS_TOKEN": X_KEYS["access_token"],
        "X_ACCESS_TOKEN_SECRET": "x-ats",
        "X_API_URL": x.url,
        "X_UPLOAD_URL": x.url,
        "FACEBOOK_PAGE_ID": PAGE_ID,
        "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN,
        "FACEBOOK_GRAPH_URL": graph.url,
        "COUNTERSIGN_DB": str(folder / "countersign.db"),
        "COUNTERSIGN_CONFIG_DIR": str(folder / "config"),
        "COUNTERSIGN_DATA_DIR": str(folder / "data"),
        "COUNTERSIGN_PROPOSALS_CHANNEL": proposals,
        "COUNTERSIGN_REVIEW_CHANNEL": review,
        "COUNTERSIGN_APPROVERS": approvers,
        "COUNTERSIGN_ADMINS": admins,
        "COUNTERSIGN_SECRET_KEY": REGISTER_KEY,
        "PORT": str(free_port()),
        **extra,
    }
