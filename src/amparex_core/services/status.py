"""The chain at a glance (OP2): :class:`ChainStatus` and its :class:`StatusReport`.

Built from the store alone, in a fixed number of set-based queries whatever the size of
the chain: the newest program start and the newest start-or-upload record of each
workstation (:meth:`~amparex_core.ports.operations.RunLog.latest_runs`), today's records
(one listing since the local midnight), the server's newest tick, the claimed uploads of
the ledger with the Loyalty Lab configurations they belong to, the pending orders and
the batches. :func:`~amparex_core.domain.operations.find_problems` then names what is
overdue or failing; a report with a problem is not healthy (``amparex status`` exits 3).
"""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo

from amparex_core.domain._records import frozen
from amparex_core.domain.interfaces import InterfaceKind
from amparex_core.domain.operations import (
    WORKSTATION_KINDS,
    Problem,
    RunFailure,
    RunKind,
    RunRecord,
    Thresholds,
    find_problems,
)
from amparex_core.domain.orders import Batch, BatchStatus, OrderStatus
from amparex_core.domain.text import name_key
from amparex_core.domain.uploads import UploadState
from amparex_core.ports.clock import Clock
from amparex_core.ports.operations import RunLog
from amparex_core.ports.storage import InterfaceStore, OrderStore, UploadLedger

__all__ = ["ChainStatus", "InterfaceStatus", "StatusReport", "WorkstationStatus"]


@frozen
class WorkstationStatus:
    """One workstation (OP2).

    Attributes:
        workstation: Its name.
        branch: Its branch, as its newest record says.
        last_start: Its last program start (begin), if it has one in the run log.
        exported_today: Files exported today (local day).
        uploaded_today: Files uploaded today.
        failing: The uploads (and exports) failing in its newest run, each with its code,
            first sighting and attempts.
        changed: Files found changed after their upload in its newest run.
        pending: Uploads claimed but not confirmed in the ledger (under way, or left by
            a run that died) of its Loyalty Lab configurations.
    """

    workstation: str
    branch: str | None
    last_start: dt.datetime | None
    exported_today: int
    uploaded_today: int
    failing: tuple[RunFailure, ...]
    changed: tuple[str, ...] = ()
    pending: int = 0


@frozen
class InterfaceStatus:
    """One card-order interface (OP2).

    Attributes:
        interface_id: The configuration.
        orders_waiting: Pending orders (not yet in a batch).
        open_batches: ``(number, created at)`` of each batch not yet delivered.
        last_delivery: When its last batch was delivered, if ever.
    """

    interface_id: str
    orders_waiting: int
    open_batches: tuple[tuple[int, dt.datetime], ...]
    last_delivery: dt.datetime | None


@frozen
class StatusReport:
    """The chain at a glance.

    Attributes:
        at: When it was taken.
        workstations: One page of workstations, sorted by name.
        interfaces: The card-order interfaces with orders or batches, sorted by ID.
        server_last_tick: The newest tick of a server, if any.
        server: The server that ticked last.
        problems: Everything overdue or failing within the filters (every page).
        next_after: The cursor of the next page of workstations, or ``None``.
    """

    at: dt.datetime
    workstations: tuple[WorkstationStatus, ...]
    interfaces: tuple[InterfaceStatus, ...]
    server_last_tick: dt.datetime | None
    server: str | None
    problems: tuple[Problem, ...]
    next_after: str | None = None

    @property
    def healthy(self) -> bool:
        """Whether nothing is overdue or failing."""
        return not self.problems


