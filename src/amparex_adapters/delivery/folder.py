"""File delivery into a local or mounted folder — LL8, CO16, CO18.

:class:`FolderDelivery` copies each file to a hidden temporary file in the target folder,
flushes and fsyncs it, checks its size and moves it to its final name with
:func:`os.replace` (atomic on one file system, replacing an older file of that name), then
fsyncs the folder so the new name survives a crash. Nobody ever sees a partly copied file
under the final name.

A copy killed half-way (SIGKILL, power loss) leaves its hidden temp file behind. Before its
first copy each :class:`FolderDelivery` removes such files from the folder: names exactly
like those it makes (``.<name>.<8 hex digits>.part``) that nobody has written to for
``stale_after`` seconds (an hour by default) — a live copy writes its temp file all the
time, so one untouched for an hour belongs to a copy that is dead.

Who may read the files (OP6): every temp file — and so the final file, the same inode
after the rename — is created with ``file_mode`` (``0600``, owner only, by default; set
on the open file whatever the umask) and, when given, ``group``: parcels to the card
vendor and Loyalty Lab files hold customer data. A target folder that grants group or
others more than the files' mode (with ``x`` where ``r`` is) is reported once, as a
WARNING with the ``chmod`` that fixes it; the delivery never changes it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from amparex_adapters._modes import (
    OWNER_ONLY,
    create_file,
    folder_mode,
    group_id,
    parse_mode,
    warn_if_loose,
)
from amparex_adapters.delivery._common import (
    STALE_AFTER,
    Retry,
    check_name,
    check_stale_after,
    retrying,
    sweep_stale,
    temp_name,
)
from amparex_adapters.i18n import N_, _
from amparex_core.domain.errors import DeliveryFailed

if TYPE_CHECKING:
    from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile

__all__ = ["FolderDelivery"]

logger = logging.getLogger(__name__)

#: Bytes per read/write when copying.
COPY_BLOCK = 1024 * 1024


class _SizeMismatch(Exception):
    """The content did not have the announced size."""


class FolderDelivery:
    """Delivers files into one folder (implements ``FileDelivery``).

    Args:
        folder: The target folder; it must exist (a mount point that is missing is an
            error, not something to create).
        retry: Attempts and backoff; a network mount may fail transiently.
        stale_after: Seconds since its last write after which a temp file of this
            delivery's kind is taken as left by a dead copy and removed (before the
            first copy of this object; see the module's description).
        file_mode: The mode of the files delivered (octal text such as ``"0640"`` or a
            number); ``0o600`` by default (OP6).
        group: The group of the files delivered (a name or an ID); ``None``: the user's.

    Attributes:
        sweeps: How often the folder was looked through for stale temp files (once per
            object, at its first copy).
        swept: How many stale temp files were removed.

    Raises:
        ValueError: *stale_after* is not a number of seconds greater than 0, *file_mode*
            is not a mode a data file may have, or *group* is unknown.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        retry: Retry | None = None,
        stale_after: float = STALE_AFTER,
        file_mode: str | int = OWNER_ONLY,
        group: str | int | None = None,
    ) -> None:
        self.file_mode = parse_mode(file_mode)
        self._gid = group_id(group)
        self.folder = Path(folder)
        self.destination = self.folder.as_uri() if self.folder.is_absolute() else str(self.folder)
        self.retry = retry or Retry(attempts=2, backoff=0.2)
        self.stale_after = check_stale_after(stale_after)
        self.sweeps = 0
        self.swept = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FolderDelivery({self.destination!r})"

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        """Copy *file* into the folder under its name (LL8).

        Raises:
            DeliveryFailed: The folder is missing or not writable, the content's size
                differs from ``file.size``, or the copy failed.
        """
        check_name(file.name, destination=self.destination)
        if not self.folder.is_dir():
            raise DeliveryFailed(
                destination=self.destination, item=file.name, reason=_("the folder does not exist")
            )
        with self._lock:
            if self.sweeps == 0:
                self._sweep()
            return retrying(
                lambda: self._attempt(file),
                retry=self.retry,
                destination=self.destination,
                item=file.name,
                is_transient=lambda exc: (
                    isinstance(exc, OSError)
                    and not isinstance(exc, PermissionError | FileNotFoundError)
                ),
            )

    def _attempt(self, file: OutgoingFile) -> DeliveryReceipt:
        import shutil  # (an upload: a start with nothing new loads none of it)

        final = self.folder / file.name
        tmp = self.folder / temp_name(file.name)
        fd = create_file(tmp, self.file_mode, self._gid)
        try:
            with open(fd, "wb", closefd=True) as out, file.open() as src:
                shutil.copyfileobj(src, out, COPY_BLOCK)
                out.flush()
                os.fsync(out.fileno())
                written = out.tell()
            if written != file.size:
                raise _SizeMismatch(f"content has {written} bytes, expected {file.size}")
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(self.folder)
        from amparex_core.domain.parcels import DeliveryReceipt  # (an upload: rarely at a start)

        return DeliveryReceipt(destination=self.destination, reference=str(final), size=file.size)

    def _sweep(self) -> None:
        """Remove the temp files of dead copies from the folder (never raises)."""

        def listing() -> list[tuple[str, Callable[[], float | None]]]:
            with os.scandir(self.folder) as entries:
                return [(e.name, functools.partial(_regular_mtime, e)) for e in entries]

        self.sweeps += 1
        warn_if_loose(logger, N_("the delivery folder"), self.folder, folder_mode(self.file_mode))
        removed, _ = sweep_stale(
            listing,
            lambda name: os.unlink(self.folder / name),
            destination=self.destination,
            stale_after=self.stale_after,
        )
        self.swept += removed


def _regular_mtime(entry: os.DirEntry[str]) -> float | None:
    """The entry's modification time, ``None`` unless it is a regular file (no link)."""
    info = entry.stat(follow_symlinks=False)
    return info.st_mtime if stat.S_ISREG(info.st_mode) else None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)
