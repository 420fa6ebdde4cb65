"""The pure domain of amparex-core: objects and rules, no I/O.

This package imports nothing outside the standard library and :mod:`attrs`. Time, IDs and
time zones come in as arguments.
"""

from typing import TYPE_CHECKING

from . import _lazy

if TYPE_CHECKING:
    from .cards import (
        CardNumberFormat,
        CardPresentation,
        CardTechnology,
        CardUid,
        HolderRef,
        IssuedCard,
        UidForm,
    )
    from .claims import Holder
    from .csvdialect import CsvDialect
    from .errors import AmparexError
    from .interfaces import (
        CardOrderSettings,
        InterfaceConfig,
        InterfaceKind,
        KindPolicy,
        LoyaltyLabSettings,
        Scope,
        UniquenessKey,
    )
    from .letters import Addressee, Sender
    from .masterdata import (
        Branch,
        Customer,
        DocumentKind,
        DocumentTemplate,
        Employee,
        FileFormat,
        HolderKind,
        PostalAddress,
        StatisticTemplate,
    )
    from .money import CostItem, CostLine, Money, MoneyFormat, PriceList
    from .orders import Batch, BatchStatus, CardOrder, OrderStatus, ProcessRef, Recipient
    from .parcels import Attachment, DeliveryReceipt, OutgoingFile, Parcel
    from .periods import Period, ShippingInterval
    from .secret import Secret, SecretRef
    from .statistics import ExportOutcome, StatisticExport, StatisticKind
    from .templates import CardKind, CardTemplate, CardType, ShipTo
    from .text import name_key
    from .uploads import FileFacts, UploadOutcome, UploadRecord, UploadState

# Where each public name lives: imported on first use (PEP 562), see amparex_core.domain._lazy.
_EXPORTS: dict[str, str] = {
    "CardNumberFormat": ".cards",
    "CardPresentation": ".cards",
    "CardTechnology": ".cards",
    "CardUid": ".cards",
    "HolderRef": ".cards",
    "IssuedCard": ".cards",
    "UidForm": ".cards",
    "Holder": ".claims",
    "CsvDialect": ".csvdialect",
    "AmparexError": ".errors",
    "CardOrderSettings": ".interfaces",
    "InterfaceConfig": ".interfaces",
    "InterfaceKind": ".interfaces",
    "KindPolicy": ".interfaces",
    "LoyaltyLabSettings": ".interfaces",
    "Scope": ".interfaces",
    "UniquenessKey": ".interfaces",
    "Addressee": ".letters",
    "Sender": ".letters",
    "Branch": ".masterdata",
    "Customer": ".masterdata",
    "DocumentKind": ".masterdata",
    "DocumentTemplate": ".masterdata",
    "Employee": ".masterdata",
    "FileFormat": ".masterdata",
    "HolderKind": ".masterdata",
    "PostalAddress": ".masterdata",
    "StatisticTemplate": ".masterdata",
    "CostItem": ".money",
    "CostLine": ".money",
    "Money": ".money",
    "MoneyFormat": ".money",
    "PriceList": ".money",
    "Batch": ".orders",
    "BatchStatus": ".orders",
    "CardOrder": ".orders",
    "OrderStatus": ".orders",
    "ProcessRef": ".orders",
    "Recipient": ".orders",
    "Attachment": ".parcels",
    "DeliveryReceipt": ".parcels",
    "OutgoingFile": ".parcels",
    "Parcel": ".parcels",
    "Period": ".periods",
    "Secret": ".secret",
    "SecretRef": ".secret",
    "ExportOutcome": ".statistics",
    "StatisticExport": ".statistics",
    "StatisticKind": ".statistics",
    "CardKind": ".templates",
    "CardTemplate": ".templates",
    "CardType": ".templates",
    "ShippingInterval": ".periods",
    "ShipTo": ".templates",
    "name_key": ".text",
    "FileFacts": ".uploads",
    "UploadOutcome": ".uploads",
    "UploadRecord": ".uploads",
    "UploadState": ".uploads",
}

__all__ = [
    "Addressee",
    "AmparexError",
    "Attachment",
    "Batch",
    "BatchStatus",
    "Branch",
    "CardKind",
    "CardNumberFormat",
    "CardOrder",
    "CardOrderSettings",
    "CardPresentation",
    "CardTechnology",
    "CardTemplate",
    "CardType",
    "CardUid",
    "CostItem",
    "CostLine",
    "CsvDialect",
    "Customer",
    "DeliveryReceipt",
    "DocumentKind",
    "DocumentTemplate",
    "Employee",
    "ExportOutcome",
    "FileFacts",
    "FileFormat",
    "Holder",
    "HolderKind",
    "HolderRef",
    "InterfaceConfig",
    "InterfaceKind",
    "IssuedCard",
    "KindPolicy",
    "LoyaltyLabSettings",
    "Money",
    "MoneyFormat",
    "OrderStatus",
    "OutgoingFile",
    "Parcel",
    "Period",
    "PostalAddress",
    "PriceList",
    "ProcessRef",
    "Recipient",
    "Scope",
    "Secret",
    "SecretRef",
    "Sender",
    "ShipTo",
    "ShippingInterval",
    "StatisticExport",
    "StatisticKind",
    "StatisticTemplate",
    "UidForm",
    "UniquenessKey",
    "UploadOutcome",
    "UploadRecord",
    "UploadState",
    "name_key",
]


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    return _lazy.load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return _lazy.names(__name__, _EXPORTS)
