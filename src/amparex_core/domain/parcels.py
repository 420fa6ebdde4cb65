"""What the delivery port carries: files, and parcels of attachments (CO16, CO18, LL8)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO

import attrs

from ._records import frozen

__all__ = ["Attachment", "DeliveryReceipt", "OutgoingFile", "Parcel"]


@frozen
class OutgoingFile:
    """A local file to upload under *name* (LL8).

    Attributes:
        name: Final remote file name.
        size: Size in bytes, checked against the remote size before the final rename.
        open: Opens the content for reading; called once per attempt.
        sha256: Hex SHA-256 of the content, when known.
    """

    name: str
    size: int
    open: Callable[[], BinaryIO] = attrs.field(repr=False)
    sha256: str | None = None


@frozen
class Attachment:
    """One named document of a parcel (manifest, batch PDF)."""

    filename: str
    content_type: str
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return tuple(value)


@frozen
class Parcel:
    """Documents that travel together to the card vendor (CO16, CO18, CO2).

    Attributes:
        id: Fixes every remote name and the e-mail Message-ID: sending the same parcel
            again never makes a second one on the receiving side.
        subject: Subject line (e-mail) or title.
        body: Plain text body (e-mail) or README (files).
        attachments: The documents.
    """

    id: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = attrs.field(converter=_attachments)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class DeliveryReceipt:
    """What a delivery reports back: where things landed (remote paths, message ID).

    Attributes:
        destination: Where the delivery went (``sftp://…``, ``smtp://…``, a folder URI).
        reference: What identifies the delivery there: a remote path (for a parcel sent
            as files, its README, the completion mark) or an e-mail's ``Message-ID``.
        size: The bytes sent, when known.
        documents: For a parcel, the name each attachment got at the destination, in
            attachment order (``<id>-B000001-cards.pdf`` as a file, ``B000001-cards.pdf``
            in an e-mail); empty where a delivery does not say.
    """

    destination: str
    reference: str
    size: int | None = None
    documents: tuple[str, ...] = attrs.field(default=(), converter=_names)
