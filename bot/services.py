"""The use cases: propose, revise, review, withdraw and queue (publishing is bot/app/delivery.py).

Depends on the pure core, on the ports (bot/app/ports.py) and on what bot/app shares (the
checker, the attachments, the queue signal), so that Slack, the CLI and the scheduler all drive
the same rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.attachments import Attachments
from bot.app.checking import Checker
from bot.app.delivery import Deliverer
from bot.app.ports import Directory, Notifier
from bot.app.signals import QueueSignal
from bot.checks.platform_fit import ATTACHMENT_RULES
from bot.domain.findings import MARKUP_CHECK, Finding
from bot.domain.posts import (
    PLATFORM_NAMES,
    UNSCHEDULED,
    DeliveryStatus,
    Post,
    PostStatus,
    content_hash,
)
from bot.domain.review import (
    REACTIONS,
    Decision,
    edit,
    review,
    status_after_checks,
    withdraw,
    withdraw_approval,
)
from bot.domain.review import Outcome as ReviewOutcome
from bot.domain.rewrite import apply_suggestions
from bot.publishers.base import Publisher
from bot.scheduling.lock import SlotLock
from bot.scheduling.slots import Schedule, next_free_slot, slot_after_backlog
from bot.slack.markup import Mrkdwn, escape
from bot.storage import Store
from bot.storage.store import StaleVersion

log = logging.getLogger(__name__)

# Far past any platform's limit: longer is a paste accident.
MAX_PROPOSAL_CHARS = 10_000


@dataclass
class Countersign:
    store: Store
    notifier: Notifier
    directory: Directory
    publishers: Mapping[str, Publisher]
    schedule: Schedule
    zone_name: str
    platforms: tuple[str, ...]
    clock: Callable[[], datetime]
    checker: Checker  # shared with the deliverer, which asks it again before publishing
    delivery: Deliverer
    queue: QueueSignal  # the scheduler listens, to re-arm its wake-up
    attachments: Attachments
    # Runs Slack work that nobody should wait for (the server's pool; at once on the CLI).
    later: Callable[[Callable[[], None]], object]
    # Writes the audit chain's head down outside the database after a pause (runtime.py).
    checkpoint: Callable[[str], object]
    approvals_required: int = 1
    requested_times: bool = True  # False: every post takes a slot, whatever was asked
    missed_grace: timedelta = timedelta(minutes=15)
    # Choosing a free slot and taking it is one step (approvals worked on side by side would
    # otherwise all see the same slot free and share it), and so is each review decision.
    # A SlotLock beside the database file reaches the command line's bookings too.
    slot_lock: SlotLock = field(default_factory=SlotLock, repr=False)

    def on_queue_changed(self) -> None:
        """Said by every use case that queues, moves or cancels a delivery."""
        self.queue.changed()

    def today(self) -> date:
        """The organisation's calendar date (consent expiry is a date, not an instant)."""
        return self.checker.today()

    def warm_up(self) -> None:
        self.checker.warm_up()

    # -- proposing ---------------------------------------------------------------------------

    def current_schedule(self) -> Schedule:
        """The admins' schedule from the database (another process may have changed it)."""
        slots = self.store.slots()
        return Schedule(tuple(slots)) if slots is not None else self.schedule

    def next_slot(self, platform: str, after: datetime) -> datetime | None:
        """The platform's next free slot after ``after``, outside every blackout."""
        now = self.clock()
        schedule = self.current_schedule().for_platform(platform)
        zone = ZoneInfo(self.zone_name)
        blackouts = self.store.blackout_spans(ending_after=now)
        if not blackouts and after <= now:
            held, last = self.store.held_summary(platform, now)
            if last is not None:
                # A long backlog fills every slot up to its last one: skip it in one step.
                fast = slot_after_backlog(schedule, zone, now, held, last)
                if fast is not None:
                    return fast
        return next_free_slot(
            schedule, zone, after, self.store.taken_slots(platform, now), blackouts
        )

    def propose(
        self,
        *,
        channel: str,
        ts: str,
        user: str,
        text: str,
        files: Sequence[dict[str, Any]] = (),
        platforms: tuple[str, ...] | None = None,
        requested_at: datetime | None = None,
        variants: dict[str, str] | None = None,
        alt_texts: Sequence[str] = (),
        markup: Sequence[Finding] = (),
    ) -> Post | None:
        """A top-level message in the proposals channel becomes post #N, checked and routed.
        ``markup``: findings about what the words meant only where they were written (a Slack
        mention, a custom emoji), found by the adapter that read them."""
        platforms = platforms or self.platforms
        variants = {
            p: v.strip() for p, v in (variants or {}).items() if p in platforms and v.strip()
        }
        text = text.strip()
        if not text and not files:
            self.notifier.tell(
                channel,
                user,
                "Countersign needs words or pictures to check: "
                "this message has neither, so it was not proposed.",
            )
            return None
        if len(text) > MAX_PROPOSAL_CHARS:
            self.notifier.tell(
                channel,
                user,
                f"This message is {len(text):,} characters; "
                f"proposals are limited to {MAX_PROPOSAL_CHARS:,}. Nothing was "
                "proposed.",
            )
            return None
        existing = self.store.post_for_message(channel, ts)
        if existing is not None and existing.source_ts == ts:
            return existing  # the same message again: it is already post #N
        images, image_findings = self.attachments.read(files, platforms, alt_texts)
        attachments = tuple(a for a, _ in images)
        findings = sorted(
            [
                *self.checker.check_all(text, platforms, variants),
                *_located(markup, text),
                *image_findings,
                *self.checker.check_pictures(attachments, platforms),
            ],
            key=_reading_order,
        )
        post, created = self.store.create_post(
            source_channel=channel,
            source_ts=ts,
            proposer=user,
            text=text,
            platforms=platforms,
            content_hash=content_hash(text, platforms, attachments, variants),
            findings=findings,
            status=status_after_checks(findings),
            at=self.clock(),
            images=images,
            requested_at=requested_at,
            variants=variants,
        )
        if created:
            log.info("post #%s proposed by %s: %s", post.id, user, _verdict(post))
            self._announce(post)
        return post

    def _announce(self, post: Post) -> None:
        report_ts = self.notifier.post_report(post)
        if report_ts:
            self.store.set_message_refs(post.id, report_ts=report_ts)
        if post.card_ts:
            self.notifier.refresh_card(post.id)
            return
        if post.status is PostStatus.BLOCKED:
            return  # a blocked post never reaches the approvers
        card = self.notifier.post_card(post, [])
        if card:
            self.store.set_message_refs(post.id, card_channel=card[0], card_ts=card[1])

    def revise(
        self,
        *,
        channel: str,
        ts: str,
        user: str,
        text: str,
        files: Sequence[dict[str, Any]] | None = None,
        markup: Sequence[Finding] = (),
        made_ts: str | None = None,
    ) -> Post | None:
        """An edited proposal message: re-checked; ``files`` None keeps the current images.
        ``made_ts``: when the edit was made, in Slack's time (its ``edited.ts``).
        Only the proposer's own edits make a new version: Slack also reports changes that
        others make to a message (an admin's edit, an app's), which change nothing here."""
        post = self.store.post_for_message(channel, ts)
        if post is None or post.source_ts != ts:
            return None
        if user != post.proposer:
            log.info("post #%s: a change by %s, not its proposer, changes nothing", post.id, user)
            return post
        if len(text) > MAX_PROPOSAL_CHARS:
            # Slack lets a message grow to 40,000 characters by editing: the same bound as a
            # proposal, so that no edit costs the checks more than a proposal can.
            self.notifier.tell(
                channel,
                user,
                f"This edit makes {post.ref} {len(text):,} characters; proposals are limited to "
                f"{MAX_PROPOSAL_CHARS:,}. It was not taken: the post stays as it was.",
            )
            return post
        return self.new_version(
            post, user=user, text=text, files=files, markup=markup, made_ts=made_ts
        )

    def new_version(
        self,
        post: Post,
        *,
        user: str,
        text: str,
        files: Sequence[dict[str, Any]] | None = None,
        markup: Sequence[Finding] | None = None,
        made_ts: str | None = None,
    ) -> Post:
        """A revision, whichever way it came (an edited message, the Edit modal, suggestions).
        ``markup`` None (plain words from a form): what the last version meant only in Slack
        stays flagged wherever its words are still there. ``made_ts``: when, in Slack's time
        ("seconds.micro"); None: now by our clock (a form from the command line)."""
        text = text.strip()
        if markup is None:
            markup = [f for f in post.findings if f.check == MARKUP_CHECK]
        if files is None:
            images = self.store.image_data(post)
            image_findings = [f for f in post.findings if f.rule in ATTACHMENT_RULES]
        else:
            images, image_findings = self.attachments.read(files, post.platforms)
        findings = sorted(
            [
                *self.checker.check_all(text, post.platforms, post.variants),
                *_located(markup, text),
                *image_findings,
                *self.checker.check_pictures(tuple(a for a, _ in images), post.platforms),
            ],
            key=_reading_order,
        )
        new_hash = content_hash(text, post.platforms, tuple(a for a, _ in images), post.variants)
        states = [d.status for d in self.store.deliveries_for(post.id)]
        outcome = edit(post, new_hash, findings, states)
        if outcome.refused:
            self.notifier.thread_note(post, f"<@{user}> {outcome.refusal}")
            return post
        if outcome.status is None:
            return post
        had_approval = post.status is PostStatus.APPROVED or bool(post.approvers)
        post = self.store.revise(
            post.id,
            text=text,
            content_hash=new_hash,
            findings=findings,
            status=outcome.status,
            actor=user,
            at=self.clock(),
            images=images,
            made_ts=made_ts or f"{self.clock().timestamp():.6f}",
        )
        log.info("post #%s version %s by %s: %s", post.id, post.version, user, _verdict(post))
        if had_approval:
            self.notifier.thread_note(
                post,
                f"{post.ref} was edited, so its approval no longer counts: it needs a new review.",
            )
        self._announce(self.store.get_post(post.id) or post)
        self.on_queue_changed()
        return post

    def withdraw(self, *, channel: str, ts: str, user: str | None = None) -> Post | None:
        post = self.store.post_for_message(channel, ts)
        if post is None or post.source_ts != ts:
            return None
        return self.withdraw_post(post, user=user)

    def withdraw_post(self, post: Post, *, user: str | None = None) -> Post:
        """The proposer takes the post back (a deleted message, or the Withdraw button)."""
        outcome = withdraw(post, [d.status for d in self.store.deliveries_for(post.id)])
        if outcome.refused:
            self.notifier.alert(outcome.refusal or "")
            return post
        if outcome.status is None:
            return post
        post = self.store.set_status(
            post.id,
            PostStatus.WITHDRAWN,
            actor=user or post.proposer,
            action="withdrawn",
            at=self.clock(),
            cancel_queued=True,
        )
        self.notifier.refresh_card(post.id)
        self.on_queue_changed()
        return post

    # -- reviewing ---------------------------------------------------------------------------

    def react(
        self, *, user: str, reaction: str, channel: str, ts: str, made_ts: str | None = None
    ) -> Post | None:
        """An approver's :white_check_mark: approves, :x: rejects; anyone else is told why not.
        ``made_ts`` (the reaction event's ``event_ts``): a reaction counts only for the version
        that was on the card when it was made — one made before an edit but handled after it
        (Slack retries, events worked on side by side) is refused, with the reason."""
        decision = REACTIONS.get(reaction)
        if decision is None:
            return None
        post = self.store.post_for_message(channel, ts)
        if post is None:
            return None
        seen = self.version_seen(post, made_ts)
        if seen is not None:
            log.info("post #%s: a reaction by %s was made on version %s", post.id, user, seen)
            self.notifier.tell(
                channel,
                user,
                f"Your :{reaction}: was on version {seen} of {post.ref}; the post has changed "
                f"since (it is now version {post.version}), so it does not count. Look again at "
                "the card, then remove your reaction and add it again.",
            )
            return post
        # Decided on exactly that version: an edit landing meanwhile makes it refuse.
        return self.decide(post, user, decision, channel=channel, content=post.content_hash)

    def version_seen(self, post: Post, made_ts: str | None) -> int | None:
        """The older version an action made at ``made_ts`` (Slack's time) was about, or None
        when it was made on the current one (or when nothing says: no time, an old post)."""
        made = _slack_time(made_ts)
        times = {v: _slack_time(t) for v, t in self.store.version_times(post.id).items()}
        current = times.get(post.version)
        if made is None or current is None or made >= current:
            return None
        earlier = [v for v, t in times.items() if t is not None and t <= made]
        return max(earlier) if earlier else max(1, post.version - 1)

    def refusal(self, post: Post, user: str, decision: Decision) -> str | None:
        """Why ``user`` may not make this decision now (None when they may)."""
        return self._review(post, user, decision).refusal

    def _review(
        self, post: Post, user: str, decision: Decision, *, is_approver: bool | None = None
    ) -> ReviewOutcome:
        return review(
            post,
            user,
            decision,
            is_approver=self.directory.is_approver(user) if is_approver is None else is_approver,
            approvals_required=self.approvals_required,
            delivery_states=[d.status for d in self.store.deliveries_for(post.id)],
        )

    def decide(
        self,
        post: Post,
        user: str,
        decision: Decision,
        *,
        channel: str,
        content: str | None = None,
        reason: str = "",
    ) -> Post:
        """Approve or reject ``post`` — the version ``content`` names, when given (a button)."""
        # One decision at a time: two approvers reacting in the same instant see each other's
        # decision, and choosing a free slot and taking it is one step (approvals worked on
        # side by side would otherwise share a slot).
        is_approver = self.directory.is_approver(user)  # may ask Slack: not under the lock
        with self.slot_lock:
            post = self.store.get_post(post.id) or post
            if content is not None and content != post.content_hash:
                refusal: str | None = (
                    f"{post.ref} was edited after that card was drawn; review the current "
                    "version on the card."
                )
                outcome = None
            else:
                outcome = self._review(post, user, decision, is_approver=is_approver)
                refusal = outcome.refusal if outcome.refused else None
            if outcome is None or refusal is not None or not outcome.record:
                recorded = False
            else:
                recorded = True
                status = outcome.status or post.status
                action = "approved" if decision is Decision.APPROVE else "rejected"
                newly_approved = outcome.status is PostStatus.APPROVED
                # Approval and queueing are one transaction: a crash cannot leave an approved
                # post that nothing will ever publish. An edit landing meanwhile (edits do not
                # take this lock) makes it refuse: the decision was about the words seen.
                try:
                    post = self.store.set_status(
                        post.id,
                        status,
                        actor=user,
                        action=action,
                        at=self.clock(),
                        cancel_queued=outcome.cancel_queued,
                        review=decision,
                        queue=self._slots_for(post) if newly_approved else None,
                        reason=reason,
                        expect_content=post.content_hash,
                    )
                except StaleVersion as stale:
                    post, recorded = stale.post, False
                    refusal = (
                        f"{post.ref} was edited while you were deciding; review the current "
                        "version on the card."
                    )
        if refusal is not None:
            log.info("post #%s: %s refused to %s", post.id, decision.value, user)
            self.notifier.tell(channel, user, refusal)
            return post
        if not recorded:
            return post
        log.info("post #%s %s by %s (now %s)", post.id, action, user, status.value)
        if newly_approved:
            self.on_queue_changed()
            self.notifier.thread_note(
                post,
                f"<@{post.proposer}> {post.ref} was approved by <@{user}>. " + self._when(post),
            )
        elif decision is Decision.APPROVE and status is PostStatus.IN_REVIEW:
            needed = self.approvals_required - len(post.approvers)
            self.notifier.thread_note(
                post,
                f"{post.ref} was approved by <@{user}>; it needs "
                f"{needed} more approval{'s' if needed != 1 else ''}.",
            )
        elif status is PostStatus.REJECTED:
            because = f" Reason: {escape(reason)}" if reason else ""
            self.notifier.thread_note(
                post, f"<@{post.proposer}> {post.ref} was rejected by <@{user}>.{because}"
            )
        self.notifier.refresh_card(post.id)
        return post

    def use_suggestions(self, post: Post, *, user: str, made_ts: str | None = None) -> Post:
        """Apply the checks' mechanical rewrites as a new version (which is checked again)."""
        # Findings about a platform's own words point into those words, not the main text.
        own = [f for f in post.findings if f.platform not in post.variants]
        rewritten = apply_suggestions(post.text, own)
        if rewritten == post.text:
            self.notifier.tell(
                post.source_channel, user, f"{post.ref} has no suggested wording to apply."
            )
            return post
        return self.new_version(post, user=user, text=rewritten, made_ts=made_ts)

    def unreact(
        self, *, user: str, reaction: str, channel: str, ts: str, made_ts: str | None = None
    ) -> Post | None:
        """Removing an approving reaction before publication withdraws that approval. A
        removal made before the current version (``made_ts``, Slack's time) was about an
        older version's approval, which no longer counts anyway: it changes nothing."""
        if REACTIONS.get(reaction) is not Decision.APPROVE:
            return None
        post = self.store.post_for_message(channel, ts)
        if post is None or user not in post.approvers:
            return None
        if self.version_seen(post, made_ts) is not None:
            log.info("post #%s: %s removed a reaction made on an older version", post.id, user)
            return post
        states = [d.status for d in self.store.deliveries_for(post.id)]
        outcome = withdraw_approval(
            post, user, approvals_required=self.approvals_required, delivery_states=states
        )
        if outcome.refused:
            self.notifier.tell(channel, user, outcome.refusal or "")
            return post
        post = self.store.withdraw_approval(
            post.id,
            user,
            status=outcome.status or post.status,
            cancel_queued=outcome.cancel_queued,
            at=self.clock(),
        )
        self.on_queue_changed()
        self.notifier.thread_note(
            post,
            f"<@{post.proposer}> <@{user}> withdrew their approval "
            f"of {post.ref}; it waits for review again.",
        )
        self.notifier.refresh_card(post.id)
        return post

    def pause(self, *, actor: str, reason: str) -> str:
        """Stop all publishing at once; nothing is lost, everything waits in order."""
        if not self.store.pause_all(reason=reason, actor=actor, at=self.clock()):
            return f"Publishing is already paused ({self.store.paused_reason()})."
        log.warning("all publishing paused by %s", actor)  # the reason may name people
        self.checkpoint("after publishing was paused")
        self._announce_queue_change(
            Mrkdwn(
                f"<@{actor}> paused all publishing: {escape(reason) or 'no reason given'}. "
                "Nothing will be published until an admin runs `/countersign resume`."
            )
        )
        return "Paused. Nothing will be published until `/countersign resume`."

    def resume(self, *, actor: str) -> str:
        """Continue in order: what missed its slot during the pause takes the next free slots."""
        if not self.store.resume_all(actor=actor, at=self.clock()):
            return "Publishing was not paused."
        log.info("publishing resumed by %s", actor)
        now = self.clock()
        moved = 0
        with self.slot_lock:
            for platform in self.platforms:
                for delivery in self.store.overdue(platform, now):
                    slot = self.next_slot(platform, now)
                    # Without a slot it goes out now, holding none (others may go out now too).
                    self.store.move_delivery(
                        delivery.id, to=slot or now, actor=actor, at=now, hold_slot=bool(slot)
                    )
                    moved += 1
        self._announce_queue_change(
            f"<@{actor}> resumed publishing. {moved} deliver"
            f"{'y' if moved == 1 else 'ies'} that missed their slot moved to the "
            "next free slots."
        )
        self.on_queue_changed()
        return f"Resumed; {moved} late deliver{'y' if moved == 1 else 'ies'} re-queued."

    def blackout(self, starts: datetime, ends: datetime, *, reason: str, actor: str) -> str:
        """Nothing publishes in a blackout: queued posts inside it move past it, in order."""
        now = self.clock()
        if ends <= starts:
            return "A blackout must end after it starts."
        if ends <= now:
            return "That blackout is already over."
        blackout_id = self.store.add_blackout(starts, ends, reason=reason, actor=actor, at=now)
        moved = self._move_out(starts, ends, actor=actor)
        zone = ZoneInfo(self.zone_name)
        self._announce_queue_change(
            Mrkdwn(
                f"<@{actor}> added blackout {blackout_id}: nothing is published from "
                f"{starts.astimezone(zone):%a %d %b %H:%M} to "
                f"{ends.astimezone(zone):%a %d %b %H:%M}"
                f"{f' ({escape(reason)})' if reason else ''}. {moved} queued deliver"
                f"{'y' if moved == 1 else 'ies'} moved past it."
            )
        )
        self.on_queue_changed()
        return (
            f"Blackout {blackout_id} added; {moved} queued deliver"
            f"{'y' if moved == 1 else 'ies'} moved past it."
        )

    def _move_out(self, starts: datetime, ends: datetime, *, actor: str) -> int:
        now = self.clock()
        moved = 0
        with self.slot_lock:
            for platform in self.platforms:
                for delivery in self.store.queued_between(platform, max(starts, now), ends):
                    after = max(ends - timedelta(microseconds=1), now)
                    slot = self.next_slot(platform, after)
                    self.store.move_delivery(
                        delivery.id, to=slot or UNSCHEDULED, actor=actor, at=now
                    )
                    moved += 1
        return moved

    def _requeue_missed(self) -> None:
        """Slots missed while down: late within the grace period, else the next free slots."""
        now = self.clock()
        cutoff = now - self.missed_grace
        moved: list[str] = []
        with self.slot_lock:
            for platform in self.platforms:
                for delivery in self.store.overdue(platform, cutoff):
                    slot = self.next_slot(platform, now)
                    self.store.move_delivery(
                        delivery.id, to=slot or UNSCHEDULED, actor="countersign", at=now
                    )
                    moved.append(f"#{delivery.post_id} on {PLATFORM_NAMES[platform]}")
        if moved:
            self.notifier.alert(
                "Countersign was not running when these were due, more than "
                f"{int(self.missed_grace.total_seconds() // 60)} minutes ago; they moved to the "
                "next free slots: " + ", ".join(moved) + "."
            )
            self._refresh_queued_cards()

    def _announce_queue_change(self, text: str) -> None:
        """The admins' alert and every queued card redrawn: one Slack call per card, so after
        the answer to the command (an emergency pause must not time out in Slack)."""

        def announce() -> None:
            self.notifier.alert(text)
            self._refresh_queued_cards()

        self.later(announce)

    def _refresh_queued_cards(self) -> None:
        for post in self.store.posts_with_queued():
            self.notifier.refresh_card(post.id)

    def _slots_for(self, post: Post) -> dict[str, datetime]:
        """Each platform's next free slot; a platform without slots is reported to admins."""
        now = self.clock()
        asked = self.requested_times and post.requested_at is not None and post.requested_at > now
        due: dict[str, datetime] = {}
        for platform in post.platforms:
            if asked and post.requested_at is not None:
                # One post per platform per slot: a requested time another post holds gives
                # way to the next free slot after it (the proposer is told when).
                if self.store.slot_holder(platform, post.requested_at) is None:
                    due[platform] = post.requested_at
                    continue
                slot = self.next_slot(platform, post.requested_at)
            else:
                slot = self.next_slot(platform, now)
            if slot is None:
                self.notifier.alert(
                    f"{post.ref} is approved but {PLATFORM_NAMES[platform]} has "
                    "no slots in the schedule; an admin can publish it with "
                    f"`/countersign now {post.id}`."
                )
                # Queued at the end of time rather than dropped: `now` can still publish it.
                slot = UNSCHEDULED
            due[platform] = slot
        return due

    def _when(self, post: Post) -> str:
        zone = ZoneInfo(self.zone_name)
        parts = [
            f"{PLATFORM_NAMES[d.platform]} at {d.due_at.astimezone(zone):%a %d %b %H:%M}"
            for d in self.store.deliveries_for(post.id)
            if d.status is DeliveryStatus.QUEUED and d.due_at is not None and d.due_at < UNSCHEDULED
        ]
        return ("Scheduled for " + ", ".join(parts) + ".") if parts else ""

    def recover(self) -> None:
        """On start: finish announcing what a crash interrupted, move slots missed long ago,
        then settle every delivery caught mid-call — never re-sent blindly."""
        for post in self.store.unannounced():
            log.info("post #%s: announcing after a restart", post.id)
            self._announce(post)
        self._requeue_missed()
        self.delivery.recover()


