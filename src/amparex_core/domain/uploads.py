"""The upload ledger's records and rules (LL8): which export file went to which destination, once.

Every store keeps the ledger (:class:`~amparex_core.ports.storage.UploadLedger`) by the
same two rules, written here once: :func:`decide_claim` (may this run upload the file
now?) and :meth:`UploadRecord.completed` (the upload was confirmed). A store's part is to
read the current record and write the decision in one atomic step (a locked row, a lock).

>>> import datetime as dt
>>> now, lease = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC), dt.timedelta(minutes=10)
>>> facts = FileFacts(size=12, sha256="ab" * 32)
>>> result, record = decide_claim(None, "LL-1", "a.csv", facts, now=now, lease=lease)
>>> result, record.attempts
(<ClaimResult.CLAIMED: 'claimed'>, 1)
>>> decide_claim(record, "LL-1", "a.csv", facts, now=now, lease=lease)[0]
<ClaimResult.IN_PROGRESS: 'in_progress'>
>>> later = now + lease
>>> decide_claim(record, "LL-1", "a.csv", facts, now=later, lease=lease)[1].attempts
2
>>> done = record.completed(receipt="/in/a.csv", now=later)
>>> decide_claim(done, "LL-1", "a.csv", facts, now=later, lease=lease)[0]
<ClaimResult.ALREADY_UPLOADED: 'already_uploaded'>
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

__all__ = [
    "ClaimResult",
    "FileFacts",
    "UploadOutcome",
    "UploadRecord",
    "UploadState",
    "decide_claim",
]


@attrs.frozen
class FileFacts:
    """Size, content hash and modification time of a local file."""

    size: int
    sha256: str
    mtime_ns: int = 0


class UploadState(enum.Enum):
    """Where one file stands in the ledger."""

    CLAIMED = "claimed"
    UPLOADED = "uploaded"


@attrs.frozen
class UploadRecord:
    """One ledger row: file *name* of *destination* (LL8).

    Attributes:
        destination: Who it goes to (the Loyalty Lab configuration's ID).
        name: The file name, local and remote.
        facts: Size and SHA-256 at the time of the claim.
        state: Claimed (an upload under way) or uploaded.
        claimed_at: When the running upload claimed it; a claim older than the lease is
            abandoned (its process died) and may be taken over.
        uploaded_at: When the upload was confirmed.
        receipt: What the server side reported (remote path, size).
        attempts: How many uploads were started.
    """

    destination: str
    name: str
    facts: FileFacts
    state: UploadState
    claimed_at: dt.datetime
    uploaded_at: dt.datetime | None = None
    receipt: str | None = None
    attempts: int = 1

    def claim_expired(self, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Whether an unfinished claim is older than *lease* at *now*."""
        return self.state is UploadState.CLAIMED and now - self.claimed_at >= lease

    def completed(self, *, receipt: str, now: dt.datetime) -> UploadRecord:
        """This record once its upload was confirmed at *now* (LL8).

        Idempotent: a record that is uploaded already stays as it is (the first receipt
        and time are kept).
        """
        if self.state is UploadState.UPLOADED:
            return self
        return attrs.evolve(self, state=UploadState.UPLOADED, uploaded_at=now, receipt=receipt)


class ClaimResult(enum.Enum):
    """The answer of the ledger to a claim."""

    CLAIMED = "claimed"
    ALREADY_UPLOADED = "already_uploaded"
    IN_PROGRESS = "in_progress"


class UploadOutcome(enum.Enum):
    """What happened to one file of the outbox in one run (LL8)."""

    UPLOADED = "uploaded"
    ALREADY_UPLOADED = "already_uploaded"
    IN_PROGRESS = "in_progress"
    CHANGED_AFTER_UPLOAD = "changed_after_upload"
    FAILED = "failed"
    NOT_TRIED = "not_tried"
    """Not tried in this run: its destination refused an earlier file's host key or login
    (the result carries that refusal); the next run tries again."""

    @property
    def pending(self) -> bool:
        """Whether the file still waits for its upload (a later run sends it)."""
        return self in _PENDING


_PENDING = frozenset({UploadOutcome.IN_PROGRESS, UploadOutcome.FAILED, UploadOutcome.NOT_TRIED})


def decide_claim(
    current: UploadRecord | None,
    destination: str,
    name: str,
    facts: FileFacts,
    *,
    now: dt.datetime,
    lease: dt.timedelta,
) -> tuple[ClaimResult, UploadRecord]:
    """Whether a run may upload file *name* to *destination* now (LL8: each file once).

    Args:
        current: The ledger's record of the file, or ``None`` when it has none.
        destination: Who the file goes to (the Loyalty Lab configuration's ID).
        name: The file name.
        facts: Size and hash of the file now.
        now: The time of the claim.
        lease: How long a claim holds; an unfinished claim older than that was abandoned
            (its process died) and is taken over.

    Returns:
        ``(ALREADY_UPLOADED, current)`` when the file was uploaded; ``(IN_PROGRESS,
        current)`` while another run's claim holds; otherwise ``(CLAIMED, record)`` with
        the new claim to store: claimed at *now* with *facts*, one attempt more than
        *current* (a claim taken over) or the first.

    Raises:
        ValueError: *current* is the record of another file or destination.
    """
    if current is not None:
        if (current.destination, current.name) != (destination, name):
            raise ValueError(
                f"the record of {current.name} to {current.destination} decides no claim "
                f"of {name} to {destination}"
            )
        if current.state is UploadState.UPLOADED:
            return ClaimResult.ALREADY_UPLOADED, current
        if not current.claim_expired(now, lease):
            return ClaimResult.IN_PROGRESS, current
    claimed = UploadRecord(
        destination=destination,
        name=name,
        facts=facts,
        state=UploadState.CLAIMED,
        claimed_at=now,
        attempts=1 if current is None else current.attempts + 1,
    )
    return ClaimResult.CLAIMED, claimed
