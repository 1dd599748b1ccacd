"""The review workflow through its services: transitions, rounds, rules, people, visibility,
history entries and notifications. Pages, API and the full matrix have their own
modules."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from guardian.shortcuts import assign_perm

from organizations import services as org_services
from organizations.models import Membership, Notification, NotificationKind, PostmortemPolicy
from organizations.roles import Role
from postmortems import selectors, services
from postmortems.comments import services as services_comments
from postmortems.models import (
    PostmortemStatus,
    PostmortemUserObjectPermission,
    Review,
    ReviewDecision,
    Revision,
    Section,
    Visibility,
)
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION, access
from postmortems.review import people, transitions
from postmortems.review import selectors as selectors_review
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import fill_required, submitted


def notified(kind) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


# --- Submit --------------------------------------------------------------------------------


def test_a_refused_submit_names_every_unfilled_section_and_the_missing_reviewer(draft, author):
    with pytest.raises(ValidationError) as refused:
        transitions.postmortem_submit(postmortem=draft, actor=author)
    problems = refused.value.message_dict
    assert "Executive summary" in problems["sections"][0]
    assert "Root cause summary" in problems["sections"][0]
    assert problems["reviewers"] == ["Assign a reviewer before submitting."]
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.DRAFT and draft.review_round == 0


def test_the_templates_scaffold_does_not_count_as_written(draft, author, reviewer):
    fill_required(draft, author)
    summary = Section.objects.get(postmortem=draft, key="executive-summary")
    generated = selectors.created_bodies(draft)["executive-summary"]
    draft.refresh_from_db()
    services.postmortem_save(
        postmortem=draft,
        actor=author,
        base_version=draft.version,
        sections={summary.key: generated},
    )
    with pytest.raises(ValidationError) as refused:
        transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[reviewer])
    assert "Executive summary" in refused.value.message_dict["sections"][0]


def test_submit_opens_round_one_asks_the_reviewers_and_notes_it_in_the_history(
    draft, author, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(draft, author, reviewer)
    draft.refresh_from_db()
    assert (draft.status, draft.review_round) == (PostmortemStatus.IN_REVIEW, 1)
    review = Review.objects.get(postmortem=draft)
    assert (review.reviewer, review.round, review.decision) == (reviewer, 1, "PENDING")
    assert review.revision.summary == "Submitted for review (round 1)"
    assert notified(NotificationKind.REVIEW_REQUESTED) == ["rita"]
    assert [m.to for m in mail.outbox] == [["rita@example.com"]]
    assert "/review/" in mail.outbox[0].body


def test_reviewers_must_be_members_who_review_and_never_the_author(
    draft, author, engineer, member_factory, other_org
):
    outsider = member_factory(Role.REVIEWER, organization=other_org, username="outsider")
    fill_required(draft, author)
    for candidate, message in [
        (outsider, "Choose a member of this organization."),
        (engineer, "cannot review"),
        (author, "never reviews their own"),
    ]:
        with pytest.raises(ValidationError) as refused:
            transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[candidate])
        assert message in refused.value.message_dict["reviewers"][0]


def test_submitting_twice_is_a_conflict_not_a_second_round(draft, author, reviewer):
    submitted(draft, author, reviewer)
    with pytest.raises(transitions.TransitionError, match="in review"):
        transitions.postmortem_submit(postmortem=draft, actor=author)
    assert Review.objects.filter(postmortem=draft).count() == 1


def test_a_viewer_or_a_stranger_engineer_may_not_submit(draft, author, viewer, engineer):
    fill_required(draft, author)
    for actor in (viewer, engineer):
        with pytest.raises(PermissionDenied):
            transitions.postmortem_submit(postmortem=draft, actor=actor)


def test_an_invited_editor_may_submit(draft, author, engineer, reviewer):
    assign_perm(EDIT_PERMISSION, engineer, draft)
    fill_required(draft, author)
    transitions.postmortem_submit(postmortem=draft, actor=engineer, reviewers=[reviewer])
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.IN_REVIEW


# --- Approve, request changes, rounds ---------------------------------------------------------


def test_the_last_required_approval_publishes_and_tells_everyone_on_it(
    draft, author, reviewer, django_capture_on_commit_callbacks
):
    submitted(draft, author, reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.postmortem_approve(postmortem=draft, actor=reviewer, comment="Clear, thanks")
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED and draft.published_at
    assert notified(NotificationKind.PUBLISHED) == ["ann"]
    summaries = list(Revision.objects.filter(postmortem=draft).values_list("summary", flat=True))
    assert "Approved (round 1, 1 of 1)" in summaries and "Published" in summaries


def test_two_required_approvals_publish_on_the_second(
    org, draft, author, reviewer, second_reviewer
):
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=2)
    fill_required(draft, author)
    with pytest.raises(ValidationError) as refused:
        transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[reviewer])
    assert "at least 2 reviewers" in refused.value.message_dict["reviewers"][0]
    transitions.postmortem_submit(
        postmortem=draft, actor=author, reviewers=[reviewer, second_reviewer]
    )
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.IN_REVIEW
    assert notified(NotificationKind.APPROVED) == ["ann"]
    transitions.postmortem_approve(postmortem=draft, actor=second_reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED


def test_approving_twice_does_nothing_twice(org, draft, author, reviewer, second_reviewer):
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=2)
    submitted(draft, author, reviewer, second_reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.IN_REVIEW
    assert Notification.objects.filter(kind=NotificationKind.APPROVED).count() == 1


def test_request_changes_needs_a_comment_and_sends_the_draft_back(draft, author, reviewer):
    submitted(draft, author, reviewer)
    with pytest.raises(ValidationError) as refused:
        transitions.postmortem_request_changes(postmortem=draft, actor=reviewer, comment="  ")
    assert "Say what should change" in refused.value.message_dict["comment"][0]
    transitions.postmortem_request_changes(
        postmortem=draft, actor=reviewer, comment="Name the missing alert in the timeline."
    )
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.DRAFT
    review = Review.objects.get(postmortem=draft)
    assert review.decision == ReviewDecision.CHANGES_REQUESTED
    changes = Notification.objects.get(kind=NotificationKind.CHANGES_REQUESTED)
    assert changes.recipient == author and "missing alert" in changes.body


def test_a_new_round_forgets_earlier_approvals(org, draft, author, reviewer, second_reviewer):
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=2)
    submitted(draft, author, reviewer, second_reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    transitions.postmortem_request_changes(
        postmortem=draft, actor=second_reviewer, comment="The five whys stop at a person."
    )
    transitions.postmortem_submit(postmortem=draft, actor=author)
    draft.refresh_from_db()
    assert draft.review_round == 2
    transitions.postmortem_approve(postmortem=draft, actor=second_reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.IN_REVIEW  # round 1's approval no longer counts
    state = selectors_review.review_state(draft)
    assert [r.reviewer.username for r in state.approvals] == ["max"]
    assert sorted(r.reviewer.username for r in state.pending) == ["rita"]


def test_only_assigned_reviewers_approve_and_never_the_author(
    draft, author, reviewer, member_factory, admin_user
):
    unassigned = member_factory(Role.REVIEWER, username="unassigned")
    submitted(draft, author, reviewer)
    assign_perm(REVIEW_PERMISSION, author, draft)  # even if granted by hand
    for actor in (unassigned, author, admin_user):
        with pytest.raises(PermissionDenied):
            transitions.postmortem_approve(postmortem=draft, actor=actor)


def test_approving_a_draft_is_a_conflict_for_an_assigned_reviewer(draft, author, reviewer):
    assign_perm(REVIEW_PERMISSION, reviewer, draft)
    with pytest.raises(transitions.TransitionError, match="only a postmortem in review"):
        transitions.postmortem_approve(postmortem=draft, actor=reviewer)


def test_an_unresolved_thread_blocks_the_publishing_approval_with_its_count(
    draft, author, reviewer
):
    submitted(draft, author, reviewer)
    threads = [
        services_comments.comment_add(
            postmortem=draft, actor=reviewer, body=f"Question {n}", section_key="root-cause"
        )
        for n in range(2)
    ]
    with pytest.raises(transitions.TransitionError, match="2 comment threads are still"):
        transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    for thread in threads:
        services_comments.comment_resolve(comment=thread, actor=author)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED


def test_the_author_withdraws_a_postmortem_from_review(draft, author, reviewer, engineer):
    submitted(draft, author, reviewer)
    with pytest.raises(PermissionDenied):
        transitions.postmortem_withdraw(postmortem=draft, actor=engineer)
    transitions.postmortem_withdraw(postmortem=draft, actor=author)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.DRAFT
    with pytest.raises(transitions.TransitionError):
        transitions.postmortem_withdraw(postmortem=draft, actor=author)


# --- Archive -----------------------------------------------------------------------------------


def test_admins_archive_and_unarchive_published_postmortems(draft, author, reviewer, admin_user):
    with pytest.raises(transitions.TransitionError, match="only a postmortem published"):
        transitions.postmortem_archive(postmortem=draft, actor=admin_user)
    submitted(draft, author, reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    with pytest.raises(PermissionDenied):
        transitions.postmortem_archive(postmortem=draft, actor=author)
    transitions.postmortem_archive(postmortem=draft, actor=admin_user)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.ARCHIVED and draft.archived_at
    transitions.postmortem_unarchive(postmortem=draft, actor=admin_user)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED and draft.archived_at is None


# --- Edit rights by status (DESIGN §3) -------------------------------------------------------


def test_edit_rights_follow_the_status_table(org, draft, author, reviewer, engineer, admin_user):
    assign_perm(EDIT_PERMISSION, engineer, draft)

    def editors():
        draft.refresh_from_db()
        people = {"author": author, "editor": engineer, "reviewer": reviewer, "admin": admin_user}
        return sorted(
            name
            for name, user in people.items()
            if access(user, Membership.objects.get(user=user, organization=org), draft).can_edit
        )

    assert editors() == ["admin", "author", "editor"]
    submitted(draft, author, reviewer)
    assert editors() == ["admin", "author", "editor", "reviewer"]
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    assert editors() == ["admin"]


# --- People and visibility ---------------------------------------------------------------------


def test_assigning_a_reviewer_during_review_asks_them_at_once(
    draft, author, reviewer, second_reviewer
):
    submitted(draft, author, reviewer)
    people.reviewer_assign(postmortem=draft, actor=author, user=second_reviewer)
    assert Review.objects.filter(postmortem=draft, reviewer=second_reviewer, round=1).exists()
    assert notified(NotificationKind.REVIEW_REQUESTED) == ["max", "rita"]
    people.reviewer_unassign(postmortem=draft, actor=author, user=second_reviewer)
    assert not Review.objects.filter(postmortem=draft, reviewer=second_reviewer).exists()


def test_people_are_fixed_once_published(draft, author, reviewer, engineer):
    submitted(draft, author, reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    with pytest.raises(people.PeopleLocked):
        people.editor_invite(postmortem=draft, actor=author, user=engineer)


def test_viewers_are_never_invited_as_editors(draft, author, viewer):
    with pytest.raises(ValidationError) as refused:
        people.editor_invite(postmortem=draft, actor=author, user=viewer)
    assert "viewers read but do not edit" in refused.value.message_dict["editor"][0]


def visible_numbers(org, user) -> list[int]:
    membership = Membership.objects.get(user=user, organization=org)
    return list(
        selectors.visible_postmortems(organization=org, membership=membership).values_list(
            "number", flat=True
        )
    )


def test_private_and_team_postmortems_are_visible_only_to_their_people(
    org, draft, author, engineer, viewer, reviewer, admin_user
):
    team = TeamFactory(organization=org, name="Payments")
    TeamMemberFactory(team=team, user=viewer)
    people.visibility_set(postmortem=draft, actor=author, visibility=Visibility.PRIVATE)
    assert visible_numbers(org, engineer) == [] and visible_numbers(org, viewer) == []
    assert visible_numbers(org, author) == [draft.number]
    assert visible_numbers(org, admin_user) == [draft.number]
    people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
    assert visible_numbers(org, reviewer) == [draft.number]
    with pytest.raises(ValidationError):
        people.visibility_set(postmortem=draft, actor=author, visibility=Visibility.TEAM)
    people.visibility_set(postmortem=draft, actor=author, visibility=Visibility.TEAM, teams=[team])
    assert visible_numbers(org, viewer) == [draft.number]
    assert visible_numbers(org, engineer) == []
    assert not access(
        engineer, Membership.objects.get(user=engineer, organization=org), draft
    ).can_read


def test_another_organizations_team_is_refused(org, other_org, draft, author):
    foreign_team = TeamFactory(organization=other_org, name="Foreign")
    with pytest.raises(ValidationError):
        people.visibility_set(
            postmortem=draft, actor=author, visibility=Visibility.TEAM, teams=[foreign_team]
        )


def test_a_removed_member_loses_every_object_permission_at_once(org, draft, author, engineer):
    people.editor_invite(postmortem=draft, actor=author, user=engineer)
    assert PostmortemUserObjectPermission.objects.filter(user=engineer).exists()
    org_services.membership_remove(
        membership=Membership.objects.get(user=engineer, organization=org)
    )
    assert not PostmortemUserObjectPermission.objects.filter(user=engineer).exists()
    assert not Membership.objects.filter(user=engineer, organization=org).exists()


# --- Comments ----------------------------------------------------------------------------------


def test_a_mention_notifies_the_member_and_the_author_hears_of_the_comment(
    draft, author, reviewer, engineer
):
    services_comments.comment_add(
        postmortem=draft,
        actor=engineer,
        body="@rita could you check the timeline? cc @nobody",
        section_key="timeline",
    )
    assert notified(NotificationKind.MENTIONED) == ["rita"]
    assert notified(NotificationKind.COMMENTED) == ["ann"]


def test_comments_close_when_published(draft, author, reviewer):
    submitted(draft, author, reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    with pytest.raises(services_comments.CommentsClosed):
        services_comments.comment_add(postmortem=draft, actor=author, body="Late thought")


def test_the_list_costs_the_same_queries_with_object_permissions_and_visibility_in_play(
    client, org, templates, author, engineer, reviewer, count_queries
):
    def make_many(count: int) -> None:
        for _ in range(count):
            postmortem = make_postmortem(org, author, make_incident(org, commander=author))
            people.editor_invite(postmortem=postmortem, actor=author, user=engineer)
            people.reviewer_assign(postmortem=postmortem, actor=author, user=reviewer)
            people.visibility_set(postmortem=postmortem, actor=author, visibility="PRIVATE")

    list_url = reverse("postmortem_list", kwargs={"org_slug": org.slug})
    client.force_login(engineer)
    make_many(1)
    client.get(list_url)
    few = count_queries(lambda: client.get(list_url))
    make_many(6)
    many = count_queries(lambda: client.get(list_url))
    html = client.get(list_url).content.decode()
    assert many == few
    assert html.count('href="/o/acme/postmortems/') >= 7  # each private one, via the grant
