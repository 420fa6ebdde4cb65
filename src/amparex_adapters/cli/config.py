"""The TOML configuration of the ``amparex`` command, and its secrets.

Where the file is found: ``--config PATH``, else ``$AMPAREX_CONFIG``, else
``./amparex.toml``. A file named by ``--config`` or ``$AMPAREX_CONFIG`` must exist; when
``./amparex.toml`` does not exist the defaults apply (a SQLite database ``amparex.sqlite``
in the current folder). Relative paths in the file are relative to the file's folder.

Every key, with its default::

    [storage]
    path = "amparex.sqlite"      # a SQLite file, relative to the config's folder
    url = "postgresql://amparex@db.example/amparex"   # instead: sqlite:///abs, memory://

    [statistics]
    url = "<storage.url>"        # the database statistic templates run on (SQLite, PostgreSQL)

    [chain]
    name = "Filialkette"
    time_zone = "Europe/Berlin"
    card_number_prefix = "9276"
    card_number_length = 12

    [chain.prices]               # Decimal amounts as strings (or integers)
    currency = "EUR"
    card_chip = "2.50"
    card_nfc_rfid = "3.90"
    gift_box = "4.00"
    roller_clip = "1.20"

    [workstation]
    name = "<host name>"
    branch = "F01"               # no default

    [loyalty_lab.upload]         # where Loyalty Lab files go (LL8); none: export only
    kind = "sftp"                # folder | sftp | ftp | ftps
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
    renderer = "pdf"             # pdf (extra "pdf") | text

    [card_order.delivery]        # where card-order batches go (CO18)
    kind = "smtp"                # smtp | files | folder
    host = "mail.example"        # smtp
    port = 587
    security = "starttls"        # starttls | tls | plain
    sender = "filiale@example"
    recipients = ["karten@amparex.example"]
    username = "filiale"
    transport = "sftp"           # files: folder | sftp | ftp | ftps, with the keys above
    folder = "/mnt/cards"        # folder (and files over a folder)

    [reader]
    default = "pcsc"             # pcsc[:NAME] | nfc:PATH | scripted
    timeout = 10.0
    scripted_uid = "04A22B9C"    # the card the scripted reader shows (tests, training)
    scripted_card_number = ""    # the number stored on it

    [secrets]
    file = "/etc/amparex/secrets.toml"      # or $AMPAREX_SECRETS_FILE

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
import re
import socket
import stat
import tomllib
import urllib.parse
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from amparex_core.domain.secret import Secret

from .errors import ConfigInvalid, SecretMissing, SecretsFileInsecure

__all__ = [
    "SECRET_VARIABLES",
    "ChainConfig",
    "Config",
    "DeliveryConfig",
    "PricesConfig",
    "Secrets",
    "find_config",
    "load_config",
]

DEFAULT_CONFIG: Final = "amparex.toml"
CONFIG_VARIABLE: Final = "AMPAREX_CONFIG"
SECRETS_VARIABLE: Final = "AMPAREX_SECRETS_FILE"
_MAX_AMOUNT: Final = Decimal(1_000_000)

SECRET_VARIABLES: Final[Mapping[str, str]] = {
    "card_key": "AMPAREX_CARD_KEY",
    "upload_password": "AMPAREX_UPLOAD_PASSWORD",
    "upload_passphrase": "AMPAREX_UPLOAD_PASSPHRASE",
    "smtp_password": "AMPAREX_SMTP_PASSWORD",
    "parcel_password": "AMPAREX_PARCEL_PASSWORD",
    "parcel_passphrase": "AMPAREX_PARCEL_PASSPHRASE",
}
"""Every secret the command knows, and the environment variable that carries it."""


@attrs.frozen
class StorageConfig:
    """``[storage]``: where the library keeps its data: a URL, or a SQLite file's path."""

    url: str | None = None
    path: str = "amparex.sqlite"


@attrs.frozen
class StatisticsConfig:
    """``[statistics]``: the database statistic templates query; default: the store's."""

    url: str | None = None


@attrs.frozen
class PricesConfig:
    """``[chain.prices]``: the price list of card orders (CO15)."""

    currency: str = "EUR"
    card_chip: Decimal = Decimal("2.50")
    card_nfc_rfid: Decimal = Decimal("3.90")
    gift_box: Decimal = Decimal("4.00")
    roller_clip: Decimal = Decimal("1.20")


