"""Adapters of the storage port, and :func:`open_storage` to pick one by URL.

:func:`open_storage` finds the adapter of a URL's scheme in the ``amparex.storage`` entry
points (:data:`~amparex_adapters.registry.STORAGE`); amparex-core registers these
(:func:`open_sqlite`, :func:`open_postgres`, :func:`open_memory`):

* ``sqlite:///abs/path.sqlite`` — :class:`~amparex_adapters.storage.sqlite.SqliteStorage`
  on that file (the folder must exist);
* ``sqlite://`` — SQLite in memory, living as long as the object;
* ``postgresql://user@host:port/db`` (or ``postgres://``) —
  :class:`~amparex_adapters.storage.postgres.PostgresStorage` (extra ``postgres``);
* ``memory://`` — :class:`~amparex_adapters.storage.memory.MemoryStorage`.

Options after the URL go to the adapter (:func:`open_storage`): ``schema`` (what opening
does with the schema, :data:`~amparex_adapters.storage.sql.core.SchemaPolicy`) for every
built-in store, ``timeout`` for SQLite and PostgreSQL, and PostgreSQL's pool and session
settings (``min_size``, ``max_size``, ``connect_timeout``, ``application_name``,
``prepare_threshold``; see :class:`~amparex_adapters.storage.postgres.PostgresStorage`).

Adapters are imported only when their URL is opened, so ``import amparex_adapters.storage``
loads no database driver. Another distribution adds a scheme by registering a factory
``factory(url, **options) -> Storage`` under ``amparex.storage`` (see :doc:`/ports`).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from amparex_core.domain.errors import AdapterUnknown, StorageUnavailable

if TYPE_CHECKING:
    from amparex_core.ports.storage import Storage

__all__ = [
    "open_memory",
    "open_postgres",
    "open_sqlite",
    "open_storage",
    "redact_url",
    "split_login",
    "sqlite_file",
]


_URL_HEAD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/{0,2}")


def split_login(url: str) -> tuple[str, str | None, str | None, str, str]:
    """``(scheme part, user, password, rest, query)`` of a URL, malformed ones too.

    *user* is ``None`` when the URL has no login part (no ``@``), *password* is ``None``
    when the login has no ``:``. An ``@`` only after the first ``?`` may end a login whose
    (unencoded) password holds the ``?``: then the login runs to the last ``@`` — masking
    too much rather than showing part of a password. The one parser behind
    :func:`redact_url` and the command's ``config show`` and message scrubbing.

    >>> from amparex_adapters.storage import split_login
    >>> split_login("postgresql://shop:pa?ss@db.example/amparex?sslmode=require")
    ('postgresql://', 'shop', 'pa?ss', 'db.example/amparex', 'sslmode=require')
    >>> split_login("sqlite:///var/lib/amparex.sqlite")
    ('', None, None, 'sqlite:///var/lib/amparex.sqlite', '')
    """
    head, _, query = url.partition("?")
    if "@" not in head:
        if "@" not in query:
            return "", None, None, head, query
        head, _, query = url.rpartition("@")[2].partition("?")
        head = url.rpartition("@")[0] + "@" + head
    login, _, host = head.rpartition("@")
    scheme = _URL_HEAD.match(login)
    start = scheme[0] if scheme else ""
    user, colon, password = login[len(start) :].partition(":")
    return start, user, password if colon else None, host, query


def redact_url(url: str) -> str:
    """*url* fit for messages: no login part (``user:password@``) and no query.

    Works on malformed URLs too (a typo must not put a password into an error):

    >>> from amparex_adapters.storage import redact_url
    >>> redact_url("postgresql:/shop:s3cret@db.example/amparex?password=x")
    'postgresql:/…@db.example/amparex'
    >>> redact_url("postgresql://shop:pa?ss@db.example/amparex")
    'postgresql://…@db.example/amparex'
    >>> redact_url("sqlite:///var/lib/amparex.sqlite")
    'sqlite:///var/lib/amparex.sqlite'
    """
    start, user, _password, rest, _query = split_login(url)
    return rest if user is None else f"{start}…@{rest}"


def open_storage(url: str, **options: Any) -> Storage:
    """Open the store a URL names.

    The URL's scheme is looked up in the ``amparex.storage`` entry points
    (:data:`~amparex_adapters.registry.STORAGE`); the factory registered for it gets the
    whole URL and the *options* (see the module's description for the schemes and
    options amparex-core registers).

    >>> from amparex_adapters.storage import open_storage
    >>> store = open_storage("sqlite://", schema="upgrade")
    >>> store.schema_status().state
    'current'
    >>> store.close()

    Args:
        url: ``sqlite:///abs/path.sqlite``, ``sqlite://``, ``postgresql://…`` or
            ``memory://`` (or a scheme another distribution registers). A SQLite path must
            be absolute (four slashes in all: ``sqlite:////var/lib/amparex/db.sqlite``
            reads as ``/var/lib/…``, and so does ``sqlite:///var/lib/…``) and name its
            file plainly, without ``.`` or ``..`` parts.
        **options: For the adapter; none by default.

    Returns:
        The open store; the caller closes it.

    Raises:
        StorageUnavailable: Not a URL, a scheme no installed adapter has, a relative or
            not plain SQLite path, or a store that cannot be opened.
        StorageSchemaTooOld: A shared store that needs ``amparex db upgrade`` first.
        StorageSchemaTooNew: The store's schema is beyond what this version can use.
        MissingExtraError: The store's extra is not installed.
        TypeError: An option the adapter does not know.
        ValueError: An option's value is out of range.
    """
    from amparex_adapters.registry import STORAGE, StorageFactory

    scheme, sep, _rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise StorageUnavailable(
            store=redact_url(url), reason=f"not a storage URL; use one of {_schemes()}"
        )
    try:
        factory: StorageFactory = STORAGE.load(scheme)
    except AdapterUnknown:
        raise StorageUnavailable(
            store=f"{scheme}://…", reason=f"unknown scheme {scheme!r}; use one of {_schemes()}"
        ) from None
    return factory(url, **options) if options else factory(url)


def _schemes() -> str:
    """The installed storage schemes, for messages: ``memory://, postgres://, …``."""
    from amparex_adapters.registry import STORAGE

    return ", ".join(f"{scheme}://" for scheme in STORAGE.kinds()) or "none (no adapter installed)"


_SQLITE_OPTIONS = frozenset({"timeout", "schema"})
_POSTGRES_OPTIONS = frozenset(
    {
        "timeout",
        "schema",
        "min_size",
        "max_size",
        "connect_timeout",
        "application_name",
        "prepare_threshold",
    }
)


def _only(options: dict[str, Any], known: frozenset[str], store: str) -> None:
    """Refuse options the store does not know (``TypeError`` naming them)."""
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"{store} takes no option {', '.join(unknown)} (it takes {', '.join(sorted(known))})"
        )


