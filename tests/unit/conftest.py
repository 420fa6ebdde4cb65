"""Fixtures of the unit tests: the registry's cache file of entry points."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters import _entry_points, registry


class EntryPointCache:
    """The registry's cache file in a folder of the test, and the scans it spares.

    The fixture ``entry_point_cache`` makes one: the registry forgets what it scanned in
    this process, the cache folder (``AMPAREX_CACHE_DIR``) is empty, and every call of
    ``importlib.metadata.entry_points`` is counted in :attr:`scans`. The test's folders
    are new: the registry's rule not to cache a scan of a folder changed in the last two
    seconds is off (``test_registry_cache`` tests it), and no ``__pycache__`` is written
    into them.
    """

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.scans = 0
        self.scanning = True
        scan = importlib.metadata.entry_points

        def counted(**params: Any) -> Any:
            assert self.scanning, "the registry scanned the distributions again"
            self.scans += 1
            return scan(**params)

        monkeypatch.setenv("AMPAREX_CACHE_DIR", str(folder))
        monkeypatch.setattr(importlib.metadata, "entry_points", counted)
        monkeypatch.setattr(registry, "_SCAN", None)
        monkeypatch.setattr(_entry_points, "RACY_NS", 0)
        monkeypatch.setattr(sys, "dont_write_bytecode", True)

    @property
    def file(self) -> Path:
        """The cache file (the only file in the folder)."""
        (file,) = self.folder.glob("entry-points-*.json")
        return file

    def restart(self) -> None:
        """Forget the scan of this process, as a new process of the same state would."""
        registry._SCAN = None

    def warm(self) -> None:
        """Scan now and write the cache file; then restart, and fail on a further scan."""
        self.restart()
        registry._installed()
        assert self.file.is_file()
        self.restart()
        self.scanning = False


@pytest.fixture
def entry_point_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EntryPointCache:
    """The registry's cache in ``tmp_path / "cache"``; nothing scanned yet."""
    return EntryPointCache(tmp_path / "cache", monkeypatch)
