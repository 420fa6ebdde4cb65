"""Who may read what the adapters write: file and folder modes, whatever the umask (OP6).

Private to :mod:`amparex_adapters`. Every file an adapter creates on the local file
system — the SQLite store, export files and their temp files, files and parcels delivered
into a folder — is created owner-only (``0600``) unless the configuration names another
mode (e.g. ``0640``) and group, for a partner's tool running as another user. The mode is
set on the open file descriptor (``fchmod``), so the process's umask neither widens nor
narrows it; a folder the adapters create gets the file mode with ``x`` wherever ``r`` is
set (``0600`` → ``0700``, ``0640`` → ``0750``).

A folder or store that exists already and grants more than that is not changed behind the
operator's back: it is reported once, as a WARNING naming the command that fixes it.

>>> oct(folder_mode(0o640)), oct(parse_mode("0640"))
('0o750', '0o640')
"""

from __future__ import annotations

import logging
import os
import stat
from typing import Final

__all__ = [
    "OWNER_ONLY",
    "check_file_mode",
    "create_file",
    "folder_mode",
    "group_id",
    "loose_bits",
    "make_folder",
    "parse_mode",
    "set_mode",
    "warn_if_loose",
]

OWNER_ONLY: Final = 0o600
"""The mode of every file the adapters create unless the configuration names another."""

_FLAGS: Final = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


def check_file_mode(mode: object) -> int:
    """*mode* when it is a file mode the adapters may use.

    The owner reads and writes; nobody executes; nobody but the owner writes unless the
    group does (``0660``); others never write.

    Raises:
        ValueError: Another mode.
    """
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o777:
        raise ValueError(f"a file mode such as 0600 or 0640 expected, not {mode!r}")
    if mode & 0o600 != 0o600:
        raise ValueError(f"{mode:04o}: the owner must be able to read and write")
    if mode & 0o111:
        raise ValueError(f"{mode:04o}: a data file is never executable")
    if mode & 0o002:
        raise ValueError(f"{mode:04o}: others may never write")
    return mode


def parse_mode(text: str | int) -> int:
    """A file mode written in the configuration: ``"0640"`` (octal text) or ``0o640``.

    Raises:
        ValueError: Not an octal mode the adapters may use (see :func:`check_file_mode`).
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return check_file_mode(text)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'an octal file mode such as "0640" expected, not {text!r}')
    try:
        mode = int(text.strip().removeprefix("0o"), 8)
    except ValueError:
        raise ValueError(f'an octal file mode such as "0640" expected, not {text!r}') from None
    return check_file_mode(mode)


def folder_mode(file_mode: int) -> int:
    """The mode of a folder holding files of *file_mode*: ``x`` wherever ``r`` is set."""
    return file_mode | ((file_mode & 0o444) >> 2)


def group_id(group: str | int | None) -> int | None:
    """The numeric ID of *group* (a name or a number); ``None`` for no group.

    Raises:
        ValueError: No such group, or groups are unknown on this system.
    """
    if group is None:
        return None
    if isinstance(group, int) and not isinstance(group, bool):
        return group
    try:
        import grp
    except ImportError:  # pragma: no cover - Windows
        raise ValueError("file groups are not supported on this system") from None
    text = str(group).strip()
    if text.isdigit():
        return int(text)
    try:
        return grp.getgrnam(text).gr_gid
    except KeyError:
        raise ValueError(f"no group {text!r} on this system") from None


def set_mode(fd: int, mode: int, gid: int | None) -> None:
    """Give the open file *fd* its group (if any) and *mode*, whatever the umask."""
    if gid is not None and hasattr(os, "fchown"):
        os.fchown(fd, -1, gid)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def create_file(
    path: str | os.PathLike[str], mode: int = OWNER_ONLY, gid: int | None = None
) -> int:
    """Create the new file *path* (``O_EXCL``) with *mode* and *gid*; returns its descriptor.

    Raises:
        FileExistsError: It exists.
        OSError: It cannot be created.
    """
    fd = os.open(path, _FLAGS, mode)
    try:
        set_mode(fd, mode, gid)
    except BaseException:
        os.close(fd)
        raise
    return fd


def make_folder(
    path: str | os.PathLike[str], file_mode: int = OWNER_ONLY, gid: int | None = None
) -> bool:
    """Create the folder *path* for files of *file_mode* (mode :func:`folder_mode`).

    Returns:
        Whether it was created (``False``: it existed, and is left as it is).

    Raises:
        OSError: It cannot be created.
    """
    mode = folder_mode(file_mode)
    try:
        os.mkdir(path, mode)
    except FileExistsError:
        return False
    if gid is not None and hasattr(os, "chown"):
        os.chown(path, -1, gid)
    os.chmod(path, mode)
    return True


def loose_bits(mode: int, allowed: int) -> int:
    """The permission bits of *mode* that group and others have beyond *allowed*."""
    return stat.S_IMODE(mode) & ~allowed & 0o077


def warn_if_loose(
    logger: logging.Logger, what: str, path: str | os.PathLike[str], allowed: int
) -> bool:
    """Log one WARNING when *path* grants group or others more than *allowed*.

    Args:
        logger: The adapter's logger.
        what: ``"the folder"``, ``"the store file"`` …
        path: An existing file or folder (a missing one is not reported).
        allowed: The mode it should have at most.

    Returns:
        Whether it was reported.
    """
    if os.name != "posix":  # pragma: no cover - modes mean little on Windows
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if not loose_bits(mode, allowed):
        return False
    logger.warning(
        "%s %s can be read by other users (mode %04o): chmod %o %s",
        what,
        os.fspath(path),
        stat.S_IMODE(mode),
        allowed,
        os.fspath(path),
    )
    return True
