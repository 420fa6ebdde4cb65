"""Write the golden files of one released version: ``python -m tests.golden.make_golden``.

The files pin what a version writes: the stored documents of the SQL stores, the
master-data documents and bundle records, the ``--json`` output of the command, the
schema steps and a small SQLite database (as SQL text). ``tests/unit/test_golden_formats.py``
and ``tests/integration/storage/test_golden_database.py`` read them with today's code.

**A version's folder is written once, by the code of that version, and never again.**
The script refuses to write into a folder that exists; the files of ``0.1.0`` were made
by the 0.1.0 code (``storage/_codec.py``, ``cli/output.py``, ``masterdata/bundle.py`` as
they were then) in the commit "golden files written by 0.1.0". If a format must change,
the change is deliberate: write the next version's folder and keep reading the old ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amparex_core import __version__

HERE = Path(__file__).resolve().parent


def _writers() -> dict[str, Callable[..., str]]:
    """How each family's text is made, with the code of this checkout.

    0.1.0 wrote ``stored/*`` with ``storage/_codec.py`` (``codec.dump(codec.X_to_json(obj))``);
    today the same text comes from :func:`amparex_adapters.converters.stored.encode`.
    """
    from amparex_adapters.cli import output
    from amparex_adapters.converters import stored
    from amparex_adapters.masterdata.bundle import record_of

    def bundle(item: Any) -> str:
        return json.dumps(record_of(item), ensure_ascii=False, indent=2)

    return {
        "stored": stored.encode,
        "masterdata": _masterdata_document,
        "bundle": bundle,
        "output/interface": lambda o: output.dumps(output.interface_json(o)),
        "output/template": lambda o: output.dumps(output.template_json(o)),
        "output/order": lambda o, currency: output.dumps(output.order_json(o, currency)),
        "output/card": lambda o: output.dumps(output.card_json(o)),
        "output/export": lambda o, lang: output.dumps(output.export_json(o, lang)),
        "output/upload": lambda o, lang: output.dumps(output.upload_json(o, lang)),
        "output/batch": lambda o, lang: output.dumps(output.batch_json(o, lang)),
    }


def writer_of(family: str) -> Callable[..., str]:
    """The writer of *family* (``masterdata/branches`` uses ``masterdata``)."""
    writers = _writers()
    return writers.get(family) or writers[family.split("/")[0]]


def _masterdata_document(item: Any) -> str:
    """The ``data`` column the SQL master data writes for *item* (through a real store)."""
    from amparex_adapters.masterdata.bundle import section_of
    from amparex_adapters.masterdata.sql import SqlMasterData
    from amparex_adapters.storage.sqlite import SqliteStorage

    store = SqliteStorage()
    try:
        SqlMasterData(store).add(item)
        conn: sqlite3.Connection = store._conn
        row = conn.execute(
            f"SELECT data FROM md_{section_of(item)} WHERE id = ?",
            (item.id,),
        ).fetchone()
        return str(row[0])
    finally:
        store.close()


def _database_dump() -> str:
    """A small SQLite store of this version with rows in every table, as SQL text."""
    import attrs

    from amparex_adapters.masterdata.sql import SqlMasterData
    from amparex_adapters.storage.sqlite import SqliteStorage
    from amparex_core.domain.orders import BatchStatus, OrderStatus
    from tests.golden import cases as c

    delivered = c.BATCH_DELIVERED
    assert delivered.delivered_at is not None
    assert delivered.receipt is not None
    assert c.CARD_UID.uid is not None
    assert c.CARD_BLOCKED.blocked_at is not None
    assert c.UPLOAD_DONE.uploaded_at is not None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "store.sqlite"
        store = SqliteStorage(path)
        try:
            for config in (c.CARD_ORDER_FULL, c.CARD_ORDER_EMPTY, c.LOYALTY_ALL, c.LOYALTY_SOME):
                store.add_interface(config)
            for template in (c.BASIS, c.GOLD, c.STAFF):
                store.add_template(template)
            for order in (c.ORDER_PENDING, c.ORDER_VALID, c.ORDER_STAFF):
                store.add_order(order)
            store.update_order(c.ORDER_CANCELLED, expected=OrderStatus.PENDING)
            store.create_batch(c.BATCH_OPEN, [attrs.evolve(c.CARD_BLOCKED, blocked_at=None)])
            store.block_card(c.CARD_BLOCKED.number, at=c.CARD_BLOCKED.blocked_at)
            opened = attrs.evolve(
                delivered,
                order_ids=("O-2",),
                status=BatchStatus.OPEN,
                delivered_at=None,
                receipt=None,
            )
            store.create_batch(opened, [attrs.evolve(c.CARD_UID, uid=None)])
            store.mark_batch_delivered(
                delivered.id, at=delivered.delivered_at, receipt=delivered.receipt
            )
            store.set_card_uid(c.CARD_UID.number, c.CARD_UID.uid)
            store.add_card(c.CARD_PLAIN)
            store.add_card(c.CARD_EXPIRED)
            for _ in range(3):
                store.next_serial("cards")
            store.next_serial("batches")
            for record in (c.UPLOAD_CLAIMED, c.UPLOAD_DONE):
                store.claim_upload(
                    record.destination,
                    record.name,
                    record.facts,
                    now=record.claimed_at,
                    lease=dt.timedelta(minutes=10),
                )
            store.complete_upload(
                c.UPLOAD_DONE.destination,
                c.UPLOAD_DONE.name,
                receipt=str(c.UPLOAD_DONE.receipt),
                now=c.UPLOAD_DONE.uploaded_at,
            )
            SqlMasterData(store).add(*(i for items in c.MASTER_ITEMS.values() for i in items))
        finally:
            store.close()
        conn = sqlite3.connect(path)
        try:
            return "\n".join(conn.iterdump()) + "\n"
        finally:
            conn.close()


def _migrations() -> str:
    """The schema steps of this version, one list of statements per version."""
    from amparex_adapters.storage.sql import migrations

    steps = [list(step) for step in migrations()]
    return json.dumps(steps, ensure_ascii=False, indent=2) + "\n"


def write(version: str) -> Path:
    """Write every golden file of *version*; refuse when its folder exists."""
    from tests.golden.cases import CASES

    folder = HERE / version
    if folder.exists():
        raise SystemExit(f"{folder} exists: golden files are written once and never again")
    for case in CASES:
        path = folder / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        text = writer_of(case.family)(case.obj, *case.args)
        path.write_bytes(text.encode("utf-8"))
    (folder / "schema").mkdir()
    (folder / "schema" / "migrations.json").write_bytes(_migrations().encode("utf-8"))
    (folder / "schema" / "store.sqlite.sql").write_bytes(_database_dump().encode("utf-8"))
    return folder


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the folder."""
    parser = argparse.ArgumentParser(prog="python -m tests.golden.make_golden")
    parser.add_argument("--version", default=__version__, help="the folder (default: %(default)s)")
    args = parser.parse_args(argv)
    folder = write(args.version)
    print(f"wrote {sum(1 for p in folder.rglob('*') if p.is_file())} files into {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
