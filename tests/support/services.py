"""Where the tests run: the project root, ../shared beside it, and the services they need.

Locally a service that is down (or ../shared absent) skips the test; in CI it is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip locally when a service is down; in CI a missing service is a failure, never a skip."""
    if reachable(port):
        return
    message = f"{name} is not reachable on 127.0.0.1:{port}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message + " (start it, see README)")


def require_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is absent (shared/ sits beside the project only in the team's checkouts)")
    return path


def wait_until(predicate: Callable[[], object], timeout_s: float = 60.0, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())
