"""Every refusal of the library, as one tree rooted in :class:`AmparexError`.

Each error has a stable, dotted :attr:`~AmparexError.code` (host applications switch on
it), its facts as attributes, and a message in English and German
(:meth:`~AmparexError.message`). ``str(error)`` is the English message. No error ever
holds a secret value.

Where the meaning matches, an error also subclasses a builtin: :class:`LookupError` for
things that do not exist, :class:`ValueError` for invalid values; failures of peers
(delivery, readers) stay plain :class:`AmparexError`::

    AmparexError
    ├── InterfaceError
    │   ├── InterfaceDuplicate              interface.duplicate              (ValueError)
    │   ├── InterfaceSettingsMismatch       interface.settings_mismatch      (ValueError)
    │   ├── WorkstationRequired             interface.workstation_required   (ValueError)
    │   ├── ClientSideRequired              interface.client_side_required   (ValueError)
    │   ├── ServerSideRequired              interface.server_side_required   (ValueError)
    │   ├── DisplayNameRequired             interface.display_name_required  (ValueError)
    │   ├── InterfaceNotAvailable           interface.not_available          (LookupError)
    │   ├── ContractRequired                interface.contract_required      (ValueError)
    │   ├── InterfaceUnknown                interface.unknown                (LookupError)
    │   └── KeyInClear                      interface.key_in_clear           (ValueError)
    ├── LoyaltyLabError
    │   ├── CustomerNumberRequired          loyalty_lab.customer_number_required (ValueError)
    │   ├── FilePatternInvalid              loyalty_lab.file_pattern_invalid (ValueError)
    │   └── DestinationTaken                loyalty_lab.destination_taken    (ValueError)
    ├── StatisticError
    │   ├── StatisticTemplateUnknown        statistic.unknown_template       (LookupError)
    │   ├── StatisticFormatNotCsv           statistic.format_not_csv         (ValueError)
    │   └── StatisticFailed                 statistic.failed
    ├── ExportError
    │   ├── ExportDirectoryInvalid          export.directory_invalid         (ValueError)
    │   └── ExportFailed                    export.failed
    ├── TemplateError
    │   ├── TemplateDuplicate               template.duplicate               (ValueError)
    │   ├── TemplateNameRequired            template.name_required           (ValueError)
    │   ├── NoTemplateDefined               template.none_defined            (LookupError)
    │   ├── TemplateUnknown                 template.unknown                 (LookupError)
    │   ├── DocumentTemplateUnknown         template.document_unknown        (LookupError)
    │   ├── DocumentTemplateInvalid         template.document_invalid       (ValueError)
    │   ├── DocumentTemplateWrongKind       template.document_wrong_kind     (ValueError)
    │   ├── CoverLetterRequired             template.cover_letter_required   (ValueError)
    │   └── RollerClipEmployeeOnly          template.roller_clip_employee_only (ValueError)
    ├── OrderError
    │   ├── ValidityRequired                order.validity_required          (ValueError)
    │   ├── ValidityNotAfterOrderDate       order.validity_not_after_order_date (ValueError)
    │   ├── AddressMissing                  order.address_missing            (LookupError)
    │   ├── HolderUnknown                   order.holder_unknown             (LookupError)
    │   ├── BranchUnknown                   order.branch_unknown             (LookupError)
    │   ├── ProcessRefInvalid               order.process_ref_invalid        (ValueError)
    │   ├── OrderNotCancellable             order.not_cancellable            (ValueError)
    │   ├── OrderConflict                   order.conflict                   (ValueError)
    │   ├── OrderUnknown                    order.unknown                    (LookupError)
    │   └── PriceMissing                    order.price_missing              (LookupError)
    ├── CardError
    │   ├── CardUnknown                     card.unknown                     (LookupError)
    │   ├── CardBlocked                     card.blocked                     (ValueError)
    │   ├── CardExpired                     card.expired                     (ValueError)
    │   ├── CardUidTaken                    card.uid_taken                   (ValueError)
    │   ├── CardUidInvalid                  card.uid_invalid                 (ValueError)
    │   ├── CardAlreadyRegistered           card.already_registered          (ValueError)
    │   ├── CardNumberInvalid               card.number_invalid              (ValueError)
    │   ├── CardDuplicate                   card.duplicate                   (ValueError)
    │   ├── CardTypeMismatch                card.type_mismatch               (ValueError)
    │   └── CardWriteFailed                 card.write_failed
    ├── DeliveryError
    │   ├── DeliveryFailed                  delivery.failed
    │   └── HostKeyRejected                 delivery.host_key_rejected
    ├── ReaderError
    │   ├── ReaderUnavailable               reader.unavailable
    │   ├── CardRemoved                     reader.card_removed
    │   └── CardUnreadable                  reader.card_unreadable
    ├── MasterDataError
    │   └── MasterDataInvalid               masterdata.invalid               (ValueError)
    ├── OperationsError
    │   └── MetricsUnavailable              metrics.unavailable
    ├── StorageError
    │   ├── StorageUnavailable              storage.unavailable
    │   ├── StorageSchemaTooNew             storage.schema_too_new
    │   ├── StorageSchemaTooOld             storage.schema_too_old
    │   └── StorageValueInvalid             storage.value_invalid            (ValueError)
    └── AdapterError
        └── AdapterUnknown                  adapter.unknown                  (LookupError)

A new rule may add codes; an existing code never changes meaning.
"""

