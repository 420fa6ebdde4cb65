"""The TOML configuration of the ``amparex`` command, and its secrets.

Where the file is found: ``--config PATH``, else ``$AMPAREX_CONFIG``, else
``./amparex.toml``. A file named by ``--config`` or ``$AMPAREX_CONFIG`` must exist; when
``./amparex.toml`` does not exist the defaults apply (a SQLite database ``amparex.sqlite``
in the current folder). Relative paths in the file are relative to the file's folder.

Every key, with its default::

    [storage]                    # path or url, not both
    path = "amparex.sqlite"      # a SQLite file, relative to the config's folder
    url = "postgresql://amparex@db.example/amparex"   # or sqlite:b.sqlite, sqlite:///abs, memory://
    timeout = 30.0               # seconds to wait for a lock (SQLite) or a connection
    # PostgreSQL only (also behind PgBouncer in transaction pooling mode):
    pool_min_size = 1            # connections the pool keeps open
    pool_max_size = 4            # connections it opens at most
    connect_timeout = 30.0       # seconds for the server to answer a new connection
    application_name = "amparex" # how pg_stat_activity and PgBouncer show the connections
    prepare_threshold = 5        # unset: no server-side prepared statements (PgBouncer)

    [statistics]
    url = "<storage.url>"        # the database statistic templates run on (SQLite, PostgreSQL)

    [masterdata]
    kind = "store"               # store (the store's tables) | memory

    [chain]
    name = "Filialkette"
    time_zone = "Europe/Berlin"
    card_number_prefix = "9276"
    card_number_length = 12
    locale = "de_DE"             # how amounts are written: 1.234,50 (de_DE, de_AT, de_CH, en_GB …)
    currency_symbol = false      # true: 31,60 € instead of 31,60 EUR

    [chain.prices]               # Decimal amounts as strings (or integers)
    currency = "EUR"
    card_chip = "2.50"
    card_nfc_rfid = "3.90"
    gift_box = "4.00"
    roller_clip = "1.20"
    shipping = "4.90"            # once per batch; no default (no shipping item)

    [workstation]
    name = "<host name>"
    branch = "F01"               # no default

    [loyalty_lab.upload]         # where Loyalty Lab files go (LL8); none: export only
    kind = "sftp"                # folder | sftp | ftp | ftps (| another installed kind)
    host = "ftp.loyaltylab.example"
    port = 22
    username = "kunde4711"
    remote_dir = "in"
    known_hosts = "~/.ssh/known_hosts"       # sftp
    host_key_fingerprint = "SHA256:…"        # sftp, pins the host key
    key_file = "~/.ssh/id_ed25519"           # sftp
    accept_new_host_key = false              # sftp: trust an unknown host key once
    ca_file = "/etc/ssl/loyaltylab-ca.pem"   # ftps
    allow_plain = false                      # ftp: must be true for plain FTP
    folder = "/mnt/outbox"                   # folder
    timeout = 30.0                           # seconds per network operation

    [card_order]
    renderer = "pdf"             # pdf (extra "pdf") | text (| another installed kind)
    dispatch = "startup"         # who dispatches due orders (CO20): "startup" (every
                                 # program start) | "server" (amparex serve only); default:
                                 # "startup" on a SQLite or memory store, else "server"

    [card_order.delivery]        # where card-order batches go (CO18)
    kind = "smtp"                # smtp | files | folder (| another installed kind)
    host = "mail.example"        # smtp
    port = 587
    security = "starttls"        # starttls | tls | plain
    sender = "filiale@example"
    recipients = ["karten@amparex.example"]
    username = "filiale"
    transport = "sftp"           # files: folder | sftp | ftp | ftps, with the keys above
    folder = "/mnt/cards"        # folder (and files over a folder)

    [reader]
    default = "pcsc"             # pcsc[:NAME] | nfc:PATH | scripted (| KIND[:ARG] installed)
    timeout = 10.0
    scripted_uid = "04A22B9C"    # the card the scripted reader shows (tests, training)
    scripted_card_number = ""    # the number stored on it
    scripted_technology = "contactless"      # or "contact" (a chip card, CR6)

    [secrets]
    file = "/etc/amparex/secrets.toml"      # or $AMPAREX_SECRETS_FILE

    [claims]                     # claims on uploads and batch deliveries (CO19, LL8)
    lease = 60.0                 # seconds a claim holds unless renewed (every lease / 3)

    [server]                     # amparex serve, the chain's server-side jobs (CO20)
    name = "<host name>"         # how its claims name it
    recheck = 300.0              # seconds between looks for new or changed work
    retry_first = 60.0           # seconds before the first retry of a failed delivery,
    retry_max = 3600.0           # doubling up to this (± 20 % jitter)

    [run_log]                    # the record of every run (OP1)
    keep_days = 90               # records older than this go as new ones come
    keep_rows = 200000           # at most this many records

    [status]                     # amparex status and the alerts (OP2, OP3)
    silent_after_days = 2.0      # a workstation without a program start this long
    upload_failing_after = 3600.0    # seconds an upload may fail
    batch_undelivered_after = 86400.0  # seconds a batch may stay undelivered
    server_silent_after = 3600.0 # seconds without a server tick (shared store)
    alert_every = 300.0          # seconds between the alert checks of amparex serve

    [alerts]                     # where alerts go (OP3); none: no alert mail
    kind = "smtp"                # any parcel delivery kind, like [card_order.delivery]
    host = "mail.example"
    sender = "amparex@example"
    recipients = ["it@example"]

SQLite files: ``[storage] path`` is a file name or path, relative to the configuration's
folder. In a URL (``[storage] url``, ``[statistics] url``) the forms of RFC 3986 apply:

* ``sqlite:b.sqlite`` or ``sqlite:data/b.sqlite`` (no ``//``) — a relative path, resolved
  against the configuration's folder;
* ``sqlite:///var/lib/amparex/b.sqlite`` — an absolute path (``/var/lib/…``), as
  :func:`~amparex_adapters.storage.open_storage` reads it;
* ``sqlite://`` — a database in memory.

``sqlite:///b.sqlite`` is an absolute path too — a file in the root folder, which
SQLAlchemy's habit of three slashes for a relative path would not expect — so it is
refused with the forms to write instead (``sqlite:////b.sqlite`` when the root folder is
really meant). ``path`` and ``url`` together are refused.

Adapters another distribution installs (entry points, see :mod:`amparex_adapters.registry`)
are chosen by their kind like the built-in ones: a URL scheme in ``[storage] url`` or
``[statistics] url``, a reader spec ``KIND[:ARG]``, a ``renderer``, a ``kind`` of
``[masterdata]``, ``[loyalty_lab.upload]`` or ``[card_order.delivery]``, or a
``transport`` of ``kind = "files"``. The keys of such a section are not checked here: they
go to the adapter's factory as options, as written (a relative path stays relative),
without ``kind`` and ``transport``; a delivery gets the secrets ``password`` and
``passphrase`` of its section (``upload_…`` or ``parcel_…``) too when they are set. The
adapter refuses a key it does not know (``config.invalid``); a kind no installed adapter
has is ``adapter.unknown``, listing those installed.

Secrets never live in the configuration file nor on the command line. Each comes from
its environment variable, else from the secrets file (TOML, same key names), which must be
readable by its owner only (``chmod 600``); a group- or world-accessible file is refused:

* ``card_key`` — ``AMPAREX_CARD_KEY``: the card contract's key (CO1);
* ``upload_password`` — ``AMPAREX_UPLOAD_PASSWORD``: the Loyalty Lab server login;
* ``upload_passphrase`` — ``AMPAREX_UPLOAD_PASSPHRASE``: its SFTP private key;
* ``smtp_password`` — ``AMPAREX_SMTP_PASSWORD``: the e-mail server login;
* ``parcel_password`` — ``AMPAREX_PARCEL_PASSWORD``: card-order files over SFTP/FTP(S);
* ``parcel_passphrase`` — ``AMPAREX_PARCEL_PASSPHRASE``: their SFTP private key.

PostgreSQL passwords go the libpq way (``PGPASSWORD`` or ``~/.pgpass``), never into the URL.
"""

