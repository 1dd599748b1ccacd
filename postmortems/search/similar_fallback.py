"""The similar incidents without a text index (the embedded SQLite default; it works on any
database): a bounded pool of candidates read in three queries and scored in Python."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from incidents.models import IncidentService
from postmortems.models import Postmortem
from postmortems.search.similar_probes import (
    CATEGORY_WEIGHT,
    SERVICE_WEIGHT,
    WORDS_WEIGHT,
    Probe,
    earlier_q,
    summaries_of,
)
from postmortems.search.similar_terms import word_overlap

FALLBACK_POOL = 300  # candidates the SQLite fallback reads and scores, most recent first


@dataclass(frozen=True)
class Candidate:
    """A postmortem as the SQLite fallback scores it."""

    pk: int
    title: str
    category: str
    service_ids: frozenset[int]
    summaries: tuple[str, ...] = ()


def fallback_score(probe: Probe, candidate: Candidate) -> float:
    """The SQLite fallback's score: shared services, the category, and the share of the probe's
    words found in the candidate's title and summaries."""
    shared = len(candidate.service_ids & set(probe.service_ids))
    same = bool(probe.category) and candidate.category == probe.category
    words = word_overlap(probe.terms, (candidate.title, *candidate.summaries))
    return SERVICE_WEIGHT * shared + CATEGORY_WEIGHT * same + WORDS_WEIGHT * words


def similar_fallback(
    candidates: QuerySet[Postmortem], probe: Probe, limit: int
) -> list[tuple[int, float]]:
    """(pk, score) of the closest candidates without a text index (SQLite; works on any
    database): the ``FALLBACK_POOL`` most recent candidates sharing a service, the category or
    a title word are read in three queries and scored in Python."""
    match = Q(pk__in=[])
    if probe.service_ids:
        sharing = IncidentService.objects.filter(service_id__in=probe.service_ids)
        match |= Q(incident_id__in=sharing.values("incident_id"))
    if probe.category:
        match |= Q(root_cause_category=probe.category)
    for word in list(probe.terms.values())[:10]:
        match |= Q(title__icontains=word)
    pool = list(
        candidates.filter(match)
        .filter(earlier_q(probe))
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "root_cause_category", "incident_id")[:FALLBACK_POOL]
    )
    services: dict[int, set[int]] = {}
    for incident_id, service_id in IncidentService.objects.filter(
        incident_id__in={row[3] for row in pool if row[3]}
    ).values_list("incident_id", "service_id"):
        services.setdefault(incident_id, set()).add(service_id)
    summaries = summaries_of([row[0] for row in pool])
    scored = [
        (
            pk,
            fallback_score(
                probe,
                Candidate(
                    pk,
                    title,
                    category,
                    frozenset(services.get(incident_id, ())),
                    tuple(summaries.get(pk, ())),
                ),
            ),
        )
        for pk, title, category, incident_id in pool
    ]
    scored = [row for row in scored if row[1] > 0]
    scored.sort(key=lambda row: -row[1])
    return scored[:limit]
