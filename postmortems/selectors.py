"""Reads for postmortems."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from incidents.models import Incident, IncidentLink, IncidentService, MetricSeries
from incidents.selectors import parse_ref
from organizations.models import Organization
from postmortems.search.query import text_search

from .models import (
    Postmortem,
    PostmortemIncident,
    PostmortemStatus,
    PostmortemUserObjectPermission,
    Revision,
    Section,
    SectionKind,
    Template,
)
from .permissions import EDIT_PERMISSION, visible_q


def template_for_severity(*, organization: Organization, severity: str) -> Template | None:
    """The organization's default template for a severity, else Standard, else any."""
    templates = list(
        Template.objects.filter(organization=organization, retired_at__isnull=True).order_by("id")
    )
    for template in templates:
        if severity in (template.default_for_severities or []):
            return template
    standard = [t for t in templates if t.builtin_key == "standard"]
    return (standard or templates or [None])[0]


def active_templates(*, organization: Organization) -> QuerySet[Template]:
    return Template.objects.filter(organization=organization, retired_at__isnull=True)


def primary_postmortem_numbers(*, organization: Organization) -> dict[int, int]:
    """``{incident id: number}`` of the postmortem each incident is the primary incident of
    (one at most). Numbers only: the picker marks the incidents, whoever may read them."""
    return dict(
        Postmortem.objects.filter(organization=organization, incident__isnull=False).values_list(
            "incident_id", "number"
        )
    )


@dataclass
class DuplicatePrimary:
    """An incident that is the primary incident of several postmortems (data from before one
    postmortem per incident was enforced)."""

    incident: Incident
    postmortems: list[Postmortem]


def duplicate_primaries() -> list[DuplicatePrimary]:
    """Every such incident, in every organization (by organization, then reference); each
    group's postmortems oldest first."""
    incident_ids = (
        Postmortem.objects.filter(incident__isnull=False)
        .values("incident_id")
        .annotate(postmortems=Count("id"))
        .filter(postmortems__gt=1)
        .values("incident_id")
    )
    postmortems = (
        Postmortem.objects.filter(incident_id__in=incident_ids)
        .select_related("incident__organization")
        .order_by("incident__organization__slug", "incident__year", "incident__number", "number")
    )
    groups: dict[int, DuplicatePrimary] = {}
    for postmortem in postmortems:
        group = groups.setdefault(postmortem.incident_id, DuplicatePrimary(postmortem.incident, []))
        group.postmortems.append(postmortem)
    return list(groups.values())


def visible_postmortems(*, organization: Organization, membership) -> QuerySet[Postmortem]:
    """The organization's postmortems this member may read (visibility, DESIGN §1): the others
    answer 404, in pages and the API alike."""
    return Postmortem.objects.filter(organization=organization).filter(visible_q(membership))


def postmortem_by_number(
    *, organization: Organization, number: int, membership
) -> Postmortem | None:
    return (
        visible_postmortems(organization=organization, membership=membership)
        .filter(number=number)
        # What every page of the document shows beside it: its incident's commander, its
        # author and its review meeting, read in the same query.
        .select_related("incident__commander", "author", "template", "review_meeting")
        .first()
    )


def sections_of(postmortem: Postmortem) -> list[Section]:
    return list(Section.objects.filter(postmortem=postmortem))


def revisions_of(postmortem: Postmortem) -> QuerySet[Revision]:
    return Revision.objects.filter(postmortem=postmortem).select_related("author")


def postmortem_list(*, organization: Organization, membership, filters: dict | None = None):
    """The organization's postmortems, most recently edited first (best match first with ``q``).

    ``filters`` (all optional): ``status``, ``severity`` (the primary incident's), ``service``
    (a service name of the primary incident), ``author`` (a username), ``incident`` (a
    reference, primary or related), ``q`` (a full-text search: ``search.query.text_search``),
    ``date_from`` / ``date_to``
    (days of the primary incident's start, in the current time zone) and ``drafts_of`` (a user:
    the drafts they author or were invited to edit).
    """
    filters = filters or {}
    queryset = visible_postmortems(organization=organization, membership=membership).select_related(
        "incident", "author"
    )
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("severity"):
        queryset = queryset.filter(incident__severity=filters["severity"])
    if filters.get("service"):
        queryset = queryset.filter(incident__service_links__service__name=filters["service"])
    if filters.get("author"):
        queryset = queryset.filter(author__username=filters["author"])
    if filters.get("incident"):
        queryset = queryset.filter(_covers_incident(organization, filters["incident"]))
    queryset = _incident_started_between(queryset, filters.get("date_from"), filters.get("date_to"))
    if filters.get("drafts_of") is not None:
        queryset = queryset.filter(_drafts_of(filters["drafts_of"]))
    if filters.get("q"):
        return text_search(queryset, filters["q"])  # ranked, best first
    return queryset.order_by("-updated_at", "-number")


