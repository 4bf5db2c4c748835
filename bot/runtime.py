"""The composition root: settings → database → publishers → services → Slack app → scheduler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_bolt import App
from slack_sdk import WebClient

from bot.app.attachments import Attachments
from bot.app.checking import Checker
from bot.app.delivery import Deliverer
from bot.app.signals import QueueSignal
from bot.audit_checkpoint import Checkpoints
from bot.config.policy_file import load_policy
from bot.config.schedule_file import load_schedule
from bot.config.settings import Settings
from bot.config.yamlfile import ConfigError
from bot.domain.posts import Delivery, Post
from bot.publishers.base import Publisher
from bot.publishers.facebook import FacebookPublisher
from bot.publishers.outbox import OutboxPublisher
from bot.publishers.x import XPublisher
from bot.scheduler import PublishingScheduler
from bot.scheduling.lock import SlotLock
from bot.services import Countersign
from bot.slack.app import build_app, web_client
from bot.slack.directory import SlackDirectory
from bot.slack.files import SlackFiles
from bot.slack.notifier import SlackNotifier
from bot.storage import AuditKeys, Store, open_store
from bot.storage.people import RegisterError, load_register
from bot.storage.permissions import tighten_folder
from bot.storage.retention import Retention

log = logging.getLogger(__name__)


def _logged(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:
        log.exception("background Slack work failed")


def _pooled(executor: Executor) -> Callable[[Callable[[], None]], object]:
    return lambda work: executor.submit(_logged, work)


def _at_once(work: Callable[[], None]) -> None:
    work()


def _current_card(store: Store, post_id: int) -> tuple[Post, list[Delivery]] | None:
    post = store.get_post(post_id)
    return None if post is None else (post, store.deliveries_for(post_id))


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_publishers(settings: Settings) -> dict[str, Publisher]:
    """A real publisher per configured platform; the outbox for the rest (a dry run)."""
    publishers: dict[str, Publisher] = {}
    for platform in settings.platforms:
        if platform == "x" and settings.x_configured:
            publishers["x"] = XPublisher(
                consumer_key=settings.secret("x_consumer_key"),
                consumer_secret=settings.secret("x_consumer_secret"),
                access_token=settings.secret("x_access_token"),
                access_token_secret=settings.secret("x_access_token_secret"),
                api_url=settings.x_api_url,
                upload_url=settings.x_upload_url,
            )
        elif platform == "facebook" and settings.facebook_configured:
            publishers["facebook"] = FacebookPublisher(
                page_id=str(settings.facebook_page_id),
                page_token=settings.secret("facebook_page_token"),
                graph_url=settings.facebook_graph_url,
                version=settings.facebook_graph_version,
            )
        else:
            publishers[platform] = OutboxPublisher(platform, settings.outbox_dir)
    return publishers


@dataclass
class Runtime:
    settings: Settings
    store: Store
    client: WebClient
    service: Countersign
    app: App
    scheduler: PublishingScheduler
    delivery: Deliverer
    replay: Callable[[], int] = lambda: 0

    def recover(self) -> None:
        """Finish what a crash interrupted: posts, deliveries, and Slack events acknowledged
        but never worked on."""
        self.service.recover()
        finished = self.replay()
        if finished:
            log.info("finished %s Slack event(s) interrupted by the last stop", finished)

    def start(self) -> None:
        self.service.warm_up()
        self.recover()
        self.scheduler.start()

    def close(self) -> None:
        self.scheduler.shutdown()
        self.store.close()


def build_runtime(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    executor: Executor | None = None,
    publishers: dict[str, Publisher] | None = None,
    serving: bool = True,
) -> Runtime:
    """Everything wired together; ``serving=False`` for the command line: the database must
    exist already, and Slack is not asked anything until there is something to say."""
    if not serving and not settings.db.exists():
        raise ConfigError(
            f"there is no database at {settings.db} (COUNTERSIGN_DB); "
            "`countersign serve` creates it on its first start"
        )
    settings.db.parent.mkdir(parents=True, exist_ok=True)
    key = settings.secret("secret_key") or None
    # Keyed from COUNTERSIGN_SECRET_KEY; a chain from before the upgrade is sealed now.
    audit = AuditKeys(key, settings.previous_keys(), seal_at=clock())
    store = open_store(settings.db, settings.keyring(), audit)
    tighten_folder(settings.outbox_dir, what="the outbox")
    schedule = load_schedule(settings.config_dir)
    store.seed_slots(schedule.slots, at=clock())  # the file seeds it once; admins own it after
    try:
        load_register(store, key)  # a wrong or missing key must stop start-up, not skip names
    except RegisterError as exc:
        store.close()
        raise ConfigError(f"the consent register cannot be read: {exc}") from exc
    client = web_client(settings.secret("slack_bot_token"), settings.slack_api_url)
    directory = SlackDirectory(client, approvers=settings.approvers, admins=settings.admins)
    notifier = SlackNotifier(
        client,
        review_channel=settings.review_channel,
        zone=settings.zone,
        paused=store.paused_reason,
        admins=settings.admins,
        current=lambda post_id: _current_card(store, post_id),
    )
    if serving:
        # One pool for the work behind every acknowledgement (Slack listeners, and the Slack
        # calls that commands leave for later); the command line does them at once.
        executor = executor or ThreadPoolExecutor(max_workers=5, thread_name_prefix="work")
        later = _pooled(executor)
    else:
        later = _at_once
    # The head of the audit chain, out of reach of whoever can write the database: in the
    # review channel daily and after every takedown or pause (not waited for).
    checkpoints = Checkpoints(store, client, settings.review_channel, clock)

    def checkpoint(why: str) -> None:
        later(lambda: checkpoints.post(why))

    # Built first and shared: the service checks proposals with it and the deliverer asks it
    # again before publishing; the scheduler listens to the queue signal both of them give.
    checker = Checker(
        policy=load_policy(settings.config_dir),
        zone_name=settings.timezone,
        platforms=tuple(settings.platforms),
        clock=clock,
        register=lambda: load_register(store, key),
    )
    queue = QueueSignal()
    publishers = publishers if publishers is not None else build_publishers(settings)
    delivery = Deliverer(
        store,
        notifier,
        publishers,
        clock=clock,
        queue=queue,
        recheck=checker.blocking_now,
        checkpoint=checkpoint,
        approvals_required=settings.approvals_required,
    )
    service = Countersign(
        store=store,
        notifier=notifier,
        directory=directory,
        publishers=publishers,
        schedule=schedule,
        zone_name=settings.timezone,
        platforms=tuple(settings.platforms),
        clock=clock,
        checker=checker,
        delivery=delivery,
        queue=queue,
        attachments=Attachments(
            SlackFiles(
                settings.secret("slack_bot_token"), api_url=settings.slack_api_url, client=client
            )
        ),
        later=later,
        checkpoint=checkpoint,
        approvals_required=settings.approvals_required,
        requested_times=settings.requested_times == "allowed",
        missed_grace=timedelta(minutes=settings.missed_grace_minutes),
        slot_lock=SlotLock.beside(settings.db),  # the command line's bookings take it too
    )
    scheduler = PublishingScheduler(delivery.publish_due, store, clock=clock, queue=queue)
    scheduler.daily("audit_checkpoint", lambda: checkpoints.post("daily"), hour=6)
    retention = Retention(store, days=settings.retention_days, clock=clock)
    scheduler.daily("retention", retention.run_logged)
    app, registered = build_app(
        client=client,
        signing_secret=settings.secret("slack_signing_secret"),
        service=service,
        store=store,
        delivery=delivery,
        proposals_channel=settings.proposals_channel,
        secret_key=key,
        clock=clock,
        executor=executor,
        verify_token=serving,
        app_id=settings.slack_app_id,
    )
    return Runtime(
        settings, store, client, service, app, scheduler, delivery, replay=registered.replay
    )
