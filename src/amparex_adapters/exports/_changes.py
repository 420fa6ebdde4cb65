"""Folder change feeds for :class:`~amparex_adapters.exports.folder.FolderExportTarget`.

Private to the package ``amparex_adapters.exports``. On Linux a folder on a local file system is
watched with ``inotify`` (through :mod:`ctypes`): the kernel reports every name created,
linked, moved in, deleted or moved out, so a watch round learns the new files without
listing the folder (LL8). Elsewhere, and on network file systems — whose other writers
(another workstation writing into a shared folder) inotify never sees — there is no
feed, and the watcher compares the folder's stamp and lists it when it changed.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import struct
import sys
from typing import Final

from amparex_core.domain.outbox import FolderEvents

__all__ = ["InotifyChanges", "local_file_system", "open_changes"]

logger = logging.getLogger(__name__)

# <sys/inotify.h>
_IN_MOVED_FROM: Final = 0x00000040
_IN_MOVED_TO: Final = 0x00000080
_IN_CREATE: Final = 0x00000100
_IN_DELETE: Final = 0x00000200
_IN_DELETE_SELF: Final = 0x00000400
_IN_MOVE_SELF: Final = 0x00000800
_IN_UNMOUNT: Final = 0x00002000
_IN_Q_OVERFLOW: Final = 0x00004000
_IN_IGNORED: Final = 0x00008000
_IN_ONLYDIR: Final = 0x01000000
_IN_ISDIR: Final = 0x40000000
_IN_NONBLOCK: Final = 0o4000
_IN_CLOEXEC: Final = 0o2000000
_WATCHED: Final = (
    _IN_CREATE | _IN_MOVED_TO | _IN_DELETE | _IN_MOVED_FROM | _IN_DELETE_SELF | _IN_MOVE_SELF
)
_LOST: Final = _IN_Q_OVERFLOW | _IN_IGNORED | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_UNMOUNT
_EVENT: Final = struct.Struct("iIII")  # wd, mask, cookie, len

#: File systems whose folders other computers write into (inotify sees only this one's
#: writes) or whose notifications are not reliable: no feed on them.
NETWORK_FILE_SYSTEMS: Final = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "virtiofs",
    }
)


def _unescape(field: str) -> str:
    """A path of ``/proc/self/mountinfo`` (space, tab, newline, backslash octal-escaped)."""
    return (field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")).replace(
        "\\134", "\\"
    )


def local_file_system(directory: str, mountinfo: str = "/proc/self/mountinfo") -> bool | None:
    """Whether *directory* lies on a local file system (``None``: it cannot be told).

    The mount whose mount point is the longest prefix of the folder's real path decides;
    a network file system, or a FUSE one (any ``fuse.*``), is not local.
    """
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as lines:
            mounts = lines.read().splitlines()
    except OSError:
        return None
    path = os.path.realpath(directory)
    best, kind = "", None
    for line in mounts:
        head, sep, tail = line.partition(" - ")
        fields = head.split()
        if not sep or len(fields) < 5 or not tail.split():
            continue
        point = _unescape(fields[4])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, tail.split()[0]
    if kind is None:
        return None
    return kind not in NETWORK_FILE_SYSTEMS and not kind.startswith("fuse")


class InotifyChanges:
    """The changes of one folder through Linux ``inotify`` (a :class:`FolderChanges`).

    Args:
        directory: The folder.

    Raises:
        OSError: inotify is not available, or the folder cannot be watched (no such
            folder, the user's watch limit reached).
    """

    def __init__(self, directory: str) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        init = getattr(libc, "inotify_init1", None)
        add = getattr(libc, "inotify_add_watch", None)
        if init is None or add is None:
            raise OSError(errno.ENOSYS, "no inotify in the C library")
        fd = int(init(_IN_NONBLOCK | _IN_CLOEXEC))
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        watch = int(add(fd, os.fsencode(directory), _WATCHED | _IN_ONLYDIR))
        if watch < 0:
            code = ctypes.get_errno()
            os.close(fd)
            raise OSError(code, os.strerror(code), directory)
        self.directory = directory
        self._fd: int | None = fd

    def drain(self) -> FolderEvents | None:
        """See :meth:`~amparex_core.ports.exports.FolderChanges.drain`."""
        if self._fd is None:
            return None
        added: set[str] = set()
        removed: set[str] = set()
        lost = False
        while True:
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                lost = True
                break
            offset = 0
            while offset + _EVENT.size <= len(data):
                _wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                raw = data[offset + _EVENT.size : offset + _EVENT.size + length]
                offset += _EVENT.size + length
                if mask & _LOST:
                    lost = True
                    continue
                name = os.fsdecode(raw.rstrip(b"\0"))
                if mask & _IN_ISDIR or not name or name.startswith("."):
                    continue
                if mask & (_IN_CREATE | _IN_MOVED_TO):
                    added.add(name)
                    removed.discard(name)
                elif mask & (_IN_DELETE | _IN_MOVED_FROM):
                    removed.add(name)
                    added.discard(name)
        if lost:
            logger.info(
                "%s: the folder's change feed lost track; it is listed again", self.directory
            )
            self.close()
            return None
        return FolderEvents(frozenset(added), frozenset(removed))

    def close(self) -> None:
        """See :meth:`~amparex_core.ports.exports.FolderChanges.close`."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def open_changes(directory: str) -> InotifyChanges | None:
    """The feed of *directory*, or ``None`` where inotify cannot see every change."""
    if not sys.platform.startswith("linux") or local_file_system(directory) is not True:
        return None
    try:
        return InotifyChanges(directory)
    except OSError as exc:
        logger.info("%s: no change feed (%s); the folder is compared and listed", directory, exc)
        return None
