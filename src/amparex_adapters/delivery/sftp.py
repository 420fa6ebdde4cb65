"""File delivery over SFTP with paramiko (extra ``sftp``) — LL8, CO16, CO18.

:class:`SftpDelivery` uploads each file under a hidden temporary name, checks the remote
size, then renames it to its final name (``posix-rename@openssh.com`` when the server
offers it, which replaces an existing file atomically; otherwise remove and rename). A
partly uploaded file therefore never appears under its final name.

The server's host key is checked before anything is sent: against a ``known_hosts`` file
or a pinned SHA-256 fingerprint (``SHA256:…`` as ``ssh-keygen -lf`` prints it). An
unknown or changed key is refused with :class:`~amparex_core.domain.errors.HostKeyRejected`;
an unknown host is added to ``known_hosts`` only when ``accept_new_host_key=True``
(a changed key is refused even then).

Throughput: paramiko's defaults reach about half of OpenSSH's speed on large files and a
twentieth on many small ones. This adapter

* sets ``TCP_NODELAY`` (without it every small request waits for the peer's delayed ACK),
* writes in requests as large as the server accepts — the ``limits@openssh.com``
  extension tells (OpenSSH: 255 KiB); a server without it gets 32 KiB, which every
  SFTP server accepts,
* keeps many write requests in flight (pipelining) and sends the size check and the close
  together with the last write, so a small file costs three round trips,
* builds each write request in one piece and hands it to the channel through a
  ``memoryview`` (paramiko copies the rest of a buffer again after every 32 KiB packet),
* prefers AES-GCM, which needs no separate MAC pass,
* reuses one connection for many files (:meth:`SftpDelivery.close` ends it), and with
  :meth:`SftpDelivery.upload_many` keeps the next file's requests in flight while the
  previous file is renamed: one round trip per small file instead of three.

Temp files of dead uploads: an upload killed mid-transfer (SIGKILL, power loss, a cut
connection that never comes back) leaves its hidden temp file on the server. Once per
connection, right after connecting and before the first upload, the adapter lists the
remote folder and removes the temp files of dead uploads — see
:class:`SftpDelivery` (``stale_after``).

The pipelined writer talks to paramiko's request layer (``_async_request``,
``_read_response``, the calls paramiko's own ``SFTPFile`` uses) and overrides three
private methods of ``SFTPClient``. Those names are checked once per process, at the first
connection (``amparex_adapters.delivery._sftp_requests``); when one is missing or has
changed shape, one warning is logged and every upload goes through paramiko's public
``SFTPClient.putfo`` (pipelined, 32 KiB writes) to the same temporary name, with the same
size check and rename: slower, never broken.
"""

from __future__ import annotations

import base64
import errno
import functools
import hashlib
import logging
import os
import posixpath
import socket
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Self

from amparex_adapters._extras import require
from amparex_adapters.delivery._common import (
    STALE_AFTER,
    Retry,
    check_name,
    check_stale_after,
    retrying,
    sweep_stale,
    temp_name,
    unreachable,
)
from amparex_adapters.delivery._sftp_batch import Stopped, cleanup, pipeline
from amparex_adapters.delivery._sftp_requests import (
    Acks,
    client_class,
    client_problem,
    fast_path,
    give_up_fast_path,
)
from amparex_core.domain.errors import HostKeyRejected
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile
from amparex_core.domain.secret import Secret

__all__ = ["SftpDelivery", "fingerprint"]

logger = logging.getLogger(__name__)

#: Largest write request sent (OpenSSH's sftp-server accepts 256 KiB - 1 KiB).
MAX_WRITE = 255 * 1024
#: Write request size for servers that do not announce their limits.
DEFAULT_WRITE = 32 * 1024
#: Bytes of write requests in flight before waiting for the oldest acknowledgement.
IN_FLIGHT = 8 * 1024 * 1024

_PREFERRED_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
_PERMANENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOENT, errno.EROFS})


def fingerprint(key_bytes: bytes) -> str:
    """The OpenSSH SHA-256 fingerprint of a public key blob (``SHA256:…``, no padding).

    Args:
        key_bytes: The key in SSH wire format (``PKey.asbytes()``).

    Returns:
        The fingerprint as ``ssh-keygen -lf`` prints it.
    """
    digest = base64.b64encode(hashlib.sha256(key_bytes).digest()).decode("ascii")
    return "SHA256:" + digest.rstrip("=")


