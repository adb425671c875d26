"""Fetch stage: resolve a host once and keep only addresses we may connect to (global unicast).

In: host name or literal, port, allow list.
Out: the checked addresses; PermanentError for a refused address or a broken name, TransientError
when the resolver fails (a DNS outage is no reason to give up on a feed); both before any connection.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable
from typing import Any

from workers.errors import PermanentError, TransientError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
# IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it to the IPv4 address).
_V4_COMPAT = ipaddress.IPv6Network("::/96")
# IPv4-translated ::ffff:0:a.b.c.d (RFC 2765 SIIT): `ipv4_mapped` does not see it and `is_global` is true.
_V4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
# Site-local fec0::/10: deprecated (RFC 3879) but still routed inside some networks; not in Python's
# private list, so `is_global` calls it global.
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, compatible), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _V4_COMPAT or ip in _V4_TRANSLATED:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return ip.sixtofour
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why this address must not be contacted, or None when it is a global unicast address."""
    inner = embedded_ipv4(ip)
    for candidate in (ip, inner):
        if candidate is None:
            continue
        # `is_global` alone lets multicast through (224.0.0.1 is "global"), and on 3.11 it judges
        # ::ffff:a.b.c.d and 64:ff9b::/96 by the IPv6 prefix, not by the address they carry.
        if candidate.is_multicast:
            return f"multicast address {candidate}"
        if isinstance(candidate, ipaddress.IPv4Address) and candidate in _CGNAT:
            return f"shared (CGNAT) address {candidate}"
        if candidate is ip and isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            continue  # a mapped address is exactly its IPv4 address: judge that one
        if candidate is ip and ip in _NAT64_LOCAL:
            return f"local-use NAT64 address {ip}"
        if candidate is ip and ip in _SITE_LOCAL:
            return f"site-local address {ip}"
        if not candidate.is_global:
            return f"non-global address {candidate}" + (f" (in {ip})" if candidate is not ip else "")
    return None


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id


def _getaddrinfo(host: str, port: int, timeout_s: float | None) -> list[Any]:
    """getaddrinfo, given up on after `timeout_s` (the C resolver has no timeout of its own we control)."""
    if timeout_s is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    # A daemon thread: a resolver stuck past the timeout is abandoned, not waited for at exit.
    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(max(timeout_s, 0.0))
    if worker.is_alive():
        raise TimeoutError(f"resolving {host!r} took longer than {timeout_s:.1f}s")
    if "error" in box:
        raise box["error"]
    infos: list[Any] = box["infos"]
    return infos


def resolve_checked(host: str, port: int, allow: Iterable[str] = (), *, timeout_s: float | None = None) -> list[str]:
    """Resolve `host` once and return its addresses as strings, each one checked.

    Any non-global address in the answer refuses the whole host, so a DNS answer that mixes a
    public and a private address cannot steer us to the private one. A host or address named in
    `allow` (tests and the demo allow 127.0.0.1) skips the check. A resolver slower than
    `timeout_s` raises TimeoutError (the caller treats it as transient).
    """
    allowed = {a.strip().lower().strip("[]") for a in allow}
    try:
        infos = _getaddrinfo(host, port, timeout_s)
    except socket.gaierror as exc:
        # A resolver failure is the network's, not the URL's: during a DNS outage every name fails,
        # and a permanent error would mark every feed broken. Retried with backoff; a dead domain is
        # still recorded by the caller after max_attempts (articles) or muted after repeated errors (feeds).
        raise TransientError(f"cannot resolve {host!r}: {exc}") from exc
    except UnicodeError as exc:  # a name IDNA cannot encode will never resolve
        raise PermanentError(f"cannot resolve {host!r}: {exc}") from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0])
        try:
            ip = _parse(text)
        except ValueError as exc:
            raise PermanentError(f"resolver returned a non-address {text!r} for {host!r}") from exc
        if host.lower().strip("[]") not in allowed and str(ip) not in allowed:
            reason = refusal_reason(ip)
            if reason is not None:
                raise PermanentError(f"refused {host!r}: {reason}")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise PermanentError(f"no address for {host!r}")
    return addresses
