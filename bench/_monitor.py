"""Bench monitor: samples worker processes (/proc: peak RSS, CPU seconds) and Redis memory in a thread.

Peak RSS is the kernel's VmHWM per process, so a spike between two samples is not missed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children(p)
    return found


def cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def machine_busy_s() -> float:
    """Core-seconds the whole machine spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


def runqueue_wait_s(pid: int) -> float | None:
    """Seconds this process spent runnable but waiting for a CPU (/proc/PID/schedstat, field 2)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class ProcStats:
    role: str  # "io" / "nlp", main process or pool child
    pid: int
    peak_rss_kb: int = 0
    cpu_s: float = 0.0
    wait_s: float = 0.0  # runnable, waiting for a core: other processes had it


@dataclass
class Monitor:
    """Samples every `interval_s` until stopped; use as a context manager around one phase."""

    roots: dict[str, int]  # role → main worker pid
    redis: Any
    queue_keys: list[str]
    prefix: str = ""
    # Extra processes by role, looked up on every sample (Postgres backends serving our database).
    extra: Callable[[], dict[str, list[int]]] | None = None
    # CPU seconds are cumulative counters and peak RSS is the kernel's high-water mark, so a sample a
    # second loses nothing but a process that exits between two. At 4 Hz the monitor itself took ~1.5 ms
    # of CPU per article from the two cores it measures (py-spy of the bench process: 80 % of its work).
    interval_s: float = 1.0
    procs: dict[int, ProcStats] = field(default_factory=dict)
    redis_base: int = 0
    redis_peak: int = 0
    redis_last: int = 0
    queue_peak: int = 0
    # Bytes held by our own keys (broker queues, unacked messages, politeness state): Redis is shared
    # with other runs, so used_memory alone moves with whatever else is happening.
    own_base: int = 0
    own_peak: int = 0
    own_last: int = 0
    errors: list[str] = field(default_factory=list)
    # One row per sample: the length of each queue key, to see which stage work waits in.
    queue_history: list[tuple[int, ...]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _cpu_start: dict[int, float] = field(default_factory=dict)
    # Core-seconds the machine was busy during the phase (every process: ours, the harness, others).
    machine_busy: float = 0.0
    _busy_start: float = 0.0
    _wait_start: dict[int, float] = field(default_factory=dict)

    def __enter__(self) -> Monitor:
        self.redis_base = self.redis_peak = self._used_memory()
        self._busy_start = machine_busy_s()
        self.own_base = self.own_peak = self._own_memory()
        for _kind, pid in self._pids():
            self._cpu_start[pid] = cpu_s(pid) or 0.0
            self._wait_start[pid] = runqueue_wait_s(pid) or 0.0
        self._thread = threading.Thread(target=self._run, name="bench-monitor", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self.machine_busy = machine_busy_s() - self._busy_start

    def _used_memory(self) -> int:
        return int(self.redis.info("memory")["used_memory"])

    def _own_memory(self) -> int:
        if not self.prefix:
            return 0
        keys = list(self.redis.scan_iter(match=f"{self.prefix}*", count=1000))
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.memory_usage(key, samples=0)
        return sum(int(x or 0) for x in pipe.execute())

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _pids(self) -> list[tuple[str, int]]:
        out = [(f"{role}-main" if pid == root else f"{role}-child", pid)
               for role, root in self.roots.items() for pid in tree(root)]
        if self.extra is not None:
            try:
                out += [(role, pid) for role, pids in self.extra().items() for pid in pids]
            except Exception as exc:  # a missed sample must not end the run
                self.errors.append(repr(exc))
        return out

    def _sample(self) -> None:
        for kind, pid in self._pids():
            st = self.procs.setdefault(pid, ProcStats(kind, pid))
            hwm = status_kb(pid, "VmHWM")
            cpu = cpu_s(pid)
            if hwm:
                st.peak_rss_kb = max(st.peak_rss_kb, hwm)
            if cpu is not None:
                # A backend first seen mid-run started after the monitor: count all of its CPU.
                st.cpu_s = cpu - self._cpu_start.get(pid, 0.0)
            wait = runqueue_wait_s(pid)
            if wait is not None:
                st.wait_s = wait - self._wait_start.get(pid, 0.0)
        try:
            self.redis_last = self._used_memory()
            self.redis_peak = max(self.redis_peak, self.redis_last)
            pipe = self.redis.pipeline()
            for key in self.queue_keys:
                pipe.llen(key)
            lengths = tuple(int(x) for x in pipe.execute())
            self.queue_history.append(lengths)
            self.queue_peak = max(self.queue_peak, sum(lengths))
            self.own_last = self._own_memory()
            self.own_peak = max(self.own_peak, self.own_last)
        except Exception as exc:  # a missed sample must not end the run
            self.errors.append(repr(exc))

    def queue_shares(self) -> dict[str, float]:
        """Per queue key: the share of samples in which it held messages."""
        if not self.queue_history:
            return {}
        n = len(self.queue_history)
        return {key.rsplit(":", 1)[-1]: round(sum(1 for row in self.queue_history if row[i]) / n, 3)
                for i, key in enumerate(self.queue_keys)}

    def wait_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for st in self.procs.values():
            out[st.role] = out.get(st.role, 0.0) + st.wait_s
        return out

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for st in self.procs.values():
            out[st.role] = out.get(st.role, 0.0) + st.cpu_s
        return out

    def peak_rss_mb(self) -> dict[str, float]:
        """Largest peak RSS per role (MB)."""
        out: dict[str, float] = {}
        for st in self.procs.values():
            out[st.role] = max(out.get(st.role, 0.0), st.peak_rss_kb / 1024)
        return out


def wait_idle(pids: list[int], *, quiet_s: float = 1.0, timeout_s: float = 120.0) -> float:
    """Wait until these processes stop burning CPU (NLP children finished warm-up); returns seconds waited."""
    start = time.monotonic()
    last = {p: cpu_s(p) or 0.0 for p in pids}
    while time.monotonic() - start < timeout_s:
        time.sleep(quiet_s)
        now = {p: cpu_s(p) or 0.0 for p in pids}
        if all(now[p] - last[p] < 0.05 * quiet_s for p in pids):
            return time.monotonic() - start
        last = now
    return time.monotonic() - start
