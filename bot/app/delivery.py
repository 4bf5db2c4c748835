"""Publishing approved posts: exactly once per platform, or a human told precisely why not.

Each platform's deliveries run in their own worker, so a slow or rate-limited platform never
holds up another. What happens after a failure is decided by the pure plan in
`bot.domain.retries`; this module carries it out and tells people.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.app.ports import Notifier
from bot.app.signals import QueueSignal
from bot.domain.findings import Finding
from bot.domain.posts import PLATFORM_NAMES, Delivery, DeliveryStatus, Post, PostStatus
from bot.domain.retries import BACKOFF_BASE, Failure, Next, after_failure
from bot.publishers.base import Draft, DraftImage, FailureKind, Publisher, PublishError
from bot.scheduling.slots import in_blackout
from bot.storage import Store
from bot.storage.store import NotClaimed, Snapshot

log = logging.getLogger("bot.delivery")  # the name operators filter on (docs/operations.md)

PROBE_EVERY = timedelta(minutes=5)  # how often a paused platform's credentials are tried
# What to fix when a platform refuses every post from the account.
_ACCOUNT_FIXES = {
    "x": "the X account: its credits, the app's Read and write permission (then make the access "
    "token again) or its access level",
    "facebook": "the Page access token: it needs pages_manage_posts and pages_read_engagement",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


# Buttons on an unconfirmed delivery's alert: (action id, label, value).
CONFIRM = "delivery_confirm_published"
AGAIN = "delivery_publish_again"
TAKEDOWN = "post_takedown"


def _nothing_blocks(post: Post, platform: str) -> list[Finding]:
    return []


def _no_checkpoint(why: str) -> None:
    return None


class Deliverer:
    """Without ``recheck`` and ``checkpoint`` (a benchmark's deliverer on its own), nothing is
    checked again before publishing and no checkpoint is written; runtime.py gives both."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        publishers: Mapping[str, Publisher],
        *,
        clock: Callable[[], datetime],
        jitter: Callable[[], float] = random.random,
        queue: QueueSignal | None = None,
        backoff_base: timedelta = BACKOFF_BASE,
        recheck: Callable[[Post, str], list[Finding]] = _nothing_blocks,
        checkpoint: Callable[[str], object] = _no_checkpoint,
        approvals_required: int = 1,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.publishers = publishers
        self.clock = clock
        self.jitter = jitter
        # The scheduler listens, to re-arm its wake-up; alone, nobody does.
        self.queue = queue if queue is not None else QueueSignal()
        # Writes the audit chain's head down outside the database (bot/audit_checkpoint.py)
        # after a takedown or a pause.
        self.checkpoint = checkpoint
        self.backoff_base = backoff_base
        # What would block the words today (bot/app/checking.py): asked just before publishing.
        self.recheck = recheck
        self.approvals_required = approvals_required  # re-checked by every claim
        self._platform_locks = {p: threading.Lock() for p in publishers}

    # -- the queue ---------------------------------------------------------------------------

    def publish_due(self) -> int:
        """Publish every due delivery, one worker per platform; returns how many were tried."""
        if self.store.paused_reason():
            return 0  # the emergency stop: nothing goes out, nothing is lost
        now = self.clock()
        if in_blackout(now, self.store.blackout_spans(ending_after=now)):
            return 0
        due = self.store.due(now)
        by_platform: dict[str, list[Delivery]] = {}
        for delivery in due:
            by_platform.setdefault(delivery.platform, []).append(delivery)
        paused = [p for p in self.publishers if p not in by_platform]
        for platform in paused:
            self._probe_if_paused(platform)
        if not by_platform:
            return 0
        if len(by_platform) == 1:
            [(platform, items)] = by_platform.items()
            return self._run_platform(platform, items)
        with ThreadPoolExecutor(max_workers=len(by_platform)) as pool:
            counts = pool.map(lambda item: self._run_platform(*item), by_platform.items())
            return sum(counts)

    def _run_platform(self, platform: str, deliveries: list[Delivery]) -> int:
        lock = self._platform_locks.setdefault(platform, threading.Lock())
        if not lock.acquire(blocking=False):
            return 0  # this platform's worker is already busy; it will pick these up
        try:
            count = 0
            for delivery in deliveries:
                if not self._platform_open(platform):
                    break
                if self._deliver(delivery):
                    count += 1
            return count
        finally:
            lock.release()

    def _platform_open(self, platform: str) -> bool:
        state = self.store.platform_state(platform)
        if state["paused_reason"]:
            return self._probe_if_paused(platform)
        hold = state["hold_until"]
        return hold is None or hold <= self.clock()

    def _probe_if_paused(self, platform: str) -> bool:
        """A paused platform is tried with a cheap call now and then; it resumes when fixed."""
        state = self.store.platform_state(platform)
        if not state["paused_reason"]:
            return True
        if state["paused_kind"] == FailureKind.ACCOUNT.value:
            # Reading still works for an account that may not post (no credits, no write
            # permission): a probe would resume it into the same refusal, and tell the admins
            # again each time. Only a person knows it is fixed (`/countersign resume`).
            return False
        checked = state["checked_at"]
        now = self.clock()
        if checked is not None and now - checked < PROBE_EVERY:
            return False
        self.store.platform_checked(platform, at=now)
        try:
            self.publishers[platform].verify()
        except PublishError as exc:
            log.info("%s still refuses its credentials (%s)", platform, exc.kind.value)
            return False
        self.resume(platform, actor="countersign")
        return True

    def resume(self, platform: str, *, actor: str) -> bool:
        if self.store.resume_platform(platform, actor=actor, at=self.clock()):
            self.notifier.alert(
                f"{PLATFORM_NAMES[platform]} accepts Countersign's credentials "
                "again: its queued posts are being published."
            )
            self.queue.changed()
            return True
        return False

    # -- one delivery ------------------------------------------------------------------------

    def draft(self, delivery: Delivery) -> Draft | None:
        """What the delivery publishes: its snapshot of what was approved for its platform,
        never the post's current text (an edit may land between the claim and the call).
        None when it has no snapshot: then it cannot go out."""
        snapshot = self.store.snapshot(delivery.id)
        if snapshot is None:
            return None
        return Draft(
            key=f"post{delivery.post_id}-{delivery.platform}-d{delivery.id}",
            post_id=delivery.post_id,
            text=snapshot.words,
            images=tuple(
                DraftImage(name=a.name, data=data, mime_type=a.mime_type, alt_text=a.alt_text)
                for a, data in snapshot.images
            ),
            claimed_at=delivery.claimed_at,
        )

    def _deliver(self, delivery: Delivery) -> bool:
        post = self.store.get_post(delivery.post_id)
        assert post is not None
        # Checked again before it is claimed: a check that cannot run (the register unreadable,
        # say) leaves the delivery queued and untouched, not half-way through publishing. What
        # is checked is what would go out: the snapshot.
        snapshot = self.store.snapshot(delivery.id)
        try:
            blocking = (
                self.recheck(_as_approved(post, snapshot), delivery.platform)
                if snapshot is not None
                else []
            )
        except Exception:
            log.exception("post #%s: the checks could not run before publishing; it waits", post.id)
            return False
        try:
            claimed = self.store.claim(
                delivery.id, at=self.clock(), approvals_required=self.approvals_required
            )
        except NotClaimed as refused:
            self._not_claimed(post, refused)
            return False
        if claimed is None:
            return False  # another worker (or the CLI) has it
        if blocking:
            self._held_back(post, claimed, blocking)
            return True
        publisher = self.publishers[claimed.platform]
        draft = self.draft(claimed)
        if draft is None:  # the claim saw the snapshot; nothing else may go out in its place
            self.store.mark_failed(claimed.id, error="its snapshot is gone", at=self.clock())
            return True
        try:
            publication = publisher.publish(draft)
        except PublishError as exc:
            self._failed(post, claimed, draft, exc)
            return True
        except Exception as exc:
            log.exception("post #%s: %s delivery raised unexpectedly", post.id, claimed.platform)
            self._failed(
                post,
                claimed,
                draft,
                PublishError(FailureKind.UNKNOWN, f"unexpected error ({type(exc).__name__})"),
            )
            return True
        self._published(
            post, claimed, publication.remote_id, publication.url, dry_run=publisher.dry_run
        )
        return True

    def _not_claimed(self, post: Post, refused: NotClaimed) -> None:
        """The claim's re-check stopped it. A pause or a blackout: it waits. An edit, a
        takedown, a withdrawal: those told people already. Anything else leaves a post that
        says approved with nothing to publish: the admins hear why."""
        delivery = refused.delivery
        log.info(
            "post #%s: %s delivery not claimed (%s)",
            post.id,
            delivery.platform,
            "held" if refused.held else delivery.status.value,
        )
        if refused.held:
            return
        post = self.store.get_post(post.id) or post
        if post.status is PostStatus.APPROVED:
            self.notifier.alert(
                f"{post.ref} was not published on {PLATFORM_NAMES[delivery.platform]}: "
                f"{refused.reason}. Nothing was sent."
            )
        self.notifier.refresh_card(post.id)

    def _published(
        self,
        post: Post,
        delivery: Delivery,
        remote_id: str,
        url: str,
        *,
        dry_run: bool,
        expect: tuple[DeliveryStatus, ...] = (DeliveryStatus.PUBLISHING,),
    ) -> None:
        recorded = self.store.mark_published(
            delivery.id, remote_id=remote_id, url=url, at=self.clock(), expect=expect
        )
        # Recorded straight from publishing: a takedown from now on finds it published and
        # deletes it itself. Otherwise a takedown may have begun before this answer (or this
        # settling) came: then it is deleted here.
        late = recorded is None or expect != (DeliveryStatus.PUBLISHING,)
        if recorded is None:
            # Moved while its platform was answering (a takedown makes it unconfirmed): it
            # went out all the same, and the record says so, so that it can be deleted.
            recorded = self.store.mark_published(
                delivery.id,
                remote_id=remote_id,
                url=url,
                at=self.clock(),
                expect=(DeliveryStatus.UNCONFIRMED,),
            )
        current = self.store.get_post(post.id) or post
        if late and current.status is PostStatus.TAKEN_DOWN:
            self._delete_late(current, recorded or replace(delivery, remote_id=remote_id, url=url))
            return
        if recorded is None:
            log.warning("post #%s: published, but its delivery was moved meanwhile", post.id)
            self.notifier.alert(
                f"{post.ref} went out on {PLATFORM_NAMES[delivery.platform]} ({url}), but "
                "its delivery was changed meanwhile by another Countersign process: check it."
            )
            return
        name = PLATFORM_NAMES[delivery.platform]
        where = "written to the outbox" if dry_run else "published"
        log.info("post #%s: %s on %s", post.id, where, name)
        self.notifier.thread_note(
            post, f"<@{post.proposer}> {post.ref} was {where} on {name}: {url}"
        )
        self.notifier.refresh_card(post.id)

    def _delete_late(self, post: Post, delivery: Delivery) -> None:
        """It went out after its post was taken down (the platform answered, or settling found
        it, after the takedown began): deleted at once, and people are told."""
        name = PLATFORM_NAMES[delivery.platform]
        assert delivery.remote_id is not None
        try:
            self.publishers[delivery.platform].delete(delivery.remote_id)
        except PublishError as exc:
            log.warning("post #%s: went out on %s after its takedown", post.id, name)
            said = (
                f"{post.ref} went out on {name} after it was taken down, and Countersign could "
                f"not delete it ({exc.reason}): run `/countersign takedown {post.id}` again, "
                f"or delete it on {name}: {delivery.url}"
            )
            self.notifier.alert(said)
            self.notifier.thread_note(post, f"<@{post.proposer}> {said}")
        else:
            self.store.mark_taken_down(delivery.id, actor="countersign", at=self.clock())
            log.info("post #%s: went out on %s after its takedown; deleted", post.id, name)
            said = (
                f"{post.ref} went out on {name} as it was being taken down ({name} answered "
                "after the takedown began); Countersign deleted it there."
            )
            self.notifier.alert(said)
            self.notifier.thread_note(post, f"<@{post.proposer}> {said}")
        self.notifier.refresh_card(post.id)

    def _stopped_in_flight(self, post: Post, delivery: Delivery, exc: PublishError) -> None:
        """Its platform said it did nothing, and meanwhile the delivery was moved (a takedown):
        nothing went out, and nothing more will be sent."""
        post = self.store.get_post(post.id) or post  # the card shows it taken down
        name = PLATFORM_NAMES[delivery.platform]
        ended = self.store.cancel_in_flight(
            delivery.id, reason=f"taken down before it went out ({exc.reason})", at=self.clock()
        )
        log.info("post #%s: %s delivery stopped by a takedown", post.id, name)
        if ended is not None:
            self.notifier.thread_note(
                post,
                f"<@{post.proposer}> {post.ref} did not go out on {name} ({exc.reason}); as it "
                "was taken down meanwhile, nothing more will be sent.",
            )
        self.notifier.refresh_card(post.id)

    def _failed(self, post: Post, delivery: Delivery, draft: Draft, exc: PublishError) -> None:
        now = self.clock()
        name = PLATFORM_NAMES[delivery.platform]
        retry_at = datetime.fromtimestamp(exc.retry_at, UTC) if exc.retry_at else None
        plan = after_failure(
            Failure(exc.kind.value),
            attempt=delivery.attempts,
            now=now,
            jitter=self.jitter(),
            retry_at=retry_at,
            backoff_base=self.backoff_base,
        )
        log.warning(
            "post #%s: %s delivery failed (%s): %s", post.id, name, exc.kind.value, plan.next.value
        )
        if plan.next is Next.RETRY:
            assert plan.at is not None
            again = self.store.reschedule(
                delivery.id,
                at=plan.at,
                error=exc.reason,
                now=now,
                refund=not plan.counts_as_attempt,
            )
            if again is None:  # taken down meanwhile: no retry
                self._stopped_in_flight(post, delivery, exc)
                return
            if plan.hold_platform_until:
                self.store.hold_platform(delivery.platform, until=plan.hold_platform_until)
            self.queue.changed()
        elif plan.next is Next.PAUSE_PLATFORM:
            again = self.store.reschedule(
                delivery.id, at=now, error=exc.reason, now=now, refund=True
            )
            if again is None:
                self._stopped_in_flight(post, delivery, exc)
            paused = self.store.pause_platform(
                delivery.platform, reason=exc.reason, at=now, kind=exc.kind.value
            )
            if paused:
                self.checkpoint(f"after {name} was paused")
            if paused and exc.kind is FailureKind.ACCOUNT:
                what = _ACCOUNT_FIXES.get(delivery.platform, "the account")
                self.notifier.alert(
                    f"{name} refuses posts from this account ({exc.reason}). Publishing on "
                    f"{name} is paused; its queue is kept and nothing else is affected. Fix "
                    f"{what}, then run `/countersign resume {delivery.platform}`."
                )
            elif paused:
                self.notifier.alert(
                    f"{name} rejected Countersign's credentials ({exc.reason}). Publishing on "
                    f"{name} is paused; its queue is kept and nothing else is affected. Renew "
                    f"the {name} tokens in the environment (see README, 'Connect your "
                    "workspace') and restart Countersign, or run `/countersign resume "
                    f"{delivery.platform}` once they are fixed; Countersign also retries every "
                    f"{int(PROBE_EVERY.total_seconds() // 60)} minutes."
                )
        elif plan.next is Next.SETTLE:
            # Unless a takedown made it unconfirmed already: then its reason stays.
            self.store.mark_unconfirmed(delivery.id, error=exc.reason, at=now)
            self.settle(post, self.store.get_delivery(delivery.id), draft)
            return
        else:
            # Told before it is recorded: a crash in between leaves the delivery mid-call, which
            # the next start settles and reports again, rather than a failure nobody heard of.
            why = (
                f"{name} refuses it as a duplicate of a post already there ({exc.reason})"
                if exc.kind is FailureKind.DUPLICATE
                else exc.reason
            )
            self.notifier.thread_note(
                post, f"<@{post.proposer}> {post.ref} could not be published on {name}: {why}"
            )
            if self.store.mark_failed(delivery.id, error=exc.reason, at=now) is None:
                self._stopped_in_flight(post, delivery, exc)
                return
        self.notifier.refresh_card(post.id)

    def _found_live(self, post: Post, delivery: Delivery) -> bool:
        """An unconfirmed delivery found on the account is recorded as published (so that a
        takedown deletes it); False when it is not found or the platform cannot be asked."""
        publisher = self.publishers[delivery.platform]
        draft = self.draft(delivery)
        if draft is None:
            return False  # nothing known to look for
        try:
            found = publisher.find(draft)
        except PublishError:
            return False
        if found is None:
            return False
        recorded = self.store.mark_published(
            delivery.id,
            remote_id=found.remote_id,
            url=found.url,
            at=self.clock(),
            expect=(DeliveryStatus.UNCONFIRMED,),
        )
        return recorded is not None

    def _held_back(self, post: Post, delivery: Delivery, blocking: list[Finding]) -> None:
        """The checks block what was approved (consent withdrawn, say): it is not published,
        and the proposer and the admins are told why — without the words that matched."""
        name = PLATFORM_NAMES[delivery.platform]
        why = "; ".join(
            dict.fromkeys(f"{f.rule.replace('_', ' ')} ({f.message})" for f in blocking)
        )
        error = f"held back: the checks now block it — {why}"
        log.warning("post #%s: %s delivery held back (%s)", post.id, name, _rules(blocking))
        self.notifier.thread_note(
            post,
            f"<@{post.proposer}> {post.ref} was not published on {name}: since it was approved, "
            f"the checks block it — {why}. Edit it (the new version goes back to review).",
        )
        self.notifier.alert(
            f"{post.ref} was held back from {name}: the checks now block it — "
            f"{why}. Nothing was published."
        )
        self.store.mark_failed(delivery.id, error=error, at=self.clock())
        self.notifier.refresh_card(post.id)

    # -- unknown outcomes --------------------------------------------------------------------

    def settle(self, post: Post, delivery: Delivery, draft: Draft | None = None) -> None:
        """Find out whether an unconfirmed delivery went out; if nobody can tell, ask a human.
        What is looked for is the delivery's snapshot. A post taken down meanwhile is deleted
        where it is found, and never offered to be published again."""
        name = PLATFORM_NAMES[delivery.platform]
        publisher = self.publishers[delivery.platform]
        draft = draft or self.draft(delivery)
        post = self.store.get_post(post.id) or post
        found = None
        if draft is not None:
            try:
                found = publisher.find(draft)
            except PublishError as exc:
                log.info("post #%s: cannot look on %s (%s)", post.id, name, exc.kind.value)
        if found is not None:
            self._published(
                post,
                delivery,
                found.remote_id,
                found.url,
                dry_run=publisher.dry_run,
                expect=(DeliveryStatus.UNCONFIRMED,),
            )
            return
        if post.status is PostStatus.TAKEN_DOWN:
            self.notifier.alert(
                f"{post.ref} was taken down while {name} was being asked to publish it, and "
                f"{name} did not answer clearly. Countersign finds no post there with exactly "
                "its words and pictures, and sends nothing more: look at the account, and "
                "delete it there if it appears."
            )
            self.notifier.refresh_card(post.id)
            return
        if draft is None:
            self.notifier.alert(
                f"{post.ref}: Countersign cannot tell whether it went out on {name}, and has no "
                "copy of the words approved for it to look for or to publish again (it was "
                "queued before Countersign kept one, and the post has changed since). Check "
                "the account, then choose:",
                actions=[(CONFIRM, "It was published", str(delivery.id))],
            )
            self.notifier.refresh_card(post.id)
            return
        self.notifier.alert(
            f"{post.ref}: Countersign cannot tell whether it went out on {name} (the platform "
            "did not answer clearly, or Countersign stopped mid-call) and finds no single post "
            "there made since with exactly its words and pictures. Check the account, "
            "then choose:",
            actions=[
                (CONFIRM, "It was published", str(delivery.id)),
                (AGAIN, "Publish again", str(delivery.id)),
            ],
        )
        self.notifier.refresh_card(post.id)

    def recover(self) -> list[Delivery]:
        """On start: a delivery caught mid-call is looked up, never re-sent blindly.

        Every unconfirmed delivery is settled again, not only those this start found mid-call:
        a crash between recording "unconfirmed" and the admins' alert must not leave one that
        nobody was told about, and one that has reached the account since is found there."""
        found = self.store.interrupted(at=self.clock())
        for delivery in self.store.unconfirmed():
            post = self.store.get_post(delivery.post_id)
            if post is not None:
                self.settle(post, delivery)
        self._report_unsnapshotted()
        return found

    def _report_unsnapshotted(self) -> None:
        """Deliveries from before snapshots whose post changed since: they cannot go out, and
        the admins are told once (told before the record of telling: a crash repeats it)."""
        lost = self.store.unsnapshotted()
        if not lost:
            return
        which = ", ".join(f"#{d.post_id} on {PLATFORM_NAMES[d.platform]}" for d in lost)
        self.notifier.alert(
            f"These deliveries were queued before Countersign kept a copy of what was "
            f"approved, and their posts have changed since, so the approved words are not "
            f"known: they cannot go out. {which}. To publish one, approve its post's current "
            "version."
        )
        self.store.unsnapshotted_reported()

    def confirm_published(self, delivery_id: int, *, actor: str) -> Outcome:
        try:
            waiting = self.store.get_delivery(delivery_id)
        except KeyError:
            return Outcome(False, "There is no such delivery.")
        post = self.store.get_post(waiting.post_id)
        if post is not None and post.status is PostStatus.TAKEN_DOWN:
            # Recorded as published, nobody would delete it: the takedown must find it.
            return Outcome(
                False,
                f"{post.ref} was taken down: if it is on {PLATFORM_NAMES[waiting.platform]}, "
                f"run `/countersign takedown {post.id}` again, or delete it there.",
            )
        delivery = self.store.confirm_published(delivery_id, actor=actor, at=self.clock())
        if delivery is None:
            return Outcome(False, "That delivery is no longer waiting for a decision.")
        post = self.store.get_post(delivery.post_id)
        assert post is not None
        name = PLATFORM_NAMES[delivery.platform]
        self.notifier.thread_note(
            post,
            f"<@{post.proposer}> {post.ref} was published on {name} (confirmed by <@{actor}>).",
        )
        self.notifier.refresh_card(post.id)
        return Outcome(True, f"Recorded: {post.ref} was published on {name}.")

    def publish_again(self, delivery_id: int, *, actor: str) -> Outcome:
        try:
            waiting = self.store.get_delivery(delivery_id)
        except KeyError:
            return Outcome(False, "There is no such delivery.")
        post = self.store.get_post(waiting.post_id)
        if post is None or post.status is not PostStatus.APPROVED:
            state = post.status.value.replace("_", " ") if post else "gone"
            return Outcome(False, f"#{waiting.post_id} is {state}: nothing is published again.")
        if post.content_hash != waiting.content_hash:
            # An old alert's button: its delivery holds words that are no longer the approved
            # ones. The current version publishes through its own delivery.
            return Outcome(
                False,
                f"{post.ref} was edited after the version this delivery holds was approved, so "
                f"that version is not published again. The approved version (version "
                f"{post.version}) goes out on its own schedule; `/countersign now {post.id}` "
                "publishes it now.",
            )
        if self.store.snapshot(waiting.id) is None:
            return Outcome(
                False,
                f"{post.ref}: Countersign has no copy of the words approved for this delivery "
                "(it was queued before Countersign kept one), so it is not published again.",
            )
        delivery = self.store.requeue(delivery_id, actor=actor, at=self.clock())
        if delivery is None:
            return Outcome(False, "That delivery is no longer waiting for a decision.")
        stopped = self._stopped()
        if stopped:  # the emergency stop and blackouts hold this one too: it waits, queued
            self.queue.changed()
            name = PLATFORM_NAMES[delivery.platform]
            return Outcome(False, f"#{delivery.post_id} on {name} is queued again. {stopped}")
        self._deliver(delivery)
        done = self.store.get_delivery(delivery.id)
        return Outcome(
            done.status is DeliveryStatus.PUBLISHED,
            f"#{done.post_id} on {PLATFORM_NAMES[done.platform]}: {done.status.value}"
            + (
                f" ({done.last_error})"
                if done.last_error and done.status is not DeliveryStatus.PUBLISHED
                else ""
            ),
        )

    # -- publish now, take down --------------------------------------------------------------

    def _stopped(self) -> str | None:
        """Why nothing may be published right now (a pause or a blackout), if so."""
        paused = self.store.paused_reason()
        if paused:
            return f"Publishing is paused ({paused}); `/countersign resume` first."
        now = self.clock()
        if in_blackout(now, self.store.blackout_spans(ending_after=now)):
            return (
                "A blackout is on: nothing is published until it ends "
                "(`/countersign blackout list`)."
            )
        return None

    def publish_now(self, post_id: int, *, actor: str) -> Outcome:
        """Publish an approved post at once; the answer says what happened or why not."""
        post = self.store.get_post(post_id)
        if post is None:
            return Outcome(False, f"There is no post #{post_id}.")
        stopped = self._stopped()
        if stopped:
            return Outcome(False, stopped)
        if post.status is not PostStatus.APPROVED:
            state = post.status.value.replace("_", " ")
            return Outcome(
                False, f"{post.ref} is {state}, not approved: only approved posts can be published."
            )
        # An admin's "now" is also the way to try again what failed for good (an outage that
        # outlasted the retries); an unknown outcome still needs its own decision.
        for failed in self.store.deliveries_for(post.id):
            if failed.status is DeliveryStatus.FAILED and failed.content_hash == post.content_hash:
                self.store.requeue(failed.id, actor=actor, at=self.clock())
        queued = self.store.bring_forward(post.id, actor=actor, at=self.clock())
        if not queued:
            states = ", ".join(
                f"{PLATFORM_NAMES[d.platform]}: {d.status.value}"
                for d in self.store.deliveries_for(post.id)
                if d.status is not DeliveryStatus.CANCELLED
            )
            return Outcome(
                False, f"{post.ref} has nothing waiting to publish ({states or 'no deliveries'})."
            )
        for delivery in queued:
            if self._platform_open(delivery.platform):
                self._deliver(delivery)
        self.queue.changed()
        done = [self.store.get_delivery(d.id) for d in queued]
        summary = "; ".join(
            f"{PLATFORM_NAMES[d.platform]} {d.status.value}"
            + (f" ({d.url})" if d.url else f" ({d.last_error})" if d.last_error else "")
            for d in done
        )
        return Outcome(
            all(d.status is DeliveryStatus.PUBLISHED for d in done), f"{post.ref}: {summary}"
        )

    def takedown(self, post_id: int, *, actor: str) -> Outcome:
        """Delete a published post on every platform it reached, and record it."""
        post = self.store.get_post(post_id)
        if post is None:
            return Outcome(False, f"There is no post #{post_id}.")
        # Nothing of a post taken down may go out later: not at a slot still waiting, not by
        # `now` on a failed delivery, not by "Publish again", not by the retry or the settling
        # of a call in flight right now (whatever it brings back is deleted).
        post, cancelled, in_flight = self.store.take_down(post.id, actor=actor, at=self.clock())
        results = [f"{PLATFORM_NAMES[d.platform]}: taken out of the queue" for d in cancelled]
        results += [
            f"{PLATFORM_NAMES[d.platform]}: it was being published at that moment — if it "
            "goes out, Countersign deletes it there and says so"
            for d in in_flight
        ]
        ok = not in_flight
        asked = {d.id for d in in_flight}
        for delivery in self.store.deliveries_for(post.id):
            if (
                delivery.status is DeliveryStatus.UNCONFIRMED
                and delivery.id not in asked
                and not self._found_live(post, delivery)
            ):
                ok = False
                results.append(
                    f"{PLATFORM_NAMES[delivery.platform]}: Countersign cannot tell whether it "
                    "went out and does not find it on the account — look, and delete it there "
                    "if it is"
                )
        published = [
            d for d in self.store.deliveries_for(post.id) if d.status is DeliveryStatus.PUBLISHED
        ]
        if not published and not results:
            self.checkpoint(f"after the takedown of {post.ref}")
            return Outcome(
                False, f"{post.ref} is not published anywhere, so there is nothing to take down."
            )
        for delivery in published:
            name = PLATFORM_NAMES[delivery.platform]
            if not delivery.remote_id:
                ok = False
                results.append(
                    f"{name}: no post id was recorded (it was confirmed by hand) — "
                    "delete it on the platform yourself"
                )
                continue
            try:
                self.publishers[delivery.platform].delete(delivery.remote_id)
            except PublishError as exc:
                ok = False
                results.append(f"{name}: not taken down — {exc.reason}")
                continue
            self.store.mark_taken_down(delivery.id, actor=actor, at=self.clock())
            log.info("post #%s: taken down on %s by %s", post.id, name, actor)
            results.append(f"{name}: taken down")
        self.notifier.thread_note(
            post,
            f"<@{post.proposer}> {post.ref} was taken down by "
            f"<@{actor}>: " + "; ".join(results) + ".",
        )
        self.notifier.refresh_card(post.id)
        self.checkpoint(f"after the takedown of {post.ref}")
        return Outcome(ok, f"{post.ref}: " + "; ".join(results) + ".")


def _as_approved(post: Post, snapshot: Snapshot) -> Post:
    """The post as its delivery would publish it (the snapshot), for the checks before."""
    return replace(
        post,
        text=snapshot.words,
        variants={},
        images=tuple(a for a, _ in snapshot.images),
        content_hash=snapshot.content_hash,
    )


def _rules(findings: list[Finding]) -> str:
    return ", ".join(dict.fromkeys(f.rule for f in findings))
