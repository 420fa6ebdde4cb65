"""File delivery into a local or mounted folder — LL8, CO16, CO18.

:class:`FolderDelivery` copies each file to a hidden temporary file in the target folder,
flushes and fsyncs it, checks its size and moves it to its final name with
:func:`os.replace` (atomic on one file system, replacing an older file of that name), then
fsyncs the folder so the new name survives a crash. Nobody ever sees a partly copied file
under the final name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

from amparex_adapters.delivery._common import Retry, check_name, retrying, temp_name
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile

__all__ = ["FolderDelivery"]

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
    """

    def __init__(self, folder: str | os.PathLike[str], *, retry: Retry | None = None) -> None:
        self.folder = Path(folder)
        self.destination = self.folder.as_uri() if self.folder.is_absolute() else str(self.folder)
        self.retry = retry or Retry(attempts=2, backoff=0.2)
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
                destination=self.destination, item=file.name, reason="the folder does not exist"
            )
        with self._lock:
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
        final = self.folder / file.name
        tmp = self.folder / temp_name(file.name)
        try:
            with file.open() as src, open(tmp, "xb") as out:
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
        return DeliveryReceipt(destination=self.destination, reference=str(final), size=file.size)


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
