r"""Where the openers find adapters: one registry per adapter family, filled from entry points.

Every adapter family has one opener (:func:`~amparex_adapters.storage.open_storage`,
:func:`~amparex_adapters.delivery.open_file_delivery`, …). The opener looks the kind it is
asked for up in its family's :class:`Registry`, which reads the family's entry-point group
(:mod:`importlib.metadata`) when it is asked — never at import, so
``import amparex_adapters.storage`` loads no driver. An entry point's *name* is the kind (or
the URL scheme), its *object* the factory that builds the adapter. amparex-core registers
its own adapters exactly so, in its ``pyproject.toml``; another distribution adds a kind
by declaring an entry point in the same group, without touching this project:

======================  ==========  ==================================  ====================
group                   name        factory called as                   returns
======================  ==========  ==================================  ====================
``amparex.storage``     URL scheme  ``factory(url, **options)``         ``Storage``
``amparex.statistics``  URL scheme  ``factory(url)``                    ``StatisticSource``
``amparex.delivery``    kind        ``factory(**options)``              ``FileDelivery``
``amparex.parcels``     kind        ``factory(**options)``              ``ParcelDelivery``
``amparex.readers``     kind        ``factory(arg, **options)``         ``CardReader``
``amparex.masterdata``  kind        ``factory(*, storage, **options)``  ``MasterData``
``amparex.documents``   kind        ``factory(**options)``              ``DocumentRenderer``
======================  ==========  ==================================  ====================

The protocols below (:class:`StorageFactory` …) spell the signatures out. A factory may be
a class (its constructor) or a function. It validates its options itself, raising
:class:`ValueError` or :class:`TypeError` for a bad or unknown one (the ``amparex`` command
reports those as ``config.invalid``), or an
:class:`~amparex_core.domain.errors.AmparexError`.

An entry point may name the extra its adapter needs (``"…:SftpDelivery [sftp]"``): when
the module cannot be imported because a library of that extra is missing, loading raises
:class:`~amparex_adapters._extras.MissingExtraError`, which names the extra. A kind nobody
registered is :class:`~amparex_core.domain.errors.AdapterUnknown` (``adapter.unknown``),
which lists the kinds installed. When two distributions register the same name in a group,
the one found first on :data:`sys.path` is used (as with imports) and a warning names both.

Reading every installed distribution's metadata costs milliseconds — importing
:mod:`importlib.metadata` alone about ten — at every start of a program. So what a scan
found is kept in a cache file, with the state it found it in: the entries of
:data:`sys.path` and their folders' modification times, the interpreter, and the
``entry_points.txt`` of each distribution that declares ``amparex.*`` entry points (and of
each ``*.egg-info``) with its own. A process that starts in the same state reads the file
and imports no :mod:`importlib.metadata`; installing or removing a distribution changes its
folder's time, so the next process scans again and rewrites the file. The entry points
are the same either way, in the same order. The file is ``entry-points-<hash>.json``, one
per interpreter, in the folder the environment variable ``AMPAREX_CACHE_DIR`` names, else
in the user's cache folder: ``$XDG_CACHE_HOME/amparex`` (``~/.cache/amparex``) on Linux,
``~/Library/Caches/amparex`` on macOS, ``%LOCALAPPDATA%\amparex\Cache`` on Windows. Only
its owner may read it. A file that is damaged, of another format, or that others may write
is ignored and written anew; where no file can be written, every start scans, as without
the cache. Deleting the file is always safe.

>>> from amparex_adapters.registry import FILE_DELIVERY
>>> FILE_DELIVERY.group
'amparex.delivery'
>>> {"folder", "sftp", "ftp", "ftps"} <= set(FILE_DELIVERY.kinds())
True
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from amparex_adapters._extras import MissingExtraError
from amparex_core.domain.errors import AdapterUnknown

if TYPE_CHECKING:
    from amparex_core.ports.delivery import FileDelivery, ParcelDelivery
    from amparex_core.ports.documents import DocumentRenderer
    from amparex_core.ports.masterdata import MasterData
    from amparex_core.ports.readers import CardReader
    from amparex_core.ports.statistics import StatisticSource
    from amparex_core.ports.storage import Storage

__all__ = [
    "DOCUMENTS",
    "FILE_DELIVERY",
    "MASTERDATA",
    "PARCEL_DELIVERY",
    "READERS",
    "REGISTRIES",
    "STATISTICS",
    "STORAGE",
    "EntryPointInfo",
    "FileDeliveryFactory",
    "MasterDataFactory",
    "ParcelDeliveryFactory",
    "ReaderFactory",
    "Registry",
    "RendererFactory",
    "StatisticsFactory",
    "StorageFactory",
]

logger = logging.getLogger(__name__)


class EntryPointInfo(Protocol):
    """What a registry gives of an entry point: what an importlib.metadata one gives.

    Its name, value, module, extras and ``load()`` as :mod:`importlib.metadata`'s
    ``EntryPoint`` gives them, whether scanned or read from the cache file.
    """

    @property
    def name(self) -> str:
        """The kind (or URL scheme): the entry point's name."""
        ...

    @property
    def value(self) -> str:
        """The object reference as declared: ``module:attr [extra]``."""
        ...

    @property
    def module(self) -> str:
        """The module of the factory."""
        ...

    @property
    def extras(self) -> list[str]:
        """The extras the entry point names (``[sftp]``)."""
        ...

    @property
    def dist(self) -> Any:
        """The distribution that declares it, if known: an object with its ``name``."""
        ...

    def load(self) -> Any:
        """Import the module and return the factory."""
        ...


