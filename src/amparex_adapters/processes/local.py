"""This host's process table (:class:`~amparex_core.ports.processes.ProcessTable`).

What a holder of a claim records, and how its liveness is read back, by platform:

* **Linux** — the process table is the boot (``/proc/sys/kernel/random/boot_id``) and the
  pid namespace (``/proc/self/ns/pid``), so two containers sharing a kernel, or one host
  before and after a reboot, never count as one table; the start of a process is field 22
  of ``/proc/<pid>/stat`` (clock ticks after boot). A holder whose pid is missing, or
  held by a process that started at another time (the pid was reused), is gone.
* **other POSIX systems** (macOS, the BSDs) — the table is the host; a holder is gone
  when no process has its pid (``kill(pid, 0)`` answers ``ESRCH``). A reused pid looks
  alive, so such a claim waits for its lease: never taken over too early.
* **Windows** — nothing is recorded: a claim of a dead process lapses with its lease
  (a minute by default).

>>> table = LocalProcessTable()
>>> me = table.current(id="x", name="KASSE-1")
>>> table.running(me)
True
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from amparex_core.domain.claims import Holder

__all__ = ["LocalProcessTable"]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


class LocalProcessTable:
    """The process table of the host this runs on.

    Args:
        proc: Where Linux's proc file system is mounted.
    """

    def __init__(self, *, proc: str | os.PathLike[str] = "/proc") -> None:
        self._proc = Path(proc)
        self._linux = sys.platform.startswith("linux") and (self._proc / "self" / "stat").exists()
        self._posix = os.name == "posix"
        self._me: tuple[int, str, str, str] | None = None

    def _linux_table(self) -> str:
        boot = _read(self._proc / "sys" / "kernel" / "random" / "boot_id")
        try:
            namespace = os.readlink(self._proc / "self" / "ns" / "pid")
        except OSError:
            namespace = None
        if not boot or not namespace:
            return ""
        return f"linux:{boot}:{namespace}"

    def _started(self, pid: int) -> str | None:
        """Field 22 of ``/proc/<pid>/stat``; ``None`` when there is no such process."""
        if pid <= 0:
            return None
        stat = _read(self._proc / str(pid) / "stat")
        if stat is None:
            return None
        # The command name (field 2) is in parentheses and may hold anything: the fields
        # after its last ")" start with field 3.
        fields = stat.rpartition(")")[2].split()
        return fields[19] if len(fields) > 19 else None

    def current(self, *, id: str, name: str) -> Holder:  # noqa: A002 - the holder's field
        """See :meth:`~amparex_core.ports.processes.ProcessTable.current`.

        The facts of this process are read once per pid (again after a ``fork``).
        """
        pid = os.getpid()
        known = self._me
        if known is None or known[0] != pid:
            table, started = "", ""
            if self._linux:
                table = self._linux_table()
                started = (self._started(pid) or "") if table else ""
            elif self._posix:
                table = "posix"
            known = (pid, platform.node(), table, started)  # the host name, as gethostname()
            self._me = known
        _pid, host, table, started = known
        return Holder(id=id, name=name, host=host, pid=pid, process_table=table, started=started)

    def running(self, holder: Holder) -> bool | None:
        """See :meth:`~amparex_core.ports.processes.ProcessTable.running`."""
        if holder.pid <= 0:
            return None
        if self._linux:
            started = self._started(holder.pid)
            if started is None:
                return False
            return started == holder.started if holder.started else True
        if self._posix:
            try:
                os.kill(holder.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            except OSError:
                return None
            return True
        return None  # pragma: no cover - Windows: leases only

    def __repr__(self) -> str:
        return f"LocalProcessTable(proc={str(self._proc)!r})"
