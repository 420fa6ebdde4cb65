"""The export-target port: the workstation folder Loyalty Lab files go to (LL4, LL6–LL8)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol, runtime_checkable

from amparex_core.domain.uploads import FileFacts

__all__ = ["ExportTarget"]


@runtime_checkable
class ExportTarget(Protocol):
    """Files in export directories, written atomically and never replaced.

    *directory* is the folder of a Loyalty Lab configuration: absolute, or relative to a
    base folder the target knows (a target without one refuses a relative folder with
    ``ExportDirectoryInvalid``); *name* a plain file name inside it (no path separators).
    """

    def check_directory(self, directory: str) -> None:
        """Make sure *directory* can be written to (LL4).

        Raises:
            ExportDirectoryInvalid: Relative without a base folder, missing, not a folder,
                or not writable.
        """
        ...

    def exists(self, directory: str, name: str) -> bool:
        """Whether a file *name* exists in *directory* (LL6). Cheap: no content is read."""
        ...

    def write_new(self, directory: str, name: str, chunks: Iterable[bytes]) -> bool:
        """Write *chunks* to a new file *name*, atomically, never replacing one (LL6, LL7).

        The content is complete and durable before the file appears under *name*; no
        reader ever sees a partial file under its final name, whatever happens to the
        process. If *chunks* raises, nothing is left behind and the error propagates.

        Returns:
            ``True`` when written; ``False`` when a file of that name appeared in the
            meantime (another process won) — that file is left as it is.

        Raises:
            ExportDirectoryInvalid: The directory cannot be used.
            ExportFailed: Writing failed (disk full, permissions).
        """
        ...

    def list_files(self, directory: str) -> list[str]:
        """The names of the complete files in *directory*, sorted; temp files excluded."""
        ...

    def facts(self, directory: str, name: str, *, with_hash: bool = True) -> FileFacts:
        """Size, modification time and (when *with_hash*) SHA-256 of a file.

        Raises:
            FileNotFoundError: No such file.
        """
        ...

    def open(self, directory: str, name: str) -> BinaryIO:
        """Open a complete file for reading (LL8).

        Raises:
            FileNotFoundError: No such file.
        """
        ...

    def remove_stale(self, directory: str) -> int:
        """Remove temp files left behind by a crashed writer.

        Returns:
            How many were removed.
        """
        ...
