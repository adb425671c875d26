"""The broker transport: redis:// URLs get our channel, which reuses one Redis client per channel."""

from __future__ import annotations

from typing import Any

import pytest

from workers.tasks.app import make_app
from workers.tasks.transport import Channel
from workers.taskspec import FETCH_ARTICLE


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


BAD_ENTRIES = [b"not json at all", b'{"body": "eA==", "no": "properties"}', b"[1, 2, 3]", b"\xff\xfe\x00garbage",
               b'{"properties": {"delivery_tag": "x", "delivery_info": "not a dict"}}']


def test_entries_that_are_not_messages_are_dropped_by_a_queue_get(redis_client: Any) -> None:
    from workers.settings import get_settings

    app = make_app()
    name = "silkwire-transport-garbage-test"
    with app.connection() as conn:
        queue = conn.SimpleQueue(name)
        try:
            queue.put({"n": 1})
            for entry in BAD_ENTRIES:  # popped from the other end: read before the real message
                redis_client.rpush(f"{get_settings().key_prefix}{name}", entry)
            message = queue.get(timeout=5)
            assert message.payload == {"n": 1}
            message.ack()
            assert redis_client.llen(f"{get_settings().key_prefix}{name}") == 0
        finally:
            queue.clear()
            queue.close()


def test_a_worker_drops_undecodable_queue_entries_and_keeps_working(db: Any, clean_redis: Any, tmp_path: Any) -> None:
    """Issue 17, finding 7: a non-JSON entry on a queue stopped the worker ("Unrecoverable error:
    JSONDecodeError"); JSON without properties made it reconnect and lose the entry silently."""
    from tests.integration._procs import worker_process
    from tests.integration.test_hostile_pages import article_html
    from tests.support.httpserver import Route, ScriptedServer
    from tests.support.services import wait_until
    from workers.settings import get_settings

    with ScriptedServer() as server:
        url = server.route("/a", Route(body=article_html("Переговоры в Астане"),
                                       headers={"Content-Type": "text/html; charset=utf-8"}))
        article_id = int(db.execute("INSERT INTO articles (url, stage, state, queued_at) VALUES (%s, 'fetch', 'queued',"
                                    " now()) RETURNING id", (url,)).fetchone()["id"])
        # Given a fetch queue whose first entries are not messages, then a real task
        for entry in BAD_ENTRIES:
            clean_redis.lpush(f"{get_settings().key_prefix}fetch", entry)
        make_app().send_task(FETCH_ARTICLE, args=[article_id], queue="fetch")
        with worker_process(tmp_path, queues="fetch", concurrency=1) as worker:
            # When the worker consumes the queue
            def stage() -> str:
                return str(db.execute("SELECT stage FROM articles WHERE id = %s", (article_id,)).fetchone()["stage"])

            done = wait_until(lambda: stage() == "analyse" or not worker.alive, timeout_s=60)
            # Expect it alive, the real task done, every bad entry logged as dropped
            assert worker.alive, worker.log_tail()
            assert done, worker.log_tail()
            log = worker.log_tail(10**6)
            assert log.count("dropped an undecodable queue entry") == len(BAD_ENTRIES), log
            assert "Unrecoverable error" not in log
