"""Delivery adapters load their libraries only when used, and name a missing extra (LL8)."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_LL8_importing_the_delivery_adapters_loads_no_protocol_library() -> None:
    result = _run(
        "import sys\n"
        "import amparex_core, amparex_adapters.delivery.sftp, amparex_adapters.delivery.ftp\n"
        "import amparex_adapters.delivery.folder, amparex_adapters.delivery.files\n"
        "libs = ('paramiko', 'ftplib', 'ssl', 'cryptography')\n"
        "print(sorted(m for m in libs if m in sys.modules))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_LL8_missing_paramiko_names_the_sftp_extra() -> None:
    result = _run(
        "import sys\n"
        "sys.modules['paramiko'] = None\n"
        "from amparex_adapters.delivery.sftp import SftpDelivery\n"
        "from amparex_adapters._extras import MissingExtraError\n"
        "try:\n"
        "    SftpDelivery('h', username='u', host_key_fingerprint='SHA256:x')\n"
        "except MissingExtraError as exc:\n"
        "    print(exc)\n"
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "amparex-core[sftp]"' in result.stdout
