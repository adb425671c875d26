"""Two kinds of failure, as every stage reports them.

    StageError
    ├── TransientError   timeouts, resets, 429, 5xx, database or broker unavailable: retried with backoff
    └── PermanentError   404/410, not HTML, empty text, unparseable feed, refused address: recorded, never retried
        └── QuarantineError  input kept aside with its reason (undecodable text, hostile markup)
"""

from __future__ import annotations


class StageError(Exception):
    """Base of every error a stage raises on purpose."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, status: int | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.status = status


class TransientError(StageError):
    """Worth trying again later."""


class PermanentError(StageError):
    """Trying again will give the same answer."""


class QuarantineError(PermanentError):
    """The input is kept aside with this reason and never stored as if it were good."""
