"""API v1 action items (DESIGN §8): a postmortem's items (GET, POST), the organization's
items with the tracker's filters (GET), one item (GET, PATCH); errors 400 naming the fields, 401,
403 and 404."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_scopes import scope
from rest_framework.test import APIClient

from actionitems import services as item_services
from actionitems.models import ActionItem, ItemStatus
from organizations.roles import Role
from organizations.selectors import today_in
from postmortems.models import Postmortem, PostmortemStatus, Visibility
from postmortems.review import transitions
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.helpers import api_client as token_client
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import submitted

ITEM_FIELDS = {
    "id",
    "postmortem",
    "section",
    "description",
    "owner",
    "due_date",
    "priority",
    "status",
    "category",
    "success_criteria",
    "ticket_url",
    "wont_do_reason",
    "is_overdue",
    "completed_at",
    "ticket_kind",
    "created_at",
    "updated_at",
}
LIST_FIELDS = {"count", "next", "previous", "results"}


def api(org, user):
    client = token_client(org, user)
    client.default_format = "json"
    return client


def items_url(number: int) -> str:
    return f"/api/v1/postmortems/{number}/action-items"


def item_url(number: int | None = None) -> str:
    return "/api/v1/action-items" + (f"/{number}" if number is not None else "")


def add(postmortem, actor, description="Alert when checkout errors exceed 2% for 2 minutes", **f):
    with scope(organization=postmortem.organization):
        return item_services.action_item_create(
            postmortem=postmortem, actor=actor, description=description, **f
        )


def set_due(item, days_from_today: int) -> None:
    """Creation refuses a past date: move it there directly."""
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=today_in(item.organization) + timedelta(days=days_from_today)
    )


def fresh(item) -> ActionItem:
    return ActionItem.objects.get(pk=item.pk)


def publish(postmortem, author, reviewer) -> Postmortem:
    submitted(postmortem, author, reviewer)
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    return postmortem


@pytest.fixture
def today(org):
    return today_in(org)


@pytest.fixture
def sev3(org, templates, author):
    """A Lightweight SEV3 draft by ann: one action-items section, ``action-items``."""
    return make_postmortem(org, author, make_incident(org, commander=author, severity="SEV3"))


@pytest.fixture
def outsider(other_org):
    user = UserFactory(username="otto")
    MembershipFactory(user=user, organization=other_org, role=Role.ADMIN)
    return user


# --- A postmortem's items ------------------------------------------------------------------------


def test_a_postmortems_items_are_listed_in_the_documents_order(org, draft, author, reviewer, today):
    later = add(
        draft,
        author,
        "Expand / contract migrations as the default",
        section_key="actions-long-term",
        owner=reviewer,
        priority="LOW",
    )
    first = add(
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
    set_due(first, -2)

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
    assert response["Location"] == item_url(body["id"])
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
    add(foreign, outsider, "Foreign secret")
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
    item = add(draft, author)
    for url in (items_url(draft.number), item_url(), item_url(item.number)):
        assert APIClient().get(url).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.patch(item_url(item.number), {"status": "COMPLETED"}, format="json").status_code == (
        401
    )
    assert fresh(item).status == ItemStatus.OPEN


# --- A private postmortem ------------------------------------------------------------------------


def test_a_private_postmortems_items_are_invisible_to_those_who_may_not_read_it(
    org, draft, author, engineer, admin_user
):
    item = add(draft, author, "Private follow-up", owner=author)
    Postmortem.objects.filter(pk=draft.pk).update(visibility=Visibility.PRIVATE)
    client = api(org, engineer)

    assert client.get(items_url(draft.number)).status_code == 404
    assert client.get(item_url(item.number)).status_code == 404
    assert client.patch(item_url(item.number), {"status": "COMPLETED"}).status_code == 404
    assert client.get(item_url()).json()["count"] == 0
    assert fresh(item).status == ItemStatus.OPEN
    # …while its author and the admins still see it
    assert api(org, author).get(item_url()).json()["count"] == 1
    assert api(org, admin_user).get(item_url(item.number)).status_code == 200


# --- The organization's items --------------------------------------------------------------------


@pytest.fixture
def tracked(org, draft, sev3, author, reviewer, today):
    """Items of a SEV1 and a SEV3 postmortem, in every due bucket and status."""
    items = {
        "overdue": add(draft, author, "Overdue fix", owner=author, priority="CRITICAL"),
        "week": add(sev3, author, "This week", owner=reviewer, priority="HIGH"),
        "later": add(draft, author, "Upcoming", owner=reviewer, priority="LOW"),
        "undated": add(sev3, author, "No date, no owner", priority="MEDIUM"),
        "done": add(draft, author, "Done already", owner=author, priority="HIGH"),
    }
    set_due(items["overdue"], -3)
    set_due(items["week"], 2)
    set_due(items["later"], 40)
    set_due(items["done"], -10)
    with scope(organization=org):
        item_services.action_item_update(
            item=items["done"], actor=author, changes={"status": "COMPLETED"}
        )
        item_services.action_item_update(
            item=items["later"], actor=author, changes={"status": "IN_PROGRESS"}
        )
    return items


def listed(client, **params) -> list[str]:
    response = client.get(item_url(), params)
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
    rows = {r["description"]: r for r in api(org, reviewer).get(item_url()).json()["results"]}
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
    response = api(org, reviewer).get(item_url(), params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert isinstance(messages, list) and all(isinstance(text, str) for text in messages)
    if field in ("status", "due", "sort"):
        assert "choose one of" in messages[0], messages


def test_the_list_is_paginated(org, reviewer, tracked):
    client = api(org, reviewer)
    first = client.get(item_url(), {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"]
    last = client.get(item_url(), {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert client.get(item_url(), {"page_size": 2, "page": 9}).status_code == 404


def test_every_role_lists_what_it_may_read(org, viewer, engineer, tracked):
    assert api(org, viewer).get(item_url()).json()["count"] == 5
    assert api(org, engineer).get(item_url()).json()["count"] == 5


def test_another_organizations_items_are_not_listed(org, other_org, author, outsider, tracked):
    foreign = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    add(foreign, outsider, "Foreign secret")
    body = api(org, author).get(item_url(), {"page_size": 200}).content
    assert b"Foreign secret" not in body
    assert api(org, author).get(item_url()).json()["count"] == 5


def test_the_lists_cost_the_same_queries_whatever_the_number_of_items(
    org, draft, author, reviewer, count_queries
):
    client = api(org, reviewer)
    add(draft, author, owner=reviewer)

    def cost() -> tuple[int, int]:
        return (
            count_queries(lambda: client.get(item_url())),
            count_queries(lambda: client.get(items_url(draft.number))),
        )

    cost()  # the token's first use of the day is recorded once
    few = cost()
    for n in range(12):
        add(draft, author, f"Item {n}", owner=author if n % 2 else reviewer)
    assert cost() == few
    assert max(few) <= 12


# --- One item ------------------------------------------------------------------------------------


def test_an_item_is_read_by_its_number(org, draft, author, viewer, today):
    item = add(draft, author, owner=author, ticket_url="https://linear.app/acme/issue/PLAT-311")
    response = api(org, viewer).get(item_url(item.number))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ITEM_FIELDS
    assert body["id"] == item.number and body["postmortem"] == draft.number
    assert body["ticket_kind"] == "Linear" and body["owner"] == "ann"


def test_another_organizations_item_is_a_404_for_every_method(
    org, other_org, author, admin_user, outsider
):
    home = add(make_postmortem(org, author, make_incident(org, commander=author)), author)
    foreign_pm = make_postmortem(other_org, outsider, make_incident(other_org, commander=outsider))
    add(foreign_pm, outsider, "Foreign warm-up")
    foreign = add(foreign_pm, outsider, "Foreign secret")  # number 2; home has only number 1
    assert api(org, author).get(item_url(home.number)).status_code == 200
    assert not ActionItem.objects.filter(organization=org, number=foreign.number).exists()
    for user in (author, admin_user):
        client = api(org, user)
        assert client.get(item_url(foreign.number)).status_code == 404
        response = client.patch(item_url(foreign.number), {"status": "COMPLETED"})
        assert response.status_code == 404
        assert b"Foreign" not in response.content
    with scope(organization=other_org):
        assert fresh(foreign).status == ItemStatus.OPEN
    assert api(org, author).get(item_url(999)).status_code == 404


def test_a_patch_changes_only_the_fields_sent(org, draft, author, today):
    item = add(draft, author, "Old words", owner=author, priority="MEDIUM")
    one_tab, other_tab = api(org, author), api(org, author)

    first = one_tab.patch(item_url(item.number), {"description": "Alert at 80% pool use"})
    second = other_tab.patch(item_url(item.number), {"priority": "HIGH"})

    assert first.status_code == 200 and second.status_code == 200
    assert second.json()["description"] == "Alert at 80% pool use"
    item = fresh(item)
    assert item.description == "Alert at 80% pool use" and item.priority == "HIGH"
    assert item.owner == author  # not sent, kept


def test_a_patch_sets_and_clears_owner_due_date_and_category(org, draft, author, reviewer, today):
    item = add(draft, author, owner=author, category="DETECT")
    client = api(org, author)
    due = today + timedelta(days=3)
    body = client.patch(item_url(item.number), {"owner": "rita", "due_date": due.isoformat()})
    assert body.json()["owner"] == "rita" and body.json()["due_date"] == due.isoformat()
    cleared = client.patch(item_url(item.number), {"owner": None, "due_date": None, "category": ""})
    assert cleared.status_code == 200
    item = fresh(item)
    assert item.owner is None and item.due_date is None and item.category == ""


def test_completing_an_item_records_when_and_reopening_clears_it(org, draft, author):
    item = add(draft, author)
    client = api(org, author)
    done = client.patch(item_url(item.number), {"status": "COMPLETED"})
    assert done.json()["status"] == "COMPLETED" and done.json()["completed_at"]
    reopened = client.patch(item_url(item.number), {"status": "OPEN"})
    assert reopened.json()["completed_at"] is None


def test_wont_do_needs_a_reason(org, draft, author):
    item = add(draft, author)
    client = api(org, author)
    refused = client.patch(item_url(item.number), {"status": "WONT_DO"})
    assert refused.status_code == 400 and "wont_do_reason" in refused.json()
    assert fresh(item).status == ItemStatus.OPEN

    accepted = client.patch(
        item_url(item.number), {"status": "WONT_DO", "wont_do_reason": "The service is retired."}
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
    item = add(draft, author, "Stays", owner=author)
    response = api(org, author).patch(item_url(item.number), body)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    kept = fresh(item)
    assert (kept.description, kept.status, kept.owner) == ("Stays", "OPEN", author)


def test_a_viewer_may_not_patch(org, draft, author, viewer):
    item = add(draft, author, "Stays")
    response = api(org, viewer).patch(item_url(item.number), {"status": "COMPLETED"})
    assert response.status_code == 403
    assert fresh(item).status == ItemStatus.OPEN


def test_an_engineer_who_may_not_edit_the_draft_may_not_patch(org, draft, author, engineer):
    item = add(draft, author, "Stays")
    response = api(org, engineer).patch(item_url(item.number), {"description": "Mine now"})
    assert response.status_code == 403
    assert fresh(item).description == "Stays"


def test_on_a_published_postmortem_the_owner_changes_the_status_but_not_the_words(
    org, draft, author, reviewer, engineer
):
    item = add(draft, author, "Canary rolls back at 2x", owner=engineer)
    publish(draft, author, reviewer)
    owner = api(org, engineer)

    words = owner.patch(item_url(item.number), {"description": "Something easier"})
    assert words.status_code == 403
    status = owner.patch(item_url(item.number), {"status": "IN_PROGRESS"})
    assert status.status_code == 200 and status.json()["status"] == "IN_PROGRESS"
    item = fresh(item)
    assert item.status == ItemStatus.IN_PROGRESS and item.description == "Canary rolls back at 2x"
    # the author, no longer an editor and not the owner, may not
    assert api(org, author).patch(item_url(item.number), {"status": "OPEN"}).status_code == 403


def test_on_a_published_postmortem_a_manager_reschedules(
    org, draft, author, reviewer, second_reviewer, today
):
    item = add(draft, author, "Runbook for schema rollbacks")
    publish(draft, author, reviewer)
    due = today + timedelta(days=14)
    response = api(org, second_reviewer).patch(
        item_url(item.number), {"owner": "rita", "due_date": due.isoformat()}
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
    item = add(draft, author, due_date=today + timedelta(days=5))
    client = api(org, author)
    past = (today - timedelta(days=10)).isoformat()
    response = client.patch(item_url(item.number), {"due_date": past})
    assert response.status_code == 400
    assert list(response.json()) == ["due_date"]
    assert client.post(items_url(draft.number), {"description": "x", "due_date": past}).json() == (
        response.json()
    )
    assert fresh(item).due_date == today + timedelta(days=5)


def test_an_overdue_item_takes_other_changes_through_a_patch(org, draft, author, today):
    item = add(draft, author, due_date=today + timedelta(days=5))
    set_due(item, -2)
    client = api(org, author)
    response = client.patch(item_url(item.number), {"priority": "HIGH"})
    assert response.status_code == 200
    assert fresh(item).priority == "HIGH" and fresh(item).due_date == today - timedelta(days=2)
