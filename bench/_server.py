"""Bench server: serves a `Corpus` (pages, static feeds, live feeds that grow on demand) on 127.0.0.1.

ETag/If-None-Match like a real press service, so polls of an unchanged feed cost a 304.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from bench.corpus import Corpus

ROBOTS = b"User-agent: *\nAllow: /\n"


class BenchServer:
    def __init__(self, corpus: Corpus, host: str = "127.0.0.1") -> None:
        if host != "127.0.0.1":
            raise ValueError("the bench server binds 127.0.0.1 only")
        self.corpus = corpus
        self._httpd = ThreadingHTTPServer((host, 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.request_queue_size = 128
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self._lock = threading.Lock()
        self._pages = corpus.paths()
        self._feeds = {corpus.feed_path(f): corpus.rss(self.base_url, f) for f in range(corpus.m)}
        self._live: dict[str, list[int]] = {}
        self.requests = 0
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BenchServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="bench-server", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def url(self, path: str) -> str:
        return self.base_url + path

    def feed_urls(self) -> list[str]:
        return [self.url(p) for p in self._feeds]

    # -- live feeds: the latency run publishes entries one by one

    def add_live_feed(self, name: str) -> str:
        path = f"/{self.corpus.site}/live/{name}.xml"
        with self._lock:
            self._live[path] = []
        return self.url(path)

    def publish(self, live_url: str, index: int, keep: int = 50) -> str:
        """Add article `index` (any index, also ≥ N) to a live feed; returns its page URL."""
        article = self.corpus.article(index)
        with self._lock:
            self._pages[article.path] = index
            entries = self._live[urlsplit(live_url).path]
            entries.append(index)
            del entries[:-keep]
        return self.url(article.path)

    def _body(self, path: str) -> tuple[bytes, str] | None:
        with self._lock:
            self.requests += 1
            feed = self._feeds.get(path)
            live = list(self._live[path]) if path in self._live else None
            index = self._pages.get(path)
        if feed is not None:
            return feed, "application/rss+xml; charset=utf-8"
        if live is not None:
            return self.corpus.rss(self.base_url, 0, live), "application/rss+xml; charset=utf-8"
        if index is not None:
            return self.corpus.page(self.corpus.article(index)), "text/html; charset=utf-8"
        if path == "/robots.txt":
            return ROBOTS, "text/plain"
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                found = server._body(urlsplit(self.path).path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = found
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        return Handler
