"""Many files over one SFTP connection, the next file's requests in flight (private to .sftp).

:func:`pipeline` uploads files one after the other with the same steps as a single upload
— a temporary name, the remote size checked, a rename to the final name (LL8) — but sends
the requests of neighbouring files together: in one round trip the rename of the previous
file (its size already checked), the writes, size check and close of this file, and the
open of the next. A file costs one round trip instead of three.

Anything unusual — an error answer, a size that does not match, a broken connection —
stops the pipeline with :exc:`Stopped`, which names the files not confirmed yet, the
handles still open and the temporary files to remove; :class:`~.sftp.SftpDelivery` then
uploads those files one by one, with its retries and errors, and starts a new pipeline
for the rest.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterator
from typing import Any

import attrs

from amparex_adapters.delivery._common import check_name, temp_name
from amparex_adapters.delivery._sftp_requests import Acks
from amparex_core.domain._records import define
from amparex_core.domain.errors import DeliveryError
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile

__all__ = ["Stopped", "cleanup", "pipeline"]

logger = logging.getLogger(__name__)

_POSIX_RENAME = "posix-rename@openssh.com"


class Stopped(Exception):
    """The pipeline stopped; what it leaves to the caller.

    Attributes:
        confirmed: Receipts of files whose rename was confirmed while stopping.
        unconfirmed: Files sent into the pipeline whose upload was not confirmed, in order.
        handles: Remote handles still open.
        temps: Temporary remote paths that may exist.
        clean: Whether every request sent was answered (the connection can go on).
        cause: What stopped it.
    """

    def __init__(
        self,
        confirmed: list[DeliveryReceipt],
        unconfirmed: list[OutgoingFile],
        handles: list[bytes],
        temps: list[str],
        *,
        clean: bool,
        cause: object,
    ) -> None:
        super().__init__(f"pipelined upload stopped: {cause}")
        self.confirmed = confirmed
        self.unconfirmed = unconfirmed
        self.handles = handles
        self.temps = temps
        self.clean = clean
        self.cause = cause


@define(eq=False)
class _Upload:
    file: OutgoingFile
    tmp: str
    final: str
    open_num: int
    handle: bytes | None = None
    closed: bool = False
    numbers: list[int] = attrs.field(factory=list)
    """The writes, the size check and the close, in that order."""


class _Stop(Exception):
    """Raised inside :func:`pipeline` to stop it (the state decides what is left)."""

    def __init__(self, cause: object, file: OutgoingFile | None = None) -> None:
        super().__init__(str(cause))
        self.cause = cause
        #: A file taken from the iterator but not started (its name was refused).
        self.file = file


class _Pipeline:
    """The state of one :func:`pipeline`: the requests in flight and their answers."""

    def __init__(self, conn: Any, *, remote_dir: str, in_flight: int) -> None:
        self.conn = conn
        self.p = conn.paramiko.sftp
        self.sftp = conn.sftp
        self.acks = Acks(conn.paramiko, conn.sftp)
        self.got: dict[int, Any] = {}
        self.remote_dir = remote_dir
        self.in_flight = in_flight
        self.flags = self.p.SFTP_FLAG_WRITE | self.p.SFTP_FLAG_CREATE | self.p.SFTP_FLAG_TRUNC

    def drain(self, until: int = 0) -> None:
        """Collect answers until at most *until* bytes of requests are in flight."""
        acks = self.acks
        while acks.pending and (until == 0 or acks.in_flight > until):
            num, answer = acks.take_oldest()
            self.got[num] = answer

    def answer(self, num: int) -> Any:
        """The answer to request *num*; an error answer stops the pipeline."""
        answer = self.got.pop(num)
        if isinstance(answer, BaseException):
            raise _Stop(answer)
        return answer

    def start(self, file: OutgoingFile) -> _Upload:
        """Send the open of *file*'s temporary name."""
        tmp = posixpath.join(self.remote_dir, temp_name(file.name))
        attrs_ = self.conn.paramiko.SFTPAttributes()
        num = self.acks.send(self.p.CMD_OPEN, tmp, self.flags, attrs_)
        return _Upload(file, tmp, posixpath.join(self.remote_dir, file.name), num)

    def rename(self, upload: _Upload) -> int:
        return self.acks.send(self.p.CMD_EXTENDED, _POSIX_RENAME, upload.tmp, upload.final)

    def write(self, upload: _Upload) -> None:
        """Queue the writes, the size check and the close of *upload* (while corked)."""
        assert upload.handle is not None
        acks, sftp = self.acks, self.sftp
        offset = 0
        with upload.file.open() as src:
            while chunk := src.read(self.conn.write_size):
                upload.numbers.append(acks.write(upload.handle, offset, chunk))
                offset += len(chunk)
                if offset >= upload.file.size:
                    break
                if acks.in_flight > self.in_flight:  # a large file: let some go first
                    sftp.amparex_flush()
                    sftp.amparex_cork = []
                    self.drain(until=self.in_flight)
            if offset == upload.file.size and src.read(1):
                offset += 1
        if offset != upload.file.size:
            raise _Stop(f"local content of {upload.file.name} has {offset} bytes")
        upload.numbers.append(acks.send(self.p.CMD_FSTAT, upload.handle))
        upload.numbers.append(acks.send(self.p.CMD_CLOSE, upload.handle))
        upload.closed = True

    def settle(self, uploads: list[_Upload]) -> None:
        """After a refusal: send what is corked, close the open handles, take every answer.

        Raises:
            Exception: The connection failed meanwhile (it is not clean then).
        """
        if self.sftp.amparex_cork is not None:
            self.sftp.amparex_flush()
        for handle in _open_handles(uploads, self.got):
            self.acks.send(self.p.CMD_CLOSE, handle)
        for upload in uploads:
            upload.closed = True
        self.drain()

    def check(self, upload: _Upload) -> None:
        """*upload*'s writes, size check and close were all answered well."""
        answers = [self.answer(num) for num in upload.numbers]
        size = getattr(answers[-2], "st_size", None)
        if size != upload.file.size:
            raise _Stop(f"remote size {size} after upload, expected {upload.file.size}")


