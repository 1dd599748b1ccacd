"""Writes for the issue trackers: the connections and their routes (admins), "Test
connection" (the one call to a tracker a person waits for), and asking for items' tickets
(created, adopted or updated later, in the worker: ``push``)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from actionitems.models import ActionItem
from organizations.selectors import membership_in
from postmortems.models import Postmortem
from postmortems.permissions import access

from . import selectors
from .models import (
    SyncNote,
    SyncState,
    TicketLink,
    TrackerConnection,
)


def may_ticket(item: ActionItem, actor: AbstractBaseUser) -> bool:
    """Whoever may edit the item's postmortem creates or links its ticket."""
    membership = membership_in(item.organization, actor)
    return access(actor, membership, item.postmortem).can_edit


def _route_or_error(item: ActionItem) -> tuple[TrackerConnection, str]:
    route = selectors.route_for(item.organization, item)
    if route is None or not route[0].token:
        raise ValidationError(
            {"tracker": "An admin connects an issue tracker in the settings first."}
        )
    return route


@transaction.atomic
def ticket_create(*, item: ActionItem, actor: AbstractBaseUser) -> TicketLink:
    """Queue the creation of ``item``'s ticket where its route sends it (a failed one is
    asked again)."""
    if not may_ticket(item, actor):
        raise PermissionDenied("Only the postmortem's editors create tickets for its items.")
    route = _route_or_error(item)
    link = selectors.link_of(item)
    if link is not None and (link.key or link.state == SyncState.QUEUED):
        raise ValidationError(
            {"ticket": f"This item already has a ticket ({link.key or 'being created'})."}
        )
    return _ticket_request(item, route, actor, link)


@transaction.atomic
def tickets_create_all(*, postmortem: Postmortem, actor: AbstractBaseUser | None) -> int:
    """Queue tickets for every open item of ``postmortem`` that has none; answers how many.
    ``actor`` None: the organization's own rule (on publish). The route is the postmortem's,
    so it is found once for all its items."""
    if actor is not None:
        membership = membership_in(postmortem.organization, actor)
        if not access(actor, membership, postmortem).can_edit:
            raise PermissionDenied("Only the postmortem's editors create tickets for its items.")
    items = selectors.items_without_ticket(postmortem)
    if not items:
        return 0
    route = _route_or_error(items[0])
    failed = selectors.links_of_items(postmortem.organization, [item.pk for item in items])
    for item in items:
        _ticket_request(item, route, actor, failed.get(item.pk))
    return len(items)


def _ticket_request(
    item: ActionItem,
    route: tuple[TrackerConnection, str],
    actor: AbstractBaseUser | None,
    link: TicketLink | None,
) -> TicketLink:
    """Queue ``item``'s ticket at ``route``, on its failed link if it has one."""
    connection, target = route
    link = link or TicketLink(organization=item.organization, item=item, created_by=actor)
    link.connection, link.target = connection, target
    link.state, link.last_error = SyncState.QUEUED, ""
    link.save()
    who = actor.get_username() if actor is not None else "the publish rule"
    note(link, f"Ticket requested in {connection.get_kind_display()} {target} by {who}.")
    _queue(link)
    return link


def tickets_on_publish(*, postmortem: Postmortem, actor: AbstractBaseUser | None = None) -> None:
    """Receiver of ``postmortems.review.transitions.POSTMORTEM_PUBLISHED``: tickets for the
    open items when the organization's default tracker asks for them on publish."""
    connection = selectors.default_connection(postmortem.organization)
    if connection is None or not connection.create_on_publish or not connection.token:
        return
    tickets_create_all(postmortem=postmortem, actor=None)


FOLLOWED_FIELDS = frozenset({"description", "due_date", "priority", "owner", "status"})


def ticket_follow_item(*, item: ActionItem, fields: frozenset[str]) -> None:
    """Receiver of ``actionitems.services.ACTION_ITEM_CHANGED``: a linked ticket gets the
    item's new title, due date, priority, owner or state. The worker finds the link (a
    linked item has its ticket's address), so an edit costs the request no query."""
    if not item.ticket_url or not fields & FOLLOWED_FIELDS:
        return
    from .tasks import update_item_ticket  # the task calls ``push_update``

    item_id = item.pk
    transaction.on_commit(lambda: update_item_ticket.delay(item_id), robust=True)


@transaction.atomic
def ticket_adopt(*, item: ActionItem, actor: AbstractBaseUser, reference: str) -> TicketLink:
    """Link ``item`` to an existing ticket (its address or key) in the tracker its route
    sends it to; the worker reads its status."""
    from .clients import REFERENCE_HELP, reference_key

    if not may_ticket(item, actor):
        raise PermissionDenied("Only the postmortem's editors link tickets to its items.")
    connection, target = _route_or_error(item)
    key = reference_key(connection.kind, reference)
    if key is None:
        raise ValidationError({"reference": REFERENCE_HELP[connection.kind]})
    taken = selectors.link_by_ticket(item.organization, key, kinds=(connection.kind,))
    if taken is not None and taken.item_id != item.pk:
        raise ValidationError({"reference": f"{key} is already linked to AI-{taken.item.number}."})
    link = selectors.link_of(item) or TicketLink(
        organization=item.organization, item=item, created_by=actor
    )
    link.connection, link.target, link.key, link.number = connection, target, key, None
    link.url = ""
    link.state, link.last_error, link.remote_updated_at = SyncState.QUEUED, "", None
    link.save()
    note(link, f"Linked to {key} by {actor.get_username()}.")
    _queue(link)
    return link


def note(link: TicketLink, text: str) -> SyncNote:
    return SyncNote.objects.create(organization=link.organization, link=link, text=text[:500])


def _queue(link: TicketLink) -> None:
    from .tasks import push_ticket  # the task calls ``push``, which this module's callers use

    link_id = link.pk
    transaction.on_commit(lambda: push_ticket.delay(link_id), robust=True)