def _located(markup: Sequence[Finding], text: str) -> list[Finding]:
    """Markup findings where their words are in ``text``: where they were, or (the words were
    stripped, or edited in a form) wherever the excerpt occurs; gone once written out."""
    found: dict[tuple[str, int], Finding] = {}
    for finding in markup:
        if finding.excerpt and text[finding.start : finding.end] == finding.excerpt:
            found.setdefault((finding.rule, finding.start), finding)
            continue
        at = text.find(finding.excerpt) if finding.excerpt else -1
        while at >= 0:
            end = at + len(finding.excerpt)
            found.setdefault((finding.rule, at), replace(finding, start=at, end=end))
            at = text.find(finding.excerpt, end)
    return sorted(found.values(), key=lambda f: f.start)


def _slack_time(ts: str | None) -> Decimal | None:
    """A Slack timestamp ("1360782804.083113") as a number that keeps every digit."""
    try:
        found = Decimal(str(ts)) if ts else None
    except ArithmeticError:
        return None
    return found if found is not None and found.is_finite() else None


def _verdict(post: Post) -> str:
    """A post's state and the rules it tripped, for the log: rule names, never the words."""
    rules = ", ".join(dict.fromkeys(f.rule for f in post.findings))
    return f"{post.status.value}" + (f" ({rules})" if rules else "")


def _reading_order(finding: Finding) -> tuple[int, int, str]:
    return (finding.start, finding.end, finding.rule)
