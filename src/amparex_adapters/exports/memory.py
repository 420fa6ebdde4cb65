"""An export target in memory: folders as dictionaries (tests, demos)."""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
from collections.abc import Iterable
from typing import BinaryIO

from amparex_core.domain.errors import ExportDirectoryInvalid
from amparex_core.domain.interfaces import is_absolute_directory
from amparex_core.domain.outbox import FolderEvents, FolderStamp
from amparex_core.domain.uploads import FileFacts
from amparex_core.ports.clock import Clock
from amparex_core.ports.exports import FolderChanges

__all__ = ["MemoryExportTarget"]


class MemoryExportTarget:
    """A :class:`~amparex_core.ports.exports.ExportTarget` whose folders live in memory.

    Only directories passed to the constructor (or :meth:`make_directory`) exist. A file
    becomes visible only once all its chunks were produced, and an existing file is never
    replaced, as on a real file system.
    """

    def __init__(self, directories: Iterable[str] = (), *, clock: Clock | None = None) -> None:
        #: With a clock, a file's modification time is the clock's time (plus a tick, so
        #: that every write differs); without, a tick (1, 2, …).
        self.clock = clock
        self._lock = threading.Lock()
        self._folders: dict[str, dict[str, tuple[bytes, int]]] = {d: {} for d in directories}
        self._versions: dict[str, int] = dict.fromkeys(self._folders, 0)
        self._tick = itertools.count(1)
        #: How often a folder was listed (:meth:`list_files`), by folder.
        self.listings: dict[str, int] = {}
        self._feeds: dict[str, list[_Feed]] = {}

    def make_directory(self, directory: str) -> None:
        """Create an (empty) folder."""
        with self._lock:
            self._folders.setdefault(directory, {})
            self._versions.setdefault(directory, 0)

    def _mtime(self) -> int:
        tick = next(self._tick)
        if self.clock is None:
            return tick
        return int(self.clock.now().timestamp() * 1_000_000) * 1000 + tick

    def _changed(self, directory: str, added: str = "", removed: str = "") -> None:
        self._versions[directory] = self._versions.get(directory, 0) + 1
        for feed in self._feeds.get(directory, []):
            feed.note(added, removed)

    def changes(self, directory: str) -> FolderChanges | None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.changes`: every write here."""
        with self._lock:
            self._folder(directory)
            feed = _Feed(self, directory)
            self._feeds.setdefault(directory, []).append(feed)
            return feed

    def _unsubscribe(self, feed: _Feed) -> None:
        with self._lock:
            feeds = self._feeds.get(feed.directory, [])
            if feed in feeds:
                feeds.remove(feed)

    def _folder(self, directory: str) -> dict[str, tuple[bytes, int]]:
        if not is_absolute_directory(directory):
            raise ExportDirectoryInvalid(directory=directory, reason="not an absolute path")
        try:
            return self._folders[directory]
        except KeyError:
            raise ExportDirectoryInvalid(directory=directory, reason="it does not exist") from None

    def check_directory(self, directory: str) -> None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.check_directory`."""
        with self._lock:
            self._folder(directory)

    def exists(self, directory: str, name: str) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.exists`."""
        with self._lock:
            return name in self._folder(directory)

    def write_new(self, directory: str, name: str, chunks: Iterable[bytes]) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.write_new`."""
        with self._lock:
            self._folder(directory)
        content = b"".join(chunks)
        with self._lock:
            folder = self._folder(directory)
            if name in folder:
                return False
            folder[name] = (content, self._mtime())
            self._changed(directory, added=name)
            return True

    def list_files(self, directory: str) -> list[str]:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.list_files`."""
        with self._lock:
            names = sorted(self._folder(directory))
            self.listings[directory] = self.listings.get(directory, 0) + 1
            return names

    def stamp(self, directory: str) -> FolderStamp:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.stamp`: a change counter."""
        with self._lock:
            self._folder(directory)
            return FolderStamp((self._versions.get(directory, 0),), settled=True)

    def move(self, directory: str, name: str, target: str, new_name: str) -> None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.move`."""
        with self._lock:
            source = self._folder(directory)
            if name not in source:
                raise FileNotFoundError(f"{directory}/{name}")
            if not is_absolute_directory(target):
                raise ExportDirectoryInvalid(directory=target, reason="not an absolute path")
            folder = self._folders.setdefault(target, {})
            if new_name in folder:
                raise FileExistsError(f"{target}/{new_name}")
            folder[new_name] = source.pop(name)
            self._changed(directory, removed=name)
            self._changed(target, added=new_name)

    def remove(self, directory: str, name: str) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.remove`."""
        with self._lock:
            folder = self._folder(directory)
            if name not in folder:
                return False
            del folder[name]
            self._changed(directory, removed=name)
            return True

    def _get(self, directory: str, name: str) -> tuple[bytes, int]:
        with self._lock:
            try:
                return self._folder(directory)[name]
            except KeyError:
                raise FileNotFoundError(f"{directory}/{name}") from None

    def facts(self, directory: str, name: str, *, with_hash: bool = True) -> FileFacts:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.facts`."""
        content, tick = self._get(directory, name)
        digest = hashlib.sha256(content).hexdigest() if with_hash else ""
        return FileFacts(size=len(content), sha256=digest, mtime_ns=tick)

    def open(self, directory: str, name: str) -> BinaryIO:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.open`."""
        return io.BytesIO(self._get(directory, name)[0])

    def read(self, directory: str, name: str) -> bytes:
        """The content of a file (for tests)."""
        return self._get(directory, name)[0]

    def touch(self, directory: str, name: str, mtime_ns: int) -> None:
        """Set a file's modification time, as ``os.utime`` would (for tests of ages)."""
        with self._lock:
            folder = self._folder(directory)
            folder[name] = (folder[name][0], mtime_ns)

    def overwrite(self, directory: str, name: str, content: bytes) -> None:
        """Change a file behind the library's back, as a user might (for tests)."""
        with self._lock:
            self._folder(directory)[name] = (content, self._mtime())

    def remove_stale(self, directory: str) -> int:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.remove_stale`; nothing is stale."""
        with self._lock:
            self._folder(directory)
        return 0


class _Feed:
    """The changes of one folder of a :class:`MemoryExportTarget` (its lock held by callers)."""

    def __init__(self, target: MemoryExportTarget, directory: str) -> None:
        self._target = target
        self.directory = directory
        self._added: set[str] = set()
        self._removed: set[str] = set()
        #: Set by tests: the next :meth:`drain` reports a lost track, as an overflow would.
        self.lose_track = False

    def note(self, added: str, removed: str) -> None:
        if added:
            self._added.add(added)
            self._removed.discard(added)
        if removed:
            self._removed.add(removed)
            self._added.discard(removed)

    def drain(self) -> FolderEvents | None:
        """See :meth:`~amparex_core.ports.exports.FolderChanges.drain`."""
        with self._target._lock:
            events = FolderEvents(frozenset(self._added), frozenset(self._removed))
            self._added, self._removed = set(), set()
            if self.lose_track:
                self.lose_track = False
                return None
            return events

    def close(self) -> None:
        """See :meth:`~amparex_core.ports.exports.FolderChanges.close`."""
        self._target._unsubscribe(self)
