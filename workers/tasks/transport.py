"""kombu's Redis transport with one client per channel for its commands outside the event loop.

kombu builds a new `redis.Redis` for every publish, ack and unacked-index update
(`Channel.conn_or_acquire()` without a client); redis-py's constructor copies its ~170 response
callbacks each time, ~50 µs of CPU, about a dozen times per article across the worker processes
(bench/README.md, hot spot 9). The client owns no connection (each command borrows one from the
channel's pool and gives it back), so one per channel serves every caller and thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        shared = self._shared_client
        # The pool is replaced when the channel reconnects: follow it rather than keep a stale one.
        if shared is None or shared.connection_pool is not self.pool:
            shared = self._shared_client = self._create_client()
        yield shared


class Transport(redis.Transport):
    Channel = Channel


def install() -> None:
    """Make `redis://` broker URLs use this transport in this process.

    An alias rather than Celery's `broker_transport` setting, so the URL keeps its `redis://` scheme
    for everything that reads it back (Flower's broker view, `Connection.as_uri()`).
    """
    from kombu import transport

    transport.TRANSPORT_ALIASES["redis"] = f"{__name__}:Transport"
    transport._transport_cache.pop("redis", None)  # resolved before install: resolve again
