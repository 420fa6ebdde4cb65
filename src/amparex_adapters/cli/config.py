r"""The TOML configuration of the ``amparex`` command, and its secrets.

Where the file is found (``find_config``), the first that applies:

1. ``--config PATH``;
2. ``$AMPAREX_CONFIG``;
3. ``./amparex.toml`` in the current folder;
4. ``amparex.toml`` in the user's configuration folder (``$XDG_CONFIG_HOME/amparex``, by
   default ``~/.config/amparex``; ``%APPDATA%\amparex`` on Windows,
   ``~/Library/Application Support/amparex`` on macOS);
5. ``amparex.toml`` in the system's configuration folder (``/etc/amparex``;
   ``%PROGRAMDATA%\amparex`` on Windows, ``/Library/Application Support/amparex`` on
   macOS).

A file named by ``--config`` or ``$AMPAREX_CONFIG`` must exist. When none is found, the
commands that run unattended (``startup``, ``serve``, ``outbox upload``, ``outbox
watch``, ``orders dispatch``) refuse to run (``config.not_found``, naming every place
looked at): a service started in the wrong folder must not work on a new, empty store.
Every other command says in one line on stderr that the defaults apply (a SQLite
database ``amparex.sqlite`` in the current folder), and a command that only reads
(``interfaces list``, ``orders list`` …) never creates that database: on a store that
does not exist it lists nothing. Relative paths in the file are relative to the file's
folder.

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

    [loyalty_lab]
    retention_days = 30          # remove uploaded exports older than this at each start (LL11)
    file_mode = "0600"           # mode of export files (OP6); "0640" for a partner's tool
    group = "loyaltylab"         # their group (with file_mode "0640"); default: the user's

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
    file_mode = "0600"                       # folder: mode of the files (OP6)
    group = "loyaltylab"                     # folder: their group
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
    folder = "/mnt/cards"        # folder (and files over a folder); file_mode, group as above

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
    metrics_port = 9464          # Prometheus metrics (extra "metrics"); unset: none
    metrics_address = "127.0.0.1"  # where the metrics listen (loopback by default)

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

import logging
import os
import platform
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs

from amparex_adapters.i18n import _
from amparex_core.domain._records import frozen

from ._checks import check_config, check_delivery, check_reader_spec, refuse_nul
from ._discovery import (
    ConfigSearch,
    config_places,
    find_config,
)
from ._kinds import (
    FILE_DELIVERY_KINDS,
    PARCEL_DELIVERY_KINDS,
    DeliveryKind,
    delivery_options,
    pass_through,
)
from ._operations import RunLogConfig, StatusConfig
from ._serving import ClaimsConfig, ServerConfig, dispatch_mode
from ._structure import did_you_mean, first_problem, structure
from .errors import ConfigInvalid, ConfigNotFound
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
    "ConfigSearch",
    "DeliveryConfig",
    "DeliveryKind",
    "MasterDataConfig",
    "PricesConfig",
    "Secrets",
    "ServerConfig",
    "check_delivery",
    "check_reader_spec",
    "check_secrets_file",
    "config_places",
    "find_config",
    "load_config",
    "secrets_file_values",
    "structure_config",
]

logger = logging.getLogger(__name__)


@frozen
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


@frozen
class StatisticsConfig:
    """``[statistics]``: the database statistic templates query; default: the store's."""

    url: str | None = None


@frozen
class MasterDataConfig:
    """``[masterdata]``: where the master data come from; the store's tables by default.

    Attributes:
        options: The other keys of the section, for a kind another distribution installs.
    """

    kind: str = "store"
    options: dict[str, Any] = attrs.field(factory=dict)


@frozen
class PricesConfig:
    """``[chain.prices]``: the price list of card orders (CO15)."""

    currency: str = "EUR"
    card_chip: Decimal = Decimal("2.50")
    card_nfc_rfid: Decimal = Decimal("3.90")
    gift_box: Decimal = Decimal("4.00")
    roller_clip: Decimal = Decimal("1.20")
    shipping: Decimal | None = None


@frozen
class ChainConfig:
    """``[chain]``: facts of the whole installation."""

    name: str = "Filialkette"
    time_zone: str = "Europe/Berlin"
    card_number_prefix: str = "9276"
    card_number_length: int = 12
    locale: str = "de_DE"
    currency_symbol: bool = False
    prices: PricesConfig = attrs.field(factory=PricesConfig)


