"""The Loyalty Lab start-up job: export once, never overwrite, upload exactly once (LL5–LL8)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.csvdialect import CsvDialect, decode_csv
from amparex_core.domain.interfaces import InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.statistics import ExportOutcome, StatisticKind
from amparex_core.domain.uploads import UploadOutcome, UploadState
from amparex_core.services.loyalty_lab import LoyaltyLab, Phase
from tests.world import BERLIN, LL_DIR, World

NAMES = [
    "4711_customers_20261123.csv",
    "4711_glasses_20261123.csv",
    "4711_contact_lenses_20261123.csv",
    "4711_hearing_aids_20261123.csv",
]


def test_LL5_each_start_exports_every_statistic_of_the_workstation_once() -> None:
    world = World()
    world.loyalty("KASSE-1")
    report = world.loyalty_lab.start(branch="F01", workstation="kasse-1")
    assert [r.export.file_name for r in report.written] == NAMES
    assert world.exports.list_files(LL_DIR) == sorted(NAMES)
    header, rows = decode_csv(CsvDialect(), world.exports.read(LL_DIR, NAMES[0]))
    assert header == ["id", "name", "amount", "since"]
    assert rows == [["1", "Erika", "30,00", "20240501"], ["2", "Max", "", ""]]
    assert report.errors == []


def test_LL5_other_workstations_and_not_yet_started_configs_export_nothing() -> None:
    world = World()
    world.loyalty("KASSE-1", start=dt.date(2027, 1, 1))
    world.loyalty("KASSE-2")
    report = world.loyalty_lab.start(branch="F01", workstation="KASSE-1")
    assert report.exports == () and report.uploads == ()
    assert world.statistics.runs == {}


def test_LL6_an_existing_file_is_not_rewritten_and_its_statistic_not_run() -> None:
    world = World()
    world.loyalty()
    world.exports.overwrite(LL_DIR, NAMES[1], b"hand-made")
    report = world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    outcomes = {r.export.file_name: r.outcome for r in report}
    assert outcomes[NAMES[1]] is ExportOutcome.EXISTS
    assert world.exports.read(LL_DIR, NAMES[1]) == b"hand-made"
    assert "q-glasses" not in world.statistics.runs
    before = dict(world.statistics.runs)
    again = world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    assert all(r.outcome is ExportOutcome.EXISTS for r in again)
    assert world.statistics.runs == before  # LL6: checked before running


@settings(max_examples=25)
@given(st.lists(st.integers(min_value=0, max_value=72), min_size=1, max_size=6))
def test_LL6_at_most_one_file_per_statistic_and_day_however_often_started(hours: list[int]) -> None:
    world = World()
    world.loyalty()
    start = world.clock.now()
    for h in sorted(hours):
        world.clock.set(start + dt.timedelta(hours=h))
        world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    days = {(start + dt.timedelta(hours=h)).date() for h in hours}
    assert len(world.exports.list_files(LL_DIR)) == 4 * len(days)
    assert all(n == len(days) for n in world.statistics.runs.values())


def test_LL5_a_failing_statistic_is_reported_and_others_go_on() -> None:
    world = World()
    settings_ = LoyaltyLabSettings(
        customer_number="4711",
        directory=LL_DIR,
        statistics={StatisticKind.CUSTOMERS: "ST-1", StatisticKind.GLASSES: "ST-2"},
    )
    world.interfaces.configure(InterfaceKind.LOYALTY_LAB, settings_, workstation="KASSE-1")
    world.statistics._sets.pop("q-customers")
    world.masterdata._statistics.pop("ST-2")
    report = world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    assert [r.outcome for r in report] == [ExportOutcome.FAILED, ExportOutcome.FAILED]
    assert isinstance(report[0].error, errors.StatisticFailed)
    assert isinstance(report[1].error, errors.StatisticTemplateUnknown)
    assert world.exports.list_files(LL_DIR) == []


def test_LL3_a_template_changed_to_another_format_is_refused_at_export() -> None:
    world = World()
    world.loyalty()
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

    world.masterdata.add(StatisticTemplate("ST-1", "x", FileFormat.XLSX, "q-customers"))
    report = world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    assert isinstance(report[0].error, errors.StatisticFormatNotCsv)


def test_LL4_a_vanished_directory_is_reported() -> None:
    world = World()
    world.loyalty()
    world.exports._folders.pop(LL_DIR)
    report = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert all(isinstance(e, errors.ExportDirectoryInvalid) for e in report.errors)
    # Each of the four exports and the outbox listing failed, and it is one problem.
    failed = [e.error for e in report.exports if e.error is not None]
    failed += [u.error for u in report.uploads if u.error is not None]
    assert len(failed) == 5
    assert len(report.errors) == 1


def test_LL8_new_files_are_uploaded_exactly_once() -> None:
    world = World()
    world.loyalty()
    world.exports.overwrite(LL_DIR, "foreign.csv", b"from the Loyalty Lab tool")
    first = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert sorted(r.name for r in first.uploaded) == sorted([*NAMES, "foreign.csv"])
    assert world.files.files[NAMES[0]] == world.exports.read(LL_DIR, NAMES[0])
    second = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert second.uploaded == []
    assert {r.outcome for r in second.uploads} == {UploadOutcome.ALREADY_UPLOADED}
    assert sorted(world.files.uploads) == sorted([*NAMES, "foreign.csv"])
    records = world.storage.list_uploads()
    assert all(r.state is UploadState.UPLOADED and r.receipt for r in records)


def test_LL8_workstations_sharing_folder_and_server_upload_each_file_once() -> None:
    """LL8: the ledger keys a file by where it goes, not by the configuration.

    Two workstations' configurations name one folder and upload to one server: the
    second start finds every file already uploaded.
    """
    world = World()
    world.loyalty("KASSE-1")
    world.loyalty("KASSE-2")
    first = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    assert sorted(r.name for r in first.uploaded) == sorted(NAMES)
    second = world.loyalty_lab.start(branch=None, workstation="KASSE-2")
    assert second.uploaded == []
    assert {r.outcome for r in second.uploads} == {UploadOutcome.ALREADY_UPLOADED}
    assert sorted(world.files.uploads) == sorted(NAMES)
    assert {r.destination for r in world.storage.list_uploads()} == {world.files.destination}


def test_LL8_a_failed_upload_is_retried_on_the_next_run() -> None:
    world = World()
    world.loyalty()
    world.files.fail_next(2)
    first = world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    failed = [r for r in first.uploads if r.outcome is UploadOutcome.FAILED]
    assert len(failed) == 2 and all(isinstance(r.error, errors.DeliveryFailed) for r in failed)
    assert len(first.uploaded) == 2
    second = world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    assert sorted(r.name for r in second if r.outcome is UploadOutcome.UPLOADED) == sorted(
        r.name for r in failed
    )
    assert sorted(world.files.uploads) == sorted(NAMES)


def test_LL8_a_file_changed_after_upload_is_reported_not_resent() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.start(branch=None, workstation="KASSE-1")
    world.exports.overwrite(LL_DIR, NAMES[0], b"changed by hand")
    report = world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    outcomes = {r.name: r.outcome for r in report}
    assert outcomes[NAMES[0]] is UploadOutcome.CHANGED_AFTER_UPLOAD
    assert world.files.uploads.count(NAMES[0]) == 1
    # touched but identical: still uploaded once
    world.exports.overwrite(LL_DIR, NAMES[1], world.exports.read(LL_DIR, NAMES[1]))
    report = world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    assert {r.name: r.outcome for r in report}[NAMES[1]] is UploadOutcome.ALREADY_UPLOADED


def test_LL8_a_live_claim_blocks_and_an_abandoned_one_is_taken_over() -> None:
    world = World()
    world.loyalty()
    destination = world.files.destination  # the ledger's key: where the file goes
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    facts = world.exports.facts(LL_DIR, NAMES[0])
    world.storage.claim_upload(
        destination, NAMES[0], facts, now=world.clock.now(), lease=dt.timedelta(minutes=30)
    )
    report = {
        r.name: r.outcome for r in world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    }
    assert report[NAMES[0]] is UploadOutcome.IN_PROGRESS
    world.clock.advance(dt.timedelta(hours=1))
    report = {
        r.name: r.outcome for r in world.loyalty_lab.upload(branch=None, workstation="KASSE-1")
    }
    assert report[NAMES[0]] is UploadOutcome.UPLOADED
    assert world.storage.get_upload(destination, NAMES[0]).attempts == 2  # type: ignore[union-attr]


def test_LL8_without_delivery_nothing_is_uploaded_and_interrupts_release_the_claim() -> None:
    world = World()
    world.loyalty()
    lab = world.loyalty_lab
    lab._delivery_for = None
    assert lab.start(branch=None, workstation="KASSE-1").uploads == ()
    assert lab.upload(branch=None, workstation="KASSE-1") == []

    class Interrupting:
        destination = "x"

        def upload(self, file: object) -> object:
            raise KeyboardInterrupt

    config = lab.configurations(branch=None, workstation="KASSE-1")[0]
    with pytest.raises(KeyboardInterrupt):
        lab.upload_config(config, Interrupting())  # type: ignore[arg-type]
    assert world.storage.list_uploads() == []


def test_LL5_progress_and_background_start() -> None:
    world = World()
    world.loyalty()
    seen: list[tuple[Phase, int, int]] = []
    world.loyalty_lab.start(
        branch=None,
        workstation="KASSE-1",
        progress=lambda phase, done, total, item: seen.append((phase, done, total)),
    )
    assert seen[:4] == [(Phase.EXPORT, i, 4) for i in range(1, 5)]
    assert seen[4:] == [(Phase.UPLOAD, i, 4) for i in range(1, 5)]
    future = world.loyalty_lab.start_in_background(branch=None, workstation="KASSE-1")
    report = future.result(timeout=10)
    assert report.written == [] and report.uploaded == []


def test_LL5_background_start_hands_over_unexpected_errors() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab._exports = None  # type: ignore[assignment]
    future = world.loyalty_lab.start_in_background(branch=None, workstation="KASSE-1")
    with pytest.raises(AttributeError):
        future.result(timeout=10)


def test_LL1_uploading_a_card_order_configuration_is_refused() -> None:
    world = World()
    config = world.interfaces.get(world.card_ordering())
    with pytest.raises(errors.InterfaceSettingsMismatch):
        world.loyalty_lab.upload_config(config, world.files)


@pytest.mark.parametrize(
    ("columns", "rows", "reason"),
    [
        (["name"], [("Ω is not in cp1252",)], "can't encode"),
        (["a", "b"], [("only one",)], "values"),
    ],
)
def test_LL7_data_that_does_not_fit_its_template_fails_that_export_only(
    columns: list[str], rows: list[tuple[object, ...]], reason: str
) -> None:
    world = World()
    world.loyalty()
    from amparex_core.domain.csvdialect import CsvDialect
    from amparex_core.domain.masterdata import FileFormat, StatisticTemplate

    world.masterdata.add(
        StatisticTemplate("ST-1", "x", FileFormat.CSV, "q-bad", CsvDialect(encoding="cp1252"))
    )
    world.statistics.add("q-bad", columns, rows)
    report = world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    assert report[0].outcome is ExportOutcome.FAILED
    assert isinstance(report[0].error, errors.StatisticFailed)
    assert reason in report[0].error.reason
    assert [r.outcome for r in report[1:]] == [ExportOutcome.WRITTEN] * 3
    assert not world.exports.exists(LL_DIR, NAMES[0])


class _Refusing:
    """A destination that refuses every upload with *error*, counting the attempts."""

    destination = "sftp://refusing.example:22/in"

    def __init__(self, error: errors.AmparexError) -> None:
        self.error = error
        self.attempts = 0

    def upload(self, file: object) -> object:
        self.attempts += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "tried"),
    [
        (errors.HostKeyRejected(host="h", fingerprint="SHA256:x", reason="changed"), 1),
        (
            errors.DeliveryFailed(
                destination="d", item="i", reason="530", destination_refused=True
            ),
            1,
        ),
        (errors.DeliveryFailed(destination="d", item="i", reason="too big"), 4),
    ],
    ids=["host-key", "login", "one-file"],
)
def test_LL8_a_destination_that_refuses_itself_is_tried_once_per_run(
    error: errors.AmparexError, tried: int
) -> None:
    """One problem, one attempt: the other files of the run come back NOT_TRIED."""
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    refusing = _Refusing(error)
    lab = LoyaltyLab(
        interfaces=world.interfaces,
        masterdata=world.masterdata,
        statistics=world.statistics,
        exports=world.exports,
        ledger=world.storage,
        clock=world.clock,
        tz=BERLIN,
        delivery_for=lambda _config: refusing,  # type: ignore[arg-type,return-value]
    )
    results = lab.upload(branch=None, workstation="KASSE-1")
    assert refusing.attempts == tried
    outcomes = [r.outcome for r in results]
    assert outcomes.count(UploadOutcome.FAILED) == tried
    assert outcomes.count(UploadOutcome.NOT_TRIED) == 4 - tried
    assert all(r.error is not None and r.outcome.pending for r in results)
    report = lab.start(branch=None, workstation="KASSE-1")
    assert len(report.errors) == 1  # the same problem, once
    # Nothing was recorded as uploaded: the next run (another destination) sends them all.
    assert world.storage.list_uploads() == []


def test_LL5_LL6_master_data_and_statistics_opened_on_the_first_export_only() -> None:
    """Functions standing for the master data and the statistic source are called by the
    first export: a start whose files all exist (LL6) never opens them, and a failure to
    open fails the export it was opened for (LL5), not the start."""
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")  # the day's four files
    opened: list[str] = []

    def masterdata() -> object:
        opened.append("masterdata")
        return world.masterdata

    def statistics() -> object:
        opened.append("statistics")
        return world.statistics

    def lab(masterdata_: object, statistics_: object) -> LoyaltyLab:
        return LoyaltyLab(
            interfaces=world.interfaces,
            masterdata=masterdata_,  # type: ignore[arg-type]
            statistics=statistics_,  # type: ignore[arg-type]
            exports=world.exports,
            ledger=world.storage,
            clock=world.clock,
            tz=BERLIN,
        )

    present = lab(masterdata, statistics).export(branch=None, workstation="KASSE-1")
    assert [r.outcome for r in present] == [ExportOutcome.EXISTS] * 4
    assert opened == []
    for name in NAMES:
        world.exports.remove(LL_DIR, name)
    fresh = lab(masterdata, statistics)
    assert [r.outcome for r in fresh.export(branch=None, workstation="KASSE-1")] == (
        [ExportOutcome.WRITTEN] * 4
    )
    assert opened == ["masterdata", "statistics"]  # once, for the first export

    def unavailable() -> object:
        raise errors.StorageUnavailable(store="masterdata", reason="down")

    for name in NAMES:
        world.exports.remove(LL_DIR, name)
    failed = lab(unavailable, statistics).export(branch=None, workstation="KASSE-1")
    assert [r.outcome for r in failed] == [ExportOutcome.FAILED] * 4
    assert all(isinstance(r.error, errors.StorageUnavailable) for r in failed)