class StorageFactory(Protocol):
    """An ``amparex.storage`` entry point: opens the store a URL of its scheme names."""

    def __call__(self, url: str, /, **options: Any) -> Storage:
        """Open the store *url* names (the whole URL, scheme included); the caller closes it.

        *options* are those :func:`~amparex_adapters.storage.open_storage` was given (none
        unless the caller or the configuration set some); a factory refuses one it does
        not know with :class:`TypeError` or :class:`ValueError`.
        """
        ...


class StatisticsFactory(Protocol):
    """An ``amparex.statistics`` entry point: a statistic source on the database of a URL."""

    def __call__(self, url: str, /) -> StatisticSource:
        """A source that runs statistic templates on the database *url* names."""
        ...


class FileDeliveryFactory(Protocol):
    """An ``amparex.delivery`` entry point: a file delivery from its options.

    The ``amparex`` command passes the keys of its configuration section
    (``[loyalty_lab.upload]``, or ``[card_order.delivery]`` with ``kind = "files"``)
    except ``kind`` (and ``transport``), and the secrets ``password`` and ``passphrase``
    as :class:`~amparex_core.domain.secret.Secret` when they are set.
    """

    def __call__(self, **options: Any) -> FileDelivery:
        """The delivery; :class:`ValueError` or :class:`TypeError` for a bad option."""
        ...


class ParcelDeliveryFactory(Protocol):
    """An ``amparex.parcels`` entry point: a parcel delivery from its options.

    The ``amparex`` command passes the keys of ``[card_order.delivery]`` except ``kind``,
    and the secrets as for a :class:`FileDeliveryFactory`.
    """

    def __call__(self, **options: Any) -> ParcelDelivery:
        """The delivery; :class:`ValueError` or :class:`TypeError` for a bad option."""
        ...


class ReaderFactory(Protocol):
    """An ``amparex.readers`` entry point: a card reader from the part of a reader spec.

    A spec is ``KIND`` or ``KIND:ARG`` (``pcsc:OMNIKEY``, ``nfc:usb``); the factory gets
    *arg* (``None`` when the spec has none) and the reader's options.
    """

    def __call__(self, arg: str | None, /, **options: Any) -> CardReader:
        """The reader; :class:`ValueError` or :class:`TypeError` for a bad argument."""
        ...


class MasterDataFactory(Protocol):
    """An ``amparex.masterdata`` entry point: master data, next to the open store."""

    def __call__(self, *, storage: Storage, **options: Any) -> MasterData:
        """The master data; *storage* is the store the host (or the command) opened."""
        ...


class RendererFactory(Protocol):
    """An ``amparex.documents`` entry point: a document renderer."""

    def __call__(self, **options: Any) -> DocumentRenderer:
        """The renderer; :class:`ValueError` or :class:`TypeError` for a bad option."""
        ...


def _is_module_or_parent(name: str | None, module: str) -> bool:
    """Whether the missing module *name* is *module* itself or a package it lives in."""
    return bool(name) and (name == module or module.startswith(f"{name}."))


_SCAN: tuple[tuple[tuple[str, int], ...], dict[str, tuple[EntryPointInfo, ...]]] | None = None


def _installed() -> dict[str, tuple[EntryPointInfo, ...]]:
    """The installed distributions' ``amparex.*`` entry points by group.

    In the order of :func:`importlib.metadata.entry_points` (the first distribution on
    :data:`sys.path` first). Reading every distribution's metadata costs milliseconds: one
    scan serves every opener of a run, and is made again when :data:`sys.path` or one of
    its folders changed (a distribution installed or removed meanwhile). Between runs it
    is kept in the cache file (:mod:`amparex_adapters._entry_points`), so a run that finds
    the same state imports no :mod:`importlib.metadata` at all.
    """
    global _SCAN  # noqa: PLW0603 - one scan per process and state of sys.path
    started = time.time_ns()  # before the stats (see RACY_NS of the cache)
    key = _path_state()
    if _SCAN is None or _SCAN[0] != key:
        from amparex_adapters._entry_points import installed

        _SCAN = (key, installed(key, started))
    return _SCAN[1]


