"""Replay server: serves the bundled corpus (seeds/replay, described by manifest.toml) on loopback.

Used by `make demo` and the integration tests in place of the internet. Files go out byte-exact,
except that the placeholder `{base}` in text responses becomes http://127.0.0.1:PORT. The compose
test runs it as a container (`python -m workers.devtools.replay --public-url http://replay:8080 ...`): only
then does it bind a non-loopback address, and `{base}` becomes that public URL.
"""

from __future__ import annotations

import codecs
import hashlib
import ipaddress
import re
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

PLACEHOLDER = "{base}"
_DEFAULT_LAST_MODIFIED = "2026-11-24T09:00:00+00:00"

# (monotonic time, method, raw path with query, request headers)
LogEntry = tuple[float, str, str, dict[str, str]]


@dataclass(frozen=True)
class Resource:
    """One servable file: a feed or a page from the manifest."""

    path: str  # URL path, starting with "/"
    file: Path
    content_type: str
    encoding: str
    last_modified: datetime  # UTC, whole seconds (HTTP dates have no fractions)


@dataclass(frozen=True)
class _Prepared:
    body: bytes
    etag: str
    last_modified: datetime
    content_type: str


def _is_text(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime.endswith("/xml") or mime.endswith("+xml")


def _parse_instant(value: str) -> datetime:
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)


def load_manifest(root: Path) -> tuple[dict[str, Any], dict[str, Resource]]:
    """Read root/manifest.toml; return the raw manifest and the servable resources by URL path.

    A resource's file is root/sites/<path>. Raises ValueError on a broken manifest (missing file,
    duplicate path, placeholder in an encoding where it would not be plain ASCII bytes).
    """
    with (root / "manifest.toml").open("rb") as fh:
        manifest = tomllib.load(fh)
    default_lm = manifest.get("server", {}).get("last_modified", _DEFAULT_LAST_MODIFIED)
    resources: dict[str, Resource] = {}
    for entry in [e for kind in ("feed", "listing", "page") for e in manifest.get(kind, [])]:
        path = entry["path"]
        if not path.startswith("/") or "?" in path or "#" in path or ".." in path:
            raise ValueError(f"manifest path must be a plain absolute path: {path!r}")
        if path in resources:
            raise ValueError(f"duplicate manifest path: {path}")
        file = root / "sites" / path.lstrip("/")
        if not file.is_file():
            raise ValueError(f"manifest lists {path} but {file} does not exist")
        encoding = entry.get("encoding", "utf-8")
        codecs.lookup(encoding)  # unknown encodings fail here, not at request time
        content_type = entry["content_type"]
        if _is_text(content_type) and PLACEHOLDER.encode(encoding) != PLACEHOLDER.encode("ascii"):
            raise ValueError(f"{path}: {encoding} cannot carry the {PLACEHOLDER} placeholder as ASCII")
        resources[path] = Resource(
            path=path,
            file=file,
            content_type=content_type,
            encoding=encoding,
            last_modified=_parse_instant(str(entry.get("last_modified", default_lm))),
        )
    return manifest, resources


