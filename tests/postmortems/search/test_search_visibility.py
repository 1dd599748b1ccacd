"""Full-text search: the search page, ranking, visibility, odd input, the
list's and the API's ``q``, and keeping the index current.

Tests without a mark run on both databases (substring fallback on SQLite, full text on
PostgreSQL); ``postgres`` ones need the full-text index."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import assign_perm

from organizations.roles import Role
from postmortems import services
from postmortems.models import (
    PostmortemSearchDocument,
    PostmortemStatus,
    PostmortemTeam,
    Visibility,
)
from postmortems.permissions import EDIT_PERMISSION
from postmortems.search import services as search
from postmortems.search.indexing import is_postgres
from postmortems.search.query import MAX_QUERY_CHARS
from tests.factories import TeamFactory, TeamMemberFactory
from tests.incidents.helpers import api_client
from tests.postmortems.read.helpers import resolved_incident
from tests.postmortems.search.helpers import T0, page, search_url, write

ODD_QUERIES = [
    '"',
    '"unbalanced phrase',
    "'; DROP TABLE postmortems_postmortem; --",
    "a & b | !c (d) <-> e:* f\\",
    "!!! ((( ))) &&& ||| :* <2>",
    "-",
    "or",
    "-zebracorn",
    "zebracorn or or or -",
    "%_%",
    "x" * 5000,
    "database " * 300,
    "база данных отказ",
    "数据库故障",
    "🔥🚒 outage",
    "nul\x00byte",
    "الخادم",
    "\u200b\u200e",
    "<script>alert(1)</script>",
]


# --- Helpers -----------------------------------------------------------------------------------


def titles_in(html: str, *titles: str) -> set[str]:
    return {title for title in titles if title in html}


def hit_titles(org, member, query: str, **filters) -> list[str]:
    with scope(organization=org):
        results = search.search_postmortems(
            organization=org,
            membership=member.memberships.get(organization=org),
            query=query,
            filters=search.SearchFilters(**filters),
        )
    return [search_title(hit) for hit in results.hits]


def search_title(hit) -> str:
    return hit.postmortem.title


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="writer", first_name="Wendy", last_name="Writer")


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


# --- Results -------------------------------------------------------------------------------------


def test_results_show_highlighted_snippets_with_their_section(eng_client, org, engineer):
    write(
        org,
        engineer,
        "Checkout outage",
        summary="Checkouts failed for forty minutes.",
        root_cause="A misconfigured zebracorn limiter throttled every request.",
    )
    html = page(eng_client, org, q="zebracorn", marks=True)
    assert "<mark>zebracorn</mark>" in html.lower()
    assert "limiter throttled" in html
    assert 'class="search-hit__section">Root cause summary<' in html


def test_snippets_escape_the_document(eng_client, org, engineer):
    write(
        org,
        engineer,
        "Injected <b>title</b> zebracorn",
        root_cause='<script>alert("x")</script> the zebracorn <img src=x onerror=alert(1)>',
    )
    html = page(eng_client, org, q="zebracorn", marks=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>title" not in html
    assert "&lt;b&gt;title&lt;/b&gt;" in html
    assert html.lower().count("<mark>") >= 2  # the title and the snippet
    assert "<mark><" not in html


def test_results_are_paginated_by_twenty(eng_client, org, engineer):
    for n in range(23):
        write(org, engineer, f"Ocelotry review {n}")
    html = page(eng_client, org, q="ocelotry")
    assert "23</strong> results" in html
    assert html.count('class="search-hit"') == 20
    assert "page=2" in html
    assert page(eng_client, org, q="ocelotry", page=2).count('class="search-hit"') == 3


def test_past_the_count_cap_the_page_says_so(eng_client, org, engineer, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    for n in range(5):
        write(org, engineer, f"Dugongia review {n}")
    html = page(eng_client, org, q="dugongia")
    assert "3+</strong> results" in html
    assert html.count('class="search-hit"') == 3  # only the counted ones are listed
    assert "Only the first 3 results are listed" in html


def test_the_page_runs_a_bounded_number_of_queries(eng_client, org, engineer, count_queries):
    for n in range(3):
        write(org, engineer, f"Tapirion review {n}", root_cause="tapirion everywhere")
    few = count_queries(lambda: page(eng_client, org, q="tapirion"))
    for n in range(3, 25):
        write(org, engineer, f"Tapirion review {n}", root_cause="tapirion everywhere")
    many = count_queries(lambda: page(eng_client, org, q="tapirion"))
    assert many == few


def test_htmx_answers_the_results_fragment(eng_client, org, engineer):
    write(org, engineer, "Capybarix review")
    response = eng_client.get(
        search_url(org),
        {"q": "capybarix"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )
    html = re.sub(r"</?mark>", "", response.content.decode())
    assert html.lstrip().startswith('<div id="search-results"')
    assert "Capybarix review" in html and "<html" not in html


def test_no_query_shows_how_to_search(eng_client, org):
    html = page(eng_client, org)
    assert "What are you looking for?" in html
    assert "the exact phrase" in html


def test_no_match_suggests_what_to_try(eng_client, org, engineer):
    write(org, engineer, "Something else")
    html = page(eng_client, org, q="xylophonics", severity="SEV2")
    assert "No postmortems match" in html
    assert "Include drafts, reviews and archived" in html
    assert "Clear the filters" in html


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_input_never_errors(eng_client, org, engineer, query):
    write(org, engineer, "Ordinary database review", summary="The database failed.")
    html = page(eng_client, org, q=query, status="any")
    assert "<script>alert(1)</script>" not in html
    response = eng_client.get(
        reverse("postmortem_list", kwargs={"org_slug": org.slug}), {"q": query}
    )
    assert response.status_code == 200


def test_undecodable_bytes_in_the_query_string_never_error(eng_client, org, engineer):
    write(org, engineer, "Ordinary review")
    for raw in ("%ED%A0%80", "%FF%FE", "%C0%AF", "%00"):
        assert eng_client.get(f"{search_url(org)}?q={raw}&status=any").status_code == 200


def test_very_long_queries_are_cut_and_say_so(eng_client, org, engineer):
    write(org, engineer, "Ordinary review")
    html = page(eng_client, org, q="word " * 100)
    assert f"first {MAX_QUERY_CHARS} characters" in html


def test_the_header_has_a_search_box_inside_an_organization(eng_client, org):
    html = eng_client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
    assert 'role="search"' in html and f'action="{search_url(org)}"' in html
    assert 'name="q"' in html
    home = eng_client.get(reverse("home"))
    assert 'class="header-search"' not in home.content.decode()


# --- The list and the API use the same search ----------------------------------------------------


def test_the_list_q_searches_section_text_too(eng_client, org, engineer):
    write(org, engineer, "Plain title", root_cause="the axolotlic cache stampeded")
    write(org, engineer, "Other title")
    html = eng_client.get(
        reverse("postmortem_list", kwargs={"org_slug": org.slug}), {"q": "axolotlic"}
    ).content.decode()
    assert "Plain title" in html and "Other title" not in html


def test_the_api_q_searches_and_respects_visibility(org, engineer, author):
    write(org, author, "Visible api review", root_cause="the pangolite queue stalled")
    write(
        org,
        author,
        "Hidden api review",
        root_cause="pangolite again",
        visibility=Visibility.PRIVATE,
    )
    api = api_client(org, engineer)
    response = api.get("/api/v1/postmortems", {"q": "pangolite"})
    assert response.status_code == 200
    assert [p["title"] for p in response.json()["results"]] == ["Visible api review"]
    for query in ODD_QUERIES[:12]:
        assert api.get("/api/v1/postmortems", {"q": query}).status_code == 200


# --- SQLite fallback -----------------------------------------------------------------------------


def test_substring_fallback_puts_title_matches_first(org, engineer, settings):
    if is_postgres():
        pytest.skip("the substring fallback is SQLite's")
    write(org, engineer, "Body only", root_cause="the okapiware job", published_at=T0)
    write(org, engineer, "Okapiware in the title", published_at=T0 - timedelta(days=9))
    assert hit_titles(org, engineer, "okapiware") == ["Okapiware in the title", "Body only"]
    assert hit_titles(org, engineer, "OKAPI") == ["Okapiware in the title", "Body only"]


# --- PostgreSQL full text ------------------------------------------------------------------------


@pytest.mark.postgres
def test_ranking_title_then_summary_and_root_cause_then_the_rest(org, engineer):
    write(org, engineer, "Elsewhere", other="the zebracorn appeared in passing", published_at=T0)
    write(org, engineer, "Cause", root_cause="a zebracorn failed", published_at=T0)
    write(org, engineer, "Zebracorn failure", published_at=T0 - timedelta(days=300))
    write(org, engineer, "Unrelated", other="nothing to see", published_at=T0)
    assert hit_titles(org, engineer, "zebracorn") == ["Zebracorn failure", "Cause", "Elsewhere"]


@pytest.mark.postgres
def test_ties_go_to_the_most_recent(org, engineer):
    for days, title in ((10, "Older"), (0, "Newest"), (20, "Oldest")):
        write(org, engineer, f"{title} lynxmoor", published_at=T0 - timedelta(days=days))
    titles = hit_titles(org, engineer, "lynxmoor")
    assert titles == ["Newest lynxmoor", "Older lynxmoor", "Oldest lynxmoor"]


@pytest.mark.postgres
def test_words_are_stemmed_and_websearch_syntax_works(org, engineer):
    write(org, engineer, "Pool", root_cause="The database connection pool was exhausted.")
    write(org, engineer, "Redis", root_cause="The redis connection dropped; pool untouched.")
    assert set(hit_titles(org, engineer, "databases exhausting")) == {"Pool"}
    assert set(hit_titles(org, engineer, '"connection pool"')) == {"Pool"}
    assert set(hit_titles(org, engineer, "connection -redis")) == {"Pool"}
    assert set(hit_titles(org, engineer, "exhausted or dropped")) == {"Pool", "Redis"}


@pytest.mark.postgres
def test_structured_sections_and_the_incident_are_searchable(org, engineer):
    incident = resolved_incident(org, engineer, title="Checkout down", links=0, services=["kafka"])
    postmortem = write(org, engineer, "Structured", incident=incident)
    with scope(organization=org):
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            section_data={
                "five-whys": {"whys": [{"why": "Why?", "because": "The marmotrix retried."}]}
            },
        )
    assert hit_titles(org, engineer, "marmotrix") == ["Structured"]
    assert hit_titles(org, engineer, "kafka") == ["Structured"]
    assert hit_titles(org, engineer, incident.ref) == ["Structured"]


@pytest.mark.postgres
def test_renaming_the_incident_or_its_services_reindexes_its_postmortems(org, engineer):
    from incidents import services as incident_services

    incident = resolved_incident(org, engineer, title="Checkout down", links=0, services=["kafka"])
    write(org, engineer, "Structured", incident=incident)
    assert hit_titles(org, engineer, "quokkaflux") == []
    with scope(organization=org):
        incident_services.incident_update(
            incident=incident, actor=engineer, title="Quokkaflux outage", services=["zookeeper"]
        )
    assert hit_titles(org, engineer, "quokkaflux") == ["Structured"]
    assert hit_titles(org, engineer, "zookeeper") == ["Structured"]
    assert hit_titles(org, engineer, "kafka") == []


@pytest.mark.postgres
def test_a_burst_of_autosaves_is_indexed_at_once_then_by_the_sweeper(org, engineer):
    from postmortems.search import tasks

    postmortem = write(org, engineer, "Burst", summary="first words")
    with scope(organization=org):
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"executive-summary": "the wombatrix stalled"},
        )
    # Moments after the last refresh, the coalesced autosave does not rebuild the vector…
    assert hit_titles(org, engineer, "wombatrix") == []
    # …the beat sweeper does, for every postmortem changed since its vector was written.
    assert tasks.refresh_stale_search_documents() >= 1
    assert hit_titles(org, engineer, "wombatrix") == ["Burst"]
    assert tasks.refresh_stale_search_documents() == 0


@pytest.mark.postgres
def test_other_scripts_are_found(org, engineer):
    write(org, engineer, "数据库故障复盘")
    write(org, engineer, "Отказ базы", root_cause="Сервер базы данных перегружен")
    assert hit_titles(org, engineer, "故障") == ["数据库故障复盘"]
    assert hit_titles(org, engineer, "перегружен") == ["Отказ базы"]


@pytest.mark.postgres
def test_stop_words_alone_ask_for_a_word(eng_client, org, engineer):
    write(org, engineer, "The review")
    html = page(eng_client, org, q="the and of")
    assert "Type a word to search for" in html


@pytest.mark.postgres
def test_the_index_follows_edits_and_restores(org, engineer):
    postmortem = write(org, engineer, "Moving target", root_cause="the original gerbilon fault")
    with scope(organization=org):
        first = postmortem.revisions.order_by("-number").first()
        postmortem = services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"root-cause": "a different hamsterix fault"},
            title="Moved target",
        )
    assert hit_titles(org, engineer, "gerbilon") == []
    assert hit_titles(org, engineer, "hamsterix") == ["Moved target"]
    with scope(organization=org):
        services.revision_restore(postmortem=postmortem, revision=first, actor=engineer)
    assert hit_titles(org, engineer, "gerbilon") == ["Moving target"]
    assert hit_titles(org, engineer, "hamsterix") == []


@pytest.mark.postgres
def test_search_reindex_rebuilds_one_organization_or_all(org, other_org, engineer, member_factory):
    foreigner = member_factory(Role.ADMIN, organization=other_org, username="foreigner")
    write(org, engineer, "Acme dingofax")
    write(other_org, foreigner, "Globex dingofax")
    with scopes_disabled():  # both organizations'
        PostmortemSearchDocument.objects.all().delete()
    assert hit_titles(org, engineer, "dingofax") == []
    call_command("search_reindex", "globex")
    with scope(organization=other_org):
        assert PostmortemSearchDocument.objects.filter(organization=other_org).count() == 1
    assert hit_titles(org, engineer, "dingofax") == []
    call_command("search_reindex")
    assert hit_titles(org, engineer, "dingofax") == ["Acme dingofax"]
    assert hit_titles(other_org, foreigner, "dingofax") == ["Globex dingofax"]
