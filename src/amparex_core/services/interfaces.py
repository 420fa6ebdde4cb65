"""Configure, edit, search, remove and resolve interfaces (IF1–IF9, LL1–LL4, CO22)."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import attrs

from amparex_core.domain.errors import (
    DestinationTaken,
    ExportDirectoryInvalid,
    InterfaceNotAvailable,
    StatisticFormatNotCsv,
    StatisticTemplateUnknown,
)
from amparex_core.domain.interfaces import (
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    InterfaceSettings,
    LoyaltyLabSettings,
    refuse_key_in_clear,
    resolve,
)
from amparex_core.domain.outbox import shared_remote_name
from amparex_core.domain.secret import Secret, SecretRef
from amparex_core.domain.text import said

if TYPE_CHECKING:
    from amparex_core.ports.exports import ExportTarget
    from amparex_core.ports.masterdata import MasterData
    from amparex_core.ports.storage import InterfaceStore

__all__ = ["KEEP", "InterfaceService", "Keep", "new_id"]


class Keep(enum.Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""Keep this value as it is (an argument of an edit, CO22): ``None`` would clear it."""

logger = logging.getLogger(__name__)


def new_id() -> str:
    """A fresh random ID (32 hex digits)."""
    return uuid.uuid4().hex


class InterfaceService:
    """Use cases of interface configuration.

    Args:
        store: Where configurations live; it enforces uniqueness (IF7, IF8).
        masterdata: Checks that statistic templates exist and are CSV (LL3); without it
            these checks are skipped.
        exports: Checks that a Loyalty Lab directory is usable (LL4) when configuring on
            the workstation itself; without it only the path's form is checked.
        id_factory: Makes IDs of new configurations.
    """

    def __init__(
        self,
        store: InterfaceStore,
        *,
        masterdata: MasterData | None = None,
        exports: ExportTarget | None = None,
        id_factory: Callable[[], str] = new_id,
    ) -> None:
        self._store = store
        self._masterdata = masterdata
        self._exports = exports
        self._new_id = id_factory

    def configure(
        self,
        kind: InterfaceKind,
        settings: InterfaceSettings,
        *,
        display_name: str | None = None,
        branch: str | None = None,
        workstation: str | None = None,
        client_side: bool | None = None,
        start: dt.date | None = None,
    ) -> InterfaceConfig:
        """Configure a new interface.

        Returns:
            The stored configuration with its new ID.

        Raises:
            InterfaceDuplicate: The kind is configured in that scope under that display
                name already (IF7); the error names the existing configuration.
            InterfaceSettingsMismatch: *settings* belong to another kind (IF1).
            WorkstationRequired: A workstation-only kind without workstation (LL1).
            ClientSideRequired: A client-side kind configured server-side (LL1, IF6).
            ServerSideRequired: A server-side kind configured client-side (IF6).
            StatisticTemplateUnknown: A statistic slot names no template (LL3).
            StatisticFormatNotCsv: A statistic template is not CSV (LL3).
            ExportDirectoryInvalid: The directory cannot be used (LL4).
            DestinationTaken: Another Loyalty Lab configuration uploads files under the
                same remote names (LL10); the error names it.
            KeyInClear: The card contract's key is given as its value, not as a
                reference to the secret that keeps it (OP6).
        """
        config = InterfaceConfig(
            id=self._new_id(),
            kind=kind,
            settings=settings,
            display_name=display_name,  # None: the kind's default
            branch=branch,
            workstation=workstation,
            client_side=kind.policy.default_client_side if client_side is None else client_side,
            start=start,
        )
        refuse_key_in_clear(config)
        self._check_references(config)
        self._store.add_interface(config)
        return config

    def update(
        self,
        interface: str | InterfaceConfig,
        *,
        display_name: str | Keep | None = KEEP,
        branch: str | Keep | None = KEEP,
        workstation: str | Keep | None = KEEP,
        client_side: bool | Keep = KEEP,
        start: dt.date | Keep | None = KEEP,
        **settings: Any,
    ) -> InterfaceConfig:
        """Edit a configuration in place: same ID, same kind, same rules as creating (CO22).

        Only what is given changes; :data:`KEEP` (the default) keeps a value, ``None``
        clears it (``branch=None``: every branch, ``start=None``: enabled at once,
        ``display_name=None``: the kind's default name). Keyword arguments named like an
        attribute of the kind's settings change that setting — ``contract``, ``key`` and
        ``customer_number`` of card ordering (the manual's flow: enter the contract and
        key AMPAREX sent after an information request, CO2), ``customer_number``,
        ``directory``, ``statistics`` and ``file_pattern`` of Loyalty Lab. Everything a
        new configuration is checked for is checked again (IF1, IF6, IF7, LL1–LL4); a
        refused change writes nothing.

        A whole configuration with the ID of a stored one replaces it (the form of 0.1).

        Returns:
            The stored configuration.

        Raises:
            InterfaceUnknown: No configuration has that ID.
            InterfaceDuplicate: The change collides with another configuration (IF7).
            TypeError: A keyword names no setting of the configuration's kind.
            InterfaceError: The changed configuration breaks a rule (see :meth:`configure`).
            LoyaltyLabError: Loyalty Lab settings break a rule (LL2, the file pattern).
            StatisticTemplateUnknown: A statistic slot names no template (LL3).
            StatisticFormatNotCsv: A statistic template is not CSV (LL3).
            ExportDirectoryInvalid: The directory cannot be used (LL4).
            DestinationTaken: The change makes it upload under another configuration's
                remote names (LL10).
            KeyInClear: A card contract's key is given as its value (OP6).
        """
        current = interface if isinstance(interface, InterfaceConfig) else self.get(interface)
        known = {field.name for field in attrs.fields(type(current.settings))}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise TypeError(
                f"{current.kind.value} settings have no {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("display_name", display_name),
                ("branch", branch),
                ("workstation", workstation),
                ("client_side", client_side),
                ("start", start),
            )
            if value is not KEEP
        }
        if settings:
            changes["settings"] = attrs.evolve(current.settings, **settings)
        config = attrs.evolve(current, **changes) if changes else current
        refuse_key_in_clear(config)
        self._check_references(config)
        self._store.replace_interface(config)
        return config

    def _check_references(self, config: InterfaceConfig) -> None:
        settings = config.settings
        if not isinstance(settings, LoyaltyLabSettings):
            return
        if self._masterdata is not None:
            from amparex_core.domain.masterdata import FileFormat  # only when checking

            for statistic, template_id in settings.statistics.items():
                template = self._masterdata.statistic_template(template_id)
                if template is None:
                    raise StatisticTemplateUnknown(
                        template_id=template_id, statistic=statistic.value
                    )
                if template.file_format is not FileFormat.CSV:
                    raise StatisticFormatNotCsv(
                        template_id=template_id, file_format=template.file_format.value
                    )
        if self._exports is not None:
            self._exports.check_directory(settings.directory)
        elif not settings.directory:  # pragma: no cover - refused by the settings
            raise ExportDirectoryInvalid(directory="", reason=said("empty"))
        self._check_destination(config, settings)

    def _check_destination(self, config: InterfaceConfig, settings: LoyaltyLabSettings) -> None:
        """Refuse a configuration whose remote file names another one uploads too (LL10).

        A check before the write: two workstations configuring colliding names at the
        same moment are not caught (the store has no constraint across configurations'
        names); the next configuration or update is.
        """
        for other in self._store.search_interfaces(kind=InterfaceKind.LOYALTY_LAB):
            if other.id == config.id:
                continue
            name = shared_remote_name(config, other)
            if name is None:
                continue
            theirs = other.settings
            assert isinstance(theirs, LoyaltyLabSettings)
            raise DestinationTaken(
                existing_id=other.id,
                existing_workstation=other.workstation,
                existing_directory=theirs.directory,
                destination=settings.destination or theirs.destination or "the same destination",
                file_name=name,
            )

    def keys_in_clear(self) -> list[InterfaceConfig]:
        """The card-ordering configurations whose key the store keeps as its value (OP6).

        Only stores written by 0.1.0 have such configurations; :meth:`move_keys` moves
        their keys out.
        """
        found = self._store.search_interfaces(kind=InterfaceKind.CARD_ORDER)
        return [
            c
            for c in found
            if isinstance(c.settings, CardOrderSettings) and c.settings.key_in_clear
        ]

    def report_keys_in_clear(self) -> list[InterfaceConfig]:
        """Log one WARNING when the store keeps card-contract keys as values (OP6).

        Returns:
            The configurations concerned (:meth:`keys_in_clear`).
        """
        found = self.keys_in_clear()
        if found:
            logger.warning(
                "the store keeps the card contract's key of %d interface(s) in clear text "
                "(written by amparex-core 0.1.0): move them out with "
                "`amparex interfaces move-keys`",
                len(found),
            )
        return found

    def move_keys(
        self, ref: SecretRef, value: Secret, *, dry_run: bool = False
    ) -> tuple[list[InterfaceConfig], list[InterfaceConfig]]:
        """Replace every key the store keeps as a value by *ref*, where it equals *value* (OP6).

        Each configuration is replaced on its own (its identity, and everything else of
        it, kept). A key that differs from *value* is left where it is: the secret *ref*
        names holds another key, and replacing it would lose this one.

        Args:
            ref: The secret that keeps the key from now on (``SecretRef("card_key")``).
            value: Its value, to compare with the stored keys.
            dry_run: Only tell what would be moved.

        Returns:
            ``(moved, differing)``: the configurations moved (as they are now) and those
            left because their key differs from *value*.
        """
        moved: list[InterfaceConfig] = []
        differing: list[InterfaceConfig] = []
        for config in self.keys_in_clear():
            settings = config.settings
            assert isinstance(settings, CardOrderSettings)
            if settings.key != value:
                differing.append(config)
                continue
            changed = attrs.evolve(config, settings=attrs.evolve(settings, key=ref))
            if not dry_run:
                self._store.replace_interface(changed)
            moved.append(changed)
        return moved, differing

    def get(self, interface_id: str) -> InterfaceConfig:
        """The configuration with *interface_id*.

        Raises:
            InterfaceUnknown: There is none.
        """
        return self._store.get_interface(interface_id)

    def remove(self, interface_id: str) -> InterfaceConfig:
        """Remove a configuration and return it.

        Raises:
            InterfaceUnknown: There is none.
        """
        return self._store.remove_interface(interface_id)

    def search(
        self, *, kind: InterfaceKind | None = None, with_workstation_settings: bool = False
    ) -> list[InterfaceConfig]:
        """Configurations, optionally of one kind, optionally only the workstation ones (IF4)."""
        return self._store.search_interfaces(
            kind=kind, with_workstation_settings=with_workstation_settings
        )

    def available(
        self,
        kind: InterfaceKind,
        *,
        branch: str | None,
        workstation: str | None,
        on: dt.date,
    ) -> list[InterfaceConfig]:
        """The configurations available there and then, most specific first (IF9).

        Returns:
            Possibly an empty list.
        """
        candidates = self._store.interface_candidates(kind, branch=branch, workstation=workstation)
        return resolve(candidates, kind=kind, branch=branch, workstation=workstation, on=on)

    def resolve(
        self,
        kind: InterfaceKind,
        *,
        branch: str | None,
        workstation: str | None,
        on: dt.date,
    ) -> list[InterfaceConfig]:
        """Like :meth:`available`, but nothing available is an error (IF9).

        Raises:
            InterfaceNotAvailable: Nothing of *kind* is available there and then.
        """
        found = self.available(kind, branch=branch, workstation=workstation, on=on)
        if not found:
            raise InterfaceNotAvailable(
                kind=kind.value, branch=branch, workstation=workstation, on=on.isoformat()
            )
        return found
