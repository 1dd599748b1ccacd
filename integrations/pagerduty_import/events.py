"""PagerDuty's incident and its log entries, read as the pager core's events.

Log entry types (REST API v2): ``trigger_log_entry`` opens the incident,
``acknowledge_log_entry`` and ``resolve_log_entry`` move it, ``annotate_log_entry`` is a note
(its text in ``channel.summary``), and every other type (assign, escalate, notify, reach
trigger limit, …) is a timeline entry with PagerDuty's own summary. Every event carries the
incident's title, service, urgency or priority and start, so whichever is applied first opens
it; the log entry's id keeps it from being applied twice."""

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from django.utils.dateparse import parse_datetime

from ..pagers.sync import Change, PagerEvent

CHANGES = {
    "trigger_log_entry": Change.TRIGGERED,
    "acknowledge_log_entry": Change.ACKNOWLEDGED,
    "resolve_log_entry": Change.RESOLVED,
    "annotate_log_entry": Change.NOTE,
}


class UnreadableIncident(ValueError):
    """An incident or log entry without the fields an event needs."""


def moment(value: object, what: str) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise UnreadableIncident(f"{what} has no valid time.")
    return parsed


def level_of(incident: Mapping, severity_map: Mapping[str, str]) -> str:
    """The priority's name when the organization's table maps it, else the urgency."""
    priority = _reference_name(incident.get("priority"))
    if priority and priority.strip().lower() in severity_map:
        return priority
    return str(incident.get("urgency") or "")


def responders(incident: Mapping) -> tuple[str, ...]:
    """Email addresses of the assignees and acknowledgers (full user objects only: PagerDuty
    includes them with ``include[]=assignees,acknowledgers``)."""
    people = [item.get("assignee") for item in incident.get("assignments") or ()]
    people += [item.get("acknowledger") for item in incident.get("acknowledgements") or ()]
    emails = {person.get("email") for person in people if isinstance(person, dict)}
    return tuple(sorted(email for email in emails if isinstance(email, str) and email))


def events_of(
    incident: Mapping, entries: Iterable[Mapping], severity_map: Mapping[str, str]
) -> list[PagerEvent]:
    """The incident's log entries as events, oldest first (whatever order PagerDuty lists
    them in); the incident's responders ride on the first."""
    incident_id = str(incident.get("id") or "")
    if not incident_id:
        raise UnreadableIncident("An incident has no id.")
    started_at = moment(incident.get("created_at"), f"Incident {incident_id}")
    common = {
        "incident_id": incident_id,
        "title": str(incident.get("title") or incident.get("summary") or ""),
        "service": _reference_name(incident.get("service")),
        "level": level_of(incident, severity_map),
        "url": str(incident.get("html_url") or ""),
        "started_at": started_at,
    }
    events = sorted(
        (_event(entry, common) for entry in entries), key=lambda event: event.occurred_at
    )
    if not events:  # a log without entries (or none visible to the key): open it at least
        events = [PagerEvent(change=Change.TRIGGERED, occurred_at=started_at, **common)]
    events[0] = replace(events[0], responders=responders(incident))
    return events


def _event(entry: Mapping, common: dict) -> PagerEvent:
    entry_id = str(entry.get("id") or "")
    if not entry_id:
        raise UnreadableIncident(f"A log entry of {common['incident_id']} has no id.")
    kind = str(entry.get("type") or "")
    change = CHANGES.get(kind, Change.OTHER)
    return PagerEvent(
        change=change,
        occurred_at=moment(entry.get("created_at"), f"Log entry {entry_id}"),
        event_id=entry_id,
        actor=_reference_name(entry.get("agent")),
        text=_text(entry, change, kind),
        **common,
    )


def _text(entry: Mapping, change: Change, kind: str) -> str:
    channel = entry.get("channel") if isinstance(entry.get("channel"), dict) else {}
    if change == Change.NOTE:
        return str(channel.get("summary") or entry.get("summary") or "")
    summary = str(entry.get("summary") or "")
    if change == Change.OTHER:
        return summary or kind.removesuffix("_log_entry").replace("_", " ").capitalize()
    return summary


def _reference_name(reference: object) -> str:
    """A PagerDuty reference's name: ``summary`` (``name`` on full objects)."""
    if not isinstance(reference, dict):
        return ""
    return str(reference.get("summary") or reference.get("name") or "")
