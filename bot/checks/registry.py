"""The validators: what a code-backed detector is given and returns, and how they are found.

A rule pack names a validator (`validator: phone_number`); a module in this package declares it
with `@validator("phone_number")`. Nothing lists the modules: `load_validators()` walks the
package the first time checks run and imports each module that declares one.

Why this module exists: the registry used to sit in `engine.py`, which then had to import every
rule module by name to fill it, while every rule module imports `engine` for its helpers — an
import loop inside `checks/`, and a list to edit for each new module. Here the contract (Context,
Hit, the decorator) imports nothing of the rule modules, and the engine imports only this.

Why read the source before importing: importing every module would also import `images.py`
(Pillow, about 25 ms), which a text-only `countersign check` deliberately never loads; so a
module is imported only when its source declares a validator (a line starting `@validator(`),
or when its source cannot be read (an install without .py files): then it is imported anyway,
so nothing is ever missed. Both go through the import system (pkgutil and the modules'
loaders), never the file system directly, so an installed wheel or a zip behaves the same.
A subpackage is looked into without being imported.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from bot.checks.normalise import Normalised
from bot.checks.policy import Policy, RulePack
from bot.domain.findings import Severity


@dataclass(frozen=True)
class Hit:
    """What a validator found, in normalised coordinates; None fields take the rule's."""

    start: int
    end: int
    message: str | None = None
    suggestion: str | None = None
    severity: Severity | None = None
    platform: str | None = None


class RegisterHit(Protocol):
    start: int
    end: int


class Register(Protocol):
    """The consent register as the checks see it (names only as keyed hashes)."""

    def find(self, text: str) -> Iterable[RegisterHit]: ...


@dataclass(frozen=True)
class Context:
    norm: Normalised
    platforms: tuple[str, ...]
    policy: Policy
    register: Register | None = None
    today: date | None = None
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.norm.text

    def register_hits(self) -> list[Any]:
        """The register's matches in this text, found once however many rules ask."""
        if "register" not in self._memo:
            self._memo["register"] = list(self.register.find(self.text)) if self.register else []
        return list(self._memo["register"])


Validator = Callable[[Context, RulePack], Iterable[Hit]]
VALIDATORS: dict[str, Validator] = {}


def validator(name: str) -> Callable[[Validator], Validator]:
    """Register a code-backed detector that rule packs can name in `validator:`."""

    def register(fn: Validator) -> Validator:
        known = VALIDATORS.get(name)
        if known is not None and _where(known) != _where(fn):
            # Two modules claiming one name: whichever was imported last would silently win.
            raise ValueError(
                f"validator {name!r} is declared twice: in {_where(known)} and in {_where(fn)}"
            )
        VALIDATORS[name] = fn
        return fn

    return register


def _where(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"


PACKAGE = "bot.checks"
_DECLARES = re.compile(r"^[ \t]*@(?:\w+\.)*validator\(", re.MULTILINE)
_loaded: set[str] = set()
_lock = threading.Lock()


def load_validators(package: str = PACKAGE) -> dict[str, Validator]:
    """Every validator of ``package``, its modules imported the first time only."""
    if package not in _loaded:
        with _lock:
            if package not in _loaded:
                discover(package)
                _loaded.add(package)
    return VALIDATORS


def discover(package: str = PACKAGE) -> list[str]:
    """Import each module of ``package`` (subpackages included) that declares a validator, and
    return their names. Importing one registers its validators through `@validator`."""
    found = list(_declaring(package, importlib.import_module(package).__path__))
    for name in found:
        importlib.import_module(name)
    return found


def _declaring(prefix: str, path: Iterable[str]) -> Iterator[str]:
    for info in pkgutil.iter_modules(path, prefix + "."):
        spec = info.module_finder.find_spec(info.name, None)
        if spec is None:
            continue
        if info.ispkg:
            yield from _declaring(info.name, spec.submodule_search_locations or ())
        if spec.loader is None:
            continue
        try:
            source = spec.loader.get_source(info.name)  # type: ignore[attr-defined]
        except (AttributeError, ImportError, OSError):
            source = None
        if source is None or _DECLARES.search(source):
            yield info.name
