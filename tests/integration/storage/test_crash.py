"""A writer killed with SIGKILL in the middle of a transaction leaves a consistent SQLite store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.orders import OrderStatus
from tests.integration.storage import builders as b

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ORDERS = 60


def test_CO13_sigkill_mid_transaction_leaves_a_consistent_store(tmp_path: Path) -> None:
    """Every acknowledged order survives; the killed batch left no trace (all or nothing)."""
    db = tmp_path / "crash.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.storage.kill_writer", str(db), str(ORDERS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    wal_sizes: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("committed "):
                acknowledged.append(int(line.split()[1]))
            if line.startswith("wal "):
                wal_sizes.append(int(line.split()[1]))
            if line.strip() == "mid-transaction":
                os.kill(child.pid, signal.SIGKILL)
                break
        else:
            pytest.fail("the writer ended without reaching the middle of its transaction")
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert acknowledged == list(range(ORDERS))
    # uncommitted pages of the killed transaction had reached the WAL file
    assert len(wal_sizes) == 2
    assert wal_sizes[1] > wal_sizes[0]

    store = SqliteStorage(db)
    try:
        assert store.integrity_check() == ["ok"]
        # the model: every acknowledged order, pending; no batch, no card
        orders = store.list_orders()
        assert [o.id for o in orders] == [f"O-{i:04d}" for i in range(ORDERS)]
        assert all(o.status is OrderStatus.PENDING and o.batch_id is None for o in orders)
        assert store.list_batches() == []
        assert store.list_cards() == []
        assert store.get_batch("B-1") is None
        # and the store goes on working
        ids = [o.id for o in orders]
        assert store.create_batch(b.batch("B-1", 1, ids), [b.card("K-00000")])
        assert {o.status for o in store.list_orders()} == {OrderStatus.BATCHED}
        assert store.integrity_check() == ["ok"]
    finally:
        store.close()
