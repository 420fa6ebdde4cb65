"""Hypothesis strategies for every domain object of :mod:`amparex_core.domain`.

Part of the contract kit (``pip install "amparex-core[testing]"``): the storage contract's
state machines draw their configurations from here, and a host project can use the same
strategies for property tests of its own adapters::

    from hypothesis import given
    from amparex_adapters.testing import strategies as s

    @given(s.interface_configs())
    def test_my_store_keeps_every_configuration(config): ...

Every value drawn is valid (it passes the domain's validators); the project's own test
suite checks that for each strategy. Plain strategies are module attributes
(``customers``, ``card_uids``, ...); those that take options are functions.
"""

# isort: off
from amparex_adapters.testing import _needs  # noqa: F401 - pytest and hypothesis, or a clear error

# isort: on
import datetime as dt
import string
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from amparex_core.domain.cards import (
    CardNumberFormat,
    CardPresentation,
    CardTechnology,
    CardUid,
    HolderRef,
    IssuedCard,
    UidForm,
)
from amparex_core.domain.claims import Holder
from amparex_core.domain.csvdialect import CsvDialect
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
)
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentKind,
    DocumentTemplate,
    Employee,
    FileFormat,
    HolderKind,
    PostalAddress,
    StatisticTemplate,
)
from amparex_core.domain.money import CostItem, Money, PriceList
from amparex_core.domain.orders import ProcessRef
from amparex_core.domain.secret import Secret, SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import (
    CardKind,
    CardTemplate,
    CardType,
    ShippingInterval,
    ShipTo,
)

__all__ = [
    "ZONES",
    "absolute_dirs",
    "addresses",
    "branch_records",
    "branches_ids",
    "card_number_formats",
    "card_order_settings",
    "card_presentations",
    "card_templates",
    "card_uids",
    "csv_dialects",
    "customers",
    "dates",
    "decimals",
    "document_templates",
    "employees",
    "holder_refs",
    "holders",
    "ids",
    "instants",
    "interface_configs",
    "issued_cards",
    "loyalty_lab_settings",
    "money",
    "name_chars",
    "names",
    "prices",
    "process_refs",
    "secret_refs",
    "secrets",
    "statistic_slots",
    "statistic_templates",
    "uid_bytes",
    "uid_forms",
    "workstation_names",
    "zones",
]

ZONES = ["Europe/Berlin", "UTC", "America/Santiago", "Australia/Lord_Howe", "Pacific/Apia"]

# Names people type: letters incl. German ones, digits, inner and outer white space.
name_chars = st.sampled_from([*(string.ascii_letters + string.digits + "äöüÄÖÜßẞ -_."), " "])
names = st.text(name_chars, min_size=1, max_size=20).filter(lambda s: s.strip())
ids = st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)
branches_ids = st.sampled_from(["F01", "F02", "F03"])
workstation_names = st.sampled_from(["KASSE-1", "kasse-1", "Kasse-2", "BACKOFFICE", "Empfang 1"])
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
)
secrets = st.text(string.ascii_letters + string.digits + "!$%&", min_size=8, max_size=24).map(
    Secret
)
secret_refs = st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z").map(SecretRef)
"""References to secrets, as a store keeps a card key (OP6)."""
absolute_dirs = st.sampled_from(
    [
        "/srv/loyalty",
        "/var/lib/amparex/ll",
        r"C:\LoyaltyLab",
        r"D:\Export\LL",
        "/tmp/ll export",  # noqa: S108 - a configured path, never opened
    ]
)


def card_order_settings(*, with_contract: bool | None = None) -> SearchStrategy[CardOrderSettings]:
    """Card-order settings; with or without contract, or either."""
    contract = st.text(string.digits, min_size=4, max_size=8).map(lambda d: f"KV-{d}")
    if with_contract is True:
        return st.builds(CardOrderSettings, contract=contract, key=secret_refs, customer_number=ids)
    if with_contract is False:
        return st.builds(CardOrderSettings, customer_number=st.none() | ids)
    return st.builds(
        CardOrderSettings,
        contract=st.none() | contract,
        key=st.none() | secret_refs,
        customer_number=st.none() | ids,
    )


statistic_slots = st.dictionaries(
    st.sampled_from(list(StatisticKind)), st.sampled_from(["ST-1", "ST-2", "ST-3", "ST-4"])
)

loyalty_lab_settings = st.builds(
    LoyaltyLabSettings,
    customer_number=st.text(string.digits, min_size=3, max_size=8),
    directory=absolute_dirs,
    statistics=statistic_slots,
)


@st.composite
def interface_configs(
    draw: st.DrawFn,
    kind: InterfaceKind | None = None,
    display_names: SearchStrategy[str] | None = None,
) -> InterfaceConfig:
    """Valid configurations of any kind (or of *kind*)."""
    kind = kind or draw(st.sampled_from(list(InterfaceKind)))
    display = draw(
        display_names
        or st.none()
        | st.sampled_from(["Loyalty Lab", "loyalty  lab ", "Zweitlabor", "Straße", "STRASSE"])
    )
    branch = draw(st.none() | branches_ids)
    start = draw(st.none() | dates)
    config_id = draw(st.uuids().map(lambda u: u.hex))
    if kind is InterfaceKind.LOYALTY_LAB:
        return InterfaceConfig(
            id=config_id,
            kind=kind,
            settings=draw(loyalty_lab_settings),
            display_name=display,
            branch=branch,
            workstation=draw(workstation_names),
            client_side=True,
            start=start,
        )
    return InterfaceConfig(
        id=config_id,
        kind=kind,
        settings=draw(card_order_settings()),
        display_name=display,
        branch=branch,
        workstation=draw(st.none() | workstation_names),
        client_side=False,
        start=start,
    )


