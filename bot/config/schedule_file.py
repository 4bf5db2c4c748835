"""config/schedule.yaml: the weekly slots it seeds the database with on the first start (the
admins keep them in Slack after that)."""

from __future__ import annotations

from pathlib import Path

from bot.config.yamlfile import ConfigError, LineDict, load_yaml, where
from bot.domain.posts import PLATFORMS
from bot.scheduling.slots import Schedule, ScheduleError, Slot, weekly_slots


def load_schedule(config_dir: Path) -> Schedule:
    """config/schedule.yaml: per platform (or `all`), a list of {days, times}."""
    path = config_dir / "schedule.yaml"
    data = load_yaml(path, required=True)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}, line 1: expected platforms mapped to lists of {{days, times}}")
    slots: list[Slot] = []
    for platform, entries in data.items():
        targets = list(PLATFORMS) if platform == "all" else [platform]
        if platform != "all" and platform not in PLATFORMS:
            raise ConfigError(f"{where(path, data, platform)}: unknown platform {platform!r}")
        if not isinstance(entries, list):
            raise ConfigError(f"{where(path, data, platform)}: expected a list of {{days, times}}")
        for i, entry in enumerate(entries):
            heading = data.line(platform) if isinstance(data, LineDict) else None
            place = where(path, entries, i, default=heading)
            if not isinstance(entry, dict) or "days" not in entry or "times" not in entry:
                raise ConfigError(f"{place}: each entry needs days and times")
            times = entry["times"]
            times = [times] if isinstance(times, str) else times
            if not isinstance(times, list) or not times:
                raise ConfigError(
                    f"{where(path, entry, 'times')}: times must be a time or a list of times, "
                    'e.g. ["09:30", "17:00"]'
                )
            try:
                for target in targets:
                    slots.extend(weekly_slots(target, str(entry["days"]), [str(t) for t in times]))
            except ScheduleError as exc:
                raise ConfigError(f"{place}: {exc}") from exc
    return Schedule(tuple(sorted(set(slots))))
