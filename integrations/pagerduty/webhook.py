"""PagerDuty's v3 webhooks (a webhook subscription: Integrations → Generic Webhooks (v3)).

PagerDuty signs each body with the subscription's signing secret, which it makes itself and
shows once: the admin pastes it into Hindsight. ``X-PagerDuty-Signature`` holds one or more
comma-separated ``v1=<hex HMAC-SHA256 of the raw body>`` (several while PagerDuty rotates a
secret); the request passes when one matches, compared in constant time. No or a wrong
signature is refused (401) and nothing is stored.

One event per body; ``event.id`` is the event id (a redelivery acts once). Incident events
become ``PagerEvent``s for the pager core (``pagers.sync``):

- ``incident.triggered``, ``.acknowledged``, ``.resolved``: open, acknowledge, resolve;
- ``incident.annotated``: the note on the timeline; ``.status_update_published``: the update;
- ``incident.priority_updated``: the severity of the new priority (or urgency);
- ``incident.reassigned``, ``.escalated``, ``.delegated``, ``.unacknowledged``, ``.reopened``,
  ``.responder.added``, ``.responder.replied``: a timeline entry saying what happened (a
  Hindsight incident does not move back: a reopened incident stays resolved here);
- ``pagey.ping`` (PagerDuty's test event) and any other type: processed, "ignored: <type>".

The severity: the incident's priority (``P1``…) when the endpoint's table names it, else its
urgency (``high``/``low``), else the endpoint's default. The service: the PagerDuty service's
name (``service.summary``), which must be a Hindsight service's name. Responders: PagerDuty
sends assignees as user references (id and name, no email address), so only an assignee whose
name is an email address joins the incident; the others are named on the timeline."""

import dataclasses
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from ..deploys.payload import text, time, url
from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from ..pagers.sync import Change, PagerEvent, apply_delivered

REFUSAL = (
    "Sign the body with the subscription's signing secret (X-PagerDuty-Signature: v1=…), "
    "as PagerDuty does."
)
SIGNATURE_HEADER = "X-PagerDuty-Signature"
MAX_SIGNATURES = 10
SOURCE = "pagerduty"
NAME = "PagerDuty"
ID_LIMIT = 64
# Free text (titles, notes) longer than the timeline keeps is cut there, not refused.
TEXT_LIMIT = 100_000

# The incident events that move or change the incident.
CHANGES = {
    "incident.triggered": Change.TRIGGERED,
    "incident.acknowledged": Change.ACKNOWLEDGED,
    "incident.resolved": Change.RESOLVED,
    "incident.priority_updated": Change.PRIORITY,
}
# The incident events written to the timeline as they are.
ENTRIES = {
    "incident.reassigned": "Reassigned",
    "incident.escalated": "Escalated",
    "incident.delegated": "Delegated",
    "incident.unacknowledged": "Unacknowledged",
    "incident.reopened": "Reopened in PagerDuty",
}
# Events whose data is not the incident but refers to it (``data.incident``).
ABOUT_INCIDENT = (
    "incident.annotated",
    "incident.status_update_published",
    "incident.responder.added",
    "incident.responder.replied",
)


@dataclass(frozen=True)
class Received:
    """One webhook: its event id and the pager event it makes, or why it makes none."""

    event_id: str
    event: PagerEvent | None = None
    # (priority, urgency): the event's level is the first one the endpoint's table names
    levels: tuple[str, str] = ("", "")
    ignored: str = ""


