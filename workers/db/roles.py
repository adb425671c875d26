"""Login roles for a deployment (`silkwire db roles`): the owner keeps DDL, everyone else gets less.

Run by the migrate service as the tables' owner (the superuser POSTGRES_USER creates), after the
migrations. It creates or updates, idempotently:

- the **app** role (compose: `silkwire_app`): SELECT/INSERT/UPDATE/DELETE on every table, USAGE/SELECT
  on every sequence; no CREATE on the schema, so no CREATE/DROP/ALTER/TRUNCATE. Workers, beat, the
  exporter and the CLI connect as it.
- the **reader** role (compose: `silkwire_reader`): SELECT only, for the analysts' web pages.

Default privileges make tables and sequences a later migration adds visible to both the same way.
Each role's name and password come from a connection URL (Settings.app_database_url and
web_database_url), so the URL the service connects with and the role it connects as cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg.conninfo
from psycopg import sql

# pg_advisory_xact_lock key: two migrate containers starting at once grant in turn.
_LOCK_KEY = 0x51C07015


@dataclass(frozen=True)
class Role:
    name: str
    password: str
    writes: bool  # True: DML on every table (the app); False: SELECT only (the reader)


class RoleError(ValueError):
    """A role URL that cannot be used: no user or password, or the owner itself."""


def role_from_url(url: str, writes: bool) -> Role | None:
    """The role a connection URL names; None for an empty URL (that role is not wanted)."""
    if not url:
        return None
    params = psycopg.conninfo.conninfo_to_dict(url)
    user, password = params.get("user"), params.get("password")
    if not user or not password:
        raise RoleError("a role URL needs a user and a password (postgresql://ROLE:PASSWORD@host/db)")
    return Role(str(user), str(password), writes)


def ensure_roles(conn: psycopg.Connection[Any], roles: list[Role]) -> list[str]:
    """Create or update each role and (re)grant its privileges in this database; returns what was done."""
    done = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        owner = conn.execute("SELECT current_user").fetchone()
        database = conn.execute("SELECT current_database()").fetchone()
        assert owner is not None and database is not None
        # Before PostgreSQL 15 every role may create in `public`; the app and reader must not.
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for role in roles:
            if role.name == owner[0]:
                raise RoleError(f"role {role.name!r} is the owner running the migrations: name another role")
            done.append(_ensure_login(conn, role))
            _grant(conn, role, str(database[0]))
    return done


def _ensure_login(conn: psycopg.Connection[Any], role: Role) -> str:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role.name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    # The password is a literal composed client-side (utility statements take no parameters).
    conn.execute(sql.SQL("{} ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                         " NOBYPASSRLS PASSWORD {}").format(sql.SQL(verb), sql.Identifier(role.name),
                                                            sql.Literal(role.password)))
    if not role.writes:  # a second guard: even a grant added by hand later cannot make it write
        conn.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(
            sql.Identifier(role.name)))
    kind = "read-write (DML only)" if role.writes else "read-only"
    return f"{'updated' if exists else 'created'} role {role.name} ({kind})"


def _grant(conn: psycopg.Connection[Any], role: Role, database: str) -> None:
    who = sql.Identifier(role.name)
    tables = sql.SQL("SELECT, INSERT, UPDATE, DELETE" if role.writes else "SELECT")
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), who),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
        # A role made by an older release with more rights: take them back before granting.
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(who),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(who),
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(tables, who),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON TABLES TO {}").format(tables, who),
    ]
    if role.writes:
        statements += [
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(who),
        ]
    for statement in statements:
        conn.execute(statement)
