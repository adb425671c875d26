"""`silkwire demo --database` drops and recreates that database: never the configured one (issue 17, finding 13)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from tests.integration.test_cli_support import run_cli
from tests.support.settings import TEST_DB

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", [TEST_DB, "postgres", "template1"])
def test_demo_refuses_the_configured_database(db: Any, capsys: pytest.CaptureFixture[str], name: str) -> None:
    # Given the session database as the configured one (SILKWIRE_DATABASE_URL), with a row in it
    db.execute("INSERT INTO sources (name) VALUES ('kept')")
    # When the demo is pointed at it (or at a system database)
    code, out, err = run_cli(capsys, "demo", "--database", name, "--timeout", "1")
    # Expect one line, exit 2, and the database untouched
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("silkwire: error: ") and "--database" in err, err
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{TEST_DB}") as conn:
        assert conn.execute("SELECT count(*) FROM sources WHERE name = 'kept'").fetchone() == (1,)
