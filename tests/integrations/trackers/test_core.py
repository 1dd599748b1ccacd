"""The tracker core, whatever the tracker: tickets for all of a postmortem's items and on
publish, routing to a team's own tracker, Hindsight's later edits written to the ticket (and
not echoed back), and what a ticket's due date and assignee do to the item."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_scopes import scope, scopes_disabled

from actionitems.models import ItemStatus
from actionitems.services import action_item_create, action_item_update
from integrations.trackers import connections, selectors, services
from integrations.trackers.models import SyncNote, SyncState, TicketLink, TrackerConnection
from integrations.trackers.remote import DONE, OPEN, WONT_DO, RemoteTicket
from integrations.trackers.sync import apply_to_link
from organizations.roles import Role
from organizations.selectors import today_in
from postmortems.models import PostmortemTeam
from tests.actionitems.helpers import publish
from tests.factories import TeamFactory


def add_items(draft, author, *descriptions):
    return [
        action_item_create(postmortem=draft, actor=author, description=text)
        for text in descriptions
    ]


def created_titles(account) -> list[str]:
    return [r["body"]["title"] for r in account.requests if r["method"] == "POST"]


def ticket(link, **fields) -> RemoteTicket:
    values = {
        "key": link.key,
        "url": link.url,
        "title": link.item.description,
        "status": "open",
        "outcome": OPEN,
        "updated_at": datetime.now(UTC) + timedelta(minutes=1),
    }
    return RemoteTicket(**(values | fields))


def test_tickets_for_all_open_items_of_a_postmortem(
    org, draft, author, item, connection, account, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        done, _ = add_items(draft, author, "Already done", "Page the payments team")
        action_item_update(item=done, actor=author, changes={"status": ItemStatus.COMPLETED})
        with django_capture_on_commit_callbacks(execute=True):
            assert services.tickets_create_all(postmortem=draft, actor=author) == 2
        assert sorted(created_titles(account)) == sorted(
            [item.description, "Page the payments team"]
        )
        # a second press finds every open item ticketed
        assert services.tickets_create_all(postmortem=draft, actor=author) == 0
        assert not TicketLink.objects.filter(item=done).exists()


def test_only_the_postmortems_editors_create_tickets_for_all(
    org, draft, item, connection, member_factory
):
    viewer = member_factory(Role.VIEWER, username="vera")
    with scope(organization=org), pytest.raises(PermissionDenied):
        services.tickets_create_all(postmortem=draft, actor=viewer)
    with scopes_disabled():
        assert not TicketLink.objects.exists()


def test_tickets_for_all_without_a_tracker_say_so(org, draft, author, item):
    with scope(organization=org), pytest.raises(ValidationError) as raised:
        services.tickets_create_all(postmortem=draft, actor=author)
    assert "connects an issue tracker" in str(raised.value)


def test_publishing_creates_tickets_when_the_organization_asks(
    org,
    admin,
    draft,
    author,
    reviewer,
    item,
    connection,
    account,
    django_capture_on_commit_callbacks,
):
    with scope(organization=org):
        connections.connection_save(
            organization=org,
            actor=admin,
            target="acme/api",
            base_url=connection.base_url,
            create_on_publish=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            publish(draft, author, reviewer)
        link = TicketLink.objects.get(item=item)
    assert (link.key, link.state) == ("acme/api#1", SyncState.LINKED)
    assert link.created_by is None
    assert created_titles(account) == [item.description]


def test_publishing_creates_nothing_by_default(
    org, draft, author, reviewer, item, connection, account, django_capture_on_commit_callbacks
):
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        publish(draft, author, reviewer)
    assert created_titles(account) == []


def test_a_team_routes_its_items_to_another_tracker(org, admin, item, connection, github_api):
    """Two connections: the team's route names its own; the others go to the default."""
    with scope(organization=org):
        jira = TrackerConnection.objects.create(
            organization=org,
            kind="jira_cloud",
            base_url="https://acme.atlassian.net",
            username="ops@example.com",
            token="secret",
            target="OPS",
        )
        team = TeamFactory(organization=org, name="Payments")
        connections.route_save(connection=jira, actor=admin, team=team, target="pay")
        assert selectors.route_for(org, item) == (connection, "acme/api")
        PostmortemTeam.objects.create(organization=org, postmortem=item.postmortem, team=team)
        assert selectors.route_for(org, item) == (jira, "PAY")


def test_a_second_connection_saved_as_default_takes_the_items(
    org, admin, item, connection, github_api
):
    with scope(organization=org):
        linear = connections.connection_save(
            organization=org,
            actor=admin,
            kind="linear",
            target="eng",
            token="lin_api_x",
            base_url=f"{github_api.url}/graphql",  # a loopback stand-in's address
            is_default=True,
        )
        connection.refresh_from_db()
        assert (linear.is_default, connection.is_default) == (True, False)
        assert selectors.route_for(org, item) == (linear, "ENG")
        connections.connection_delete(connection=linear, actor=admin)
        connection.refresh_from_db()
        assert connection.is_default


@pytest.mark.parametrize(
    ("kind", "target", "field"),
    [
        ("github", "not a repository", "target"),
        ("jira_cloud", "ops-1", "target"),
        ("linear", "ENGINEERING", "target"),
        ("jira_cloud", "OPS", "username"),
        ("trello", "x", "kind"),
    ],
)
def test_a_bad_connection_names_its_field(org, admin, kind, target, field):
    with scope(organization=org), pytest.raises(ValidationError) as raised:
        connections.connection_save(
            organization=org,
            actor=admin,
            kind=kind,
            target=target,
            token="t",
            base_url="https://acme.atlassian.net",
        )
    assert field in raised.value.message_dict


