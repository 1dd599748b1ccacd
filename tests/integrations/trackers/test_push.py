"""Create ticket / Link existing ticket on an action item: the GitHub issue is created (in the
task) with the item's title, a body linking back to the postmortem and the incident, and the
labels; the item shows the ticket's key, status on GitHub and last sync, or the error."""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from actionitems.models import ActionItem
from actionitems.services import action_item_create
from integrations.trackers.models import SyncState, TicketLink
from integrations.trackers.push import push
from integrations.trackers.remote import TrackerError
from integrations.trackers.services import note
from organizations.roles import Role
from tests.integrations.trackers.conftest import ticket_url
from tests.postmortems.editor.helpers import make_incident, make_postmortem


def create(client, user, item):
    client.force_login(user)
    return client.post(ticket_url(item, "item_ticket_create"), follow=True)


def test_create_ticket_opens_the_github_issue(
    settings, client, author, item, connection, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = create(client, author, item)
    assert response.status_code == 200
    created = [r for r in account.requests if r["method"] == "POST"]
    assert len(created) == 1 and created[0]["path"] == "/repos/acme/api/issues"
    assert account.schema_errors == []
    sent = created[0]["body"]
    incident = item.postmortem.incident
    assert sent["title"] == item.description
    assert sent["labels"] == ["postmortem", incident.ref, "prevent", "priority: medium"]
    body = sent["body"]
    site = settings.SITE_URL.rstrip("/")
    assert f"({site}/o/acme/postmortems/{item.postmortem.number}/)" in body
    assert f"({site}/o/acme/incidents/{incident.ref}/)" in body
    assert "Payments degrade instead of failing" in body
    assert "Owner in Hindsight: Ann Author." in body
    assert "Priority: Medium." in body
    link = TicketLink.objects.get()
    assert (link.key, link.state, link.remote_status) == ("acme/api#1", SyncState.LINKED, "open")
    assert link.last_synced_at is not None and link.remote_updated_at is not None
    item.refresh_from_db()
    assert item.ticket_url == "https://github.com/acme/api/issues/1"
    page = client.get(ticket_url(item)).content.decode()
    assert "acme/api#1" in page and "Linked" in page and "open" in page


def test_the_body_links_are_absolute(settings, author, item, connection, account):
    settings.SITE_URL = "https://hindsight.example.com"
    with scope(organization=item.organization):
        link = TicketLink.objects.create(
            organization=item.organization, item=item, connection=connection, target="acme/api"
        )
        push(link)
    body = account.issues[("acme/api", 1)]["body"]
    assert f"(https://hindsight.example.com/o/acme/postmortems/{item.postmortem.number}/)" in body


def test_a_ticket_is_created_once(
    client, author, item, connection, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create(client, author, item)
    response = client.post(ticket_url(item, "item_ticket_create"))
    assert response.status_code == 400
    assert "already has a ticket" in response.content.decode()
    assert len([r for r in account.requests if r["method"] == "POST"]) == 1


def test_a_refused_token_shows_on_the_item(
    client, author, item, connection, account, django_capture_on_commit_callbacks
):
    account.token = "github_pat_revoked"
    with django_capture_on_commit_callbacks(execute=True):
        create(client, author, item)
    link = TicketLink.objects.get()
    assert link.state == SyncState.FAILED
    page = client.get(ticket_url(item)).content.decode()
    assert "GitHub refused the token (401)" in page and "Create ticket" in page


def test_a_rate_limit_is_waited_out_after_retry_after(author, item, connection, account):
    account.throttle_once = True
    with scope(organization=item.organization):
        link = TicketLink.objects.create(
            organization=item.organization, item=item, connection=connection, target="acme/api"
        )
        with pytest.raises(TrackerError) as raised:
            push(link)
        assert raised.value.retry_after == 1
        link.refresh_from_db()
        assert link.state == SyncState.QUEUED  # the task asks again later
        push(link)
        link.refresh_from_db()
        assert link.state == SyncState.LINKED


def test_link_existing_ticket_adopts_it(
    client, author, item, connection, account, django_capture_on_commit_callbacks
):
    account.add_issue("acme/api", 7, state="closed", state_reason="completed")
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ticket_url(item, "item_ticket_adopt"),
            {"reference": "https://github.com/acme/api/issues/7"},
        )
    assert response.status_code == 302
    link = TicketLink.objects.get()
    assert (link.key, link.remote_status) == ("acme/api#7", "closed (completed)")
    assert not [r for r in account.requests if r["method"] == "POST"]


def test_a_bad_reference_is_a_400_naming_the_field(client, author, item, connection):
    client.force_login(author)
    response = client.post(ticket_url(item, "item_ticket_adopt"), {"reference": "issue twelve"})
    assert response.status_code == 400
    assert "owner/repo#number" in response.content.decode()
    assert not TicketLink.objects.exists()


def test_without_a_connection_the_item_says_so(client, author, item):
    client.force_login(author)
    response = client.post(ticket_url(item, "item_ticket_create"))
    assert response.status_code == 400
    assert "An admin connects GitHub" in response.content.decode()


def test_who_may_edit_the_item_creates_its_ticket(client, member_factory, item, connection):
    viewer = member_factory(Role.VIEWER, username="vic")
    engineer = member_factory(Role.ENGINEER, username="eve")
    for user in (viewer, engineer):
        client.force_login(user)
        assert client.post(ticket_url(item, "item_ticket_create")).status_code == 403
        assert (
            client.post(ticket_url(item, "item_ticket_adopt"), {"reference": "acme/api#1"})
        ).status_code == 403
    assert not TicketLink.objects.exists()


def test_another_organizations_item_is_404(client, author, org, other_org, connection):
    with scopes_disabled():
        their_author = author.__class__.objects.create(username="gus")
        from tests.factories import MembershipFactory

        MembershipFactory(user=their_author, organization=other_org, role=Role.ADMIN)
        postmortem = make_postmortem(other_org, their_author, make_incident(other_org))
    with scope(organization=other_org):
        theirs = action_item_create(postmortem=postmortem, actor=their_author, description="Theirs")
    client.force_login(author)
    assert client.get(ticket_url(theirs)).status_code == 404
    assert client.post(ticket_url(theirs, "item_ticket_create")).status_code == 404
    with scopes_disabled():
        assert ActionItem.objects.filter(pk=theirs.pk).exists()
        assert not TicketLink.objects.exists()


def test_the_postmortems_rows_show_the_ticket_and_its_sync(
    client, author, item, connection, account, django_capture_on_commit_callbacks
):
    client.force_login(author)
    page_url = reverse(
        "postmortem_edit", kwargs={"org_slug": "acme", "number": item.postmortem.number}
    )
    page = client.get(page_url).content.decode()
    assert f'aria-label="Ticket for AI-{item.number}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        create(client, author, item)
    page = client.get(page_url).content.decode()
    assert "acme/api#1: open · synced" in page
    account.token = "github_pat_revoked"
    with scope(organization=item.organization):
        link = TicketLink.objects.get()
        link.state, link.number, link.key = SyncState.QUEUED, 1, "acme/api#1"
        link.save()
        push(link)
    page = client.get(page_url).content.decode()
    assert "sync failed" in page and "GitHub refused the token (401)" in page


def test_the_ticket_page_runs_a_bounded_number_of_queries(
    client, author, item, linked, django_assert_max_num_queries
):
    with scope(organization=item.organization):
        for index in range(30):
            note(linked, f"Note {index}")
    client.force_login(author)
    with django_assert_max_num_queries(14):
        page = client.get(ticket_url(item)).content.decode()
    assert "acme/api#1" in page and page.count("Note ") == 20
