"""What the deliveries log against their real peers: host keys added, retries, never a secret.

A host key added to ``known_hosts`` is a WARNING naming the host and the fingerprint; a
retry after a broken connection is an INFO record with the attempt and the (scrubbed)
reason. The password never appears in a record, at any level.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.sftp import SftpDelivery
from amparex_core.domain.parcels import Attachment, Parcel
from amparex_core.domain.secret import Secret
from tests.integration.delivery.proxy import CuttingProxy, cut_once
from tests.integration.delivery.targets import FAST_RETRY, build_target, outgoing, via_port
from tests.plugins.sftp_servers import SshServer
from tests.plugins.smtp_server import SMTP_PASSWORD, SmtpServer

pytestmark = pytest.mark.integration


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith("amparex_adapters") and r.levelno == level
    ]


def test_LL8_a_host_key_added_to_known_hosts_is_a_warning_with_host_and_fingerprint(
    asyncssh_server: SshServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ssh = asyncssh_server
    assert ssh.password is not None
    folder = ssh.folder(f"tofu-{tmp_path.name}")
    known = tmp_path / "known_hosts"
    known.write_text("")
    caplog.set_level(logging.DEBUG, logger="amparex_adapters")
    with SftpDelivery(
        ssh.host,
        port=ssh.port,
        username=ssh.username,
        password=Secret(ssh.password),
        known_hosts=known,
        accept_new_host_key=True,
        remote_dir=ssh.remote(folder),
        retry=Retry(attempts=1),
        timeout=10.0,
    ) as delivery:
        delivery.upload(outgoing("a.csv", b"tofu"))
        delivery.upload(outgoing("b.csv", b"tofu"))  # the same connection: no second record
    (warning,) = _records(caplog, logging.WARNING)
    assert warning.name == "amparex_adapters.delivery.sftp"
    text = warning.getMessage()
    assert f"[{ssh.host}]:{ssh.port}" in text
    assert ssh.fingerprint in text
    assert str(known) in text
    assert known.read_text().startswith(f"[{ssh.host}]:{ssh.port} ")
    assert ssh.password not in caplog.text


@pytest.mark.parametrize("kind", ["sftp-asyncssh-password", "ftps-pyftpdlib"])
def test_LL8_a_retry_after_a_cut_is_logged_at_info_without_the_password(
    request: pytest.FixtureRequest, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = build_target(request, kind)
    password = target.server.password
    assert password
    data = os.urandom(2 * 1024 * 1024)
    caplog.set_level(logging.DEBUG, logger="amparex_adapters")
    with CuttingProxy(target.server.port) as proxy:
        delivery = via_port(target, proxy.port, retry=FAST_RETRY)
        try:
            delivery.upload(cut_once("kunden.csv", data, proxy))
        finally:
            getattr(delivery, "close")()  # noqa: B009 - the port has no close
        assert proxy.cuts == 1
    assert target.fetch("kunden.csv") == data
    retries = [r for r in _records(caplog, logging.INFO) if "attempt 2 of 3" in r.getMessage()]
    assert len(retries) == 1, caplog.text
    text = retries[0].getMessage()
    assert "'kunden.csv'" in text and f":{proxy.port}" in text
    assert "failed (" in text  # the reason, one line
    assert not _records(caplog, logging.WARNING), caplog.text  # a retry is no warning
    assert password not in caplog.text


def test_CO16_an_smtp_retry_after_a_cut_is_logged_at_info_without_the_password(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    parcel = Parcel(
        id="batch-0042",
        subject="Kartenbestellung AX-100 B000042",
        body="Karten / cards: 1\n",
        attachments=[Attachment("B000042-cards.pdf", "application/pdf", os.urandom(400_000))],
    )
    caplog.set_level(logging.DEBUG, logger="amparex_adapters")
    with CuttingProxy(smtp_server.port) as proxy:
        delivery = smtp_server.delivery(port=proxy.port, attempts=3, backoff=0.0)
        proxy.cut_after(200_000)  # in the middle of DATA, once
        receipt = delivery.send(parcel)
        assert proxy.cuts == 1
    assert receipt.reference == "<batch-0042@amparex-core>"
    assert len(smtp_server.messages) == 1
    (retry,) = _records(caplog, logging.INFO)
    text = retry.getMessage()
    assert retry.name == "amparex_adapters.delivery.smtp"
    assert "'batch-0042'" in text and "attempt 2 of 3" in text
    assert f"smtp://127.0.0.1:{proxy.port}" in text
    assert SMTP_PASSWORD not in caplog.text
