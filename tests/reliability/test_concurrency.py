"""Eight workstations at 8 a.m.: a mixed, contested workload of OS processes on one store.

Eight spawned processes, released together by a barrier (and bunched up again every few
operations), each run a seeded random interleaving of the service use cases against ONE
store (a SQLite file, and PostgreSQL), ONE export folder and ONE real FTPS server (pyftpdlib):

* configuring, renaming, moving and removing interfaces under contested uniqueness keys
  — chain-wide and per-branch card ordering, per-workstation Loyalty Lab — spelled
  differently but equal under IF7 (IF3, IF4, IF7, IF8, LL1);
* creating and deleting card templates under names equal under CO4, and placing orders
  with them under contested process references, cancelling orders while other processes
  dispatch, and dispatching parcels over FTPS (CO4, CO5, CO13, CO14, CO16, CO17);
* registering and encoding contested card UIDs, reported in different forms, importing
  cards under contested numbers and UIDs, and invalidating cards (CR3, CR4, CR5);
* the Loyalty Lab start-up job of all eight workstations, on the one shared folder,
  uploading to the one server (LL5-LL8).

Each process logs what it believes happened. Afterwards the beliefs are checked against
the store, the folder and the server: at most one configuration per uniqueness key, one
order per process reference and every reported success present exactly once, every
refusal a coded ``AmparexError`` (never a raw driver error, never "database is locked"),
one card per UID, each export file written once and complete, each file uploaded once,
no temporary file left, every order in at most one batch, every parcel on the server as
its batch makes it. A quiet rerun of the whole job
then completes what was left exactly once, and a second one finds nothing to do.

A second test has eight processes open a brand-new store at once and configure on it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.exports.folder import FolderExportTarget
from amparex_adapters.storage import open_storage
from amparex_core.domain.csvdialect import CsvDialect, decode_csv
from amparex_core.domain.interfaces import InterfaceConfig, InterfaceKind
from amparex_core.domain.orders import OrderStatus
from amparex_core.domain.text import name_key
from tests.plugins.ftp_servers import FtpServer
from tests.reliability import _concurrency_worker as cw

WORKERS = 8
OPS = 150
SYNC_EVERY = 10
SEED = 8

#: The refusals each operation may meet in this workload; anything else is a bug.
ALLOWED = {
    "configure": {"interface.duplicate"},
    "update": {"interface.duplicate", "interface.unknown"},
    "remove": {"interface.unknown"},
    "template": {"template.duplicate", "template.unknown"},
    "place": {"order.address_missing", "template.unknown"},
    "cancel": {"order.not_cancellable"},
    "dispatch": set(),
    "register": {"card.uid_taken", "card.already_registered", "card.blocked"},
    "encode": {"card.uid_taken", "card.already_registered", "card.blocked"},
    "issue": {"card.duplicate", "card.uid_taken"},
    "invalidate": set(),
    "ll_start": set(),
}


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One shared store: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chain.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def _job(tmp_path: Path, url: str, ftp: FtpServer) -> cw.Job:
    tag = uuid.uuid4().hex[:8]
    outbox = tmp_path / "outbox"
    logs = tmp_path / "logs"
    outbox.mkdir()
    logs.mkdir()
    stammdaten = tmp_path / "stammdaten.sqlite"
    cw.make_stammdaten(stammdaten)
    return cw.Job(
        url=url,
        export_dir=str(outbox),
        stammdaten=str(stammdaten),
        ftp_host=ftp.host,
        ftp_port=ftp.port,
        ftp_user=ftp.username,
        ftp_password=ftp.password,
        ftp_ca_file=str(ftp.pki.ca_file),
        ll_remote=ftp.remote(ftp.folder(f"ll-{tag}")),
        parcel_remote=ftp.remote(ftp.folder(f"parcels-{tag}")),
        logs=str(logs),
        seed=SEED,
        ops=OPS,
        sync_every=SYNC_EVERY,
    )


def _run_workers(job: cw.Job) -> float:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    procs = [ctx.Process(target=cw.work, args=(job, w, barrier)) for w in range(WORKERS)]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    deadline = started + 120
    try:
        for proc in procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()
    assert [p.exitcode for p in procs] == [0] * WORKERS
    return time.monotonic() - started


def _quiet_rerun(job: cw.Job, worker: str) -> list[dict[str, Any]]:
    """Every workstation starts up on every day once, then one dispatch: one process."""
    station = cw.Workstation(job)
    records: list[dict[str, Any]] = []
    rng = random.Random(0)
    try:
        for ws in cw.WORKSTATIONS:
            for day in range(cw.LL_DAYS):
                done = station.ll_start(rng, workstation=ws, day=day)
                records.append({"w": worker, "op": "ll_start", **done})
        records.append({"w": worker, "op": "dispatch", **station.dispatch(rng)})
    finally:
        station.close()
    return records


# ------------------------------------------------------------------ checks


def _check_refusals(records: list[dict[str, Any]]) -> Counter[str]:
    """Every refusal is coded, expected for its operation, and no store failure leaks."""
    raw = [r for r in records if "raw" in r]
    assert not raw, "\n".join(f"{r['op']}: {r['raw']}\n{r['trace']}" for r in raw[:3])
    codes: Counter[str] = Counter()
    for record in records:
        nested = []
        if "refused" in record:
            nested.append((record["op"], record["refused"]))
        if record["op"] == "ll_start":
            ok = record["ok"]
            nested += [("export", e["error"]) for e in ok["exports"] if e["error"]]
            nested += [("upload", u["error"]) for u in ok["uploads"] if u["error"]]
            if "code" in ok["configured"]:
                nested.append(("configure", ok["configured"]))
        if record["op"] == "dispatch":
            failed = [b for b in record["ok"]["batches"] if b["error"]]
            assert not failed, failed
        for op, refused in nested:
            assert "database is locked" not in refused["message"], refused
            assert refused["code"] in ALLOWED.get(op, set()), (op, refused)
            codes[refused["code"]] += 1
    return codes


def _ok(records: Iterable[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    return [r for r in records if r["op"] == op and "ok" in r]


def _refused(records: Iterable[dict[str, Any]], op: str, code: str) -> list[dict[str, Any]]:
    return [r for r in records if r["op"] == op and r.get("refused", {}).get("code") == code]


def _key(config: InterfaceConfig) -> tuple[str, str, str]:
    """IF7's key, computed here without the library's own key function."""
    display = " ".join(config.display_name.split()).casefold()
    if config.kind is InterfaceKind.CARD_ORDER:
        return (config.kind.value, f"branch:{config.branch or ''}", display)
    assert config.workstation is not None
    return (config.kind.value, f"ws:{config.workstation.casefold()}", display)


def _check_interfaces(store: Any, records: list[dict[str, Any]], base: str) -> dict[str, int]:
    """IF3, IF7, IF8, LL1: one configuration per key; every success and refusal accounted."""
    configs = store.search_interfaces()
    keys = Counter(_key(c) for c in configs)
    assert [k for k, n in keys.items() if n > 1] == []
    for config in configs:
        assert name_key(config.display_name) == _key(config)[2]
        if config.kind is InterfaceKind.LOYALTY_LAB:
            assert config.workstation is not None  # LL1
            assert config.client_side
        else:
            assert not config.client_side
    # IF4: the search limited to workstation settings finds exactly those.
    with_ws = store.search_interfaces(with_workstation_settings=True)
    assert sorted(c.id for c in with_ws) == sorted(c.id for c in configs if c.workstation)
    created = {base}
    created |= {r["ok"]["id"] for r in _ok(records, "configure")}
    created |= {
        r["ok"]["configured"]["id"]
        for r in _ok(records, "ll_start")
        if "id" in r["ok"]["configured"]
    }
    removed = Counter(r["ok"]["id"] for r in _ok(records, "remove"))
    assert [i for i, n in removed.items() if n > 1] == []  # removed once
    assert {c.id for c in configs} == created - set(removed)
    # A refusal names a configuration that existed; "unknown" ones were removed.
    duplicates = _refused(records, "configure", "interface.duplicate")
    duplicates += _refused(records, "update", "interface.duplicate")
    duplicates += [
        {"refused": r["ok"]["configured"]}
        for r in _ok(records, "ll_start")
        if "code" in r["ok"]["configured"]
    ]
    for refused in duplicates:
        assert refused["refused"]["facts"]["existing_id"] in created
    for op in ("update", "remove"):
        for refused in _refused(records, op, "interface.unknown"):
            assert refused["refused"]["facts"]["interface_id"] in removed
    # Every workstation that started up resolves exactly its own Loyalty Lab (IF9).
    for ws in cw.WORKSTATIONS:
        found = store.interface_candidates(InterfaceKind.LOYALTY_LAB, branch="F01", workstation=ws)
        mine = [c for c in found if c.start is None]
        assert len(mine) == 1, (ws, mine)
    return {
        "configured": len(created),
        "refused": len(duplicates),
        "removed": len(removed),
        "stored": len(configs),
    }


def _check_orders(store: Any, records: list[dict[str, Any]]) -> dict[str, int]:
    """CO13, CO16, CO17: one order per reference, each success exactly once, batches clean."""
    orders = {o.id: o for o in store.list_orders()}
    by_ref = {str(o.process_ref): o for o in orders.values()}
    assert len(by_ref) == len(orders)
    placed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in _ok(records, "place"):
        placed[record["args"]["ref"]].append(record["ok"])
    assert set(placed) == set(by_ref)  # no order without a reported success, and back
    for ref, answers in placed.items():
        assert {a["id"] for a in answers} == {by_ref[ref].id}, ref
        assert [a["created"] for a in answers].count(True) == 1, ref
        assert {a["card"] for a in answers} == {by_ref[ref].card_number}
    assert len({o.card_number for o in orders.values()}) == len(orders)
    cancelled = Counter(r["ok"]["id"] for r in _ok(records, "cancel"))
    assert [i for i, n in cancelled.items() if n > 1] == []
    for order_id in cancelled:
        assert orders[order_id].status is OrderStatus.CANCELLED
        assert orders[order_id].batch_id is None
    for refused in _refused(records, "cancel", "order.not_cancellable"):
        assert orders[refused["refused"]["facts"]["order_id"]].status is not OrderStatus.PENDING
    # After the quiet rerun nothing is left over: every order is cancelled or dispatched.
    statuses = Counter(o.status for o in orders.values())
    assert set(statuses) <= {OrderStatus.CANCELLED, OrderStatus.DISPATCHED}, statuses
    batches = store.list_batches()
    in_batch: Counter[str] = Counter(i for b in batches for i in b.order_ids)
    assert [i for i, n in in_batch.items() if n > 1] == []  # at most one batch per order
    for batch in batches:
        assert batch.status.value == "delivered"
        for order_id in batch.order_ids:
            assert orders[order_id].batch_id == batch.id
    assert {i for i, o in orders.items() if o.batch_id} == set(in_batch)
    assert {i for i, o in orders.items() if o.status is OrderStatus.DISPATCHED} == set(in_batch)
    # CO19: every batch was delivered by exactly one dispatch, whoever else met it.
    delivered = Counter(
        b["id"]
        for r in _ok(records, "dispatch")
        for b in r["ok"]["batches"]
        if b["outcome"] == "delivered"
    )
    assert set(delivered) == {b.id for b in batches}
    assert [i for i, n in delivered.items() if n > 1] == []
    cards = {c.number: c for c in store.list_cards()}
    for order in orders.values():
        if order.status is OrderStatus.DISPATCHED:
            assert cards[order.card_number].order_id == order.id
    return {
        "orders": len(orders),
        "placements": sum(len(a) for a in placed.values()),
        "cancelled": len(cancelled),
        "batches": len(batches),
    }


def _check_templates(store: Any, records: list[dict[str, Any]], base: str) -> dict[str, int]:
    """CO4, CO9, CO14, CO15: one template per name; orders keep a consistent snapshot."""
    templates = store.list_templates()
    keys = Counter(" ".join(t.name.split()).casefold() for t in templates)
    assert [k for k, n in keys.items() if n > 1] == []
    # Creations and deletions of one name alternate: each success happened exactly once.
    balance: Counter[str] = Counter()
    for record in _ok(records, "template"):
        balance[record["ok"]["key"]] += 1 if record["args"]["action"] == "create" else -1
    stored = {t.key for t in templates}
    for key, n in balance.items():
        assert n == (1 if key in stored else 0), (key, n)
    for order in store.list_orders():
        assert order.interface_id == base  # the scratch configurations never resolve (IF5)
        lines = {line.item.value for line in order.cost_lines}
        assert ("gift_box" in lines) == order.template.gift_box, order.id
    return {"template_changes": len(_ok(records, "template"))}


def _check_parcels(ftp: FtpServer, job: cw.Job, store: Any) -> None:
    """CO16: the server holds exactly every batch's parcel, as the batch makes it."""
    remote = ftp.root / job.parcel_remote.lstrip("/")
    received = {p.name: p.read_bytes() for p in remote.iterdir()}
    assert not [n for n in received if n.startswith(".")], sorted(received)
    station = cw.Workstation(job)
    try:
        expected: dict[str, bytes] = {}
        for batch in store.list_batches():
            parcel = station.orders.parcel_for(batch)
            for attachment in parcel.attachments:
                expected[f"{parcel.id}-{attachment.filename}"] = attachment.data
    finally:
        station.close()
    assert {n.split("-", 1)[0] for n in received} == {b.id for b in store.list_batches()}
    for name, data in expected.items():
        assert received[name] == data, name


