"""Deliveries that record what they received: for tests, demos and host-application tests."""

from __future__ import annotations

import threading

import attrs

from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile, Parcel

__all__ = ["RecordingFileDelivery", "RecordingParcelDelivery"]


class RecordingFileDelivery:
    """A :class:`~amparex_core.ports.delivery.FileDelivery` into a dictionary.

    :attr:`files` maps final names to content (a re-upload replaces, as on a server);
    :attr:`uploads` lists every completed upload in order. :meth:`fail_next` makes the
    next uploads fail with :class:`~amparex_core.domain.errors.DeliveryFailed`.

    Attributes:
        destination: Where files go, for messages.
        files: Content by final name.
        uploads: The names of the completed uploads, in order.
    """

    def __init__(self, destination: str = "memory://files") -> None:
        self.destination = destination
        self.files: dict[str, bytes] = {}
        self.uploads: list[str] = []
        self._failures = 0
        self._lock = threading.Lock()

    def fail_next(self, count: int = 1) -> None:
        """Make the next *count* uploads fail."""
        self._failures = count

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        """See :meth:`~amparex_core.ports.delivery.FileDelivery.upload`."""
        with file.open() as stream:
            content = stream.read()
        with self._lock:
            if self._failures:
                self._failures -= 1
                raise DeliveryFailed(
                    destination=self.destination, item=file.name, reason="simulated failure"
                )
            if len(content) != file.size:
                raise DeliveryFailed(
                    destination=self.destination,
                    item=file.name,
                    reason=f"size {len(content)} differs from the expected {file.size}",
                )
            self.files[file.name] = content
            self.uploads.append(file.name)
        return DeliveryReceipt(destination=self.destination, reference=file.name, size=len(content))


class RecordingParcelDelivery:
    """A :class:`~amparex_core.ports.delivery.ParcelDelivery` into a dictionary.

    :attr:`parcels` maps parcel IDs to the last parcel received under that ID (a resend
    replaces, as a server keyed by ``Message-ID`` would); :attr:`sent` lists every send.

    Attributes:
        destination: Where parcels go, for messages.
        parcels: The last parcel received under each parcel ID.
        sent: The IDs of every send, in order.
    """

    def __init__(self, destination: str = "memory://parcels") -> None:
        self.destination = destination
        self.parcels: dict[str, Parcel] = {}
        self.sent: list[str] = []
        self._failures = 0
        self._lock = threading.Lock()

    def fail_next(self, count: int = 1) -> None:
        """Make the next *count* sends fail."""
        self._failures = count

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        """See :meth:`~amparex_core.ports.delivery.ParcelDelivery.send`."""
        with self._lock:
            if self._failures:
                self._failures -= 1
                raise DeliveryFailed(
                    destination=self.destination, item=parcel.id, reason="simulated failure"
                )
            self.parcels[parcel.id] = attrs.evolve(parcel)
            self.sent.append(parcel.id)
        size = sum(len(a.data) for a in parcel.attachments)
        return DeliveryReceipt(
            destination=self.destination,
            reference=parcel.id,
            size=size,
            documents=[a.filename for a in parcel.attachments],
        )
