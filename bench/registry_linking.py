"""Bench: registry linking quality on its dev set (bench/registry_devset), extraction included.

Usage: .venv/bin/python bench/registry_linking.py [--verbose] [--no-real] [--speed N]
With ../shared beside the project, three real reports of one 2018 visit join them (read in place).
Each text is extracted with the workers' code, its mentions are linked by `workers.registry`, and the
groups are scored against the labels of groups.toml: B-cubed precision/recall/F1 for events and for
agreements, and pairwise F1 for agreement linking (targets: B-cubed F1 ≥ 0.90 on both).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Hashable, Sequence
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEVSET = ROOT / "bench" / "registry_devset"
REAL_DEV = ROOT.parent / "shared" / "data" / "real-dev" / "docs"

from workers.registry import link_agreements, link_events  # noqa: E402 - after the path is set
from workers.registry.mentions import article_mentions  # noqa: E402
from workers.registry.models import Key  # noqa: E402


def bcubed(predicted: Sequence[Sequence[Key]], gold: dict[Key, Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a partition of mentions against their gold labels."""
    cluster_of = {k: i for i, group in enumerate(predicted) for k in group}
    keys = list(cluster_of)
    if not keys:
        return 1.0, 1.0, 1.0
    p = r = 0.0
    for k in keys:
        mine = {x for x in keys if cluster_of[x] == cluster_of[k]}
        same = {x for x in keys if gold[x] == gold[k]}
        both = len(mine & same)
        p += both / len(mine)
        r += both / len(same)
    p, r = p / len(keys), r / len(keys)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pairwise(predicted: Sequence[Sequence[Key]], gold: dict[Key, Hashable]) -> tuple[float, float, float]:
    """Precision, recall and F1 over the pairs of mentions put in one group."""
    pred = {frozenset(pair) for group in predicted for pair in combinations(group, 2)}
    true = {frozenset(pair) for pair in combinations(gold, 2) if gold[min(pair)] == gold[max(pair)]}
    tp = len(pred & true)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(true) if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _label(d: dict[str, Any], article_id: int, text: str, events: list[Any], agreements: list[Any],
           gold_ev: dict[Key, Hashable], gold_ag: dict[Key, Hashable], near_dup_of: int | None) -> None:
    """Extract one labelled document and add its mentions and their gold labels."""
    from workers.clean import clean_text
    from workers.extract import extract_document
    from workers.settings import get_settings

    settings = get_settings()
    result = extract_document(clean_text(text, settings=settings), settings=settings)
    ev, ag = article_mentions(article_id, result, published=date.fromisoformat(d["published"]),
                              outlet=d["outlet"], near_dup_of=near_dup_of)
    labels = d.get("events", {})
    for m in ev:
        gold_ev[m.key] = labels.get(m.type, m.key)
    for m in ag:
        label: Hashable = m.key
        for spec, name in d.get("agreements", {}).items():
            kind, word = spec.split(":", 1)
            if m.kind == kind and word in (m.subject or m.title or ""):
                label = name
        gold_ag[m.key] = label
    events += ev
    agreements += ag


def load(devset: Path = DEVSET, real: bool = True) -> tuple[list[Any], list[Any], dict[Key, Hashable],
                                                           dict[Key, Hashable]]:
    """Extract every dev-set text; answers (event mentions, agreement mentions, gold events, gold agreements)."""
    spec = tomllib.loads((devset / "groups.toml").read_text(encoding="utf-8"))
    docs = spec["doc"]
    ids = {d["file"]: i + 1 for i, d in enumerate(docs)}
    events: list[Any] = []
    agreements: list[Any] = []
    gold_ev: dict[Key, Hashable] = {}
    gold_ag: dict[Key, Hashable] = {}
    for d in docs:
        _label(d, ids[d["file"]], (devset / d["file"]).read_text(encoding="utf-8"), events, agreements, gold_ev,
               gold_ag, ids.get(d.get("near_dup_of", "")))
    if real and REAL_DEV.is_dir():
        for i, d in enumerate(spec.get("real", [])):
            _label(d, 1000 + i, (REAL_DEV / f"{d['doc']}.txt").read_text(encoding="utf-8"), events, agreements,
                   gold_ev, gold_ag, None)
    return events, agreements, gold_ev, gold_ag


def speed(n: int) -> None:
    """Linking time of `n` synthetic visit mentions over a year (the work of one rebuild of that many)."""
    import random
    import time
    from datetime import timedelta

    from workers.registry import EventMention

    rng = random.Random(15)
    people = [f"Лидер {i}" for i in range(40)]
    mentions = [EventMention(article_id=i, ord=0, type=rng.choice(("visit", "talks", "meeting", "signing")),
                             status="occurred", published=date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
                             location=rng.choice(("Пекин", "Астана", None)), countries=("CN", "KZ"),
                             participants=tuple(rng.sample(people, 2))) for i in range(n)]
    started = time.perf_counter()
    groups = link_events(mentions)
    took = time.perf_counter() - started
    print(f"  linking speed: {n} mentions into {len(groups)} events in {took:.2f} s ({took / n * 1000:.2f} ms each)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verbose", action="store_true", help="print every predicted group")
    ap.add_argument("--no-real", action="store_true", help="leave out the real-dev reports (../shared)")
    ap.add_argument("--speed", type=int, default=0, metavar="N", help="also time linking N synthetic mentions")
    args = ap.parse_args()
    events, agreements, gold_ev, gold_ag = load(real=not args.no_real)
    ev_groups = [[m.key for m in g] for g in link_events(events)]
    ag_groups = [[m.key for m in g] for g in link_agreements(agreements)]
    if args.verbose:
        for g in link_events(events):
            print("event", g[0].type, [(m.article_id, m.status, str(m.day), str(gold_ev[m.key])) for m in g])
        for g in link_agreements(agreements):
            print("agreement", g[0].kind, [(m.article_id, m.status, str(gold_ag[m.key])) for m in g])
    print(f"registry linking dev set: {len({k[0] for k in gold_ev})} articles, {len(events)} event mentions in"
          f" {len(set(gold_ev.values()))} gold events, {len(agreements)} agreement mentions in"
          f" {len(set(gold_ag.values()))} gold agreements; predicted {len(ev_groups)} events, {len(ag_groups)}"
          " agreements")
    for name, scores in (("events B-cubed", bcubed(ev_groups, gold_ev)),
                         ("agreements B-cubed", bcubed(ag_groups, gold_ag)),
                         ("agreements pairwise", pairwise(ag_groups, gold_ag))):
        p, r, f = scores
        print(f"  {name:20} P={p:.3f} R={r:.3f} F1={f:.3f}")
    if args.speed:
        speed(args.speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
