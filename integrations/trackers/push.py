"""The worker's side of an item's ticket: create the ticket (or read the adopted one), write
Hindsight's later edits over it, and keep what the tracker answered on the link; errors stay
on the link and in its sync notes. The answer's ``updated_at`` becomes the link's
``remote_updated_at``: our own change, echoed back by the tracker's webhook, is then not
newer and is not applied again."""

from dataclasses import replace

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from actionitems.models import ActionItem, ItemStatus
from actionitems.services import action_item_sync
from organizations.site import absolute_url

from .clients import client_for
from .models import SyncState, TicketLink
from .remote import DONE, OPEN, WONT_DO, RemoteTicket, TicketDraft, TrackerError
from .services import note
from .sync import CLOSED, TITLE_LIMIT, synced_values

LABEL = "postmortem"


def push(link: TicketLink) -> None:
    """Create or read ``link``'s ticket. Raises ``TrackerError`` when asking later may help
    (``retry_after``); any other refusal is stored as the link's error."""
    if link.state != SyncState.QUEUED:
        return
    tracker = client_for(link.connection)
    try:
        if link.key:
            ticket = tracker.read(link.key)
        else:
            ticket = tracker.create(link.target, draft_of(link.item))
    except TrackerError as error:
        if error.retry_after is not None:
            raise
        fail(link, str(error))
        return
    _linked(link, ticket)


def push_update(link: TicketLink) -> None:
    """Write the item's title, due date, priority and owner over its linked ticket. Raises
    ``TrackerError`` when asking later may help."""
    if link.state != SyncState.LINKED or not link.key:
        return
    try:
        draft = replace(draft_of(link.item), outcome=outcome_of(link))
        ticket = client_for(link.connection).update(link.key, draft)
    except TrackerError as error:
        if error.retry_after is not None:
            raise
        fail(link, str(error))
        return
    _updated(link, ticket)


def outcome_of(link: TicketLink) -> str:
    """The state to give the ticket: the item's, when it changed since the last sync (else
    the ticket's own state stays, whatever the item's)."""
    item = link.item
    if link.synced.get("status") == str(item.status):
        return ""
    if item.status == ItemStatus.COMPLETED:
        return DONE
    if item.status == ItemStatus.WONT_DO:
        return WONT_DO
    return OPEN if link.synced.get("status") in CLOSED else ""


def draft_of(item: ActionItem) -> TicketDraft:
    postmortem = item.postmortem
    incident = postmortem.incident
    labels = [LABEL]
    if incident is not None:
        labels.append(incident.ref)
    if item.category:
        labels.append(item.get_category_display().lower())
    return TicketDraft(
        title=item.description[:TITLE_LIMIT],
        body=issue_body(item),
        labels=tuple(labels),
        due_date=item.due_date,
        priority=item.priority,
        assignee_email=item.owner.email if item.owner is not None else "",
    )


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
            f"Owner in Hindsight: {item.owner.get_full_name() or item.owner.get_username()}."
        )
    return "\n".join(lines)


@transaction.atomic
def _linked(link: TicketLink, ticket: RemoteTicket) -> None:
    """Keep the tracker's answer; the item's ticket address is written first, so that the
    sync time is after the item's last change (no conflict with our own write)."""
    item = link.item
    if item.ticket_url != ticket.url:
        item = action_item_sync(item=item, changes={"ticket_url": ticket.url})
    link.number = int(ticket.remote_id) if ticket.remote_id.isdigit() else None
    link.key, link.url, link.remote_id = ticket.key, ticket.url, ticket.remote_id
    _keep(link, ticket, item)
    note(link, f"{link.key} linked: {ticket.status} on the tracker.")


@transaction.atomic
def _updated(link: TicketLink, ticket: RemoteTicket) -> None:
    _keep(link, ticket, link.item)
    note(link, f"Hindsight's edits written to {link.key}.")


def _keep(link: TicketLink, ticket: RemoteTicket, item: ActionItem) -> None:
    link.remote_status = ticket.status[:40]
    link.remote_updated_at = ticket.updated_at
    link.last_synced_at = timezone.now()
    link.synced = synced_values(item)
    link.state, link.last_error = SyncState.LINKED, ""
    link.save()


@transaction.atomic
def fail(link: TicketLink, message: str) -> None:
    link.state = SyncState.FAILED if not link.remote_updated_at else SyncState.LINKED
    link.last_error = message[:500]
    link.save(update_fields=["state", "last_error"])
    note(link, f"Sync failed: {message}")
