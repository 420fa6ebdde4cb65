"""The parcel delivery of a configuration without ``[card_order.delivery]``."""

from __future__ import annotations

from amparex_adapters.i18n import _
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, Parcel

__all__ = ["NoParcelDelivery"]


class NoParcelDelivery:
    """Stands in when ``[card_order.delivery]`` is not configured: every send is refused."""

    destination = "[card_order.delivery]"

    def __init__(self, label: str) -> None:
        self._label = label

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        raise DeliveryFailed(
            destination=self.destination,
            item=parcel.id,
            reason=_("no [card_order.delivery] in the configuration {path}").format(
                path=self._label
            ),
        )
