"""Extract stage: the only module that touches natasha/pymorphy objects.

Text in, our own frozen `Analysis` (tokens with lemmas, sentences, NER spans) out; models load once per process.
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass, replace
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

                # slovnet multiplies small matrices: OpenBLAS's thread per core only makes the pool
                # children of one worker spin against each other (2.3–4.6× the CPU per document, see
                # bench/LOG.md#hot-spot-1). One thread per process, whatever the deployment's environment.
                from threadpoolctl import threadpool_limits

                threadpool_limits(limits=1, user_api="blas")
                emb = NewsEmbedding()
                # natasha's MorphVocab is pymorphy2, which finds its dictionary through pkg_resources; newer
                # setuptools warn on that import (and 81 removed it: pyproject pins below). Nothing to act on.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
                    vocab = MorphVocab()
                _MODELS.update(
                    segmenter=Segmenter(),
                    vocab=vocab,
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
_FUNCTION_TAILS = frozenset({"и", "в", "на", "с", "к", "о", "по", "из", "за", "от", "до", "не"})


def _tail_ok(vocab: Any, right: str) -> bool:
    """A word that typically follows a glued name: a finite verb (3rd person or past), a conjunction,
    particle, adverb or preposition; never participles or imperatives, which make false splits."""
    if not _known(right):
        return False
    for x in vocab.parse(right)[:2]:
        tag = x.tag
        if tag.POS in ("CONJ", "PRCL", "ADVB", "PREP"):
            return True
        if tag.POS == "VERB" and "impr" not in tag and ("past" in tag or "3per" in tag):
            return True
    return False


def is_glue_tail(word: str) -> bool:
    """Whether `word` is one that follows a name in running text (a finite verb, conjunction, particle,
    adverb or preposition), so a name glued to it can be split off."""
    return _tail_ok(_models()["vocab"], word.lower())


@lru_cache(maxsize=200_000)
def _known(word: str) -> bool:
    """pymorphy's dictionary lookup (a DAWG walk), cached: the glue check asks it for every long word."""
    return bool(_models()["vocab"].word_is_known(word))


def unglue(word: str, seen: frozenset[str] = frozenset(), next_word: str = "") -> int:
    """Where a word glued to the next one splits, else 0.

    'Казатомпромподписал' → 11 and 'Цзиньпинтакже' → 8 only when the left part also occurs on its own in
    the document (`seen`: lower-cased word stems of the text); 'РКи' → 2; 'контрактна поставку' → 8.
    """
    if len(word) <= 6:
        return len(word) - 1 if word[:-1].isupper() and word.endswith("и") and len(word) >= 3 else 0
    vocab = _models()["vocab"]
    low = word.lower()
    if _known(low):
        # "контрактна поставку": a dictionary short adjective, but before an accusative noun it is "контракт на"
        if low.endswith("на") and word[:1].islower() and _known(low[:-2]) and len(low) >= 7:
            nxt = vocab.parse(next_word.lower())[:1] if next_word else []
            if nxt and nxt[0].tag.POS == "NOUN" and "accs" in nxt[0].tag and any(
                    x.tag.POS == "NOUN" for x in vocab.parse(low[:-2])[:1]):
                return len(low) - 2
        return 0
    for p in range(1, len(word) - 1):
        left, right = low[:p], low[p:]
        if p == 1:
            # "Ван Ипроходит": a one-letter given name that the text also writes alone
            if word[0].isupper() and left in seen and len(right) >= 5 and _tail_ok(vocab, right):
                return p
            continue
        if p < 4 or len(right) < 4 or not _tail_ok(vocab, right):
            continue
        if word[0].isupper() and left in seen:
            return p
        if word[0].islower() and _known(left) and len(left) >= 5 and right in (
                "также", "тоже", "однако", "который", "которые"):
            return p
    return 0


def _stems(text: str) -> frozenset[str]:
    """Every word of the text and its prefixes down to 4 letters minus up to 3 ending letters."""
    out: set[str] = set()
    for w in re.findall(r"[А-ЯЁа-яё]+", text):
        lw = w.lower()
        out.add(lw)
        for cut in (1, 2, 3):
            if len(lw) - cut >= 4:
                out.add(lw[:-cut])
    return frozenset(out)


