"""API v1: one action item, read and patched by who may; errors 400 naming the fields and 404;
the schema of the action-item endpoints."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_scopes import scope

from actionitems.models import ActionItem, ItemStatus
from tests.actionitems.helpers import (
    ITEM_FIELDS,
    api,
    api_url,
    due_in,
    fresh,
    items_url,
    new_item,
    publish,
)
from tests.postmortems.editor.helpers import make_incident, make_postmortem

# --- One item ------------------------------------------------------------------------------------


def test_an_item_is_read_by_its_number(org, draft, author, viewer, today):
    item = new_item(
        draft, author, owner=author, ticket_url="https://linear.app/acme/issue/PLAT-311"
    )
    response = api(org, viewer).get(api_url(item.number))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ITEM_FIELDS
    assert body["id"] == item.number and body["postmortem"] == draft.number
    assert body["ticket_kind"] == "Linear" and body["owner"] == "ann"


def test_another_organizations_item_is_a_404_for_every_method(
    org, other_org, author, admin_user, outsider
):
    home = new_item(make_postmortem(org, author, make_incident(org, commander=author)), author)
    foreign_pm = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    new_item(foreign_pm, outsider, "Foreign warm-up")
    foreign = new_item(foreign_pm, outsider, "Foreign secret")  # number 2; home has only number 1
    assert api(org, author).get(api_url(home.number)).status_code == 200
    assert not ActionItem.objects.filter(organization=org, number=foreign.number).exists()
    for user in (author, admin_user):
        client = api(org, user)
        assert client.get(api_url(foreign.number)).status_code == 404
        response = client.patch(api_url(foreign.number), {"status": "COMPLETED"})
        assert response.status_code == 404
        assert b"Foreign" not in response.content
    with scope(organization=other_org):
        assert fresh(foreign).status == ItemStatus.OPEN
    assert api(org, author).get(api_url(999)).status_code == 404


def test_a_patch_changes_only_the_fields_sent(org, draft, author, today):
    item = new_item(draft, author, "Old words", owner=author, priority="MEDIUM")
    one_tab, other_tab = api(org, author), api(org, author)

    first = one_tab.patch(api_url(item.number), {"description": "Alert at 80% pool use"})
    second = other_tab.patch(api_url(item.number), {"priority": "HIGH"})

    assert first.status_code == 200 and second.status_code == 200
    assert second.json()["description"] == "Alert at 80% pool use"
    item = fresh(item)
    assert item.description == "Alert at 80% pool use" and item.priority == "HIGH"
    assert item.owner == author  # not sent, kept


def test_a_patch_sets_and_clears_owner_due_date_and_category(org, draft, author, reviewer, today):
    item = new_item(draft, author, owner=author, category="DETECT")
    client = api(org, author)
    due = today + timedelta(days=3)
    body = client.patch(api_url(item.number), {"owner": "rita", "due_date": due.isoformat()})
    assert body.json()["owner"] == "rita" and body.json()["due_date"] == due.isoformat()
    cleared = client.patch(api_url(item.number), {"owner": None, "due_date": None, "category": ""})
    assert cleared.status_code == 200
    item = fresh(item)
    assert item.owner is None and item.due_date is None and item.category == ""


def test_completing_an_item_records_when_and_reopening_clears_it(org, draft, author):
    item = new_item(draft, author)
    client = api(org, author)
    done = client.patch(api_url(item.number), {"status": "COMPLETED"})
    assert done.json()["status"] == "COMPLETED" and done.json()["completed_at"]
    reopened = client.patch(api_url(item.number), {"status": "OPEN"})
    assert reopened.json()["completed_at"] is None


def test_wont_do_needs_a_reason(org, draft, author):
    item = new_item(draft, author)
    client = api(org, author)
    refused = client.patch(api_url(item.number), {"status": "WONT_DO"})
    assert refused.status_code == 400 and "wont_do_reason" in refused.json()
    assert fresh(item).status == ItemStatus.OPEN

    accepted = client.patch(
        api_url(item.number), {"status": "WONT_DO", "wont_do_reason": "The service is retired."}
    )
    assert accepted.status_code == 200
    assert accepted.json()["wont_do_reason"] == "The service is retired."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"status": "DONE"}, "status"),
        ({"priority": "urgent"}, "priority"),
        ({"owner": "otto"}, "owner"),
        ({"description": ""}, "description"),
        ({"ticket_url": "not a url"}, "ticket_url"),
        ({"completed_at": "2026-01-01T00:00:00Z"}, "completed_at"),
        ({"postmortem": 3}, "postmortem"),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field_and_changes_nothing(
    org, draft, author, outsider, body, field
):
    item = new_item(draft, author, "Stays", owner=author)
    response = api(org, author).patch(api_url(item.number), body)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    kept = fresh(item)
    assert (kept.description, kept.status, kept.owner) == ("Stays", "OPEN", author)


def test_a_viewer_may_not_patch(org, draft, author, viewer):
    item = new_item(draft, author, "Stays")
    response = api(org, viewer).patch(api_url(item.number), {"status": "COMPLETED"})
    assert response.status_code == 403
    assert fresh(item).status == ItemStatus.OPEN


def test_an_engineer_who_may_not_edit_the_draft_may_not_patch(org, draft, author, engineer):
    item = new_item(draft, author, "Stays")
    response = api(org, engineer).patch(api_url(item.number), {"description": "Mine now"})
    assert response.status_code == 403
    assert fresh(item).description == "Stays"


def test_on_a_published_postmortem_the_owner_changes_the_status_but_not_the_words(
    org, draft, author, reviewer, engineer
):
    item = new_item(draft, author, "Canary rolls back at 2x", owner=engineer)
    publish(draft, author, reviewer)
    owner = api(org, engineer)

    words = owner.patch(api_url(item.number), {"description": "Something easier"})
    assert words.status_code == 403
    status = owner.patch(api_url(item.number), {"status": "IN_PROGRESS"})
    assert status.status_code == 200 and status.json()["status"] == "IN_PROGRESS"
    item = fresh(item)
    assert item.status == ItemStatus.IN_PROGRESS and item.description == "Canary rolls back at 2x"
    # the author, no longer an editor and not the owner, may not
    assert api(org, author).patch(api_url(item.number), {"status": "OPEN"}).status_code == 403


def test_on_a_published_postmortem_a_manager_reschedules(
    org, draft, author, reviewer, second_reviewer, today
):
    item = new_item(draft, author, "Runbook for schema rollbacks")
    publish(draft, author, reviewer)
    due = today + timedelta(days=14)
    response = api(org, second_reviewer).patch(
        api_url(item.number), {"owner": "rita", "due_date": due.isoformat()}
    )
    assert response.status_code == 200
    assert fresh(item).owner == reviewer and fresh(item).due_date == due


def test_the_schema_describes_the_action_item_endpoints(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    assert "/api/v1/postmortems/{number}/action-items:" in schema
    assert "/api/v1/action-items/{id}:" in schema
    assert "ActionItemStatusEnum:" in schema and "PatchedActionItem:" in schema


def test_a_patch_to_a_past_due_date_is_refused_like_creating_one(org, draft, author, today):
    item = new_item(draft, author, due_date=today + timedelta(days=5))
    client = api(org, author)
    past = (today - timedelta(days=10)).isoformat()
    response = client.patch(api_url(item.number), {"due_date": past})
    assert response.status_code == 400
    assert list(response.json()) == ["due_date"]
    assert client.post(items_url(draft.number), {"description": "x", "due_date": past}).json() == (
        response.json()
    )
    assert fresh(item).due_date == today + timedelta(days=5)


def test_an_overdue_item_takes_other_changes_through_a_patch(org, draft, author, today):
    item = new_item(draft, author, due_date=today + timedelta(days=5))
    due_in(item, -2)
    client = api(org, author)
    response = client.patch(api_url(item.number), {"priority": "HIGH"})
    assert response.status_code == 200
    assert fresh(item).priority == "HIGH" and fresh(item).due_date == today - timedelta(days=2)
