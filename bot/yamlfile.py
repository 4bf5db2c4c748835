"""YAML files whose mistakes are reported with the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """A configuration mistake, worded for the person who has to fix it."""


class LineDict(dict[str, Any]):
    """A mapping that remembers the line (1-based) each key was written on."""

    lines: dict[str, int]

    def line(self, key: str) -> int | None:
        return getattr(self, "lines", {}).get(key)


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, *, required: bool = False) -> Any:
    """The parsed file, ``None`` when it is absent and optional."""
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: file not found")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML ({problem})") from exc


def where(path: Path, mapping: Any, key: str) -> str:
    line = mapping.line(key) if isinstance(mapping, LineDict) else None
    return f"{path}, line {line}" if line else str(path)
