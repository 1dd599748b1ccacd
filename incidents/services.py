"""Writes for incidents: declare, update, timeline, links, metrics."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import Membership, Organization
from organizations.services import next_number

from .models import (
    EntryKind,
    Incident,
    IncidentLink,
    IncidentParticipant,
    IncidentService,
    MetricSeries,
    Service,
    TimelineEntry,
)

TIMESTAMP_FIELDS = ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")
EDITABLE_FIELDS = {
    "title",
    "description",
    "severity",
    "started_at",
    *TIMESTAMP_FIELDS,
    "commander",
    "customer_impact",
    "data_loss",
    "security",
    "near_miss",
}


def validate_times(values: dict[str, datetime | None]) -> None:
    """Refuse timestamps before the impact began, field by field."""
    started = values.get("started_at")
    if started is None:
        raise ValidationError({"started_at": "When did the impact begin?"})
    errors = {}
    for field in TIMESTAMP_FIELDS:
        value = values.get(field)
        if value is not None and value < started:
            label = field.removesuffix("_at").replace("_", " ")
            errors[field] = f"The {label} time cannot be before the impact started."
    if errors:
        raise ValidationError(errors)


def validate_member(organization: Organization, user: AbstractBaseUser | None, field: str) -> None:
    if (
        user is not None
        and not Membership.objects.filter(organization=organization, user=user).exists()
    ):
        raise ValidationError({field: "Choose a member of this organization."})


def services_by_name(*, organization: Organization, names: Iterable[str]) -> list[Service]:
    """The named services, created when new (names are trimmed; blanks ignored)."""
    services = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        if len(name) > 80:
            raise ValidationError({"services": f"“{name[:20]}…” is longer than 80 characters."})
        service, _ = Service.objects.get_or_create(organization=organization, name=name)
        services.append(service)
    return services


@transaction.atomic
def incident_declare(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    title: str,
    severity: str,
    started_at: datetime,
    detected_at: datetime | None = None,
    description: str = "",
    services: Iterable[str] = (),
    commander: AbstractBaseUser | None = None,
    participants: Iterable[AbstractBaseUser] = (),
    customer_impact: bool = False,
    data_loss: bool = False,
    security: bool = False,
    near_miss: bool = False,
) -> Incident:
    validate_times({"started_at": started_at, "detected_at": detected_at})
    validate_member(organization, commander, "commander")
    year = timezone.localtime(started_at, timezone.get_current_timezone()).year
    incident = Incident.objects.create(
        organization=organization,
        year=year,
        number=next_number(organization=organization, name=f"incident-{year}"),
        title=title.strip(),
        description=description,
        severity=severity,
        started_at=started_at,
        detected_at=detected_at,
        commander=commander,
        customer_impact=customer_impact,
        data_loss=data_loss,
        security=security,
        near_miss=near_miss,
        created_by=actor,
    )
    incident_set_services(incident=incident, names=services)
    incident_add_participants(incident=incident, users=[u for u in (commander, actor) if u])
    incident_add_participants(incident=incident, users=participants)
    TimelineEntry.objects.create(
        organization=organization,
        incident=incident,
        occurred_at=detected_at or started_at,
        kind=EntryKind.DETECTION if detected_at else EntryKind.STATUS_CHANGE,
        actor=actor,
        description=f"Incident declared as {severity}.",
        is_key_event=True,
    )
    return incident


def incident_set_services(*, incident: Incident, names: Iterable[str]) -> None:
    services = services_by_name(organization=incident.organization, names=names)
    IncidentService.objects.filter(incident=incident).exclude(service__in=services).delete()
    for service in services:
        IncidentService.objects.get_or_create(
            organization=incident.organization, incident=incident, service=service
        )


def incident_add_participants(*, incident: Incident, users: Iterable[AbstractBaseUser]) -> None:
    for user in users:
        validate_member(incident.organization, user, "participants")
        IncidentParticipant.objects.get_or_create(
            organization=incident.organization, incident=incident, user=user
        )


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    services: Iterable[str] | None = None,
    **changes: Any,
) -> Incident:
    """Change fields (including correcting recorded times); times stay in order."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    values = {f: getattr(incident, f) for f in ("started_at", *TIMESTAMP_FIELDS)}
    values.update({k: v for k, v in changes.items() if k in values})
    validate_times(values)
    if "commander" in changes:
        validate_member(incident.organization, changes["commander"], "commander")
    for field, value in changes.items():
        setattr(incident, field, value.strip() if field == "title" else value)
    incident.save()
    if services is not None:
        incident_set_services(incident=incident, names=services)
    if changes.get("commander"):
        incident_add_participants(incident=incident, users=[changes["commander"]])
    if "severity" in changes:
        _resort_action_items(incident)
    if "title" in changes or services is not None:
        _reindex_postmortems(incident)
    return incident


