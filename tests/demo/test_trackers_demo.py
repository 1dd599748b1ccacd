"""The demo's issue tracker: GitHub connected, three items linked to issues (open, closed on
GitHub and so completed, a failed sync), each with its history; seeding again adds nothing."""

from io import StringIO

from django.core.management import call_command

from actionitems.models import ItemStatus
from integrations.trackers.models import SyncState, TicketLink, TrackerConnection


def test_three_items_are_linked_to_github_issues(org):
    connection = TrackerConnection.objects.get(organization=org)
    assert (connection.kind, connection.target, connection.is_default) == (
        "github",
        "acme/platform",
        True,
    )
    links = list(TicketLink.objects.filter(organization=org).select_related("item"))
    assert sorted(link.remote_status for link in links) == [
        "closed (completed)",
        "open",
        "open",
    ]
    closed = next(link for link in links if link.remote_status.startswith("closed"))
    assert closed.item.status == ItemStatus.COMPLETED
    assert [link.last_error != "" for link in links].count(True) == 1
    assert all(link.state == SyncState.LINKED and link.notes.exists() for link in links)
    assert all(link.item.ticket_url == link.url for link in links)


def test_seeding_again_adds_no_tracker_nor_link(org):
    before = (TrackerConnection.objects.count(), TicketLink.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (TrackerConnection.objects.count(), TicketLink.objects.count()) == before
