"""The postmortem document: its page, its bounded query counts and its display filters."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django_scopes import scope

from incidents import services as incident_services
from organizations.roles import Role
from postmortems.editor.services import Impact, postmortem_set_impact
from postmortems.models import Postmortem, Revision, Section
from postmortems.templatetags import documents
from tests.postmortems.read.helpers import (
    T0,
    XSS,
    assert_inert,
    body,
    new_postmortem,
    resolved_incident,
    save,
    url,
)

# --- Helpers -----------------------------------------------------------------------------------


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


# --- Bounded queries of the document and its history -------------------------------------------


def test_the_read_view_runs_a_constant_number_of_queries(
    eng_client, org, engineer, member_factory, count_queries
):
    small_doc = written_document(org, engineer)
    eng_client.get(url("postmortem_detail", org, number=small_doc.number))  # warm the caches
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
    eng_client.get(url("postmortem_detail", org, number=big_doc.number))  # warm the caches
    large = count_queries(
        lambda: eng_client.get(url("postmortem_detail", org, number=big_doc.number))
    )
    assert large == small == 21


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
