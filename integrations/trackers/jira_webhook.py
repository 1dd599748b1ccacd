"""Jira's issue webhook (Jira Cloud or Data Center, events "Issue: created, updated, deleted").

Jira sends no bearer token: the admin registers the endpoint's address with its secret,
``https://<hindsight>/hooks/<public id>/?secret=<secret>``, compared in constant time. Jira
Cloud can also sign each body with a secret (``X-Hub-Signature: sha256=<HMAC-SHA256 of the raw
body, hex>``): when the header is there, it must match the endpoint's secret, so the endpoint
keeps its secret encrypted.

The event id is ``X-Atlassian-Webhook-Identifier`` (Jira Cloud's, the same on a retry), else
made of the event's time, the issue's id and its change log's id. ``jira:issue_created``,
``jira:issue_updated`` and ``jira:issue_deleted`` become a ``TicketEvent`` of the issue; any
other event changes nothing. The ticket's outcome goes through the organization's Jira
connection's status mapping. What the event does to its linked item: ``sync``."""

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from django.http import HttpRequest
from django.utils.datastructures import CaseInsensitiveMapping

from organizations.models import Organization

from ..deploys.github import signature
from ..intake.auth import secret_matches
from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from .jira_issues import reference, site_of, ticket_from_issue
from .models import TrackerConnection, TrackerKind
from .remote import TicketEvent, TrackerError
from .sync import apply_ticket_event

REFUSAL = (
    "Register the endpoint's address with its secret (…/?secret=<secret>) in Jira's webhook, "
    "or sign the body with it (X-Hub-Signature), as Jira Cloud does."
)
SIGNATURE_HEADER = "X-Hub-Signature"
IDENTIFIER_HEADER = "X-Atlassian-Webhook-Identifier"
KINDS = (TrackerKind.JIRA_CLOUD, TrackerKind.JIRA_DC)
CREATED, UPDATED, DELETED = "jira:issue_created", "jira:issue_updated", "jira:issue_deleted"
# a change log item's field → the ticket's field it changes
CHANGED = {
    "summary": "title",
    "status": "status",
    "resolution": "status",
    "assignee": "assignee",
    "duedate": "due_date",
}
OTHER = "other"  # a change to a field Hindsight does not sync


def verify(endpoint: WebhookEndpoint, request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "")
    if given:
        if not endpoint.secret_encrypted:
            return False
        expected = "sha256=" + signature(endpoint.secret_encrypted, body)
        return hmac.compare_digest(expected.encode(), given.strip().encode())
    return secret_matches(endpoint, request.GET.get("secret"))


def jira_connection(organization: Organization) -> TrackerConnection | None:
    return TrackerConnection.objects.filter(organization=organization, kind__in=KINDS).first()


def parse(endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]) -> TicketEvent:
    data = json_object(body)
    delivery = _delivery(headers, data)
    event = data.get("webhookEvent")
    if event not in (CREATED, UPDATED, DELETED):
        return TicketEvent(delivery=delivery)
    issue = data.get("issue")
    if not isinstance(issue, dict):
        raise Quarantine("“issue” is missing or not an object.")
    key = reference(str(issue.get("key") or ""))
    if key is None:
        raise Quarantine("“issue.key” is missing or not an issue key.")
    if event == DELETED:
        return TicketEvent(delivery=delivery, key=key, deleted=True)
    connection = jira_connection(endpoint.organization)
    try:
        ticket = ticket_from_issue(
            _with_time(issue, data.get("timestamp")),
            base_url=site_of(connection.base_url if connection else "", issue),
            status_map=connection.status_map if connection else {},
        )
    except TrackerError as error:
        raise Quarantine(f"“issue” is not readable: {error}") from None
    return TicketEvent(
        delivery=delivery, key=key, ticket=ticket, changed=_changed(data.get("changelog"))
    )


def event_id(event: TicketEvent) -> str:
    return event.delivery


def apply(endpoint: WebhookEndpoint, event: TicketEvent) -> str:
    return apply_ticket_event(endpoint.organization, event, kinds=KINDS)


def _delivery(headers: Mapping[str, str], data: dict) -> str:
    identifier = str(CaseInsensitiveMapping(headers).get(IDENTIFIER_HEADER) or "").strip()
    if identifier:
        if len(identifier) > 64:
            raise Quarantine(f"The {IDENTIFIER_HEADER} header is too long.")
        return identifier
    issue = data.get("issue") if isinstance(data.get("issue"), dict) else {}
    changelog = data.get("changelog") if isinstance(data.get("changelog"), dict) else {}
    parts = [
        str(data.get("timestamp") or ""),
        str(issue.get("id") or ""),
        str(changelog.get("id") or ""),
        str(data.get("webhookEvent") or "")[:20],
    ]
    if not parts[0]:
        raise Quarantine(f"Neither the {IDENTIFIER_HEADER} header nor “timestamp” is there.")
    return ":".join(parts)[:64]


def _with_time(issue: dict, timestamp: object) -> dict:
    """The issue, with the event's time (milliseconds) as its ``updated`` when the event does
    not carry that field."""
    fields = issue.get("fields")
    if not isinstance(fields, dict) or fields.get("updated"):
        return issue
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return issue
    try:
        moment = datetime.fromtimestamp(timestamp / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return issue
    return {**issue, "fields": {**fields, "updated": moment.isoformat()}}


def _changed(changelog: object) -> frozenset[str]:
    """The ticket's fields the change log names; ``OTHER`` when it names only fields Hindsight
    does not sync, and empty when the event has no change log (compare every field)."""
    items = changelog.get("items") if isinstance(changelog, dict) else None
    if not isinstance(items, list) or not items:
        return frozenset()
    names = {
        CHANGED.get(str(item.get("field") or "").lower(), OTHER)
        for item in items
        if isinstance(item, dict)
    }
    return frozenset(names) if names else frozenset()
