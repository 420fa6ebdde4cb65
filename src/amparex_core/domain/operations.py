"""The run log and the chain's health (OP1–OP3): records, thresholds, problems, alerts.

Every program start, upload run, dispatch and server tick leaves one :class:`RunRecord`
in the store (OP1): where it ran, when, what it did per job and the codes of its
refusals. :func:`carry_failures` keeps the history of a failure that repeats (first seen,
attempts) from one run of a workstation to the next, so the newest run of each
workstation says all that is failing there now. From the newest records and the open
batches :func:`find_problems` names what is overdue or failing (OP2), each problem with a
stable :attr:`Problem.key`; :func:`plan_alerts` decides which problems are announced
today and which cleared (OP3: one message per problem per day, one recovery message).

>>> import datetime as dt
>>> t0 = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
>>> fail = RunFailure(code="delivery.failed", subject="LL-1/kunden.csv")
>>> first = RunRecord(RunKind.STARTUP, "KASSE-1", "B1", t0, t0, failures=(fail,))
>>> first.failures[0].first_seen is None
True
>>> first = carry_failures(first, None)
>>> first.failures[0].first_seen == t0, first.failures[0].attempts
(True, 1)
>>> later = t0 + dt.timedelta(days=1)
>>> second = RunRecord(RunKind.UPLOAD, "KASSE-1", "B1", later, later, failures=(fail,))
>>> again = carry_failures(second, first).failures[0]
>>> again.first_seen == t0, again.attempts
(True, 2)
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence

import attrs

from ._records import frozen
from .text import said

__all__ = [
    "DEFAULT_RETENTION",
    "WORKSTATION_KINDS",
    "Alert",
    "AlertPlan",
    "Problem",
    "ProblemKind",
    "RunFailure",
    "RunKind",
    "RunRecord",
    "RunRetention",
    "Thresholds",
    "carry_failures",
    "count_jobs",
    "find_problems",
    "plan_alerts",
]


class RunKind(enum.Enum):
    """What kind of run a record is about (OP1)."""

    STARTUP = "startup"
    UPLOAD = "upload"
    DISPATCH = "dispatch"
    TICK = "tick"


#: The kinds whose failures are a workstation's uploads (and exports).
WORKSTATION_KINDS: tuple[RunKind, ...] = (RunKind.STARTUP, RunKind.UPLOAD)


@frozen
class RunFailure:
    """One refusal of a run: its code and what it was about.

    Attributes:
        code: The refusal's stable code (``delivery.failed``, …).
        subject: What failed: ``CONFIG/FILE`` for an upload, ``CONFIG`` for an export,
            ``batch NUMBER`` for a batch, ``""`` for the run as a whole.
        first_seen: When the same failure was first recorded in an unbroken series of
            runs of this workstation and kind (:func:`carry_failures`).
        attempts: How many runs of that series had it.
        job: ``export``, ``upload`` or ``delivery``; ``""``: the run as a whole.
    """

    code: str
    subject: str = ""
    first_seen: dt.datetime | None = None
    attempts: int = 1
    job: str = ""


@frozen
class RunRecord:
    """One run of the chain (OP1).

    Attributes:
        kind: Program start, upload run, dispatch or server tick.
        workstation: Where it ran: the workstation, or the server's name.
        branch: The workstation's branch, if any.
        started_at: When it began.
        ended_at: When it ended.
        exported: Files exported (written).
        uploaded: Files uploaded.
        delivered: Batches delivered.
        failed: Jobs that failed (exports, uploads, batches).
        changed: Files found changed after their upload (LL8).
        failures: The refusals, one per failed job.
    """

    kind: RunKind
    workstation: str
    branch: str | None
    started_at: dt.datetime
    ended_at: dt.datetime
    exported: int = 0
    uploaded: int = 0
    delivered: int = 0
    failed: int = 0
    changed: tuple[str, ...] = ()
    failures: tuple[RunFailure, ...] = ()

    @property
    def outcome(self) -> str:
        """``"ok"`` or ``"failed"``."""
        return "failed" if self.failures or self.failed else "ok"

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of its refusals, each once, sorted."""
        return tuple(sorted({f.code for f in self.failures}))


@frozen
class RunRetention:
    """How long run records are kept (OP1): by age and by count, whichever is reached first.

    Attributes:
        days: Records that ended longer ago than this are removed (``None``: no limit).
        rows: At most this many records are kept (``None``: no limit).
    """

    days: int | None = 90
    rows: int | None = 200_000

    def cutoff(self, now: dt.datetime) -> dt.datetime | None:
        """Records that ended before this instant are removed."""
        return None if self.days is None else now - dt.timedelta(days=self.days)


