"""The search documents: what of a postmortem is indexed, and keeping the index current.

On PostgreSQL every postmortem has a ``PostmortemSearchDocument``: one weighted ``tsvector``
(A: the title; B: summaries, the root cause and its category; C: every other section, structured
ones flattened to their words; D: the primary incident's reference, title and services) behind a
GIN index. ``search_document_refresh`` rebuilds it in one statement from the document the
services just wrote; ``search_documents_rebuild`` does the same in batches (``search_reindex``).
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from incidents.models import Incident, IncidentService
from organizations.models import Organization
from postmortems.models import Postmortem, PostmortemSearchDocument, RootCauseCategory, Section

CONFIG = "english"
# A cap on what is indexed (a tsvector holds at most 1 MB).
MAX_WEIGHT_CHARS = 150_000
SUMMARY_KEYS = ("summary", "root-cause", "what-happened")
SKIPPED_DATA_KEYS = {"time", "at", "occurred_at", "url", "evidence_url", "href", "key", "id"}


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
