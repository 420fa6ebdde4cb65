"""A process table whose processes a test declares.

It implements :class:`~amparex_core.ports.processes.ProcessTable` for one pretended host.

Services that claim (uploads, batch deliveries) can so be tested with holders that are
alive or dead, on this host or another, without real processes:

>>> table = FixedProcessTable(host="kasse-1", pid=10)
>>> me = table.current(id="a", name="KASSE-1")
>>> other = table.holder(id="b", name="KASSE-1", pid=11)
>>> table.running(other)
True
>>> table.kill(11)
>>> table.running(other)
False
"""

from __future__ import annotations

from amparex_core.domain.claims import Holder

__all__ = ["FixedProcessTable"]


class FixedProcessTable:
    """A process table of one pretended host.

    Args:
        host: The host name it reports.
        pid: The pid of "this" process.
        table: The process table's identity (``""``: unknown, nobody can be proven dead).
    """

    def __init__(self, *, host: str = "test-host", pid: int = 1000, table: str = "fixed") -> None:
        self.host = host
        self.pid = pid
        self.table = table
        self._alive: set[int] = {pid}

    def holder(self, *, id: str, name: str, pid: int) -> Holder:  # noqa: A002 - the field
        """A holder of another process of this table, running until :meth:`kill`."""
        self._alive.add(pid)
        return Holder(
            id=id, name=name, host=self.host, pid=pid, process_table=self.table, started=str(pid)
        )

    def kill(self, pid: int) -> None:
        """End process *pid*."""
        self._alive.discard(pid)

    def current(self, *, id: str, name: str) -> Holder:  # noqa: A002 - the holder's field
        """See :meth:`~amparex_core.ports.processes.ProcessTable.current`."""
        return Holder(
            id=id,
            name=name,
            host=self.host,
            pid=self.pid,
            process_table=self.table,
            started=str(self.pid),
        )

    def running(self, holder: Holder) -> bool | None:
        """See :meth:`~amparex_core.ports.processes.ProcessTable.running`."""
        if not self.table or holder.pid <= 0:
            return None
        return holder.pid in self._alive and holder.started == str(holder.pid)
