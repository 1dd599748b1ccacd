"""The search page's results, odd input, and the list's and the API's q using the same search."""

import re

import pytest
from django.urls import reverse

from postmortems.models import Visibility
from postmortems.search import services as search
from postmortems.search.query import MAX_QUERY_CHARS
from tests.incidents.helpers import api_client
from tests.postmortems.search.helpers import page, search_url, write

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
    """A full page of results, with more below it (the similar-incidents card lists some)."""
    for n in range(25):
        write(org, engineer, f"Tapirion review {n}", root_cause="tapirion everywhere")
    few = count_queries(lambda: page(eng_client, org, q="tapirion"))
    for n in range(25, 60):
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
