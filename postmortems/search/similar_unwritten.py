"""Similar incidents that nobody has written up: the earlier incidents without a postmortem,
found by what the incident itself says (its title, description and services).

An incident with a postmortem is found through its postmortem (``similar``), which says more
(the root cause, the lessons, the action items), and only when the viewer may read it. Every
member may read every incident of their organization, so nothing here needs a visibility rule.

On PostgreSQL a bounded pool is chosen in one query and ranked in another, with the same
weights as the postmortems so the two lists merge: ``ts_rank`` of the probe's words over the
title and the description, trigram similarity of the titles and the shared services.
Elsewhere the pool is scored in Python (``similar_fallback.fallback_score``).
"""

from dataclasses import dataclass

from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Left

from incidents.models import Incident, IncidentService
from organizations.models import Organization
from postmortems.models import Postmortem
from postmortems.search.indexing import CONFIG, is_postgres
from postmortems.search.similar_fallback import Candidate, fallback_score
from postmortems.search.similar_probes import (
    SERVICE_WEIGHT,
    TITLE_WEIGHT,
    WORDS_WEIGHT,
    Probe,
    count_of,
    shared_service_names,
    words_rank,
)
from postmortems.search.similar_terms import shared_terms

# The pool, chosen among every earlier incident (those with a postmortem are left out after).
POOL_SERVICES = 120  # the most recent sharing a service
POOL_TITLE = 60  # the most recent with a word of the probe's title in theirs
POOL_RECENT = 40  # the most recent, whatever they say
TITLE_WORDS = 5  # of the probe's title, looked for in the incidents' titles
DESCRIPTION_CHARS = 4000  # of an incident's description, ranked and shown as reasons


@dataclass
class IncidentMatch:
    """An earlier incident without a postmortem, with its score and the services it shares."""

    incident: Incident
    score: float
    shared_names: list[str]


def earlier_incidents(*, organization: Organization, probe: Probe) -> QuerySet[Incident]:
    """The organization's incidents that started before the probe's, its own aside."""
    queryset = Incident.objects.filter(organization=organization)
    if probe.exclude_incident:
        queryset = queryset.exclude(pk=probe.exclude_incident)
    if probe.before:
        queryset = queryset.filter(started_at__lt=probe.before)
    return queryset


def _pool(earlier: QuerySet[Incident], probe: Probe) -> set[int]:
    """The bounded pool ranked in full, in one query: of the most recent earlier incidents
    sharing a service, with a word of the probe's title in their title (a trigram index
    answers it: migration ``incidents.0010``) or nothing in particular, those without a
    postmortem.

    The pool is chosen among all the earlier incidents and only then are the written ones
    left out: most incidents have a postmortem, and finding the few without one first would
    walk them all."""
    # Its postmortem's id, looked up for the rows kept only (as a LIMIT 1 subquery: PostgreSQL
    # would hash an EXISTS over every postmortem of the organization, for each part).
    postmortem = Postmortem.objects.filter(incident_id=OuterRef("pk")).values("pk")[:1]
    newest = (
        earlier.annotate(its_postmortem=Subquery(postmortem))
        .order_by("-started_at", "-pk")
        .values_list("pk", "its_postmortem")
    )
    parts = [newest[:POOL_RECENT]]
    if probe.service_ids:
        sharing = IncidentService.objects.filter(service_id__in=probe.service_ids)
        parts.append(newest.filter(pk__in=sharing.values("incident_id"))[:POOL_SERVICES])
    title_words = Q()
    for word in list(probe.terms.values())[:TITLE_WORDS]:
        title_words |= Q(title__icontains=word)
    if title_words:
        parts.append(newest.filter(title_words)[:POOL_TITLE])
    # SQLite allows no LIMIT within a UNION: there, a query per part.
    union = is_postgres()
    rows = parts[0].union(*parts[1:]) if union else [row for part in parts for row in part]
    return {pk for pk, its_postmortem in rows if its_postmortem is None}


def similar_unwritten(
    *, organization: Organization, probe: Probe, limit: int
) -> list[IncidentMatch]:
    """The ``limit`` earlier incidents without a postmortem closest to the probe, closest
    first: on PostgreSQL one query when the pool holds none and two otherwise; elsewhere a
    query per part of the pool and two more."""
    earlier = earlier_incidents(organization=organization, probe=probe)
    pool = _pool(earlier, probe)
    if not pool:
        return []
    if is_postgres():
        return _ranked_postgres(earlier.filter(pk__in=pool), probe, limit)
    return _ranked_fallback(earlier.filter(pk__in=pool), probe, limit)


def _ranked_postgres(pool: QuerySet[Incident], probe: Probe, limit: int) -> list[IncidentMatch]:
    from django.contrib.postgres.search import TrigramSimilarity

    score = (
        SERVICE_WEIGHT * F("shared")
        + WORDS_WEIGHT * F("words")
        + TITLE_WEIGHT * F("title_similarity")
    )
    rows = (
        pool.annotate(shared_names=shared_service_names(probe, incident="pk"))
        .annotate(
            shared=count_of("shared_names") if probe.service_ids else Value(0),
            words=_words_rank(probe),
            title_similarity=TrigramSimilarity("title", probe.title),
        )
        .annotate(score=ExpressionWrapper(score, output_field=FloatField()))
        .order_by("-score", "-started_at")[:limit]
    )
    # Zero scores are dropped here, not in SQL: a filter on the score would have PostgreSQL
    # work it out for the whole pool before leaving out the incidents with a postmortem.
    return [
        IncidentMatch(row, row.score, sorted(row.shared_names or []))
        for row in rows
        if row.score > 0
    ]


def _words_rank(probe: Probe):
    """``ts_rank`` of the probe's words over the title and the description, worked out for the
    pool only: incidents keep no search document."""
    from django.contrib.postgres.search import SearchVector

    vector = SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        Left("description", DESCRIPTION_CHARS), weight="B", config=CONFIG
    )
    return words_rank(probe, vector)


def _ranked_fallback(pool: QuerySet[Incident], probe: Probe, limit: int) -> list[IncidentMatch]:
    """The pool scored in Python: shared services and the share of the probe's words found in
    the title and the description."""
    incidents = list(pool.order_by("-started_at", "-pk"))
    services: dict[int, dict[int, str]] = {}
    links = IncidentService.objects.filter(incident_id__in=[i.pk for i in incidents])
    for incident_id, service_id, name in links.values_list(
        "incident_id", "service_id", "service__name"
    ):
        services.setdefault(incident_id, {})[service_id] = name
    matches = []
    for incident in incidents:
        own = services.get(incident.pk, {})
        candidate = Candidate(
            incident.pk,
            incident.title,
            "",
            frozenset(own),
            (incident.description[:DESCRIPTION_CHARS],),
        )
        score = fallback_score(probe, candidate)
        if score > 0:
            shared = sorted(name for pk, name in own.items() if pk in probe.service_ids)
            matches.append(IncidentMatch(incident, score, shared))
    matches.sort(key=lambda match: -match.score)
    return matches[:limit]


def incident_words(probe: Probe, incident: Incident) -> list[str]:
    """The probe's words found in the incident's title and description."""
    return shared_terms(probe.terms, [incident.title, incident.description[:DESCRIPTION_CHARS]])