def pipeline(
    conn: Any,
    files: Iterator[OutgoingFile],
    *,
    remote_dir: str,
    destination: str,
    in_flight: int,
) -> Iterator[DeliveryReceipt]:
    """Upload *files* in order; yield each one's receipt once its rename is confirmed.

    *conn* is the connection of :mod:`.sftp` (fast path, ``posix-rename`` offered).

    Raises:
        Stopped: See the module documentation; nothing is left in flight when
            ``clean`` is true.
        DeliveryFailed: A file's name is not acceptable (before anything of it is sent).
    """
    first = next(files, None)
    if first is None:
        return
    check_name(first.name, destination=destination)
    pipe = _Pipeline(conn, remote_dir=remote_dir, in_flight=in_flight)
    sftp = conn.sftp
    prev: _Upload | None = None  # written and checked, waiting for its rename
    current: _Upload | None = None
    upcoming: _Upload | None = None
    following: OutgoingFile | None = None  # taken from *files*, not started yet
    renaming: int | None = None  # the request renaming *prev*
    try:
        current = pipe.start(first)
        pipe.drain()
        while current is not None:
            current.handle = pipe.answer(current.open_num)
            following = _next_checked(files, destination)
            sftp.amparex_cork = []
            renaming = pipe.rename(prev) if prev is not None else None
            pipe.write(current)
            if following is not None:
                upcoming, following = pipe.start(following), None
            sftp.amparex_flush()
            pipe.drain()
            if prev is not None and renaming is not None:
                pipe.answer(renaming)
                done, prev, renaming = prev, None, None
                yield _receipt(done, destination)
            pipe.check(current)
            prev, current, upcoming = current, upcoming, None
        if prev is not None:
            renaming = pipe.rename(prev)
            pipe.drain()
            pipe.answer(renaming)
            done, prev, renaming = prev, None, None
            yield _receipt(done, destination)
    except GeneratorExit:
        # The caller stopped iterating (at a yield, so nothing is in flight): leave no
        # handle open and no temporary file behind.
        sftp.amparex_cork = None
        left = [u for u in (prev, current, upcoming) if u is not None]
        cleanup(conn, _open_handles(left, pipe.got), [u.tmp for u in left])
        raise
    except Exception as exc:  # noqa: BLE001 - whatever it is, the caller takes over
        left = [u for u in (prev, current, upcoming) if u is not None]
        stopped = _stopped(
            pipe, exc, left, following=following, renaming=renaming, destination=destination
        )
        raise stopped from (exc if not isinstance(exc, _Stop) else None)


def _next_checked(files: Iterator[OutgoingFile], destination: str) -> OutgoingFile | None:
    following = next(files, None)
    if following is not None:
        try:
            check_name(following.name, destination=destination)
        except DeliveryError as exc:
            raise _Stop(exc, following) from None
    return following


def _stopped(
    pipe: _Pipeline,
    exc: Exception,
    left: list[_Upload],
    *,
    following: OutgoingFile | None,
    renaming: int | None,
    destination: str,
) -> Stopped:
    """What a stopped pipeline leaves: *left* are the uploads started, oldest first."""
    confirmed = []
    if isinstance(exc, _Stop) and pipe.conn.alive:
        # A refusal, the connection is fine: let what is queued go, and learn whether
        # the previous file's rename (the oldest upload, when one was sent) went through.
        try:
            pipe.settle(left)
        except Exception:
            logger.debug("settling the pipeline failed", exc_info=True)
        else:
            if renaming is not None and pipe.got.get(renaming, 0) is None:
                confirmed.append(_receipt(left.pop(0), destination))
    pipe.sftp.amparex_cork = None
    unconfirmed = [u.file for u in left]
    for extra in (following, exc.file if isinstance(exc, _Stop) else None):
        if extra is not None:
            unconfirmed.append(extra)
    return Stopped(
        confirmed,
        unconfirmed,
        _open_handles(left, pipe.got),
        [u.tmp for u in left],
        clean=not pipe.acks.pending,
        cause=exc.cause if isinstance(exc, _Stop) else exc,
    )


def _open_handles(uploads: list[_Upload], got: dict[int, Any]) -> list[bytes]:
    handles = []
    for upload in uploads:
        handle = upload.handle if upload.handle is not None else got.get(upload.open_num)
        if isinstance(handle, bytes) and not upload.closed:
            handles.append(handle)
    return handles


def cleanup(conn: Any, handles: list[bytes], temps: list[str]) -> None:
    """Close *handles* and remove *temps* on the server (best effort, never raises)."""
    if not conn.alive:
        return
    p = conn.paramiko.sftp
    for handle in handles:
        try:
            conn.sftp._request(p.CMD_CLOSE, handle)
        except Exception:  # a handle the server already dropped
            logger.debug("closing a handle failed", exc_info=True)
    for tmp in temps:
        try:
            conn.sftp.remove(tmp)
        except Exception:  # not there (never created, or renamed meanwhile)
            logger.debug("could not remove %s", tmp, exc_info=True)


def _receipt(upload: _Upload, destination: str) -> DeliveryReceipt:
    return DeliveryReceipt(destination=destination, reference=upload.final, size=upload.file.size)
