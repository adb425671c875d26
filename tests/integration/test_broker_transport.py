"""The broker transport: redis:// URLs get our channel, which reuses one Redis client per channel."""

from __future__ import annotations

from typing import Any

import pytest

from workers.tasks.app import make_app
from workers.tasks.transport import Channel


def test_redis_urls_use_our_channel_and_keep_their_scheme(redis_client: Any) -> None:
    app = make_app()
    with app.connection() as conn:
        assert isinstance(conn.default_channel, Channel)
        assert conn.as_uri().startswith("redis://")  # Flower picks its broker view by this scheme


def test_one_client_per_channel_until_its_pool_changes(redis_client: Any) -> None:
    app = make_app()
    with app.connection() as conn:
        channel = conn.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
        given = object()
        with channel.conn_or_acquire(given) as passed:
            assert passed is given
        channel._pool = None  # what a reconnect does: the next client must use the new pool
        with channel.conn_or_acquire() as third:
            assert third is not first
            assert third.connection_pool is channel.pool


def test_messages_still_flow(redis_client: Any) -> None:
    app = make_app()
    with app.connection() as conn:
        queue = conn.SimpleQueue("silkwire-transport-test")
        try:
            queue.put({"n": 1})
            message = queue.get(timeout=5)
            assert message.payload == {"n": 1}
            message.ack()
        finally:
            queue.clear()
            queue.close()


def test_a_lost_binding_table_is_put_back_by_the_next_publish(redis_client: Any) -> None:
    from kombu import Exchange, Queue

    from workers.settings import get_settings

    app = make_app()
    name = "silkwire-transport-heal-test"
    queue = Queue(name, Exchange(name), name)
    prefix = get_settings().key_prefix
    with app.connection() as conn:
        producer = conn.Producer()
        try:
            producer.publish({"n": 1}, exchange=queue.exchange, routing_key=name, declare=[queue])
            # What a Redis restarted without its data leaves: no binding tables, a process that declared them.
            for key in redis_client.scan_iter(match=f"{prefix}_kombu.binding*{name}"):
                redis_client.delete(key)
            producer.publish({"n": 2}, exchange=queue.exchange, routing_key=name, declare=[queue])
            assert redis_client.llen(f"{prefix}{name}") == 2  # kombu alone drops the second one silently
            assert redis_client.exists(f"{prefix}_kombu.binding.{name}")
        finally:
            conn.SimpleQueue(queue).clear()
            for key in redis_client.scan_iter(match=f"{prefix}*{name}*"):
                redis_client.delete(key)


def test_closing_a_channel_after_its_transport_was_collected_raises_only_connection_errors(
        redis_client: Any) -> None:
    """Celery's cleanup after a lost broker: collect() makes the transport forget its client, then the
    channel is closed and restores its unacked messages through a new pool. kombu's own channel fails
    there with AttributeError, which stopped the NLP worker ('Unrecoverable error') in a Redis-restart
    test; ours fails with a connection error, which that cleanup ignores."""
    from workers.settings import get_settings

    app = make_app()
    conn = app.connection()
    name = "silkwire-transport-collected-test"
    queue = conn.SimpleQueue(name)
    queue.put({"n": 1})
    message = queue.get(timeout=5)  # delivered, not acknowledged: the close must try to restore it
    channel = queue.channel
    channel._disconnect_pools()  # what the interrupted first close already did
    channel.connection.client = None  # what collect() leaves behind
    with pytest.raises(conn.connection_errors):
        channel.close()
    prefix = get_settings().key_prefix
    redis_client.hdel(f"{prefix}unacked", message.delivery_tag)
    redis_client.zrem(f"{prefix}unacked_index", message.delivery_tag)
    redis_client.delete(f"{prefix}{name}")
