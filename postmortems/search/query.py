"""Queries: what a user typed made safe, and the ranked text search.

Queries go through ``websearch_to_tsquery`` (quotes, ``or`` and ``-word`` work; nothing a user
types is a syntax error), ranked title first. The embedded SQLite default has no full-text
index: it falls back to a case-insensitive substring search over titles and section bodies,
title matches first.
"""

import re
import unicodedata

from django.db import connection
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When

from postmortems.models import Postmortem, PostmortemSearchDocument, Section
from postmortems.search.indexing import CONFIG, is_postgres

MAX_QUERY_CHARS = 200
# ts_rank's normalization: 1 divides by 1 + log(document length), so a long appendix does not
# outrank a focused document; the default weights {D .1, C .2, B .4, A 1} make a title match
# outrank any number of body matches.
RANK_NORMALIZATION = 1


def clean_query(raw: str | None) -> str:
    """What a user typed, made safe to send: printable characters only, whitespace collapsed,
    at most ``MAX_QUERY_CHARS`` characters."""
    text = "".join(
        ch if unicodedata.category(ch) not in {"Cc", "Cf", "Co", "Cs"} else " "
        for ch in (raw or "")[: MAX_QUERY_CHARS * 4]
    )
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS].strip()


def substring_terms(query: str) -> str:
    """The SQLite fallback's needle: the query without websearch syntax (quotes)."""
    return re.sub(r"\s+", " ", query.replace('"', " ")).strip()


def has_lexemes(query: str) -> bool:
    """Does the query hold a searchable word (not only stop words and punctuation)?"""
    if not is_postgres():
        return bool(substring_terms(query))
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
    needle = substring_terms(query)
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
