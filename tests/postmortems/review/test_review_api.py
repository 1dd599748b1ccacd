"""API v1 review workflow (DESIGN §3, §8): submit, withdraw, archive and unarchive, and who
gets in at all; errors 400 naming the fields, 401, 403, 404 and 409 saying why."""

import pytest
from django_scopes import scope

from organizations.models import NotificationKind
from organizations.roles import Role
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewDecision,
)
from postmortems.review import people as services_people
from postmortems.review import selectors as selectors_review
from tests.postmortems.helpers import POSTMORTEM_FIELDS
from tests.postmortems.review.helpers import (
    REVIEW_FIELDS,
    api_client,
    api_url,
    fresh,
    member,
    new_draft,
    notifications,
)

ENDPOINTS = ("submit", "withdraw", "reviews", "archive", "unarchive")


@pytest.fixture
def author(engineer):
    return engineer


@pytest.fixture
def draft(org, author) -> Postmortem:
    return new_draft(org, author)


# --- Submit ------------------------------------------------------------------------------------


def test_submit_with_reviewers_opens_a_round_and_asks_them(as_author, draft, carol, dave):
    response = as_author.post(
        api_url(draft.number, "submit"), {"reviewers": ["carol", "dave"]}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == POSTMORTEM_FIELDS
    assert data["status"] == "IN_REVIEW" and data["number"] == draft.number
    draft = fresh(draft)
    assert draft.review_round == 1 and draft.submitted_at is not None
    assert {u.username for u in selectors_review.assigned_reviewers(draft)} == {"carol", "dave"}
    pending = Review.objects.filter(postmortem=draft, round=1, decision=ReviewDecision.PENDING)
    assert {r.reviewer.username for r in pending} == {"carol", "dave"}
    assert {n.recipient.username for n in notifications(NotificationKind.REVIEW_REQUESTED)} == {
        "carol",
        "dave",
    }


def test_submit_reviewers_replace_the_assigned_ones(as_author, draft, author, carol, dave):
    services_people.reviewer_assign(postmortem=draft, actor=author, user=carol)
    response = as_author.post(
        api_url(draft.number, "submit"), {"reviewers": ["dave"]}, format="json"
    )
    assert response.status_code == 200
    assert [u.username for u in selectors_review.assigned_reviewers(draft)] == ["dave"]


def test_submit_without_a_body_keeps_the_assigned_reviewers(as_author, draft, author, carol):
    services_people.reviewer_assign(postmortem=draft, actor=author, user=carol)
    response = as_author.post(api_url(draft.number, "submit"))
    assert response.status_code == 200
    assert response.json()["status"] == "IN_REVIEW"
    assert [u.username for u in selectors_review.assigned_reviewers(draft)] == ["carol"]


def test_submit_names_the_unfilled_required_sections(org, as_author, author, carol):
    blank = new_draft(org, author, filled=False)
    response = as_author.post(
        api_url(blank.number, "submit"), {"reviewers": ["carol"]}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"sections"}
    assert "What happened and why" in errors["sections"][0]
    assert "Action items" in errors["sections"][0]
    assert fresh(blank).status == PostmortemStatus.DRAFT
    assert selectors_review.assigned_reviewers(blank) == []  # the refused submit left no trace


def test_submit_without_any_reviewer_is_a_400_naming_reviewers(as_author, draft):
    response = as_author.post(api_url(draft.number, "submit"), {}, format="json")
    assert response.status_code == 400
    assert "Assign a reviewer" in response.json()["reviewers"][0]
    assert fresh(draft).status == PostmortemStatus.DRAFT


@pytest.mark.parametrize(
    ("reviewers", "message"),
    [
        (["carol", "nobody", "ghost"], "No member of this organization is named “nobody”, “ghost”"),
        (["viewer"], "cannot review: their role here is viewer"),
        (["engineer"], "An author never reviews their own postmortem"),
        (["stranger"], "No member of this organization is named “stranger”"),
        ("carol", "Expected a list"),
        ([""], "This field may not be blank"),
    ],
    ids=["unknown", "viewer", "the-author", "another-orgs-member", "not-a-list", "blank"],
)
def test_submit_refuses_bad_reviewers_naming_the_field(
    as_author, draft, carol, viewer, other_org, member_factory, reviewers, message
):
    member_factory(Role.ADMIN, organization=other_org, username="stranger")
    response = as_author.post(
        api_url(draft.number, "submit"), {"reviewers": reviewers}, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json()["reviewers"])
    assert fresh(draft).status == PostmortemStatus.DRAFT
    assert not Review.objects.filter(postmortem=draft).exists()


def test_submit_refuses_fields_it_does_not_take(as_author, draft, carol):
    response = as_author.post(
        api_url(draft.number, "submit"),
        {"reviewers": ["carol"], "status": "PUBLISHED"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    assert fresh(draft).status == PostmortemStatus.DRAFT


def test_submitting_twice_is_a_409_saying_why(as_author, in_review):
    response = as_author.post(api_url(in_review.number, "submit"), {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"PM-{in_review.number} is in review; only a postmortem a draft can be "
        "submitted for review."
    }
    assert fresh(in_review).review_round == 1


def test_submit_is_for_the_author_editors_and_admins(org, draft, carol, viewer, member_factory):
    other_engineer = member_factory(Role.ENGINEER, username="someone-else")
    for user in (other_engineer, viewer, carol):
        response = api_client(org, user).post(
            api_url(draft.number, "submit"), {"reviewers": ["carol"]}, format="json"
        )
        assert response.status_code == 403, user.username
    assert fresh(draft).status == PostmortemStatus.DRAFT


def test_rights_are_judged_before_the_body(org, draft, member_factory):
    """Someone who may not submit learns nothing from a bad body: 403, not 400."""
    other_engineer = member_factory(Role.ENGINEER, username="someone-else")
    response = api_client(org, other_engineer).post(
        api_url(draft.number, "submit"), {"reviewers": ["nobody"]}, format="json"
    )
    assert response.status_code == 403


# --- Withdraw, archive, unarchive --------------------------------------------------------------


def test_the_author_withdraws_a_postmortem_in_review(as_author, as_carol, in_review):
    assert as_carol.post(api_url(in_review.number, "withdraw")).status_code == 403
    response = as_author.post(api_url(in_review.number, "withdraw"))
    assert response.status_code == 200 and response.json()["status"] == "DRAFT"
    again = as_author.post(api_url(in_review.number, "withdraw"))
    assert again.status_code == 409 and "is a draft" in again.json()["detail"]


def test_admins_archive_and_unarchive_a_published_postmortem(
    org, as_admin, as_author, as_carol, published
):
    for client in (as_author, as_carol, api_client(org, member(org, Role.MANAGER, "a-manager"))):
        assert client.post(api_url(published.number, "archive")).status_code == 403
    response = as_admin.post(api_url(published.number, "archive"))
    assert response.status_code == 200 and response.json()["status"] == "ARCHIVED"
    assert fresh(published).archived_at is not None
    again = as_admin.post(api_url(published.number, "archive"))
    assert again.status_code == 409 and "is archived" in again.json()["detail"]
    assert as_author.post(api_url(published.number, "unarchive")).status_code == 403
    response = as_admin.post(api_url(published.number, "unarchive"))
    assert response.status_code == 200 and response.json()["status"] == "PUBLISHED"
    assert fresh(published).archived_at is None
    assert as_admin.post(api_url(published.number, "unarchive")).status_code == 409


def test_archiving_a_draft_is_a_409(as_admin, draft):
    response = as_admin.post(api_url(draft.number, "archive"))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"PM-{draft.number} is a draft; only a postmortem published can be archived."
    )


# --- Who gets in at all ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ENDPOINTS)
def test_no_token_is_a_401(client, in_review, action):
    assert client.post(api_url(in_review.number, action), {}).status_code == 401
    assert client.get(api_url(in_review.number, action)).status_code == 401


@pytest.mark.parametrize("action", ENDPOINTS)
def test_another_organizations_postmortem_is_a_404_for_every_method(
    org, other_org, member_factory, action
):
    stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
    with scope(organization=other_org):
        foreign = new_draft(other_org, stranger)
    home_admin = member_factory(Role.ADMIN, username="home-admin")
    client = api_client(org, home_admin)
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(client, method)(api_url(foreign.number, action), {}, format="json")
        assert response.status_code == 404, method
    with scope(organization=other_org):
        assert fresh(foreign).status == PostmortemStatus.DRAFT


@pytest.mark.parametrize("action", ENDPOINTS)
def test_a_private_postmortem_is_a_404_for_members_who_may_not_read_it(
    org, draft, author, viewer, member_factory, action
):
    services_people.visibility_set(postmortem=draft, actor=author, visibility="PRIVATE")
    for user in (viewer, member_factory(Role.MANAGER, username="outsider-manager")):
        client = api_client(org, user)
        for method in ("get", "post"):
            response = getattr(client, method)(api_url(draft.number, action), {}, format="json")
            assert response.status_code == 404, (user.username, method)


def test_the_schema_describes_the_review_endpoints(client):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    paths = schema["paths"]
    for action in ("submit", "withdraw", "archive", "unarchive"):
        operation = paths[f"/api/v1/postmortems/{{number}}/{action}"]
        assert set(operation) == {"post"}
        assert {"200", "401", "403", "404", "409"} <= set(operation["post"]["responses"])
    reviews = paths["/api/v1/postmortems/{number}/reviews"]
    assert set(reviews) == {"get", "post"}
    assert {"400", "409"} <= set(reviews["post"]["responses"])
    submit = schema["components"]["schemas"]["Submit"]["properties"]
    assert submit["reviewers"]["type"] == "array"
    assert set(schema["components"]["schemas"]["Review"]["properties"]) == REVIEW_FIELDS
