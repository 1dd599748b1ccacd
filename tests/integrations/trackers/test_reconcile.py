"""Reconciliation reads each linked ticket back from GitHub (one GraphQL query per 100) and
applies what a missed webhook would have; nightly and on demand (admins)."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django_scopes import scope

from actionitems.models import ItemStatus
from integrations.trackers.models import SyncState
from integrations.trackers.reconcile import reconcile
from integrations.trackers.tasks import reconcile_all_trackers
from organizations.roles import Role


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def later() -> str:
    return iso(datetime.now(UTC) + timedelta(minutes=1))


def test_a_ticket_closed_without_its_webhook_completes_the_item(
    org, item, connection, account, linked
):
    link = linked
    account.issues[("acme/api", 1)].update(
        state="closed", state_reason="completed", updated_at=later()
    )
    with scope(organization=org):
        assert reconcile(connection) == {"read": 1, "changed": 1, "unlinked": 0, "failed": 0}
        assert reconcile(connection) == {"read": 1, "changed": 0, "unlinked": 0, "failed": 0}
    item.refresh_from_db()
    link.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED
    assert link.remote_status == "closed (completed)"
    assert account.requests[-1]["path"] == "/graphql"
    assert account.schema_errors == []


def test_an_unchanged_ticket_changes_nothing(org, item, connection, account, linked):
    with scope(organization=org):
        assert reconcile(connection)["changed"] == 0
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_ticket_gone_from_github_unlinks_the_item(org, item, connection, account, linked):
    link = linked
    del account.issues[("acme/api", 1)]
    with scope(organization=org):
        assert reconcile(connection)["unlinked"] == 1
    link.refresh_from_db()
    assert link.key == "" and link.state == SyncState.FAILED
    assert "deleted on GitHub" in link.last_error
    item.refresh_from_db()
    assert item.pk


def test_a_rate_limit_stops_the_run(org, item, connection, account, linked):
    link = linked
    account.throttle_once = True
    with scope(organization=org):
        assert reconcile(connection)["failed"] == 1
    link.refresh_from_db()
    assert "rate limit" in link.last_error and link.key == "acme/api#1"


def test_the_nightly_run_queues_each_connection(org, item, connection, account, linked):
    account.issues[("acme/api", 1)].update(
        state="closed", state_reason="not_planned", updated_at=later()
    )
    assert reconcile_all_trackers.delay().get() == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.WONT_DO


def test_admins_read_linked_tickets_now(
    client,
    admin,
    member_factory,
    org,
    item,
    linked,
    account,
    django_capture_on_commit_callbacks,
):
    account.issues[("acme/api", 1)].update(state="closed", updated_at=later())
    url = reverse(
        "tracker_reconcile", kwargs={"org_slug": "acme", "connection_id": linked.connection_id}
    )
    client.force_login(member_factory(Role.MANAGER, username="mia"))
    assert client.post(url).status_code == 403
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.COMPLETED
