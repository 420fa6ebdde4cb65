"""The export target contract (LL4, LL6, LL7): :class:`ExportTargetContract`.

Plain tests pin each promise; :class:`ExportModel` writes (complete or broken off),
checks, lists, reads and cleans up in any order and compares the target with a plain
``dict`` of name -> content in which a name, once written, never changes (LL6) and a
broken write leaves nothing (LL7).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from amparex_core.domain import errors
from amparex_core.ports.exports import ExportTarget

__all__ = ["ExportModel", "ExportTargetContract"]

NAMES = st.sampled_from(["4711_customers_20261123.csv", "4711_glasses_20261123.csv", "b.csv"])
CHUNKS = st.lists(st.binary(max_size=64), max_size=4)


class Broken(Exception):
    """The statistic broke while its rows were streamed."""


def _broken(chunks: list[bytes]) -> Iterator[bytes]:
    yield from chunks
    raise Broken


class ExportModel(RuleBasedStateMachine):
    """Drives one export target and a dict side by side."""

    target: ExportTarget
    directory: str

    def __init__(self) -> None:
        super().__init__()
        # One folder serves many runs: each run uses names of its own.
        self.prefix = uuid.uuid4().hex[:8] + "_"
        self.model: dict[str, bytes] = {}

    def _mine(self, names: list[str]) -> list[str]:
        return sorted(n for n in names if n.startswith(self.prefix))

    @rule(name=NAMES, chunks=CHUNKS)
    def write_new(self, name: str, chunks: list[bytes]) -> None:
        """Write a file; only a new name is written."""
        name = self.prefix + name
        written = self.target.write_new(self.directory, name, iter(chunks))
        assert written == (name not in self.model)
        if written:
            self.model[name] = b"".join(chunks)

    @rule(name=NAMES, chunks=CHUNKS)
    def write_breaks_off(self, name: str, chunks: list[bytes]) -> None:
        """Write a file whose rows break off; nothing is left of it."""
        name = self.prefix + name
        try:
            written = self.target.write_new(self.directory, name, _broken(chunks))
        except Broken:
            return
        assert not written  # only an existing file makes it stop before reading
        assert name in self.model

    @rule(name=NAMES)
    def exists(self, name: str) -> None:
        """A file exists when the model has it."""
        name = self.prefix + name
        assert self.target.exists(self.directory, name) == (name in self.model)

    @rule(name=NAMES)
    def read(self, name: str) -> None:
        """A file reads back as written, with its size and hash."""
        name = self.prefix + name
        if name not in self.model:
            return
        with self.target.open(self.directory, name) as stream:
            assert stream.read() == self.model[name]
        facts = self.target.facts(self.directory, name)
        assert facts.size == len(self.model[name])
        assert facts.sha256 == hashlib.sha256(self.model[name]).hexdigest()

    @rule()
    def remove_stale(self) -> None:
        """Cleaning up never removes a complete file."""
        self.target.remove_stale(self.directory)

    @invariant()
    def listing_matches(self) -> None:
        """The listing is the model's names."""
        assert self._mine(self.target.list_files(self.directory)) == sorted(self.model)


