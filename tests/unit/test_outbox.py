"""The outbox after the export, on the in-memory chain: retention (LL11), the watch round in
O(new files) (LL8), fixed file names (LL9) and remote names taken twice (LL10)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.interfaces import (
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.outbox import (
    Verdict,
    decide_retention,
    ledger_name,
    sent_directory,
    shared_remote_name,
)
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.uploads import FileFacts, UploadOutcome, UploadRecord, UploadState
from amparex_core.services import OutboxWatcher, Retention
from tests.world import LL_DIR, World

DAY = dt.timedelta(days=1)
LIMIT = dt.timedelta(days=30)
SENT = sent_directory(LL_DIR)


def _ns(instant: dt.datetime) -> int:
    return int(instant.timestamp() * 1_000_000) * 1000


# ------------------------------------------------------------------ retention (LL11)

STATES = ("uploaded", "changed_after_upload", "failed", "claimed", "unknown")


def _retention(world: World, limit: dt.timedelta = LIMIT) -> Retention:
    return Retention(
        exports=world.exports,
        ledger=world.storage,
        clock=world.clock,
        delivery_for=lambda _config: world.files,
        older_than=limit,
    )


@settings(max_examples=40, deadline=None)
@given(
    files=st.lists(
        st.tuples(st.sampled_from(STATES), st.integers(min_value=0, max_value=90)),
        min_size=1,
        max_size=12,
    )
)
def test_LL11_purge_removes_exactly_the_confirmed_old_files(
    files: list[tuple[str, int]],
) -> None:
    """Property over ledger states × ages: only 'uploaded, same content, old' goes."""
    world = World()
    world.loyalty()
    destination = world.files.destination
    now = world.clock.now()
    expected: dict[str, bool] = {}
    for index, (state, age_days) in enumerate(files):
        name = f"4711_customers_{index:03d}.csv"
        content = f"K{index};Erika\r\n".encode()
        world.exports.write_new(LL_DIR, name, [content])
        facts = world.exports.facts(LL_DIR, name)
        if state != "unknown":
            world.storage.claim_upload(
                destination, name, facts, now=now - 100 * DAY, lease=dt.timedelta(minutes=30)
            )
        if state in ("uploaded", "changed_after_upload"):
            world.storage.complete_upload(destination, name, receipt=f"/in/{name}", now=now)
        if state == "failed":
            world.storage.release_upload(destination, name)
        if state == "changed_after_upload":
            world.exports.overwrite(LL_DIR, name, content + b"K999;Max\r\n")
        world.exports.touch(LL_DIR, name, _ns(now - age_days * DAY))
        expected[name] = state == "uploaded" and age_days >= LIMIT.days
    configs = world.loyalty_lab.configurations(branch=None, workstation="KASSE-1")
    rows_before = world.storage.list_uploads()
    dry = _retention(world).purge(configs, dry_run=True)
    assert {f.name for f in dry.removable} == {n for n, gone in expected.items() if gone}
    assert dry.removed == [] and len(world.exports.list_files(LL_DIR)) == len(files)
    report = _retention(world).purge(configs)
    left = set(world.exports.list_files(LL_DIR))
    assert left == {n for n, gone in expected.items() if not gone}
    assert {f.name for f in report.removed} == {n for n, gone in expected.items() if gone}
    assert world.storage.list_uploads() == rows_before  # the ledger rows stay
    for file in report.kept:
        assert file.verdict is not Verdict.REMOVE and not file.removed


def test_LL11_the_verdicts_name_why_a_file_stays() -> None:
    facts = FileFacts(size=3, sha256="a" * 64)
    at = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    done = UploadRecord("d", "f", facts, UploadState.UPLOADED, at, at, "r")
    old, young = 40 * DAY, 3 * DAY
    assert decide_retention(done, facts, age=old, limit=LIMIT) is Verdict.REMOVE
    assert decide_retention(done, facts, age=young, limit=LIMIT) is Verdict.TOO_YOUNG
    other = FileFacts(size=3, sha256="b" * 64)
    assert decide_retention(done, other, age=old, limit=LIMIT) is Verdict.CHANGED_AFTER_UPLOAD
    bigger = FileFacts(size=4, sha256="a" * 64)
    assert decide_retention(done, bigger, age=old, limit=LIMIT) is Verdict.CHANGED_AFTER_UPLOAD
    claimed = attrs.evolve(done, state=UploadState.CLAIMED, uploaded_at=None)
    assert decide_retention(claimed, facts, age=old, limit=LIMIT) is Verdict.UPLOAD_UNDER_WAY
    assert decide_retention(None, facts, age=old, limit=LIMIT) is Verdict.NOT_UPLOADED


def test_LL11_nothing_is_removed_without_an_upload_destination() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    for name in world.exports.list_files(LL_DIR):
        world.exports.touch(LL_DIR, name, 0)
    retention = Retention(
        exports=world.exports,
        ledger=world.storage,
        clock=world.clock,
        delivery_for=None,
        older_than=LIMIT,
    )
    configs = world.loyalty_lab.configurations(branch=None, workstation="KASSE-1")
    assert retention.purge(configs).files == ()
    assert len(world.exports.list_files(LL_DIR)) == 4


def test_LL11_a_program_start_purges_after_its_upload() -> None:
    from amparex_core.services import ProgramStart

    world = World()
    world.exports.clock = world.clock  # files are written "now"
    world.loyalty()
    start = ProgramStart(
        loyalty_lab=world.loyalty_lab,
        interfaces=world.interfaces,
        clock=world.clock,
        tz=world.chain.tz,
        retention=_retention(world),
    )
    first = start.run(branch=None, workstation="KASSE-1")
    assert len(first.uploaded) == 4 and first.purge is not None and first.purge.removed == []
    for name in world.exports.list_files(LL_DIR):  # a month later
        world.exports.touch(LL_DIR, name, _ns(world.clock.now() - 31 * DAY))
    world.clock.advance(DAY)
    second = start.run(branch=None, workstation="KASSE-1")
    assert len(second.written) == 4  # the new day's files
    assert second.purge is not None and len(second.purge.removed) == 4
    assert len(world.exports.list_files(LL_DIR)) == 4
    assert "4 old one(s) removed" in second.summary()


# ------------------------------------------------------------------ the watch round (LL8)


class CountingLedger:
    """The world's store, counting the ledger reads a watch round makes."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.single = 0
        self.batched: list[int] = []

    def get_upload(self, destination: str, name: str) -> UploadRecord | None:
        self.single += 1
        return self._store.get_upload(destination, name)  # type: ignore[no-any-return]

    def get_uploads(self, destination: str, names: Sequence[str]) -> dict[str, UploadRecord]:
        self.batched.append(len(names))
        return self._store.get_uploads(destination, names)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _history(world: World, count: int) -> None:
    """*count* files of earlier days, each uploaded and confirmed in the ledger."""
    destination = world.files.destination
    now = world.clock.now()
    for n in range(count):
        name = f"4711_customers_{n:05d}.csv"
        world.exports.write_new(LL_DIR, name, [b"x"])
        facts = world.exports.facts(LL_DIR, name)
        world.storage.claim_upload(destination, name, facts, now=now, lease=DAY)
        world.storage.complete_upload(destination, name, receipt=name, now=now)


