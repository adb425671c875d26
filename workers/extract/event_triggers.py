"""Extract stage: which word reports a diplomatic event, of what type (visit, talks, meeting, phone_call,
invitation, signing, forum, launch, message), and whether it occurred, is planned or is negated.
"""

from __future__ import annotations

from workers.extract import nlp

CAMEO = {"visit": "042", "talks": "046", "meeting": "040", "phone_call": "041", "invitation": "036",
         "signing": "057", "forum": "040", "launch": "061", "message": "018"}
ROLES = {"visit": "visitor", "talks": "participant", "meeting": "participant", "phone_call": "participant",
         "invitation": "inviter", "signing": "signatory", "forum": "participant", "launch": "participant",
         "message": "sender"}

VISIT = frozenset({"визит", "посетить", "посещение", "побывать"})
ARRIVE = frozenset({"прибыть", "прилететь", "приехать", "прибывать"})
TALKS = frozenset({"переговоры", "переговор"})
MEETING = frozenset({"встреча", "встретиться", "беседа", "побеседовать", "встречаться"})
INVITE = frozenset({"пригласить", "приглашение", "приглашать"})
SIGN = frozenset({"подписать", "подписание", "подписывать", "подписанный", "заключить", "подписываться"})
FORUM = frozenset({"форум", "саммит", "заседание", "сессия", "выставка", "экспо", "конференция", "ярмарка",
                   "съезд"})
LAUNCH_WORDS = frozenset({"запуск", "запустить", "открытие", "открыть", "открываться", "запускать",
                          "открыться", "запуститься", "старт", "отправиться", "отправка", "запущенный"})
LAUNCH_OBJECTS = frozenset({
    "маршрут", "завод", "предприятие", "центр", "поезд", "рейс", "терминал", "линия", "производство",
    "пункт", "склад", "офис", "представительство", "мост", "дорога", "станция", "хаб", "консульство",
    "генконсульство", "фабрика", "комбинат", "электростанция", "парк", "магистраль", "сообщение", "перевозка",
    "авиарейс", "цех", "лаборатория", "институт", "филиал", "площадка", "кластер", "трубопровод",
    "газопровод",
    "нефтепровод", "участок", "порт", "коридор", "проект", "объект", "переход", "павильон", "школа",
    "университет", "дом", "выставка", "канал", "посольство", "музей", "мощность", "пассажирский",
    "грузовой", "железнодорожный", "авиасообщение", "контейнерный", "сервис", "работа", "состав",
    "церемония",
})
VENUES = frozenset({"выставка", "павильон", "стенд", "завод", "предприятие", "консульство", "генконсульство",
                    "посольство", "музей", "университет", "центр", "площадка", "порт", "ярмарка", "форум",
                    "экспо",
                    "комбинат", "фабрика", "терминал", "станция"})
# noun triggers governed by these words are talked about, not reported ("возможность открытия")
HYPOTHETICAL = frozenset({"возможность", "вопрос", "перспектива", "целесообразность", "необходимость",
                          "проработка", "обсуждение", "идея", "предложение", "основа", "для", "условие",
                          "после"})
# a launch that is only proposed or discussed is not reported as happening
PROPOSAL_VERBS = frozenset({"предложить", "ускорить", "рассмотреть", "обсудить", "изучить", "предлагать",
                            "ускорять", "обсуждать", "обсуждаться", "рассматриваться", "прорабатываться",
                            "изучаться", "обсудиться"})
FRAME_PREPS = (("в", "рамка"), ("в", "ход"), ("во", "время"), ("по", "итог"), ("по", "завершение"),
               ("на", "поле"), ("по", "окончание"), ("в", "работа"))
FORUM_OF = frozenset({"совет", "комиссия", "комитет", "сессия", "форум", "генассамблея", "ассамблея", "группа",
                      "организация", "саммит", "собрание"})
MESSAGE = frozenset({"поздравить", "поздравление", "поздравительный", "соболезнование", "телеграмма",
                     "послание", "письмо"})
SEND = frozenset({"направить", "передать", "получить", "вручить", "направлять", "передавать", "адресовать"})
GREETINGS = frozenset({"пожелание", "приветствие", "привет", "поздравление", "послание"})
DOC_WORDS = frozenset({"соглашение", "меморандум", "протокол", "договор", "контракт", "документ", "карта",
                       "заявление", "коммюнике", "декларация", "программа", "план", "договоренность"})