def _covers_incident(organization: Organization, ref: str) -> Q:
    """Postmortems whose primary or related incident has this reference (none if malformed)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return Q(pk__in=[])
    incidents = Incident.objects.filter(
        organization=organization, year=parsed[0], number=parsed[1]
    ).values("pk")
    related = PostmortemIncident.objects.filter(
        organization=organization, incident__in=incidents
    ).values("postmortem")
    return Q(incident__in=incidents) | Q(pk__in=related)


def _incident_started_between(
    queryset: QuerySet[Postmortem], first: date | None, last: date | None
) -> QuerySet[Postmortem]:
    tz = timezone.get_current_timezone()
    if first:
        queryset = queryset.filter(
            incident__started_at__gte=datetime.combine(first, time.min, tzinfo=tz)
        )
    if last:
        queryset = queryset.filter(
            incident__started_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
        )
    return queryset


def _drafts_of(user) -> Q:
    invited = PostmortemUserObjectPermission.objects.filter(
        user=user, permission__codename=EDIT_PERMISSION
    ).values("content_object")
    return Q(status=PostmortemStatus.DRAFT) & (Q(author=user) | Q(pk__in=invited))


# --- The read view and the history --------------------------------------------------------------

# Structured sections whose generated body repeats what the read view draws from data: the
# timeline table, the linked evidence lists, the chart images. Their body is shown only once
# someone has written something of their own in it.
DATA_BACKED_KINDS = (SectionKind.TIMELINE, SectionKind.LINKS, SectionKind.METRICS)


@dataclass
class PostmortemDocument:
    """Everything the read view shows, loaded in a fixed number of queries."""

    postmortem: Postmortem
    sections: list[Section]
    related_incidents: list[Incident]
    services: list[str]
    links: list[IncidentLink]
    metrics: list[MetricSeries]

    @cached_property
    def created_bodies(self) -> dict[str, str]:
        """Each section's body as the template generated it (one query, when asked)."""
        return created_bodies(self.postmortem)

    @cached_property
    def untouched(self) -> set[str]:
        """Keys of data-backed sections whose body is still the generated one."""
        candidates = {s.key: s.body for s in self.sections if s.kind in DATA_BACKED_KINDS}
        if not candidates:
            return set()
        created = self.created_bodies
        return {key for key, body in candidates.items() if created.get(key, None) == body}

    @cached_property
    def editors(self) -> list:
        """Users, the author aside; read (in one query) only where a page shows them."""
        return editors_of(self.postmortem)

    @property
    def incidents(self) -> list[Incident]:
        primary = [self.postmortem.incident] if self.postmortem.incident else []
        return primary + self.related_incidents


def postmortem_document(postmortem: Postmortem) -> PostmortemDocument:
    incident = postmortem.incident
    sections = sections_of(postmortem)
    return PostmortemDocument(
        postmortem=postmortem,
        sections=sections,
        related_incidents=[
            link.incident
            for link in PostmortemIncident.objects.filter(postmortem=postmortem)
            .select_related("incident")
            .order_by("incident__started_at")
        ],
        services=(
            list(
                IncidentService.objects.filter(incident=incident)
                .order_by("service__name")
                .values_list("service__name", flat=True)
            )
            if incident
            else []
        ),
        links=list(IncidentLink.objects.filter(incident=incident)) if incident else [],
        metrics=list(MetricSeries.objects.filter(incident=incident)) if incident else [],
    )


def editors_of(postmortem: Postmortem) -> list:
    """Invited editors and everyone who wrote a revision, the author aside, by name."""
    invited = PostmortemUserObjectPermission.objects.filter(
        content_object=postmortem, permission__codename=EDIT_PERMISSION
    ).values("user")
    writers = Revision.objects.filter(postmortem=postmortem, author__isnull=False).values("author")
    return list(
        get_user_model()
        .objects.filter(Q(pk__in=invited) | Q(pk__in=writers))
        .exclude(pk=postmortem.author_id)
        .order_by("first_name", "last_name", "username")
    )


CREATED_BODIES_TTL = 60 * 60 * 24


def created_bodies(postmortem: Postmortem) -> dict[str, str]:
    """Each section's body as the template generated it (the first revision's snapshot).

    The first revision never changes (later saves coalesce only into "Edited" revisions), so
    its bodies are cached: the editor and the read view ask on every view."""
    # The version in the key changes whenever what a snapshot stores does.
    key = f"pm-created-bodies:v2:{postmortem.pk}:{postmortem.created_at.timestamp()}"
    bodies = cache.get(key)
    if bodies is None:
        first = (
            Revision.objects.filter(postmortem=postmortem)
            .order_by("number")
            .values_list("snapshot", flat=True)
            .first()
        )
        bodies = {s["key"]: s.get("body", "") for s in (first or {}).get("sections", [])}
        if first is not None:
            cache.set(key, bodies, CREATED_BODIES_TTL)
    return bodies


def revision_by_number(postmortem: Postmortem, number: int) -> Revision | None:
    return (
        Revision.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem, number=number
        )
        .select_related("author")
        .first()
    )


def revision_history(postmortem: Postmortem) -> QuerySet[Revision]:
    """The revisions, newest first, without their (large) snapshots."""
    return revisions_of(postmortem).defer("snapshot").order_by("-number")


def section_titles(postmortem: Postmortem) -> dict[str, str]:
    titles = dict(Section.objects.filter(postmortem=postmortem).values_list("key", "title"))
    return {"title": "Title", **titles}
