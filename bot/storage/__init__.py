"""Storage: the only package that imports sqlite_utils."""

from bot.storage.store import AuditKeys, Store, open_store

__all__ = ["AuditKeys", "Store", "open_store"]
