"""Fetch stage: an httpcore network backend that connects only to pre-checked addresses, within a deadline.

Connecting to the address we checked (not re-resolving) closes the DNS-rebinding gap; TLS still
uses the URL's host name for SNI and certificate checks, because httpcore takes `server_hostname`
from the request origin, not from the socket.
"""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Iterable, Mapping

import httpcore


class DeadlineExceeded(httpcore.ReadTimeout):
    """The total deadline for one fetch passed (raised instead of waiting for a per-read timeout)."""


def _clamp(timeout: float | None, deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded("total deadline exceeded")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """Every read and write waits at most until the shared deadline, so trickling cannot outlast it."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float):
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._inner.read(max_bytes, _clamp(timeout, self._deadline))
        except httpcore.ReadTimeout:
            if time.monotonic() >= self._deadline:
                raise DeadlineExceeded("total deadline exceeded while reading") from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, self._deadline))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, self._deadline))
        return DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects a host name only to the addresses pinned for it; an unpinned host is never contacted."""

    def __init__(self, pins: Mapping[str, Iterable[str]], deadline: float):
        self._pins = {host.lower(): list(addresses) for host, addresses in pins.items()}
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._pins.get(host.lower().strip("[]"))
        if not addresses:
            raise httpcore.ConnectError(f"no checked address pinned for {host!r}")
        last: Exception | None = None
        for address in addresses[:3]:  # a few fallbacks, not a scan of a large round-robin answer
            try:
                stream = self._inner.connect_tcp(
                    address, port, _clamp(timeout, self._deadline), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
                continue
            return DeadlineStream(stream, self._deadline)
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by the fetcher")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