#: The retention of a store that was told none.
DEFAULT_RETENTION = RunRetention()


def carry_failures(record: RunRecord, previous: RunRecord | None) -> RunRecord:
    """*record* with the history of each failure that *previous* had too.

    A failure (same code and subject) that the previous run of the same workstation and
    kind family had keeps its first sighting and counts one attempt more; a new one is
    first seen now.
    """
    before = {} if previous is None else {(f.code, f.subject): f for f in previous.failures}
    carried = []
    for failure in record.failures:
        old = before.get((failure.code, failure.subject))
        if old is not None and old.first_seen is not None:
            carried.append(
                attrs.evolve(failure, first_seen=old.first_seen, attempts=old.attempts + 1)
            )
        else:
            carried.append(attrs.evolve(failure, first_seen=record.started_at, attempts=1))
    return attrs.evolve(record, failures=tuple(carried))


@frozen
class Thresholds:
    """When something counts as overdue or failing (OP2), from ``[status]``.

    Attributes:
        silent_after: A workstation without a program start for this long is silent.
        upload_failing_after: An upload failing for this long is a problem.
        batch_undelivered_after: An open batch older than this is a problem.
        server_silent_after: A server without a tick for this long is silent.
    """

    silent_after: dt.timedelta = dt.timedelta(days=2)
    upload_failing_after: dt.timedelta = dt.timedelta(hours=1)
    batch_undelivered_after: dt.timedelta = dt.timedelta(days=1)
    server_silent_after: dt.timedelta = dt.timedelta(hours=1)


class ProblemKind(enum.Enum):
    """What is wrong (OP2, OP3)."""

    UPLOAD_FAILING = "upload_failing"
    EXPORT_FAILING = "export_failing"
    BATCH_UNDELIVERED = "batch_undelivered"
    WORKSTATION_SILENT = "workstation_silent"
    SERVER_SILENT = "server_silent"
    CHANGED_AFTER_UPLOAD = "changed_after_upload"


@frozen
class Problem:
    """One thing overdue or failing.

    Attributes:
        kind: What is wrong.
        place: Where: the workstation, the server or the card-order interface.
        subject: What exactly (a file, a batch); ``""`` for the place as a whole.
        since: Since when.
        code: The refusal's code, for a failure.
    """

    kind: ProblemKind
    place: str
    subject: str
    since: dt.datetime
    code: str | None = None

    @property
    def key(self) -> str:
        """The problem's identity across runs and days (for deduplication)."""
        return f"{self.kind.value}:{self.place}:{self.subject}"

    def text(self) -> str:
        """One English line, without secrets (names, codes and times only).

        A said text (:func:`~amparex_core.domain.text.said`): the command shows it in German.
        """
        facts = {
            "place": self.place,
            "subject": self.subject,
            "code": self.code,
            "since": self.since.isoformat(timespec="minutes"),
        }
        texts = {  # each a literal, for the extraction of message ids
            ProblemKind.UPLOAD_FAILING: said(
                "{place}: upload of {subject} failing ({code}) since {since}", **facts
            ),
            ProblemKind.EXPORT_FAILING: said(
                "{place}: export of {subject} failing ({code}) since {since}", **facts
            ),
            ProblemKind.BATCH_UNDELIVERED: said(
                "{place}: {subject} undelivered since {since}", **facts
            ),
            ProblemKind.WORKSTATION_SILENT: said(
                "{place}: no program start since {since}", **facts
            ),
            ProblemKind.SERVER_SILENT: said("{place}: no server tick since {since}", **facts),
            ProblemKind.CHANGED_AFTER_UPLOAD: said(
                "{place}: {subject} changed after its upload since {since}", **facts
            ),
        }
        return texts[self.kind]


