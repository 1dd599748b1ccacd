"""Reconciliation reads GitHub's issues in bulk: one GraphQL query per 100 linked items,
checked by the stand-in against GitHub's published GraphQL schema. An issue deleted on GitHub
unlinks its item only; a rate limit stops the run until GitHub's reset."""

from datetime import UTC, datetime, timedelta

import pytest
from django_scopes import scope

from actionitems.models import ItemStatus
from actionitems.services import action_item_create
from integrations.trackers.clients import client_for
from integrations.trackers.models import SyncState, TicketLink
from integrations.trackers.reconcile import reconcile
from integrations.trackers.remote import TrackerError
from integrations.trackers.sync import synced_values
from tests.integrations.trackers.github_server import GRAPHQL_RESET_SECONDS, iso

SYNCED_AT = datetime.now(UTC) - timedelta(hours=1)
CHANGED_AT = datetime.now(UTC) - timedelta(minutes=5)


def linked_items(org, draft, author, connection, account, count: int) -> list[TicketLink]:
    """``count`` of Ann's items, each linked to an open issue last synced an hour ago; the
    odd ones in acme/api, the even ones in acme/payments."""
    links = []
    with scope(organization=org):
        for number in range(1, count + 1):
            item = action_item_create(
                postmortem=draft,
                actor=author,
                description=f"Action item {number}",
                category="PREVENT",
                owner=author,
            )
            target = "acme/api" if number % 2 else "acme/payments"
            account.add_issue(
                target, number, title=f"Action item {number}", updated_at=iso(SYNCED_AT)
            )
            links.append(
                TicketLink(
                    organization=org,
                    item=item,
                    connection=connection,
                    target=target,
                    key=f"{target}#{number}",
                    number=number,
                    url=f"https://github.com/{target}/issues/{number}",
                    state=SyncState.LINKED,
                    remote_status="open",
                    remote_updated_at=SYNCED_AT,
                    synced=synced_values(item),
                )
            )
        return TicketLink.objects.bulk_create(links)


def graphql_requests(account) -> list[dict]:
    return [r for r in account.requests if r["path"] == "/graphql"]


def test_250_linked_items_are_read_in_three_queries(org, draft, author, connection, account):
    links = linked_items(org, draft, author, connection, account, 250)
    for number in (7, 120, 250):
        target = links[number - 1].target
        account.issues[(target, number)].update(
            state="closed", state_reason="completed", updated_at=iso(CHANGED_AT)
        )
    with scope(organization=org):
        counts = reconcile(connection)
    assert counts == {"read": 250, "changed": 3, "unlinked": 0, "failed": 0}
    assert len(graphql_requests(account)) == 3
    assert account.counts["rest"] == 0
    assert account.schema_errors == []
    with scope(organization=org):
        done = {link.item.description for link in links if _status(link) == ItemStatus.COMPLETED}
    assert done == {"Action item 7", "Action item 120", "Action item 250"}


def _status(link: TicketLink) -> str:
    link.item.refresh_from_db()
    return link.item.status


def test_an_issue_deleted_on_github_unlinks_only_its_item(org, draft, author, connection, account):
    links = linked_items(org, draft, author, connection, account, 5)
    del account.issues[("acme/api", 3)]
    with scope(organization=org):
        counts = reconcile(connection)
    assert counts == {"read": 4, "changed": 0, "unlinked": 1, "failed": 0}
    assert len(graphql_requests(account)) == 1 and account.schema_errors == []
    for link in links:
        link.refresh_from_db()
    gone = links[2]
    assert gone.key == "" and gone.state == SyncState.FAILED
    assert "acme/api#3 was deleted on GitHub" in gone.last_error
    assert [link.key for link in links if link.state == SyncState.LINKED] == [
        "acme/api#1",
        "acme/payments#2",
        "acme/payments#4",
        "acme/api#5",
    ]


