"""The review workflow's pages: the transitions, the people panel,
visibility, the review screen and the status bar on the editor and the read view."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope
from guardian.shortcuts import assign_perm

from organizations.models import Membership, PostmortemPolicy
from organizations.roles import Role
from postmortems import selectors, services
from postmortems.comments import services as services_comments
from postmortems.models import PostmortemStatus, Review, Visibility
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION
from postmortems.review import people, transitions
from postmortems.review import selectors as selectors_review
from postmortems.review.panels import review_panel_context
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import fill_required, status_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx(target: str = "") -> dict:
    return {**HTMX, "HTTP_HX_TARGET": target} if target else HTMX


# --- Fixtures and helpers ----------------------------------------------------------------------


def url(name: str, postmortem, **kwargs) -> str:
    return reverse(
        name,
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number, **kwargs},
    )


def in_review(postmortem, author, *reviewers):
    fill_required(postmortem, author)
    postmortem.refresh_from_db()
    return transitions.postmortem_submit(
        postmortem=postmortem, actor=author, reviewers=list(reviewers)
    )


def published(postmortem, author, reviewer):
    in_review(postmortem, author, reviewer)
    return transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)


def html_of(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's text without tags and with runs of blanks collapsed, as a person reads it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(response))).replace(" .", ".")


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


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


# --- The review screen -------------------------------------------------------------------------


class TestReviewScreen:
    def test_a_first_review_says_so_shows_the_document_and_the_decision_forms(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        response = client.get(url("postmortem_review", draft))
        assert response.status_code == 200
        page = text_of(response)
        assert f"Your first review of PM-{draft.number}" in page
        assert "What we learned about executive summary." in page  # the document itself
        assert "Approve" in page and "Request changes" in page
        assert url("postmortem_approve", draft) in html_of(response)
        assert "Your approval publishes" in page
        assert 'id="comments"' in html_of(response)

    def test_the_diff_since_the_reviewers_last_decision_after_a_resubmit(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        transitions.postmortem_request_changes(
            postmortem=draft, actor=reviewer, comment="Say how long the rollback took."
        )
        draft.refresh_from_db()
        with scope(organization=draft.organization):
            services.postmortem_save(
                postmortem=draft,
                actor=author,
                base_version=draft.version,
                sections={"executive-summary": "The rollback took 40 minutes."},
            )
        draft.refresh_from_db()
        transitions.postmortem_submit(postmortem=draft, actor=author)
        client.force_login(reviewer)
        response = client.get(url("postmortem_review", draft))
        page = text_of(response)
        assert "What changed since your last review" in page
        assert "in round 1" in page
        assert "Your first review" not in page
        added = re.findall(
            r'diff-line--add"><td[^>]*>\+</td><td class="diff-line__text">([^<]*)<',
            html_of(response),
        )
        assert "The rollback took 40 minutes." in added
        removed = re.findall(r'diff-line--del">.*?diff-line__text">([^<]*)<', html_of(response))
        assert "What we learned about executive summary." in removed
        assert "Say how long the rollback took." in page  # in the review history, round 1
        assert "Round 2" in page

    def test_a_reader_who_is_not_a_reviewer_reads_but_gets_no_forms(
        self, client, draft, author, reviewer, engineer
    ):
        in_review(draft, author, reviewer)
        client.force_login(engineer)
        response = client.get(url("postmortem_review", draft))
        assert response.status_code == 200
        assert "You are not a reviewer of this postmortem" in text_of(response)
        assert url("postmortem_approve", draft) not in html_of(response)
        client.force_login(author)
        assert "You wrote this postmortem" in text_of(client.get(url("postmortem_review", draft)))

    def test_after_approving_it_says_approved_by_you(
        self, client, org, draft, author, reviewer, second_reviewer
    ):
        PostmortemPolicy.objects.create(organization=org, required_approvals=2)
        in_review(draft, author, reviewer, second_reviewer)
        transitions.postmortem_approve(postmortem=draft, actor=reviewer, comment="LGTM")
        client.force_login(reviewer)
        response = client.get(url("postmortem_review", draft))
        page = text_of(response)
        assert "Approved by you" in page
        assert "1 of 2" in page
        assert f'formaction="{url("postmortem_approve", draft)}"' not in html_of(response)

    def test_the_review_screen_of_a_private_postmortem_is_404_to_others(
        self, client, draft, author, engineer
    ):
        with scope(organization=draft.organization):
            people.visibility_set(postmortem=draft, actor=author, visibility=Visibility.PRIVATE)
        client.force_login(engineer)
        assert client.get(url("postmortem_review", draft)).status_code == 404


# --- People --------------------------------------------------------------------------------------


class TestPeople:
    def test_the_author_assigns_a_reviewer_and_invites_an_editor(
        self, client, draft, author, reviewer, engineer
    ):
        client.force_login(author)
        response = client.post(
            url("postmortem_people_add", draft, role="reviewers"), {"user": "rita"}
        )
        assert response.status_code == 302
        assert response.url == url("postmortem_detail", draft)
        assert flashes(response) == [f"Rita Reed is now a reviewer of PM-{draft.number}."]
        assert reviewer.has_perm(REVIEW_PERMISSION, draft)
        response = client.post(
            url("postmortem_people_add", draft, role="editors"),
            {"user": "engineer", "next": url("postmortem_people", draft)},
        )
        assert response.url == url("postmortem_people", draft)  # back to the people page
        assert engineer.has_perm(EDIT_PERMISSION, draft)

    def test_next_never_leaves_the_organization(self, client, draft, author, reviewer):
        client.force_login(author)
        for bad in ("https://evil.example.com/", "//evil.example.com/", "/o/globex/"):
            response = client.post(
                url("postmortem_people_add", draft, role="reviewers"),
                {"user": "rita", "next": bad},
            )
            assert response.url == url("postmortem_detail", draft)

    def test_in_the_people_panel_htmx_answers_with_the_panel_updated(
        self, client, draft, author, reviewer
    ):
        client.force_login(author)
        response = client.post(
            url("postmortem_people_add", draft, role="reviewers"),
            {"user": "rita"},
            **htmx("rv-people"),
        )
        assert response.status_code == 200
        assert "<html" not in html_of(response)
        assert 'id="rv-people"' in html_of(response)
        assert "Rita Reed is now a reviewer" in text_of(response)
        assert url("postmortem_people_remove", draft, role="reviewers") in html_of(response)

    def test_in_the_status_bar_htmx_answers_with_the_whole_bar(
        self, client, draft, author, reviewer
    ):
        client.force_login(author)
        response = client.post(
            url("postmortem_people_add", draft, role="reviewers"),
            {"user": "rita"},
            **htmx("rv-bar"),
        )
        assert response.status_code == 200
        html = html_of(response)
        assert html.strip().startswith('<section id="rv-bar"')
        assert '<details class="rv-manage" open>' in html
        assert "1 reviewer assigned" in text_of(response)  # the submit checklist follows

    @pytest.mark.parametrize(
        "role, username, message",
        [
            ("editors", "viewer", "is a viewer here; viewers read but do not edit."),
            ("editors", "ghost", "“ghost” is not a member of this organization."),
            ("reviewers", "outsider", "“outsider” is not a member of this organization."),
            ("reviewers", "ann", "An author never reviews their own postmortem."),
            ("reviewers", "engineer", "cannot review: their role here is engineer"),
            ("reviewers", "", "Type a username, or pick a member."),
        ],
    )
    def test_people_who_may_not_take_the_role_are_refused_next_to_the_field(
        self,
        client,
        draft,
        author,
        viewer,
        engineer,
        member_factory,
        other_org,
        role,
        username,
        message,
    ):
        member_factory(Role.REVIEWER, organization=other_org, username="outsider")
        client.force_login(author)
        response = client.post(
            url("postmortem_people_add", draft, role=role),
            {"user": username, "next": url("postmortem_people", draft)},
        )
        assert response.status_code == 400
        assert message in text_of(response)
        assert f'id="rv-{role[:-1]}-error-page"' in html_of(response)
        assert selectors_review.invited_editors(draft) == []
        assert selectors_review.assigned_reviewers(draft) == []

    def test_someone_who_does_not_manage_the_people_gets_403(
        self, client, draft, engineer, viewer, reviewer
    ):
        for person in (engineer, viewer):
            client.force_login(person)
            response = client.post(
                url("postmortem_people_add", draft, role="reviewers"), {"user": "rita"}
            )
            assert response.status_code == 403
            assert "Only the author, invited editors and admins manage the people." in (
                text_of(response)
            )
        assert selectors_review.assigned_reviewers(draft) == []

    def test_an_unknown_role_is_404(self, client, draft, author):
        client.force_login(author)
        response = client.post(url("postmortem_people_add", draft, role="owners"), {"user": "ann"})
        assert response.status_code == 404

    def test_removing_people(self, client, draft, author, reviewer, engineer):
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
            people.editor_invite(postmortem=draft, actor=author, user=engineer)
        client.force_login(author)
        response = client.post(
            url("postmortem_people_remove", draft, role="reviewers"), {"user": "rita"}
        )
        assert response.status_code == 302
        assert flashes(response) == [f"Rita Reed is no longer a reviewer of PM-{draft.number}."]
        response = client.post(
            url("postmortem_people_remove", draft, role="editors"), {"user": "engineer"}
        )
        assert response.status_code == 302
        assert selectors_review.assigned_reviewers(draft) == []
        assert selectors_review.invited_editors(draft) == []

    def test_removing_someone_who_is_not_on_it_says_so(self, client, draft, author, reviewer):
        client.force_login(author)
        response = client.post(
            url("postmortem_people_remove", draft, role="reviewers"), {"user": "rita"}
        )
        assert response.status_code == 400
        assert "“rita” is not a reviewer of this postmortem." in text_of(response)

    def test_the_people_of_a_published_postmortem_are_fixed(
        self, client, draft, author, reviewer, admin_user
    ):
        published(draft, author, reviewer)
        client.force_login(admin_user)
        response = client.post(
            url("postmortem_people_add", draft, role="editors"),
            {"user": "ann"},
            **htmx("rv-people"),
        )
        assert response.status_code == 409
        assert "its editors and reviewers no longer change" in text_of(response)

    def test_the_people_page_and_its_partial(self, client, draft, author, reviewer, viewer):
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(author)
        page = client.get(url("postmortem_people", draft))
        assert page.status_code == 200
        assert f"People on PM-{draft.number}" in text_of(page)
        assert 'list="rv-reviewer-options-page"' in html_of(page)
        assert "members/search/?role=reviewer" in html_of(page)
        partial = client.get(url("postmortem_people", draft), **htmx("rv-people-slot"))
        assert "<html" not in html_of(partial)
        assert 'data-rv-target="#rv-bar"' in html_of(partial)  # in the bar, forms answer the bar
        client.force_login(viewer)
        readonly = client.get(url("postmortem_people", draft))
        assert readonly.status_code == 200
        assert "Rita Reed" in text_of(readonly)
        assert 'name="user"' not in html_of(readonly)
        assert "Only the author, invited editors and admins change" in text_of(readonly)


# --- Visibility ----------------------------------------------------------------------------------


class TestVisibility:
    def test_a_private_postmortem_is_404_to_an_engineer_not_on_it(
        self, client, draft, author, engineer, reviewer
    ):
        with scope(organization=draft.organization):
            people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
        client.force_login(author)
        response = client.post(url("postmortem_visibility", draft), {"visibility": "PRIVATE"})
        assert response.status_code == 302
        assert "is private" in flashes(response)[0]
        client.force_login(engineer)
        assert client.get(url("postmortem_detail", draft)).status_code == 404
        listing = client.get(reverse("postmortem_list", kwargs={"org_slug": "acme"}))
        assert url("postmortem_detail", draft) not in html_of(listing)
        client.force_login(reviewer)  # on it: still reads it
        assert client.get(url("postmortem_detail", draft)).status_code == 200

    def test_team_visibility_shows_it_to_the_teams_members(
        self, client, org, draft, author, engineer, member_factory
    ):
        team = TeamFactory(organization=org, name="Payments")
        teammate = member_factory(Role.ENGINEER, username="tess")
        TeamMemberFactory(team=team, user=teammate)
        client.force_login(author)
        response = client.post(
            url("postmortem_visibility", draft), {"visibility": "TEAM", "teams": [team.pk]}
        )
        assert response.status_code == 302
        assert flashes(response) == [
            f"PM-{draft.number} is visible to the Payments team, besides the people on it."
        ]
        listing = reverse("postmortem_list", kwargs={"org_slug": "acme"})
        client.force_login(teammate)
        assert client.get(url("postmortem_detail", draft)).status_code == 200
        assert url("postmortem_detail", draft) in html_of(client.get(listing))
        client.force_login(engineer)
        assert client.get(url("postmortem_detail", draft)).status_code == 404
        assert url("postmortem_detail", draft) not in html_of(client.get(listing))

    def test_team_visibility_needs_a_team_of_this_organization(
        self, client, draft, author, other_org
    ):
        foreign = TeamFactory(organization=other_org, name="Elsewhere")
        client.force_login(author)
        response = client.post(url("postmortem_visibility", draft), {"visibility": "TEAM"})
        assert response.status_code == 400
        assert "Choose at least one team that may read it." in text_of(response)
        response = client.post(
            url("postmortem_visibility", draft),
            {"visibility": "TEAM", "teams": [foreign.pk]},
            **htmx("rv-people"),
        )
        assert response.status_code == 400
        assert "Choose teams of this organization." in text_of(response)
        response = client.post(url("postmortem_visibility", draft), {"visibility": "SECRET"})
        assert response.status_code == 400
        assert "Choose private, team or organization." in text_of(response)
        assert status_of(draft) == PostmortemStatus.DRAFT
        draft.refresh_from_db()
        assert draft.visibility == Visibility.ORGANIZATION

    def test_only_those_who_manage_the_people_set_visibility(self, client, draft, engineer):
        client.force_login(engineer)
        response = client.post(url("postmortem_visibility", draft), {"visibility": "PRIVATE"})
        assert response.status_code == 403
        draft.refresh_from_db()
        assert draft.visibility == Visibility.ORGANIZATION


# --- The status bar ------------------------------------------------------------------------------


def bar_of(response) -> str:
    html = html_of(response)
    start = html.index('<section id="rv-bar"')
    return html[start : html.index("</section>", html.index('id="rv-feedback"', start))]


def buttons_in(bar: str) -> set[str]:
    labels = re.findall(r"<(?:button|a|summary)[^>]*class=\"btn[^\"]*\"[^>]*>(.*?)</", bar, re.S)
    return {re.sub(r"<[^>]+>|\s+", " ", label).replace("▾", "").strip() for label in labels}


class TestStatusBar:
    def test_the_author_of_a_draft_sees_submit_with_a_checklist_of_what_is_missing(
        self, client, draft, author
    ):
        client.force_login(author)
        bar = bar_of(client.get(url("postmortem_edit", draft)))
        assert "Submit for review" in buttons_in(bar)
        assert "Archive" not in buttons_in(bar) and "Withdraw" not in buttons_in(bar)
        assert "required sections to write" in bar
        assert f'href="{url("postmortem_edit", draft)}#section-executive-summary"' in bar
        assert "Assign a reviewer" in bar
        assert "Manage people" in bar

    def test_a_reviewer_of_a_postmortem_in_review_sees_review_and_the_round(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        client.force_login(reviewer)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert "Review" in buttons_in(bar)
        assert not {"Submit for review", "Withdraw", "Archive"} & buttons_in(bar)
        assert "Round <strong>1</strong>" in bar
        assert "Approvals <strong>0 of 1</strong>" in bar
        assert "rv-verdict--pending" in bar

    def test_the_author_in_review_may_withdraw_and_sees_the_decisions(
        self, client, draft, author, reviewer
    ):
        in_review(draft, author, reviewer)
        with scope(organization=draft.organization):
            services_comments.comment_add(postmortem=draft, actor=reviewer, body="One question")
        client.force_login(author)
        bar = bar_of(client.get(url("postmortem_edit", draft)))
        assert {"Withdraw", "Reviews"} <= buttons_in(bar)
        assert "<strong>1</strong> unresolved thread" in bar

    def test_an_admin_archives_a_published_postmortem_and_a_viewer_gets_no_actions(
        self, client, draft, author, reviewer, admin_user, viewer
    ):
        published(draft, author, reviewer)
        client.force_login(admin_user)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert "Archive…" in buttons_in(bar)  # asks first
        assert "Approvals <strong>1 of 1</strong>" in bar
        client.force_login(viewer)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert buttons_in(bar) == {"Reviews"}
        assert "Manage people" not in bar

    def test_after_changes_are_requested_the_ended_round_shows_no_pending_decision(
        self, client, draft, author, reviewer, second_reviewer
    ):
        in_review(draft, author, reviewer, second_reviewer)
        transitions.postmortem_request_changes(postmortem=draft, actor=reviewer, comment="Why?")
        client.force_login(author)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert "rv-verdict--changes" in bar
        assert "rv-verdict--pending" not in bar  # Max never decided; the round is over
        assert "Resubmit for review" in buttons_in(bar)

    def test_the_bar_drives_htmx_from_review_js_not_from_attributes(self, client, draft, author):
        """The read view stays free of hx-* attributes (its inertness test): the bar's forms
        are plain forms that review.js posts through htmx."""
        client.force_login(author)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert "hx-" not in bar
        assert f'action="{url("postmortem_submit", draft)}" data-rv-target=' in bar

    def test_visibility_is_shown(self, client, org, draft, author):
        team = TeamFactory(organization=org, name="SRE")
        with scope(organization=org):
            people.visibility_set(
                postmortem=draft, actor=author, visibility=Visibility.TEAM, teams=[team]
            )
        client.force_login(author)
        bar = bar_of(client.get(url("postmortem_detail", draft)))
        assert "rv-visibility--team" in bar and "SRE" in bar


class TestBoundedQueries:
    def test_the_editor_and_read_view_do_not_grow_with_the_people(
        self, client, org, templates, author, member_factory, count_queries
    ):
        PostmortemPolicy.objects.create(organization=org, required_approvals=2)
        small = make_postmortem(org, author, make_incident(org, commander=author))
        in_review(small, author, *[member_factory(Role.REVIEWER) for _ in range(2)])
        big = make_postmortem(org, author, make_incident(org, commander=author))
        reviewers = [member_factory(Role.REVIEWER) for _ in range(5)]
        editors = [member_factory(Role.ENGINEER) for _ in range(3)]
        for editor in editors:
            assign_perm(EDIT_PERMISSION, editor, big)
        in_review(big, author, *reviewers)
        transitions.postmortem_approve(postmortem=big, actor=reviewers[0])
        client.force_login(author)
        for name in ("postmortem_edit", "postmortem_detail"):
            client.get(url(name, small))  # warm caches
            assert client.get(url(name, big)).status_code == 200, name
            few = count_queries(lambda name=name: client.get(url(name, small)))
            many = count_queries(lambda name=name: client.get(url(name, big)))
            assert few == many, name

    def test_the_status_bar_costs_a_handful_of_queries(
        self, rf, org, draft, author, reviewer, second_reviewer, engineer, count_queries
    ):
        """Reviewers, editors, decisions and grants come from a few queries, whoever is on it."""
        in_review(draft, author, reviewer, second_reviewer)
        with scope(organization=org):
            people.editor_invite(postmortem=draft, actor=author, user=engineer)
        request = rf.get("/")
        request.user = author
        request.membership = Membership.objects.get(user=author, organization=org)

        def bar_cost() -> int:
            with scope(organization=org):
                looked_up = selectors.postmortem_by_number(
                    organization=org, number=draft.number, membership=request.membership
                )
                looked_up.organization = org  # as postmortem_from_number does
                panel = review_panel_context(request, looked_up)["review_panel"]
                return count_queries(lambda: (panel.reviewers, panel.access.may_submit)) + (
                    count_queries(lambda: review_panel_context(request, looked_up))
                )

        assert bar_cost() <= 4  # people and grants, this round's reviews, the policy, threads
        transitions.postmortem_withdraw(postmortem=draft, actor=author)
        assert bar_cost() <= 6  # and, for whoever may submit the draft, what is unwritten


# --- The rule a published postmortem was published under ----------------------------------------


def test_a_published_postmortem_shows_the_rule_it_was_published_under(
    client, org, draft, author, reviewer, admin_user
):
    published(draft, author, reviewer)  # one approval was required then
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=2)
    client.force_login(author)
    bar = bar_of(client.get(url("postmortem_detail", draft)))
    assert "Approvals <strong>1 of 1</strong>" in bar
    review_page = html_of(client.get(url("postmortem_review", draft)))
    assert "<strong>1</strong> of 1" in review_page and "of 2" not in review_page
    with scope(organization=org):
        transitions.postmortem_archive(postmortem=draft, actor=admin_user)
    bar = bar_of(client.get(url("postmortem_detail", draft)))
    assert "Approvals <strong>1 of 1</strong>" in bar


def test_a_draft_follows_the_rule_of_today(client, org, draft, author, reviewer):
    PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], required_approvals=2)
    with scope(organization=org):
        assert selectors_review.review_state(draft).required == 2


def test_postmortems_published_before_the_rule_was_recorded_show_their_last_rounds_approvals(
    org, draft, author, reviewer, templates
):
    from importlib import import_module
    from pathlib import Path

    from django.apps import apps

    import postmortems.migrations as migrations

    published(draft, author, reviewer)
    draft.__class__.objects.filter(pk=draft.pk).update(published_with_approvals=None)
    unpublished = make_postmortem(org, author, make_incident(org, commander=author))
    (path,) = Path(migrations.__file__).parent.glob("*_postmortem_published_with_approvals.py")
    migration = import_module(f"postmortems.migrations.{path.stem}")
    migration.backfill_from_the_last_round(apps, None)
    draft.refresh_from_db()
    unpublished.refresh_from_db()
    assert draft.published_with_approvals == 1
    assert unpublished.published_with_approvals is None


# --- Archiving asks first, naming the share links it turns off ----------------------------------


def test_archive_asks_first_naming_the_share_links_it_turns_off(
    client, org, draft, author, reviewer, admin_user
):
    from postmortems.sharing import services as sharing

    published(draft, author, reviewer)
    draft.__class__.objects.filter(pk=draft.pk).update(public_summary="Checkout failed.")
    with scope(organization=org):
        sharing.share_link_create(postmortem=draft, actor=admin_user, label="Status page")
        sharing.share_link_create(postmortem=draft, actor=admin_user, label="Customer Acme")
        revoked, _ = sharing.share_link_create(postmortem=draft, actor=admin_user, label="Old")
        sharing.share_link_revoke(link=revoked, actor=admin_user)
    client.force_login(admin_user)
    bar = bar_of(client.get(url("postmortem_detail", draft)))
    assert f'href="{url("postmortem_archive", draft)}"' in bar  # a link to the question

    page = html_of(client.get(url("postmortem_archive", draft)))
    assert "2 public share links stop working" in page
    assert "Status page" in page and "Customer Acme" in page and "Old" not in page
    assert 'name="confirm" value="1"' in page
    assert status_of(draft) == PostmortemStatus.PUBLISHED

    client.post(url("postmortem_archive", draft))  # without the confirmation: nothing
    assert status_of(draft) == PostmortemStatus.PUBLISHED
    response = client.post(url("postmortem_archive", draft), {"confirm": "1"})
    assert response.status_code == 302
    assert status_of(draft) == PostmortemStatus.ARCHIVED


def test_archive_says_when_no_share_link_is_affected(client, draft, author, reviewer, admin_user):
    published(draft, author, reviewer)
    client.force_login(admin_user)
    page = html_of(client.get(url("postmortem_archive", draft)))
    assert "No public share link points to it" in page
