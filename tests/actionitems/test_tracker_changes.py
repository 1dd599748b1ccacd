"""Changing items from the tracker: the inline status change, and bulk changes (reassign,
reschedule, status) with confirmation, for managers and admins."""

from datetime import timedelta

import pytest

from actionitems.models import ActionItem, ItemStatus
from organizations.selectors import today_in
from tests.actionitems.helpers import HTMX, bulk_url, n, status_url, tracker_url

# --- The inline status change --------------------------------------------------------------------


def test_an_owner_changes_a_status_inline_and_gets_the_row_back(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    response = client.post(
        status_url(target.number),
        {"status": "IN_PROGRESS", "next": tracker_url()},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="trk-row-{target.number}"')
    assert 'ai-st--in_progress">In progress' in html
    assert "tracker-changed" in response["HX-Trigger"]
    target.refresh_from_db()
    assert target.status == ItemStatus.IN_PROGRESS


def test_without_javascript_a_status_change_redirects_back_to_the_view(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    back = tracker_url(due="this_week")
    response = client.post(status_url(target.number), {"status": "COMPLETED", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    target.refresh_from_db()
    assert target.status == ItemStatus.COMPLETED and target.completed_at is not None
    followed = client.get(back)
    assert f"AI-{target.number} is now completed." in followed.content.decode()


def test_a_status_change_never_redirects_elsewhere(client, world, ben):
    client.force_login(ben)
    response = client.post(
        status_url(world["sev1_soon"].number),
        {"status": "COMPLETED", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == tracker_url()


def test_wont_do_asks_for_the_reason_first(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    asked = client.post(status_url(target.number), {"status": "WONT_DO"}, headers=HTMX)
    assert asked.status_code == 200
    assert "Why won't it be done?" in asked.content.decode()
    target.refresh_from_db()
    assert target.status == ItemStatus.OPEN
    page = client.post(status_url(target.number), {"status": "WONT_DO"})
    assert page.status_code == 400
    assert "Say why this won" in page.content.decode()
    done = client.post(
        status_url(target.number),
        {"status": "WONT_DO", "wont_do_reason": "Replaced by the managed queue"},
        headers=HTMX,
    )
    assert done.status_code == 200
    target.refresh_from_db()
    assert target.status == ItemStatus.WONT_DO
    assert target.wont_do_reason == "Replaced by the managed queue"


def test_an_unknown_status_is_refused(client, world, ben):
    client.force_login(ben)
    response = client.post(status_url(world["sev1_soon"].number), {"status": "DONE"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_engineer_may_not_change_someone_elses_item(client, world, ben):
    client.force_login(ben)
    target = world["sev1_late"]  # ann's, on ann's draft
    assert client.post(status_url(target.number), {"status": "COMPLETED"}).status_code == 403
    refused = client.post(status_url(target.number), {"status": "COMPLETED"}, headers=HTMX)
    assert refused.status_code == 403
    target.refresh_from_db()
    assert target.status == ItemStatus.OPEN


def test_a_hidden_or_foreign_item_is_not_found_for_any_method(client, world, manager):
    client.force_login(manager)
    hidden = world["private"]
    assert client.post(status_url(hidden.number), {"status": "COMPLETED"}).status_code == 404
    assert client.get(status_url(hidden.number)).status_code == 404
    assert client.post(status_url(9999), {"status": "COMPLETED"}).status_code == 404
    assert client.get(status_url(world["sev1_soon"].number)).status_code == 405
    hidden.refresh_from_db()
    assert hidden.status == ItemStatus.OPEN


# --- Bulk changes --------------------------------------------------------------------------------


def test_bulk_reassign_shows_what_will_change_and_changes_nothing_until_confirmed(
    client, world, manager, ben
):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_undated")
    data = {"items": chosen, "change": "owner", "owner": "ben", "next": tracker_url(due="overdue")}
    preview = client.post(bulk_url(), data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Reassign 2 action items?" in html
    assert "Ann Author" in html and "Unowned" in html and "Ben Builder" in html
    assert ActionItem.objects.filter(number__in=chosen, owner=ben).count() == 0

    done = client.post(bulk_url(), {**data, "confirm": "1"})
    assert done.status_code == 302
    assert done["Location"] == tracker_url(due="overdue")
    assert ActionItem.objects.filter(number__in=chosen, owner=ben).count() == 2
    assert (
        "Reassigned 2 action items to Ben Builder." in client.get(done["Location"]).content.decode()
    )


def test_bulk_reschedule_and_status_change(client, world, manager):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_soon")
    new_due = today_in(world["sev1_late"].organization) + timedelta(days=14)
    client.post(
        bulk_url(),
        {"items": chosen, "change": "due_date", "due_date": new_due.isoformat(), "confirm": "1"},
    )
    assert set(ActionItem.objects.filter(number__in=chosen).values_list("due_date", flat=True)) == {
        new_due
    }
    response = client.post(
        bulk_url(),
        {
            "items": chosen,
            "change": "status",
            "status": "WONT_DO",
            "wont_do_reason": "Covered by the platform migration",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert set(ActionItem.objects.filter(number__in=chosen).values_list("status", flat=True)) == {
        "WONT_DO"
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"change": "owner", "owner": "nobody-here"}, "owner", "No member of this organization"),
        ({"change": "owner", "owner": ""}, "owner", "Name the member"),
        ({"change": "due_date", "due_date": "2001-01-01"}, "due_date", "Pick today or a later"),
        ({"change": "due_date", "due_date": "soon"}, "due_date", "Enter a valid date"),
        ({"change": "status", "status": "WONT_DO"}, "wont_do_reason", "Say why these won"),
        ({"change": "status", "status": "DONE"}, "status", "Select a valid choice"),
        ({"change": "priority"}, "change", "Choose a change"),
    ],
)
def test_bulk_bad_input_is_refused_with_a_field_message_and_changes_nothing(
    client, world, manager, data, field, message
):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_soon")
    before = list(ActionItem.objects.order_by("pk").values_list("owner", "due_date", "status"))
    response = client.post(bulk_url(), {"items": chosen, **data, "confirm": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(ActionItem.objects.order_by("pk").values_list("owner", "due_date", "status")) == (
        before
    )


def test_bulk_without_items_or_with_hidden_items_changes_nothing(client, world, manager):
    client.force_login(manager)
    empty = client.post(bulk_url(), {"change": "status", "status": "COMPLETED", "confirm": "1"})
    assert empty.status_code == 400
    assert "Select at least one action item." in empty.content.decode()
    hidden = world["private"]
    response = client.post(
        bulk_url(),
        {"items": [hidden.number], "change": "status", "status": "COMPLETED", "confirm": "1"},
    )
    assert response.status_code == 400
    hidden.refresh_from_db()
    assert hidden.status == ItemStatus.OPEN


def test_bulk_changes_are_for_managers_and_admins(client, world, author, viewer):
    data = {
        "items": n(world, "sev1_late"),
        "change": "status",
        "status": "COMPLETED",
        "confirm": "1",
    }
    for person in (author, viewer):
        client.force_login(person)
        assert client.post(bulk_url(), data).status_code == 403
    assert ActionItem.objects.get(pk=world["sev1_late"].pk).status == ItemStatus.OPEN
    client.force_login(author)
    assert client.get(bulk_url()).status_code == 405
