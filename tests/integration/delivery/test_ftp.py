"""FTP/FTPS specifics (LL8): TLS session reuse, certificate checks, plain FTP only on request."""

from __future__ import annotations

import ftplib
import io
import logging
import socket
import ssl
from pathlib import Path

import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.ftp import FtpDelivery
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.secret import Secret
from tests.integration.delivery.targets import FAST_RETRY, Target, build_target, outgoing
from tests.plugins.ftp_servers import FtpServer

pytestmark = pytest.mark.integration


def test_LL8_vsftpd_requires_tls_session_reuse_and_we_provide_it(
    vsftpd_server: FtpServer, request: pytest.FixtureRequest
) -> None:
    """The stdlib's FTP_TLS does not resume the session on the data connection: vsftpd
    (require_ssl_reuse=YES) refuses it. Our adapter resumes it and succeeds."""
    server = vsftpd_server
    folder = server.folder("reuse-proof")
    context = ssl.create_default_context(cafile=str(server.pki.ca_file))
    plain_stdlib = ftplib.FTP_TLS(context=context, timeout=10)
    try:
        plain_stdlib.connect(server.host, server.port)
        plain_stdlib.login(server.username, server.password)
        plain_stdlib.prot_p()
        with pytest.raises((ftplib.error_perm, ftplib.error_temp, OSError)) as info:
            plain_stdlib.storbinary(f"STOR {server.remote(folder)}/x.bin", io.BytesIO(b"x" * 100))
    finally:
        plain_stdlib.close()
    assert "session reuse required" in str(info.value)
    assert not (folder / "x.bin").exists() or (folder / "x.bin").stat().st_size == 0

    target: Target = build_target(request, "ftps-vsftpd")
    target.delivery.upload(outgoing("x.bin", b"x" * 100))
    assert target.fetch("x.bin") == b"x" * 100


@pytest.mark.parametrize("kind", ["ftps-pyftpdlib", "ftps-vsftpd"])
def test_LL8_certificate_from_another_ca_is_refused_without_retry(
    request: pytest.FixtureRequest, kind: str
) -> None:
    target: Target = build_target(request, kind)
    delivery = target.rebuild(
        ca_file=target.server.pki.other_ca_file, retry=Retry(attempts=4, backoff=30)
    )
    with delivery, pytest.raises(DeliveryFailed) as info:  # type: ignore[attr-defined]
        delivery.upload(outgoing("a.csv", b"x"))
    assert "certificate verify failed" in info.value.reason
    assert target.listing() == []


def test_LL8_certificate_verification_is_on_by_default(
    request: pytest.FixtureRequest,
) -> None:
    """Without the test CA the system CAs do not know the server: refused."""
    target: Target = build_target(request, "ftps-pyftpdlib")
    delivery = target.rebuild(ca_file=None)
    with delivery, pytest.raises(DeliveryFailed) as info:  # type: ignore[attr-defined]
        delivery.upload(outgoing("a.csv", b"x"))
    assert "certificate" in info.value.reason


def test_LL8_host_name_must_match_the_certificate(pyftpd_ftps: FtpServer) -> None:
    server = pyftpd_ftps
    folder = server.folder("hostname")
    delivery = FtpDelivery(
        "127.0.0.2",
        port=server.port,
        username=server.username,
        password=Secret(server.password),
        ca_file=server.pki.ca_file,
        remote_dir=server.remote(folder),
        retry=Retry(attempts=1),
    )
    with delivery, pytest.raises(DeliveryFailed):
        delivery.upload(outgoing("a.csv", b"x"))
    assert list(folder.iterdir()) == []


