"""Interface configurations and their rules (IF1–IF9, CO1, LL1–LL4).

An :class:`InterfaceConfig` is one configured integration (Schnittstelle). Its
:class:`InterfaceKind` carries a :class:`KindPolicy` that states the kind's uniqueness
scope, whether it is workstation-only, where it runs and which settings type it takes; the
rules below read only the policy, so a third kind is a new enum member, a settings class
and a policy entry, and no rule changes (IF1).
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
import string
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Final, cast

import attrs

from ._records import frozen
from .errors import (
    ClientSideRequired,
    CustomerNumberRequired,
    DisplayNameRequired,
    ExportDirectoryInvalid,
    FilePatternInvalid,
    InterfaceSettingsMismatch,
    KeyInClear,
    ServerSideRequired,
    WorkstationRequired,
)
from .secret import Secret, SecretRef
from .statistics import StatisticExport, StatisticKind
from .text import name_key, said

__all__ = [
    "DEFAULT_FILE_PATTERN",
    "FIXED_FILE_PATTERN",
    "STATISTIK",
    "CardOrderSettings",
    "InterfaceConfig",
    "InterfaceKind",
    "InterfaceSettings",
    "KindPolicy",
    "LoyaltyLabSettings",
    "Placement",
    "Scope",
    "Specificity",
    "UniquenessKey",
    "is_absolute_directory",
    "is_export_directory",
    "plan_exports",
    "refuse_key_in_clear",
    "resolve",
]


class Scope(enum.Enum):
    """Where a kind may be configured only once (per display name, IF7)."""

    WORKSTATION = "workstation"
    BRANCH = "branch"
    CHAIN = "chain"


class Placement(enum.Enum):
    """Where a kind runs (IF6)."""

    CLIENT_ONLY = "client_only"
    SERVER_ONLY = "server_only"
    EITHER = "either"


class Specificity(enum.IntEnum):
    """How specific a configuration is; lower sorts first in resolution (IF9)."""

    WORKSTATION = 0
    BRANCH = 1
    CHAIN = 2


# ------------------------------------------------------------------ settings


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _required_text(value: str | None) -> str:
    return (value or "").strip()


def _optional_key(value: SecretRef | Secret | str | None) -> SecretRef | Secret | None:
    if value is None or isinstance(value, SecretRef):
        return value
    secret = value if isinstance(value, Secret) else Secret(value)
    return secret if secret.reveal().strip() else None


@frozen
class CardOrderSettings:
    """Settings of the card-ordering interface (CO1, CO2, CO18).

    Attributes:
        contract: The card contract (Kartenvertrag) with AMPAREX; ``None`` until AMPAREX has
            set it up after an information request (CO2).
        key: The contract's secret key (Schlüssel): a :class:`~.secret.SecretRef` naming
            the secret that keeps it (the ``amparex`` command: ``card_key``, from
            ``AMPAREX_CARD_KEY`` or the secrets file). A store never keeps the key itself
            (OP6): configuring with the value (a :class:`~.secret.Secret`) is refused with
            ``interface.key_in_clear`` (:func:`refuse_key_in_clear`); a store of 0.1.0
            that kept it still reads back as a :class:`~.secret.Secret` until its keys are
            moved out (``amparex interfaces move-keys``). Never shown.
        customer_number: The chain's customer number at the card vendor, carried in the
            subject of every batch e-mail (CO18).
    """

    contract: str | None = attrs.field(default=None, converter=_optional_text)
    key: SecretRef | Secret | None = attrs.field(default=None, converter=_optional_key)
    customer_number: str | None = attrs.field(default=None, converter=_optional_text)

    @property
    def has_contract(self) -> bool:
        """Whether both the contract and its key are present (CO1)."""
        return self.contract is not None and self.key is not None

    @property
    def key_in_clear(self) -> bool:
        """Whether the key is held as its value, not as a reference (OP6)."""
        return isinstance(self.key, Secret)


DEFAULT_FILE_PATTERN: Final = "{customer_number}_{statistic}_{date:%Y%m%d}.csv"
FIXED_FILE_PATTERN: Final = "{statistik}.csv"
"""The default pattern of the fixed-name mode (LL9): ``kunden.csv``, ``brillen.csv`` …"""
_PATTERN_FIELDS: Final = frozenset(
    {"customer_number", "statistic", "statistik", "date", "workstation"}
)
_SAMPLE_WORKSTATION: Final = "KASSE-1"
#: The German names of the slots, as file names (``{statistik}``).
STATISTIK: Final[Mapping[StatisticKind, str]] = {
    StatisticKind.CUSTOMERS: "kunden",
    StatisticKind.GLASSES: "brillen",
    StatisticKind.CONTACT_LENSES: "kontaktlinsen",
    StatisticKind.HEARING_AIDS: "hoergeraete",
}
_FORBIDDEN_IN_NAMES: Final = frozenset('/\\:*?"<>|\x00')
_WINDOWS_DEVICES: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10))}
)
_MAX_NAME_BYTES: Final = 255
# Days a pattern must give distinct names for: the next day, the same day a year later
# ("%d%m" would repeat every year), and a far-apart one.
_SAMPLE_DAYS: Final = (
    dt.date(2026, 1, 2),
    dt.date(2026, 1, 3),
    dt.date(2027, 1, 2),
    dt.date(2027, 12, 31),
)


def _pattern_fields(pattern: str, depth: int = 0) -> set[str]:
    """Every field name of *pattern*, also those nested in format specs (``{date:{x}}``)."""
    fields: set[str] = set()
    for _, field, spec, _ in string.Formatter().parse(pattern):
        if field is not None:
            fields.add(field)
        if spec and "{" in spec and depth < 2:
            fields |= _pattern_fields(spec, depth + 1)
    return fields


def _name_problem(name: str) -> str | None:
    """Why *name* is not a plain file name on POSIX and Windows, or ``None``."""
    if not name or name != name.strip() or name.endswith("."):
        return said("empty, or white space or a dot at an end")
    if name.startswith("."):
        return said("a leading dot")
    if _FORBIDDEN_IN_NAMES & set(name) or any(ord(c) < 32 for c in name):
        return said("a character file names cannot hold")
    if name.split(".", maxsplit=1)[0].rstrip().upper() in _WINDOWS_DEVICES:
        return said("a reserved device name")
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
        return said("longer than {count} bytes", count=_MAX_NAME_BYTES)
    return None


def _fill(
    pattern: str, customer_number: str, statistic: StatisticKind, on: dt.date, workstation: str
) -> str:
    return pattern.format(
        customer_number=customer_number,
        statistic=statistic.value,
        statistik=STATISTIK[statistic],
        date=on,
        workstation=workstation,
    )


def _check_pattern(
    pattern: str,
    customer_number: str = "4711",
    *,
    fixed: bool = False,
    workstation: str = _SAMPLE_WORKSTATION,
) -> None:
    """Refuse a pattern that cannot make safe, distinct file names for *customer_number*.

    Every name it makes must be a plain file name (no folder, drive, leading dot, control
    character, reserved device name, nor more than 255 bytes), and the names must differ
    for every statistic and — unless the names are *fixed* (LL9) — every day (LL6).
    """
    try:
        fields = _pattern_fields(pattern)
    except ValueError as exc:
        raise FilePatternInvalid(pattern=pattern, reason=str(exc)) from None
    unknown = fields - _PATTERN_FIELDS
    if unknown:
        raise FilePatternInvalid(
            pattern=pattern, reason=said("unknown placeholder {name!r}", name=sorted(unknown)[0])
        )
    if not fields & {"statistic", "statistik"}:
        raise FilePatternInvalid(pattern=pattern, reason=said("{{statistic}} is required"))
    if fixed and "date" in fields:
        raise FilePatternInvalid(
            pattern=pattern, reason=said("a fixed file name holds no {{date}}")
        )
    if not fixed and "date" not in fields:
        raise FilePatternInvalid(pattern=pattern, reason=said("{{date}} is required"))
    days = _SAMPLE_DAYS[:1] if fixed else _SAMPLE_DAYS
    try:
        names = {
            _fill(pattern, customer_number, kind, day, workstation)
            for kind in StatisticKind
            for day in days
        }
    except (ValueError, LookupError, AttributeError, TypeError) as exc:
        raise FilePatternInvalid(
            pattern=pattern,
            reason=said(
                "it cannot be filled in ({error}: {problem})",
                error=type(exc).__name__,
                problem=str(exc),
            ),
        ) from None
    for name in sorted(names):
        problem = _name_problem(name)
        if problem is not None:
            raise FilePatternInvalid(
                pattern=pattern,
                reason=said(
                    "it makes no plain file name: {name!r} has {problem}",
                    name=name,
                    problem=problem,
                ),
            )
    if len(names) != len(StatisticKind) * len(days):
        raise FilePatternInvalid(
            pattern=pattern,
            reason=said("it does not make a different name for every statistic")
            if fixed
            else said("it does not make a different name for every statistic and day"),
        )


def is_absolute_directory(path: str) -> bool:
    r"""Whether *path* is an absolute POSIX or Windows folder path (LL4).

    >>> is_absolute_directory("/srv/loyalty"), is_absolute_directory(r"C:\LoyaltyLab")
    (True, True)
    >>> is_absolute_directory("exports")
    False
    """
    if not path or "\x00" in path:
        return False
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def is_export_directory(path: str) -> bool:
    r"""Whether *path* can name an export folder (LL4): absolute, or plainly relative.

    A relative folder is relative to a base folder the export target knows (the
    ``amparex`` command: its configuration's folder); a target without one refuses it.
    A Windows path relative to a drive's current folder (``C:exports``) is neither.

    >>> is_export_directory("/srv/loyalty"), is_export_directory("outbox")
    (True, True)
    >>> is_export_directory("C:exports"), is_export_directory("")
    (False, False)
    """
    if is_absolute_directory(path):
        return True
    return bool(path) and "\x00" not in path and not PureWindowsPath(path).drive


def _statistics(
    value: Mapping[StatisticKind | str, str | None],
) -> Mapping[StatisticKind, str]:
    slots: dict[StatisticKind, str] = {}
    for kind, template in value.items():
        if template is None or not template.strip():
            continue
        slots[StatisticKind(kind)] = template.strip()
    return dict(sorted(slots.items(), key=lambda kv: list(StatisticKind).index(kv[0])))


def _file_pattern(self: LoyaltyLabSettings) -> str:
    return FIXED_FILE_PATTERN if self.fixed_names else DEFAULT_FILE_PATTERN


@frozen
class LoyaltyLabSettings:
    """Settings of the Loyalty Lab interface (LL2–LL4, LL9, LL10).

    Attributes:
        customer_number: Our customer number at Loyalty Lab (Kunden-Nr.); required (LL2).
        statistics: The statistic template chosen for each of the four slots (LL3); a slot
            left out exports nothing.
        directory: Folder on the workstation the files are written to (LL4): absolute,
            or relative to the base folder of the export target (the ``amparex``
            command's: its configuration's folder), so that a configuration folder
            copied with its store exports into its own folder.
        file_pattern: :meth:`str.format` pattern of the export file names over
            ``customer_number``, ``statistic`` (the slot's value, e.g. ``customers``),
            ``statistik`` (its German name: ``kunden``, ``brillen``, ``kontaktlinsen``,
            ``hoergeraete``), ``workstation`` (the configuration's computer) and
            ``date``. ``statistic`` or ``statistik`` is required; ``date`` too, so that a
            statistic is exported at most once per day — except with *fixed_names*.
            Default: ``{customer_number}_{statistic}_{date:%Y%m%d}.csv``, with
            *fixed_names* ``{statistik}.csv``.
        fixed_names: The manual's literal mode (LL9): one fixed name per statistic (no
            ``date``), written when absent; after its confirmed upload the file moves to
            the folder's ``sent/`` folder, so the next start writes it again.
        destination: Where the files are uploaded (e.g. ``sftp://kunde@ftp.example:22/in``),
            recorded when configuring, so that two configurations uploading under the
            same remote names are refused (LL10); ``None`` when not recorded, which counts
            as the same destination as any other.
    """

    customer_number: str = attrs.field(converter=_required_text)
    directory: str
    statistics: Mapping[StatisticKind, str] = attrs.field(
        factory=dict, converter=_statistics, hash=False
    )
    fixed_names: bool = attrs.field(default=False, kw_only=True)
    file_pattern: str = attrs.field(default=attrs.Factory(_file_pattern, takes_self=True))
    destination: str | None = attrs.field(default=None, converter=_optional_text, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not self.customer_number:
            raise CustomerNumberRequired()
        if not is_export_directory(self.directory):
            raise ExportDirectoryInvalid(directory=self.directory, reason=said("not a folder path"))
        _check_pattern(self.file_pattern, self.customer_number, fixed=self.fixed_names)

    def file_name(
        self, statistic: StatisticKind, on: dt.date, workstation: str = _SAMPLE_WORKSTATION
    ) -> str:
        """The export file name of *statistic* on day *on* on *workstation* (LL6, LL9)."""
        return _fill(self.file_pattern, self.customer_number, statistic, on, workstation)

    def names_on(self, on: dt.date, workstation: str) -> set[str]:
        """The file names the configuration makes on day *on*: one per slot in use (LL10)."""
        return {self.file_name(kind, on, workstation) for kind in self.statistics}


InterfaceSettings = CardOrderSettings | LoyaltyLabSettings


# ------------------------------------------------------------------ kinds


@frozen
class KindPolicy:
    """What a kind of interface declares about itself (IF1)."""

    scope: Scope
    workstation_only: bool
    placement: Placement
    settings_type: type[InterfaceSettings]
    default_display_name: str

    @property
    def default_client_side(self) -> bool:
        """Whether a configuration runs client-side when nobody says otherwise (IF6)."""
        return self.placement is Placement.CLIENT_ONLY


class InterfaceKind(enum.Enum):
    """The kinds of interface (IF1)."""

    CARD_ORDER = "card_order"
    LOYALTY_LAB = "loyalty_lab"

    @property
    def policy(self) -> KindPolicy:
        """The kind's declared policy."""
        return _POLICIES[self]


_POLICIES: Final[Mapping[InterfaceKind, KindPolicy]] = {
    InterfaceKind.CARD_ORDER: KindPolicy(
        scope=Scope.BRANCH,
        workstation_only=False,
        placement=Placement.SERVER_ONLY,
        settings_type=CardOrderSettings,
        default_display_name="Kundenkartenbestellung bei AMPAREX",
    ),
    InterfaceKind.LOYALTY_LAB: KindPolicy(
        scope=Scope.WORKSTATION,
        workstation_only=True,
        placement=Placement.CLIENT_ONLY,
        settings_type=LoyaltyLabSettings,
        default_display_name="Loyalty Lab",
    ),
}


def _kind_of(settings: InterfaceSettings) -> str:
    for kind, policy in _POLICIES.items():
        if type(settings) is policy.settings_type:
            return kind.value
    return type(settings).__name__  # pragma: no cover - only for foreign objects


# ------------------------------------------------------------------ configuration


@frozen
class UniquenessKey:
    """The key under which two configurations collide (IF7).

    Only the parts the kind's scope names are filled; the others are ``None``.
    """

    kind: InterfaceKind
    scope: Scope
    branch: str | None
    workstation: str | None
    display_name: str

    @property
    def text(self) -> str:
        """A stable one-line form for a store's unique index."""
        parts = (
            self.kind.value,
            self.scope.value,
            "" if self.branch is None else self.branch,
            "" if self.workstation is None else self.workstation,
            self.display_name,
        )
        return "\x1f".join(parts)


def _strip_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()


@frozen
class InterfaceConfig:
    """One configured interface (Schnittstelle).

    Construction enforces every rule that needs no other object (IF1, IF6, LL1–LL4);
    uniqueness (IF7) is the store's job, by :meth:`uniqueness_key`.

    Attributes:
        id: Identity of the configuration.
        kind: Which interface.
        settings: The kind's settings; their type must match the kind (IF1).
        display_name: Name shown for the interface (Angezeigter Name); part of uniqueness.
        branch: ``None`` lets every branch use it, a branch ID only that branch (IF2).
        workstation: Set when configured through the workstation settings: only that
            computer may use it; ``None`` when configured through branch management (IF3).
        client_side: Whether it runs on the workstation (IF6); defaults from the kind.
        start: First day it is enabled, inclusive; ``None`` means at once (IF5).
    """

    id: str
    kind: InterfaceKind
    settings: InterfaceSettings
    display_name: str = attrs.field(default=None, converter=_strip)
    branch: str | None = attrs.field(default=None, converter=_strip_or_none)
    workstation: str | None = attrs.field(default=None, converter=_strip_or_none)
    client_side: bool = attrs.field(default=None)
    start: dt.date | None = None
    # Resolution (IF9) compares and sorts the same configurations again and again (a
    # store keeps decoded configurations): their keys are made once, at construction.
    # (Not functools.cached_property: on a slotted attrs class it adds a __getattr__,
    # which makes every attribute read of the class several times slower in CPython.)
    _workstation_key: str | None = attrs.field(init=False, eq=False, repr=False)
    _resolution_order: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        policy = self.kind.policy
        if type(self.settings) is not policy.settings_type:
            raise InterfaceSettingsMismatch(
                kind=self.kind.value, settings_kind=_kind_of(self.settings)
            )
        if cast("str | None", self.display_name) is None:
            object.__setattr__(self, "display_name", policy.default_display_name)
        display_key = name_key(self.display_name)
        if not display_key:
            raise DisplayNameRequired(kind=self.kind.value)
        if cast("bool | None", self.client_side) is None:
            object.__setattr__(self, "client_side", policy.default_client_side)
        if policy.workstation_only and self.workstation is None:
            raise WorkstationRequired(kind=self.kind.value)
        if policy.placement is Placement.CLIENT_ONLY and not self.client_side:
            raise ClientSideRequired(kind=self.kind.value)
        if policy.placement is Placement.SERVER_ONLY and self.client_side:
            raise ServerSideRequired(kind=self.kind.value)
        if isinstance(self.start, dt.datetime):
            raise TypeError("start is a date, not a datetime")
        settings = self.settings
        if (
            isinstance(settings, LoyaltyLabSettings)
            and self.workstation is not None
            and "workstation" in _pattern_fields(settings.file_pattern)
        ):
            # The names with this computer's name in them must be plain names too.
            _check_pattern(
                settings.file_pattern,
                settings.customer_number,
                fixed=settings.fixed_names,
                workstation=self.workstation,
            )
        workstation_key = None if self.workstation is None else name_key(self.workstation)
        object.__setattr__(self, "_workstation_key", workstation_key)
        object.__setattr__(self, "_resolution_order", _order_text(self, display_key))

    @property
    def policy(self) -> KindPolicy:
        """The policy of this configuration's kind."""
        return self.kind.policy

    @property
    def with_workstation_settings(self) -> bool:
        """Whether it was configured through a workstation's settings (IF3, IF4)."""
        return self.workstation is not None

    @property
    def specificity(self) -> Specificity:
        """Workstation-bound, branch-bound or chain-wide (IF9)."""
        if self.workstation is not None:
            return Specificity.WORKSTATION
        if self.branch is not None:
            return Specificity.BRANCH
        return Specificity.CHAIN

    def uniqueness_key(self) -> UniquenessKey:
        """The key two colliding configurations share (IF7).

        Display names and workstation names compare by :func:`name_key`; branch IDs
        exactly. The kind's scope decides which of branch and workstation belong to it.
        """
        scope = self.policy.scope
        return UniquenessKey(
            kind=self.kind,
            scope=scope,
            branch=self.branch if scope is Scope.BRANCH else None,
            workstation=(
                name_key(self.workstation)
                if scope is Scope.WORKSTATION and self.workstation is not None
                else None
            ),
            display_name=name_key(self.display_name),
        )

    def is_available(self, *, branch: str | None, workstation: str | None, on: dt.date) -> bool:
        """Whether this configuration may be used there and then (IF2, IF3, IF5).

        Args:
            branch: The branch asking; ``None`` when it does not matter (a server job).
            workstation: The computer asking; ``None`` for a server job.
            on: The day asked about, in the chain's time zone.
        """
        if self.branch is not None and self.branch != _strip_or_none(branch):
            return False
        if self.workstation is not None and (
            workstation is None or self._workstation_key != name_key(workstation)
        ):
            return False
        return self.start is None or on >= self.start

    def matches_place(self, *, branch: str | None, workstation: str | None) -> bool:
        """Whether branch and workstation fit, whatever the date (IF2, IF3)."""
        return self.is_available(branch=branch, workstation=workstation, on=dt.date.max)


def refuse_key_in_clear(config: InterfaceConfig) -> None:
    """Refuse a configuration that would keep a secret's value in a store (OP6, CO1).

    Stores call it before they write a configuration; the services before they configure.

    Raises:
        KeyInClear: A card-ordering configuration holds its key as a value
            (:class:`~.secret.Secret`), not as a reference (:class:`~.secret.SecretRef`).
    """
    settings = config.settings
    if isinstance(settings, CardOrderSettings) and settings.key_in_clear:
        raise KeyInClear(interface_id=config.id)


def resolve(
    configs: Iterable[InterfaceConfig],
    *,
    kind: InterfaceKind,
    branch: str | None,
    workstation: str | None,
    on: dt.date,
) -> list[InterfaceConfig]:
    """The configurations of *kind* available there and then, most specific first (IF9).

    Workstation-bound configurations come first, then branch-bound, then chain-wide; ties
    sort by display name and ID, so the order is stable.
    """
    place = _strip_or_none(branch)
    workstation_key = None if workstation is None else name_key(workstation)
    found = [  # is_available, inlined: this runs for every candidate of every resolution
        c
        for c in configs
        if c.kind is kind
        and (c.branch is None or c.branch == place)
        and (c.workstation is None or c._workstation_key == workstation_key)
        and (c.start is None or on >= c.start)
    ]
    found.sort(key=_RESOLUTION_ORDER)
    return found


_RESOLUTION_ORDER: Final = operator.attrgetter("_resolution_order")


def _order_text(config: InterfaceConfig, display_key: str) -> str:
    """(specificity, display name key, ID) as one text that sorts like the tuple.

    A text compares several times faster than a tuple. NUL is escaped as NUL SOH inside
    the parts, so the separator NUL NUL sorts before anything a part continues with.
    """
    parts = (str(int(config.specificity)), display_key, config.id)
    return "\x00\x00".join(part.replace("\x00", "\x00\x01") for part in parts)


def plan_exports(config: InterfaceConfig, on: dt.date) -> list[StatisticExport]:
    """The exports a Loyalty Lab configuration makes on day *on* (LL5, LL6).

    One per statistic slot that selects a template, in slot order.

    Raises:
        InterfaceSettingsMismatch: *config* is not a Loyalty Lab configuration.
    """
    settings = config.settings
    if not isinstance(settings, LoyaltyLabSettings):
        raise InterfaceSettingsMismatch(
            kind=InterfaceKind.LOYALTY_LAB.value, settings_kind=config.kind.value
        )
    return [
        StatisticExport(
            interface_id=config.id,
            statistic=statistic,
            template_id=template_id,
            directory=settings.directory,
            file_name=settings.file_name(statistic, on, config.workstation or ""),
            on=on,
        )
        for statistic, template_id in settings.statistics.items()
    ]
