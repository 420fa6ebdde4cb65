"""Exactly one delivery per batch under any concurrency, with real processes (CO19).

Eight ``amparex orders dispatch`` processes start their work at the same moment (behind
a barrier file, their interpreters started and imported first), ten rounds, each round
two batches (orders of F01 and of F02, two card-ordering interfaces), on one SQLite file
and on PostgreSQL, mailing to a real SMTP server (aiosmtpd, STARTTLS, login):

* every batch arrives exactly once — one mail per Message-ID — and the mails are the
  batches of the store;
* the batch numbers have no gaps: B000001 … B000020;
* every process ends with status 0; a process that met a batch another one was mailing
  says so ("being delivered by KASSE-1, pid …"), none shows a traceback.

The same with the SMTP server holding its answer to DATA for two seconds, so the others
start while the first ones wait. And a holder killed in the middle of a delivery
(SIGKILL while the server holds its answer, the mail already taken): the next dispatch on
the same host finds the holder's process gone and sends the batch again at once; a
holder that stops renewing (SIGSTOP, as a frozen machine) loses its claim only when its
lease ran out (real clock, a lease of 2 s). Either way the batch arrives exactly twice,
under one Message-ID with identical attachments, and is recorded once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from amparex_core.domain.orders import BatchStatus
from tests.plugins.postgres import PgCluster
from tests.plugins.smtp_server import SmtpServer
from tests.reliability._server_chain import ServerChain, mail_batches, tomorrow

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")

PROCESSES = 8
ROUNDS = 10
HELD = re.compile(r"being delivered by KASSE-1(?: on \S+)?, pid \d+, since \d\d:\d\d")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store: a SQLite file, or a fresh schema of the private PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'amparex.sqlite'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.fresh_schema()


@pytest.fixture
def chain(tmp_path: Path, store_url: str, smtp_server: SmtpServer) -> Iterator[ServerChain]:
    chain = ServerChain(tmp_path / "chain", store_url, smtp_server)
    chain.set_up()
    yield chain
    chain.check_no_secret()


def _rounds(chain: ServerChain, tmp_path: Path) -> tuple[int, int]:
    """ROUNDS rounds of PROCESSES dispatchers at once; returns (in-progress lines, losers)."""
    in_progress = losers = 0
    for round_ in range(ROUNDS):
        chain.place_round()
        results = chain.together(
            [["orders", "dispatch", "--now", tomorrow()]] * PROCESSES, tmp_path / f"b{round_}"
        )
        for code, out, err in results:
            assert code == 0, (out, err)
            assert "Traceback" not in out + err
        delivered = sum(out.count(", delivered") for _code, out, _err in results)
        assert delivered == 2, [out for _code, out, _err in results]  # two batches a round
        in_progress += sum(len(HELD.findall(out)) for _code, out, _err in results)
        losers += sum(", delivered" not in out for _code, out, _err in results)
    return in_progress, losers


def _check_each_batch_mailed_once(chain: ServerChain) -> None:
    batches = chain.batches()
    assert [b.order_number for b in batches] == [f"B{n:06d}" for n in range(1, 2 * ROUNDS + 1)]
    assert all(b.status is BatchStatus.DELIVERED for b in batches)
    mailed = mail_batches(chain.smtp.messages)
    assert sorted(mailed) == sorted(b.id for b in batches)
    assert {len(copies) for copies in mailed.values()} == {1}  # one mail per batch


@pytest.mark.timeout(400)
def test_CO19_eight_dispatch_processes_at_once_mail_each_batch_once_with_gap_free_numbers(
    chain: ServerChain, tmp_path: Path
) -> None:
    started = time.monotonic()
    in_progress, losers = _rounds(chain, tmp_path)
    _check_each_batch_mailed_once(chain)
    print(
        f"\n{chain.storage_url.partition(':')[0]}: {ROUNDS} rounds x {PROCESSES} processes, "
        f"{len(chain.smtp.messages)} mails for {2 * ROUNDS} batches, {losers} processes "
        f"delivered nothing, {in_progress} in-progress lines, "
        f"{time.monotonic() - started:.1f} s"
    )


@pytest.mark.timeout(400)
def test_CO19_with_the_smtp_server_holding_its_answer_each_batch_is_mailed_once(
    chain: ServerChain, tmp_path: Path
) -> None:
    chain.smtp.data_delay = 2.0  # the first holders wait while the others start
    in_progress, _losers = _rounds(chain, tmp_path)
    _check_each_batch_mailed_once(chain)
    assert in_progress >= ROUNDS  # the others met the claims while the answers were held
    print(f"\nheld DATA: {in_progress} in-progress lines in {ROUNDS} rounds")


# ---------------------------------------------------------------- a holder that dies


def _held_delivery(chain: ServerChain) -> tuple[subprocess.Popen[str], str]:
    """Start a dispatch of one batch; return it once the server has the mail (and holds
    its answer), with the batch's ID."""
    chain.place_round()
    chain.smtp.data_delay = 30.0
    chain.smtp.arrived.clear()
    proc = chain.popen("orders", "dispatch", "--now", tomorrow())
    assert chain.smtp.arrived.wait(60), "the mail never arrived"
    (batch_id,) = mail_batches(chain.smtp.messages)
    return proc, batch_id


