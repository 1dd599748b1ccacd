"""GitHub's ``issues`` webhook (repository or organization webhook, content type
``application/json``, event "Issues"), signed and checked as the deployment webhook is
(``deploys.github.verify``: ``X-Hub-Signature-256``, constant time); ``X-GitHub-Delivery`` is
the event id, so a redelivery acts once. ``ping`` is processed and records nothing; any event
but ``issues`` is quarantined. What an issue event does to its linked item: ``sync``."""

from collections.abc import Mapping

from ..deploys.github import event_and_delivery
from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from .github_issues import ticket_from_issue
from .models import TrackerConnection, TrackerKind
from .remote import TicketEvent, TrackerError
from .sync import apply_ticket_event

EVENTS = ("issues", "ping")
# what each ``issues`` action changed; any other action (labeled, milestoned…) changes nothing
CHANGED = {
    "closed": frozenset({"status"}),
    "reopened": frozenset({"status"}),
    "assigned": frozenset({"assignee"}),
    "unassigned": frozenset({"assignee"}),
}
NOTHING = frozenset({"nothing"})


def read(endpoint: WebhookEndpoint, body: bytes, headers: Mapping[str, str]) -> TicketEvent:
    event, delivery = event_and_delivery(headers, EVENTS, choose="Issues")
    data = json_object(body)
    if event == "ping":
        return TicketEvent(delivery=delivery)
    repository, raw_issue = data.get("repository"), data.get("issue")
    if not isinstance(repository, dict) or not isinstance(raw_issue, dict):
        raise Quarantine("“repository” or “issue” is missing or not an object.")
    full_name = repository.get("full_name")
    if not isinstance(full_name, str) or not full_name:
        raise Quarantine("“repository.full_name” is missing.")
    try:
        ticket = ticket_from_issue(raw_issue, target=full_name, status_map=_status_map(endpoint))
    except TrackerError as error:
        raise Quarantine(f"“issue” is not readable: {error}") from None
    action = str(data.get("action") or "")[:40]
    if action == "deleted":
        return TicketEvent(delivery=delivery, key=ticket.key, deleted=True)
    changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
    changed = CHANGED.get(action, NOTHING)
    if action == "edited" and isinstance(changes.get("title"), dict):
        changed = frozenset({"title"})
    return TicketEvent(delivery=delivery, key=ticket.key, ticket=ticket, changed=changed)


def _status_map(endpoint: WebhookEndpoint) -> dict:
    connection = TrackerConnection.objects.filter(
        organization=endpoint.organization, kind=TrackerKind.GITHUB
    ).first()
    return connection.status_map if connection is not None else {}


def event_id(event: TicketEvent) -> str:
    return event.delivery


def apply(endpoint: WebhookEndpoint, event: TicketEvent) -> str:
    return apply_ticket_event(endpoint.organization, event, kinds=(TrackerKind.GITHUB,))
