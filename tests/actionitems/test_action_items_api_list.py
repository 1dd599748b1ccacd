"""API v1: the organization's action items with the tracker's filters, pages and query cost."""

import pytest
from django_scopes import scope

from actionitems import services as item_services
from tests.actionitems.helpers import (
    api,
    api_url,
    due_in,
    items_url,
    new_item,
)
from tests.postmortems.editor.helpers import make_incident, make_postmortem

# --- The organization's items --------------------------------------------------------------------


@pytest.fixture
def tracked(org, draft, sev3, author, reviewer, today):
    """Items of a SEV1 and a SEV3 postmortem, in every due bucket and status."""
    items = {
        "overdue": new_item(draft, author, "Overdue fix", owner=author, priority="CRITICAL"),
        "week": new_item(sev3, author, "This week", owner=reviewer, priority="HIGH"),
        "later": new_item(draft, author, "Upcoming", owner=reviewer, priority="LOW"),
        "undated": new_item(sev3, author, "No date, no owner", priority="MEDIUM"),
        "done": new_item(draft, author, "Done already", owner=author, priority="HIGH"),
    }
    due_in(items["overdue"], -3)
    due_in(items["week"], 2)
    due_in(items["later"], 40)
    due_in(items["done"], -10)
    with scope(organization=org):
        item_services.action_item_update(
            item=items["done"], actor=author, changes={"status": "COMPLETED"}
        )
        item_services.action_item_update(
            item=items["later"], actor=author, changes={"status": "IN_PROGRESS"}
        )
    return items


def listed(client, **params) -> list[str]:
    response = client.get(api_url(), params)
    assert response.status_code == 200, response.json()
    return [row["description"] for row in response.json()["results"]]


def test_the_list_puts_sev1_first_then_the_due_date(org, reviewer, tracked):
    rows = listed(api(org, reviewer))
    assert rows[:3] == ["Done already", "Overdue fix", "Upcoming"]  # SEV1, by due date
    assert set(rows[3:]) == {"This week", "No date, no owner"}  # then SEV3
    dated = {"priority": "CRITICAL,HIGH,LOW"}  # where NULLs sort differs between databases
    assert listed(api(org, reviewer), sort="due", **dated) == [
        "Done already",
        "Overdue fix",
        "This week",
        "Upcoming",
    ]


def test_the_list_filters_like_the_tracker(org, draft, sev3, reviewer, tracked):
    client = api(org, reviewer)
    assert listed(client, status="OPEN", due="overdue") == ["Overdue fix"]
    assert sorted(listed(client, status="OPEN")) == [
        "No date, no owner",
        "Overdue fix",
        "This week",
    ]
    assert listed(client, status="COMPLETED,IN_PROGRESS") == ["Done already", "Upcoming"]
    assert listed(client, status=["COMPLETED", "IN_PROGRESS"]) == ["Done already", "Upcoming"]
    assert listed(client, owner="rita") == ["Upcoming", "This week"]
    assert listed(client, owner="none") == ["No date, no owner"]
    assert listed(client, priority="HIGH") == ["Done already", "This week"]
    assert listed(client, priority="CRITICAL,LOW") == ["Overdue fix", "Upcoming"]
    assert listed(client, due="overdue") == ["Overdue fix"]  # the completed one is not overdue
    assert listed(client, due="this_week") == ["This week"]
    assert listed(client, due="upcoming") == ["Upcoming"]
    assert listed(client, due="none") == ["No date, no owner"]
    assert set(listed(client, severity="SEV3")) == {"This week", "No date, no owner"}
    assert listed(client, postmortem=draft.number) == ["Done already", "Overdue fix", "Upcoming"]
    assert listed(client, service="payments-api", due="overdue") == ["Overdue fix"]
    assert listed(client, owner="rita", status="IN_PROGRESS") == ["Upcoming"]
    assert listed(client, sort="-number")[0] == "Done already"


def test_an_item_says_whether_it_is_overdue(org, reviewer, tracked):
    rows = {r["description"]: r for r in api(org, reviewer).get(api_url()).json()["results"]}
    assert rows["Overdue fix"]["is_overdue"] is True
    assert rows["Done already"]["is_overdue"] is False  # completed, though its date has passed
    assert rows["Done already"]["completed_at"] is not None
    assert rows["This week"]["is_overdue"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"status": "OPEN,DONE"}, "status"),
        ({"priority": "URGENT"}, "priority"),
        ({"due": "later"}, "due"),
        ({"severity": "SEV9"}, "severity"),
        ({"postmortem": "PM-1"}, "postmortem"),
        ({"sort": "random"}, "sort"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(org, reviewer, tracked, params, field):
    response = api(org, reviewer).get(api_url(), params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert isinstance(messages, list) and all(isinstance(text, str) for text in messages)
    if field in ("status", "due", "sort"):
        assert "choose one of" in messages[0], messages


def test_the_list_is_paginated(org, reviewer, tracked):
    client = api(org, reviewer)
    first = client.get(api_url(), {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"]
    last = client.get(api_url(), {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert client.get(api_url(), {"page_size": 2, "page": 9}).status_code == 404


def test_every_role_lists_what_it_may_read(org, viewer, engineer, tracked):
    assert api(org, viewer).get(api_url()).json()["count"] == 5
    assert api(org, engineer).get(api_url()).json()["count"] == 5


def test_another_organizations_items_are_not_listed(org, other_org, author, outsider, tracked):
    foreign = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    new_item(foreign, outsider, "Foreign secret")
    body = api(org, author).get(api_url(), {"page_size": 200}).content
    assert b"Foreign secret" not in body
    assert api(org, author).get(api_url()).json()["count"] == 5


def test_the_lists_cost_the_same_queries_whatever_the_number_of_items(
    org, draft, author, reviewer, count_queries
):
    client = api(org, reviewer)
    new_item(draft, author, owner=reviewer)

    def cost() -> tuple[int, int]:
        return (
            count_queries(lambda: client.get(api_url())),
            count_queries(lambda: client.get(items_url(draft.number))),
        )

    cost()  # the token's first use of the day is recorded once
    few = cost()
    for n in range(12):
        new_item(draft, author, f"Item {n}", owner=author if n % 2 else reviewer)
    assert cost() == few
    assert max(few) <= 12
