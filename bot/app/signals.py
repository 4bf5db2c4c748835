"""Word that the queue changed, for whoever times the publishing (the scheduler).

The service and the deliverer change the queue; the scheduler, built after them because it
runs the deliverer, re-arms its wake-up when they do. A signal given to all three at
construction breaks that loop without assigning anything afterwards.
"""

from __future__ import annotations

from collections.abc import Callable


class QueueSignal:
    def __init__(self) -> None:
        self._listeners: list[Callable[[], object]] = []

    def subscribe(self, listener: Callable[[], object]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in self._listeners:
            listener()
