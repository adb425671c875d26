"""Clean stage: page bytes → str through the fetch stage's decoder (charset, BOM, meta, mojibake).

Imported lazily so this stage works (strict UTF-8 only) before `workers.fetch.decode` exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from workers.errors import QuarantineError


def decode_page(body: bytes, headers: Mapping[str, str] | None) -> str:
    try:
        from workers.fetch.decode import decode_html
    except ImportError:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QuarantineError(f"undecodable page: {exc}") from exc
    return decode_html(body, dict(headers or {}))