def _watched(world: World) -> tuple[OutboxWatcher, CountingLedger]:
    ledger = CountingLedger(world.storage)
    world.loyalty_lab._ledger = ledger
    return OutboxWatcher(world.loyalty_lab, branch=None, workstation="KASSE-1"), ledger


@pytest.mark.parametrize("feed", [True, False], ids=["change-feed", "stamp-and-listing"])
@pytest.mark.parametrize("history", [0, 2000])
def test_LL8_a_watch_round_costs_the_same_whatever_the_history(history: int, feed: bool) -> None:
    world = World()
    world.loyalty()
    _history(world, history)
    if not feed:  # a target that cannot tell (a network share): stamps and listings
        world.exports.changes = lambda _directory: None  # type: ignore[method-assign,assignment]
    watcher, ledger = _watched(world)
    assert watcher.round() == []  # the first round learns the folder: one set-based query
    assert ledger.batched == ([history] if history else []) and ledger.single == 0
    listings = world.exports.listings.get(LL_DIR, 0)
    assert listings == 1
    for _ in range(5):  # idle rounds: no listing, no ledger read
        assert watcher.round() == []
    assert world.exports.listings.get(LL_DIR, 0) == listings
    assert ledger.single == 0 and len(ledger.batched) == (1 if history else 0)
    world.exports.write_new(LL_DIR, "late.csv", [b"late\r\n"])
    results = watcher.round()
    assert [(r.name, r.outcome) for r in results] == [("late.csv", UploadOutcome.UPLOADED)]
    # The feed names the new file; without it the changed stamp costs one listing. Then
    # one set-based query for the one new name, one read in the upload path.
    assert world.exports.listings[LL_DIR] == listings + (0 if feed else 1)
    assert ledger.batched[-1] == 1 and ledger.single == 1
    assert watcher.round() == []
    assert world.files.uploads == ["late.csv"]