def _check_cards(store: Any, records: list[dict[str, Any]]) -> dict[str, int]:
    """CR3, CR4: one card per UID; every reported link holds; refusals name the holder."""
    cards = {c.number: c for c in store.list_cards()}
    uids = Counter(c.uid.hex for c in cards.values() if c.uid is not None)
    assert [u for u, n in uids.items() if n > 1] == []
    holder = {c.uid.hex: n for n, c in cards.items() if c.uid is not None}
    linked = _ok(records, "register") + _ok(records, "encode")
    for record in linked:
        number, uid = record["args"]["number"], record["args"]["uid"]
        assert record["ok"] == {"number": number, "uid": uid}
        assert holder[uid] == number
    issued = _ok(records, "issue")
    assert sorted(r["ok"]["number"] for r in issued) == sorted(
        {r["args"]["number"] for r in issued}
    )  # each imported number succeeded exactly once
    for record in issued:
        number, uid = record["args"]["number"], record["args"]["uid"]
        assert number in cards
        if uid is not None:
            assert holder[uid] == number
    for refused in _refused(records, "issue", "card.duplicate"):
        assert refused["refused"]["facts"]["card_number"] in cards
    taken = 0
    for op in ("register", "encode", "issue"):
        for refused in _refused(records, op, "card.uid_taken"):
            facts = refused["refused"]["facts"]
            assert holder[facts["uid"]] == facts["card_number"]
            taken += 1
        for refused in _refused(records, op, "card.already_registered"):
            facts = refused["refused"]["facts"]
            card = cards[facts["card_number"]]
            assert card.uid is not None and card.uid.hex == facts["uid"]
        for refused in _refused(records, op, "card.blocked"):
            assert cards[refused["refused"]["facts"]["card_number"]].blocked
    return {"links": len(linked), "uids": len(uids), "uid_taken": taken}


