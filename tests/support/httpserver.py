"""Test helper: a scripted HTTP server on 127.0.0.1 (threaded, port 0) with a request log.

    with ScriptedServer() as srv:
        srv.route("/a", Route(body=b"hi"))
        srv.route("/old", Route(status=301, headers={"Location": "/a"}))
        srv.route("/seq", [Route(status=503), Route(body=b"ok")])  # served in order, last repeats
        srv.route("/etag", lambda req: Route(status=304) if req.headers.get("if-none-match") else Route())
        url = srv.url("/a")
        ... srv.requests  # list[LoggedRequest], in the order answers began

`ScriptedServer(tls=server_ssl_context)` serves https instead (base_url then starts with https://).

Route fields: status, headers, body, delay_s (before the status line), trickle_s (pause between
body chunks of `chunk_bytes`), abort (close the socket without answering), content_length
(override or None to omit; omitted means the body ends when the connection closes).
LoggedRequest: method, path, headers (lower-cased names), started/finished (time.monotonic(),
comparable across processes on Linux). `finished` is taken before the first body byte is written,
so a client cannot have finished reading before it: [started, finished] lies inside the client's call.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["LoggedRequest", "Route", "RouteSpec", "ScriptedServer"]


@dataclass(frozen=True)
class Route:
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay_s: float = 0.0
    trickle_s: float = 0.0
    chunk_bytes: int = 1
    abort: bool = False
    content_length: int | bool | None = True  # True: len(body); None: omit; int: send this value


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    started: float
    finished: float


RouteSpec = Route | Sequence[Route] | Callable[[LoggedRequest], Route]
_NOT_FOUND = Route(status=404, body=b"not found")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet in test output
        pass

    def do_GET(self) -> None:
        started = time.monotonic()
        headers = {k.lower(): v for k, v in self.headers.items()}
        probe = LoggedRequest("GET", self.path, headers, started, started)
        route = self.server.owner._pick(probe)
        if route.delay_s:
            time.sleep(route.delay_s)
        if route.abort:
            self.server.owner._log(probe, time.monotonic())
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.content_length is True:
            self.send_header("Content-Length", str(len(route.body)))
        elif isinstance(route.content_length, int) and route.content_length is not False:
            self.send_header("Content-Length", str(route.content_length))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.server.owner._log(probe, time.monotonic())
        self.end_headers()
        if not route.trickle_s:
            self.wfile.write(route.body)
            return
        for i in range(0, len(route.body), route.chunk_bytes):
            self.wfile.write(route.body[i : i + route.chunk_bytes])
            self.wfile.flush()
            time.sleep(route.trickle_s)

    def handle(self) -> None:
        # The client gave up (deadline, size cap): that is what many tests provoke.
        with contextlib.suppress(OSError):
            super().handle()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ScriptedServer


class ScriptedServer:
    """Serves `routes` on 127.0.0.1:<free port> from a background thread until closed."""

    def __init__(self, routes: Mapping[str, RouteSpec] | None = None, *, tls: ssl.SSLContext | None = None):
        self._routes: dict[str, RouteSpec] = dict(routes or {})
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self.requests: list[LoggedRequest] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        if tls is not None:
            # The handshake runs in the handler thread (first read), so a stalled client blocks no one.
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def route(self, path: str, spec: RouteSpec) -> str:
        """Script `path` (path + query, exactly as requested); returns its absolute URL."""
        with self._lock:
            self._routes[path] = spec
            self._served[path] = 0
        return self.url(path)

    def url(self, path: str) -> str:
        return self.base_url + path

    def _pick(self, request: LoggedRequest) -> Route:
        with self._lock:
            spec = self._routes.get(request.path, _NOT_FOUND)
            n = self._served.get(request.path, 0)
            self._served[request.path] = n + 1
        if isinstance(spec, Route):
            return spec
        if callable(spec):
            return spec(request)
        return spec[min(n, len(spec) - 1)]

    def _log(self, probe: LoggedRequest, finished: float) -> None:
        with self._lock:
            self.requests.append(
                LoggedRequest(probe.method, probe.path, probe.headers, probe.started, finished)
            )

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
