"""Worker side of the mixed concurrency workload: one spawned OS process per workstation.

Every worker wires the services of :mod:`amparex_core.services` on real adapters — the
shared store (SQLite file or PostgreSQL), the shared export folder
(:class:`~amparex_adapters.exports.folder.FolderExportTarget`), statistics as SQL on a
SQLite file, Loyalty Lab uploads and card-order parcels over FTPS to one real server — and
then, released together with the others by a barrier, runs a seeded random interleaving of
configuring interfaces, placing, cancelling and dispatching orders, registering and
encoding card UIDs and the Loyalty Lab start-up job.

It writes one JSON line per operation to its log: what it asked, and what it believes
happened — the answer on success, the code and facts of a refusal, or ``raw`` with the
``repr`` of anything that is not an :class:`~amparex_core.domain.errors.AmparexError`.
The test checks those beliefs against the store, the folder and the server.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from amparex_adapters.delivery.files import FilesParcelDelivery
from amparex_adapters.delivery.ftp import FtpDelivery
from amparex_adapters.exports.folder import FolderExportTarget
from amparex_adapters.readers.scripted import ScriptedReader, VirtualCard
from amparex_adapters.statistics.sql import SqlStatisticSource
from amparex_adapters.storage import open_storage
from amparex_core.domain.cards import CardUid, HolderRef, IssuedCard, UidForm
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.masterdata import FileFormat, HolderKind, StatisticTemplate
from amparex_core.domain.orders import ProcessRef
from amparex_core.domain.secret import Secret, SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardKind, CardType, ShippingInterval
from amparex_core.ports.storage import Storage
from amparex_core.services import CardDesk, InterfaceService, LoyaltyLab, OrderService
from tests.world import BERLIN, START, World

# ------------------------------------------------------------------ the shared job


@attrs.frozen
class Job:
    """What every worker (and the quiet rerun) works on; picklable for spawn."""

    url: str
    export_dir: str
    stammdaten: str
    ftp_host: str
    ftp_port: int
    ftp_user: str
    ftp_password: str
    ftp_ca_file: str
    ll_remote: str
    parcel_remote: str
    logs: str
    seed: int
    ops: int
    sync_every: int


WORKSTATIONS = tuple(f"WS-{n}" for n in range(8))
LL_CUSTOMER = "4711"
LL_DAYS = 4
ROWS = {
    StatisticKind.CUSTOMERS: 37,
    StatisticKind.GLASSES: 12,
    StatisticKind.CONTACT_LENSES: 3,
    StatisticKind.HEARING_AIDS: 0,
}
LL_TEMPLATES: dict[StatisticKind | str, str | None] = {
    kind: f"LL-{kind.value}" for kind in StatisticKind
}
TEMPLATE = "BASIS"
PROCESS_REFS = 48
REF_STEPS = ("", "/1", "/2")
ISSUED = 40
IMPORTED = 30
UIDS = 32
LATER = dt.date(2030, 1, 1)
"""Start of the scratch configurations: never available in the run, so they only contest
uniqueness and never change what orders and start-ups resolve to (IF5)."""
DISPATCH_AT = START + dt.timedelta(days=1)
LEASE = dt.timedelta(days=60)
"""Longer than the days the workers' clocks differ by: no claim expires in this test."""

#: Display-name spellings that are one key under IF7 (trim, fold white space, casefold).
SPELLINGS = {
    "Karten Nord": ("Karten Nord", " karten  nord ", "KARTEN NORD"),
    "Straße": ("Straße", "STRASSE", "strasse "),
    "Filialkarten": ("Filialkarten", "FILIALKARTEN", "filial\tkarten"),
    "LL Extra": ("LL Extra", "ll  extra", " LL EXTRA"),
}


#: Card templates that come and go while orders are placed (CO4, CO14).
TEMPLATE_SPELLINGS = {
    "Gold": ("Gold", "GOLD", " gold "),
    "Platin": ("Platin", "PLATIN", "platin"),
}