def find_problems(
    latest: Iterable[RunRecord],
    *,
    last_start: dict[str, dt.datetime],
    open_batches: Iterable[tuple[str, str, dt.datetime]],
    last_tick: dt.datetime | None,
    expect_server: bool,
    thresholds: Thresholds,
    now: dt.datetime,
) -> list[Problem]:
    """What is overdue or failing at *now* (OP2).

    Args:
        latest: The newest workstation record (program start or upload run) of each
            workstation.
        last_start: The last program start of each workstation.
        open_batches: ``(interface, batch label, created at)`` of each open batch.
        last_tick: The server's last tick, if it ever ticked.
        expect_server: Whether a server is expected to tick (a shared store).
        thresholds: When something counts.
        now: The instant to judge at.

    Returns:
        The problems, sorted by key.
    """
    found: list[Problem] = []
    for record in latest:
        for failure in record.failures:
            since = failure.first_seen or record.started_at
            if now - since >= thresholds.upload_failing_after:
                kind = (
                    ProblemKind.EXPORT_FAILING
                    if failure.job == "export"
                    else ProblemKind.UPLOAD_FAILING
                )
                found.append(
                    Problem(
                        kind,
                        record.workstation,
                        failure.subject,
                        since,
                        failure.code,
                    )
                )
        found.extend(
            Problem(ProblemKind.CHANGED_AFTER_UPLOAD, record.workstation, name, record.started_at)
            for name in record.changed
        )
    for workstation, at in last_start.items():
        if now - at >= thresholds.silent_after:
            found.append(Problem(ProblemKind.WORKSTATION_SILENT, workstation, "", at))
    for interface, label, created in open_batches:
        if now - created >= thresholds.batch_undelivered_after:
            found.append(Problem(ProblemKind.BATCH_UNDELIVERED, interface, label, created))
    if (
        expect_server
        and last_tick is not None
        and now - last_tick >= thresholds.server_silent_after
    ):
        found.append(Problem(ProblemKind.SERVER_SILENT, "server", "", last_tick))
    return sorted(found, key=lambda p: p.key)


@frozen
class AlertPlan:
    """What to announce now (OP3).

    Attributes:
        announce: Problems not yet announced today.
        recovered: Keys of problems announced before that are gone now.
    """

    announce: tuple[Problem, ...]
    recovered: tuple[str, ...]


def plan_alerts(
    problems: Sequence[Problem], announced: dict[str, dt.date], *, today: dt.date
) -> AlertPlan:
    """Which problems to announce *today* and which announced problems cleared (OP3).

    Args:
        problems: What is wrong now.
        announced: The open alerts: each problem's key and the day it was last announced.
        today: The day in the chain's time zone.
    """
    now_keys = {p.key for p in problems}
    return AlertPlan(
        announce=tuple(p for p in problems if announced.get(p.key) != today),
        recovered=tuple(sorted(k for k in announced if k not in now_keys)),
    )


@frozen
class Alert:
    """One alert message (OP3): a problem announced, or its recovery.

    Attributes:
        key: The problem's key (:attr:`Problem.key`).
        day: The day it is sent for (local day of the chain).
        recovered: Whether it says the problem cleared.
        text: The problem in one line (names, codes, times; never a secret).
    """

    key: str
    day: dt.date
    recovered: bool
    text: str

    @property
    def id(self) -> str:
        """The message's identity: one per problem, day and kind of message."""
        return f"{'recovered' if self.recovered else 'problem'}:{self.day.isoformat()}:{self.key}"

    @property
    def subject(self) -> str:
        """The e-mail subject."""
        return ("[amparex] recovered: " if self.recovered else "[amparex] problem: ") + self.text


def count_jobs(records: Iterable[RunRecord]) -> dict[tuple[str, str, str], int]:
    """Jobs of *records* by ``(job, outcome, code)`` (the metrics of OP2).

    *job* is ``export``, ``upload``, ``delivery`` or ``run`` (a refusal that ended the
    run as a whole); *outcome* ``ok`` or ``failed``; *code* the refusal's code (``""``
    for ``ok``). The successes of each record are its counts.

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    >>> failed = RunFailure("delivery.failed", "LL-1/a.csv", job="upload")
    >>> r = RunRecord(RunKind.UPLOAD, "K1", None, t, t, uploaded=2, failures=(failed,))
    >>> sorted(count_jobs([r]).items())
    [(('upload', 'failed', 'delivery.failed'), 1), (('upload', 'ok', ''), 2)]
    """
    counts: dict[tuple[str, str, str], int] = {}

    def add(key: tuple[str, str, str], n: int) -> None:
        if n:
            counts[key] = counts.get(key, 0) + n

    for record in records:
        add(("export", "ok", ""), record.exported)
        add(("upload", "ok", ""), record.uploaded)
        add(("delivery", "ok", ""), record.delivered)
        for failure in record.failures:
            add((failure.job or "run", "failed", failure.code), 1)
    return counts
