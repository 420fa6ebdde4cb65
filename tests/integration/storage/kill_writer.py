"""A writer process for the SIGKILL test: ``python -m tests.integration.storage.kill_writer DB N``.

It commits *N* orders one by one, printing ``committed <i>`` after each, then starts one
large ``create_batch`` transaction (every order, 3,000 cards) with a tiny page cache, so
that uncommitted pages spill into the WAL file. Deep inside that transaction it prints
the size of the WAL file and ``mid-transaction`` and stops, waiting to be killed.
"""

from __future__ import annotations

import os
import sys
import time

from amparex_adapters.storage.sqlite import SqliteStorage
from tests.integration.storage import builders as b


def main(path: str, count: int) -> None:
    store = SqliteStorage(path)
    for i in range(count):
        store.add_order(b.order(f"O-{i:04d}", f"P-{i}"))
        print(f"committed {i}", flush=True)
    conn = store._conn
    conn.execute("PRAGMA cache_size = 8")
    print(f"wal {os.path.getsize(path + '-wal')}", flush=True)
    calls = 0

    def progress() -> int:
        nonlocal calls
        calls += conn.in_transaction
        if calls >= 40:
            print(f"wal {os.path.getsize(path + '-wal')}", flush=True)
            print("mid-transaction", flush=True)
            time.sleep(120)
        return 0

    conn.set_progress_handler(progress, 1000)
    cards = [b.card(f"K-{i:05d}") for i in range(3000)]
    store.create_batch(b.batch("B-1", 1, [f"O-{i:04d}" for i in range(count)]), cards)
    print("batch stored", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
