"""Reading postmortems: the list, the document, its history, diffs and restores."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from guardian.shortcuts import assign_perm

from incidents import services as incident_services
from organizations.roles import Role
from postmortems import creation, selectors
from postmortems.editor.services import Impact, postmortem_set_impact
from postmortems.models import Postmortem, PostmortemStatus, Revision, Section
from postmortems.permissions import EDIT_PERMISSION
from postmortems.templatetags import documents
from tests.postmortems.read.helpers import (
    T0,
    XSS,
    assert_inert,
    comprehensive,
    new_postmortem,
    resolved_incident,
    save,
)

# --- Helpers -----------------------------------------------------------------------------------


def url(name: str, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def body(response) -> str:
    return response.content.decode()


FACTORS = {
    "factors": [
        {
            "title": "Required column without a default",
            "description": "Migration 0087 added a NOT NULL column.",
            "category": "code",
            "level": "primary",
        },
        {
            "title": "Canary threshold too coarse",
            "description": "Absolute 10% threshold.",
            "category": "deployment",
            "level": "secondary",
        },
        {
            "title": "Quarter-end deadline",
            "description": "Schema shipped early.",
            "category": "incentives",
            "level": "environmental",
        },
    ]
}
WHYS = {
    "whys": [
        {"why": "Why did checkouts fail?", "because": "INSERTs were rejected."},
        {"why": "Why were they rejected?", "because": "A required column had no default."},
        {"why": "", "because": ""},
    ]
}


def written_document(org, author) -> Postmortem:
    incident = resolved_incident(org, author, links=3)
    postmortem = new_postmortem(org, author, incident)
    postmortem = save(
        postmortem,
        author,
        sections={
            "executive-summary": "About **30%** of checkouts failed.",
            "actions-immediate": "| ID | Action |\n|---|---|\n| A1 | Lint rule |",
            "metrics": "Errors climb two minutes after the deploy.",
        },
        section_data={
            "contributing-factors": FACTORS,
            "five-whys": WHYS,
            "timeline": {
                "rows": [
                    {"time": "2026-03-10T13:50:00+00:00", "event": "Merged", "actor": "GitHub"},
                    {
                        "time": "2026-03-10T14:02:00+00:00",
                        "event": "Error rate **above** 5%",
                        "actor": "Datadog",
                        "key": True,
                    },
                ]
            },
        },
    )
    with scope(organization=org):
        return postmortem_set_impact(
            postmortem=postmortem,
            actor=author,
            key="impact-assessment",
            impact=Impact(
                users_affected=1284,
                revenue_impact=Decimal("12000"),
                sla_breached=True,
                support_tickets=214,
            ),
            base_version=postmortem.version,
        )


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def document(org, engineer) -> Postmortem:
    return written_document(org, engineer)


# --- The read view -----------------------------------------------------------------------------


def test_the_read_view_shows_the_header_block(eng_client, org, engineer, document):
    response = eng_client.get(url("postmortem_detail", org, number=document.number))
    assert response.status_code == 200
    html = body(response)
    incident = document.incident
    assert incident.ref in html
    assert "SEV1 · Critical" in html
    assert "2h" in html  # duration
    assert "payments-api" in html and "postgres" in html
    assert engineer.get_full_name() in html  # commander and author
    assert "Tuesday, March 10, 2026" in html  # the incident's day in Europe/Paris
    assert "Draft" in html
    assert url("postmortem_history", org, number=document.number) in html
    assert url("postmortem_edit", org, number=document.number) in html  # the author may edit


def test_the_table_of_contents_links_every_section_in_order(eng_client, org, document):
    html = body(eng_client.get(url("postmortem_detail", org, number=document.number)))
    sections = list(Section.objects.filter(postmortem=document))
    anchors = [html.index(f'href="#section-{s.key}"') for s in sections]
    assert anchors == sorted(anchors)
    for section in sections:
        assert f'id="section-{section.key}"' in html


def test_every_section_kind_renders(eng_client, org, document):
    html = body(eng_client.get(url("postmortem_detail", org, number=document.number)))
    # markdown and action items: rendered, not raw
    assert "About <strong>30%</strong> of checkouts failed." in html
    assert "<td>Lint rule</td>" in html
    # timeline: a table from data.rows, in the organization's time zone, key events starred
    assert "doc-timeline" in html
    assert "14:50" in html and "15:02" in html  # 13:50 and 14:02 UTC in Europe/Paris
    assert "Error rate <strong>above</strong> 5%" in html
    assert html.count('class="is-key"') == 1
    # five whys: a numbered chain, blank steps left out
    assert "Why did checkouts fail?" in html and "A required column had no default." in html
    assert html.count('class="doc-whys__step"') == 2
    # contributing factors: grouped by level with category chips
    for heading in ("Primary factors", "Secondary factors", "Environmental factors"):
        assert heading in html
    assert html.index("Primary factors") < html.index("Secondary factors")
    assert "category-chip--code" in html and ">Incentives<" in html
    # impact figures
    assert "1,284" in html and "$12,000" in html and "Breached" in html and ">214<" in html
    # links: the incident's evidence grouped by type
    assert ">Release<" in html and ">Alert<" in html and "Caused by" in html
    assert "https://git.example.com/releases/0" in html
    # metrics: server-side SVG charts and the writer's notes
    assert "<svg" in html and "Errors climb two minutes after the deploy." in html


def test_untouched_generated_text_of_data_sections_is_not_shown_twice(eng_client, org, document):
    """The generated timeline table and evidence lists repeat the structured rendering."""
    html = body(eng_client.get(url("postmortem_detail", org, number=document.number)))
    assert "| Time | Event | Who |" not in html
    assert "### Alerts" not in html
    assert "<h3>Alerts</h3>" not in html


def test_empty_sections_say_so(eng_client, org, engineer):
    postmortem = new_postmortem(org, engineer)
    save(postmortem, engineer, sections={"root-cause": "  "})
    html = body(eng_client.get(url("postmortem_detail", org, number=postmortem.number)))
    assert "Not written yet." in html
    assert "Not linked to an incident" in html


def test_the_edit_button_follows_edit_rights(client, org, document, member_factory, viewer):
    other_engineer = member_factory(Role.ENGINEER, username="other-engineer")
    admin = member_factory(Role.ADMIN, username="an-admin")
    edit_url = url("postmortem_edit", org, number=document.number)
    for user, shown in ((viewer, False), (other_engineer, False), (admin, True)):
        client.force_login(user)
        response = client.get(url("postmortem_detail", org, number=document.number))
        assert response.status_code == 200  # every member may read
        assert (edit_url in body(response)) is shown, user.username


def test_invited_editors_are_listed_and_may_edit(client, org, engineer, member_factory):
    invited = member_factory(Role.ENGINEER, username="invited", first_name="Ivy", last_name="Ng")
    incident = resolved_incident(org, engineer)
    postmortem = new_postmortem(org, engineer, incident, editors=[invited])
    client.force_login(invited)
    html = body(client.get(url("postmortem_detail", org, number=postmortem.number)))
    assert "Ivy Ng" in html
    assert url("postmortem_edit", org, number=postmortem.number) in html


def test_section_bodies_render_xss_inert(eng_client, org, engineer):
    incident = resolved_incident(org, engineer)
    postmortem = new_postmortem(org, engineer, incident)
    keys = Section.objects.filter(postmortem=postmortem).values_list("key", flat=True)
    save(
        postmortem,
        engineer,
        sections=dict.fromkeys(keys, XSS),
        section_data={
            "timeline": {"rows": [{"time": T0.isoformat(), "event": XSS, "actor": XSS}]},
            "five-whys": {"whys": [{"why": XSS, "because": XSS}]},
            "contributing-factors": {
                "factors": [{"title": XSS, "description": XSS, "category": XSS, "level": XSS}]
            },
        },
    )
    response = eng_client.get(url("postmortem_detail", org, number=postmortem.number))
    assert response.status_code == 200
    html = body(response)
    assert_inert(html)
    assert "&lt;script&gt;alert(&#x27;body&#x27;)&lt;/script&gt;" in html  # shown as text


# --- The list ----------------------------------------------------------------------------------


def make_list(org, author, count: int, *, start: int = 0) -> list[Postmortem]:
    made = []
    for n in range(start, start + count):
        incident = resolved_incident(
            org,
            author,
            title=f"Outage {n}",
            severity=("SEV1", "SEV2", "SEV3")[n % 3],
            links=0,
            started_at=T0 + timedelta(days=n),
            services=[f"svc-{n % 2}"],
        )
        made.append(new_postmortem(org, author, incident, title=f"Review {n}"))
    return made


def test_a_new_organization_is_told_where_drafts_come_from(eng_client, org):
    response = eng_client.get(url("postmortem_list", org))
    html = body(response)
    assert response.status_code == 200
    assert "No postmortems yet" in html
    assert "incident is resolved" in html
    assert url("postmortem_create", org) in html


def test_viewers_get_the_empty_state_without_the_create_link(client, org, viewer):
    client.force_login(viewer)
    html = body(client.get(url("postmortem_list", org)))
    assert "No postmortems yet" in html
    assert url("postmortem_create", org) not in html


def test_list_rows_show_what_the_issue_asks_for(eng_client, org, engineer):
    incident = resolved_incident(org, engineer, title="Checkout down")
    postmortem = new_postmortem(org, engineer, incident, title="Checkout review")
    Postmortem.objects.filter(pk=postmortem.pk).update(generated=True)
    html = body(eng_client.get(url("postmortem_list", org)))
    assert f"PM-{postmortem.number}" in html
    assert "Checkout review" in html
    assert url("postmortem_detail", org, number=postmortem.number) in html
    assert url("incident_detail", org, ref=incident.ref) in html
    assert "sev--sev1" in html and "pm--draft" in html
    assert "Mar 10, 2026" in html
    assert engineer.get_full_name() in html
    assert "just now" in html
    assert "Generated" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"severity": "SEV2"}, {"Review 1", "Review 4"}),
        ({"service": "svc-1"}, {"Review 1", "Review 3", "Review 5"}),
        ({"q": "review 2"}, {"Review 2"}),
        ({"date_from": "2026-03-13", "date_to": "2026-03-14"}, {"Review 3", "Review 4"}),
        ({"status": "PUBLISHED"}, set()),
        ({"author": "engineer"}, {f"Review {n}" for n in range(6)}),
        ({"author": "nobody-at-all"}, {f"Review {n}" for n in range(6)}),  # not a choice: ignored
    ],
)
def test_list_filters(eng_client, org, engineer, query, expected):
    make_list(org, engineer, 6)
    html = body(eng_client.get(url("postmortem_list", org), query))
    shown = {f"Review {n}" for n in range(6) if f">Review {n}<" in html}
    assert shown == expected


def test_my_drafts_are_the_ones_i_author_or_was_invited_to(client, org, engineer, member_factory):
    other = member_factory(Role.ENGINEER, username="other")
    mine, invited, theirs, published = make_list(org, other, 4)
    Postmortem.objects.filter(pk=mine.pk).update(author=engineer)
    assign_perm(EDIT_PERMISSION, engineer, invited)
    Postmortem.objects.filter(pk=published.pk).update(
        author=engineer, status=PostmortemStatus.PUBLISHED
    )
    client.force_login(engineer)
    html = body(client.get(url("postmortem_list", org), {"mine": "on"}))
    assert ">Review 0<" in html and ">Review 1<" in html
    assert ">Review 2<" not in html and ">Review 3<" not in html


def test_no_drafts_of_mine_has_its_own_empty_state(eng_client, org, engineer, member_factory):
    make_list(org, member_factory(Role.ENGINEER, username="other"), 1)
    html = body(eng_client.get(url("postmortem_list", org), {"mine": "on"}))
    assert "No drafts waiting for you" in html


def test_filters_that_match_nothing_get_their_own_empty_state(eng_client, org, engineer):
    make_list(org, engineer, 1)
    html = body(eng_client.get(url("postmortem_list", org), {"q": "zzz"}))
    assert "No postmortems match these filters" in html
    assert "Clear filters" in html


def test_list_paginates_by_25_and_keeps_the_filters_in_its_links(eng_client, org, engineer):
    for n in range(27):
        new_postmortem(org, engineer, title=f"Blank {n}")
    html = body(eng_client.get(url("postmortem_list", org), {"q": "blank"}))
    assert html.count("pm-cell-title__link") == 25
    assert "?q=blank&amp;page=2" in html
    page2 = body(eng_client.get(url("postmortem_list", org), {"q": "blank", "page": 2}))
    assert page2.count("pm-cell-title__link") == 2


def test_htmx_filtering_answers_the_results_fragment(eng_client, org, engineer):
    make_list(org, engineer, 2)
    response = eng_client.get(
        url("postmortem_list", org),
        {"q": "Review 1"},
        headers={"HX-Request": "true", "HX-Target": "postmortem-results"},
    )
    html = body(response)
    assert html.lstrip().startswith('<div id="postmortem-results"')
    assert ">Review 1<" in html and ">Review 0<" not in html
    assert "<html" not in html


def test_the_list_runs_a_constant_number_of_queries(eng_client, org, engineer, count_queries):
    make_list(org, engineer, 2)
    small = count_queries(lambda: eng_client.get(url("postmortem_list", org)))
    make_list(org, engineer, 10, start=2)
    large = count_queries(lambda: eng_client.get(url("postmortem_list", org)))
    assert large == small


def test_the_nav_has_postmortems(eng_client, org):
    html = body(eng_client.get(url("postmortem_list", org)))
    list_url = url("postmortem_list", org)
    assert f'<a href="{list_url}" aria-current="page">Postmortems</a>' in html


# --- Bounded queries of the document and its history -------------------------------------------


def test_the_read_view_runs_a_constant_number_of_queries(
    eng_client, org, engineer, member_factory, count_queries
):
    small_doc = written_document(org, engineer)
    small = count_queries(
        lambda: eng_client.get(url("postmortem_detail", org, number=small_doc.number))
    )
    related = [resolved_incident(org, engineer, title=f"Related {n}") for n in range(3)]
    incident = resolved_incident(org, engineer, links=9)
    with scope(organization=org):
        incident_services.metric_series_set(
            incident=incident, key="latency", name="p99", unit="ms", points=[(T0, 1.0)]
        )
    editors = [member_factory(Role.ENGINEER) for _ in range(3)]
    big_doc = new_postmortem(org, engineer, incident, related_incidents=related, editors=editors)
    rows = [{"time": (T0 + timedelta(minutes=n)).isoformat(), "event": f"e{n}"} for n in range(40)]
    big_doc = save(big_doc, engineer, section_data={"timeline": {"rows": rows}})
    for editor in editors:
        big_doc = save(big_doc, editor, sections={"executive-summary": editor.username})
    large = count_queries(
        lambda: eng_client.get(url("postmortem_detail", org, number=big_doc.number))
    )
    assert large == small


def test_the_history_runs_a_constant_number_of_queries(
    eng_client, org, engineer, member_factory, count_queries
):
    other = member_factory(Role.ADMIN, username="other-admin")
    postmortem = new_postmortem(org, engineer)
    history = url("postmortem_history", org, number=postmortem.number)
    postmortem = save(postmortem, other, sections={"root-cause": "one"})
    small = count_queries(lambda: eng_client.get(history))
    for n in range(10):
        postmortem = save(postmortem, (engineer, other)[n % 2], sections={"root-cause": f"{n}"})
    assert Revision.objects.filter(postmortem=postmortem).count() == 12
    large = count_queries(lambda: eng_client.get(history))
    assert large == small


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


# --- Selectors ---------------------------------------------------------------------------------


def test_list_selector_filters_by_incident_reference_primary_or_related(org, engineer):
    first, second = make_list(org, engineer, 2)
    extra = resolved_incident(org, engineer, title="Also covered")
    primary = resolved_incident(org, engineer, title="Reviewed here")
    covering = new_postmortem(org, engineer, primary, related_incidents=[extra])
    found = selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": extra.ref},
    )
    assert list(found) == [covering]
    found = selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": first.incident.ref},
    )
    assert list(found) == [first]
    assert not selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": "nonsense"},
    )


def test_list_selector_date_range_is_inclusive_in_the_current_time_zone(org, engineer):
    make_list(org, engineer, 3, start=0)
    late = resolved_incident(org, engineer, started_at=datetime(2026, 3, 11, 23, 30, tzinfo=UTC))
    new_postmortem(org, engineer, late, title="Late")  # March 12 in Paris, March 11 in UTC
    day = {"date_from": date(2026, 3, 11), "date_to": date(2026, 3, 11)}
    with timezone.override("Europe/Paris"):
        found = selectors.postmortem_list(
            organization=org, membership=engineer.memberships.get(organization=org), filters=day
        )
        assert [p.title for p in found] == ["Review 1"]
    with timezone.override("UTC"):
        found = selectors.postmortem_list(
            organization=org, membership=engineer.memberships.get(organization=org), filters=day
        )
        assert sorted(p.title for p in found) == ["Late", "Review 1"]


# --- Display filters ---------------------------------------------------------------------------


def test_display_filters_survive_malformed_section_data():
    rows = documents.timeline_rows(
        {"rows": [{"time": "not a time", "event": "x"}, "junk", {"time": "2026-03-10T14:00"}]}
    )
    assert [r.raw_time for r in rows] == ["2026-03-10T14:00", "not a time"]  # unreadable last
    assert rows[0].moment is not None and rows[0].new_day and rows[1].moment is None
    assert documents.timeline_rows({"rows": "nope"}) == [] == documents.timeline_rows(None)
    levels = documents.factor_levels(
        {"factors": [{"title": "A", "level": "weird"}, {"level": "primary"}, {"title": "B"}]}
    )
    assert [(g["level"], len(g["factors"])) for g in levels] == [("other", 2)]
    assert documents.filled_whys({"whys": [{"why": " "}, {"because": "x"}]}) == [
        {"why": "", "because": "x"}
    ]
    assert documents.money(Decimal("1234.5")) == "$1,234.50"
    assert documents.money(None) == "—"


def test_long_unchanged_stretches_of_a_diff_are_folded():
    lines = [(" ", f"line {n}") for n in range(20)]
    lines[10] = ("+", "added")
    rows = documents.diff_rows(lines)
    assert rows[0] == {"skipped": 7}
    assert rows[-1] == {"skipped": 6}
    assert [r.get("sign") for r in rows[1:-1]] == [" "] * 3 + ["+"] + [" "] * 3
