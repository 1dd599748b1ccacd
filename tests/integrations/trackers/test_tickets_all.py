""" "Create tickets for all" on a postmortem: its editors queue a ticket for every open item that
has none, where its route sends them (its team's, else its incident's service's, as the button
says); how many were queued is said, nothing twice; without a tracker a clear message; others
may not, and another organization's postmortem is not found."""

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import assign_perm

from actionitems.services import action_item_create, action_item_update
from incidents.models import IncidentService, Service
from integrations.trackers import connections
from integrations.trackers.connections import route_save
from integrations.trackers.models import SyncState, TicketLink
from organizations.roles import Role
from postmortems.models import PostmortemTeam
from postmortems.permissions import EDIT_PERMISSION
from tests.factories import TeamFactory
from tests.postmortems.editor.helpers import make_incident, make_postmortem


@pytest.fixture
def items(org, draft, author, item):
    """Three open items of ``draft`` and a completed one."""
    with scope(organization=org):
        more = [
            action_item_create(postmortem=draft, actor=author, description=text)
            for text in ("Alert on checkout p99", "Runbook for provider failover", "Old chore")
        ]
        action_item_update(item=more[-1], actor=author, changes={"status": "COMPLETED"})
    return [item, *more]


def create_all(client, postmortem, mode: str = "edit", org_slug: str = "acme"):
    url = reverse(
        "postmortem_tickets_create", kwargs={"org_slug": org_slug, "number": postmortem.number}
    )
    return client.post(url, {"from": mode})


def edit_url(postmortem) -> str:
    return reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": postmortem.number})


def test_an_editor_creates_tickets_for_every_open_item(
    client, author, draft, items, connection, account, django_capture_on_commit_callbacks
):
    client.force_login(author)
    page = client.get(edit_url(draft)).content.decode()
    assert (
        "Create tickets for all" in page
        and "3 open items without a ticket → GitHub acme/api" in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = create_all(client, draft)
    assert response.status_code == 302 and response.url == edit_url(draft)
    page = client.get(response.url).content.decode()
    assert "3 tickets queued" in page
    with scopes_disabled():
        links = TicketLink.objects.order_by("number")
        assert [link.key for link in links] == ["acme/api#1", "acme/api#2", "acme/api#3"]
        assert all(link.state == SyncState.LINKED for link in links)
        assert not TicketLink.objects.filter(item=items[-1]).exists()  # completed
    assert len([r for r in account.requests if r["method"] == "POST"]) == 3
    assert "Create tickets for all" not in page  # nothing left to send

    response = create_all(client, draft, mode="read")
    assert response.url.endswith(f"/postmortems/{draft.number}/")
    assert "Every open item already has a ticket." in client.get(response.url).content.decode()


def test_without_a_tracker_it_says_so(client, author, draft, items):
    client.force_login(author)
    page = client.get(edit_url(draft)).content.decode()
    assert "Create tickets for all" not in page
    response = create_all(client, draft)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "An admin connects an issue tracker in the settings first." in page
    with scopes_disabled():
        assert not TicketLink.objects.exists()


def test_the_pages_see_a_tracker_connected_or_removed_after_they_were_shown(
    client, org, admin, author, draft, items, github_api, account
):
    client.force_login(author)
    read_url = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number})
    assert "Create tickets for all" not in client.get(edit_url(draft)).content.decode()
    with scope(organization=org):
        github = connections.connection_save(
            organization=org,
            actor=admin,
            target="acme/api",
            base_url=github_api.url,
            token=account.token,
        )
    for url in (edit_url(draft), read_url):
        assert "3 open items without a ticket → GitHub acme/api" in client.get(url).content.decode()
    with scope(organization=org):
        connections.connection_delete(connection=github, actor=admin)
    for url in (edit_url(draft), read_url):
        assert "Create tickets for all" not in client.get(url).content.decode()


def test_without_a_tracker_the_pages_ask_nothing_of_trackers(client, author, draft, items):
    client.force_login(author)
    read_url = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number})
    for url in (edit_url(draft), read_url):
        client.get(url)  # the organization's answer is remembered
        with CaptureQueriesContext(database) as queries:
            assert client.get(url).status_code == 200
        assert not [q["sql"] for q in queries.captured_queries if "integrations_" in q["sql"]]


