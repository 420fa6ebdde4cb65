"""The Loyalty Lab outbox after the export (LL8, LL9, LL11).

What a watch round skips, what retention removes, how a fixed file name is kept apart in
the ledger. Pure rules, no I/O: the services (:mod:`amparex_core.services.outbox`,
:mod:`amparex_core.services.loyalty_lab`) feed them what the ports report.

>>> import datetime as dt
>>> ledger_name("kunden.csv", FileFacts(12, "ab" * 32, 1795417200123456789), fixed=True)
'kunden.csv@1795417200123456789-abababababababab'
>>> archived_name("kunden.csv", dt.datetime(2026, 11, 23, 7, 5, 0, 123456, tzinfo=dt.UTC))
'20261123T070500.123456Z-kunden.csv'
>>> original_name("20261123T070500.123456Z-kunden.csv")
'kunden.csv'
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Final

from ._records import frozen
from .interfaces import _SAMPLE_DAYS, InterfaceConfig, LoyaltyLabSettings
from .uploads import FileFacts, UploadRecord, UploadState

__all__ = [
    "SENT_FOLDER",
    "FolderEvents",
    "FolderStamp",
    "Verdict",
    "archived_name",
    "decide_retention",
    "ledger_name",
    "original_name",
    "sent_directory",
    "shared_remote_name",
]

SENT_FOLDER: Final = "sent"
"""The folder inside an export directory that fixed-name files move to after their
confirmed upload (LL9)."""

_HASH_PART: Final = 16
_ARCHIVED: Final = re.compile(r"(?P<at>\d{8}T\d{6}(?:\.\d{6})?Z)-(?P<name>.+)")


@frozen
class FolderStamp:
    """What a folder looks like from outside: while it is equal, its listing is the same.

    Attributes:
        version: Opaque; changes whenever a name is added, removed or renamed (a file
            system's folder modification and change times, inode and size; a counter).
        settled: Whether the version can be trusted to change with the next change: a
            folder time that is too recent (within the file system's time granularity of
            the last change) may not move when a file is added in the same tick, so the
            listing is taken again until the folder has been quiet for a moment.
    """

    version: tuple[int, ...]
    settled: bool = True


@frozen
class FolderEvents:
    """The names added to and removed from a folder since they were asked for last.

    Attributes:
        added: Names that appeared (a file written, moved in); hidden names excluded.
        removed: Names that went away.
    """

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


def ledger_name(name: str, facts: FileFacts, *, fixed: bool) -> str:
    """The name a file goes by in the upload ledger (LL8, LL9).

    A file of a dated pattern goes by its own name: it is written once and uploaded once.
    A fixed name (``kunden.csv``) is written again after each confirmed upload, so its
    ledger name carries the file's write time (its modification time: an export is
    never rewritten, LL6, and moving it keeps the time) and the start of its SHA-256:
    each written file is its own row — uploaded once, also when its content equals the
    day before's — and the row of an earlier file never hides the next one.
    """
    if not fixed:
        return name
    return f"{name}@{facts.mtime_ns}-{facts.sha256[:_HASH_PART]}"


def archived_name(name: str, at: dt.datetime) -> str:
    """The name of a fixed-name file in ``sent/`` after its upload was confirmed at *at*.

    The time is the ledger's (to the microsecond), so the name is the same when a move
    is repeated after a crash, and differs for every upload.
    """
    return f"{at.astimezone(dt.UTC):%Y%m%dT%H%M%S.%fZ}-{name}"


def original_name(archived: str) -> str | None:
    """The file name an :func:`archived_name` was made from, or ``None`` for another name."""
    found = _ARCHIVED.fullmatch(archived)
    return None if found is None else found["name"]


def sent_directory(directory: str) -> str:
    r"""The ``sent/`` folder of an export directory, in the directory's own path style.

    >>> sent_directory("/srv/loyalty"), sent_directory("C:\\LoyaltyLab"), sent_directory("outbox")
    ('/srv/loyalty/sent', 'C:\\LoyaltyLab\\sent', 'outbox/sent')
    """
    windows = PureWindowsPath(directory)
    if windows.is_absolute() and not PurePosixPath(directory).is_absolute():
        return str(windows / SENT_FOLDER)
    return str(PurePosixPath(directory) / SENT_FOLDER)


class Verdict(enum.Enum):
    """What retention does with one exported file (LL11)."""

    REMOVE = "remove"
    """Its upload is confirmed with the same size and SHA-256, and it is old enough."""
    TOO_YOUNG = "too_young"
    """Younger than the limit (whatever the ledger says)."""
    NOT_UPLOADED = "not_uploaded"
    """The ledger does not know it (never uploaded, or its upload failed)."""
    UPLOAD_UNDER_WAY = "upload_under_way"
    """The ledger holds a claim, not a confirmation."""
    CHANGED_AFTER_UPLOAD = "changed_after_upload"
    """Its size or content differs from what was uploaded."""


def decide_retention(
    record: UploadRecord | None, facts: FileFacts, *, age: dt.timedelta, limit: dt.timedelta
) -> Verdict:
    """Whether an exported file may be removed (LL11).

    Only a file whose upload the ledger confirms with the file's own size and SHA-256
    and that is at least *limit* old is removed; the ledger row itself stays.

    Args:
        record: The ledger's row of the file, or ``None``.
        facts: The file's size and SHA-256 now (only compared for a confirmed upload of
            a file old enough).
        age: How old the file is.
        limit: The configured retention.
    """
    if age < limit:
        return Verdict.TOO_YOUNG
    if record is None:
        return Verdict.NOT_UPLOADED
    if record.state is not UploadState.UPLOADED:
        return Verdict.UPLOAD_UNDER_WAY
    if (record.facts.size, record.facts.sha256) != (facts.size, facts.sha256):
        return Verdict.CHANGED_AFTER_UPLOAD
    return Verdict.REMOVE


#: The days on which two configurations' names are compared (LL10): days of different
#: years, months and weekdays, with day and month swapped (01-02 / 02-01), month ends and
#: a leap day, so that two date formats that differ give different names on one of them.
_COLLISION_DAYS: Final = (
    *_SAMPLE_DAYS,
    dt.date(2026, 2, 1),
    dt.date(2026, 3, 3),
    dt.date(2026, 7, 15),
    dt.date(2026, 11, 23),
    dt.date(2027, 10, 1),
    dt.date(2028, 2, 29),
    dt.date(2028, 6, 30),
    dt.date(2029, 9, 9),
    dt.date(2030, 12, 12),
)


def _same_folder(a: str, b: str) -> bool:
    return a.rstrip("/\\") == b.rstrip("/\\")


def shared_remote_name(a: InterfaceConfig, b: InterfaceConfig) -> str | None:
    """A remote file name two Loyalty Lab configurations would both upload, or ``None`` (LL10).

    They collide when they upload to the same destination (a destination not recorded
    counts as the same as any other) from different folders, and a file name of one is,
    on some day, a file name of the other: one upload would replace the other's file.
    Configurations that share their folder share their files (each is written and
    uploaded once, LL6, LL8) and never collide. Names are compared on a set of sample
    days of different years, months and weekdays.

    Returns:
        The first such name, or ``None``; ``None`` also for other kinds.
    """
    sa, sb = a.settings, b.settings
    if not isinstance(sa, LoyaltyLabSettings) or not isinstance(sb, LoyaltyLabSettings):
        return None
    if sa.destination and sb.destination and sa.destination != sb.destination:
        return None
    if _same_folder(sa.directory, sb.directory):
        return None
    days = _COLLISION_DAYS[:1] if sa.fixed_names and sb.fixed_names else _COLLISION_DAYS
    for day in days:
        common = sa.names_on(day, a.workstation or "") & sb.names_on(day, b.workstation or "")
        if common:
            return sorted(common)[0]
    return None