def _path_state() -> tuple[tuple[str, int], ...]:
    """:data:`sys.path` with each folder's modification time (0 when it is none)."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, 0))
    return tuple(state)


class Registry:
    """The kinds of one adapter family, as the entry points of its group declare them.

    Nothing is read when the registry is made: each call looks at the distributions on
    :data:`sys.path` as they are then (:mod:`importlib.metadata` keeps that cheap), so a
    distribution installed while the process runs is seen by the next opener call.

    Args:
        family: The family's short name; the group is ``amparex.<family>``.
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self.group = f"amparex.{family}"
        self._warned: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        return f"Registry({self.group!r})"

    def entry_points(self) -> dict[str, EntryPointInfo]:
        """The installed kinds and their entry points, the first on :data:`sys.path` first.

        A second entry point of the same name from another distribution is left out,
        with a warning (once per process) that names both.
        """
        found: dict[str, EntryPointInfo] = {}
        for entry in _installed().get(self.group, ()):
            first = found.get(entry.name)
            if first is None:
                found[entry.name] = entry
            elif first.value != entry.value and (entry.name, entry.value) not in self._warned:
                self._warned.add((entry.name, entry.value))
                logger.warning(
                    "%s: the kind %r is registered twice; using %s (%s), not %s (%s)",
                    self.group,
                    entry.name,
                    first.value,
                    _distribution(first),
                    entry.value,
                    _distribution(entry),
                )
        return found

    def kinds(self) -> tuple[str, ...]:
        """The names of the installed kinds, sorted."""
        return tuple(sorted(self.entry_points()))

    def entry_point(self, kind: str) -> EntryPointInfo:
        """The entry point of *kind*.

        Raises:
            AdapterUnknown: No installed distribution registers *kind* in this group.
        """
        found = self.entry_points()
        entry = found.get(kind)
        if entry is None:
            raise AdapterUnknown(family=self.family, kind=kind, installed=tuple(sorted(found)))
        return entry

    def extra(self, kind: str) -> str | None:
        """The extra the entry point of *kind* names (``[sftp]``), if any.

        Raises:
            AdapterUnknown: *kind* is not installed.
        """
        extras = self.entry_point(kind).extras
        return extras[0] if extras else None

    def load(self, kind: str) -> Callable[..., Any]:
        """Import the factory of *kind* (see the protocols above for how it is called).

        Raises:
            AdapterUnknown: *kind* is not installed.
            MissingExtraError: A library of the extra the entry point names is missing.
            ImportError: The adapter's module itself cannot be imported (a broken
                installation); :class:`ModuleNotFoundError` names the module.
        """
        entry = self.entry_point(kind)
        try:
            factory: Callable[..., Any] = entry.load()
            return factory
        except MissingExtraError:
            raise
        except ModuleNotFoundError as exc:
            if entry.extras and not _is_module_or_parent(exc.name, entry.module):
                extra = entry.extras[0]
                raise MissingExtraError(
                    f"the {self.family} adapter {kind!r} needs {exc.name!r}: "
                    f'pip install "{_distribution(entry)}[{extra}]"'
                ) from exc
            raise


def _distribution(entry: EntryPointInfo) -> str:
    """The name of the distribution that declares *entry* (``?`` when unknown)."""
    dist = getattr(entry, "dist", None)
    return str(dist.name) if dist is not None else "?"


STORAGE = Registry("storage")
"""Stores by URL scheme (``amparex.storage``): sqlite, postgresql, postgres, memory."""

STATISTICS = Registry("statistics")
"""Statistic sources by URL scheme (``amparex.statistics``): sqlite, postgresql, postgres."""

FILE_DELIVERY = Registry("delivery")
"""File deliveries by kind (``amparex.delivery``): folder, sftp, ftp, ftps, memory."""

PARCEL_DELIVERY = Registry("parcels")
"""Parcel deliveries by kind (``amparex.parcels``): smtp, files, folder, memory."""

READERS = Registry("readers")
"""Card readers by kind (``amparex.readers``): pcsc, nfc, scripted."""

MASTERDATA = Registry("masterdata")
"""Master data by kind (``amparex.masterdata``): store, memory."""

DOCUMENTS = Registry("documents")
"""Document renderers by kind (``amparex.documents``): pdf, text."""

REGISTRIES: tuple[Registry, ...] = (
    STORAGE,
    STATISTICS,
    FILE_DELIVERY,
    PARCEL_DELIVERY,
    READERS,
    MASTERDATA,
    DOCUMENTS,
)
"""Every family's registry."""
