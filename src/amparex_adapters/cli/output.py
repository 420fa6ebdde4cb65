"""What the ``amparex`` command prints: JSON documents with stable keys, tables, progress.

JSON keys (stable; new keys may be added, none is renamed or removed):

``interfaces list --json``
    a list of ``{"id", "kind" ("card_order" | "loyalty_lab"), "display_name", "branch",
    "workstation", "client_side", "start" (YYYY-MM-DD or null),
    "with_workstation_settings", "settings"}``; card-ordering ``settings`` are
    ``{"contract", "customer_number", "key"}`` where ``key`` is ``"********"`` when a key
    is stored and null otherwise (the key itself is never printed); Loyalty Lab
    ``settings`` are ``{"customer_number", "directory", "file_pattern", "statistics":
    {"customers", "glasses", "contact_lenses", "hearing_aids"}}`` (template IDs, or null).
``templates list --json``
    a list of ``{"name", "document_template", "cover_letter", "ship_to", "interval",
    "comment", "validity_required", "card_type", "kind", "gift_box", "roller_clip"}``
    with the enum values of the API (``"customer"``, ``"weekly"``, ``"nfc_rfid"`` …).
``orders list --json``
    a list of ``{"id", "status", "process_ref", "template", "holder_kind", "holder_id",
    "holder_name", "card_number", "ordering_branch", "ship_to", "placed_at" (ISO 8601),
    "order_date", "valid_until", "period", "total" (decimal string), "currency",
    "batch_id"}``.
``startup --json``, ``outbox upload --json``, ``orders dispatch --json``
    ``{"exports": [...], "uploads": [...], "batches": [...]}`` (each command fills the keys
    of what it did). An export is ``{"interface_id", "statistic", "file" (the full path),
    "outcome" ("written" | "exists" | "failed"), "error"}``; an upload ``{"interface_id",
    "name", "outcome" ("uploaded" | "already_uploaded" | "in_progress" |
    "changed_after_upload" | "failed"), "receipt", "error"}``; a batch ``{"id", "number"
    (the order number, e.g. "B000001"), "period", "orders" (their IDs), "total",
    "currency", "outcome" ("delivered" | "failed"), "resent", "receipt", "error"}``. An
    ``error`` is null or ``{"code", "message"}``; failures also go to stderr as one line
    each and the exit status is 1.
``config show --json``
    ``{"file", "storage_url", "statistics_url" (a password in a URL as ``********``),
    "chain", "workstation": {"name", "branch"}, "loyalty_lab_upload", "card_order",
    "reader" (the sections as configured), "secrets_file", "secrets": {name: "********"
    when set, else null}}``.
``cards list --json``
    a list of ``{"number", "holder_kind", "holder_id", "card_type", "kind", "issued_on",
    "valid_until", "uid" (canonical hex or null), "blocked", "order_id"}``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

from amparex_core.domain.cards import IssuedCard
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig
from amparex_core.domain.orders import CardOrder
from amparex_core.domain.secret import REDACTED
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardTemplate
from amparex_core.services import BatchResult, ExportResult, ProgramStartReport, UploadResult

__all__ = [
    "batch_json",
    "card_json",
    "dumps",
    "error_json",
    "export_json",
    "interface_json",
    "order_json",
    "program_start_json",
    "progress_reporter",
    "template_json",
    "upload_json",
]


def dumps(value: object) -> str:
    """JSON as the command prints it: UTF-8, indented, keys in a fixed order."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def interface_json(config: InterfaceConfig) -> dict[str, Any]:
    """The JSON form of an interface configuration; the key is shown as ``********``."""
    settings = config.settings
    shown: dict[str, Any]
    if isinstance(settings, CardOrderSettings):
        shown = {
            "contract": settings.contract,
            "customer_number": settings.customer_number,
            "key": REDACTED if settings.key is not None else None,
        }
    else:
        shown = {
            "customer_number": settings.customer_number,
            "directory": settings.directory,
            "file_pattern": settings.file_pattern,
            "statistics": {k.value: settings.statistics.get(k) for k in StatisticKind},
        }
    return {
        "id": config.id,
        "kind": config.kind.value,
        "display_name": config.display_name,
        "branch": config.branch,
        "workstation": config.workstation,
        "client_side": config.client_side,
        "start": None if config.start is None else config.start.isoformat(),
        "with_workstation_settings": config.with_workstation_settings,
        "settings": shown,
    }