def ll_file(kind: StatisticKind, day: int) -> str:
    """The export file name of *kind* on start day *day* (the default pattern)."""
    on = START.date() + dt.timedelta(days=day)
    settings = LoyaltyLabSettings(customer_number=LL_CUSTOMER, directory="/x")
    return settings.file_name(kind, on)


def all_ll_files() -> dict[str, int]:
    """Every export file the job can write, with its row count."""
    return {ll_file(kind, day): ROWS[kind] for day in range(LL_DAYS) for kind in StatisticKind}


def card_number(world: World, n: int) -> str:
    """Issued card *n* of the pool (a valid number of the chain's format)."""
    return world.card_numbers.make(9000 + n)


def pool_uid(n: int) -> CardUid:
    """UID *n* of the contested pool."""
    return CardUid(bytes([0x04, 0x5A, 0x11, n, 0x80, 0x31, 0x7F]))


def make_stammdaten(path: Path) -> None:
    """The host application's tables the Loyalty Lab statistics read."""
    with sqlite3.connect(path) as con:
        for kind, count in ROWS.items():
            con.execute(f"CREATE TABLE {kind.value} (nr INTEGER, name TEXT, betrag REAL)")
            con.executemany(
                f"INSERT INTO {kind.value} VALUES (?, ?, ?)",
                [(i, f'Kundin {i}; "Ö"', i * 2.5) for i in range(count)],
            )
    con.close()


# ------------------------------------------------------------------ wiring


