"""A throw-away CA and a server certificate for 127.0.0.1 and localhost, made by ``trustme``."""

from __future__ import annotations

from pathlib import Path

import attrs
import trustme

__all__ = ["TestPki", "make_pki"]


@attrs.frozen
class TestPki:
    """Files of a test PKI.

    Attributes:
        ca_file: The CA certificate (PEM): what a client trusts.
        cert_file: The server certificate (PEM), for 127.0.0.1 and localhost.
        key_file: The server's private key (PEM, unencrypted, readable by its owner only).
        other_ca_file: A second CA that did NOT sign the server certificate.
    """

    ca_file: Path
    cert_file: Path
    key_file: Path
    other_ca_file: Path


def make_pki(folder: Path) -> TestPki:
    """Write a CA, a server certificate signed by it, and an unrelated CA into *folder*."""
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    folder.mkdir(parents=True, exist_ok=True)
    pki = TestPki(
        ca_file=folder / "ca.pem",
        cert_file=folder / "server.pem",
        key_file=folder / "server.key",
        other_ca_file=folder / "other-ca.pem",
    )
    ca.cert_pem.write_to_path(str(pki.ca_file))
    other.cert_pem.write_to_path(str(pki.other_ca_file))
    server.cert_chain_pems[0].write_to_path(str(pki.cert_file))
    pki.key_file.touch(mode=0o600)
    server.private_key_pem.write_to_path(str(pki.key_file))
    return pki
