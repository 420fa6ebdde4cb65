"""This process as a holder of claims: its identity, its lease, its heartbeat (CO19, LL8).

The services that claim — uploads (:class:`~amparex_core.services.LoyaltyLab`) and batch
deliveries (:class:`~amparex_core.services.OrderService`) — share one :class:`Claimant`:

* :meth:`Claimant.holder` names this process in a claim (host, pid, process start,
  through the :class:`~amparex_core.ports.processes.ProcessTable`), so that a concurrent
  run can report who is at work ("4 files being uploaded by KASSE-1, pid 4242, since
  08:01");
* :meth:`Claimant.is_dead` tells whether a holder met in a claim is provably dead (same
  host and process table, its process gone): such a claim is taken over at once instead
  of after its lease (:func:`~amparex_core.domain.claims.holder_is_dead`);
* :meth:`Claimant.renewing` keeps a claim alive while the work runs: a heartbeat thread
  renews it every third of the lease and is stopped, and joined, when the work ends, so
  a holder that dies stops renewing and its claim lapses within one lease.

Without a process table a claimant is still unique (a random token), but names no pid
and proves nobody dead: claims then lapse with their leases only.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from amparex_core.domain.claims import DEFAULT_LEASE, Holder, holder_is_dead, renewal_interval
from amparex_core.services.interfaces import new_id

if TYPE_CHECKING:
    from amparex_core.ports.processes import ProcessTable

__all__ = ["Claimant"]

logger = logging.getLogger(__name__)


class Claimant:
    """Who claims work in the store, and how long a claim holds.

    Args:
        name: Who it is for people: the workstation's or the server's name.
        processes: This host's process table; ``None``: no pid is recorded and no
            holder is ever proven dead (leases only).
        lease: How long a claim holds without being renewed (a minute by default).
        id_factory: Makes the claimant's unique token.

    Raises:
        ValueError: The lease is not positive.
    """

    def __init__(
        self,
        name: str = "amparex",
        *,
        processes: ProcessTable | None = None,
        lease: dt.timedelta = DEFAULT_LEASE,
        id_factory: Callable[[], str] = new_id,
    ) -> None:
        if lease <= dt.timedelta(0):
            raise ValueError("a claim's lease is positive")
        self._name = name
        self._processes = processes
        self._lease = lease
        self._id = id_factory()

    @property
    def name(self) -> str:
        """Who it is for people."""
        return self._name

    @property
    def lease(self) -> dt.timedelta:
        """How long a claim holds without being renewed."""
        return self._lease

    def holder(self) -> Holder:
        """This process as a claim holder, read now (a forked child is another holder)."""
        if self._processes is None:
            return Holder(id=self._id, name=self._name)
        return self._processes.current(id=self._id, name=self._name)

    def is_dead(self, holder: Holder) -> bool:
        """Whether *holder*, met in a claim, is provably dead (its claim can be taken over).

        Only a holder in this process's process table can be: the table is asked for its
        process; a holder elsewhere, or of unknown liveness, is not dead until its lease
        runs out.
        """
        if self._processes is None:
            return False
        me = self.holder()
        running = self._processes.running(holder) if me.same_process_table(holder) else None
        return holder_is_dead(holder, me=me, running=running)

    @contextmanager
    def renewing(self, renew: Callable[[], bool], what: str) -> Iterator[None]:
        """Renew a claim every third of the lease while the block runs.

        Args:
            renew: Renews the claim; returns ``False`` when it is held no more (taken
                over: the heartbeat stops and says so at WARNING).
            what: The claimed thing, for the log.

        The heartbeat thread is stopped and joined when the block ends, however it ends.
        A renewal that fails (the store is unreachable) is logged and tried again at the
        next beat.
        """
        stop = threading.Event()
        interval = renewal_interval(self._lease).total_seconds()

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    held = renew()
                except Exception as exc:  # noqa: BLE001 - the work goes on; the lease decides
                    logger.warning("could not renew the claim on %s: %s", what, exc)
                    continue
                if not held:
                    logger.warning(
                        "the claim on %s was taken over by another holder while at work", what
                    )
                    return

        thread = threading.Thread(target=beat, name="amparex-claim-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(max(interval, 1.0) * 3)

    def __repr__(self) -> str:
        return f"Claimant({self._name!r}, lease={self._lease})"
