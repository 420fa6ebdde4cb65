"""File delivery over FTPS or FTP with the standard library's :mod:`ftplib` — LL8.

:class:`FtpDelivery` speaks FTPS with explicit TLS (``AUTH TLS``) by default and verifies
the server's certificate against the system's CAs or a given CA file. Plain FTP, which
sends the password in clear text, is used only when the configuration says
``tls=False, allow_plain=True``, and then with a logged warning.

Each file goes to a hidden temporary name (``STOR``), its size is checked (``SIZE``), and
only then is it renamed to its final name (``RNFR``/``RNTO``), so a partly uploaded file
never appears under its final name. Where a server refuses to rename onto an existing
file, the old file is deleted first.

The data connection is protected (``PROT P``) and resumes the TLS session of the control
connection, which vsftpd requires (``require_ssl_reuse=YES``, its default) and which
ftplib does not do on its own. Passive mode; blocks of 1 MiB (ftplib's 8 KiB blocks
reached 0.64× of curl's throughput, 1 MiB blocks 0.97×). One connection serves many files.

Temp files of dead uploads: an upload killed mid-transfer (SIGKILL, power loss) leaves its
hidden temp file on the server. Once per connection, right after connecting and before the
first upload, the adapter lists the remote folder and removes the temp files of dead
uploads — see :class:`FtpDelivery` (``stale_after``). The listing is ``MLSD`` (names,
types and modification times in one answer) where the server has it, as pyftpdlib does;
otherwise (vsftpd) ``NLST -a`` — vsftpd leaves dot files out of a plain ``NLST`` unless
its ``force_dot_files`` is set — and one ``MDTM`` per temp file found.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Self, cast

from amparex_adapters.delivery._common import (
    STALE_AFTER,
    Retry,
    check_name,
    check_stale_after,
    describe,
    is_temp_name,
    retrying,
    sweep_stale,
    temp_name,
    unreachable,
)
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile
from amparex_core.domain.secret import Secret

if TYPE_CHECKING:
    import ftplib
    import ssl

__all__ = ["FtpDelivery", "plain_ftp"]

logger = logging.getLogger(__name__)

#: Block size of the data connection.
BLOCK_SIZE = 1024 * 1024
#: A connection idle longer than this is probed with NOOP before it is used again.
IDLE_PROBE = 10.0


class _LocalSizeMismatch(Exception):
    """The local content does not have the announced size (permanent)."""


class _RemoteSizeMismatch(Exception):
    """The remote temporary file does not have the uploaded size (transient)."""


class _Counting:
    """Reads from a binary file and counts the bytes (for the local size check)."""

    def __init__(self, raw: BinaryIO | IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.count += len(data)
        return data


_FTP_TLS_CLASS: type[Any] | None = None


def _reusing_ftp_tls() -> type[ftplib.FTP_TLS]:
    """``FTP_TLS`` whose data connections resume the control connection's TLS session."""
    global _FTP_TLS_CLASS  # noqa: PLW0603 - built once, on first use (ftplib imports ssl)
    if _FTP_TLS_CLASS is None:
        import ftplib

        class _ReusingFTPTLS(ftplib.FTP_TLS):
            def ntransfercmd(
                self, cmd: str, rest: int | str | None = None
            ) -> tuple[socket.socket, int | None]:
                conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)  # noqa: S321
                if self._prot_p:  # type: ignore[attr-defined]
                    control = cast("ssl.SSLSocket", self.sock)
                    conn = self.context.wrap_socket(
                        conn, server_hostname=self.host, session=control.session
                    )
                return conn, size

        _FTP_TLS_CLASS = _ReusingFTPTLS
    return _FTP_TLS_CLASS


