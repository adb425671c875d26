"""SSRF guard: which addresses are refused, and that refusal happens before any connection is made."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.httpserver import Route, ScriptedServer
from workers.errors import PermanentError, TransientError
from workers.fetch.http import fetch_url
from workers.fetch.netguard import refusal_reason, resolve_checked
from workers.settings import Settings

REFUSED = [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "100.127.255.254",  # CGNAT: not is_private, still not reachable from outside
    "224.0.0.1", "239.255.255.250",  # multicast (is_global says True for some of it)
    "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1",  # NAT64 of loopback / private, local-use NAT64
    "2002:7f00:1::", "2002:a00:1::1",  # 6to4 wrapping loopback / private
    "::127.0.0.1",  # IPv4-compatible
    "2001:db8::1",  # documentation
    "fec0::1", "feff:ffff::1",  # site-local fec0::/10 (deprecated; is_global says True)
    "::ffff:0:7f00:1", "::ffff:0:a00:1", "::ffff:0:a9fe:a9fe",  # IPv4-translated ::ffff:0:a.b.c.d
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "2a00:1450:4001:82b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808",
           "2002:808:808::1", "100.128.0.1", "100.63.255.255", "::ffff:0:808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_global_addresses_are_refused(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("spelling", ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1",
                                      "017700000001"])
def test_numeric_spellings_of_loopback_are_refused_by_the_real_resolver(spelling: str) -> None:
    # getaddrinfo understands these spellings without any network: the check sees 127.0.0.1.
    with pytest.raises(PermanentError, match=r"127\.0\.0\.1"):
        resolve_checked(spelling, 80)


def test_allow_list_names_a_host_or_an_address() -> None:
    assert resolve_checked("127.0.0.1", 80, ["127.0.0.1"]) == ["127.0.0.1"]
    assert resolve_checked("2130706433", 80, ["127.0.0.1"]) == ["127.0.0.1"]  # the address is listed
    with pytest.raises(PermanentError):
        resolve_checked("127.0.0.2", 80, ["127.0.0.1"])


class Network:
    """Fake resolver + a connect spy: nothing leaves the process, and we see whether it tried."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self.connects: list[Any] = []
        self._real_create = socket.create_connection
        self._real_lookup = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", self.create_connection)

    def getaddrinfo(self, host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "127.0.0.1":  # socket.create_connection looks up the literal it was given
            return self._real_lookup(host, port, *args, **kwargs)
        self.lookups.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.answers[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        out = []
        for a in addresses:
            family = socket.AF_INET6 if ":" in a else socket.AF_INET
            sockaddr = (a, int(port), 0, 0) if family == socket.AF_INET6 else (a, int(port))
            out.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return out

    def create_connection(self, address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        self.connects.append(address)
        if address[0] != "127.0.0.1":
            raise AssertionError(f"test tried to connect to {address}")
        return self._real_create(address, *args, **kwargs)


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    yield Network(monkeypatch)


@pytest.mark.parametrize("answer", [
    ["::ffff:127.0.0.1"], ["64:ff9b::a9fe:a9fe"], ["100.64.3.4"], ["10.0.0.5"], ["2002:c0a8:101::1"],
    ["93.184.216.34", "192.168.0.10"],  # one bad address in the answer refuses the host
    ["fe80::1%eth0"],
    ["fec0::1"], ["::ffff:0:127.0.0.1"], ["::ffff:0:169.254.169.254"],  # issue 17, finding 12
])
def test_refusal_happens_before_any_connection(net: Network, answer: list[str]) -> None:
    net.answers["news.example"] = [answer]
    with pytest.raises(PermanentError, match="refused"):
        fetch_url("http://news.example/article", settings=Settings(allow_private_hosts=[]))
    assert net.connects == []


def test_connects_to_the_checked_address_with_the_original_host_header(net: Network) -> None:
    # The name resolves to 127.0.0.1 first and to a private address on any later lookup (DNS
    # rebinding): one lookup per hop and a connection to the first answer is what keeps us safe.
    with ScriptedServer({"/a": Route(body=b"pinned")}) as srv:
        net.answers["news.example"] = [["127.0.0.1"], ["10.0.0.1"]]
        resp = fetch_url(f"http://news.example:{srv.port}/a",
                         settings=Settings(allow_private_hosts=["news.example"]))
        assert resp.body == b"pinned"
        assert net.lookups == ["news.example"]
        assert net.connects == [("127.0.0.1", srv.port)]
        assert srv.requests[0].headers["host"] == f"news.example:{srv.port}"


def test_each_redirect_hop_is_resolved_and_checked(net: Network) -> None:
    with ScriptedServer() as srv:
        srv.route("/go", Route(status=302, headers={"Location": "http://internal.example/secret"}))
        net.answers["news.example"] = [["127.0.0.1"]]
        net.answers["internal.example"] = [["10.20.30.40"]]
        with pytest.raises(PermanentError, match=r"refused 'internal\.example'"):
            fetch_url(f"http://news.example:{srv.port}/go",
                      settings=Settings(allow_private_hosts=["news.example"]))
        assert net.lookups == ["news.example", "internal.example"]
        assert net.connects == [("127.0.0.1", srv.port)]


def test_unresolvable_host_is_transient(net: Network) -> None:
    # A DNS outage fails every name: retried with backoff, never a PermanentError (issue 13).
    with pytest.raises(TransientError, match="cannot resolve"):
        fetch_url("http://nonexistent.example/", settings=Settings(allow_private_hosts=[]))
    assert net.connects == []


def test_idn_host_is_resolved_and_sent_as_punycode(net: Network) -> None:
    with ScriptedServer({"/": Route(body=b"idn")}) as srv:
        net.answers["xn--e1afmkfd.xn--p1ai"] = [["127.0.0.1"]]
        resp = fetch_url(f"http://пример.рф:{srv.port}/", settings=Settings(allow_private_hosts=["127.0.0.1"]))
        assert resp.body == b"idn"
        assert net.lookups == ["xn--e1afmkfd.xn--p1ai"]
        assert srv.requests[0].headers["host"] == f"xn--e1afmkfd.xn--p1ai:{srv.port}"


def test_a_hanging_resolver_is_abandoned_at_the_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    try:
        with pytest.raises(TransientError, match="resolving"):
            fetch_url("http://slow-dns.example/", settings=Settings(connect_timeout_s=0.2, total_deadline_s=5))
    finally:
        release.set()


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1:8080/x",
                                 "http://[::ffff:127.0.0.1]/", "http://[::1]/", "http://0.0.0.0/",
                                 "http://user@127.0.0.1/", "http://example.com@127.0.0.1/"])
def test_fetch_of_loopback_spellings_never_connects(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    connects: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> None:
        connects.append(args)
        raise AssertionError("connected")

    monkeypatch.setattr(socket, "create_connection", spy)
    with pytest.raises(PermanentError, match="refused"):
        fetch_url(url, settings=Settings(allow_private_hosts=[]))
    assert connects == []
