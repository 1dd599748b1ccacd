"""One "duration of impact" for an incident, wherever a document shows it: the read view's impact
card, the editor's card, the generated text, the PDF, Markdown and JSON exports, the public share
and the analytics. The incident was mitigated long before it was resolved, so a second definition
(until mitigation) would show up as a different figure."""

import json
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from incidents import services as incident_services
from incidents import transitions
from organizations.roles import Role
from postmortems.analytics import metrics
from postmortems.analytics.scope import AnalyticsScope
from postmortems.models import Section
from postmortems.sharing.public import public_document, public_json
from tests.postmortems.exports.helpers import export_url, pdf_text
from tests.postmortems.read.helpers import T0, new_postmortem

DURATION = "2h 14m"  # started 14:00, resolved 16:14; mitigated after 43 minutes
MITIGATED = "43m"


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann")


@pytest.fixture
def postmortem(org, author):
    with scope(organization=org):
        incident = incident_services.incident_declare(
            organization=org,
            actor=author,
            title="Payments failing",
            severity="SEV1",
            started_at=T0,
            services=["payments-api"],
            commander=author,
        )
        transitions.incident_mitigate(incident=incident, actor=None, at=T0 + timedelta(minutes=43))
        transitions.incident_resolve(
            incident=incident, actor=None, at=T0 + timedelta(hours=2, minutes=14)
        )
    incident.refresh_from_db()
    return new_postmortem(org, author, incident=incident)


def figure_after(label: str, html: str) -> str:
    """The text of the element that follows ``label`` in a figures block."""
    match = re.search(re.escape(label) + r"</(?:dt|div)>\s*<(?:dd|div)[^>]*>([^<]*)<", html)
    assert match, f"no {label!r} figure"
    return match.group(1).strip()


def test_the_incident_has_one_duration_of_impact(postmortem):
    incident = postmortem.incident
    assert incident.duration == timedelta(hours=2, minutes=14)
    assert not hasattr(incident, "impact_duration")


def test_card_generated_text_and_exports_agree(client, org, author, postmortem):
    client.force_login(author)
    generated = Section.objects.get(postmortem=postmortem, key="impact-assessment").body
    assert f"**Duration of impact:** {DURATION}\n" in generated

    read = client.get(
        reverse("postmortem_detail", kwargs={"org_slug": org.slug, "number": postmortem.number})
    ).content.decode()
    assert figure_after("Duration of impact", read) == DURATION

    editor = client.get(
        reverse("postmortem_edit", kwargs={"org_slug": org.slug, "number": postmortem.number})
    ).content.decode()
    assert DURATION in editor and f">{MITIGATED}<" not in editor

    markdown = client.get(export_url(org, postmortem, "md")).content.decode()
    assert f"| Duration of impact | {DURATION} |" in markdown
    assert f"| Duration of impact | {MITIGATED} |" not in markdown

    data = json.loads(client.get(export_url(org, postmortem, "json")).content)
    assert data["key_numbers"]["duration_seconds"] == (2 * 60 + 14) * 60

    text = pdf_text(client.get(export_url(org, postmortem, "pdf")).content)
    assert f"{DURATION}\nDURATION OF\nIMPACT" in text  # the impact card
    assert f"Duration of impact: {DURATION}" in text


def test_the_public_share_and_analytics_use_the_same_duration(org, postmortem):
    postmortem.public_sections = ["summary", "impact-assessment"]
    public = public_document(postmortem)
    assert public.incident.duration == postmortem.incident.duration
    assert public_json(public)["incident"]["duration_minutes"] == 134
    assert "impact_minutes" not in public_json(public)["incident"]

    result = metrics.detect_resolve(AnalyticsScope(org, date(2026, 3, 1), date(2026, 3, 31)))
    [overall] = result.overall
    assert overall.ttr_median == postmortem.incident.duration
