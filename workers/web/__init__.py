"""The analysts' window (issue #18): read-only, server-rendered pages on the registry, served by `silkwire web`.

Starlette + Jinja2 under uvicorn: Starlette is small (routing, requests, a test client) and lets plain sync
handlers run in its thread pool, so the pages call the same psycopg code as the CLI without async twins;
Jinja2 renders on the server with autoescape on, so press text is escaped by default. No JavaScript and no
build step: a page is one HTML response with its CSS inline and the timeline drawn as an SVG on the server.
"""
