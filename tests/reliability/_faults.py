"""Rigs and checks shared by the fault tests (tests/reliability/test_faults_*.py).

:class:`LoyaltyRig` wires the Loyalty Lab start-up job on real adapters: SQL statistics on a
SQLite database, a real export folder (:class:`FolderExportTarget` or a subclass), a store
opened by URL (SQLite or PostgreSQL) holding configurations and the upload ledger, and any
file delivery. :class:`OrderRig` wires card ordering the same way on the chain of
``tests/world.py`` with any parcel delivery. The ``check_*`` functions state what must hold
after a fault, comparing the store with what the peer actually holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from amparex_adapters.clock.manual import ManualClock
from amparex_adapters.delivery.files import README_NAME
from amparex_adapters.exports.folder import TEMP_PREFIX, FolderExportTarget
from amparex_adapters.masterdata.memory import MemoryMasterData
from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_adapters.storage import open_storage
from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.masterdata import Customer, FileFormat, StatisticTemplate
from amparex_core.domain.orders import BatchStatus, OrderStatus
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import ShippingInterval
from amparex_core.domain.uploads import UploadState
from amparex_core.ports.delivery import FileDelivery, ParcelDelivery
from amparex_core.ports.storage import Storage
from amparex_core.services import InterfaceService, LoyaltyLab, OrderService
from amparex_core.services.loyalty_lab import StartupReport
from tests.plugins.smtp_server import ReceivedMail
from tests.world import BERLIN, World, address

__all__ = [
    "LoyaltyRig",
    "OrderRig",
    "check_files_parcels",
    "check_mailed_batches",
    "check_orders",
    "check_uploads",
    "make_stammdaten",
]

START = dt.datetime(2026, 11, 23, 7, 45, tzinfo=BERLIN)
ROW = "{i};Kundin {i} Müller-Lüdenscheidt;Lindenweg {i};70173 Stuttgart;{amount}"


def make_stammdaten(path: Path, rows: dict[StatisticKind, int]) -> Path:
    """A SQLite database with one table per statistic, about 80 bytes of CSV per row."""
    with sqlite3.connect(path) as con:
        for kind, count in rows.items():
            con.execute(
                f"CREATE TABLE {kind.value} (nr INTEGER, name TEXT, strasse TEXT, ort TEXT, "
                "betrag REAL)"
            )
            con.executemany(
                f"INSERT INTO {kind.value} VALUES (?, ?, ?, ?, ?)",
                [
                    (i, f"Kundin {i} Müller-Lüdenscheidt", f"Lindenweg {i}", "Stuttgart", i * 2.5)
                    for i in range(count)
                ],
            )
    con.close()
    return path


class LoyaltyRig:
    """One workstation's Loyalty Lab start-up job on real adapters.

    Args:
        directory: The export folder (created when missing).
        stammdaten: The statistics database (:func:`make_stammdaten`).
        store_url: The store holding configurations and the upload ledger.
        delivery: Where uploads go (``None``: export only).
        exports: The export target; a plain :class:`FolderExportTarget` by default.
        now: The clock's time.
        lease: How long a claimed upload is protected.
    """

    def __init__(
        self,
        directory: Path,
        stammdaten: Path,
        store_url: str,
        delivery: FileDelivery | None,
        *,
        exports: FolderExportTarget | None = None,
        now: dt.datetime = START,
        lease: dt.timedelta = dt.timedelta(minutes=30),
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.stammdaten = stammdaten
        self.store: Storage = open_storage(store_url)
        self.masterdata = MemoryMasterData()
        for kind in StatisticKind:
            self.masterdata.add(
                StatisticTemplate(
                    id=f"st-{kind.value}",
                    name=kind.german,
                    file_format=FileFormat.CSV,
                    query=f"SELECT * FROM {kind.value} ORDER BY nr",
                )
            )
        self.exports = exports if exports is not None else FolderExportTarget()
        self.interfaces = InterfaceService(
            self.store, masterdata=self.masterdata, exports=self.exports
        )
        self.clock = ManualClock(now)
        self.delivery = delivery
        deliver: Callable[[InterfaceConfig], FileDelivery] | None = None
        if delivery is not None:

            def deliver(_config: InterfaceConfig) -> FileDelivery:
                return delivery

        self.service = LoyaltyLab(
            interfaces=self.interfaces,
            masterdata=self.masterdata,
            statistics=SqlStatisticSource(lambda: sqlite3.connect(self.stammdaten)),
            exports=self.exports,
            ledger=self.store,
            clock=self.clock,
            tz=BERLIN,
            delivery_for=deliver,
            lease=lease,
        )

    def configure(self) -> str:
        """Configure Loyalty Lab with the four statistics on KASSE-1; returns its ID."""
        config = self.interfaces.configure(
            InterfaceKind.LOYALTY_LAB,
            LoyaltyLabSettings(
                customer_number="4711",
                directory=str(self.directory),
                statistics={kind: f"st-{kind.value}" for kind in StatisticKind},
            ),
            workstation="KASSE-1",
        )
        return config.id

    @property
    def destination(self) -> str:
        """The ledger's destination: the delivery's server and folder (LL8)."""
        assert self.delivery is not None, "a rig without delivery has no ledger"
        return self.delivery.destination

    def start(self) -> StartupReport:
        """One program start: export, then upload (LL5-LL8)."""
        return self.service.start(branch=None, workstation="KASSE-1")

    def local_files(self) -> dict[str, bytes]:
        """The complete export files (temp files left out)."""
        return self.local_files_of(self.directory)

    @staticmethod
    def local_files_of(directory: Path) -> dict[str, bytes]:
        """The complete export files in *directory* (temp files left out)."""
        return {
            p.name: p.read_bytes()
            for p in sorted(directory.iterdir())
            if not p.name.startswith(TEMP_PREFIX)
        }

    def close(self) -> None:
        """Close the store and the delivery's connection."""
        close = getattr(self.delivery, "close", None)
        if close is not None:
            close()
        self.store.close()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_REMOTE_TEMP = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.part$")


