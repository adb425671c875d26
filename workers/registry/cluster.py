"""Connected components of a pairwise link relation, and stable ids for them across recomputations."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar


class _Keyed(Protocol):
    @property
    def key(self) -> tuple[int, int]: ...

    @property
    def day(self) -> object: ...


M = TypeVar("M", bound=_Keyed)


def components(mentions: Sequence[M], linked: Callable[[M, M], bool]) -> list[list[M]]:
    """Groups of mentions joined by `linked` (symmetric), each in key order, groups in first-key order.

    Order independent: the same mentions in any order give the same groups.
    """
    items = sorted(mentions, key=lambda m: m.key)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if find(i) != find(j) and linked(items[i], items[j]):
                parent[max(find(i), find(j))] = min(find(i), find(j))
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