def test_LL8_a_feed_that_lost_track_is_caught_up_by_a_listing() -> None:
    world = World()
    world.loyalty()
    watcher, _ledger = _watched(world)
    watcher.round()
    feed = watcher._folders[next(iter(watcher._folders))].feed
    assert feed is not None
    world.exports.write_new(LL_DIR, "a.csv", [b"a"])
    feed.lose_track = True  # type: ignore[attr-defined]
    results = watcher.round()
    assert [r.name for r in results] == ["a.csv"]
    assert world.exports.listings[LL_DIR] == 2
    world.exports.remove(LL_DIR, "a.csv")  # a removed file is forgotten (the feed says so)
    world.exports.write_new(LL_DIR, "b.csv", [b"b"])
    assert [r.name for r in watcher.round()] == ["b.csv"]
    watcher.close()


def test_LL8_watch_sends_each_file_once_and_retries_a_failure_next_round() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    watcher, _ledger = _watched(world)
    world.files.fail_next(1)
    first = watcher.round()
    assert sorted(r.outcome.value for r in first) == ["failed", "uploaded", "uploaded", "uploaded"]
    second = watcher.round()  # the folder did not change: only the failed file is tried
    assert [r.outcome for r in second] == [UploadOutcome.UPLOADED]
    assert watcher.round() == []
    assert sorted(world.files.uploads) == sorted(set(world.files.uploads))
    assert len(world.files.uploads) == 4


def test_LL8_watch_run_stops_after_the_round_in_which_stop_was_set() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    watcher, _ledger = _watched(world)
    stop = threading.Event()
    seen: list[str] = []

    def on_result(result: Any) -> None:
        seen.append(result.name)
        stop.set()

    assert watcher.run(interval=0.01, stop=stop, on_result=on_result) == 4
    assert len(seen) == 4


def test_LL8_a_watch_round_after_the_rescan_interval_lists_again() -> None:
    world = World()
    world.loyalty()
    watcher, _ledger = _watched(world)
    watcher.round()
    listed = world.exports.listings[LL_DIR]
    watcher.round()
    assert world.exports.listings[LL_DIR] == listed
    world.clock.advance(watcher.rescan_every)
    watcher.round()
    assert world.exports.listings[LL_DIR] == listed + 1


# ------------------------------------------------------------------ fixed names (LL9)


def _fixed(world: World, **kwargs: Any) -> str:
    settings_ = LoyaltyLabSettings(
        customer_number="4711",
        directory=LL_DIR,
        statistics={StatisticKind.CUSTOMERS: "ST-1", StatisticKind.GLASSES: "ST-2"},
        fixed_names=True,
        **kwargs,
    )
    return world.interfaces.configure(
        InterfaceKind.LOYALTY_LAB, settings_, workstation="KASSE-1"
    ).id


def test_LL9_a_fixed_name_is_written_when_absent_uploaded_and_moved_to_sent() -> None:
    world = World()
    _fixed(world)
    day1 = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert [r.export.file_name for r in day1.written] == ["kunden.csv", "brillen.csv"]
    assert [u.outcome for u in day1.uploads] == [UploadOutcome.UPLOADED] * 2
    assert world.exports.list_files(LL_DIR) == []  # both moved out of the folder
    archived = world.exports.list_files(SENT)
    assert [a.split("-", 1)[1] for a in archived] == ["brillen.csv", "kunden.csv"]
    assert sorted(world.files.files) == ["brillen.csv", "kunden.csv"]
    # The next start writes them again, and they go up again though the content is equal.
    world.clock.advance(DAY)
    day2 = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert len(day2.written) == 2 and len(day2.uploaded) == 2
    assert world.files.uploads.count("kunden.csv") == 2
    assert len(world.exports.list_files(SENT)) == 4
    keys = [r.name for r in world.storage.list_uploads()]
    assert len(keys) == 4 and all(k.startswith(("kunden.csv@", "brillen.csv@")) for k in keys)


