"""Decoding: bounded decompression of gzip/deflate/br bodies, fed chunk by chunk from the wire.

Each decoder never produces more than `limit` + one buffer of output, so a bomb is stopped after
inflating about `limit` bytes instead of after inflating all of it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli


class TooLarge(Exception):
    """Decompressed output went past the limit."""


class BadEncoding(Exception):
    """The body does not decode with the content-coding it claims."""


class Truncated(Exception):
    """The compressed stream stopped before its end marker (a cut connection, most likely)."""


def _brotli_is_bounded() -> bool:
    # brotli >= 1.2 lets process() stop at an output limit; older versions inflate the whole
    # chunk at once (27 bytes can become 10 MB), so we do not advertise br with them.
    try:
        brotli.Decompressor().process(b"", output_buffer_limit=1)
    except TypeError:
        return False
    return True


BROTLI_BOUNDED = _brotli_is_bounded()
SUPPORTED = ("gzip", "x-gzip", "deflate", *(("br",) if BROTLI_BOUNDED else ()), "identity")
ACCEPT_ENCODING = ", ".join(c for c in SUPPORTED if c not in ("x-gzip", "identity"))


class _Zlib:
    def __init__(self, wbits: int, limit: int):
        self._wbits = wbits
        self._obj = zlib.decompressobj(wbits)
        self._limit = limit
        self._total = 0
        self._seen = 0  # input bytes so far: the zlib header is judged once two have arrived

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        pending = data
        header_in_this_chunk = self._seen < 2
        self._seen += len(data)
        while pending:
            if self._obj.eof:
                # gzip allows several members back to back; anything else after the end is junk
                if self._wbits > 16 and pending.lstrip(b"\0"):
                    self._obj = zlib.decompressobj(self._wbits)
                else:
                    break
            try:
                piece = self._obj.decompress(pending, self._limit - self._total + 1)
            except zlib.error as exc:
                if header_in_this_chunk and not out and self._wbits == zlib.MAX_WBITS:
                    # "deflate" is zlib-wrapped by the RFC, but some servers send raw deflate
                    self._wbits = -zlib.MAX_WBITS
                    self._obj = zlib.decompressobj(self._wbits)
                    header_in_this_chunk = False
                    continue
                raise BadEncoding(str(exc)) from exc
            self._total += len(piece)
            if self._total > self._limit:
                raise TooLarge(f"decompressed body exceeds {self._limit} bytes")
            out.append(piece)
            pending = self._obj.unconsumed_tail or (self._obj.unused_data if self._obj.eof else b"")
        return b"".join(out)

    def flush(self) -> bytes:
        piece = self._obj.flush()
        self._total += len(piece)
        if self._total > self._limit:
            raise TooLarge(f"decompressed body exceeds {self._limit} bytes")
        if self._seen and not self._obj.eof:
            raise Truncated("compressed body ends before its end marker")
        return piece


class _Brotli:
    def __init__(self, limit: int):
        self._obj = brotli.Decompressor()
        self._limit = limit
        self._total = 0
        self._seen = 0

    def _take(self, data: bytes) -> bytes:
        try:
            piece: bytes = self._obj.process(data, output_buffer_limit=self._limit - self._total + 1)
        except brotli.error as exc:
            raise BadEncoding(str(exc)) from exc
        self._total += len(piece)
        if self._total > self._limit:
            raise TooLarge(f"decompressed body exceeds {self._limit} bytes")
        return piece

    def feed(self, data: bytes) -> bytes:
        self._seen += len(data)
        out = [self._take(data)]
        while not self._obj.can_accept_more_data():
            out.append(self._take(b""))
        return b"".join(out)

    def flush(self) -> bytes:
        if self._seen and not self._obj.is_finished():
            raise Truncated("brotli body ends before its end marker")
        return b""


class _Identity:
    def __init__(self, limit: int):
        self._limit = limit
        self._total = 0

    def feed(self, data: bytes) -> bytes:
        self._total += len(data)
        if self._total > self._limit:
            raise TooLarge(f"body exceeds {self._limit} bytes")
        return data

    def flush(self) -> bytes:
        return b""


_Decoder = _Zlib | _Brotli | _Identity


def _one(coding: str, limit: int) -> _Decoder:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS, limit)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS, limit)
    if coding == "br" and BROTLI_BOUNDED:
        return _Brotli(limit)
    if coding in ("identity", ""):
        return _Identity(limit)
    raise BadEncoding(f"unsupported content-encoding {coding!r}")


class BoundedDecoder:
    """Undo a Content-Encoding list (applied left to right, so undone right to left), each step bounded."""

    def __init__(self, content_encoding: str | None, limit: int):
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        if len(codings) > 2:
            raise BadEncoding(f"too many content-codings: {content_encoding!r}")
        self._chain: list[_Decoder] = [_one(c, limit) for c in reversed(codings)] or [_Identity(limit)]
        self._last = _Identity(limit)  # the final size check, whatever the chain did

    def _through(self, data: bytes, step: Callable[[_Decoder, bytes], bytes]) -> bytes:
        for decoder in self._chain:
            data = step(decoder, data)
        return self._last.feed(data)

    def feed(self, data: bytes) -> bytes:
        return self._through(data, lambda d, b: d.feed(b))

    def flush(self) -> bytes:
        out = b""
        for decoder in self._chain:
            out = decoder.feed(out) if out else b""
            out += decoder.flush()
        return self._last.feed(out)
