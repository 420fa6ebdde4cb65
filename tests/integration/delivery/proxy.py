"""A TCP proxy on 127.0.0.1 that can cut every connection through it on request, or slow
the clients' bytes down to a given rate (a slow link)."""

from __future__ import annotations

import contextlib
import io
import select
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import BinaryIO, Self

from amparex_core.domain.parcels import OutgoingFile

__all__ = ["CUT_AT", "CuttingProxy", "TriggerReader", "cut_once"]

CUT_AT = 1024 * 1024
"""Where :func:`cut_once` cuts by default: after 1 MiB has been read."""


class CuttingProxy:
    """Forwards connections from its own port to ``127.0.0.1:target_port``.

    :meth:`cut` breaks every open connection at once (both sides see a reset), as a
    network failure mid-transfer would; later connections are forwarded normally.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._stalled = threading.Event()
        self._cut_up_at: int | None = None
        self._up_total = 0
        self._reply_after: int | None = None
        self._reply_marker: bytes | None = None
        self._rate: float | None = None
        self.connections = 0
        self.cuts = 0
        self.swallowed: bytes | None = None
        """The server's answer that :meth:`swallow_reply_after` dropped, once it has."""
        self._acceptor = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            thread = threading.Thread(
                target=self._pump, args=(client, upstream), name="proxy-pump", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        up = 0  # bytes this connection carried from the client to the server
        marked = False  # the client sent the armed marker: swallow the next answer
        try:
            while True:
                if self._stalled.is_set():  # a black hole: nothing moves, nothing closes
                    if self._stopping:
                        return
                    self._stalled.wait(0.05)
                    time.sleep(0.05)
                    continue
                readable, _, _ = select.select([a, b], [], [], 0.2)
                if self._stopping:
                    return
                rate = self._rate
                for sock in readable:
                    data = sock.recv(4096 if rate else 262144)
                    if not data:
                        with contextlib.suppress(OSError):
                            peers[sock].shutdown(socket.SHUT_WR)
                        return
                    if sock is a:
                        up += len(data)
                        marked = marked or self._saw_marker(data)
                        keep = self._count_up(len(data))
                        if keep is not None:  # the armed offset is inside this chunk
                            b.sendall(data[:keep])
                            self.cut()
                            return
                    elif self._swallow(up, data, marked):
                        return
                    peers[sock].sendall(data)
                    if rate and sock is a:
                        time.sleep(len(data) / rate)
        except (OSError, ValueError):
            return
        finally:
            self._close_pair(a, b)

    def _close_pair(self, a: socket.socket, b: socket.socket) -> None:
        with self._lock:
            if (a, b) in self._pairs:
                self._pairs.remove((a, b))
        for sock in (a, b):
            with contextlib.suppress(OSError):
                # SO_LINGER 0: close with a reset, like a broken network path.
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _count_up(self, size: int) -> int | None:
        """Count client-to-server bytes; the bytes to forward before cutting, if armed."""
        with self._lock:
            at = self._cut_up_at
            if at is None:
                self._up_total += size
                return None
            if self._up_total + size < at:
                self._up_total += size
                return None
            keep = at - self._up_total
            self._cut_up_at = None
            self._up_total += keep
            return keep

    def _saw_marker(self, data: bytes) -> bool:
        with self._lock:
            if self._reply_marker is None or self._reply_marker not in data:
                return False
            self._reply_marker = None
            return True

    def _swallow(self, up: int, data: bytes, marked: bool) -> bool:
        with self._lock:
            if not marked:
                if self._reply_after is None or up < self._reply_after:
                    return False
                self._reply_after = None
            self.swallowed = data
        self.cut()
        return True

    def cut_after(self, offset: int) -> None:
        """Cut every connection once the clients have sent *offset* more bytes in all.

        The bytes up to the offset reach the server, the rest of that chunk does not;
        counting starts now and goes on across connections.
        """
        with self._lock:
            self._up_total = 0
            self._cut_up_at = offset

    def swallow_reply_after(self, offset: int) -> None:
        """Drop the first server answer that follows *offset* client bytes on one
        connection, and cut: the server has acted, the client never learns it."""
        with self._lock:
            self._reply_after = offset
            self.swallowed = None

    def swallow_reply_after_marker(self, marker: bytes) -> None:
        """Drop the server's first answer after a client chunk holding *marker* (plain-text
        protocols: a statement, a command), and cut: the server acted, the client never
        learns it."""
        with self._lock:
            self._reply_marker = marker
            self.swallowed = None

    def throttle(self, bytes_per_second: float | None) -> None:
        """Carry at most *bytes_per_second* from the clients to the server (``None``: full
        speed): a slow link, so that an upload takes long enough to be interrupted."""
        self._rate = bytes_per_second

    def stall(self) -> None:
        """Stop forwarding without closing anything (a silently dead network path)."""
        self._stalled.set()

    def cut(self) -> None:
        """Break every open connection now."""
        with self._lock:
            pairs = list(self._pairs)
            self.cuts += 1
        for a, b in pairs:
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting, break every connection and wait for the threads."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self.cut()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class TriggerReader(io.BytesIO):
    """Content that calls *trigger* once, when reading passes *at* bytes."""

    def __init__(self, data: bytes, at: int, trigger: Callable[[], None]) -> None:
        super().__init__(data)
        self._at = at
        self._trigger: Callable[[], None] | None = trigger

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self._trigger is not None and self.tell() >= self._at:
            trigger, self._trigger = self._trigger, None
            trigger()
        return chunk


def cut_once(name: str, data: bytes, proxy: CuttingProxy, at: int = CUT_AT) -> OutgoingFile:
    """A file whose first reading cuts the proxy mid-transfer; later readings do not."""
    armed = [True]

    def opener() -> BinaryIO:
        if armed[0]:
            armed[0] = False
            return TriggerReader(data, at, proxy.cut)
        return io.BytesIO(data)

    return OutgoingFile(name=name, size=len(data), open=opener)
