"""What a pager's event does to the organization's incidents.

Every pager (PagerDuty's webhooks and importer, Opsgenie, the generic JSON webhook) reads its
payload into ``PagerEvent``s; ``apply`` turns each into changes of one Hindsight incident:

- the pager's incident is opened once, as a Hindsight incident of the named service (which must
  exist), its severity from the organization's table for the pager's urgency or priority;
- acknowledged and resolved move the incident (never back: a late acknowledgement of a resolved
  incident is recorded as already done);
- a note or any other change is a timeline entry; a priority change changes the severity;
- responders who are members (matched by email) join the incident.

An event with the id of one already applied changes nothing. Writes go through
``incidents.services`` and ``incidents.transitions``; the caller holds the transaction."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import connection

from incidents import services as incident_services
from incidents import transitions
from incidents.models import EntryKind, Incident, LinkType
from organizations.models import Organization, Severity

from ..intake.errors import Quarantine
from ..intake.models import WebhookEndpoint
from .models import PagerEntry, PagerIncident
from .selectors import members_by_email, service_named

TITLE_LIMIT = 200
TEXT_LIMIT = 10_000


class Change(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    NOTE = "note"
    PRIORITY = "priority"
    OTHER = "other"


# The changes that only add a timeline entry.
ENTRY_CHANGES = (Change.NOTE, Change.OTHER)


@dataclass(frozen=True)
class Pager:
    """Who sends the events: the ``source`` key their ids are kept under, the name the timeline
    shows, and the organization's severity table (urgency or priority, lower case → severity)."""

    source: str
    name: str
    severity_map: Mapping[str, str] = field(default_factory=dict)
    default_severity: str = Severity.SEV3

    def severity(self, level: str) -> str:
        return self.severity_map.get(level.strip().lower()) or self.default_severity


@dataclass(frozen=True)
class PagerEvent:
    incident_id: str
    change: Change
    occurred_at: datetime
    title: str = ""
    service: str = ""
    level: str = ""  # the urgency or priority, as the pager names it
    url: str = ""
    responders: tuple[str, ...] = ()  # email addresses
    text: str = ""  # a note, or what another change was
    actor: str = ""  # who made the change, as the pager names them
    event_id: str = ""  # the pager's id of this event or log entry
    started_at: datetime | None = None  # when the pager's incident began, when known


def apply(organization: Organization, pager: Pager, event: PagerEvent) -> str:
    """Apply one event; answers what it did, for the delivery log or the import's report."""
    if event.event_id and not _first_time(organization, pager, event.event_id):
        return f"{event.change} of {event.incident_id} already recorded"
    record = _pager_incident(organization, pager, event.incident_id)
    return _apply_to(organization, pager, record, event)


def _apply_to(
    organization: Organization, pager: Pager, record: PagerIncident, event: PagerEvent
) -> str:
    opened = record.incident is None
    if opened:
        record.incident = _open(organization, pager, event)
        record.save(update_fields=["incident"])
    incident = record.incident
    members = members_by_email(organization, event.responders)
    incident_services.incident_add_participants(incident=incident, users=members)
    try:
        done = _change(incident, pager, event, opened)
    except ValidationError as error:
        raise Quarantine(f"{event.change} of {event.incident_id}: {_message(error)}") from None
    return f"{done} {incident.ref}"


def apply_all(organization: Organization, pager: Pager, events: list[PagerEvent]) -> str:
    return "; ".join(apply(organization, pager, event) for event in events)


@dataclass(frozen=True)
class Applied:
    """What ``apply_incident`` did: whether it opened the Hindsight incident, and the events
    applied (those not applied before), each with what it did."""

    opened: bool
    outcomes: list[str]


def apply_incident(
    organization: Organization, pager: Pager, events: Sequence[PagerEvent]
) -> Applied:
    """Apply the events of one pager incident in order, as ``apply`` does each (an import's
    log entries): the pager's incident is locked first, and one insert records the events'
    ids and answers those not applied before (a concurrent ``apply`` of the same event
    applies it once)."""
    if not events:
        return Applied(opened=False, outcomes=[])
    incident_id = events[0].incident_id
    if any(event.incident_id != incident_id for event in events):
        raise ValueError("apply_incident takes the events of one incident.")
    record = _pager_incident(organization, pager, incident_id)
    was_open = record.incident is not None
    outcomes, entries = [], []
    for event in _new_events(organization, pager, events):
        if record.incident is not None and event.change in ENTRY_CHANGES and not event.responders:
            entries.append(event)  # written together below: one insert, not one per entry
            outcomes.append(f"{_entry_done(event)} {record.incident.ref}")
        else:
            outcomes.append(_apply_to(organization, pager, record, event))
    if entries:
        incident_services.timeline_entries_add(
            incident=record.incident, entries=[_entry_values(pager, event) for event in entries]
        )
    return Applied(opened=not was_open and record.incident is not None, outcomes=outcomes)


def _new_events(
    organization: Organization, pager: Pager, events: Sequence[PagerEvent]
) -> list[PagerEvent]:
    """The events whose ids were never applied (each once), their ids recorded as applied."""
    recorded = _record_ids(organization, pager, [e.event_id[:120] for e in events if e.event_id])
    new = []
    for event in events:
        key = event.event_id[:120]
        if key and key not in recorded:
            continue
        recorded.discard(key)
        new.append(event)
    return new


