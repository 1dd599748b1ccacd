"""API v1 review workflow (DESIGN §3, §8): submit, reviews, withdraw, archive and unarchive,
with their errors: 400 naming the fields, 401, 403, 404 and 409 saying why."""

import threading

import pytest
from django.db import connections
from django_scopes import scope, scopes_disabled
from rest_framework.test import APIClient

from organizations.models import Notification, NotificationKind, PostmortemPolicy
from organizations.roles import Role
from postmortems import creation, services
from postmortems.comments import services as services_comments
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewDecision,
    Revision,
    Template,
)
from postmortems.review import people as services_people
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions as pm_transitions
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.helpers import api_client as token_client
from tests.postmortems.helpers import POSTMORTEM_FIELDS

LIST_FIELDS = {"count", "next", "previous", "results"}
REVIEW_FIELDS = {"reviewer", "round", "decision", "comment", "decided_at"}
ENDPOINTS = ("submit", "withdraw", "reviews", "archive", "unarchive")


def url(number: int, action: str = "") -> str:
    return f"/api/v1/postmortems/{number}" + (f"/{action}" if action else "")


def set_required_approvals(org, count: int) -> None:
    PostmortemPolicy.objects.update_or_create(
        organization=org, defaults={"required_approvals": count, "severities": ["SEV1"]}
    )


def new_draft(org, author, *, filled: bool = True) -> Postmortem:
    """A Lightweight draft (four required sections), written when ``filled``."""
    services.templates_install_builtins(organization=org)
    template = Template.objects.get(organization=org, builtin_key="lightweight")
    postmortem = creation.postmortem_create(
        organization=org, actor=author, template=template, title="Checkout errors"
    )
    if filled:
        postmortem = services.postmortem_save(
            postmortem=postmortem,
            actor=author,
            base_version=postmortem.version,
            sections={
                "summary": "Checkouts failed for 40 minutes.",
                "timeline": "14:02 deploy; 14:05 alert; 14:40 rollback.",
                "what-happened-and-why": "A migration locked the orders table.",
                "action-items": "Add a lint rule for locking migrations.",
            },
        )
    return Postmortem.objects.get(pk=postmortem.pk)


def api_client(org, user) -> APIClient:
    """A client holding a fresh token of ``user``, sending JSON bodies (none when not given)."""
    client = token_client(org, user)
    client.default_format = "json"
    return client


def member(org, role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, organization=org, role=role)
    return user


def fresh(postmortem: Postmortem) -> Postmortem:
    return Postmortem.objects.get(pk=postmortem.pk)


@pytest.fixture
def author(engineer):
    return engineer


@pytest.fixture
def carol(member_factory):
    return member_factory(Role.REVIEWER, username="carol")


@pytest.fixture
def dave(member_factory):
    return member_factory(Role.MANAGER, username="dave")


@pytest.fixture
def draft(org, author) -> Postmortem:
    return new_draft(org, author)


@pytest.fixture
def in_review(draft, author, carol) -> Postmortem:
    pm_transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[carol])
    return fresh(draft)


@pytest.fixture
def published(in_review, carol) -> Postmortem:
    pm_transitions.postmortem_approve(postmortem=in_review, actor=carol)
    return fresh(in_review)


@pytest.fixture
def as_author(org, author) -> APIClient:
    return api_client(org, author)


@pytest.fixture
def as_carol(org, carol) -> APIClient:
    return api_client(org, carol)


@pytest.fixture
def as_admin(org, admin_user) -> APIClient:
    return api_client(org, admin_user)


def notifications(kind: str, recipient=None) -> list[Notification]:
    rows = Notification.objects.filter(kind=kind)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return list(rows)


# --- Submit ------------------------------------------------------------------------------------


