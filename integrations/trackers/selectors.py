"""Reads for the issue trackers."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from actionitems.models import ActionItem
from organizations.models import Organization
from postmortems.models import Postmortem

from .models import SyncNote, SyncState, TicketLink, TrackerConnection, TrackerKind, TrackerTarget

NOTES_SHOWN = 20


def connection_for(
    organization: Organization, kind: str = TrackerKind.GITHUB
) -> TrackerConnection | None:
    return TrackerConnection.objects.filter(organization=organization, kind=kind).first()


def team_targets(connection: TrackerConnection) -> list[TrackerTarget]:
    return list(connection.team_targets.select_related("team").order_by("team__name"))


def target_for(connection: TrackerConnection, item: ActionItem) -> str:
    """Where ``item`` goes: the override of the first of its postmortem's teams that has one
    (by team name), else the connection's default."""
    override = (
        TrackerTarget.objects.filter(connection=connection, team__in=item.postmortem.teams.all())
        .order_by("team__name")
        .values_list("target", flat=True)
        .first()
    )
    return override or connection.target


def link_of(item: ActionItem) -> TicketLink | None:
    return TicketLink.objects.filter(item=item).select_related("connection").first()


def links_of_items(organization: Organization, item_ids: list[int]) -> dict[int, TicketLink]:
    links = TicketLink.objects.filter(organization=organization, item_id__in=item_ids)
    return {link.item_id: link for link in links}


def link_by_ticket(organization: Organization, key: str) -> TicketLink | None:
    return (
        TicketLink.objects.filter(organization=organization, key__iexact=key)
        .select_related("item", "item__organization", "connection")
        .first()
    )


def notes_of(link: TicketLink) -> list[SyncNote]:
    return list(link.notes.all()[:NOTES_SHOWN])


@dataclass(frozen=True)
class TicketSync:
    """What an item's row shows of its ticket."""

    key: str
    status: str
    synced_at: datetime | None
    error: str
    url: str  # the item's ticket page


def ticket_syncs(*, organization: Organization, postmortem: Postmortem) -> dict[int, TicketSync]:
    """The tickets of the postmortem's items, one query (receiver of
    ``actionitems.postmortem_table.TICKET_SYNC``)."""
    page = reverse("item_ticket", kwargs={"org_slug": organization.slug, "item": 999999999})
    links = TicketLink.objects.filter(
        organization=organization, item__postmortem=postmortem
    ).values(
        "item_id", "item__number", "key", "remote_status", "state", "last_synced_at", "last_error"
    )
    return {
        link["item_id"]: TicketSync(
            key=link["key"],
            status=link["remote_status"] or dict(SyncState.choices)[link["state"]],
            synced_at=link["last_synced_at"],
            error=link["last_error"],
            url=page.replace("999999999", str(link["item__number"])),
        )
        for link in links
    }
