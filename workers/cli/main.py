"""`silkwire`: entry point and the CLI's one error boundary.

Bad arguments get one line on stderr and exit status 2; a missing or unready service (database absent,
unmigrated or unreachable, Redis unreachable) one line naming it and what to do, exit status 3
(workers/cli/errors.py); anything unexpected keeps its traceback.
"""

from __future__ import annotations

import sys

import click
import typer

from workers.cli import (
    article_cmd,
    db_cmd,
    demo_cmd,
    extract_cmd,
    feeds_cmd,
    metrics_cmd,
    query_cmd,
    registry_cmd,
    reprocess_cmd,
    status_cmd,
    web_cmd,
)
from workers.cli.errors import SERVICE_MISSING, explain

HELP = """Silkwire: watch Kazakhstan–China relations in press-service feeds.

Exit status: 0 done; 1 the work failed or was declined; 2 bad usage or values; 3 a service is missing (database absent, unmigrated or unreachable; Redis unreachable).
"""  # noqa: E501 - one paragraph: rich would break the help at the newline

app = typer.Typer(
    name="silkwire",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    from workers import versions

    try:
        package = version("silkwire")
    except PackageNotFoundError:  # a source tree that was never installed
        package = "unknown (not installed)"
    stages = [versions.FETCH_VERSION, versions.CLEAN_VERSION, versions.EXTRACT_VERSION, versions.REGISTRY_VERSION]
    print(f"silkwire {package} ({', '.join(stages)})")
    raise typer.Exit(0)


@app.callback()
def _root(_version_: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                          help="Print the package and stage versions and exit.")) -> None:
    pass


app.add_typer(db_cmd.app, name="db")
app.add_typer(feeds_cmd.app, name="feeds")
app.command("extract")(extract_cmd.extract)
app.command("reprocess")(reprocess_cmd.reprocess)
app.command("status")(status_cmd.status)
app.command("article")(article_cmd.article)
app.command("events")(registry_cmd.events)
app.command("event")(registry_cmd.event)
app.command("agreements")(registry_cmd.agreements)
app.command("export")(registry_cmd.export)
app.add_typer(registry_cmd.registry_app, name="registry")
app.command("search")(query_cmd.search)
app.add_typer(metrics_cmd.app, name="metrics")
app.command("demo")(demo_cmd.demo)
app.command("web")(web_cmd.web)


# typer ≥ 0.20 vendors its own click: catch both its exceptions and click's.
_CLI_ERRORS: tuple[type[BaseException], ...] = tuple(
    {click.ClickException, getattr(typer, "TyperException", click.ClickException)})
_ABORTS: tuple[type[BaseException], ...] = tuple({click.exceptions.Abort, typer.Abort})


def _is_usage_error(exc: BaseException) -> bool:
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


def _is_no_args_help(exc: BaseException) -> bool:
    """`silkwire` or `silkwire feeds` alone: click has printed the help already and carries no message."""
    return any(cls.__name__ == "NoArgsIsHelpError" for cls in type(exc).__mro__)


def main(argv: list[str] | None = None) -> int:
    try:
        result = app(args=argv, prog_name="silkwire", standalone_mode=False)
    except _ABORTS:
        print("silkwire: aborted", file=sys.stderr)
        return 130
    except _CLI_ERRORS as exc:
        if _is_no_args_help(exc):
            return 2
        # click lists choices over several lines; users read one line and the exit status
        message = " ".join((exc.format_message() if hasattr(exc, "format_message") else str(exc)).split())
        if _is_usage_error(exc):
            ctx = getattr(exc, "ctx", None)
            path = getattr(ctx, "command_path", "") or "silkwire"
            print(f"silkwire: error: {message} (see '{path} --help')", file=sys.stderr)
            return 2
        print(f"silkwire: error: {message}", file=sys.stderr)
        return int(getattr(exc, "exit_code", 1))
    except Exception as exc:
        line = explain(exc)
        if line is None:
            raise
        print(f"silkwire: error: {line}", file=sys.stderr)
        return SERVICE_MISSING
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