def sqlite_file(url: str) -> str | None:
    """The file a ``sqlite:`` URL names, as :func:`open_sqlite` reads it.

    Returns:
        The absolute path; ``None`` for another scheme or SQLite in memory.

    Raises:
        StorageUnavailable: The path is relative or not plain.

    >>> from amparex_adapters.storage import sqlite_file
    >>> sqlite_file("sqlite:///var/lib/amparex/db.sqlite"), sqlite_file("sqlite://")
    ('/var/lib/amparex/db.sqlite', None)
    """
    scheme, _sep, rest = url.partition("://")
    if scheme.lower() != "sqlite":
        return None
    path = urllib.parse.unquote(rest.partition("?")[0])
    if path in ("", "/:memory:", ":memory:"):
        return None
    if not path.startswith("/"):
        raise StorageUnavailable(
            store=redact_url(url),
            reason="a SQLite path must be absolute: sqlite:///abs/path.sqlite",
        )
    if path.startswith("//"):
        path = path[1:]
    if {".", ".."} & set(path.split("/")) or path.endswith("/"):
        # "db.sqlite/." would open db.sqlite; the URL must say which file it means.
        raise StorageUnavailable(
            store=redact_url(url),
            reason="a SQLite path must name its file plainly, without '.' or '..' parts",
        )
    return path


def open_sqlite(url: str, **options: Any) -> Storage:
    """The ``sqlite`` factory of ``amparex.storage``: SQLite on a file, or in memory.

    Options: ``timeout``, ``schema`` (see
    :class:`~amparex_adapters.storage.sqlite.SqliteStorage`).

    Raises:
        StorageUnavailable: The path is relative or not plain, or the file cannot be opened.
        TypeError: An option SQLite does not take (the pool's, for instance).
    """
    from .sqlite import SqliteStorage

    _only(options, _SQLITE_OPTIONS, "SQLite")
    path = sqlite_file(url)
    if path is None:
        return SqliteStorage(**options)
    return SqliteStorage(path, **options)


def open_postgres(url: str, **options: Any) -> Storage:
    """The ``postgresql`` and ``postgres`` factory of ``amparex.storage`` (extra ``postgres``).

    Options: ``timeout``, ``schema``, ``min_size``, ``max_size``, ``connect_timeout``,
    ``application_name``, ``prepare_threshold`` (see
    :class:`~amparex_adapters.storage.postgres.PostgresStorage`).

    Raises:
        StorageUnavailable: The URL is malformed or the server cannot be reached.
        StorageSchemaTooOld: The store needs ``amparex db upgrade`` first.
        MissingExtraError: psycopg is not installed.
        TypeError: An option PostgreSQL does not take.
    """
    from .postgres import PostgresStorage

    _only(options, _POSTGRES_OPTIONS, "PostgreSQL")
    return PostgresStorage(url, **options)


def open_memory(url: str, **options: Any) -> Storage:
    """The ``memory`` factory of ``amparex.storage``: a new, empty in-memory store.

    It has no schema: a ``schema`` option is accepted and changes nothing.

    Raises:
        TypeError: Another option.
    """
    from .memory import MemoryStorage

    _only(options, frozenset({"schema"}), "The memory store")
    return MemoryStorage()
