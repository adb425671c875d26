"""Integration-test helper (no tests here): real Celery worker and Flower subprocesses on this test
session's broker prefix and database, with logs kept in a file and a bounded, always-reaped stop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from tests.support.services import ROOT
from tests.support.settings import child_env as session_env
from workers.tasks.layout import ROLES, worker_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a child with the session's settings (tests.support.settings), without CELERY_*."""
    return session_env(**overrides)


class Proc:
    """A started subprocess whose output goes to `log_path` (read it when a test fails)."""

    def __init__(self, args: list[str], env: Mapping[str, str], log_path: Path, name: str = "") -> None:
        self.args = args
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.popen = subprocess.Popen(args, env=dict(env), stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
                                      start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM (warm shutdown), then SIGKILL to the whole process group if it lingers."""
        try:
            if self.popen.poll() is None:
                self.popen.send_signal(signal.SIGTERM)
                with suppress(subprocess.TimeoutExpired):
                    self.popen.wait(timeout=timeout_s)
            # Pool children of a worker share its process group (start_new_session): reap them all.
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        finally:
            self._log.close()


def worker_args(queues: str, concurrency: int, name: str, *extra: str) -> list[str]:
    """The deployed worker command (workers.tasks.layout) on the queues a test names, under its own node name."""
    role = "nlp" if set(queues.split(",")) <= set(ROLES["nlp"].queues) else "io"
    return worker_command(role, queues=queues.split(","), concurrency=concurrency, node=name, loglevel="WARNING",
                          private=True, extra=extra)


@contextmanager
def worker_process(tmp_path: Path, queues: str = "feeds,fetch,nlp,reprocess", concurrency: int = 2,
                   extra: tuple[str, ...] = (), env: Mapping[str, str] | None = None) -> Iterator[Proc]:
    """A real `celery worker` subprocess; `env` overrides SILKWIRE_* settings for it alone."""
    name = f"it-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    proc = Proc(worker_args(queues, concurrency, name, *extra), child_env(**(env or {})), tmp_path / f"{name}.log",
                name=f"{name}@{socket.gethostname()}")
    try:
        yield proc
    finally:
        proc.stop()
