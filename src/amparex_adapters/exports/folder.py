"""The Loyalty Lab export folder on the workstation's file system (LL4, LL6, LL7).

File names
    The service names every file with the configuration's
    :attr:`~amparex_core.domain.interfaces.LoyaltyLabSettings.file_pattern`, a
    :meth:`str.format` pattern over three fields:

    ``customer_number``
        The Loyalty Lab customer number (Kunden-Nr.) of the configuration.
    ``statistic``
        The slot: ``customers``, ``glasses``, ``contact_lenses`` or ``hearing_aids``.
    ``date``
        The day of the export (a :class:`datetime.date` in the chain's time zone); format
        it with a :meth:`~datetime.date.strftime` spec such as ``{date:%Y%m%d}``.

    The default is ``{customer_number}_{statistic}_{date:%Y%m%d}.csv``, e.g.
    ``4711_customers_20261123.csv``. ``statistic`` and ``date`` are required, so each
    statistic is exported at most once per day however often the program starts: the
    second start of the day finds the file and runs nothing (LL6). A pattern must make a
    plain file name (no folders, no leading dot). This adapter only receives the finished
    name.

How a file is written (LL7)
    1. The chunks go to a temp file in the same folder, named
       ``.amparex-tmp-<host>-<pid>-<random>.part`` (created with ``O_EXCL``), which is
       flushed and ``fsync``-ed: the content is complete and durable first.
    2. The temp file is hard-linked to its final name with :func:`os.link`, which fails
       instead of replacing an existing file (LL6): another process that won the race
       keeps its file and :meth:`FolderExportTarget.write_new` returns ``False``.
    3. The temp file is removed and the folder ``fsync``-ed, so the new name survives a
       power loss.

    A reader therefore sees either no file or the complete file under the final name,
    whatever happens to the writer: a crash leaves at most a temp file, which
    :meth:`FolderExportTarget.remove_stale` removes at the next start.

Who may read the files (OP6)
    Export files hold customer and health data. Every file — the temp file and so the
    final file, which is the same inode — is created with the target's ``file_mode``,
    ``0600`` (owner only) by default, set on the open file whatever the umask; a
    configuration may name another mode and a group (``file_mode=0o640,
    group="loyaltylab"``) so that Loyalty Lab's tool, running as another user, can read
    them. A folder the target creates (``sent/``) gets that mode with ``x`` where ``r``
    is. An export folder that grants group or others more than that is reported once per
    folder as a WARNING with the ``chmod`` that fixes it; the target never changes it.

File systems without hard links (FAT, exFAT, some network shares)
    When :func:`os.link` is refused as unsupported (``EPERM``, ``EOPNOTSUPP``,
    ``ENOSYS``, ``EMLINK``, ``EXDEV``), the temp file is renamed instead, still never
    replacing a file:

    - on Linux with ``renameat2(RENAME_NOREPLACE)`` (atomic; refused with ``EEXIST`` when
      the name exists);
    - on Windows with :func:`os.rename`, which refuses an existing target;
    - elsewhere (or when the file system refuses ``RENAME_NOREPLACE`` too) the final name
      is first reserved with ``O_CREAT | O_EXCL`` — so a file of another process is never
      replaced — and the temp file is then renamed over the reservation. In this last
      fallback an *empty* file is visible under the final name for the moment between the
      two calls; the content is never partial.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, BinaryIO, Final

from amparex_adapters._modes import (
    OWNER_ONLY,
    check_file_mode,
    create_file,
    folder_mode,
    group_id,
    make_folder,
    warn_if_loose,
)
from amparex_adapters.i18n import N_, _
from amparex_core.domain.errors import ExportDirectoryInvalid, ExportFailed
from amparex_core.domain.interfaces import is_absolute_directory, is_export_directory
from amparex_core.domain.outbox import FolderStamp
from amparex_core.domain.uploads import FileFacts

if TYPE_CHECKING:
    from amparex_core.ports.exports import FolderChanges

__all__ = ["SETTLE_SECONDS", "TEMP_PREFIX", "FolderExportTarget"]

logger = logging.getLogger(__name__)

#: Seconds a folder must have been unchanged before its stamp is trusted to change with
#: the next change (folder times are coarse: FAT keeps 2 s, others a clock tick).
SETTLE_SECONDS: Final = 2
TEMP_PREFIX: Final = ".amparex-tmp-"
TEMP_SUFFIX: Final = ".part"
_UNSUPPORTED_LINK: Final = frozenset(
    {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}
)
_UNSUPPORTED_RENAMEAT2: Final = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP})
_DIR_FSYNC_UNSUPPORTED: Final = frozenset({errno.EINVAL, errno.EBADF, errno.EACCES})
_WRITE_BUFFER: Final = 1 << 20
_RENAME_NOREPLACE: Final = 1
_AT_FDCWD: Final = -100
_PROCESS_QUERY_LIMITED_INFORMATION: Final = 0x1000
_ERROR_ACCESS_DENIED: Final = 5
_ERROR_INVALID_PARAMETER: Final = 87
_STILL_ACTIVE: Final = 259


def _sha256(handle: io.BufferedReader) -> str:
    """The SHA-256 of an open file's content, in hex (hashlib loads OpenSSL: only here)."""
    import hashlib

    return hashlib.file_digest(handle, "sha256").hexdigest()