PLANNED = frozenset({"подтвердить", "планироваться", "запланировать", "предстоящий", "предстоять",
                     "намереваться", "готовность",
                     "ожидаться", "собираться", "намечать", "наметить", "планировать", "намерить",
                     "запланированный", "готовиться", "ждать", "ожидать"})
NEGATORS = frozenset({"отложить", "отменить", "отмена", "отменяться", "отмениться", "сорвать", "опровергнуть",
                      "опровергать", "опровержение", "отрицать", "слух", "никакой"})
AGREE_TO = frozenset({"договориться", "условиться", "договариваться", "согласиться"})
PHONE = frozenset({"телефонный", "телефон", "созвониться", "видеосвязь", "видеоконференция"})
RECEIVE_OBJECTS = frozenset({"посол", "делегация", "грамота", "министр", "глава", "председатель", "представитель",
                             "заместитель", "губернатор", "аким", "руководитель", "президент",
                             "премьер-министр", "вице-премьер", "секретарь", "директор", "посланник"})


def trigger_type(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int) -> str | None:
    """The event type the word at `i` reports in sentence tokens [lo, hi), or None. "visit_trip" is a visit
    only when someone travels (find_events decides). The first family the word belongs to decides."""
    t = toks[i]
    lem = t.lemma
    if "-" in lem and lem.split("-")[0] in ("онлайн", "видео", "телефон"):
        lem = lem.split("-")[-1]  # "онлайн-встреча" is a meeting
        if lem in MEETING or lem in TALKS:
            return "meeting" if lem in MEETING else "talks"
    if lem == "поездка" and i > lo and toks[i - 1].lemma in ("рабочий", "официальный", "государственный"):
        return "visit_trip"
    if lem == "написать" and t.pos == "VERB":
        return _written_to(toks, i, hi)
    if lem in TALKS or lem == "разговор":
        return _talks_or_call(toks, i, lo, hi, lem)
    if lem == "созвониться":
        return "phone_call"
    if lem in ARRIVE and t.pos == "VERB":
        return _arrival(toks, i, hi)
    if lem in VISIT:
        return _visit(toks, i, lo, hi)
    if lem == "встреча" and i + 3 <= hi and toks[i + 1].lemma in ("на", "в") and toks[i + 2].lemma in (
            "высокий", "верх", "высший"):
        # "график предстоящих встреч на высшем уровне": summits in general, not one
        return "forum" if t.number != "Plur" else None
    if lem in MEETING:
        if any(x in PHONE for x in _near(toks, i, lo, hi)):
            return "phone_call"
        return "meeting"
    if lem in {"принять", "принимать", "встретить"} and t.pos == "VERB":
        return _reception(toks, i, hi)
    if lem in ("вручить", "вручение", "вручать") and any(
            toks[k].lemma == "грамота" for k in range(i + 1, min(hi, i + 5))) and not any(
            toks[k].lemma in ("принять", "принимать") for k in range(lo, hi)):
        # "вручил копии верительных грамот заместителю министра": a reception of the envoy (when the sentence
        # says who received them, "принял послов", that verb reports it)
        return "meeting"
    if lem in INVITE:
        # "по приглашению X", "принял приглашение X": an invitation all the same (contract rulings)
        return "invitation"
    if lem == "скрепить" and any(toks[k].lemma == "подпись" for k in range(i + 1, min(hi, i + 3))):
        return "signing"  # "скрепили подписями Декларацию"
    if lem in SIGN:
        return _signing(toks, i, lo, hi, lem)
    if lem in FORUM and t.pos in ("NOUN", "PROPN"):
        return _forum(toks, i, lo, hi, lem)
    if lem in LAUNCH_WORDS:
        return _launch(toks, i, lo, hi, lem)
    if lem in ("поговорить", "переговорить", "побеседовать", "поздравить", "обсудить", "договориться") and any(
            toks[k].lemma == "телефон" and toks[k - 1].lemma == "по"
            for k in range(max(lo + 1, i - 3), min(hi, i + 4))):
        return "phone_call"  # "поздравили меня по телефону"
    if lem in MESSAGE:
        return _message(toks, i, lo, hi, lem)
    if lem in SEND and t.pos == "VERB" and any(
            toks[k].lemma in GREETINGS for k in range(i + 1, min(hi, i + 6))):
        return "message"  # "передал теплые пожелания", "передал слова приветствия": an oral message passed on
    return None


def _near(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int) -> list[str]:
    return [toks[k].lemma for k in range(max(lo, i - 3), min(hi, i + 4))]


