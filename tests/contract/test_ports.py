"""Contracts of the smaller ports, run against every adapter (LL4, LL6–LL8, CO16, CR1, CR4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    Employee,
    FileFormat,
    StatisticTemplate,
)
from amparex_core.domain.parcels import Attachment, OutgoingFile, Parcel
from amparex_core.ports import (
    CardReader,
    CardWriter,
    Clock,
    DocumentPart,
    DocumentRenderer,
    ExportTarget,
    FileDelivery,
    MasterData,
    ParcelDelivery,
    StatisticSource,
)
from tests.contract.factories import TEXT_SAMPLES, RendererSamples

CARD = TEXT_SAMPLES.card

# ---------------------------------------------------------------- export target


def test_LL4_export_target_checks_its_directory(export_target: tuple[ExportTarget, str]) -> None:
    target, directory = export_target
    assert isinstance(target, ExportTarget)
    target.check_directory(directory)
    for bad in ("relative", directory + "/missing-sub-folder"):
        with pytest.raises(errors.ExportDirectoryInvalid):
            target.check_directory(bad)


def test_LL6_write_new_never_replaces(export_target: tuple[ExportTarget, str]) -> None:
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


def test_LL7_a_file_appears_only_when_complete(export_target: tuple[ExportTarget, str]) -> None:
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


def test_LL6_concurrent_writers_write_a_file_once(export_target: tuple[ExportTarget, str]) -> None:
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


# ---------------------------------------------------------------- delivery


def outgoing(name: str, content: bytes) -> OutgoingFile:
    return OutgoingFile(
        name=name,
        size=len(content),
        open=lambda: io.BytesIO(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def test_LL8_file_delivery_uploads_under_the_final_name(
    file_delivery: tuple[FileDelivery, Any],
) -> None:
    delivery, fetch = file_delivery
    assert isinstance(delivery, FileDelivery)
    receipt = delivery.upload(outgoing("4711_customers_20261123.csv", b"a;b\r\n1;2\r\n"))
    assert fetch("4711_customers_20261123.csv") == b"a;b\r\n1;2\r\n"
    assert receipt.size == 10 and receipt.destination == delivery.destination
    delivery.upload(outgoing("4711_customers_20261123.csv", b"a;b\r\n1;2\r\n"))
    assert fetch("4711_customers_20261123.csv") == b"a;b\r\n1;2\r\n"
    assert fetch("never-sent.csv") is None


def test_LL8_file_delivery_refuses_a_short_file(file_delivery: tuple[FileDelivery, Any]) -> None:
    delivery, fetch = file_delivery
    short = OutgoingFile(name="short.csv", size=100, open=lambda: io.BytesIO(b"only ten b"))
    with pytest.raises(errors.DeliveryFailed) as info:
        delivery.upload(short)
    assert info.value.code == "delivery.failed" and info.value.item == "short.csv"
    assert fetch("short.csv") is None


PARCEL = Parcel(
    id="batch-0001",
    subject="Kartenbestellung AX-100 B000001",
    body="Karten: 2",
    attachments=[
        Attachment("B000001-manifest.csv", "text/csv", b"a;b\r\n"),
        Attachment("B000001-cards.pdf", "application/pdf", b"%PDF-1.4 ..."),
    ],
)


def test_CO16_parcel_delivery_is_idempotent_per_parcel_id(
    parcel_delivery: tuple[ParcelDelivery, Any],
) -> None:
    delivery, received = parcel_delivery
    assert isinstance(delivery, ParcelDelivery)
    first = delivery.send(PARCEL)
    second = delivery.send(PARCEL)
    assert first.reference == second.reference
    got = received(PARCEL.id)
    assert got is not None
    assert received("other-id") is None


# ---------------------------------------------------------------- renderer


def test_CO8_renderer_validates_fields(renderer: tuple[DocumentRenderer, RendererSamples]) -> None:
    renderer_, samples = renderer
    assert isinstance(renderer_, DocumentRenderer)
    renderer_.validate(samples.card, frozenset({"holder_name", "card_number"}))
    with pytest.raises(errors.DocumentTemplateInvalid) as info:
        renderer_.validate(samples.card, frozenset({"holder_name"}))
    assert info.value.field == "card_number" and info.value.document_id == "CARD"


def test_CO16_renderer_merges_parts_in_order(
    renderer: tuple[DocumentRenderer, RendererSamples],
) -> None:
    renderer_, samples = renderer
    parts = [
        DocumentPart(samples.letter, {"holder_name": "Erika", "card_number": "1"}),
        DocumentPart(samples.card, {"holder_name": "Erika", "card_number": "927600000016"}),
        DocumentPart(samples.card, {"holder_name": "Max", "card_number": "927600000024"}),
    ]
    pdf = renderer_.render(parts)
    assert renderer_.media_type == "application/pdf" and pdf.startswith(b"%PDF-")
    assert pdf.index(b"Dear Erika") < pdf.index(b"927600000016") < pdf.index(b"927600000024")
    with pytest.raises(errors.DocumentTemplateInvalid):
        renderer_.render([DocumentPart(samples.card, {"holder_name": "x"})])


def test_CO8_renderer_refuses_a_broken_template(
    renderer: tuple[DocumentRenderer, RendererSamples],
) -> None:
    renderer_, samples = renderer
    with pytest.raises(errors.DocumentTemplateInvalid):
        renderer_.validate(samples.broken, frozenset())


# ---------------------------------------------------------------- readers


def test_CR1_reader_times_out_with_nothing(reader: tuple[CardWriter, Any, Any]) -> None:
    writer, _present, _remove = reader
    assert isinstance(writer, CardWriter)
    assert isinstance(writer, CardReader)
    assert writer.wait_for_card(0.05) is None


def test_CR1_CR5_reader_reports_the_uid_in_its_declared_form(
    reader: tuple[CardWriter, Any, Any],
) -> None:
    writer, present, remove = reader
    present(bytes.fromhex("04A22B9C"))
    shown = writer.wait_for_card(2)
    assert shown is not None
    assert shown.uid == CardUid(bytes.fromhex("04A22B9C"))
    assert shown.uid_form is writer.uid_form
    remove()


def test_CR4_writer_stores_only_the_card_number_and_erases_it(
    reader: tuple[CardWriter, Any, Any],
) -> None:
    writer, present, remove = reader
    present(bytes.fromhex("04A22B9C11"))
    written = writer.write_card_number("927600000016", 2)
    assert written.card_number == "927600000016"
    again = writer.wait_for_card(2)
    assert again is not None and again.card_number == "927600000016"
    erased = writer.erase_card_number(2)
    assert erased.card_number is None
    remove()
    with pytest.raises(errors.CardWriteFailed):
        writer.write_card_number("927600000016", 0.05)


# ---------------------------------------------------------------- master data, statistics, clock


def test_masterdata_returns_records_or_none(masterdata: tuple[MasterData, Any]) -> None:
    data, add = masterdata
    assert isinstance(data, MasterData)
    records = [
        Branch("F01", "Stuttgart"),
        Customer("K1", "Erika", "Mustermann", leading_branch="F01"),
        Employee("M1", "Jana", "Kasse", branch="F01"),
        CARD,
        StatisticTemplate("ST-1", "Kunden", FileFormat.CSV, "select 1"),
    ]
    add(*records)
    assert data.branch("F01") == records[0] and data.customer("K1") == records[1]
    assert data.employee("M1") == records[2] and data.document_template("CARD") == CARD
    assert data.statistic_template("ST-1") == records[4]
    assert data.branch("X") is None
    assert data.customer("X") is None
    assert data.employee("X") is None
    assert data.document_template("X") is None
    assert data.statistic_template("X") is None


def test_LL5_statistic_source_streams_rows(statistic_source: tuple[StatisticSource, Any]) -> None:
    source, template_for = statistic_source
    assert isinstance(source, StatisticSource)
    template = template_for(["id", "name"], [(1, "Erika"), (2, "Max")])
    with source.run(template) as result:
        assert result.columns == ("id", "name")
        assert [tuple(r) for r in result.rows] == [(1, "Erika"), (2, "Max")]


def test_LL5_statistic_source_failure_is_a_statistic_error(
    statistic_source: tuple[StatisticSource, Any],
) -> None:
    source, _ = statistic_source
    broken = StatisticTemplate("ST-X", "x", FileFormat.CSV, "no such query ;;")
    with pytest.raises(errors.StatisticFailed), source.run(broken) as result:
        list(result.rows)


def test_clock_tells_aware_time(clock: Clock) -> None:
    assert isinstance(clock, Clock)
    now = clock.now()
    assert now.tzinfo is not None and now.year >= 2026
    assert clock.now() >= now - dt.timedelta(seconds=1)