class Workstation:
    """The services of one process on the shared store, folder and server."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.store: Storage = open_storage(job.url)
        self.world = World(self.store)
        self.clock = self.world.clock
        for kind in StatisticKind:
            self.world.masterdata.add(
                StatisticTemplate(
                    f"LL-{kind.value}",
                    kind.german,
                    FileFormat.CSV,
                    f"SELECT nr, name, betrag FROM {kind.value} ORDER BY nr",
                )
            )
        self.exports = FolderExportTarget()
        self.recent: list[str] = []
        self.ll_delivery = self._ftp(job.ll_remote)
        self.parcel_delivery = FilesParcelDelivery(self._ftp(job.parcel_remote))
        uri = f"file:{job.stammdaten}?mode=ro"
        self.statistics = SqlStatisticSource(lambda: sqlite3.connect(uri, uri=True))
        self.interfaces = InterfaceService(
            self.store, masterdata=self.world.masterdata, exports=self.exports
        )
        self.orders = OrderService(
            store=self.store,
            templates=self.store,
            interfaces=self.interfaces,
            masterdata=self.world.masterdata,
            renderer=self.world.renderer,
            delivery=self.parcel_delivery,
            clock=self.clock,
            chain=self.world.chain,
        )
        self.desk = CardDesk(
            store=self.store,
            masterdata=self.world.masterdata,
            clock=self.clock,
            tz=BERLIN,
            card_numbers=self.world.card_numbers,
        )
        self.loyalty_lab = LoyaltyLab(
            interfaces=self.interfaces,
            masterdata=self.world.masterdata,
            statistics=self.statistics,
            exports=self.exports,
            ledger=self.store,
            clock=self.clock,
            tz=BERLIN,
            delivery_for=lambda _config: self.ll_delivery,
            lease=LEASE,
        )

    def _ftp(self, remote: str) -> FtpDelivery:
        job = self.job
        return FtpDelivery(
            job.ftp_host,
            port=job.ftp_port,
            username=job.ftp_user,
            password=Secret(job.ftp_password),
            remote_dir=remote,
            ca_file=job.ftp_ca_file,
            timeout=30,
        )

    def close(self) -> None:
        """Close the connections."""
        self.ll_delivery.close()
        self.parcel_delivery.files.close()  # type: ignore[attr-defined]
        self.store.close()

    # -------------------------------------------------------------- setup

    def setup(self) -> dict[str, Any]:
        """Before the workers start: the card template, chain-wide card ordering, cards."""
        self.world.template(TEMPLATE, interval=ShippingInterval.DAILY)
        base = self.interfaces.configure(
            InterfaceKind.CARD_ORDER,
            CardOrderSettings(
                contract="KV-4711", key=SecretRef("card_key"), customer_number="AX-100"
            ),
        )
        for n in range(ISSUED):
            self.desk.issue(
                IssuedCard(
                    number=card_number(self.world, n),
                    holder=HolderRef(HolderKind.CUSTOMER, "K1"),
                    card_type=CardType.NFC_RFID,
                    kind=CardKind.CUSTOMER,
                    issued_on=START.date(),
                    valid_until=dt.date(2030, 12, 31),
                )
            )
        return {"base_interface": base.id}

    # -------------------------------------------------------------- operations

    def ll_settings(self) -> LoyaltyLabSettings:
        """The Loyalty Lab settings every workstation of the chain uses."""
        return LoyaltyLabSettings(
            customer_number=LL_CUSTOMER,
            directory=self.job.export_dir,
            statistics=LL_TEMPLATES,
        )

    def configure(self, rng: random.Random) -> dict[str, Any]:
        """Configure one interface under a contested uniqueness key (IF7, IF8)."""
        slot = rng.choice(("chain", "branch", "branch-ws", "workstation"))
        if slot == "workstation":
            name = rng.choice(("LL Extra", "Straße"))
            kind = InterfaceKind.LOYALTY_LAB
            settings: CardOrderSettings | LoyaltyLabSettings = self.ll_settings()
            branch: str | None = rng.choice((None, "F01"))
            workstation: str | None = rng.choice(WORKSTATIONS[:3])
        else:
            name = rng.choice(("Karten Nord", "Straße", "Filialkarten"))
            kind = InterfaceKind.CARD_ORDER
            settings = CardOrderSettings(
                contract="KV-9", key=SecretRef("card_key"), customer_number="AX-9"
            )
            branch = None if slot == "chain" else rng.choice(("F01", "F02"))
            workstation = rng.choice(WORKSTATIONS[:3]) if slot == "branch-ws" else None
        display = rng.choice(SPELLINGS[name])
        args = {"kind": kind.value, "display": display, "branch": branch, "ws": workstation}
        config = self.interfaces.configure(
            kind,
            settings,
            display_name=display,
            branch=branch,
            workstation=workstation,
            start=LATER,
        )
        return {"args": args, "ok": {"id": config.id}}

    def _scratch(self, rng: random.Random) -> InterfaceConfig | None:
        found = [c for c in self.interfaces.search() if c.start == LATER]
        return rng.choice(found) if found else None

    def update(self, rng: random.Random) -> dict[str, Any] | None:
        """Rename or move a scratch configuration, maybe onto a taken key (IF7)."""
        config = self._scratch(rng)
        if config is None:
            return None
        spelling = rng.choice(SPELLINGS[rng.choice(tuple(SPELLINGS))])
        branch = config.branch
        if config.kind is InterfaceKind.CARD_ORDER and rng.random() < 0.5:
            branch = rng.choice((None, "F01", "F02"))
        args = {"id": config.id, "display": spelling.strip(), "branch": branch}
        self.interfaces.update(config.id, display_name=spelling, branch=branch)  # CO22
        return {"args": args, "ok": {"id": config.id}}

    def remove(self, rng: random.Random) -> dict[str, Any] | None:
        """Remove a scratch configuration another process may be removing too."""
        config = self._scratch(rng)
        if config is None:
            return None
        self.interfaces.remove(config.id)
        return {"args": {"id": config.id}, "ok": {"id": config.id}}

    def template(self, rng: random.Random) -> dict[str, Any]:
        """Create or delete a card template others order with (CO4, CO14)."""
        name = rng.choice(TEMPLATE_SPELLINGS[rng.choice(tuple(TEMPLATE_SPELLINGS))])
        if rng.random() < 0.6:
            gift_box = rng.random() < 0.5
            args = {"action": "create", "name": name, "gift_box": gift_box}
            created = self.world.template(name, interval=ShippingInterval.DAILY, gift_box=gift_box)
            return {"args": args, "ok": {"key": created.key, "gift_box": created.gift_box}}
        deleted = self.world.templates.delete(name)
        return {"args": {"action": "delete", "name": name}, "ok": {"key": deleted.key}}

    def place(self, rng: random.Random) -> dict[str, Any]:
        """Place an order under a contested process reference (CO13)."""
        ref = f"VG-{rng.randrange(PROCESS_REFS)}{rng.choice(REF_STEPS)}"
        template = TEMPLATE
        if rng.random() < 0.3:
            template = rng.choice(TEMPLATE_SPELLINGS[rng.choice(tuple(TEMPLATE_SPELLINGS))])
        # F03 has no postal address: ship-to ordering branch is refused there (CO5).
        branch = rng.choice(("F01", "F01", "F02", "F03"))
        holder = rng.choice(("K1", "K2", "K3"))
        args = {"ref": ref, "branch": branch, "holder": holder, "template": template}
        placed = self.orders.place(
            template=template, holder_id=holder, branch=branch, process_ref=ref
        )
        self.recent.append(ref)
        order = placed.order
        ok = {"id": order.id, "created": placed.created, "card": order.card_number}
        return {"args": args, "ok": ok}

    def cancel(self, rng: random.Random) -> dict[str, Any] | None:
        """Cancel the order of a process reference, racing dispatch (CO17).

        Mostly one this process placed a moment ago (a change of mind at the counter),
        sometimes any.
        """
        if self.recent and rng.random() < 0.7:
            ref = rng.choice(self.recent[-3:])
        else:
            ref = f"VG-{rng.randrange(PROCESS_REFS)}{rng.choice(REF_STEPS)}"
        order = self.store.order_by_process_ref(ProcessRef.parse(ref))
        if order is None:
            return None
        self.orders.cancel(order.id)
        return {"args": {"ref": ref, "id": order.id}, "ok": {"id": order.id}}

    def dispatch(self, rng: random.Random) -> dict[str, Any]:
        """Batch the due orders and deliver the open batches (CO16)."""
        report = self.orders.dispatch(now=DISPATCH_AT)
        batches = [
            {
                "id": r.batch.id,
                "orders": list(r.batch.order_ids),
                "outcome": r.outcome.value,
                "resent": r.resent,
                "error": None if r.error is None else r.error.code,
            }
            for r in report.batches
        ]
        return {"args": {}, "ok": {"batches": batches, "conflicts": report.skipped_conflicts}}

    def register(self, rng: random.Random) -> dict[str, Any]:
        """Link a contested UID, reported in some form, to an issued card (CR3, CR5)."""
        number = card_number(self.world, rng.randrange(ISSUED))
        uid = pool_uid(rng.randrange(UIDS))
        form = rng.choice((UidForm.HEX, UidForm.HEX_REVERSED, UidForm.DECIMAL))
        raw = uid.render(form)
        if form is UidForm.HEX and rng.random() < 0.5:
            raw = ":".join(raw[i : i + 2] for i in range(0, len(raw), 2)).lower()
        args = {"number": number, "uid": uid.hex, "raw": raw, "form": form.value}
        card = self.desk.register(number, CardUid.parse(raw, form))
        return {
            "args": args,
            "ok": {"number": card.number, "uid": None if card.uid is None else card.uid.hex},
        }

    def encode(self, rng: random.Random) -> dict[str, Any]:
        """Write a card number onto a presented card with a contested UID (CR3, CR4)."""
        number = card_number(self.world, rng.randrange(ISSUED))
        uid = pool_uid(rng.randrange(UIDS))
        reader = ScriptedReader(f"reader-{rng.randrange(1000)}")
        reader.present(VirtualCard(uid))
        args = {"number": number, "uid": uid.hex}
        card = self.desk.encode(number, reader, timeout=1.0)
        return {
            "args": args,
            "ok": {"number": card.number, "uid": None if card.uid is None else card.uid.hex},
        }

    def issue(self, rng: random.Random) -> dict[str, Any]:
        """Import an existing card under a contested number, maybe with a taken UID (CR3)."""
        number = self.world.card_numbers.make(9500 + rng.randrange(IMPORTED))
        uid = pool_uid(rng.randrange(UIDS)) if rng.random() < 0.5 else None
        args = {"number": number, "uid": None if uid is None else uid.hex}
        card = self.desk.issue(
            IssuedCard(
                number=number,
                holder=HolderRef(HolderKind.CUSTOMER, rng.choice(("K1", "K2"))),
                card_type=CardType.CHIP,
                kind=CardKind.CUSTOMER,
                issued_on=START.date(),
                valid_until=None,
                uid=uid,
            )
        )
        return {"args": args, "ok": {"number": card.number, "uid": args["uid"]}}

    def invalidate(self, rng: random.Random) -> dict[str, Any]:
        """Block one of two cards of the pool (CR4): later registrations are refused."""
        number = card_number(self.world, rng.randrange(2))
        card = self.desk.invalidate(number)
        return {"args": {"number": number}, "ok": {"number": card.number, "blocked": card.blocked}}

    def ll_start(
        self, rng: random.Random, *, workstation: str | None = None, day: int | None = None
    ) -> dict[str, Any]:
        """Configure the workstation's Loyalty Lab if needed, then run its start-up (LL5-LL8)."""
        ws = rng.choice(WORKSTATIONS) if workstation is None else workstation
        # The last day is left to the quiet rerun: work that nobody got to in the storm.
        on = rng.randrange(LL_DAYS - 1) if day is None else day
        configured: dict[str, Any] = {}
        if not self.loyalty_lab.configurations(branch="F01", workstation=ws):
            try:
                config = self.interfaces.configure(
                    InterfaceKind.LOYALTY_LAB, self.ll_settings(), workstation=ws
                )
                configured = {"id": config.id}
            except AmparexError as exc:
                configured = refusal(exc)
        self.clock.set(START.replace(hour=7, minute=45) + dt.timedelta(days=on))
        report = self.loyalty_lab.start(branch="F01", workstation=ws)
        exports = [
            {
                "name": r.export.file_name,
                "outcome": r.outcome.value,
                "error": None if r.error is None else refusal(r.error),
            }
            for r in report.exports
        ]
        uploads = [
            {
                "interface": r.interface_id,
                "name": r.name,
                "outcome": r.outcome.value,
                "error": None if r.error is None else refusal(r.error),
            }
            for r in report.uploads
        ]
        self.clock.set(START)
        return {
            "args": {"ws": ws, "day": on},
            "ok": {"configured": configured, "exports": exports, "uploads": uploads},
        }


