"""Extract stage: CleanDoc → the extraction contract object (events, agreements, people, bodies, figures).

`extract_document` is the only entry point; `warm_up` loads natasha and the gazetteer once per process.
"""

from __future__ import annotations

import gc

from workers.extract import gazetteer, nlp
from workers.extract.document import detect_language, extract_document
from workers.settings import Settings

__all__ = ["detect_language", "extract_document", "warm_up"]


def warm_up(settings: Settings) -> None:
    nlp.warm_up()
    gazetteer.default(settings.seeds_dir)
    # Everything alive now (models, vocabularies, gazetteer, and in a pool child all of Celery) lives as long
    # as the process: move it out of the collector's reach. Full collections in an NLP pool child scanned
    # ~190,000 such objects, ~2 ms per article, and analysis ran ~7 % slower there than in a plain loop
    # (bench/LOG.md#hot-spot-20).
    gc.freeze()
