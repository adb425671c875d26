"""Extract stage: the only module that touches natasha/pymorphy objects.

Text in, our own frozen `Analysis` (tokens with lemmas, sentences, NER spans) out; models load once per process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_LOCK = threading.Lock()
_MODELS: dict[str, Any] = {}


@dataclass(frozen=True)
class Token:
    start: int
    stop: int
    text: str
    pos: str
    case: str | None
    number: str | None
    tense: str | None
    lemma: str  # context lemma (natasha morph tag + pymorphy), lower-case, ё→е
    sent: int  # index of the sentence


@dataclass(frozen=True)
class Sentence:
    start: int
    stop: int
    first: int  # first token index
    last: int  # one past the last token index


@dataclass(frozen=True)
class NerSpan:
    type: str  # PER, LOC, ORG
    start: int
    stop: int
    text: str
    normal: str
    first: int  # token indices [first, last)
    last: int


@dataclass(frozen=True)
class Analysis:
    text: str
    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]
    spans: tuple[NerSpan, ...]


def _models() -> dict[str, Any]:
    if not _MODELS:
        with _LOCK:
            if not _MODELS:
                from natasha import (
                    MorphVocab,
                    NewsEmbedding,
                    NewsMorphTagger,
                    NewsNERTagger,
                    Segmenter,
                )

                emb = NewsEmbedding()
                _MODELS.update(
                    segmenter=Segmenter(),
                    vocab=MorphVocab(),
                    morph=NewsMorphTagger(emb),
                    ner=NewsNERTagger(emb),
                )
    return _MODELS


def warm_up() -> None:
    """Load natasha models (idempotent); call once per worker process."""
    _models()
    lemma_forms("казахстан")


def norm(word: str) -> str:
    return word.lower().replace("ё", "е")


def analyse(text: str) -> Analysis:
    """Segment, morph-tag and NER-tag `text` once; everything later reads this result."""
    from natasha import Doc

    m = _models()
    doc = Doc(text)
    doc.segment(m["segmenter"])
    doc.tag_morph(m["morph"])
    doc.tag_ner(m["ner"])
    vocab = m["vocab"]
    tokens: list[Token] = []
    sentences: list[Sentence] = []
    si = -1
    for sent in doc.sents:
        si += 1
        first = len(tokens)
        prev_stop = None
        for t in sent.tokens:
            # razdel keeps lines without final punctuation (titles, captions) together: split at newlines
            if prev_stop is not None and "\n" in text[prev_stop:t.start]:
                sentences.append(Sentence(tokens[first].start, prev_stop, first, len(tokens)))
                si += 1
                first = len(tokens)
            prev_stop = t.stop
            feats = t.feats or {}
            tokens.append(
                Token(
                    start=t.start,
                    stop=t.stop,
                    text=t.text,
                    pos=t.pos or "X",
                    case=feats.get("Case"),
                    number=feats.get("Number"),
                    tense=feats.get("Tense"),
                    lemma=_lemma(vocab, t.text, t.pos or "X", tuple(sorted(feats.items()))),
                    sent=si,
                )
            )
        if len(tokens) > first:
            sentences.append(Sentence(tokens[first].start, tokens[-1].stop, first, len(tokens)))
        else:
            si -= 1
    starts = {t.start: i for i, t in enumerate(tokens)}
    stops = {t.stop: i + 1 for i, t in enumerate(tokens)}
    spans: list[NerSpan] = []
    for s in doc.spans:
        if s.start not in starts or s.stop not in stops:
            continue
        s.normalize(vocab)
        spans.append(NerSpan(s.type, s.start, s.stop, s.text, s.normal or s.text, starts[s.start], stops[s.stop]))
    return Analysis(text, tuple(tokens), tuple(sentences), tuple(spans))


@lru_cache(maxsize=200_000)
def _lemma(vocab: Any, word: str, pos: str, feats: tuple[tuple[str, str], ...]) -> str:
    if not any(ch.isalpha() for ch in word):
        return norm(word)
    try:
        return norm(vocab.lemmatize(word, pos, dict(feats)))
    except Exception:  # pymorphy has odd corners; a lemma is never worth a crash
        return norm(word)


@lru_cache(maxsize=200_000)
def lemma_forms(word: str) -> frozenset[str]:
    """All dictionary lemmas of a word form, context-free (used for gazetteer matching)."""
    w = norm(word)
    if not any(ch.isalpha() for ch in w):
        return frozenset({w})
    vocab = _models()["vocab"]
    out = {w}
    for p in vocab.parse(w)[:4]:
        out.add(norm(p.normal_form))
    return frozenset(out)


@lru_cache(maxsize=100_000)
def is_known(word: str) -> bool:
    return bool(_models()["vocab"].word_is_known(norm(word)))


@lru_cache(maxsize=100_000)
def to_nominative(word: str, case: str | None = None, plural: bool | None = None) -> str:
    """Inflect one word to nominative, keeping number; `case` (UD) prefers the matching parse."""
    if not any(ch.isalpha() for ch in word):
        return word
    vocab = _models()["vocab"]
    ud = {"Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct", "Nom": "nomn"}
    parses = vocab.parse(word.lower())
    best = None
    for p in parses:
        if case and ud.get(case) and ud[case] not in p.tag:
            continue
        if p.tag.POS in ("NOUN", "ADJF", "PRTF"):
            best = p
            break
    if best is None:
        return word
    # natasha's MorphForm.inflect takes UD grammemes
    grams = {"Nom"}
    if plural is not None:
        grams.add("Plur" if plural else "Sing")
    form = best.inflect(grams) or best.inflect({"Nom"})
    if form is None:
        return word
    out: str = form.word
    if word[:1].isupper():
        out = out[:1].upper() + out[1:]
    if word.isupper() and len(word) > 1:
        out = out.upper()
    return out


@lru_cache(maxsize=50_000)
def number_is_plural(word: str) -> bool:
    ps = _models()["vocab"].parse(word.lower())
    return bool(ps) and "plur" in ps[0].tag


@lru_cache(maxsize=50_000)
def has_name_tag(word: str) -> bool:
    return any({"Name", "Surn", "Patr"} & set(p.tag.grammemes) for p in _models()["vocab"].parse(word.lower()))
