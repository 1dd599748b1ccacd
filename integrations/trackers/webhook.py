"""GitHub's ``issues`` webhook (repository or organization webhook, content type
``application/json``, event "Issues"), signed and checked as the deployment webhook is
(``deploys.github.verify``: ``X-Hub-Signature-256``, constant time); ``X-GitHub-Delivery`` is
the event id, so a redelivery acts once. ``ping`` is processed and records nothing; any event
but ``issues`` is quarantined. What an issue event does to its linked item: ``sync``."""

from collections.abc import Mapping
from dataclasses import dataclass

from ..deploys.github import event_and_delivery
from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from .github import Issue, TrackerError, issue_from
from .sync import apply_issue_event

EVENTS = ("issues", "ping")


@dataclass(frozen=True)
class IssueEvent:
    delivery: str
    action: str = ""
    key: str = ""
    issue: Issue | None = None
    old_title: str | None = None


def parse(body: bytes, headers: Mapping[str, str]) -> IssueEvent:
    event, delivery = event_and_delivery(headers, EVENTS, choose="Issues")
    data = json_object(body)
    if event == "ping":
        return IssueEvent(delivery=delivery)
    repository, raw_issue = data.get("repository"), data.get("issue")
    if not isinstance(repository, dict) or not isinstance(raw_issue, dict):
        raise Quarantine("“repository” or “issue” is missing or not an object.")
    full_name = repository.get("full_name")
    if not isinstance(full_name, str) or not full_name:
        raise Quarantine("“repository.full_name” is missing.")
    try:
        issue = issue_from(raw_issue)
    except TrackerError as error:
        raise Quarantine(f"“issue” is not readable: {error}") from None
    changes = data.get("changes") if isinstance(data.get("changes"), dict) else {}
    title_change = changes.get("title")
    old_title = title_change.get("from") if isinstance(title_change, dict) else None
    return IssueEvent(
        delivery=delivery,
        action=str(data.get("action") or "")[:40],
        key=f"{full_name}#{issue.number}",
        issue=issue,
        old_title=old_title if isinstance(old_title, str) else None,
    )


def event_id(event: IssueEvent) -> str:
    return event.delivery


def apply(endpoint: WebhookEndpoint, event: IssueEvent) -> str:
    if event.issue is None:
        return "ping"
    return apply_issue_event(
        endpoint.organization,
        key=event.key,
        action=event.action,
        issue=event.issue,
        title_changed=event.old_title is not None,
    )
