"""The rule of a master-data search (issue 15, item 10): every word in the ID or name.

:func:`~amparex_core.domain.masterdata.matches` decides what a search finds and
:func:`~amparex_core.domain.masterdata.search_page` pages through it by ID; the contract
suite (``MasterDataSearchContract``) holds every adapter to the same.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    StatisticTemplate,
    matches,
    record_name,
    search_page,
)
from tests import strategies as s


def test_the_name_is_a_persons_first_and_last_name_or_the_records_name() -> None:
    assert record_name(Customer("K1", "Erika", "Mustermann")) == "Erika Mustermann"
    assert record_name(Employee("M1", "Jana", "")) == "Jana"
    assert record_name(Branch("F01", "Stuttgart")) == "Stuttgart"
    assert record_name(DocumentTemplate("D", "Karte", DocumentKind.CARD, "x", b"")) == "Karte"
    assert record_name(StatisticTemplate("S", "Kunden", FileFormat.CSV, "q")) == "Kunden"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (None, True),
        ("", True),
        ("erika", True),
        ("MUSTERMANN erika", True),
        ("k-10", True),
        ("straße", True),
        ("STRASSE", True),  # Unicode case folding: ß is ss
        ("erika max", False),
        ("berlin", False),  # the address is not searched
    ],
)
def test_every_word_must_be_in_the_id_or_name(text: str | None, found: bool) -> None:
    from amparex_core.domain.masterdata import PostalAddress

    erika = Customer(
        "K-1001", "Erika", "Mustermann-Straße", address=PostalAddress("Weg 1", "10115", "Berlin")
    )
    assert matches(erika, text) is found


@given(
    people=st.lists(s.customers, max_size=25, unique_by=lambda c: c.id),
    text=st.sampled_from([None, "a", "e M", "1", "ß", "zz"]),
    limit=st.integers(1, 6),
)
def test_paging_by_the_last_id_gives_every_record_found_once(
    people: list[Customer], text: str | None, limit: int
) -> None:
    pages: list[list[Customer]] = []
    after = None
    while True:
        page = search_page(people, text, after=after, limit=limit)
        assert len(page) <= limit
        pages.append(page)
        if len(page) < limit:
            break
        after = page[-1].id
    found = [c.id for page in pages for c in page]
    assert found == sorted(c.id for c in people if matches(c, text))


def test_a_page_of_no_records_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        search_page([], None, after=None, limit=0)
