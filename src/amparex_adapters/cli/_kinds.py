"""The kinds of adapters the configuration knows itself, and what each takes from it.

Private to :mod:`amparex_adapters.cli.config`: the built-in delivery kinds with the keys
their factories take, the secrets they get, and the pass-through of the keys of a kind
another distribution installs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from amparex_adapters.i18n import _
from amparex_core.domain._records import frozen

from .errors import ConfigInvalid

if TYPE_CHECKING:
    from .config import DeliveryConfig
    from .secrets import Secrets

__all__ = [
    "BUILTIN_DELIVERY_KINDS",
    "FILE_DELIVERY_KINDS",
    "KINDS",
    "PARCEL_DELIVERY_KINDS",
    "DeliveryKind",
    "check_loyalty_lab",
    "check_mode_and_group",
    "delivery_options",
    "pass_through",
]

DeliveryKind = Literal["folder", "sftp", "ftp", "ftps", "smtp", "files"]
"""The delivery kinds of amparex-core this module checks (another installed kind is not)."""

FILE_DELIVERY_KINDS: Final = ("folder", "sftp", "ftp", "ftps")
"""The built-in kinds of ``[loyalty_lab.upload]`` (and ``transport`` of ``files``)."""

PARCEL_DELIVERY_KINDS: Final = ("smtp", "files", "folder")
"""The built-in kinds of ``[card_order.delivery]``."""

BUILTIN_DELIVERY_KINDS: Final = frozenset(FILE_DELIVERY_KINDS + PARCEL_DELIVERY_KINDS)


@frozen
class _Kind:
    """What a built-in delivery kind takes from its section.

    Attributes:
        keys: The section's keys its factory takes (set ones only).
        needs: Keys that must be set.
        secrets: ``(option, required)`` of the secrets it takes, named ``<prefix>_<option>``.
        prefix: The secrets' prefix, when not the section's (``smtp``).
    """

    keys: tuple[str, ...]
    needs: tuple[str, ...]
    secrets: tuple[tuple[str, bool], ...] = ()
    prefix: str | None = None


_FTP: Final = _Kind(
    keys=("host", "port", "username", "remote_dir", "allow_plain", "ca_file", "timeout"),
    needs=("host", "username"),
    secrets=(("password", True),),
)
KINDS: Final[Mapping[str, _Kind]] = {
    "folder": _Kind(keys=("folder", "file_mode", "group"), needs=("folder",)),
    "sftp": _Kind(
        keys=(
            "host",
            "port",
            "username",
            "remote_dir",
            "known_hosts",
            "host_key_fingerprint",
            "accept_new_host_key",
            "key_file",
            "timeout",
        ),
        needs=("host", "username"),
        secrets=(("password", False), ("passphrase", False)),
    ),
    "ftp": _FTP,
    "ftps": _FTP,
    "smtp": _Kind(
        keys=(
            "host",
            "port",
            "sender",
            "recipients",
            "security",
            "allow_plain",
            "username",
            "ca_file",
            "timeout",
        ),
        needs=("host", "sender"),
        secrets=(("password", False),),
        prefix="smtp",
    ),
}
"""The built-in delivery kinds (``files`` takes its ``transport``'s)."""

PATH_KEYS: Final = frozenset({"folder", "known_hosts", "key_file", "ca_file"})
"""Keys of built-in kinds that name a file or folder (relative to the configuration)."""

OTHER_SECRETS: Final = ("password", "passphrase")
"""The secrets a delivery kind another distribution installs gets, when set."""


def delivery_options(
    cfg: DeliveryConfig, *, resolve: Callable[[str], Path], secrets: Secrets, prefix: str
) -> dict[str, Any]:
    """See :meth:`amparex_adapters.cli.config.DeliveryConfig.opener_options`."""
    kind = cfg.kind
    found: dict[str, Any] = {}
    if kind == "files":
        kind = cfg.transport or "-"
        found["transport"] = kind
    spec = KINDS.get(kind)
    if spec is None:
        found.update(cfg.options)
        for option in OTHER_SECRETS:
            secret = secrets.get(f"{prefix}_{option}")
            if secret is not None:
                found[option] = secret
        return found
    for key in spec.keys:
        value = getattr(cfg, key)
        if key in PATH_KEYS:
            if value:
                found[key] = resolve(value)
        elif value is not None:
            found[key] = list(value) if isinstance(value, list) else value
    for option, required in spec.secrets:
        name = f"{spec.prefix or prefix}_{option}"
        if required:
            found[option] = secrets.require(name)
        elif cfg.username and (secret := secrets.get(name)) is not None:
            found[option] = secret
    return found


_OPEN_SECTIONS: Final = (
    ("loyalty_lab", "upload", BUILTIN_DELIVERY_KINDS),
    ("card_order", "delivery", BUILTIN_DELIVERY_KINDS),
    ("masterdata", None, frozenset({"store", "memory"})),
)
"""Sections whose ``kind`` may name an adapter another distribution installs."""


def pass_through(label: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """*data* with the keys of every section of another distribution's kind under ``options``.

    A section of a built-in kind is left alone (and may not say ``options`` itself).

    Raises:
        ConfigInvalid: A section of a built-in kind has the key ``options``.
    """
    result = dict(data)
    for name, sub, builtin in _OPEN_SECTIONS:
        outer = result.get(name)
        table = outer.get(sub) if sub is not None and isinstance(outer, Mapping) else outer
        if not isinstance(table, Mapping):
            continue
        key = f"{name}.{sub}" if sub is not None else name
        kind, transport = table.get("kind", "store" if sub is None else None), None
        if kind == "files" and sub is not None:
            kind, transport = table.get("transport"), "files"
        if not isinstance(kind, str) or not kind.strip() or kind in builtin:
            if "options" in table:
                raise ConfigInvalid(path=label, key=f"{key}.options", reason=_("unknown key"))
            continue
        fixed = ("kind", "transport") if transport else ("kind",)
        opened = {k: v for k, v in table.items() if k in fixed}
        opened["options"] = {k: v for k, v in table.items() if k not in fixed}
        if isinstance(outer, Mapping) and sub is not None:
            result[name] = {**outer, sub: opened}
        else:
            result[name] = opened
    return result


def check_mode_and_group(label: str, section: str, mode: str | None, group: str | None) -> None:
    """Refuse a file mode a data file may not have, or a group the system does not know (OP6).

    Raises:
        ConfigInvalid: Naming ``<section>.file_mode`` or ``<section>.group``.
    """
    from amparex_adapters._modes import group_id, parse_mode

    try:
        if mode is not None:
            parse_mode(mode)
    except ValueError as exc:
        raise ConfigInvalid(path=label, key=f"{section}.file_mode", reason=str(exc)) from None
    try:
        group_id(group)
    except ValueError as exc:
        raise ConfigInvalid(path=label, key=f"{section}.group", reason=str(exc)) from None


def check_loyalty_lab(
    label: str, retention_days: int | None, mode: str | None, group: str | None
) -> None:
    """Check ``[loyalty_lab]``'s own keys: a retention of days, a file mode and group.

    Raises:
        ConfigInvalid: Naming the key.
    """
    if retention_days is not None and not 1 <= retention_days <= 36_500:
        raise ConfigInvalid(
            path=label, key="loyalty_lab.retention_days", reason=_("a number of days from 1 on")
        )
    check_mode_and_group(label, "loyalty_lab", mode, group)
