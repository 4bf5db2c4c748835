"""`audit verify`, `audit export` and `backup`: for trustees, regulators and the operator."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.storage import Store

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
)


def verify(store: Store, out: TextIO = sys.stdout) -> int:
    checked, broken = store.verify_audit()
    if broken is None:
        print(
            f"The audit log is intact: {checked} records, each chained to the one before.", file=out
        )
        return 0
    print(
        f"The audit log is broken at record {broken}: it or an earlier record was changed "
        f"or removed ({checked} records before it are intact).",
        file=out,
    )
    return 1


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


def backup(store: Store, target: Path, out: TextIO = sys.stdout) -> int:
    if target.exists():
        print(
            f"{target} exists already; choose a new file so no backup is overwritten.",
            file=sys.stderr,
        )
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    store.backup(target)
    print(
        f"Backed up to {target}. To restore: stop Countersign, copy it to COUNTERSIGN_DB "
        "(removing any -wal and -shm files beside the old database), start Countersign.",
        file=out,
    )
    return 0
