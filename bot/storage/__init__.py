"""Storage: the only package that imports sqlite_utils."""

from bot.storage.store import Store, open_store

__all__ = ["Store", "open_store"]