OPS: dict[str, tuple[int, Callable[[Workstation, random.Random], dict[str, Any] | None]]] = {
    "configure": (16, Workstation.configure),
    "update": (6, Workstation.update),
    "remove": (6, Workstation.remove),
    "template": (4, Workstation.template),
    "place": (22, Workstation.place),
    "cancel": (10, Workstation.cancel),
    "dispatch": (3, Workstation.dispatch),
    "register": (14, Workstation.register),
    "encode": (6, Workstation.encode),
    "issue": (4, Workstation.issue),
    "invalidate": (2, Workstation.invalidate),
    "ll_start": (12, Workstation.ll_start),
}


def refusal(exc: AmparexError) -> dict[str, Any]:
    """A refusal as logged: its code, its facts and its English message."""
    facts = {k: str(v) for k, v in exc.facts.items()}
    return {"code": exc.code, "facts": facts, "message": str(exc)}


def run_op(station: Workstation, name: str, rng: random.Random) -> dict[str, Any] | None:
    """Run one operation; the record of what this process believes happened."""
    try:
        done = OPS[name][1](station, rng)
    except AmparexError as exc:
        return {"op": name, "refused": refusal(exc)}
    except Exception as exc:  # noqa: BLE001 - logged; the test fails on every raw error
        return {"op": name, "raw": repr(exc), "trace": traceback.format_exc()}
    if done is None:
        return None
    return {"op": name, **done}


