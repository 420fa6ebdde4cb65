"""The contracts of the smaller ports (LL5, LL8, CO8, CO16, CR1, CR4, CR5).

One class per port: file and parcel delivery, document renderer, card reader and writer,
master data, statistic source, clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from typing import Any, Final, NamedTuple

import pytest

from amparex_core.domain import errors
from amparex_core.domain.cards import CardUid
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    StatisticTemplate,
    matches,
)
from amparex_core.domain.parcels import Attachment, OutgoingFile, Parcel
from amparex_core.ports import (
    CardReader,
    CardWriter,
    Clock,
    DocumentPart,
    DocumentRenderer,
    FileDelivery,
    MasterData,
    MasterDataSearch,
    ParcelDelivery,
    StatisticSource,
)

__all__ = [
    "CardReaderContract",
    "CardWriterContract",
    "ClockContract",
    "DocumentRendererContract",
    "FileDeliveryContract",
    "MasterDataContract",
    "MasterDataSearchContract",
    "ParcelDeliveryContract",
    "RendererSamples",
    "StatisticSourceContract",
    "outgoing",
]

# ---------------------------------------------------------------- delivery


def outgoing(name: str, content: bytes) -> OutgoingFile:
    """An :class:`~amparex_core.domain.parcels.OutgoingFile` of *content*, size and hash set.

    Args:
        name: The file's name.
        content: What it holds.

    Returns:
        The file, ready for :meth:`~amparex_core.ports.delivery.FileDelivery.upload`.
    """
    return OutgoingFile(
        name=name,
        size=len(content),
        open=lambda: io.BytesIO(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


class FileDeliveryContract:
    """The contract of :class:`~amparex_core.ports.delivery.FileDelivery` (LL8).

    Fixture to provide:
        ``file_delivery``: ``(delivery, fetch)``: the delivery under test, sending into
        an empty remote place, and ``fetch(name) -> bytes | None``, which reads the file
        of that name as it arrived there (``None`` when no such file exists).
    """

    def test_LL8_file_delivery_uploads_under_the_final_name(
        self, file_delivery: tuple[FileDelivery, Callable[[str], bytes | None]]
    ) -> None:
        delivery, fetch = file_delivery
        assert isinstance(delivery, FileDelivery)
        receipt = delivery.upload(outgoing("4711_customers_20261123.csv", b"a;b\r\n1;2\r\n"))
        assert fetch("4711_customers_20261123.csv") == b"a;b\r\n1;2\r\n"
        assert receipt.size == 10 and receipt.destination == delivery.destination
        delivery.upload(outgoing("4711_customers_20261123.csv", b"a;b\r\n1;2\r\n"))
        assert fetch("4711_customers_20261123.csv") == b"a;b\r\n1;2\r\n"
        assert fetch("never-sent.csv") is None

    def test_LL8_file_delivery_refuses_a_short_file(
        self, file_delivery: tuple[FileDelivery, Callable[[str], bytes | None]]
    ) -> None:
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


class ParcelDeliveryContract:
    """The contract of :class:`~amparex_core.ports.delivery.ParcelDelivery` (CO16).

    Fixture to provide:
        ``parcel_delivery``: ``(delivery, received)``: the delivery under test and
        ``received(parcel_id)``, which returns what arrived on the receiving side under
        that parcel ID (in any form) or ``None`` when nothing did.
    """

    def test_CO16_parcel_delivery_is_idempotent_per_parcel_id(
        self, parcel_delivery: tuple[ParcelDelivery, Callable[[str], Any]]
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


class RendererSamples(NamedTuple):
    """Templates in a renderer's own format, for :class:`DocumentRendererContract`.

    ``card`` (ID ``CARD``) reads ``holder_name`` and ``card_number``; ``letter`` prints
    ``Dear <holder_name>``; ``broken`` cannot be read at all.
    """

    card: DocumentTemplate
    letter: DocumentTemplate
    broken: DocumentTemplate


class DocumentRendererContract:
    """The contract of :class:`~amparex_core.ports.documents.DocumentRenderer` (CO8, CO16).

    Fixture to provide:
        ``renderer``: ``(renderer, samples)``: the renderer under test and
        :class:`RendererSamples` in its own template format. The rendered PDF must
        carry the filled-in text uncompressed, so the suite can find it.
    """

    def test_CO8_renderer_validates_fields(
        self, renderer: tuple[DocumentRenderer, RendererSamples]
    ) -> None:
        renderer_, samples = renderer
        assert isinstance(renderer_, DocumentRenderer)
        renderer_.validate(samples.card, frozenset({"holder_name", "card_number"}))
        with pytest.raises(errors.DocumentTemplateInvalid) as info:
            renderer_.validate(samples.card, frozenset({"holder_name"}))
        assert info.value.field == "card_number" and info.value.document_id == "CARD"

    def test_CO16_renderer_merges_parts_in_order(
        self, renderer: tuple[DocumentRenderer, RendererSamples]
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
        self, renderer: tuple[DocumentRenderer, RendererSamples]
    ) -> None:
        renderer_, samples = renderer
        with pytest.raises(errors.DocumentTemplateInvalid):
            renderer_.validate(samples.broken, frozenset())


# ---------------------------------------------------------------- readers


class CardReaderContract:
    """The contract of :class:`~amparex_core.ports.readers.CardReader` (CR1, CR5).

    Fixture to provide:
        ``reader``: ``(reader, present, remove)``: the reader under test, with no card
        on it; ``present(uid)`` puts a blank writable card with that UID (bytes) on the
        reader, ``remove()`` takes it away.
    """

    def test_CR1_reader_times_out_with_nothing(
        self, reader: tuple[CardReader, Callable[[bytes], None], Callable[[], None]]
    ) -> None:
        reader_, _present, _remove = reader
        if isinstance(self, CardWriterContract):
            assert isinstance(reader_, CardWriter)
        assert isinstance(reader_, CardReader)
        assert reader_.wait_for_card(0.05) is None

    def test_CR1_CR5_reader_reports_the_uid_in_its_declared_form(
        self, reader: tuple[CardReader, Callable[[bytes], None], Callable[[], None]]
    ) -> None:
        reader_, present, remove = reader
        present(bytes.fromhex("04A22B9C"))
        shown = reader_.wait_for_card(2)
        assert shown is not None
        assert shown.uid == CardUid(bytes.fromhex("04A22B9C"))
        assert shown.uid_form is reader_.uid_form
        remove()


class CardWriterContract(CardReaderContract):
    """The contract of :class:`~amparex_core.ports.readers.CardWriter` (CR1, CR4, CR5).

    The reader's contract and the writer's: a card carries only its card number.

    Fixture to provide:
        ``reader``: ``(writer, present, remove)`` as for :class:`CardReaderContract`,
        the reader being a :class:`~amparex_core.ports.readers.CardWriter`.
    """

    def test_CR4_writer_stores_only_the_card_number_and_erases_it(
        self, reader: tuple[CardWriter, Callable[[bytes], None], Callable[[], None]]
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

CARD = DocumentTemplate(
    "CARD", "card", DocumentKind.CARD, "text/plain", b"{holder_name} {card_number}"
)


class MasterDataContract:
    """The contract of :class:`~amparex_core.ports.masterdata.MasterData`.

    Fixture to provide:
        ``masterdata``: ``(port, add)``: the master data under test, empty, and
        ``add(*records)``, which stores domain records (branches, customers, employees,
        document and statistic templates) so that the port finds them.
    """

    def test_masterdata_returns_records_or_none(
        self, masterdata: tuple[MasterData, Callable[..., None]]
    ) -> None:
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


_SEARCHES: Final = (None, "  ", "muster", "MÜLLER", "k1", "erika muster", "STRASSE", "zz")
"""Searches of the master-data search contract: none, blank, words, case, folding."""


def _people(kind: type[Customer] | type[Employee], prefix: str) -> list[Any]:
    first = ["Erika", "Max", "Jürgen", "ÖZLEM", "anna"]
    last = ["Mustermann", "Müller", "Straßer", "MUSTER", "Weiß", "Schmidt"]
    return [kind(f"{prefix}{n}", first[n % len(first)], last[n % len(last)]) for n in range(1, 24)]


class MasterDataSearchContract:
    """The contract of :class:`~amparex_core.ports.masterdata.MasterDataSearch`.

    Fixture to provide:
        ``masterdata``: as for :class:`MasterDataContract`, of an adapter that also
        implements the search.
    """

    def test_masterdata_search_pages_through_every_record_found_once(
        self, masterdata: tuple[MasterData, Callable[..., None]]
    ) -> None:
        data, add = masterdata
        assert isinstance(data, MasterDataSearch)
        records: dict[str, list[Any]] = {
            "branches": [
                Branch("F01", "Optik Muster Königstraße"),
                Branch("F02", "Hören am Markt"),
                Branch("f03", "Optik MÜLLER"),
            ],
            "customers": _people(Customer, "K"),
            "employees": _people(Employee, "M"),
            "documents": [
                CARD,
                DocumentTemplate("LETTER", "Anschreiben Muster", DocumentKind.LETTER, "x", b""),
            ],
            "statistics": [StatisticTemplate("ST-1", "Kunden Muster", FileFormat.CSV, "select 1")],
        }
        add(*(r for section in records.values() for r in section))
        search: dict[str, Callable[..., list[Any]]] = {
            "branches": data.search_branches,
            "customers": data.search_customers,
            "employees": data.search_employees,
            "documents": data.search_document_templates,
            "statistics": data.search_statistic_templates,
        }
        for section, find in search.items():
            for text in _SEARCHES:
                expected = {r.id: r for r in records[section] if matches(r, text)}
                for limit in (1, 4, 50):
                    found = _all_pages(find, text, limit)
                    assert len({r.id for r in found}) == len(found), (section, text, limit)
                    assert {r.id: r for r in found} == expected, (section, text, limit)
        assert [c.id for c in data.search_customers("muster", limit=50)] != []
        with pytest.raises(ValueError, match="limit"):
            data.search_branches(limit=0)


def _all_pages(find: Callable[..., list[Any]], text: str | None, limit: int) -> list[Any]:
    """Every record *find* gives for *text*, page by page (each page at most *limit*)."""
    found: list[Any] = []
    after = None
    while True:
        page = find(text, after=after, limit=limit)
        assert len(page) <= limit
        found += page
        if len(page) < limit:
            return found
        after = page[-1].id


class StatisticSourceContract:
    """The contract of :class:`~amparex_core.ports.statistics.StatisticSource` (LL5).

    Fixture to provide:
        ``statistic_source``: ``(source, template_for)``: the source under test and
        ``template_for(columns, rows)``, which makes a data set of those columns and
        rows (a list of tuples) and returns a
        :class:`~amparex_core.domain.masterdata.StatisticTemplate` whose query yields
        it, in that order. A query the source cannot run must fail as a statistic error.
    """

    def test_LL5_statistic_source_streams_rows(
        self, statistic_source: tuple[StatisticSource, Callable[..., StatisticTemplate]]
    ) -> None:
        source, template_for = statistic_source
        assert isinstance(source, StatisticSource)
        template = template_for(["id", "name"], [(1, "Erika"), (2, "Max")])
        with source.run(template) as result:
            assert result.columns == ("id", "name")
            assert [tuple(r) for r in result.rows] == [(1, "Erika"), (2, "Max")]

    def test_LL5_statistic_source_failure_is_a_statistic_error(
        self, statistic_source: tuple[StatisticSource, Callable[..., StatisticTemplate]]
    ) -> None:
        source, _ = statistic_source
        broken = StatisticTemplate("ST-X", "x", FileFormat.CSV, "no such query ;;")
        with pytest.raises(errors.StatisticFailed), source.run(broken) as result:
            list(result.rows)


class ClockContract:
    """The contract of :class:`~amparex_core.ports.clock.Clock`.

    Fixture to provide:
        ``clock``: the clock under test, telling a time in 2026 or later.
    """

    def test_clock_tells_aware_time(self, clock: Clock) -> None:
        assert isinstance(clock, Clock)
        now = clock.now()
        assert now.tzinfo is not None and now.year >= 2026
        assert clock.now() >= now - dt.timedelta(seconds=1)
