"""Similar incidents: the earlier incidents and postmortems closest to an incident, a draft or
a query (``similar_incidents``).

Postmortems are ranked here. Earlier incidents nobody has written up are ranked by what the
incident itself says (``similar_unwritten``), with the same weights, and the two lists merge by
score. A postmortem's closeness is shared services, the same root-cause category and shared
words of the title, summary and root cause. On PostgreSQL the words are ranked with the search
documents (``ts_rank`` of the probe's words, title and summaries weighted, as ``query`` ranks)
and the titles by trigram similarity (``pg_trgm``); the embedded SQLite default scores a
bounded pool of candidates in Python instead (``similar_fallback``). Every result says why it
was chosen (``SimilarHit.reasons``) and how far its action items got: action items live in the
app above, which answers ``ITEM_PROGRESS`` with one query for all the results.

Visibility is the read view's (``visible_q``), applied before anything is ranked, so a
postmortem the viewer may not read is never a result, nor a reason. The page costs a fixed
number of queries whatever the number of results or postmortems.
"""

from dataclasses import dataclass, field

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    QuerySet,
    Value,
    When,
)

from incidents.models import Incident, IncidentService
from organizations import hooks
from organizations.models import Organization
from organizations.roles import Action, can
from postmortems.models import Postmortem, RootCauseCategory
from postmortems.permissions import visible_q
from postmortems.search.indexing import CONFIG, is_postgres
from postmortems.search.similar_fallback import similar_fallback
from postmortems.search.similar_probes import (
    CATEGORY_WEIGHT,
    SERVICE_WEIGHT,
    TITLE_WEIGHT,
    WORDS_WEIGHT,
    Probe,
    count_of,
    earlier_q,
    shared_service_names,
    summaries_of,
    words_rank,
)
from postmortems.search.similar_terms import MAX_SHOWN, probe_terms, shared_terms
from postmortems.search.similar_unwritten import IncidentMatch, incident_words, similar_unwritten

# Answered by ``actionitems``: ``{postmortem_id: (completed, total)}`` for ``postmortem_ids``.
ITEM_PROGRESS = "postmortems.similar.item_progress"
LIMIT = 5
# PostgreSQL ranks a bounded pool (``similar_postgres``): the most recent candidates sharing a
# service, the root cause, every word of the title, or nothing in particular.
POOL_SERVICES = 80
POOL_CATEGORY = 50
TITLE_POOL = 40
POOL_RECENT = 50


@dataclass
class SimilarHit:
    """One result: a postmortem (with its incident), or an incident without a postmortem."""

    postmortem: Postmortem | None
    score: float
    incident: Incident | None = None
    shared_services: list[str] = field(default_factory=list)
    category: str = ""  # the shared root-cause category's label
    shared_words: list[str] = field(default_factory=list)
    items_done: int = 0
    items_total: int = 0

    @property
    def reasons(self) -> list[tuple[str, list[str]]]:
        """Why this result was chosen: (what is shared, the shared values)."""
        found = []
        if self.shared_services:
            found.append(
                (
                    "Same service" if len(self.shared_services) == 1 else "Same services",
                    self.shared_services,
                )
            )
        if self.category:
            found.append(("Same root cause", [self.category]))
        if self.shared_words:
            found.append(("Shared words", self.shared_words))
        return found


# --- Ranking ------------------------------------------------------------------------------------


def similar_incidents(
    *, organization: Organization, membership, probe: Probe, limit: int = LIMIT
) -> list[SimilarHit]:
    """The ``limit`` closest earlier postmortems and incidents without one, closest first:
    what the "Similar incidents" cards and the search page show."""
    found = similar_postmortems(
        organization=organization, membership=membership, probe=probe, limit=limit
    )
    if can(membership, Action.VIEW):  # every member may read every incident
        unwritten = similar_unwritten(organization=organization, probe=probe, limit=limit)
        found += [_incident_hit(match, probe) for match in unwritten]
    found.sort(key=lambda hit: -hit.score)
    return found[:limit]


def similar_postmortems(
    *, organization: Organization, membership, probe: Probe, limit: int = LIMIT
) -> list[SimilarHit]:
    """The ``limit`` readable postmortems closest to ``probe``, closest first, with their
    reasons and action-item progress (a fixed number of queries)."""
    candidates = readable_candidates(organization=organization, membership=membership, probe=probe)
    if is_postgres():
        ranked = similar_postgres(candidates, probe, limit)
    else:
        ranked = _loaded(similar_fallback(candidates, probe, limit), probe)
    return _hits(ranked, probe)


def readable_candidates(*, organization: Organization, membership, probe: Probe):
    """The postmortems this member may read that could resemble the probe, never the probe's
    own (the rankings keep the earlier ones: ``earlier_q``)."""
    queryset = Postmortem.objects.filter(organization=organization).filter(visible_q(membership))
    if probe.exclude_postmortems:
        queryset = queryset.exclude(pk__in=probe.exclude_postmortems)
    if probe.exclude_incident:
        queryset = queryset.exclude(incident_id=probe.exclude_incident)
    return queryset


def _same_category(probe: Probe):
    if not probe.category:
        return Value(0)
    return Case(When(root_cause_category=probe.category, then=Value(1)), default=Value(0))


