"""Writes for incidents: declare, update, timeline, links, metrics."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations import hooks
from organizations.models import Membership, Organization
from organizations.services import next_number

from .models import (
    EntryKind,
    FollowedTime,
    Incident,
    IncidentLink,
    IncidentParticipant,
    IncidentService,
    MetricSeries,
    Service,
    Status,
    TimelineEntry,
)

TIMESTAMP_FIELDS = ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")
# The order an incident's times must keep (each compared only when set).
TIME_ORDER = ("started_at", *TIMESTAMP_FIELDS)
TIME_NAMES = {
    "detected_at": "detected time",
    "acknowledged_at": "acknowledged time",
    "mitigated_at": "mitigated time",
    "resolved_at": "resolved time",
}
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

# The hook ``incident_update`` runs (``organizations.hooks``) inside its transaction, with the
# ``incident`` and ``fields``: those of "title", "services" and "severity" it changed. The apps
# above keep data that follows them (postmortems: search documents; action items: the
# severity the tracker sorts by) and register their receivers in their ``AppConfig.ready()``.
INCIDENT_CHANGED = "incidents.incident_changed"


def validate_times(
    values: dict[str, datetime | None], *, changed: Iterable[str] | None = None
) -> None:
    """Refuse times out of order: started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved,
    each compared with the nearest earlier time that is set.

    Only pairs with a time in ``changed`` (default: all) are judged, so data stored out of
    order before never blocks an unrelated change. The error names the time that moved (the
    later one when both did). Used by declaring, editing (form and API) and the status
    transitions alike.
    """
    if values.get("started_at") is None:
        raise ValidationError({"started_at": "When did the impact begin?"})
    changed = set(TIME_ORDER if changed is None else changed)
    errors: dict[str, str] = {}
    earlier = "started_at"
    for field in TIMESTAMP_FIELDS:
        value = values.get(field)
        if value is None:
            continue
        if value < values[earlier] and {earlier, field} & changed:
            if earlier in changed and field not in changed:
                errors.setdefault(earlier, _out_of_order(earlier, "after", field))
            else:
                errors.setdefault(field, _out_of_order(field, "before", earlier))
        earlier = field
    if errors:
        raise ValidationError(errors)


def _out_of_order(field: str, relation: str, other: str) -> str:
    name = "impact start" if field == "started_at" else TIME_NAMES[field]
    other_name = "the impact started" if other == "started_at" else f"the {TIME_NAMES[other]}"
    return f"The {name} cannot be {relation} {other_name}."


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
    started_at: datetime | None = None,
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
    """A new open incident. Declared with no times, it started and was detected now; with a
    detection time only, the impact is taken to have started then."""
    if started_at is None:
        started_at = detected_at = detected_at or timezone.now()
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
        follows=FollowedTime.DECLARED,
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
    changed_at: datetime | None = None,
    **changes: Any,
) -> Incident:
    """Change fields (including correcting recorded times); times stay in order. A severity
    change is logged on the timeline at ``changed_at`` (default: now)."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = {field: getattr(incident, field) for field in (*TIME_ORDER, "severity")}
    moved = {f for f in TIME_ORDER if f in changes and changes[f] != before[f]}
    if "resolved_at" in moved:
        _check_resolution_time(incident, changes["resolved_at"])
    validate_times({**before, **{f: changes[f] for f in moved}}, changed=moved)
    if "commander" in changes:
        validate_member(incident.organization, changes["commander"], "commander")
    for field, value in changes.items():
        setattr(incident, field, value.strip() if field == "title" else value)
    incident.save()
    if services is not None:
        incident_set_services(incident=incident, names=services)
    if changes.get("commander"):
        incident_add_participants(incident=incident, users=[changes["commander"]])
    automatic_entries_follow(incident=incident, fields=moved, actor=actor)
    followed = set()
    if "title" in changes:
        followed.add("title")
    if services is not None:
        followed.add("services")
    if incident.severity != before["severity"]:
        _log_severity_change(incident, actor, before["severity"], at=changed_at)
        followed.add("severity")
    if followed:
        hooks.run(INCIDENT_CHANGED, incident=incident, fields=frozenset(followed))
    return incident


def _check_resolution_time(incident: Incident, resolved_at: datetime | None) -> None:
    """The resolved time is set by resolving, then corrected; never cleared or set alone."""
    if incident.status != Status.RESOLVED:
        raise ValidationError({"resolved_at": "Set when the incident is resolved."})
    if resolved_at is None:
        raise ValidationError({"resolved_at": "A resolved incident keeps its resolved time."})


