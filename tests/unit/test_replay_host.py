"""The replay server as the compose test's container: public URL, non-loopback bind only with it,
and a registry that `silkwire feeds import` accepts."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from workers.devtools.replay import ReplayServer, registry_toml
from workers.feeds.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
REPLAY = ROOT / "seeds" / "replay"


def test_non_loopback_bind_needs_a_public_url() -> None:
    with pytest.raises(ValueError, match="loopback only"):
        ReplayServer(REPLAY, host="0.0.0.0")


def test_pages_and_feeds_name_the_public_url(tmp_path: Path) -> None:
    # Bound to loopback here (tests talk to nothing else), but announcing the compose host name.
    with ReplayServer(REPLAY, public_url="http://replay:8080/") as server:
        assert server.base_url == "http://replay:8080"
        port = server._httpd.server_address[1]
        feed_path = server.manifest["feed"][0]["path"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{feed_path}", timeout=10) as resp:
            body = resp.read()
        assert b"http://replay:8080/" in body
        assert b"127.0.0.1" not in body and b"{base}" not in body
        registry = tmp_path / "feeds.toml"
        registry.write_text(registry_toml(server), encoding="utf-8")
    specs = load_registry(registry)
    assert [s.url for s in specs] == [f"http://replay:8080{f['path']}" for f in server.manifest["feed"]]
    assert {s.name for s in specs} == {f"replay-{f['site']}" for f in server.manifest["feed"]}
    assert all(s.enabled for s in specs)
