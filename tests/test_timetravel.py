"""The suite's second run with a moved clock really moves it, here and in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

TRAVEL = os.environ.get("TIME_TRAVEL_DAYS", "").strip()


@pytest.mark.skipif(not TRAVEL, reason="runs only when .ci/run moves the clock")
def test_the_clock_is_moved_here_and_in_subprocesses():
    site = sys.modules.get("sitecustomize")
    assert site is not None and Path(str(site.__file__)).parent.name == "timetravel"
    assert "time_machine" in sys.modules
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        capture_output=True,
        text=True,
        check=True,
    )
    # Both clocks travelled the same distance: they agree to within the subprocess's start-up.
    assert abs(float(child.stdout) - time.time()) < 60


def test_the_travel_helper_moves_a_subprocess_clock():
    """Without a travelling parent, a child started with the helper on PYTHONPATH travels."""
    helper = Path(__file__).parent / "timetravel"
    env = {**os.environ, "PYTHONPATH": str(helper), "TIME_TRAVEL_DAYS": "730"}
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    moved = float(child.stdout) - time.time()
    expected = 730 * 86400 if not TRAVEL else (730 - float(TRAVEL)) * 86400
    assert abs(moved - expected) < 120
