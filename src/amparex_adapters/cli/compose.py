"""The composition root of the ``amparex`` command: configuration in, wired services out.

Each adapter is imported only when the configuration selects it and a command needs it,
so ``amparex --help`` loads no database driver, SSH or PDF library, and a missing extra
is reported as one line naming the extra to install (``config.extra_missing``).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from amparex_adapters._extras import MissingExtraError
from amparex_core.domain.cards import CardNumberFormat, CardUid
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.interfaces import InterfaceConfig
from amparex_core.domain.masterdata import (
    Branch,
    Customer,
    DocumentTemplate,
    Employee,
    StatisticTemplate,
)
from amparex_core.domain.money import CostItem, PriceList
from amparex_core.domain.parcels import DeliveryReceipt, Parcel
from amparex_core.ports.clock import Clock
from amparex_core.ports.delivery import FileDelivery, ParcelDelivery
from amparex_core.ports.documents import DocumentRenderer
from amparex_core.ports.exports import ExportTarget
from amparex_core.ports.masterdata import MasterData
from amparex_core.ports.readers import CardReader
from amparex_core.ports.statistics import StatisticSource
from amparex_core.ports.storage import Storage
from amparex_core.services import (
    CardDesk,
    ChainSettings,
    InterfaceService,
    LoyaltyLab,
    OrderService,
    ProgramStart,
    TemplateService,
)

from .config import Config, DeliveryConfig, Secrets
from .errors import AdapterUnavailable, ConfigInvalid, ExtraMissing

__all__ = ["Composition", "load_adapter"]


def load_adapter(module: str, *, feature: str, extra: str | None = None) -> ModuleType:
    """Import the adapter module *module*.

    Raises:
        ExtraMissing: Its third-party library is not installed (names *extra*).
        AdapterUnavailable: This installation has no such adapter.
    """
    try:
        return importlib.import_module(module)
    except MissingExtraError as exc:
        raise ExtraMissing(feature=feature, extra=extra or "all") from exc
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module or module.startswith(missing + "."):
            raise AdapterUnavailable(feature=feature, module=module) from exc
        if extra is not None:
            raise ExtraMissing(feature=feature, extra=extra) from exc
        raise


def database_connector(url: str, *, label: str) -> Callable[[], Any]:
    """A function opening a DB-API connection to the SQL database *url* names.

    ``sqlite:///abs/path`` opens the file with :mod:`sqlite3`, read-only; when the file
    is an amparex store, an authorizer keeps statistic queries away from the interface
    settings, which hold the card contract key (CO1). ``postgresql://…`` opens with
    psycopg (extra ``postgres``); there the database role of the URL decides what a query
    may read: give statistics a role that cannot read the store's ``interfaces`` table.

    Raises:
        ConfigInvalid: The URL names no SQL database.
        ExtraMissing: psycopg is not installed.
    """
    scheme, sep, rest = url.partition("://")
    if sep and scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
        import sqlite3
        import urllib.parse

        path = rest[1:] if rest.startswith("//") else rest
        path = urllib.parse.unquote(path.partition("?")[0])
        uri = f"file:{urllib.parse.quote(path)}?mode=ro"

        def connect_sqlite() -> Any:
            connection = sqlite3.connect(uri, uri=True)
            try:
                is_store = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'amparex_schema'"
                ).fetchone()
            except BaseException:
                connection.close()
                raise
            if is_store:  # an amparex store: its secrets are not for statistics (CO1)
                connection.set_authorizer(_statistics_authorizer)
            return connection

        return connect_sqlite
    if sep and scheme in ("postgresql", "postgres"):
        try:
            psycopg = importlib.import_module("psycopg")
        except ImportError as exc:
            raise ExtraMissing(feature="statistics on PostgreSQL", extra="postgres") from exc

        def connect_postgres() -> Any:
            return psycopg.connect(url)

        return connect_postgres
    raise ConfigInvalid(
        path=label, key="statistics.url", reason="a sqlite:///abs/path or postgresql:// URL"
    )


_SECRET_COLUMNS = frozenset({("interfaces", "data")})
"""Columns of the store that hold secrets (the card-order settings with the key, CO1)."""


def _statistics_authorizer(
    action: int, first: str | None, second: str | None, _db: str | None, _trigger: str | None
) -> int:
    """SQLite authorizer of statistic queries on the store's own file.

    Statistic templates come with the master data and often run on the store's SQLite
    file (the default ``statistics.url``): they must not read the interface settings,
    where the card contract key lives (CO1), nor attach another database. A query that
    tries is refused by SQLite ("not authorized") and fails as ``statistic.failed``.
    """
    import sqlite3

    if action == sqlite3.SQLITE_READ and (first, second) in _SECRET_COLUMNS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_ATTACH:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


MasterItem = Branch | Customer | Employee | DocumentTemplate | StatisticTemplate


class _MasterDataWriter(Protocol):
    def add(self, *items: MasterItem) -> None: ...


class _NoParcelDelivery:
    """Stands in when ``[card_order.delivery]`` is not configured: every send is refused."""

    destination = "-"

    def __init__(self, label: str) -> None:
        self._label = label

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        raise DeliveryFailed(
            destination="-",
            item=parcel.id,
            reason=f"no [card_order.delivery] in the configuration {self._label}",
        )


class Composition:
    """Adapters and services built on first use from one configuration.

    Args:
        config: The configuration.
        secrets: The run's secrets.
        clock: The time; the system clock by default.
    """

    def __init__(self, config: Config, secrets: Secrets, *, clock: Clock | None = None) -> None:
        self.config = config
        self.secrets = secrets
        self._clock = clock
        self._closers: list[Callable[[], None]] = []

    def close(self) -> None:
        """Release the store and every other resource opened."""
        while self._closers:
            closer = self._closers.pop()
            with contextlib.suppress(Exception):
                closer()

    # ------------------------------------------------------------ chain facts

    @cached_property
    def clock(self) -> Clock:
        """The clock."""
        if self._clock is not None:
            return self._clock
        from amparex_adapters.clock.system import SystemClock

        return SystemClock()

    @cached_property
    def tz(self) -> ZoneInfo:
        """The chain's time zone."""
        return ZoneInfo(self.config.chain.time_zone)

    @cached_property
    def card_numbers(self) -> CardNumberFormat:
        """The chain's card-number format."""
        chain = self.config.chain
        return CardNumberFormat(prefix=chain.card_number_prefix, length=chain.card_number_length)

    @cached_property
    def chain(self) -> ChainSettings:
        """Name, time zone, price list and card-number format."""
        cfg = self.config.chain
        prices = PriceList(
            cfg.prices.currency,
            {
                CostItem.CARD_CHIP: cfg.prices.card_chip,
                CostItem.CARD_NFC_RFID: cfg.prices.card_nfc_rfid,
                CostItem.GIFT_BOX: cfg.prices.gift_box,
                CostItem.ROLLER_CLIP: cfg.prices.roller_clip,
            },
        )
        return ChainSettings(
            name=cfg.name, tz=self.tz, prices=prices, card_numbers=self.card_numbers
        )

    @property
    def workstation(self) -> str:
        """This computer's name."""
        return self.config.workstation_name

    @property
    def branch(self) -> str | None:
        """This computer's branch."""
        return self.config.workstation.branch

    # ------------------------------------------------------------ adapters

    @cached_property
    def storage(self) -> Storage:
        """The store named by ``[storage]``."""
        module = load_adapter("amparex_adapters.storage", feature="the storage")
        url = self.config.storage_url
        extra = "postgres" if url.startswith("postgres") else None
        try:
            storage: Storage = module.open_storage(url)
        except MissingExtraError as exc:
            raise ExtraMissing(feature="the PostgreSQL store", extra=extra or "all") from exc
        self._closers.append(storage.close)
        return storage

    @cached_property
    def masterdata(self) -> MasterData:
        """Master data in the store's tables (SQLite, PostgreSQL); in memory for memory://."""
        storage = self.storage
        sql = load_adapter("amparex_adapters.storage._sql", feature="the SQL store")
        if not isinstance(storage, sql.SqlStorage):
            from amparex_adapters.masterdata.memory import MemoryMasterData

            return MemoryMasterData()
        module = load_adapter("amparex_adapters.masterdata.sql", feature="SQL master data")
        data: MasterData = module.SqlMasterData(storage)
        return data

    def add_masterdata(self, *items: MasterItem) -> None:
        """Add or replace master-data records (the demo, tests)."""
        writer = cast("_MasterDataWriter", self.masterdata)
        writer.add(*items)

    def import_masterdata(self, path: Path) -> dict[str, int]:
        """Import a master-data bundle (TOML or JSON) into the store's tables.

        Raises:
            MasterDataInvalid: The bundle has bad records (nothing is imported).
            ConfigInvalid: The store keeps no master-data tables (``memory://``).
        """
        importer = getattr(self.masterdata, "import_bundle", None)
        if importer is None:
            raise ConfigInvalid(
                path=self.config.label,
                key="storage",
                reason="master data can be imported into a SQLite or PostgreSQL store only",
            )
        counts: dict[str, int] = importer(path)
        return counts

    @cached_property
    def statistics(self) -> StatisticSource:
        """Runs statistic templates on the master-data database (LL5)."""
        module = load_adapter("amparex_adapters.statistics.sql", feature="SQL statistics")
        source: StatisticSource = module.SqlStatisticSource(
            database_connector(self.config.statistics_url, label=self.config.label)
        )
        return source

    @cached_property
    def exports(self) -> ExportTarget:
        """The workstation's export folders (LL4, LL6, LL7)."""
        module = load_adapter("amparex_adapters.exports.folder", feature="the export folder")
        target: ExportTarget = module.FolderExportTarget()
        return target

    @cached_property
    def renderer(self) -> DocumentRenderer:
        """Fills document templates into the batch PDF (CO16)."""
        if self.config.card_order.renderer == "text":
            from amparex_adapters.documents.text import TextPdfRenderer

            return TextPdfRenderer()
        module = load_adapter(
            "amparex_adapters.documents.pdf", feature="the PDF form renderer", extra="pdf"
        )
        renderer: DocumentRenderer = module.PdfFormRenderer()
        return renderer

    def _build(self, section: str, factory: Callable[[], Any]) -> Any:
        """Call an adapter's constructor; a value it refuses is a configuration error."""
        try:
            return factory()
        except (ValueError, TypeError) as exc:
            raise ConfigInvalid(path=self.config.label, key=section, reason=str(exc)) from None

    def _closing(self, delivery: FileDelivery) -> FileDelivery:
        """Close *delivery*'s connection with the composition (SFTP and FTP keep one open)."""
        close = getattr(delivery, "close", None)
        if close is not None:
            self._closers.append(close)
        return delivery

    def file_delivery(self, section: str, cfg: DeliveryConfig, secret_prefix: str) -> FileDelivery:
        """A file delivery (folder, SFTP, FTP, FTPS) from a configuration section."""
        kind = cfg.transport if cfg.kind == "files" else cfg.kind
        if kind == "folder":
            module = load_adapter("amparex_adapters.delivery.folder", feature="folder delivery")
            assert cfg.folder is not None
            delivery: FileDelivery = module.FolderDelivery(self.config.resolve_path(cfg.folder))
            return delivery
        password = self.secrets.get(f"{secret_prefix}_password")
        if kind == "sftp":
            module = load_adapter(
                "amparex_adapters.delivery.sftp", feature="SFTP delivery", extra="sftp"
            )
            options: dict[str, Any] = {
                "username": cfg.username,
                "remote_dir": cfg.remote_dir,
                "port": cfg.port or 22,
                "password": password,
                "passphrase": self.secrets.get(f"{secret_prefix}_passphrase"),
                "host_key_fingerprint": cfg.host_key_fingerprint,
                "accept_new_host_key": cfg.accept_new_host_key,
                "timeout": cfg.timeout,
            }
            if cfg.key_file:
                options["key_file"] = self.config.resolve_path(cfg.key_file)
            if cfg.known_hosts:
                options["known_hosts"] = self.config.resolve_path(cfg.known_hosts)
            return self._closing(
                cast(
                    "FileDelivery",
                    self._build(section, lambda: module.SftpDelivery(cfg.host, **options)),
                )
            )
        if kind in ("ftp", "ftps"):
            module = load_adapter(
                "amparex_adapters.delivery.ftp", feature="FTP delivery", extra="ftp"
            )
            ftp_options: dict[str, Any] = {
                "username": cfg.username,
                "password": self.secrets.require(f"{secret_prefix}_password"),
                "remote_dir": cfg.remote_dir,
                "port": cfg.port or 21,
                "tls": kind == "ftps",
                "allow_plain": cfg.allow_plain,
                "timeout": cfg.timeout,
            }
            if cfg.ca_file:
                ftp_options["ca_file"] = self.config.resolve_path(cfg.ca_file)
            return self._closing(
                cast(
                    "FileDelivery",
                    self._build(section, lambda: module.FtpDelivery(cfg.host, **ftp_options)),
                )
            )
        raise ConfigInvalid(  # pragma: no cover - checked when loading
            path=self.config.label, key=f"{section}.kind", reason=f"unknown kind {kind!r}"
        )

    @cached_property
    def upload_delivery(self) -> FileDelivery | None:
        """Where Loyalty Lab files go (``[loyalty_lab.upload]``); ``None``: export only."""
        cfg = self.config.loyalty_lab.upload
        if cfg is None:
            return None
        return self.file_delivery("loyalty_lab.upload", cfg, "upload")

    @cached_property
    def parcel_delivery(self) -> ParcelDelivery:
        """Where card-order batches go (``[card_order.delivery]``, CO18)."""
        cfg = self.config.card_order.delivery
        if cfg is None:
            return _NoParcelDelivery(self.config.label)
        if cfg.kind == "smtp":
            module = load_adapter(
                "amparex_adapters.delivery.smtp", feature="e-mail delivery", extra="smtp"
            )
            options: dict[str, Any] = {
                "sender": cfg.sender,
                "recipients": list(cfg.recipients),
                "security": cfg.security,
                "allow_plain": cfg.allow_plain,
                "username": cfg.username,
                "password": self.secrets.get("smtp_password") if cfg.username else None,
                "timeout": cfg.timeout,
            }
            if cfg.ca_file:
                options["ca_file"] = self.config.resolve_path(cfg.ca_file)
            return cast(
                "ParcelDelivery",
                self._build(
                    "card_order.delivery",
                    lambda: module.SmtpParcelDelivery(cfg.host, cfg.port, **options),
                ),
            )
        files = load_adapter("amparex_adapters.delivery.files", feature="parcels as files")
        transport = self.file_delivery("card_order.delivery", cfg, "parcel")
        return cast("ParcelDelivery", files.FilesParcelDelivery(transport))

    def reader(self, spec: str | None = None) -> CardReader:
        """The card reader *spec* names (``pcsc[:NAME]``, ``nfc:PATH``, ``scripted``).

        Raises:
            ConfigInvalid: *spec* names no kind of reader.
            ExtraMissing: The reader's extra is not installed.
        """
        spec = spec or self.config.reader.default
        kind, _, arg = spec.partition(":")
        if kind == "scripted":
            from amparex_adapters.readers.scripted import ScriptedReader, VirtualCard

            reader = ScriptedReader()
            cfg = self.config.reader
            if cfg.scripted_uid:
                reader.present(
                    VirtualCard(
                        uid=CardUid.parse(cfg.scripted_uid),
                        stored=cfg.scripted_card_number or None,
                    )
                )
            return reader
        if kind == "pcsc":
            module = load_adapter(
                "amparex_adapters.readers.pcsc", feature="the PC/SC reader", extra="pcsc"
            )
            pcsc: CardReader = module.PcscReader(arg or None)
            close = getattr(pcsc, "close", None)
            if close is not None:
                self._closers.append(close)
            return pcsc
        if kind == "nfc" and arg:
            module = load_adapter(
                "amparex_adapters.readers.nfc", feature="the NFC reader", extra="nfc"
            )
            nfc: CardReader = module.NfcReader(arg)
            close = getattr(nfc, "close", None)
            if close is not None:
                self._closers.append(close)
            return nfc
        raise ConfigInvalid(
            path=self.config.label,
            key="reader.default",
            reason=f"{spec!r} is not pcsc, pcsc:NAME, nfc:PATH or scripted",
        )

    # ------------------------------------------------------------ services

    @cached_property
    def interfaces(self) -> InterfaceService:
        """Interface configuration (IF1–IF9)."""
        return InterfaceService(self.storage, masterdata=self.masterdata, exports=self.exports)

    def interfaces_without_checks(self) -> InterfaceService:
        """Interface search and removal: needs neither master data nor folders."""
        return InterfaceService(self.storage)

    @cached_property
    def templates(self) -> TemplateService:
        """Card templates (CO3, CO4, CO8)."""
        return TemplateService(self.storage, self.masterdata, renderer=self.renderer)

    @cached_property
    def orders(self) -> OrderService:
        """Card ordering (CO1–CO18)."""
        return OrderService(
            store=self.storage,
            templates=self.storage,
            interfaces=self.interfaces_without_checks(),
            masterdata=self.masterdata,
            renderer=self.renderer,
            delivery=self.parcel_delivery,
            clock=self.clock,
            chain=self.chain,
        )

    @cached_property
    def desk(self) -> CardDesk:
        """The card desk (CR1–CR5)."""
        return CardDesk(
            store=self.storage,
            masterdata=self.masterdata,
            clock=self.clock,
            tz=self.tz,
            card_numbers=self.card_numbers,
        )

    @cached_property
    def loyalty_lab(self) -> LoyaltyLab:
        """The Loyalty Lab start-up job (LL5–LL8)."""
        delivery_for: Callable[[InterfaceConfig], FileDelivery] | None = None
        upload = self.upload_delivery
        if upload is not None:

            def delivery_for(_config: InterfaceConfig) -> FileDelivery:
                return upload

        return LoyaltyLab(
            interfaces=self.interfaces_without_checks(),
            masterdata=self.masterdata,
            statistics=self.statistics,
            exports=self.exports,
            ledger=self.storage,
            clock=self.clock,
            tz=self.tz,
            delivery_for=delivery_for,
        )

    @cached_property
    def program_start(self) -> ProgramStart:
        """The job of a program start (LL5–LL8), in the single-workstation mode (CO16, CO20).

        Due card orders are dispatched when a card-ordering interface is available; the
        order service is built only then.
        """
        return ProgramStart(
            loyalty_lab=self.loyalty_lab,
            interfaces=self.interfaces_without_checks(),
            clock=self.clock,
            tz=self.tz,
            orders=lambda: self.orders,
            dispatch_card_orders=True,
        )
