"""`silkwire web`: the analysts' read-only pages (workers/web) under uvicorn."""

from __future__ import annotations

import psycopg
import typer

from workers.db import web as web_db
from workers.settings import get_settings


def web(
    host: str = typer.Option(None, "--host", help="Address to listen on (default: web_host, 127.0.0.1)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default: web_port, 8080)."),
) -> None:
    """Serve the timeline, event pages, agreement tracker, search, feed health and exports (read-only).

    The database is web_database_url (default: database_url), every connection read-only; set web_basic_auth
    (user:password) to require a login.

    Example: silkwire web --port 8080    # then open http://127.0.0.1:8080/
    """
    import uvicorn

    from workers.web.app import create_app

    settings = get_settings()
    # Fail here, in one line (main explains a missing or unmigrated database), not on the first page.
    with psycopg.connect(settings.web_database_url or settings.database_url, connect_timeout=5) as conn:
        web_db.check_schema(conn)
    uvicorn.run(create_app(settings), host=host or settings.web_host, port=port or settings.web_port,
                log_level="info", proxy_headers=False, server_header=False, access_log=True)
