"""Reads for the issue trackers."""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, F, Q, Subquery
from django.urls import reverse

from actionitems.models import ActionItem
from incidents.models import IncidentService
from organizations.models import Membership, Organization
from organizations.roles import Action, can
from postmortems.models import Postmortem

from .models import (
    TRACKER_NAMES,
    SyncNote,
    SyncState,
    TicketLink,
    TrackerConnection,
    TrackerKind,
    TrackerTarget,
)

NOTES_SHOWN = 20
# How long an organization's ``tracker_connected`` answer is kept. Connecting and disconnecting
# clear it (``connections.connections_changed``); the expiry only bounds how long an answer
# computed while a connection was being made, and stored just after it was cleared, can last.
CONNECTED_TTL = 600


def _connected_key(organization: Organization) -> str:
    # created_at: ids are reused by a rolled-back test database
    return f"trackers-connected:{organization.pk}:{organization.created_at.timestamp()}"


def tracker_connected(organization: Organization) -> bool:
    """Whether the organization has a tracker connection, remembered in the cache: the
    postmortem pages ask on every view, and without a connection there are no tickets to show
    (links go with their connection) nor anywhere to create them, so they ask nothing more."""
    key = _connected_key(organization)
    connected = cache.get(key)
    if connected is None:
        connected = TrackerConnection.objects.filter(organization=organization).exists()
        cache.set(key, connected, CONNECTED_TTL)
    return connected


def forget_connected(organization: Organization) -> None:
    """Drop the remembered ``tracker_connected`` answer (a connection was made or removed)."""
    cache.delete(_connected_key(organization))


def connection_for(
    organization: Organization, kind: str = TrackerKind.GITHUB
) -> TrackerConnection | None:
    return TrackerConnection.objects.filter(organization=organization, kind=kind).first()


def connections_of(organization: Organization) -> list[TrackerConnection]:
    return list(
        TrackerConnection.objects.filter(organization=organization).order_by("-is_default", "kind")
    )


def default_connection(organization: Organization) -> TrackerConnection | None:
    """Where items go unless a route sends them elsewhere: the connection marked default,
    else the only one."""
    return _default_of(connections_of(organization))


def _default_of(connections: list[TrackerConnection]) -> TrackerConnection | None:
    """The default among the organization's connections, ordered as ``connections_of``."""
    if len(connections) == 1 or (connections and connections[0].is_default):
        return connections[0]
    return None


def route_for(organization: Organization, item: ActionItem) -> tuple[TrackerConnection, str] | None:
    """The connection and target ``item`` goes to: its postmortem's (``route_of_postmortem``)."""
    return route_of_postmortem(organization, item.postmortem)


# Team routes before service routes, each by name: the first row is the one that applies.
ROUTE_ORDER = (F("team__name").asc(nulls_last=True), F("service__name").asc(nulls_last=True))


def route_of_postmortem(
    organization: Organization, postmortem: Postmortem
) -> tuple[TrackerConnection, str] | None:
    """The connection and target the postmortem's items go to, the first that applies of:

    1. the route of one of the postmortem's teams (the first by team name);
    2. the route of one of the services of its incident, the primary one (the first by service
       name; a postmortem without an incident has none);
    3. the default connection's target.

    A team names who owns the follow-up work, a service only where the incident happened, so
    the team's route wins. One query: the organization's connections, each with the route that
    applies (the same for all of them)."""
    routes = Q(team__in=postmortem.teams.all())
    if postmortem.incident_id is not None:
        services = IncidentService.objects.filter(
            organization=organization, incident_id=postmortem.incident_id
        ).values("service_id")
        routes |= Q(service__in=services)
    route = TrackerTarget.objects.filter(routes, organization=organization).order_by(
        *ROUTE_ORDER, "pk"
    )
    connections = list(
        TrackerConnection.objects.filter(organization=organization)
        .annotate(
            route_connection=Subquery(route.values("connection_id")[:1]),
            route_target=Subquery(route.values("target")[:1]),
        )
        .order_by("-is_default", "kind")
    )
    routed = connections[0].route_connection if connections else None
    for connection in connections:
        if connection.pk == routed:
            return connection, connections[0].route_target
    connection = _default_of(connections)
    return (connection, connection.target) if connection is not None else None


def owner_by_email(organization: Organization, email: str):
    """The member with this address who may own action items, or None."""
    if not email:
        return None
    membership = (
        Membership.objects.filter(organization=organization, user__email__iexact=email.strip())
        .select_related("user")
        .first()
    )
    if membership is None or not can(membership, Action.OWN_ACTION_ITEMS):
        return None
    return membership.user


