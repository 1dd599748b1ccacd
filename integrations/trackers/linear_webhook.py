"""Linear's webhooks (Settings → API → Webhooks, data change events of "Issues").

Linear signs each body with the webhook's signing secret, which it makes and shows on the
webhook's page: the admin pastes it into Hindsight. ``Linear-Signature`` is the hex
HMAC-SHA256 of the raw body, compared in constant time; the body's ``webhookTimestamp``
(epoch milliseconds, covered by the signature) must be within a minute of now, so a captured
delivery cannot be replayed later. No, a wrong or a stale signature is refused (401) and
nothing is stored. ``Linear-Delivery`` is the delivery's id: a redelivery acts once.

An ``Issue`` event (``create``, ``update``, ``remove``) becomes a ``TicketEvent`` keyed by the
issue's identifier (``ENG-12``); its outcome goes through the organization's Linear
connection's status mapping; a removed issue, or one moved to the trash, is deleted.
``updatedFrom`` (the previous values of what changed) says which
fields changed: ``title``, ``stateId`` (status), ``assigneeId``, ``dueDate``; an update of
none of these is marked ``{"other"}``, so nothing is compared. Any other type (``Comment``,
``Project``…) is processed and changes nothing."""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping

from django.http import HttpRequest

from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from .linear import KEY, ticket_from_issue
from .models import TrackerConnection, TrackerKind
from .remote import TicketEvent, TrackerError
from .sync import apply_ticket_event

REFUSAL = (
    "Sign the body with the webhook's signing secret (Linear-Signature: the hex HMAC-SHA256 "
    "of the body) and send it within a minute of its webhookTimestamp, as Linear does."
)
SIGNATURE_HEADER = "Linear-Signature"
DELIVERY_HEADER = "Linear-Delivery"
MAX_AGE_SECONDS = 60
ID_LIMIT = 64
ACTIONS = ("create", "update", "remove")
# updatedFrom's keys → the fields of TicketEvent.changed
CHANGES = {"title": "title", "stateId": "status", "assigneeId": "assignee", "dueDate": "due_date"}
UNTRACKED = frozenset({"other"})


def verify(endpoint: WebhookEndpoint, request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
    if not endpoint.secret_encrypted or not given:
        return False
    if not hmac.compare_digest(signature(endpoint.secret_encrypted, body).encode(), given.encode()):
        return False
    return _fresh(body)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _fresh(body: bytes) -> bool:
    """The signed ``webhookTimestamp`` is within a minute of now. A body that is no JSON object
    passes here, to be quarantined by ``parse`` (it can do nothing, replayed or not)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return True
    if not isinstance(data, dict):
        return True
    stamp = data.get("webhookTimestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return False
    return abs(time.time() - stamp / 1000) <= MAX_AGE_SECONDS


def parse_for_endpoint(
    endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]
) -> TicketEvent:
    return parse(body, headers, status_map=status_map_of(endpoint))


def status_map_of(endpoint: WebhookEndpoint) -> dict:
    connection = TrackerConnection.objects.filter(
        organization=endpoint.organization, kind=TrackerKind.LINEAR
    ).first()
    mapping = connection.status_map if connection is not None else {}
    return mapping if isinstance(mapping, dict) else {}


def parse(body: bytes, headers: Mapping[str, str], *, status_map: dict) -> TicketEvent:
    data = json_object(body)
    delivery = _delivery(headers, data)
    kind, action = data.get("type"), data.get("action")
    if kind != "Issue":
        return TicketEvent(delivery=delivery)
    if action not in ACTIONS:
        raise Quarantine(f"“action” {str(action)[:40]!r} is not create, update or remove.")
    issue = data.get("data")
    if not isinstance(issue, dict):
        raise Quarantine("“data” is missing or not an object.")
    key = issue.get("identifier")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise Quarantine("“data.identifier” is missing or not an issue identifier.")
    if action == "remove" or issue.get("trashed") is True:
        return TicketEvent(delivery=delivery, key=key, deleted=True)
    try:
        ticket = ticket_from_issue(issue, status_map=status_map)
    except TrackerError as error:
        raise Quarantine(f"“data” is not readable: {error}") from None
    return TicketEvent(
        delivery=delivery, key=key, ticket=ticket, changed=_changed(data.get("updatedFrom"))
    )


def event_id(event: TicketEvent) -> str:
    return event.delivery


def apply(endpoint: WebhookEndpoint, event: TicketEvent) -> str:
    if not event.key:
        return "ignored: not an issue event"
    return apply_ticket_event(endpoint.organization, event, kinds=(TrackerKind.LINEAR,))


def _delivery(headers: Mapping[str, str], data: dict) -> str:
    delivery = str(headers.get(DELIVERY_HEADER) or "").strip()
    if not delivery:
        webhook, stamp = data.get("webhookId"), data.get("webhookTimestamp")
        delivery = f"{webhook}:{stamp}" if webhook and stamp else ""
    if not delivery:
        raise Quarantine(f"The {DELIVERY_HEADER} header is missing.")
    if len(delivery) > ID_LIMIT:
        raise Quarantine(f"The {DELIVERY_HEADER} header is longer than {ID_LIMIT} characters.")
    return delivery


def _changed(updated_from) -> frozenset[str]:
    if updated_from is None:
        return frozenset()
    if not isinstance(updated_from, dict):
        raise Quarantine("“updatedFrom” is not an object.")
    changed = frozenset(CHANGES[name] for name in updated_from if name in CHANGES)
    return changed or UNTRACKED
