"""Bench: clean_html over the article-extraction benchmark, scored with its shingle F1; prints docs/s.

    .venv/bin/python bench/clean_quality.py [--favor-precision] [--raw] [--limit N]
    .venv/bin/python bench/clean_quality.py --hostile     # time the guard on pages built to hurt lxml

Scoring follows the benchmark's evaluate.py: 4-token shingles (tokens = \\w+), multiset TP/FP/FN
normalised per document, precision and recall averaged over documents, F1 from the two means.
Published for trafilatura 2.0: precision 0.938, recall 0.978, F1 0.958.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.clean import html as clean_html_module  # noqa: E402
from workers.errors import PermanentError  # noqa: E402
from workers.settings import get_settings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def score(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precision = statistics.mean(_precision(*r) for r in rows if r[0] + r[1] > 0)
    recall = statistics.mean(_recall(*r) for r in rows if r[0] + r[2] > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def hostile() -> int:
    """Time clean_html on synthetic hostile pages: each must end quickly, quarantined or cleaned."""
    filler = "<p>" + "Казахстан и Китай обсудили транзит. " * 20 + "</p>"
    cases = {
        "100k attributes on one tag": "<html><body><div " + " ".join(f"a{i}=1" for i in range(100_000)) + ">x</div>",
        "300 tags x 999 attributes": "<html><body>" + ("<i " + " ".join(f"a{i}" for i in range(999)) + ">x</i>") * 300,
        "50k nested divs": "<html><body>" + "<div>" * 50_000 + filler + "</div>" * 50_000,
        "900k unclosed '<a '": "<html><body>" + filler + "<a " * 900_000,
        "NUL bytes": "<html><body>" + (filler + "\x00" * 1000) * 50,
        "2.7 MB of Cyrillic text": "<html><body>" + filler * 2000,
        "10 MB inline script": "<html><body>" + filler + "<script>" + "x" * 10_000_000 + "</script>",
    }
    for name, page in cases.items():
        started = time.perf_counter()
        try:
            doc = clean_html_module.clean_html(page, settings=get_settings(), url="https://example.kz/x")
            outcome = f"cleaned, {len(doc.text)} chars"
        except PermanentError as exc:
            outcome = f"{type(exc).__name__}: {str(exc)[:70]}"
        print(f"{name:28s} {time.perf_counter() - started:7.3f} s  {outcome}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--favor-precision", action="store_true")
    ap.add_argument("--raw", action="store_true", help="plain trafilatura.extract, none of our clean-up")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--hostile", action="store_true", help="time hostile pages instead of the benchmark")
    args = ap.parse_args()
    if args.hostile:
        return hostile()
    if not DATA.is_dir():
        print(f"benchmark data not found at {DATA}")
        return 1
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[: args.limit or None]
    clean_html_module.FAVOR_PRECISION = args.favor_precision
    pages = {k: gzip.decompress((DATA / "html" / f"{k}.html.gz").read_bytes()) for k in keys}

    rows: list[tuple[float, float, float]] = []
    failures: Counter[str] = Counter()
    started = time.perf_counter()
    for key in keys:
        url = truth[key].get("url")
        try:
            if args.raw:
                import trafilatura

                pred = (
                    trafilatura.extract(
                        pages[key].decode("utf-8", errors="replace"),
                        url=url,
                        include_comments=False,
                        include_tables=False,
                        favor_precision=args.favor_precision,
                    )
                    or ""
                )
            else:
                pred = clean_html_module.clean_html(pages[key], settings=get_settings(), url=url).text
        except PermanentError as exc:
            failures[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
            pred = ""
        rows.append(tp_fp_fn(truth[key].get("articleBody", ""), pred))
    elapsed = time.perf_counter() - started

    precision, recall, f1 = score(rows)
    mode = "raw trafilatura.extract" if args.raw else "clean_html"
    print(f"{mode} favor_precision={args.favor_precision} on {len(keys)} pages")
    print(f"precision={precision:.3f} recall={recall:.3f} F1={f1:.3f}   (published trafilatura 2.0: F1 0.958)")
    print(f"{len(keys) / elapsed:.1f} docs/s ({elapsed:.1f} s, one process)")
    for reason, n in failures.most_common():
        print(f"  failed {n}: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
