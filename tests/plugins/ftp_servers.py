"""FTP servers for tests: pyftpdlib (FTPS and plain FTP) and vsftpd (FTPS), on 127.0.0.1.

Each server is a separate process started once per session; every test uploads into a
folder of its own. Certificates come from a throw-away CA (:mod:`tests.plugins._certs`).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tests.peers import free_port, peer_missing, require_executable
from tests.plugins._certs import TestPki, make_pki

__all__ = ["FtpServer"]

FTP_USER = "amparex"
FTP_PASSWORD = "ftp-Ö-secret-93b1"


@attrs.frozen
class FtpServer:
    """An FTP server started for the tests.

    Attributes:
        kind: ``"pyftpdlib"`` or ``"vsftpd"``.
        host: Always ``127.0.0.1``.
        port: Control port.
        username: Login name.
        password: Password.
        tls: Whether the server requires FTPS.
        root: The local folder that is ``/`` on the server.
        pki: The CA (``pki.ca_file`` is what a client trusts) and server certificate.
    """

    kind: str
    host: str
    port: int
    username: str
    password: str
    tls: bool
    root: Path
    pki: TestPki

    def folder(self, name: str) -> Path:
        """A fresh empty folder for one test, writable by the server."""
        path = self.root / name
        path.mkdir(parents=True)
        path.chmod(0o777)
        return path

    def remote(self, local: Path) -> str:
        """The remote name of folder *local*."""
        return "/" + local.relative_to(self.root).as_posix()


def wait_for_ftp(port: int, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Wait until a server on *port* sends its 220 greeting (or fail with its stderr)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"FTP server exited with {proc.returncode}: {err}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(4).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"FTP server on port {port} did not come up", pytrace=False)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server process and wait for it."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A CA and a certificate for 127.0.0.1 signed by it."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        peer_missing("cryptography is not installed (test dependency group)")
    folder = tmp_path_factory.mktemp("pki")
    folder.chmod(0o755)
    return make_pki(folder)


def _pyftpd(
    tmp_path_factory: pytest.TempPathFactory, pki: TestPki, tls: bool, strict_rename: bool = False
) -> Iterator[FtpServer]:
    needed = ["pyftpdlib", "OpenSSL"] if tls else ["pyftpdlib"]
    if any(importlib.util.find_spec(name) is None for name in needed):
        peer_missing("pyftpdlib / pyopenssl are not installed (test dependency group)")
    root = tmp_path_factory.mktemp("pyftpd-root")
    port = free_port()
    args = [str(port), str(root), FTP_USER, FTP_PASSWORD, "tls" if tls else "plain"]
    if tls:
        args += [str(pki.cert_file), str(pki.key_file)]
    script = Path(__file__).with_name("_pyftpd.py")
    env = dict(os.environ, AMPAREX_FTPD_STRICT_RENAME="1" if strict_rename else "0")
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        wait_for_ftp(port, proc)
        yield FtpServer("pyftpdlib", "127.0.0.1", port, FTP_USER, FTP_PASSWORD, tls, root, pki)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def pyftpd_ftps(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> Iterator[FtpServer]:
    """pyftpdlib requiring FTPS on the control and data connections."""
    yield from _pyftpd(tmp_path_factory, test_pki, tls=True)


@pytest.fixture(scope="session")
def pyftpd_plain(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki
) -> Iterator[FtpServer]:
    """pyftpdlib speaking plain FTP."""
    yield from _pyftpd(tmp_path_factory, test_pki, tls=False)


@pytest.fixture(scope="session")
def pyftpd_strict_rename(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki
) -> Iterator[FtpServer]:
    """pyftpdlib (FTPS) that refuses to rename onto an existing file, as some servers do."""
    yield from _pyftpd(tmp_path_factory, test_pki, tls=True, strict_rename=True)


def vsftpd_config(root: Path, port: int, pki: TestPki, empty: Path) -> str:
    """A private vsftpd.conf: anonymous FTPS uploads into *root*, session reuse required."""
    return "\n".join(
        [
            "listen=YES",
            "listen_ipv6=NO",
            "listen_address=127.0.0.1",
            f"listen_port={port}",
            "background=NO",
            "run_as_launching_user=NO" if os.geteuid() == 0 else "run_as_launching_user=YES",
            "seccomp_sandbox=NO",
            f"secure_chroot_dir={empty}",
            "local_enable=NO",
            "anonymous_enable=YES",
            "no_anon_password=YES",
            f"anon_root={root}",
            "write_enable=YES",
            "anon_upload_enable=YES",
            "anon_mkdir_write_enable=YES",
            "anon_other_write_enable=YES",
            "anon_umask=022",
            "anon_world_readable_only=NO",
            "pasv_enable=YES",
            "pasv_address=127.0.0.1",
            "ssl_enable=YES",
            "allow_anon_ssl=YES",
            "force_anon_logins_ssl=YES",
            "force_anon_data_ssl=YES",
            "require_ssl_reuse=YES",
            "ssl_ciphers=HIGH",
            f"rsa_cert_file={pki.cert_file}",
            f"rsa_private_key_file={pki.key_file}",
            "xferlog_enable=NO",
            "dual_log_enable=NO",
            "syslog_enable=NO",
            "vsftpd_log_file=/dev/null",
            "use_localtime=NO",
            "connect_from_port_20=NO",
            "ftpd_banner=amparex test vsftpd",
            "",
        ]
    )


@pytest.fixture(scope="session")
def vsftpd_server(
    tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki
) -> Iterator[FtpServer]:
    """vsftpd as a private foreground process: anonymous FTPS with ``require_ssl_reuse=YES``.

    Anonymous, because a local login would need a system user with a password; the
    anonymous user may upload, rename and delete in the test folders (login ``anonymous``).
    """
    vsftpd = require_executable("vsftpd", hint="the Debian package vsftpd")
    if os.geteuid() != 0:
        peer_missing("vsftpd runs as a private process only as root here")
    work = tmp_path_factory.mktemp("vsftpd")
    work.chmod(0o755)
    root = work / "root"
    root.mkdir(mode=0o755)
    empty = work / "empty"
    empty.mkdir(mode=0o755)
    port = free_port()
    cfg = work / "vsftpd.conf"
    cfg.write_text(vsftpd_config(root, port, test_pki, empty))
    # vsftpd reads the key as root before dropping privileges: root-only files are fine.
    proc = subprocess.Popen([vsftpd, str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_ftp(port, proc)
        yield FtpServer(
            "vsftpd",
            "127.0.0.1",
            port,
            "anonymous",
            "amparex@example.invalid",
            True,
            root,
            test_pki,
        )
    finally:
        stop(proc)