def similar_postgres(
    candidates: QuerySet[Postmortem], probe: Probe, limit: int
) -> list[tuple[Postmortem, float]]:
    """The closest candidates with their scores, in two queries whatever the number of
    postmortems: the pool, then the pool scored, ordered and read with each result's incident
    and the services it shares with the probe (``shared_names``).

    Ranking every postmortem would cost a trigram similarity and a ``ts_rank`` per row (about a
    second at 10,000), so a pool of at most 220 is ranked (``_pool_parts``): the most recent
    candidates sharing a service, the root cause, all the title's words (through the search
    documents' index), or nothing in particular. The pool is chosen without joining the
    incidents; only the earlier of it are ranked."""
    from django.contrib.postgres.search import TrigramSimilarity

    parts = [
        narrowed.order_by("-pk").values_list("pk", flat=True)[:size]
        for narrowed, size in _pool_parts(candidates, probe)
    ]
    pool = set(parts[0].union(*parts[1:]))
    if not pool:
        return []
    score = (
        SERVICE_WEIGHT * F("shared")
        + CATEGORY_WEIGHT * F("same_category")
        + WORDS_WEIGHT * F("words")
        + TITLE_WEIGHT * F("title_similarity")
    )
    rows = (
        candidates.filter(pk__in=pool)
        .filter(earlier_q(probe))
        .annotate(shared_names=shared_service_names(probe))
        .annotate(
            shared=count_of("shared_names") if probe.service_ids else Value(0),
            same_category=_same_category(probe),
            words=words_rank(probe, F("search_document__vector")),
            title_similarity=TrigramSimilarity("title", probe.title),
        )
        .annotate(score=ExpressionWrapper(score, output_field=FloatField()))
        .filter(score__gt=0)
        .select_related("incident")
        .order_by("-score", "-pk")[:limit]
    )
    return [(postmortem, postmortem.score) for postmortem in rows]


def _pool_parts(candidates: QuerySet[Postmortem], probe: Probe):
    """The parts of the pool ranked in full: (candidates, how many of the most recent)."""
    if probe.service_ids:
        # The latest incidents sharing a service, read backwards from the (incident, service)
        # index: walking every postmortem to find them costs ten times more at 10,000.
        sharing = (
            IncidentService.objects.filter(service_id__in=probe.service_ids)
            .order_by("-incident_id")
            .values("incident_id")[: POOL_SERVICES * 2]
        )
        yield candidates.filter(incident_id__in=sharing), POOL_SERVICES
    if probe.category:
        yield candidates.filter(root_cause_category=probe.category), POOL_CATEGORY
    title_words = " ".join(probe_terms(probe.title).values())
    if title_words:
        from django.contrib.postgres.search import SearchQuery

        every_word = SearchQuery(title_words, search_type="plain", config=CONFIG)
        yield candidates.filter(search_document__vector=every_word), TITLE_POOL
    yield candidates, POOL_RECENT


# --- The results shown --------------------------------------------------------------------------


def _loaded(ranked: list[tuple[int, float]], probe: Probe) -> list[tuple[Postmortem, float]]:
    """The fallback's (pk, score) as postmortems with their incident and the services they
    share with the probe (``shared_names``), as the PostgreSQL ranking reads them."""
    if not ranked:
        return []
    found = Postmortem.objects.filter(pk__in=[pk for pk, _ in ranked]).select_related("incident")
    by_pk = {p.pk: p for p in found}
    names: dict[int, list[str]] = {}
    if probe.service_ids:
        for incident_id, name in IncidentService.objects.filter(
            incident_id__in=[p.incident_id for p in by_pk.values() if p.incident_id],
            service_id__in=probe.service_ids,
        ).values_list("incident_id", "service__name"):
            names.setdefault(incident_id, []).append(name)
    for postmortem in by_pk.values():
        postmortem.shared_names = names.get(postmortem.incident_id, [])
    return [(by_pk[pk], score) for pk, score in ranked]


def _hits(ranked: list[tuple[Postmortem, float]], probe: Probe) -> list[SimilarHit]:
    """The ranked postmortems with their reasons and progress (two queries, whatever the
    number of results)."""
    if not ranked:
        return []
    ids = [postmortem.pk for postmortem, _ in ranked]
    summaries = summaries_of(ids)
    progress = item_progress(ids)
    probe_words = probe.terms
    hits = []
    for postmortem, score in ranked:
        done, total = progress.get(postmortem.pk, (0, 0))
        same = bool(probe.category) and postmortem.root_cause_category == probe.category
        shared = sorted(postmortem.shared_names or [])
        words = shared_terms(probe_words, [postmortem.title, *summaries.get(postmortem.pk, [])])
        hits.append(
            SimilarHit(
                postmortem=postmortem,
                incident=postmortem.incident,
                score=score,
                shared_services=shared,
                category=str(RootCauseCategory(probe.category).label) if same else "",
                shared_words=_words_shown(words, shared),
                items_done=done,
                items_total=total,
            )
        )
    return hits


def _incident_hit(match: IncidentMatch, probe: Probe) -> SimilarHit:
    """An incident without a postmortem as a result: its shared services and words."""
    return SimilarHit(
        postmortem=None,
        incident=match.incident,
        score=match.score,
        shared_services=match.shared_names,
        shared_words=_words_shown(incident_words(probe, match.incident), match.shared_names),
    )


def _words_shown(words: list[str], services: list[str]) -> list[str]:
    """The shared words a result shows: a service's name is said once, as a shared service."""
    names = {name.lower() for name in services}
    return [word for word in words if word not in names][:MAX_SHOWN]


def item_progress(postmortem_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(completed, total) action items per postmortem, as the action-items app answers."""
    progress: dict[int, tuple[int, int]] = {}
    for answer in hooks.answers(ITEM_PROGRESS, postmortem_ids=postmortem_ids):
        progress.update(answer)
    return progress