def repair(text: str) -> tuple[str, list[int] | None]:
    """Insert spaces into glued words; returns the new text and, when changed, new→original char offsets."""
    cuts: list[int] = []
    candidates = list(_WORD.finditer(text))
    if not candidates:
        return text, None
    seen: frozenset[str] | None = None
    for m in candidates:
        w = m.group(0)
        if len(w) > 6 and _known(w.lower()) and not w.lower().endswith("на"):
            continue
        if seen is None:
            seen = _stems(text)
        # `unglue` looks up left parts at least 4 letters shorter than the word, never the word or the stems its
        # own occurrence added, so the text's stems serve every word as they are (copying them less this word,
        # as before, made long texts quadratic: 200 k characters took 89 s, bench/extract_adversarial.py)
        nxt = re.match(r"\s*([А-ЯЁа-яё]+)", text[m.end():m.end() + 40])
        p = unglue(w, seen, nxt.group(1) if nxt else "")
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
    tokens, sentences = _join_false_breaks(text, tokens, sentences)
    starts = {t.start: i for i, t in enumerate(tokens)}
    stops = {t.stop: i + 1 for i, t in enumerate(tokens)}
    spans: list[NerSpan] = []
    for s in doc.spans:
        if s.start not in starts or s.stop not in stops:
            continue
        s.normalize(vocab)
        spans.append(NerSpan(s.type, s.start, s.stop, s.text, s.normal or s.text, starts[s.start], stops[s.stop]))
    return Analysis(text, tuple(tokens), tuple(sentences), tuple(spans))


# abbreviations that never end a sentence (amounts like "млрд." and years like "г." often do)
_ABBREVIATIONS = frozenset({"ltd", "co", "inc", "corp", "llc", "jsc", "plc", "gmbh", "им", "ул", "проф", "акад", "св"})


def _join_false_breaks(text: str, tokens: list[Token], sentences: list[Sentence]
                       ) -> tuple[list[Token], list[Sentence]]:
    """razdel ends a sentence at 'Co., Ltd.' and inside 'golos-naroda.kz': a break on the same line before a
    lower-case word, a bracket or a dash, or after a known abbreviation, is no sentence end."""
    if len(sentences) < 2:
        return tokens, sentences
    merged: list[Sentence] = [sentences[0]]
    for s in sentences[1:]:
        prev = merged[-1]
        gap = text[prev.stop:s.start]
        first = tokens[s.first].text
        last_word = tokens[prev.last - 2].text.lower() if prev.last - prev.first >= 2 else ""
        false_break = "\n" not in gap and (
            first[:1].islower() or first[:1] in "(-–—" or (
                tokens[prev.last - 1].text == "." and last_word in _ABBREVIATIONS and not first[:1].isdigit()))
        if false_break:
            merged[-1] = Sentence(prev.start, s.stop, prev.first, s.last)
        else:
            merged.append(s)
    if len(merged) == len(sentences):
        return tokens, sentences
    out: list[Token] = []
    for si, s in enumerate(merged):
        out.extend(t if t.sent == si else replace(t, sent=si) for t in tokens[s.first:s.last])
    return out, merged


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
    if best.tag.POS == "ADJF" and out[:4] != word.lower()[:4]:
        # pymorphy files "высший" under "высокий" and gives "высочайший": keep the word, change its ending
        out = _adjective_nominative(word.lower(), str(form.tag.gender), "plur" in form.tag) or out
    if word[:1].isupper():
        out = out[:1].upper() + out[1:]
    if word.isupper() and len(word) > 1:
        out = out.upper()
    return out


def _adjective_nominative(word: str, gender: str, plural: bool) -> str | None:
    m = re.match(r"^(.+?)(ого|его|ому|ему|ыми|ими|ым|им|ом|ем|ых|их|ой|ей|ую|юю|ая|яя|ое|ее|ые|ие|ый|ий)$", word)
    if not m:
        return None
    stem = m.group(1)
    soft = stem[-1:] in "гкхжчшщ"
    if plural:
        return stem + ("ие" if soft else "ые")
    if gender == "femn":
        return stem + "ая"
    if gender == "neut":
        return stem + ("ее" if stem[-1:] in "жчшщ" else "ое")
    return stem + ("ий" if soft else "ый")


@lru_cache(maxsize=50_000)
def number_is_plural(word: str) -> bool:
    ps = _models()["vocab"].parse(word.lower())
    return bool(ps) and "plur" in ps[0].tag


@lru_cache(maxsize=50_000)
def has_name_tag(word: str) -> bool:
    return any({"Name", "Surn", "Patr"} & set(p.tag.grammemes) for p in _models()["vocab"].parse(word.lower()))


def is_noun(word: str) -> bool:
    """Whether pymorphy's first reading of `word` is a noun."""
    return main_pos(word) == "NOUN"


def genitive(word: str) -> str:
    """`word` (a noun or adjective) in the genitive singular, keeping a capital; as it is when it does not inflect."""
    ps = _models()["vocab"].parse(word.lower())
    if not ps or ps[0].tag.POS not in ("NOUN", "ADJF"):
        return word
    f = ps[0].inflect({"Gen"})
    if not f:
        return word
    w: str = f.word
    return w[:1].upper() + w[1:] if word[:1].isupper() else w


@lru_cache(maxsize=50_000)
def main_pos(word: str) -> str | None:
    ps = _models()["vocab"].parse(word.lower())
    return str(ps[0].tag.POS) if ps else None


@lru_cache(maxsize=50_000)
def has_tag(word: str, grammeme: str) -> bool:
    return any(grammeme in p.tag.grammemes for p in _models()["vocab"].parse(word.lower()))
