"""The review workflow's transitions from the pages: submit, withdraw, archive, decisions."""

import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.models import PostmortemPolicy
from organizations.roles import Role
from postmortems.comments import services as services_comments
from postmortems.models import PostmortemStatus, Review
from postmortems.review import people
from postmortems.review import selectors as selectors_review
from tests.postmortems.review.helpers import (
    HTMX,
    fill_required,
    flashes,
    html_of,
    htmx,
    in_review,
    published,
    status_of,
    text_of,
    url,
)

# --- Submit ------------------------------------------------------------------------------------


class TestSubmit:
    def test_submit_opens_a_round_and_redirects_to_the_read_view_with_a_message(
        self, client, draft, author, reviewer
    ):
        fill_required(draft, author)
        client.force_login(author)
        response = client.post(
            url("postmortem_submit", draft), {"reviewers": ["rita"], "confirm": "1"}
        )
        assert response.status_code == 302
        assert response.url == url("postmortem_detail", draft)
        assert flashes(response) == [
            f"PM-{draft.number} is in review (round 1). We asked Rita Reed for a review."
        ]
        assert status_of(draft) == PostmortemStatus.IN_REVIEW
        assert Review.objects.get(postmortem=draft).reviewer == reviewer

    def test_htmx_gets_a_client_redirect(self, client, draft, author, reviewer):
        fill_required(draft, author)
        client.force_login(author)
        response = client.post(
            url("postmortem_submit", draft), {"reviewers": "rita", "confirm": "1"}, **HTMX
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == url("postmortem_detail", draft)

    def test_without_reviewers_given_the_assigned_ones_are_asked(
        self, client, draft, author, reviewer
    ):
        fill_required(draft, author)
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(author)
        assert client.post(url("postmortem_submit", draft), {"confirm": "1"}).status_code == 302
        assert Review.objects.get(postmortem=draft, round=1).reviewer == reviewer

    def test_given_reviewers_replace_the_assigned_ones(
        self, client, draft, author, reviewer, second_reviewer
    ):
        fill_required(draft, author)
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(author)
        response = client.post(
            url("postmortem_submit", draft),
            {"reviewers": ["max"], "replace_reviewers": "1", "confirm": "1"},
        )
        assert response.status_code == 302
        assert selectors_review.assigned_reviewers(draft) == [second_reviewer]

    def test_an_empty_pick_from_the_page_means_no_reviewer_and_is_refused(
        self, client, draft, author, reviewer
    ):
        fill_required(draft, author)
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(author)
        response = client.post(
            url("postmortem_submit", draft), {"reviewers": "", "replace_reviewers": "1"}
        )
        assert response.status_code == 400
        assert "Assign a reviewer before submitting." in text_of(response)
        assert selectors_review.assigned_reviewers(draft) == [reviewer]  # rolled back

    def test_a_refusal_names_every_unfilled_section_and_the_reviewer_problem(
        self, client, draft, author
    ):
        client.force_login(author)
        response = client.post(url("postmortem_submit", draft))
        assert response.status_code == 400
        page = text_of(response)
        assert f"PM-{draft.number} was not submitted" in page
        assert "Fill in the required sections first:" in page
        assert "“Executive summary”" in page and "“Root cause summary”" in page
        assert "Assign a reviewer before submitting." in page
        assert url("postmortem_edit", draft) in html_of(response)  # a way to fix it
        assert status_of(draft) == PostmortemStatus.DRAFT

    def test_an_htmx_refusal_is_a_fragment_with_the_same_problems(self, client, draft, author):
        client.force_login(author)
        response = client.post(url("postmortem_submit", draft), **htmx("rv-submit-feedback"))
        assert response.status_code == 400
        assert "<html" not in html_of(response)
        assert 'role="alert"' in html_of(response)
        assert "Executive summary" in text_of(response)
        assert "Assign a reviewer before submitting." in text_of(response)

    @pytest.mark.parametrize(
        "who, message",
        [
            ("nobody", "“nobody” is not a member of this organization."),
            ("outsider", "“outsider” is not a member of this organization."),
            ("engineer", "cannot review: their role here is engineer"),
            ("ann", "An author never reviews their own postmortem."),
        ],
    )
    def test_reviewers_who_may_not_review_are_refused_with_a_field_message(
        self, client, draft, author, engineer, member_factory, other_org, who, message
    ):
        member_factory(Role.REVIEWER, organization=other_org, username="outsider")
        fill_required(draft, author)
        client.force_login(author)
        response = client.post(url("postmortem_submit", draft), {"reviewers": [who]})
        assert response.status_code == 400
        assert "Reviewers:" in text_of(response)
        assert message in text_of(response)
        assert status_of(draft) == PostmortemStatus.DRAFT

    def test_someone_who_may_not_submit_gets_403_before_any_input_check(
        self, client, draft, viewer, member_factory
    ):
        stranger = member_factory(Role.ENGINEER, username="stranger")
        for person in (viewer, stranger):
            client.force_login(person)
            response = client.post(url("postmortem_submit", draft), {"reviewers": ["nobody"]})
            assert response.status_code == 403
            assert "Only the author, invited editors and admins submit" in text_of(response)
        assert status_of(draft) == PostmortemStatus.DRAFT

    def test_submitting_twice_is_a_409_that_says_why(self, client, draft, author, reviewer):
        in_review(draft, author, reviewer)
        client.force_login(author)
        response = client.post(url("postmortem_submit", draft))
        assert response.status_code == 409
        assert f"PM-{draft.number} is in review; only a postmortem a draft can be submitted" in (
            text_of(response)
        )
        assert Review.objects.filter(postmortem=draft).count() == 1


# --- Withdraw, archive, unarchive ------------------------------------------------------------


class TestOtherTransitions:
    def test_the_author_withdraws_a_postmortem_in_review(self, client, draft, author, reviewer):
        in_review(draft, author, reviewer)
        client.force_login(author)
        response = client.post(url("postmortem_withdraw", draft))
        assert response.status_code == 302
        assert response.url == url("postmortem_detail", draft)
        assert "withdrawn from review; it is a draft again" in flashes(response)[0]
        assert status_of(draft) == PostmortemStatus.DRAFT

    def test_withdraw_refusals(self, client, draft, author, reviewer):
        client.force_login(author)
        response = client.post(url("postmortem_withdraw", draft))  # a draft
        assert response.status_code == 409
        assert "only a postmortem in review can be withdrawn" in text_of(response)
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        response = client.post(url("postmortem_withdraw", draft), **htmx("rv-feedback"))
        assert response.status_code == 403
        assert "Only the author or an admin withdraws" in text_of(response)
        assert status_of(draft) == PostmortemStatus.IN_REVIEW

    def test_admins_archive_and_unarchive(self, client, draft, author, reviewer, admin_user):
        published(draft, author, reviewer)
        client.force_login(admin_user)
        response = client.post(url("postmortem_archive", draft), {"confirm": "1"})
        assert response.status_code == 302
        assert status_of(draft) == PostmortemStatus.ARCHIVED
        assert flashes(response) == [
            f"PM-{draft.number} is archived. Unarchive it to publish it again."
        ]
        response = client.post(url("postmortem_unarchive", draft), **HTMX)
        assert response["HX-Redirect"] == url("postmortem_detail", draft)
        assert status_of(draft) == PostmortemStatus.PUBLISHED

    def test_archive_refusals(self, client, draft, author, reviewer, admin_user):
        client.force_login(admin_user)
        for confirm in ({"confirm": "1"}, {}):
            response = client.post(url("postmortem_archive", draft), confirm)
            assert response.status_code == 409
            assert "only a postmortem published can be archived" in text_of(response)
        response = client.get(url("postmortem_archive", draft))  # a stale link: back to it
        assert response.status_code == 302
        assert "only a postmortem published can be archived" in flashes(response)[0]
        published(draft, author, reviewer)
        client.force_login(author)
        for confirm in ({"confirm": "1"}, {}):
            response = client.post(url("postmortem_archive", draft), confirm)
            assert response.status_code == 403
            assert "Only admins archive a postmortem." in text_of(response)
        assert client.get(url("postmortem_archive", draft)).status_code == 403
        response = client.post(url("postmortem_unarchive", draft))
        assert response.status_code == 403
        client.force_login(admin_user)
        response = client.post(url("postmortem_unarchive", draft))
        assert response.status_code == 409
        assert "only a postmortem archived can be unarchived" in text_of(response)
        assert status_of(draft) == PostmortemStatus.PUBLISHED

    @pytest.mark.parametrize(
        "name",
        [
            "postmortem_submit",
            "postmortem_withdraw",
            "postmortem_approve",
            "postmortem_request_changes",
            "postmortem_unarchive",
            "postmortem_visibility",
        ],
    )
    def test_transitions_answer_405_to_a_get(self, client, draft, admin_user, name):
        client.force_login(admin_user)
        assert client.get(url(name, draft)).status_code == 405

    def test_people_changes_answer_405_to_a_get(self, client, draft, admin_user):
        client.force_login(admin_user)
        for name in ("postmortem_people_add", "postmortem_people_remove"):
            assert client.get(url(name, draft, role="editors")).status_code == 405

    def test_another_organizations_postmortem_is_404_for_every_method(
        self, client, draft, member_factory, other_org
    ):
        foreign_admin = member_factory(Role.ADMIN, organization=other_org, username="boss")
        client.force_login(foreign_admin)
        for name in ("postmortem_submit", "postmortem_archive", "postmortem_review"):
            foreign = reverse(name, kwargs={"org_slug": "globex", "number": draft.number})
            assert client.post(foreign).status_code == 404
            assert client.get(foreign).status_code == 404


# --- Approve and request changes -------------------------------------------------------------


class TestDecisions:
    def test_the_last_required_approval_publishes(self, client, draft, author, reviewer):
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        response = client.post(url("postmortem_approve", draft), {"comment": "Clear and fair."})
        assert response.status_code == 302
        assert response.url == url("postmortem_detail", draft)
        assert flashes(response) == [f"You approved PM-{draft.number}: it is published."]
        assert status_of(draft) == PostmortemStatus.PUBLISHED
        assert Review.objects.get(postmortem=draft).comment == "Clear and fair."

    def test_an_approval_short_of_the_required_count_says_how_many(
        self, client, org, draft, author, reviewer, second_reviewer
    ):
        PostmortemPolicy.objects.create(organization=org, required_approvals=2)
        in_review(draft, author, reviewer, second_reviewer)
        client.force_login(reviewer)
        response = client.post(url("postmortem_approve", draft), **htmx("rv-decision"))
        assert response["HX-Redirect"] == url("postmortem_detail", draft)
        assert flashes(response) == [
            f"You approved PM-{draft.number} (1 of 2 approvals). It publishes with the last one."
        ]
        assert status_of(draft) == PostmortemStatus.IN_REVIEW

    def test_an_unresolved_thread_blocks_the_publishing_approval_with_a_409(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        with scope(organization=draft.organization):
            services_comments.comment_add(postmortem=draft, actor=reviewer, body="Why 40 min?")
        client.force_login(reviewer)
        response = client.post(url("postmortem_approve", draft), {"comment": "Fine otherwise"})
        assert response.status_code == 409
        page = text_of(response)
        assert "1 comment thread is still unresolved" in page
        assert 'id="rv-decision"' in html_of(response)  # shown on the review screen
        assert "Fine otherwise" in page  # the comment is kept
        partial = client.post(url("postmortem_approve", draft), **htmx("rv-decision"))
        assert partial.status_code == 409
        assert "<html" not in html_of(partial)
        assert "still unresolved" in text_of(partial)
        assert status_of(draft) == PostmortemStatus.IN_REVIEW

    def test_request_changes_needs_a_comment_shown_as_a_field_error(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        response = client.post(url("postmortem_request_changes", draft), {"comment": "  "})
        assert response.status_code == 400
        html = html_of(response)
        assert 'id="rv-comment-error"' in html
        assert "Say what should change: the author will read it." in text_of(response)
        partial = client.post(url("postmortem_request_changes", draft), **htmx("rv-decision"))
        assert partial.status_code == 400
        assert "<html" not in html_of(partial)
        assert 'aria-invalid="true"' in html_of(partial)
        assert status_of(draft) == PostmortemStatus.IN_REVIEW

    def test_request_changes_sends_it_back_and_the_writers_see_why(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        response = client.post(
            url("postmortem_request_changes", draft),
            {"comment": "Add the **rollback** timing."},
        )
        assert response.status_code == 302
        assert "back with its writers as a draft" in flashes(response)[0]
        assert status_of(draft) == PostmortemStatus.DRAFT
        client.force_login(author)
        page = client.get(url("postmortem_detail", draft))
        assert "Rita Reed requested changes in round 1" in text_of(page)
        assert "<strong>rollback</strong>" in html_of(page)  # the comment, rendered
        assert "Resubmit for review" in text_of(page)

    def test_only_assigned_reviewers_decide_and_rights_come_before_input(
        self, client, draft, author, reviewer, member_factory
    ):
        other_reviewer = member_factory(Role.REVIEWER, username="oscar")
        in_review(draft, author, reviewer)
        for person in (other_reviewer, author):
            client.force_login(person)
            for name in ("postmortem_approve", "postmortem_request_changes"):
                response = client.post(url(name, draft), {"comment": ""})
                assert response.status_code == 403
                assert "Only an assigned reviewer other than the author decides." in (
                    text_of(response)
                )
        assert status_of(draft) == PostmortemStatus.IN_REVIEW

    def test_deciding_on_a_draft_is_a_409(self, client, draft, author, reviewer):
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(reviewer)
        response = client.post(url("postmortem_approve", draft))
        assert response.status_code == 409
        assert "only a postmortem in review can be approved" in text_of(response)
