"""The ``amparex`` command on PostgreSQL through PgBouncer in transaction pooling mode.

What the issue measured against 0.1.0 — program starts with six or more files in the
outbox failing with ``[internal]: DuplicatePreparedStatement`` — is reproduced first with
prepared statements switched on in the configuration (so these tests can fail); by
default every start succeeds and uploads each file once. Several processes upgrading the
schema at once, and PgBouncer restarted while commands run, end in success or in one
coded line, and no batch is lost.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.storage.sql import SCHEMA_VERSION
from tests.plugins.pgbouncer import PgBouncer

from .chain import Chain, add_card_ordering, add_templates, make_chain, replace_section

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

WORKSTATIONS = 8
EXTRA_FILES = 8  # besides the four exports: psycopg would prepare at the sixth claim
LATER = "2099-01-01T08:00:00+01:00"


def _outboxes(chain: Chain) -> list[str]:
    """Loyalty Lab on workstations W1…W8, each outbox holding eight older files."""
    names = [f"W{n}" for n in range(1, WORKSTATIONS + 1)]
    for n, name in enumerate(names, start=1):
        outbox = chain.outbox / name
        outbox.mkdir()
        for i in range(EXTRA_FILES):
            (outbox / f"47{n}_week_{i}.csv").write_text(f"kunden_nr\nK{i}\n", encoding="utf-8")
        chain.ok(
            "interfaces", "add", "loyalty-lab", "--customer-number", f"47{n}",
            "--directory", str(outbox), "--customers", "ST-CUSTOMERS",
            "--glasses", "ST-GLASSES", "--contact-lenses", "ST-LENSES",
            "--hearing-aids", "ST-AIDS", "--workstation", name,
        )  # fmt: skip
    return names


def _start_all(chain: Chain, names: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """``amparex startup --workstation W`` of every workstation, all at the same moment."""
    with ThreadPoolExecutor(len(names)) as pool:
        return list(pool.map(lambda name: chain.sub("startup", "--workstation", name), names))


def _one_coded_line(run: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in run.stderr.splitlines() if line.startswith("amparex: error")]
    assert len(lines) == 1, run.stderr
    assert "[internal]" not in run.stderr and "Traceback" not in run.stderr, run.stderr
    return lines[0]


@pytest.fixture
def bounced_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pgbouncer_url: str) -> Chain:
    """The test chain on a database of its own, reached through PgBouncer."""
    return make_chain(tmp_path / "chain", monkeypatch, pgbouncer_url)


def test_LL8_prepared_statements_switched_on_break_starts_behind_pgbouncer(
    bounced_chain: Chain,
) -> None:
    """The issue's failure, reproduced: some starts fail — each in one coded line."""
    names = _outboxes(bounced_chain)
    url = bounced_chain.config.read_text(encoding="utf-8").split('url = "')[1].split('"')[0]
    replace_section(bounced_chain, "storage", f'url = "{url}"\nprepare_threshold = 0')
    runs = _start_all(bounced_chain, names)
    failed = [r for r in runs if r.returncode != 0]
    assert failed, "no start failed: PgBouncer shared no prepared statement"
    for run in failed:
        line = _one_coded_line(run)
        assert line.startswith("amparex: error [storage.unavailable]: "), line
        assert "prepare_threshold unset" in line


def test_LL5_LL8_starts_with_a_full_outbox_through_pgbouncer_upload_each_file_once(
    bounced_chain: Chain,
) -> None:
    names = _outboxes(bounced_chain)
    runs = _start_all(bounced_chain, names)
    assert [r.returncode for r in runs] == [0] * len(names), [r.stderr for r in runs]
    uploaded = sorted(p.name for p in bounced_chain.server.iterdir())
    assert len(uploaded) == len(set(uploaded)) == len(names) * (EXTRA_FILES + 4)
    again = _start_all(bounced_chain, names)
    assert [r.returncode for r in again] == [0] * len(names), [r.stderr for r in again]
    for run in again:
        assert "uploaded" not in json.dumps(run.stdout).replace("already_uploaded", "")
    assert sorted(p.name for p in bounced_chain.server.iterdir()) == uploaded


def test_OP5_many_processes_upgrade_through_pgbouncer_each_step_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pgbouncer: PgBouncer
) -> None:
    from .test_db import make_chain_without_data

    chain = make_chain_without_data(tmp_path, monkeypatch, pgbouncer.fresh_database(upgraded=False))
    with ThreadPoolExecutor(6) as pool:
        runs = list(pool.map(lambda _: chain.sub("db", "upgrade", "--json"), range(6)))
    assert [r.returncode for r in runs] == [0] * 6, [r.stderr for r in runs]
    applied = sorted((json.loads(r.stdout)["applied"] for r in runs), key=len)
    assert applied == [[]] * 5 + [list(range(1, SCHEMA_VERSION + 1))]


@pytest.fixture
def own_pgbouncer(pg_cluster: Any) -> Iterator[PgBouncer]:
    """A PgBouncer of this test alone: it is restarted."""
    from tests.peers import require_executable

    bouncer = PgBouncer(
        require_executable("pgbouncer", hint="the Debian package pgbouncer"), pg_cluster
    )
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


def test_CO16_pgbouncer_restarted_while_commands_run_loses_no_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_pgbouncer: PgBouncer
) -> None:
    chain = make_chain(tmp_path / "chain", monkeypatch, own_pgbouncer.fresh_database())
    add_card_ordering(chain)
    add_templates(chain, ["BASIS"])
    stop = threading.Event()

    def restart() -> None:
        while not stop.wait(0.4):
            own_pgbouncer.restart()

    restarter = threading.Thread(target=restart)
    restarter.start()
    placed: list[str] = []
    runs: list[subprocess.CompletedProcess[str]] = []
    try:
        for n in range(12):
            process = f"P{n}"
            for _attempt in range(10):  # placing again is safe (CO13)
                run = chain.sub(
                    "orders", "place", "--template", "BASIS", "--holder", "K1",
                    "--process", process,
                )  # fmt: skip
                runs.append(run)
                if run.returncode == 0:
                    placed.append(process)
                    break
            runs.append(chain.sub("orders", "dispatch", "--now", LATER))
    finally:
        stop.set()
        restarter.join()
    for run in runs:
        if run.returncode != 0:
            assert _one_coded_line(run).startswith("amparex: error [storage.unavailable]: ")
    assert len(placed) == 12
    time.sleep(0.5)
    final = chain.sub("orders", "dispatch", "--now", LATER)
    assert final.returncode == 0, final.stderr
    orders = json.loads(chain.ok("orders", "list", "--json").stdout)
    assert len(orders) == 12
    assert {o["status"] for o in orders} == {"dispatched"}
    files: dict[str, list[str]] = {}
    for path in chain.vendor.iterdir():
        batch, _sep, name = path.name.partition("-")
        files.setdefault(batch, []).append(name.partition("-")[2] or name)
    assert set(files) == {o["batch_id"] for o in orders}  # every batch reached the vendor
    assert all(len(names) == 4 for names in files.values()), files
