"""API v1: a postmortem's action items (GET, POST) and who may add them; errors 400 naming
the fields, 401, 403 and 404."""

from datetime import timedelta

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from actionitems.models import ActionItem, ItemStatus
from postmortems.models import Postmortem, Visibility
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

LIST_FIELDS = {"count", "next", "previous", "results"}


# --- A postmortem's items ------------------------------------------------------------------------


def test_a_postmortems_items_are_listed_in_the_documents_order(org, draft, author, reviewer, today):
    later = new_item(
        draft,
        author,
        "Expand / contract migrations as the default",
        section_key="actions-long-term",
        owner=reviewer,
        priority="LOW",
    )
    first = new_item(
        draft,
        author,
        "Lint rule: refuse NOT NULL columns without a default",
        section_key="actions-immediate",
        owner=author,
        priority="CRITICAL",
        category="PREVENT",
        due_date=today + timedelta(days=7),
        success_criteria="CI fails on a NOT NULL column without a default",
        ticket_url="https://acme.atlassian.net/browse/ENG-1236",
    )
    due_in(first, -2)

    response = api(org, reviewer).get(items_url(draft.number))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == LIST_FIELDS and body["count"] == 2
    assert [row["id"] for row in body["results"]] == [first.number, later.number]
    row = body["results"][0]
    assert set(row) == ITEM_FIELDS
    assert row["postmortem"] == draft.number
    assert row["section"] == "actions-immediate"
    assert row["owner"] == "ann" and body["results"][1]["owner"] == "rita"
    assert row["priority"] == "CRITICAL" and row["status"] == "OPEN"
    assert row["category"] == "PREVENT"
    assert row["due_date"] == (today - timedelta(days=2)).isoformat()
    assert row["is_overdue"] is True and body["results"][1]["is_overdue"] is False
    assert row["ticket_kind"] == "Jira"
    assert row["completed_at"] is None


