"""Task events from a real worker: every event still arrives, but gathered into few Redis messages.

Listens on the event exchange's Redis channel itself (what Flower's receiver reads), so it sees how
many PUBLISHes carried the events, not just the events.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.integration._procs import worker_process
from tests.support.services import wait_until
from tests.support.settings import SETTINGS
from workers.taskspec import POLL_DUE_FEEDS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

TASKS = 40


def test_every_task_event_arrives_in_few_messages(db: Any, clean_redis: Any, tmp_path: Path) -> None:
    from workers.tasks.app import app

    messages: list[bytes] = []
    channels: list[bytes] = []

    def _keep(message: dict[str, Any]) -> None:
        channels.append(message["channel"])
        messages.append(message["data"])

    pubsub = clean_redis.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(**{f"{SETTINGS.key_prefix}*celeryev*": _keep})
    listener: threading.Thread = pubsub.run_in_thread(sleep_time=0.05, daemon=True)
    try:
        with worker_process(tmp_path, queues="feeds", concurrency=2) as worker:
            # Given a worker that has said it is online (its heartbeat is an event too)
            assert wait_until(lambda: any(b"celeryev/worker." in c for c in channels) or not worker.alive,
                              timeout_s=90, interval_s=0.2), worker.log_tail()
            # When a burst of tasks runs (the beat tick with no feeds due: it claims none and returns 0)
            sent = [app.send_task(POLL_DUE_FEEDS, queue="feeds").id for _ in range(TASKS)]

            def events() -> list[tuple[int, dict[str, Any]]]:
                out = []
                for i, raw in enumerate(list(messages)):
                    envelope = json.loads(raw)
                    body = envelope["body"]
                    if envelope.get("properties", {}).get("body_encoding") == "base64":
                        body = base64.b64decode(body)
                    decoded = json.loads(body)
                    out += [(i, e) for e in (decoded if isinstance(decoded, list) else [decoded])
                            if e["type"].startswith("task-")]
                return out

            def all_succeeded() -> bool:
                return sum(e["type"] == "task-succeeded" for _, e in events()) >= TASKS or not worker.alive

            assert wait_until(all_succeeded, timeout_s=60, interval_s=0.2), worker.log_tail()
            assert worker.alive, worker.log_tail()
    finally:
        listener.stop()  # type: ignore[attr-defined]
        listener.join(timeout=5)
        pubsub.close()

    # Expect each task's received, started and succeeded event exactly once (what Flower needs)...
    got = events()
    per_task = Counter((e["uuid"], e["type"]) for _, e in got)
    assert per_task == Counter({(tid, t): 1 for tid in sent
                                for t in ("task-received", "task-started", "task-succeeded")}), per_task
    # ...and far fewer Redis messages than events: one PUBLISH per event would be 3 × TASKS.
    carried_by = {i for i, _ in got}
    assert len(carried_by) <= len(got) // 4, f"{len(got)} task events in {len(carried_by)} messages"