def _record_ids(organization: Organization, pager: Pager, ids: list[str]) -> set[str]:
    """Record these event ids as applied; answers those that were not recorded before.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the unique index decides, whatever the
    planner thinks of the organization's rows (a look-up first, planned on statistics older
    than a large import, scanned every entry of the organization), and an id a concurrent
    ``apply`` records first is not returned, so its event is applied once."""
    if not ids:
        return set()
    if connection.vendor != "postgresql":  # SQLite (`make run` without a database): one by one
        return {event_id for event_id in set(ids) if _first_time(organization, pager, event_id)}
    sql = (
        f"INSERT INTO {PagerEntry._meta.db_table} "  # noqa: S608 (the model's own table)
        "(organization_id, source, external_id, created_at) "
        "SELECT %s, %s, external_id, now() FROM unnest(%s::varchar[]) AS external_id "
        "ON CONFLICT (organization_id, source, external_id) DO NOTHING RETURNING external_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, pager.source, sorted(set(ids))])
        return {external_id for (external_id,) in cursor.fetchall()}


def apply_delivered(endpoint: WebhookEndpoint, *, source: str, name: str, event: PagerEvent) -> str:
    """Apply an event a pager's webhook delivered, with the endpoint's severity table."""
    pager = Pager(
        source=source,
        name=name,
        severity_map=endpoint.severity_map,
        default_severity=endpoint.default_severity,
    )
    return apply(endpoint.organization, pager, event)


def _first_time(organization: Organization, pager: Pager, event_id: str) -> bool:
    _, created = PagerEntry.objects.get_or_create(
        organization=organization, source=pager.source, external_id=event_id[:120]
    )
    return created


def _pager_incident(organization: Organization, pager: Pager, external_id: str) -> PagerIncident:
    if not external_id or len(external_id) > 120:
        raise Quarantine("The event has no incident id (or one longer than 120 characters).")
    key = {"organization": organization, "source": pager.source, "external_id": external_id}
    # Made if missing (a concurrent maker's row stands), then locked: two queries, no savepoint.
    PagerIncident.objects.bulk_create([PagerIncident(**key)], ignore_conflicts=True)
    return PagerIncident.objects.select_for_update().get(**key)


def _open(organization: Organization, pager: Pager, event: PagerEvent) -> Incident:
    if not event.service.strip():
        raise Quarantine(f"{event.incident_id} names no service.")
    service = service_named(organization, event.service)
    if service is None:
        raise Quarantine(
            f"Unknown service “{event.service[:80]}”: add it in Hindsight or rename it "
            f"in {pager.name}."
        )
    started_at = event.started_at or event.occurred_at
    title = (event.title.strip() or f"{pager.name} incident {event.incident_id}")[:TITLE_LIMIT]
    incident = incident_services.incident_declare(
        organization=organization,
        actor=None,
        title=title,
        severity=pager.severity(event.level),
        started_at=started_at,
        detected_at=started_at,
        services=[service.name],
    )
    incident_services.link_add(
        incident=incident,
        type=LinkType.ALERT,
        title=f"{pager.name}: {title}"[:TITLE_LIMIT],
        url=event.url if event.url.lower().startswith(("http://", "https://")) else "",
        external_id=f"{pager.source}:{event.incident_id}",
        occurred_at=started_at,
    )
    return incident


def _change(incident: Incident, pager: Pager, event: PagerEvent, opened: bool) -> str:
    if event.change == Change.TRIGGERED:
        return "opened" if opened else "already open:"
    if event.change in (Change.ACKNOWLEDGED, Change.RESOLVED):
        return _advance(incident, event)
    if event.change == Change.PRIORITY:
        severity = pager.severity(event.level)
        if severity != incident.severity:
            incident_services.incident_update(
                incident=incident, actor=None, severity=severity, changed_at=event.occurred_at
            )
            return f"severity {severity} on"
        return "severity unchanged on"
    _entry(incident, pager, event)
    return _entry_done(event)


def _advance(incident: Incident, event: PagerEvent) -> str:
    move = (
        transitions.incident_acknowledge
        if event.change == Change.ACKNOWLEDGED
        else transitions.incident_resolve
    )
    try:
        move(incident=incident, actor=None, at=max(event.occurred_at, incident.started_at))
    except transitions.TransitionError:
        return f"already past {event.change}:"
    return str(event.change)


def _entry(incident: Incident, pager: Pager, event: PagerEvent) -> None:
    incident_services.timeline_entry_add(
        incident=incident, actor=None, **_entry_values(pager, event)
    )


def _entry_values(pager: Pager, event: PagerEvent) -> dict:
    """The timeline entry of a note or another change."""
    return {
        "actor_name": event.actor.strip()[:80] or pager.name,
        "occurred_at": event.occurred_at,
        "kind": EntryKind.NOTE if event.change == Change.NOTE else EntryKind.STATUS_CHANGE,
        "description": (event.text.strip() or str(event.change))[:TEXT_LIMIT],
    }


def _entry_done(event: PagerEvent) -> str:
    return "note added to" if event.change == Change.NOTE else "entry added to"


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items())
    return " ".join(error.messages)