addresses = st.builds(
    PostalAddress,
    street=st.sampled_from(["Max-Lang-Straße 24", "Hauptstr. 1", "Königstraße 10"]),
    postal_code=st.text(string.digits, min_size=5, max_size=5),
    city=st.sampled_from(["Leinfelden-Echterdingen", "Stuttgart", "München", "Köln"]),
    country=st.sampled_from(["DE", "AT", "CH"]),
)
branch_records = st.builds(Branch, id=branches_ids, name=names, address=st.none() | addresses)
customers = st.builds(
    Customer,
    id=ids.map(lambda i: f"K{i}"),
    first_name=names,
    last_name=names,
    address=st.none() | addresses,
    leading_branch=st.none() | branches_ids,
)
employees = st.builds(
    Employee,
    id=ids.map(lambda i: f"M{i}"),
    first_name=names,
    last_name=names,
    branch=st.none() | branches_ids,
    address=st.none() | addresses,
)
document_templates = st.builds(
    DocumentTemplate,
    id=st.sampled_from(["DOC-CARD", "DOC-LETTER", "DOC-GOLD"]),
    name=names,
    kind=st.sampled_from(list(DocumentKind)),
    media_type=st.just("text/plain"),
    content=st.just(b"{holder_name}\n{card_number}"),
)
csv_dialects = (
    st.fixed_dictionaries(
        {
            "separator": st.sampled_from([";", ",", "\t", "|"]),
            "quote_char": st.sampled_from(['"', "'"]),
            "encoding": st.sampled_from(["utf-8-sig", "utf-8", "cp1252"]),
            "decimal_separator": st.sampled_from([",", "."]),
            "header": st.booleans(),
            "line_terminator": st.sampled_from(["\r\n", "\n"]),
        }
    )
    .filter(lambda options: options["separator"] != options["decimal_separator"])
    .map(lambda options: CsvDialect(**options))  # type: ignore[arg-type]
)
statistic_templates = st.builds(
    StatisticTemplate,
    id=st.sampled_from(["ST-1", "ST-2", "ST-3", "ST-4"]),
    name=names,
    file_format=st.sampled_from(list(FileFormat)),
    query=st.just("q"),
    dialect=csv_dialects,
)


@st.composite
def card_templates(draw: st.DrawFn, name: SearchStrategy[str] | None = None) -> CardTemplate:
    """Valid card templates."""
    kind = draw(st.sampled_from(list(CardKind)))
    ship_to = draw(st.sampled_from(list(ShipTo)))
    cover = "DOC-LETTER" if ship_to is ShipTo.CUSTOMER else draw(st.none() | st.just("DOC-LETTER"))
    return CardTemplate(
        name=draw(name or st.sampled_from(["BASIS", "GOLD", "PLATIN", "Mitarbeiter"])),
        document_template="DOC-CARD",
        ship_to=ship_to,
        interval=draw(st.sampled_from(list(ShippingInterval))),
        comment=draw(st.none() | st.text(max_size=30)),
        cover_letter=cover,
        validity_required=draw(st.booleans()),
        card_type=draw(st.sampled_from(list(CardType))),
        kind=kind,
        gift_box=draw(st.booleans()),
        roller_clip=kind is CardKind.EMPLOYEE and draw(st.booleans()),
    )


prices = st.builds(
    PriceList,
    currency=st.just("EUR"),
    prices=st.fixed_dictionaries(
        {item: st.decimals(min_value=0, max_value=100, places=2) for item in CostItem}
    ),
)
money = st.builds(
    Money, amount=st.decimals(min_value=-1000, max_value=1000, places=2), currency=st.just("EUR")
)
process_refs = st.builds(
    ProcessRef,
    process=st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=10).filter(
        lambda s: s.strip()
    ),
    step=st.none() | st.text(string.digits, min_size=1, max_size=3),
)
uid_bytes = st.sampled_from([4, 7, 10]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
card_uids = uid_bytes.map(CardUid)
uid_forms = st.sampled_from(list(UidForm))
card_number_formats = st.builds(
    CardNumberFormat,
    prefix=st.text(string.digits, max_size=4),
    length=st.integers(min_value=8, max_value=19),
)
card_presentations = st.builds(
    CardPresentation,
    technology=st.sampled_from(list(CardTechnology)),
    raw_uid=card_uids.map(lambda u: u.hex),
    uid_form=st.just(UidForm.HEX),
)
holder_refs = st.builds(HolderRef, kind=st.sampled_from(list(HolderKind)), id=ids)

# Claim holders (CO19, LL8) on a few hosts and process tables ("": unknown), so that
# equal hosts and tables come up often.
holders = st.builds(
    Holder,
    id=ids,
    name=workstation_names,
    host=st.sampled_from(["kasse-1", "kasse-2", "srv-1", ""]),
    pid=st.integers(min_value=0, max_value=4_194_304),
    process_table=st.sampled_from(["", "linux:boot-1:pid:[1]", "linux:boot-2:pid:[1]", "posix"]),
    started=st.sampled_from(["", "1001", "1002"]),
)


@st.composite
def issued_cards(draw: st.DrawFn, fmt: CardNumberFormat | None = None) -> IssuedCard:
    """Issued cards with valid numbers."""
    fmt = fmt or CardNumberFormat()
    kind = draw(st.sampled_from(list(CardKind)))
    issued = draw(dates)
    return IssuedCard(
        number=fmt.make(draw(st.integers(min_value=1, max_value=10_000))),
        holder=HolderRef(kind.holder_kind, draw(ids)),
        card_type=draw(st.sampled_from(list(CardType))),
        kind=kind,
        issued_on=issued,
        valid_until=draw(st.none() | dates.filter(lambda d: d > issued)),
    )


decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
)
