"""The alert port (OP3): where the chain's alert messages go.

The library ships an e-mail adapter over any parcel delivery — the SMTP delivery's
transport (:class:`~amparex_adapters.alerts.ParcelAlerts`) — and one in memory for tests
(:class:`~amparex_adapters.alerts.MemoryAlerts`). Deduplication is not the adapter's
job: :class:`~amparex_core.services.alerting.Alerting` sends each problem once a day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.operations import Alert

__all__ = ["AlertSender"]


@runtime_checkable
class AlertSender(Protocol):
    """Sends alert messages."""

    def send_alert(self, alert: Alert) -> str:
        """Send *alert* as one message, without a secret in it.

        Returns:
            A reference of the message (an e-mail's ``Message-ID``).

        Raises:
            DeliveryFailed: The peer refused or could not be reached, after retries.
        """
        ...
