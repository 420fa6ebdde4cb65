"""The upload ledger's records and rules (LL8): which export file went to which destination, once.

Every store keeps the ledger (:class:`~amparex_core.ports.storage.UploadLedger`) by the
same rules, written here once: :func:`decide_claim` (may this run upload the file
now?), :meth:`UploadRecord.renewed` (the uploader is still at work),
:meth:`UploadRecord.completed` (the upload was confirmed) and
:meth:`UploadRecord.releasable_by` (a failed upload gives its claim back). A store's part
is to read the current record and write the decision in one atomic step (a locked row, a
lock). A claim is held by a :class:`~amparex_core.domain.claims.Holder` for a lease it
renews while it uploads; it is taken over when the lease ran out or its holder is
provably dead (:mod:`~amparex_core.domain.claims`).

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

from ._records import frozen
from .claims import Holder, Takeover, takeover

__all__ = [
    "ClaimResult",
    "FileFacts",
    "UploadOutcome",
    "UploadRecord",
    "UploadState",
    "claim_takeover",
    "decide_claim",
]


@frozen
class FileFacts:
    """Size, content hash and modification time of a local file."""

    size: int
    sha256: str
    mtime_ns: int = 0


class UploadState(enum.Enum):
    """Where one file stands in the ledger."""

    CLAIMED = "claimed"
    UPLOADED = "uploaded"


@frozen
class UploadRecord:
    """One ledger row: file *name* of *destination* (LL8).

    Attributes:
        destination: Who it goes to (the Loyalty Lab configuration's ID).
        name: The file name, local and remote.
        facts: Size and SHA-256 at the time of the claim.
        state: Claimed (an upload under way) or uploaded.
        claimed_at: When the running upload claimed it.
        uploaded_at: When the upload was confirmed.
        receipt: What the server side reported (remote path, size).
        attempts: How many uploads were started.
        holder: Who claimed it (``None`` in records of 0.1.0).
        lease_until: Until when an unfinished claim holds unless renewed; ``None`` in
            records of 0.1.0, whose claims hold for the claimer's lease from
            :attr:`claimed_at`.
    """

    destination: str
    name: str
    facts: FileFacts
    state: UploadState
    claimed_at: dt.datetime
    uploaded_at: dt.datetime | None = None
    receipt: str | None = None
    attempts: int = 1
    holder: Holder | None = None
    lease_until: dt.datetime | None = None

    def lease_end(self, lease: dt.timedelta) -> dt.datetime:
        """Until when the claim holds: :attr:`lease_until`, else *lease* from the claim."""
        return self.lease_until if self.lease_until is not None else self.claimed_at + lease

    def claim_expired(self, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Whether an unfinished claim's lease has run out at *now*.

        Args:
            now: The instant.
            lease: The lease of a record without :attr:`lease_until` (0.1.0).
        """
        return self.state is UploadState.CLAIMED and now >= self.lease_end(lease)

    def renewed(
        self, holder: Holder, *, now: dt.datetime, lease: dt.timedelta
    ) -> UploadRecord | None:
        """This claim with *holder*'s lease extended to *now* + *lease*.

        Returns:
            ``None`` when the record is no claim of *holder* (uploaded, or taken over).
        """
        if self.state is not UploadState.CLAIMED or self.holder != holder:
            return None
        return attrs.evolve(self, lease_until=now + lease)

    def releasable_by(self, holder: Holder | None) -> bool:
        """Whether *holder* may drop this record after a failed upload.

        An uploaded record is never dropped; a claim only by its holder (or by anybody
        when no holder is named: the 0.1.0 behaviour).
        """
        return self.state is UploadState.CLAIMED and (holder is None or self.holder == holder)

    def completed(self, *, receipt: str, now: dt.datetime) -> UploadRecord:
        """This record once its upload was confirmed at *now* (LL8).

        Idempotent: a record that is uploaded already stays as it is (the first receipt
        and time are kept).
        """
        if self.state is UploadState.UPLOADED:
            return self
        return attrs.evolve(
            self, state=UploadState.UPLOADED, uploaded_at=now, receipt=receipt, lease_until=None
        )


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
    holder: Holder | None = None,
    dead: Holder | None = None,
) -> tuple[ClaimResult, UploadRecord]:
    """Whether a run may upload file *name* to *destination* now (LL8: each file once).

    Args:
        current: The ledger's record of the file, or ``None`` when it has none.
        destination: Who the file goes to (the Loyalty Lab configuration's ID).
        name: The file name.
        facts: Size and hash of the file now.
        now: The time of the claim.
        lease: How long the new claim holds unless renewed (and the lease of a 0.1.0
            claim without a stored end).
        holder: Who claims.
        dead: A holder the claimant proved dead
            (:func:`~amparex_core.domain.claims.holder_is_dead`): its claim is taken over
            before its lease ends, if it still holds it.

    Returns:
        ``(ALREADY_UPLOADED, current)`` when the file was uploaded; ``(IN_PROGRESS,
        current)`` while another run's claim holds; otherwise ``(CLAIMED, record)`` with
        the new claim to store: claimed by *holder* at *now* with *facts* until *now* +
        *lease*, one attempt more than *current* (a claim taken over) or the first.

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
        if claim_takeover(current, now=now, lease=lease, dead=dead) is None:
            return ClaimResult.IN_PROGRESS, current
    claimed = UploadRecord(
        destination=destination,
        name=name,
        facts=facts,
        state=UploadState.CLAIMED,
        claimed_at=now,
        attempts=1 if current is None else current.attempts + 1,
        holder=holder,
        lease_until=now + lease,
    )
    return ClaimResult.CLAIMED, claimed


def claim_takeover(
    record: UploadRecord, *, now: dt.datetime, lease: dt.timedelta, dead: Holder | None = None
) -> Takeover | None:
    """Why the unfinished claim *record* may be taken over at *now*; ``None`` while it holds.

    Args:
        record: A claimed record.
        now: The instant.
        lease: The lease of a 0.1.0 record without a stored end.
        dead: A holder proven dead (see :func:`decide_claim`).
    """
    return takeover(record.lease_end(lease), now=now, holder=record.holder, dead=dead)