def _check_loyalty_lab(
    ftp: FtpServer, job: cw.Job, store: Any, records: list[dict[str, Any]]
) -> dict[str, int]:
    """LL6, LL7, LL8: each file written once and complete, uploaded once, no temp files."""
    expected = cw.all_ll_files()
    outbox = Path(job.export_dir)
    local = sorted(p.name for p in outbox.iterdir())
    assert local == sorted(expected)  # no temp files, nothing else
    assert not [n for n in local if FolderExportTarget.is_temp_name(n)]
    for name, rows in expected.items():
        header, body = decode_csv(CsvDialect(), (outbox / name).read_bytes())
        assert header == ["nr", "name", "betrag"], name
        assert len(body) == rows, name
    starts = _ok(records, "ll_start")
    written = Counter(
        e["name"] for r in starts for e in r["ok"]["exports"] if e["outcome"] == "written"
    )
    assert written == Counter(list(expected)), written  # each file written exactly once
    uploaded = Counter(
        u["name"] for r in starts for u in r["ok"]["uploads"] if u["outcome"] == "uploaded"
    )
    assert uploaded == Counter(list(expected)), uploaded  # each file uploaded exactly once
    ledger = store.list_uploads()
    assert sorted(r.name for r in ledger) == sorted(expected)  # one ledger row per file
    assert {r.state.value for r in ledger} == {"uploaded"}
    remote = ftp.root / job.ll_remote.lstrip("/")
    assert sorted(p.name for p in remote.iterdir()) == sorted(expected)  # no .part left
    for name in expected:
        assert (remote / name).read_bytes() == (outbox / name).read_bytes(), name
    for row in ledger:  # the ledger names what the server holds; one claim each
        assert row.facts.sha256 == hashlib.sha256((remote / row.name).read_bytes()).hexdigest()
        assert row.receipt is not None and row.receipt.endswith(f"/{row.name}")
        assert row.attempts == 1, row
    exists = sum(e["outcome"] == "exists" for r in starts for e in r["ok"]["exports"])
    claimed = sum(u["outcome"] == "in_progress" for r in starts for u in r["ok"]["uploads"])
    return {
        "starts": len(starts),
        "files": len(expected),
        "exports_found_existing": exists,
        "uploads_claimed_by_another": claimed,
    }


