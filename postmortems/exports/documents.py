"""A postmortem as a file: PDF, Markdown, standalone HTML and JSON.

``load_export`` reads everything a file shows in a fixed number of queries; the ``*_of``
functions turn it into the file (``data_of`` here, ``markdown_of`` in ``markdown``, the HTML and
the PDF in ``rendering``). HTML for the PDF and the
standalone page comes from one template (``postmortems/export/_document.html``); section bodies
are the sanitised markdown of the read view, with metric-chart images
(``/o/<org>/incidents/<ref>/metrics/<key>.svg``) replaced by the chart drawn in place as inline
SVG, so nothing is ever fetched over HTTP. Times are shown in the organization's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.urls import Resolver404, resolve
from django.utils import timezone

from actionitems import selectors as item_selectors
from actionitems.models import ActionItem
from actionitems.postmortem_table import items_of, ticket_ref
from incidents.charts import render_chart
from incidents.models import Incident
from organizations.markdown import render_markdown
from organizations.models import Organization
from organizations.people import display_name
from organizations.selectors import today_in
from organizations.templatetags.hindsight import duration as human_duration
from postmortems import selectors
from postmortems.models import Postmortem, Review, Revision, Section, SectionKind
from postmortems.templatetags.documents import factor_levels, filled_whys, timeline_rows

FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
}
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_SRC = re.compile(r'\bsrc="([^"]*)"')
IMG_ALT = re.compile(r'\balt="([^"]*)"')


# --- What a file shows -------------------------------------------------------------------------


@dataclass
class ExportSection:
    """A section as the files show it: its body as safe HTML and its structured parts."""

    section: Section
    body: str
    html: str
    show_body: bool
    items: list[ActionItem] = field(default_factory=list)
    export: Export | None = None

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def kind(self) -> str:
        return self.section.kind

    @cached_property
    def item_rows(self) -> list[dict]:
        return [self.export.item_row(item) for item in self.items] if self.export else []

    @cached_property
    def rows(self):
        return timeline_rows(self.section.data) if self.kind == SectionKind.TIMELINE else []

    @cached_property
    def whys(self) -> list[dict]:
        return filled_whys(self.section.data) if self.kind == SectionKind.FIVE_WHYS else []

    @cached_property
    def factor_levels(self) -> list[dict]:
        if self.kind != SectionKind.CONTRIBUTING_FACTORS:
            return []
        return factor_levels(self.section.data)

    @property
    def is_empty(self) -> bool:
        structured = self.rows or self.whys or self.factor_levels or self.items
        return not (self.show_body or structured) and self.kind not in (
            SectionKind.IMPACT,
            SectionKind.LINKS,
            SectionKind.METRICS,
        )


@dataclass
class Export:
    """Everything an export of one postmortem shows, read in a fixed number of queries."""

    postmortem: Postmortem
    document: selectors.PostmortemDocument
    items: list[ActionItem]
    reviews: list[Review]
    revision: int
    today: date
    exported_at: datetime

    @property
    def organization(self) -> Organization:
        return self.postmortem.organization

    @property
    def incident(self) -> Incident | None:
        return self.postmortem.incident

    @cached_property
    def charts(self) -> dict[str, str]:
        """Each metric series of the primary incident as SVG, by key."""
        return {
            series.key: str(render_chart(series, incident=self.incident))
            for series in self.document.metrics
        }

    @cached_property
    def sections(self) -> list[ExportSection]:
        keys = [s.key for s in self.document.sections if s.kind == SectionKind.ACTION_ITEMS]
        by_section = _items_by_section(self.items, keys)
        untouched = self.document.untouched
        return [
            ExportSection(
                section=section,
                body=section.body,
                html=self.body_html(section.body),
                show_body=bool(section.body.strip()) and section.key not in untouched,
                items=by_section.get(section.key, []),
                export=self,
            )
            for section in self.document.sections
        ]

    def body_html(self, text: str) -> str:
        return inline_charts(str(render_markdown(text or "")), self)

    @cached_property
    def key_numbers(self) -> list[tuple[str, str]]:
        incident, pm = self.incident, self.postmortem
        users = f"{pm.users_affected:,}" if pm.users_affected is not None else "—"
        return [
            ("Duration", human_duration(incident.duration) if incident else "—"),
            ("Time to detect", human_duration(incident.time_to_detect) if incident else "—"),
            ("Time to resolve", human_duration(incident.time_to_resolve) if incident else "—"),
            ("Users affected", users),
        ]

    @cached_property
    def reviewers(self) -> list:
        seen, people = set(), []
        for review in self.reviews:
            if review.reviewer_id not in seen:
                seen.add(review.reviewer_id)
                people.append(review.reviewer)
        return people

    @cached_property
    def latest_reviews(self) -> list[Review]:
        """Each reviewer's decision in the latest round they took part in."""
        latest: dict[int, Review] = {}
        for review in self.reviews:
            latest[review.reviewer_id] = review
        return list(latest.values())

    def item_rows(self, items: list[ActionItem]) -> list[dict]:
        return [self.item_row(item) for item in items]

    def item_row(self, item: ActionItem) -> dict:
        kind = item_selectors.ticket_kind(item.ticket_url)
        return {
            "item": item,
            "owner": display_name(item.owner, missing=""),
            "ticket": ticket_ref(item.ticket_url, kind) if kind else "",
            "overdue": self.is_overdue(item),
        }

    def is_overdue(self, item: ActionItem) -> bool:
        return item.due_date is not None and not item.is_closed and item.due_date < self.today

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.postmortem.title.lower()).strip("-")[:60]
        return f"PM-{self.postmortem.number}-{slug or 'postmortem'}"


