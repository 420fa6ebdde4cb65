"""Every file delivery of this project against its real peer, built the same way.

:func:`build_target` returns a :class:`Target`: the adapter plus the local folder where the
server stores what it receives, so a test can look at the "remote" side directly.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import pytest

from amparex_adapters.delivery._common import Retry
from amparex_adapters.delivery.folder import FolderDelivery
from amparex_adapters.delivery.ftp import FtpDelivery
from amparex_adapters.delivery.sftp import SftpDelivery
from amparex_core.domain.parcels import OutgoingFile
from amparex_core.domain.secret import Secret
from amparex_core.ports.delivery import FileDelivery

__all__ = ["FAST_RETRY", "KINDS", "Target", "build_target", "outgoing", "via_port"]

#: Retries that do not slow the tests down.
FAST_RETRY = Retry(attempts=3, backoff=0.01, max_backoff=0.05)

KINDS: dict[str, str | None] = {
    "sftp-openssh": "openssh_server",
    "sftp-asyncssh": "asyncssh_server",
    "sftp-asyncssh-password": "asyncssh_server",
    "ftps-pyftpdlib": "pyftpd_ftps",
    "ftp-plain-pyftpdlib": "pyftpd_plain",
    "ftps-vsftpd": "vsftpd_server",
    "folder": None,
}
"""Target kinds → the fixture of their server (``None``: no server)."""


@attrs.define
class Target:
    """A file delivery and the local folder where its uploads land."""

    kind: str
    delivery: FileDelivery
    folder: Path
    server: Any
    rebuild: Callable[..., FileDelivery]

    def fetch(self, name: str) -> bytes | None:
        """The content that arrived under *name*, or ``None``."""
        path = self.folder / name
        return path.read_bytes() if path.exists() else None

    def listing(self) -> list[str]:
        """Names in the target folder, sorted (temporary names included)."""
        return sorted(p.name for p in self.folder.iterdir())

    def close(self) -> None:
        """Close the delivery's connection, if it has one."""
        close = getattr(self.delivery, "close", None)
        if close is not None:
            close()


def outgoing(name: str, data: bytes, *, size: int | None = None) -> OutgoingFile:
    """An :class:`OutgoingFile` with *data* as content (``size`` may lie, for tests)."""

    def opener() -> BinaryIO:
        return io.BytesIO(data)

    return OutgoingFile(name=name, size=len(data) if size is None else size, open=opener)


def _sftp(server: Any, folder: Path, *, password: bool, **kw: Any) -> SftpDelivery:
    options: dict[str, Any] = {
        "port": server.port,
        "username": server.username,
        "known_hosts": server.known_hosts,
        "remote_dir": server.remote(folder),
        "retry": FAST_RETRY,
        "timeout": 10.0,
    }
    if password:
        options["password"] = Secret(server.password)
    else:
        options["key_file"] = server.key_file
    options.update(kw)
    return SftpDelivery(server.host, **options)


def _ftp(server: Any, folder: Path, **kw: Any) -> FtpDelivery:
    options: dict[str, Any] = {
        "port": server.port,
        "username": server.username,
        "password": Secret(server.password),
        "remote_dir": server.remote(folder),
        "tls": server.tls,
        "allow_plain": not server.tls,
        "ca_file": server.pki.ca_file,
        "retry": FAST_RETRY,
        "timeout": 10.0,
    }
    options.update(kw)
    return FtpDelivery(server.host, **options)


def build_target(request: pytest.FixtureRequest, kind: str, tmp_path: Path | None = None) -> Target:
    """Start (or reuse) the server of *kind* and build a delivery into a fresh folder.

    The delivery is closed when the requesting test ends.
    """
    fixture = KINDS[kind]
    server = request.getfixturevalue(fixture) if fixture else None
    name = f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}".replace("/", "_")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)

    if server is None:
        base = tmp_path if tmp_path is not None else Path(str(request.getfixturevalue("tmp_path")))
        folder = base / name
        folder.mkdir()

        def rebuild_folder(**kw: Any) -> FileDelivery:
            return FolderDelivery(folder, **kw)

        rebuild: Callable[..., FileDelivery] = rebuild_folder
    else:
        folder = server.folder(name)
        if kind.startswith("sftp"):
            password = kind.endswith("-password")

            def rebuild_sftp(**kw: Any) -> FileDelivery:
                return _sftp(server, folder, password=password, **kw)

            rebuild = rebuild_sftp
        else:

            def rebuild_ftp(**kw: Any) -> FileDelivery:
                return _ftp(server, folder, **kw)

            rebuild = rebuild_ftp
    target = Target(kind=kind, delivery=rebuild(), folder=folder, server=server, rebuild=rebuild)
    request.addfinalizer(target.close)
    return target


def via_port(target: Target, port: int, **kw: Any) -> FileDelivery:
    """The target's delivery connecting to *port* (a proxy) instead of the server's.

    SFTP pins the host key by fingerprint, as the proxy's port is not the one in
    ``known_hosts``.
    """
    if target.kind.startswith("sftp"):
        kw = {"known_hosts": None, "host_key_fingerprint": target.server.fingerprint, **kw}
    return target.rebuild(port=port, **kw)
