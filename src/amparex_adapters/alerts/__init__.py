"""Alert senders (:class:`~amparex_core.ports.alerts.AlertSender`, OP3).

* :class:`ParcelAlerts` — each alert as one parcel without attachments through a parcel
  delivery: with :class:`~amparex_adapters.delivery.smtp.SmtpParcelDelivery` one e-mail
  (``[alerts] kind = "smtp"``), the transport the card-order batches use;
* :class:`MemoryAlerts` — keeps what was sent, for tests and demos.
"""

from __future__ import annotations

import hashlib
import threading

from amparex_core.domain.operations import Alert
from amparex_core.domain.parcels import Parcel
from amparex_core.ports.delivery import ParcelDelivery

__all__ = ["MemoryAlerts", "ParcelAlerts"]

_BODY = """{text}

{what} {day}. Run `amparex status` for the chain at a glance.
"""


class ParcelAlerts:
    """Alerts as parcels without attachments (an e-mail each over SMTP).

    Args:
        parcels: The transport (e.g. the SMTP parcel delivery of ``[alerts]``).
    """

    def __init__(self, parcels: ParcelDelivery) -> None:
        self._parcels = parcels

    def send_alert(self, alert: Alert) -> str:
        """See :meth:`~amparex_core.ports.alerts.AlertSender.send_alert`."""
        what = "This problem cleared on" if alert.recovered else "Reported once for"
        digest = hashlib.sha256(alert.id.encode()).hexdigest()[:24]
        parcel = Parcel(
            id=f"alert-{digest}",
            subject=alert.subject,
            body=_BODY.format(text=alert.text, what=what, day=alert.day.isoformat()),
            attachments=(),
        )
        return self._parcels.send(parcel).reference


class MemoryAlerts:
    """Keeps every alert sent; thread-safe.

    Attributes:
        sent: The alerts, in the order they were sent.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[Alert] = []

    def send_alert(self, alert: Alert) -> str:
        """See :meth:`~amparex_core.ports.alerts.AlertSender.send_alert`."""
        with self._lock:
            self.sent.append(alert)
            return alert.id
