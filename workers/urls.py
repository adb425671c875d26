"""One canonical spelling per article URL, so the same page is stored once (feeds, clean and the tasks use it).

`canonicalize(url, base)` makes only changes that cannot point at a different page on any sane
server: lower-case scheme and host, IDNA host, default port dropped, fragment dropped, tracking
parameters dropped, remaining query parameters sorted, dot segments resolved, percent-escapes
normalised (unreserved characters decoded, other escapes upper-cased, raw non-ASCII encoded as
UTF-8), empty path → "/". It keeps trailing slashes, "index.html", "www." and user info: servers
may serve different pages for those. Only http(s) URLs are accepted (ValueError otherwise).
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

# Query parameters that only say who sent the reader; dropped whatever their value.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "yclid", "ysclid", "msclkid", "twclid", "igshid",
        "_openstat", "from", "ref", "ref_src", "ref_url", "referrer", "mc_cid", "mc_eid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "spm", "utm",
        "wt_mc", "wt.mc_id", "cmpid", "itm_source", "itm_medium", "itm_campaign", "at_medium",
        "at_campaign", "amp",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "itm_", "at_", "pk_", "mtm_", "hsa_", "vero_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters left as they are in a path / a query component (RFC 3986 pchar plus "/" and "?").
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$'()*+,;=-._~%?"


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _normalise_escapes(part: str, safe: str) -> str:
    """Decode escapes of unreserved characters, upper-case the others, encode raw unsafe characters."""

    def repl(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    part = _LONE_PERCENT.sub("%25", part)
    part = _ESCAPE.sub(repl, part)
    return quote(part, safe=safe, encoding="utf-8", errors="strict")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, on already split segments.
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _host(hostname: str) -> str:
    host = hostname.strip().rstrip(".").lower()
    if not host:
        raise ValueError("URL has no host")
    if host.startswith("["):
        return host  # IPv6 literal
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"bad internationalised host {hostname!r}") from exc
    return host


def canonicalize(url: str, base: str | None = None) -> str:
    """Return the canonical form of `url` (resolved against `base` when relative)."""
    url = url.strip()
    if base:
        url = urljoin(base.strip(), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url[:200]!r}")
    netloc = parts.netloc
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        end = hostport.find("]")
        hostname, port_str = hostport[: end + 1], hostport[end + 2 :] if end >= 0 else ""
    else:
        hostname, _, port_str = hostport.partition(":")
    host = _host(hostname)
    if port_str:
        if not (port_str.isascii() and port_str.isdecimal()) or len(port_str) > 5 or int(port_str) > 65535:
            raise ValueError(f"bad port in {url[:200]!r}")
        port: int | None = int(port_str)
    else:
        port = None
    new_netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        new_netloc = f"{host}:{port}"
    if userinfo:
        new_netloc = f"{userinfo}@{new_netloc}"

    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) if parts.path else "/"

    pairs: list[tuple[str, str]] = []
    for piece in parts.query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        name_n = _normalise_escapes(name, _QUERY_SAFE.replace("=", ""))
        if is_tracking_param(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name_n)):
            continue
        pairs.append((name_n, eq + _normalise_escapes(value, _QUERY_SAFE)))
    pairs.sort()
    query = "&".join(n + v for n, v in pairs)
    return urlunsplit((scheme, new_netloc, path, query, ""))


_LINK_TAG = re.compile(r"<link\b[^>]{0,2000}>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def canonical_from_html(html: str, page_url: str) -> str | None:
    """The page's <link rel=canonical>, canonicalised, when it stays on the page's own host.

    A canonical link to another host is ignored: a hostile or hijacked page must not be able to
    claim the identity of an article elsewhere. Scans only the first 300 KB (the <head>) with a
    bounded regex, so it costs nothing next to the main parse.
    """
    try:
        page = canonicalize(page_url)
    except ValueError:
        return None
    page_host = urlsplit(page).hostname
    for m in _LINK_TAG.finditer(html, 0, min(len(html), 300_000)):
        attrs = {a.lower(): (b or c or d) for a, b, c, d in _ATTR.findall(m.group(0))}
        if "canonical" not in attrs.get("rel", "").lower().split():
            continue
        href = html_lib.unescape(attrs.get("href", "")).strip()
        if not href:
            return None
        try:
            canon = canonicalize(href, base=page)
        except ValueError:
            return None
        return canon if urlsplit(canon).hostname == page_host else None
    return None
