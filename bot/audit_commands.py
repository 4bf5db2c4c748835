"""`audit verify`, `audit export` and `backup`: for trustees, regulators and the operator."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot import audit_checkpoint
from bot.storage import Store, audit_chain
from bot.storage.audit_chain import Checkpoint

EXPORT_FIELDS = (
    "id",
    "at",
    "actor",
    "action",
    "post_id",
    "content_hash",
    "detail",
    "prev_hash",
    "hash",
    "mac_key",
)


def verify(
    store: Store,
    checkpoint: Checkpoint | None,
    *,
    source: str | None = None,
    keyed: bool = True,
    out: TextIO = sys.stdout,
) -> int:
    """The chain, then the newest checkpoint read from ``source`` (Slack or a file): 0 when
    both hold, 1 with every failure named."""
    if not keyed and any(r["mac_key"] for r in store.audit_log()):
        print(
            "The audit log is keyed: set COUNTERSIGN_SECRET_KEY (the key Countersign runs "
            "with) to verify it.",
            file=sys.stderr,
        )
        return 2
    verdict = store.audit_verdict()
    failures = [verdict.problem] if verdict.problem else []
    if not failures and keyed and verdict.checked and not verdict.keyed:
        failures.append(
            f"none of the {verdict.checked} records is keyed, although COUNTERSIGN_SECRET_KEY "
            "is set: either Countersign has not started with the key since the upgrade (start "
            "it once, then verify again), or the chain was recomputed by someone without the key"
        )
    if checkpoint is not None:
        behind = audit_chain.against(store.audit_log(), checkpoint)
        if behind:
            failures.append(behind)
    if failures:
        print("The audit log fails verification:", file=out)
        for failure in failures:
            print(f"- {failure[0].upper()}{failure[1:]}.", file=out)
        return 1
    if verdict.keyed:
        how = "each chained to the one before by a MAC keyed with COUNTERSIGN_SECRET_KEY"
        if verdict.keyed < verdict.checked:
            how += f" (the first {verdict.checked - verdict.keyed}, from before the upgrade, "
            how += "by plain hashes that the keyed ones seal)"
    else:
        how = "each chained to the one before (by plain hashes: not keyed)"
    print(f"The audit log is intact: {verdict.checked} records, {how}.", file=out)
    if checkpoint is None:
        print(
            f"No checkpoint was found in {source}, so deleted newest records or an older copy "
            "put back would not show.",
            file=out,
        ) if source else print(
            "No checkpoint was read, so deleted newest records or an older copy put back would "
            "not show: configure Slack (SLACK_BOT_TOKEN, COUNTERSIGN_REVIEW_CHANNEL) or pass "
            "--checkpoint FILE.",
            file=out,
        )
    else:
        print(
            f"It reaches the checkpoint of {checkpoint.when()} ({checkpoint.count} records, "
            f"read from {source}).",
            file=out,
        )
    return 0


def export(store: Store, *, as_csv: bool, since: date | None, out: TextIO = sys.stdout) -> int:
    rows = [r for r in store.audit_log() if since is None or r["at"][:10] >= since.isoformat()]
    # Reasons are stored encrypted (bot/storage/crypto.py); the export is plain text on purpose.
    rows = [{**r, "detail": json.dumps(store.readable_detail(r), sort_keys=True)} for r in rows]
    if as_csv:
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            record = {k: row[k] for k in EXPORT_FIELDS}
            record["detail"] = json.loads(row["detail"] or "{}")
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def backup(store: Store, target: Path, at: datetime, out: TextIO = sys.stdout) -> int:
    for path in (target, audit_checkpoint.beside(target)):
        if path.exists():
            print(
                f"{path} exists already; choose a new file so no backup is overwritten.",
                file=sys.stderr,
            )
            return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    head = store.backup(target)
    # The head of the chain in this copy, beside it: `audit verify --checkpoint` with this file
    # tells whether a database (the live one, or this copy restored) still reaches it.
    checkpoint = Checkpoint(head.count, head.mac, at)
    audit_checkpoint.write_file(audit_checkpoint.beside(target), checkpoint)
    print(
        f"Backed up to {target}, with its audit checkpoint in "
        f"{audit_checkpoint.beside(target)}. To restore: stop Countersign, copy it to "
        "COUNTERSIGN_DB (removing any -wal and -shm files beside the old database), start "
        "Countersign.",
        file=out,
    )
    return 0
