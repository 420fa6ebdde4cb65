"""Adapters of the delivery port.

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

* :mod:`.files` — :class:`~.files.FilesParcelDelivery`: a parcel as ``<id>-<name>``
  files through any file delivery, README last as the completion mark.

Importing this package loads no third-party library.
"""
