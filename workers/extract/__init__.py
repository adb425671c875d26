"""Extract stage: CleanDoc → the extraction contract object (events, agreements, people, bodies, figures).

`extract_document` is the only entry point; `warm_up` loads natasha and the gazetteer once per process.
"""

from __future__ import annotations

from workers.extract.document import detect_language, extract_document

__all__ = ["detect_language", "extract_document", "warm_up"]


def warm_up() -> None:
    from workers.extract import gazetteer, nlp

    nlp.warm_up()
    gazetteer.default()
