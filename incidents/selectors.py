"""Reads for incidents: lists with filters, the incident page, the postmortem policy."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from organizations.models import Organization, PostmortemPolicy
from organizations.selectors import policy_for

from .models import (
    STATUS_ORDER,
    Incident,
    IncidentLink,
    IncidentParticipant,
    IncidentService,
    MetricSeries,
    Service,
    Severity,
    Status,
    TimelineEntry,
    duration_expression,
)


def policy_requires(policy: PostmortemPolicy, incident: Incident) -> bool:
    """Does the policy ask for a postmortem of this (resolved) incident?"""
    if not incident.is_resolved:
        return False
    if incident.severity in policy.severities:
        return True
    limit = policy.min_duration_minutes
    if limit is not None and incident.duration and incident.duration > timedelta(minutes=limit):
        return True
    return (
        (policy.customer_impact and incident.customer_impact)
        or (policy.data_loss and incident.data_loss)
        or (policy.security and incident.security)
    )


def _policy_q(policy: PostmortemPolicy) -> Q:
    """``policy_requires`` as a database filter over resolved incidents."""
    q = Q(severity__in=policy.severities)
    if policy.min_duration_minutes is not None:
        q |= Q(_duration__gt=timedelta(minutes=policy.min_duration_minutes))
    for flag in ("customer_impact", "data_loss", "security"):
        if getattr(policy, flag):
            q |= Q(**{flag: True})
    return Q(status=Status.RESOLVED) & q


def with_duration(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate ``_duration``: ``Incident.duration``, for the policy's minimum-duration rule."""
    return queryset.annotate(_duration=duration_expression())


def incidents_needing_postmortem(*, organization: Organization) -> QuerySet[Incident]:
    """Resolved incidents the policy requires a postmortem for, which have none yet."""
    policy = policy_for(organization)
    return (
        list_base(organization)
        .filter(_policy_q(policy), postmortems__isnull=True)
        .order_by("-resolved_at")
    )


def list_base(organization: Organization) -> QuerySet[Incident]:
    """Incidents with what a list row shows, in a fixed number of queries."""
    return with_duration(
        Incident.objects.filter(organization=organization)
        .select_related("commander")
        .prefetch_related(
            Prefetch(
                "service_links",
                queryset=IncidentService.objects.select_related("service").order_by(
                    "service__name"
                ),
            ),
            "postmortems",
        )
    )


@dataclass
class IncidentFilters:
    status: str = ""
    severity: str = ""
    service: str = ""
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-started_at"


STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
    output_field=IntegerField(),
)
SORTS = {
    "-started_at": ("-started_at", "-id"),
    "started_at": ("started_at", "id"),
    "severity": ("severity", "-started_at"),
    "-severity": ("-severity", "-started_at"),
    "status": (STATUS_RANK.asc(), "-started_at"),  # workflow order, not alphabetical
    "-duration": (F("_duration").desc(nulls_last=True), "-started_at"),
    "duration": (F("_duration").asc(nulls_last=True), "-started_at"),
}


def incident_list(
    *, organization: Organization, filters: IncidentFilters | None = None
) -> QuerySet[Incident]:
    filters = filters or IncidentFilters()
    queryset = list_base(organization)
    if filters.status in Status.values:
        queryset = queryset.filter(status=filters.status)
    if filters.severity in Severity.values:
        queryset = queryset.filter(severity=filters.severity)
    if filters.service:
        queryset = queryset.filter(service_links__service__name=filters.service)
    if filters.q:
        queryset = queryset.filter(title__icontains=filters.q.strip())
    tz = timezone.get_current_timezone()
    if filters.date_from:
        queryset = queryset.filter(
            started_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz)
        )
    if filters.date_to:
        queryset = queryset.filter(
            started_at__lt=datetime.combine(
                filters.date_to + timedelta(days=1), time.min, tzinfo=tz
            )
        )
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["-started_at"]))