class FtpDelivery:
    """Uploads files to one folder of an FTPS (or, if allowed, FTP) server.

    Implements ``FileDelivery``.

    Args:
        host: Server name or address (the certificate must name it).
        username: Login name.
        password: Password (a :class:`~amparex_core.domain.secret.Secret`).
        remote_dir: Folder on the server that receives the files.
        port: Control port.
        tls: Explicit TLS (FTPS). On by default.
        allow_plain: Must be ``True`` for ``tls=False``: plain FTP sends the password
            and the files unencrypted.
        ca_file: CA certificates (PEM) that the server's certificate must chain to;
            default: the system's CAs.
        verify: Verify the certificate and the host name. Turning this off is for
            tests against self-made certificates only; it logs a warning.
        timeout: Seconds for connecting and for each command.
        retry: Attempts and backoff for transient errors.
        block_size: Bytes per write on the data connection.
        stale_after: Age in seconds (since its last write, by the server's modification
            time) after which a temp file of this adapter in *remote_dir* counts as left
            behind by a dead upload; default one hour. See below.

    Stale temp files:
        Once per connection, right after connecting and before the first upload (never
        per file), the folder *remote_dir* is listed and every entry named exactly as
        this adapter names its temp files (``.<name>.<8 hex digits>.part``) that is a
        file and was last modified more than *stale_after* seconds ago is removed.
        Nothing else is touched: no other name, no sub-folder, nothing outside
        *remote_dir*. A live upload writes to its temp file continuously and gives up
        after *timeout* (far shorter than an hour), so a temp file untouched for
        *stale_after* belongs to an upload that is dead — even one of another computer
        uploading into the same folder. The age is the difference between this
        computer's clock and the server's modification time (``MLSD``/``MDTM`` give UTC):
        a server clock that runs behind by more than *stale_after*, or a server that
        wrongly reports local time west of UTC (vsftpd with ``use_localtime=YES``), would
        make live temp files look old, so keep *stale_after* well above any such offset.
        The sweep never fails an upload: an error while listing (logged as a warning) or
        removing (logged at debug level) is ignored; a listing broken off mid-answer
        costs a fresh connection, which does not sweep again. The number removed is
        logged at info level and counted in :attr:`swept`; :attr:`sweeps` counts the
        listings.

    Raises:
        TypeError: *password* is not a :class:`~amparex_core.domain.secret.Secret`.
        ValueError: *stale_after* is not a number of seconds greater than 0.
        DeliveryFailed: ``tls=False`` without ``allow_plain=True``.
    """

    def __init__(
        self,
        host: str,
        *,
        username: str,
        password: Secret,
        remote_dir: str = ".",
        port: int = 21,
        tls: bool = True,
        allow_plain: bool = False,
        ca_file: str | os.PathLike[str] | None = None,
        verify: bool = True,
        timeout: float = 30.0,
        retry: Retry | None = None,
        block_size: int = BLOCK_SIZE,
        stale_after: float = STALE_AFTER,
    ) -> None:
        if not isinstance(password, Secret):
            raise TypeError("password must be a Secret")
        self.stale_after = check_stale_after(stale_after)
        scheme = "ftps" if tls else "ftp"
        path = remote_dir if remote_dir.startswith("/") else "/" + remote_dir
        self.destination = f"{scheme}://{username}@{host}:{port}{path}"
        if not tls and not allow_plain:
            raise DeliveryFailed(
                destination=self.destination,
                item="-",
                reason="plain FTP sends the password unencrypted; the configuration "
                "must allow it explicitly (allow_plain)",
            )
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.remote_dir = remote_dir
        self.tls = tls
        self.ca_file = Path(ca_file) if ca_file is not None else None
        self.verify = verify
        self.timeout = timeout
        self.retry = retry or Retry()
        self.block_size = block_size
        self._ftp: ftplib.FTP | None = None
        self._last_used = 0.0
        self._lock = threading.RLock()
        #: Listings of *remote_dir* made to look for stale temp files (one per connection).
        self.sweeps = 0
        #: Stale temp files removed from *remote_dir* so far.
        self.swept = 0

    def __repr__(self) -> str:
        return f"FtpDelivery({self.destination!r})"

    # ------------------------------------------------------------------ public

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        """Upload *file* under its name in :attr:`remote_dir` (LL8).

        Raises:
            DeliveryFailed: After retries, the server refused or the connection broke.
        """
        check_name(file.name, destination=self.destination)
        with self._lock:
            return retrying(
                lambda: self._attempt(file),
                retry=self.retry,
                destination=self.destination,
                item=file.name,
                is_transient=_is_transient,
                on_failure=self.close,
                secrets=[self._password.reveal()],
                refuses_destination=_refuses_destination,
            )

    def close(self) -> None:
        """End the connection (the next upload opens a new one)."""
        with self._lock:
            ftp, self._ftp = self._ftp, None
            if ftp is None:
                return
            try:
                ftp.quit()
            except Exception:  # noqa: BLE001 - the connection may be gone already
                ftp.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ attempts

    def _attempt(self, file: OutgoingFile) -> DeliveryReceipt:
        ftp = self._connection()
        tmp = temp_name(file.name)
        try:
            with file.open() as raw:
                src = _Counting(raw)
                ftp.storbinary(f"STOR {tmp}", src, blocksize=self.block_size)
            if src.count != file.size:
                raise _LocalSizeMismatch(
                    f"local content has {src.count} bytes, expected {file.size}"
                )
            remote = ftp.size(tmp)
            if remote != file.size:
                raise _RemoteSizeMismatch(
                    f"remote size {remote} after upload, expected {file.size}"
                )
            self._rename(ftp, tmp, file.name)
        except BaseException as exc:
            if not isinstance(exc, TimeoutError):  # a silent peer would only time out again
                self._delete_quietly(ftp, tmp)
            raise
        self._last_used = time.monotonic()
        final = f"{self.remote_dir.rstrip('/')}/{file.name}" if self.remote_dir else file.name
        return DeliveryReceipt(destination=self.destination, reference=final, size=file.size)

    @staticmethod
    def _rename(ftp: ftplib.FTP, tmp: str, final: str) -> None:
        import ftplib

        try:
            ftp.rename(tmp, final)
            return
        except ftplib.error_perm as refused:
            # Some servers refuse RNTO onto an existing file: delete it, then rename.
            try:
                ftp.delete(final)
            except ftplib.error_perm:
                raise refused from None  # nothing to replace: report the rename's refusal
        ftp.rename(tmp, final)

    @staticmethod
    def _delete_quietly(ftp: ftplib.FTP, path: str) -> None:
        if ftp.sock is None:
            return
        try:
            ftp.delete(path)
        except Exception:  # best effort; the temp name is harmless
            logger.debug("could not delete %s", path, exc_info=True)

    # ------------------------------------------------------------------ connecting

    def _connection(self) -> ftplib.FTP:
        if self._ftp is not None and time.monotonic() - self._last_used > IDLE_PROBE:
            try:
                self._ftp.voidcmd("NOOP")
            except Exception as exc:  # noqa: BLE001 - a dead idle connection: open a new one
                logger.info(
                    "the idle connection to %s no longer answers (%s); reconnecting",
                    self.destination,
                    describe(exc, [self._password.reveal()]),
                )
                self.close()
        if self._ftp is None:
            ftp = self._connect()
            if not self._sweep(ftp):
                # The listing broke off mid-answer: the replies may be out of step.
                logger.info("reconnecting to %s after a broken listing", self.destination)
                with contextlib.suppress(Exception):
                    ftp.close()
                ftp = self._connect()
            self._ftp = ftp
            self._last_used = time.monotonic()
        return self._ftp

    # ------------------------------------------------------------------ stale temps

    def _sweep(self, ftp: ftplib.FTP) -> bool:
        """Remove the temp files of dead uploads from the remote folder (never raises).

        Returns:
            Whether the connection is still in order (``False``: a listing or command
            broke off without its final reply; a reply-level refusal keeps step).
        """
        import ftplib

        def listing() -> list[tuple[str, Callable[[], float | None]]]:
            return [
                (name, functools.partial(_listed_or_mdtm, ftp, name, listed))
                for name, listed in self._temp_files(ftp)
            ]

        self.sweeps += 1
        removed, in_order = sweep_stale(
            listing,
            ftp.delete,
            destination=self.destination,
            stale_after=self.stale_after,
            broken=lambda exc: not isinstance(exc, ftplib.Error),
        )
        self.swept += removed
        return in_order

    @staticmethod
    def _temp_files(ftp: ftplib.FTP) -> list[tuple[str, float | None]]:
        """Files of the current folder named like temp files, with modification times.

        ``MLSD`` tells the times; after ``NLST`` they are ``None`` (ask ``MDTM``).
        """
        import ftplib

        try:
            listing = list(ftp.mlsd())
        except ftplib.error_perm as exc:
            if str(exc)[:3] not in {"500", "501", "502", "504"}:
                raise  # MLSD is known but refused (the folder cannot be listed)
            # No MLSD (vsftpd). A plain NLST may hide dot files; "-a" shows them on
            # servers that follow ls (vsftpd); others take "-a" for a name and refuse.
            try:
                names = ftp.nlst("-a")
            except ftplib.error_perm:
                names = ftp.nlst()
            return [(name, None) for name in names if is_temp_name(name)]
        return [
            (name, _ftp_time(facts.get("modify")))
            for name, facts in listing
            if is_temp_name(name) and facts.get("type", "file").lower() == "file"
        ]

    def _context(self) -> ssl.SSLContext:
        import ssl

        context = ssl.create_default_context(
            cafile=str(self.ca_file) if self.ca_file is not None else None
        )
        if not self.verify:
            logger.warning("%s: the server certificate is NOT verified", self.destination)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> ftplib.FTP:
        import ftplib

        ftp: ftplib.FTP
        if self.tls:
            ftp = _reusing_ftp_tls()(context=self._context(), timeout=self.timeout)
        else:
            logger.warning(
                "%s: plain FTP, the password and the files travel unencrypted",
                self.destination,
            )
            ftp = ftplib.FTP(timeout=self.timeout)  # noqa: S321 - explicitly allowed
        try:
            ftp.connect(self.host, self.port)
            if ftp.sock is not None:
                ftp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.auth()
            ftp.login(self.username, self._password.reveal())
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(True)
            ftp.voidcmd("TYPE I")
            if self.remote_dir not in {"", "."}:
                ftp.cwd(self.remote_dir)
        except BaseException:
            ftp.close()
            raise
        return ftp