def _reindex_postmortems(incident: Incident) -> None:
    """The postmortems of this incident search by its reference, title and services too."""
    from postmortems.models import Postmortem
    from postmortems.search import search_document_refresh

    for postmortem in Postmortem.objects.filter(
        organization=incident.organization, incident=incident
    ):
        search_document_refresh(postmortem)


def _resort_action_items(incident: Incident) -> None:
    """The tracker sorts action items by their incident's severity, kept on each item."""
    from actionitems.models import NO_SEVERITY_RANK, SEVERITY_RANKS, ActionItem
    from actionitems.tracker_cache import tracker_changed

    ActionItem.objects.filter(postmortem__incident=incident).update(
        severity_rank=SEVERITY_RANKS.get(incident.severity, NO_SEVERITY_RANK)
    )
    tracker_changed(organization=incident.organization_id)


def timeline_entry_add(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    occurred_at: datetime,
    description: str,
    kind: str = EntryKind.NOTE,
    actor_name: str = "",
    evidence_url: str = "",
    is_key_event: bool = False,
) -> TimelineEntry:
    if not description.strip():
        raise ValidationError({"description": "Say what happened."})
    return TimelineEntry.objects.create(
        organization=incident.organization,
        incident=incident,
        occurred_at=occurred_at,
        kind=kind,
        actor=actor if not actor_name else None,
        actor_name=actor_name,
        description=description.strip(),
        evidence_url=evidence_url,
        is_key_event=is_key_event,
    )


def timeline_entry_update(*, entry: TimelineEntry, **changes: Any) -> TimelineEntry:
    allowed = {"occurred_at", "kind", "description", "evidence_url", "is_key_event", "actor_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    if "description" in changes and not changes["description"].strip():
        raise ValidationError({"description": "Say what happened."})
    for field, value in changes.items():
        setattr(entry, field, value)
    entry.save()
    return entry


def timeline_entry_delete(*, entry: TimelineEntry) -> None:
    entry.delete()


def link_add(
    *,
    incident: Incident,
    type: str,
    title: str,
    url: str = "",
    external_id: str = "",
    relationship: str = "RELATED",
    occurred_at: datetime | None = None,
    details: str = "",
) -> IncidentLink:
    if url and not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"url": "Only http and https links are accepted."})
    if not url and not external_id:
        raise ValidationError({"url": "Give a URL or an external id."})
    link = IncidentLink(
        organization=incident.organization,
        incident=incident,
        type=type,
        title=title.strip(),
        url=url,
        external_id=external_id,
        relationship=relationship,
        occurred_at=occurred_at,
        details=details,
    )
    link.full_clean(exclude=["organization", "incident"])
    link.save()
    return link


def link_delete(*, link: IncidentLink) -> None:
    link.delete()


def metric_series_set(
    *, incident: Incident, key: str, name: str, unit: str, points: list[tuple[datetime, float]]
) -> MetricSeries:
    """Store (or replace) a metric series; points are kept sorted by time."""
    serialised = [[t.isoformat(), float(v)] for t, v in sorted(points)]
    series, _ = MetricSeries.objects.update_or_create(
        organization=incident.organization,
        incident=incident,
        key=key,
        defaults={"name": name, "unit": unit, "points": serialised},
    )
    return series
