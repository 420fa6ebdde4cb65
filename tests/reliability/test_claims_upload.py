"""Upload claims that notice a dead holder and report a live one, real clock (LL8, CO19).

The uploads go to OpenSSH's SFTP server through a TCP proxy that slows the client's bytes
to a crawl, so an upload of one export file (about 250 KiB) takes seconds:

* ``amparex startup`` is killed with SIGKILL while it uploads; the immediate rerun on the
  same host finds the dead run's process gone, takes its claim over at once (not after
  the minute's lease), uploads every file that was not on the server yet exactly once —
  the files the dead run finished are not sent again — and never says "nothing new to
  upload";
* while one ``amparex outbox upload`` sends a file, a concurrent run names it — "1 file
  being uploaded by KASSE-1, pid …, since HH:MM" — in its human output and in
  ``--json`` (``held_by``), and never says "nothing new to upload".
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_core.domain.uploads import UploadState
from tests.cli.chain import BUNDLE
from tests.integration.delivery.proxy import CuttingProxy
from tests.plugins.sftp_servers import SshServer
from tests.plugins.smtp_server import SmtpServer
from tests.reliability._server_chain import ServerChain

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")

RATE = 120_000
"""Bytes per second the proxy lets through to the server: about 2 s per export file."""

ROWS = 3000
"""Rows per statistic: about 250 KiB of CSV each."""

_BIG = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
    "SELECT i AS nr, 'Kundin ' || i || ' Müller-Lüdenscheidt' AS name, "
    "'Lindenweg ' || i AS strasse, '70173 Stuttgart' AS ort, i * 2.5 AS betrag FROM n"
)


def _bundle() -> str:
    """The chain's master data, with statistics large enough to take seconds to upload."""
    big = _BIG.format(rows=ROWS).replace('"', '\\"')
    return re.sub(r'query = "SELECT [^"]*"', f'query = "{big}"', BUNDLE)


HOLDER = re.compile(
    r"(\d+) files? being uploaded by KASSE-1(?: on \S+)?, pid (\d+), since \d\d:\d\d"
)


@pytest.fixture
def slow_sftp(
    openssh_server: SshServer, tmp_path: Path, smtp_server: SmtpServer
) -> Iterator[tuple[ServerChain, Path, CuttingProxy]]:
    """A chain uploading to OpenSSH through a throttled proxy: (chain, remote folder, proxy)."""
    inbox = openssh_server.folder(f"inbox-{tmp_path.name}")
    with CuttingProxy(openssh_server.port) as proxy:
        upload = f"""
[loyalty_lab.upload]
kind = "sftp"
host = "127.0.0.1"
port = {proxy.port}
username = "{openssh_server.username}"
key_file = "{openssh_server.key_file}"
host_key_fingerprint = "{openssh_server.fingerprint}"
remote_dir = "{openssh_server.remote(inbox)}"
timeout = 30.0
"""
        chain = ServerChain(
            tmp_path / "chain",
            f"sqlite:///{tmp_path / 'amparex.sqlite'}",
            smtp_server,
            extra=upload,
            bundle=_bundle(),
        )
        chain.set_up_loyalty_lab()
        proxy.throttle(RATE)
        yield chain, inbox, proxy
        chain.check_no_secret()


def _remote(inbox: Path) -> tuple[dict[str, int], list[str]]:
    """Final files on the server (name -> inode) and the hidden temp names."""
    final = {p.name: p.stat().st_ino for p in inbox.iterdir() if not p.name.startswith(".")}
    temps = [p.name for p in inbox.iterdir() if p.name.startswith(".")]
    return final, temps


def _uploaded_lines(out: str) -> list[str]:
    return sorted(
        line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("uploaded ")
    )


@pytest.mark.timeout(180)
def test_LL8_CO19_a_killed_startup_is_taken_over_at_once_and_every_file_uploaded_once(
    slow_sftp: tuple[ServerChain, Path, CuttingProxy],
) -> None:
    chain, inbox, _proxy = slow_sftp
    run = chain.popen("startup")
    try:
        deadline = time.monotonic() + 90
        while True:  # kill in the middle of the second file: one done, one under way
            final, temps = _remote(inbox)
            if final and temps:
                break
            assert run.poll() is None, chain.finish(run)
            assert time.monotonic() < deadline, "the uploads did not start"
            time.sleep(0.05)
    finally:
        run.kill()  # SIGKILL
        chain.finish(run)
    before, _ = _remote(inbox)
    local = {p.name: p.read_bytes() for p in chain.outbox.iterdir()}
    assert len(local) == 4 and 1 <= len(before) < 4
    store = chain.store()
    try:
        claimed = [r for r in store.list_uploads() if r.state is UploadState.CLAIMED]
    finally:
        store.close()
    assert claimed and all(r.holder is not None and r.holder.pid == run.pid for r in claimed)
    started = time.monotonic()
    code, out, err = chain.finish(chain.popen("startup"), timeout=120)
    took = time.monotonic() - started
    assert code == 0, (out, err)
    assert "nothing new to upload" not in out
    assert "Traceback" not in out + err
    assert _uploaded_lines(out) == sorted(set(local) - set(before))  # each missing file once
    after, temps = _remote(inbox)
    assert sorted(after) == sorted(local)
    assert {name: after[name] for name in before} == before  # not sent again: same inodes
    for name, data in local.items():
        assert (inbox / name).read_bytes() == data
    store = chain.store()
    try:
        records = store.list_uploads()
    finally:
        store.close()
    assert sorted(r.name for r in records) == sorted(local)
    assert all(r.state is UploadState.UPLOADED for r in records)
    assert took < 60  # the dead run's claim was taken at once, not after its lease
    print(
        f"\nkilled with {len(before)} of 4 files on the server ({len(claimed)} claimed, "
        f"{len(temps)} temp left); the rerun uploaded {len(local) - len(before)} in {took:.1f} s"
    )


@pytest.mark.timeout(180)
def test_LL8_CO19_a_concurrent_run_names_the_live_holder_and_since_when(
    slow_sftp: tuple[ServerChain, Path, CuttingProxy],
) -> None:
    chain, inbox, _proxy = slow_sftp
    (chain.outbox / "kunden.csv").write_bytes(b"nr;name\n" + b"1;Erika Mustermann\n" * 12000)
    first = chain.popen("outbox", "upload")
    try:
        deadline = time.monotonic() + 60
        while not _remote(inbox)[1]:  # its upload is under way
            assert first.poll() is None, chain.finish(first)
            assert time.monotonic() < deadline, "the upload did not start"
            time.sleep(0.02)
        code, out, err = chain.finish(chain.popen("outbox", "upload"))
        assert code == 0, (out, err)
        held = HOLDER.search(out)
        assert held is not None, out
        assert (held.group(1), int(held.group(2))) == ("1", first.pid)
        assert "nothing new to upload" not in out
        code, out, err = chain.finish(chain.popen("outbox", "upload", "--json"))
        assert code == 0, (out, err)
        (upload,) = json.loads(out)["uploads"]
        assert upload["outcome"] == "in_progress" and upload["name"] == "kunden.csv"
        assert upload["held_by"]["name"] == "KASSE-1"
        assert upload["held_by"]["pid"] == first.pid
        assert upload["held_by"]["since"] is not None
        assert first.poll() is None  # the first run was at work all the while
    finally:
        code, out, err = chain.finish(first, timeout=120)
    assert code == 0 and _uploaded_lines(out) == ["kunden.csv"], (out, err)
    code, out, err = chain.finish(chain.popen("outbox", "upload"))
    assert code == 0 and "nothing new to upload" in out  # done now, and said so