def test_submit_with_reviewers_opens_a_round_and_asks_them(as_author, draft, carol, dave):
    response = as_author.post(
        url(draft.number, "submit"), {"reviewers": ["carol", "dave"]}, format="json"
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
    response = as_author.post(url(draft.number, "submit"), {"reviewers": ["dave"]}, format="json")
    assert response.status_code == 200
    assert [u.username for u in selectors_review.assigned_reviewers(draft)] == ["dave"]


def test_submit_without_a_body_keeps_the_assigned_reviewers(as_author, draft, author, carol):
    services_people.reviewer_assign(postmortem=draft, actor=author, user=carol)
    response = as_author.post(url(draft.number, "submit"))
    assert response.status_code == 200
    assert response.json()["status"] == "IN_REVIEW"
    assert [u.username for u in selectors_review.assigned_reviewers(draft)] == ["carol"]


def test_submit_names_the_unfilled_required_sections(org, as_author, author, carol):
    blank = new_draft(org, author, filled=False)
    response = as_author.post(url(blank.number, "submit"), {"reviewers": ["carol"]}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"sections"}
    assert "What happened and why" in errors["sections"][0]
    assert "Action items" in errors["sections"][0]
    assert fresh(blank).status == PostmortemStatus.DRAFT
    assert selectors_review.assigned_reviewers(blank) == []  # the refused submit left no trace


def test_submit_without_any_reviewer_is_a_400_naming_reviewers(as_author, draft):
    response = as_author.post(url(draft.number, "submit"), {}, format="json")
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
    response = as_author.post(url(draft.number, "submit"), {"reviewers": reviewers}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()["reviewers"])
    assert fresh(draft).status == PostmortemStatus.DRAFT
    assert not Review.objects.filter(postmortem=draft).exists()


def test_submit_refuses_fields_it_does_not_take(as_author, draft, carol):
    response = as_author.post(
        url(draft.number, "submit"), {"reviewers": ["carol"], "status": "PUBLISHED"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    assert fresh(draft).status == PostmortemStatus.DRAFT


def test_submitting_twice_is_a_409_saying_why(as_author, in_review):
    response = as_author.post(url(in_review.number, "submit"), {}, format="json")
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
            url(draft.number, "submit"), {"reviewers": ["carol"]}, format="json"
        )
        assert response.status_code == 403, user.username
    assert fresh(draft).status == PostmortemStatus.DRAFT


def test_rights_are_judged_before_the_body(org, draft, member_factory):
    """Someone who may not submit learns nothing from a bad body: 403, not 400."""
    other_engineer = member_factory(Role.ENGINEER, username="someone-else")
    response = api_client(org, other_engineer).post(
        url(draft.number, "submit"), {"reviewers": ["nobody"]}, format="json"
    )
    assert response.status_code == 403


# --- Reviews -----------------------------------------------------------------------------------


def test_an_approval_publishes_and_is_listed(as_carol, in_review, author):
    response = as_carol.post(
        url(in_review.number, "reviews"),
        {"decision": "approve", "comment": "Clear and blameless."},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "PUBLISHED" and data["published_at"]
    listed = as_carol.get(url(in_review.number, "reviews")).json()
    assert set(listed) == LIST_FIELDS and listed["count"] == 1
    (review,) = listed["results"]
    assert set(review) == REVIEW_FIELDS
    assert review["reviewer"] == "carol" and review["round"] == 1
    assert review["decision"] == "APPROVED" and review["comment"] == "Clear and blameless."
    assert review["decided_at"]
    assert len(notifications(NotificationKind.PUBLISHED, author)) == 1


def test_requesting_changes_needs_a_comment(as_carol, in_review):
    for body in ({"decision": "request_changes"}, {"decision": "request_changes", "comment": " "}):
        response = as_carol.post(url(in_review.number, "reviews"), body, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"comment"}
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW


def test_requested_changes_return_it_to_draft_and_a_new_round_starts_clean(
    org, as_author, as_carol, in_review, author, dave
):
    set_required_approvals(org, 2)
    services_people.reviewer_assign(postmortem=in_review, actor=author, user=dave)
    as_dave = api_client(org, dave)
    assert as_dave.post(url(in_review.number, "reviews"), {"decision": "approve"}).status_code == (
        200
    )
    response = as_carol.post(
        url(in_review.number, "reviews"),
        {"decision": "request_changes", "comment": "Say why the alert was late."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "DRAFT"
    (note,) = notifications(NotificationKind.CHANGES_REQUESTED, author)
    assert note.body == "Say why the alert was late."
    assert as_author.post(url(in_review.number, "submit")).status_code == 200
    # Round 2: dave's approval of round 1 no longer counts; his new one alone does not publish.
    response = as_dave.post(url(in_review.number, "reviews"), {"decision": "approve"})
    assert response.json()["status"] == "IN_REVIEW"
    listed = as_author.get(url(in_review.number, "reviews")).json()["results"]
    assert [(r["round"], r["reviewer"], r["decision"]) for r in listed] == [
        (1, "carol", "CHANGES_REQUESTED"),
        (1, "dave", "APPROVED"),
        (2, "carol", "PENDING"),
        (2, "dave", "APPROVED"),  # by round, then reviewer
    ]
    assert listed[2]["decided_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "decision"),
        ({"decision": "APPROVED"}, "decision"),
        ({"decision": "reject"}, "decision"),
        ({"decision": "approve", "comment": "x" * 10_001}, "comment"),
        ({"decision": "approve", "reviewer": "dave"}, "reviewer"),
    ],
    ids=["missing", "upper-case", "unknown", "too-long", "unknown-field"],
)
def test_a_bad_review_is_a_400_naming_the_field(as_carol, in_review, body, field):
    response = as_carol.post(url(in_review.number, "reviews"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW


def test_only_the_assigned_reviewers_review(org, in_review, author, admin_user, member_factory):
    unassigned = member_factory(Role.REVIEWER, username="unassigned")
    for user in (author, admin_user, unassigned):
        for decision in ("approve", "request_changes"):
            response = api_client(org, user).post(
                url(in_review.number, "reviews"),
                {"decision": decision, "comment": "No."},
                format="json",
            )
            assert response.status_code == 403, (user.username, decision)
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW


def test_a_reviewer_demoted_to_engineer_no_longer_reviews(org, in_review, carol):
    carol_membership = carol.memberships.get(organization=org)
    carol_membership.role = Role.ENGINEER
    carol_membership.save()
    response = api_client(org, carol).post(
        url(in_review.number, "reviews"), {"decision": "approve"}
    )
    assert response.status_code == 403


def test_reviewing_a_draft_is_a_409(org, as_carol, draft, author, carol):
    services_people.reviewer_assign(postmortem=draft, actor=author, user=carol)
    response = as_carol.post(url(draft.number, "reviews"), {"decision": "approve"})
    assert response.status_code == 409
    assert "is a draft" in response.json()["detail"]


def test_the_publishing_approval_waits_for_unresolved_comments(as_carol, in_review, author):
    services_comments.comment_add(postmortem=in_review, actor=author, body="Is the graph right?")
    response = as_carol.post(url(in_review.number, "reviews"), {"decision": "approve"})
    assert response.status_code == 409
    assert "1 comment thread is still unresolved" in response.json()["detail"]
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW
    assert Review.objects.get(postmortem=in_review).decision == ReviewDecision.PENDING


def test_a_second_identical_approval_does_nothing_twice(org, as_carol, in_review, author, dave):
    """Below the required count, approving again is a no-op answered 200."""
    set_required_approvals(org, 2)
    services_people.reviewer_assign(postmortem=in_review, actor=author, user=dave)
    first = as_carol.post(url(in_review.number, "reviews"), {"decision": "approve"})
    decided_at = Review.objects.get(postmortem=in_review, reviewer__username="carol").decided_at
    revisions = Revision.objects.filter(postmortem=in_review).count()
    second = as_carol.post(url(in_review.number, "reviews"), {"decision": "approve"})
    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "IN_REVIEW"
    review = Review.objects.get(postmortem=in_review, reviewer__username="carol")
    assert review.decision == ReviewDecision.APPROVED and review.decided_at == decided_at
    assert Revision.objects.filter(postmortem=in_review).count() == revisions
    assert len(notifications(NotificationKind.APPROVED, author)) == 1


def test_approving_again_after_publishing_is_a_409_and_publishes_nothing_twice(
    as_carol, in_review, author
):
    assert as_carol.post(url(in_review.number, "reviews"), {"decision": "approve"}).status_code == (
        200
    )
    published_at = fresh(in_review).published_at
    again = as_carol.post(url(in_review.number, "reviews"), {"decision": "approve"})
    assert again.status_code == 409
    assert "is published" in again.json()["detail"]
    assert fresh(in_review).published_at == published_at
    assert len(notifications(NotificationKind.PUBLISHED, author)) == 1
    assert Revision.objects.filter(postmortem=in_review, summary="Published").count() == 1


def test_the_review_list_is_paginated_and_bounded(org, as_author, in_review, author, count_queries):
    as_author.get(url(in_review.number, "reviews"))  # the token's first use is recorded once
    small = count_queries(lambda: as_author.get(url(in_review.number, "reviews")))
    for n in range(5):
        reviewer = member(org, Role.REVIEWER, f"reviewer{n}")
        services_people.reviewer_assign(postmortem=in_review, actor=author, user=reviewer)
    large = count_queries(lambda: as_author.get(url(in_review.number, "reviews")))
    assert large == small
    page = as_author.get(url(in_review.number, "reviews"), {"page_size": 2}).json()
    assert page["count"] == 6 and len(page["results"]) == 2 and page["next"]


def test_viewers_read_the_reviews_but_do_not_review(org, in_review, viewer):
    as_viewer = api_client(org, viewer)
    assert as_viewer.get(url(in_review.number, "reviews")).json()["count"] == 1
    assert as_viewer.post(
        url(in_review.number, "reviews"), {"decision": "approve"}
    ).status_code == (403)


# --- Withdraw, archive, unarchive --------------------------------------------------------------


def test_the_author_withdraws_a_postmortem_in_review(as_author, as_carol, in_review):
    assert as_carol.post(url(in_review.number, "withdraw")).status_code == 403
    response = as_author.post(url(in_review.number, "withdraw"))
    assert response.status_code == 200 and response.json()["status"] == "DRAFT"
    again = as_author.post(url(in_review.number, "withdraw"))
    assert again.status_code == 409 and "is a draft" in again.json()["detail"]


def test_admins_archive_and_unarchive_a_published_postmortem(
    org, as_admin, as_author, as_carol, published
):
    for client in (as_author, as_carol, api_client(org, member(org, Role.MANAGER, "a-manager"))):
        assert client.post(url(published.number, "archive")).status_code == 403
    response = as_admin.post(url(published.number, "archive"))
    assert response.status_code == 200 and response.json()["status"] == "ARCHIVED"
    assert fresh(published).archived_at is not None
    again = as_admin.post(url(published.number, "archive"))
    assert again.status_code == 409 and "is archived" in again.json()["detail"]
    assert as_author.post(url(published.number, "unarchive")).status_code == 403
    response = as_admin.post(url(published.number, "unarchive"))
    assert response.status_code == 200 and response.json()["status"] == "PUBLISHED"
    assert fresh(published).archived_at is None
    assert as_admin.post(url(published.number, "unarchive")).status_code == 409


def test_archiving_a_draft_is_a_409(as_admin, draft):
    response = as_admin.post(url(draft.number, "archive"))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"PM-{draft.number} is a draft; only a postmortem published can be archived."
    )


# --- Who gets in at all ------------------------------------------------------------------------


@pytest.mark.parametrize("action", ENDPOINTS)
def test_no_token_is_a_401(client, in_review, action):
    assert client.post(url(in_review.number, action), {}).status_code == 401
    assert client.get(url(in_review.number, action)).status_code == 401


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
        response = getattr(client, method)(url(foreign.number, action), {}, format="json")
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
            response = getattr(client, method)(url(draft.number, action), {}, format="json")
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


# --- Two reviewers at the same moment (PostgreSQL row locks) -----------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_the_same_moment_publish_once(org, author, carol, dave):
    set_required_approvals(org, 1)
    draft = new_draft(org, author)
    pm_transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[carol, dave])
    clients = {user.username: api_client(org, user) for user in (carol, dave)}
    barrier = threading.Barrier(2)
    answers, errors = {}, []

    def approve(username):
        try:
            with scopes_disabled():
                barrier.wait(timeout=5)
                response = clients[username].post(
                    url(draft.number, "reviews"), {"decision": "approve"}, format="json"
                )
                answers[username] = (response.status_code, response.json())
        except Exception as exc:  # surfaced by the assertions below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(code for code, _ in answers.values()) == [200, 409]
    (winner,) = [name for name, (code, _) in answers.items() if code == 200]
    (loser,) = [name for name, (code, _) in answers.items() if code == 409]
    assert answers[winner][1]["status"] == "PUBLISHED"
    assert "is published" in answers[loser][1]["detail"]
    assert fresh(draft).status == PostmortemStatus.PUBLISHED
    assert Revision.objects.filter(postmortem=draft, summary="Published").count() == 1
    decisions = dict(
        Review.objects.filter(postmortem=draft, round=1).values_list(
            "reviewer__username", "decision"
        )
    )
    assert decisions == {winner: ReviewDecision.APPROVED, loser: ReviewDecision.PENDING}
    published = notifications(NotificationKind.PUBLISHED)
    assert sorted(n.recipient.username for n in published) == sorted([author.username, loser])
