"""The delivery ports: files to a remote place (LL8) and parcels to the card vendor (CO16, CO18)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: a port imports no domain module at run time
    from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile, Parcel

__all__ = ["FileDelivery", "ParcelDelivery"]


@runtime_checkable
class FileDelivery(Protocol):
    """Uploads files to one destination (an FTP/FTPS/SFTP server, a folder)."""

    destination: str
    """Where files go, for messages (``sftp://host:22/in``); never holds a password."""

    def upload(self, file: OutgoingFile) -> DeliveryReceipt:
        """Upload *file* under its name (LL8).

        The content goes to a temporary remote name first and is renamed to the final
        name only after the remote size matches, so a partial upload never appears under
        the final name. Uploading the same name again replaces the remote file with the
        same content: it never makes a second file.

        Raises:
            DeliveryFailed: After retries, the peer refused or the connection broke.
            HostKeyRejected: The server's identity could not be verified.
        """
        ...


@runtime_checkable
class ParcelDelivery(Protocol):
    """Sends parcels (manifest, PDF) to the card vendor by e-mail, as files, or to a folder."""

    destination: str
    """Where parcels go, for messages; never holds a password."""

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        """Send *parcel* (CO16, CO18).

        Sending a parcel with the same ``id`` again never creates a second parcel on the
        receiving side: remote names (and an e-mail's ``Message-ID``) derive from the ID.

        Raises:
            DeliveryFailed: After retries, the peer refused or the connection broke.
        """
        ...
