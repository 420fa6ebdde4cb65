"""The ports of amparex-core: :class:`typing.Protocol` contracts the adapters implement.

One module per port, named like the adapter folder that implements it
(``ports/delivery.py`` ↔ ``amparex_adapters/delivery/``). Each method's docstring
(Args / Returns / Raises) is the contract; ``tests/contract/`` proves every adapter
against it.
"""

from .alerts import AlertSender
from .clock import Clock
from .delivery import FileDelivery, ParcelDelivery
from .documents import DocumentPart, DocumentRenderer
from .exports import ExportTarget, FolderChanges
from .masterdata import MasterData, MasterDataSearch
from .operations import AlertLedger, OperationsLog, RunLog
from .processes import ProcessTable
from .readers import CardReader, CardWriter
from .statistics import StatisticResult, StatisticSource
from .storage import CardStore, InterfaceStore, OrderStore, Storage, TemplateStore, UploadLedger

__all__ = [
    "AlertLedger",
    "AlertSender",
    "CardReader",
    "CardStore",
    "CardWriter",
    "Clock",
    "DocumentPart",
    "DocumentRenderer",
    "ExportTarget",
    "FileDelivery",
    "FolderChanges",
    "InterfaceStore",
    "MasterData",
    "MasterDataSearch",
    "OperationsLog",
    "OrderStore",
    "ParcelDelivery",
    "ProcessTable",
    "RunLog",
    "StatisticResult",
    "StatisticSource",
    "Storage",
    "TemplateStore",
    "UploadLedger",
]
