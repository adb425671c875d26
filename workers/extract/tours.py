"""Extract stage: one trip to several countries is one encounter per host ("Ван И посетит Кыргызстан,
Узбекистан и Таджикистан": three visits; "по приглашению министров Кыргызстана, Узбекистана и Таджикистана":
three invitations). The contract counts events per pair of sides, and a tour has a pair per host.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.extract.events import Event

SPLIT = frozenset({"visit", "invitation"})


def split(events: list[Event], country_names: dict[str, str]) -> list[Event]:
    """Each visit or invitation naming three or more countries becomes one per host: the guest is the country
    of whoever the sentence has travel or be invited before the trigger, else the guest of the trip reported
    before ("визит состоится по приглашению ..." after "Ван И посетит ...")."""
    out: list[Event] = []
    guest: str | None = None
    for e in events:
        if e.type not in SPLIT:
            out.append(e)
            continue
        guest = e.subject or guest
        sides = list(dict.fromkeys(str(p["country"]) for p in e.participants
                                   if p["country"] and p["role"] != "location"))
        # the guest may be named only in an earlier sentence: then every country here is a host
        hosts = [c for c in sides if c != guest]
        if guest is None or len(hosts) < 2:
            out.append(e)
            continue
        for host in hosts:
            parts = [p for p in e.participants if p["country"] in (guest, host)]
            if not any(p["country"] == guest for p in parts):
                parts.append({"name": country_names.get(guest, guest), "country": guest,
                              "role": "visitor" if e.type == "visit" else "invitee"})
            # the traveller identifies the trip: the hosts differ from one stop to the next
            travellers = {str(p["name"]) for p in parts if p["country"] == guest} & e.persons
            out.append(replace(e, participants=parts, persons=travellers))
    return out