def work(job: Job, worker: int, barrier: Any) -> None:
    """The body of one worker process: wait for the others, then run the interleaving."""
    log = Path(job.logs) / f"worker-{worker}.jsonl"
    with log.open("w", encoding="utf-8") as out:
        try:
            station = Workstation(job)
        except BaseException:
            barrier.abort()  # the others stop at once instead of waiting for this one
            raise
        try:
            rng = random.Random(job.seed * 1000 + worker)
            names = list(OPS)
            weights = [OPS[n][0] for n in names]
            barrier.wait(timeout=120)
            for i in range(job.ops):
                if i and i % job.sync_every == 0:
                    barrier.wait(timeout=120)  # bunch the next operations up again
                name = rng.choices(names, weights)[0]
                record = run_op(station, name, rng)
                if record is not None:
                    out.write(json.dumps({"w": worker, "i": i, **record}, default=str) + "\n")
                    out.flush()
        except BaseException:
            barrier.abort()
            raise
        finally:
            station.close()


def read_logs(folder: Path) -> list[dict[str, Any]]:
    """Every record the workers logged."""
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("worker-*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            records.extend(json.loads(line) for line in lines if line.strip())
    return records


# ------------------------------------------------------------------ a chain's first start

_barrier: Any = None


def init_first_start(barrier: Any) -> None:
    """Pool initializer: keep the barrier the workers of the first start share."""
    global _barrier  # noqa: PLW0603
    _barrier = barrier


def first_start(args: tuple[str, str, int]) -> dict[str, Any]:
    """Open a store nobody has opened yet, together with the others, and configure.

    Every process configures its workstation's Loyalty Lab (its own key) and the
    chain-wide card ordering (one key for all), right after creating the schema.
    """
    url, export_dir, worker = args
    _barrier.wait(timeout=60)
    answers: dict[str, Any] = {}
    try:
        store = open_storage(url)
    except Exception as exc:  # noqa: BLE001 - reported; the test fails on it
        return {"open": repr(exc)}
    try:
        service = InterfaceService(store, exports=FolderExportTarget())
        attempts: dict[str, Callable[[], InterfaceConfig]] = {
            "ll": lambda: service.configure(
                InterfaceKind.LOYALTY_LAB,
                LoyaltyLabSettings(customer_number=LL_CUSTOMER, directory=export_dir),
                workstation=WORKSTATIONS[worker],
            ),
            "card_order": lambda: service.configure(
                InterfaceKind.CARD_ORDER,
                CardOrderSettings(
                    contract="KV-4711", key=SecretRef("card_key"), customer_number="AX-1"
                ),
                display_name=rng_spelling(worker),
            ),
        }
        for name, attempt in attempts.items():
            try:
                answers[name] = {"id": attempt().id}
            except AmparexError as exc:
                answers[name] = refusal(exc)
            except Exception as exc:  # noqa: BLE001 - reported; the test fails on it
                answers[name] = {"raw": repr(exc)}
    finally:
        store.close()
    return answers


def rng_spelling(worker: int) -> str:
    """One of the spellings of one display name, by worker (IF7)."""
    spellings = SPELLINGS["Karten Nord"]
    return spellings[worker % len(spellings)]
