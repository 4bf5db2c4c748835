"""The checks: pure functions from a post's text and the policy to findings."""

from __future__ import annotations

from bot.checks.engine import Context, Hit, run_checks, validator
from bot.checks.policy import Allow, Location, Policy, RulePack

__all__ = ["Allow", "Context", "Hit", "Location", "Policy", "RulePack", "run_checks", "validator"]