def routes_of(connection: TrackerConnection) -> list[TrackerTarget]:
    return list(connection.routes.select_related("team", "service").order_by(*ROUTE_ORDER))


def routes_of_organization(organization: Organization) -> list[TrackerTarget]:
    """Every route of the organization with its team or service and connection, team routes
    first, one query (the settings page)."""
    return list(
        TrackerTarget.objects.filter(organization=organization)
        .select_related("team", "service", "connection")
        .order_by(*ROUTE_ORDER)
    )


def failing_by_connection(organization: Organization) -> dict[int, int]:
    """How many items' last sync failed, by connection, one query (the settings page)."""
    rows = (
        TicketLink.objects.filter(organization=organization)
        .exclude(last_error="")
        .values("connection_id")
        .annotate(count=Count("pk"))
    )
    return {row["connection_id"]: row["count"] for row in rows}


def items_without_ticket(postmortem: Postmortem) -> list[ActionItem]:
    """The postmortem's open items with no ticket yet (nor one being created)."""
    return list(
        ActionItem.objects.filter(organization=postmortem.organization, postmortem=postmortem)
        .exclude(status__in=("COMPLETED", "WONT_DO"))
        .exclude(ticket_link__state=SyncState.QUEUED)
        .exclude(ticket_link__key__gt="")
        .select_related("postmortem", "organization")
        .order_by("position", "pk")
    )


def link_of(item: ActionItem) -> TicketLink | None:
    return TicketLink.objects.filter(item=item).select_related("connection").first()


def links_of_items(organization: Organization, item_ids: list[int]) -> dict[int, TicketLink]:
    links = TicketLink.objects.filter(organization=organization, item_id__in=item_ids)
    return {link.item_id: link for link in links}


def link_by_ticket(
    organization: Organization, key: str, *, kinds: tuple[str, ...] = ()
) -> TicketLink | None:
    links = TicketLink.objects.filter(organization=organization, key__iexact=key)
    if kinds:
        links = links.filter(connection__kind__in=kinds)
    return links.select_related("item", "item__organization", "connection").first()


def notes_of(link: TicketLink) -> list[SyncNote]:
    return list(link.notes.all()[:NOTES_SHOWN])


@dataclass(frozen=True)
class ItemTicket:
    """What an item's row (the postmortem's, the tracker's) and the API show of its ticket."""

    key: str
    remote_url: str  # the ticket on the tracker ("" until it is created)
    url: str  # the item's ticket page in Hindsight
    status: str  # the tracker's words, else ours ("Creating ticket", "Failed")
    synced_at: datetime | None
    error: str
    tracker: str  # "GitHub", "Jira", "Linear"


def ticket_syncs(*, organization: Organization, postmortem: Postmortem) -> dict[int, ItemTicket]:
    """The tickets of the postmortem's items, one query, none without a tracker (receiver of
    ``actionitems.postmortem_table.TICKET_SYNC``)."""
    if not tracker_connected(organization):
        return {}
    return _tickets(organization, item__postmortem=postmortem)


def item_tickets(*, organization: Organization, item_ids: list[int]) -> dict[int, ItemTicket]:
    """The tickets of these items, one query whatever their number (receiver of
    ``actionitems.selectors.ITEM_TICKETS``)."""
    return _tickets(organization, item_id__in=item_ids) if item_ids else {}


def _tickets(organization: Organization, **which) -> dict[int, ItemTicket]:
    page = reverse("item_ticket", kwargs={"org_slug": organization.slug, "item": 999999999})
    links = TicketLink.objects.filter(organization=organization, **which).values(
        "item_id",
        "item__number",
        "key",
        "url",
        "remote_status",
        "state",
        "last_synced_at",
        "last_error",
        "connection__kind",
    )
    states = dict(SyncState.choices)
    return {
        link["item_id"]: ItemTicket(
            key=link["key"],
            remote_url=link["url"],
            url=page.replace("999999999", str(link["item__number"])),
            status=link["remote_status"] or states[link["state"]],
            synced_at=link["last_synced_at"],
            error=link["last_error"],
            tracker=TRACKER_NAMES.get(link["connection__kind"], ""),
        )
        for link in links
    }


def ticket_tracker(*, organization: Organization, postmortem: Postmortem) -> str:
    """Where the postmortem's items' tickets are created ("GitHub acme/api"), or "" without a
    tracker (receiver of ``actionitems.postmortem_table.TICKET_TRACKER``): one query, none
    without a tracker."""
    if not tracker_connected(organization):
        return ""
    route = route_of_postmortem(organization, postmortem)
    if route is None:
        return ""
    connection, target = route
    return f"{TRACKER_NAMES[connection.kind]} {target}"