def test_with_a_tracker_the_pages_ask_the_same_whatever_the_tickets(
    client, author, draft, items, connection, django_capture_on_commit_callbacks
):
    client.force_login(author)
    read_url = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number})
    urls = (edit_url(draft), read_url)
    for url in urls:
        client.get(url)  # warm the caches

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(database) as queries:
                client.get(url)
            found.append(len(queries.captured_queries))
        return found

    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        create_all(client, draft)
    with scopes_disabled():
        assert TicketLink.objects.count() == 3
    assert counts() == before


@pytest.mark.parametrize(
    ("role", "granted", "allowed"),
    [
        (Role.ADMIN, False, True),
        (Role.MANAGER, False, False),
        (Role.MANAGER, True, True),
        (Role.ENGINEER, False, False),
        (Role.ENGINEER, True, True),
        (Role.VIEWER, False, False),
    ],
)
def test_only_the_postmortems_editors_may(
    client, member_factory, draft, items, connection, role, granted, allowed
):
    member = member_factory(role, username="someone")
    if granted:
        assign_perm(EDIT_PERMISSION, member, draft)
    client.force_login(member)
    page = client.get(edit_url(draft)).content.decode()
    response = create_all(client, draft)
    assert response.status_code == (302 if allowed else 403)
    with scopes_disabled():
        assert TicketLink.objects.count() == (3 if allowed else 0)
    assert ("Create tickets for all" in page) == allowed


def test_read_view_offers_it_to_editors_only(client, author, viewer, draft, items, connection):
    url = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number})
    client.force_login(author)
    assert "Create tickets for all" in client.get(url).content.decode()
    client.force_login(viewer)
    assert "Create tickets for all" not in client.get(url).content.decode()


def test_another_organizations_postmortem_is_404(
    client, admin, member_factory, other_org, connection, items
):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="olga")
    theirs = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    with scope(organization=other_org):
        action_item_create(postmortem=theirs, actor=outsider, description="Their secret")
    client.force_login(admin)
    assert theirs.number == 1 and items[0].postmortem.number == 1  # the same number at home
    assert create_all(client, theirs, org_slug="globex").status_code == 404
    with scopes_disabled():
        assert not TicketLink.objects.exists()


def test_the_get_is_refused(client, author, draft, connection):
    client.force_login(author)
    url = reverse("postmortem_tickets_create", kwargs={"org_slug": "acme", "number": draft.number})
    assert client.get(url).status_code == 405


def test_the_tickets_go_where_the_postmortems_team_routes_them(
    client, admin, author, org, draft, items, connection, django_capture_on_commit_callbacks
):
    team = TeamFactory(organization=org, name="Payments")
    PostmortemTeam.objects.create(organization=org, postmortem=draft, team=team)
    with scope(organization=org):
        route_save(connection=connection, actor=admin, team=team, target="acme/payments")
    client.force_login(author)
    page = client.get(edit_url(draft)).content.decode()
    assert "→ GitHub acme/payments" in page
    with django_capture_on_commit_callbacks(execute=True):
        create_all(client, draft)
    with scopes_disabled():
        assert set(TicketLink.objects.values_list("target", flat=True)) == {"acme/payments"}


def test_the_button_names_the_service_route_and_a_team_route_over_it(
    client, admin, author, org, draft, items, connection, django_capture_on_commit_callbacks
):
    with scope(organization=org):
        checkout = Service.objects.create(organization=org, name="checkout")
        IncidentService.objects.create(organization=org, incident=draft.incident, service=checkout)
        route_save(connection=connection, actor=admin, service=checkout, target="acme/checkout")
    client.force_login(author)
    assert "→ GitHub acme/checkout" in client.get(edit_url(draft)).content.decode()
    team = TeamFactory(organization=org, name="Payments")
    PostmortemTeam.objects.create(organization=org, postmortem=draft, team=team)
    with scope(organization=org):
        route_save(connection=connection, actor=admin, team=team, target="acme/payments")
    page = client.get(edit_url(draft)).content.decode()
    assert "→ GitHub acme/payments" in page and "acme/checkout" not in page
    with django_capture_on_commit_callbacks(execute=True):
        create_all(client, draft)
    with scopes_disabled():
        assert set(TicketLink.objects.values_list("target", flat=True)) == {"acme/payments"}
