"""``outbox watch`` benchmarks (issue 14 item 6, LL8): a round in O(new files).

Both sides run the same :class:`~amparex_core.services.OutboxWatcher` on a real folder,
a SQLite store (the upload ledger) and a folder delivery; they differ only in the
folder's history:

``watch_round_10k_vs_0``
    A round in which one new file appears and is uploaded, on a folder holding 10,000
    files uploaded before (each with its ledger row) against the same round on a folder
    without history. Target ratio <= 1.5.
``watch_idle_round_10k_vs_0``
    A round in which nothing changed, 10,000 files of history against none (no listing,
    no ledger read on either side). Target ratio <= 1.5.

Before the timed rounds each watcher has made its first round (untimed), in which it
learned the folder with one set-based ledger query; 0.1.0 paid one query and one
``fstat`` per old file in every round. On a local Linux file system the watcher learns
new names from the folder's change feed (inotify), so neither side lists the folder in a
timed round; on a network share (no feed) a round after a change lists it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from amparex_adapters.exports.folder import SETTLE_SECONDS
from benchmarks._harness import Case, Group, Run


def _chain(work: Path, history: int) -> tuple[Any, Any, Path]:
    """A workstation with *history* uploaded files: its watcher, store and outbox."""
    from zoneinfo import ZoneInfo

    from amparex_adapters.clock.system import SystemClock
    from amparex_adapters.converters import stored
    from amparex_adapters.delivery.folder import FolderDelivery
    from amparex_adapters.exports.folder import FolderExportTarget
    from amparex_adapters.masterdata.memory import MemoryMasterData
    from amparex_adapters.statistics.memory import MemoryStatisticSource
    from amparex_adapters.storage.sqlite import SqliteStorage
    from amparex_core.domain.interfaces import InterfaceKind, LoyaltyLabSettings
    from amparex_core.domain.uploads import FileFacts, UploadRecord, UploadState
    from amparex_core.services import InterfaceService, LoyaltyLab, OutboxWatcher

    outbox, server = work / "outbox", work / "server"
    outbox.mkdir(mode=0o700)
    server.mkdir(mode=0o700)
    store = SqliteStorage(work / "amparex.sqlite")
    exports = FolderExportTarget()
    delivery = FolderDelivery(server)
    interfaces = InterfaceService(store, exports=exports)
    interfaces.configure(
        InterfaceKind.LOYALTY_LAB,
        LoyaltyLabSettings(customer_number="4711", directory=str(outbox)),
        workstation="WS-01",
    )
    now = dt.datetime.now(dt.UTC)
    facts = FileFacts(size=1, sha256=hashlib.sha256(b"x").hexdigest())
    rows = []
    for n in range(history):
        name = f"4711_customers_old{n:06d}.csv"
        (outbox / name).write_bytes(b"x")
        record = UploadRecord(delivery.destination, name, facts, UploadState.UPLOADED, now, now)
        rows.append((delivery.destination, name, "uploaded", stored.encode(record)))
    if rows:
        store.write(
            lambda cur: [cur.execute("INSERT INTO uploads VALUES (?, ?, ?, ?)", r) for r in rows]
        )
    lab = LoyaltyLab(
        interfaces=interfaces,
        masterdata=MemoryMasterData(),
        statistics=MemoryStatisticSource(),
        exports=exports,
        ledger=store,
        clock=SystemClock(),
        tz=ZoneInfo("Europe/Berlin"),
        delivery_for=lambda _config: delivery,
    )
    watcher = OutboxWatcher(lab, branch=None, workstation="WS-01")
    return watcher, store, outbox


def watch_cases(run: Run) -> Iterator[Case]:
    """A round with one new file, and an idle round, with and without history."""
    history = run.scaled(10_000, 100)
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        work = Path(tmp)
        (work / "big").mkdir()
        (work / "none").mkdir()
        big, big_store, big_outbox = _chain(work / "big", history)
        none, none_store, none_outbox = _chain(work / "none", 0)
        try:
            counter = itertools.count()
            sent: dict[str, list[str]] = {"big": [], "none": []}

            def new_file(outbox: Path) -> None:
                (outbox / f"4711_customers_new{next(counter):06d}.csv").write_bytes(b"new\r\n")

            def round_of(watcher: Any, outbox: Path, side: str) -> None:
                new_file(outbox)  # the same small write on both sides
                sent[side] += [r.name for r in watcher.round()]

            def check() -> None:
                for side, names in sent.items():
                    if len(names) != len(set(names)):
                        raise AssertionError(f"{side}: a file was uploaded twice")
                    if not names:
                        raise AssertionError(f"{side}: nothing was uploaded")

            big.round()  # the first round of each watcher learns its folder (untimed)
            none.round()
            yield Case(
                "watch_round_10k_vs_0",
                "the same watch round on a folder without history",
                lambda: round_of(big, big_outbox, "big"),
                lambda: round_of(none, none_outbox, "none"),
                target=1.5,
                check=check,
                params={"history": history},
                note="one new file per round, uploaded into a folder; SQLite ledger",
            )
            time.sleep(SETTLE_SECONDS + 0.2)  # the folders' last change must be settled
            idle_rounds = run.scaled(200, 20)
            yield Case(
                "watch_idle_round_10k_vs_0",
                "the same idle round on a folder without history",
                big.round,
                none.round,
                inner=idle_rounds,
                warmup=1,
                target=1.5,
                params={"history": history, "rounds_per_side": idle_rounds},
                note="nothing new: one stat per folder, no listing, no ledger read",
            )
        finally:
            big_store.close()
            none_store.close()


GROUPS = (Group(("watch_round_10k_vs_0", "watch_idle_round_10k_vs_0"), watch_cases),)