def template_json(template: CardTemplate) -> dict[str, Any]:
    """The JSON form of a card template."""
    return {
        "name": template.name,
        "document_template": template.document_template,
        "cover_letter": template.cover_letter,
        "ship_to": template.ship_to.value,
        "interval": template.interval.value,
        "comment": template.comment,
        "validity_required": template.validity_required,
        "card_type": template.card_type.value,
        "kind": template.kind.value,
        "gift_box": template.gift_box,
        "roller_clip": template.roller_clip,
    }


def order_json(order: CardOrder, currency: str) -> dict[str, Any]:
    """The JSON form of a card order."""
    return {
        "id": order.id,
        "status": order.status.value,
        "process_ref": str(order.process_ref),
        "template": order.template.name,
        "holder_kind": order.holder.kind.value,
        "holder_id": order.holder.id,
        "holder_name": order.holder_name,
        "card_number": order.card_number,
        "ordering_branch": order.ordering_branch,
        "ship_to": order.recipient.ship_to.value,
        "placed_at": order.placed_at.isoformat(),
        "order_date": order.order_date.isoformat(),
        "valid_until": None if order.valid_until is None else order.valid_until.isoformat(),
        "period": order.period.key,
        "total": str(order.total(currency).amount),
        "currency": currency,
        "batch_id": order.batch_id,
    }


def card_json(card: IssuedCard) -> dict[str, Any]:
    """The JSON form of an issued card."""
    return {
        "number": card.number,
        "holder_kind": card.holder.kind.value,
        "holder_id": card.holder.id,
        "card_type": card.card_type.value,
        "kind": card.kind.value,
        "issued_on": card.issued_on.isoformat(),
        "valid_until": None if card.valid_until is None else card.valid_until.isoformat(),
        "uid": None if card.uid is None else card.uid.hex,
        "blocked": card.blocked,
        "order_id": card.order_id,
    }


def error_json(error: AmparexError | None, lang: str) -> dict[str, str] | None:
    """The JSON form of a refusal: its code and message, or ``None``."""
    if error is None:
        return None
    return {"code": error.code, "message": " ".join(error.message(lang).split())}


def export_json(result: ExportResult, lang: str) -> dict[str, Any]:
    """The JSON form of one export of a start (LL5, LL6)."""
    plan = result.export
    return {
        "interface_id": plan.interface_id,
        "statistic": plan.statistic.value,
        "file": str(PurePath(plan.directory) / plan.file_name),
        "outcome": result.outcome.value,
        "error": error_json(result.error, lang),
    }


def upload_json(result: UploadResult, lang: str) -> dict[str, Any]:
    """The JSON form of one file of the outbox in one run (LL8)."""
    return {
        "interface_id": result.interface_id,
        "name": result.name,
        "outcome": result.outcome.value,
        "receipt": result.receipt,
        "error": error_json(result.error, lang),
    }


def batch_json(result: BatchResult, lang: str) -> dict[str, Any]:
    """The JSON form of one batch of a dispatch run (CO16)."""
    batch = result.batch
    return {
        "id": batch.id,
        "number": batch.order_number,
        "period": batch.period_key,
        "orders": list(batch.order_ids),
        "total": str(batch.total.amount),
        "currency": batch.total.currency,
        "outcome": result.outcome.value,
        "resent": result.resent,
        "receipt": batch.receipt,
        "error": error_json(result.error, lang),
    }


def interactive(stream: Any) -> bool:
    """Whether progress bars go to *stream*: a terminal, and not under CI."""
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_reporter(
    enabled: bool, phases: Sequence[str]
) -> Iterator[Callable[[str, int, int, str], None] | None]:
    """A rich progress bar per phase when *enabled*; ``None`` (quiet) otherwise.

    Yields:
        ``report(phase, done, total, item)``, or ``None``.
    """
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def report(phase: str, done: int, total: int, item: str) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total, item="")
            bar.update(tasks[phase], completed=done, total=total, item=item)

        for phase in phases:
            _ = phase  # tasks are created on the first report of a phase
        yield report


def program_start_json(report: ProgramStartReport, lang: str) -> dict[str, Any]:
    """The JSON form of a program start (``startup --json``): its exports, uploads, batches."""
    return {
        "exports": [export_json(e, lang) for e in report.exports],
        "uploads": [upload_json(u, lang) for u in report.uploads],
        "batches": [batch_json(b, lang) for b in report.batches],
    }
