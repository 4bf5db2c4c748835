"""When posts go out: pure slot arithmetic (slots.py) and the APScheduler wiring (runner.py)."""
