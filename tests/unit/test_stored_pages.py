"""Stored page codec: zstd for new rows, gzip rows from before migration 0004 still readable, nothing else."""

from __future__ import annotations

import gzip

import pytest
import zstandard

from workers.db.pages import ZSTD_MAGIC, pack_page, unpack_page

PAGE = ("<html><head><meta charset='windows-1251'></head><body>"
        + "Токаев и Си Цзиньпин обсудили транзит. " * 300 + "</body></html>").encode("cp1251")


def test_new_pages_are_zstd_frames_that_read_back_exactly() -> None:
    packed = pack_page(PAGE)
    assert packed[:4] == ZSTD_MAGIC
    assert len(packed) < len(PAGE) // 5
    assert unpack_page(packed, max_bytes=len(PAGE)) == PAGE


def test_gzip_rows_from_before_the_migration_still_read() -> None:
    assert unpack_page(gzip.compress(PAGE, compresslevel=1), max_bytes=len(PAGE)) == PAGE


def test_empty_body_round_trips() -> None:
    assert unpack_page(pack_page(b""), max_bytes=10) == b""


@pytest.mark.parametrize("packed", [
    pack_page(b"x" * 5000),
    gzip.compress(b"x" * 5000),
    # a frame without its content size in the header (not ours): bounded by max_bytes all the same
    zstandard.ZstdCompressor(write_content_size=False).compress(b"x" * 5000),
], ids=["zstd", "gzip", "zstd-no-size"])
def test_a_stored_page_larger_than_allowed_is_refused(packed: bytes) -> None:
    with pytest.raises((ValueError, zstandard.ZstdError)):
        unpack_page(packed, max_bytes=4000)


def test_unknown_bytes_are_refused_with_what_they_start_with() -> None:
    with pytest.raises(ValueError, match="neither zstd nor gzip"):
        unpack_page(b"<html>plain</html>", max_bytes=100)
