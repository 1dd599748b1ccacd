"""The hits of the page shown: highlighted titles, a snippet of the first matching section
and the incident's services.

Snippets (``ts_headline``) are computed only for the page shown, in one query; SQLite marks the
substring instead. Every piece of the document is escaped before the hits become ``<mark>``
tags.
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.models import IncidentService
from postmortems.models import Postmortem, Section
from postmortems.search.indexing import CONFIG, is_postgres, is_summary, section_text
from postmortems.search.query import substring_terms

# A cap on what is highlighted.
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


@dataclass
class SearchHit:
    postmortem: Postmortem
    rank: float
    title_html: SafeString
    snippet: SafeString
    section_title: str = ""
    services: list[str] = field(default_factory=list)


def page_hits(postmortems: list[Postmortem], query: str) -> list[SearchHit]:
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
    needle = substring_terms(query)
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
