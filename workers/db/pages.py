"""Stored pages: the body as received, compressed with zstd (gzip in rows written before migration 0004).

zstd level 3 against the gzip level 1 used before, on the benchmark's pages (median 116 KB): 0.48 ms
instead of 1.12 to compress in the I/O worker, 0.20 instead of 0.54 to decompress in the NLP worker,
and 27.7 KB stored instead of 31.6 (bench/LOG.md#hot-spot-19). The format is told by the frame's
magic number, so old rows read as they are and nothing is rewritten.
"""

from __future__ import annotations

import gzip

import zstandard

ZSTD_LEVEL = 3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"


def pack_page(body: bytes) -> bytes:
    # A compressor object is cheap next to a page; one per call keeps this safe across threads.
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body)


def unpack_page(stored: bytes, *, max_bytes: int) -> bytes:
    """The body again; a stored frame that would grow past `max_bytes` (never written by us) is refused."""
    if stored[:4] == ZSTD_MAGIC:
        size = zstandard.frame_content_size(stored)
        if size > max_bytes:
            raise ValueError(f"stored page declares {size} bytes, more than {max_bytes}")
        # pack_page records the content size in the frame header, so this allocates exactly once.
        return zstandard.ZstdDecompressor().decompress(stored, max_output_size=max_bytes)
    if stored[:2] == GZIP_MAGIC:
        body = gzip.decompress(stored)
        if len(body) > max_bytes:
            raise ValueError(f"stored page holds {len(body)} bytes, more than {max_bytes}")
        return body
    raise ValueError(f"stored page is neither zstd nor gzip (starts with {stored[:4]!r})")
