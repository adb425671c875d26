"""Bench: extraction time against text size on adversarial input (security audit #17, finding 5).

Usage: .venv/bin/python bench/extract_adversarial.py [--sizes 12500,50000,100000,200000] [--full]
The text is made of distinct unknown long capitalised words, each once: the worst case for the glued-word
repair, which once copied the whole set of the text's stems for every such word (quadratic: 200 k characters
took 89 s). Prints seconds for `nlp.repair` alone and, with --full, for the whole extraction. Figures only;
no test times anything.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_LETTERS = "бвгджзклмнпрстфхцчшщ"
_VOWELS = "аеиоуыэюя"


def adversarial(size: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    words: list[str] = []
    total = 0
    seen: set[str] = set()
    while total < size:
        w = "".join(rnd.choice(_LETTERS) + rnd.choice(_VOWELS) for _ in range(rnd.randint(4, 7)))
        if w in seen:
            continue
        seen.add(w)
        words.append(w.capitalize())
        total += len(w) + 1
    return " ".join(words)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="12500,50000,100000,200000")
    ap.add_argument("--full", action="store_true", help="also time extract_document on each text")
    args = ap.parse_args()
    from workers.extract import extract_document, nlp, warm_up
    from workers.models import CleanDoc
    from workers.settings import get_settings

    settings = get_settings()
    warm_up(settings)
    cap = settings.max_text_chars
    print(f"{'chars':>8} {'repair s':>9} {'extract s':>10}")
    for size in (int(x) for x in args.sizes.split(",")):
        text = adversarial(size)
        t0 = time.perf_counter()
        nlp.repair(text)
        t_repair = time.perf_counter() - t0
        t_full = ""
        if args.full:
            t0 = time.perf_counter()
            extract_document(CleanDoc(text=text), settings=settings)
            t_full = f"{time.perf_counter() - t0:10.2f}"
        note = "  (past max_text_chars: truncated)" if len(text) > cap else ""
        print(f"{len(text):>8} {t_repair:9.3f} {t_full}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
