"""Process tables (:class:`~amparex_core.ports.processes.ProcessTable`): who holds a claim.

* :mod:`~amparex_adapters.processes.local` — this host's table: ``/proc`` on Linux,
  ``kill(pid, 0)`` on other POSIX systems, nothing on Windows (leases only);
* :mod:`~amparex_adapters.processes.fixed` — a table whose processes a test declares.
"""
