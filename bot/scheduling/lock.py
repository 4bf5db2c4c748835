"""The slot lock: choosing a free slot and taking it is one step, in every process.

The server's threads (approvals, Slack's `/countersign queue|blackout`, the scheduler's
re-queueing) and the command line (`countersign queue|blackout`, another process) all book
slots in the same database. A threading lock reaches only one process, so the lock is also an
advisory lock on a file beside the database (``flock``: the kernel releases it when the process
dies, so a crash cannot leave it held). The unique index on deliveries (migration m015) is the
backstop for anything that books without it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType


class SlotLock:
    """Re-entrant within a process (an approval's booking may call another booking step);
    exclusive across processes that use the same database file."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @classmethod
    def beside(cls, db: Path | str) -> SlotLock:
        """The lock for the database at ``db``: ``<db>.slots.lock``."""
        return cls(None if str(db) == ":memory:" else Path(f"{db}.slots.lock"))

    def __enter__(self) -> SlotLock:
        self._threads.acquire()
        try:
            if self._depth == 0 and self.path is not None:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # waits for the other process's booking
                except BaseException:
                    os.close(fd)
                    raise
                self._fd = fd
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            self._threads.release()

    # threading.RLock's names, for callers that acquire and release by hand.
    def acquire(self) -> bool:
        self.__enter__()
        return True

    def release(self) -> None:
        self.__exit__(None, None, None)
