"""The pipelined SFTP writer's use of paramiko's request layer (private to :mod:`.sftp`).

:class:`Acks` collects the answers to the requests of one upload that are in flight;
:func:`client_class` is an ``SFTPClient`` that keeps the extensions the server announces,
corks requests into one write and sends write requests built in one piece. They talk to
``_async_request`` and ``_read_response``, the calls paramiko's own ``SFTPFile`` uses,
and override three private methods (``_send_packet``, ``_write_all``, ``_send_version``).

Those names are paramiko's own business: :func:`private_api_problem` checks, once per
process, that the installed paramiko still has each of them with the parameters used here
(and :func:`client_problem` checks the attributes of a client object);
:mod:`.sftp` uses the public ``SFTPClient.putfo`` when they do not.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections import deque
from collections.abc import MutableMapping
from types import ModuleType
from typing import Any, Final

__all__ = [
    "Acks",
    "client_class",
    "client_problem",
    "fast_path",
    "give_up_fast_path",
    "private_api_problem",
]

_POSITIONAL: Final = inspect.Parameter.POSITIONAL_OR_KEYWORD
_REST: Final = inspect.Parameter.VAR_POSITIONAL

#: The private methods of ``SFTPClient`` used or overridden, with their parameters.
_METHODS: Final[dict[str, tuple[tuple[str, Any], ...]]] = {
    "_request": (("t", _POSITIONAL), ("args", _REST)),
    "_async_request": (("fileobj", _POSITIONAL), ("t", _POSITIONAL), ("args", _REST)),
    "_read_response": (("waitfor", _POSITIONAL),),
    "_convert_status": (("msg", _POSITIONAL),),
    "_send_packet": (("t", _POSITIONAL), ("packet", _POSITIONAL)),
    "_read_packet": (),
    "_write_all": (("out", _POSITIONAL),),
    "_send_version": (),
}

#: The protocol constants of ``paramiko.sftp`` the writer sends and reads.
_CONSTANTS: Final = (
    "CMD_INIT", "CMD_VERSION", "CMD_OPEN", "CMD_HANDLE", "CMD_WRITE", "CMD_CLOSE",
    "CMD_FSTAT", "CMD_STATUS", "CMD_ATTRS", "CMD_EXTENDED", "CMD_EXTENDED_REPLY",
    "SFTP_FLAG_WRITE", "SFTP_FLAG_CREATE", "SFTP_FLAG_TRUNC",
)  # fmt: skip


def _shape(function: Any) -> tuple[tuple[str, Any], ...]:
    parameters = list(inspect.signature(function).parameters.values())[1:]  # without self
    return tuple((p.name, p.kind) for p in parameters)


def private_api_problem(paramiko: ModuleType) -> str | None:
    """What keeps the pipelined writer from working with this paramiko, or ``None``."""
    client = getattr(paramiko, "SFTPClient", None)
    sftp = getattr(paramiko, "sftp", None)
    if client is None or sftp is None:
        return "paramiko.SFTPClient or paramiko.sftp is missing"
    for name, expected in _METHODS.items():
        method = getattr(client, name, None)
        if not callable(method):
            return f"SFTPClient.{name} is missing"
        try:
            shape = _shape(method)
        except (TypeError, ValueError):
            return f"SFTPClient.{name} has no signature"
        if shape != expected:
            return f"SFTPClient.{name} takes {[n for n, _ in shape]}"
    from_msg = getattr(getattr(paramiko, "SFTPAttributes", None), "_from_msg", None)
    if not callable(from_msg):
        return "SFTPAttributes._from_msg is missing"
    missing = [name for name in _CONSTANTS if not isinstance(getattr(sftp, name, None), int)]
    if missing:
        return f"paramiko.sftp has no {', '.join(missing)}"
    if not callable(getattr(paramiko, "Message", None)):
        return "paramiko.Message is missing"
    return None


_fast_lock = threading.Lock()
_fast: dict[int, bool] = {}
"""Per paramiko module (by ``id``): whether the pipelined writer may run."""


def fast_path(paramiko: ModuleType) -> bool:
    """Whether paramiko's private request layer is usable (checked once per process)."""
    with _fast_lock:
        known = _fast.get(id(paramiko))
        if known is not None:
            return known
        problem = private_api_problem(paramiko)
        _fast[id(paramiko)] = problem is None
    if problem is not None:
        _warn_public(paramiko, problem)
    return problem is None


def give_up_fast_path(paramiko: ModuleType, problem: str) -> None:
    """Use the public API from now on (an SFTP client object did not have what we use)."""
    with _fast_lock:
        was = _fast.get(id(paramiko), True)
        _fast[id(paramiko)] = False
    if was:
        _warn_public(paramiko, problem)


def _warn_public(paramiko: ModuleType, problem: str) -> None:
    logger.warning(
        "paramiko %s changed its SFTP request layer (%s); uploading through paramiko's"
        " public SFTPClient.putfo instead (slower, same guarantees)",
        getattr(paramiko, "__version__", "?"),
        problem,
    )


def client_problem(client: Any) -> str | None:
    """What is wrong with the attributes of an ``SFTPClient`` the writer uses, or ``None``."""
    if not isinstance(getattr(client, "_expecting", None), MutableMapping):
        return "SFTPClient._expecting is not a mapping"
    if not isinstance(getattr(client, "request_number", None), int):
        return "SFTPClient.request_number is not a number"
    lock = getattr(client, "_lock", None)
    if not (hasattr(lock, "__enter__") and hasattr(lock, "__exit__")):
        return "SFTPClient._lock is not a lock"
    if not callable(getattr(getattr(client, "sock", None), "send", None)):
        return "SFTPClient.sock cannot send"
    return None


