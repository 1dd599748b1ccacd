"""Jira end to end: an admin connects a Jira Cloud site; an item's ticket is created there
with its fields; Jira's webhook of the issue moved to Done completes the item, and "Won't
Fix" closes it as won't do; reconciliation reads every linked issue in one search; a
Hindsight edit is written to the issue and its echo is not applied back."""

import copy
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ItemStatus
from actionitems.services import action_item_create, action_item_update
from integrations.intake.models import SourceKind
from integrations.trackers import connections, services
from integrations.trackers.models import SyncState, TicketLink, TrackerAuth, TrackerConnection
from integrations.trackers.reconcile import reconcile
from tests.integrations.conftest import make_endpoint
from tests.integrations.trackers.jira.jira_server import jira_time
from tests.integrations.trackers.jira.test_webhook import DOCUMENTED


@pytest.fixture
def jira_connection(org, admin, cloud):
    with scope(organization=org):
        return connections.connection_save(
            organization=org,
            actor=admin,
            kind="jira_cloud",
            base_url=cloud.url,
            username=cloud.email,
            token=cloud.token,
            target="OPS",
        )


@pytest.fixture
def jira_item(org, draft, author, jira_connection, cloud, django_capture_on_commit_callbacks):
    """Ann's item, its ticket created on the Jira site (OPS-1)."""
    with scope(organization=org):
        item = action_item_create(
            postmortem=draft,
            actor=author,
            description="Alert on queue depth before the consumers fall behind",
            priority="HIGH",
            owner=author,
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_create(item=item, actor=author)
    return item


CHANGELOG_IDS = itertools.count(20000)


def webhook(issue: dict, *, name="jira:issue_updated", field="status") -> dict:
    """Jira's delivery of a change to ``issue``: each has its own changelog (and so its own
    event id)."""
    payload = copy.deepcopy(DOCUMENTED)
    payload["webhookEvent"] = name
    payload["issue"] = copy.deepcopy(issue)
    payload["changelog"] = {
        "id": next(CHANGELOG_IDS),
        "items": [{"field": field, "fieldtype": "jira"}],
    }
    return payload


@pytest.fixture
def jira_hook(org, admin):
    with scope(organization=org):
        return make_endpoint(org, admin, kind=SourceKind.JIRA, name="Jira")


def deliver(client, hook, payload, capture):
    endpoint, plain = hook
    with capture(execute=True):
        response = client.post(
            f"/hooks/{endpoint.public_id}/?secret={plain}",
            data=json.dumps(payload),
            content_type="application/json",
        )
    assert response.status_code == 202


def later(issue: dict, minutes: int = 2) -> None:
    issue["fields"]["updated"] = jira_time(datetime.now(UTC) + timedelta(minutes=minutes))


def test_the_ticket_is_created_on_jira_with_the_items_fields(jira_item, cloud):
    link = TicketLink.objects.get(item=jira_item)
    assert (link.key, link.state, link.remote_status) == ("OPS-1", SyncState.LINKED, "To Do")
    assert link.url.endswith("/browse/OPS-1")
    fields = cloud.issues["OPS-1"]["fields"]
    assert fields["summary"] == jira_item.description
    assert fields["priority"]["name"] == "High"
    assert fields["assignee"]["emailAddress"] == "ann@example.com"
    assert "postmortem" in fields["labels"]
    assert cloud.problems == []


def test_jiras_done_completes_the_item_and_wont_fix_closes_it(
    client, jira_item, jira_hook, cloud, django_capture_on_commit_callbacks
):
    issue = cloud.issues["OPS-1"]
    cloud.set_status(issue, "Done", "Done")
    later(issue)
    deliver(client, jira_hook, webhook(issue), django_capture_on_commit_callbacks)
    jira_item.refresh_from_db()
    assert jira_item.status == ItemStatus.COMPLETED
    cloud.set_status(issue, "Done", "Won't Fix")
    later(issue, minutes=4)
    deliver(client, jira_hook, webhook(issue), django_capture_on_commit_callbacks)
    jira_item.refresh_from_db()
    assert (jira_item.status, jira_item.wont_do_reason) == (
        ItemStatus.WONT_DO,
        "Won't Fix (Jira resolution)",
    )


def test_a_jira_issue_we_do_not_link_changes_nothing(
    client, jira_item, jira_hook, cloud, django_capture_on_commit_callbacks
):
    other = cloud.add_issue("OPS-99")
    cloud.set_status(other, "Done", "Done")
    deliver(client, jira_hook, webhook(other), django_capture_on_commit_callbacks)
    jira_item.refresh_from_db()
    assert jira_item.status == ItemStatus.OPEN


def test_reconciliation_reads_linked_jira_issues_in_one_search(
    org, jira_item, jira_connection, cloud
):
    cloud.set_status(cloud.issues["OPS-1"], "Done", "Done")
    later(cloud.issues["OPS-1"])
    cloud.requests.clear()
    with scope(organization=org):
        counts = reconcile(jira_connection)
    assert counts == {"read": 1, "changed": 1, "unlinked": 0, "failed": 0}
    assert [r["path"] for r in cloud.requests] == ["/rest/api/2/search/jql"]
    jira_item.refresh_from_db()
    assert jira_item.status == ItemStatus.COMPLETED


def test_a_hindsight_edit_reaches_jira_and_its_echo_is_ignored(
    client, org, author, jira_item, jira_hook, cloud, django_capture_on_commit_callbacks
):
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        action_item_update(
            item=jira_item, actor=author, changes={"description": "Alert on queue age too"}
        )
    issue = cloud.issues["OPS-1"]
    assert issue["fields"]["summary"] == "Alert on queue age too"
    link = TicketLink.objects.get(item=jira_item)
    notes = list(link.notes.values_list("text", flat=True))
    deliver(client, jira_hook, webhook(issue, field="summary"), django_capture_on_commit_callbacks)
    link.refresh_from_db()
    assert list(link.notes.values_list("text", flat=True)) == notes  # nothing applied, no note


@pytest.mark.parametrize(
    ("status", "shown", "resolution"),
    [
        (ItemStatus.COMPLETED, "Done", "Done"),
        (ItemStatus.WONT_DO, "Done (Won't Do)", "Won't Do"),
    ],
)
def test_closing_the_item_moves_the_jira_issue_through_its_workflow(
    org, author, jira_item, cloud, django_capture_on_commit_callbacks, status, shown, resolution
):
    changes = {"status": status}
    if status == ItemStatus.WONT_DO:
        changes["wont_do_reason"] = "Superseded by the queue redesign"
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=jira_item, actor=author, changes=changes)
    fields = cloud.issues["OPS-1"]["fields"]
    assert (fields["status"]["name"], fields["resolution"]["name"]) == ("Done", resolution)
    link = TicketLink.objects.get(item=jira_item)
    assert (link.remote_status, link.last_error) == (shown, "")
    assert cloud.problems == []
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=jira_item, actor=author, changes={"status": ItemStatus.OPEN})
    assert cloud.issues["OPS-1"]["fields"]["status"]["name"] == "To Do"


