"""Reads for the template designer: the list, one template's sections, defaults per severity,
and the live preview (a real incident's variables, or a sample incident's)."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.models import (
    EntryKind,
    Incident,
    IncidentLink,
    LinkType,
    Relationship,
    Severity,
    Status,
    TimelineEntry,
)
from incidents.selectors import parse_ref
from organizations.markdown import render_markdown
from organizations.models import Organization
from postmortems.creation import incident_context
from postmortems.models import Postmortem, SectionKind, Template, TemplateSection
from postmortems.variables import IncidentContext, substitute

SEVERITIES = [value for value, _ in Severity.choices]
PREVIEW_INCIDENTS = 50
SAMPLE = "sample"

# What a structured section adds to its default text when a postmortem is made from it.
KIND_NOTES = {
    SectionKind.TIMELINE: "Starts with the incident's timeline as an editable table.",
    SectionKind.ACTION_ITEMS: "Writers add action items here; each is tracked to completion.",
    SectionKind.FIVE_WHYS: "Five “why? because…” steps for the writers to fill in.",
    SectionKind.CONTRIBUTING_FACTORS: "A list of contributing factors, each with a category.",
    SectionKind.IMPACT: "Impact figures: users affected, duration, revenue, SLA, tickets.",
    SectionKind.LINKS: "The incident's linked alerts, error groups and releases.",
    SectionKind.METRICS: "The incident's metric charts.",
}


@dataclass
class TemplateRow:
    """One line of the template list."""

    template: Template
    section_count: int
    postmortem_count: int

    @property
    def severities(self) -> list[str]:
        return [s for s in SEVERITIES if s in (self.template.default_for_severities or [])]


def template_rows(*, organization: Organization) -> list[TemplateRow]:
    """Every template of the organization (retired ones too) with its counts: two queries."""
    templates = (
        Template.objects.filter(organization=organization)
        .annotate(section_count=Count("sections"))
        .order_by(Lower("name"), "pk")
    )
    used = dict(
        Postmortem.objects.filter(organization=organization, template__isnull=False)
        .values_list("template")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [TemplateRow(t, t.section_count, used.get(t.pk, 0)) for t in templates]


def effective_defaults(templates: list[Template]) -> dict[str, Template | None]:
    """{severity: the template a new postmortem of that severity gets}, from the active
    templates already loaded; the same rule as ``selectors.template_for_severity``."""
    active = sorted((t for t in templates if t.retired_at is None), key=lambda t: t.pk)
    standard = [t for t in active if t.builtin_key == "standard"]
    fallback = (standard or active or [None])[0]
    return {
        severity: next(
            (t for t in active if severity in (t.default_for_severities or [])), fallback
        )
        for severity in SEVERITIES
    }


def sections_of_template(template: Template) -> list[TemplateSection]:
    return list(
        TemplateSection.objects.filter(organization_id=template.organization_id, template=template)
    )


def preview_incidents(*, organization: Organization) -> QuerySet[Incident]:
    """The incidents a preview may be filled from: the most recent, resolved ones first."""
    resolved_first = Case(
        When(status=Status.RESOLVED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Incident.objects.filter(organization=organization)
        .annotate(resolved_first=resolved_first)
        .only("year", "number", "title", "severity", "status", "started_at")
        .order_by("resolved_first", "-started_at", "-id")[:PREVIEW_INCIDENTS]
    )


def preview_incident(*, organization: Organization, ref: str) -> Incident | None:
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    return (
        Incident.objects.filter(organization=organization, year=parsed[0], number=parsed[1])
        .select_related("organization", "commander")
        .first()
    )


def sample_context(*, organization: Organization) -> IncidentContext:
    """A plausible incident that exists nowhere: nothing is read or written."""
    now = timezone.now().replace(second=0, microsecond=0)
    started = now - timedelta(hours=3)
    commander = get_user_model()(username="sam.rivera", first_name="Sam", last_name="Rivera")
    incident = Incident(
        organization=organization,
        year=started.year,
        number=42,
        title="Checkout API returning 502s for card payments",
        description="Card payments failed at the last checkout step for EU customers.",
        severity=Severity.SEV2,
        status=Status.RESOLVED,
        started_at=started,
        detected_at=started + timedelta(minutes=4),
        acknowledged_at=started + timedelta(minutes=7),
        mitigated_at=started + timedelta(minutes=38),
        resolved_at=started + timedelta(minutes=71),
        customer_impact=True,
    )
    incident.commander = commander
    timeline = [
        TimelineEntry(
            occurred_at=started + timedelta(minutes=minutes),
            kind=kind,
            actor_name=actor,
            description=text,
            is_key_event=key,
        )
        for minutes, kind, actor, text, key in (
            (0, EntryKind.DEPLOY, "deploy-bot", "payments-api v2.3.1 deployed", False),
            (4, EntryKind.ALERT, "Datadog", "Checkout error rate above 5%", True),
            (7, EntryKind.ACTION, "Sam Rivera", "Incident acknowledged, bridge opened", False),
            (31, EntryKind.DECISION, "Sam Rivera", "Roll back payments-api to v2.3.0", True),
            (38, EntryKind.STATUS_CHANGE, "Hindsight", "Incident mitigated.", True),
            (71, EntryKind.STATUS_CHANGE, "Hindsight", "Incident resolved.", True),
        )
    ]
    links = [
        IncidentLink(
            type=LinkType.ALERT,
            title="Checkout error rate > 5%",
            url="https://alerts.example.com/checkout-5xx",
            relationship=Relationship.RELATED,
        ),
        IncidentLink(
            type=LinkType.ERROR_GROUP,
            title="GatewayTimeout in CardAuthorizer",
            url="https://errors.example.com/issues/8812",
            relationship=Relationship.CAUSED_BY,
        ),
        IncidentLink(
            type=LinkType.RELEASE,
            title="payments-api v2.3.1",
            url="https://git.example.com/payments-api/releases/v2.3.1",
            relationship=Relationship.CAUSED_BY,
        ),
    ]
    return IncidentContext(
        incident=incident,
        services=["payments-api", "checkout"],
        participants=["Sam Rivera", "Priya Shah", "Tom Becker"],
        timeline=timeline,
        links=links,
        metrics={},
    )


def preview_context(*, organization: Organization, ref: str) -> IncidentContext | None:
    """The variables of the incident ``ref`` (None when it is not the organization's), or
    the sample's."""
    if ref == SAMPLE or not ref:
        return sample_context(organization=organization)
    incident = preview_incident(organization=organization, ref=ref)
    return incident_context(incident) if incident else None


@dataclass
class PreviewSection:
    section: TemplateSection
    html: SafeString
    helper_prompt: str
    note: str


def preview_sections(sections: list[TemplateSection], ctx: IncidentContext) -> list[PreviewSection]:
    """Each section as a new postmortem would start: its default text with the variables
    substituted, rendered and sanitised like the read view."""
    return [
        PreviewSection(
            section=section,
            html=render_markdown(substitute(section.default_text, ctx)),
            helper_prompt=section.helper_prompt,  # shown to writers as written
            note=KIND_NOTES.get(section.kind, ""),
        )
        for section in sections
    ]