def test_adding_an_item_answers_it_with_its_location(org, draft, author, reviewer, today):
    due = today + timedelta(days=7)
    response = api(org, author).post(
        items_url(draft.number),
        {
            "description": "  Canary rolls back on a relative error-rate increase (over 2x) ",
            "owner": "rita",
            "due_date": due.isoformat(),
            "priority": "HIGH",
            "category": "DETECT",
            "success_criteria": "A 30% canary failure rolls back within 5 minutes",
            "ticket_url": "https://github.com/acme/deploy/issues/42",
            "section": "actions-short-term",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == api_url(body["id"])
    item = ActionItem.objects.get(organization=org, number=body["id"])
    assert item.postmortem == draft and item.created_by == author and item.owner == reviewer
    assert item.description == "Canary rolls back on a relative error-rate increase (over 2x)"
    assert item.section_key == "actions-short-term" and item.due_date == due
    assert body["status"] == "OPEN" and body["ticket_kind"] == "GitHub"
    assert body["owner"] == "rita" and body["section"] == "actions-short-term"


def test_an_item_goes_to_the_first_action_items_section_unless_told(org, draft, sev3, author):
    client = api(org, author)
    comprehensive = client.post(items_url(draft.number), {"description": "Add a lint rule"})
    lightweight = client.post(items_url(sev3.number), {"description": "Add a lint rule"})

    assert comprehensive.json()["section"] == "actions-immediate"
    assert lightweight.json()["section"] == "action-items"
    assert comprehensive.json()["owner"] is None and comprehensive.json()["due_date"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "x", "owner": "otto"}, "owner"),
        ({"description": "x", "owner": "nobody-at-all"}, "owner"),
        ({"description": "x", "due_date": "PAST"}, "due_date"),
        ({"description": "x", "due_date": "not-a-date"}, "due_date"),
        ({"description": "x", "priority": "URGENT"}, "priority"),
        ({"description": "x", "category": "BLAME"}, "category"),
        ({"description": "x", "ticket_url": "javascript:alert(1)"}, "ticket_url"),
        ({"description": "x", "section": "root-cause"}, "section"),
        ({"description": "x", "status": "COMPLETED"}, "status"),
        ({"description": "x", "id": 99}, "id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_adds_nothing(
    org, draft, author, outsider, today, body, field
):
    if body.get("due_date") == "PAST":
        body = {**body, "due_date": (today - timedelta(days=1)).isoformat()}

    response = api(org, author).post(items_url(draft.number), body)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not ActionItem.objects.exists()


def test_unknown_priority_names_the_choices(org, draft, author):
    response = api(org, author).post(
        items_url(draft.number), {"description": "x", "priority": "URGENT"}
    )
    assert "CRITICAL, HIGH, MEDIUM, LOW" in response.json()["priority"][0]


def test_a_due_date_of_today_is_accepted(org, draft, author, today):
    response = api(org, author).post(
        items_url(draft.number), {"description": "x", "due_date": today.isoformat()}
    )
    assert response.status_code == 201
    assert response.json()["is_overdue"] is False


def test_only_the_postmortems_editors_add_items(
    org, draft, author, reviewer, engineer, viewer, admin_user
):
    assert api(org, viewer).post(items_url(draft.number), {"description": "x"}).status_code == 403
    assert api(org, engineer).post(items_url(draft.number), {"description": "x"}).status_code == 403
    assert not ActionItem.objects.exists()
    assert api(org, admin_user).post(items_url(draft.number), {"description": "x"}).status_code == (
        201
    )


def test_rights_are_judged_before_the_body(org, draft, engineer):
    response = api(org, engineer).post(items_url(draft.number), {"priority": "URGENT"})
    assert response.status_code == 403


def test_the_author_adds_no_item_to_a_published_postmortem(org, draft, author, reviewer):
    publish(draft, author, reviewer)
    response = api(org, author).post(items_url(draft.number), {"description": "x"})
    assert response.status_code == 403
    assert not ActionItem.objects.exists()


def test_another_organizations_postmortem_does_not_exist(org, other_org, draft, author, outsider):
    for _ in range(2):  # the foreign number 2 does not exist at home
        foreign = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    new_item(foreign, outsider, "Foreign secret")
    assert foreign.number != draft.number
    client = api(org, author)

    for number in (foreign.number, 999):
        assert client.get(items_url(number)).status_code == 404
        response = client.post(items_url(number), {"description": "x"})
        assert response.status_code == 404 and b"Foreign" not in response.content
    assert ActionItem.objects.filter(organization=org).count() == 0
    with scope(organization=other_org):
        assert ActionItem.objects.filter(organization=other_org).count() == 1


def test_requests_without_a_valid_token_are_401(org, draft, author):
    item = new_item(draft, author)
    for url in (items_url(draft.number), api_url(), api_url(item.number)):
        assert APIClient().get(url).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.patch(api_url(item.number), {"status": "COMPLETED"}, format="json").status_code == (
        401
    )
    assert fresh(item).status == ItemStatus.OPEN


# --- A private postmortem ------------------------------------------------------------------------


def test_a_private_postmortems_items_are_invisible_to_those_who_may_not_read_it(
    org, draft, author, engineer, admin_user
):
    item = new_item(draft, author, "Private follow-up", owner=author)
    Postmortem.objects.filter(pk=draft.pk).update(visibility=Visibility.PRIVATE)
    client = api(org, engineer)

    assert client.get(items_url(draft.number)).status_code == 404
    assert client.get(api_url(item.number)).status_code == 404
    assert client.patch(api_url(item.number), {"status": "COMPLETED"}).status_code == 404
    assert client.get(api_url()).json()["count"] == 0
    assert fresh(item).status == ItemStatus.OPEN
    # …while its author and the admins still see it
    assert api(org, author).get(api_url()).json()["count"] == 1
    assert api(org, admin_user).get(api_url(item.number)).status_code == 200
