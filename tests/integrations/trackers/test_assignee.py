"""GitHub has no lookup of an account by a private address: the item's owner's address is
searched among public ones (``GET /search/users?q=<address> in:email``) and the issue assigned
to the one account found; with none or several it stays unassigned (its body names the
owner)."""

from django_scopes import scope

from actionitems.services import action_item_sync
from integrations.trackers.models import SyncState, TicketLink
from integrations.trackers.push import push_update
from tests.integrations.trackers.conftest import pushed


def created(org, item, connection) -> TicketLink:
    link = pushed(org, item, connection)
    assert link.state == SyncState.LINKED
    return link


def sent(account, method: str) -> dict:
    return [r for r in account.requests if r["method"] == method][-1]["body"]


def test_the_owner_with_one_public_account_is_assigned(org, item, connection, account):
    account.users["ann-gh"] = "ann@example.com"
    created(org, item, connection)
    search = [r for r in account.requests if r["path"].startswith("/search/users")]
    assert len(search) == 1 and "in%3Aemail" in search[0]["path"]
    assert sent(account, "POST")["assignees"] == ["ann-gh"]
    assert [p["login"] for p in account.issues[("acme/api", 1)]["assignees"]] == ["ann-gh"]
    assert account.schema_errors == []


def test_an_owner_without_a_public_account_is_left_unassigned(org, item, connection, account):
    account.users["someone-else"] = "someone@example.com"
    created(org, item, connection)
    body = sent(account, "POST")
    assert "assignees" not in body
    assert "Owner in Hindsight: Ann Author." in body["body"]
    assert account.issues[("acme/api", 1)]["assignees"] == []


def test_an_address_two_accounts_share_assigns_nobody(org, item, connection, account):
    account.users.update({"ann-gh": "ann@example.com", "ann-work": "ANN@example.com"})
    created(org, item, connection)
    assert "assignees" not in sent(account, "POST")


def test_a_new_owner_is_assigned_on_update(org, item, member_factory, connection, account):
    bob = member_factory(username="bob", email="bob@example.com")
    account.users["bob-gh"] = "bob@example.com"
    link = created(org, item, connection)
    with scope(organization=org):
        action_item_sync(item=item, changes={"owner": bob})
        link.refresh_from_db()
        push_update(link)
        link.refresh_from_db()
    assert link.state == SyncState.LINKED and link.last_error == ""
    assert sent(account, "PATCH") == {"title": item.description, "assignees": ["bob-gh"]}
    assert [p["login"] for p in account.issues[("acme/api", 1)]["assignees"]] == ["bob-gh"]
    assert account.schema_errors == []


def test_an_update_without_an_account_keeps_the_issues_assignees(
    org, item, member_factory, connection, account
):
    link = created(org, item, connection)
    with scope(organization=org):
        push_update(link)
    assert sent(account, "PATCH") == {"title": item.description}
