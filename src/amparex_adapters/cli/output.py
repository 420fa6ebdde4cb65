"""What the ``amparex`` command prints: JSON documents with stable keys, tables, progress.

JSON keys (stable; new keys may be added, none is renamed or removed). Values of closed
sets are the library's enum values (``"card_order"``, ``"nfc_rfid"``), while tables print
the command's hyphenated words (``card-order``); every option takes both:

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
    "batch_id"}``; with ``--limit`` or ``--after`` (a page) ``{"orders": [...], "next"}``
    where ``next`` is the cursor of the next page (``--after``), or null on the last.
``startup --json``, ``outbox upload --json``, ``orders dispatch --json``
    ``{"exports": [...], "uploads": [...], "batches": [...]}`` (each command fills the keys
    of what it did; ``startup`` adds ``"purge"``: what retention removed, in the form of
    ``outbox purge --json``, or null). An export is ``{"interface_id", "statistic",
    "file" (the full path), "outcome" ("written" | "exists" | "failed"), "error"}``; an
    upload ``{"interface_id", "name", "outcome" ("uploaded" | "already_uploaded" |
    "in_progress" | "changed_after_upload" | "failed" | "not_tried": its destination
    refused an earlier file of the run, whose error it carries), "receipt", "error",
    "held_by"}``; a batch ``{"id", "number" (the order number, e.g. "B000001"), "period",
    "orders" (their IDs), "total", "currency", "outcome" ("delivered" | "failed" |
    "in_progress" | "waiting"), "resent", "receipt", "error", "held_by", "attempts",
    "next_attempt_at"}``. An ``error`` is null or ``{"code", "message"}``; failures also
    go to stderr as one line each and the exit status is 1. ``held_by`` is null, or — for
    ``"in_progress"``: another live run is at work on it — ``{"name", "host", "pid",
    "since"}`` (who, and since when, ISO 8601). ``attempts`` counts the deliveries of a
    batch started so far; ``next_attempt_at`` is when a failed batch is due again (the
    server waits for it).
``outbox purge --json``
    ``{"dry_run", "older_than_days", "files": [{"file" (the full path), "verdict"
    ("remove" | "too_young" | "not_uploaded" | "upload_under_way" |
    "changed_after_upload"), "age_days", "removed"}]}`` (LL11).
``masterdata list SECTION --json``
    a list of records as a master-data bundle holds them (see :doc:`/adapters/masterdata-bundle`):
    ``{"id", "name", "address", "email", "phone"}`` for branches, ``{"id", "first_name",
    "last_name", "salutation", "email", "leading_branch", "address"}`` for customers,
    ``{"id", "first_name", "last_name", "branch", "salutation", "address"}`` for
    employees, ``{"id", "name", "kind" ("card" | "letter" | "text"), "media_type",
    "size"}`` for documents (the content's size in bytes, not the content),
    ``{"id", "name", "file_format", "query", "dialect"}`` for statistics; keys whose value
    is not set are left out.
``config show --json``
    the configuration in effect as the tables of the TOML file: ``{"file", "storage":
    {"url"}, "statistics": {"url"}`` (the databases in effect: a relative SQLite path
    resolved, a password in a URL as ``********``), ``"masterdata", "chain",
    "workstation": {"name", "branch"}, "loyalty_lab": {"upload"}, "card_order"`` (its
    ``dispatch`` the one in effect: ``"startup"`` or ``"server"``), ``"reader", "claims":
    {"lease"}, "server": {"name", "recheck", "retry_first", "retry_max"}`` (the name in
    effect), ``"secrets": {"file"}`` (each with the keys of its table; an adapter's own
    keys among them), and ``"secret_values": {name: "********" when set, else null}}``.
    Since 0.2 (before: ``storage_url``, ``loyalty_lab_upload``, ``secrets_file`` …).
``cards list --json``
    a list of ``{"number", "holder_kind", "holder_id", "card_type", "kind", "issued_on",
    "valid_until", "uid" (canonical hex or null), "blocked", "order_id"}``; a page (with
    ``--limit`` or ``--after``) is ``{"cards": [...], "next"}``.
``outbox list --json``
    a list of ``{"destination" (where the file goes, e.g. ``sftp://host/in``), "name",
    "facts": {"size", "sha256", "mtime_ns"}, "state" ("claimed" | "uploaded"),
    "claimed_at", "uploaded_at", "receipt", "attempts"}``; a page is
    ``{"uploads": [...], "next"}`` (``next``: ``DEST/NAME``).
``db status --json``
    ``{"store" (its URL without a password), "store_version" (0: no schema yet; null: the
    store keeps no schema versions), "code_version", "compatible_from" (the oldest code
    version the store's schema allows, or null), "pending" (versions an upgrade would
    apply), "state" ("current" | "upgrade_needed" | "newer_compatible" | "too_new" |
    "no_schema"), "usable", "applied": [{"version", "applied_at"}]}``.
``db upgrade --json``
    ``{"store", "from", "to" (versions; null for a store without schema versions),
    "applied" (the versions applied now; empty when there was nothing to do)}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any, Final

from amparex_adapters import i18n
from amparex_adapters.converters import output as output_format
from amparex_adapters.storage.sql.core import SchemaStatus, SchemaUpgrade
from amparex_core.domain.cards import IssuedCard
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import InterfaceConfig
from amparex_core.domain.masterdata import DocumentTemplate, MasterRecord
from amparex_core.domain.orders import CardOrder
from amparex_core.domain.templates import CardTemplate
from amparex_core.domain.uploads import UploadRecord
from amparex_core.services import (
    BatchResult,
    ExportResult,
    ProgramStartReport,
    PurgeReport,
    UploadResult,
)

__all__ = [
    "batch_json",
    "card_json",
    "dumps",
    "error_json",
    "export_json",
    "interface_json",
    "masterdata_json",
    "order_json",
    "program_start_json",
    "progress_reporter",
    "purge_json",
    "schema_status_json",
    "schema_upgrade_json",
    "template_json",
    "upload_json",
    "upload_record_json",
]

# Every shape below is a view of the output format's converter
# (amparex_adapters.converters.output); the functions keep the command's names.


def dumps(value: object) -> str:
    """JSON as the command prints it: UTF-8, indented, keys in a fixed order."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def _shown(value: object, lang: str = "en") -> dict[str, Any]:
    shown: dict[str, Any] = output_format.converter(lang).unstructure(value)
    return shown


