"""`absorb`: where one article's new mentions go among groups that are already components (plain data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from workers.registry import EventMention, events_link, link_events
from workers.registry.cluster import absorb

D = date(2026, 10, 20)
TOKAYEV, XI, LI, PUTIN = "Касым-Жомарт Токаев", "Си Цзиньпин", "Ли Цян", "Владимир Путин"


def ev(article: int, ord_: int = 0, *, day: int = 0, who: tuple[str, ...] = (TOKAYEV, XI),
       type_: str = "visit", location: str | None = "Пекин") -> EventMention:
    return EventMention(article_id=article, ord=ord_, type=type_, status="occurred", published=D + timedelta(days=day),
                        location=location, countries=("CN", "KZ"), participants=who)


def labelled(groups: list[list[EventMention]]) -> dict[tuple[int, int], int]:
    return {m.key: i for i, g in enumerate(groups) for m in g}


def test_a_mention_linking_two_groups_merges_them_and_one_linking_none_stands_alone() -> None:
    # Tokayev–Xi on day 0, Xi–Li on day 1: two groups (no shared name), until a report naming Tokayev and Li
    old = link_events([ev(1), ev(2, who=(XI, LI), location=None, day=5)])
    assert len(old) == 2
    unit = labelled(old)
    bridge = ev(3, day=3, who=(TOKAYEV, LI))
    lone = ev(3, 1, type_="talks")  # nothing of its type around
    joined = absorb([lone, bridge], [m for g in old for m in g], events_link, lambda c: unit[c.key])
    assert [([m.key for m in mine], units) for mine, units in joined] == [([(3, 0)], {0, 1}), ([(3, 1)], set())]


def test_absorbing_one_article_at_a_time_gives_the_components_of_everything() -> None:
    # Random reports of a few visits: linking them one article at a time with absorb (merging the groups each
    # joins) ends with exactly the groups of linking all of them at once, in any arrival order.
    rng = random.Random(19)
    for _ in range(40):
        people = [(TOKAYEV, XI), (XI, LI), (TOKAYEV, LI), (PUTIN, TOKAYEV), (PUTIN, XI)]
        mentions = [ev(a, o, day=rng.randrange(0, 30), who=rng.choice(people),
                       type_=rng.choice(["visit", "talks"]), location=rng.choice(["Пекин", "Астана", None]))
                    for a in range(1, 13) for o in range(rng.randrange(1, 3))]
        order = sorted({m.article_id for m in mentions}, key=lambda _: rng.random())
        groups: list[list[EventMention]] = []
        for a in order:
            new = [m for m in mentions if m.article_id == a]
            unit = labelled(groups)
            joined = absorb(new, [m for g in groups for m in g], events_link, lambda c, u=unit: u[c.key])
            taken = {i for _, units in joined for i in units}
            groups = [g for i, g in enumerate(groups) if i not in taken] + [
                mine + [m for i in sorted(units) for m in groups[i]] for mine, units in joined]
        assert sorted(sorted(m.key for m in g) for g in groups) == sorted(
            sorted(m.key for m in g) for g in link_events(mentions))
