"""What a share link shows: the public document of a PUBLISHED postmortem, as a page and as
JSON.

It is built field by field from an explicit list of public things: the public summary, the
chosen sections (free text plus the people-free parts of structured data), the title, and the
incident's severity, dates and duration. Never shown: names of people (authors, commanders,
participants, reviewers, owners, timeline actors, comment authors, @mentions), the impact
figures (users affected, revenue, SLA, support tickets), comments, reviews, history, evidence
URLs and ticket URLs. As a safety net, ``redaction`` replaces the names of everyone involved
with the organization in every public text.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import nh3
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scope

from actionitems.models import ActionItem
from incidents.charts import render_chart
from incidents.models import IncidentLink, MetricSeries
from organizations.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.selectors import DATA_BACKED_KINDS, created_bodies
from postmortems.sharing.redaction import Redactor, people_names, private_urls
from postmortems.templatetags.documents import factor_levels, filled_whys, timeline_rows


def _public_html(html: str) -> SafeString:
    """Sanitised markdown made fit for the outside: no images (their URLs are the org's) and
    only absolute links (a relative one names the organization's pages)."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS - {"img"},
        attributes={k: v for k, v in ALLOWED_ATTRIBUTES.items() if k != "img"},
        attribute_filter=_absolute_links,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (cleaned by nh3 just above)


def _absolute_links(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if re.match(r"^(https?:|mailto:)", value, re.IGNORECASE) else None
    return value


def public_markdown(text: str) -> SafeString:
    return _public_html(render_markdown(text or ""))


@dataclass
class PublicSection:
    key: str
    title: str
    kind: str
    body: str  # markdown source, names removed; "" when the section shows none
    html: SafeString
    rows: list[dict] = field(default_factory=list)  # the kind's structured items
    charts: list[SafeString] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.body.strip() or self.rows or self.charts)


@dataclass
class PublicIncident:
    severity: str
    severity_label: str
    started_at: datetime | None
    detected_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    duration: timedelta | None
    time_to_detect: timedelta | None


@dataclass
class PublicDocument:
    title: str
    organization: str
    summary: str
    summary_html: SafeString
    published_at: datetime | None
    incident: PublicIncident | None
    sections: list[PublicSection]
    time_zone: str


def public_document(postmortem: Postmortem) -> PublicDocument:
    """Only the public parts of the postmortem, names removed; a fixed number of queries."""
    organization = postmortem.organization
    with scope(organization=organization):
        redact = Redactor(people_names(postmortem), private_urls(postmortem))
        chosen = set(postmortem.public_sections or [])
        sections = [s for s in Section.objects.filter(postmortem=postmortem) if s.key in chosen]
        incident = postmortem.incident
        builder = _SectionBuilder(postmortem, sections, redact)
        return PublicDocument(
            title=redact(postmortem.title),
            organization=organization.name,
            summary=redact(postmortem.public_summary),
            summary_html=public_markdown(redact(postmortem.public_summary)),
            published_at=postmortem.published_at,
            incident=_public_incident(incident) if incident else None,
            sections=[builder.build(section) for section in sections],
            time_zone=organization.time_zone,
        )


def _public_incident(incident) -> PublicIncident:
    return PublicIncident(
        severity=incident.severity,
        severity_label=incident.get_severity_display(),
        started_at=incident.started_at,
        detected_at=incident.detected_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        duration=incident.duration,
        time_to_detect=incident.time_to_detect,
    )


class _SectionBuilder:
    """Each section kind's public form. Related rows are read once, only for chosen kinds."""

    def __init__(self, postmortem: Postmortem, sections: list[Section], redact: Redactor):
        self.postmortem = postmortem
        self.redact = redact
        kinds = {s.kind for s in sections}
        incident_id = postmortem.incident_id
        self.created = created_bodies(postmortem) if sections else {}
        self.untouched = self._untouched(sections)
        self.items = (
            list(ActionItem.objects.filter(postmortem=postmortem).order_by("position", "id"))
            if SectionKind.ACTION_ITEMS in kinds
            else []
        )
        self.links = (
            list(IncidentLink.objects.filter(incident_id=incident_id))
            if SectionKind.LINKS in kinds and incident_id
            else []
        )
        self.metrics = (
            list(MetricSeries.objects.filter(incident_id=incident_id))
            if SectionKind.METRICS in kinds and incident_id
            else []
        )

    def _untouched(self, sections: list[Section]) -> set[str]:
        """Data-backed sections whose body is still the generated one (it repeats the data,
        with actors and URLs): their body is not shown."""
        candidates = {s.key: s.body for s in sections if s.kind in DATA_BACKED_KINDS}
        return {key for key, body in candidates.items() if self.created.get(key) == body}

    def build(self, section: Section) -> PublicSection:
        """The section's public form."""
        body = "" if section.key in self.untouched else self.redact(section.body)
        rows_of = getattr(self, f"_{section.kind}", None)
        public = PublicSection(
            key=section.key,
            title=self.redact(section.title),
            kind=section.kind,
            body=body,
            html=public_markdown(body),
            rows=rows_of(section) if rows_of else [],
        )
        if section.kind == SectionKind.METRICS:
            incident = self.postmortem.incident
            public.charts = [render_chart(series, incident=incident) for series in self.metrics]
        return public

    def _text(self, value) -> dict:
        text = self.redact(value)
        return {"text": text, "html": public_markdown(text)}

    def _timeline(self, section: Section) -> list[dict]:
        return [
            {
                "time": row.moment,
                "raw_time": row.raw_time,
                "key_event": row.key,
                "event": self._text(row.event),
            }
            for row in timeline_rows(section.data)
        ]

    def _five_whys(self, section: Section) -> list[dict]:
        return [
            {"why": self.redact(step["why"]), "because": self._text(step["because"])}
            for step in filled_whys(section.data)
        ]

    def _contributing_factors(self, section: Section) -> list[dict]:
        return [
            {
                "level": level["level"],
                "title": level["title"],
                "factors": [
                    {
                        "title": self.redact(factor.get("title") or ""),
                        "category": str(factor.get("category") or ""),
                        "description": self._text(factor.get("description") or ""),
                    }
                    for factor in level["factors"]
                ],
            }
            for level in factor_levels(section.data)
        ]

    def _action_items(self, section: Section) -> list[dict]:
        return [
            {
                "description": self._text(item.description),
                "priority": item.priority,
                "priority_label": item.get_priority_display(),
                "status": item.status,
                "status_label": item.get_status_display(),
                "category": item.category,
                "category_label": item.get_category_display() if item.category else "",
                "due_date": item.due_date,
            }
            for item in self.items
            if item.section_key == section.key
        ]

    def _links(self, section: Section) -> list[dict]:
        return [
            {
                "type": link.type,
                "type_label": link.get_type_display(),
                "title": self.redact(link.title),
                "relationship": link.relationship,
                "relationship_label": link.get_relationship_display(),
                "occurred_at": link.occurred_at,
            }
            for link in self.links
        ]


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def _minutes(value: timedelta | None) -> int | None:
    return int(value.total_seconds() // 60) if value is not None else None


def public_json(document: PublicDocument) -> dict:
    """The public document as plain JSON (markdown sources, no HTML)."""
    incident = document.incident
    return {
        "title": document.title,
        "organization": document.organization,
        "summary": document.summary,
        "published_at": _iso(document.published_at),
        "incident": None
        if incident is None
        else {
            "severity": incident.severity,
            "started_at": _iso(incident.started_at),
            "detected_at": _iso(incident.detected_at),
            "mitigated_at": _iso(incident.mitigated_at),
            "resolved_at": _iso(incident.resolved_at),
            "duration_minutes": _minutes(incident.duration),
        },
        "sections": [_section_json(section) for section in document.sections],
    }


def _section_json(section: PublicSection) -> dict:
    data = {"key": section.key, "title": section.title, "kind": section.kind, "body": section.body}
    rows = section.rows
    if section.kind == SectionKind.TIMELINE:
        data["timeline"] = [
            {
                "time": _iso(r["time"]) or r["raw_time"],
                "event": r["event"]["text"],
                "key_event": r["key_event"],
            }
            for r in rows
        ]
    elif section.kind == SectionKind.FIVE_WHYS:
        data["whys"] = [{"why": r["why"], "because": r["because"]["text"]} for r in rows]
    elif section.kind == SectionKind.CONTRIBUTING_FACTORS:
        data["factors"] = [
            {
                "level": level["level"],
                "title": f["title"],
                "category": f["category"],
                "description": f["description"]["text"],
            }
            for level in rows
            for f in level["factors"]
        ]
    elif section.kind == SectionKind.ACTION_ITEMS:
        data["action_items"] = [
            {
                "description": r["description"]["text"],
                "priority": r["priority"],
                "status": r["status"],
                "category": r["category"],
                "due_date": _iso(r["due_date"]),
            }
            for r in rows
        ]
    elif section.kind == SectionKind.LINKS:
        data["links"] = [
            {
                "type": r["type"],
                "title": r["title"],
                "relationship": r["relationship"],
                "occurred_at": _iso(r["occurred_at"]),
            }
            for r in rows
        ]
    return data
