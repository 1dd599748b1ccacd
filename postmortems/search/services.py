"""Full-text search over postmortems.

On PostgreSQL every postmortem has a ``PostmortemSearchDocument``: one weighted ``tsvector``
(A: the title; B: summaries, the root cause and its category; C: every other section, structured
ones flattened to their words; D: the primary incident's reference, title and services) behind a
GIN index. ``search_document_refresh`` rebuilds it in one statement from the document the
services just wrote; ``search_documents_rebuild`` does the same in batches (``search_reindex``).

Queries go through ``websearch_to_tsquery`` (quotes, ``or`` and ``-word`` work; nothing a user
types is a syntax error), ranked title first, ties by recency; snippets (``ts_headline``) are
computed only for the page shown. Visibility is the read view's (``visible_q``), applied before
anything is counted or ranked, so a postmortem nobody may read never shows, not even in a count.

The embedded SQLite default has no full-text index: it falls back to a case-insensitive substring
search over titles and section bodies, title matches first.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident, IncidentService
from organizations.models import Organization
from postmortems.models import (
    Postmortem,
    PostmortemSearchDocument,
    PostmortemStatus,
    RootCauseCategory,
    Section,
)
from postmortems.permissions import visible_q

MAX_QUERY_CHARS = 200
PAGE_SIZE = 20
COUNT_CAP = 1000  # matches are counted up to here: "1,000+ results" costs less than 10,000
CONFIG = "english"
# ts_rank's normalization: 1 divides by 1 + log(document length), so a long appendix does not
# outrank a focused document; the default weights {D .1, C .2, B .4, A 1} make a title match
# outrank any number of body matches.
RANK_NORMALIZATION = 1
# Caps on what is indexed and highlighted (a tsvector holds at most 1 MB).
MAX_WEIGHT_CHARS = 150_000
MAX_HEADLINE_CHARS = 20_000
SNIPPET_WORDS = 32
# Private-use characters mark a headline's hits, so the text can be escaped before they become
# <mark> tags: nothing from the document is ever output unescaped.
START, STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, ShortWord=2, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
TITLE_HEADLINE_OPTIONS = f'StartSel="{START}", StopSel="{STOP}", HighlightAll=true'
SUMMARY_KEYS = ("summary", "root-cause", "what-happened")
SKIPPED_DATA_KEYS = {"time", "at", "occurred_at", "url", "evidence_url", "href", "key", "id"}


# --- Building the documents ----------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# Control characters (tab and newline aside), surrogates and private-use characters.
UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)


def clean_text(text: str) -> str:
    """Plain words of markdown (links keep their text, markup goes), without the characters a
    headline uses as markers, NULs, or other control characters."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text or "")
    text = re.sub(r"<[^>\n]{0,200}>", " ", text)
    text = re.sub(r"^\s*(#+|>+|[-*+]\s+\[[ xX]\])\s*", "", text, flags=re.MULTILINE)
    text = re.sub(r"\*\*|__|~~|[*`]|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)", "", text).replace("|", " ")
    text = UNPRINTABLE.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def flatten_data(data) -> Iterator[str]:
    """The words of a structured section's data: every string, times and URLs aside."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in SKIPPED_DATA_KEYS:
                yield from flatten_data(value)
    elif isinstance(data, list):
        for value in data:
            yield from flatten_data(value)


def section_text(section: dict) -> str:
    """A section's searchable text: its body, then the words of its structured data that the
    body does not already say (a generated timeline table repeats its rows)."""
    body = section.get("body") or ""
    extra = [s for s in flatten_data(section.get("data") or {}) if s.strip() and s not in body]
    return clean_text("\n".join([body, *extra]) if extra else body)


def is_summary(key: str) -> bool:
    return any(marker in (key or "") for marker in SUMMARY_KEYS)


@dataclass(frozen=True)
class WeightedText:
    """A document's text by weight: A title, B summary and root cause, C the rest."""

    postmortem_id: int
    a: str
    b: str
    c: str


def weighted_text(
    postmortem_id: int, title: str, sections: Iterable[dict], root_cause_category: str = ""
) -> WeightedText:
    b_parts, c_parts = [], []
    if root_cause_category:
        b_parts.append(str(RootCauseCategory(root_cause_category).label))
    for section in sections:
        text = section_text(section)
        (b_parts if is_summary(section.get("key", "")) else c_parts).append(text)
    return WeightedText(
        postmortem_id,
        clean_text(title)[:MAX_WEIGHT_CHARS],
        "\n".join(b_parts)[:MAX_WEIGHT_CHARS],
        "\n".join(c_parts)[:MAX_WEIGHT_CHARS],
    )


