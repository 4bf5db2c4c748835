"""Files that hold clients' words are readable by their owner only (0600).

SQLite gives a database's -wal and -shm files the permissions of the database, and Countersign
creates new files 0600; but a database restored with `cp`, a file from before, or a backup
copied around may be 0644 (readable by every account on the machine). Those are put right at
start, with one warning naming the files (never their contents)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE = 0o600


def database_files(path: Path | str) -> list[Path]:
    base = Path(path)
    return [base, Path(f"{base}-wal"), Path(f"{base}-shm")]


def tighten(paths: Iterable[Path], *, what: str) -> list[Path]:
    """Make every existing regular file in ``paths`` 0600 when group or others may read or
    write it; one warning for all of them. Returns the files changed."""
    fixed: list[Path] = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(mode) or not mode & 0o077:
            continue
        try:
            os.chmod(path, PRIVATE)
        except OSError as exc:
            log.warning("could not make %s readable by its owner only: %s", path, exc)
            continue
        fixed.append(path)
    if fixed:
        log.warning(
            "%s: %s file(s) could be read by other accounts on this machine and are now "
            "readable by their owner only (0600): %s",
            what,
            len(fixed),
            ", ".join(str(p) for p in fixed),
        )
    return fixed


def tighten_folder(folder: Path, *, what: str) -> list[Path]:
    """``tighten`` every file directly in ``folder`` (the outbox), if it exists."""
    if not folder.is_dir():
        return []
    return tighten(sorted(folder.iterdir()), what=what)
