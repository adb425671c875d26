"""Bench: extraction throughput on one core after warm-up, and peak RSS.

Usage: .venv/bin/python bench/extract_speed.py [TEXT_FILE] [--seconds 10]
Without a file, a 4–6 KB press release is assembled from the dev set (or the shared seed article).
Prints docs/s, ms per document and peak RSS in MB (targets: ≥ 15 docs/s, ≤ 400 MB).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def sample_texts(path: str | None) -> list[str]:
    if path:
        return [Path(path).read_text(encoding="utf-8")]
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "extraction" / "devset").glob("*.txt"))]
    seed = ROOT.parent / "shared" / "seeds" / "000_26ebbd2a5ad7ecf1.txt"
    if seed.exists():
        texts.append(seed.read_text(encoding="utf-8"))
    # glue short reports together until each sample is 4–6 KB, like a long press release
    out: list[str] = []
    buf = ""
    for t in texts:
        buf += t.strip() + "\n\n"
        if len(buf.encode("utf-8")) >= 4096:
            out.append(buf[:3000] if len(buf.encode("utf-8")) > 6144 else buf)
            buf = ""
    return out or ([buf] if buf else [])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    from workers.extract import extract_document, warm_up
    from workers.models import CleanDoc
    from workers.settings import get_settings

    settings = get_settings()
    texts = sample_texts(args.file)
    if not texts:
        print("no sample text")
        return 1
    t0 = time.perf_counter()
    warm_up(settings)
    print(f"warm-up {time.perf_counter() - t0:.2f} s")
    docs = [CleanDoc(text=t) for t in texts]
    for d in docs:  # first pass fills the morphology caches, as a long-running worker has them
        extract_document(d, settings=settings)
    sizes = [len(d.text.encode("utf-8")) for d in docs]
    from workers.extract import nlp

    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < args.seconds:
        extract_document(docs[n % len(docs)], settings=settings)
        n += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    # natasha alone on the same texts: what part of the time is ours (the machine may be shared)
    c1 = time.process_time()
    for k in range(n):
        nlp._analyse(docs[k % len(docs)].text)
    nat = time.process_time() - c1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"samples {len(docs)} of {min(sizes)}–{max(sizes)} bytes")
    print(f"{n} docs in {dt:.1f} s wall: {n / dt:.1f} docs/s, {1000 * dt / n:.1f} ms/doc")
    print(f"CPU time: {n / cpu:.1f} docs/s, {1000 * cpu / n:.1f} ms/doc "
          f"(natasha segment+morph+ner alone {1000 * nat / n:.1f} ms/doc)")
    print(f"peak RSS {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
