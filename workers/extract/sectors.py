"""Extract stage: economic sectors (closed list of the contract) from keyword stems of the text.

Words inside organisation names do not count ("главное таможенное управление" is not customs cooperation);
generic words ("промышленность", "строительство") count only when no more specific sector word is next to them.
"""

from __future__ import annotations

from functools import lru_cache

from workers.extract import nlp
from workers.extract.vocabulary import SECTORS

ORDER = SECTORS

# (stem of one word part, sector); longest stem wins, checked on each hyphen part of a token
STEMS: list[tuple[str, str | None]] = [
    ("торгов", "trade"), ("товарооборот", "trade"), ("экспорт", "trade"), ("импорт", "trade"),
    ("инвест", "investment"),
    ("финанс", "finance"), ("валют", "finance"), ("расчет", "finance"), ("расчёт", "finance"),
    ("финансирован", None), ("кредит", "finance"), ("банковск", "finance"),
    ("валютн", "finance"),
    ("энерг", "energy"), ("электроэнерг", "energy"), ("электростанц", "energy"), ("энергетик", "energy"),
    ("возобновляем", "energy"), ("ветров", "energy"), ("солнечн", "energy"), ("водородн", "energy"),
    ("ветроэлектр", "energy"), ("гидроэлектр", "energy"),
    ("энергоносител", "energy"),
    ("нефтегаз", "oil_gas"), ("углеводород", "oil_gas"), ("нефт", "oil_gas"), ("нефтян", "oil_gas"),
    ("газопровод", "oil_gas"), ("газификац", "oil_gas"), ("газоснабжен", "oil_gas"),
    ("газов", "oil_gas"), ("газ", "oil_gas"), ("нефтепровод", "oil_gas"), ("спг", "oil_gas"),
    ("нефтехим", "petrochemicals"), ("газохим", "petrochemicals"), ("полимер", "petrochemicals"),
    ("полипропилен", "petrochemicals"), ("полиэтилен", "petrochemicals"),
    ("атомн", "nuclear"), ("ядерн", "nuclear"), ("уран", "nuclear"), ("аэс", "nuclear"),
    ("=горно", "mining"), ("минерал", "mining"), ("лити", None), ("=лития", "mining"),
    ("горнодоб", "mining"), ("горноруд", "mining"), ("недропольз", "mining"),
    ("редкоземел", "mining"),
    ("рудн", "mining"), ("угол", None), ("угольн", "mining"),
    ("металлург", "metallurgy"), ("металл", "metallurgy"), ("металлическ", None), ("сталелит", "metallurgy"),
    ("алюмин", "metallurgy"),
    ("медеплав", "metallurgy"),
    ("ферросплав", "metallurgy"),
    ("промышлен", "industry"), ("индустри", "industry"), ("обрабатывающ", "industry"),
    ("перерабатывающ", "industry"), ("производствен", "industry"),
    ("машиностро", "machinery"), ("сельхозтехник", "machinery"), ("автопроизвод", "machinery"),
    ("электромобил", "machinery"), ("автомобилестро", "machinery"), ("автопром", "machinery"),
    ("автомобилестро", "machinery"),
    ("станкостро", "machinery"), ("сельскохоз", "agriculture"), ("агро", "agriculture"),
    ("аграр", "agriculture"), ("сельхоз", "agriculture"), ("теплич", "agriculture"),
    ("зерн", "agriculture"), ("пшениц", "agriculture"), ("рапс", "agriculture"),
    ("фитосанитар", "agriculture"), ("ветеринар", "agriculture"), ("животновод", "agriculture"),
    ("растениевод", "agriculture"), ("урожа", "agriculture"), ("продовольств", "agriculture"),
    ("мясн", "agriculture"), ("плодоовощ", "agriculture"),
    ("транспорт", "transport"), ("авиакомпан", "transport"), ("рейс", "transport"),
    ("железнодорож", "transport"),
    ("авиасообщ", "transport"), ("авиарейс", "transport"), ("автодорог", "transport"),
    ("грузоперевоз", "transport"), ("перевоз", "transport"), ("поезд", "transport"), ("поездк", None),
    ("поездок", None),
    ("транспортир", None),
    ("логист", "logistics"), ("груз", "logistics"), ("грузин", None), ("грузи", None),
    ("доставк", "logistics"), ("мультимодал", "logistics"), ("таможен", "customs"),
    ("турист", "tourism"), ("туризм", "tourism"), ("туроперат", "tourism"), ("турпоток", "tourism"),
    ("цифров", "digital"), ("цифровизац", "digital"), ("телеком", "digital"), ("ит", None),
    ("высокотехнолог", "high_tech"), ("инновац", "high_tech"), ("инновацион", "high_tech"),
    ("научн", "science"), ("наук", "science"), ("исследоват", "science"),
    ("космос", "space"), ("космическ", "space"), ("спутник", "space"),
    ("образован", "education"), ("образовательн", "education"), ("студент", "education"),
    ("вуз", "education"), ("университет", "education"),
    ("культур", "culture"), ("культурно", "culture"), ("гуманитарн", None), ("музе", "culture"),
    ("кинематограф", "culture"), ("искусств", "culture"), ("искусствен", None),
    ("здравоохран", "health"), ("медицин", "health"), ("фармацевт", "health"), ("вакцин", "health"),
    # the virus, not the pandemic: "первый вояж после начала пандемии" dates a trip, it is no health topic
    ("коронавирус", "health"), ("covid", "health"),
    ("спорт", "sport"), ("футбол", "sport"), ("матч", "sport"), ("чемпионат", "sport"),
    ("турнир", "sport"), ("олимпиад", "sport"), ("олимпи", "sport"), ("сми", "media"), ("медиа", "media"),
    ("журналист", "media"),
    ("безопасност", "security"), ("терроризм", "security"), ("террорист", "security"),
    ("экстремизм", "security"), ("оборон", "security"), ("военн", "security"),
    ("водохозяйств", "water"), ("=водно", "water"), ("водопольз", "water"), ("водн", None),
    ("эколог", "ecology"), ("климат", "ecology"), ("природоохран", "ecology"),
    # building a plant or a railway is that plant's or railway's sector; construction is the building trade
    # itself: "строительная отрасль", builders, cement, building materials, housing
    ("строительств", None), ("строительн", "construction"), ("стройматериал", "construction"),
    ("жилищн", "construction"), ("цемент", "construction"), ("стройкомпан", "construction"),
    ("строител", "construction"),
]
GENERIC = frozenset({"industry", "construction", "trade"})
# two-word phrases: (first stem, second stem) -> sector
PAIRS = [("электрон", "коммерц", "ecommerce"), ("электрон", "торговл", "ecommerce"),
         ("высок", "технолог", "high_tech"), ("сельск", "хозяйств", "agriculture"),
         ("желез", "дорог", "transport"), ("водн", "ресурс", "water"), ("трансгранич", "рек", "water"),
         ("окружающ", "сред", "ecology"), ("информацион", "технолог", "digital"),
         ("искусствен", "интеллект", "digital"), ("искусствен", "интеллект", "high_tech"),
         ("сельскохозяйствен", "техник", "machinery"),
         ("сух", "порт", "logistics"), ("зелен", "энергет", "energy"), ("полезн", "ископаем", "mining"),
         ("критическ", "сырь", "mining"),
         ("критическ", "минерал", "mining"), ("зелен", "развит", "ecology"), ("зелен", "экономик", "ecology"),
         ("зелен", "технолог", "ecology"), ("транскаспийск", "маршрут", "transport"),
         ("рын", "сбыт", "trade")]
