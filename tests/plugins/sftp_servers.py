"""SFTP servers for tests: OpenSSH sshd and asyncssh's SFTP server, each on 127.0.0.1.

Both are session-scoped (one process or thread for the whole run); every test uploads into
its own folder. The fixtures hand out :class:`SshServer` with everything a client needs:
address, login, the client key, a ``known_hosts`` file and the host key's fingerprint.
"""

from __future__ import annotations

import asyncio
import base64
import getpass
import os
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.peers import free_port, peer_missing, require_executable

__all__ = ["SshServer", "fingerprint_of_pub", "wait_for_banner"]


@attrs.frozen
class SshServer:
    """An SSH server started for the tests.

    Attributes:
        kind: ``"openssh"`` or ``"asyncssh"``.
        host: Always ``127.0.0.1``.
        port: Its port.
        username: Login name.
        password: Password that the server accepts (``None``: key only).
        key_file: Private key of the client (authorised on the server).
        known_hosts: A known_hosts file holding the server's host key.
        fingerprint: ``SHA256:…`` fingerprint of the host key.
        root: Local folder that the server's remote paths reach (``remote_dir`` of a test
            is a folder in it; for asyncssh the SFTP root is chrooted here).
        remote_prefix: What to put before a folder of *root* to name it remotely.
        workdir: Temp folder with keys and configuration.
    """

    kind: str
    host: str
    port: int
    username: str
    password: str | None
    key_file: Path
    known_hosts: Path
    fingerprint: str
    root: Path
    remote_prefix: str
    workdir: Path

    def remote(self, local: Path) -> str:
        """The remote name of folder *local* (inside :attr:`root`)."""
        rel = local.relative_to(self.root).as_posix()
        return f"{self.remote_prefix.rstrip('/')}/{rel}" if rel != "." else self.remote_prefix

    def folder(self, name: str) -> Path:
        """A fresh empty folder in :attr:`root` for one test."""
        path = self.root / name
        path.mkdir(parents=True)
        path.chmod(0o777)
        return path


