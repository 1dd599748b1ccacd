"""Public sharing of a PUBLISHED postmortem: services, selectors, view-model.

A share link is a random token of which only the hash is stored. A link works while it is not
revoked, not expired and its postmortem is PUBLISHED: archiving (or anything else that takes the
postmortem out of PUBLISHED) stops every link at once, and ``share_link_from_token`` answers None
for all of these alike, so the public views give one and the same 404.

What a link shows is built here, field by field, from an explicit list of public things: the
public summary, the chosen sections (free text plus the people-free parts of structured data),
the title, and the incident's severity, dates and duration. Never shown: names of people (authors,
commanders, participants, reviewers, owners, timeline actors, comment authors, @mentions), the
impact figures (users affected, revenue, SLA, support tickets), comments, reviews, history,
evidence URLs and ticket URLs. As a safety net, the names of everyone involved with the
organization are replaced in every public text.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import nh3
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scope, scopes_disabled

from actionitems.models import ActionItem
from incidents.charts import render_chart
from incidents.models import IncidentLink, IncidentParticipant, MetricSeries, TimelineEntry
from organizations.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from organizations.services import hash_token
from postmortems.models import (
    Comment,
    Postmortem,
    PostmortemStatus,
    Review,
    Revision,
    Section,
    SectionKind,
    ShareLink,
)
from postmortems.permissions import Access
from postmortems.placeholders import written_text
from postmortems.selectors import DATA_BACKED_KINDS, created_bodies
from postmortems.services import history_note
from postmortems.templatetags.documents import factor_levels, filled_whys, timeline_rows

TOKEN_BYTES = 32
PREFIX_LENGTH = 6
MAX_TOKEN_LENGTH = 100  # a real token is 43 characters; anything far longer is not one
REDACTED = "[name removed]"
LINK_REDACTED = "[link removed]"
SUMMARY_MAX_LENGTH = 20_000

# What the share panel tells the author stays private, whatever they choose.
PRIVATE_FIELDS = (
    "Names of people: author, commander, participants, reviewers, action-item owners, "
    "timeline actors, @mentions",
    "Users affected, revenue impact, SLA and support tickets",
    "Comments, reviews and the document history",
    "Evidence and ticket URLs (internal dashboards, alerts, logs)",
    "Sections you do not choose",
)
# What a link shows of each structured section kind, beside its text.
KIND_NOTES = {
    SectionKind.TIMELINE: "times and events; the “who” column is left out",
    SectionKind.ACTION_ITEMS: "description, priority, category, due date, status; no owners",
    SectionKind.IMPACT: "duration of impact and the text; the figures stay private",
    SectionKind.LINKS: "type and title of each piece of evidence; no URLs",
    SectionKind.METRICS: "the charts",
    SectionKind.FIVE_WHYS: "the chain of whys",
    SectionKind.CONTRIBUTING_FACTORS: "factors with their category",
}


class SharingError(Exception):
    """Sharing is not possible in the postmortem's current state (a 409)."""


# --- Rights ------------------------------------------------------------------------------------


def may_share(access: Access) -> bool:
    """The author (with a role that writes postmortems) or an admin manages sharing."""
    return access.can_read and (access.is_admin or access.is_author_with_role)


def _require_published(postmortem: Postmortem, doing: str) -> None:
    if postmortem.status != PostmortemStatus.PUBLISHED:
        raise SharingError(
            f"Only a published postmortem can be {doing}: this one is "
            f"{postmortem.get_status_display().lower()}."
        )


# --- Services ----------------------------------------------------------------------------------


@transaction.atomic
def public_content_update(
    *, postmortem: Postmortem, actor: AbstractBaseUser, summary: str, section_keys: list[str]
) -> Postmortem:
    """Set the public summary and the sections a link shows (kept in document order)."""
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    _require_published(locked, "shared")
    order = list(Section.objects.filter(postmortem=locked).values_list("key", flat=True))
    chosen = set(section_keys)
    locked.public_summary = summary.strip()
    locked.public_sections = [key for key in order if key in chosen]
    locked.save(update_fields=["public_summary", "public_sections"])
    history_note(postmortem=locked, actor=actor, summary="Changed what share links show")
    postmortem.public_summary = locked.public_summary
    postmortem.public_sections = locked.public_sections
    return postmortem


@transaction.atomic
def share_link_create(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[ShareLink, str]:
    """A new link and its token (returned once: only its hash is stored)."""
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    _require_published(locked, "shared")
    if not locked.public_summary.strip():
        raise SharingError("Write the public summary before creating a link.")
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        organization=locked.organization,
        postmortem=locked,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        label=label.strip(),
        created_by=actor,
        expires_at=expires_at,
    )
    history_note(postmortem=locked, actor=actor, summary=f"Created share link {link.prefix}…")
    return link, plain


@transaction.atomic
def share_link_revoke(*, link: ShareLink, actor: AbstractBaseUser) -> bool:
    """Revoke a link for good; False when it already was. Allowed in any status."""
    revoked = ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        history_note(
            postmortem=link.postmortem, actor=actor, summary=f"Revoked share link {link.prefix}…"
        )
    link.refresh_from_db(fields=["revoked_at"])
    return bool(revoked)