def _check_resent_once_identically(chain: ServerChain, batch_id: str) -> None:
    mailed = mail_batches(chain.smtp.messages)
    assert len(mailed[batch_id]) == 2  # the one mail of the dead holder, one re-send
    first, second = mailed[batch_id]
    assert first == second  # the same attachments, byte for byte
    batches = {b.id: b for b in chain.batches()}
    assert batches[batch_id].status is BatchStatus.DELIVERED
    assert sorted(mailed) == sorted(batches)
    assert all(len(copies) == 1 for b, copies in mailed.items() if b != batch_id)
    assert [b.number for b in batches.values()] == [1, 2]


@pytest.mark.timeout(120)
def test_CO19_sigkill_of_the_holder_mid_delivery_is_followed_by_one_identical_resend(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """Same host: the dead holder's process is gone, so the next run takes over at once."""
    chain = ServerChain(tmp_path / "chain", f"sqlite:///{tmp_path / 'a.sqlite'}", smtp_server)
    chain.set_up()
    proc, batch_id = _held_delivery(chain)
    proc.kill()  # SIGKILL: the server has the mail, the store does not know
    chain.finish(proc)
    chain.smtp.data_delay = 0.0
    started = time.monotonic()
    code, out, err = chain.finish(chain.popen("orders", "dispatch", "--now", tomorrow(), "--json"))
    assert code == 0, (out, err)
    took = time.monotonic() - started
    assert took < 30  # not after the lease (60 s): the holder was proven dead
    results = {r["id"]: r for r in json.loads(out)["batches"]}
    assert results[batch_id]["outcome"] == "delivered" and results[batch_id]["resent"]
    assert results[batch_id]["attempts"] == 2
    code, out, err = chain.finish(chain.popen("orders", "dispatch", "--now", tomorrow()))
    assert code == 0 and "no card orders due" in out  # nothing is sent a third time
    _check_resent_once_identically(chain, batch_id)
    chain.check_no_secret()


@pytest.mark.timeout(120)
def test_CO19_a_holder_that_stops_renewing_loses_its_claim_after_the_lease_only(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """Real clock, a 3 s lease: a frozen holder (SIGSTOP, then SIGKILL) is alive to its
    host, so only the lease frees the batch — never before it ran out."""
    lease = 3.0
    chain = ServerChain(
        tmp_path / "chain", f"sqlite:///{tmp_path / 'a.sqlite'}", smtp_server, lease=lease
    )
    chain.set_up()
    proc, batch_id = _held_delivery(chain)
    os.kill(proc.pid, signal.SIGSTOP)  # frozen: no more renewals
    frozen = time.monotonic()
    # Its last renewal was at most a third of the lease ago: the claim holds until then.
    holds_until = frozen + lease * 2 / 3
    chain.smtp.data_delay = 0.0
    try:
        early = 0
        while time.monotonic() < holds_until:
            code, out, err = chain.finish(chain.popen("orders", "dispatch", "--now", tomorrow()))
            assert code == 0, (out, err)
            if time.monotonic() < holds_until:  # it claimed before this: the lease held
                assert HELD.search(out), out
                assert "(sent again)" not in out
                early += 1
        time.sleep(max(0.0, frozen + lease - time.monotonic()) + 0.2)
        code, out, err = chain.finish(chain.popen("orders", "dispatch", "--now", tomorrow()))
        assert code == 0 and "(sent again)" in out, (out, err)
    finally:
        proc.kill()
        chain.finish(proc)
    _check_resent_once_identically(chain, batch_id)
    chain.check_no_secret()
    print(f"\n{early} dispatch(es) met the frozen holder's claim before its lease ran out")