def _upsert_sql() -> str:
    """One statement: the weighted vectors of many postmortems, the incident's words (D) read in
    the statement itself, inserted or replaced."""
    from incidents.models import Incident, Service

    return f"""
        INSERT INTO {PostmortemSearchDocument._meta.db_table}
            (organization_id, postmortem_id, vector, updated_at)
        SELECT p.organization_id, p.id,
            setweight(to_tsvector(%(config)s::regconfig, src.a), 'A')
            || setweight(to_tsvector(%(config)s::regconfig, src.b), 'B')
            || setweight(to_tsvector(%(config)s::regconfig, src.c), 'C')
            || setweight(to_tsvector(%(config)s::regconfig, coalesce((
                SELECT concat_ws(' ',
                    'INC-' || i.year || '-' || lpad(i.number::text, greatest(4, length(i.number::text)), '0'),
                    i.title,
                    (SELECT string_agg(s.name, ' ')
                       FROM {IncidentService._meta.db_table} l
                       JOIN {Service._meta.db_table} s ON s.id = l.service_id
                      WHERE l.incident_id = i.id))
                FROM {Incident._meta.db_table} i WHERE i.id = p.incident_id), '')), 'D'),
            clock_timestamp()
        FROM unnest(%(ids)s::bigint[], %(a)s::text[], %(b)s::text[], %(c)s::text[])
            AS src(id, a, b, c)
        JOIN {Postmortem._meta.db_table} p ON p.id = src.id
        ON CONFLICT (postmortem_id) DO UPDATE
            SET vector = EXCLUDED.vector, updated_at = EXCLUDED.updated_at
    """  # noqa: E501, S608 -- table names from the models; every value is a parameter


def _write_vectors(texts: list[WeightedText]) -> None:
    if not texts:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(),
            {
                "config": CONFIG,
                "ids": [t.postmortem_id for t in texts],
                "a": [t.a for t in texts],
                "b": [t.b for t in texts],
                "c": [t.c for t in texts],
            },
        )


def search_document_refresh(postmortem: Postmortem, snapshot: dict | None = None) -> None:
    """Rebuild the postmortem's search vector (one statement; nothing on SQLite).

    ``snapshot`` is the document as a revision stores it (``services.snapshot_of``); without it
    the sections are read."""
    if not is_postgres():
        return
    if snapshot is None:
        sections = Section.objects.filter(postmortem=postmortem).values("key", "body", "data")
        snapshot = {"title": postmortem.title, "sections": list(sections)}
    _write_vectors(
        [
            weighted_text(
                postmortem.pk,
                snapshot["title"],
                snapshot["sections"],
                postmortem.root_cause_category,
            )
        ]
    )


REFRESH_AT_MOST_EVERY = timedelta(seconds=20)


def postmortems_follow_incident(*, incident: Incident, fields: frozenset[str]) -> None:
    """The postmortems of an incident search by its reference, title and services too: a new
    title or new services rebuild their vectors. Receiver of
    ``incidents.services.INCIDENT_CHANGED`` (registered in ``apps.py``)."""
    if not fields & {"title", "services"}:
        return
    for postmortem in Postmortem.objects.filter(
        organization=incident.organization, incident=incident
    ):
        search_document_refresh(postmortem)


def search_document_refresh_soon(postmortem: Postmortem, snapshot: dict | None = None) -> None:
    """Refresh the vector unless it was refreshed moments ago: a writer's autosaves come every
    few seconds, and rebuilding the vector of a long document each time would double their
    cost. ``search_documents_refresh_stale`` (beat) picks up the last change of a burst."""
    if not is_postgres():
        return
    recent = PostmortemSearchDocument.objects.filter(
        postmortem_id=postmortem.pk, updated_at__gte=timezone.now() - REFRESH_AT_MOST_EVERY
    ).exists()
    if not recent:
        search_document_refresh(postmortem, snapshot)


