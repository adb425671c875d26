"""Extract stage: a person's name as written → its canonical nominative form.

natasha normalises Russian names well but leaves transcribed (Chinese, Kazakh, Kyrgyz) names in the case
the sentence gave them ("с Чэнь Юнем", "Тилеком Текебаевым"). These passes finish the job from the
evidence the text itself carries: the case natasha did resolve for a neighbouring word, an oblique title
before the name, and the sound system of Chinese transcription.
"""

from __future__ import annotations

import re

from workers.extract import nlp

# Palladius transcription: an optional initial, then a final. No syllable ends in -м, so "Сюном" is a case form.
_CN_SYLLABLE = re.compile(
    r"^(?:(?:ч|чж|ц|цз|ш|сь|с|х|ж|л|м|н|б|п|д|т|г|к|ф|в|й|я|ю|е|р|з)?"
    r"(?:а|ай|ань|ан|ао|е|ей|ень|ен|и|ин|инь|ион|ун|унь|уа|уай|уань|уан|уй|уо|у|ы|э|эй|энь|эн|эр|ю|юань|юнь|юн|юэ|"
    r"янь|ян|яо|я|ь|о|оу|ой))+$"
)
_VOWELS = "аеёиоуыэюя"
_INITIALS = re.compile(r"^(?:[А-ЯЁA-Z]\.\s*)+")
_MASC_OBLIQUE = ("у", "ом", "ым", "ем")
_CASE_ENDINGS = frozenset({"а", "я", "у", "ю", "ом", "ем", "е"})
# endings natasha strips from a Russian-declined surname, by case: what a first name beside it still carries
_SURNAME_CASE = {"ым": "Ins", "им": "Ins", "у": "Dat", "ой": "Ins"}
_FIRST_NAME_ENDINGS = {"Ins": ("ом", "ем"), "Dat": ("у", "ю")}


def looks_chinese(name: str) -> bool:
    parts = [p for p in re.split(r"[\s\-]+", nlp.norm(name)) if p]
    # one part is a one-syllable surname, first ("Чэнь Юн") or, in the Western order, last ("Цюньли Сюн")
    return len(parts) >= 2 and all(_CN_SYLLABLE.match(p) for p in parts) and min(map(len, parts)) <= 4


def unglue(word: str, names: set[str]) -> str | None:
    """'Цзиньпинтакже' → 'Цзиньпин' when a known name is glued to a word that follows names in running text
    (a verb, conjunction, particle or adverb), 'Ваньмином' → 'Ваньмин' when what follows a name the document
    uses elsewhere is a case ending; 'Чжэнпин' is a name of its own, not 'Чжэн' + 'пин'."""
    low = word.lower()
    for n in sorted(names, key=lambda x: (-len(x), x)):
        nl = n.lower()
        rest = low[len(nl):]
        if low.startswith(nl) and rest and (rest in _CASE_ENDINGS or (len(rest) >= 2 and nlp.is_glue_tail(rest))):
            return n
    return None


def strip_case(word: str, case: str) -> str:
    """One transcribed first name out of an oblique case: 'Тилеком' → 'Тилек', 'Сергеем' → 'Сергей',
    'Ваном' → 'Ван', 'Цзяньцзюнем' → 'Цзяньцзюнь'."""
    low = word.lower()
    for ending in _FIRST_NAME_ENDINGS.get(case, ()):
        if low.endswith(ending) and len(low) - len(ending) >= 2:
            stem = word[: -len(ending)]
            if ending in ("ем", "ю"):
                return stem + ("й" if stem[-1:].lower() in _VOWELS else "ь")
            return stem
    return word


