"""The demo's own folder: its marks, and the refusal of what it did not create.

Private to :mod:`amparex_adapters.cli.demo`. The demo's configuration starts with
:data:`DEMO_MARK`; its database carries a ``demo_info`` table from the moment it is
created (``created``) and once its chain is built (``seeded``).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Final

from .errors import DemoRefused

__all__ = ["DEMO_MARK", "demo_store", "is_seeded", "mark_created", "mark_seeded", "refuse_foreign"]

DEMO_MARK: Final = "# The configuration of the amparex demo"
"""The first line of the demo's ``amparex.toml``."""


def is_seeded(path: Path) -> bool:
    """Whether the demo's chain was built in the database *path* (its ``seeded`` mark)."""
    if not path.exists():
        return False
    connection = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'demo_info'"
        ).fetchone()
        if row is None:
            return False
        done = connection.execute("SELECT value FROM demo_info WHERE key = 'seeded'").fetchone()
        return done is not None
    finally:
        connection.close()


def demo_store(path: Path) -> bool:
    """Whether the SQLite file *path* carries the demo's mark (its ``demo_info`` table).

    The file is only read: without a write-ahead log beside it, it is opened as immutable,
    so not even SQLite's shared-memory file appears next to a foreign database.
    """
    wal = path.with_name(path.name + "-wal")
    how = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?{how}", uri=True)
    except sqlite3.Error:  # pragma: no cover - read-only opening of an existing file
        return False
    try:
        row = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'demo_info'"
        ).fetchone()
    except sqlite3.DatabaseError:  # not a SQLite database at all
        return False
    finally:
        connection.close()
    return row is not None


def refuse_foreign(directory: Path) -> None:
    """Refuse a demo folder holding what the demo did not create; nothing is written.

    The demo's own are an ``amparex.toml`` starting with the demo's mark that names the
    folder's ``amparex.sqlite`` as its store (and statistics database), and an
    ``amparex.sqlite`` with the demo's ``demo_info`` table.

    Raises:
        DemoRefused: A foreign configuration, a configuration naming another store, or a
            database without the demo's mark.
        ConfigInvalid: The demo's configuration was edited into a broken one.
    """
    from amparex_adapters.storage import redact_url

    from .config import Config, load_config

    config_file = directory / "amparex.toml"
    database = directory / "amparex.sqlite"
    if config_file.exists():
        if not config_file.read_text(encoding="utf-8").startswith(DEMO_MARK):
            raise DemoRefused(directory=str(directory), file="an amparex.toml")
        config = load_config(config_file)
        own = Config(base=directory).storage_url
        for url in (config.storage_url, config.statistics_url):
            if url != own:
                raise DemoRefused(
                    directory=str(directory),
                    file=f"an amparex.toml naming the database {redact_url(url)}",
                )
    if database.exists() and not demo_store(database):
        raise DemoRefused(directory=str(directory), file="the database amparex.sqlite")


def mark_created(path: Path, at: dt.datetime) -> None:
    """Create the demo's database with its mark, readable by its owner only, if missing."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS demo_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            connection.execute("INSERT INTO demo_info VALUES ('created', ?)", (at.isoformat(),))
    finally:
        connection.close()


def mark_seeded(path: Path, at: dt.datetime) -> None:
    """Mark the demo's chain as built in the database *path*."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(
                "INSERT OR REPLACE INTO demo_info VALUES ('seeded', ?)", (at.isoformat(),)
            )
    finally:
        connection.close()
