"""A TCP relay between a seat and the test's PostgreSQL whose cable can be pulled: ``cut()``
drops every connection and refuses new ones (as a dead switch would), ``restore()`` lets them
through again. Real sockets on loopback; the end-to-end test cuts a real network namespace."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class CuttableLink:
    """Listens on ``bind`` (127.0.0.1 by default, a free port) and relays to ``host:port``."""

    def __init__(self, host: str, port: int, *, bind: str = "127.0.0.1") -> None:
        self.target = (host, port)
        self.bind = bind
        self._server = socket.create_server((bind, 0))
        self.port = int(self._server.getsockname()[1])
        self._up = threading.Event()
        self._up.set()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        """``url`` going through the relay."""
        parts = urlsplit(url)
        auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{auth}{self.bind}:{self.port}"))

    def cut(self) -> None:
        """Pull the cable: every open connection dies, new ones are refused."""
        self._up.clear()
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Plug it back."""
        self._up.set()

    def close(self) -> None:
        """Stop relaying."""
        self._closed = True
        self.cut()
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                seat, _ = self._server.accept()
            except OSError:
                return
            if not self._up.is_set():
                seat.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                seat.close()
                continue
            server.settimeout(None)
            with self._lock:
                if not self._up.is_set():  # cut while this one was being set up
                    seat.close()
                    server.close()
                    continue
                self._sockets.update((seat, server))
            threading.Thread(target=self._pump, args=(seat, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, seat), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
