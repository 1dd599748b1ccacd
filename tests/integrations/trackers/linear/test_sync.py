"""Linear end to end: an admin connects a Linear team; an item's ticket is created there;
Linear's signed webhook of the issue moved to Done completes the item and Canceled closes it
as won't do; reconciliation reads the linked issues in one query; completing the item in
Hindsight moves the issue to Done."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ItemStatus
from actionitems.services import action_item_create, action_item_update
from integrations.trackers import connections, services
from integrations.trackers.models import SyncState, TicketLink, TrackerAuth, TrackerConnection
from integrations.trackers.reconcile import reconcile
from tests.integrations.trackers.linear.test_webhook import deliver, hook  # noqa: F401
from tests.integrations.trackers.linear.webhook_examples import issue_event


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def linear_connection(org, admin, linear_api, workspace):
    with scope(organization=org):
        return connections.connection_save(
            organization=org,
            actor=admin,
            kind="linear",
            base_url=linear_api.url,
            token=workspace.key,
            target="ENG",
        )


@pytest.fixture
def linear_item(org, draft, author, linear_connection, django_capture_on_commit_callbacks):
    """Ann's item, its ticket created in Linear (ENG-1)."""
    with scope(organization=org):
        item = action_item_create(
            postmortem=draft, actor=author, description="Shed load before the queue fills"
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_create(item=item, actor=author)
    return item


def test_the_ticket_is_created_in_the_linear_team(linear_item, workspace):
    link = TicketLink.objects.get(item=linear_item)
    assert (link.key, link.state, link.remote_status) == ("ENG-1", SyncState.LINKED, "Backlog")
    assert workspace.issues["ENG-1"]["title"] == linear_item.description
    assert workspace.schema_errors == []


@pytest.mark.parametrize(
    ("state", "status", "reason"),
    [("Done", ItemStatus.COMPLETED, ""), ("Canceled", ItemStatus.WONT_DO, "Canceled in Linear")],
)
def test_linears_state_closes_the_item(linear_item, hook, deliver, state, status, reason):  # noqa: F811
    later = iso(datetime.now(UTC) + timedelta(minutes=2))
    event = issue_event(
        "update", number=1, state=state, updated_at=later, updated_from={"stateId": "x"}
    )
    assert deliver(hook, event).status_code == 202
    linear_item.refresh_from_db()
    assert (linear_item.status, linear_item.wont_do_reason) == (status, reason)


def test_reconciliation_reads_linked_linear_issues_in_one_query(
    org, linear_item, linear_connection, workspace
):
    workspace.issues["ENG-1"]["state"] = "Done"
    workspace.issues["ENG-1"]["updatedAt"] = iso(datetime.now(UTC) + timedelta(minutes=2))
    workspace.requests.clear()
    with scope(organization=org):
        counts = reconcile(linear_connection)
    assert counts == {"read": 1, "changed": 1, "unlinked": 0, "failed": 0}
    assert [r["operation"] for r in workspace.requests] == ["ReadMany"]
    linear_item.refresh_from_db()
    assert linear_item.status == ItemStatus.COMPLETED


def test_completing_the_item_moves_the_issue_to_done(
    org, author, linear_item, workspace, django_capture_on_commit_callbacks
):
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=linear_item, actor=author, changes={"status": ItemStatus.COMPLETED})
    assert workspace.issues["ENG-1"]["state"] == "Done"
    assert workspace.schema_errors == []
    link = TicketLink.objects.get(item=linear_item)
    assert (link.remote_status, link.last_error) == ("Done", "")


def test_an_oauth_connection_sends_its_token_as_a_bearer(
    org, draft, author, linear_api, workspace, django_capture_on_commit_callbacks
):
    workspace.key = "lin_oauth_8f7e6d5c4b3a29180716253443526170"
    with scope(organization=org):
        TrackerConnection.objects.create(
            organization=org,
            kind="linear",
            auth=TrackerAuth.OAUTH,
            base_url=linear_api.url,
            token=workspace.key,
            token_expires_at=timezone.now() + timedelta(hours=1),
            target="ENG",
            is_default=True,
        )
        item = action_item_create(postmortem=draft, actor=author, description="Rotate keys")
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_create(item=item, actor=author)
        link = TicketLink.objects.get(item=item)
    assert (link.key, link.last_error) == ("ENG-1", "")
    assert {r["authorization"] for r in workspace.requests} == {f"Bearer {workspace.key}"}
