"""The export-target port: the workstation folder Loyalty Lab files go to (LL4, LL6–LL9, LL11)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.outbox import FolderEvents, FolderStamp
    from amparex_core.domain.uploads import FileFacts

__all__ = ["ExportTarget", "FolderChanges"]


@runtime_checkable
class FolderChanges(Protocol):
    """A feed of the changes of one folder (see :meth:`ExportTarget.changes`)."""

    def drain(self) -> FolderEvents | None:
        """The names added and removed since the last call (or since the feed began).

        Returns:
            The events; ``None`` when the feed lost track (an overflow, the folder moved
            or went away): the caller lists the folder to catch up.
        """
        ...

    def close(self) -> None:
        """Stop the feed and release what it holds."""
        ...


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

    def changes(self, directory: str) -> FolderChanges | None:
        """A feed of the complete files added to and removed from *directory* from now on.

        A watch round asks the feed instead of listing the folder, so it costs O(new
        files) however many files the folder holds (LL8). Folders are not in the feed
        and hidden names (temp files) are left out.

        Returns:
            The feed; ``None`` when this target cannot tell reliably (no notification
            API, a network file system whose other writers it would not see): the
            watcher then compares :meth:`stamp` and lists the folder when it changed.
        """
        ...

    def stamp(self, directory: str) -> FolderStamp:
        """What *directory* looks like now: while the stamp is equal, so is its listing.

        Cheap (one ``stat`` of the folder, no listing): a watch round compares it with
        the last one and lists the folder only when it changed.

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        ...

    def move(self, directory: str, name: str, target: str, new_name: str) -> None:
        """Move the complete file *name* to *target* under *new_name*, never replacing one.

        *target* (a folder inside *directory*, such as ``sent/``) is created when missing,
        with the mode of the target's files. On one file system the move is a rename: the
        file is in one of the two places at every moment (LL9).

        Raises:
            FileNotFoundError: There is no file *name*.
            FileExistsError: *target* holds a file *new_name* already.
            ExportFailed: The move failed otherwise.
        """
        ...

    def remove(self, directory: str, name: str) -> bool:
        """Remove the complete file *name* (LL11).

        Returns:
            ``True`` when removed, ``False`` when it was not there (any more).

        Raises:
            ExportFailed: It could not be removed.
        """
        ...