# The automatic entry of each status time: its text and whether it is a key event.
STATUS_TIME_ENTRIES = {
    FollowedTime.ACKNOWLEDGED: ("Incident acknowledged.", False),
    FollowedTime.MITIGATED: ("Incident mitigated.", True),
    FollowedTime.RESOLVED: ("Incident resolved.", True),
}


def automatic_entries_follow(
    *, incident: Incident, fields: Iterable[str], actor: AbstractBaseUser | None
) -> None:
    """Bring the automatic timeline entries of the changed incident times in line with them.

    The declaration entry shows the detection (else the start). A status time's entry moves
    with it, is added when the time is first set, and removed when it is cleared. The text of
    an entry (which people may have reworded) is left as it is.
    """
    fields = set(fields)
    if fields & {"started_at", "detected_at"}:
        TimelineEntry.objects.filter(incident=incident, follows=FollowedTime.DECLARED).update(
            occurred_at=incident.detected_at or incident.started_at,
            kind=EntryKind.DETECTION if incident.detected_at else EntryKind.STATUS_CHANGE,
        )
    for field in STATUS_TIME_ENTRIES:
        if field in fields:
            status_time_entry_follow(incident=incident, field=field, actor=actor)


def status_time_entry_follow(
    *, incident: Incident, field: str, actor: AbstractBaseUser | None
) -> None:
    """The automatic entry of one status time (``acknowledged_at`` …) at that time."""
    moment = getattr(incident, field)
    entries = TimelineEntry.objects.filter(incident=incident, follows=field)
    if moment is None:
        entries.delete()
    elif not entries.update(occurred_at=moment):
        description, is_key_event = STATUS_TIME_ENTRIES[field]
        TimelineEntry.objects.create(
            organization=incident.organization,
            incident=incident,
            occurred_at=moment,
            kind=EntryKind.STATUS_CHANGE,
            actor=actor,
            description=description,
            is_key_event=is_key_event,
            follows=field,
        )


def _log_severity_change(
    incident: Incident, actor: AbstractBaseUser | None, old: str, *, at: datetime | None
) -> None:
    TimelineEntry.objects.create(
        organization=incident.organization,
        incident=incident,
        occurred_at=at or timezone.now(),
        kind=EntryKind.STATUS_CHANGE,
        actor=actor,
        description=f"Severity changed from {old} to {incident.severity}.",
    )


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


def timeline_entries_add(
    *, incident: Incident, entries: Iterable[dict[str, Any]]
) -> list[TimelineEntry]:
    """Many entries at once, in one insert (a tool's log, imported): each a dict of
    ``timeline_entry_add``'s arguments ``occurred_at``, ``description``, ``kind`` and
    ``actor_name`` (no member as actor)."""
    rows = []
    for entry in entries:
        if not entry["description"].strip():
            raise ValidationError({"description": "Say what happened."})
        rows.append(
            TimelineEntry(
                organization=incident.organization,
                incident=incident,
                occurred_at=entry["occurred_at"],
                kind=entry.get("kind", EntryKind.NOTE),
                actor_name=entry.get("actor_name", ""),
                description=entry["description"].strip(),
            )
        )
    return TimelineEntry.objects.bulk_create(rows)


def timeline_entry_update(*, entry: TimelineEntry, **changes: Any) -> TimelineEntry:
    allowed = {"occurred_at", "kind", "description", "evidence_url", "is_key_event", "actor_name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    if "description" in changes and not changes["description"].strip():
        raise ValidationError({"description": "Say what happened."})
    if entry.follows and changes.get("occurred_at", entry.occurred_at) != entry.occurred_at:
        followed = FollowedTime(entry.follows).label
        raise ValidationError(
            {"occurred_at": f"This entry shows the incident's {followed}: correct it there."}
        )
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


def link_update(*, link: IncidentLink, **changes: Any) -> IncidentLink:
    """Change a link's title, URL, relationship, time or details, checked as ``link_add``
    checks a new one; its type, external id and incident stay."""
    allowed = {"title", "url", "relationship", "occurred_at", "details"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    url = changes.get("url", link.url)
    if url and not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"url": "Only http and https links are accepted."})
    if not url and not link.external_id:
        raise ValidationError({"url": "Give a URL or an external id."})
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    for field, value in changes.items():
        setattr(link, field, value)
    link.full_clean(exclude=["organization", "incident"])
    link.save(update_fields=list(changes))
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
