"""kombu's Redis transport: one client per channel, and binding tables that heal after Redis loses them.

kombu builds a new `redis.Redis` for every publish, ack and unacked-index update
(`Channel.conn_or_acquire()` without a client); redis-py's constructor copies its ~170 response
callbacks each time, ~50 µs of CPU, about a dozen times per article across the worker processes
(bench/LOG.md#hot-spot-9). The client owns no connection (each command borrows one from the
channel's pool and gives it back), so one per channel serves every caller and thread.

kombu routes a message to a direct exchange through a binding table kept in Redis, and declares a
binding only once per connection (its in-process state remembers it). A Redis restarted without its
data, or flushed, loses the tables while every process still believes they exist: each publish then
finds no queue and kombu drops the message without an error, until that connection is rebuilt. Here
a publish that finds the table empty puts back the bindings this connection declared, then routes.

A queue entry that is not a kombu message (not JSON, or JSON without the message's properties) made
kombu raise in the worker's consumer: JSONDecodeError stopped the whole worker ("Unrecoverable
error"), a KeyError made it reconnect and lose the entry silently. Here such an entry is logged with its
queue and first bytes, and dropped; the next message is read as usual.

When the broker goes away, Celery collects the connection (its transport forgets the client) and then
closes it; closing the channel restores unacked messages, which asks for a new connection pool, and
kombu then fails with AttributeError on the forgotten client. Nothing expects that error: it stops
the whole worker ("Unrecoverable error"), and a Redis restart left the NLP worker dead. Here that
request fails with the connection error every caller already handles.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from queue import Empty
from typing import Any

from kombu.transport import redis
from kombu.utils.encoding import bytes_to_str
from redis import exceptions as redis_errors

log = logging.getLogger(__name__)


def decode_entry(item: bytes | str, queue: str) -> dict[str, Any] | None:
    """A queue entry as the message kombu expects, or None (logged) when it is not one."""
    try:
        payload = json.loads(bytes_to_str(item))
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"not JSON ({exc})"
    else:
        properties = payload.get("properties") if isinstance(payload, dict) else None
        if not isinstance(properties, dict) or "delivery_tag" not in properties:
            problem = "no message properties"
        elif not isinstance(properties.get("delivery_info", {}), dict):
            problem = "malformed delivery_info"
        else:
            return payload
    log.error("dropped an undecodable queue entry", extra={"queue": queue, "problem": problem[:200],
                                                           "entry": bytes_to_str(item)[:200]})
    return None


class Channel(redis.Channel):
    _shared_client: Any = None

    def _brpop_read(self, **options: Any) -> bool:
        """kombu's own (5.7), with the entry checked before it is delivered: a bad entry is dropped."""
        try:
            try:
                dest__item = self.client.parse_response(self.client.connection, "BRPOP", **options)
            except self.connection_errors:
                self.client.connection.disconnect()  # the next iteration reconnects
                raise
            if not dest__item:
                raise Empty()
            dest, item = dest__item
            dest = bytes_to_str(dest).rsplit(self.sep, 1)[0]
            self._queue_cycle.rotate(dest)
            message = decode_entry(item, dest)
            if message is None:
                raise Empty()  # popped and dropped: the consumer goes on to the next BRPOP
            self.connection._deliver(message, dest)
            return True
        finally:
            self._in_poll = None  # type: ignore[assignment]  # kombu's own value here; its stub says bool
            flush = getattr(self, "_flush_brpop_reauth", None)
            if flush is not None:
                flush()

    def _get(self, queue: str, timeout: Any = None) -> Any:
        """kombu's own (5.7) basic_get path, skipping entries that are not messages."""
        with self.conn_or_acquire() as client:
            for pri in self.priority_steps:
                while item := client.rpop(self._q_for_pri(queue, pri)):
                    message = decode_entry(item, queue)
                    if message is not None:
                        self._maybe_update_queues_expire(client, queue)
                        return message
            self._maybe_update_queues_expire(client, queue)
            raise Empty()

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
