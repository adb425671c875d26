"""Registry records: what a mention carries in (one row of `events`/`agreements` with its article) and
what a canonical event or agreement carries out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

# A mention is one (article, ord) row of the per-article extraction.
Key = tuple[int, int]


@dataclass(frozen=True)
class EventMention:
    article_id: int
    ord: int
    type: str
    status: str
    published: date
    event_date: date | None = None
    location: str | None = None
    countries: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    outlet: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    near_dup_of: int | None = None
    # The article's totals of signed documents, on the one event of the article they belong to.
    totals: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)

    @property
    def key(self) -> Key:
        return (self.article_id, self.ord)

    @property
    def day(self) -> date:
        """The event's own date when the text gives one, else the publication date."""
        return self.event_date or self.published


@dataclass(frozen=True)
class AgreementMention:
    article_id: int
    ord: int
    kind: str
    status: str
    published: date
    subject: str | None = None
    title: str | None = None
    level: str | None = None
    countries: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    outlet: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    near_dup_of: int | None = None

    @property
    def key(self) -> Key:
        return (self.article_id, self.ord)

    @property
    def day(self) -> date:
        return self.published


@dataclass(frozen=True)
class CanonicalEvent:
    type: str
    status: str
    event_date: date
    location: str | None
    countries: tuple[str, ...]
    participants: tuple[str, ...]
    first_report: Key
    first_report_at: date
    last_report_at: date
    reports: tuple[EventMention, ...]
    totals: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Step:
    step: str
    step_date: date
    reports: tuple[Key, ...]


@dataclass(frozen=True)
class CanonicalAgreement:
    kind: str
    status: str
    level: str | None
    subject: str | None
    title: str | None
    countries: tuple[str, ...]
    parties: tuple[str, ...]
    first_report: Key
    steps: tuple[Step, ...]
    reports: tuple[AgreementMention, ...]