@frozen
class WorkstationConfig:
    """``[workstation]``: who runs the command; the name defaults to the host name."""

    name: str | None = None
    branch: str | None = None


@frozen
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
    file_mode: str | None = None
    group: str | None = None
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


@frozen
class LoyaltyLabConfig:
    """``[loyalty_lab]``.

    Attributes:
        upload: Where the files go; ``None``: export only.
        retention_days: Exported files whose upload the ledger confirms are removed after
            this many days, at each program start (LL11); ``None``: kept.
        file_mode: The mode of the export files (octal text, OP6); owner only by default.
        group: The group of the export files; the user's by default.
    """

    upload: DeliveryConfig | None = None
    retention_days: int | None = None
    file_mode: str | None = None
    group: str | None = None


@frozen
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


@frozen
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


@frozen
class SecretsConfig:
    """``[secrets]``."""

    file: str | None = None


@frozen
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
        return str(self.path) if self.path is not None else _("(defaults)")

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
        path, _sep, query = rest.partition("?")
        path = urllib.parse.unquote(path)
        if path in ("", ":memory:"):
            return "sqlite://" + (f"?{query}" if query else "")
        return self._sqlite_url(path, query)

    @property
    def workstation_name(self) -> str:
        """This computer's name: the configured one, else the host name."""
        return self.workstation.name or platform.node()

    @property
    def server_name(self) -> str:
        """How ``amparex serve`` names itself in claims: ``[server] name``, else the host name."""
        return self.server.name or platform.node()

    @property
    def card_order_dispatch(self) -> Literal["startup", "server"]:
        """Who dispatches due card orders (CO20); see :func:`._serving.dispatch_mode`."""
        return dispatch_mode(self.card_order.dispatch, self.storage_url)


# ------------------------------------------------------------------ structuring


def load_config(option: str | os.PathLike[str] | None = None, *, required: bool = False) -> Config:
    """Read and check the configuration found by :func:`find_config`.

    Args:
        option: The file ``--config`` names, if any.
        required: The command runs unattended: without a file it must not run on the
            defaults (OP4).

    Returns:
        The configuration; the defaults when no file was found and none is *required*
        (logged as a WARNING, which the command shows as one line).

    Raises:
        ConfigNotFound: No file was found and one is *required*.
        ConfigInvalid: The file is missing (when named), unreadable, not TOML, or a key
            has a wrong value; the error names the key.
    """
    found = find_config(option)
    path = found.path
    if path is None:
        if required:
            raise ConfigNotFound(places=found.places)
        logger.warning(
            "no configuration file found (looked at %s): the defaults apply, a SQLite store "
            "%s in %s",
            ", ".join(found.places),
            StorageConfig().path,
            Path.cwd(),
        )
        return Config(base=Path.cwd())
    if not path.exists():
        raise ConfigInvalid(path=str(path), key="", reason=_("no such file"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigInvalid(path=str(path), key="", reason=exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigInvalid(path=str(path), key="", reason=_("not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(
            path=str(path), key="", reason=_("not valid TOML: {problem}").format(problem=exc)
        ) from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigInvalid(path=str(path), key="", reason=_("nested too deeply")) from None
    return structure_config(data, path=path)


def structure_config(data: Mapping[str, Any], *, path: Path | None = None) -> Config:
    """Turn parsed TOML into a :class:`Config`.

    Raises:
        ConfigInvalid: A key is unknown or has a wrong value.
    """
    label = str(path) if path is not None else _("(defaults)")
    base = path.resolve().parent if path is not None else Path.cwd()
    sections = {f.name for f in attrs.fields(Config)} - {"path", "base"}
    unknown = sorted(set(data) - sections)
    if unknown:
        raise ConfigInvalid(
            path=label,
            key=unknown[0],
            reason=_("unknown section") + did_you_mean(unknown[0], sorted(sections)),
        )
    refuse_nul(label, data, "")
    data = pass_through(label, data)
    try:
        parsed: Config = structure(dict(data), Config)
    except Exception as exc:  # noqa: BLE001 - cattrs raises exception groups
        key, reason = first_problem(exc, Config)
        raise ConfigInvalid(path=label, key=key, reason=reason) from None
    config = attrs.evolve(parsed, path=path, base=base)
    check_config(config)
    return config