from __future__ import annotations

import math
import os
import socket
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from amparex_core.domain.money import MoneyFormat

from ._kinds import (
    BUILTIN_DELIVERY_KINDS,
    FILE_DELIVERY_KINDS,
    KINDS,
    PARCEL_DELIVERY_KINDS,
    DeliveryKind,
    delivery_options,
    pass_through,
)
from ._operations import RunLogConfig, StatusConfig, check_operations
from ._serving import ClaimsConfig, ServerConfig, check_serving, dispatch_mode
from ._structure import converter, did_you_mean, first_problem
from .errors import ConfigInvalid
from .secrets import (
    SECRET_VARIABLES,
    SECRETS_VARIABLE,
    Secrets,
    check_secrets_file,
    secrets_file_values,
)

__all__ = [
    "FILE_DELIVERY_KINDS",
    "PARCEL_DELIVERY_KINDS",
    "SECRETS_VARIABLE",
    "SECRET_VARIABLES",
    "ChainConfig",
    "ClaimsConfig",
    "Config",
    "DeliveryConfig",
    "DeliveryKind",
    "MasterDataConfig",
    "PricesConfig",
    "Secrets",
    "ServerConfig",
    "check_reader_spec",
    "check_secrets_file",
    "find_config",
    "load_config",
    "secrets_file_values",
    "structure_config",
]

