"""https through the pinned connection: SNI and certificate checks use the URL's host, not the address."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.httpserver import Route, ScriptedServer
from workers.errors import PermanentError
from workers.fetch import http
from workers.settings import Settings


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture
def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host.endswith(".example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", int(port)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ScriptedServer, list[str | None], Path]]:
    cert, key = make_cert(tmp_path, "news.example")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    with ScriptedServer({"/a": Route(body=b"secure")}, tls=server_ctx) as srv:
        yield srv, seen_sni, cert


def trusting(monkeypatch: pytest.MonkeyPatch, cafile: Path) -> None:
    ctx = ssl.create_default_context(cafile=str(cafile))
    monkeypatch.setattr(http, "_ssl_context", lambda: ctx)


SETTINGS = Settings(allow_private_hosts=["127.0.0.1"], total_deadline_s=5.0)


def test_https_to_the_checked_address_sends_sni_and_verifies_the_host_name(
    tls_server: tuple[ScriptedServer, list[str | None], Path], resolve_to_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv, seen_sni, cert = tls_server
    trusting(monkeypatch, cert)
    resp = http.fetch_url(f"https://news.example:{srv.port}/a", settings=SETTINGS)
    assert resp.body == b"secure"
    assert seen_sni == ["news.example"]
    assert srv.requests[0].headers["host"] == f"news.example:{srv.port}"


def test_certificate_for_another_name_is_refused(
    tls_server: tuple[ScriptedServer, list[str | None], Path], resolve_to_loopback: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv, _, cert = tls_server
    trusting(monkeypatch, cert)
    with pytest.raises(PermanentError, match="certificate"):
        http.fetch_url(f"https://wrong.example:{srv.port}/a", settings=SETTINGS)
    assert srv.requests == []


def test_untrusted_certificate_is_refused_by_the_default_context(
    tls_server: tuple[ScriptedServer, list[str | None], Path], resolve_to_loopback: None,
) -> None:
    srv, _, _ = tls_server
    with pytest.raises(PermanentError, match="certificate"):
        http.fetch_url(f"https://news.example:{srv.port}/a", settings=SETTINGS)