def search_documents_refresh_stale(*, limit: int = 500) -> int:
    """Refresh the vectors older than their postmortem's last change (every organization: a
    beat task). Returns how many were refreshed."""
    if not is_postgres():
        return 0
    stale = list(
        Postmortem.objects.filter(
            Q(search_document__isnull=True) | Q(updated_at__gt=F("search_document__updated_at"))
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(stale), 100):
        _rebuild_batch(stale[start : start + 100])
    return len(stale)


def search_documents_rebuild(
    *, organization: Organization | None = None, batch_size: int = 500
) -> int:
    """Rebuild every postmortem's vector (of one organization, or all), in batches. Returns how
    many were written (0 on SQLite, which has no index)."""
    if not is_postgres():
        return 0
    postmortems = Postmortem.objects.all()
    if organization is not None:
        postmortems = postmortems.filter(organization=organization)
    ids = list(postmortems.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        _rebuild_batch(ids[start : start + batch_size])
    return len(ids)


def _rebuild_batch(ids: list[int]) -> None:
    sections: dict[int, list[dict]] = {pk: [] for pk in ids}
    for row in (
        Section.objects.filter(postmortem_id__in=ids)
        .order_by("postmortem_id", "position", "id")
        .values("postmortem_id", "key", "body", "data")
    ):
        sections[row["postmortem_id"]].append(row)
    rows = Postmortem.objects.filter(pk__in=ids).values_list("pk", "title", "root_cause_category")
    _write_vectors(
        [weighted_text(pk, title, sections[pk], category) for pk, title, category in rows]
    )


# --- Queries -------------------------------------------------------------------------------------


def clean_query(raw: str | None) -> str:
    """What a user typed, made safe to send: printable characters only, whitespace collapsed,
    at most ``MAX_QUERY_CHARS`` characters."""
    text = "".join(
        ch if unicodedata.category(ch) not in {"Cc", "Cf", "Co", "Cs"} else " "
        for ch in (raw or "")[: MAX_QUERY_CHARS * 4]
    )
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS].strip()


def _substring_terms(query: str) -> str:
    """The SQLite fallback's needle: the query without websearch syntax (quotes)."""
    return re.sub(r"\s+", " ", query.replace('"', " ")).strip()


def has_lexemes(query: str) -> bool:
    """Does the query hold a searchable word (not only stop words and punctuation)?"""
    if not is_postgres():
        return bool(_substring_terms(query))
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [CONFIG, query])
        return cursor.fetchone()[0] > 0


