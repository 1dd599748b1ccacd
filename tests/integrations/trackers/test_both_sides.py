"""Both sides visible: the action-item tracker shows each linked item's ticket key (to its
ticket page), the tracker's status and the last sync, or why the sync failed; the API answers
the same as a read-only ``ticket`` object; each in a number of queries that does not grow with
the linked items; the ticket page names the item's tracker."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from actionitems.services import action_item_create
from integrations.trackers import connections
from integrations.trackers.models import SyncState, TicketLink
from organizations.roles import Role
from tests.actionitems.helpers import api
from tests.integrations.trackers.conftest import ticket_url

SYNCED = datetime(2026, 3, 10, 13, 5, tzinfo=UTC)


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER, username="max")


def link(item, connection, number: int, **fields) -> TicketLink:
    values = {
        "key": f"acme/api#{number}",
        "number": number,
        "url": f"https://github.com/acme/api/issues/{number}",
        "state": SyncState.LINKED,
        "remote_status": "open",
        "last_synced_at": SYNCED,
    } | fields
    with scope(organization=item.organization):
        return TicketLink.objects.create(
            organization=item.organization,
            item=item,
            connection=connection,
            target="acme/api",
            **values,
        )


def more_items(draft, author, count: int, connection, start: int = 2):
    with scope(organization=draft.organization):
        for index in range(count):
            item = action_item_create(
                postmortem=draft, actor=author, description=f"Follow-up number {index}"
            )
            link(item, connection, start + index)


def tracker_url() -> str:
    return reverse("action_item_tracker", kwargs={"org_slug": "acme"})


def test_the_tracker_shows_the_ticket_and_its_sync(client, manager, item, connection):
    link(item, connection, 1, remote_status="closed (completed)")
    client.force_login(manager)
    page = client.get(tracker_url()).content.decode()
    assert f'href="{ticket_url(item)}"' in page
    assert "acme/api#1: closed (completed) · synced" in page
    assert 'datetime="2026-03-10T' in page


def test_the_tracker_shows_a_sync_error(client, manager, item, connection):
    link(item, connection, 1, last_error="GitHub refused the token (401).")
    client.force_login(manager)
    page = client.get(tracker_url()).content.decode()
    assert "sync failed" in page and "GitHub sync: GitHub refused the token (401)." in page


def test_an_engineer_sees_the_tickets_of_their_own_items(client, author, item, connection):
    link(item, connection, 1)
    client.force_login(author)  # item's owner; "My action items"
    assert "acme/api#1: open" in client.get(tracker_url()).content.decode()


def test_the_tracker_runs_the_same_queries_whatever_the_linked_items(
    client, manager, draft, author, item, connection, count_queries
):
    link(item, connection, 1)
    client.force_login(manager)
    client.get(tracker_url())
    few = count_queries(lambda: client.get(tracker_url()))
    more_items(draft, author, 20, connection)
    client.get(tracker_url())
    many = count_queries(lambda: client.get(tracker_url()))
    page = client.get(tracker_url()).content.decode()
    assert page.count("· synced") == 21
    assert many == few


def test_the_api_answers_the_ticket(org, author, item, connection):
    link(item, connection, 1, remote_status="closed (completed)")
    body = api(org, author).get(f"/api/v1/action-items/{item.number}").json()
    assert body["ticket"] == {
        "key": "acme/api#1",
        "url": "https://github.com/acme/api/issues/1",
        "status": "closed (completed)",
        "last_synced_at": body["ticket"]["last_synced_at"],
        "error": "",
    }
    assert body["ticket"]["last_synced_at"].startswith("2026-03-10T")


def test_the_api_answers_null_without_a_ticket_and_the_state_while_created(
    org, draft, author, item, connection
):
    with scope(organization=org):
        other = action_item_create(postmortem=draft, actor=author, description="Second one")
    queued = {"key": "", "url": "", "remote_status": "", "last_synced_at": None}
    link(item, connection, 1, state=SyncState.QUEUED, **queued)
    results = api(org, author).get("/api/v1/action-items").json()["results"]
    tickets = {row["id"]: row["ticket"] for row in results}
    assert tickets[other.number] is None
    assert tickets[item.number]["status"] == "Creating ticket"
    assert tickets[item.number]["last_synced_at"] is None


def test_the_ticket_is_read_only(org, author, item, connection):
    response = api(org, author).patch(
        f"/api/v1/action-items/{item.number}", {"ticket": {"key": "X-1"}}
    )
    assert response.status_code == 400
    assert "ticket" in response.json()
    with scopes_disabled():
        assert not TicketLink.objects.exists()


def test_the_api_lists_cost_the_same_queries_whatever_the_linked_items(
    org, draft, author, item, connection, count_queries
):
    link(item, connection, 1)
    client = api(org, author)
    items_url = f"/api/v1/postmortems/{draft.number}/action-items"

    def cost() -> tuple[int, int]:
        return (
            count_queries(lambda: client.get("/api/v1/action-items")),
            count_queries(lambda: client.get(items_url)),
        )

    cost()
    few = cost()
    more_items(draft, author, 12, connection)
    assert cost() == few
    body = client.get("/api/v1/action-items").json()["results"]
    assert sum(row["ticket"] is not None for row in body) == 13


def test_the_schema_documents_the_ticket(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    assert "ActionItemTicket:" in schema and "last_synced_at:" in schema
    assert "ticket in a connected issue tracker" in schema


def test_the_ticket_page_names_the_items_tracker(client, author, item, connection, linked):
    client.force_login(author)
    page = client.get(ticket_url(item)).content.decode()
    assert "GitHub ticket" in page and "Status on GitHub" in page
    assert "GitHub issue<" not in page


def test_the_ticket_page_offers_the_route_of_a_jira_team(client, author, admin, org, item):
    with scope(organization=org):
        connections.connection_save(
            organization=org,
            actor=admin,
            kind="jira_cloud",
            target="OPS",
            base_url="http://127.0.0.1:9/jira",
            username="hindsight@acme.com",
            token="ATATT3xFfGF0-jira-token-1234",
        )
    client.force_login(author)
    page = client.get(ticket_url(item)).content.decode()
    assert "Jira ticket" in page and "Create ticket" in page