def _normalise_fingerprint(text: str) -> str:
    text = text.strip()
    if text.upper().startswith("SHA256:"):
        text = text[len("SHA256:") :]
    return "SHA256:" + text.rstrip("=")


class _LocalSizeMismatch(Exception):
    """The local content does not have the announced size (permanent)."""


class _RemoteSizeMismatch(Exception):
    """The remote temporary file does not have the uploaded size (transient)."""


class _Connection:
    """One authenticated SSH transport with its SFTP session and what the server offers."""

    def __init__(self, paramiko: ModuleType, transport: Any, sftp: Any, *, fast: bool) -> None:
        self.paramiko = paramiko
        self.transport = transport
        self.sftp = sftp
        #: Whether the pipelined writer runs (else paramiko's public putfo).
        self.fast = fast
        self.extensions: dict[str, bytes] = dict(sftp.amparex_extensions) if fast else {}
        self.write_size = DEFAULT_WRITE

    @property
    def alive(self) -> bool:
        return bool(self.transport.is_active())

    def close(self) -> None:
        try:
            self.sftp.close()
        finally:
            self.transport.close()


class SftpDelivery:
    """Uploads files to one folder of an SFTP server (implements ``FileDelivery``).

    Args:
        host: Server name or address.
        username: Login name.
        remote_dir: Folder on the server that receives the files.
        port: TCP port.
        password: Password (a :class:`~amparex_core.domain.secret.Secret`), when no key
            is used or the server asks for both.
        key_file: Private key file (OpenSSH or PEM format).
        passphrase: Passphrase of *key_file*, when it is encrypted.
        known_hosts: ``known_hosts`` file that holds the server's key; default
            ``~/.ssh/known_hosts`` unless *host_key_fingerprint* is given.
        host_key_fingerprint: Pinned ``SHA256:…`` fingerprint of the server's key;
            replaces the ``known_hosts`` check.
        accept_new_host_key: Add the key of a host missing from *known_hosts* to that
            file (trust on first use). Off by default; a changed key is refused anyway.
        keepalive: Seconds between SSH keepalive messages (0: none).
        timeout: Seconds for connecting, the handshake and authentication.
        io_timeout: Seconds an upload waits for the server to answer or to accept more
            data before it counts the connection as broken.
        retry: Attempts and backoff for transient errors.
        max_write: Upper bound of one write request, in bytes.
        stale_after: Age in seconds (since its last write, by the server's modification
            time) after which a temp file of this adapter in *remote_dir* counts as left
            behind by a dead upload; default one hour. See below.

    Stale temp files:
        Once per connection, right after connecting and before the first upload (never
        per file), the folder *remote_dir* is listed and every entry that is a regular
        file named exactly as this adapter names its temp files
        (``.<name>.<8 hex digits>.part``) and was last modified more than *stale_after*
        seconds ago is removed. Nothing else is touched: no other name, no sub-folder,
        nothing outside *remote_dir*. A live upload writes to its temp file continuously
        and gives up after *io_timeout* (far shorter than an hour), so a temp file
        untouched for *stale_after* belongs to an upload that is dead — even one of
        another computer uploading into the same folder. The age is the difference
        between this computer's clock and the server's modification time: a server clock
        that runs behind by more than *stale_after* would make live temp files look
        old, so keep *stale_after* well above any clock skew to be expected. The sweep
        never fails an upload: an error while listing (logged as a warning) or removing
        (logged at debug level) is ignored. The number removed is logged at info level
        and counted in :attr:`swept`; :attr:`sweeps` counts the listings.

    Raises:
        MissingExtraError: paramiko is not installed (``pip install "amparex-core[sftp]"``).
        TypeError: *password* or *passphrase* is not a
            :class:`~amparex_core.domain.secret.Secret`.
        ValueError: *stale_after* is not a number of seconds greater than 0.
    """

    def __init__(
        self,
        host: str,
        *,
        username: str,
        remote_dir: str = ".",
        port: int = 22,
        password: Secret | None = None,
        key_file: str | os.PathLike[str] | None = None,
        passphrase: Secret | None = None,
        known_hosts: str | os.PathLike[str] | None = None,
        host_key_fingerprint: str | None = None,
        accept_new_host_key: bool = False,
        keepalive: int = 30,
        timeout: float = 15.0,
        io_timeout: float = 60.0,
        retry: Retry | None = None,
        max_write: int = MAX_WRITE,
        stale_after: float = STALE_AFTER,
    ) -> None:
        require("paramiko", "sftp")  # a missing extra shows up here, named
        self.stale_after = check_stale_after(stale_after)
        if password is not None and not isinstance(password, Secret):
            raise TypeError("password must be a Secret")
        if passphrase is not None and not isinstance(passphrase, Secret):
            raise TypeError("passphrase must be a Secret")
        self.host = host
        self.port = port
        self.username = username
        self.remote_dir = remote_dir
        self._password = password
        self._key_file = Path(key_file) if key_file is not None else None
        self._passphrase = passphrase
        if known_hosts is None and host_key_fingerprint is None:
            known_hosts = Path.home() / ".ssh" / "known_hosts"
        self.known_hosts = Path(known_hosts) if known_hosts is not None else None
        self.host_key_fingerprint = (
            _normalise_fingerprint(host_key_fingerprint) if host_key_fingerprint else None
        )
        self.accept_new_host_key = accept_new_host_key
        self.keepalive = keepalive
        self.timeout = timeout
        self.io_timeout = io_timeout
        self.retry = retry or Retry()
        self.max_write = max(1024, max_write)
        self.destination = f"sftp://{username}@{host}:{port}/{remote_dir.lstrip('/')}"
        if remote_dir.startswith("/"):
            self.destination = f"sftp://{username}@{host}:{port}{remote_dir}"
        self._conn: _Connection | None = None
        self._lock = threading.RLock()
        #: Listings of *remote_dir* made to look for stale temp files (one per connection).
        self.sweeps = 0
        #: Stale temp files removed from *remote_dir* so far.
        self.swept = 0

    def __repr__(self) -> str:
        return f"SftpDelivery({self.destination!r})"

    # ------------------------------------------------------------------ public

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        """Upload *file* under its name in :attr:`remote_dir` (LL8).

        Raises:
            DeliveryFailed: After retries, the server refused or the connection broke.
            HostKeyRejected: The server's key is unknown or changed.
        """
        check_name(file.name, destination=self.destination)
        with self._lock:
            return retrying(
                lambda: self._attempt(file),
                retry=self.retry,
                destination=self.destination,
                item=file.name,
                is_transient=_is_transient,
                on_failure=self._drop_after_failure,
                secrets=[s.reveal() for s in (self._password, self._passphrase) if s],
                refuses_destination=_refuses_destination,
            )

    def upload_many(self, files: Iterable[OutgoingFile]) -> Iterator[DeliveryReceipt]:
        """Upload *files* in order, each as :meth:`upload` would (LL8); yield each receipt.

        The requests of neighbouring files travel together: the rename of one file, the
        content of the next and the opening of the one after leave in one round trip,
        so many small files go several times faster than one :meth:`upload` each. Every
        file still goes to a temporary name, has its remote size checked and is renamed
        only then; a receipt is yielded once the rename is confirmed. Anything unusual
        (an error answer, a size that does not match, a broken connection) sends the
        files not confirmed yet through :meth:`upload`, with its retries, and the rest
        continue in a new pipeline. Without paramiko's private request layer, or on a
        server without ``posix-rename@openssh.com``, it is :meth:`upload` per file.

        The delivery is held by the iteration (other threads wait) until it ends.

        Yields:
            The receipt of each file, in the order of *files*, once its rename is
            confirmed.

        Raises:
            DeliveryFailed: For the first file that fails after retries; the files after
                it are not uploaded.
            HostKeyRejected: The server's key is unknown or changed.
        """
        pending = iter(files)
        with self._lock:
            while True:
                conn = self._conn
                if conn is None or not conn.alive or not self._pipelined(conn):
                    file = next(pending, None)
                    if file is None:
                        return
                    yield self.upload(file)  # connects (or reconnects) for the rest
                    continue
                try:
                    yield from pipeline(
                        conn,
                        pending,
                        remote_dir=self.remote_dir,
                        destination=self.destination,
                        in_flight=IN_FLIGHT,
                    )
                    return
                except (KeyboardInterrupt, SystemExit):
                    self.close()  # requests may be in flight: never reuse the connection
                    raise
                except Stopped as stop:
                    logger.debug("%s: %s", self.destination, stop)
                    if stop.clean:
                        cleanup(conn, stop.handles, stop.temps)
                    else:
                        self.close()  # an answer may still come: never reuse it
                    yield from stop.confirmed
                    for file in stop.unconfirmed:
                        yield self.upload(file)

    @staticmethod
    def _pipelined(conn: _Connection) -> bool:
        return conn.fast and "posix-rename@openssh.com" in conn.extensions

    def close(self) -> None:
        """End the connection (the next upload opens a new one)."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    conn.close()
                except Exception:  # closing a broken transport
                    logger.debug("closing %s failed", self.destination, exc_info=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def write_size(self) -> int | None:
        """Size of the write requests of the open connection (``None`` when not connected)."""
        return self._conn.write_size if self._conn is not None else None

    @property
    def server_extensions(self) -> frozenset[str]:
        """SFTP extensions the connected server announced (empty when not connected)."""
        return frozenset(self._conn.extensions) if self._conn is not None else frozenset()

    # ------------------------------------------------------------------ attempts

    def _drop_after_failure(self) -> None:
        # A connection that just failed may look alive until paramiko's reader thread
        # notices the break: never reuse it.
        self.close()

    def _attempt(self, file: OutgoingFile) -> DeliveryReceipt:
        if self._conn is None or not self._conn.alive:
            if self._conn is not None:
                logger.info("the connection to %s was lost; reconnecting", self.destination)
            self.close()
            self._conn = self._connect()
            self._sweep(self._conn)
        conn = self._conn
        final = posixpath.join(self.remote_dir, file.name)
        tmp = posixpath.join(self.remote_dir, temp_name(file.name))
        try:
            write = self._write if conn.fast else self._put
            remote_size = write(conn, tmp, file)
            if remote_size != file.size:
                raise _RemoteSizeMismatch(
                    f"remote size {remote_size} after upload, expected {file.size}"
                )
            self._rename(conn, tmp, final)
        except BaseException as exc:
            if not isinstance(exc, TimeoutError):  # a silent peer would only time out again
                self._remove_quietly(conn, tmp)
            raise
        return DeliveryReceipt(destination=self.destination, reference=final, size=file.size)

    def _write(self, conn: _Connection, path: str, file: OutgoingFile) -> int:
        p = conn.paramiko.sftp
        sftp = conn.sftp
        flags = p.SFTP_FLAG_WRITE | p.SFTP_FLAG_CREATE | p.SFTP_FLAG_TRUNC
        t, msg = sftp._request(p.CMD_OPEN, path, flags, conn.paramiko.SFTPAttributes())
        if t != p.CMD_HANDLE:
            raise OSError(f"unexpected SFTP answer type {t} to open")
        handle = msg.get_binary()
        acks = Acks(conn.paramiko, sftp)
        offset = 0
        size = conn.write_size
        try:
            with file.open() as src:
                while chunk := src.read(size):
                    last = offset + len(chunk) >= file.size
                    if last:
                        # The last write, the size check and the close leave together.
                        sftp.amparex_cork = []
                    acks.write(handle, offset, chunk)
                    offset += len(chunk)
                    if last:
                        break
                    while acks.in_flight > IN_FLIGHT:
                        acks.wait_oldest()
                if offset == file.size and src.read(1):
                    offset += 1  # more content than announced
        except BaseException as exc:
            sftp.amparex_cork = None
            if conn.alive and not isinstance(exc, TimeoutError):
                try:
                    acks.send(p.CMD_CLOSE, handle)
                    acks.wait_all()
                except Exception:  # the first error is the one to report
                    logger.debug("closing the handle failed", exc_info=True)
            raise
        if offset != file.size:
            acks.send(p.CMD_CLOSE, handle)
            sftp.amparex_flush()
            acks.wait_all()
            raise _LocalSizeMismatch(
                f"local content has {'more than ' if offset > file.size else ''}"
                f"{offset} bytes, expected {file.size}"
            )
        # The size check and the close travel with the last writes: no extra round trip.
        acks.send(p.CMD_FSTAT, handle)
        acks.send(p.CMD_CLOSE, handle)
        sftp.amparex_flush()
        answers = acks.wait_all()
        return int(answers[-2].st_size)

    @staticmethod
    def _put(conn: _Connection, path: str, file: OutgoingFile) -> int:
        """:meth:`_write` through paramiko's public API (``putfo``, pipelined)."""
        with file.open() as src:
            counted = _Counting(src)
            attrs = conn.sftp.putfo(counted, path, confirm=True)
        if counted.size != file.size:
            raise _LocalSizeMismatch(
                f"local content has {counted.size} bytes, expected {file.size}"
            )
        return int(attrs.st_size)

    def _rename(self, conn: _Connection, tmp: str, final: str) -> None:
        sftp = conn.sftp
        if "posix-rename@openssh.com" in conn.extensions:
            sftp.posix_rename(tmp, final)
            return
        if not conn.fast:  # the extensions are unknown: try the atomic rename first
            try:
                sftp.posix_rename(tmp, final)
                return
            except OSError:
                logger.debug("posix-rename refused; renaming plainly", exc_info=True)
        try:
            sftp.rename(tmp, final)
        except OSError:
            # SSH_FXP_RENAME refuses an existing target: remove it, then rename.
            try:
                sftp.stat(final)
            except OSError:
                raise
            sftp.remove(final)
            sftp.rename(tmp, final)

    @staticmethod
    def _remove_quietly(conn: _Connection, path: str) -> None:
        if not conn.alive:
            return
        try:
            conn.sftp.remove(path)
        except Exception:  # best effort; the temp name is harmless
            logger.debug("could not remove %s", path, exc_info=True)

    def _sweep(self, conn: _Connection) -> None:
        """Remove the temp files of dead uploads from the remote folder (never raises)."""

        def listing() -> list[tuple[str, Callable[[], float | None]]]:
            return [
                (entry.filename, functools.partial(_regular_mtime, entry))
                for entry in conn.sftp.listdir_attr(self.remote_dir)
            ]

        self.sweeps += 1
        removed, _ = sweep_stale(
            listing,
            lambda name: conn.sftp.remove(posixpath.join(self.remote_dir, name)),
            destination=self.destination,
            stale_after=self.stale_after,
            broken=lambda exc: not conn.alive,
        )
        self.swept += removed

    # ------------------------------------------------------------------ connecting

    def _connect(self) -> _Connection:
        paramiko = require("paramiko", "sftp")
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            transport = paramiko.Transport(sock)
        except BaseException:
            sock.close()
            raise
        try:
            self._prefer(paramiko, transport)
            transport.start_client(timeout=self.timeout)
            self._check_host_key(paramiko, transport.get_remote_server_key())
            self._authenticate(paramiko, transport)
            if self.keepalive > 0:
                transport.set_keepalive(self.keepalive)
            fast = fast_path(paramiko)
            sftp = (client_class(paramiko) if fast else paramiko.SFTPClient).from_transport(
                transport
            )
            if sftp is None:
                raise OSError("the server refused the SFTP subsystem")
            problem = client_problem(sftp) if fast else None
            if problem is not None:
                give_up_fast_path(paramiko, problem)
                sftp.close()
                fast = False
                sftp = paramiko.SFTPClient.from_transport(transport)
                if sftp is None:
                    raise OSError("the server refused the SFTP subsystem")
            sftp.get_channel().settimeout(self.io_timeout)
            conn = _Connection(paramiko, transport, sftp, fast=fast)
            if fast:
                conn.write_size = self._negotiate_write_size(conn)
        except BaseException:
            transport.close()
            raise
        sock.settimeout(None)
        logger.debug(
            "connected to %s (cipher %s, write requests of %d bytes)",
            self.destination,
            getattr(transport, "remote_cipher", "?"),
            conn.write_size,
        )
        return conn

    def _prefer(self, paramiko: ModuleType, transport: Any) -> None:
        options = transport.get_security_options()
        ciphers = tuple(options.ciphers)
        options.ciphers = tuple(c for c in _PREFERRED_CIPHERS if c in ciphers) + tuple(
            c for c in ciphers if c not in _PREFERRED_CIPHERS
        )
        if self.host_key_fingerprint is None and self.known_hosts is not None:
            # Offer first the key types known_hosts holds for this host, like OpenSSH.
            entry = self._known_keys(paramiko)
            if entry:
                types = tuple(options.key_types)
                known = tuple(t for t in types if t in entry)
                options.key_types = known + tuple(t for t in types if t not in known)

    def _host_entry_name(self) -> str:
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    def _known_keys(self, paramiko: ModuleType) -> Any:
        assert self.known_hosts is not None
        keys = paramiko.HostKeys()
        if self.known_hosts.exists():
            keys.load(str(self.known_hosts))
        return keys.lookup(self._host_entry_name())

    def _check_host_key(self, paramiko: ModuleType, key: Any) -> None:
        seen = fingerprint(key.asbytes())
        name = self._host_entry_name()
        if self.host_key_fingerprint is not None:
            if seen != self.host_key_fingerprint:
                raise HostKeyRejected(
                    host=name,
                    fingerprint=seen,
                    reason=f"it does not match the pinned fingerprint {self.host_key_fingerprint}",
                )
            return
        assert self.known_hosts is not None
        entry = self._known_keys(paramiko)
        if entry is not None and key.get_name() in entry:
            if entry[key.get_name()] == key:
                return
            raise HostKeyRejected(
                host=name,
                fingerprint=seen,
                reason=f"the key differs from the one in {self.known_hosts} (changed host key)",
            )
        if entry is not None:
            raise HostKeyRejected(
                host=name,
                fingerprint=seen,
                reason=(
                    f"{self.known_hosts} holds only other key types for this host "
                    f"({', '.join(sorted(entry.keys()))})"
                ),
            )
        if not self.accept_new_host_key:
            raise HostKeyRejected(
                host=name, fingerprint=seen, reason=f"the host is not in {self.known_hosts}"
            )
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
        with self.known_hosts.open("a", encoding="ascii") as out:
            out.write(f"{name} {key.get_name()} {key.get_base64()}\n")
        logger.warning("added the host key of %s (%s) to %s", name, seen, self.known_hosts)

    def _authenticate(self, paramiko: ModuleType, transport: Any) -> None:
        if self._key_file is not None:
            secret = self._passphrase.reveal().encode() if self._passphrase is not None else None
            pkey = paramiko.PKey.from_path(self._key_file, secret)
            remaining = transport.auth_publickey(self.username, pkey)
            if not remaining:
                return
        if self._password is not None:
            transport.auth_password(self.username, self._password.reveal())
            return
        if self._key_file is None:
            raise paramiko.AuthenticationException("no key file and no password configured")

    def _negotiate_write_size(self, conn: _Connection) -> int:
        if "limits@openssh.com" not in conn.extensions:
            return min(DEFAULT_WRITE, self.max_write)
        p = conn.paramiko.sftp
        t, msg = conn.sftp._request(p.CMD_EXTENDED, "limits@openssh.com")
        if t != p.CMD_EXTENDED_REPLY:
            return min(DEFAULT_WRITE, self.max_write)
        max_packet = msg.get_int64()
        msg.get_int64()  # max read length
        max_write = msg.get_int64()
        size = self.max_write
        if max_write:
            size = min(size, max_write)
        if max_packet:
            size = min(size, max_packet - 1024)
        return max(size, 1024)