from __future__ import annotations

import importlib

# The classes are shown under this package's name (each family module publishes its own),
# so typing.get_type_hints resolves their annotations here.
from typing import TYPE_CHECKING, Any, ClassVar  # noqa: F401

from amparex_core.domain import _lazy

from ._base import AmparexError, Lang, error_class

if TYPE_CHECKING:
    from ._cards import (
        CardAlreadyRegistered,
        CardBlocked,
        CardDuplicate,
        CardError,
        CardExpired,
        CardNumberInvalid,
        CardRemoved,
        CardTypeMismatch,
        CardUidInvalid,
        CardUidTaken,
        CardUnknown,
        CardUnreadable,
        CardWriteFailed,
        DeliveryError,
        DeliveryFailed,
        HostKeyRejected,
        ReaderError,
        ReaderUnavailable,
    )
    from ._configuration import (
        ClientSideRequired,
        ContractRequired,
        CustomerNumberRequired,
        DestinationTaken,
        DisplayNameRequired,
        ExportDirectoryInvalid,
        ExportError,
        ExportFailed,
        FilePatternInvalid,
        InterfaceDuplicate,
        InterfaceError,
        InterfaceNotAvailable,
        InterfaceSettingsMismatch,
        InterfaceUnknown,
        KeyInClear,
        LoyaltyLabError,
        ServerSideRequired,
        StatisticError,
        StatisticFailed,
        StatisticFormatNotCsv,
        StatisticTemplateUnknown,
        WorkstationRequired,
    )
    from ._infrastructure import (
        AdapterError,
        AdapterUnknown,
        MasterDataError,
        MasterDataInvalid,
        MetricsUnavailable,
        OperationsError,
        StorageError,
        StorageSchemaTooNew,
        StorageSchemaTooOld,
        StorageUnavailable,
        StorageValueInvalid,
    )
    from ._ordering import (
        AddressMissing,
        BranchUnknown,
        CoverLetterRequired,
        DocumentTemplateInvalid,
        DocumentTemplateUnknown,
        DocumentTemplateWrongKind,
        HolderUnknown,
        NoTemplateDefined,
        OrderConflict,
        OrderError,
        OrderNotCancellable,
        OrderUnknown,
        PriceMissing,
        ProcessRefInvalid,
        RollerClipEmployeeOnly,
        TemplateDuplicate,
        TemplateError,
        TemplateNameRequired,
        TemplateUnknown,
        ValidityNotAfterOrderDate,
        ValidityRequired,
    )

#: The family modules in the order of the tree above, which all_error_classes() follows.
_FAMILIES = ("_configuration", "_ordering", "_cards", "_infrastructure")

# Where each error class lives: a family is imported when one of its classes is first used
# (PEP 562), so a run that refuses nothing builds none of the classes it does not need.
_EXPORTS: dict[str, str] = {
    "CardAlreadyRegistered": "._cards",
    "CardBlocked": "._cards",
    "CardDuplicate": "._cards",
    "CardError": "._cards",
    "CardExpired": "._cards",
    "CardNumberInvalid": "._cards",
    "CardRemoved": "._cards",
    "CardTypeMismatch": "._cards",
    "CardUidInvalid": "._cards",
    "CardUidTaken": "._cards",
    "CardUnknown": "._cards",
    "CardUnreadable": "._cards",
    "CardWriteFailed": "._cards",
    "DeliveryError": "._cards",
    "DeliveryFailed": "._cards",
    "HostKeyRejected": "._cards",
    "ReaderError": "._cards",
    "ReaderUnavailable": "._cards",
    "ClientSideRequired": "._configuration",
    "ContractRequired": "._configuration",
    "CustomerNumberRequired": "._configuration",
    "DestinationTaken": "._configuration",
    "DisplayNameRequired": "._configuration",
    "ExportDirectoryInvalid": "._configuration",
    "ExportError": "._configuration",
    "ExportFailed": "._configuration",
    "FilePatternInvalid": "._configuration",
    "InterfaceDuplicate": "._configuration",
    "InterfaceError": "._configuration",
    "InterfaceNotAvailable": "._configuration",
    "InterfaceSettingsMismatch": "._configuration",
    "InterfaceUnknown": "._configuration",
    "KeyInClear": "._configuration",
    "LoyaltyLabError": "._configuration",
    "ServerSideRequired": "._configuration",
    "StatisticError": "._configuration",
    "StatisticFailed": "._configuration",
    "StatisticFormatNotCsv": "._configuration",
    "StatisticTemplateUnknown": "._configuration",
    "WorkstationRequired": "._configuration",
    "AdapterError": "._infrastructure",
    "AdapterUnknown": "._infrastructure",
    "MasterDataError": "._infrastructure",
    "MasterDataInvalid": "._infrastructure",
    "MetricsUnavailable": "._infrastructure",
    "OperationsError": "._infrastructure",
    "StorageError": "._infrastructure",
    "StorageSchemaTooNew": "._infrastructure",
    "StorageSchemaTooOld": "._infrastructure",
    "StorageUnavailable": "._infrastructure",
    "StorageValueInvalid": "._infrastructure",
    "AddressMissing": "._ordering",
    "BranchUnknown": "._ordering",
    "CoverLetterRequired": "._ordering",
    "DocumentTemplateInvalid": "._ordering",
    "DocumentTemplateUnknown": "._ordering",
    "DocumentTemplateWrongKind": "._ordering",
    "HolderUnknown": "._ordering",
    "NoTemplateDefined": "._ordering",
    "OrderConflict": "._ordering",
    "OrderError": "._ordering",
    "OrderNotCancellable": "._ordering",
    "OrderUnknown": "._ordering",
    "PriceMissing": "._ordering",
    "ProcessRefInvalid": "._ordering",
    "RollerClipEmployeeOnly": "._ordering",
    "TemplateDuplicate": "._ordering",
    "TemplateError": "._ordering",
    "TemplateNameRequired": "._ordering",
    "TemplateUnknown": "._ordering",
    "ValidityNotAfterOrderDate": "._ordering",
    "ValidityRequired": "._ordering",
}

