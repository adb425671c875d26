"""Bench server: serves a `Corpus` (pages, static feeds, live feeds that grow on demand) on 127.0.0.1.

ETag/If-None-Match like a real press service, so polls of an unchanged feed cost a 304.

It stands in for press services on other machines, yet shares this machine's cores with the
system under test, so it is kept cheap: every corpus page and feed is rendered with its ETag before
the clock starts (a press service's pages exist before we fetch them), and one asyncio thread
answers with prebuilt headers (http.server spent a thread and an email-parser pass per request).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from email.utils import formatdate
from types import TracebackType
from urllib.parse import urlsplit

from bench.corpus import Corpus

ROBOTS = b"User-agent: *\nAllow: /\n"
RSS = "application/rss+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
MAX_HEAD_BYTES = 16_384


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class BenchServer:
    def __init__(self, corpus: Corpus, host: str = "127.0.0.1") -> None:
        if host != "127.0.0.1":
            raise ValueError("the bench server binds 127.0.0.1 only")
        self.corpus = corpus
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, host, 0, backlog=256, limit=MAX_HEAD_BYTES))
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{port}"
        self._lock = threading.Lock()
        # path → (body, content type, ETag), rendered now, before any phase is timed.
        self._static: dict[str, tuple[bytes, str, str]] = {"/robots.txt": (ROBOTS, "text/plain", _etag(ROBOTS))}
        for f in range(corpus.m):
            self._put(corpus.feed_path(f), corpus.rss(self.base_url, f), RSS)
        for path, index in corpus.paths().items():
            self._put(path, corpus.page(corpus.article(index)), HTML)
        self._live: dict[str, list[int]] = {}
        self.requests = 0
        self._thread: threading.Thread | None = None

    def _put(self, path: str, body: bytes, ctype: str) -> None:
        self._static[path] = (body, ctype, _etag(body))

    def __enter__(self) -> BenchServer:
        self._thread = threading.Thread(target=self._loop.run_forever, name="bench-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        async def stop() -> None:
            self._server.close()
            await self._server.wait_closed()

        if self._thread is not None:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def url(self, path: str) -> str:
        return self.base_url + path

    def feed_urls(self) -> list[str]:
        return [self.url(self.corpus.feed_path(f)) for f in range(self.corpus.m)]

    # -- live feeds: the latency run publishes entries one by one

    def add_live_feed(self, name: str) -> str:
        path = f"/{self.corpus.site}/live/{name}.xml"
        with self._lock:
            self._live[path] = []
        return self.url(path)

    def publish(self, live_url: str, index: int, keep: int = 50) -> str:
        """Add article `index` (any index, also ≥ N) to a live feed; returns its page URL."""
        article = self.corpus.article(index)
        page = self.corpus.page(article)  # rendered by the "press service" as it publishes
        with self._lock:
            self._put(article.path, page, HTML)
            entries = self._live[urlsplit(live_url).path]
            entries.append(index)
            del entries[:-keep]
        return self.url(article.path)

    def _lookup(self, path: str) -> tuple[bytes, str, str] | None:
        with self._lock:
            self.requests += 1
            found = self._static.get(path)
            live = list(self._live[path]) if path in self._live else None
        if live is not None:
            body = self.corpus.rss(self.base_url, 0, live)
            return body, RSS, _etag(body)
        return found

    def _response(self, target: str, if_none_match: str | None) -> bytes:
        found = self._lookup(urlsplit(target).path)
        date = formatdate(usegmt=True)
        if found is None:
            return f"HTTP/1.1 404 Not Found\r\nDate: {date}\r\nContent-Length: 0\r\n\r\n".encode()
        body, ctype, etag = found
        if if_none_match == etag:
            return f"HTTP/1.1 304 Not Modified\r\nDate: {date}\r\nETag: {etag}\r\n\r\n".encode()
        return (f"HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                f"ETag: {etag}\r\n\r\n").encode() + body

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: one connection may carry several requests
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                parts = lines[0].split(" ")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                response = self._response(parts[1], headers.get("if-none-match"))
                if parts[0] == "HEAD":
                    response = response.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
                writer.write(response)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        finally:
            writer.close()
