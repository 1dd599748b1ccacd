"""Who may search and finds what: access, visibility, statuses and filters."""

from datetime import timedelta

from guardian.shortcuts import assign_perm

from organizations.roles import Role
from postmortems.models import PostmortemStatus, PostmortemTeam, Visibility
from postmortems.permissions import EDIT_PERMISSION
from postmortems.search import services as search
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.read.helpers import resolved_incident
from tests.postmortems.search.helpers import T0, hit_titles, page, search_url, write

# --- Helpers -----------------------------------------------------------------------------------


def titles_in(html: str, *titles: str) -> set[str]:
    """The titles among the search results (the similar-incidents card below them aside)."""
    results = html.split('class="card similar"')[0]
    return {title for title in titles if title in results}


# --- The page: access ----------------------------------------------------------------------------


def test_every_member_may_search_even_viewers(client, org, viewer, author):
    write(org, author, "Zebracorn outage")
    client.force_login(viewer)
    html = page(client, org, q="zebracorn")
    assert "outage" in html and "1</strong> result" in html


def test_anonymous_visitors_are_sent_to_log_in(client, org):
    response = client.get(search_url(org), {"q": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_members_of_another_organization_get_404(client, org, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, organization=other_org, username="outsider")
    client.force_login(outsider)
    assert client.get(search_url(org), {"q": "x"}).status_code == 404


def test_writes_are_refused(eng_client, org):
    assert eng_client.post(search_url(org), {"q": "x"}).status_code == 405


# --- Visibility: exactly the read view's ---------------------------------------------------------


def test_a_private_postmortems_words_never_surface(client, org, author, viewer, admin_user):
    write(
        org,
        author,
        "Secret quokkaflux review",
        summary="The quokkaflux key leaked into logs.",
        visibility=Visibility.PRIVATE,
    )
    write(org, author, "Public review", summary="Nothing special here at all.")
    client.force_login(viewer)
    for query, private_words in (
        ("quokkaflux", ["Secret", "leaked"]),
        ("secret", ["quokkaflux", "leaked"]),
        ("leaked logs", ["Secret", "quokkaflux"]),
    ):
        html = page(client, org, q=query, status="any")
        assert not [word for word in private_words if word in html], query
        assert "No postmortems match" in html and "</strong> result" not in html
    # The snippet of a visible match never borrows a private document's text either.
    html = page(client, org, q="review")
    assert "Public" in html and "Secret" not in html and "1</strong> result" in html
    # Whoever may read it finds it: the author and admins.
    for member in (author, admin_user):
        client.force_login(member)
        assert "Secret quokkaflux review" in html_of(client, org, "quokkaflux")


def html_of(client, org, query: str, **params) -> str:
    return page(client, org, q=query, **params)


def test_team_postmortems_are_found_by_their_team_only(client, org, author, member_factory):
    team = TeamFactory(organization=org, name="Payments")
    insider = member_factory(Role.VIEWER, username="insider")
    outsider = member_factory(Role.VIEWER, username="outsider")
    TeamMemberFactory(organization=org, team=team, user=insider)
    postmortem = write(org, author, "Team wombatrix review", visibility=Visibility.TEAM)
    PostmortemTeam.objects.create(organization=org, postmortem=postmortem, team=team)
    assert hit_titles(org, insider, "wombatrix") == ["Team wombatrix review"]
    assert hit_titles(org, outsider, "wombatrix") == []


def test_invited_editors_find_the_private_draft_they_may_read(org, author, engineer):
    draft = write(
        org,
        author,
        "Private narwhalix draft",
        status=PostmortemStatus.DRAFT,
        visibility=Visibility.PRIVATE,
    )
    assert hit_titles(org, engineer, "narwhalix", status=search.ANY_STATUS) == []
    assign_perm(EDIT_PERMISSION, engineer, draft)
    assert hit_titles(org, engineer, "narwhalix", status=search.ANY_STATUS) == [draft.title]


def test_another_organizations_postmortems_never_show(
    eng_client, org, other_org, member_factory, author
):
    foreigner = member_factory(Role.ADMIN, organization=other_org, username="foreigner")
    write(other_org, foreigner, "Globex zebracorn secret", summary="zebracorn everywhere")
    write(org, author, "Acme zebracorn review")
    html = page(eng_client, org, q="zebracorn", status="any")
    assert "Acme zebracorn review" in html
    assert "Globex" not in html and "1</strong> result" in html


# --- Statuses and filters ------------------------------------------------------------------------


def test_published_by_default_and_drafts_on_request(eng_client, org, engineer):
    write(org, engineer, "Published kiwimesh review")
    write(org, engineer, "Draft kiwimesh review", status=PostmortemStatus.DRAFT)
    write(org, engineer, "Archived kiwimesh review", status=PostmortemStatus.ARCHIVED)
    html = page(eng_client, org, q="kiwimesh")
    assert titles_in(html, "Published kiwi", "Draft kiwi", "Archived kiwi") == {"Published kiwi"}
    assert "Include drafts and archived" in html
    html = page(eng_client, org, q="kiwimesh", status="any")
    assert titles_in(html, "Published kiwi", "Draft kiwi", "Archived kiwi") == {
        "Published kiwi",
        "Draft kiwi",
        "Archived kiwi",
    }
    html = page(eng_client, org, q="kiwimesh", status="DRAFT")
    assert titles_in(html, "Published kiwi", "Draft kiwi", "Archived kiwi") == {"Draft kiwi"}


def test_filters_by_severity_service_category_and_dates(eng_client, org, engineer):
    sev1 = resolved_incident(org, engineer, severity="SEV1", links=0, services=["checkout"])
    sev3 = resolved_incident(
        org,
        engineer,
        severity="SEV3",
        links=0,
        services=["search-api"],
        started_at=T0 + timedelta(days=30),
    )
    write(org, engineer, "Alpha lemurbyte", incident=sev1, root_cause_category="CAPACITY")
    write(
        org,
        engineer,
        "Beta lemurbyte",
        incident=sev3,
        root_cause_category="CODE_DEFECT",
        published_at=T0 + timedelta(days=40),
    )
    cases = [
        ({"severity": "SEV1"}, {"Alpha"}),
        ({"severity": "SEV3"}, {"Beta"}),
        ({"service": "search-api"}, {"Beta"}),
        ({"category": "CAPACITY"}, {"Alpha"}),
        ({"date_from": "2026-03-01", "date_to": "2026-03-31"}, {"Alpha"}),
        ({"date_from": "2026-04-01"}, {"Beta"}),
        ({"date_field": "published", "date_to": "2026-03-10"}, {"Alpha"}),
        ({"date_field": "published", "date_from": "2026-04-19"}, {"Beta"}),
        ({"severity": "SEV5"}, {"Alpha", "Beta"}),  # not a choice: named and ignored
        ({}, {"Alpha", "Beta"}),
    ]
    for params, expected in cases:
        html = page(eng_client, org, q="lemurbyte", **params)
        assert titles_in(html, "Alpha", "Beta") == expected, params


def test_a_reversed_date_range_is_explained_not_fatal(eng_client, org, engineer):
    write(org, engineer, "Gammaquill review")
    html = page(eng_client, org, q="gammaquill", date_from="2026-05-01", date_to="2026-04-01")
    assert "is after" in html
    assert "Gammaquill review" in html  # the dates are ignored meanwhile