def incident_by_ref(*, organization: Organization, ref: str) -> Incident | None:
    """The incident with this reference in this organization, or None (the caller answers 404)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    year, number = parsed
    return list_base(organization).filter(year=year, number=number).first()


def parse_ref(ref: str) -> tuple[int, int] | None:
    parts = ref.upper().split("-")
    if len(parts) != 3 or parts[0] != "INC" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


def incident_detail(*, incident: Incident) -> dict:
    """Everything the incident page shows beyond the incident row itself."""
    organization = incident.organization
    return {
        "participants": [
            p.user
            for p in IncidentParticipant.objects.filter(incident=incident).select_related("user")
        ],
        "links": list(IncidentLink.objects.filter(incident=incident)),
        "metrics": list(MetricSeries.objects.filter(incident=incident)),
        "policy_requires": policy_requires(policy_for(organization), incident),
    }


def timeline(*, incident: Incident, since: datetime | None = None) -> QuerySet[TimelineEntry]:
    # the username alone: a timeline shows who, and hundreds of User objects are costly
    queryset = TimelineEntry.objects.filter(incident=incident).annotate(
        actor_username=F("actor__username")
    )
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    return queryset


def service_names(*, organization: Organization) -> list[str]:
    return list(Service.objects.filter(organization=organization).values_list("name", flat=True))


# --- Incident pages -----------------------------------------------------------------------

TIMELINE_WINDOW = 300


@dataclass
class TimelineDay:
    day: date
    entries: list[TimelineEntry]


@dataclass
class TimelineWindow:
    """The newest entries of a timeline (whole days where possible), oldest first.

    ``earlier_before`` is set when older entries exist: fetch them with ``before=`` it.
    """

    entries: list[TimelineEntry]
    earlier_before: datetime | None

    @property
    def days(self) -> list[TimelineDay]:
        """The entries grouped by calendar day in the current (organization's) time zone."""
        days: list[TimelineDay] = []
        for entry in self.entries:
            day = timezone.localdate(entry.occurred_at)
            if not days or days[-1].day != day:
                days.append(TimelineDay(day=day, entries=[]))
            days[-1].entries.append(entry)
        return days


def timeline_window(
    *, incident: Incident, before: datetime | None = None, limit: int = TIMELINE_WINDOW
) -> TimelineWindow:
    """At most ``limit`` of the newest entries before ``before``, cut at a day boundary.

    Two queries at most (one unless ``limit`` entries share a single timestamp), whatever the
    size of the timeline.
    """
    queryset = timeline(incident=incident)
    if before is not None:
        queryset = queryset.filter(occurred_at__lt=before)
    newest = list(queryset.order_by("-occurred_at", "-id")[: limit + 1])
    if len(newest) <= limit:
        return TimelineWindow(entries=newest[::-1], earlier_before=None)
    first_hidden = newest[limit].occurred_at
    next_day = _start_of_next_day(first_hidden)
    shown = [e for e in newest[:limit] if e.occurred_at >= next_day] or [
        e for e in newest[:limit] if e.occurred_at > first_hidden
    ]
    if not shown:  # more than ``limit`` entries at one instant: show that instant whole
        shown = list(queryset.filter(occurred_at__gte=first_hidden).order_by("-occurred_at", "-id"))
    return TimelineWindow(entries=shown[::-1], earlier_before=shown[-1].occurred_at)


def _start_of_next_day(moment: datetime) -> datetime:
    tz = timezone.get_current_timezone()
    day = timezone.localtime(moment, tz).date() + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=tz)


def with_postmortem_state(
    incidents: Iterable[Incident], *, policy: PostmortemPolicy
) -> list[Incident]:
    """Set ``postmortem`` (the first one, or None) and ``postmortem_required`` on each incident.

    Reads the ``postmortems`` that ``list_base`` prefetches: no query per incident.
    """
    rows = list(incidents)
    for incident in rows:
        incident.postmortem = next(iter(incident.postmortems.all()), None)
        incident.postmortem_required = policy_requires(policy, incident)
    return rows


def incident_links(*, incident: Incident) -> list[IncidentLink]:
    """The incident's linked evidence, grouped by type (the model's ordering)."""
    return list(
        IncidentLink.objects.filter(organization_id=incident.organization_id, incident=incident)
    )


def commander_choices(*, organization: Organization) -> QuerySet:
    """The people who may command an incident: members of this organization only."""
    return (
        get_user_model()
        .objects.filter(memberships__organization=organization, is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def metric_series(*, incident: Incident, key: str) -> MetricSeries | None:
    return MetricSeries.objects.filter(
        organization=incident.organization, incident=incident, key=key
    ).first()