@pytest.mark.timeout(150)
def test_IF8_CO13_CR3_LL8_eight_processes_mixed_workload_on_one_store(
    store_url: str, pyftpd_ftps: FtpServer, tmp_path: Path
) -> None:
    """IF7/IF8, CO13/CO16/CO17, CR3/CR4, LL5-LL8 under 8 processes started together."""
    job = _job(tmp_path, store_url, pyftpd_ftps)
    station = cw.Workstation(job)
    try:
        base = station.setup()["base_interface"]
    finally:
        station.close()
    storm = _run_workers(job)
    records = cw.read_logs(Path(job.logs))
    ops = len(records)
    started = time.monotonic()
    records += _quiet_rerun(job, "rerun")
    again = _quiet_rerun(job, "rerun-2")
    rerun = time.monotonic() - started
    codes = _check_refusals(records + again)
    # The second quiet rerun finds nothing to do: the first completed everything once.
    for record in again:
        if record["op"] == "ll_start":
            outcomes = {e["outcome"] for e in record["ok"]["exports"]}
            assert outcomes <= {"exists"}, record
            assert {u["outcome"] for u in record["ok"]["uploads"]} <= {"already_uploaded"}
        else:
            assert record["ok"]["batches"] == [], record
    store = open_storage(store_url)
    try:
        figures = {
            **_check_interfaces(store, records, base),
            **_check_orders(store, records),
            **_check_templates(store, records, base),
            **_check_cards(store, records),
            **_check_loyalty_lab(pyftpd_ftps, job, store, records),
        }
        _check_parcels(pyftpd_ftps, job, store)
    finally:
        store.close()
    by_op = Counter(r["op"] for r in records if r["w"] != "rerun")
    leftover = [r for r in records if r["w"] == "rerun"]
    figures["rerun_written"] = sum(
        e["outcome"] == "written" for r in _ok(leftover, "ll_start") for e in r["ok"]["exports"]
    )
    figures["rerun_uploaded"] = sum(
        u["outcome"] == "uploaded" for r in _ok(leftover, "ll_start") for u in r["ok"]["uploads"]
    )
    # Attempts that met another process's work: a taken key, reference, UID or file.
    figures["contests_lost"] = (
        sum(n for c, n in codes.items() if c not in ("order.address_missing", "card.blocked"))
        + sum(not r["ok"]["created"] for r in _ok(records, "place"))
        + figures["uploads_claimed_by_another"]
    )
    figures["rerun_batches"] = sum(len(r["ok"]["batches"]) for r in _ok(leftover, "dispatch"))
    print(
        f"\n{store_url.split(':')[0]}: {WORKERS} processes, {ops} operations {dict(by_op)},"
        f" refusals {dict(codes)}, figures {figures}, storm {storm:.1f}s, reruns {rerun:.1f}s"
    )
    assert by_op["place"] >= 50 and by_op["register"] + by_op["encode"] >= 50


