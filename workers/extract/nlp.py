"""Extract stage: the only module that touches natasha/pymorphy objects.

Text in, our own frozen `Analysis` (tokens with lemmas, sentences, NER spans) out; models load once per process.
"""

from __future__ import annotations

import re
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


_WORD = re.compile(r"[А-ЯЁа-яё]{7,}|\b[А-ЯЁ]{2,5}и\b")
_GLUE_TAILS = frozenset({"VERB", "INFN", "PRTF", "PRTS", "GRND", "PREP", "CONJ", "PRCL", "ADVB"})


@lru_cache(maxsize=50_000)
def unglue(word: str) -> int:
    """Where a word glued to the next one splits ('Казатомпромподписал' → 11, 'РКи' → 2), else 0."""
    if len(word) <= 6:
        return len(word) - 1 if word[:-1].isupper() and word.endswith("и") and len(word) >= 3 else 0
    vocab = _models()["vocab"]
    low = word.lower()
    if vocab.word_is_known(low):
        # "контрактна" is a dictionary short adjective, but in a text it is "контракт на"
        ps = vocab.parse(low)
        if all(x.tag.POS in ("ADJS", "PRTS") for x in ps[:3]):
            for tail in ("на", "в", "с", "и", "по", "о"):
                left = low[: -len(tail)]
                if low.endswith(tail) and len(left) >= 5 and any(
                        x.tag.POS == "NOUN" and "nomn" in x.tag for x in vocab.parse(left)[:2]):
                    return len(left)
        return 0
    # shortest left part first: "Ван Ипроходит" is "И проходит", not "Ипро ходит"
    for p in range(1, len(word) - 1):
        left, right = low[:p], low[p:]
        if p < 3 and not (word[0].isupper() and len(right) >= 5 and vocab.word_is_known(right)
                          and any(x.tag.POS in ("VERB", "PRTF", "GRND") for x in vocab.parse(right)[:2])):
            continue
        if not vocab.word_is_known(right):
            continue
        if not any(x.tag.POS in _GLUE_TAILS for x in vocab.parse(right)[:2]):
            continue
        left_known = vocab.word_is_known(left)
        if len(right) >= 4 and (left_known or (word[0].isupper() and (len(left) >= 4 or p < 3))):
            return p
        if len(right) < 4 and left_known and len(left) >= 4:
            return p
    return 0


def repair(text: str) -> tuple[str, list[int] | None]:
    """Insert spaces into glued words; returns the new text and, when changed, new→original char offsets."""
    cuts: list[int] = []
    for m in _WORD.finditer(text):
        p = unglue(m.group(0))
        if p:
            cuts.append(m.start() + p)
    if not cuts:
        return text, None
    parts: list[str] = []
    index: list[int] = []
    prev = 0
    for c in cuts:
        parts.append(text[prev:c])
        index.extend(range(prev, c))
        parts.append(" ")
        index.append(c)  # the inserted space stands where the second word begins
        prev = c
    parts.append(text[prev:])
    index.extend(range(prev, len(text)))
    index.append(len(text))
    return "".join(parts), index


def analyse(text: str) -> Analysis:
    """Segment, morph-tag and NER-tag `text` once; everything later reads this result.

    Glued words are split before tagging; offsets are mapped back, so they always index `text`.
    """
    fixed, index = repair(text)
    a = _analyse(fixed)
    if index is None:
        return a

    def start(i: int) -> int:
        return index[i]

    def stop(i: int) -> int:
        return index[i - 1] + 1 if i > 0 else 0

    tokens = tuple(Token(start(t.start), stop(t.stop), t.text, t.pos, t.case, t.number, t.tense, t.lemma, t.sent)
                   for t in a.tokens)
    sents = tuple(Sentence(start(s.start), stop(s.stop), s.first, s.last) for s in a.sentences)
    spans = tuple(NerSpan(s.type, start(s.start), stop(s.stop), s.text, s.normal, s.first, s.last)
                  for s in a.spans)
    return Analysis(text, tokens, sents, spans)


def _analyse(text: str) -> Analysis:
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


@lru_cache(maxsize=50_000)
def gender_of(noun: str) -> str | None:
    """UD gender of a noun ('Masc', 'Fem', 'Neut'), for adjectives that must agree with it."""
    for p in _models()["vocab"].parse(noun.lower()):
        if p.tag.POS == "NOUN":
            g = {"masc": "Masc", "femn": "Fem", "neut": "Neut"}.get(str(p.tag.gender))
            return g
    return None


@lru_cache(maxsize=100_000)
def to_nominative(word: str, case: str | None = None, plural: bool | None = None,
                  gender: str | None = None) -> str:
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
    if gender and not plural and best.tag.POS in ("ADJF", "PRTF"):
        grams.add(gender)
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


@lru_cache(maxsize=50_000)
def main_pos(word: str) -> str | None:
    ps = _models()["vocab"].parse(word.lower())
    return str(ps[0].tag.POS) if ps else None