_SORTED = sorted(((s, sec) for s, sec in STEMS if not s.startswith("=")), key=lambda x: -len(x[0]))
_EXACT = {s[1:]: sec for s, sec in STEMS if s.startswith("=")}  # whole hyphen parts: "горно-", "водно-"
# "экологически чистая продукция" is clean food, "экспортные возможности" a hope: adjectives that name no field
_GOODS = frozenset({"продукт", "продукция", "пищевой", "мясо", "товар", "поставлять", "продовольствие", "корм"})
_EXCLUDE_WORDS = frozenset({"энергичн", "газет", "транспортир", "торговец", "экологически", "экспортн", "импортн"})


@lru_cache(maxsize=100_000)
def _part_sector(part: str) -> str | None:
    if any(part.startswith(x) for x in _EXCLUDE_WORDS):
        return None
    if part in _EXACT:
        return _EXACT[part]
    for stem, sec in _SORTED:
        if part.startswith(stem):
            if stem == "газ" and part not in ("газ", "газа", "газу", "газом", "газе"):
                continue
            return sec
    return None


def find(a: nlp.Analysis, excluded: set[int]) -> list[str]:
    toks = a.tokens
    per_token: list[str | None] = []
    parts_cache: list[list[str]] = []
    for i, t in enumerate(toks):
        parts = nlp.norm(t.text).split("-") if i not in excluded else []
        parts_cache.append(parts)
        secs = [s for s in (_part_sector(p) for p in parts) if s]
        per_token.append(secs[0] if secs else None)
    for i in range(len(toks) - 1):
        if i in excluded or i + 1 in excluded:
            continue
        w1, w2 = nlp.norm(toks[i].text), nlp.norm(toks[i + 1].text)
        for s1, s2, pair_sec in PAIRS:
            if w1.startswith(s1) and w2.startswith(s2):
                per_token[i] = per_token[i] or pair_sec
                per_token[i + 1] = per_token[i + 1] or pair_sec
    found: set[str] = set()
    # a title is not a sector: "министр энергетики России" names a person
    titled: set[int] = set()
    for i, t in enumerate(toks):
        if t.lemma in ("министр", "вице-министр", "замминистр", "министерство"):
            # "Вице-министра промышленности и строительства": the genitive chain, across "и" and commas
            k = i + 1
            while k < len(toks) and k < i + 7 and (toks[k].case == "Gen" or (
                    toks[k].text in (",", "и") and k + 1 < len(toks) and toks[k + 1].case == "Gen")):
                titled.add(k)
                k += 1
        elif t.lemma in ("комитет", "комиссия", "департамент", "управление") and i + 1 < len(toks):
            # "Комитета Мажилиса по международным делам, обороне и безопасности": a body's remit is its name
            k = i + 1
            while k < len(toks) and k < i + 4 and toks[k].case == "Gen":
                k += 1
            if k < len(toks) and toks[k].lemma == "по":
                k += 1
                while k < len(toks) and k < i + 12 and (toks[k].case in ("Dat", "Gen") or toks[k].text in (",", "и")):
                    titled.add(k)
                    k += 1
    for i, t in enumerate(toks):
        if i in excluded or i in titled:
            continue
        low = nlp.norm(t.text)
        if low.startswith(("онлайн-", "интернет-")) and any(
                w in low for w in ("площад", "торг", "магазин", "продаж", "платформ")):
            found.add("ecommerce")
        for p in parts_cache[i]:
            sec = _part_sector(p)
            if not sec:
                continue
            if sec in GENERIC and sec != "trade":
                # "атомная промышленность", "строительство железной дороги": the specific word decides
                near = [per_token[i - 1]] if i > 0 else []
                for k in range(i + 1, min(len(toks), i + 4)):
                    if toks[k].pos == "PUNCT":
                        break
                    near.append(per_token[k])
                if any(x and x not in GENERIC for x in near):
                    continue
            if sec == "trade" and i > 0 and nlp.norm(toks[i - 1].text).startswith("электрон"):
                continue  # "электронная торговля" is e-commerce (the pair adds it)
            if sec == "security" and any(toks[k].lemma in _GOODS for k in range(i + 1, min(len(toks), i + 6))):
                continue  # "безопасность мяса птицы", "безопасность пищевых продуктов": food safety, not security
            if sec == "culture" and p.startswith("культур") and i > 0 and \
                    nlp.norm(toks[i - 1].text).startswith(("сельскохоз", "зернов", "масличн", "кормов")):
                continue  # crops, not culture
            found.add(sec)
        if i + 1 < len(toks) and i + 1 not in excluded:
            w1, w2 = nlp.norm(t.text), nlp.norm(toks[i + 1].text)
            for s1, s2, sec in PAIRS:
                if w1.startswith(s1) and w2.startswith(s2):
                    found.add(sec)
    # "электронной торговле" is e-commerce, not trade in general (trade still counts if named elsewhere)
    return [s for s in ORDER if s in found]
