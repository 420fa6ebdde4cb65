"""The registry's scan of the installed entry points, and its cache file between runs.

:func:`installed` gives the ``amparex.*`` entry points of the distributions on
:data:`sys.path` by group, in the order of :func:`importlib.metadata.entry_points`: from
the cache file when it was written for the same state (then :mod:`importlib.metadata` is
not imported), else from a scan, which it writes to the file for the next run. What the
state is, where the file lies and when it is not used: :mod:`amparex_adapters.registry`.

The entry points are :class:`_EntryPoint` copies either way — name, value, group, module,
attr, extras, ``load()`` and ``dist.name`` as importlib.metadata gives them — so a run
behaves the same whether its registry scanned or read the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from amparex_adapters.registry import EntryPointInfo

__all__ = ["CACHE_FORMAT", "RACY_NS", "cache_file", "installed"]

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
"""The layout of the cache file; a file of another format is ignored (and rewritten)."""

RACY_NS = 2_000_000_000
"""A folder or file changed this recently (ns) may change again within the same timestamp
(2 s on FAT): a scan that saw it is not written to the cache file."""


def installed(
    key: tuple[tuple[str, int], ...], started: int
) -> dict[str, tuple[EntryPointInfo, ...]]:
    """The entry points of the cache file, or of a new scan (then written to it).

    The cache file is used when it was written for *key* (:func:`_stamp`); *started* is
    the time before *key* was read (see :data:`RACY_NS`).
    """
    stamp = _stamp(key)
    file = None if stamp is None else cache_file()
    if file is not None and stamp is not None:
        cached = _read_cache(file, stamp)
        if cached is not None:
            return cached
    from importlib.metadata import entry_points

    found = entry_points()
    try:
        rows, watch = _scan(found)
    except Exception as exc:  # noqa: BLE001 - as a METADATA that cannot be decoded
        # importlib.metadata's own entry points, not cached: reading the distribution's
        # name fails only where it failed before there was a cache (a duplicate's warning)
        logger.debug("entry points not cached: %r", exc)
        return {g: tuple(found.select(group=g)) for g in found.groups if g.startswith("amparex.")}
    if file is not None and stamp is not None:
        _write_cache(file, {**stamp, "watch": watch, "entries": rows}, started)
    return _groups(rows)


def _stamp(key: tuple[tuple[str, int], ...]) -> dict[str, Any] | None:
    """What the cache file must have been written for (``None``: no cache for this state).

    This interpreter, *key* and, when a path entry is relative, the working folder. A
    finder on :data:`sys.meta_path` that finds distributions of its own means no cache:
    the stamp cannot tell what it finds.
    """
    from importlib.machinery import PathFinder

    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return None
    cwd = None
    if not all(os.path.isabs(entry) for entry, _ in key):
        try:
            cwd = os.getcwd()
        except OSError:
            return None
    return {
        "format": CACHE_FORMAT,
        "python": [sys.prefix, sys.implementation.cache_tag, sys.hexversion],
        "cwd": cwd,
        "path": [[entry, mtime] for entry, mtime in key],
    }


def cache_file() -> str | None:
    """This interpreter's cache file (``None`` when there is no home folder).

    ``entry-points-<hash>.json`` in ``AMPAREX_CACHE_DIR`` or the user's cache folder; the
    hash is of :data:`sys.prefix` and the interpreter's version.
    """
    folder = os.environ.get("AMPAREX_CACHE_DIR")
    if folder:
        folder = os.path.abspath(folder)
    elif sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        folder = os.path.join(local, "amparex", "Cache")
    elif sys.platform == "darwin":
        folder = os.path.expanduser("~/Library/Caches/amparex")
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative (invalid by the XDG specification)
            base = os.path.expanduser("~/.cache")
        folder = os.path.join(base, "amparex")
    if not os.path.isabs(folder):
        return None
    code = 0x811C9DC5  # FNV-1a, 32 bits: no hash library to import (hashlib loads OpenSSL)
    for byte in os.fsencode(f"{sys.prefix}\0{sys.implementation.cache_tag}"):
        code = ((code ^ byte) * 0x01000193) & 0xFFFFFFFF
    return os.path.join(folder, f"entry-points-{code:08x}.json")


def _read_cache(file: str, stamp: dict[str, Any]) -> dict[str, tuple[EntryPointInfo, ...]] | None:
    """The entry points of the cache *file*, or ``None``.

    ``None`` when the file is missing, unreadable, not one this user alone may write,
    written for another *stamp*, or one of the files it watches changed.
    """
    import json

    try:
        with open(file, "rb") as source:
            if hasattr(os, "getuid"):  # POSIX; on Windows the folder is the user's own
                status = os.fstat(source.fileno())
                if status.st_uid != os.getuid() or status.st_mode & 0o022:
                    raise PermissionError("not written by this user alone")
            record = json.loads(source.read())
        if not isinstance(record, dict) or any(record.get(k) != v for k, v in stamp.items()):
            logger.debug("entry-point cache %s: written for another state", file)
            return None
        for watched, mtime in record["watch"]:
            if not isinstance(watched, str) or _mtime(watched) != mtime:
                logger.debug("entry-point cache %s: %s changed", file, watched)
                return None
        return _groups(record["entries"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
        logger.debug("entry-point cache %s not used: %r", file, exc)
        return None


def _write_cache(file: str, record: dict[str, Any], started: int) -> None:
    """Write *record* to *file* atomically, readable by the user only.

    A failure is logged at debug level, and the run goes on. A state with a folder or file
    changed since shortly before *started* is not written (see :data:`RACY_NS`).
    """
    mtimes = [mtime for _, mtime in record["path"]] + [mtime for _, mtime in record["watch"]]
    if max(mtimes, default=0) > started - RACY_NS:
        logger.debug("entry-point cache %s not written: a folder changed just now", file)
        return
    import json

    folder = os.path.dirname(file)
    temporary = os.path.join(folder, f".{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        text = json.dumps(record, separators=(",", ":")).encode("ascii")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        with open(os.open(temporary, flags, 0o600), "wb") as target:
            target.write(text)
        os.replace(temporary, file)
    except (OSError, ValueError, TypeError) as exc:
        logger.debug("entry-point cache %s not written: %r", file, exc)
        with contextlib.suppress(OSError):
            os.remove(temporary)


def _mtime(path: str) -> int:
    """The modification time of *path* (0 when it does not exist)."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _scan(found: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows of the cache file, and the files it watches with their modification times.

    *found* is ``importlib.metadata.entry_points()``. A row is one of its ``amparex.*``
    entry points: ``[group, name, value, [module, attr, extras], [distribution name]]``,
    ``[module, attr, extras]`` as importlib.metadata parses the value (``null`` when it
    cannot). Watched are the files whose change no folder's modification time shows: the
    ``entry_points.txt`` of each distribution that declares such entry points, and of each
    whose metadata is not a ``*.dist-info`` folder (an ``*.egg-info`` that ``setup.py
    develop`` rewrites in place).
    """
    from importlib.metadata import distributions

    rows: list[list[Any]] = []
    names: dict[int, list[Any]] = {}  # one METADATA read per distribution
    folders: list[str | None] = []
    for group in sorted(g for g in found.groups if g.startswith("amparex.")):
        for entry in found.select(group=group):
            try:
                reference: list[Any] | None = [entry.module, entry.attr, entry.extras]
            except AttributeError:  # no ``module:attr [extra]``: importlib's error on use
                reference = None
            dist = entry.dist
            if dist is not None and id(dist) not in names:
                names[id(dist)] = [dist.name]
                folders.append(_metadata_folder(dist))
            name = None if dist is None else names[id(dist)]
            rows.append([entry.group, entry.name, entry.value, reference, name])
    eggs = (_metadata_folder(dist) for dist in distributions())
    folders += [f for f in eggs if f is not None and not f.endswith(".dist-info")]
    files = dict.fromkeys(os.path.join(f, "entry_points.txt") for f in folders if f is not None)
    return rows, [[file, _mtime(file)] for file in files]


def _metadata_folder(dist: Any) -> str | None:
    """The metadata folder of an :mod:`importlib.metadata` distribution, if it has one."""
    path = getattr(dist, "_path", None)  # PathDistribution's (not one in a zip file)
    return os.fspath(path) if isinstance(path, os.PathLike) else None


def _groups(rows: list[Any]) -> dict[str, tuple[EntryPointInfo, ...]]:
    """The entry points of the cache file's *rows* by group, in their order.

    Raises:
        ValueError: A row is not one :func:`_scan` makes (a foreign or damaged file).
    """
    groups: dict[str, list[EntryPointInfo]] = {}
    for row in rows:
        match row:
            case [
                str(group),
                str(name),
                str(value),
                (None | [str(), str() | None, list()]) as reference,
                (None | [str() | None]) as dist,
            ] if reference is None or all(isinstance(e, str) for e in reference[2]):
                parsed = None if reference is None else (*reference[:2], tuple(reference[2]))
                owner = None if dist is None else _Distribution(dist[0])
                entry = _EntryPoint(group, name, value, parsed, owner)
                groups.setdefault(group, []).append(entry)
            case _:
                raise ValueError(f"not an entry point: {row!r}")
    return {group: tuple(entries) for group, entries in groups.items()}


class _Distribution:
    """The distribution of an :class:`_EntryPoint`: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str | None) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<distribution {self.name!r}>"


