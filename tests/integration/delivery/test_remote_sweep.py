"""LL8: the temp files of dead uploads are swept from the remote folder, and nothing else.

An upload killed mid-transfer leaves its hidden temp file (``.<name>.<8 hex>.part``) on
the server. SFTP and FTP(S) deliveries list the remote folder once per connection, before
the first upload, and remove exactly those temp files older than ``stale_after``. Proven
against the real servers (OpenSSH and asyncssh SFTP, pyftpdlib FTPS and FTP, vsftpd FTPS
— vsftpd has no MLSD, so it takes the ``NLST -a`` + ``MDTM`` path), by looking at the
server's folder directly:

* only stale temp files with exactly the pattern go — not fresh ones, not look-alikes,
  not a folder named like one, not one in a sub-folder;
* the folder is listed once per connection: a stale temp file that appears after the
  first upload stays through the next upload on the same connection and goes with the
  next connection;
* a folder that cannot be listed does not fail the upload, nor does a connection that
  breaks during the listing;
* ``stale_after`` is validated.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest

from amparex_adapters.delivery.ftp import FtpDelivery
from amparex_adapters.delivery.sftp import SftpDelivery
from amparex_core.domain.secret import Secret
from tests.integration.delivery.proxy import CuttingProxy
from tests.integration.delivery.targets import Target, build_target, outgoing, via_port

pytestmark = pytest.mark.integration

KINDS = ["sftp-openssh", "sftp-asyncssh", "ftps-pyftpdlib", "ftp-plain-pyftpdlib", "ftps-vsftpd"]

STALE = [".report.csv.0a1b2c3d.part", ".Kunden 2026.csv.deadbeef.part"]
"""Temp files as :func:`temp_name` makes them, untouched for two hours: swept."""
FRESH = [".report.csv.12345678.part"]
"""A temp file written a minute ago (a live upload, maybe of another computer): kept."""
LOOK_ALIKES = [
    ".report.csv.part",  # no random part
    ".x.123.part",  # not eight hex digits
    "report.csv.3f9a0c1e.part",  # not hidden
    ".report.csv.3F9A0C1E.part",  # upper-case hex: temp_name never makes it
    ".report.csv.3f9a0c1e.part.bak",
    "..report.csv.3f9a0c1e.part",  # the name inside starts with a dot
    "notes.txt",
]
"""Names that are not temp files of this adapter, all two hours old: kept."""
DIR_LIKE = ".folder.csv.0a1b2c3d.part"
"""A folder named like a temp file: kept."""


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _seed(folder: Path) -> None:
    for name in STALE + LOOK_ALIKES:
        (folder / name).write_bytes(b"left behind")
        _age(folder / name, 2 * 3600)
    for name in FRESH:
        (folder / name).write_bytes(b"being written")
        _age(folder / name, 60)
    (folder / DIR_LIKE).mkdir()
    (folder / DIR_LIKE).chmod(0o777)
    _age(folder / DIR_LIKE, 2 * 3600)
    sub = folder / "sub"
    sub.mkdir()
    sub.chmod(0o777)
    (sub / STALE[0]).write_bytes(b"not in the remote folder")
    _age(sub / STALE[0], 2 * 3600)


def _sweeps(target: Target) -> int:
    delivery = target.delivery
    assert isinstance(delivery, SftpDelivery | FtpDelivery)
    return delivery.sweeps


@pytest.mark.parametrize("kind", KINDS)
def test_LL8_first_upload_sweeps_only_stale_temp_files_of_the_exact_pattern(
    request: pytest.FixtureRequest, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """LL8: after one upload the stale exact-pattern temp files in the folder are gone;
    fresh temps, look-alikes, a folder named like a temp and a temp in a sub-folder stay."""
    target = build_target(request, kind)
    _seed(target.folder)
    with caplog.at_level(logging.INFO, logger="amparex_adapters.delivery"):
        target.delivery.upload(outgoing("report.csv", b"a;b\n1;2\n"))
    assert target.listing() == sorted([*FRESH, *LOOK_ALIKES, DIR_LIKE, "sub", "report.csv"])
    assert (target.folder / "sub" / STALE[0]).read_bytes() == b"not in the remote folder"
    assert target.fetch("report.csv") == b"a;b\n1;2\n"
    assert _sweeps(target) == 1
    assert getattr(target.delivery, "swept", None) == len(STALE)
    assert f"swept {len(STALE)} stale temporary file(s)" in caplog.text


@pytest.mark.parametrize("kind", KINDS)
def test_LL8_folder_is_listed_once_per_connection_not_per_file(
    request: pytest.FixtureRequest, kind: str
) -> None:
    """LL8: a stale temp that appears after the first upload survives later uploads on the
    same connection (no listing per file) and goes with the next connection."""
    target = build_target(request, kind)
    target.delivery.upload(outgoing("first.csv", b"1"))
    late = target.folder / ".late.csv.c0ffee00.part"
    late.write_bytes(b"a dead upload of another computer")
    _age(late, 2 * 3600)
    for n in range(3):
        target.delivery.upload(outgoing(f"more-{n}.csv", b"2"))
    assert late.exists()
    assert _sweeps(target) == 1
    target.close()
    target.delivery.upload(outgoing("next-connection.csv", b"3"))
    assert not late.exists()
    assert _sweeps(target) == 2
    assert target.listing() == sorted(
        ["first.csv", "more-0.csv", "more-1.csv", "more-2.csv", "next-connection.csv"]
    )


@pytest.mark.parametrize("kind", ["sftp-openssh", "ftps-pyftpdlib"])
def test_LL8_stale_after_decides_what_counts_as_stale(
    request: pytest.FixtureRequest, kind: str
) -> None:
    """LL8: with ``stale_after=10 min`` a temp untouched for 20 min goes, one of 5 min
    stays."""
    target = build_target(request, kind)
    older, newer = target.folder / ".a.csv.aaaaaaaa.part", target.folder / ".b.csv.bbbbbbbb.part"
    for path, age in ((older, 20 * 60), (newer, 5 * 60)):
        path.write_bytes(b"x")
        _age(path, age)
    delivery = target.rebuild(stale_after=10 * 60)
    try:
        delivery.upload(outgoing("c.csv", b"c"))
    finally:
        getattr(delivery, "close")()  # noqa: B009 - the port has no close
    assert target.listing() == sorted([newer.name, "c.csv"])


@pytest.mark.parametrize("kind", ["sftp-asyncssh", "ftps-pyftpdlib", "ftp-plain-pyftpdlib"])
def test_LL8_a_folder_that_cannot_be_listed_does_not_fail_the_upload(
    request: pytest.FixtureRequest, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """LL8: the server refuses to list the folder (an upload-only drop box — these test
    servers refuse for a folder named ``unlistable``): the upload succeeds, nothing is
    removed, a warning names the destination and never the password."""
    server = request.getfixturevalue(
        "asyncssh_server"
        if kind.startswith("sftp")
        else "pyftpd_ftps"
        if kind == "ftps-pyftpdlib"
        else "pyftpd_plain"
    )
    target = build_target(request, kind)
    folder = server.folder(f"unlistable-{target.folder.name}")
    stale = folder / STALE[0]
    stale.write_bytes(b"x")
    _age(stale, 2 * 3600)
    delivery = target.rebuild(remote_dir=server.remote(folder))
    try:
        with caplog.at_level(logging.DEBUG, logger="amparex_adapters.delivery"):
            delivery.upload(outgoing("report.csv", b"data"))
            delivery.upload(outgoing("second.csv", b"data"))
        assert getattr(delivery, "sweeps") == 1  # noqa: B009 - not on the port
    finally:
        getattr(delivery, "close")()  # noqa: B009 - the port has no close
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [STALE[0], "report.csv", "second.csv"]
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("could not list" in r.getMessage() for r in warnings)
    assert server.password not in caplog.text


def test_LL8_a_connection_broken_during_the_listing_does_not_fail_the_upload(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    """LL8: the server's answer to ``MLSD`` never arrives and the connection breaks (plain
    FTP through a proxy that drops it): the delivery drops that connection, whose replies
    may be out of step, opens a new one without sweeping again and uploads — in its first
    attempt, on its second connection."""
    target = build_target(request, "ftp-plain-pyftpdlib")
    stale = target.folder / STALE[0]
    stale.write_bytes(b"x")
    _age(stale, 2 * 3600)
    with CuttingProxy(target.server.port) as proxy:
        delivery = via_port(target, proxy.port)
        assert isinstance(delivery, FtpDelivery)
        proxy.swallow_reply_after_marker(b"MLSD")
        try:
            # INFO: a retry would be logged there (a retry is no warning).
            with caplog.at_level(logging.INFO, logger="amparex_adapters.delivery"):
                delivery.upload(outgoing("report.csv", b"data"))
            assert proxy.swallowed is not None and proxy.cuts >= 1
            assert proxy.connections == 2
            assert delivery.sweeps == 1
        finally:
            delivery.close()
    assert "could not list" in caplog.text
    assert "attempt 2" not in caplog.text  # no retry: the upload itself never failed
    assert target.listing() == sorted([STALE[0], "report.csv"])


def test_LL8_vsftpd_folder_without_read_permission_does_not_fail_the_upload(
    request: pytest.FixtureRequest,
) -> None:
    """LL8: vsftpd's anonymous user may write into the folder but not read it (mode
    0733; vsftpd drops root for the anonymous session): vsftpd answers the listing with
    nothing, the upload succeeds and the stale temp stays (it cannot be seen)."""
    target = build_target(request, "ftps-vsftpd")
    stale = target.folder / STALE[0]
    stale.write_bytes(b"x")
    _age(stale, 2 * 3600)
    target.folder.chmod(0o733)
    try:
        target.delivery.upload(outgoing("report.csv", b"data"))
    finally:
        target.folder.chmod(0o777)
    assert target.listing() == sorted([STALE[0], "report.csv"])
    assert _sweeps(target) == 1


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "3600", True])
def test_stale_after_must_be_a_positive_number_of_seconds(value: Any) -> None:
    """``stale_after`` ≤ 0, NaN, infinite or not a number is refused (ValueError: the
    configuration layer turns it into ``ConfigInvalid``)."""
    with pytest.raises(ValueError, match="stale_after"):
        SftpDelivery(
            "127.0.0.1",
            username="u",
            known_hosts=None,
            host_key_fingerprint="SHA256:x",
            stale_after=value,
        )
    with pytest.raises(ValueError, match="stale_after"):
        FtpDelivery("127.0.0.1", username="u", password=Secret("pw"), stale_after=value)
