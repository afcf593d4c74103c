"""Clean-up of files uploaded for a dry run and never imported, for `manage.py clean_imports`.

Each app that keeps such files registers a function in its AppConfig.ready(): called with older_than_hours, it
deletes its files older than that and returns their paths. The foundation runs them without knowing the apps.
"""

from collections.abc import Callable
from pathlib import Path

Cleaner = Callable[..., list[Path]]

_cleaners: list[Cleaner] = []


def register(fn: Cleaner) -> Cleaner:
    """Add a clean-up function (once, however often it is registered); usable as a decorator."""
    if fn not in _cleaners:
        _cleaners.append(fn)
    return fn


def run(older_than_hours: float) -> list[Path]:
    """Run every registered clean-up; the paths deleted, in path order (not in the order the apps registered)."""
    removed: list[Path] = []
    for fn in _cleaners:
        removed += fn(older_than_hours=older_than_hours)
    return sorted(removed)
