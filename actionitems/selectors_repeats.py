"""Near-repeats: the open action items elsewhere in the organization that a new item's words
nearly repeat, offered beside the add form so the writer can follow the existing one instead.

On PostgreSQL the descriptions are compared by trigram similarity (``pg_trgm``, one query); the
SQLite fallback reads a bounded pool of open items sharing a word and compares their terms in
Python. Only items of postmortems the writer may read are ever offered.
"""

from django.db.models import Q, QuerySet

from organizations.models import Organization
from postmortems.models import Postmortem
from postmortems.search.indexing import is_postgres
from postmortems.search.similar_terms import probe_terms, term_overlap

from .models import ActionItem
from .selectors import open_q, visible_items

MIN_CHARS = 12  # shorter text is not worth a lookup
NEAR_REPEAT = 0.5  # trigram similarity (PostgreSQL) or term overlap (fallback) from here
LIMIT = 3
FALLBACK_POOL = 200


def near_repeats(
    *,
    organization: Organization,
    membership,
    description: str,
    postmortem: Postmortem,
    limit: int = LIMIT,
) -> list[ActionItem]:
    """The open items of other readable postmortems whose description nearly repeats
    ``description``, closest first (with their postmortem and owner: no query per item)."""
    description = " ".join((description or "").split())[:500]
    if len(description) < MIN_CHARS:
        return []
    items = (
        visible_items(organization=organization, membership=membership)
        .filter(open_q())
        .exclude(postmortem=postmortem)
        .select_related("postmortem", "owner")
    )
    if is_postgres():
        return near_repeats_postgres(items, description, limit)
    return near_repeats_fallback(items, description, limit)


def near_repeats_postgres(
    items: QuerySet[ActionItem], description: str, limit: int
) -> list[ActionItem]:
    from django.contrib.postgres.search import TrigramSimilarity

    return list(
        items.annotate(closeness=TrigramSimilarity("description", description))
        .filter(closeness__gte=NEAR_REPEAT)
        .order_by("-closeness", "-number")[:limit]
    )


def near_repeats_fallback(
    items: QuerySet[ActionItem], description: str, limit: int
) -> list[ActionItem]:
    """Without trigrams (SQLite; works on any database): the most recent open items sharing one
    of the description's first words, scored by the terms they share."""
    words = list(probe_terms(description).values())[:6]
    if not words:
        return []
    sharing = Q(pk__in=[])
    for word in words:
        sharing |= Q(description__icontains=word)
    pool = list(items.filter(sharing).order_by("-created_at", "-pk")[:FALLBACK_POOL])
    scored = [(term_overlap(description, item.description), item) for item in pool]
    close = [(score, item) for score, item in scored if score >= NEAR_REPEAT]
    close.sort(key=lambda pair: (-pair[0], -pair[1].number))
    return [item for _, item in close[:limit]]
