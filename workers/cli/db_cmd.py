"""`silkwire db`: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from workers.cli import roles_cmd
from workers.db import connect
from workers.db.migrate import DatabaseEncodingError, ensure_database
from workers.db.migrate import migrate as apply_migrations
from workers.settings import get_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.command("roles")(roles_cmd.roles)
console = Console(stderr=True)


@app.command()
def migrate() -> None:
    """Apply the numbered SQL migrations that are missing (safe to run again).

    Example: silkwire db migrate
    """
    if ensure_database(get_settings().database_url):
        console.print("created the database")
    try:
        with connect() as conn:
            applied = apply_migrations(conn)
    except DatabaseEncodingError as exc:
        typer.echo(f"error: {exc}", err=True)  # one line, unwrapped: what to fix, not a traceback
        raise typer.Exit(1) from None
    if applied:
        for m in applied:
            console.print(f"applied {m.version:04d}_{m.name}")
    else:
        console.print("schema is up to date")
