"""The output format: what ``amparex … --json`` prints for the library's objects.

The keys and their order are part of the command's interface (listed in
:mod:`amparex_adapters.cli.output`), so each object is shown as a *view*: its keys in a
fixed order, some taken from nested objects (``holder_kind``), some computed
(``with_workstation_settings``, an order's ``total``). Every value is written by the base
rules (:mod:`amparex_adapters.converters.base`) with the output's own choices:

* a :class:`~amparex_core.domain.secret.Secret` is ``"********"``, never its value (CO1),
  and so is a key kept as a :class:`~amparex_core.domain.secret.SecretRef`;
* a process reference is its text (``"V-2026-0042/3"``), a period its key
  (``"weekly:2026-W48"``);
* a refusal (:class:`~amparex_core.domain.errors.AmparexError`) is ``{"code", "message"}``
  with the message in the converter's language, on one line.

>>> from amparex_adapters.converters import output
>>> from amparex_core.domain.interfaces import CardOrderSettings
>>> output.converter().unstructure(CardOrderSettings(contract="KV-1", key="s3cr3t"))
{'contract': 'KV-1', 'customer_number': None, 'key': '********'}

The shapes of 0.1.0 are pinned by ``tests/golden/0.1.0/output/``: their keys come first,
in their order; keys added since follow them.
"""

from __future__ import annotations

import functools
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from amparex_core.domain._records import frozen
from amparex_core.domain.cards import IssuedCard
from amparex_core.domain.errors import AmparexError
from amparex_core.domain.interfaces import CardOrderSettings, InterfaceConfig, LoyaltyLabSettings
from amparex_core.domain.orders import CardOrder, ProcessRef
from amparex_core.domain.periods import Period
from amparex_core.domain.secret import REDACTED, Secret, SecretRef
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.templates import CardTemplate
from amparex_core.services import BatchResult, ExportResult, UploadResult

from .base import make_base_converter, view_hook

if TYPE_CHECKING:
    import cattrs

__all__ = ["PricedOrder", "converter", "make_converter"]


@frozen
class PricedOrder:
    """A card order shown with its total in *currency* (the price list's)."""

    order: CardOrder
    currency: str


def _slots(settings: LoyaltyLabSettings) -> dict[StatisticKind, str | None]:
    """Every statistic slot, an empty one as ``None`` (LL3)."""
    return {kind: settings.statistics.get(kind) for kind in StatisticKind}


def _file(result: ExportResult) -> str:
    return str(PurePath(result.export.directory) / result.export.file_name)


def _held_by(result: UploadResult | BatchResult) -> dict[str, Any] | None:
    """Who else is at work on it (CO19, LL8): ``{"name", "host", "pid", "since"}`` or null."""
    holder = result.holder
    if holder is None:
        return None
    since = None if result.since is None else result.since.isoformat()
    return {"name": holder.name, "host": holder.host, "pid": holder.pid, "since": since}


def make_converter(lang: str = "en") -> cattrs.Converter:
    """A new converter of the output format, with messages in *lang* (``"en"``, ``"de"``)."""
    converter = make_base_converter()
    converter.register_unstructure_hook(Secret, lambda _: REDACTED)
    converter.register_unstructure_hook(SecretRef, lambda _: REDACTED)
    converter.register_unstructure_hook(ProcessRef, str)
    converter.register_unstructure_hook(Period, lambda period: period.key)
    converter.register_unstructure_hook(
        AmparexError,
        lambda error: {"code": error.code, "message": " ".join(error.message(lang).split())},
    )
    views: dict[type, tuple[Any, ...]] = {
        InterfaceConfig: (
            "id",
            "kind",
            "display_name",
            "branch",
            "workstation",
            "client_side",
            "start",
            "with_workstation_settings",
            "settings",
        ),
        CardOrderSettings: ("contract", "customer_number", "key"),
        LoyaltyLabSettings: (
            "customer_number",
            "directory",
            "file_pattern",
            ("statistics", _slots),
        ),
        CardTemplate: (
            "name",
            "document_template",
            "cover_letter",
            "ship_to",
            "interval",
            "comment",
            "validity_required",
            "card_type",
            "kind",
            "gift_box",
            "roller_clip",
        ),
        PricedOrder: (
            ("id", "order.id"),
            ("status", "order.status"),
            ("process_ref", "order.process_ref"),
            ("template", "order.template.name"),
            ("holder_kind", "order.holder.kind"),
            ("holder_id", "order.holder.id"),
            ("holder_name", "order.holder_name"),
            ("card_number", "order.card_number"),
            ("ordering_branch", "order.ordering_branch"),
            ("ship_to", "order.recipient.ship_to"),
            ("placed_at", "order.placed_at"),
            ("order_date", "order.order_date"),
            ("valid_until", "order.valid_until"),
            ("period", "order.period"),
            ("total", lambda priced: priced.order.total(priced.currency).amount),
            "currency",
            ("batch_id", "order.batch_id"),
        ),
        IssuedCard: (
            "number",
            ("holder_kind", "holder.kind"),
            ("holder_id", "holder.id"),
            "card_type",
            "kind",
            "issued_on",
            "valid_until",
            "uid",
            "blocked",
            "order_id",
        ),
        ExportResult: (
            ("interface_id", "export.interface_id"),
            ("statistic", "export.statistic"),
            ("file", _file),
            "outcome",
            "error",
        ),
        UploadResult: (
            "interface_id",
            "name",
            "outcome",
            "receipt",
            "error",
            ("held_by", _held_by),
        ),
        BatchResult: (
            ("id", "batch.id"),
            ("number", "batch.order_number"),
            ("period", "batch.period_key"),
            ("orders", "batch.order_ids"),
            ("total", "batch.total.amount"),
            ("currency", "batch.total.currency"),
            "outcome",
            "resent",
            ("receipt", "batch.receipt"),
            "error",
            ("held_by", _held_by),
            "attempts",
            "next_attempt_at",
        ),
    }
    for cls, keys in views.items():
        converter.register_unstructure_hook(cls, view_hook(converter, *keys))
    return converter


@functools.cache
def converter(lang: str = "en") -> cattrs.Converter:
    """The output format's converter for *lang*, made on first use."""
    return make_converter(lang)
