"""Reads for incidents: lists with filters, the incident page, the postmortem policy."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.utils import timezone

from organizations.models import Organization

from .models import (
    Incident,
    IncidentLink,
    IncidentParticipant,
    IncidentService,
    MetricSeries,
    PostmortemPolicy,
    Service,
    Severity,
    Status,
    TimelineEntry,
)


def policy_for(organization: Organization) -> PostmortemPolicy:
    """The organization's policy; the default one (unsaved) until an admin changes it."""
    policy = PostmortemPolicy.objects.filter(organization=organization).first()
    if policy is None:
        policy = PostmortemPolicy(
            organization=organization, severities=list(PostmortemPolicy.DEFAULT_SEVERITIES)
        )
    return policy


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
    return queryset.annotate(
        _duration=ExpressionWrapper(
            F("resolved_at") - F("started_at"), output_field=DurationField()
        )
    )


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


SORTS = {
    "-started_at": ("-started_at", "-id"),
    "started_at": ("started_at", "id"),
    "severity": ("severity", "-started_at"),
    "-severity": ("-severity", "-started_at"),
    "status": ("status", "-started_at"),
    "-duration": ("-_duration", "-started_at"),
    "duration": ("_duration", "-started_at"),
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
    queryset = TimelineEntry.objects.filter(incident=incident).select_related("actor")
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    return queryset


def service_names(*, organization: Organization) -> list[str]:
    return list(Service.objects.filter(organization=organization).values_list("name", flat=True))