@pytest.mark.timeout(60)
def test_IF8_eight_workstations_open_a_new_store_at_once(store_url: str, tmp_path: Path) -> None:
    """IF7/IF8: a chain's first start — 8 processes create the schema and configure at once.

    Each creates (or finds) the schema, configures its own workstation's Loyalty Lab and
    contests the one chain-wide card-ordering key, spelled three ways.
    """
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    urls = [store_url]
    if store_url.startswith("sqlite"):  # cheap: three new files, one pool of processes
        urls = [f"sqlite:///{tmp_path / f'first-{n}.sqlite'}" for n in range(3)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    with ctx.Pool(WORKERS, initializer=cw.init_first_start, initargs=(barrier,)) as pool:
        rounds = [
            pool.map(cw.first_start, [(url, str(outbox), w) for w in range(WORKERS)], chunksize=1)
            for url in urls
        ]
    for url, answers in zip(urls, rounds, strict=True):
        assert not [a for a in answers if "open" in a], answers
        assert all("id" in a["ll"] for a in answers), answers  # every workstation its own
        won = [a["card_order"]["id"] for a in answers if "id" in a["card_order"]]
        assert len(won) == 1, answers
        lost = [a["card_order"] for a in answers if "id" not in a["card_order"]]
        assert {r["code"] for r in lost} == {"interface.duplicate"}, lost
        assert {r["facts"]["existing_id"] for r in lost} == set(won)
        store = open_storage(url)
        try:
            configs = store.search_interfaces()
            assert sorted(c.id for c in configs) == sorted([a["ll"]["id"] for a in answers] + won)
        finally:
            store.close()