class ChainStatus:
    """Reads the chain's status from the store (OP2).

    Args:
        runs: The run log.
        orders: Orders and batches.
        clock: The time.
        tz: The chain's time zone: "today" is its local day.
        thresholds: When something counts as a problem.
        expect_server: Whether a chain server should tick (a shared store).
        uploads: The upload ledger, for the pending uploads (with *interfaces*).
        interfaces: The configurations: which destination is whose workstation.
    """

    def __init__(
        self,
        *,
        runs: RunLog,
        orders: OrderStore,
        clock: Clock,
        tz: tzinfo,
        thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen
        expect_server: bool = False,
        uploads: UploadLedger | None = None,
        interfaces: InterfaceStore | None = None,
    ) -> None:
        self._uploads = uploads
        self._configs = interfaces
        self._runs = runs
        self._orders = orders
        self._clock = clock
        self._tz = tz
        self._thresholds = thresholds
        self._expect_server = expect_server

    def report(
        self,
        *,
        branch: str | None = None,
        workstation: str | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> StatusReport:
        """The status now, for the workstations of *branch* / *workstation* (OP2).

        Args:
            branch: Only workstations of this branch (and no interfaces or server).
            workstation: Only this workstation (and no interfaces or server).
            limit: At most this many workstations in the page.
            after: The name of the last workstation of the previous page.

        Raises:
            ValueError: *limit* is below 1.
        """
        if limit is not None and limit < 1:
            raise ValueError(f"a page holds at least one item, not {limit}")
        now = self._clock.now()
        local = now.astimezone(self._tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)

        def wanted(record: RunRecord) -> bool:
            return (branch is None or record.branch == branch) and (
                workstation is None or record.workstation == workstation
            )

        latest = [r for r in self._runs.latest_runs(WORKSTATION_KINDS) if wanted(r)]
        starts = {
            r.workstation: r.started_at
            for r in self._runs.latest_runs([RunKind.STARTUP])
            if wanted(r)
        }
        today: dict[str, tuple[int, int]] = {}
        for record in self._runs.list_runs(kinds=WORKSTATION_KINDS, since=midnight):
            if record.started_at >= midnight and wanted(record):
                exported, uploaded = today.get(record.workstation, (0, 0))
                today[record.workstation] = (
                    exported + record.exported,
                    uploaded + record.uploaded,
                )
        pending = self._pending()
        rows = [
            WorkstationStatus(
                workstation=r.workstation,
                branch=r.branch,
                last_start=starts.get(r.workstation),
                exported_today=today.get(r.workstation, (0, 0))[0],
                uploaded_today=today.get(r.workstation, (0, 0))[1],
                failing=r.failures,
                changed=r.changed,
                pending=pending.get(name_key(r.workstation), 0),
            )
            for r in latest
        ]
        chainwide = branch is None and workstation is None
        ticks = self._runs.latest_runs([RunKind.TICK]) if chainwide else []
        last_tick = max(ticks, key=lambda r: r.ended_at, default=None)
        interfaces = self._interfaces() if chainwide else ()
        problems = find_problems(
            latest,
            last_start=starts,
            open_batches=[
                (i.interface_id, f"batch {number}", created)
                for i in interfaces
                for number, created in i.open_batches
            ],
            last_tick=None if last_tick is None else last_tick.ended_at,
            expect_server=self._expect_server and chainwide,
            thresholds=self._thresholds,
            now=now,
        )
        page = [w for w in rows if after is None or w.workstation > after]
        more = limit is not None and len(page) > limit
        page = page[:limit] if limit is not None else page
        return StatusReport(
            at=now,
            workstations=tuple(page),
            interfaces=interfaces,
            server_last_tick=None if last_tick is None else last_tick.ended_at,
            server=None if last_tick is None else last_tick.workstation,
            problems=tuple(problems),
            next_after=page[-1].workstation if more and page else None,
        )

    def _pending(self) -> dict[str, int]:
        """Claimed, unconfirmed ledger rows by workstation (two queries for the chain)."""
        if self._uploads is None or self._configs is None:
            return {}
        owner = {
            c.id: name_key(c.workstation)
            for c in self._configs.search_interfaces(
                kind=InterfaceKind.LOYALTY_LAB, with_workstation_settings=True
            )
            if c.workstation is not None
        }
        found: dict[str, int] = {}
        for row in self._uploads.list_uploads(state=UploadState.CLAIMED):
            who = owner.get(row.destination)
            if who is not None:
                found[who] = found.get(who, 0) + 1
        return found

    def _interfaces(self) -> tuple[InterfaceStatus, ...]:
        waiting: dict[str, int] = {}
        for order in self._orders.list_orders(status=OrderStatus.PENDING):
            waiting[order.interface_id] = waiting.get(order.interface_id, 0) + 1
        batches: dict[str, list[Batch]] = {}
        for batch in self._orders.list_batches():
            batches.setdefault(batch.interface_id, []).append(batch)
        found = []
        for interface_id in sorted(set(waiting) | set(batches)):
            mine = batches.get(interface_id, [])
            delivered = [b.delivered_at for b in mine if b.delivered_at is not None]
            found.append(
                InterfaceStatus(
                    interface_id=interface_id,
                    orders_waiting=waiting.get(interface_id, 0),
                    open_batches=tuple(
                        (b.number, b.created_at) for b in mine if b.status is BatchStatus.OPEN
                    ),
                    last_delivery=max(delivered, default=None),
                )
            )
        return tuple(found)
