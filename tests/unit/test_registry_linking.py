"""The registry's linking rules on plain data: which mentions are one event or agreement, and what the
canonical record says; order independence; stable ids; the bench's clustering scores."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from workers.registry import (
    AgreementMention,
    EventMention,
    assign_ids,
    link_agreements,
    link_events,
    summarise_agreement,
    summarise_event,
)
from workers.registry.mentions import article_mentions

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from registry_linking import bcubed, pairwise

D = date(2026, 10, 20)
TOKAYEV, XI, LI = "Касым-Жомарт Токаев", "Си Цзиньпин", "Ли Цян"


def ev(article: int, type_: str = "visit", status: str = "occurred", day: int = 0, *, who: tuple[str, ...] = (
        TOKAYEV, XI), location: str | None = "Пекин", when: date | None = None, dup: int | None = None) -> EventMention:
    return EventMention(article_id=article, ord=0, type=type_, status=status, published=D + timedelta(days=day),
                        event_date=when, location=location, countries=("CN", "KZ"), participants=who,
                        near_dup_of=dup)


def groups(mentions: list[EventMention]) -> list[list[int]]:
    return [[m.article_id for m in g] for g in link_events(mentions)]


def test_reports_of_one_visit_link_and_an_announcement_a_week_before_joins_them() -> None:
    mentions = [ev(1, "visit", "planned", -7, location="Китай"), ev(2), ev(3, day=1, location=None), ev(4, day=1)]
    assert groups(mentions) == [[1, 2, 3, 4]]
    canonical = summarise_event(link_events(mentions)[0])
    assert canonical.status == "occurred" and canonical.location == "Пекин" and canonical.event_date == D
    assert canonical.first_report == (1, 0) and canonical.last_report_at == D + timedelta(days=1)


def test_two_visits_of_one_president_a_month_apart_stay_two() -> None:
    assert groups([ev(1), ev(2, day=1), ev(3, day=33, location="Шанхай"), ev(4, day=32, location="Шанхай")]) == [
        [1, 2], [3, 4]]
    # even when neither report names a place
    assert groups([ev(1, location=None), ev(2, day=30, location=None)]) == [[1], [2]]


def test_an_announcement_after_the_event_or_a_month_before_it_is_another_event() -> None:
    assert groups([ev(1), ev(2, "visit", "planned", 5)]) == [[1], [2]]
    assert groups([ev(1, "visit", "planned", -30), ev(2)]) == [[1], [2]]


def test_type_place_and_people_keep_events_apart() -> None:
    assert groups([ev(1, "visit"), ev(2, "talks")]) == [[1], [2]]  # a visit and its talks are two events
    assert groups([ev(1), ev(2, location="Астана")]) == [[1], [2]]
    assert groups([ev(1, "meeting", who=(TOKAYEV, XI)), ev(2, "meeting", who=(LI, "Олжас Бектенов"))]) == [[1], [2]]
    # the same event said in other words: "в Пекине" and a person named twice
    assert groups([ev(1, location="Пекине", who=(XI,)), ev(2, who=(XI, TOKAYEV))]) == [[1, 2]]


def test_an_explicit_date_beats_the_publication_day() -> None:
    # published a week apart, both dated the 20th
    assert groups([ev(1, when=D), ev(2, day=7, when=D)]) == [[1, 2]]
    assert groups([ev(1, "visit", "planned", -10, when=D), ev(2)]) == [[1, 2]]


def test_a_reprint_is_one_more_report_whatever_it_says() -> None:
    assert groups([ev(1), ev(2, day=9, location="Астана", dup=1)]) == [[1, 2]]
    # two meetings in the original and in its reprint stay two events, each with its reprinted report
    original = [ev(1, "meeting", who=(TOKAYEV,), location="Астана"), replace(ev(1, "meeting", who=(LI,)), ord=1)]
    reprint = [replace(m, article_id=2, near_dup_of=1, location=None) for m in original]
    assert [[m.key for m in g] for g in link_events(original + reprint)] == [[(1, 0), (2, 0)], [(1, 1), (2, 1)]]


def test_called_off_is_negated_unless_a_report_says_it_happened() -> None:
    called_off = link_events([ev(1, "visit", "planned", -7), ev(2, "visit", "negated", -3)])
    assert [summarise_event(g).status for g in called_off] == ["negated"]
    happened = link_events([ev(1, "visit", "planned", -7), ev(2)])
    assert summarise_event(happened[0]).status == "occurred"


def test_linking_does_not_depend_on_arrival_order() -> None:
    mentions = [ev(i, day=(i * 7) % 40, location=("Пекин", "Шанхай", None)[i % 3]) for i in range(1, 25)]
    expected = groups(mentions)
    for seed in range(5):
        random.Random(seed).shuffle(mentions)
        assert groups(mentions) == expected


def ag(article: int, status: str = "signed", subject: str = "сотрудничество в области возобновляемой энергетики",
       day: int = 0, kind: str = "memorandum", parties: tuple[str, ...] = ("Минэнерго РК", "НЭУ КНР")
       ) -> AgreementMention:
    return AgreementMention(article_id=article, ord=0, kind=kind, status=status, published=D + timedelta(days=day),
                            subject=subject, countries=("CN", "KZ"), parties=parties)


def test_agreements_link_by_kind_subject_and_parties_and_keep_every_step() -> None:
    mentions = [ag(1, "planned", day=-40), ag(2), ag(3, "planned", day=3), ag(4, "ratified", day=200),
                ag(5, subject="сотрудничество в области цифровой экономики"), ag(6, kind="agreement"),
                ag(7, parties=("Акимат Туркестанской области", "China Power"))]
    assert [[m.article_id for m in g] for g in link_agreements(mentions)] == [[1, 2, 3, 4], [5], [6], [7]]
    canonical = summarise_agreement(link_agreements(mentions)[0])
    assert canonical.status == "ratified"  # the latest step reached wins; the late "planned" report stays listed
    assert [(s.step, s.step_date, len(s.reports)) for s in canonical.steps] == [
        ("planned", D - timedelta(days=40), 2), ("signed", D, 1), ("ratified", D + timedelta(days=200), 1)]


def test_ids_stay_with_their_group_and_a_split_keeps_the_older_on_one_side() -> None:
    fresh = iter(range(100, 200))
    assert assign_ids([[3, None], [None], [5, 3], [7, 7]], lambda: next(fresh)) == [3, 100, 5, 7]


def test_article_mentions_read_the_contract_and_put_totals_on_the_signing() -> None:
    result = {
        "kz_cn": {"relevant": True},
        "events": [{"type": "visit", "status": "occurred", "participants": [{"name": TOKAYEV, "country": "KZ"}]},
                   {"type": "call", "status": "occurred", "participants": [{"name": "Путин", "country": "RU"}]},
                   {"type": "signing", "status": "occurred", "participants": [{"name": XI, "country": "CN"}]}],
        "agreements": [{"kind": "memorandum", "status": "signed", "parties": [{"name": "x", "country": "CN"}]},
                       "not an object"],
        "agreement_totals": [{"count": 52, "kind": "document", "value": 2.1e10, "currency": "USD",
                              "evidence": {"text": "52 документа"}}],
    }
    events, agreements = article_mentions(9, result, published=D, outlet="Акорда")
    assert [(m.ord, m.type) for m in events] == [(0, "visit"), (2, "signing")]  # a Russia-only call is out of scope
    assert events[1].totals == ({"count": 52, "kind": "document", "value": 2.1e10, "currency": "USD",
                                 "text": "52 документа"},) and events[0].totals == ()
    assert [(m.ord, m.kind) for m in agreements] == [(0, "memorandum")]
    assert article_mentions(9, {**result, "kz_cn": {"relevant": False}}, published=D, outlet=None) == ([], [])


def test_bcubed_and_pairwise_scores() -> None:
    gold = {(1, 0): "a", (2, 0): "a", (3, 0): "b"}
    assert bcubed([[(1, 0), (2, 0)], [(3, 0)]], gold) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed([[(1, 0), (2, 0), (3, 0)]], gold)
    assert (round(p, 3), r) == (0.556, 1.0)
    assert pairwise([[(1, 0)], [(2, 0)], [(3, 0)]], gold)[:2] == (1.0, 0.0)


def _every_pair(mentions: list[EventMention]) -> list[list[tuple[int, int]]]:
    """Connected components by trying every pair: what the windowed linking must equal."""
    from workers.registry.events import events_link

    items = sorted(mentions, key=lambda m: m.key)
    group = {m.key: {m.key} for m in items}
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if events_link(a, b) and group[a.key] is not group[b.key]:
                merged = group[a.key] | group[b.key]
                for k in merged:
                    group[k] = merged
    return sorted(sorted(g) for g in {id(g): g for g in group.values()}.values())


def test_windowed_linking_equals_trying_every_pair() -> None:
    rng = random.Random(15)
    for _ in range(20):
        mentions = []
        for article in range(1, 60):
            for ord_ in range(rng.randrange(1, 3)):
                m = ev(article, rng.choice(("visit", "talks")), rng.choice(("occurred", "occurred", "planned")),
                       rng.randrange(-40, 40), who=tuple(rng.sample((TOKAYEV, XI, LI), 1)),
                       location=rng.choice(("Пекин", "Астана", None)),
                       dup=rng.choice((None,) * 8 + (max(1, article - 1),)))
                mentions.append(replace(m, ord=ord_))
        assert sorted(sorted(m.key for m in g) for g in link_events(mentions)) == _every_pair(mentions)
