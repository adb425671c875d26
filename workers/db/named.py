"""Named SQL queries, parsed once from `queries/*.sql` (this module sits beside that directory as `named`).

Each block is headed `-- name --`, then one comment line saying what it does, then SQL with
`%(param)s` placeholders. Call sites read `QUERIES["name"]`; a test checks every query is used.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERIES_DIR = Path(__file__).with_name("queries")
_HEADER = re.compile(r"^-- ([a-z_][a-z0-9_]*) --$", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    parts = _HEADER.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        sql = "\n".join(line for line in body.strip().splitlines() if not line.startswith("--")).strip()
        if name in out:
            raise ValueError(f"query {name!r} is defined twice")
        out[name] = sql
    return out


@cache
def load_queries() -> dict[str, str]:
    queries: dict[str, str] = {}
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        for name, sql in parse_queries(path.read_text(encoding="utf-8")).items():
            if name in queries:
                raise ValueError(f"query {name!r} is defined in two files")
            queries[name] = sql
    return queries


class _Queries:
    def __getitem__(self, name: str) -> str:
        return load_queries()[name]


QUERIES = _Queries()
