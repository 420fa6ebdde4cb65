"""The outbox through the ``amparex`` command: purge (LL11), fixed names (LL9), remote names
taken twice (LL10) and ``outbox watch`` as a real process over a long history (LL8).

A file's age is its modification time, set with :func:`os.utime` as the real clock sees
it: the command runs with the system clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amparex_adapters.converters import stored
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.uploads import FileFacts, UploadRecord, UploadState

from .chain import Chain, add_loyalty_lab, environment

DAY = 24 * 3600


def _age(path: Path, days: float) -> None:
    when = time.time() - days * DAY
    os.utime(path, (when, when))


def _ledger_rows(chain: Chain) -> int:
    conn = sqlite3.connect(chain.root / "amparex.sqlite")
    try:
        return int(conn.execute("SELECT count(*) FROM uploads").fetchone()[0])
    finally:
        conn.close()


def test_LL11_purge_removes_exactly_the_confirmed_old_files(chain: Chain) -> None:
    add_loyalty_lab(chain)
    assert chain.sub("startup").returncode == 0
    uploaded = sorted(chain.outbox.iterdir())
    assert len(uploaded) == 4
    changed, young = uploaded[0], uploaded[1]
    for path in uploaded:
        _age(path, 40)
    with changed.open("ab") as out:  # changed after its upload: kept
        out.write(b"K9;extra\r\n")
    _age(changed, 40)
    _age(young, 3)  # uploaded, but younger than the limit: kept
    unknown = chain.outbox / "4711_customers_20200101.csv"  # never uploaded: kept
    unknown.write_bytes(b"kunden_nr\r\nK1\r\n")
    _age(unknown, 400)
    rows = _ledger_rows(chain)
    dry = chain.sub("outbox", "purge", "--older-than", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        *(f"would remove {p}" for p in uploaded[2:]),
        "kept 3 file(s): 1 changed after upload, 1 not uploaded, 1 too young",
    ]
    assert "whose upload the ledger does not confirm" in dry.stderr
    assert len(dry.stderr.splitlines()) == 1
    assert len(list(chain.outbox.iterdir())) == 5
    done = chain.sub("outbox", "purge", "--older-than", "30", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    verdicts = {Path(f["file"]).name: (f["verdict"], f["removed"]) for f in document["files"]}
    assert verdicts == {
        changed.name: ("changed_after_upload", False),
        young.name: ("too_young", False),
        unknown.name: ("not_uploaded", False),
        uploaded[2].name: ("remove", True),
        uploaded[3].name: ("remove", True),
    }
    assert sorted(chain.outbox.iterdir()) == sorted([changed, young, unknown])
    assert _ledger_rows(chain) == rows  # the ledger rows stay
    again = chain.sub("outbox", "purge", "--older-than", "30")
    assert "removed" not in again.stdout


def test_LL11_purge_needs_a_limit(chain: Chain) -> None:
    add_loyalty_lab(chain)
    done = chain.sub("outbox", "purge")
    assert done.returncode == 2
    assert "--older-than DAYS or set [loyalty_lab] retention_days" in done.stderr


def test_LL11_every_program_start_purges_when_retention_days_is_configured(
    chain: Chain,
) -> None:
    text = chain.config.read_text(encoding="utf-8")
    chain.config.write_text(
        text.replace(
            "[loyalty_lab.upload]", "[loyalty_lab]\nretention_days = 30\n\n[loyalty_lab.upload]"
        ),
        encoding="utf-8",
    )
    add_loyalty_lab(chain)
    first = chain.sub("startup", "--json")
    assert first.returncode == 0, first.stderr
    purge = json.loads(first.stdout)["purge"]
    assert purge["older_than_days"] == 30
    assert [f["verdict"] for f in purge["files"]] == ["too_young"] * 4
    for path in chain.outbox.iterdir():
        _age(path, 31)
    later = chain.sub("startup")
    assert later.returncode == 0, later.stderr
    removed = [line for line in later.stdout.splitlines() if line.startswith("removed ")]
    assert len(removed) == 4 and all(line.endswith("(uploaded, old)") for line in removed)
    assert list(chain.outbox.iterdir()) == []
    assert _ledger_rows(chain) == 4


def test_LL9_fixed_names_through_the_command(chain: Chain) -> None:
    add_loyalty_lab(chain, "--fixed-names")
    sent = chain.outbox / "sent"
    first = chain.sub("startup")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in chain.server.iterdir()) == [
        "brillen.csv",
        "hoergeraete.csv",
        "kontaktlinsen.csv",
        "kunden.csv",
    ]
    assert [p.name for p in chain.outbox.iterdir()] == ["sent"]
    assert stat.S_IMODE(sent.stat().st_mode) == 0o700  # a folder the product creates (OP6)
    assert len(list(sent.iterdir())) == 4
    # The manual's literal mode: each start finds the files gone and writes them again.
    second = chain.sub("startup")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("exported ") == 4 and second.stdout.count("uploaded ") == 4
    assert len(list(sent.iterdir())) == 8
    listed = json.loads(chain.sub("interfaces", "list", "--json").stdout)
    assert listed[0]["settings"]["file_pattern"] == "{statistik}.csv"


def test_LL10_a_second_workstation_under_the_same_remote_names_is_refused(chain: Chain) -> None:
    first = add_loyalty_lab(chain)
    other = chain.root / "outbox-2"
    other.mkdir(mode=0o700)
    args = (
        "interfaces", "add", "loyalty-lab", "--workstation", "KASSE-2", "--customer-number",
        "4711", "--directory", str(other), "--customers", "ST-CUSTOMERS",
    )  # fmt: skip
    refused = chain.sub(*args)
    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith("amparex: error [loyalty_lab.destination_taken]: ")
    assert first in line and "KASSE-1" in line and "4711_customers_" in line
    assert "file://" in line  # the destination recorded with the configurations
    german = chain.sub("--lang", "de", *args)
    assert "Platzhalter workstation" in german.stderr
    named = chain.sub(
        *args, "--file-pattern", "{customer_number}_{workstation}_{statistic}_{date:%Y%m%d}.csv"
    )
    assert named.returncode == 0, named.stderr


@pytest.mark.timeout(120)
def test_LL8_outbox_watch_over_a_long_history_sends_the_new_file_once(chain: Chain) -> None:
    """A real ``outbox watch`` process on a folder with 3,000 uploaded files."""
    add_loyalty_lab(chain)
    store = SqliteStorage(chain.root / "amparex.sqlite")
    destination = (chain.root / "server").resolve().as_uri()
    now = dt.datetime.now(dt.UTC)
    facts = FileFacts(size=1, sha256=hashlib.sha256(b"x").hexdigest())
    rows = []
    for n in range(3000):
        name = f"4711_customers_2020{n:04d}.csv"
        (chain.outbox / name).write_bytes(b"x")
        record = UploadRecord(destination, name, facts, UploadState.UPLOADED, now, now, name)
        rows.append((destination, name, "uploaded", stored.encode(record)))
    try:  # the history in one transaction, as 3,000 confirmed uploads would have left it
        store.write(
            lambda cur: [
                cur.execute("INSERT INTO uploads VALUES (?, ?, ?, ?)", row) for row in rows
            ]
        )
    finally:
        store.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "amparex_adapters.cli", "--config", str(chain.config),
         "outbox", "watch", "--interval", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(chain.env), cwd=chain.root,
    )  # fmt: skip
    try:
        late = chain.outbox / "4711_customers_20991231.csv"
        time.sleep(1.0)
        late.write_bytes(b"kunden_nr\r\nK1\r\n")
        deadline = time.monotonic() + 30
        while not (chain.server / late.name).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (chain.server / late.name).exists()
        time.sleep(0.5)  # a few more rounds: nothing is sent twice
    finally:
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert stdout.splitlines() == [f"uploaded {late.name}: {chain.server.resolve() / late.name}"]
    assert "stopped; 1 file(s) uploaded" in stderr
    assert sorted(p.name for p in chain.server.iterdir()) == [late.name]


def test_LL11_the_demo_shows_retention(tmp_path: Path) -> None:
    from amparex_adapters.cli.demo import run_demo

    demo = tmp_path / "demo"
    lines: list[str] = []
    first = run_demo(demo, customers=50, echo=lines.append)
    assert len(first.uploaded) == 4 and first.purged == ()
    assert any("retention: uploaded exports older than 30 days" in line for line in lines)
    for path in (demo / "outbox").iterdir():
        _age(path, 31)
    lines.clear()
    later = run_demo(demo, customers=50, echo=lines.append)
    assert len(later.purged) == 4
    assert sum(line.strip().startswith("removed ") for line in lines) == 4
    assert "retention_days = 30" in (demo / "amparex.toml").read_text(encoding="utf-8")
