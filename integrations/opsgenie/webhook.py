"""Opsgenie's Webhook integration (Settings → Integrations → Webhook, "Alert actions").

Opsgenie does not sign what it sends; the integration adds the admin's custom headers, so it
sends the endpoint's secret as ``Authorization: Bearer <secret>`` (a custom header), checked
like any bearer token. One alert action per body: ``action`` and the ``alert`` (``alertId``,
``message``, ``tags``, ``entity``, ``priority``, ``username``, ``createdAt`` in milliseconds,
``updatedAt`` in nanoseconds in Opsgenie's own examples, ``note`` for AddNote…). The webhook
integration sends alert actions only; Opsgenie documents no webhook payload for its incidents.

Each alert is one pager incident, by ``alertId`` (the alias would join a later alert of the same
alias, which Opsgenie itself makes a new alert once the first is closed):

- ``Create``, ``Acknowledge``, ``Close``: open, acknowledge, resolve;
- ``AddNote``: the note on the timeline; ``UpdatePriority``: the severity of the new priority;
- ``UnAcknowledge``, ``AssignOwnership``, ``TakeOwnership``, ``EscalateNext``, ``Escalate``,
  ``AddResponder``, ``AddTeam``, ``AddRecipient``, ``Delete``: a timeline entry;
- any other action (tags, details, custom actions…): processed, "ignored: <action>".

The service: a tag ``service:<name>`` when the alert has one, else the alert's ``entity`` (what
Opsgenie calls the alert's domain); either must be a Hindsight service's name. The severity: the
alert's priority (``P1``…``P5``) by the endpoint's table. Who acted (``username``, an email
address in Opsgenie) joins the incident when a member, except on Create (often an integration).
The event id is the alert, the action and ``updatedAt`` (or, without it, the body's hash), so a
re-sent webhook acts once."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ..deploys.payload import text
from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from ..intake.times import check_window
from ..pagers.sync import Change, PagerEvent, apply_delivered

REFUSAL = (
    "Add a custom header to the Opsgenie webhook integration: "
    "Authorization = Bearer <the endpoint's secret>."
)
SOURCE = "opsgenie"
NAME = "Opsgenie"
SERVICE_TAG = "service:"
# Free text (messages, notes) longer than the timeline keeps is cut there, not refused.
TEXT_LIMIT = 100_000

CHANGES = {
    "Create": Change.TRIGGERED,
    "Acknowledge": Change.ACKNOWLEDGED,
    "Close": Change.RESOLVED,
    "AddNote": Change.NOTE,
    "UpdatePriority": Change.PRIORITY,
}
ENTRIES = {
    "UnAcknowledge": "Unacknowledged",
    "AssignOwnership": "Ownership assigned",
    "TakeOwnership": "Ownership taken",
    "EscalateNext": "Escalated to the next level",
    "Escalate": "Escalated",
    "AddResponder": "Responder added",
    "AddTeam": "Team added",
    "AddRecipient": "Recipient added",
    "Delete": "Alert deleted in Opsgenie",
}


@dataclass(frozen=True)
class Received:
    event_id: str
    event: PagerEvent | None = None
    ignored: str = ""


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> Received:
    data = json_object(body)
    action = text(data, "action", limit=80)
    alert = data.get("alert")
    if not isinstance(alert, dict):
        raise Quarantine("“alert” is missing or not an object.")
    alert_id = text(alert, "alertId", where="alert", limit=120)
    updated = alert.get("updatedAt")
    stamp = str(updated) if _is_number(updated) else hashlib.sha256(body).hexdigest()
    event_id = hashlib.sha256(f"{alert_id}|{action}|{stamp}".encode()).hexdigest()
    if action not in CHANGES and action not in ENTRIES:
        return Received(event_id=event_id, ignored=f"ignored: {action}")
    occurred_at = check_window(_occurred_at(alert), "alert.updatedAt")
    change = CHANGES.get(action, Change.OTHER)
    username = text(alert, "username", where="alert", limit=200, required=False)
    event = PagerEvent(
        incident_id=alert_id,
        change=change,
        occurred_at=occurred_at,
        title=text(alert, "message", where="alert", limit=TEXT_LIMIT, required=False),
        service=_service(alert),
        level=text(alert, "priority", where="alert", limit=40, required=False),
        responders=_responders(alert, action, username),
        text=_text(alert, action),
        actor=username,
        event_id=event_id,
        started_at=min(_epoch_field(alert, "createdAt") or occurred_at, occurred_at),
    )
    return Received(event_id=event_id, event=event)


def event_id(received: Received) -> str:
    return received.event_id


def apply(endpoint: WebhookEndpoint, received: Received) -> str:
    if received.event is None:
        return received.ignored
    return apply_delivered(endpoint, source=SOURCE, name=NAME, event=received.event)


def _service(alert: dict) -> str:
    tags = alert.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise Quarantine("“alert.tags” is not a list of strings.")
    for tag in tags:
        if tag.lower().startswith(SERVICE_TAG) and tag[len(SERVICE_TAG) :].strip():
            return tag[len(SERVICE_TAG) :].strip()[:100]
    return text(alert, "entity", where="alert", limit=512, required=False)


def _text(alert: dict, action: str) -> str:
    if action == "AddNote":
        return text(alert, "note", where="alert", limit=TEXT_LIMIT)
    if action not in ENTRIES:
        return ""
    owner = text(alert, "owner", where="alert", limit=200, required=False)
    if action == "AssignOwnership" and owner:
        return f"{ENTRIES[action]} to {owner}"
    return ENTRIES[action]


def _responders(alert: dict, action: str, username: str) -> tuple[str, ...]:
    if action == "Create":
        return ()
    owner = text(alert, "owner", where="alert", limit=200, required=False)
    return tuple(who for who in (username, owner) if "@" in who)


def _occurred_at(alert: dict) -> datetime:
    """When the action happened: ``updatedAt`` (Opsgenie's examples give it in nanoseconds),
    else ``createdAt`` (milliseconds)."""
    moment = _epoch_field(alert, "updatedAt") or _epoch_field(alert, "createdAt")
    if moment is None:
        raise Quarantine("“alert.updatedAt” and “alert.createdAt” are missing.")
    return moment


def _epoch_field(alert: dict, key: str) -> datetime | None:
    """``alert.<key>`` as a time, None when missing; Quarantine when it is not an epoch time."""
    value = alert.get(key)
    if value is None:
        return None
    moment = _epoch(value)
    if moment is None:
        raise Quarantine(f"“alert.{key}” is not an epoch time: {str(value)[:40]!r}.")
    return moment


def _epoch(value) -> datetime | None:
    """An epoch time in milliseconds, microseconds or nanoseconds (told by its size)."""
    if not _is_number(value) or value <= 0:
        return None
    seconds = value / 1e9 if value >= 1e17 else value / 1e6 if value >= 1e14 else value / 1e3
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