def test_LL8_unverified_mode_logs_a_warning(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    target: Target = build_target(request, "ftps-pyftpdlib")
    delivery = target.rebuild(ca_file=None, verify=False)
    with caplog.at_level(logging.WARNING), delivery:  # type: ignore[attr-defined]
        delivery.upload(outgoing("a.csv", b"x"))
    assert "NOT verified" in caplog.text
    assert target.fetch("a.csv") == b"x"


def test_LL8_plain_ftp_is_refused_unless_allowed(pyftpd_plain: FtpServer) -> None:
    server = pyftpd_plain
    with pytest.raises(DeliveryFailed) as info:
        FtpDelivery(
            server.host,
            port=server.port,
            username=server.username,
            password=Secret(server.password),
            tls=False,
        )
    assert "allow" in info.value.reason
    assert info.value.destination.startswith("ftp://")


def test_LL8_plain_ftp_when_allowed_logs_a_warning(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    target: Target = build_target(request, "ftp-plain-pyftpdlib")
    with caplog.at_level(logging.WARNING):
        target.delivery.upload(outgoing("a.csv", b"plain"))
    assert "unencrypted" in caplog.text
    assert target.fetch("a.csv") == b"plain"


def test_LL8_ftps_client_never_falls_back_to_plain(pyftpd_plain: FtpServer) -> None:
    """A server without TLS is refused by an FTPS delivery (no silent downgrade)."""
    server = pyftpd_plain
    folder = server.folder("nodowngrade")
    delivery = FtpDelivery(
        server.host,
        port=server.port,
        username=server.username,
        password=Secret(server.password),
        ca_file=server.pki.ca_file,
        remote_dir=server.remote(folder),
        retry=FAST_RETRY,
    )
    with delivery, pytest.raises(DeliveryFailed):
        delivery.upload(outgoing("a.csv", b"x"))
    assert list(folder.iterdir()) == []


def test_LL8_wrong_password_fails_without_showing_it(
    pyftpd_ftps: FtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = pyftpd_ftps
    folder = server.folder("badpw")
    secret = "Falsches-Passwort-0815"
    caplog.set_level(logging.DEBUG)
    delivery = FtpDelivery(
        server.host,
        port=server.port,
        username=server.username,
        password=Secret(secret),
        ca_file=server.pki.ca_file,
        remote_dir=server.remote(folder),
        retry=Retry(attempts=3, backoff=30),
    )
    with delivery, pytest.raises(DeliveryFailed) as info:
        delivery.upload(outgoing("a.csv", b"x"))
    error = info.value
    assert "530" in error.reason
    assert "127.0.0.1" in str(error)
    assert "a.csv" in str(error)
    for text in (str(error), error.message("de"), repr(delivery), caplog.text):
        assert secret not in text


def test_LL8_password_must_be_a_secret() -> None:
    with pytest.raises(TypeError):
        FtpDelivery("h", username="u", password="plain")  # type: ignore[arg-type]


def test_LL8_one_connection_serves_many_files(request: pytest.FixtureRequest) -> None:
    target: Target = build_target(request, "ftps-vsftpd")
    delivery = target.delivery
    assert isinstance(delivery, FtpDelivery)
    delivery.upload(outgoing("a.csv", b"a"))
    first = delivery._ftp
    for i in range(5):
        delivery.upload(outgoing(f"f{i}.csv", b"b"))
    assert delivery._ftp is first
    assert len(target.listing()) == 6


def test_LL8_idle_connection_is_probed_and_replaced_when_dead(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    target: Target = build_target(request, "ftps-pyftpdlib")
    delivery = target.delivery
    assert isinstance(delivery, FtpDelivery)
    delivery.upload(outgoing("a.csv", b"a"))
    ftp = delivery._ftp
    assert ftp is not None
    assert ftp.sock is not None
    ftp.sock.shutdown(socket.SHUT_RDWR)  # the server side timed out meanwhile, say
    delivery._last_used -= 3600
    delivery.upload(outgoing("b.csv", b"b"))
    assert delivery._ftp is not ftp
    assert target.fetch("b.csv") == b"b"


def test_LL8_missing_remote_folder_fails_without_retry(request: pytest.FixtureRequest) -> None:
    target: Target = build_target(request, "ftps-pyftpdlib")
    delivery = target.rebuild(remote_dir="/does/not/exist", retry=Retry(attempts=4, backoff=30))
    with delivery, pytest.raises(DeliveryFailed) as info:  # type: ignore[attr-defined]
        delivery.upload(outgoing("a.csv", b"x"))
    assert "550" in info.value.reason


def test_LL8_unreadable_local_file_is_not_retried(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from amparex_core.domain.parcels import OutgoingFile

    target: Target = build_target(request, "ftps-pyftpdlib")
    delivery = target.rebuild(retry=Retry(attempts=4, backoff=30))
    missing = tmp_path / "gone.csv"
    file = OutgoingFile(name="gone.csv", size=3, open=lambda: missing.open("rb"))
    with delivery, pytest.raises(DeliveryFailed) as info:  # type: ignore[attr-defined]
        delivery.upload(file)
    assert "FileNotFoundError" in info.value.reason
    assert target.listing() == []


def test_LL8_server_refusing_rename_onto_a_file_gets_delete_then_rename(
    pyftpd_strict_rename: FtpServer,
) -> None:
    server = pyftpd_strict_rename
    folder = server.folder("strict")
    delivery = FtpDelivery(
        server.host,
        port=server.port,
        username=server.username,
        password=Secret(server.password),
        ca_file=server.pki.ca_file,
        remote_dir=server.remote(folder),
        retry=Retry(attempts=1),
    )
    with delivery:
        delivery.upload(outgoing("a.csv", b"old"))
        delivery.upload(outgoing("a.csv", b"new content"))
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv"]
    assert (folder / "a.csv").read_bytes() == b"new content"
    # The server really refuses a plain RNFR/RNTO onto an existing file:
    (folder / "b.csv").write_bytes(b"b")
    raw = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=str(server.pki.ca_file)))
    try:
        raw.connect(server.host, server.port, timeout=10)
        raw.login(server.username, server.password)
        with pytest.raises(ftplib.error_perm):
            raw.rename(f"{server.remote(folder)}/b.csv", f"{server.remote(folder)}/a.csv")
    finally:
        raw.close()
