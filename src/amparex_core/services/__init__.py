"""Use cases: where domain objects meet ports. Each service gets its ports in its constructor."""

from typing import TYPE_CHECKING

from amparex_core.domain import _lazy

if TYPE_CHECKING:
    from .cards import CardDesk, Identification
    from .claims import Claimant
    from .interfaces import InterfaceService
    from .loyalty_lab import ExportResult, LoyaltyLab, StartupReport, UploadResult
    from .orders import (
        BatchOutcome,
        BatchResult,
        ChainSettings,
        DispatchReport,
        InformationRequest,
        OrderService,
        PlacedOrder,
    )
    from .outbox import OutboxWatcher, PurgedFile, PurgeReport, Retention
    from .progress import Progress
    from .startup import ProgramStart, ProgramStartReport
    from .templates import TemplateService

# Where each public name lives: imported on first use (PEP 562), see amparex_core.domain._lazy.
_EXPORTS: dict[str, str] = {
    "CardDesk": ".cards",
    "Identification": ".cards",
    "Claimant": ".claims",
    "InterfaceService": ".interfaces",
    "ExportResult": ".loyalty_lab",
    "LoyaltyLab": ".loyalty_lab",
    "StartupReport": ".loyalty_lab",
    "UploadResult": ".loyalty_lab",
    "BatchOutcome": ".orders",
    "BatchResult": ".orders",
    "ChainSettings": ".orders",
    "DispatchReport": ".orders",
    "InformationRequest": ".orders",
    "OrderService": ".orders",
    "PlacedOrder": ".orders",
    "OutboxWatcher": ".outbox",
    "PurgedFile": ".outbox",
    "PurgeReport": ".outbox",
    "Retention": ".outbox",
    "Progress": ".progress",
    "ProgramStart": ".startup",
    "ProgramStartReport": ".startup",
    "TemplateService": ".templates",
}

__all__ = [
    "BatchOutcome",
    "BatchResult",
    "CardDesk",
    "ChainSettings",
    "Claimant",
    "DispatchReport",
    "ExportResult",
    "Identification",
    "InformationRequest",
    "InterfaceService",
    "LoyaltyLab",
    "OrderService",
    "OutboxWatcher",
    "PlacedOrder",
    "ProgramStart",
    "ProgramStartReport",
    "Progress",
    "PurgeReport",
    "PurgedFile",
    "Retention",
    "StartupReport",
    "TemplateService",
    "UploadResult",
]


def __getattr__(name: str) -> object:
    """A public name, imported from its module on first use."""
    return _lazy.load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return _lazy.names(__name__, _EXPORTS)