def test_LL6_LL9_no_statistic_runs_while_the_fixed_file_waits_for_its_upload() -> None:
    world = World()
    _fixed(world)
    world.files.fail_next(2)
    first = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert [u.outcome for u in first.uploads] == [UploadOutcome.FAILED] * 2
    assert sorted(world.exports.list_files(LL_DIR)) == ["brillen.csv", "kunden.csv"]
    again = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert [e.outcome for e in again.exports] == [ExportOutcome.EXISTS] * 2
    assert [u.outcome for u in again.uploads] == [UploadOutcome.UPLOADED] * 2
    assert world.exports.list_files(LL_DIR) == []


def test_LL9_a_crash_between_the_upload_and_the_move_is_finished_next_run() -> None:
    world = World()
    _fixed(world)
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    facts = world.exports.facts(LL_DIR, "kunden.csv")
    destination = world.files.destination
    key = ledger_name("kunden.csv", facts, fixed=True)
    now = world.clock.now()
    world.storage.claim_upload(destination, key, facts, now=now, lease=DAY)
    world.storage.complete_upload(destination, key, receipt="/in/kunden.csv", now=now)
    results = world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    outcomes = {r.name: r.outcome for r in results}
    assert outcomes == {
        "brillen.csv": UploadOutcome.UPLOADED,
        "kunden.csv": UploadOutcome.ALREADY_UPLOADED,  # not sent twice
    }
    assert world.files.uploads == ["brillen.csv"]
    assert world.exports.list_files(LL_DIR) == []


def test_LL9_LL11_retention_purges_the_sent_folder() -> None:
    world = World()
    world.exports.clock = world.clock
    _fixed(world)
    world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    configs = world.loyalty_lab.configurations(branch=None, workstation="KASSE-1")
    young = _retention(world).purge(configs)
    assert [f.verdict for f in young.files] == [Verdict.TOO_YOUNG] * 2
    world.clock.advance(LIMIT + DAY)
    world.exports.write_new(SENT, "notes.txt", [b"not an archived export"])
    world.exports.touch(SENT, "notes.txt", 0)
    old = _retention(world).purge(configs)
    assert {f.name: f.verdict for f in old.files}["notes.txt"] is Verdict.NOT_UPLOADED
    old = attrs.evolve(old, files=tuple(f for f in old.files if f.name != "notes.txt"))
    assert [f.verdict for f in old.files] == [Verdict.REMOVE] * 2
    assert world.exports.list_files(SENT) == ["notes.txt"]


def test_LL9_a_fixed_pattern_has_no_date_and_a_dated_one_needs_it() -> None:
    with pytest.raises(errors.FilePatternInvalid, match="no \\{date\\}"):
        LoyaltyLabSettings(
            "4711", LL_DIR, file_pattern="{statistik}_{date:%Y}.csv", fixed_names=True
        )
    with pytest.raises(errors.FilePatternInvalid, match="\\{date\\} is required"):
        LoyaltyLabSettings("4711", LL_DIR, file_pattern="{statistik}.csv")
    with pytest.raises(errors.FilePatternInvalid, match="every statistic"):
        LoyaltyLabSettings("4711", LL_DIR, file_pattern="{statistik:.0}daten.csv", fixed_names=True)
    fixed = LoyaltyLabSettings("4711", LL_DIR, fixed_names=True)
    assert fixed.file_name(StatisticKind.HEARING_AIDS, dt.date(2026, 1, 1)) == "hoergeraete.csv"


# ------------------------------------------------------------------ LL10


PATTERNS = [
    "{customer_number}_{statistic}_{date:%Y%m%d}.csv",
    "{customer_number}_{statistic}_{date:%Y%d%m}.csv",
    "{statistic}_{date:%Y%m%d}.csv",
    "{workstation}_{statistic}_{date:%Y%m%d}.csv",
    "{customer_number}_{workstation}_{statistik}_{date:%d.%m.%Y}.csv",
    "{statistik}_{date:%j_%Y}.csv",
]
FIXED = ["{statistik}.csv", "{customer_number}_{statistik}.csv", "{workstation}-{statistic}.csv"]


