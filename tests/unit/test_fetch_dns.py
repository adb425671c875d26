"""A feed host that does not resolve is the network's failure, retried with backoff (issue 13): during a
DNS outage every name fails, and a PermanentError would mute every feed after enough polls."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from workers.errors import PermanentError, TransientError
from workers.fetch.http import fetch_url
from workers.fetch.netguard import resolve_checked
from workers.settings import Settings


@pytest.mark.parametrize("code", [socket.EAI_NONAME, socket.EAI_AGAIN, socket.EAI_FAIL])
def test_resolver_failures_are_transient(code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    lookups: list[str] = []

    def fail(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        raise socket.gaierror(code, "resolver says no")

    def no_connect(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("connected although the name did not resolve")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    with pytest.raises(TransientError, match=r"cannot resolve 'feeds\.example'") as caught:
        fetch_url("https://feeds.example/rss.xml", settings=Settings())
    assert not isinstance(caught.value, PermanentError)
    assert lookups == ["feeds.example"]


def test_a_name_idna_cannot_encode_stays_permanent() -> None:
    # No resolver is asked: the name itself is broken, and will be tomorrow too.
    with pytest.raises(PermanentError, match="cannot resolve"):
        resolve_checked("a" * 64 + ".example", 443)

