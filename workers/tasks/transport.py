"""kombu's Redis transport: one client per channel, and binding tables that heal after Redis loses them.

kombu builds a new `redis.Redis` for every publish, ack and unacked-index update
(`Channel.conn_or_acquire()` without a client); redis-py's constructor copies its ~170 response
callbacks each time, ~50 µs of CPU, about a dozen times per article across the worker processes
(bench/README.md, hot spot 9). The client owns no connection (each command borrows one from the
channel's pool and gives it back), so one per channel serves every caller and thread.

kombu routes a message to a direct exchange through a binding table kept in Redis, and declares a
binding only once per connection (its in-process state remembers it). A Redis restarted without its
data, or flushed, loses the tables while every process still believes they exist: each publish then
finds no queue and kombu drops the message without an error, until that connection is rebuilt. Here
a publish that finds the table empty puts back the bindings this connection declared, then routes.

When the broker goes away, Celery collects the connection (its transport forgets the client) and then
closes it; closing the channel restores unacked messages, which asks for a new connection pool, and
kombu then fails with AttributeError on the forgotten client. Nothing expects that error: it stops
the whole worker ("Unrecoverable error"), and a Redis restart left the NLP worker dead. Here that
request fails with the connection error every caller already handles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis
from redis import exceptions as redis_errors


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

    def _get_pool(self, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise redis_errors.ConnectionError("the broker connection is closed")
        return super()._get_pool(asynchronous=asynchronous)

    def get_table(self, exchange: str) -> list[tuple[str, str, str]]:
        table: list[tuple[str, str, str]] = super().get_table(exchange)
        if table:
            return table
        declared = [(key.queue, key.routing_key, args) for key, args in self.state.bindings.items()
                    if key.exchange == exchange]
        for queue, routing_key, args in declared:
            self._queue_bind(exchange, *self.typeof(exchange).prepare_bind(queue, exchange, routing_key, args))
        return super().get_table(exchange) if declared else table


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