def plain_ftp(host: str, **options: Any) -> FtpDelivery:
    """The ``ftp`` kind of ``amparex.delivery``: :class:`FtpDelivery` without TLS.

    Plain FTP sends the password and the files unencrypted: like ``FtpDelivery(tls=False)``
    it is refused unless *options* hold ``allow_plain=True``.

    Args:
        host: Server name or address.
        **options: The other arguments of :class:`FtpDelivery` except ``tls``.
    """
    return FtpDelivery(host, tls=False, **options)


def _ftp_time(value: str | None) -> float | None:
    """A ``YYYYMMDDHHMMSS[.sss]`` time of ``MLSD``/``MDTM`` (UTC) as a POSIX timestamp."""
    if not value:
        return None
    try:
        parsed = dt.datetime.strptime(value.strip()[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC).timestamp()


def _listed_or_mdtm(ftp: ftplib.FTP, name: str, listed: float | None) -> float | None:
    """The modification time the listing told, else the one ``MDTM`` tells."""
    return listed if listed is not None else _mdtm(ftp, name)


def _mdtm(ftp: ftplib.FTP, name: str) -> float | None:
    """The modification time of *name* by ``MDTM`` (``None``: not told)."""
    reply = ftp.sendcmd(f"MDTM {name}")
    return _ftp_time(reply[4:]) if reply.startswith("213") else None


def _is_transient(exc: BaseException) -> bool:
    import ftplib
    import ssl

    if isinstance(exc, _LocalSizeMismatch | ftplib.error_perm | ssl.SSLCertVerificationError):
        return False
    if isinstance(exc, OSError) and exc.errno in {errno.EACCES, errno.EPERM, errno.ENOENT}:
        return False  # a local file that cannot be read
    return isinstance(exc, OSError | EOFError | ftplib.Error | _RemoteSizeMismatch)


def _refuses_destination(exc: BaseException) -> bool:
    """The login was refused (``530``) or the server cannot be reached: not a fault of one file."""
    import ftplib

    if isinstance(exc, ftplib.error_perm) and str(exc).startswith("530"):
        return True
    return unreachable(exc)
