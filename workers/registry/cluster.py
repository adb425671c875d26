"""Connected components of a pairwise link relation, and stable ids for them across recomputations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Protocol, TypeVar


class _Mention(Protocol):
    @property
    def key(self) -> tuple[int, int]: ...

    @property
    def day(self) -> date: ...

    @property
    def article_id(self) -> int: ...

    @property
    def ord(self) -> int: ...

    @property
    def near_dup_of(self) -> int | None: ...


M = TypeVar("M", bound=_Mention)


def components(mentions: Sequence[M], linked: Callable[[M, M], bool], *, block: Callable[[M], str],
               max_gap_days: int) -> list[list[M]]:
    """Groups of mentions joined by `linked` (symmetric), each in key order, groups in first-key order.

    `linked` may join two mentions only when they share a `block` (their type or kind) and either lie at
    most `max_gap_days` apart or are one mention at the same place in an article and its reprint
    (`near_dup_of`, same ord): only those pairs are tried, so linking is near linear instead of quadratic,
    with exactly the groups of trying every pair. Order independent: the same mentions in any order give the
    same groups.
    """
    items = sorted(mentions, key=lambda m: m.key)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    def tried(i: int, j: int) -> None:
        if find(i) != find(j) and linked(items[i], items[j]):
            union(i, j)

    # Reprints: the original's mention and every reprint's mention at the same place.
    at: dict[tuple[int, int, str], list[int]] = {}
    for i, m in enumerate(items):
        at.setdefault((m.article_id, m.ord, block(m)), []).append(i)
        if m.near_dup_of is not None:
            at.setdefault((m.near_dup_of, m.ord, block(m)), []).append(i)
    for members in at.values():
        for j in members[1:]:
            tried(members[0], j)
        for a in members[1:]:
            for b in members[1:]:
                if a < b:
                    tried(a, b)
    # Everything else: within a block, in day order, each mention against those at most max_gap_days later.
    by_block: dict[str, list[int]] = {}
    for i, m in enumerate(items):
        by_block.setdefault(block(m), []).append(i)
    for members in by_block.values():
        members.sort(key=lambda i: (items[i].day, i))
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if (items[j].day - items[i].day).days > max_gap_days:
                    break
                tried(i, j)
    groups: dict[int, list[M]] = {}
    for i, m in enumerate(items):
        groups.setdefault(find(i), []).append(m)
    return [groups[k] for k in sorted(groups)]


def assign_ids(groups: Sequence[Sequence[int | None]], next_id: Callable[[], int]) -> list[int]:
    """An id for each group: the oldest (smallest) id its members had, unless an earlier group took it.

    `groups` lists each group's members' current ids (None for a new mention), groups in a fixed order;
    a group whose members had no id, or whose ids were all taken by a split, gets `next_id()`. So a
    group keeps its id as reports arrive, a merge keeps the older id, and a split keeps it on one side.
    """
    taken: set[int] = set()
    out = []
    for members in groups:
        candidates = sorted({i for i in members if i is not None} - taken)
        chosen = candidates[0] if candidates else next_id()
        taken.add(chosen)
        out.append(chosen)
    return out


def words(text: str | None, stop: Iterable[str] = ()) -> frozenset[str]:
    """Crude Russian stems: lower case, ё→е, words of four letters or more cut to five characters."""
    stops = set(stop)
    out = set()
    for w in re.findall(r"\w+", (text or "").lower().replace("ё", "е")):
        if len(w) >= 4 and w[:5] not in stops:
            out.add(w[:5])
    return frozenset(out)