def check_uploads(
    local: dict[str, bytes],
    remote_folder: Path,
    store: Storage,
    destination: str,
    *,
    complete: bool,
) -> dict[str, int]:
    """What must hold between export folder, ledger and server after any fault (LL7, LL8).

    * every name on the server is a complete export file with the same bytes (no partial
      file under a final name); anything else there is a hidden temporary name;
    * every file the ledger calls uploaded is on the server with the hashed content;
    * with *complete*: every export file is on the server and uploaded in the ledger,
      one ledger row per file.

    Returns:
        Remote name -> inode, to show later that a file was not sent again.
    """
    inodes: dict[str, int] = {}
    for path in remote_folder.iterdir():
        if path.name.startswith("."):
            temp = _REMOTE_TEMP.match(path.name)
            assert temp is not None, f"unexpected remote name {path.name!r}"
            assert temp.group("name") in local, path.name
            continue
        assert path.name in local, f"{path.name} on the server is no export file"
        assert path.read_bytes() == local[path.name], f"{path.name} differs on the server"
        inodes[path.name] = path.stat().st_ino
    records = {r.name: r for r in store.list_uploads(destination)}
    for name, record in records.items():
        assert name in local, name
        assert record.facts.sha256 == _sha(local[name]), name
        if record.state is UploadState.UPLOADED:
            assert name in inodes, f"{name}: uploaded in the ledger, missing on the server"
            assert record.uploaded_at is not None
    if complete:
        assert sorted(inodes) == sorted(local)
        assert sorted(records) == sorted(local)
        assert all(r.state is UploadState.UPLOADED for r in records.values())
    return inodes


class OrderRig:
    """Card ordering of the ``tests/world.py`` chain on a real store and delivery.

    Orders use a DAILY template, so each day's orders make one batch.
    """

    def __init__(self, store_url: str, delivery: ParcelDelivery, *, now: dt.datetime = START):
        self.store: Storage = open_storage(store_url)
        self.world = World(self.store, start=now)
        self.delivery = delivery
        self.orders = self.service(delivery)
        self.placed = 0

    def service(self, delivery: ParcelDelivery, clock: ManualClock | None = None) -> OrderService:
        """An order service of this chain sending through *delivery*."""
        return OrderService(
            store=self.store,
            templates=self.store,
            interfaces=self.world.interfaces,
            masterdata=self.world.masterdata,
            renderer=self.world.renderer,
            delivery=delivery,
            clock=self.world.clock if clock is None else clock,
            chain=self.world.chain,
        )

    def setup(self) -> None:
        """Card ordering with a contract and a DAILY template (in the store)."""
        self.world.card_ordering()
        self.world.template("BASIS", interval=ShippingInterval.DAILY)

    def place(self, count: int) -> list[str]:
        """Place *count* orders for new customers today; returns their IDs."""
        ids = []
        for _ in range(count):
            n = self.placed
            self.placed += 1
            customer = Customer(
                f"C{n:05d}", "Kim", f"Kunde-{n:05d}", address(f"Weg {n}"), leading_branch="F01"
            )
            self.world.masterdata.add(customer)
            placed = self.orders.place(
                template="BASIS", holder_id=customer.id, branch="F01", process_ref=f"V-{n:05d}/1"
            )
            ids.append(placed.order.id)
        return ids

    def next_day(self) -> None:
        """Move the clock one day on: yesterday's orders are due."""
        self.world.clock.advance(dt.timedelta(days=1))

    def close(self) -> None:
        """Close the store and the delivery's connection."""
        close = getattr(getattr(self.delivery, "files", None), "close", None)
        if close is not None:
            close()
        self.store.close()