def _tsquery(query: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(query, search_type="websearch", config=CONFIG)


def text_search(
    queryset: QuerySet[Postmortem], query: str, *, checked: bool = False
) -> QuerySet[Postmortem]:
    """``queryset`` narrowed to the postmortems matching ``query``, annotated with ``rank`` and
    ordered by it (then the most recent first). The list page and the API's ``q`` use this.

    A query without searchable words (only stop words or punctuation) falls back to the title
    containing it; on PostgreSQL a query in a script the English parser does not split into words
    (CJK) also matches titles containing it. ``checked``: the caller cleaned the query and made
    sure it has searchable words."""
    query = query if checked else clean_query(query)
    if not query:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if not is_postgres():
        return _substring_search(queryset, query)
    if not checked and not has_lexemes(query):
        return (
            queryset.filter(title__icontains=query)
            .annotate(rank=Value(1.0, output_field=FloatField()))
            .order_by("-updated_at", "-number")
        )
    from django.contrib.postgres.search import SearchRank

    tsquery = _tsquery(query)
    match = Q(search_document__vector=tsquery)
    if not query.isascii():
        # The vector match stays an indexed subquery; the title is scanned for the substring.
        vectors = PostmortemSearchDocument.objects.filter(vector=tsquery)
        match = Q(pk__in=vectors.values("postmortem_id")) | Q(title__icontains=query)
    return (
        queryset.filter(match)
        .annotate(
            rank=SearchRank(
                F("search_document__vector"), tsquery, normalization=Value(RANK_NORMALIZATION)
            )
        )
        .order_by(
            F("rank").desc(nulls_last=True), F("published_at").desc(nulls_last=True), "-number"
        )
    )


def _substring_search(queryset: QuerySet[Postmortem], query: str) -> QuerySet[Postmortem]:
    needle = _substring_terms(query)
    if not needle:
        return queryset.none()
    in_sections = Exists(Section.objects.filter(postmortem=OuterRef("pk"), body__icontains=needle))
    return (
        queryset.filter(Q(title__icontains=needle) | in_sections)
        .annotate(
            rank=Case(
                When(title__icontains=needle, then=Value(1.0)),
                default=Value(0.5),
                output_field=FloatField(),
            )
        )
        .order_by("-rank", F("published_at").desc(nulls_last=True), "-number")
    )


# --- The search page -----------------------------------------------------------------------------

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
class SearchHit:
    postmortem: Postmortem
    rank: float
    title_html: SafeString
    snippet: SafeString
    section_title: str = ""
    services: list[str] = field(default_factory=list)


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
    results.hits = _hits(postmortems, query)
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


def _hits(postmortems: list[Postmortem], query: str) -> list[SearchHit]:
    if not postmortems:
        return []
    sections = _sections_of([p.pk for p in postmortems])
    services = _services_of([p.incident_id for p in postmortems if p.incident_id])
    if is_postgres():
        titles, snippets = _headlines(postmortems, sections, query)
    else:
        titles, snippets = _substring_snippets(postmortems, sections, query)
    return [
        SearchHit(
            postmortem=p,
            rank=float(getattr(p, "rank", 0) or 0),
            title_html=titles[p.pk],
            snippet=snippets.get(p.pk, (_opening(sections[p.pk]), ""))[0],
            section_title=snippets.get(p.pk, ("", ""))[1],
            services=services.get(p.incident_id, []),
        )
        for p in postmortems
    ]


def _sections_of(ids: list[int]) -> dict[int, list[dict]]:
    """The page's sections, summaries first, then in document order (one query)."""
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    rows = Section.objects.filter(postmortem_id__in=ids).values(
        "postmortem_id", "key", "title", "body", "data", "position", "id"
    )
    for row in sorted(rows, key=lambda r: (not is_summary(r["key"]), r["position"], r["id"])):
        row["text"] = section_text(row)[:MAX_HEADLINE_CHARS]
        found[row["postmortem_id"]].append(row)
    return found


def _services_of(incident_ids: list[int]) -> dict[int, list[str]]:
    services: dict[int, list[str]] = {}
    for incident_id, name in (
        IncidentService.objects.filter(incident_id__in=incident_ids)
        .order_by("service__name")
        .values_list("incident_id", "service__name")
    ):
        services.setdefault(incident_id, []).append(name)
    return services


def _plain(text: str) -> str:
    return text.replace(START, "").replace(STOP, "")


def marked(text: str) -> SafeString:
    """Escaped text whose headline markers become ``<mark>`` tags."""
    html = str(escape(text)).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 -- escaped above; the only tags are our <mark>s


def _headlines(
    postmortems: list[Postmortem], sections: dict[int, list[dict]], query: str
) -> tuple[dict[int, SafeString], dict[int, tuple[SafeString, str]]]:
    """Highlighted titles, and for each postmortem the first matching section's headline (one
    query for the whole page; sections that do not match are not headlined)."""
    keys, texts, is_title = [], [], []
    for p in postmortems:
        keys.append((p, None))
        texts.append(_plain(p.title))
        is_title.append(True)
        for index, section in enumerate(sections[p.pk]):
            if section["text"]:
                keys.append((p, index))
                texts.append(section["text"])
                is_title.append(False)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.n, CASE
                WHEN t.is_title THEN ts_headline(%(config)s::regconfig, t.txt, q.q, %(title)s)
                WHEN to_tsvector(%(config)s::regconfig, t.txt) @@ q.q
                THEN ts_headline(%(config)s::regconfig, t.txt, q.q, %(options)s) END
              FROM unnest(%(texts)s::text[], %(is_title)s::boolean[])
                   WITH ORDINALITY AS t(txt, is_title, n),
                   websearch_to_tsquery(%(config)s::regconfig, %(query)s) AS q(q)
            """,
            {
                "config": CONFIG,
                "texts": texts,
                "is_title": is_title,
                "query": query,
                "title": TITLE_HEADLINE_OPTIONS,
                "options": HEADLINE_OPTIONS,
            },
        )
        headlines = dict(cursor.fetchall())
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    titles, snippets = {}, {}
    for n, (p, index) in enumerate(keys, start=1):
        headline = headlines.get(n) or ""
        if index is None:
            # A title found by substring (a script the parser keeps in one word) is marked here.
            titles[p.pk] = (
                marked(headline)
                if START in headline
                else _mark_around(_plain(p.title), pattern, whole=True)
            )
        elif START in headline and p.pk not in snippets:
            snippets[p.pk] = (marked(headline), sections[p.pk][index]["title"])
    return titles, snippets


def _substring_snippets(
    postmortems: list[Postmortem], sections: dict[int, list[dict]], query: str
) -> tuple[dict[int, SafeString], dict[int, tuple[SafeString, str]]]:
    needle = _substring_terms(query)
    pattern = re.compile(re.escape(needle), re.IGNORECASE) if needle else None
    titles, snippets = {}, {}
    for p in postmortems:
        titles[p.pk] = _mark_around(_plain(p.title), pattern, whole=True)
        for section in sections[p.pk]:
            if pattern and pattern.search(section["text"]):
                snippets[p.pk] = (_mark_around(section["text"], pattern), section["title"])
                break
    return titles, snippets


def _word_window(text: str, hit_start: int, hit_end: int) -> tuple[int, int]:
    """About 90 characters before the hit and 120 after, widened to whole words."""
    start, end = max(0, hit_start - 90), min(len(text), hit_end + 120)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _mark_around(text: str, pattern: re.Pattern | None, *, whole: bool = False) -> SafeString:
    """The text around the first hit (all of it when ``whole``), escaped, hits in ``<mark>``."""
    hit = pattern.search(text) if pattern else None
    if hit is None:
        return marked(text if whole else _words(text))
    start, end = (0, len(text)) if whole else _word_window(text, hit.start(), hit.end())
    window = text[start:end]
    window = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return marked(f"{prefix}{window}{suffix}")


def _words(text: str, count: int = SNIPPET_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def _opening(sections: list[dict]) -> SafeString:
    """No section matched (the title or the incident did): the document's first words."""
    for section in sections:
        if section["text"]:
            return marked(_words(section["text"]))
    return mark_safe("")
