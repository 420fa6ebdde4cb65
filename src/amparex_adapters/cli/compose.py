"""The composition root of the ``amparex`` command: configuration in, wired services out.

Wiring only: each adapter comes from its family's opener
(:func:`~amparex_adapters.storage.open_storage`,
:func:`~amparex_adapters.delivery.open_file_delivery`, …), called with the kind and the
options the configuration names (:mod:`amparex_adapters.cli.config`) and the run's
secrets; which adapter a kind means is the openers' registries' business
(:mod:`amparex_adapters.registry`), so an adapter another distribution installs is used
like a built-in one.

Each adapter is imported only when the configuration selects it and a command needs it,
so ``amparex --help`` loads no database driver, SSH or PDF library. A missing extra is
reported as one line naming the extra to install (``config.extra_missing``), a value an
adapter refuses as ``config.invalid`` naming the key, a kind nobody installed as
``adapter.unknown`` listing the kinds installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import logging
import re
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias, TypeVar, cast
from zoneinfo import ZoneInfo

from amparex_adapters._extras import MissingExtraError
from amparex_adapters._modes import parse_mode
from amparex_adapters.delivery import open_file_delivery, open_parcel_delivery
from amparex_adapters.i18n import _
from amparex_adapters.masterdata import open_masterdata
from amparex_adapters.registry import (
    DOCUMENTS,
    FILE_DELIVERY,
    MASTERDATA,
    PARCEL_DELIVERY,
    READERS,
    STATISTICS,
    STORAGE,
    Registry,
)
from amparex_adapters.statistics import open_statistics
from amparex_adapters.storage import open_storage, sqlite_file
from amparex_core.domain.claims import RetryPolicy
from amparex_core.domain.errors import AdapterUnknown, AmparexError
from amparex_core.domain.interfaces import InterfaceConfig
from amparex_core.domain.secret import SecretRef
from amparex_core.services import (
    Claimant,
    InterfaceService,
    LoyaltyLab,
    ProgramStart,
    Retention,
)

if TYPE_CHECKING:  # imported where used: a program start needs none of them
    from amparex_core.domain.cards import CardNumberFormat
    from amparex_core.domain.masterdata import (
        Branch,
        Customer,
        DocumentTemplate,
        Employee,
        StatisticTemplate,
    )
    from amparex_core.ports.clock import Clock
    from amparex_core.ports.delivery import FileDelivery, ParcelDelivery
    from amparex_core.ports.documents import DocumentRenderer
    from amparex_core.ports.exports import ExportTarget
    from amparex_core.ports.masterdata import MasterData, MasterDataSearch
    from amparex_core.ports.readers import CardReader
    from amparex_core.ports.statistics import StatisticSource
    from amparex_core.ports.storage import Storage
    from amparex_core.services import CardDesk, ChainSettings, OrderService, TemplateService
    from amparex_core.services.alerting import Alerting
    from amparex_core.services.runlog import RunRecorder
    from amparex_core.services.server import ChainServer
    from amparex_core.services.status import ChainStatus

from . import _compose_operations as operations
from .config import Config, DeliveryConfig, Secrets, check_reader_spec
from .errors import AdapterUnavailable, ConfigInvalid, ExtraMissing

__all__ = ["Composition", "load_adapter"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def load_adapter(module: str, *, feature: str, extra: str | None = None) -> ModuleType:
    """Import the adapter module *module*.

    Raises:
        ExtraMissing: Its third-party library is not installed (names *extra*).
        AdapterUnavailable: This installation has no such adapter.
    """
    with _importing(feature, module, extra):
        return importlib.import_module(module)


@contextlib.contextmanager
def _importing(feature: str, module: str, extra: str | None) -> Iterator[None]:
    """Turn the import errors of opening an adapter into the command's refusals.

    Raises:
        ExtraMissing: A library of *extra* is missing.
        AdapterUnavailable: *module* itself is missing.
    """
    try:
        yield
    except MissingExtraError as exc:
        found = re.search(r"\[(\w+)\]", str(exc))
        raise ExtraMissing(feature=feature, extra=extra or (found[1] if found else "all")) from exc
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (missing == module or module.startswith(missing + ".")):
            raise AdapterUnavailable(feature=feature, module=module) from exc
        if extra is not None:
            raise ExtraMissing(feature=feature, extra=extra) from exc
        raise


def _scheme(url: str) -> str:
    """The scheme of a URL, lower case (``""`` when it is no URL)."""
    scheme, sep, _rest = url.partition("://")
    return scheme.lower() if sep else ""


def _entry(registry: Registry, kind: str) -> tuple[str, str | None]:
    """The module and the extra of the entry point of *kind* (``("", None)``: unknown)."""
    try:
        entry = registry.entry_point(kind)
    except AdapterUnknown:
        return "", None
    return entry.module, (entry.extras[0] if entry.extras else None)


MasterItem: TypeAlias = "Branch | Customer | Employee | DocumentTemplate | StatisticTemplate"


class _MasterDataWriter(Protocol):
    def add(self, *items: MasterItem) -> None: ...


_UNEXPECTED: Final = re.compile(r"unexpected keyword argument '(\w+)'")
_MISSING: Final = re.compile(r"missing \d+ required (?:keyword-only |positional )?arguments?: (.+)")


def _refused_option(key: str, exc: Exception) -> tuple[str, str]:
    """The key and reason of an adapter's factory refusing the options of section *key*.

    Python's own words for a bad call (``got an unexpected keyword argument 'box'``)
    become the configuration's (``KEY.box: unknown key``).
    """
    text = " ".join(str(exc).split())
    if isinstance(exc, TypeError):
        if found := _UNEXPECTED.search(text):
            return f"{key}.{found[1]}", _("unknown key")
        if found := _MISSING.search(text):
            names = found[1].replace("'", "").replace(" and ", ", ")
            return key, _("required key missing: {names}").format(names=names)
    return key, text


class Composition:
    """Adapters and services built on first use from one configuration.

    Args:
        config: The configuration.
        secrets: The run's secrets.
        clock: The time; the system clock by default.
        read_only: The command only reads: a SQLite store whose file does not exist is
            not created; an empty store stands in for it (logged as a WARNING, OP4).
        report_at_rest: When the store is opened, log a WARNING if it keeps a
            card-contract key in clear text (a store of 0.1.0, OP6).
    """

    def __init__(
        self,
        config: Config,
        secrets: Secrets,
        *,
        clock: Clock | None = None,
        read_only: bool = False,
        report_at_rest: bool = True,
    ) -> None:
        self.config = config
        self.secrets = secrets
        self._clock = clock
        self._read_only = read_only
        self._report_at_rest = report_at_rest
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
        from amparex_core.domain.cards import CardNumberFormat

        chain = self.config.chain
        return CardNumberFormat(prefix=chain.card_number_prefix, length=chain.card_number_length)

    @cached_property
    def chain(self) -> ChainSettings:
        """Name, time zone, price list and card-number format."""
        from amparex_core.domain.money import CostItem, MoneyFormat, PriceList
        from amparex_core.services.orders import ChainSettings

        cfg = self.config.chain
        prices = PriceList(
            cfg.prices.currency,
            {
                CostItem.CARD_CHIP: cfg.prices.card_chip,
                CostItem.CARD_NFC_RFID: cfg.prices.card_nfc_rfid,
                CostItem.GIFT_BOX: cfg.prices.gift_box,
                CostItem.ROLLER_CLIP: cfg.prices.roller_clip,
                **({} if cfg.prices.shipping is None else {CostItem.SHIPPING: cfg.prices.shipping}),
            },
        )
        return ChainSettings(
            name=cfg.name,
            tz=self.tz,
            prices=prices,
            card_numbers=self.card_numbers,
            money=MoneyFormat.for_locale(cfg.locale, symbol=cfg.currency_symbol),
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

    def _open(self, key: str, registry: Registry, kind: str, opener: Callable[[], T]) -> T:
        """Call an opener for the adapter of *kind* (a registry's), as the command reports it.

        Raises:
            ConfigInvalid: The adapter refused a value or an option (*key* names the
                configuration's key).
            ExtraMissing: The adapter's extra is not installed.
            AdapterUnavailable: The adapter's module is missing from the installation.
            AdapterUnknown: No installed adapter has *kind*.
        """
        module, extra = _entry(registry, kind)
        with _importing(f"the {registry.family} adapter {kind!r}", module, extra):
            try:
                return opener()
            except AmparexError:
                raise
            except (ValueError, TypeError) as exc:
                where, reason = _refused_option(key, exc)
                raise ConfigInvalid(path=self.config.label, key=where, reason=reason) from None

    def _closing(self, adapter: T) -> T:
        """Close *adapter* with the composition, if it has ``close()`` (a connection kept)."""
        close = getattr(adapter, "close", None)
        if close is not None:
            self._closers.append(close)
        return adapter

    @cached_property
    def storage(self) -> Storage:
        """The store named by ``[storage]`` (:func:`~amparex_adapters.storage.open_storage`)."""
        url = self.config.storage_url
        options = self.config.storage.options()
        if self._read_only:
            missing = sqlite_file(url)
            if missing is not None and Path(missing).parent.is_dir() and not Path(missing).exists():
                logger.warning(
                    "the store %s does not exist: nothing to show (a command that only reads "
                    "never creates it)",
                    missing,
                )
                return open_storage("memory://")
        storage = self._closing(
            self._open("storage", STORAGE, _scheme(url), lambda: open_storage(url, **options))
        )
        if self._report_at_rest:
            InterfaceService(storage).report_keys_in_clear()
        return storage

    def open_store(self, *, schema: str) -> Storage:
        """Another connection to the store of ``[storage]``, opened with the *schema* policy.

        For ``amparex db``: ``"inspect"`` (look, change nothing) or ``"upgrade"``; see
        :data:`~amparex_adapters.storage.sql.core.SchemaPolicy`. Closed with the composition.
        """
        url = self.config.storage_url
        options = {**self.config.storage.options(), "schema": schema}
        return self._closing(
            self._open("storage", STORAGE, _scheme(url), lambda: open_storage(url, **options))
        )

    def scrub_store(self) -> None:
        """Rewrite the store's files so nothing replaced is left in them, if it can (OP6)."""
        scrub = getattr(self.storage, "scrub_freed_space", None)
        if scrub is not None:
            scrub()

    def card_key_ref(self) -> SecretRef:
        """The reference a card-ordering configuration keeps instead of its key (OP6).

        Raises:
            SecretMissing: The secret ``card_key`` is set nowhere.
        """
        self.secrets.require("card_key")
        return SecretRef("card_key")

    @cached_property
    def masterdata(self) -> MasterData:
        """The master data ``[masterdata]`` names: the store's tables by default.

        In a SQLite or PostgreSQL store; in memory for ``memory://``.
        """
        cfg = self.config.masterdata
        storage = self.storage
        return self._open(
            "masterdata",
            MASTERDATA,
            cfg.kind,
            lambda: open_masterdata(cfg.kind, storage=storage, **cfg.options),
        )

    def searchable_masterdata(self) -> MasterDataSearch:
        """The master data, when its adapter can list and search (``masterdata list``).

        Raises:
            ConfigInvalid: The adapter of ``[masterdata] kind`` has no search.
        """
        from amparex_core.ports.masterdata import MasterDataSearch

        data = self.masterdata
        if not isinstance(data, MasterDataSearch):
            raise ConfigInvalid(
                path=self.config.label,
                key="masterdata.kind",
                reason=_(
                    "the master data of kind {kind!r} cannot be listed: "
                    "its adapter offers no search"
                ).format(kind=self.config.masterdata.kind),
            )
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
                reason=_("master data can be imported into a SQLite or PostgreSQL store only"),
            )
        counts: dict[str, int] = importer(path)
        return counts

    @cached_property
    def statistics(self) -> StatisticSource:
        """Runs statistic templates on the database of ``[statistics] url`` (LL5).

        On the store's own SQLite file (the default) the source never reads the store's
        secrets (CO1, :mod:`amparex_adapters.statistics.sql`).
        """
        url = self.config.statistics_url
        return self._open("statistics.url", STATISTICS, _scheme(url), lambda: open_statistics(url))

    @cached_property
    def exports(self) -> ExportTarget:
        """The workstation's export folders (LL4, LL6, LL7); relative to the configuration's."""
        module = load_adapter("amparex_adapters.exports.folder", feature="the export folder")
        lab = self.config.loyalty_lab
        options: dict[str, object] = {"base": self.config.base}
        if lab.file_mode is not None:
            options["file_mode"] = parse_mode(lab.file_mode)
        if lab.group is not None:
            options["group"] = lab.group
        target: ExportTarget = module.FolderExportTarget(**options)
        return target

    @cached_property
    def renderer(self) -> DocumentRenderer:
        """Fills document templates into the batch PDF (CO16), ``[card_order] renderer``."""
        from amparex_adapters.documents import open_renderer

        kind = self.config.card_order.renderer
        return self._open("card_order.renderer", DOCUMENTS, kind, lambda: open_renderer(kind))

    def file_delivery(self, section: str, cfg: DeliveryConfig, secret_prefix: str) -> FileDelivery:
        """The file delivery a configuration section names (folder, SFTP, FTP(S), …)."""
        options = cfg.opener_options(
            resolve=self.config.resolve_path, secrets=self.secrets, prefix=secret_prefix
        )
        return self._closing(
            self._open(
                section, FILE_DELIVERY, cfg.kind, lambda: open_file_delivery(cfg.kind, **options)
            )
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
            from ._no_delivery import NoParcelDelivery

            return NoParcelDelivery(self.config.label)
        options = cfg.opener_options(
            resolve=self.config.resolve_path, secrets=self.secrets, prefix="parcel"
        )
        return self._closing(
            self._open(
                "card_order.delivery",
                PARCEL_DELIVERY,
                cfg.kind,
                lambda: open_parcel_delivery(cfg.kind, **options),
            )
        )

    def reader(self, spec: str | None = None) -> CardReader:
        """The card reader *spec* names (``pcsc[:NAME]``, ``nfc:PATH``, ``scripted``, …).

        Raises:
            ConfigInvalid: *spec* is a built-in kind without what it needs, or no kind.
            AdapterUnknown: No installed reader has the kind.
            ExtraMissing: The reader's extra is not installed.
        """
        from amparex_adapters.readers import open_reader

        spec = spec or self.config.reader.default
        shown = _("{spec!r} is not pcsc, pcsc:NAME, nfc:PATH or scripted").format(spec=spec)
        check_reader_spec(self.config.label, spec, shown=shown)
        options = self.config.reader.options(spec)
        return self._closing(
            self._open(
                "reader.default",
                READERS,
                spec.partition(":")[0],
                lambda: open_reader(spec, **options),
            )
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
        from amparex_core.services.templates import TemplateService

        return TemplateService(self.storage, self.masterdata, renderer=self.renderer)

    def claimant(self, name: str) -> Claimant:
        """Who claims uploads and batch deliveries as *name* (CO19, LL8): ``[claims] lease``.

        Its process table is this host's (:mod:`amparex_adapters.processes.local`), so a
        claim whose process died on this host is taken over at once.
        """
        from amparex_adapters.processes.local import LocalProcessTable

        return Claimant(
            name,
            processes=LocalProcessTable(),
            lease=dt.timedelta(seconds=self.config.claims.lease),
        )

    @cached_property
    def workstation_claimant(self) -> Claimant:
        """This workstation as a claim holder (its name from ``[workstation]``)."""
        return self.claimant(self.workstation)

    def order_service(self, claimant: Claimant) -> OrderService:
        """Card ordering whose batch deliveries are claimed by *claimant* (CO1–CO19)."""
        from amparex_core.services.orders import OrderService

        cfg = self.config.server
        return OrderService(
            store=self.storage,
            templates=self.storage,
            interfaces=self.interfaces_without_checks(),
            masterdata=self.masterdata,
            renderer=self.renderer,
            delivery=self.parcel_delivery,
            clock=self.clock,
            chain=self.chain,
            claimant=claimant,
            retry=RetryPolicy(
                first=dt.timedelta(seconds=cfg.retry_first),
                longest=dt.timedelta(seconds=cfg.retry_max),
            ),
        )

    @cached_property
    def orders(self) -> OrderService:
        """Card ordering (CO1–CO19), its deliveries claimed by this workstation."""
        return self.order_service(self.workstation_claimant)

    @cached_property
    def desk(self) -> CardDesk:
        """The card desk (CR1–CR5)."""
        from amparex_core.services.cards import CardDesk

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

        return LoyaltyLab(  # master data and statistics: opened by the first export
            interfaces=self.interfaces_without_checks(),
            masterdata=lambda: self.masterdata,
            statistics=lambda: self.statistics,
            exports=self.exports,
            ledger=self.storage,
            clock=self.clock,
            tz=self.tz,
            delivery_for=delivery_for,
            claimant=self.workstation_claimant,
        )

    def retention(self, days: int | None = None) -> Retention | None:
        """Removes uploaded exports older than *days* (LL11).

        *days* defaults to ``[loyalty_lab] retention_days``; ``None`` when neither gives a
        limit.
        """
        days = self.config.loyalty_lab.retention_days if days is None else days
        if days is None:
            return None
        upload = self.upload_delivery
        return Retention(
            exports=self.exports,
            ledger=self.storage,
            clock=self.clock,
            delivery_for=None if upload is None else (lambda _config: upload),
            older_than=dt.timedelta(days=days),
        )

    def upload_destination(self) -> str | None:
        """Where ``[loyalty_lab.upload]`` sends files (recorded by new configurations, LL10).

        ``None`` when no upload is configured or it cannot be opened here (a secret it
        needs is not set on this computer).
        """
        try:
            upload = self.upload_delivery
        except AmparexError:
            return None
        return None if upload is None else upload.destination

    @cached_property
    def program_start(self) -> ProgramStart:
        """The job of a program start (LL5–LL8; CO16 and CO20 by ``[card_order] dispatch``).

        With ``dispatch = "startup"`` (the default on a SQLite or memory store) due card
        orders are dispatched when a card-ordering interface is available — the order
        service is built only then; with ``"server"`` (the default on a shared store) a
        start never dispatches: ``amparex serve`` does.
        """
        return ProgramStart(
            loyalty_lab=self.loyalty_lab,
            interfaces=self.interfaces_without_checks(),
            clock=self.clock,
            tz=self.tz,
            orders=lambda: self.orders,
            dispatch_card_orders=self.config.card_order_dispatch == "startup",
            runs=self.run_recorder,
            retention=self.retention(),
        )

    @cached_property
    def run_recorder(self) -> RunRecorder | None:
        """Records runs in the store's run log (OP1; ``[run_log]``); ``None``: no run log."""
        return operations.run_recorder(self.storage, self.clock, self.config)

    @cached_property
    def chain_status(self) -> ChainStatus:
        """The chain at a glance (OP2; ``[status]``); see :func:`.operations.chain_status`."""
        return operations.chain_status(self.storage, self.clock, self.tz, self.config)

    def start_metrics(self) -> Callable[[], None] | None:
        """Start ``amparex serve``'s metrics endpoint (``[server] metrics_port``), if any.

        Returns:
            A function that stops it; ``None`` when no port is configured.

        Raises:
            ExtraMissing: prometheus-client is not installed.
            MetricsUnavailable: The port cannot be bound.
        """
        return operations.start_metrics(
            self.config, self.chain_status, self.storage, self.clock, self.tz
        )

    @cached_property
    def alerting(self) -> Alerting | None:
        """Alerts through ``[alerts]`` (OP3); ``None`` when none is configured."""
        cfg = self.config.alerts
        if cfg is None:
            return None
        options = cfg.opener_options(
            resolve=self.config.resolve_path, secrets=self.secrets, prefix="parcel"
        )
        opener = functools.partial(open_parcel_delivery, cfg.kind, **options)
        parcels = self._closing(self._open("alerts", PARCEL_DELIVERY, cfg.kind, opener))
        return operations.alerting(self.storage, parcels, self.clock, self.tz)

    @cached_property
    def server(self) -> ChainServer:
        """The chain's server-side jobs (``amparex serve``, CO20): ``[server]``.

        Each tick is recorded in the run log (OP1); with ``[alerts]`` the problems are
        checked every ``[status] alert_every`` seconds (OP3).
        """
        from amparex_core.services.server import ChainServer

        cfg = self.config.server
        hooks = operations.server_hooks(self.config, self.run_recorder, self.alerting, self)
        return ChainServer(
            orders=self.order_service(self.claimant(self.config.server_name)),
            templates=self.storage,
            store=self.storage,
            clock=self.clock,
            tz=self.tz,
            recheck=dt.timedelta(seconds=cfg.recheck),
            hooks=hooks,
        )
