"""Extract stage: diplomatic events (visit, talks, meeting, phone_call, invitation, signing, forum, launch,
message) with status, participants, date, location, CAMEO code and the sentence as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workers.extract import dates, nlp, speech, tours
from workers.extract.entities import Actor, Entities
from workers.extract.event_triggers import CAMEO, DOC_WORDS, FRAME_PREPS, HYPOTHETICAL, ROLES, status_of, trigger_type
from workers.extract.gazetteer import Gazetteer
from workers.extract.parties import doc_pair
from workers.extract.records import Agreement

_DOC_COUNT = re.compile(r"(\d+)\s+(?:[а-яё]+\s+){0,2}(?:документ|соглашени|меморандум|контракт|договор)", re.I)


@dataclass
class Event:
    type: str
    status: str
    sent: int
    trigger: int
    date: date | None
    location: str | None
    participants: list[dict[str, str | None]] = field(default_factory=list)
    lemma: str = ""  # trigger lemma: two forums with different names are two events
    frame: bool = False  # "в рамках визита": refers back to an event already reported
    persons: set[str] = field(default_factory=set)  # named people among the participants
    verb: bool = False  # stated by a verb ("встретился с"), so a new encounter rather than a reference
    doc_count: int | None = None  # "подписано 24 документа": signings of 24 and of 70 documents differ
    verbless: bool = False  # a headline without a verb ("Визит Токаева в Китай") has no tense of its own
    quoted: bool = False  # inside quoted speech: "Их переговоры, состоявшиеся в мае ..." recalls another encounter
    subject: str | None = None  # country of the first person named before the trigger: who travels, invites


def _participants(kind: str, actors: list[Actor], toks: tuple[nlp.Token, ...], trig: int,
                  gaz: Gazetteer) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    seen: set[tuple[str, str | None]] = set()
    role = ROLES[kind]
    for x in actors:
        if x.kind == "place":
            if x.country:
                # "в Урумчи": the host country takes part even when the text does not name it
                key0 = (gaz.country_names.get(x.country, x.country), x.country)
                if key0 not in seen:
                    seen.add(key0)
                    out.append({"name": key0[0], "country": x.country, "role": "location"})
            continue
        if kind == "invitation" and x.first > trig and x.kind in ("person", "role"):
            r = "invitee"
        elif x.kind == "country" and ((kind == "invitation" and x.first > trig) or (
                kind == "visit" and x.first > 0 and toks[x.first - 1].lemma in {"в", "во"})):
            r = "host"
        elif kind == "message" and x.first > trig and x.kind in ("person", "role"):
            r = "recipient"
        elif x.kind == "country":
            r = "country"
        else:
            r = role
        name = x.name or gaz.country_names.get(x.country or "", x.country or "")
        key = (name, x.country)
        if key in seen:
            continue
        seen.add(key)
        out.append({"name": name, "country": x.country, "role": r})
    return out


def find_events(a: nlp.Analysis, ents: Entities, gaz: Gazetteer, published: date | None) -> list[Event]:
    toks = a.tokens
    events: list[Event] = []
    for si, s in enumerate(a.sentences):
        lo, hi = s.first, s.last
        found: list[tuple[int, str]] = []
        for i in range(lo, hi):
            kind = trigger_type(toks, i, lo, hi)
            if kind:
                found.append((i, kind))
        if not found:
            lemmas = {toks[k].lemma for k in range(lo, hi)}
            # (a ceremony or a session has attendees; an invitation or a call does not)
            recent = [e for e in events if e.status == "occurred" and e.sent >= si - 2
                      and e.type in ("forum", "launch", "signing", "meeting", "talks")]
            if recent and lemmas & {"церемония", "участие"}:
                # "В церемонии приняли участие ...": more participants of the event just reported
                last = recent[-1]
                have = {(p["name"], p["country"]) for p in last.participants}
                for p in _participants(last.type, ents.actors_by_sent.get(si, []), toks, lo, gaz):
                    if (p["name"], p["country"]) not in have:
                        last.participants.append(dict(p, role="participant" if p["role"] != "country" else "country"))
            continue
        inv = [i for i, k in found if k == "invitation"]
        kinds_here: set[str] = set()
        sent_text = a.text[s.start:s.stop]
        when = dates.first_date(sent_text, published)
        places = [x for x in ents.actors_by_sent.get(si, []) if x.kind == "place"]
        actors = ents.actors_by_sent.get(si, [])
        people_here = [x for x in ents.actors_by_sent.get(si, []) if x.kind == "person"]
        # a named official's working trip or arrival is a visit; a train's or a cargo's is not
        travellers = bool(people_here) or any(x.kind == "role" for x in actors) or any(
            toks[k].lemma in ("делегация", "премьер", "министр", "президент") for k in range(lo, hi))
        found = [(i, "visit" if k == "visit_trip" else k) for i, k in found if k != "visit_trip" or travellers]
        accepted = bool(inv) and any(toks[k].lemma in ("по", "принять", "принятие", "принятый")
                                     for k in range(max(lo, inv[0] - 3), inv[0]))
        for i, kind in found:
            if kind == "visit" and inv and inv[0] < i and toks[inv[0] - 1].lemma != "по":
                continue  # "пригласил посетить ... с визитом", "принял приглашение посетить": only invited
            if kind == "forum" and inv and inv[0] < i and not accepted:
                continue  # "пригласил принять участие в форуме": only invited
            if kind == "message" and speech.spoken(a, toks, i, lo):
                continue  # "хотел бы поздравить Вас", a greeting inside a quote: words said, not a message sent
            if kind == "message" and _said_in_encounter(events, si, toks, lo, hi):
                continue  # "Политики обменялись поздравлениями" after their call: said during it
            if kind == "signing" and speech.cumulative(toks, lo, hi):
                continue  # "за это время мы подписали 127 документов": a tally of years, not one ceremony
            if kind in ("talks", "meeting") and any(k == "phone_call" for _, k in found):
                continue
            if toks[i].pos == "NOUN" and any(toks[k].lemma in HYPOTHETICAL for k in range(max(lo, i - 2), i)):
                continue
            if any(toks[k].lemma == "чтобы" for k in range(lo, i)):
                continue  # "..., с тем чтобы соглашение было подписано": a purpose, not an event
            key = kind + ":" + toks[i].lemma if kind == "forum" else kind
            if key in kinds_here:
                continue
            if kind == "forum" and toks[i].case == "Gen" and any(
                    k == "forum" and i - 5 <= j < i and not any(toks[m].pos in ("CCONJ", "PUNCT") for m in range(j, i))
                    for j, k in found):
                continue  # "Саммит мировых лидеров Глобальной конференции": one forum named by its parent
            kinds_here.add(key)
            background = nlp.norm(toks[lo].text) == "ранее" or any(
                toks[k].lemma == "накануне" for k in range(max(lo, i - 3), i))
            frame = toks[i].pos == "NOUN" and not any(
                toks[k].lemma in ("ответный", "следующий", "очередной", "предстоящий", "новый")
                for k in range(max(lo, i - 2), i)) and any(
                (toks[k].lemma, toks[k + 1].lemma) in FRAME_PREPS
                for k in range(max(lo, i - 4), i - 1))
            frame = frame or background  # "накануне саммита", "Ранее ... поздравили": already reported
            if kind == "signing" and _names_document_again(toks, lo, hi):
                frame = True  # "Этот экспортный контракт Астана заключила ...": the signing reported before
            status = status_of(toks, i, lo, hi)
            if kind == "invitation" and status != "negated" and accepted and i == inv[0]:
                status = "occurred"  # "визит состоится по приглашению ...": the invitation itself was made
            if kind == "forum" and status == "occurred" and speech.purpose(toks, i, lo):
                status = "planned"  # "прибыл для участия в саммите", "принял приглашение ... для участия в форуме"
            loc = places[0].name if places else None
            parts = _participants(kind, _outside_frame(kind, actors, toks, i, hi), toks, i, gaz)
            people = {x.name for x in actors if x.kind == "person"}
            lemma = toks[i].lemma
            if kind == "forum" and lemma == "встреча":
                lemma = "саммит"  # "встреча на высшем уровне" is the summit
            mcount = _DOC_COUNT.search(sent_text)
            additive = toks[lo].lemma in ("кроме", "затем", "помимо", "также") or (
                toks[lo].lemma == "после" and lo + 1 < hi and toks[lo + 1].lemma == "это")
            verbless = not any(toks[k].pos in ("VERB", "AUX") for k in range(lo, hi))
            for ev in _split_receptions(Event(kind, status, si, i, when, loc, parts, lemma, frame,
                                              people, toks[i].pos == "VERB" or additive,
                                              int(mcount.group(1)) if mcount else None, verbless,
                                              speech.in_quote(a.text, toks[i].start),
                                              next((x.country for x in actors
                                                    if x.kind in ("person", "role") and x.first < i), None)),
                                        actors, toks):
                events.append(ev)
    events = tours.split(events, gaz.country_names)
    _fill_from_context(events)
    pair = doc_pair(ents)
    for e in events:
        if not _countries(e, located=False) and any(
                toks[k].lemma in COLLECTIVE and (toks[k].lemma in ("сторона", "собеседник") or toks[k].number == "Plur")
                for k in range(a.sentences[e.sent].first, a.sentences[e.sent].last)):
            # "стороны обсудили", "главы государств провели переговоры": the two sides of the document
            e.participants += [{"name": gaz.country_names.get(c, c), "country": c, "role": "country"} for c in pair]
    return _merge(events)


def finalize(events: list[Event], agreements: list[Agreement], a: nlp.Analysis) -> list[Event]:
    """Signed documents name the signing parties; then drop events nobody takes part in."""
    for g in agreements:
        sent = next((n for n, s in enumerate(a.sentences) if s.start == g.evidence.start), None)
        if sent is None:
            continue
        status = "occurred" if g.status in ("signed", "ratified", "in_force") else "planned"
        if g.status in ("ratified", "in_force"):
            continue
        # the signing reported in this sentence or in the lead-in a few sentences before ("подписаны:")
        same = [e for e in events if e.type == "signing" and e.status == status]
        target = next((e for e in reversed(same) if e.sent <= sent), same[0] if same else None)
        if target is None and status == "planned":
            continue  # a draft alone is not a planned signing
        if target is None:
            target = Event("signing", status, sent, a.sentences[sent].first, None, None, [], "подписать")
            events.append(target)
        have = {(p["name"], p["country"]) for p in target.participants}
        for p in g.parties:
            if (p.name, p.country) not in have:
                target.participants.append({"name": p.name, "country": p.country, "role": "signatory"})
                have.add((p.name, p.country))
    events.sort(key=lambda e: (e.sent, e.trigger))
    for e in events:
        if e.type == "visit":
            _host_roles(e)
        sides = _countries(e, located=False)
        if len(sides) >= 2:
            # the two sides are known: a venue abroad (COP27 in Egypt) is where, not who
            e.participants = [p for p in e.participants if p["role"] != "location" or p["country"] in sides]
    # a launch is news here when it is joint: a local metro station is not a Kazakhstan–China event
    return [e for e in events if e.participants and (e.type != "launch" or len(_countries(e)) >= 2)]


def _host_roles(e: Event) -> None:
    """'Визит Си Цзиньпина в Казахстан ... Токаев': on a visit to a country, that country's people receive the
    visitor; they are hosts, not visitors."""
    # only a country the text names as the destination ("визит в Казахстан"); a location may come from a dateline
    host = {p["country"] for p in e.participants if p["role"] == "host" and p["country"]}
    visitors = [p for p in e.participants if p["role"] == "visitor"]
    if host and any(p["country"] not in host for p in visitors):
        for p in visitors:
            if p["country"] in host:
                p["role"] = "host"


def _outside_frame(kind: str, actors: list[Actor], toks: tuple[nlp.Token, ...], trig: int, hi: int
                   ) -> list[Actor]:
    """'Документы подписаны на полях визита Председателя КНР': whoever a frame phrase after the signing names
    belongs to that frame event, not to the signing."""
    if kind != "signing":
        return actors
    frame_at = next((k for k in range(trig + 1, hi - 1)
                     if (toks[k].lemma, toks[k + 1].lemma) in FRAME_PREPS), None)
    if frame_at is None:
        return actors
    return [x for x in actors if x.first < frame_at or x.kind in ("place", "org")]


def _split_receptions(e: Event, actors: list[Actor], toks: tuple[nlp.Token, ...]) -> list[Event]:
    """'принял послов Китая и Монголии': a reception of two guests is two meetings."""
    if e.type != "meeting" or not (e.lemma in ("принять", "принимать") or toks[e.trigger].number == "Plur"):
        return [e]
    if any(nlp.norm(toks[k].text).startswith(("трехсторон", "трёхсторон", "многосторон"))
           for k in range(max(0, e.trigger - 3), e.trigger + 1)):
        return [e]
    codes = [str(p["country"]) for p in e.participants if p["country"]]
    distinct = list(dict.fromkeys(codes))
    if len(distinct) < 3:
        return [e]
    subject = next((x for x in actors if x.first < e.trigger and x.kind == "person" and x.country), None)
    host = subject.country if subject else ("KZ" if "KZ" in distinct else distinct[0])
    out = []
    for guest in distinct:
        if guest == host:
            continue
        parts = [p for p in e.participants if p["country"] in (host, guest) or not p["country"]]
        persons = {str(p["name"]) for p in parts if str(p["name"]) in e.persons}
        out.append(Event(e.type, e.status, e.sent, e.trigger, e.date, e.location, parts, e.lemma, e.frame,
                         persons, e.verb, e.doc_count, e.verbless))
    return out


def _fill_from_context(events: list[Event]) -> None:
    """'Стороны обсудили...', 'Собеседники ...': a sentence naming fewer than two countries continues the
    encounter reported just before it."""
    for n, e in enumerate(events):
        own = {str(p["country"]) for p in e.participants if p["country"] and p["role"] != "location"}
        if n == 0 or len(own) >= 2:
            continue
        prev = events[n - 1]
        if not own <= _countries(prev):
            continue  # "на встрече с послом Монголии": another party, not the same encounter
        sources = [prev]
        if prev.frame and prev.type == "forum":
            # "В работе саммита также участвовали ...": prev adds to the event it refers to; take both
            sources = [o for o in events[:n - 1] if o.type == prev.type and not o.frame][-1:] + sources
        have = {(p["name"], p["country"]) for p in e.participants}
        for p in [q for src in sources for q in src.participants]:
            if (p["name"], p["country"]) not in have:
                e.participants.append(dict(p, role="participant" if p["role"] != "country" else "country"))
                have.add((p["name"], p["country"]))
        for src in sources:
            e.persons |= src.persons
    # "По итогам переговоров состоялась церемония подписания. Президенты X и Y скрепили подписями ...": an
    # opening sentence that names nobody is about the encounter the next sentence names
    for n, e in enumerate(events):
        if _countries(e, located=False):
            continue
        nxt = next((o for o in events[n + 1:] if e.sent < o.sent <= e.sent + 1
                    and len(_countries(o, located=False)) >= 2), None)
        if nxt is not None:
            e.participants += [dict(p, role="country") for p in nxt.participants
                               if p["country"] and p["role"] != "location"]


def _countries(e: Event, located: bool = True) -> set[str]:
    """The countries taking part; `located=False` leaves out a country that is only the venue."""
    return {str(p["country"]) for p in e.participants if p["country"] and (located or p["role"] != "location")}


COLLECTIVE = frozenset({"сторона", "собеседник", "глава", "лидер", "президент", "руководитель", "делегация"})
_SENT_WORDS = frozenset({"телеграмма", "письмо", "послание", "направить", "передать", "адресовать", "поздравительный"})


def _names_document_again(toks: tuple[nlp.Token, ...], lo: int, hi: int) -> bool:
    """'этот (экспортный) контракт', 'данное соглашение': a document the report has named already."""
    for k in range(lo, hi - 1):
        if toks[k].lemma in ("этот", "данный", "указанный"):
            m = k + 1
            while m < hi and toks[m].pos == "ADJ":
                m += 1
            if m < hi and toks[m].lemma in DOC_WORDS:
                return True
    return False


def _said_in_encounter(events: list[Event], si: int, toks: tuple[nlp.Token, ...], lo: int, hi: int) -> bool:
    """Congratulations with no telegram, letter or sending verb, right after a call, talks or a meeting of
    the same sentence or the one before: said during that encounter, not sent."""
    lemmas = {toks[k].lemma for k in range(lo, hi)}
    if not lemmas & speech.CONGRATULATE or lemmas & _SENT_WORDS:
        return False
    return any(e.type in ("phone_call", "talks", "meeting") and e.status == "occurred" and si - 1 <= e.sent <= si
               for e in events)


def _compatible(x: Event, y: Event, any_status: bool = False) -> bool:
    if x.status != y.status and not any_status:
        return False
    if x.quoted != y.quoted and bool(x.persons) != bool(y.persons):
        # across a quote's edge one encounter needs the same evidence on both sides: "Их переговоры,
        # состоявшиеся в мае ..." in a speech names nobody the reported meeting names
        return False
    if x.date and y.date and x.date != y.date:
        return False
    px, py = x.persons, y.persons
    if px and py and not (px <= py or py <= px):
        return False
    cx, cy = _countries(x), _countries(y)
    return not cx or not cy or cx <= cy or cy <= cx


def _merge(events: list[Event]) -> list[Event]:
    """One encounter is one event: repeated mentions fold into the first; a meeting inside talks is the talks."""
    out: list[Event] = []
    for e in events:
        target = None
        fallback = None
        for o in out:
            same = o.type == e.type or ({o.type, e.type} == {"talks", "meeting"} and not e.verb)
            if same and e.type == "message" and e.verb and not e.frame and not (o.persons & e.persons):
                same = False  # "студенты написали лидеру": another letter than the reply reported before
            if not same and e.frame and e.type in ("meeting", "talks") and o.type == "phone_call":
                same = True  # "В ходе беседы стороны обсудили ..." after the call: that conversation
            if same and e.type == "forum" and o.lemma != e.lemma and not e.frame:
                same = False
            if same and e.frame:
                fallback = o  # "в ходе беседы ... обсудили ситуацию в Афганистане": still that encounter
            if same and e.type == "signing" and not e.frame and len(_countries(o)) >= 2 and \
                    len(_countries(e)) >= 2 and _countries(o) != _countries(e) and \
                    max(len(_countries(o)), len(_countries(e))) >= 4:
                same = False  # a six-country declaration and a bilateral package are two signings
            if same and o.doc_count and e.doc_count and o.doc_count != e.doc_count:
                same = False
            if same and _compatible(o, e, any_status=e.frame or e.verbless or o.verbless):
                target = o
                break
        target = target or fallback
        if target is not None and target.verbless and not e.verbless:
            target.status = e.status  # the headline takes the tense the body gives it
            target.verbless = False
        if target is None:
            out.append(e)
            continue
        if e.type == "talks" and target.type == "meeting":
            target.type = "talks"
        names = {(p["name"], p["country"]) for p in target.participants}
        for p in e.participants:
            if (p["name"], p["country"]) not in names:
                target.participants.append(p)
        target.persons |= e.persons
        target.doc_count = target.doc_count or e.doc_count
        target.date = target.date or e.date
        target.location = target.location or e.location
    return out


def to_dicts(events: list[Event], a: nlp.Analysis) -> list[dict[str, Any]]:
    out = []
    for e in events:
        s = a.sentences[e.sent]
        out.append({
            "type": e.type,
            "status": e.status,
            "date": e.date.isoformat() if e.date else None,
            "location": e.location,
            "participants": e.participants,
            "cameo": CAMEO[e.type],
            "evidence": {"start": s.start, "end": s.stop, "text": a.text[s.start:s.stop]},
        })
    return out
