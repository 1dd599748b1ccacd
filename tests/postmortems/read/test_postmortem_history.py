"""A postmortem's history, diffs and restores, and other organizations' postmortems out of reach."""

import pytest
from django_scopes import scope

from organizations.roles import Role
from postmortems import creation
from postmortems.models import Postmortem, Revision, Section
from tests.postmortems.read.helpers import body, comprehensive, new_postmortem, save, url

# --- History, diff, restore --------------------------------------------------------------------


@pytest.fixture
def edited(org, engineer, admin_user) -> Postmortem:
    """Three revisions: created (engineer), summary written (admin), summary revised (engineer)."""
    postmortem = new_postmortem(org, engineer, title="Checkout review")
    postmortem = save(
        postmortem, admin_user, sections={"executive-summary": "First line\nSecond line"}
    )
    return save(
        postmortem,
        engineer,
        title="Checkout outage review",
        sections={"executive-summary": "First line\nSecond line, revised"},
    )


def test_history_lists_revisions_with_date_author_sections_and_summary(
    eng_client, org, edited, admin_user
):
    html = body(eng_client.get(url("postmortem_history", org, number=edited.number)))
    assert "Document history" in html
    for number in (1, 2, 3):
        assert f'id="revision-{number}"' in html
    assert html.index('id="revision-3"') < html.index('id="revision-1"')  # newest first
    assert "Created from the Comprehensive template" in html
    assert admin_user.get_full_name() in html
    assert ">Executive summary<" in html and ">Title<" in html
    assert "All 17 sections" in html
    # the compare form, with the latest two preselected
    assert 'name="from" value="2" form="compare-form" ' in html
    assert 'value="2" form="compare-form" aria-label="Compare from revision 2" checked' in html
    assert 'value="3" form="compare-form" aria-label="Compare to revision 3" checked' in html
    assert url("postmortem_diff", org, number=edited.number) in html


def test_history_offers_restore_only_to_editors(client, org, edited, viewer):
    client.force_login(viewer)
    html = body(client.get(url("postmortem_history", org, number=edited.number)))
    assert "/restore/" not in html


def test_diff_shows_added_and_removed_lines_per_section(eng_client, org, edited):
    response = eng_client.get(
        url("postmortem_diff", org, number=edited.number), {"from": 2, "to": 3}
    )
    html = body(response)
    assert response.status_code == 200
    assert "Executive summary" in html and ">Title<" in html
    assert 'diff-line--del"><td class="diff-line__sign" aria-label="removed">−</td>' in html
    assert '<td class="diff-line__text">Second line, revised</td>' in html
    assert '<td class="diff-line__text">Second line</td>' in html
    assert '<td class="diff-line__text">First line</td>' in html  # context


def test_diff_without_a_choice_compares_the_latest_two(eng_client, org, edited):
    html = body(eng_client.get(url("postmortem_diff", org, number=edited.number)))
    assert "Changes from" in html and ">r2<" in html and ">r3<" in html


def test_diff_names_hindsight_for_revisions_nobody_wrote(eng_client, org, engineer):
    """A generated draft's first revision has no author."""
    with scope(organization=org):
        postmortem = creation.postmortem_create(
            organization=org, actor=None, template=comprehensive(org), author=engineer
        )
    save(postmortem, engineer, sections={"root-cause": "Written"})
    response = eng_client.get(
        url("postmortem_diff", org, number=postmortem.number), {"from": 1, "to": 2}
    )
    assert response.status_code == 200
    assert "Hindsight" in body(response) and engineer.get_full_name() in body(response)
    history = eng_client.get(url("postmortem_history", org, number=postmortem.number))
    assert history.status_code == 200


def test_diff_of_a_revision_with_itself_says_so(eng_client, org, edited):
    html = body(
        eng_client.get(url("postmortem_diff", org, number=edited.number), {"from": 2, "to": 2})
    )
    assert "Nothing to compare" in html


@pytest.mark.parametrize(
    "query", [{"from": "abc", "to": "2"}, {"from": "1"}, {"to": "0", "from": "1"}, {"from": ""}]
)
def test_diff_with_bad_revision_numbers_is_a_clear_400(eng_client, org, edited, query):
    response = eng_client.get(url("postmortem_diff", org, number=edited.number), query)
    assert response.status_code == 400
    assert "Choose two revisions to compare" in body(response)


