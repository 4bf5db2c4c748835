"""The checks: pure functions from a post's text and the policy to findings."""

from __future__ import annotations

from bot.checks.engine import Check, Policy, run_checks

__all__ = ["Check", "Policy", "run_checks"]
