"""`silkwire`: entry point; bad arguments get one clear line on stderr and exit status 2."""

from __future__ import annotations

import sys

import click
import typer

from workers.cli import db_cmd, extract_cmd, feeds_cmd, metrics_cmd, query_cmd, reprocess_cmd, status_cmd

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
app.command("events")(query_cmd.events)
app.command("agreements")(query_cmd.agreements)
app.command("search")(query_cmd.search)
app.add_typer(metrics_cmd.app, name="metrics")


def _register_optional() -> None:
    # Commands whose modules pull in Celery are registered lazily so `silkwire extract` stays light.
    from workers.cli import demo_cmd

    app.command("demo")(demo_cmd.demo)


def main(argv: list[str] | None = None) -> int:
    _register_optional()
    try:
        result = app(args=argv, prog_name="silkwire", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see 'silkwire {exc.ctx.command_path.split(' ', 1)[1]} --help')" if exc.ctx and " " in (
            exc.ctx.command_path or "") else " (see 'silkwire --help')"
        print(f"silkwire: error: {exc.format_message()}{hint}", file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        print("silkwire: aborted", file=sys.stderr)
        return 130
    except click.ClickException as exc:
        print(f"silkwire: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
