"""Connections cut mid-transfer during whole service runs (LL7, LL8, CO16, CO18).

A TCP proxy (``tests/integration/delivery/proxy.py``) sits between the service and its
real peer and breaks the connection:

* during :meth:`LoyaltyLab.start` over SFTP (OpenSSH), FTPS (pyftpdlib, vsftpd) and plain
  FTP, at several byte offsets of one export file's content (FTP's data connection does
  not pass the proxy, so the cut is keyed to the bytes the adapter read from the file);
* during :meth:`OrderService.dispatch` over SMTP with STARTTLS and with parcels as files
  over SFTP, at several offsets of the client's byte stream;
* over SMTP right after the server answered ``250`` to the end of DATA but before the
  client read that answer (the proxy swallows the answer and cuts).

After each cut: no partial file under a final name on the server, the upload ledger and
the order/batch states agree with what the server actually holds, and a rerun completes
the work exactly once (adapter-level cuts: tests/integration/delivery/test_faults.py).

SMTP guarantee when the cut falls after the server's ``250`` to DATA: the client cannot
know the message was accepted, so the batch stays open and is sent again — the vendor
receives it twice, both times with the same ``Message-ID`` (``<batch id@amparex-core>``)
and identical content, and the store holds one batch, delivered once. Delivery is
at-least-once with a stable identity; the vendor deduplicates by ``Message-ID`` (CO16).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.files import FilesParcelDelivery
from amparex_adapters.exports.folder import FolderExportTarget
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.orders import BatchStatus, OrderStatus
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.uploads import UploadOutcome, UploadState
from amparex_core.ports.delivery import ParcelDelivery
from amparex_core.services.orders import BatchOutcome
from tests.integration.delivery.proxy import CuttingProxy, TriggerReader
from tests.integration.delivery.targets import FAST_RETRY, Target, build_target, via_port
from tests.plugins.smtp_server import SmtpServer
from tests.reliability._faults import (
    LoyaltyRig,
    OrderRig,
    check_files_parcels,
    check_mailed_batches,
    check_uploads,
    make_stammdaten,
)

pytestmark = pytest.mark.timeout(60)

ROWS = {
    StatisticKind.CUSTOMERS: 3000,
    StatisticKind.GLASSES: 12000,  # about 900 KiB: the file that is cut
    StatisticKind.CONTACT_LENSES: 500,
    StatisticKind.HEARING_AIDS: 0,
}
CUT_FILE = "4711_glasses_20261123.csv"
PROTOCOLS = ["sftp-openssh", "ftps-pyftpdlib", "ftps-vsftpd", "ftp-plain-pyftpdlib"]


class CutOnRead(FolderExportTarget):
    """The real export folder; reading one armed file cuts the proxy at a byte offset."""

    def __init__(self, proxy: CuttingProxy) -> None:
        super().__init__()
        self.proxy = proxy
        self.armed: tuple[str, int] | None = None

    def open(self, directory: str, name: str) -> BinaryIO:
        if self.armed is None or self.armed[0] != name:
            return super().open(directory, name)
        at = self.armed[1]
        self.armed = None
        with super().open(directory, name) as real:
            data = real.read()
        return TriggerReader(data, min(at, len(data)), self.proxy.cut)


@pytest.fixture(scope="module")
def stammdaten(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_stammdaten(tmp_path_factory.mktemp("stammdaten") / "stammdaten.sqlite", ROWS)


@pytest.fixture
def proxied(request: pytest.FixtureRequest) -> Iterator[tuple[Target, CuttingProxy]]:
    target = build_target(request, str(request.param))
    with CuttingProxy(target.server.port) as proxy:
        yield target, proxy


def _rig(
    tmp_path: Path, stammdaten: Path, target: Target, proxy: CuttingProxy, retry: Retry
) -> tuple[LoyaltyRig, CutOnRead]:
    exports = CutOnRead(proxy)
    delivery = via_port(target, proxy.port, retry=retry)
    rig = LoyaltyRig(
        tmp_path / "export",
        stammdaten,
        f"sqlite:///{tmp_path / 'amparex.sqlite'}",
        delivery,
        exports=exports,
    )
    rig.configure()
    return rig, exports


@pytest.mark.parametrize("proxied", PROTOCOLS, indirect=True)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 1.0], ids=["first-read", "middle", "last-read"])
def test_LL8_start_cut_mid_upload_leaves_no_partial_file_and_the_rerun_sends_it_once(
    proxied: tuple[Target, CuttingProxy], stammdaten: Path, tmp_path: Path, fraction: float
) -> None:
    """LL7, LL8: the connection breaks while one of four files goes up (no retries): that
    file fails and is released in the ledger, the others go up, the server holds no part
    of it under its name; the next start uploads it and nothing else again."""
    target, proxy = proxied
    rig, exports = _rig(tmp_path, stammdaten, target, proxy, Retry(attempts=1))
    try:
        size = (ROWS[StatisticKind.GLASSES] + 1) * 60
        exports.armed = (CUT_FILE, int(size * fraction))
        report = rig.start()
        assert [r.outcome for r in report.exports] == [ExportOutcome.WRITTEN] * 4
        outcomes = {r.name: r for r in report.uploads}
        assert proxy.cuts == 1
        failed = outcomes[CUT_FILE]
        assert failed.outcome is UploadOutcome.FAILED
        assert isinstance(failed.error, DeliveryFailed)
        assert failed.error.code == "delivery.failed"
        assert all(
            r.outcome is UploadOutcome.UPLOADED for n, r in outcomes.items() if n != CUT_FILE
        )
        local = rig.local_files()
        before = check_uploads(local, target.folder, rig.store, rig.destination, complete=False)
        assert CUT_FILE not in before
        assert rig.store.get_upload(rig.destination, CUT_FILE) is None  # claim released

        rerun = rig.start()
        assert [r.outcome for r in rerun.exports] == [ExportOutcome.EXISTS] * 4
        again = {r.name: r.outcome for r in rerun.uploads}
        assert again.pop(CUT_FILE) is UploadOutcome.UPLOADED
        assert set(again.values()) == {UploadOutcome.ALREADY_UPLOADED}
        after = check_uploads(local, target.folder, rig.store, rig.destination, complete=True)
        assert {n: after[n] for n in before} == before  # the others were not sent again
        record = rig.store.get_upload(rig.destination, CUT_FILE)
        assert record is not None
        assert record.state is UploadState.UPLOADED  # one row, uploaded (the release
        # of the failed claim removed its row, so the count of attempts starts again)
    finally:
        rig.close()


@pytest.mark.parametrize("proxied", PROTOCOLS, indirect=True)
def test_LL8_start_with_retries_heals_a_cut_in_the_same_run(
    proxied: tuple[Target, CuttingProxy], stammdaten: Path, tmp_path: Path
) -> None:
    """LL8: with retries the adapter reconnects and completes the cut file in the same
    start; the ledger holds one claim for it, the server one complete copy."""
    target, proxy = proxied
    rig, exports = _rig(tmp_path, stammdaten, target, proxy, FAST_RETRY)
    try:
        exports.armed = (CUT_FILE, 300_000)
        report = rig.start()
        assert report.errors == []
        assert len(report.uploaded) == 4
        assert proxy.cuts == 1
        assert proxy.connections >= 2
        check_uploads(rig.local_files(), target.folder, rig.store, rig.destination, complete=True)
        record = rig.store.get_upload(rig.destination, CUT_FILE)
        assert record is not None
        assert (record.state, record.attempts) == (UploadState.UPLOADED, 1)
    finally:
        rig.close()


# ---------------------------------------------------------------- dispatch over SMTP

ORDERS = 120
REPLY_AFTER = 30_000


@pytest.fixture
def smtp_proxy(smtp_server: SmtpServer) -> Iterator[CuttingProxy]:
    with CuttingProxy(smtp_server.port) as proxy:
        yield proxy


def _order_rig(tmp_path: Path, delivery: ParcelDelivery) -> OrderRig:
    rig = OrderRig(f"sqlite:///{tmp_path / 'orders.sqlite'}", delivery)
    rig.setup()
    rig.place(ORDERS)
    rig.next_day()
    return rig


@pytest.mark.parametrize("offset", [150, 2_500, 20_000, 60_000])
def test_CO16_CO18_dispatch_cut_mid_mail_leaves_the_batch_open_and_the_rerun_mails_it_once(
    smtp_server: SmtpServer, smtp_proxy: CuttingProxy, tmp_path: Path, offset: int
) -> None:
    """CO16, CO18: the SMTP connection breaks at *offset* bytes (greeting, STARTTLS, login,
    DATA): the server accepted nothing, the batch stays open, its orders batched; the
    next dispatch sends the same batch once; every order dispatched in that one batch."""
    delivery = smtp_server.delivery(port=smtp_proxy.port, attempts=1)
    rig = _order_rig(tmp_path, delivery)
    try:
        smtp_proxy.cut_after(offset)
        report = rig.orders.dispatch()
        (result,) = report.batches
        assert result.outcome is BatchOutcome.FAILED
        assert result.error is not None
        assert result.error.code == "delivery.failed"
        assert smtp_proxy.cuts == 1
        assert smtp_server.messages == []
        assert check_mailed_batches(rig.store, smtp_server.messages, complete=False) == {}
        assert {o.status for o in rig.store.list_orders()} == {OrderStatus.BATCHED}

        rerun = rig.orders.dispatch()
        (resent,) = rerun.batches
        assert resent.resent
        assert resent.batch.id == result.batch.id
        assert check_mailed_batches(rig.store, smtp_server.messages, complete=True) == {
            result.batch.id: 1
        }
        assert rig.orders.dispatch().batches == ()
        assert len(smtp_server.messages) == 1
        assert len(smtp_server.messages[0].content) > 60_000 + 10_000  # every cut was inside
    finally:
        rig.close()


@pytest.mark.parametrize("attempts", [1, 3], ids=["rerun", "adapter-retry"])
def test_CO16_cut_after_the_servers_250_to_data_resends_under_the_same_message_id(
    smtp_server: SmtpServer, smtp_proxy: CuttingProxy, tmp_path: Path, attempts: int
) -> None:
    """CO16: the server accepted the mail but its ``250`` never reached the client. The
    batch counts as not delivered and goes again — by the adapter's retry or by the next
    dispatch — with the same Message-ID and content: the vendor sees the batch twice
    under one identity; the store holds one batch, delivered once, every order in it."""
    delivery = smtp_server.delivery(port=smtp_proxy.port, attempts=attempts)
    rig = _order_rig(tmp_path, delivery)
    try:
        # The server is silent while the message streams in: the first answer after
        # REPLY_AFTER client bytes is the one to the end of DATA (STARTTLS hides it).
        smtp_proxy.swallow_reply_after(REPLY_AFTER)
        report = rig.orders.dispatch()
        (result,) = report.batches
        assert smtp_proxy.swallowed is not None
        assert len(smtp_server.messages[0].content) > REPLY_AFTER
        if attempts == 1:
            assert result.outcome is BatchOutcome.FAILED
            assert rig.store.get_batch(result.batch.id).status is BatchStatus.OPEN  # type: ignore[union-attr]
            assert check_mailed_batches(rig.store, smtp_server.messages, complete=False) == {
                result.batch.id: 1
            }
            rerun = rig.orders.dispatch()
            assert [r.outcome for r in rerun.batches] == [BatchOutcome.DELIVERED]
            assert rerun.batches[0].resent
        else:
            assert result.outcome is BatchOutcome.DELIVERED
        assert check_mailed_batches(rig.store, smtp_server.messages, complete=True) == {
            result.batch.id: 2
        }
        assert len(rig.store.list_batches()) == 1
    finally:
        rig.close()


# ---------------------------------------------------------------- dispatch as files


@pytest.mark.parametrize("proxied", ["sftp-openssh"], indirect=True)
@pytest.mark.parametrize("offset", [1_000, 30_000, 90_000])
def test_CO16_dispatch_as_files_cut_mid_transfer_never_shows_a_partial_batch(
    proxied: tuple[Target, CuttingProxy], tmp_path: Path, offset: int
) -> None:
    """CO16, CO18: parcels as files over SFTP, the connection breaks at *offset*: no final
    name holds partial content, no README without every attachment, the batch stays
    open; the next dispatch completes the same batch under the same names."""
    target, proxy = proxied
    delivery = FilesParcelDelivery(via_port(target, proxy.port, retry=Retry(attempts=1)))
    rig = _order_rig(tmp_path, delivery)
    try:
        proxy.cut_after(offset)
        (result,) = rig.orders.dispatch().batches
        assert result.outcome is BatchOutcome.FAILED
        assert proxy.cuts == 1
        check_files_parcels(rig.orders, rig.store, target.folder, complete=False)
        (resent,) = rig.orders.dispatch().batches
        assert (resent.outcome, resent.resent) == (BatchOutcome.DELIVERED, True)
        check_files_parcels(rig.orders, rig.store, target.folder, complete=True)
    finally:
        rig.close()
