"""Linking one article at a time keeps the registry what a rebuild computes, whatever happened in between:
random arrivals, re-extractions whose link comes later, redeliveries. And an unchanged article links for free."""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.registry_data import TOKAYEV, XI, add_report, event, link, memo, restore, result, snapshot
from workers.db.registry import rebuild

pytestmark = pytest.mark.integration

LI, PUTIN, ALIKHAN = "Ли Цян", "Владимир Путин", "Алихан Смаилов"
DAY0 = date(2026, 9, 1)
# Random histories tried; a few hundred locally (SILKWIRE_REGISTRY_SEEDS=300) before changing linking.
SEEDS = int(os.environ.get("SILKWIRE_REGISTRY_SEEDS", "12"))


def _random_result(rng: random.Random) -> dict[str, Any]:
    pairs = [(TOKAYEV, XI), (XI, LI), (TOKAYEV, LI), (PUTIN, TOKAYEV), (ALIKHAN,)]
    events = [event(rng.choice(["visit", "talks", "visit"]), rng.choice(["occurred", "occurred", "planned"]),
                    location=rng.choice(["Пекин", "Астана", None]), who=rng.choice(pairs),
                    when=rng.choice([None, None, str(DAY0 + timedelta(days=rng.randrange(0, 40)))]))
              for _ in range(rng.randrange(0, 3))]
    subjects = ["сотрудничество в области возобновляемой энергетики", "поставки зерна через Хоргос"]
    agreements = [memo(rng.choice(["planned", "signed"]), rng.choice(subjects)) for _ in range(rng.randrange(0, 2))]
    return result(events, agreements, relevant=rng.random() > 0.1)


@pytest.mark.parametrize("seed", range(SEEDS))
def test_a_random_history_ends_where_a_rebuild_does(db: Any, seed: int) -> None:
    rng = random.Random(seed)
    ids: list[int] = []
    dirty: set[int] = set()  # re-extracted (or new) since its last link: its link message is still queued
    for step in range(40):
        roll = rng.random()
        if roll < 0.3 or not ids:  # a new article arrives; now and then a reprint of an earlier one
            original = rng.choice(ids) if ids and rng.random() < 0.2 else None
            a = add_report(db, 1000 * seed + step, DAY0 + timedelta(days=rng.randrange(0, 40)), _random_result(rng),
                           outlet=rng.choice(["Акорда", "Синьхуа", "Казинформ"]), near_dup_of=original)
            ids.append(a)
            dirty.add(a)
        elif roll < 0.55:  # re-extracted: its link comes later, other links may run first
            a = rng.choice(ids)
            restore(db, a, _random_result(rng))
            dirty.add(a)
        elif roll < 0.9 and dirty:  # a queued link runs
            a = rng.choice(sorted(dirty))
            link(db, a)
            dirty.discard(a)
        else:  # a redelivery of some article's link
            link(db, rng.choice(ids))
    for a in rng.sample(sorted(dirty), len(dirty)):  # the queue drains
        link(db, a)
    linked = snapshot(db)
    with db.transaction():
        rebuild(db)
    # the same records with the same ids: a rebuild keeps a record's id when its group is unchanged
    assert snapshot(db) == linked


def test_linking_an_unchanged_article_again_writes_nothing(db: Any) -> None:
    a = add_report(db, 1, DAY0, result([event("visit")], [memo()]))
    b = add_report(db, 2, DAY0 + timedelta(days=1), result([event("visit", location=None)], [memo()]))
    assert link(db, a) != {"events": [], "agreements": []}
    written = link(db, b)
    assert written["events"] and written["agreements"]
    before = snapshot(db)
    assert link(db, b) == {"events": [], "agreements": []}  # a redelivery
    restore(db, b, result([event("visit", location=None)], [memo()]))  # re-extracted, the same result
    assert link(db, b) == {"events": [], "agreements": []}
    assert snapshot(db) == before
    restore(db, b, result([event("visit", location="Шанхай")], [memo()]))  # now it says something else
    assert link(db, b)["events"]
    assert len(snapshot(db)["events"]) == 2


def test_a_record_touched_after_a_member_changed_is_recomputed_from_what_it_says_now(db: Any) -> None:
    # Two reports of one visit; the second is re-extracted as talks, and before its own link runs a third
    # report of the visit arrives and is linked.
    a = add_report(db, 1, DAY0, result([event("visit")]))
    b = add_report(db, 2, DAY0, result([event("visit")]))
    link(db, a)
    link(db, b)
    restore(db, b, result([event("talks")]))
    c = add_report(db, 3, DAY0 + timedelta(days=1), result([event("visit")]))
    link(db, c)
    # the visit's record holds what a and c say now, and b's talks are already a record of their own
    by_type = {e["type"]: [r[0] for r in e["reports"]] for e in snapshot(db)["events"]}
    assert by_type == {"visit": [a, c], "talks": [b]}
    # b's own link, when it comes, still runs (its report kept the fingerprint of its last link) and agrees
    before = snapshot(db)
    assert link(db, b)["events"]
    assert snapshot(db) == before
    with db.transaction():
        rebuild(db)
    assert snapshot(db) == before