@attrs.frozen
class ChainConfig:
    """``[chain]``: facts of the whole installation."""

    name: str = "Filialkette"
    time_zone: str = "Europe/Berlin"
    card_number_prefix: str = "9276"
    card_number_length: int = 12
    prices: PricesConfig = attrs.field(factory=PricesConfig)


@attrs.frozen
class WorkstationConfig:
    """``[workstation]``: who runs the command; the name defaults to the host name."""

    name: str | None = None
    branch: str | None = None


DeliveryKind = Literal["folder", "sftp", "ftp", "ftps", "smtp", "files"]


@attrs.frozen
class DeliveryConfig:
    """A delivery endpoint: ``[loyalty_lab.upload]`` or ``[card_order.delivery]``."""

    kind: DeliveryKind
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
    transport: Literal["folder", "sftp", "ftp", "ftps"] | None = None
    security: Literal["starttls", "tls", "plain"] = "starttls"
    sender: str | None = None
    recipients: list[str] = attrs.field(factory=list)
    timeout: float = 30.0


@attrs.frozen
class LoyaltyLabConfig:
    """``[loyalty_lab]``."""

    upload: DeliveryConfig | None = None


@attrs.frozen
class CardOrderConfig:
    """``[card_order]``."""

    renderer: Literal["pdf", "text"] = "pdf"
    delivery: DeliveryConfig | None = None


@attrs.frozen
class ReaderConfig:
    """``[reader]``: the card reader at the counter."""

    default: str = "pcsc"
    timeout: float = 10.0
    scripted_uid: str | None = None
    scripted_card_number: str | None = None


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
    chain: ChainConfig = attrs.field(factory=ChainConfig)
    workstation: WorkstationConfig = attrs.field(factory=WorkstationConfig)
    loyalty_lab: LoyaltyLabConfig = attrs.field(factory=LoyaltyLabConfig)
    card_order: CardOrderConfig = attrs.field(factory=CardOrderConfig)
    reader: ReaderConfig = attrs.field(factory=ReaderConfig)
    secrets: SecretsConfig = attrs.field(factory=SecretsConfig)
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
            return self.storage.url
        path = self.resolve_path(self.storage.path).resolve()
        return f"sqlite:///{urllib.parse.quote(str(path))}"

    @property
    def statistics_url(self) -> str:
        """The database the statistic templates run on; the store's by default."""
        return self.statistics.url or self.storage_url

    @property
    def workstation_name(self) -> str:
        """This computer's name: the configured one, else the host name."""
        return self.workstation.name or socket.gethostname()


# ------------------------------------------------------------------ structuring


def _converter() -> Any:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=True)

    def decimal(value: object, _type: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f'a decimal amount such as "2.50" expected, not {value!r}')
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f'a decimal amount such as "2.50" expected, not {value!r}') from None
        if not amount.is_finite() or amount < 0 or amount >= _MAX_AMOUNT:
            raise ValueError(f"a non-negative amount below 1,000,000 expected, not {value!r}")
        return amount

    def text(value: object, _type: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"a string expected, not {value!r}")
        return value

    def integer(value: object, _type: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"an integer expected, not {value!r}")
        return value

    def number(value: object, _type: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"a number expected, not {value!r}")
        return float(value)

    def boolean(value: object, _type: object) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"true or false expected, not {value!r}")
        return value

    converter.register_structure_hook(Decimal, decimal)
    converter.register_structure_hook(str, text)
    converter.register_structure_hook(int, integer)
    converter.register_structure_hook(float, number)
    converter.register_structure_hook(bool, boolean)
    return converter


_WHERE = re.compile(r"^(?P<message>.*?) @ \$(?P<path>.*)$")


