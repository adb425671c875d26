"""The Starlette application of `silkwire web`: routes, templates, the read-only pool, basic auth and the one
error boundary (a refused parameter is a 400 with one line; anything unexpected a 500 with one line, logged)."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from workers.db.web import open_pool
from workers.settings import Settings, get_settings
from workers.web import labels, routes

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
# No script may run on a page, inline or not: press text that slipped through escaping could not act.
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
                                      " form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _text(status: int, line: str) -> Response:
    return PlainTextResponse(" ".join(line.split()) + "\n", status_code=status, headers=HEADERS)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _text(exc.status_code, str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("web: %s %s failed", request.method, request.url.path)
    return _text(500, "внутренняя ошибка сервера: подробности в журнале сервиса")


class _Guard(BaseHTTPMiddleware):
    """Basic auth when `web_basic_auth` (user:password) is set, and the security headers on every answer."""

    def __init__(self, app: object, credentials: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.expected = credentials.encode()

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # /healthz is the one page without a login (compose's healthcheck), like Flower's /healthcheck.
        if self.expected and request.url.path != "/healthz" and not self._allowed(
                request.headers.get("authorization", "")):
            response: Response = PlainTextResponse("нужен вход: имя и пароль\n", status_code=401)
            response.headers["WWW-Authenticate"] = 'Basic realm="silkwire", charset="UTF-8"'
        else:
            response = await call_next(request)
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    def _allowed(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(given, self.expected)


def href(url: str | None) -> str:
    """A link to an original article only when it is http(s): a stored `javascript:` URL becomes no link."""
    return url if url and url.lower().startswith(("http://", "https://")) else "#"


def templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["label"] = labels.name
    env.globals["L"] = labels
    env.filters["href"] = href
    return Jinja2Templates(env=env)


def create_app(settings: Settings | None = None) -> Starlette:
    s = settings or get_settings()
    dsn = s.web_database_url or s.database_url

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = open_pool(dsn, max_size=s.db_pool_max)
        try:
            yield
        finally:
            app.state.pool.close()

    app = Starlette(
        routes=[
            Route("/", routes.timeline, name="timeline"),
            Route("/event/{event_id}", routes.event, name="event"),
            Route("/event/{event_id}/report/{article_id}/{ord}", routes.report, name="report"),
            Route("/agreements", routes.agreements, name="agreements"),
            Route("/search", routes.search, name="search"),
            Route("/feeds", routes.feeds, name="feeds"),
            Route("/export/{kind}.{fmt}", routes.export, name="export"),
            Route("/healthz", routes.healthz, name="healthz"),
        ],
        middleware=[Middleware(_Guard, credentials=s.web_basic_auth)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.settings = s
    app.state.templates = templates()
    return app
