"""Full-text search over postmortems: the search page's filters and one ranked page of hits.

The index is built in ``indexing``; what a user typed is cleaned and matched in ``query``
(``websearch_to_tsquery``, ranked title first, ties by recency; a substring search on SQLite);
the page's hits are highlighted in ``hits``. Visibility is the read view's (``visible_q``),
applied before anything is counted or ranked, so a postmortem nobody may read never shows, not
even in a count.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import IncidentService
from organizations.models import Organization
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.permissions import visible_q
from postmortems.search.hits import SearchHit, page_hits
from postmortems.search.query import clean_query, has_lexemes, text_search

PAGE_SIZE = 20
COUNT_CAP = 1000  # matches are counted up to here: "1,000+ results" costs less than 10,000
ANY_STATUS = "any"
ANY_STATUS_ALIASES = ("all",)  # the tracker's word for every status
DATE_FIELDS = {"incident": "incident__started_at", "published": "published_at"}


@dataclass
class SearchFilters:
    status: str = PostmortemStatus.PUBLISHED  # or ANY_STATUS: every status the member may read
    severity: str = ""
    service: str = ""
    category: str = ""
    date_field: str = "incident"
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class SearchResults:
    query: str
    page: Page | None = None
    hits: list[SearchHit] = field(default_factory=list)
    needs_words: bool = False  # a query of stop words or punctuation only

    total: int = 0  # matches, counted up to COUNT_CAP + 1

    @property
    def count(self) -> int:
        """How many matched, at most ``COUNT_CAP`` (then ``capped``: "1,000+")."""
        return min(self.total, COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def filtered_postmortems(
    *, organization: Organization, membership, filters: SearchFilters
) -> QuerySet[Postmortem]:
    """The postmortems this member may read, narrowed by the search page's filters."""
    queryset = Postmortem.objects.filter(organization=organization).filter(visible_q(membership))
    if filters.status and filters.status != ANY_STATUS:
        queryset = queryset.filter(status=filters.status)
    if filters.severity:
        queryset = queryset.filter(incident__severity=filters.severity)
    if filters.service:
        services = IncidentService.objects.filter(
            organization=organization, service__name=filters.service
        ).values("incident")
        queryset = queryset.filter(incident__in=services)
    if filters.category:
        queryset = queryset.filter(root_cause_category=filters.category)
    return _between(queryset, DATE_FIELDS.get(filters.date_field, DATE_FIELDS["incident"]), filters)


def _between(queryset: QuerySet[Postmortem], field_name: str, filters: SearchFilters):
    tz = timezone.get_current_timezone()
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=tz)
        queryset = queryset.filter(**{f"{field_name}__gte": start})
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        queryset = queryset.filter(**{f"{field_name}__lt": end})
    return queryset


def search_postmortems(
    *,
    organization: Organization,
    membership,
    query: str,
    filters: SearchFilters | None = None,
    page_number=1,
    per_page: int = PAGE_SIZE,
) -> SearchResults:
    """One page of ranked results with highlighted snippets, in a fixed number of queries."""
    query = clean_query(query)
    results = SearchResults(query=query)
    if not query:
        return results
    if not has_lexemes(query):
        results.needs_words = True
        return results
    queryset = text_search(
        filtered_postmortems(
            organization=organization, membership=membership, filters=filters or SearchFilters()
        ),
        query,
        checked=True,
    )
    rows, number, total = _ranked_page(queryset, page_number, per_page)
    found = Postmortem.objects.filter(pk__in=[pk for pk, _ in rows]).select_related(
        "incident", "author"
    )
    by_pk = {p.pk: p for p in found}
    postmortems = []
    for pk, rank in rows:
        by_pk[pk].rank = rank
        postmortems.append(by_pk[pk])
    results.total = total
    results.page = Page(postmortems, number, Paginator(range(min(total, COUNT_CAP)), per_page))
    results.hits = page_hits(postmortems, query)
    return results


def _ranked_page(
    queryset: QuerySet[Postmortem], page_number, per_page: int
) -> tuple[list[tuple[int, float]], int, int]:
    """The page's (pk, rank) rows, its number and the number of matches (counted up to
    ``COUNT_CAP`` + 1: past it the page says "1,000+"). The ranking reads the postmortems and
    their vectors only: the display joins are made for the page's rows alone. A page number
    past the end answers the last page."""
    try:
        number = max(1, int(page_number or 1))
    except (TypeError, ValueError):
        number = 1
    total = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    if not total:
        return [], 1, 0
    number = min(number, -(-min(total, COUNT_CAP) // per_page))
    offset = (number - 1) * per_page
    rows = queryset.values_list("pk", "rank")[offset : min(offset + per_page, COUNT_CAP)]
    return [(pk, float(rank or 0)) for pk, rank in rows], number, total