def fingerprint_of_pub(pub_line: str) -> str:
    """SHA256 fingerprint of an OpenSSH public key line (``type base64 [comment]``)."""
    import hashlib

    blob = base64.b64decode(pub_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def wait_for_banner(port: int, proc: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """Wait until an SSH server on *port* sends its banner (or fail with its stderr)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"SSH server exited with {proc.returncode}: {err}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"SSH server on port {port} did not come up", pytrace=False)


def _keygen(keygen: str, path: Path, kind: str = "ed25519") -> str:
    subprocess.run(
        [keygen, "-q", "-t", kind, "-N", "", "-C", "amparex-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return Path(str(path) + ".pub").read_text().strip()


def make_sshd_config(work: Path, port: int, authorized_keys: Path, host_keys: list[Path]) -> Path:
    """Write a private sshd_config for a foreground sshd on 127.0.0.1:*port*."""
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        *(f"HostKey {key}" for key in host_keys),
        "PidFile none",
        "UsePAM no",
        "StrictModes no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        f"AuthorizedKeysFile {authorized_keys}",
        "PermitRootLogin prohibit-password",
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "UseDNS no",
        "MaxStartups 100:30:200",
        "MaxSessions 100",
    ]
    cfg = work / "sshd_config"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


@pytest.fixture(scope="session")
def openssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """OpenSSH ``sshd`` in the foreground with a private config, host key and client key."""
    sshd = require_executable("sshd", hint="the Debian package openssh-server")
    keygen = require_executable("ssh-keygen", hint="the Debian package openssh-client")
    work = tmp_path_factory.mktemp("sshd")
    os.chmod(work, 0o755)
    host_pub = _keygen(keygen, work / "ssh_host_ed25519_key")
    client_pub = _keygen(keygen, work / "client_ed25519")
    authorized = work / "authorized_keys"
    authorized.write_text(client_pub + "\n")
    authorized.chmod(0o600)
    port = free_port()
    known_hosts = work / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {' '.join(host_pub.split()[:2])}\n")
    cfg = make_sshd_config(work, port, authorized, [work / "ssh_host_ed25519_key"])
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    test = subprocess.run([sshd, "-t", "-f", str(cfg)], capture_output=True, check=False)
    if test.returncode != 0:
        pytest.fail(f"sshd -t refused the config: {test.stderr.decode()}", pytrace=False)
    proc = subprocess.Popen(
        [sshd, "-D", "-e", "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_banner(port, proc)
        root = tmp_path_factory.mktemp("sshd-root")
        root.chmod(0o777)
        yield SshServer(
            kind="openssh",
            host="127.0.0.1",
            port=port,
            username=getpass.getuser(),
            password=None,
            key_file=work / "client_ed25519",
            known_hosts=known_hosts,
            fingerprint=fingerprint_of_pub(host_pub),
            root=root,
            remote_prefix=str(root),
            workdir=work,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


ASYNCSSH_PASSWORD = "pw-Ä-not-in-output-7f3c"


@pytest.fixture(scope="session")
def asyncssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """asyncssh's SFTP server in a thread of its own, chrooted to a temp folder.

    It accepts the client key and the password :data:`ASYNCSSH_PASSWORD` for user
    ``amparex``. Writes to files named ``*disk-full*`` fail after the first one; a folder
    whose path holds ``unlistable`` cannot be listed (an upload-only drop box).
    """
    try:
        import asyncssh
    except ImportError:
        peer_missing("asyncssh is not installed (test dependency group)")
    work = tmp_path_factory.mktemp("asyncssh")
    root = tmp_path_factory.mktemp("asyncssh-root")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key.write_private_key(str(work / "client_ed25519"))
    (work / "client_ed25519").chmod(0o600)
    host_pub = host_key.export_public_key().decode().strip()
    port = free_port()
    known_hosts = work / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {' '.join(host_pub.split()[:2])}\n")
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())

    connections: set[Any] = set()

    class Server(asyncssh.SSHServer):  # type: ignore[misc,unused-ignore]
        def connection_made(self, conn: Any) -> None:
            connections.add(conn)

        def connection_lost(self, exc: Exception | None) -> None:
            pass

        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == "amparex" and password == ASYNCSSH_PASSWORD

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    class FaultySFTPServer(asyncssh.SFTPServer):  # type: ignore[misc,unused-ignore]
        """Fails every write after the first to a file whose name holds ``disk-full``,
        as a server whose disk runs full mid-transfer would."""

        def __init__(self, chan: Any) -> None:
            super().__init__(chan, chroot=os.fsencode(root))
            self._full: set[int] = set()
            self._written: set[int] = set()

        def open(self, path: bytes, pflags: int, attrs: Any) -> Any:
            file_obj = super().open(path, pflags, attrs)
            if b"disk-full" in path:
                self._full.add(id(file_obj))
            return file_obj

        def write(self, file_obj: Any, offset: int, data: bytes) -> Any:
            if id(file_obj) in self._full:
                if id(file_obj) in self._written:
                    raise asyncssh.SFTPFailure("No space left on device")
                self._written.add(id(file_obj))
            return super().write(file_obj, offset, data)

        async def scandir(self, path: bytes) -> AsyncIterator[Any]:
            if b"unlistable" in path:
                raise asyncssh.SFTPPermissionDenied("listing refused")
            async for entry in super().scandir(path):
                yield entry

    def sftp_factory(chan: Any) -> Any:
        return FaultySFTPServer(chan)

    async def start() -> None:
        holder["server"] = await asyncssh.listen(
            "127.0.0.1",
            port,
            server_host_keys=[host_key],
            authorized_client_keys=authorized,
            server_factory=Server,
            sftp_factory=sftp_factory,
            allow_scp=False,
        )

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # noqa: BLE001 - reported to the fixture
            holder["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="asyncssh-server", daemon=True)
    thread.start()
    started.wait(10)
    if "error" in holder:
        pytest.fail(f"asyncssh server did not start: {holder['error']!r}", pytrace=False)
    wait_for_banner(port, None)
    try:
        yield SshServer(
            kind="asyncssh",
            host="127.0.0.1",
            port=port,
            username="amparex",
            password=ASYNCSSH_PASSWORD,
            key_file=work / "client_ed25519",
            known_hosts=known_hosts,
            fingerprint=fingerprint_of_pub(host_pub),
            root=root,
            remote_prefix="/",
            workdir=work,
        )
    finally:

        async def stop() -> None:
            server = holder["server"]
            server.close()
            await server.wait_closed()
            for conn in list(connections):
                conn.close()
                await conn.wait_closed()
            await asyncio.sleep(0)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
