"""The pure domain of amparex-core: objects and rules, no I/O.

This package imports nothing outside the standard library and :mod:`attrs`. Time, IDs and
time zones come in as arguments.
"""

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
from .periods import Period
from .secret import Secret, SecretRef
from .statistics import ExportOutcome, StatisticExport, StatisticKind
from .templates import CardKind, CardTemplate, CardType, ShippingInterval, ShipTo
from .text import name_key
from .uploads import FileFacts, UploadOutcome, UploadRecord, UploadState

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
