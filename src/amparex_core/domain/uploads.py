"""The upload ledger's records (LL8): which export file went to which destination, once."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

__all__ = ["ClaimResult", "FileFacts", "UploadOutcome", "UploadRecord", "UploadState"]


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