DEFAULT_CONFIG: Final = "amparex.toml"
CONFIG_VARIABLE: Final = "AMPAREX_CONFIG"


@attrs.frozen
class StorageConfig:
    """``[storage]``: where the library keeps its data: a URL, or a SQLite file's path.

    Without either, the SQLite file ``amparex.sqlite`` beside the configuration. The other
    keys are options of the store, passed to :func:`~amparex_adapters.storage.open_storage`
    only when set (:meth:`options`).
    """

    url: str | None = None
    path: str | None = None
    timeout: float | None = None
    pool_min_size: int | None = None
    pool_max_size: int | None = None
    connect_timeout: float | None = None
    application_name: str | None = None
    prepare_threshold: int | None = None

    def options(self) -> dict[str, Any]:
        """The options set, by the names :func:`~amparex_adapters.storage.open_storage` takes."""
        names = {
            "timeout": "timeout",
            "pool_min_size": "min_size",
            "pool_max_size": "max_size",
            "connect_timeout": "connect_timeout",
            "application_name": "application_name",
            "prepare_threshold": "prepare_threshold",
        }
        return {
            option: getattr(self, key)
            for key, option in names.items()
            if getattr(self, key) is not None
        }


@attrs.frozen
class StatisticsConfig:
    """``[statistics]``: the database statistic templates query; default: the store's."""

    url: str | None = None


@attrs.frozen
class MasterDataConfig:
    """``[masterdata]``: where the master data come from; the store's tables by default.

    Attributes:
        options: The other keys of the section, for a kind another distribution installs.
    """

    kind: str = "store"
    options: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class PricesConfig:
    """``[chain.prices]``: the price list of card orders (CO15)."""

    currency: str = "EUR"
    card_chip: Decimal = Decimal("2.50")
    card_nfc_rfid: Decimal = Decimal("3.90")
    gift_box: Decimal = Decimal("4.00")
    roller_clip: Decimal = Decimal("1.20")
    shipping: Decimal | None = None


@attrs.frozen
class ChainConfig:
    """``[chain]``: facts of the whole installation."""

    name: str = "Filialkette"
    time_zone: str = "Europe/Berlin"
    card_number_prefix: str = "9276"
    card_number_length: int = 12
    locale: str = "de_DE"
    currency_symbol: bool = False
    prices: PricesConfig = attrs.field(factory=PricesConfig)


@attrs.frozen
class WorkstationConfig:
    """``[workstation]``: who runs the command; the name defaults to the host name."""

    name: str | None = None
    branch: str | None = None