@st.composite
def ll_configs(draw: st.DrawFn, n: int) -> InterfaceConfig:
    fixed = draw(st.booleans())
    settings_ = LoyaltyLabSettings(
        customer_number=draw(st.sampled_from(["4711", "4712"])),
        directory=draw(st.sampled_from(["/srv/a", "/srv/b"])),
        file_pattern=draw(st.sampled_from(FIXED if fixed else PATTERNS)),
        fixed_names=fixed,
        destination=draw(st.sampled_from([None, "sftp://ll.example/in", "sftp://ll2.example/in"])),
        statistics=draw(
            st.dictionaries(
                st.sampled_from(list(StatisticKind)), st.sampled_from(["ST-1"]), max_size=2
            )
        ),
    )
    return InterfaceConfig(
        id=f"LL-{n}",
        kind=InterfaceKind.LOYALTY_LAB,
        settings=settings_,
        workstation=draw(st.sampled_from(["KASSE-1", "KASSE-2"])),
    )


def _collide_on_any_day(a: InterfaceConfig, b: InterfaceConfig) -> bool:
    """The oracle: the names of every day of three years, one of them a leap year."""
    sa, sb = a.settings, b.settings
    assert isinstance(sa, LoyaltyLabSettings) and isinstance(sb, LoyaltyLabSettings)
    if sa.destination and sb.destination and sa.destination != sb.destination:
        return False
    if sa.directory == sb.directory:
        return False
    day = dt.date(2026, 1, 1)
    while day < dt.date(2029, 1, 1):
        if sa.names_on(day, a.workstation or "") & sb.names_on(day, b.workstation or ""):
            return True
        day += DAY
    return False


@settings(max_examples=60, deadline=None)
@given(a=ll_configs(1), b=ll_configs(2))
def test_LL10_configurations_are_refused_exactly_when_their_remote_names_collide(
    a: InterfaceConfig, b: InterfaceConfig
) -> None:
    """The sample days find every collision of every day of three years, both ways round."""
    expected = _collide_on_any_day(a, b)
    assert (shared_remote_name(a, b) is not None) is expected
    assert (shared_remote_name(b, a) is not None) is expected
    world = World()
    for directory in ("/srv/a", "/srv/b"):
        world.exports.make_directory(directory)
    first = world.interfaces.configure(
        InterfaceKind.LOYALTY_LAB, a.settings, workstation=a.workstation
    )
    if expected:
        with pytest.raises(errors.DestinationTaken) as caught:
            world.interfaces.configure(
                InterfaceKind.LOYALTY_LAB, b.settings, workstation=b.workstation,
                display_name="Loyalty Lab 2",
            )  # fmt: skip
        assert caught.value.existing_id == first.id
        assert caught.value.code == "loyalty_lab.destination_taken"
        assert len(world.interfaces.search(kind=InterfaceKind.LOYALTY_LAB)) == 1
    else:
        world.interfaces.configure(
            InterfaceKind.LOYALTY_LAB, b.settings, workstation=b.workstation,
            display_name="Loyalty Lab 2",
        )  # fmt: skip


def test_LL10_two_workstations_with_one_customer_number_need_the_workstation_in_the_name() -> None:
    world = World()
    world.exports.make_directory("/srv/kasse2")
    world.loyalty("KASSE-1")
    other = LoyaltyLabSettings(
        customer_number="4711",
        directory="/srv/kasse2",
        statistics={StatisticKind.CUSTOMERS: "ST-1"},
    )
    with pytest.raises(errors.DestinationTaken) as caught:
        world.interfaces.configure(InterfaceKind.LOYALTY_LAB, other, workstation="KASSE-2")
    assert "4711_customers_" in caught.value.file_name
    assert "KASSE-1" in caught.value.message("en")
    assert "Platzhalter workstation" in caught.value.message("de")
    named = attrs.evolve(
        other, file_pattern="{customer_number}_{workstation}_{statistic}_{date:%Y%m%d}.csv"
    )
    config = world.interfaces.configure(InterfaceKind.LOYALTY_LAB, named, workstation="KASSE-2")
    assert config.settings.file_name(StatisticKind.CUSTOMERS, dt.date(2026, 1, 2), "KASSE-2") == (  # type: ignore[union-attr]
        "4711_KASSE-2_customers_20260102.csv"
    )
    # Sharing one folder is sharing the files: no collision (each written and sent once).
    shared = attrs.evolve(other, directory=LL_DIR)
    world.interfaces.configure(InterfaceKind.LOYALTY_LAB, shared, workstation="KASSE-3")
