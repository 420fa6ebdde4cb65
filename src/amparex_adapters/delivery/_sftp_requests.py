"""The pipelined SFTP writer's use of paramiko's request layer (private to :mod:`.sftp`).

:class:`Acks` collects the answers to the requests of one upload that are in flight;
:func:`client_class` is an ``SFTPClient`` that keeps the extensions the server announces,
corks requests into one write and sends write requests built in one piece. They talk to
``_async_request`` and ``_read_response``, the calls paramiko's own ``SFTPFile`` uses;
they have been stable since paramiko 1.x.
"""

from __future__ import annotations

import logging
from collections import deque
from types import ModuleType
from typing import Any

__all__ = ["Acks", "client_class"]

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