@attrs.frozen
class DeliveryConfig:
    """A delivery endpoint: ``[loyalty_lab.upload]`` or ``[card_order.delivery]``.

    Attributes:
        options: The section's keys, for a kind (or ``transport``) another distribution
            installs: they are not checked here but passed to its factory.
    """

    kind: str
    folder: str | None = None
    host: str | None = None
    port: int | None = None
    username: str | None = None
    remote_dir: str = "."
    known_hosts: str | None = None
    host_key_fingerprint: str | None = None
    accept_new_host_key: bool = False
    key_file: str | None = None
    ca_file: str | None = None
    allow_plain: bool = False
    transport: str | None = None
    security: Literal["starttls", "tls", "plain"] = "starttls"
    sender: str | None = None
    recipients: list[str] = attrs.field(factory=list)
    timeout: float = 30.0
    options: dict[str, Any] = attrs.field(factory=dict)

    def opener_options(
        self, *, resolve: Callable[[str], Path], secrets: Secrets, prefix: str
    ) -> dict[str, Any]:
        """The options for the opener of this section's kind.

        With ``kind = "files"`` they are those of the ``transport``'s kind, and
        ``transport`` itself. A built-in kind gets the keys it uses that are set (paths
        resolved with *resolve*) and its secrets ``<prefix>_password`` …
        (``smtp_password`` for SMTP), only with a ``username``; another kind gets
        :attr:`options` and the secrets ``password`` and ``passphrase`` that are set.

        Raises:
            SecretMissing: A secret the kind requires is not set (FTP's password).
        """
        return delivery_options(self, resolve=resolve, secrets=secrets, prefix=prefix)


@attrs.frozen
class LoyaltyLabConfig:
    """``[loyalty_lab]``."""

    upload: DeliveryConfig | None = None


@attrs.frozen
class CardOrderConfig:
    """``[card_order]``.

    Attributes:
        dispatch: Who dispatches due card orders (CO20): ``"startup"`` — every program
            start of a workstation (a single-workstation installation); ``"server"`` —
            only ``amparex serve``. ``None``: ``"startup"`` on a SQLite or memory store,
            ``"server"`` on a shared one (:attr:`Config.card_order_dispatch`).
    """

    renderer: str = "pdf"
    delivery: DeliveryConfig | None = None
    dispatch: Literal["startup", "server"] | None = None


@attrs.frozen
class ReaderConfig:
    """``[reader]``: the card reader at the counter."""

    default: str = "pcsc"
    timeout: float = 10.0
    scripted_uid: str | None = None
    scripted_card_number: str | None = None
    scripted_technology: Literal["contact", "contactless"] = "contactless"

    def options(self, spec: str) -> dict[str, Any]:
        """The options for the opener of the reader *spec* names (``scripted``: its card)."""
        if spec.partition(":")[0] != "scripted":
            return {}
        return {
            "uid": self.scripted_uid,
            "card_number": self.scripted_card_number,
            "technology": self.scripted_technology,
        }


@attrs.frozen
class SecretsConfig:
    """``[secrets]``."""

    file: str | None = None


