"""`silkwire`: entry point; bad arguments get one clear line on stderr and exit status 2."""

from __future__ import annotations

import sys

import click
import typer

from workers.cli import (
    db_cmd,
    demo_cmd,
    extract_cmd,
    feeds_cmd,
    metrics_cmd,
    query_cmd,
    registry_cmd,
    reprocess_cmd,
    status_cmd,
)

app = typer.Typer(
    name="silkwire",
    help="Silkwire: watch Kazakhstan–China relations in press-service feeds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(feeds_cmd.app, name="feeds")
app.command("extract")(extract_cmd.extract)
app.command("reprocess")(reprocess_cmd.reprocess)
app.command("status")(status_cmd.status)
app.command("events")(registry_cmd.events)
app.command("event")(registry_cmd.event)
app.command("agreements")(registry_cmd.agreements)
app.command("export")(registry_cmd.export)
app.add_typer(registry_cmd.registry_app, name="registry")
app.command("search")(query_cmd.search)
app.add_typer(metrics_cmd.app, name="metrics")
app.command("demo")(demo_cmd.demo)


# typer ≥ 0.20 vendors its own click: catch both its exceptions and click's.
_CLI_ERRORS: tuple[type[BaseException], ...] = tuple(
    {click.ClickException, getattr(typer, "TyperException", click.ClickException)})
_ABORTS: tuple[type[BaseException], ...] = tuple({click.exceptions.Abort, typer.Abort})


def _is_usage_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


def main(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, prog_name="silkwire", standalone_mode=False)
    except _ABORTS:
        print("silkwire: aborted", file=sys.stderr)
        return 130
    except _CLI_ERRORS as exc:
        # click lists choices over several lines; users read one line and the exit status
        message = " ".join((exc.format_message() if hasattr(exc, "format_message") else str(exc)).split())
        if _is_usage_error(exc):
            ctx = getattr(exc, "ctx", None)
            path = getattr(ctx, "command_path", "") or "silkwire"
            print(f"silkwire: error: {message} (see '{path} --help')", file=sys.stderr)
            return 2
        print(f"silkwire: error: {message}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 1))
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