logger = logging.getLogger(__name__)


class Acks:
    """Collects the answers to pipelined requests of one upload (paramiko calls back)."""

    def __init__(self, paramiko: ModuleType, sftp: Any) -> None:
        self._sftp = sftp
        self._p = paramiko.sftp
        self._attrs_cls = paramiko.SFTPAttributes
        self.pending: deque[tuple[int, int]] = deque()  # (request number, bytes)
        self.in_flight = 0
        self.answers: dict[int, Any] = {}

    def _async_response(self, t: int, msg: Any, num: int) -> None:
        # Called by paramiko's _read_response for requests registered with this object.
        if t == self._p.CMD_STATUS:
            try:
                self._sftp._convert_status(msg)
            except (OSError, EOFError) as exc:
                self.answers[num] = exc
                return
            self.answers[num] = None
        elif t == self._p.CMD_ATTRS:
            self.answers[num] = self._attrs_cls._from_msg(msg)
        elif t == self._p.CMD_HANDLE:
            self.answers[num] = msg.get_binary()
        else:
            self.answers[num] = OSError(f"unexpected SFTP answer type {t}")

    def send(self, t: int, *args: Any, size: int = 0) -> int:
        num = int(self._sftp._async_request(self, t, *args))
        self.pending.append((num, size))
        self.in_flight += size
        return num

    def write(self, handle: bytes, offset: int, data: bytes) -> int:
        num = int(self._sftp.amparex_write(self, handle, offset, data))
        self.pending.append((num, len(data)))
        self.in_flight += len(data)
        return num

    def take_oldest(self) -> tuple[int, Any]:
        """Wait for the oldest request's answer; its number and the answer (an error too)."""
        num, size = self.pending[0]
        while num not in self.answers:
            self._sftp._read_response()
        self.pending.popleft()
        self.in_flight -= size
        return num, self.answers.pop(num)

    def wait_oldest(self) -> Any:
        num, size = self.pending[0]
        while num not in self.answers:
            self._sftp._read_response()
        self.pending.popleft()
        self.in_flight -= size
        answer = self.answers.pop(num)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def wait_all(self) -> list[Any]:
        results: list[Any] = []
        error: BaseException | None = None
        while self.pending:
            try:
                results.append(self.wait_oldest())
            except (OSError, EOFError) as exc:  # collect every answer, raise the first
                error = error or exc
        if error is not None:
            raise error
        return results


_CLIENT_CLASSES: dict[int, type[Any]] = {}


def client_class(paramiko: ModuleType) -> type[Any]:
    """An ``SFTPClient`` that keeps the extensions the server announces in its version."""
    cls = _CLIENT_CLASSES.get(id(paramiko))
    if cls is not None:
        return cls
    struct_mod = __import__("struct")
    p = paramiko.sftp

    class _AmparexSFTPClient(paramiko.SFTPClient):  # type: ignore[misc,name-defined]
        amparex_extensions: dict[str, bytes]
        amparex_cork: list[bytes] | None = None

        def _send_packet(self, t: int, packet: Any) -> None:
            # While corked, requests collect and leave in one write (fewer SSH packets).
            if self.amparex_cork is None:
                super()._send_packet(t, packet)
                return
            data = packet.asbytes()
            self.amparex_cork.append(struct_mod.pack(">I", len(data) + 1) + bytes((t,)) + data)

        def _write_all(self, out: bytes) -> None:
            # paramiko slices the rest of the buffer after every channel packet (a copy
            # each time: quadratic in the request size); a memoryview does not copy.
            view = memoryview(out)
            while view:
                sent = self.sock.send(view)
                if sent <= 0:
                    raise EOFError()
                view = view[sent:]

        def amparex_write(self, fileobj: Any, handle: bytes, offset: int, data: bytes) -> int:
            """Send one SSH_FXP_WRITE, built in one piece.

            paramiko's Message would copy the data three times. The answer goes to
            *fileobj*, as with paramiko's ``_async_request``.
            """
            with self._lock:
                num = int(self.request_number)
                self._expecting[num] = fileobj
                self.request_number += 1
            head = struct_mod.pack(
                ">IBII",
                1 + 4 + 4 + len(handle) + 8 + 4 + len(data),
                p.CMD_WRITE,
                num,
                len(handle),
            )
            out = b"".join((head, handle, struct_mod.pack(">QI", offset, len(data)), data))
            if self.amparex_cork is not None:
                self.amparex_cork.append(out)
            else:
                self._write_all(out)
            return num

        def amparex_flush(self) -> None:
            corked, self.amparex_cork = self.amparex_cork, None
            if corked:
                self._write_all(b"".join(corked))

        def _send_version(self) -> int:
            message = paramiko.Message()
            message.add_int(3)
            self._send_packet(p.CMD_INIT, message)
            t, data = self._read_packet()
            if t != p.CMD_VERSION:
                raise p.SFTPError("Incompatible sftp protocol")
            version = int(struct_mod.unpack(">I", data[:4])[0])
            reply = paramiko.Message(data[4:])
            extensions: dict[str, bytes] = {}
            try:
                while reply.get_remainder():
                    name = reply.get_string().decode("utf-8", "replace")
                    extensions[name] = reply.get_string()
            except Exception:  # a malformed list only loses the extras
                logger.debug("malformed SFTP extension list", exc_info=True)
            self.amparex_extensions = extensions
            return version

    _CLIENT_CLASSES[id(paramiko)] = _AmparexSFTPClient
    return _AmparexSFTPClient
