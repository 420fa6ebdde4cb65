"""The contract of a process table (CO19, LL8): :class:`ProcessTableContract`."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from amparex_core.domain.claims import Holder
from amparex_core.ports.processes import ProcessTable
from amparex_core.services.claims import Claimant

__all__ = ["ProcessTableContract"]


class ProcessTableContract:
    """The contract of :class:`~amparex_core.ports.processes.ProcessTable`.

    Fixture to provide:
        ``processes``: ``(table, spawn)``. ``table`` is the process table under test;
        ``spawn()`` starts another process of that table and returns its holder (as the
        table's ``current`` describes it in that process) and a function that ends it.
    """

    def test_CO19_the_current_process_is_named_and_running(
        self, processes: tuple[ProcessTable, Callable[[], tuple[Holder, Callable[[], None]]]]
    ) -> None:
        table, _spawn = processes
        assert isinstance(table, ProcessTable)
        me = table.current(id="claimant-1", name="KASSE-1")
        assert (me.id, me.name) == ("claimant-1", "KASSE-1")
        assert table.current(id="claimant-1", name="KASSE-1") == me  # stable in a process
        assert table.running(me) is True
        assert Claimant("KASSE-1", processes=table).is_dead(me) is False

    def test_CO19_another_process_runs_until_it_ends_then_it_is_dead(
        self, processes: tuple[ProcessTable, Callable[[], tuple[Holder, Callable[[], None]]]]
    ) -> None:
        table, spawn = processes
        other, end = spawn()
        me = Claimant("KASSE-1", processes=table)
        assert other.pid != me.holder().pid
        assert table.running(other) is True
        assert not me.is_dead(other)
        end()
        gone = table.running(other)
        assert gone in (False, None)
        # Proven dead only where the table can tell, and only in the same table.
        assert me.is_dead(other) is (gone is False and me.holder().same_process_table(other))
        elsewhere = attrs.evolve(other, host=other.host + "-elsewhere")
        assert not me.is_dead(elsewhere)

    def test_CO19_a_reused_pid_is_not_the_holder(
        self, processes: tuple[ProcessTable, Callable[[], tuple[Holder, Callable[[], None]]]]
    ) -> None:
        table, spawn = processes
        other, end = spawn()
        try:
            if other.started:  # the table records starts: another start is another process
                assert table.running(attrs.evolve(other, started=other.started + "0")) is False
            assert table.running(attrs.evolve(other, pid=0)) is None
        finally:
            end()
