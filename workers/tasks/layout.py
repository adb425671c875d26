"""The worker layout, defined once: which queues each role consumes, its pool, concurrency and node name.

Two roles, as deployed (deploy/scripts/worker-*.sh), started by the demo, the benchmark and the test
harnesses alike:

- `io` (feeds + fetch): I/O bound, so more processes than cores (8 by default).
- `nlp` (nlp + reprocess): CPU bound, one process per core, prefetch 1 so a slow article holds no others.

Both use the prefork pool (soft time limits need signals, which only prefork delivers; gevent is not
installed), `-O fair`, and task events for Flower. A worker's node name is `<role>@<host>`, so Flower and
`celery inspect` tell which is which, and the container healthcheck pings exactly that node.

Data and argv only: importing this builds no Celery app. From a shell:
`python -m workers.tasks.layout io [--concurrency N] [--loglevel L]` prints the `celery` arguments of a role
(`exec celery $(python -m workers.tasks.layout io)`), `... ping io` those of its healthcheck, `... flower`
those of Flower with the task list's columns.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workers.taskspec import FEEDS_QUEUE, FETCH_QUEUE, NLP_QUEUE, REPROCESS_QUEUE

APP = "workers.tasks.app"


@dataclass(frozen=True)
class Role:
    name: str
    queues: tuple[str, ...]
    concurrency: int | None  # None: one process per core
    options: tuple[str, ...] = ()

    def processes(self) -> int:
        # The cores this process may run on (what `nproc` says: cpusets count, `cpus:` quotas do not).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return self.concurrency or cores or 1


ROLES: dict[str, Role] = {
    "io": Role("io", (FEEDS_QUEUE, FETCH_QUEUE), 8),
    "nlp": Role("nlp", (NLP_QUEUE, REPROCESS_QUEUE), None, ("--prefetch-multiplier=1",)),
}


def worker_args(role: str, *, concurrency: int | None = None, node: str | None = None,
                queues: Sequence[str] | None = None, loglevel: str = "INFO", private: bool = False,
                extra: Sequence[str] = ()) -> list[str]:
    """`celery` arguments (after the program name) that start a worker of `role`.

    `node` replaces the role as the part of the node name before `@` (several workers of one role on a host:
    tests, demo); `queues` overrides the role's (a test worker on one queue); `private` leaves out mingle and
    gossip (a short-lived worker among others of a test or demo has nothing to sync with them).
    """
    r = ROLES[role]
    args = ["-A", APP, "worker", f"--queues={','.join(queues or r.queues)}", "--pool=prefork",
            f"--concurrency={concurrency or r.processes()}", f"--hostname={node or r.name}@%h", *r.options,
            "-O", "fair", "--events", f"--loglevel={loglevel}"]
    if private:
        args += ["--without-mingle", "--without-gossip"]
    return [*args, *extra]


def worker_command(role: str, **kwargs: Any) -> list[str]:
    """The whole command line with this interpreter (`python -m celery ...`): for the demo, bench and tests."""
    return [sys.executable, "-m", "celery", *worker_args(role, **kwargs)]


def node_name(role: str, host: str | None = None) -> str:
    """The node name a worker of `role` on `host` (this host by default) answers to."""
    return f"{ROLES[role].name}@{host or socket.gethostname()}"


def ping_args(role: str, *, timeout_s: int = 10) -> list[str]:
    """`celery` arguments of a healthcheck: ping this host's worker of `role`, by its node name."""
    return ["-A", APP, "inspect", "ping", "-d", node_name(role), "--timeout", str(timeout_s)]


# Flower's task list: the ids each task was given (args), what it answered, and why it failed (Flower 2's
# default shows none of them).
FLOWER_TASKS_COLUMNS = ("name", "uuid", "state", "args", "result", "exception", "received", "runtime", "worker")


def flower_args() -> list[str]:
    """`celery` arguments that start Flower on our app with our task columns (address, port and auth are the
    caller's)."""
    return ["-A", APP, "flower", f"--tasks_columns={','.join(FLOWER_TASKS_COLUMNS)}"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.tasks.layout",
                                     description="Print the celery arguments of a worker role, its ping or Flower.")
    parser.add_argument("what", choices=[*ROLES, "ping", "flower"])
    parser.add_argument("role", nargs="?", choices=list(ROLES), help="with ping: the role to ping")
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--loglevel", default="INFO")
    ns = parser.parse_args(argv)
    if ns.what == "ping":
        if ns.role is None:
            parser.error("ping needs a role: " + ", ".join(ROLES))
        args = ping_args(ns.role)
    elif ns.what == "flower":
        args = flower_args()
    else:
        if ns.concurrency is not None and ns.concurrency < 1:
            parser.error("--concurrency must be at least 1")
        args = worker_args(ns.what, concurrency=ns.concurrency, loglevel=ns.loglevel)
    print(" ".join(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