class _EntryPoint:
    """An entry point of the scan or of the cache file: what :class:`EntryPointInfo` says.

    *reference* is ``(module, attr, extras)`` as :mod:`importlib.metadata` parses *value*,
    or ``None`` when it cannot (then each use fails as importlib.metadata's does).
    """

    __slots__ = ("_reference", "dist", "group", "name", "value")

    def __init__(
        self,
        group: str,
        name: str,
        value: str,
        reference: tuple[str, str | None, tuple[str, ...]] | None,
        dist: _Distribution | None,
    ) -> None:
        self.group, self.name, self.value = group, name, value
        self._reference = reference
        self.dist = dist

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"

    def _metadata(self) -> Any:
        """importlib.metadata's entry point of the same value (that it cannot parse)."""
        from importlib.metadata import EntryPoint

        return EntryPoint(self.name, self.value, self.group)

    @property
    def module(self) -> str:
        """The module of the factory."""
        if self._reference is None:
            return str(self._metadata().module)
        return self._reference[0]

    @property
    def attr(self) -> str | None:
        """The factory's attribute in its module (dotted; ``None`` for the module)."""
        if self._reference is None:
            return cast("str | None", self._metadata().attr)
        return self._reference[1]

    @property
    def extras(self) -> list[str]:
        """The extras the entry point names (``[sftp]``)."""
        if self._reference is None:
            return list(self._metadata().extras)
        return list(self._reference[2])

    def load(self) -> Any:
        """Import the module and return the factory, as importlib.metadata does."""
        if self._reference is None:
            return self._metadata().load()
        from importlib import import_module

        found: Any = import_module(self._reference[0])
        for attr in filter(None, (self._reference[1] or "").split(".")):
            found = getattr(found, attr)
        return found