def test_the_status_mapping_is_read_line_by_line():
    assert connections.parse_status_map(
        "In Review = open\n\nShipped = Done\nDeclined = won't do"
    ) == {
        "in review": OPEN,
        "shipped": DONE,
        "declined": WONT_DO,
    }
    with pytest.raises(ValidationError) as raised:
        connections.parse_status_map("Shipped = finished")
    assert "Line 1" in raised.value.message_dict["status_map"][0]


def test_hindsights_edit_is_written_to_the_ticket_and_not_echoed_back(
    org, author, item, linked, account, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        with django_capture_on_commit_callbacks(execute=True):
            action_item_update(
                item=item, actor=author, changes={"description": "Add a circuit breaker (v2)"}
            )
        patches = [r for r in account.requests if r["method"] == "PATCH"]
        assert [p["body"] for p in patches] == [{"title": "Add a circuit breaker (v2)"}]
        linked.refresh_from_db()
        issue = account.issues[("acme/api", 1)]
        assert issue["title"] == "Add a circuit breaker (v2)"
        # GitHub's webhook for our own edit carries the time it answered: not newer, ignored
        echo = ticket(linked, title=issue["title"], updated_at=linked.remote_updated_at)
        assert apply_to_link(linked, echo, changed=frozenset({"title"})).startswith("ignored")


def test_an_edit_of_a_field_no_tracker_holds_is_not_sent(
    org, author, item, linked, account, django_capture_on_commit_callbacks
):
    with scope(organization=org), django_capture_on_commit_callbacks(execute=True):
        action_item_update(item=item, actor=author, changes={"success_criteria": "Less noise"})
    assert [r for r in account.requests if r["method"] == "PATCH"] == []


def test_the_tickets_due_date_and_assignee_come_back(org, item, linked, member_factory):
    engineer = member_factory(Role.ENGINEER, username="eve", email="eve@acme.example")
    due = today_in(org) + timedelta(days=9)
    with scope(organization=org):
        outcome = apply_to_link(
            linked,
            ticket(linked, due_date=due, assignee_email="EVE@acme.example"),
            changed=frozenset({"due_date", "assignee"}),
        )
        item.refresh_from_db()
    assert (item.due_date, item.owner) == (due, engineer)
    assert "due date" in outcome and "owner" in outcome


def test_an_assignee_who_is_not_a_member_is_noted_and_the_owner_kept(org, author, item, linked):
    with scope(organization=org):
        apply_to_link(
            linked,
            ticket(linked, assignee_email="contractor@elsewhere.example", assignee_name="Cy"),
            changed=frozenset({"assignee"}),
        )
        item.refresh_from_db()
        assert item.owner == author
        assert SyncNote.objects.filter(link=linked, text__contains="Assigned to Cy").exists()


def test_a_past_due_date_on_the_ticket_is_noted_not_applied(org, item, linked):
    with scope(organization=org):
        apply_to_link(
            linked,
            ticket(linked, due_date=today_in(org) - timedelta(days=3)),
            changed=frozenset({"due_date"}),
        )
        item.refresh_from_db()
        assert item.due_date != today_in(org) - timedelta(days=3)
        assert SyncNote.objects.filter(link=linked, text__contains="is past").exists()


def test_wont_do_takes_the_trackers_resolution_as_the_reason(org, item, linked):
    with scope(organization=org):
        apply_to_link(
            linked,
            ticket(linked, status="Done", outcome=WONT_DO, reason="Won't Fix (Jira resolution)"),
        )
        item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == (ItemStatus.WONT_DO, "Won't Fix (Jira resolution)")


def test_a_conflict_on_the_owner_keeps_the_newer_side(org, author, item, linked, member_factory):
    """Hindsight reassigned the item after the tracker did: Hindsight's owner stays, noted."""
    eve = member_factory(Role.ENGINEER, username="eve", email="eve@acme.example")
    ida = member_factory(Role.ENGINEER, username="ida", email="ida@acme.example")
    earlier = datetime.now(UTC) - timedelta(minutes=1)
    with scope(organization=org):
        TicketLink.objects.filter(pk=linked.pk).update(
            remote_updated_at=earlier - timedelta(minutes=5)
        )
        linked.refresh_from_db()
        action_item_update(item=item, actor=author, changes={"owner": ida})
        apply_to_link(
            linked,
            ticket(linked, assignee_email=eve.email, updated_at=earlier),
            changed=frozenset({"assignee"}),
        )
        item.refresh_from_db()
        assert item.owner == ida
        note = SyncNote.objects.filter(link=linked, text__startswith="Conflict on owner").first()
    assert note is not None and "kept Hindsight's change" in note.text


def test_completing_the_item_closes_its_issue_and_reopening_opens_it(
    org, author, item, linked, account, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        for status in (ItemStatus.IN_PROGRESS, ItemStatus.COMPLETED, ItemStatus.OPEN):
            with django_capture_on_commit_callbacks(execute=True):
                action_item_update(item=item, actor=author, changes={"status": status})
        bodies = [r["body"] for r in account.requests if r["method"] == "PATCH"]
    assert [{k: v for k, v in b.items() if k != "title"} for b in bodies] == [
        {},  # in progress: GitHub has no such state, the issue stays open
        {"state": "closed", "state_reason": "completed"},
        {"state": "open"},
    ]
    assert account.schema_errors == []
    assert account.issues[("acme/api", 1)]["state"] == "open"