@attrs.frozen
class Config:
    """The whole configuration.

    Attributes:
        path: The file it was read from; ``None`` when only defaults apply.
        base: The folder relative paths are resolved against.
    """

    storage: StorageConfig = attrs.field(factory=StorageConfig)
    statistics: StatisticsConfig = attrs.field(factory=StatisticsConfig)
    masterdata: MasterDataConfig = attrs.field(factory=MasterDataConfig)
    chain: ChainConfig = attrs.field(factory=ChainConfig)
    workstation: WorkstationConfig = attrs.field(factory=WorkstationConfig)
    loyalty_lab: LoyaltyLabConfig = attrs.field(factory=LoyaltyLabConfig)
    card_order: CardOrderConfig = attrs.field(factory=CardOrderConfig)
    reader: ReaderConfig = attrs.field(factory=ReaderConfig)
    secrets: SecretsConfig = attrs.field(factory=SecretsConfig)
    claims: ClaimsConfig = attrs.field(factory=ClaimsConfig)
    server: ServerConfig = attrs.field(factory=ServerConfig)
    run_log: RunLogConfig = attrs.field(factory=RunLogConfig)
    status: StatusConfig = attrs.field(factory=StatusConfig)
    alerts: DeliveryConfig | None = None
    path: Path | None = attrs.field(default=None, kw_only=True)
    base: Path = attrs.field(factory=Path.cwd, kw_only=True)

    @property
    def label(self) -> str:
        """The file's name for messages."""
        return str(self.path) if self.path is not None else "(defaults)"

    def resolve_path(self, value: str) -> Path:
        """*value* (``~`` expanded) relative to the configuration's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    @property
    def storage_url(self) -> str:
        """The storage URL: ``url``, else the SQLite file ``path`` (default ``amparex.sqlite``)."""
        if self.storage.url:
            return self.resolve_url(self.storage.url)
        return self._sqlite_url(self.storage.path or "amparex.sqlite")

    @property
    def statistics_url(self) -> str:
        """The database the statistic templates run on; the store's by default."""
        return self.resolve_url(self.statistics.url) if self.statistics.url else self.storage_url

    def _sqlite_url(self, value: str, query: str = "") -> str:
        path = self.resolve_path(value).resolve()
        return f"sqlite:///{urllib.parse.quote(str(path))}" + (f"?{query}" if query else "")

    def resolve_url(self, url: str) -> str:
        """*url* with a relative SQLite path (``sqlite:b.sqlite``) made absolute.

        Any other URL is returned as it is (see the module's description).
        """
        scheme, colon, rest = url.partition(":")
        if scheme.lower() != "sqlite" or not colon or rest.startswith("//"):
            return url
        path, _, query = rest.partition("?")
        path = urllib.parse.unquote(path)
        if path in ("", ":memory:"):
            return "sqlite://" + (f"?{query}" if query else "")
        return self._sqlite_url(path, query)

    @property
    def workstation_name(self) -> str:
        """This computer's name: the configured one, else the host name."""
        return self.workstation.name or socket.gethostname()

    @property
    def server_name(self) -> str:
        """How ``amparex serve`` names itself in claims: ``[server] name``, else the host name."""
        return self.server.name or socket.gethostname()

    @property
    def card_order_dispatch(self) -> Literal["startup", "server"]:
        """Who dispatches due card orders (CO20); see :func:`._serving.dispatch_mode`."""
        return dispatch_mode(self.card_order.dispatch, self.storage_url)


# ------------------------------------------------------------------ structuring


def find_config(option: str | os.PathLike[str] | None) -> tuple[Path, bool]:
    """The configuration file to read, and whether it must exist.

    ``--config`` first, then ``$AMPAREX_CONFIG``, then ``./amparex.toml`` (optional).
    """
    if option:
        return Path(option).expanduser(), True
    from_env = os.environ.get(CONFIG_VARIABLE)
    if from_env:
        return Path(from_env).expanduser(), True
    return Path(DEFAULT_CONFIG), False