class _Counting:
    """A file object that counts the bytes read from it (for the public path's check)."""

    def __init__(self, src: Any) -> None:
        self._src = src
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._src.read(size)
        self.size += len(data)
        return data


def _regular_mtime(entry: Any) -> float | None:
    """An SFTP listing entry's modification time, ``None`` unless it is a regular file."""
    if entry.st_mode is None or not stat.S_ISREG(entry.st_mode):
        return None
    return None if entry.st_mtime is None else float(entry.st_mtime)


def _is_transient(exc: BaseException) -> bool:
    paramiko = require("paramiko", "sftp")
    if isinstance(exc, (_LocalSizeMismatch, paramiko.AuthenticationException)):
        return False
    if isinstance(exc, paramiko.PasswordRequiredException):
        return False
    if isinstance(exc, OSError) and exc.errno in _PERMANENT_ERRNOS:
        return False
    return isinstance(exc, OSError | EOFError | paramiko.SSHException | _RemoteSizeMismatch)


def _refuses_destination(exc: BaseException) -> bool:
    """The login was refused or the server cannot be reached: not a fault of one file."""
    paramiko = require("paramiko", "sftp")
    auth = (paramiko.AuthenticationException, paramiko.PasswordRequiredException)
    return isinstance(exc, auth) or unreachable(exc)
