"""Linking agreement mentions into canonical agreements with their lifecycle steps.

Two mentions name one agreement when they are the same kind, their parties' countries agree, their subjects
share most of their content words (stems, Jaccard ≥ SUBJECT_MIN; words every agreement has, such as
"сотрудничество" or "область", do not count), and, when both name parties, they share a party or the
subjects match closely. Steps (planned → signed → ratified → in_force) may be years apart: mentions up to
MAX_GAP_DAYS apart link. Each step keeps its earliest date and every report stating it; conflicting
reports (one says signed, one planned) are both kept, and the latest step reached is the status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from workers.registry.cluster import components, words
from workers.registry.models import AgreementMention, CanonicalAgreement, Step

STEPS = ("planned", "signed", "ratified", "in_force")
MAX_GAP_DAYS = 730
SUBJECT_MIN = 0.5
# Share of the shorter party name's words the other must have to be the same body under another spelling.
PARTY_MIN = 0.75
# Stems (first five letters) of words any agreement's subject may have.
SUBJECT_STOP = frozenset({"сотру", "облас", "сфере", "сфера", "сферы", "разви", "взаим", "вопро", "между",
                          "други", "рамка", "также", "рамке", "основ", "дальн"})


def _parties(m: AgreementMention) -> set[str]:
    return {" ".join(p.lower().replace("ё", "е").split()) for p in m.parties if p}


def _similarity(a: AgreementMention, b: AgreementMention) -> float | None:
    wa, wb = words(a.subject or a.title, SUBJECT_STOP), words(b.subject or b.title, SUBJECT_STOP)
    if not wa or not wb:
        return None
    return len(wa & wb) / len(wa | wb)


def agreements_link(a: AgreementMention, b: AgreementMention) -> bool:
    """Do `a` and `b` name one agreement? Symmetric."""
    if a.kind != b.kind or a.article_id == b.article_id:
        return False
    if a.ord == b.ord and (a.near_dup_of == b.article_id or b.near_dup_of == a.article_id or (
            a.near_dup_of is not None and a.near_dup_of == b.near_dup_of)):
        return True  # the same place in a reprint
    if abs((a.day - b.day).days) > MAX_GAP_DAYS:
        return False
    if a.countries and b.countries and set(a.countries) != set(b.countries):
        return False
    sim = _similarity(a, b)
    if sim is None or sim < SUBJECT_MIN:
        return False
    pa, pb = _parties(a), _parties(b)
    return not (pa and pb) or any(_same_party(x, y) for x in pa for y in pb)


def _same_party(a: str, b: str) -> bool:
    """One body under two spellings: "Министерство цифрового развития РК" and "..., инноваций и ... РК"."""
    if a == b:
        return True
    wa, wb = words(a), words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= PARTY_MIN


def link_agreements(mentions: Sequence[AgreementMention]) -> list[list[AgreementMention]]:
    return components(mentions, agreements_link, block=lambda m: m.kind, max_gap_days=MAX_GAP_DAYS)


def _rank(status: str) -> int:
    return STEPS.index(status) if status in STEPS else -1


def summarise_agreement(group: Sequence[AgreementMention]) -> CanonicalAgreement:
    reports = sorted(group, key=lambda m: (m.published, m.article_id, m.ord))
    steps = []
    for step in STEPS:
        stating = [m for m in reports if m.status == step]
        if stating:
            steps.append(Step(step=step, step_date=min(m.day for m in stating),
                              reports=tuple(m.key for m in stating)))
    status = max((m.status for m in reports), key=_rank)
    # The most complete wording: the longest subject and title among the reports, the first one on a tie.
    subject = max((m.subject for m in reports if m.subject), key=len, default=None)
    title = max((m.title for m in reports if m.title), key=len, default=None)
    levels = Counter(m.level for m in reports if m.level)
    parties: dict[str, None] = {}
    countries: set[str] = set()
    for m in reports:
        parties.update(dict.fromkeys(m.parties))
        countries.update(m.countries)
    return CanonicalAgreement(
        kind=reports[0].kind, status=status, level=levels.most_common(1)[0][0] if levels else None,
        subject=subject, title=title, countries=tuple(sorted(countries)), parties=tuple(parties),
        first_report=reports[0].key, steps=tuple(steps), reports=tuple(reports))
