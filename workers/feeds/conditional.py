"""Feeds stage: when to send validators, and whether a feed's 304 answers can be trusted.

Some servers answer 304 although the feed changed. Every `full_every` polls we fetch without
validators; if the body then differs from the one stored while the server had been answering 304,
its 304s hid a change and the feed is polled without validators from then on (the body hash still
spares a parse when nothing changed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    trusts_304: bool | None = None  # None: not known yet
    polls_since_full: int = 0
    last_status: int | None = None


@dataclass(frozen=True)
class Request:
    etag: str | None
    last_modified: str | None

    @property
    def full(self) -> bool:
        """Sent without validators: the answer is the whole feed, whatever the server thinks."""
        return self.etag is None and self.last_modified is None


def plan_request(v: Validators, *, full_every: int) -> Request:
    if v.trusts_304 is False or v.polls_since_full + 1 >= full_every:
        return Request(None, None)
    return Request(v.etag, v.last_modified)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Outcome:
    validators: Validators
    changed: bool  # parse the body?


def after_response(v: Validators, req: Request, *, status: int, etag: str | None,
                   last_modified: str | None, body: bytes) -> Outcome:
    if status == 304:
        return Outcome(replace(v, polls_since_full=v.polls_since_full + 1, last_status=304), changed=False)
    digest = body_hash(body)
    changed = digest != v.body_hash
    trusts = v.trusts_304
    if req.full and v.body_hash is not None and v.last_status == 304:
        # The last conditional answer said "not modified": was that true?
        trusts = not changed
    return Outcome(
        Validators(etag=etag, last_modified=last_modified, body_hash=digest, trusts_304=trusts,
                   polls_since_full=0 if req.full else v.polls_since_full + 1, last_status=status),
        changed=changed,
    )
