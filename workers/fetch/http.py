"""Fetch stage: one bounded, SSRF-guarded HTTP GET (`fetch_url`) → HttpResponse, or Transient/PermanentError.

Built on httpcore (httpx's transport) rather than httpx.Client: it never reads proxy variables from
the environment, never decompresses on its own, and takes a network backend, which is where we pin
each hop to the address we checked (see transport.py). Redirects are followed here, hop by hop.
"""

from __future__ import annotations

import email.utils
import re
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore

from workers.decoding.compression import ACCEPT_ENCODING, BadEncoding, BoundedDecoder, TooLarge, Truncated
from workers.errors import PermanentError, TransientError
from workers.fetch.netguard import resolve_checked
from workers.fetch.transport import DeadlineExceeded, PinnedBackend
from workers.models import HttpResponse
from workers.settings import Settings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "ru,kk;q=0.9,en;q=0.5"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Percent-encode what may not appear raw in a request target (non-ASCII paths are common on .kz sites).
_UNSAFE_IN_TARGET = re.compile(r"[^\x21-\x7e]")


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA) host, IPv6 without brackets
    port: int
    target: str  # path + query, ASCII

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _percent_encode(text: str) -> str:
    return _UNSAFE_IN_TARGET.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), text)


def _parse_target(url: str) -> _Target:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise PermanentError(f"refused scheme {scheme or '(none)'!r} in {url!r}")
    hostname = parts.hostname
    if not hostname:
        raise PermanentError(f"no host in {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise PermanentError(f"bad port in {url!r}") from exc
    try:
        host = hostname if hostname.isascii() else hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise PermanentError(f"bad host name in {url!r}") from exc
    target = _percent_encode(parts.path or "/")
    if parts.query:
        target += "?" + _percent_encode(parts.query)
    return _Target(scheme, host.lower(), port, target)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or junk."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # certifi comes with httpx; the system store is the fallback
        return ssl.create_default_context()


def _headers_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _content_length(headers: dict[str, str]) -> int | None:
    try:
        return int(headers["content-length"].split(",")[0].strip())
    except (KeyError, ValueError):
        return None


def _request_headers(target: _Target, settings: Settings, etag: str | None, last_modified: str | None,
                     accept: str | None) -> list[tuple[bytes, bytes]]:
    headers = [
        ("Host", target.host_header),
        ("User-Agent", settings.user_agent),
        ("Accept", accept or DEFAULT_ACCEPT),
        ("Accept-Encoding", ACCEPT_ENCODING),
        ("Accept-Language", ACCEPT_LANGUAGE),
    ]
    # Validators are sent on every hop: they were stored for the final URL of the last fetch,
    # so an intermediate hop simply ignores them and the final one can answer 304.
    if etag:
        headers.append(("If-None-Match", etag))
    if last_modified:
        headers.append(("If-Modified-Since", last_modified))
    return [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in headers]


def _read_body(response: httpcore.Response, headers: dict[str, str], *, limit: int, wire_limit: int) -> bytes:
    encoding = headers.get("content-encoding")
    compressed = encoding is not None and encoding.strip().lower() not in ("", "identity")
    # An identity body is bounded by the page limit; a compressed one also by the wire limit.
    on_wire_cap = wire_limit if compressed else limit
    declared = _content_length(headers)
    if declared is not None and declared > on_wire_cap:
        raise PermanentError(f"Content-Length {declared} exceeds {on_wire_cap} bytes", status=response.status)
    try:
        decoder = BoundedDecoder(encoding, limit)
    except BadEncoding as exc:
        raise PermanentError(str(exc), status=response.status) from exc
    chunks: list[bytes] = []
    wire = 0
    try:
        for chunk in response.iter_stream():
            wire += len(chunk)
            if wire > on_wire_cap:
                raise PermanentError(f"body exceeds {on_wire_cap} bytes on the wire", status=response.status)
            chunks.append(decoder.feed(chunk))
        chunks.append(decoder.flush())
    except TooLarge as exc:
        raise PermanentError(str(exc), status=response.status) from exc
    except BadEncoding as exc:
        raise PermanentError(f"bad {encoding} body: {exc}", status=response.status) from exc
    except Truncated as exc:
        raise TransientError(f"{encoding} body cut short: {exc}", status=response.status) from exc
    return b"".join(chunks)


def _exchange(target: _Target, addresses: list[str], headers: list[tuple[bytes, bytes]], *,
              settings: Settings, deadline: float, limit: int) -> tuple[int, dict[str, str], bytes]:
    """One request to one checked address; the body is read only for 2xx answers."""
    timeouts = {
        "connect": settings.connect_timeout_s,
        "read": settings.read_timeout_s,
        "write": settings.read_timeout_s,
        "pool": settings.connect_timeout_s,
    }
    backend = PinnedBackend({target.host: addresses}, deadline)
    url = httpcore.URL(scheme=target.scheme.encode(), host=target.host.encode(), port=target.port,
                       target=target.target.encode("ascii"))
    with (
        httpcore.ConnectionPool(
            # built only for https: 50 ms of CA loading would otherwise sit between a politeness
            # slot being granted and the first plain-http request of a process
            ssl_context=_ssl_context() if target.scheme == "https" else None,
            network_backend=backend,
            max_connections=1,
        ) as pool,
        pool.stream("GET", url, headers=headers, extensions={"timeout": timeouts}) as response,
    ):
        response_headers = _headers_dict(response.headers)
        body = b""
        if 200 <= response.status < 300:
            body = _read_body(response, response_headers, limit=limit,
                              wire_limit=settings.max_compressed_bytes)
        return response.status, response_headers, body


def _exchange_mapped(target: _Target, addresses: list[str], headers: list[tuple[bytes, bytes]], *,
                     settings: Settings, deadline: float, limit: int) -> tuple[int, dict[str, str], bytes]:
    where = f"{target.scheme}://{target.host_header}"
    try:
        return _exchange(target, addresses, headers, settings=settings, deadline=deadline, limit=limit)
    except DeadlineExceeded as exc:
        raise TransientError(f"{where}: total deadline of {settings.total_deadline_s}s exceeded") from exc
    except httpcore.TimeoutException as exc:
        raise TransientError(f"{where}: timeout ({type(exc).__name__})") from exc
    except httpcore.ConnectError as exc:
        if _caused_by(exc, ssl.SSLCertVerificationError):
            raise PermanentError(f"{where}: TLS certificate refused: {exc}") from exc
        raise TransientError(f"{where}: connection failed: {exc}") from exc
    except (httpcore.NetworkError, httpcore.RemoteProtocolError) as exc:
        raise TransientError(f"{where}: {type(exc).__name__}: {exc}") from exc
    except (httpcore.LocalProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise PermanentError(f"{where}: {type(exc).__name__}: {exc}") from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # causes and contexts, not an endless loop on a cyclic chain
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _raise_for_status(status: int, headers: dict[str, str], url: str) -> None:
    if status < 200:  # 101 Switching Protocols and friends: nothing a page fetch can use
        raise PermanentError(f"HTTP {status} from {url}", status=status)
    if status == 429 or status >= 500 or status == 408:
        raise TransientError(f"HTTP {status} from {url}", status=status,
                             retry_after_s=parse_retry_after(headers.get("retry-after")))
    if status >= 300 and status != 304:
        raise PermanentError(f"HTTP {status} from {url}", status=status)


def fetch_url(url: str, *, settings: Settings, etag: str | None = None, last_modified: str | None = None,
              max_bytes: int | None = None, accept: str | None = None) -> HttpResponse:
    """GET `url` within every limit in `settings`; 304 comes back as a response, failures as errors."""
    started = time.monotonic()
    deadline = started + settings.total_deadline_s
    limit = max_bytes if max_bytes is not None else settings.max_page_bytes
    current = urldefrag(url.strip()).url
    redirects: list[tuple[int, str]] = []
    while True:
        if time.monotonic() >= deadline:
            raise TransientError(f"total deadline of {settings.total_deadline_s}s exceeded after "
                                 f"{len(redirects)} redirects")
        target = _parse_target(current)
        # Resolved once per hop, checked, then pinned: the connection goes to exactly these addresses.
        try:
            addresses = resolve_checked(target.host, target.port, settings.allow_private_hosts,
                                        timeout_s=min(settings.connect_timeout_s, deadline - time.monotonic()))
        except TimeoutError as exc:
            raise TransientError(str(exc)) from exc
        headers = _request_headers(target, settings, etag, last_modified, accept)
        status, response_headers, body = _exchange_mapped(
            target, addresses, headers, settings=settings, deadline=deadline, limit=limit
        )
        location = response_headers.get("location")
        if status in REDIRECT_STATUSES and location:
            nxt = urldefrag(urljoin(current, location.strip())).url
            redirects.append((status, nxt))
            if len(redirects) > settings.max_redirects:
                raise PermanentError(
                    f"more than {settings.max_redirects} redirects from {url}", status=status
                )
            current = nxt
            continue
        _raise_for_status(status, response_headers, current)
        return HttpResponse(
            url=current,
            status=status,
            headers=response_headers,
            body=body if status != 304 else b"",
            elapsed_s=time.monotonic() - started,
            redirects=tuple(redirects),
        )