def test_a_repository_github_cannot_resolve_is_not_an_error_of_the_others(
    org, draft, author, connection, account
):
    links = linked_items(org, draft, author, connection, account, 4)
    account.repositories.discard("acme/payments")
    with scope(organization=org):
        counts = reconcile(connection)
    assert counts == {"read": 2, "changed": 0, "unlinked": 2, "failed": 0}
    for link in links:
        link.refresh_from_db()
    assert [link.state for link in links] == [SyncState.LINKED, SyncState.FAILED] * 2


def test_a_rate_limited_answer_stops_the_run_until_the_reset(
    org, draft, author, connection, account
):
    links = linked_items(org, draft, author, connection, account, 150)
    account.graphql_rate_limited_once = True
    with pytest.raises(TrackerError) as raised, scope(organization=org):
        client_for(connection).read_many([link.key for link in links])
    assert 1 <= raised.value.retry_after <= GRAPHQL_RESET_SECONDS
    assert "rate limit" in str(raised.value)

    account.graphql_rate_limited_once = True
    with scope(organization=org):
        counts = reconcile(connection)
    assert counts == {"read": 0, "changed": 0, "unlinked": 0, "failed": 100}
    assert len(graphql_requests(account)) == 2  # one per run: the second batch was not asked
    first, last = links[0], links[-1]
    first.refresh_from_db()
    last.refresh_from_db()
    assert "rate limit" in first.last_error and first.key == "acme/api#1"
    assert last.last_error == "" and last.state == SyncState.LINKED


def test_assignees_come_back_with_their_public_address(
    org, draft, author, member_factory, connection, account
):
    bob = member_factory(username="bob", email="bob@example.com")
    links = linked_items(org, draft, author, connection, account, 1)
    account.users["bob-gh"] = "bob@example.com"
    account.issues[("acme/api", 1)].update(
        assignees=[account.user("bob-gh")], updated_at=iso(CHANGED_AT)
    )
    with scope(organization=org):
        assert reconcile(connection)["changed"] == 1
    item = links[0].item
    item.refresh_from_db()
    assert item.owner == bob
    assert account.schema_errors == []


def test_a_token_that_may_not_read_addresses_still_reads_the_issues(
    org, draft, author, connection, account
):
    links = linked_items(org, draft, author, connection, account, 2)
    account.emails_need_scope = True
    account.issues[("acme/api", 1)].update(
        state="closed", state_reason="not_planned", updated_at=iso(CHANGED_AT)
    )
    with scope(organization=org):
        counts = reconcile(connection)
    assert counts == {"read": 2, "changed": 1, "unlinked": 0, "failed": 0}
    queries = [r["body"]["query"] for r in graphql_requests(account)]
    assert len(queries) == 2 and "email" in queries[0] and "email" not in queries[1]
    item = links[0].item
    item.refresh_from_db()
    assert item.status == ItemStatus.WONT_DO
    assert account.schema_errors == []


def test_the_stand_in_reports_a_query_outside_githubs_schema(connection, account, github_api):
    import httpx

    answer = httpx.post(
        f"{github_api.url}/graphql",
        json={
            "query": 'query { repository(owner: "acme", name: "api") { issue(number: 1) '
            "{ dueOn } } }"
        },
        headers={"Authorization": f"Bearer {account.token}"},
    )
    assert answer.status_code == 200 and "errors" in answer.json()
    assert account.schema_errors == ["graphql: Cannot query field 'dueOn' on type 'Issue'."]


def test_github_enterprise_is_asked_at_its_graphql_address(
    org, draft, author, connection, account, github_api
):
    links = linked_items(org, draft, author, connection, account, 3)
    account.enterprise = True
    connection.base_url = f"{github_api.url}/api/v3"
    connection.save()
    with scope(organization=org):
        assert reconcile(connection)["read"] == 3
    assert [r["path"] for r in account.requests] == ["/api/graphql"]
    for link in links:
        link.refresh_from_db()
    assert {link.state for link in links} == {SyncState.LINKED}