def check_orders(store: Storage, *, complete: bool) -> dict[str, list[str]]:
    """Orders and batches agree: each order in at most one batch (CO16, CO17).

    * every batched order names a batch that lists it, and no batch lists an order
      twice or an order of another batch;
    * an order is dispatched exactly when its batch is delivered;
    * with *complete*: every order is dispatched and every batch delivered.

    Returns:
        Batch ID -> its order IDs.
    """
    batches = {b.id: b for b in store.list_batches()}
    owner: dict[str, str] = {}
    for batch in batches.values():
        for order_id in batch.order_ids:
            assert order_id not in owner, f"{order_id} is in two batches"
            owner[order_id] = batch.id
    for order in store.list_orders():
        if order.status is OrderStatus.PENDING:
            assert order.id not in owner
            assert not complete, f"{order.id} was never batched"
            continue
        assert order.batch_id == owner[order.id]
        delivered = batches[order.batch_id].status is BatchStatus.DELIVERED
        assert (order.status is OrderStatus.DISPATCHED) == delivered, order
    if complete:
        assert all(b.status is BatchStatus.DELIVERED for b in batches.values())
    return {b.id: list(b.order_ids) for b in batches.values()}


def check_mailed_batches(
    store: Storage, messages: list[ReceivedMail], *, complete: bool
) -> dict[str, int]:
    """What the SMTP server received agrees with the store (CO16, CO18).

    Every message is a batch of the store, carrying exactly its orders; a batch may have
    arrived more than once, then always under its one ``Message-ID`` with the same
    content; a delivered batch arrived. With *complete* every batch arrived.

    Returns:
        Batch ID -> how many messages carry it.
    """
    batches = check_orders(store, complete=complete)
    seen: dict[str, int] = {}
    content: dict[str, object] = {}
    for mail in messages:
        message = mail.message()
        match = re.fullmatch(r"<(.+)@amparex-core>", str(message["Message-ID"]))
        assert match is not None, message["Message-ID"]
        batch_id = match.group(1)
        assert batch_id in batches, f"a message of no batch: {batch_id}"
        files: dict[str, bytes] = {}
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            files[str(part.get_filename())] = payload
        (manifest,) = [v for k, v in files.items() if k.endswith("-manifest.json")]
        order_ids = [o["order_id"] for o in json.loads(manifest)["orders"]]
        assert order_ids == batches[batch_id], batch_id
        assert content.setdefault(batch_id, files) == files, "a resent batch differs"
        seen[batch_id] = seen.get(batch_id, 0) + 1
    for batch in store.list_batches():
        if batch.status is BatchStatus.DELIVERED:
            assert batch.id in seen, f"{batch.id} delivered in the store, never received"
            assert batch.receipt == f"<{batch.id}@amparex-core>"
    if complete:
        assert sorted(seen) == sorted(batches)
    return seen


def check_files_parcels(
    orders: OrderService, store: Storage, folder: Path, *, complete: bool
) -> None:
    """What a file server holds agrees with the store, for parcels sent as files (CO16).

    Every final name belongs to a batch of the store and holds exactly that batch's
    attachment (no partial file under a final name); a batch whose README is there has
    every attachment there; a delivered batch has its README. With *complete* every
    batch's files are all there.
    """
    check_orders(store, complete=complete)
    parcels = {b.id: orders.parcel_for(b) for b in store.list_batches()}
    expected: dict[str, bytes] = {}
    for parcel in parcels.values():
        for attachment in parcel.attachments:
            expected[f"{parcel.id}-{attachment.filename}"] = attachment.data
        expected[f"{parcel.id}-{README_NAME}"] = f"{parcel.subject}\n\n{parcel.body}".encode()
    present: set[str] = set()
    for path in folder.iterdir():
        if path.name.startswith("."):
            temp = _REMOTE_TEMP.match(path.name)
            assert temp is not None and temp.group("name") in expected, path.name
            continue
        assert path.name in expected, f"{path.name} belongs to no batch"
        assert path.read_bytes() == expected[path.name], f"{path.name} is not complete"
        present.add(path.name)
    for batch in store.list_batches():
        names = {n for n in expected if n.startswith(f"{batch.id}-")}
        if f"{batch.id}-{README_NAME}" in present:
            assert names <= present, f"{batch.id}: README before its attachments"
        if batch.status is BatchStatus.DELIVERED:
            assert f"{batch.id}-{README_NAME}" in present, batch.id
    if complete:
        assert present == set(expected)