@functools.cache
def _host_tag() -> str:
    """A short, file-name-safe tag of this computer, so pids of other hosts are not checked."""
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _windows_pid_alive(pid: int) -> bool | None:  # pragma: no cover - Windows only
    """``OpenProcess`` + ``GetExitCodeProcess``: ``os.kill(pid, 0)`` would kill it there."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        code = ctypes.get_last_error()  # type: ignore[attr-defined]
        if code == _ERROR_INVALID_PARAMETER:
            return False  # no such process
        return True if code == _ERROR_ACCESS_DENIED else None
    try:
        status = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(status)):
            return None
        return status.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _pid_alive(pid: int) -> bool | None:
    """Whether process *pid* runs on this computer; ``None`` when that cannot be told."""
    if os.name == "nt":  # pragma: no cover - Windows only
        try:
            return _windows_pid_alive(pid)
        except (OSError, AttributeError):
            return None
    if os.name != "posix":  # pragma: no cover
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return None
    return True


def _renameat2_noreplace(source: str, target: str) -> bool:
    """Rename without replacing through Linux ``renameat2``.

    Returns:
        ``True`` when renamed, ``False`` when *target* exists.

    Raises:
        NotImplementedError: No ``renameat2`` here, or the file system refuses the flag.
        OSError: Any other failure.
    """
    if not sys.platform.startswith("linux"):
        raise NotImplementedError("renameat2 is Linux only")
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:  # pragma: no cover - glibc before 2.28
        raise NotImplementedError("no renameat2 in the C library")
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    if func(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_NOREPLACE):
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            return False
        if code in _UNSUPPORTED_RENAMEAT2:
            raise NotImplementedError(os.strerror(code))
        raise OSError(code, os.strerror(code), target)
    return True


def _rename_reserved(source: str, target: str) -> bool:
    """The last fallback: reserve *target* with ``O_EXCL``, then rename over the reservation."""
    try:
        fd = os.open(
            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600
        )
    except FileExistsError:
        return False
    os.close(fd)
    try:
        os.replace(source, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(target)  # our own empty reservation, never another's file
        raise
    return True


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder as a file; NTFS journals the rename
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        if exc.errno in _DIR_FSYNC_UNSUPPORTED:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _DIR_FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def _folder_stat(directory: str) -> os.stat_result:
    """The ``stat`` of an export folder.

    Raises:
        ExportDirectoryInvalid: It is missing, cannot be read or is not a folder (LL4).
    """
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        raise ExportDirectoryInvalid(directory=directory, reason=_("it does not exist")) from None
    except OSError as exc:
        raise ExportDirectoryInvalid(
            directory=directory,
            reason=_("it cannot be read ({problem})").format(problem=exc.strerror),
        ) from exc
    if not stat.S_ISDIR(info.st_mode):
        raise ExportDirectoryInvalid(directory=directory, reason=_("it is not a folder"))
    return info


class FolderExportTarget:
    """An :class:`~amparex_core.ports.exports.ExportTarget` on the local file system.

    Files appear atomically under their final name and are never replaced (LL6, LL7);
    see the module documentation for the file names, the steps and the fallbacks.
    Several processes may write into one folder at the same moment: each file is written
    by exactly one of them.

    Args:
        stale_after: Age (seconds since the last write) after which a temp file of
            another computer, or one whose writer cannot be told, counts as left behind.
            A temp file of a process of this computer counts as left behind at once when
            that process is gone, and after *stale_after_alive* while it still runs (its
            pid was reused).
        stale_after_alive: See *stale_after*.
        link: The call that publishes a temp file under its final name (for tests of the
            fallbacks); :func:`os.link` by default.
        base: The folder a relative export directory is relative to (the ``amparex``
            command passes its configuration's folder); without it a relative directory
            is refused (``export.directory_invalid``).
        file_mode: The mode of every file written (``0o600`` by default, OP6).
        group: The group of every file written (a name or an ID); ``None``: the user's.

    Raises:
        ValueError: *file_mode* is not a mode a data file may have, or *group* is unknown.
    """

    def __init__(
        self,
        *,
        stale_after: float = 15 * 60,
        stale_after_alive: float = 24 * 60 * 60,
        link: Callable[[str, str], None] | None = None,
        file_mode: int = OWNER_ONLY,
        group: str | int | None = None,
        base: str | os.PathLike[str] | None = None,
    ) -> None:
        self._base = None if base is None else os.path.abspath(base)
        self._stale_after = stale_after
        self._stale_after_alive = stale_after_alive
        self._link = os.link if link is None else link
        self.file_mode = check_file_mode(file_mode)
        self.folder_mode = folder_mode(self.file_mode)
        self._gid = group_id(group)
        self._reported: set[str] = set()
        self._report_lock = threading.Lock()

    def __repr__(self) -> str:
        base = "" if self._base is None else f", base={self._base!r}"
        return f"{type(self).__name__}(stale_after={self._stale_after}{base})"

    def _report_loose(self, directory: str) -> None:
        """Warn once per folder when it grants group or others more than it should (OP6)."""
        with self._report_lock:
            if directory in self._reported:
                return
            self._reported.add(directory)
        warn_if_loose(logger, N_("the export folder"), directory, self.folder_mode)

    # ------------------------------------------------------------ names and folders

    @staticmethod
    def is_temp_name(name: str) -> bool:
        """Whether *name* is one of this adapter's temp files."""
        return name.startswith(TEMP_PREFIX)

    def _folder(self, directory: str) -> str:
        """The absolute folder *directory* names: as it is, or relative to the base."""
        if is_absolute_directory(directory):
            return directory
        if self._base is None or not is_export_directory(directory):
            raise ExportDirectoryInvalid(directory=directory, reason=_("not an absolute path"))
        return os.path.join(self._base, directory)

    def _path(self, directory: str, name: str) -> str:
        directory = self._folder(directory)
        if (
            not name
            or name in {".", ".."}
            or "/" in name
            or "\\" in name
            or "\x00" in name
            or self.is_temp_name(name)
        ):
            raise ExportFailed(
                directory=directory, file_name=name, reason=_("not a plain file name")
            )
        return os.path.join(directory, name)

    def check_directory(self, directory: str) -> None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.check_directory`.

        Writability is probed by creating and removing a temp file, which also catches
        read-only mounts and access rules the permission bits do not show.
        """
        directory = self._folder(directory)
        _folder_stat(directory)
        try:
            fd, probe = self._create_temp(directory)
        except OSError as exc:
            raise ExportDirectoryInvalid(
                directory=directory,
                reason=_("it is not writable ({problem})").format(problem=exc.strerror),
            ) from exc
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(probe)

    def _check_directory_exists(self, directory: str) -> None:
        """The cheap part of :meth:`check_directory`: absolute, present, a folder."""
        directory = self._folder(directory)
        if not os.path.isdir(directory):
            exists = os.path.lexists(directory)
            reason = _("it is not a folder") if exists else _("it does not exist")
            raise ExportDirectoryInvalid(directory=directory, reason=reason)

    def exists(self, directory: str, name: str) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.exists`.

        One ``lstat`` when the file is there; when it is not, the folder is checked, so a
        missing folder is reported before any statistic runs.

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        path = self._path(directory, name)
        try:
            os.lstat(path)
        except FileNotFoundError:
            self._check_directory_exists(directory)
            return False
        except NotADirectoryError:
            self._check_directory_exists(directory)
            raise  # pragma: no cover - the check above raises
        return True

    # ------------------------------------------------------------ writing

    def _create_temp(self, directory: str) -> tuple[int, str]:
        while True:
            tag = f"{_host_tag()}-{os.getpid()}-{os.urandom(6).hex()}"
            name = f"{TEMP_PREFIX}{tag}{TEMP_SUFFIX}"
            path = os.path.join(directory, name)
            try:
                return create_file(path, self.file_mode, self._gid), path
            except FileExistsError:  # pragma: no cover - 48 random bits collided
                continue

    def _publish(self, temp: str, final: str) -> bool:
        """Give the complete temp file its final name without replacing one (LL6, LL7)."""
        try:
            self._link(temp, final)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED_LINK:
                raise
        else:
            return True
        # No hard links on this file system: rename without replacing.
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            try:
                os.rename(temp, final)  # refuses an existing target on Windows
            except FileExistsError:
                return False
            return True
        try:
            return _renameat2_noreplace(temp, final)
        except NotImplementedError:
            return _rename_reserved(temp, final)

    def write_new(self, directory: str, name: str, chunks: Iterable[bytes]) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.write_new` (LL6, LL7).

        Returns at once with ``False``, without reading *chunks*, when the file exists.
        """
        final = self._path(directory, name)
        directory = self._folder(directory)
        if os.path.lexists(final):
            return False
        try:
            fd, temp = self._create_temp(directory)
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            self._check_directory_exists(directory)
            raise ExportDirectoryInvalid(
                directory=directory,
                reason=_("it is not writable ({problem})").format(problem=exc.strerror),
            ) from exc
        except OSError as exc:
            raise ExportFailed(
                directory=directory, file_name=name, reason=exc.strerror or str(exc)
            ) from exc
        try:
            try:
                with open(fd, "wb", buffering=_WRITE_BUFFER, closefd=True) as out:
                    for chunk in chunks:
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                published = self._publish(temp, final)
            except OSError as exc:
                raise ExportFailed(
                    directory=directory, file_name=name, reason=exc.strerror or str(exc)
                ) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        try:
            _fsync_directory(directory)
        except OSError as exc:
            raise ExportFailed(
                directory=directory,
                file_name=name,
                reason=_("folder not synced ({problem})").format(problem=exc.strerror),
            ) from exc
        return published

    # ------------------------------------------------------------ reading

    def list_files(self, directory: str) -> list[str]:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.list_files`.

        Regular files only; temp files and other hidden files (names starting with a dot,
        which no file pattern makes) are left out.

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        directory = self._folder(directory)
        self._check_directory_exists(directory)
        self._report_loose(directory)
        try:
            with os.scandir(directory) as entries:
                return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_file())
        except OSError as exc:
            raise ExportDirectoryInvalid(
                directory=directory,
                reason=_("it cannot be read ({problem})").format(problem=exc.strerror),
            ) from exc

    def facts(self, directory: str, name: str, *, with_hash: bool = True) -> FileFacts:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.facts`.

        Size and modification time come from one open file, so the hash and the size
        describe the same content.
        """
        path = self._path(directory, name)
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            digest = _sha256(handle) if with_hash else ""
        return FileFacts(size=info.st_size, sha256=digest, mtime_ns=info.st_mtime_ns)

    def open(self, directory: str, name: str) -> BinaryIO:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.open`."""
        return open(self._path(directory, name), "rb")

    def changes(self, directory: str) -> FolderChanges | None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.changes`.

        Linux ``inotify`` on a local file system; ``None`` elsewhere and on network file
        systems (NFS, SMB/CIFS, FUSE …), whose other writers inotify does not see.

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        self._check_directory_exists(directory)
        from amparex_adapters.exports._changes import open_changes  # (ctypes)

        return open_changes(self._folder(directory))

    def stamp(self, directory: str) -> FolderStamp:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.stamp`.

        The folder's inode, device, modification and change times (ns), size and link
        count. It counts as settled once the folder has not changed for
        :data:`SETTLE_SECONDS` (a folder time that recent may not move again when a file
        is added within the file system's time granularity).

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        directory = self._folder(directory)
        info = _folder_stat(directory)
        changed = max(info.st_mtime_ns, info.st_ctime_ns)
        version = (
            info.st_ino,
            info.st_dev,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_size,
            info.st_nlink,
        )
        return FolderStamp(version, settled=time.time_ns() - changed > SETTLE_SECONDS * 10**9)

    def move(self, directory: str, name: str, target: str, new_name: str) -> None:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.move`.

        A hard link under the new name, then the old name removed (or a rename that
        never replaces, where hard links are missing); the target folder is created with
        the target's folder mode. Both folders are fsync-ed.
        """
        source = self._path(directory, name)
        final = self._path(target, new_name)
        directory, target = self._folder(directory), self._folder(target)
        if not os.path.isfile(source):
            raise FileNotFoundError(source)
        try:
            if make_folder(target, self.file_mode, self._gid):
                _fsync_directory(os.path.dirname(target.rstrip("/\\")) or target)
            if not self._publish(source, final):
                raise FileExistsError(final)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(source)  # still there after a hard link
            _fsync_directory(target)
            _fsync_directory(directory)
        except (FileExistsError, FileNotFoundError):
            raise
        except OSError as exc:
            raise ExportFailed(
                directory=directory, file_name=name, reason=exc.strerror or str(exc)
            ) from exc

    def remove(self, directory: str, name: str) -> bool:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.remove`."""
        path = self._path(directory, name)
        directory = self._folder(directory)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ExportFailed(
                directory=directory, file_name=name, reason=exc.strerror or str(exc)
            ) from exc
        with contextlib.suppress(OSError):
            _fsync_directory(directory)
        return True

    # ------------------------------------------------------------ clean-up

    def _is_stale(self, name: str, age: float) -> bool:
        parts = name[len(TEMP_PREFIX) :].split("-")
        if len(parts) == 3 and parts[0] == _host_tag() and parts[1].isdigit():
            pid = int(parts[1])
            if pid == os.getpid():
                return age > self._stale_after_alive
            alive = _pid_alive(pid)
            if alive is False:
                return True
            if alive is True:
                return age > self._stale_after_alive
        return age > self._stale_after

    def remove_stale(self, directory: str) -> int:
        """See :meth:`~amparex_core.ports.exports.ExportTarget.remove_stale`.

        A temp file is left behind when its writer (named in the temp file's name) was a
        process of this computer that is gone, or when it was not written to for
        *stale_after* seconds. Temp files of running writers are kept, so two processes
        may export into one folder at the same time.

        Raises:
            ExportDirectoryInvalid: The folder is not absolute, missing or not a folder.
        """
        directory = self._folder(directory)
        self._check_directory_exists(directory)
        self._report_loose(directory)
        now = time.time()
        removed = 0
        with os.scandir(directory) as entries:
            candidates = [e for e in entries if self.is_temp_name(e.name)]
        for entry in candidates:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if not self._is_stale(entry.name, now - info.st_mtime):
                continue
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # another process cleaned it up first
            removed += 1
        return removed