def _items_by_section(items: list[ActionItem], keys: list[str]) -> dict[str, list[ActionItem]]:
    """Items by section key; items of no action-items section go to the first one."""
    first = keys[0] if keys else ""
    grouped: dict[str, list[ActionItem]] = {}
    for item in items:
        grouped.setdefault(item.section_key if item.section_key in keys else first, []).append(item)
    return grouped


def load_export(postmortem: Postmortem) -> Export:
    """Read what every export shows (a fixed number of queries, whatever the size)."""
    document = selectors.postmortem_document(postmortem)
    reviews = list(
        Review.objects.filter(organization_id=postmortem.organization_id, postmortem=postmortem)
        .select_related("reviewer")
        .order_by("round", "id")
    )
    latest = (
        Revision.objects.filter(organization_id=postmortem.organization_id, postmortem=postmortem)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return Export(
        postmortem=postmortem,
        document=document,
        items=items_of(postmortem),
        reviews=reviews,
        revision=latest or 0,
        today=today_in(postmortem.organization),
        exported_at=timezone.now(),
    )


def inline_charts(html: str, export: Export) -> str:
    """Replace ``<img>`` tags naming one of this incident's metric charts by the chart itself
    (inline SVG); any other image is left for the renderer, which fetches nothing but our own
    static files and ``data:`` URIs (``pdf.SafeURLFetcher``)."""

    def replace(match: re.Match) -> str:
        tag = match.group(0)
        src = IMG_SRC.search(tag)
        chart = _chart_for(src.group(1) if src else "", export)
        if chart is not None:
            return f'<span class="chart-inline">{chart}</span>'
        return tag

    if "<img" not in html:
        return html
    return IMG_TAG.sub(replace, html)


def _chart_for(src: str, export: Export) -> str | None:
    path = src.replace("&amp;", "&").split("?", 1)[0]
    if not path.startswith("/") or export.incident is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    kwargs = match.kwargs
    if (
        match.url_name != "incident_metric_chart"
        or kwargs.get("org_slug") != export.organization.slug
        or kwargs.get("ref") != export.incident.ref
    ):
        return None
    return export.charts.get(kwargs.get("metric", ""))


# --- JSON --------------------------------------------------------------------------------------


def data_of(export: Export) -> dict:
    """The document as structured data (``serializers.PostmortemExportSerializer``)."""
    from postmortems.exports.serializers import PostmortemExportSerializer

    return PostmortemExportSerializer(export, context={"export": export}).data


def seconds(span: timedelta | None) -> int | None:
    return int(span.total_seconds()) if span is not None else None
