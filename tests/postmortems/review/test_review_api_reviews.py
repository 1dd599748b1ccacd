"""API v1 reviews (DESIGN §3, §8): approving and requesting changes, who reviews, the review
list, and two reviewers approving at the same moment."""

import threading

import pytest
from django.db import connections
from django_scopes import scopes_disabled

from organizations.models import NotificationKind, PostmortemPolicy
from organizations.roles import Role
from postmortems.comments import services as services_comments
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewDecision,
    Revision,
)
from postmortems.review import people as services_people
from postmortems.review import transitions as pm_transitions
from tests.postmortems.review.helpers import (
    REVIEW_FIELDS,
    api_client,
    api_url,
    fresh,
    member,
    new_draft,
    notifications,
)

LIST_FIELDS = {"count", "next", "previous", "results"}


def set_required_approvals(org, count: int) -> None:
    PostmortemPolicy.objects.update_or_create(
        organization=org, defaults={"required_approvals": count, "severities": ["SEV1"]}
    )


@pytest.fixture
def author(engineer):
    return engineer


@pytest.fixture
def draft(org, author) -> Postmortem:
    return new_draft(org, author)


# --- Reviews -----------------------------------------------------------------------------------


def test_an_approval_publishes_and_is_listed(as_carol, in_review, author):
    response = as_carol.post(
        api_url(in_review.number, "reviews"),
        {"decision": "approve", "comment": "Clear and blameless."},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "PUBLISHED" and data["published_at"]
    listed = as_carol.get(api_url(in_review.number, "reviews")).json()
    assert set(listed) == LIST_FIELDS and listed["count"] == 1
    (review,) = listed["results"]
    assert set(review) == REVIEW_FIELDS
    assert review["reviewer"] == "carol" and review["round"] == 1
    assert review["decision"] == "APPROVED" and review["comment"] == "Clear and blameless."
    assert review["decided_at"]
    assert len(notifications(NotificationKind.PUBLISHED, author)) == 1


def test_requesting_changes_needs_a_comment(as_carol, in_review):
    for body in ({"decision": "request_changes"}, {"decision": "request_changes", "comment": " "}):
        response = as_carol.post(api_url(in_review.number, "reviews"), body, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"comment"}
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW


def test_requested_changes_return_it_to_draft_and_a_new_round_starts_clean(
    org, as_author, as_carol, in_review, author, dave
):
    set_required_approvals(org, 2)
    services_people.reviewer_assign(postmortem=in_review, actor=author, user=dave)
    as_dave = api_client(org, dave)
    assert as_dave.post(
        api_url(in_review.number, "reviews"), {"decision": "approve"}
    ).status_code == (200)
    response = as_carol.post(
        api_url(in_review.number, "reviews"),
        {"decision": "request_changes", "comment": "Say why the alert was late."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "DRAFT"
    (note,) = notifications(NotificationKind.CHANGES_REQUESTED, author)
    assert note.body == "Say why the alert was late."
    assert as_author.post(api_url(in_review.number, "submit")).status_code == 200
    # Round 2: dave's approval of round 1 no longer counts; his new one alone does not publish.
    response = as_dave.post(api_url(in_review.number, "reviews"), {"decision": "approve"})
    assert response.json()["status"] == "IN_REVIEW"
    listed = as_author.get(api_url(in_review.number, "reviews")).json()["results"]
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
    response = as_carol.post(api_url(in_review.number, "reviews"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW


def test_only_the_assigned_reviewers_review(org, in_review, author, admin_user, member_factory):
    unassigned = member_factory(Role.REVIEWER, username="unassigned")
    for user in (author, admin_user, unassigned):
        for decision in ("approve", "request_changes"):
            response = api_client(org, user).post(
                api_url(in_review.number, "reviews"),
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
        api_url(in_review.number, "reviews"), {"decision": "approve"}
    )
    assert response.status_code == 403


def test_reviewing_a_draft_is_a_409(org, as_carol, draft, author, carol):
    services_people.reviewer_assign(postmortem=draft, actor=author, user=carol)
    response = as_carol.post(api_url(draft.number, "reviews"), {"decision": "approve"})
    assert response.status_code == 409
    assert "is a draft" in response.json()["detail"]


def test_the_publishing_approval_waits_for_unresolved_comments(as_carol, in_review, author):
    services_comments.comment_add(postmortem=in_review, actor=author, body="Is the graph right?")
    response = as_carol.post(api_url(in_review.number, "reviews"), {"decision": "approve"})
    assert response.status_code == 409
    assert "1 comment thread is still unresolved" in response.json()["detail"]
    assert fresh(in_review).status == PostmortemStatus.IN_REVIEW
    assert Review.objects.get(postmortem=in_review).decision == ReviewDecision.PENDING


def test_a_second_identical_approval_does_nothing_twice(org, as_carol, in_review, author, dave):
    """Below the required count, approving again is a no-op answered 200."""
    set_required_approvals(org, 2)
    services_people.reviewer_assign(postmortem=in_review, actor=author, user=dave)
    first = as_carol.post(api_url(in_review.number, "reviews"), {"decision": "approve"})
    decided_at = Review.objects.get(postmortem=in_review, reviewer__username="carol").decided_at
    revisions = Revision.objects.filter(postmortem=in_review).count()
    second = as_carol.post(api_url(in_review.number, "reviews"), {"decision": "approve"})
    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "IN_REVIEW"
    review = Review.objects.get(postmortem=in_review, reviewer__username="carol")
    assert review.decision == ReviewDecision.APPROVED and review.decided_at == decided_at
    assert Revision.objects.filter(postmortem=in_review).count() == revisions
    assert len(notifications(NotificationKind.APPROVED, author)) == 1


def test_approving_again_after_publishing_is_a_409_and_publishes_nothing_twice(
    as_carol, in_review, author
):
    assert as_carol.post(
        api_url(in_review.number, "reviews"), {"decision": "approve"}
    ).status_code == (200)
    published_at = fresh(in_review).published_at
    again = as_carol.post(api_url(in_review.number, "reviews"), {"decision": "approve"})
    assert again.status_code == 409
    assert "is published" in again.json()["detail"]
    assert fresh(in_review).published_at == published_at
    assert len(notifications(NotificationKind.PUBLISHED, author)) == 1
    assert Revision.objects.filter(postmortem=in_review, summary="Published").count() == 1


def test_the_review_list_is_paginated_and_bounded(org, as_author, in_review, author, count_queries):
    as_author.get(api_url(in_review.number, "reviews"))  # the token's first use is recorded once
    small = count_queries(lambda: as_author.get(api_url(in_review.number, "reviews")))
    for n in range(5):
        reviewer = member(org, Role.REVIEWER, f"reviewer{n}")
        services_people.reviewer_assign(postmortem=in_review, actor=author, user=reviewer)
    large = count_queries(lambda: as_author.get(api_url(in_review.number, "reviews")))
    assert large == small
    page = as_author.get(api_url(in_review.number, "reviews"), {"page_size": 2}).json()
    assert page["count"] == 6 and len(page["results"]) == 2 and page["next"]


def test_viewers_read_the_reviews_but_do_not_review(org, in_review, viewer):
    as_viewer = api_client(org, viewer)
    assert as_viewer.get(api_url(in_review.number, "reviews")).json()["count"] == 1
    assert as_viewer.post(
        api_url(in_review.number, "reviews"), {"decision": "approve"}
    ).status_code == (403)


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
                    api_url(draft.number, "reviews"), {"decision": "approve"}, format="json"
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