def _first_problem(exc: Exception) -> tuple[str, str]:
    """The dotted key and the reason of the first problem cattrs found."""
    import cattrs

    messages = cattrs.transform_error(exc, path="$")
    if not messages:  # pragma: no cover - cattrs always names one
        return "-", str(exc)
    found = _WHERE.match(messages[0])
    if not found:  # pragma: no cover - cattrs always appends the path
        return "-", messages[0]
    path = found["path"].lstrip(".")
    path = re.sub(r"\[(\d+)\]", r".\1", path)
    path = re.sub(r"\['([^']*)'\]", r".\1", path).lstrip(".")
    message = found["message"]
    if message.startswith("unknown error (") and message.endswith(")"):
        message = message[len("unknown error (") : -1]
    message = message.replace("invalid value for type, expected", "wrong value, expected")
    extra = re.match(r"extra fields found \((?P<keys>.*)\)", message)
    if extra:
        key = extra["keys"].split(",")[0].strip()
        return (f"{path}.{key}" if path else key), "unknown key"
    if message.startswith("required field missing"):
        return path, "required key missing"
    return path or "-", message


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
            raise ConfigInvalid(path=str(path), key="-", reason="no such file")
        return Config(base=Path.cwd())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigInvalid(path=str(path), key="-", reason=exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ConfigInvalid(path=str(path), key="-", reason="not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(path=str(path), key="-", reason=f"not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigInvalid(path=str(path), key="-", reason="nested too deeply") from None
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
        raise ConfigInvalid(path=label, key=unknown[0], reason="unknown section")
    _refuse_nul(label, data, "")
    try:
        parsed: Config = _converter().structure(dict(data), Config)
    except Exception as exc:  # noqa: BLE001 - cattrs raises exception groups
        key, reason = _first_problem(exc)
        raise ConfigInvalid(path=label, key=key, reason=reason) from None
    config = attrs.evolve(parsed, path=path, base=base)
    _check(config)
    return config


def _refuse_nul(label: str, value: object, key: str) -> None:
    """Refuse a NUL character anywhere: no path, URL or name can hold one."""
    if isinstance(value, str) and "\x00" in value:
        raise ConfigInvalid(path=label, key=key or "-", reason="contains a NUL character")
    if isinstance(value, Mapping):
        for name, item in value.items():
            _refuse_nul(label, item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(label, item, f"{key}.{index}")


def _check(config: Config) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    label = config.label
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
    kind, sep, arg = config.reader.default.partition(":")
    if not (kind == "pcsc" or (kind == "scripted" and not sep) or (kind == "nfc" and arg)):
        raise ConfigInvalid(
            path=label, key="reader.default", reason="pcsc, pcsc:NAME, nfc:PATH or scripted"
        )
    if not 0 < config.reader.timeout < math.inf:
        raise ConfigInvalid(path=label, key="reader.timeout", reason="must be positive")
    for section, delivery, kinds in (
        ("loyalty_lab.upload", config.loyalty_lab.upload, ("folder", "sftp", "ftp", "ftps")),
        ("card_order.delivery", config.card_order.delivery, ("smtp", "files", "folder")),
    ):
        if delivery is not None:
            check_delivery(label, section, delivery, kinds)


def check_delivery(
    label: str, section: str, delivery: DeliveryConfig, kinds: tuple[str, ...]
) -> None:
    """Check that a delivery section has what its kind needs.

    Raises:
        ConfigInvalid: A key the kind needs is missing, or the kind does not fit here.
    """
    if delivery.kind not in kinds:
        raise ConfigInvalid(
            path=label, key=f"{section}.kind", reason=f"one of {', '.join(kinds)} expected"
        )
    if not 0 < delivery.timeout < math.inf:
        raise ConfigInvalid(path=label, key=f"{section}.timeout", reason="must be positive")
    if delivery.port is not None and not 1 <= delivery.port <= 65535:
        raise ConfigInvalid(path=label, key=f"{section}.port", reason="between 1 and 65535")
    kind = delivery.kind
    if kind == "files":
        if delivery.transport is None:
            raise ConfigInvalid(
                path=label,
                key=f"{section}.transport",
                reason="required for kind 'files': folder, sftp, ftp or ftps",
            )
        kind = delivery.transport
    needs: tuple[str, ...] = {
        "folder": ("folder",),
        "sftp": ("host", "username"),
        "ftp": ("host", "username"),
        "ftps": ("host", "username"),
        "smtp": ("host", "sender"),
    }[kind]
    for key in needs:
        if not getattr(delivery, key):
            raise ConfigInvalid(
                path=label, key=f"{section}.{key}", reason=f"required for kind {kind!r}"
            )
    if kind == "smtp" and not delivery.recipients:
        raise ConfigInvalid(
            path=label, key=f"{section}.recipients", reason="at least one address is required"
        )


# ------------------------------------------------------------------ secrets


class Secrets:
    """The secrets of one run: from the environment, else from the secrets file.

    The file is checked when the configuration is loaded: it must belong to the user
    running the command and grant no permission to group or others.

    Args:
        config: Names the secrets file (``[secrets] file``); ``$AMPAREX_SECRETS_FILE``
            overrides it.
        environ: The environment to read (default: the process's).

    Raises:
        SecretsFileInsecure: The file is readable (or writable) by others than its owner.
        ConfigInvalid: The file is missing or not TOML.
    """

    def __init__(self, config: Config, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._values: dict[str, Secret] = {}
        file = self._environ.get(SECRETS_VARIABLE) or config.secrets.file
        self.file: Path | None = None
        if file:
            from_env = bool(self._environ.get(SECRETS_VARIABLE))
            self.file = Path(file).expanduser() if from_env else config.resolve_path(file)
            self._values = _read_secrets_file(self.file)

    def get(self, name: str) -> Secret | None:
        """The secret *name*, or ``None`` when it is set nowhere."""
        variable = SECRET_VARIABLES[name]
        value = self._environ.get(variable)
        if value:
            return Secret(value)
        return self._values.get(name)

    def require(self, name: str) -> Secret:
        """The secret *name*.

        Raises:
            SecretMissing: It is set nowhere.
        """
        secret = self.get(name)
        if secret is None:
            raise SecretMissing(name=name, variable=SECRET_VARIABLES[name])
        return secret

    def values(self) -> list[str]:
        """Every secret value known in this run (to scrub them from messages)."""
        found = [s.reveal() for s in self._values.values()]
        found += [self._environ[v] for v in SECRET_VARIABLES.values() if self._environ.get(v)]
        return [v for v in found if len(v) >= 3]


def secrets_file_values(option: str | os.PathLike[str] | None = None) -> list[str]:
    """The values of the secrets file, read even when the configuration is refused.

    A refused configuration may quote a value that is a secret pasted into the wrong key:
    to scrub it from the message the command needs the secrets, though the configuration
    that names their file did not load. Best effort: any problem gives an empty list.
    """
    try:
        file = os.environ.get(SECRETS_VARIABLE)
        base = Path.cwd()
        if not file:
            path, _required = find_config(option)
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            named = data.get("secrets", {}).get("file")
            if not isinstance(named, str):
                return []
            file, base = named, path.resolve().parent
        secrets_path = Path(file).expanduser()
        if not secrets_path.is_absolute():
            secrets_path = base / secrets_path
        return [s.reveal() for s in _read_secrets_file(secrets_path).values()]
    except Exception:  # noqa: BLE001 - the original refusal is the one to report
        return []


def check_secrets_file(path: Path) -> None:
    """Refuse a secrets file that others than its owner may read or change.

    Raises:
        SecretsFileInsecure: Group or others have any permission, or another user owns it.
        ConfigInvalid: There is no such file.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigInvalid(path=str(path), key="secrets.file", reason="no such file") from None
    except OSError as exc:
        raise ConfigInvalid(
            path=str(path), key="secrets.file", reason=exc.strerror or str(exc)
        ) from None
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and (mode & 0o077 or info.st_uid != os.getuid()):
        raise SecretsFileInsecure(path=str(path), mode=f"{mode:04o}")


def _read_secrets_file(path: Path) -> dict[str, Secret]:
    check_secrets_file(path)
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise ConfigInvalid(path=label, key="-", reason="cannot be read") from None
    except (tomllib.TOMLDecodeError, RecursionError):
        # The parser's message quotes the offending line, which may hold a secret.
        raise ConfigInvalid(path=label, key="-", reason="not valid TOML") from None
    values: dict[str, Secret] = {}
    for key, value in data.items():
        if key not in SECRET_VARIABLES:
            raise ConfigInvalid(
                path=label, key=key, reason=f"unknown secret; known: {', '.join(SECRET_VARIABLES)}"
            )
        if not isinstance(value, str):
            raise ConfigInvalid(path=label, key=key, reason="a string expected")
        values[key] = Secret(value)
    return values
