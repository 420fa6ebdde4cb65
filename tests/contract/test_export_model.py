"""Every export target against a dict model, by a hypothesis state machine (LL6–LL8).

Writes (complete or broken off), existence checks, listings, facts, reads and clean-ups
in any order: the target must always agree with a plain ``dict`` of name -> content in
which a name, once written, never changes (LL6) and a broken write leaves nothing (LL7).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from amparex_core.ports.exports import ExportTarget

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
        name = self.prefix + name
        written = self.target.write_new(self.directory, name, iter(chunks))
        assert written == (name not in self.model)
        if written:
            self.model[name] = b"".join(chunks)

    @rule(name=NAMES, chunks=CHUNKS)
    def write_breaks_off(self, name: str, chunks: list[bytes]) -> None:
        name = self.prefix + name
        try:
            written = self.target.write_new(self.directory, name, _broken(chunks))
        except Broken:
            return
        assert not written  # only an existing file makes it stop before reading
        assert name in self.model

    @rule(name=NAMES)
    def exists(self, name: str) -> None:
        name = self.prefix + name
        assert self.target.exists(self.directory, name) == (name in self.model)

    @rule(name=NAMES)
    def read(self, name: str) -> None:
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
        self.target.remove_stale(self.directory)

    @invariant()
    def listing_matches(self) -> None:
        assert self._mine(self.target.list_files(self.directory)) == sorted(self.model)


def test_LL6_LL7_export_target_behaves_like_a_write_once_dict(
    export_target: tuple[ExportTarget, str],
) -> None:
    target, directory = export_target

    class Machine(ExportModel):
        def __init__(self) -> None:
            self.target = target
            self.directory = directory
            super().__init__()

    run_state_machine_as_test(
        Machine, settings=settings(max_examples=30, stateful_step_count=20, deadline=None)
    )
