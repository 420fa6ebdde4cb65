"""The checks of a loaded configuration: each refusal names its key (``config.invalid``)."""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from amparex_adapters.i18n import _
from amparex_core.domain.locales import number_format

from ._kinds import (
    BUILTIN_DELIVERY_KINDS,
    FILE_DELIVERY_KINDS,
    KINDS,
    PARCEL_DELIVERY_KINDS,
    check_loyalty_lab,
    check_mode_and_group,
)
from ._operations import check_operations
from ._serving import check_serving
from .errors import ConfigInvalid

if TYPE_CHECKING:
    from .config import Config, DeliveryConfig, StorageConfig

__all__ = ["check_config", "check_delivery", "check_reader_spec", "refuse_nul"]


def refuse_nul(label: str, value: object, key: str) -> None:
    """Refuse a NUL character anywhere: no path, URL or name can hold one."""
    if isinstance(value, str) and "\x00" in value:
        raise ConfigInvalid(path=label, key=key, reason=_("contains a NUL character"))
    if isinstance(value, Mapping):
        for name, item in value.items():
            refuse_nul(label, item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul(label, item, f"{key}.{index}")


def _check_urls(config: Config) -> None:
    """``[storage]`` names one store; no SQLite URL names a file in the root folder."""
    label = config.label
    if config.storage.url is not None and config.storage.path is not None:
        raise ConfigInvalid(
            path=label,
            key="storage.url",
            reason=_("storage.path is set too: give either path (a SQLite file) or url, not both"),
        )
    for key, url in (
        ("storage.url", config.storage.url),
        ("statistics.url", config.statistics.url),
    ):
        scheme, _sep, rest = (url or "").partition(":///")
        name = urllib.parse.unquote(rest.partition("?")[0])
        if scheme.lower() == "sqlite" and name and "/" not in name and name != ":memory:":
            also = (
                _(' (or [storage] path = "{name}")').format(name=name)
                if key == "storage.url"
                else ""
            )
            raise ConfigInvalid(
                path=label,
                key=key,
                reason=_(
                    "sqlite:///{name} names the file /{name} in the root folder; for a file "
                    "beside the configuration write sqlite:{name}{also}, for the root folder "
                    "sqlite:////{name}"
                ).format(name=name, also=also),
            )


def check_config(config: Config) -> None:
    """Check a configuration beyond its structure (ranges, names, what each kind needs).

    Raises:
        ConfigInvalid: The first problem, by its key.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    label = config.label
    _check_urls(config)
    try:
        ZoneInfo(config.chain.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigInvalid(
            path=label,
            key="chain.time_zone",
            reason=_("unknown time zone {zone!r}").format(zone=config.chain.time_zone),
        ) from None
    prefix, length = config.chain.card_number_prefix, config.chain.card_number_length
    if prefix and not (prefix.isdigit() and prefix.isascii()):
        raise ConfigInvalid(path=label, key="chain.card_number_prefix", reason=_("digits only"))
    if not len(prefix) + 2 <= length <= 19:
        raise ConfigInvalid(
            path=label,
            key="chain.card_number_length",
            reason=_("between {least} and 19 for prefix {prefix!r}").format(
                least=len(prefix) + 2, prefix=prefix
            ),
        )
    currency = config.chain.prices.currency
    if not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
        raise ConfigInvalid(
            path=label, key="chain.prices.currency", reason=_("an ISO 4217 code such as EUR")
        )
    _check_storage(label, config.storage, config.storage_url)
    try:
        number_format(config.chain.locale)
    except ValueError as exc:
        raise ConfigInvalid(path=label, key="chain.locale", reason=str(exc)) from None
    check_reader_spec(label, config.reader.default)
    if not 0 < config.reader.timeout < math.inf:
        raise ConfigInvalid(path=label, key="reader.timeout", reason=_("must be positive"))
    lab = config.loyalty_lab
    check_loyalty_lab(label, lab.retention_days, lab.file_mode, lab.group)
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
                    reason=_("a PostgreSQL option; this store is {scheme}").format(scheme=scheme),
                )
    for key in ("timeout", "connect_timeout"):
        value = getattr(storage, key)
        if value is not None and not 0 < value < math.inf:
            raise ConfigInvalid(path=label, key=f"storage.{key}", reason=_("must be positive"))
    low, high = storage.pool_min_size, storage.pool_max_size
    if low is not None and low < 0:
        raise ConfigInvalid(path=label, key="storage.pool_min_size", reason=_("0 or more"))
    if high is not None and not (high >= 1 and high >= (low or 0)):
        raise ConfigInvalid(
            path=label,
            key="storage.pool_max_size",
            reason=_("1 or more, and not below pool_min_size"),
        )
    if low is not None and high is None and low > 4:
        raise ConfigInvalid(
            path=label, key="storage.pool_min_size", reason=_("above pool_max_size (default 4)")
        )
    if storage.prepare_threshold is not None and storage.prepare_threshold < 0:
        raise ConfigInvalid(
            path=label,
            key="storage.prepare_threshold",
            reason=_("0 or more; leave it unset for no prepared statements (PgBouncer)"),
        )
    name = storage.application_name
    if name is not None and not (name.strip() and name.isprintable() and len(name) <= 63):
        raise ConfigInvalid(
            path=label,
            key="storage.application_name",
            reason=_("1 to 63 printable characters"),
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
            reason=shown
            or _("pcsc, pcsc:NAME, nfc:PATH, scripted or another installed KIND[:ARG]"),
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
                reason=_("one of {kinds} (or another installed kind) expected").format(
                    kinds=", ".join(kinds)
                ),
            )
        return
    if not 0 < delivery.timeout < math.inf:
        raise ConfigInvalid(path=label, key=f"{section}.timeout", reason=_("must be positive"))
    if delivery.port is not None and not 1 <= delivery.port <= 65535:
        raise ConfigInvalid(path=label, key=f"{section}.port", reason=_("between 1 and 65535"))
    kind = delivery.kind
    if kind == "files":
        transport = delivery.transport
        if transport is None:
            raise ConfigInvalid(
                path=label,
                key=f"{section}.transport",
                reason=_("required for kind 'files': folder, sftp, ftp or ftps"),
            )
        if transport not in FILE_DELIVERY_KINDS:
            if transport.strip() and transport not in BUILTIN_DELIVERY_KINDS:
                return  # a file delivery another distribution installs
            raise ConfigInvalid(
                path=label,
                key=f"{section}.transport",
                reason=_(
                    "folder, sftp, ftp, ftps or another installed file-delivery kind expected"
                ),
            )
        kind = transport
    if kind != "folder" and (delivery.file_mode is not None or delivery.group is not None):
        key = "file_mode" if delivery.file_mode is not None else "group"
        raise ConfigInvalid(
            path=label, key=f"{section}.{key}", reason=_("only for files delivered into a folder")
        )
    check_mode_and_group(label, section, delivery.file_mode, delivery.group)
    needs = KINDS[kind].needs
    for key in needs:
        if not getattr(delivery, key):
            raise ConfigInvalid(
                path=label,
                key=f"{section}.{key}",
                reason=_("required for kind {kind!r}").format(kind=kind),
            )
    if kind == "smtp" and not delivery.recipients:
        raise ConfigInvalid(
            path=label, key=f"{section}.recipients", reason=_("at least one address is required")
        )