def share_link_record_view(link: ShareLink) -> None:
    """Count a view with a single UPDATE (no read-modify-write race)."""
    with scopes_disabled():
        ShareLink.objects.filter(pk=link.pk).update(
            view_count=F("view_count") + 1, last_viewed_at=timezone.now()
        )


# --- Selectors ---------------------------------------------------------------------------------


def share_link_from_token(token: str) -> ShareLink | None:
    """The working link of a token: None when unknown, revoked, expired, or its postmortem is
    not PUBLISHED (all alike, so callers answer the same 404)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with scopes_disabled():
        link = (
            ShareLink.objects.filter(
                token_hash=hash_token(token),
                revoked_at__isnull=True,
                postmortem__status=PostmortemStatus.PUBLISHED,
                postmortem__organization=F("organization"),
            )
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .select_related("organization", "postmortem", "postmortem__incident")
            .first()
        )
    return link


def share_links_of(postmortem: Postmortem) -> list[ShareLink]:
    return list(
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem
        ).select_related("created_by")
    )


def active_share_links_of(postmortem: Postmortem) -> list[ShareLink]:
    """The links that work now (not revoked, not expired): those archiving turns off."""
    return list(
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id,
            postmortem=postmortem,
            revoked_at__isnull=True,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("created_by")
    )


def share_link_of(postmortem: Postmortem, link_id: int) -> ShareLink | None:
    return (
        ShareLink.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem, pk=link_id
        )
        .select_related("postmortem")
        .first()
    )


def share_link_state(link: ShareLink, postmortem: Postmortem) -> str:
    """ "revoked", "expired", "paused" (postmortem not published) or "active"."""
    if link.revoked_at:
        return "revoked"
    if link.expires_at and link.expires_at <= timezone.now():
        return "expired"
    if postmortem.status != PostmortemStatus.PUBLISHED:
        return "paused"
    return "active"


# --- Names: the safety net ----------------------------------------------------------------------


class Redactor:
    """Replaces, in text, the private URLs the incident records (evidence, tickets), @mentions
    and the names of people involved with the organization."""

    MENTION = re.compile(r"(?<![\w.@])@[\w][\w.\-]*")

    def __init__(self, names: set[str], urls: set[str] = frozenset()):
        words = sorted({n for n in names if len(n) >= 3}, key=len, reverse=True)
        self.names = self._alternation(words, r"(?<!\w)(?:", r")(?!\w)")
        links = sorted({u for u in urls if len(u) >= 8}, key=len, reverse=True)
        self.urls = self._alternation(links, "(?:", ")")

    @staticmethod
    def _alternation(words: list[str], before: str, after: str) -> re.Pattern | None:
        if not words:
            return None
        return re.compile(before + "|".join(re.escape(w) for w in words) + after)

    def __call__(self, text: str) -> str:
        text = str(text or "")
        if self.urls:
            text = self.urls.sub(LINK_REDACTED, text)
        text = self.MENTION.sub(REDACTED, text)
        return self.names.sub(REDACTED, text) if self.names else text


def people_names(postmortem: Postmortem) -> set[str]:
    """Usernames, full, first and last names of everyone in the organization or named by the
    postmortem (author, commander, participants, owners, reviewers, commenters, writers), in
    one query."""
    org = postmortem.organization_id
    people = Q(memberships__organization_id=org) | Q(pk=postmortem.author_id)
    if postmortem.incident_id:
        people |= Q(pk=postmortem.incident.commander_id) | Q(
            pk__in=IncidentParticipant.objects.filter(incident_id=postmortem.incident_id).values(
                "user"
            )
        )
    for model, column in (
        (ActionItem, "owner"),
        (Review, "reviewer"),
        (Comment, "author"),
        (Revision, "author"),
    ):
        people |= Q(pk__in=model.objects.filter(postmortem=postmortem).values(column))
    rows = (
        get_user_model().objects.filter(people).values_list("username", "first_name", "last_name")
    )
    names: set[str] = set()
    for username, first, last in rows.distinct():
        names.update(part.strip() for part in (username, first, last, f"{first} {last}"))
    return names


def private_urls(postmortem: Postmortem) -> set[str]:
    """The evidence, link and ticket URLs the incident and its action items record."""
    urls = set(
        ActionItem.objects.filter(postmortem=postmortem)
        .exclude(ticket_url="")
        .values_list("ticket_url", flat=True)
    )
    if postmortem.incident_id:
        incident = postmortem.incident_id
        urls.update(
            IncidentLink.objects.filter(incident_id=incident)
            .exclude(url="")
            .values_list("url", flat=True)
        )
        urls.update(
            TimelineEntry.objects.filter(incident_id=incident)
            .exclude(evidence_url="")
            .values_list("evidence_url", flat=True)
        )
    return urls


# --- The public document ------------------------------------------------------------------------


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
        """The section's public form; untouched template placeholders are left out."""
        written = written_text(section.body, self.created.get(section.key))
        body = "" if section.key in self.untouched else self.redact(written)
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


# --- JSON --------------------------------------------------------------------------------------


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