class ExportTargetContract:
    """The contract of :class:`~amparex_core.ports.exports.ExportTarget` (LL4, LL6–LL9, LL11).

    Fixture to provide:
        ``export_target``: ``(target, directory)``: the target and an existing, empty,
        absolute directory it writes into (a new one per test).

    Override :meth:`machine_settings` for more or fewer hypothesis examples.
    """

    def machine_settings(self) -> settings:
        """The hypothesis settings of the ``ExportModel`` machine (built when it runs).

        Returns:
            30 runs of up to 20 steps each, no deadline, on top of the loaded profile.
        """
        return settings(max_examples=30, stateful_step_count=20, deadline=None)

    def test_LL4_export_target_checks_its_directory(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        target, directory = export_target
        assert isinstance(target, ExportTarget)
        target.check_directory(directory)
        for bad in ("relative", directory + "/missing-sub-folder"):
            with pytest.raises(errors.ExportDirectoryInvalid):
                target.check_directory(bad)

    def test_LL6_write_new_never_replaces(self, export_target: tuple[ExportTarget, str]) -> None:
        target, directory = export_target
        assert not target.exists(directory, "a.csv")
        assert target.write_new(directory, "a.csv", [b"one", b"two"])
        assert target.exists(directory, "a.csv")
        assert not target.write_new(directory, "a.csv", [b"other"])
        with target.open(directory, "a.csv") as stream:
            assert stream.read() == b"onetwo"
        facts = target.facts(directory, "a.csv")
        assert facts.size == 6 and facts.sha256 == hashlib.sha256(b"onetwo").hexdigest()
        assert target.facts(directory, "a.csv", with_hash=False).size == 6
        assert target.list_files(directory) == ["a.csv"]
        with pytest.raises(FileNotFoundError):
            target.facts(directory, "missing.csv")
        with pytest.raises(FileNotFoundError):
            target.open(directory, "missing.csv")

    def test_LL7_a_file_appears_only_when_complete(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        target, directory = export_target
        seen: list[bool] = []

        def chunks() -> Iterator[bytes]:
            yield b"header\r\n"
            seen.append(target.exists(directory, "b.csv"))
            seen.append("b.csv" in target.list_files(directory))
            yield b"row\r\n"

        assert target.write_new(directory, "b.csv", chunks())
        assert seen == [False, False]

        def broken() -> Iterator[bytes]:
            yield b"half"
            raise RuntimeError("the statistic broke")

        with pytest.raises(RuntimeError):
            target.write_new(directory, "c.csv", broken())
        assert not target.exists(directory, "c.csv")
        assert target.list_files(directory) == ["b.csv"]
        assert target.remove_stale(directory) >= 0
        assert target.list_files(directory) == ["b.csv"]

    def test_LL8_the_stamp_changes_with_the_listing(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        """A watch round trusts an equal, settled stamp to mean an equal listing."""
        target, directory = export_target
        before = target.stamp(directory)
        assert target.stamp(directory) == before
        assert target.write_new(directory, "a.csv", [b"a"])
        written = target.stamp(directory)
        # Equal only while the earlier stamp was not settled (a coarse folder time).
        assert written != before or not before.settled
        assert target.remove(directory, "a.csv") is True
        assert target.stamp(directory) != written or not written.settled
        assert target.remove(directory, "a.csv") is False
        with pytest.raises(errors.ExportDirectoryInvalid):
            target.stamp(directory + "/missing-sub-folder")

    def test_LL8_a_change_feed_names_what_was_added_and_removed(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        """A target may have no feed (``None``); a feed never misses a complete file."""
        target, directory = export_target
        feed = target.changes(directory)
        if feed is None:
            return
        try:
            assert target.write_new(directory, "a.csv", [b"a"])
            assert target.write_new(directory, "b.csv", [b"b"])
            assert target.remove(directory, "b.csv")
            events = feed.drain()
            assert events is None or (events.added == {"a.csv"} and events.removed == {"b.csv"})
        finally:
            feed.close()

    def test_LL9_LL11_a_file_moves_and_is_removed(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        target, directory = export_target
        sent = directory + "/sent"
        assert target.write_new(directory, "kunden.csv", [b"day 1"])
        target.move(directory, "kunden.csv", sent, "20261123T070000Z-kunden.csv")
        assert target.list_files(directory) == []  # sent/ is no file of the folder
        assert target.list_files(sent) == ["20261123T070000Z-kunden.csv"]
        with target.open(sent, "20261123T070000Z-kunden.csv") as stream:
            assert stream.read() == b"day 1"
        assert target.write_new(directory, "kunden.csv", [b"day 2"])
        with pytest.raises(FileExistsError):
            target.move(directory, "kunden.csv", sent, "20261123T070000Z-kunden.csv")
        assert target.list_files(directory) == ["kunden.csv"]  # nothing replaced, nothing lost
        with pytest.raises(FileNotFoundError):
            target.move(directory, "missing.csv", sent, "x.csv")
        assert target.remove(sent, "20261123T070000Z-kunden.csv") is True
        assert target.list_files(sent) == []

    def test_LL6_concurrent_writers_write_a_file_once(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        target, directory = export_target
        barrier = threading.Barrier(4)
        wins: list[bool] = []

        def write(n: int) -> None:
            barrier.wait()
            wins.append(target.write_new(directory, "race.csv", [f"writer {n}".encode()]))

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(wins) == [False, False, False, True]

    def test_LL6_LL7_export_target_behaves_like_a_write_once_dict(
        self, export_target: tuple[ExportTarget, str]
    ) -> None:
        target, directory = export_target

        class Machine(ExportModel):
            def __init__(self) -> None:
                self.target = target
                self.directory = directory
                super().__init__()

        run_state_machine_as_test(Machine, settings=self.machine_settings())