def interface_json(config: InterfaceConfig) -> dict[str, Any]:
    """The JSON form of an interface configuration; the key is shown as ``********``."""
    return _shown(config)


def template_json(template: CardTemplate) -> dict[str, Any]:
    """The JSON form of a card template."""
    return _shown(template)


def order_json(order: CardOrder, currency: str) -> dict[str, Any]:
    """The JSON form of a card order, with its total in *currency*."""
    return _shown(output_format.PricedOrder(order, currency))


def card_json(card: IssuedCard) -> dict[str, Any]:
    """The JSON form of an issued card."""
    return _shown(card)


def masterdata_json(record: MasterRecord) -> dict[str, Any]:
    """The JSON form of a master-data record: its bundle record, without a document's content.

    A document template shows its content's ``size`` (bytes) instead of the content.
    """
    from amparex_adapters.masterdata.bundle import record_of

    shown = record_of(record)
    if isinstance(record, DocumentTemplate):
        shown.pop("content_base64", None)
        shown["size"] = len(record.content)
    return shown


def error_json(error: AmparexError | None, lang: str) -> dict[str, str] | None:
    """The JSON form of a refusal: its code and message, or ``None``."""
    if error is None:
        return None
    return _shown(error, lang)


def export_json(result: ExportResult, lang: str, *, base: Path | None = None) -> dict[str, Any]:
    """The JSON form of one export of a start (LL5, LL6).

    Args:
        result: The export.
        lang: The language of an error's message.
        base: The folder a relative export directory is relative to: ``file`` is then
            the full path.
    """
    shown = _shown(result, lang)
    if base is not None:
        shown["file"] = str(base / result.export.directory / result.export.file_name)
    return shown


def upload_json(result: UploadResult, lang: str) -> dict[str, Any]:
    """The JSON form of one file of the outbox in one run (LL8)."""
    return _shown(result, lang)


def batch_json(result: BatchResult, lang: str) -> dict[str, Any]:
    """The JSON form of one batch of a dispatch run (CO16)."""
    return _shown(result, lang)


# The phases' names on the progress bars, in the active language.
_PHASES: Final = (i18n.N_("export"), i18n.N_("upload"), i18n.N_("dispatch"))


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
                tasks[phase] = bar.add_task(i18n.gettext(phase), total=total, item="")
            bar.update(tasks[phase], completed=done, total=total, item=item)

        for phase in phases:
            _ = phase  # tasks are created on the first report of a phase
        yield report


def purge_json(report: PurgeReport) -> dict[str, Any]:
    """The JSON form of a purge (``outbox purge --json``, LL11)."""
    return {
        "dry_run": report.dry_run,
        "older_than_days": report.older_than.days,
        "files": [
            {
                "file": str(PurePath(f.directory) / f.name),
                "verdict": f.verdict.value,
                "age_days": round(f.age.total_seconds() / 86400, 2),
                "removed": f.removed,
            }
            for f in report.files
        ],
    }


def program_start_json(
    report: ProgramStartReport, lang: str, *, base: Path | None = None
) -> dict[str, Any]:
    """The JSON form of a program start (``startup --json``): its exports, uploads, batches.

    *base*: see :func:`export_json`.
    """
    return {
        "exports": [export_json(e, lang, base=base) for e in report.exports],
        "uploads": [upload_json(u, lang) for u in report.uploads],
        "batches": [batch_json(b, lang) for b in report.batches],
        "purge": None if report.purge is None else purge_json(report.purge),
    }


def upload_record_json(record: UploadRecord) -> dict[str, Any]:
    """The JSON form of one row of the upload ledger (``outbox list``)."""
    return _shown(record)


def schema_status_json(status: SchemaStatus | None, store: str) -> dict[str, Any]:
    """The JSON form of ``db status``; *status* ``None``: a store without schema versions."""
    if status is None:
        return {
            "store": store,
            "store_version": None,
            "code_version": None,
            "compatible_from": None,
            "pending": [],
            "state": "no_schema",
            "usable": True,
            "applied": [],
        }
    return {
        "store": store,
        "store_version": status.found,
        "code_version": status.code,
        "compatible_from": status.compatible_from,
        "pending": list(status.pending),
        "state": status.state,
        "usable": status.usable,
        "applied": [{"version": v, "applied_at": at} for v, at in status.applied],
    }


def schema_upgrade_json(upgrade: SchemaUpgrade | None, store: str) -> dict[str, Any]:
    """The JSON form of ``db upgrade``; *upgrade* ``None``: a store without schema versions."""
    if upgrade is None:
        return {"store": store, "from": None, "to": None, "applied": []}
    return {
        "store": store,
        "from": upgrade.found,
        "to": upgrade.reached,
        "applied": list(upgrade.applied),
    }
