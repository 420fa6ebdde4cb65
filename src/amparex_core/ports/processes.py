"""The process-table port: who this process is, and whether another one still runs (CO19, LL8).

Claims name their :class:`~amparex_core.domain.claims.Holder`. A claimant asks this port
for its own identity and, when it meets a claim held by a process in its own process
table (same host, same pid namespace), whether that process still runs: a holder whose
process is gone is taken over at once instead of after its lease. Which holders may be
looked up, and what the answer means, is decided in the domain
(:func:`~amparex_core.domain.claims.holder_is_dead`); the port only reads the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.claims import Holder

__all__ = ["ProcessTable"]


@runtime_checkable
class ProcessTable(Protocol):
    """The process table of this host, as far as claims need it."""

    def current(self, *, id: str, name: str) -> Holder:  # noqa: A002 - the holder's field
        """This process as a claim holder.

        Args:
            id: The claimant's unique token (:attr:`Holder.id`).
            name: Who it is for people (:attr:`Holder.name`).

        Returns:
            A holder with this host's name, this process's pid, the process table's
            identity and the process's start, each as far as the platform tells it
            (``""`` / ``0`` where it does not). Called again after a ``fork``, it
            describes the new process.
        """
        ...

    def running(self, holder: Holder) -> bool | None:
        """Whether *holder*'s process still runs, for a holder of this process table.

        Returns:
            ``True`` when a process with its pid and start runs; ``False`` when no
            process has its pid, or the one that has started at another time (the pid
            was reused); ``None`` when the platform cannot tell, or the holder names no
            pid (``0``).
        """
        ...