__all__ = [
    "AdapterError",
    "AdapterUnknown",
    "AddressMissing",
    "AmparexError",
    "BranchUnknown",
    "CardAlreadyRegistered",
    "CardBlocked",
    "CardDuplicate",
    "CardError",
    "CardExpired",
    "CardNumberInvalid",
    "CardRemoved",
    "CardTypeMismatch",
    "CardUidInvalid",
    "CardUidTaken",
    "CardUnknown",
    "CardUnreadable",
    "CardWriteFailed",
    "ClientSideRequired",
    "ContractRequired",
    "CoverLetterRequired",
    "CustomerNumberRequired",
    "DeliveryError",
    "DeliveryFailed",
    "DestinationTaken",
    "DisplayNameRequired",
    "DocumentTemplateInvalid",
    "DocumentTemplateUnknown",
    "DocumentTemplateWrongKind",
    "ExportDirectoryInvalid",
    "ExportError",
    "ExportFailed",
    "FilePatternInvalid",
    "HolderUnknown",
    "HostKeyRejected",
    "InterfaceDuplicate",
    "InterfaceError",
    "InterfaceNotAvailable",
    "InterfaceSettingsMismatch",
    "InterfaceUnknown",
    "KeyInClear",
    "Lang",
    "LoyaltyLabError",
    "MasterDataError",
    "MasterDataInvalid",
    "MetricsUnavailable",
    "NoTemplateDefined",
    "OperationsError",
    "OrderConflict",
    "OrderError",
    "OrderNotCancellable",
    "OrderUnknown",
    "PriceMissing",
    "ProcessRefInvalid",
    "ReaderError",
    "ReaderUnavailable",
    "RollerClipEmployeeOnly",
    "ServerSideRequired",
    "StatisticError",
    "StatisticFailed",
    "StatisticFormatNotCsv",
    "StatisticTemplateUnknown",
    "StorageError",
    "StorageSchemaTooNew",
    "StorageSchemaTooOld",
    "StorageUnavailable",
    "StorageValueInvalid",
    "TemplateDuplicate",
    "TemplateError",
    "TemplateNameRequired",
    "TemplateUnknown",
    "ValidityNotAfterOrderDate",
    "ValidityRequired",
    "WorkstationRequired",
    "all_error_classes",
    "error_class",
]


def all_error_classes() -> list[type[AmparexError]]:
    """Every concrete error class, in definition order.

    Returns:
        The classes that carry a code of their own.
    """
    families = [importlib.import_module(f".{name}", __name__) for name in _FAMILIES]
    found: list[type[AmparexError]] = []
    pending: list[type[AmparexError]] = [AmparexError]
    while pending:
        cls = pending.pop(0)
        sub: type[AmparexError]
        for sub in cls.__subclasses__():
            pending.append(sub)
            if "_fact_defaults" in vars(sub) and sub.code != cls.code:
                found.append(sub)
    # Families load on first use, in any order: keep the tree's order of the families.
    rank: dict[object, int] = {}
    for number, family in enumerate(families):
        for value in vars(family).values():
            if isinstance(value, type):
                rank.setdefault(value, number)
    return sorted(found, key=lambda cls: rank.get(cls, len(families)))


AmparexError.__module__ = __name__


def __getattr__(name: str) -> object:
    """An error class, its family imported on first use."""
    return _lazy.load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return _lazy.names(__name__, _EXPORTS)
