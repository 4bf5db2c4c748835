"""YAML files whose mistakes are reported with the file, the line and the reason."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"


class ConfigError(Exception):
    """A configuration mistake, worded for the person who has to fix it."""


class LineDict(dict[str, Any]):
    """A mapping that remembers the line (1-based) each key was written on."""

    lines: dict[str, int]

    def line(self, key: object) -> int | None:
        return getattr(self, "lines", {}).get(key) if isinstance(key, str) else None


class LineList(list[Any]):
    """A list that remembers the line (1-based) each item starts on."""

    lines: list[int]

    def line(self, index: object) -> int | None:
        lines = getattr(self, "lines", [])
        return lines[index] if isinstance(index, int) and 0 <= index < len(lines) else None


class _Loader(yaml.SafeLoader):
    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # 2026-02-30 is read as a date, and fails
            raise ConstructorError(
                None, None, f"{node.value!r} cannot be read ({exc})", node.start_mark
            ) from exc


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    own = {id(key_node) for key_node, _ in node.value if key_node.tag != _MERGE}
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    written: set[str] = set()  # keys written here, not merged in (which they may override)
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if id(key_node) in own:
            if key in written:
                raise ConstructorError(
                    None,
                    None,
                    f"{key!r} is given twice (first on line {result.lines[key]})",
                    key_node.start_mark,
                )
            written.add(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.lines = [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# YAML 1.1 reads 17:00 as the base-60 number 1020: times are meant, so numbers here are decimal.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def undecodable_line(data: bytes, exc: UnicodeDecodeError) -> int:
    """The line (1-based) of the first byte that is not UTF-8."""
    return data[: exc.start].count(b"\n") + 1


def load_yaml(path: Path, *, required: bool = False) -> Any:
    """The parsed file, ``None`` when it is absent and optional."""
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: file not found")
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = undecodable_line(data, exc)
        raise ConfigError(f"{path}, line {line}: not UTF-8 text; save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"{path}, line {mark.line + 1}"
        elif isinstance(exc, yaml.reader.ReaderError):  # a control character, at a position
            where = f"{path}, line {text[: exc.position].count(chr(10)) + 1}"
        else:
            where = str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML ({problem})") from exc
    except RecursionError:
        raise ConfigError(f"{path}, line 1: not valid YAML (nested too deeply)") from None


def where(path: Path, container: Any, key: str | int, *, default: int | None = None) -> str:
    """Where a key of a mapping or an item of a list read by ``load_yaml`` was written, as
    "FILE, line N" (``default`` when the line is not known)."""
    line = container.line(key) if isinstance(container, LineDict | LineList) else None
    line = line or default
    return f"{path}, line {line}" if line else str(path)
