"""`silkwire metrics serve`: the Prometheus exporter (metrics computed on each scrape, see
workers/observability/metrics.py)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import typer
from prometheus_client import generate_latest, start_http_server
from rich.console import Console

from workers.observability.metrics import make_registry
from workers.settings import get_settings

app = typer.Typer(help="Prometheus metrics.", no_args_is_help=True)
err = Console(stderr=True)


def serve_http(host: str, port: int) -> tuple[Any, threading.Thread]:
    """Start the exporter in a daemon thread; returns the server (its port, `shutdown()`) and the thread."""
    return start_http_server(port, addr=host, registry=make_registry())


@app.command()
def serve(
    port: int = typer.Option(None, "--port", "-p", min=0, max=65535,
                             help="Port to listen on (default: SILKWIRE_METRICS_PORT, 9808)."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to bind; 0.0.0.0 to be reachable from other containers or hosts."),
    once: bool = typer.Option(False, "--once", help="Print one scrape to stdout and exit (no server)."),
) -> None:
    """Serve silkwire_* metrics at http://HOST:PORT/metrics until interrupted.

    Examples:

      silkwire metrics serve --port 9808

      silkwire metrics serve --once | grep silkwire_stage_items_total
    """
    if once:
        print(generate_latest(make_registry()).decode("utf-8"), end="")
        return
    try:
        server, thread = serve_http(host, get_settings().metrics_port if port is None else port)
    except OSError as exc:  # port taken, address not on this host
        err.print(f"error: cannot listen on {host}:{port if port is not None else get_settings().metrics_port}: "
                  f"{exc.strerror or exc}")
        raise typer.Exit(1) from None
    err.print(f"serving metrics on http://{host}:{server.server_port}/metrics (Ctrl-C to stop)")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
