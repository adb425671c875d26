"""Extract stage: the records agreements, totals and figures travel in between the rules.

document.py alone turns them into the contract's dicts (docs/extraction-contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """The sentence a record was read from: character offsets into the document text and its words."""

    start: int
    end: int
    text: str


# Parties and agreements stay mutable: later passes rename a side, or give a document the sides or the
# subject that a following sentence names.
@dataclass
class Party:
    name: str
    country: str | None


@dataclass
class Agreement:
    kind: str
    level: str | None
    status: str
    title: str
    subject: str | None
    parties: list[Party]
    evidence: Evidence


@dataclass(frozen=True)
class Total:
    """'подписано 24 документа', '17 соглашений на $629 млн'."""

    count: int
    kind: str
    status: str
    value: float | int | None
    currency: str | None
    evidence: Evidence


@dataclass
class Figure:
    kind: str
    value: float | int
    unit: str
    text: str
    evidence: Evidence | None = None  # the sentence, once the figure is kept