def verify(endpoint: WebhookEndpoint, request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not endpoint.secret_encrypted or not given:
        return False
    expected = ("v1=" + signature(endpoint.secret_encrypted, body)).encode()
    offered = [part.strip().encode() for part in given.split(",")][:MAX_SIGNATURES]
    # Every one compared (no early exit): the time does not tell which one matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in offered]
    return any(matches)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> Received:
    event = json_object(body).get("event")
    if not isinstance(event, dict):
        raise Quarantine("“event” is missing or not an object.")
    event_id = text(event, "id", where="event", limit=ID_LIMIT)
    kind = text(event, "event_type", where="event", limit=80)
    if kind not in CHANGES and kind not in ENTRIES and kind not in ABOUT_INCIDENT:
        ignored = "ping" if kind == "pagey.ping" else f"ignored: {kind}"
        return Received(event_id=event_id, ignored=ignored)
    occurred_at = time(event, "occurred_at", where="event")
    data = event.get("data")
    if not isinstance(data, dict):
        raise Quarantine("“event.data” is missing or not an object.")
    if kind in ABOUT_INCIDENT:
        return _about_incident(event_id, kind, occurred_at, _actor(event), data)
    return _incident_event(event_id, kind, occurred_at, _actor(event), data)


def event_id(received: Received) -> str:
    return received.event_id


def apply(endpoint: WebhookEndpoint, received: Received) -> str:
    if received.event is None:
        return received.ignored
    table = endpoint.severity_map
    level = next(
        (level for level in received.levels if level.strip().lower() in table),
        received.event.level,
    )
    event = dataclasses.replace(received.event, level=level)
    return apply_delivered(endpoint, source=SOURCE, name=NAME, event=event)


def _incident_event(
    event_id: str, kind: str, occurred_at: datetime, actor: str, incident: dict
) -> Received:
    assignees = _names(incident.get("assignees"))
    priority = _summary(incident, "priority")
    urgency = text(incident, "urgency", where="event.data", limit=40, required=False)
    change = CHANGES.get(kind, Change.OTHER)
    description = ""
    if change == Change.OTHER:
        description = ENTRIES[kind] + _to(kind, assignees, incident)
    event = PagerEvent(
        incident_id=text(incident, "id", where="event.data", limit=120),
        change=change,
        occurred_at=occurred_at,
        title=text(incident, "title", where="event.data", limit=TEXT_LIMIT, required=False),
        service=_summary(incident, "service"),
        level=priority or urgency,
        url=url(incident, "html_url", where="event.data"),
        responders=tuple(name for name in assignees if "@" in name),
        text=description,
        actor=actor,
        event_id=event_id,
        started_at=_created_at(incident, occurred_at),
    )
    return Received(event_id=event_id, event=event, levels=(priority, urgency))


def _about_incident(
    event_id: str, kind: str, occurred_at: datetime, actor: str, data: dict
) -> Received:
    incident = data.get("incident")
    if not isinstance(incident, dict):
        raise Quarantine("“event.data.incident” is missing or not an object.")
    if kind == "incident.annotated":
        change, what = Change.NOTE, text(data, "content", where="event.data", limit=TEXT_LIMIT)
    elif kind == "incident.status_update_published":
        message = text(data, "message", where="event.data", limit=TEXT_LIMIT)
        change, what = Change.NOTE, f"Status update: {message}"
    else:
        change, what = Change.OTHER, _responder(kind, data)
    event = PagerEvent(
        incident_id=text(incident, "id", where="event.data.incident", limit=120),
        change=change,
        occurred_at=occurred_at,
        title=text(
            incident, "summary", where="event.data.incident", limit=TEXT_LIMIT, required=False
        ),
        url=url(incident, "html_url", where="event.data.incident"),
        text=what,
        actor=actor,
        event_id=event_id,
    )
    return Received(event_id=event_id, event=event)


def _responder(kind: str, data: dict) -> str:
    who = _summary(data, "user") or "A responder"
    if kind == "incident.responder.added":
        message = text(data, "message", where="event.data", limit=TEXT_LIMIT, required=False)
        return f"{who} was asked to respond" + (f": {message}" if message else "")
    state = text(data, "state", where="event.data", limit=40, required=False)
    return f"{who} replied to the request to respond" + (f" ({state})" if state else "")


def _to(kind: str, assignees: list[str], incident: dict) -> str:
    if kind == "incident.delegated":
        policy = _summary(incident, "escalation_policy")
        return f" to {policy}" if policy else ""
    if kind in ("incident.reassigned", "incident.escalated") and assignees:
        return " to " + ", ".join(assignees)
    return ""


def _actor(event: dict) -> str:
    agent = event.get("agent")
    if not isinstance(agent, dict):
        return ""
    return text(agent, "summary", where="event.agent", limit=200, required=False)


def _summary(data: dict, key: str) -> str:
    """The ``summary`` of a reference (``service``, ``priority``, ``user``…), or ""."""
    reference = data.get(key)
    if reference is None:
        return ""
    if not isinstance(reference, dict):
        raise Quarantine(f"“{key}” is not an object.")
    return text(reference, "summary", where=key, limit=200, required=False)


def _names(references) -> list[str]:
    if references is None:
        return []
    if not isinstance(references, list) or not all(isinstance(r, dict) for r in references):
        raise Quarantine("“event.data.assignees” is not a list of objects.")
    names = [text(r, "summary", where="assignee", limit=200, required=False) for r in references]
    return [name for name in names if name][:20]


def _created_at(incident: dict, occurred_at: datetime) -> datetime:
    """When the incident began (``created_at``), never after the event itself."""
    raw = incident.get("created_at")
    created = parse_datetime(raw) if isinstance(raw, str) else None
    if created is None or created.tzinfo is None or created > occurred_at:
        return occurred_at
    return created