def load_config(option: str | os.PathLike[str] | None = None) -> Config:
    """Read and check the configuration.

    Raises:
        ConfigInvalid: The file is missing (when named), unreadable, not TOML, or a key
            has a wrong value; the error names the key.
    """
    path, required = find_config(option)
    if not path.exists():
        if required:
            raise ConfigInvalid(path=str(path), key="", reason="no such file")
        return Config(base=Path.cwd())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigInvalid(path=str(path), key="", reason=exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigInvalid(path=str(path), key="", reason="not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(path=str(path), key="", reason=f"not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigInvalid(path=str(path), key="", reason="nested too deeply") from None
    return structure_config(data, path=path)


def structure_config(data: Mapping[str, Any], *, path: Path | None = None) -> Config:
    """Turn parsed TOML into a :class:`Config`.

    Raises:
        ConfigInvalid: A key is unknown or has a wrong value.
    """
    label = str(path) if path is not None else "(defaults)"
    base = path.resolve().parent if path is not None else Path.cwd()
    sections = {f.name for f in attrs.fields(Config)} - {"path", "base"}
    unknown = sorted(set(data) - sections)
    if unknown:
        raise ConfigInvalid(
            path=label,
            key=unknown[0],
            reason="unknown section" + did_you_mean(unknown[0], sorted(sections)),
        )
    _refuse_nul(label, data, "")
    data = pass_through(label, data)
    try:
        parsed: Config = converter().structure(dict(data), Config)
    except Exception as exc:  # noqa: BLE001 - cattrs raises exception groups
        key, reason = first_problem(exc, Config)
        raise ConfigInvalid(path=label, key=key, reason=reason) from None
    config = attrs.evolve(parsed, path=path, base=base)
    _check(config)
    return config


def _refuse_nul(label: str, value: object, key: str) -> None:
    """Refuse a NUL character anywhere: no path, URL or name can hold one."""
    if isinstance(value, str) and "\x00" in value:
        raise ConfigInvalid(path=label, key=key, reason="contains a NUL character")
    if isinstance(value, Mapping):
        for name, item in value.items():
            _refuse_nul(label, item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(label, item, f"{key}.{index}")


def _check_urls(config: Config) -> None:
    """``[storage]`` names one store; no SQLite URL names a file in the root folder."""
    label = config.label
    if config.storage.url is not None and config.storage.path is not None:
        raise ConfigInvalid(
            path=label,
            key="storage.url",
            reason="storage.path is set too: give either path (a SQLite file) or url, not both",
        )
    for key, url in (
        ("storage.url", config.storage.url),
        ("statistics.url", config.statistics.url),
    ):
        scheme, _, rest = (url or "").partition(":///")
        name = urllib.parse.unquote(rest.partition("?")[0])
        if scheme.lower() == "sqlite" and name and "/" not in name and name != ":memory:":
            also = f' (or [storage] path = "{name}")' if key == "storage.url" else ""
            raise ConfigInvalid(
                path=label,
                key=key,
                reason=(
                    f"sqlite:///{name} names the file /{name} in the root folder; for a file "
                    f"beside the configuration write sqlite:{name}{also}, for the root folder "
                    f"sqlite:////{name}"
                ),
            )


def _check(config: Config) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    label = config.label
    _check_urls(config)
    try:
        ZoneInfo(config.chain.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigInvalid(
            path=label,
            key="chain.time_zone",
            reason=f"unknown time zone {config.chain.time_zone!r}",
        ) from None
    prefix, length = config.chain.card_number_prefix, config.chain.card_number_length
    if prefix and not (prefix.isdigit() and prefix.isascii()):
        raise ConfigInvalid(path=label, key="chain.card_number_prefix", reason="digits only")
    if not len(prefix) + 2 <= length <= 19:
        raise ConfigInvalid(
            path=label,
            key="chain.card_number_length",
            reason=f"between {len(prefix) + 2} and 19 for prefix {prefix!r}",
        )
    currency = config.chain.prices.currency
    if not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
        raise ConfigInvalid(
            path=label, key="chain.prices.currency", reason="an ISO 4217 code such as EUR"
        )
    _check_storage(label, config.storage, config.storage_url)
    try:
        MoneyFormat.for_locale(config.chain.locale)
    except ValueError as exc:
        raise ConfigInvalid(path=label, key="chain.locale", reason=str(exc)) from None
    check_reader_spec(label, config.reader.default)
    if not 0 < config.reader.timeout < math.inf:
        raise ConfigInvalid(path=label, key="reader.timeout", reason="must be positive")
    check_serving(label, config.claims, config.server)
    check_operations(label, config.run_log, config.status)
    for section, delivery, kinds in (
        ("loyalty_lab.upload", config.loyalty_lab.upload, FILE_DELIVERY_KINDS),
        ("card_order.delivery", config.card_order.delivery, PARCEL_DELIVERY_KINDS),
        ("alerts", config.alerts, PARCEL_DELIVERY_KINDS),
    ):
        if delivery is not None:
            check_delivery(label, section, delivery, kinds)


_POSTGRES_ONLY: Final = (
    "pool_min_size",
    "pool_max_size",
    "connect_timeout",
    "application_name",
    "prepare_threshold",
)


def _check_storage(label: str, storage: StorageConfig, url: str) -> None:
    """The store's options, each named by its key when out of range or not the store's."""
    scheme = url.partition("://")[0].lower()
    if scheme in ("sqlite", "memory"):
        for key in _POSTGRES_ONLY:
            if getattr(storage, key) is not None:
                raise ConfigInvalid(
                    path=label,
                    key=f"storage.{key}",
                    reason=f"a PostgreSQL option; this store is {scheme}",
                )
    for key in ("timeout", "connect_timeout"):
        value = getattr(storage, key)
        if value is not None and not 0 < value < math.inf:
            raise ConfigInvalid(path=label, key=f"storage.{key}", reason="must be positive")
    low, high = storage.pool_min_size, storage.pool_max_size
    if low is not None and low < 0:
        raise ConfigInvalid(path=label, key="storage.pool_min_size", reason="0 or more")
    if high is not None and not (high >= 1 and high >= (low or 0)):
        raise ConfigInvalid(
            path=label, key="storage.pool_max_size", reason="1 or more, and not below pool_min_size"
        )
    if low is not None and high is None and low > 4:
        raise ConfigInvalid(
            path=label, key="storage.pool_min_size", reason="above pool_max_size (default 4)"
        )
    if storage.prepare_threshold is not None and storage.prepare_threshold < 0:
        raise ConfigInvalid(
            path=label,
            key="storage.prepare_threshold",
            reason="0 or more; leave it unset for no prepared statements (PgBouncer)",
        )
    name = storage.application_name
    if name is not None and not (name.strip() and name.isprintable() and len(name) <= 63):
        raise ConfigInvalid(
            path=label,
            key="storage.application_name",
            reason="1 to 63 printable characters",
        )


def check_reader_spec(label: str, spec: str, *, shown: str | None = None) -> None:
    """Check a reader spec: a built-in kind with what it needs, or another kind's name.

    Args:
        label: The configuration's name, for the message.
        spec: ``pcsc``, ``pcsc:NAME``, ``nfc:PATH``, ``scripted`` or ``KIND[:ARG]`` of a
            reader another distribution installs.
        shown: The reason to give instead of the default one.

    Raises:
        ConfigInvalid: A built-in kind without what it needs (``nfc`` without a path), or
            no kind at all (key ``reader.default``).
    """
    kind, sep, arg = spec.partition(":")
    builtin = kind in ("pcsc", "nfc", "scripted")
    if (builtin or not kind.strip()) and not (
        kind == "pcsc" or (kind == "scripted" and not sep) or (kind == "nfc" and arg)
    ):
        raise ConfigInvalid(
            path=label,
            key="reader.default",
            reason=shown or "pcsc, pcsc:NAME, nfc:PATH, scripted or another installed KIND[:ARG]",
        )


def check_delivery(
    label: str, section: str, delivery: DeliveryConfig, kinds: tuple[str, ...]
) -> None:
    """Check that a delivery section of a built-in kind has what its kind needs.

    A kind (or ``transport``) another distribution installs is not checked: its factory
    checks its options.

    Raises:
        ConfigInvalid: A key the kind needs is missing, or the kind does not fit here.
    """
    if delivery.kind not in kinds:
        if delivery.kind in BUILTIN_DELIVERY_KINDS or not delivery.kind.strip():
            raise ConfigInvalid(
                path=label,
                key=f"{section}.kind",
                reason=f"one of {', '.join(kinds)} (or another installed kind) expected",
            )
        return
    if not 0 < delivery.timeout < math.inf:
        raise ConfigInvalid(path=label, key=f"{section}.timeout", reason="must be positive")
    if delivery.port is not None and not 1 <= delivery.port <= 65535:
        raise ConfigInvalid(path=label, key=f"{section}.port", reason="between 1 and 65535")
    kind = delivery.kind
    if kind == "files":
        transport = delivery.transport
        if transport is None:
            raise ConfigInvalid(
                path=label,
                key=f"{section}.transport",
                reason="required for kind 'files': folder, sftp, ftp or ftps",
            )
        if transport not in FILE_DELIVERY_KINDS:
            if transport.strip() and transport not in BUILTIN_DELIVERY_KINDS:
                return  # a file delivery another distribution installs
            raise ConfigInvalid(
                path=label,
                key=f"{section}.transport",
                reason="folder, sftp, ftp, ftps or another installed file-delivery kind expected",
            )
        kind = transport
    needs = KINDS[kind].needs
    for key in needs:
        if not getattr(delivery, key):
            raise ConfigInvalid(
                path=label, key=f"{section}.{key}", reason=f"required for kind {kind!r}"
            )
    if kind == "smtp" and not delivery.recipients:
        raise ConfigInvalid(
            path=label, key=f"{section}.recipients", reason="at least one address is required"
        )