def chinese_nominative(word: str) -> str:
    """'Дэвэнем' → 'Дэвэнь', 'Цяном' → 'Цян', 'Цзиньпиня' → 'Цзиньпинь': a transcribed syllable declined."""
    low = word.lower()
    if low.endswith("ом") and len(low) > 3:
        return word[:-2]
    if low.endswith("ем") and len(low) > 3:
        return word[:-2] + "ь"
    if low[-1:] in ("я", "ю") and len(low) > 3 and low[-2] not in _VOWELS + "ь":
        return word[:-1] + "ь"
    if low[-1:] in ("а", "у") and len(low) > 3 and low[-2] not in _VOWELS + "ь":
        return word[:-1]
    return word


def lemma_nominative(toks: tuple[nlp.Token, ...], first: int, last: int) -> list[str] | None:
    """'Алибеку Бакаеву', 'Алибеком Бакаевым', 'Алибека Бакаева': natasha left the name as written, but every
    word is its lemma plus a masculine oblique ending, so the lemmas are the nominative. A genitive '-а' counts
    only when every word has it (a feminine 'Дана Бакаева' has a first name that is its own lemma)."""
    words = [toks[k] for k in range(first, last)]
    if len(words) < 2 or any(not w.text[:1].isupper() or "-" in w.text for w in words):
        return None
    suffixes = []
    for w in words:
        low, lem = w.text.lower().replace("ё", "е"), w.lemma.replace("ё", "е")
        if not low.startswith(lem) or lem[-1:] in "аеёиоуыэюяь" or not lem:
            return None
        suffixes.append(low[len(lem):])
    if all(x in _MASC_OBLIQUE for x in suffixes) or all(x == "а" for x in suffixes):
        return [w.lemma[:1].upper() + w.lemma[1:] for w in words]
    return None


def case_from_neighbours(words: list[str], written: list[str]) -> str | None:
    """'Тилеком Текебаевым' normalised to 'Тилеком Текебаев': the ending natasha removed from one word
    ('-ым') is the case the whole name stands in."""
    for w, t in zip(words, written, strict=True):
        lw, lt = nlp.norm(w), nlp.norm(t)
        if lw != lt and lt.startswith(lw):
            return _SURNAME_CASE.get(lt[len(lw):])
    return None


def nominative(words: list[str], written: list[str], oblique: bool, names: set[str]) -> list[str]:
    """The passes in order; `words` is natasha's normal form, `written` the text, `oblique` whether the
    span or the title before it is in an oblique case."""
    words = list(words)
    if words:
        fixed = unglue(words[-1], names - {words[-1]})
        if fixed:
            return [*words[:-1], fixed]
    case = case_from_neighbours(words, written) if len(words) == len(written) else None
    if case:
        # natasha declined the Russian-looking surname back; a transcribed first name kept the ending
        words = [strip_case(w, case) if w == t and not nlp.is_known(t) else w
                 for w, t in zip(words, written, strict=True)]
    if len(words) == len(written):
        # a dictionary word is left alone, unless it ends in -м, which no transcribed syllable does ("Ваном")
        cand = [chinese_nominative(w) if w == t and (not nlp.is_known(t) or t.endswith(("ом", "ем"))) else w
                for w, t in zip(words, written, strict=True)]
        # the case shows in the sentence (`oblique`) or in the name itself: a Chinese name only after the ending
        if cand != words and looks_chinese(" ".join(cand)) and (oblique or not looks_chinese(" ".join(words))):
            words = cand
    return words


def surname_of_initialled(name: str) -> str | None:
    """'А.Есимов', 'Н. Нигматулин' → the surname, when the name is initials plus one word."""
    m = _INITIALS.match(name)
    rest = name[m.end():].strip() if m else ""
    return rest if m and rest and " " not in rest else None


def initials_fit(name: str, full: str) -> bool:
    """'А. Еминбахэ' may be 'Алекен Еминбахэ' but not 'Нурлан Еминбахэ'."""
    m = _INITIALS.match(name)
    letters = re.findall(r"[А-ЯЁA-Z]", m.group(0)) if m else []
    return not letters or nlp.norm(full)[:1] == nlp.norm(letters[0])
