"""Extract stage: the gazetteer (seeds/gazetteer/*.yaml) and lemma-based phrase lookup in token streams.

Files may be missing (a built-in country table keeps the extractor useful); any grammatical case resolves
because both the aliases and the document tokens are compared as sets of dictionary lemmas.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from workers.extract import nlp

log = logging.getLogger(__name__)

# A minimal country table so that relevance and parties work without seeds; files extend it.
_BUILTIN_COUNTRIES: list[dict[str, Any]] = [
    {"code": "KZ", "name": "Республика Казахстан", "short": "РК",
     "aliases": ["Казахстан", "Республика Казахстан", "РК", "Казахская Республика"],
     "adjectives": ["казахстанский", "казахский"]},
    {"code": "CN", "name": "Китайская Народная Республика", "short": "КНР",
     "aliases": ["Китай", "КНР", "Китайская Народная Республика", "Поднебесная"],
     "adjectives": ["китайский"]},
    {"code": "RU", "name": "Российская Федерация", "short": "РФ",
     "aliases": ["Россия", "РФ", "Российская Федерация"], "adjectives": ["российский"]},
    {"code": "US", "name": "Соединённые Штаты Америки", "short": "США",
     "aliases": ["США", "Соединенные Штаты", "Америка"], "adjectives": ["американский"]},
    {"code": "UZ", "name": "Республика Узбекистан", "short": "Узбекистан",
     "aliases": ["Узбекистан"], "adjectives": ["узбекский", "узбекистанский"]},
    {"code": "KG", "name": "Кыргызская Республика", "short": "Кыргызстан",
     "aliases": ["Кыргызстан", "Киргизия"], "adjectives": ["кыргызский", "киргизский"]},
    {"code": "TJ", "name": "Республика Таджикистан", "short": "Таджикистан",
     "aliases": ["Таджикистан"], "adjectives": ["таджикский"]},
    {"code": "TM", "name": "Туркменистан", "short": "Туркменистан",
     "aliases": ["Туркменистан", "Туркмения"], "adjectives": ["туркменский"]},
    {"code": "AZ", "name": "Азербайджанская Республика", "short": "Азербайджан",
     "aliases": ["Азербайджан"], "adjectives": ["азербайджанский"]},
    {"code": "TR", "name": "Турецкая Республика", "short": "Турция",
     "aliases": ["Турция"], "adjectives": ["турецкий"]},
    {"code": "DE", "name": "Федеративная Республика Германия", "short": "Германия",
     "aliases": ["Германия", "ФРГ"], "adjectives": ["германский", "немецкий"]},
    {"code": "JP", "name": "Япония", "short": "Япония", "aliases": ["Япония"], "adjectives": ["японский"]},
    {"code": "KR", "name": "Республика Корея", "short": "Корея",
     "aliases": ["Южная Корея", "Республика Корея"], "adjectives": ["южнокорейский", "корейский"]},
    {"code": "IN", "name": "Республика Индия", "short": "Индия", "aliases": ["Индия"], "adjectives": ["индийский"]},
    {"code": "FR", "name": "Французская Республика", "short": "Франция",
     "aliases": ["Франция"], "adjectives": ["французский"]},
    {"code": "GB", "name": "Великобритания", "short": "Великобритания",
     "aliases": ["Великобритания", "Британия"], "adjectives": ["британский"]},
    {"code": "UA", "name": "Украина", "short": "Украина", "aliases": ["Украина"], "adjectives": ["украинский"]},
    {"code": "BY", "name": "Республика Беларусь", "short": "Беларусь",
     "aliases": ["Беларусь", "Белоруссия"], "adjectives": ["белорусский"]},
    {"code": "MN", "name": "Монголия", "short": "Монголия", "aliases": ["Монголия"], "adjectives": ["монгольский"]},
    {"code": "PK", "name": "Пакистан", "short": "Пакистан", "aliases": ["Пакистан"], "adjectives": ["пакистанский"]},
    {"code": "IR", "name": "Иран", "short": "Иран", "aliases": ["Иран"], "adjectives": ["иранский"]},
]

_TOKEN_RE = re.compile(r"\w+(?:[-‑]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Entry:
    kind: str  # person, org, place, country
    name: str
    country: str | None
    subkind: str | None = None  # org kind (ministry, ...), place kind (city, ...)
    position: str | None = None  # persons: first position


@dataclass(frozen=True)
class Match:
    entry: Entry
    first: int  # token indices [first, last)
    last: int
    via_title: bool = False  # a person named by title ("президент Казахстана"), not by name
    adjective: bool = False  # a country named by adjective ("китайский")


@dataclass(frozen=True)
class _Pattern:
    lemmas: tuple[frozenset[str], ...]
    upper: tuple[int, ...]  # capitalisation the text must show (see _add)
    entry: Entry
    via_title: bool
    adjective: bool
    seq: int  # registration order: ties between equally long matches resolve the same way in every process


def split_words(text: str) -> list[str]:
    return _TOKEN_RE.findall(text)


class Gazetteer:
    def __init__(self, records: dict[str, list[dict[str, Any]]]):
        self.entries: list[Entry] = []
        self._index: dict[str, list[_Pattern]] = {}
        self._seq = 0
        self.country_names: dict[str, str] = {}
        self.country_short: dict[str, str] = {}
        self.by_name: dict[str, Entry] = {}
        countries = {c["code"]: dict(c) for c in _BUILTIN_COUNTRIES}
        for c in records.get("countries", []):
            code = str(c.get("code") or "").upper()
            if not code:
                continue
            base = countries.setdefault(code, {"code": code, "aliases": [], "adjectives": []})
            for key in ("name", "short"):
                if c.get(key):
                    base[key] = c[key]
            base["aliases"] = list(dict.fromkeys([*base.get("aliases", []), *(c.get("aliases") or [])]))
            base["adjectives"] = list(dict.fromkeys([*base.get("adjectives", []), *(c.get("adjectives") or [])]))
        for code, c in sorted(countries.items()):
            e = Entry("country", str(c.get("name") or code), code)
            self.country_names[code] = e.name
            self.country_short[code] = str(c.get("short") or e.name)
            for alias in [c.get("name"), c.get("short"), *c.get("aliases", [])]:
                if alias:
                    self._add(str(alias), e)
            for adj in c.get("adjectives", []):
                self._add(str(adj), e, adjective=True)
        for o in records.get("organizations", []):
            if not o.get("name"):
                continue
            e = Entry("org", str(o["name"]), _code(o.get("country")), o.get("kind"))
            self._register(e, [o["name"], *(o.get("aliases") or [])])
        for p in records.get("persons", []):
            if not p.get("name"):
                continue
            positions = p.get("positions") or []
            e = Entry("person", str(p["name"]), _code(p.get("country")), None,
                      str(positions[0]) if positions else None)
            self._register(e, [p["name"], *(p.get("aliases") or [])])
            for t in [*positions, *(p.get("titles") or [])]:
                self._add(str(t), e, via_title=True)
        for pl in records.get("places", []):
            if not pl.get("name"):
                continue
            e = Entry("place", str(pl["name"]), _code(pl.get("country")), pl.get("kind"))
            self._register(e, [pl["name"], *(pl.get("aliases") or [])])

    def _register(self, e: Entry, names: Sequence[Any]) -> None:
        self.entries.append(e)
        self.by_name.setdefault(nlp.norm(e.name), e)
        for n in names:
            if n:
                self._add(str(n), e)

    def _add(self, alias: str, e: Entry, via_title: bool = False, adjective: bool = False) -> None:
        words = split_words(alias)  # punctuation stays: the text has it too ("развития, инноваций")
        if not words:
            return
        lemmas = tuple(nlp.lemma_forms(w) for w in words)
        # 0: any case; 1: capitalised in the text too ("Семей" the city is not "семей"); 2: all capitals
        upper = tuple(2 if (len(w) <= 5 and w.isupper() and len(w) > 1) else (1 if w[:1].isupper() else 0)
                      for w in words)
        pat = _Pattern(lemmas, upper, e, via_title, adjective, self._seq)
        self._seq += 1
        for lem in lemmas[0]:
            self._index.setdefault(lem, []).append(pat)

    def patterns(self) -> Iterator[_Pattern]:
        """Every alias pattern once, in the order added."""
        seen: set[int] = set()
        for pats in self._index.values():
            for p in pats:
                if id(p) not in seen:
                    seen.add(id(p))
                    yield p

    def find(self, tokens: Sequence[nlp.Token], kinds: frozenset[str] | None = None) -> list[Match]:
        """Longest non-overlapping matches, left to right."""
        out: list[Match] = []
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            best: tuple[int, _Pattern] | None = None
            keys = sorted(nlp.lemma_forms(tok.text) | {tok.lemma})
            seen: set[int] = set()
            for key in keys:
                for pat in self._index.get(key, ()):
                    if pat.seq in seen or (kinds and pat.entry.kind not in kinds):
                        continue
                    seen.add(pat.seq)
                    ln = len(pat.lemmas)
                    if i + ln > n or (best and (ln, -pat.seq) <= (best[0], -best[1].seq)):
                        continue
                    if all(self._tok_ok(tokens[i + k], pat, k) for k in range(ln)) and all(
                        tokens[i + k].sent == tok.sent for k in range(ln)
                    ):
                        best = (ln, pat)
            if best:
                ln, pat = best
                out.append(Match(pat.entry, i, i + ln, pat.via_title, pat.adjective))
                i += ln
            else:
                i += 1
        return out

    @staticmethod
    def _tok_ok(tok: nlp.Token, pat: _Pattern, k: int) -> bool:
        need = pat.upper[k]
        if need == 2 and not tok.text.isupper():
            return False
        if need == 1 and not tok.text[:1].isupper() and pat.entry.kind != "country":
            return False
        return bool(pat.lemmas[k] & (nlp.lemma_forms(tok.text) | {tok.lemma}))


def _code(v: Any) -> str | None:
    return str(v).upper() if v else None


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, yaml.YAMLError) as exc:
        log.warning("gazetteer file %s unreadable: %s", path, exc)
        return []
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict)]


def load(directory: Path) -> Gazetteer:
    names = {"countries": "countries.yaml", "organizations": "organizations.yaml",
             "persons": "persons.yaml", "places": "places.yaml"}
    return Gazetteer({k: _read(directory / v) for k, v in names.items()})


@lru_cache(maxsize=8)
def country_codes(seeds_dir: Path) -> frozenset[str]:
    """ISO codes of the gazetteer's countries (seeds_dir/gazetteer/countries.yaml): the only ones the extractor
    writes, so a filter on any other would silently match nothing. Empty when the file is unreadable."""
    return frozenset(str(r["code"]).upper() for r in _read(Path(seeds_dir) / "gazetteer" / "countries.yaml")
                     if r.get("code"))


_CACHE: dict[str, Gazetteer] = {}
_LOCK = threading.Lock()


def default(seeds_dir: Path) -> Gazetteer:
    """The project gazetteer, loaded once per process from seeds_dir/gazetteer (`settings.seeds_dir`)."""
    directory = Path(seeds_dir) / "gazetteer"
    key = str(directory)
    if key not in _CACHE:
        with _LOCK:
            if key not in _CACHE:
                _CACHE[key] = load(directory)
    return _CACHE[key]


def use(gaz: Gazetteer | None, seeds_dir: Path) -> None:
    """Replace the gazetteer of seeds_dir for this process (tests); None forgets it so the next call reloads."""
    key = str(Path(seeds_dir) / "gazetteer")
    with _LOCK:
        if gaz is None:
            _CACHE.pop(key, None)
        else:
            _CACHE[key] = gaz
