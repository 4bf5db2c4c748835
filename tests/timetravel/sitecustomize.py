"""Moves the wall clock of every Python process started with this folder on PYTHONPATH.

The suite must not depend on the day it runs. `.ci/run` runs it a second time with
``TIME_TRAVEL_DAYS`` set (e.g. ``730`` or ``-365``) and ``PYTHONPATH`` pointing here, so
that the test process and every ``countersign`` subprocess it starts see the same moved clock,
still ticking. libfaketime is no substitute on these machines: it breaks ``time.sleep`` (EINVAL).
"""

from __future__ import annotations

import os

_days = os.environ.get("TIME_TRAVEL_DAYS", "").strip()
if _days:
    import time
    from datetime import UTC, datetime, timedelta

    import time_machine

    _destination = datetime.fromtimestamp(time.time(), UTC) + timedelta(days=float(_days))
    time_machine.travel(_destination, tick=True).start()