def _written_to(toks: tuple[nlp.Token, ...], i: int, hi: int) -> str | None:
    """'написал письмо Президенту': a message when someone is written to."""
    for k in range(i + 1, min(hi, i + 4)):
        if toks[k].case == "Dat" and (toks[k].lemma in RECEIVE_OBJECTS or toks[k].lemma == "лидер"
                                      or toks[k].pos == "PROPN"):
            return "message"
    return None


def _talks_or_call(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int, lem: str) -> str | None:
    # "переговоры по видеосвязи" are talks held by video; a call is a conversation by telephone or video
    phone = PHONE if lem == "разговор" else PHONE - {"видеосвязь", "видеоконференция"}
    wide = {"телефон", "видеосвязь"} if lem == "разговор" else {"телефон"}
    if any(x in phone for x in _near(toks, i, lo, hi)) or any(toks[k].lemma in wide
                                                              for k in range(max(lo, i - 6), min(hi, i + 8))):
        return "phone_call"
    return "talks" if lem in TALKS else None


def _arrival(toks: tuple[nlp.Token, ...], i: int, hi: int) -> str | None:
    """'прибыл в РФ', 'делегация прилетела в Казахстан': arriving in a country is a visit (a town or a venue is
    the place of whatever follows)."""
    k = i + 1
    while k < min(hi, i + 4) and toks[k].pos in ("ADV", "ADJ", "NUM"):
        k += 1
    if k + 1 < hi and toks[k].lemma in ("в", "во") and toks[k + 1].pos == "PROPN" and toks[k + 1].case == "Acc":
        return "visit_trip"  # a visit when someone travels (a train arriving is none): find_events checks
    return None


def _visit(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int) -> str | None:
    if toks[i].pos == "VERB":
        # "посетил консульство", "выставку посетили": touring a venue is not a visit to a country
        for k in range(max(lo, i - 3), min(hi, i + 5)):
            if k != i and ((toks[k].pos == "NOUN" and toks[k].case == "Acc" and toks[k].lemma not in (
                    "страна", "столица", "город", "регион", "область", "провинция", "республика"))
                    or toks[k].lemma in VENUES):
                return None
    return "visit"


def _reception(toks: tuple[nlp.Token, ...], i: int, hi: int) -> str | None:
    """'принял посла', 'встретил делегацию': a meeting; 'принял участие', 'принял решение': none."""
    for k in range(i + 1, min(hi, i + 5)):
        if toks[k].lemma in {"участие", "решение", "мера", "закон", "программа", "постановление"}:
            return None
        if toks[k].lemma in RECEIVE_OBJECTS or (toks[k].pos == "PROPN" and toks[k].case == "Acc"):
            return "meeting"
    return None


def _signing(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int, lem: str) -> str | None:
    t = toks[i]
    if nlp.norm(t.text).startswith(("подписанн", "заключенн")):
        return None  # "ранее подписанных соглашений", "важность заключенных соглашений": signed before
    window = [toks[k].lemma for k in range(lo, hi)]
    if any(w in DOC_WORDS for w in window) and not (t.pos == "VERB" and lem == "заключить"
                                                    and "контракт" not in window and "соглашение" not in window
                                                    and "договор" not in window):
        return "signing"
    return None


def _forum(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int, lem: str) -> str | None:
    if toks[i].number == "Plur":
        return None  # "проводить выставки, концерты": activities, not one event
    if lem in ("выставка", "экспо", "ярмарка") and any(
            toks[k].lemma in ("посетить", "побывать", "осмотреть", "ознакомиться")
            for k in range(max(lo, i - 4), i)):
        return None  # "побывали на выставке изобразительного искусства": sightseeing, not a forum
    if lem in ("заседание", "сессия", "съезд"):
        # a session is a forum only when it is a body's session ("заседание Совета глав государств")
        for k in range(i + 1, min(hi, i + 6)):
            if toks[k].lemma in FORUM_OF:
                return "forum"  # "заседании Высшего Евразийского экономического совета": adjectives between
            if toks[k].pos not in ("ADJ", "NOUN", "PROPN") or toks[k].case not in ("Gen", None):
                break
        return None
    return "forum"


