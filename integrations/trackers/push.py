"""The worker's side of an item's ticket: create the GitHub issue (or read the adopted one)
and keep what GitHub answered on the link; errors stay on the link and in its sync notes."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from actionitems.models import ActionItem
from actionitems.services import action_item_sync
from organizations.site import absolute_url

from .github import GitHubTracker, Issue, TrackerError
from .models import SyncState, TicketLink
from .services import note
from .sync import synced_values

LABEL = "postmortem"
TITLE_LIMIT = 256


def push(link: TicketLink) -> None:
    """Create or read ``link``'s issue. Raises ``TrackerError`` when asking later may help
    (``retry_after``); any other refusal is stored as the link's error."""
    if link.state != SyncState.QUEUED:
        return
    tracker = GitHubTracker(link.connection.base_url, link.connection.token)
    try:
        if link.number:
            issue = tracker.issue(link.target, link.number)
        else:
            issue = tracker.create_issue(link.target, **issue_fields(link.item))
    except TrackerError as error:
        if error.retry_after is not None:
            raise
        fail(link, str(error))
        return
    _linked(link, issue)


def issue_fields(item: ActionItem) -> dict:
    postmortem = item.postmortem
    incident = postmortem.incident
    labels = [LABEL]
    if incident is not None:
        labels.append(incident.ref)
    if item.category:
        labels.append(item.get_category_display().lower())
    return {
        "title": item.description[:TITLE_LIMIT],
        "body": issue_body(item),
        "labels": labels,
    }


def issue_body(item: ActionItem) -> str:
    postmortem = item.postmortem
    slug = item.organization.slug
    postmortem_url = absolute_url(
        reverse("postmortem_detail", kwargs={"org_slug": slug, "number": postmortem.number})
    )
    lines = [
        item.description,
        "",
        f"Action item AI-{item.number} of [PM-{postmortem.number} {postmortem.title}]"
        f"({postmortem_url}) in Hindsight.",
    ]
    if postmortem.incident is not None:
        incident = postmortem.incident
        incident_url = absolute_url(
            reverse("incident_detail", kwargs={"org_slug": slug, "ref": incident.ref})
        )
        lines.append(f"Incident: [{incident.ref} {incident.title}]({incident_url}).")
    if item.success_criteria:
        lines += ["", f"**Done when:** {item.success_criteria}"]
    details = [f"Priority: {item.get_priority_display()}"]
    if item.due_date:
        details.append(f"due {item.due_date.isoformat()}")
    lines += ["", "; ".join(details) + "."]
    if item.owner is not None:
        lines.append(
            f"Owner in Hindsight: {item.owner.get_full_name() or item.owner.get_username()} "
            "(not assigned on GitHub: Hindsight does not know their GitHub account)."
        )
    return "\n".join(lines)


@transaction.atomic
def _linked(link: TicketLink, issue: Issue) -> None:
    """Keep GitHub's answer; the item's ticket address is written first, so that the sync
    time is after the item's last change (no conflict with our own write)."""
    item = link.item
    if item.ticket_url != issue.url:
        item = action_item_sync(item=item, changes={"ticket_url": issue.url})
    link.number = issue.number
    link.key = f"{link.target}#{issue.number}"
    link.url = issue.url
    link.remote_status = issue.status
    link.remote_updated_at = issue.updated_at
    link.last_synced_at = timezone.now()
    link.synced = synced_values(item)
    link.state, link.last_error = SyncState.LINKED, ""
    link.save()
    note(link, f"{link.key} linked: {issue.status} on GitHub.")


@transaction.atomic
def fail(link: TicketLink, message: str) -> None:
    link.state = SyncState.FAILED if not link.remote_updated_at else SyncState.LINKED
    link.last_error = message[:500]
    link.save(update_fields=["state", "last_error"])
    note(link, f"Sync failed: {message}")
