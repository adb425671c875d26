"""Bench: PER/LOC/ORG mention F1 on factRuEval-2016 (testset), our entities vs natasha NER alone.

Usage: .venv/bin/python bench/factru.py [DIR] [--limit N]
Objects: Person→PER, Location and LocOrg→LOC, Org→ORG; a mention is the extent of its spans, matched
exactly (type, start, end). Prints precision/recall/F1 per class for both systems.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = {"Person": "PER", "Location": "LOC", "LocOrg": "LOC", "Org": "ORG"}


def gold_mentions(base: Path) -> set[tuple[str, int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    for line in base.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
        parts = line.split("#")[0].split()
        if len(parts) >= 4:
            spans[parts[0]] = (int(parts[2]), int(parts[2]) + int(parts[3]))
    out = set()
    for line in base.with_suffix(".objects").read_text(encoding="utf-8").splitlines():
        parts = line.split("#")[0].split()
        if len(parts) < 3 or parts[1] not in TYPES:
            continue
        ext = [spans[s] for s in parts[2:] if s in spans]
        if ext:
            out.add((TYPES[parts[1]], min(e[0] for e in ext), max(e[1] for e in ext)))
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default=str(ROOT.parent / "shared" / "data" / "factRuEval-2016" / "testset"))
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"factRuEval testset not found at {directory}")
        return 1
    from workers.extract import entities, gazetteer, nlp
    from workers.settings import get_settings

    nlp.warm_up()
    gaz = gazetteer.default(get_settings().seeds_dir)
    files = sorted(p for p in directory.glob("*.txt") if p.with_suffix(".objects").exists())
    if args.limit:
        files = files[: args.limit]
    counts: dict[str, Counter[str]] = {"natasha": Counter(), "silkwire": Counter()}
    t0 = time.perf_counter()
    for path in files:
        text = path.read_text(encoding="utf-8")
        gold = gold_mentions(path.with_suffix(""))
        a = nlp.analyse(text)
        raw = nlp._analyse(text)  # natasha alone: no glued-word repair, no rules, no gazetteer
        systems = {
            "natasha": {(s.type, s.start, s.stop) for s in raw.spans},
            "silkwire": set(entities.mention_spans(a, entities.analyse_entities(a, gaz))),
        }
        for name, pred in systems.items():
            for cls in ("PER", "LOC", "ORG"):
                g = {m for m in gold if m[0] == cls}
                found = {m for m in pred if m[0] == cls}
                counts[name][cls + ":tp"] += len(g & found)
                counts[name][cls + ":fp"] += len(found - g)
                counts[name][cls + ":fn"] += len(g - found)
    print(f"factRuEval-2016 {directory.name}: {len(files)} documents, {time.perf_counter() - t0:.1f} s")
    print(f"{'class':6} {'system':9} {'precision':>9} {'recall':>7} {'f1':>6}")
    for cls in ("PER", "LOC", "ORG"):
        for name in ("natasha", "silkwire"):
            c = counts[name]
            p, r, f = prf(c[cls + ":tp"], c[cls + ":fp"], c[cls + ":fn"])
            print(f"{cls:6} {name:9} {p:9.4f} {r:7.4f} {f:6.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