def test_diff_with_a_revision_that_does_not_exist_is_a_404(eng_client, org, edited):
    response = eng_client.get(
        url("postmortem_diff", org, number=edited.number), {"from": 1, "to": 99}
    )
    assert response.status_code == 404


def test_restore_writes_a_new_revision_and_brings_the_text_back(eng_client, org, edited):
    response = eng_client.post(
        url("postmortem_restore", org, number=edited.number, revision=2), follow=True
    )
    assert response.redirect_chain[-1][0] == url("postmortem_history", org, number=edited.number)
    assert "Revision 2 restored" in body(response)
    edited.refresh_from_db()
    assert edited.title == "Checkout review"
    summary = Section.objects.get(postmortem=edited, key="executive-summary")
    assert summary.body == "First line\nSecond line"
    latest = Revision.objects.filter(postmortem=edited).order_by("-number").first()
    assert latest.number == 4 and latest.summary == "Restored revision 2"
    assert Revision.objects.filter(postmortem=edited).count() == 4  # history kept


def test_restore_over_htmx_redirects_the_client(eng_client, org, edited):
    response = eng_client.post(
        url("postmortem_restore", org, number=edited.number, revision=1),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("postmortem_history", org, number=edited.number)


def test_restore_needs_edit_rights(client, org, edited, viewer, member_factory):
    other_engineer = member_factory(Role.ENGINEER, username="not-an-editor")
    before = edited.version
    for user in (viewer, other_engineer):
        client.force_login(user)
        response = client.post(url("postmortem_restore", org, number=edited.number, revision=1))
        assert response.status_code == 403
    edited.refresh_from_db()
    assert edited.version == before


def test_restore_is_post_only(eng_client, org, edited):
    response = eng_client.get(url("postmortem_restore", org, number=edited.number, revision=1))
    assert response.status_code == 405


# --- Tenancy -----------------------------------------------------------------------------------


@pytest.fixture
def foreign(other_org, member_factory) -> Postmortem:
    stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
    for n in range(3):
        postmortem = new_postmortem(other_org, stranger, title=f"Globex secret review {n}")
    return save(postmortem, stranger, sections={"root-cause": "Globex secret"})


def test_another_organizations_postmortem_is_a_404_everywhere(
    client, org, admin_user, foreign, edited
):
    """The user is an admin at home; the numbers exist only in the other organization."""
    client.force_login(admin_user)
    assert not Postmortem.objects.filter(organization=org, number=foreign.number).exists()
    with scope(organization=foreign.organization):
        before = (foreign.version, Revision.objects.filter(postmortem=foreign).count())
    for name, kwargs in [
        ("postmortem_detail", {}),
        ("postmortem_history", {}),
        ("postmortem_diff", {}),
        ("postmortem_restore", {"revision": 1}),
    ]:
        target = url(name, org, number=foreign.number, **kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(target)
            assert response.status_code == 404, (name, method)
            assert b"Globex secret" not in response.content
    foreign.refresh_from_db()
    with scope(organization=foreign.organization):
        assert (foreign.version, Revision.objects.filter(postmortem=foreign).count()) == before


def test_a_revision_number_the_postmortem_lacks_is_a_404(eng_client, org, edited, foreign):
    """Another postmortem's revision numbers mean nothing here: restore answers 404."""
    with scope(organization=foreign.organization):
        missing = Revision.objects.filter(postmortem=foreign).order_by("-number").first().number + 5
    response = eng_client.post(
        url("postmortem_restore", org, number=edited.number, revision=missing)
    )
    assert response.status_code == 404
    response = eng_client.get(
        url("postmortem_diff", org, number=edited.number), {"from": 1, "to": missing}
    )
    assert response.status_code == 404


def test_the_list_never_shows_another_organizations_postmortems(eng_client, org, foreign):
    html = body(eng_client.get(url("postmortem_list", org), {"q": "Globex"}))
    assert "Globex secret" not in html
