"""``amparex serve`` as real processes on the real clock (CO20, CO19).

The server is started with ``[server] recheck = 1`` (it looks again every second) and a
real SMTP server; orders are placed "yesterday" (their daily period is over: due now):

* it delivers the orders already due when it starts, and new due orders within about
  the recheck interval; between ticks it sleeps (next tick at the next local midnight or
  the recheck, whichever comes first; almost no CPU while it waits); SIGTERM ends it with
  status 0;
* two servers against one store deliver each batch once, numbers without gaps;
* SIGTERM while a delivery waits for the SMTP server's answer: the server finishes that
  delivery (or gives its claim back) and exits 0; nothing is left claimed;
* a server killed (SIGKILL) in the middle of a delivery is taken over by another at once
  (same host: its process is gone); the batch arrives again under the same Message-ID
  with identical attachments, and is recorded once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from amparex_core.domain.orders import BatchStatus
from amparex_core.domain.periods import next_period_end
from amparex_core.domain.templates import ShippingInterval
from tests.plugins.smtp_server import SmtpServer
from tests.reliability._server_chain import ServerChain, mail_batches

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes and signals")

SERVER = """
[server]
name = "{name}"
recheck = {recheck}
"""


@pytest.fixture
def chain(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[ServerChain]:
    chain = ServerChain(
        tmp_path / "chain",
        f"sqlite:///{tmp_path / 'amparex.sqlite'}",
        smtp_server,
        extra=SERVER.format(name="ZENTRALE", recheck=1.0),
    )
    chain.set_up()
    yield chain
    chain.check_no_secret()


def _until(what: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def _delivered(chain: ServerChain) -> int:
    return sum(b.status is BatchStatus.DELIVERED for b in chain.batches())


def _stop(chain: ServerChain, proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    return chain.finish(proc, timeout=60)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.timeout(120)
def test_CO20_serve_delivers_due_orders_at_start_and_new_ones_then_stops_on_sigterm(
    chain: ServerChain,
) -> None:
    chain.place_due()  # due before the server starts
    serve = chain.popen("--log-level", "info", "serve")
    try:
        _until(lambda: _delivered(chain) == 2, 60, "the due orders were not delivered")
        chain.place_due()  # due while it runs: found within about a second
        placed = time.monotonic()
        _until(lambda: _delivered(chain) == 4, 30, "the new orders were not delivered")
        assert time.monotonic() - placed < 15
        if sys.platform.startswith("linux"):  # it sleeps between ticks: no busy poll
            time.sleep(1.0)
            before = _cpu_seconds(serve.pid)
            time.sleep(3.0)
            assert _cpu_seconds(serve.pid) - before < 0.5
    finally:
        code, out, err = _stop(chain, serve)
    assert code == 0, (out, err)
    assert "Traceback" not in out + err
    assert len(re.findall(r"batch B00000\d: 1 card\(s\)", out)) == 4
    assert re.search(r"stopped after \d+ tick\(s\)", err), err
    assert "serving sqlite store as ZENTRALE" in err
    mailed = mail_batches(chain.smtp.messages)
    assert len(mailed) == 4 and {len(m) for m in mailed.values()} == {1}
    # Each tick planned the next one: the recheck, or the next local midnight if sooner.
    ticks = re.findall(r"next tick at (\S+?)(?:;|$)", err, flags=re.MULTILINE)
    assert ticks, err
    berlin = ZoneInfo("Europe/Berlin")
    for text in ticks:
        wake = dt.datetime.fromisoformat(text)
        midnight = next_period_end(wake - dt.timedelta(seconds=1), [ShippingInterval.DAILY], berlin)
        assert midnight is not None and wake <= midnight


@pytest.mark.timeout(120)
def test_CO20_once_runs_one_tick_for_cron_and_sleeps_to_the_next_midnight_otherwise(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    chain = ServerChain(
        tmp_path / "chain",
        f"sqlite:///{tmp_path / 'a.sqlite'}",
        smtp_server,
        extra=SERVER.format(name="ZENTRALE", recheck=86400.0),
    )
    chain.set_up()
    chain.place_due()
    code, out, err = chain.finish(chain.popen("serve", "--once"))
    assert code == 0 and out.count(", delivered") == 2, (out, err)
    code, out, err = chain.finish(chain.popen("serve", "--once"))
    assert code == 0 and "no card orders due" in out
    serve = chain.popen("--log-level", "info", "serve")
    try:
        time.sleep(3.0)  # one tick at the start, then asleep
    finally:
        code, out, err = _stop(chain, serve)
    assert code == 0, err
    (planned,) = re.findall(r"next tick at (\S+?)(?:;|$)", err, flags=re.MULTILINE)
    berlin = ZoneInfo("Europe/Berlin")
    midnight = next_period_end(dt.datetime.now(dt.UTC), [ShippingInterval.DAILY], berlin)
    assert dt.datetime.fromisoformat(planned) == midnight  # sleeps to the period's end
    chain.check_no_secret()


@pytest.mark.timeout(180)
def test_CO19_CO20_two_servers_deliver_each_batch_once(chain: ServerChain, tmp_path: Path) -> None:
    servers = [chain.popen("serve") for _ in range(2)]
    try:
        for round_ in range(5):
            chain.place_due()
            expected = 2 * (round_ + 1)

            def done(expected: int = expected) -> bool:
                return _delivered(chain) == expected

            _until(done, 60, f"round {round_} was not delivered")
    finally:
        results = [_stop(chain, proc) for proc in servers]
    for code, out, err in results:
        assert code == 0, (out, err)
    batches = chain.batches()
    assert [b.number for b in batches] == list(range(1, 11))
    mailed = mail_batches(chain.smtp.messages)
    assert sorted(mailed) == sorted(b.id for b in batches)
    assert {len(copies) for copies in mailed.values()} == {1}
    by_server = [out.count(", delivered") for _code, out, _err in results]
    assert sum(by_server) == 10
    print(f"\ntwo servers: {by_server} batches delivered each")


@pytest.mark.timeout(120)
def test_CO20_sigterm_mid_delivery_exits_0_with_the_batch_delivered_or_released(
    chain: ServerChain,
) -> None:
    chain.place_due()
    chain.smtp.data_delay = 3.0
    chain.smtp.arrived.clear()
    serve = chain.popen("serve")
    try:
        assert chain.smtp.arrived.wait(60), "no delivery began"
    finally:
        code, out, err = _stop(chain, serve)  # while the server holds its answer
    assert code == 0, (out, err)
    assert "Traceback" not in out + err
    store = chain.store()
    try:
        for batch in store.list_batches():
            delivery = store.get_batch_delivery(batch.id)
            # Delivered, or never claimed, or given back: nothing is left claimed.
            assert delivery is None or delivery.holder is None, delivery
        delivered = [b for b in store.list_batches() if b.status is BatchStatus.DELIVERED]
    finally:
        store.close()
    assert len(delivered) == 1  # the one in flight was finished, the other left for later
    assert len(mail_batches(chain.smtp.messages)) == 1


@pytest.mark.timeout(120)
def test_CO19_CO20_a_server_killed_mid_delivery_is_taken_over_by_another(
    chain: ServerChain,
) -> None:
    chain.place_due()
    chain.smtp.data_delay = 30.0
    chain.smtp.arrived.clear()
    first = chain.popen("serve")
    try:
        assert chain.smtp.arrived.wait(60), "no delivery began"
        (batch_id,) = mail_batches(chain.smtp.messages)
    finally:
        first.kill()  # SIGKILL: the mail is taken, the store does not know
        chain.finish(first)
    chain.smtp.data_delay = 0.0
    second = chain.popen("serve")
    try:
        _until(lambda: _delivered(chain) == 2, 30, "the second server did not take over")
    finally:
        code, out, err = _stop(chain, second)
    assert code == 0, (out, err)
    assert "(sent again)" in out
    mailed = mail_batches(chain.smtp.messages)
    assert len(mailed[batch_id]) == 2 and mailed[batch_id][0] == mailed[batch_id][1]
    assert {len(m) for b, m in mailed.items() if b != batch_id} == {1}
