"""Russian names of the contract's closed vocabularies for the pages (the codes stay in URLs and exports)."""

from __future__ import annotations

from workers.extract.vocabulary import AGREEMENT_KINDS, AGREEMENT_STATUSES, EVENT_STATUSES, EVENT_TYPES, SECTORS

EVENT_TYPE = {"visit": "визит", "talks": "переговоры", "meeting": "встреча", "phone_call": "телефонный разговор",
              "invitation": "приглашение", "signing": "подписание", "forum": "форум", "launch": "запуск",
              "message": "послание"}
EVENT_STATUS = {"occurred": "состоялось", "planned": "запланировано", "negated": "опровергнуто"}
AGREEMENT_KIND = {"agreement": "соглашение", "memorandum": "меморандум", "protocol": "протокол", "treaty": "договор",
                  "contract": "контракт", "roadmap": "дорожная карта", "joint_statement": "совместное заявление",
                  "program": "программа", "other": "другое"}
AGREEMENT_LEVEL = {"interstate": "межгосударственный", "intergovernmental": "межправительственный",
                   "interagency": "межведомственный", "regional": "региональный", "corporate": "корпоративный"}
AGREEMENT_STEP = {"planned": "запланировано", "signed": "подписано", "ratified": "ратифицировано",
                  "in_force": "вступило в силу"}
SECTOR = {"trade": "торговля", "investment": "инвестиции", "finance": "финансы", "energy": "энергетика",
          "oil_gas": "нефть и газ", "petrochemicals": "нефтехимия", "nuclear": "атомная отрасль",
          "mining": "горное дело",
          "metallurgy": "металлургия", "industry": "промышленность", "machinery": "машиностроение",
          "agriculture": "сельское хозяйство", "transport": "транспорт", "logistics": "логистика",
          "customs": "таможня", "tourism": "туризм", "ecommerce": "электронная торговля", "digital": "цифровизация",
          "high_tech": "высокие технологии", "science": "наука", "space": "космос", "education": "образование",
          "culture": "культура", "health": "здравоохранение", "sport": "спорт", "media": "СМИ",
          "security": "безопасность", "water": "водные ресурсы", "ecology": "экология", "construction": "строительство"}
COUNTRY = {"KZ": "Казахстан", "CN": "Китай", "RU": "Россия", "UZ": "Узбекистан", "KG": "Кыргызстан",
           "TJ": "Таджикистан", "TM": "Туркменистан", "US": "США"}

# Every code of the vocabularies has a name (a new code would otherwise show as itself without a word).
assert set(EVENT_TYPE) == set(EVENT_TYPES) and set(EVENT_STATUS) == set(EVENT_STATUSES)
assert set(AGREEMENT_KIND) == set(AGREEMENT_KINDS) and set(AGREEMENT_STEP) == set(AGREEMENT_STATUSES)
assert set(SECTOR) == set(SECTORS)

FILTERS = {"event_type": EVENT_TYPE, "event_status": EVENT_STATUS, "agreement_kind": AGREEMENT_KIND,
           "agreement_level": AGREEMENT_LEVEL, "agreement_step": AGREEMENT_STEP, "sector": SECTOR, "country": COUNTRY}


def name(vocabulary: str, code: str | None) -> str:
    """The Russian name of a code, or the code itself when it has none."""
    if code is None:
        return ""
    return FILTERS[vocabulary].get(code, code)
