"""The registry: per-article event and agreement mentions linked into canonical events and agreements.

Plain functions on plain data (no Celery, no database): `link_events`/`link_agreements` group mentions,
`summarise_event`/`summarise_agreement` make each group one canonical record. Linking is a symmetric
pairwise relation and groups are its connected components, so the result does not depend on the order
mentions arrive in: the incremental path and `silkwire registry rebuild` agree by construction.
"""

from workers.registry.agreements import agreements_link, link_agreements, summarise_agreement
from workers.registry.cluster import assign_ids, components
from workers.registry.events import events_link, link_events, summarise_event
from workers.registry.models import AgreementMention, CanonicalAgreement, CanonicalEvent, EventMention, Step

__all__ = [
    "AgreementMention", "CanonicalAgreement", "CanonicalEvent", "EventMention", "Step", "agreements_link",
    "assign_ids", "components", "events_link", "link_agreements", "link_events", "summarise_agreement",
    "summarise_event",
]
