"""What a change on the tracker does to the linked action item, whatever the tracker.

- Status, through the ticket's outcome (the connection's status mapping): done → COMPLETED;
  won't do → WONT_DO with the tracker's resolution as the reason; open again → OPEN (an item in
  progress stays in progress). A new title becomes the item's description; a new due date its
  due date; a new assignee whose address is a member's becomes its owner (anyone else is
  noted in the sync history).
- Loop guard: a ticket not newer than the link's ``remote_updated_at`` (the answer to our own
  write, or a change already applied) is not applied.
- Conflicts: when Hindsight also changed the same field since the last sync (it differs from
  the value synced then), the newer change wins; the other is written in the sync notes.
- A deleted ticket unlinks with a note; the item stays.
The caller (the intake, the reconciliation) holds the transaction."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from actionitems.models import ActionItem, ItemStatus
from actionitems.services import action_item_sync, past_due_date_error
from organizations.models import Organization
from organizations.selectors import today_in

from . import selectors
from .models import TRACKER_NAMES, SyncState, TicketLink
from .remote import DONE, OPEN, WONT_DO, RemoteTicket, TicketEvent
from .services import note

SYNCED_FIELDS = ("status", "description", "wont_do_reason", "due_date", "owner")
TITLE_LIMIT = 256
CLOSED = (ItemStatus.COMPLETED, ItemStatus.WONT_DO)
EVERY_CHANGE = frozenset({"title", "status", "assignee", "due_date"})


def apply_ticket_event(
    organization: Organization, event: TicketEvent, *, kinds: Iterable[str]
) -> str:
    """A tracker webhook's event, on the item linked to its ticket (if any)."""
    if not event.key:
        return "ping"
    link = selectors.link_by_ticket(organization, event.key, kinds=tuple(kinds))
    if link is None:
        return "ignored: not linked"
    if event.deleted or event.ticket is None:
        return unlinked(link)
    return apply_to_link(link, event.ticket, changed=event.changed)


def apply_to_link(
    link: TicketLink, ticket: RemoteTicket, *, changed: frozenset[str] = frozenset()
) -> str:
    """What ``ticket``'s state does to the link's item, unless it is not newer than the last
    change we know of. ``changed`` names what the event says changed (empty: compare all)."""
    key = link.key
    if link.remote_updated_at and ticket.updated_at <= link.remote_updated_at:
        return f"ignored: {key} not newer than the last sync"
    item = link.item
    wanted = _changes(link, item, ticket, changed or EVERY_CHANGE, told=bool(changed))
    applied, kept = _resolve(link, item, wanted, ticket.updated_at)
    if applied:
        item = action_item_sync(item=item, changes=applied)
    link.remote_status = ticket.status[:40]
    link.remote_updated_at = ticket.updated_at
    link.last_synced_at = timezone.now()
    link.synced = synced_values(item)
    link.state, link.last_error = SyncState.LINKED, ""
    link.save()
    return _outcome(key, item, applied, kept)


def synced_values(item: ActionItem) -> dict[str, str]:
    """The item's fields a tracker sets, as of a sync (what a later conflict is judged by)."""
    return {name: _current(item, name) for name in SYNCED_FIELDS}


def _current(item: ActionItem, name: str) -> str:
    return str(item.owner_id) if name == "owner" else str(getattr(item, name))


def _shown_value(value) -> str:
    return str(getattr(value, "pk", value))


def _changes(
    link: TicketLink, item: ActionItem, ticket: RemoteTicket, changed: frozenset[str], *, told: bool
) -> dict:
    """The item's fields the ticket's state asks for. ``told``: the event named what changed
    (a webhook), so what cannot be applied is worth a note; a reconciliation compares all
    and notes nothing it would note again every night."""
    changes: dict = {}
    if "status" in changed:
        if ticket.outcome == DONE:
            changes["status"] = ItemStatus.COMPLETED
        elif ticket.outcome == WONT_DO:
            changes["status"] = ItemStatus.WONT_DO
            changes["wont_do_reason"] = ticket.reason or f"Closed as {ticket.status}"
        elif ticket.outcome == OPEN and item.status in CLOSED:
            changes["status"] = ItemStatus.OPEN
    title = ticket.title.strip()
    if "title" in changed and title and title != item.description[:TITLE_LIMIT].strip():
        changes["description"] = ticket.title
    if "due_date" in changed and ticket.due_date not in (None, item.due_date):
        today = today_in(item.organization)
        if not past_due_date_error(ticket.due_date, today=today, current=item.due_date):
            changes["due_date"] = ticket.due_date
        elif told:
            note(link, f"The ticket's due date {ticket.due_date} is past; the item's is kept.")
    if "assignee" in changed and (ticket.assignee_email or ticket.assignee_name):
        owner = selectors.owner_by_email(item.organization, ticket.assignee_email)
        if owner is not None:
            changes["owner"] = owner
        elif told:
            who = ticket.assignee_name or ticket.assignee_email
            note(link, f"Assigned to {who} on the tracker, who owns no items here; owner kept.")
    return changes


def _resolve(
    link: TicketLink, item: ActionItem, wanted: dict, remote_at: datetime
) -> tuple[dict, dict]:
    """Split the tracker's changes into those applied and those Hindsight's newer change
    keeps. A field is in conflict when Hindsight also changed it since the last sync (it
    differs from the value synced then, ``link.synced``); the newer side wins and each
    conflict is noted."""
    differing = {
        name: value for name, value in wanted.items() if _current(item, name) != _shown_value(value)
    }
    conflicting = {
        name: value
        for name, value in differing.items()
        if name in link.synced and link.synced[name] != _current(item, name)
    }
    if not conflicting:
        return differing, {}
    fields = ", ".join(sorted(_label(name) for name in conflicting))
    tracker = TRACKER_NAMES[link.connection.kind]
    if item.updated_at > remote_at:
        note(
            link,
            f"Conflict on {fields}: kept Hindsight's change ({_when(item.updated_at)}); "
            f"{tracker}'s ({_when(remote_at)}) was {_shown(conflicting)}.",
        )
        applied = {name: v for name, v in differing.items() if name not in conflicting}
        return applied, conflicting
    current = {name: getattr(item, name) or "nobody" for name in conflicting}
    note(
        link,
        f"Conflict on {fields}: {tracker}'s change ({_when(remote_at)}) replaced Hindsight's "
        f"({_when(item.updated_at)}), which was {_shown(current)}.",
    )
    return differing, {}


def _label(name: str) -> str:
    return {"wont_do_reason": "reason"}.get(name, name.replace("_", " "))


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _shown(values: dict) -> str:
    return "; ".join(f"{_label(name)} “{str(value)[:80]}”" for name, value in values.items())


def _outcome(key: str, item: ActionItem, applied: dict, kept: dict) -> str:
    if kept:
        return f"AI-{item.number}: Hindsight's newer change kept over {key}'s"
    if not applied:
        return f"AI-{item.number}: nothing to change from {key}"
    changed = ", ".join(sorted(_label(name) for name in applied))
    return f"AI-{item.number} updated from {key}: {changed}"


def unlinked(link: TicketLink) -> str:
    key = link.key
    link.number, link.key, link.url, link.remote_status = None, "", "", "deleted"
    link.remote_id = ""
    link.state = SyncState.FAILED
    tracker = TRACKER_NAMES[link.connection.kind]
    link.last_error = f"{key} was deleted on {tracker}; the item stays. Create or link another."
    link.last_synced_at = timezone.now()
    link.save()
    note(link, link.last_error)
    return f"AI-{link.item.number} unlinked: {key} deleted"
