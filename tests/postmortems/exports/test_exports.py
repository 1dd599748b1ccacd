"""Exports of one postmortem: PDF, Markdown, standalone HTML and JSON."""

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from actionitems.models import ActionItem
from organizations.roles import Role
from organizations.services import api_token_create
from postmortems.exports import documents as exports
from postmortems.exports import pdf, rendering
from postmortems.models import Review, Section, Visibility
from tests.markup import Elements
from tests.postmortems.exports.helpers import export_url, pdf_text
from tests.postmortems.read.helpers import XSS, new_postmortem, resolved_incident, save

T_ROWS = [
    {"time": "2026-03-10T14:02:00+00:00", "event": "Error rate above **5%**", "actor": "Datadog"},
    {"time": "2026-03-10T14:09:00+00:00", "event": "Rolled back v2.3.1", "actor": "bob", "key": 1},
]


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann", first_name="Ann", last_name="Author")


@pytest.fixture
def written(org, author, member_factory):
    """A Comprehensive postmortem with every kind of section written."""
    incident = resolved_incident(org, author)
    postmortem = new_postmortem(org, author, incident=incident)
    sections = {s.key: s for s in Section.objects.filter(postmortem=postmortem)}
    bodies = {key: f"Body of {key}: we learned *something* about {key}." for key in sections}
    chart = reverse(
        "incident_metric_chart",
        kwargs={"org_slug": org.slug, "ref": incident.ref, "metric": "errorRate"},
    )
    bodies["root-cause"] += f"\n\n![Error rate]({chart})"
    postmortem = save(postmortem, author, sections=bodies)
    Section.objects.filter(postmortem=postmortem, key="timeline").update(data={"rows": T_ROWS})
    Section.objects.filter(postmortem=postmortem, key="five-whys").update(
        data={"whys": [{"why": "Why did writes fail?", "because": "The column was NOT NULL."}]}
    )
    Section.objects.filter(postmortem=postmortem, key="contributing-factors").update(
        data={
            "factors": [
                {"title": "No default", "description": "d", "category": "code", "level": "primary"}
            ]
        }
    )
    ActionItem.objects.create(
        organization=org,
        number=1,
        postmortem=postmortem,
        section_key="actions-immediate",
        description="Lint NOT NULL | without default",
        owner=author,
        due_date=date(2020, 1, 1),
        priority="HIGH",
        ticket_url="https://acme.atlassian.net/browse/ENG-1236",
    )
    reviewer = member_factory(Role.REVIEWER, username="rita", first_name="Rita", last_name="Reed")
    Review.objects.create(
        organization=org,
        postmortem=postmortem,
        reviewer=reviewer,
        round=1,
        decision="APPROVED",
        comment="Clear and blameless.",
    )
    postmortem.refresh_from_db()
    return postmortem


# --- Markdown ----------------------------------------------------------------------------------


