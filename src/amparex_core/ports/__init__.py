"""The ports of amparex-core: :class:`typing.Protocol` contracts the adapters implement.

One module per port, named like the adapter folder that implements it
(``ports/delivery.py`` ↔ ``amparex_adapters/delivery/``). Each method's docstring
(Args / Returns / Raises) is the contract; ``tests/contract/`` proves every adapter
against it.
"""

from typing import TYPE_CHECKING

from amparex_core.domain import _lazy

if TYPE_CHECKING:
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

# Where each public name lives: imported on first use (PEP 562), see amparex_core.domain._lazy.
_EXPORTS: dict[str, str] = {
    "AlertSender": ".alerts",
    "Clock": ".clock",
    "FileDelivery": ".delivery",
    "ParcelDelivery": ".delivery",
    "DocumentPart": ".documents",
    "DocumentRenderer": ".documents",
    "ExportTarget": ".exports",
    "FolderChanges": ".exports",
    "MasterData": ".masterdata",
    "MasterDataSearch": ".masterdata",
    "AlertLedger": ".operations",
    "OperationsLog": ".operations",
    "RunLog": ".operations",
    "ProcessTable": ".processes",
    "CardReader": ".readers",
    "CardWriter": ".readers",
    "StatisticResult": ".statistics",
    "StatisticSource": ".statistics",
    "CardStore": ".storage",
    "InterfaceStore": ".storage",
    "OrderStore": ".storage",
    "Storage": ".storage",
    "TemplateStore": ".storage",
    "UploadLedger": ".storage",
}

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


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    return _lazy.load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return _lazy.names(__name__, _EXPORTS)
