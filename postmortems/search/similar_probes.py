"""What similar incidents resemble (a ``Probe``: an incident, a draft or a query), how much
each kind of closeness weighs, and the reads both rankings share (``similar`` on PostgreSQL,
``similar_fallback`` elsewhere)."""

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.db.models import CharField, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from incidents.models import Incident, IncidentService
from organizations.models import Organization
from postmortems.models import Postmortem, Section
from postmortems.search.indexing import CONFIG, section_text
from postmortems.search.similar_terms import probe_terms, websearch_or

SERVICE_WEIGHT = 1.0  # per shared service
CATEGORY_WEIGHT = 0.75
WORDS_WEIGHT = 4.0  # ts_rank of the probe's words, or the share of them found (SQLite)
TITLE_WEIGHT = 2.0  # trigram similarity of the titles (PostgreSQL)
# ts_rank's weights {D, C, B, A}: a postmortem's title and summaries (an incident's title and
# description) count, its incident's words a little, the rest of the document (timeline,
# appendices) not at all.
RANK_WEIGHTS = [0.1, 0.0, 0.4, 1.0]
SUMMARY_KEYS_Q = Q(key__contains="summary") | Q(key__contains="root-cause")


@dataclass(frozen=True)
class Probe:
    """What the results should resemble, and what they must not be."""

    title: str
    text: str = ""  # summary, root cause, description
    service_ids: tuple[int, ...] = ()
    category: str = ""
    before: datetime | None = None  # earlier incidents only
    exclude_postmortems: tuple[int, ...] = ()
    exclude_incident: int | None = None

    @cached_property
    def terms(self) -> dict[str, str]:
        """Read by the ranking and by every result's reasons: worked out once."""
        return probe_terms(self.title, self.text)


# --- Probes -------------------------------------------------------------------------------------


def incident_probe(incident: Incident) -> Probe:
    """An incident resembles what its title, description, services and (once written) its
    postmortem's root cause say."""
    # The incident page has read both already (prefetched): no query here.
    own = list(incident.postmortems.all())
    return Probe(
        title=incident.title,
        text=incident.description[:4000],
        service_ids=tuple(link.service_id for link in incident.service_links.all()),
        category=next((p.root_cause_category for p in own if p.root_cause_category), ""),
        before=incident.started_at,
        exclude_postmortems=tuple(p.pk for p in own),
        exclude_incident=incident.pk,
    )


def postmortem_probe(postmortem: Postmortem) -> Probe:
    """A draft resembles its title, summary and root cause, its incident's services and its
    root-cause category."""
    summaries = Section.objects.filter(postmortem=postmortem).filter(SUMMARY_KEYS_Q)
    incident = postmortem.incident
    return Probe(
        title=postmortem.title,
        text="\n".join(section_text(s) for s in summaries.values("body", "data"))[:4000],
        service_ids=_service_ids(postmortem.incident_id) if incident else (),
        category=postmortem.root_cause_category,
        before=incident.started_at if incident else postmortem.created_at,
        exclude_postmortems=(postmortem.pk,),
        exclude_incident=postmortem.incident_id,
    )


def query_probe(
    *,
    organization: Organization,
    query: str,
    service: str = "",
    category: str = "",
    listed: tuple[int, ...] = (),
):
    """The search page: what was typed, and the service and root cause filtered on; the
    postmortems ``listed`` among its results are not offered again."""
    service_ids = ()
    if service:
        service_ids = tuple(
            IncidentService.objects.filter(organization=organization, service__name=service)
            .values_list("service_id", flat=True)
            .distinct()[:1]
        )
    return Probe(
        title=query, service_ids=service_ids, category=category, exclude_postmortems=listed
    )


def _service_ids(incident_id: int | None) -> tuple[int, ...]:
    if incident_id is None:
        return ()
    links = IncidentService.objects.filter(incident_id=incident_id)
    return tuple(links.values_list("service_id", flat=True))


def earlier_q(probe: Probe) -> Q:
    """Postmortems of incidents that started before the probe's (or, without an incident,
    written before it)."""
    if not probe.before:
        return Q()
    return Q(incident__started_at__lt=probe.before) | Q(
        incident__isnull=True, created_at__lt=probe.before
    )


def summaries_of(ids: list[int]) -> dict[int, list[str]]:
    """The summary and root-cause sections' text of these postmortems (one query)."""
    found: dict[int, list[str]] = {}
    rows = Section.objects.filter(postmortem_id__in=ids).filter(SUMMARY_KEYS_Q)
    for row in rows.values("postmortem_id", "body", "data"):
        found.setdefault(row["postmortem_id"], []).append(section_text(row))
    return found


# --- Read with the PostgreSQL rankings ----------------------------------------------------------


def count_of(array: str):
    """How many values an array column holds (0 for none: NULL when nothing is shared)."""
    return Coalesce(Func(F(array), function="cardinality", output_field=IntegerField()), 0)


def shared_service_names(probe: Probe, *, incident: str = "incident_id"):
    """The names of the services the row's incident (the field ``incident`` names) shares with
    the probe, as an array read with the ranking (PostgreSQL)."""
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.contrib.postgres.fields import ArrayField

    if not probe.service_ids:
        return Value([], output_field=ArrayField(CharField()))
    names = (
        IncidentService.objects.filter(
            incident_id=OuterRef(incident), service_id__in=probe.service_ids
        )
        .order_by()
        .values("incident_id")
        .annotate(names=ArrayAgg("service__name"))
        .values("names")[:1]
    )
    return Subquery(names, output_field=ArrayField(CharField()))


def words_rank(probe: Probe, vector):
    """``ts_rank`` of the probe's words (any of them) over ``vector`` (PostgreSQL), 0 when
    the probe has no word."""
    from django.contrib.postgres.search import SearchQuery, SearchRank

    words = websearch_or(probe.terms)
    if not words:
        return Value(0.0)
    tsquery = SearchQuery(words, search_type="websearch", config=CONFIG)
    return Coalesce(SearchRank(vector, tsquery, weights=RANK_WEIGHTS), 0.0)
