"""Adapters of the delivery port, and the openers that pick one by kind.

File deliveries (``FileDelivery``, LL8) — each uploads under a hidden temporary name,
checks the size and renames to the final name, retries transient errors with backoff and
reports failures as :class:`~amparex_core.domain.errors.DeliveryFailed`:

* :mod:`.sftp` — :class:`~.sftp.SftpDelivery` (paramiko, extra ``sftp``): host key checked
  against ``known_hosts`` or a pinned fingerprint, tuned for throughput.
* :mod:`.ftp` — :class:`~.ftp.FtpDelivery` (standard library): FTPS with a verified
  certificate and TLS session reuse; plain FTP only when explicitly allowed.
* :mod:`.folder` — :class:`~.folder.FolderDelivery`: a local or mounted folder.
* :mod:`.memory` — recording deliveries for tests and demos.

Parcel deliveries (``ParcelDelivery``, CO16, CO18):

* :mod:`.smtp` — :class:`~.smtp.SmtpParcelDelivery`: one e-mail per parcel (extra ``smtp``).
* :mod:`.files` — :class:`~.files.FilesParcelDelivery`: a parcel as ``<id>-<name>``
  files through any file delivery, README last as the completion mark.

:func:`open_file_delivery` and :func:`open_parcel_delivery` build one by its kind, looked
up in the entry points ``amparex.delivery`` and ``amparex.parcels``
(:mod:`amparex_adapters.registry`). The kinds amparex-core registers, and the options
their factories take:

===========  ===================  =========================================================
group        kind                 factory (options)
===========  ===================  =========================================================
delivery     ``folder``           :class:`~.folder.FolderDelivery` (``folder``, …)
delivery     ``sftp``             :class:`~.sftp.SftpDelivery` (``host``, ``username``, …)
delivery     ``ftps``             :class:`~.ftp.FtpDelivery` (``host``, ``username``,
                                  ``password``, …)
delivery     ``ftp``              :func:`~.ftp.plain_ftp`: the same without TLS
                                  (``allow_plain=True`` required)
delivery     ``memory``           :class:`~.memory.RecordingFileDelivery`
parcels      ``smtp``             :class:`~.smtp.SmtpParcelDelivery` (``host``, ``sender``,
                                  ``recipients``, …)
parcels      ``files``            :func:`~.files.files_parcels` (``transport``: a file
                                  delivery's kind, and that kind's options)
parcels      ``folder``           :func:`~.files.folder_parcels` (``folder``)
parcels      ``memory``           :class:`~.memory.RecordingParcelDelivery`
===========  ===================  =========================================================

>>> from amparex_adapters.delivery import open_file_delivery
>>> delivery = open_file_delivery("memory", destination="memory://outbox")
>>> type(delivery).__name__, delivery.destination
('RecordingFileDelivery', 'memory://outbox')

Importing this package loads no third-party library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from amparex_core.ports.delivery import FileDelivery, ParcelDelivery

__all__ = ["open_file_delivery", "open_parcel_delivery"]


def open_file_delivery(kind: str, /, **options: Any) -> FileDelivery:
    """A file delivery of *kind* (``amparex.delivery``), built from *options*.

    Args:
        kind: ``folder``, ``sftp``, ``ftp``, ``ftps``, ``memory`` or a kind another
            distribution registers.
        **options: Passed to the kind's factory as they are (see the table above);
            secrets (``password``, ``passphrase``) as
            :class:`~amparex_core.domain.secret.Secret`.

    Returns:
        The delivery. One that keeps a connection (SFTP, FTP) has ``close()``.

    Raises:
        AdapterUnknown: No installed adapter has *kind*; lists the installed kinds.
        MissingExtraError: The kind's extra is not installed.
        ValueError: An option has a bad value (the factory's refusal).
        TypeError: An option is unknown to the kind or of the wrong type.
    """
    from amparex_adapters.registry import FILE_DELIVERY, FileDeliveryFactory

    factory: FileDeliveryFactory = FILE_DELIVERY.load(kind)
    return factory(**options)


def open_parcel_delivery(kind: str, /, **options: Any) -> ParcelDelivery:
    """A parcel delivery of *kind* (``amparex.parcels``), built from *options*.

    Args:
        kind: ``smtp``, ``files`` (with ``transport``, a file delivery's kind), ``folder``,
            ``memory`` or a kind another distribution registers.
        **options: Passed to the kind's factory as they are.

    Returns:
        The delivery; ``close()`` ends a connection its file delivery keeps.

    Raises:
        AdapterUnknown: No installed adapter has *kind* (or the transport's kind).
        MissingExtraError: The kind's extra is not installed.
        ValueError: An option has a bad value (the factory's refusal).
        TypeError: An option is unknown to the kind or of the wrong type.
    """
    from amparex_adapters.registry import PARCEL_DELIVERY, ParcelDeliveryFactory

    factory: ParcelDeliveryFactory = PARCEL_DELIVERY.load(kind)
    return factory(**options)
