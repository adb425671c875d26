"""`silkwire db roles`: the deployment's login roles (workers/db/roles.py), run by the migrate service."""

from __future__ import annotations

import psycopg
import typer
from rich.console import Console

from workers.db.roles import RoleError, ensure_roles, role_from_url
from workers.settings import get_settings

console = Console(stderr=True)


def roles() -> None:
    """Create or update the DML-only app role (SILKWIRE_APP_DATABASE_URL) and the read-only role
    (SILKWIRE_WEB_DATABASE_URL), with their grants. Run as the tables' owner, after `db migrate`.

    Example: silkwire db roles
    """
    s = get_settings()
    try:
        wanted = [r for r in (role_from_url(s.app_database_url, writes=True),
                              role_from_url(s.web_database_url, writes=False)) if r]
    except RoleError as exc:
        raise typer.BadParameter(str(exc), param_hint="SILKWIRE_APP_DATABASE_URL / SILKWIRE_WEB_DATABASE_URL") from None
    if not wanted:
        console.print("no role to make: SILKWIRE_APP_DATABASE_URL and SILKWIRE_WEB_DATABASE_URL are empty")
        return
    try:
        with psycopg.connect(s.database_url) as conn:
            done = ensure_roles(conn, wanted)
    except RoleError as exc:
        raise typer.BadParameter(str(exc), param_hint="SILKWIRE_APP_DATABASE_URL / SILKWIRE_WEB_DATABASE_URL") from None
    for line in done:
        console.print(line)