def test_an_oauth_connection_goes_through_atlassians_gateway_with_its_bearer_token(
    org, draft, author, cloud, django_capture_on_commit_callbacks
):
    """Connected by OAuth: the API is the gateway's address, the token a bearer, and the
    ticket's page on the site's own address (kept as the connection's ``username``)."""
    cloud.oauth_token = "eyJraWQiOiJhdXRoLmF0bGFzc2lhbi5jb20tQUNDRVNTLTk0"
    with scope(organization=org):
        TrackerConnection.objects.create(
            organization=org,
            kind="jira_cloud",
            auth=TrackerAuth.OAUTH,
            base_url=f"{cloud.url}/ex/jira/11223344-a1b2-3b33-c444-def123456789",
            username="https://acme.atlassian.net",
            token=cloud.oauth_token,
            token_expires_at=timezone.now() + timedelta(hours=1),
            target="OPS",
            is_default=True,
        )
        item = action_item_create(postmortem=draft, actor=author, description="Rotate keys")
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_create(item=item, actor=author)
        link = TicketLink.objects.get(item=item)
    assert (link.key, link.url, link.last_error) == (
        "OPS-1",
        "https://acme.atlassian.net/browse/OPS-1",
        "",
    )
    assert {r["headers"]["authorization"] for r in cloud.requests} == {
        f"Bearer {cloud.oauth_token}"
    }


def test_saving_a_field_mapping_checks_it_against_the_projects_create_screen(
    org, admin, jira_connection, cloud
):
    cloud.required = {"OPS": {"customfield_10010": "Team", "customfield_10011": "Service"}}

    def save(mapping):
        return connections.connection_save(
            organization=org,
            actor=admin,
            kind="jira_cloud",
            base_url=cloud.url,
            username=cloud.email,
            target="OPS",
            field_map={"OPS": mapping},
        )

    with scope(organization=org):
        with pytest.raises(ValidationError) as refused:
            save({"customfield_10010": {"value": "SRE"}})
        assert refused.value.message_dict["field_map"] == [
            "Jira project OPS requires “Service” (customfield_10011): add it to the field mapping."
        ]
        jira_connection.refresh_from_db()
        assert jira_connection.field_map == {}  # nothing half-saved
        saved = save({"customfield_10010": {"value": "SRE"}, "customfield_10011": "checkout"})
    assert saved.field_map["OPS"]["customfield_10011"] == "checkout"