def test_markdown_has_the_familiar_structure_and_every_section(client, org, author, written):
    client.force_login(author)
    response = client.get(export_url(org, written, "md"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith(f"# PM-{written.number}: {written.title}\n")
    assert "| **Severity** | SEV1" in text
    for section in Section.objects.filter(postmortem=written):
        assert f"## {section.title}" in text
        if section.kind == "markdown":
            assert section.body.strip() in text  # bodies round-trip verbatim
    assert "| Time | T+ | Event | Who |" in text
    assert "| 2026-03-10 " in text and "Error rate above **5%**" in text
    assert "★ Rolled back v2.3.1" in text
    assert "1. **Why did writes fail?**" in text
    assert "### Primary factors" in text and "**No default** _(Code)_" in text
    assert "| AI-1 | Lint NOT NULL \\| without default | Ann Author |" in text
    assert "(overdue)" in text and "[ENG-1236](https://acme.atlassian.net/browse/ENG-1236)" in text
    assert "## Reviews" in text and "Clear and blameless." in text


# --- JSON --------------------------------------------------------------------------------------


def test_json_round_trips_the_content(client, org, author, written):
    client.force_login(author)
    response = client.get(export_url(org, written, "json"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["number"] == written.number and data["title"] == written.title
    assert data["incident"]["ref"] == written.incident.ref
    assert data["incident"]["severity"] == "SEV1"
    stored = {s.key: s for s in Section.objects.filter(postmortem=written)}
    assert [s["key"] for s in data["sections"]] == list(stored)
    for section in data["sections"]:
        assert section["body"] == stored[section["key"]].body
        assert section["data"] == stored[section["key"]].data
    assert [row["event"] for row in data["timeline"]] == [r["event"] for r in T_ROWS]
    assert data["timeline"][1]["key"] is True
    [item] = data["action_items"]
    assert item["description"] == "Lint NOT NULL | without default"
    assert item["owner"] == "ann" and item["is_overdue"] is True and item["priority"] == "HIGH"
    assert data["reviews"] == [
        {
            "reviewer": "rita",
            "round": 1,
            "decision": "APPROVED",
            "comment": "Clear and blameless.",
            "created_at": data["reviews"][0]["created_at"],
            "decided_at": None,
        }
    ]
    assert data["links"][0]["url"] == "https://git.example.com/releases/0"
    assert data["key_numbers"]["duration_seconds"] == 7200
    assert data["metrics"][0]["key"] == "errorRate"


# --- Standalone HTML ---------------------------------------------------------------------------


def test_standalone_html_has_inline_styles_charts_and_nothing_active(client, org, author, written):
    key = "executive-summary"
    written = save(written, author, sections={key: XSS})
    client.force_login(author)
    response = client.get(export_url(org, written, "html"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "attachment" in response["Content-Disposition"]
    assert 'style="' in html and "<link" not in html
    tags = Elements(html).tags
    assert not [t for t, _ in tags if t in {"script", "iframe", "object", "embed", "style"}]
    for _tag, attrs in tags:
        assert not [name for name in attrs if name.startswith(("on", "hx-"))]
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").lower().startswith("javascript:")
    assert "metrics/errorRate.svg" not in html  # the chart image became inline SVG
    assert html.count("<svg") >= 2  # in root cause, and in the metrics section
    assert "Rolled back v2.3.1" in html and "Clear and blameless." in html


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_contains_the_sections_and_is_cached(client, org, author, written, tmp_path):
    client.force_login(author)
    response = client.get(export_url(org, written, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert f"PM-{written.number}" in text and "Page 1 of" in text
    for section in Section.objects.filter(postmortem=written):
        assert section.title in text
    assert "Body of went-well" in text and "Rolled back v2.3.1" in text
    words = " ".join(text.split())  # a table cell may wrap, depending on the fonts installed
    assert "Lint NOT NULL | without default" in words and "Rita Reed" in words

    calls = []
    original = rendering.render_pdf

    def counting(html, **kwargs):
        calls.append(1)
        return original(html, **kwargs)

    rendering.render_pdf = counting
    try:
        assert client.get(export_url(org, written, "pdf")).content == response.content
        assert calls == []  # cached for this revision
        save(written, author, title="A new title")
        client.get(export_url(org, written, "pdf"))
        assert calls == [1]  # a new revision renders again
    finally:
        rendering.render_pdf = original


def test_pdf_too_large_is_a_clean_503(client, org, author, written, monkeypatch):
    monkeypatch.setattr(pdf, "MAX_HTML_BYTES", 2000)
    client.force_login(author)
    response = client.get(export_url(org, written, "pdf"))
    assert response.status_code == 503
    assert "too large" in response.content.decode()
    assert export_url(org, written, "md") in response.content.decode()


# --- Access ------------------------------------------------------------------------------------


def test_unknown_format_is_404(client, org, author, written):
    client.force_login(author)
    assert client.get(export_url(org, written, "docx")).status_code == 404


def test_viewer_may_export_what_they_may_read(client, org, viewer, written):
    client.force_login(viewer)
    assert client.get(export_url(org, written, "md")).status_code == 200
    written.visibility = Visibility.PRIVATE
    written.save(update_fields=["visibility"])
    for fmt in exports.FORMATS:
        assert client.get(export_url(org, written, fmt)).status_code == 404


def test_other_organizations_and_strangers_get_404(client, org, other_org, written):
    from tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="olga")
    MembershipFactory(user=outsider, organization=other_org, role=Role.ADMIN)
    client.force_login(outsider)
    assert client.get(export_url(org, written, "md")).status_code == 404
    url = reverse(
        "postmortem_export",
        kwargs={"org_slug": other_org.slug, "number": written.number, "fmt": "md"},
    )
    assert client.get(url).status_code == 404


def test_post_is_refused(client, org, author, written):
    client.force_login(author)
    assert client.post(export_url(org, written, "md")).status_code == 405


def test_export_queries_are_bounded(client, org, author, written, count_queries):
    client.force_login(author)
    small = count_queries(lambda: client.get(export_url(org, written, "md")))
    for n in range(2, 40):
        ActionItem.objects.create(
            organization=org,
            number=n,
            postmortem=written,
            section_key="actions-short-term",
            description=f"Follow-up {n}",
            owner=author,
        )
    rows = [{"time": "2026-03-10T15:00:00+00:00", "event": f"e{n}"} for n in range(200)]
    Section.objects.filter(postmortem=written, key="timeline").update(data={"rows": rows})
    responses = []
    large = count_queries(lambda: responses.append(client.get(export_url(org, written, "md"))))
    assert "Follow-up 39" in responses[0].content.decode()
    assert large <= small + 1


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(org, author):
    _, plain = api_token_create(organization=org, user=author, name="exports")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def api_url(postmortem, fmt: str) -> str:
    return reverse("api:postmortem_export", kwargs={"number": postmortem.number, "fmt": fmt})


def test_api_exports_each_format(api, written):
    data = api.get(api_url(written, "json")).json()
    assert data["number"] == written.number and len(data["sections"]) > 5
    md = api.get(api_url(written, "md"), HTTP_ACCEPT="text/markdown")
    assert md.status_code == 200 and md.content.decode().startswith(f"# PM-{written.number}")
    html = api.get(api_url(written, "html"))
    assert html.status_code == 200 and b"<!DOCTYPE html>" in html.content
    response = api.get(api_url(written, "pdf"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_api_refuses_unknown_formats_and_foreign_postmortems(api, org, other_org, written):
    assert api.get(api_url(written, "docx")).status_code == 404
    written.number = 999
    assert api.get(api_url(written, "pdf")).status_code == 404
    assert api.get(api_url(written, "pdf")).json()["detail"]


def test_api_without_token_is_401(written):
    assert APIClient().get(api_url(written, "json")).status_code == 401


def test_schema_describes_the_export(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/postmortems/{number}/export/{fmt}" in schema
    assert "PostmortemExport" in schema and "application/pdf" in schema
    assert "action_items" in schema


def test_filename_is_safe():
    class Fake:
        title = 'Outage: "quotes" / slashes\\ and émojis 🎉'
        number = 7

    export = exports.Export(Fake(), None, [], [], 0, date.today(), None)  # type: ignore[arg-type]
    assert export.filename == "PM-7-outage-quotes-slashes-and-mojis"


def test_overdue_is_judged_in_the_organizations_day(org, author, written):
    export = exports.load_export(written)
    item = export.items[0]
    item.due_date = export.today + timedelta(days=1)
    assert not export.is_overdue(item)
    item.due_date = export.today - timedelta(days=1)
    assert export.is_overdue(item)
