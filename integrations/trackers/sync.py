"""What a change on GitHub does to the linked action item.

- Status: closed as completed → COMPLETED; closed as not planned → WONT_DO ("Closed as not
  planned on GitHub"); reopened → OPEN. A new title becomes the item's description. GitHub's
  assignees are noted in the sync history (Hindsight does not know members' GitHub accounts).
- Loop guard: an event whose issue is not newer than the link's ``remote_updated_at`` (our
  own write's answer, or a change already applied) is not applied.
- Conflicts: when Hindsight also changed the same field since the last sync (it differs from
  the value synced then), the newer change wins; the other is written in the sync notes.
- A deleted issue unlinks with a note; the item stays.
The caller (the intake) holds the transaction."""

from datetime import datetime

from django.utils import timezone

from actionitems.models import ActionItem, ItemStatus
from actionitems.services import action_item_sync
from organizations.models import Organization

from . import selectors
from .github import Issue
from .models import SyncState, TicketLink
from .services import note

NOT_PLANNED_REASON = "Closed as not planned on GitHub"
SYNCED_FIELDS = ("status", "description", "wont_do_reason")


def apply_issue_event(
    organization: Organization, *, key: str, action: str, issue: Issue, title_changed: bool
) -> str:
    link = selectors.link_by_ticket(organization, key)
    if link is None:
        return "ignored: not linked"
    if action == "deleted":
        return unlinked(link)
    return apply_to_link(link, action=action, issue=issue, title_changed=title_changed)


def apply_to_link(link: TicketLink, *, action: str, issue: Issue, title_changed: bool) -> str:
    """What ``issue``'s change (``action``: closed, reopened, edited, assigned…) does to the
    link's item, unless it is not newer than the last change we know of."""
    key = link.key
    if link.remote_updated_at and issue.updated_at <= link.remote_updated_at:
        return f"ignored: {key} not newer than the last sync"
    wanted = _changes(action, issue, title_changed)
    item = link.item
    applied, kept = _resolve(link, item, wanted, issue.updated_at)
    if applied:
        item = action_item_sync(item=item, changes=applied)
    if action in ("assigned", "unassigned"):
        people = ", ".join(issue.assignees) or "nobody"
        note(link, f"Assigned on GitHub to {people} (the item's owner is kept).")
    link.remote_status = issue.status
    link.remote_updated_at = issue.updated_at
    link.last_synced_at = timezone.now()
    link.synced = synced_values(item)
    link.state, link.last_error = SyncState.LINKED, ""
    link.save()
    return _outcome(key, item, applied, kept)


def synced_values(item: ActionItem) -> dict[str, str]:
    """The item's fields a tracker sets, as of a sync (what a later conflict is judged by)."""
    return {name: str(getattr(item, name)) for name in SYNCED_FIELDS}


def _changes(action: str, issue: Issue, title_changed: bool) -> dict:
    changes: dict = {}
    if action == "closed":
        if issue.state_reason == "not_planned":
            changes = {"status": ItemStatus.WONT_DO, "wont_do_reason": NOT_PLANNED_REASON}
        else:
            changes = {"status": ItemStatus.COMPLETED}
    elif action == "reopened":
        changes = {"status": ItemStatus.OPEN}
    if title_changed and issue.title.strip():
        changes["description"] = issue.title
    return changes


def _resolve(
    link: TicketLink, item: ActionItem, wanted: dict, remote_at: datetime
) -> tuple[dict, dict]:
    """Split GitHub's changes into those applied and those Hindsight's newer change keeps. A
    field is in conflict when Hindsight also changed it since the last sync (it differs from
    the value synced then, ``link.synced``); the newer side wins and each conflict is noted."""
    differing = {name: value for name, value in wanted.items() if getattr(item, name) != value}
    conflicting = {
        name: value
        for name, value in differing.items()
        if name in link.synced and link.synced[name] != str(getattr(item, name))
    }
    if not conflicting:
        return differing, {}
    fields = ", ".join(sorted(conflicting))
    if item.updated_at > remote_at:
        note(
            link,
            f"Conflict on {fields}: kept Hindsight's change ({_when(item.updated_at)}); "
            f"GitHub's ({_when(remote_at)}) was {_shown(conflicting)}.",
        )
        applied = {name: v for name, v in differing.items() if name not in conflicting}
        return applied, conflicting
    current = {name: getattr(item, name) for name in conflicting}
    note(
        link,
        f"Conflict on {fields}: GitHub's change ({_when(remote_at)}) replaced Hindsight's "
        f"({_when(item.updated_at)}), which was {_shown(current)}.",
    )
    return differing, {}


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _shown(values: dict) -> str:
    return "; ".join(f"{name} “{str(value)[:80]}”" for name, value in values.items())


def _outcome(key: str, item: ActionItem, applied: dict, kept: dict) -> str:
    if kept:
        return f"AI-{item.number}: Hindsight's newer change kept over {key}'s"
    if not applied:
        return f"AI-{item.number}: nothing to change from {key}"
    return f"AI-{item.number} updated from {key}: {', '.join(sorted(applied))}"


def unlinked(link: TicketLink) -> str:
    key = link.key
    link.number, link.key, link.url, link.remote_status = None, "", "", "deleted"
    link.state = SyncState.FAILED
    link.last_error = f"{key} was deleted on GitHub; the item stays. Create or link another."
    link.last_synced_at = timezone.now()
    link.save()
    note(link, link.last_error)
    return f"AI-{link.item.number} unlinked: {key} deleted"
