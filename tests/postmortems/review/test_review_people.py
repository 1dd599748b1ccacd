"""The people of a postmortem from the pages: reviewers, editors and visibility."""

import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.roles import Role
from postmortems.models import PostmortemStatus, Visibility
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION
from postmortems.review import people
from postmortems.review import selectors as selectors_review
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.review.helpers import (
    flashes,
    html_of,
    htmx,
    published,
    status_of,
    text_of,
    url,
)

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
