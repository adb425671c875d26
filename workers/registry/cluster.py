"""Connected components of a pairwise link relation, and stable ids for them across recomputations."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
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
L = TypeVar("L", bound=Hashable)
# Labels `absorb` gives the new mentions, apart from any unit label a caller picks.
_NEW = object()


def components(mentions: Sequence[M], linked: Callable[[M, M], bool], *, block: Callable[[M], str],
               max_gap_days: int) -> list[list[M]]:
    """Groups of mentions joined by `linked` (symmetric), each in key order, groups in first-key order.

    `linked` may join two mentions only when they share a `block` (their type or kind) and either lie at
    most `max_gap_days` apart or are one mention at the same place in an article and its reprint
    (`near_dup_of`, same ord): only those pairs are candidates, with exactly the groups of trying every pair.
    Each group is grown by a search that tries a member only against mentions no group holds yet, so a dense
    group (every report links every other: one visit in 500 reports) costs about one try per member instead
    of one per pair. Order independent: the same mentions in any order give the same groups.
    """
    items = sorted(mentions, key=lambda m: m.key)
    # Reprints: the original's mention and every reprint's mention at the same place, whatever their days.
    at: dict[tuple[int, int, str], list[int]] = {}
    for i, m in enumerate(items):
        at.setdefault((m.article_id, m.ord, block(m)), []).append(i)
        if m.near_dup_of is not None:
            at.setdefault((m.near_dup_of, m.ord, block(m)), []).append(i)
    # Everything else: within a block, the mentions at most max_gap_days away (found by bisection on days).
    by_block: dict[str, list[int]] = {}
    for i, m in enumerate(items):
        by_block.setdefault(block(m), []).append(i)
    for members in by_block.values():
        members.sort(key=lambda i: (items[i].day, i))
    days = {b: [items[i].day.toordinal() for i in members] for b, members in by_block.items()}

    def candidates(m: M) -> Iterable[int]:
        b, day = block(m), m.day.toordinal()
        members = by_block[b]
        yield from members[bisect_left(days[b], day - max_gap_days):bisect_right(days[b], day + max_gap_days)]
        yield from at.get((m.article_id, m.ord, b), ())
        if m.near_dup_of is not None:
            yield from at.get((m.near_dup_of, m.ord, b), ())

    free = set(range(len(items)))
    groups: list[list[M]] = []
    for first in range(len(items)):  # in key order: groups come out in first-key order
        if first not in free:
            continue
        free.discard(first)
        group, todo = [first], [first]
        while todo:
            m = items[todo.pop()]
            for j in candidates(m):
                if j in free and linked(m, items[j]):
                    free.discard(j)
                    group.append(j)
                    todo.append(j)
        groups.append([items[i] for i in sorted(group)])
    return groups


def absorb(new: Sequence[M], candidates: Sequence[M], linked: Callable[[M, M], bool],
           unit: Callable[[M], L]) -> list[tuple[list[M], set[L]]]:
    """Where one article's new mentions go among groups that are already connected components.

    `candidates` are the mentions any of `new` may link to, each in the group `unit(c)` names. Every
    (new, candidate) pair is tried, and a new mention joins the groups of the candidates it links to, so
    groups it bridges merge. Answers, per resulting group that holds new mentions, those mentions (in key
    order) and the units it takes in, groups in first-key order. Mentions of one article never link each
    other (one article lists one encounter once), so they join only through candidates. With `candidates`
    every mention in reach of `new` (the link window and reprints), this is exactly the components a full
    relink would give: the old groups were components, and only edges through `new` are added.
    """
    parent: dict[Hashable, Hashable] = {}

    def find(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    mine = sorted(new, key=lambda m: m.key)
    labels = {m.key: (_NEW, m.key) for m in mine}
    for m in mine:
        here = find(labels[m.key])
        for c in candidates:
            if linked(m, c):
                there = find(unit(c))
                if there != here:
                    parent[there] = here
    out: dict[Hashable, tuple[list[M], set[L]]] = {}
    for m in mine:
        out.setdefault(find(labels[m.key]), ([], set()))[0].append(m)
    ours = set(labels.values())
    for label in list(parent):
        root = find(label)
        if root in out and label not in ours:
            out[root][1].add(label)  # type: ignore[arg-type]  # not one of ours: a unit label
    return list(out.values())


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