def _launch(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int, lem: str) -> str | None:
    if lem in ("старт",) and not (i > lo and toks[i - 1].lemma in ("дать", "давать", "официальный")):
        return None
    if lem in ("отправиться", "отправка") and not any(
            toks[k].lemma in ("первый",) for k in range(max(lo, i - 2), min(hi, i + 4))):
        return None
    if any(toks[k].lemma in PROPOSAL_VERBS or toks[k].lemma in HYPOTHETICAL for k in range(max(lo, i - 3), i)):
        return None
    if i + 1 < hi and (toks[i + 1].lemma in FORUM or toks[i + 1].lemma in ("игра", "олимпиада")):
        return None  # "церемония открытия ЭКСПО": the opening of a forum is that forum, not a launch
    if i > lo and toks[i - 1].lemma == "церемония":
        return "launch"
    for k in range(i + 1, min(hi, i + 7)):
        if toks[k].lemma in LAUNCH_OBJECTS:
            return "launch"
        if toks[k].pos in ("PUNCT", "VERB") and toks[k].text not in ("«", "»", "–", "-"):
            break
    if toks[i].pos == "VERB":
        for k in range(i - 1, max(lo, i - 10) - 1, -1):
            if toks[k].lemma in LAUNCH_OBJECTS:
                return "launch"
            if toks[k].text in (",", ";", ".") or toks[k].pos == "VERB":
                break
    return None


def _message(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int, lem: str) -> str | None:
    if lem == "письмо" and not any(x in SEND for x in _near(toks, i, lo, hi)):
        return None
    if lem == "послание" and any(toks[k].lemma in {"народ", "ежегодный"}
                                 for k in range(max(lo, i - 3), min(hi, i + 9))):
        return None  # the president's annual address to the nation, not a message between states
    return "message"


def status_of(toks: tuple[nlp.Token, ...], i: int, lo: int, hi: int) -> str:
    t = toks[i]
    lemmas = [toks[k].lemma for k in range(lo, hi)]
    if any(x in NEGATORS for x in lemmas):
        return "negated"
    for k in range(max(lo, i - 3), i):
        if toks[k].lemma == "не" and (k == i - 1 or toks[k + 1].pos in ("VERB", "AUX")):
            return "negated"
    for k in range(lo, hi - 1):
        if toks[k].lemma == "не" and toks[k + 1].lemma in {"состояться", "пройти", "планироваться",
                                                             "быть", "проводиться", "провести"}:
            return "negated"
    if t.pos in ("VERB", "AUX") and t.tense:
        if t.tense == "Fut":
            return "planned"
        if t.tense == "Past":
            return "occurred"
    if any(x in PLANNED for x in lemmas):
        return "planned"
    if t.pos == "NOUN":
        # "договорились о встрече (на полях саммита)": agreed to meet, the encounter is ahead
        for k in range(i - 1, max(lo, i - 8) - 1, -1):
            if toks[k].text in (",", ";", ":") or (toks[k].pos == "VERB" and toks[k].lemma not in AGREE_TO):
                break
            if toks[k].lemma in AGREE_TO and k + 1 < hi and toks[k + 1].lemma in ("о", "об"):
                return "planned"
    k = i - 1
    while k >= lo and toks[k].pos in ("ADJ", "ADP") and toks[k].lemma not in ("накануне",):
        k -= 1  # "накануне предстоящего заседания", "подготовка к саммиту"
    if k >= lo and toks[k].lemma in ("накануне", "подготовка", "канун", "подготовить", "готовить",
                                     "подготавливать"):
        return "planned"  # "накануне саммита", "подготовить визит": the event is still ahead
    if any(toks[k].lemma == "будущий" or (toks[k].lemma == "следующий" and toks[k + 1].lemma in
                                            {"год", "месяц", "неделя"}) for k in range(lo, hi - 1)) \
            and not any(toks[k].tense == "Past" and toks[k].pos == "VERB" for k in range(lo, hi)):
        return "planned"
    # "саммита ..., который состоится в Астане": the relative clause speaks of the event itself
    if t.pos == "NOUN":
        for k in range(i + 1, min(hi, i + 9)):
            if toks[k].lemma == "который":
                for m in range(k + 1, min(hi, k + 5)):
                    if toks[m].pos in ("VERB", "AUX") and toks[m].tense:
                        return "planned" if toks[m].tense == "Fut" else "occurred"
                break
    # nearest finite verb decides (a noun trigger takes the tense of its clause)
    best: tuple[int, nlp.Token] | None = None
    for k in range(lo, hi):
        tk = toks[k]
        if tk.pos in ("VERB", "AUX") and tk.tense:
            d = abs(k - i) + (0 if k > i else 1)
            # "Было условлено, что очередное заседание ... пройдет": a verb across a clause border is weaker
            if any(toks[m].text in (",", ";", ":") or toks[m].lemma == "что" for m in range(min(k, i) + 1, max(k, i))):
                d += 3
            if best is None or d < best[0]:
                best = (d, tk)
    if best and best[1].tense == "Fut":
        return "planned"
    return "occurred"
