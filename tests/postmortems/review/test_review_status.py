"""What the review screen and status bar show, their cost, and the archive confirmation."""

import re

from django_scopes import scope
from guardian.shortcuts import assign_perm

from organizations.models import Membership, PostmortemPolicy
from organizations.roles import Role
from postmortems import selectors, services
from postmortems.comments import services as services_comments
from postmortems.models import PostmortemStatus, Visibility
from postmortems.permissions import EDIT_PERMISSION
from postmortems.review import people, transitions
from postmortems.review import selectors as selectors_review
from postmortems.review.panels import review_panel_context
from tests.factories import TeamFactory
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import html_of, in_review, published, status_of, text_of, url

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
