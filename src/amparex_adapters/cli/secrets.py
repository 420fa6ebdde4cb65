"""The secrets of one run of the ``amparex`` command: the environment, else the secrets file.

Re-exported by :mod:`amparex_adapters.cli.config`, where they were first defined; see there
for the names and the rules.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from amparex_core.domain.secret import Secret

from .errors import ConfigInvalid, SecretMissing, SecretsFileInsecure

if TYPE_CHECKING:
    from .config import Config

__all__ = [
    "SECRETS_VARIABLE",
    "SECRET_VARIABLES",
    "Secrets",
    "check_secrets_file",
    "secrets_file_values",
]

SECRETS_VARIABLE: Final = "AMPAREX_SECRETS_FILE"

SECRET_VARIABLES: Final[Mapping[str, str]] = {
    "card_key": "AMPAREX_CARD_KEY",
    "upload_password": "AMPAREX_UPLOAD_PASSWORD",
    "upload_passphrase": "AMPAREX_UPLOAD_PASSPHRASE",
    "smtp_password": "AMPAREX_SMTP_PASSWORD",
    "parcel_password": "AMPAREX_PARCEL_PASSWORD",
    "parcel_passphrase": "AMPAREX_PARCEL_PASSPHRASE",
}
"""Every secret the command knows, and the environment variable that carries it."""


class Secrets:
    """The secrets of one run: from the environment, else from the secrets file.

    The file is checked when the configuration is loaded: it must belong to the user
    running the command and grant no permission to group or others.

    Args:
        config: Names the secrets file (``[secrets] file``); ``$AMPAREX_SECRETS_FILE``
            overrides it.
        environ: The environment to read (default: the process's).

    Raises:
        SecretsFileInsecure: The file is readable (or writable) by others than its owner.
        ConfigInvalid: The file is missing or not TOML.
    """

    def __init__(self, config: Config, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._values: dict[str, Secret] = {}
        file = self._environ.get(SECRETS_VARIABLE) or config.secrets.file
        self.file: Path | None = None
        if file:
            from_env = bool(self._environ.get(SECRETS_VARIABLE))
            self.file = Path(file).expanduser() if from_env else config.resolve_path(file)
            self._values = _read_secrets_file(self.file)

    def get(self, name: str) -> Secret | None:
        """The secret *name*, or ``None`` when it is set nowhere."""
        variable = SECRET_VARIABLES[name]
        value = self._environ.get(variable)
        if value:
            return Secret(value)
        return self._values.get(name)

    def require(self, name: str) -> Secret:
        """The secret *name*.

        Raises:
            SecretMissing: It is set nowhere.
        """
        secret = self.get(name)
        if secret is None:
            raise SecretMissing(name=name, variable=SECRET_VARIABLES[name])
        return secret

    def values(self) -> list[str]:
        """Every secret value known in this run (to scrub them from messages)."""
        found = [s.reveal() for s in self._values.values()]
        found += [self._environ[v] for v in SECRET_VARIABLES.values() if self._environ.get(v)]
        return [v for v in found if len(v) >= 3]


def secrets_file_values(option: str | os.PathLike[str] | None = None) -> list[str]:
    """The values of the secrets file, read even when the configuration is refused.

    A refused configuration may quote a value that is a secret pasted into the wrong key:
    to scrub it from the message the command needs the secrets, though the configuration
    that names their file did not load. Best effort: any problem gives an empty list.
    """
    try:
        file = os.environ.get(SECRETS_VARIABLE)
        base = Path.cwd()
        if not file:
            from .config import find_config

            path = find_config(option).path
            if path is None:
                return []
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            named = data.get("secrets", {}).get("file")
            if not isinstance(named, str):
                return []
            file, base = named, path.resolve().parent
        secrets_path = Path(file).expanduser()
        if not secrets_path.is_absolute():
            secrets_path = base / secrets_path
        return [s.reveal() for s in _read_secrets_file(secrets_path).values()]
    except Exception:  # noqa: BLE001 - the original refusal is the one to report
        return []


def check_secrets_file(path: Path) -> None:
    """Refuse a secrets file that others than its owner may read or change.

    Raises:
        SecretsFileInsecure: Group or others have any permission, or another user owns it.
        ConfigInvalid: There is no such file.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigInvalid(path=str(path), key="secrets.file", reason="no such file") from None
    except OSError as exc:
        raise ConfigInvalid(
            path=str(path), key="secrets.file", reason=exc.strerror or str(exc)
        ) from None
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and (mode & 0o077 or info.st_uid != os.getuid()):
        raise SecretsFileInsecure(path=str(path), mode=f"{mode:04o}")


def _read_secrets_file(path: Path) -> dict[str, Secret]:
    check_secrets_file(path)
    label = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise ConfigInvalid(path=label, key="", reason="cannot be read") from None
    except (tomllib.TOMLDecodeError, RecursionError):
        # The parser's message quotes the offending line, which may hold a secret.
        raise ConfigInvalid(path=label, key="", reason="not valid TOML") from None
    values: dict[str, Secret] = {}
    for key, value in data.items():
        if key not in SECRET_VARIABLES:
            raise ConfigInvalid(
                path=label, key=key, reason=f"unknown secret; known: {', '.join(SECRET_VARIABLES)}"
            )
        if not isinstance(value, str):
            raise ConfigInvalid(path=label, key=key, reason="a string expected")
        values[key] = Secret(value)
    return values
