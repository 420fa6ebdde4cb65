"""Use cases: where domain objects meet ports. Each service gets its ports in its constructor."""

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