def _etag_matches(header: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored for If-None-Match.
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _not_modified(headers: Message, prepared: _Prepared) -> bool:
    # Message lookups are case-insensitive, as HTTP header names are
    inm = headers.get("If-None-Match")
    if inm is not None:  # If-None-Match wins over If-Modified-Since when both are sent
        return _etag_matches(inm, prepared.etag)
    ims = headers.get("If-Modified-Since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False  # an unparseable date is ignored, as servers do
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return prepared.last_modified <= since


class ReplayServer:
    """Threaded HTTP server for the replay corpus on loopback; use as a context manager."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, *, public_url: str | None = None) -> None:
        # A non-loopback bind needs the URL clients reach it by (a container's service name).
        if public_url is None and not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the replay server binds loopback only, not {host}")
        self.root = Path(root)
        self.manifest, self._resources = load_manifest(self.root)
        self._lock = threading.Lock()
        self._log: list[LogEntry] = []
        self._overrides: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self._prepared: dict[str, _Prepared] = {}
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.base_url = public_url.rstrip("/") if public_url else f"http://{bound_host!s}:{bound_port}"
        for res in self._resources.values():
            self._prepared[res.path] = self._prepare(res)

    # -- lifecycle

    def start(self) -> ReplayServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="replay-server", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what is served

    def url(self, path: str) -> str:
        return self.base_url + path

    def feed_urls(self) -> list[str]:
        return [self.url(feed["path"]) for feed in self.manifest.get("feed", [])]

    def listings(self) -> list[tuple[str, str]]:
        """(URL, link regex) per HTML listing page; the regex matches absolute article URLs here."""
        return [
            (self.url(item["path"]), item["pattern"].replace(PLACEHOLDER, re.escape(self.base_url)))
            for item in self.manifest.get("listing", [])
        ]

    def page_urls(self) -> list[str]:
        return [self.url(page["path"]) for page in self.manifest.get("page", [])]

    def respond(
        self, path: str, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        """Answer `path` with a fixed response from now on (429, 503, ... on demand in tests)."""
        with self._lock:
            self._overrides[path] = (status, dict(headers or {}), body)

    def clear_responses(self) -> None:
        with self._lock:
            self._overrides.clear()

    @property
    def request_log(self) -> list[LogEntry]:
        """A snapshot of the requests received so far, in arrival order."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- internals

    def _prepare(self, res: Resource) -> _Prepared:
        body = res.file.read_bytes()
        if _is_text(res.content_type):
            # Byte-level replacement: the manifest check guarantees the placeholder is ASCII in
            # this encoding, so windows-1251 or KOI8-R bodies are never decoded and re-encoded.
            body = body.replace(PLACEHOLDER.encode("ascii"), self.base_url.encode("ascii"))
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        return _Prepared(body, etag, res.last_modified, res.content_type)

    def _record(self, method: str, path: str, headers: Message) -> None:
        entry = (time.monotonic(), method, path, dict(headers.items()))
        with self._lock:
            self._log.append(entry)

    def _lookup(self, path: str) -> tuple[int, dict[str, str], bytes] | _Prepared | None:
        with self._lock:
            override = self._overrides.get(path)
        if override is not None:
            return override
        return self._prepared.get(path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "SilkwireReplay/1"
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # requests go to request_log; stderr noise would drown test output

            def do_GET(self) -> None:
                self._serve(send_body=True)

            def do_HEAD(self) -> None:
                self._serve(send_body=False)

            def do_POST(self) -> None:
                server._record("POST", self.path, self.headers)
                self._plain(405, b"method not allowed\n", {"Allow": "GET, HEAD"})

            def _plain(self, status: int, body: bytes, extra: Mapping[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _serve(self, *, send_body: bool) -> None:
                server._record(self.command, self.path, self.headers)
                # The query string never selects a different file: tracking parameters
                # (utm_*) must reach the same article, as on a real site.
                path = urlsplit(self.path).path
                found = server._lookup(path)
                if found is None:
                    self._plain(404, b"not found\n")
                    return
                if isinstance(found, tuple):
                    status, headers, body = found
                    self.send_response(status)
                    headers = {"Content-Length": str(len(body)), **headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if send_body:
                        self.wfile.write(body)
                    return
                validators = {
                    "ETag": found.etag,
                    "Last-Modified": format_datetime(found.last_modified, usegmt=True),
                }
                if _not_modified(self.headers, found):
                    self.send_response(304)
                    for name, value in validators.items():
                        self.send_header(name, value)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", found.content_type)
                self.send_header("Content-Length", str(len(found.body)))
                for name, value in validators.items():
                    self.send_header(name, value)
                self.end_headers()
                if send_body:
                    self.wfile.write(found.body)

        return Handler


def serve_forever(root: Path, port: int = 0) -> None:
    """Debugging aid: serve the corpus on 127.0.0.1 until interrupted, printing the feed URLs."""
    server = ReplayServer(root, port=port)
    print(f"replay corpus {root} at {server.base_url}", flush=True)
    for url in server.feed_urls():
        print(f"  feed {url}", flush=True)
    _serve_until_interrupted(server)


def _serve_until_interrupted(server: ReplayServer) -> None:
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()


FEED_KIND = {"rss2": "rss", "rss1": "rss", "atom": "atom"}


def registry_toml(server: ReplayServer) -> str:
    """The replay feeds as a seeds/feeds.toml registry naming the server's URL (for `feeds import`)."""
    lines = ["# Generated by workers.devtools.replay: the replay corpus's feeds at " + server.base_url]
    for feed in server.manifest.get("feed", []):
        lines += ["", "[[feed]]", f'name = "replay-{feed["site"]}"', f'source = "replay:{feed["site"]}"',
                  f'url = "{server.url(feed["path"])}"', f'kind = "{FEED_KIND.get(feed["format"], "rss")}"',
                  'language = "ru"', 'country = "KZ"', 'category = "agency"', "poll_interval_s = 900"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """`python -m workers.devtools.replay`: serve the corpus until SIGTERM, optionally writing its registry."""
    import argparse
    import signal

    from workers.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m workers.devtools.replay", description=main.__doc__)
    parser.add_argument("--root", type=Path, default=None, help="corpus (default: settings seeds_dir/replay)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--public-url", default=None, help="URL clients use (needed to bind non-loopback)")
    parser.add_argument("--registry", type=Path, default=None, help="write a feeds.toml for the corpus here")
    args = parser.parse_args(argv)
    server = ReplayServer(args.root or get_settings().seeds_dir / "replay", host=args.host, port=args.port,
                          public_url=args.public_url)
    if args.registry:
        args.registry.parent.mkdir(parents=True, exist_ok=True)
        args.registry.write_text(registry_toml(server), encoding="utf-8")
    def stop(*_: object) -> None:
        raise KeyboardInterrupt  # docker stop: leave serve_forever and close the socket

    signal.signal(signal.SIGTERM, stop)
    print(f"replay corpus at {server.base_url} ({len(server.feed_urls())} feeds)", flush=True)
    _serve_until_interrupted(server)


if __name__ == "__main__":
    main()
