"""Parcels as files, through any file delivery (SFTP, FTP(S), a folder) — CO16, CO18.

:class:`FilesParcelDelivery` turns a :class:`~amparex_core.domain.parcels.Parcel` into
files named ``<parcel.id>-<filename>`` in the target folder of a ``FileDelivery``:

* ``<id>-<attachment filename>`` for every attachment (manifest, batch PDF), in order,
* ``<id>-README.txt`` last, holding the subject and body: it is the parcel's completion
  mark — when it is there, every attachment is there (each name appears atomically).

Flat names, not a folder per parcel: every file delivery can write them without creating
folders, and a receiver that lists one folder sees each parcel as one group of names.
The names derive from the parcel ID only, so sending a parcel again (after a failure
half-way, or twice by mistake) replaces the same files and never makes a second parcel on
the receiving side.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, BinaryIO

from amparex_adapters.delivery._common import check_name
from amparex_adapters.i18n import _
from amparex_core.domain.errors import DeliveryFailed
from amparex_core.domain.parcels import DeliveryReceipt, OutgoingFile, Parcel
from amparex_core.ports.delivery import FileDelivery

__all__ = [
    "README_NAME",
    "FilesParcelDelivery",
    "files_parcels",
    "folder_parcels",
    "remote_names",
]

#: File name (after ``<id>-``) of the completion mark holding subject and body.
README_NAME = "README.txt"


def remote_names(parcel: Parcel) -> list[str]:
    """The remote file names of *parcel*, in upload order (attachments, then README).

    Raises:
        DeliveryFailed: Two attachments share a name, or one is named like the README.
    """
    names = [f"{parcel.id}-{a.filename}" for a in parcel.attachments]
    names.append(f"{parcel.id}-{README_NAME}")
    if len(set(names)) != len(names):
        raise DeliveryFailed(
            destination="-",
            item=parcel.id,
            reason=_("attachment names must be distinct and not {name!r}").format(name=README_NAME),
        )
    return names


def _outgoing(name: str, data: bytes) -> OutgoingFile:
    def opener() -> BinaryIO:
        return io.BytesIO(data)

    return OutgoingFile(
        name=name, size=len(data), open=opener, sha256=hashlib.sha256(data).hexdigest()
    )


class FilesParcelDelivery:
    """Sends parcels as files through a ``FileDelivery`` (implements ``ParcelDelivery``).

    Args:
        files: Where the files go.
    """

    def __init__(self, files: FileDelivery) -> None:
        self.files = files
        self.destination = files.destination

    def __repr__(self) -> str:
        return f"FilesParcelDelivery({self.files!r})"

    def close(self) -> None:
        """End the connection the file delivery keeps, if it keeps one (SFTP, FTP)."""
        close = getattr(self.files, "close", None)
        if close is not None:
            close()

    def send(self, parcel: Parcel) -> DeliveryReceipt:
        """Upload every attachment of *parcel*, then its README (CO16, CO18).

        Returns:
            A receipt whose ``reference`` is the README's remote path, whose ``size``
            is the sum of all bytes sent and whose ``documents`` are the attachments'
            remote names.

        Raises:
            DeliveryFailed: An upload failed after retries (sending the parcel again
                later completes it under the same names), or an attachment name is not a
                plain file name or is used twice (then nothing is sent).
        """
        names = remote_names(parcel)
        for name in names:  # refuse before anything is written
            check_name(name, destination=self.destination)
        readme = f"{parcel.subject}\n\n{parcel.body}".encode()
        contents = [a.data for a in parcel.attachments] + [readme]
        total = 0
        receipt: DeliveryReceipt | None = None
        for name, data in zip(names, contents, strict=True):
            receipt = self.files.upload(_outgoing(name, data))
            total += len(data)
        assert receipt is not None
        return DeliveryReceipt(
            destination=self.destination,
            reference=receipt.reference,
            size=total,
            documents=names[:-1],
        )


def files_parcels(*, transport: str | FileDelivery, **options: Any) -> FilesParcelDelivery:
    """The ``files`` kind of ``amparex.parcels``: parcels as files through a file delivery.

    Args:
        transport: The file delivery, or its kind (``folder``, ``sftp``, ``ftp``, ``ftps``
            or another one installed), opened with
            :func:`~amparex_adapters.delivery.open_file_delivery` and *options*.
        **options: The options of the transport's kind.

    Raises:
        AdapterUnknown: No file delivery of the kind *transport* is installed.
        TypeError: Options given with a delivery object.
    """
    if not isinstance(transport, str):
        if options:
            raise TypeError(f"options {sorted(options)} given with a delivery object")
        return FilesParcelDelivery(transport)
    from amparex_adapters.delivery import open_file_delivery

    return FilesParcelDelivery(open_file_delivery(transport, **options))


def folder_parcels(**options: Any) -> FilesParcelDelivery:
    """The ``folder`` kind of ``amparex.parcels``: parcels as files into a folder.

    The same as :func:`files_parcels` with ``transport="folder"``; *options* are those of
    :class:`~amparex_adapters.delivery.folder.FolderDelivery` (``folder``, …).
    """
    return files_parcels(transport="folder", **options)
