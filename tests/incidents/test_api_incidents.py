"""API v1 incidents (DESIGN §8): the resources, the list and its filters, who may read and
write, other organizations' incidents, and the schema and docs."""

from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django_scopes import scopes_disabled
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from incidents.models import Incident, IncidentLink, Status, TimelineEntry
from incidents.transitions import incident_resolve
from organizations.roles import Role
from postmortems.models import Postmortem
from tests.incidents.helpers import T0, api_client, checkout_outage, declare, url

INCIDENT_FIELDS = {
    "ref",
    "title",
    "description",
    "severity",
    "status",
    "services",
    "commander",
    "participants",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "customer_impact",
    "data_loss",
    "security",
    "near_miss",
    "postmortem_required",
    "postmortem",
}
TIMELINE_ENTRY_FIELDS = {
    "id",
    "occurred_at",
    "kind",
    "actor",
    "description",
    "evidence_url",
    "is_key_event",
}
LINK_FIELDS = {"id", "type", "title", "url", "relationship", "occurred_at"}
LIST_FIELDS = {"count", "next", "previous", "results"}


@pytest.fixture
def viewer_api(org, viewer) -> APIClient:
    return api_client(org, viewer)


@pytest.fixture
def incident(org, engineer) -> Incident:
    return checkout_outage(org, engineer)


@pytest.fixture
def foreign_incident(other_org, member_factory) -> Incident:
    """Another organization's real incident, with a reference the home organization lacks."""
    stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
    declare(other_org, stranger, title="Globex warm-up")
    return declare(other_org, stranger, title="Globex secret outage")  # INC-2026-0002


# --- Resources ---------------------------------------------------------------------------------


def test_incident_resource_has_exactly_the_contract_fields(api, incident, engineer):
    response = api.get(url(incident.ref))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == INCIDENT_FIELDS
    assert data["ref"] == "INC-2026-0001"
    assert data["severity"] == "SEV1"
    assert data["status"] == "OPEN"
    assert data["services"] == ["api", "payments"]
    assert data["commander"] == "engineer"
    assert data["participants"] == ["engineer"]
    assert data["customer_impact"] is True
    assert data["postmortem_required"] is False
    assert data["postmortem"] is None


def test_times_are_iso_8601_with_the_organizations_offset(api, incident):
    data = api.get(url(incident.ref)).json()
    assert data["started_at"] == "2026-03-10T15:00:00+01:00"  # Europe/Paris, before DST
    assert data["detected_at"] == "2026-03-10T15:05:00+01:00"
    assert data["resolved_at"] is None


def test_postmortem_is_the_number_of_the_incidents_postmortem(api, org, incident):
    Postmortem.objects.create(organization=org, number=7, title="Checkout", incident=incident)
    assert api.get(url(incident.ref)).json()["postmortem"] == 7


def test_a_resolved_sev1_requires_a_postmortem(api, incident):
    data = api.post(url(incident.ref, "resolve"), {}, format="json").json()
    assert data["postmortem_required"] is True


def test_lists_are_paginated_with_count_next_previous_results(api, incident):
    for path in (url(), url(incident.ref, "timeline"), url(incident.ref, "links")):
        assert set(api.get(path).json()) == LIST_FIELDS, path


def test_timeline_entry_and_link_resources_have_the_contract_fields(api, incident):
    api.post(
        url(incident.ref, "links"),
        {"type": "ALERT", "title": "5xx rate", "url": "https://alerts.example.com/1"},
        format="json",
    )
    entry = api.get(url(incident.ref, "timeline")).json()["results"][0]
    link = api.get(url(incident.ref, "links")).json()["results"][0]
    assert set(entry) == TIMELINE_ENTRY_FIELDS
    assert set(link) == LINK_FIELDS


def test_lookup_by_reference_ignores_case(api, incident):
    assert api.get(url("inc-2026-0001")).json()["ref"] == "INC-2026-0001"


# --- List and filters --------------------------------------------------------------------------


@pytest.fixture
def three_incidents(org, engineer):
    return [
        declare(org, title="Checkout errors", severity="SEV1", services=["payments"]),
        declare(org, title="Slow search", severity="SEV3", started_at=T0 + timedelta(days=2)),
        declare(org, title="Login outage", severity="SEV2", started_at=T0 + timedelta(days=5)),
    ]


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["ref"] for row in response.json()["results"]]


def test_list_is_newest_first(api, three_incidents):
    assert refs(api.get(url())) == ["INC-2026-0003", "INC-2026-0002", "INC-2026-0001"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"severity": "SEV3"}, ["INC-2026-0002"]),
        ({"service": "payments"}, ["INC-2026-0001"]),
        ({"q": "outage"}, ["INC-2026-0003"]),
        ({"started_after": "2026-03-12"}, ["INC-2026-0003", "INC-2026-0002"]),
        ({"started_before": "2026-03-12"}, ["INC-2026-0002", "INC-2026-0001"]),
        ({"started_after": "2026-03-11", "started_before": "2026-03-13"}, ["INC-2026-0002"]),
        ({"status": "RESOLVED"}, ["INC-2026-0001"]),
    ],
)
def test_list_filters(api, three_incidents, query, expected):
    incident_resolve(incident=three_incidents[0], actor=None, at=T0 + timedelta(hours=1))
    assert refs(api.get(url(), query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"status": "CLOSED"},
        {"severity": "SEV9"},
        {"started_after": "yesterday"},
        {"started_before": "2026-02-30"},
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(api, query):
    response = api.get(url(), query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_list_pages(api, three_incidents):
    first = api.get(url(), {"page_size": 2}).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert first["previous"] is None
    second = api.get(first["next"]).json()
    assert [row["ref"] for row in second["results"]] == ["INC-2026-0001"]
    assert second["next"] is None


def test_list_runs_a_bounded_number_of_queries(
    api, org, engineer, member_factory, django_assert_max_num_queries
):
    for n in range(12):
        helper = member_factory(username=f"helper{n}")
        declare(org, engineer, services=[f"svc{n}", "shared"], participants=[helper])
    with django_assert_max_num_queries(9):
        response = api.get(url())
    assert response.json()["count"] == 12


def test_detail_runs_a_bounded_number_of_queries(api, incident, django_assert_max_num_queries):
    api.get(url(incident.ref))  # the token's last use is recorded once a minute
    with django_assert_max_num_queries(7):
        assert api.get(url(incident.ref)).status_code == 200


# --- Roles -------------------------------------------------------------------------------------


def test_a_viewer_may_read(viewer_api, incident):
    for path in (
        url(),
        url(incident.ref),
        url(incident.ref, "timeline"),
        url(incident.ref, "links"),
    ):
        assert viewer_api.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("patch", ""),
        ("post", "timeline"),
        ("post", "links"),
        ("post", "resolve"),
    ],
)
def test_a_viewer_may_not_write(viewer_api, incident, method, suffix):
    response = getattr(viewer_api, method)(url(incident.ref, suffix), {}, format="json")
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_a_viewer_may_not_declare(viewer_api):
    body = {"title": "X", "severity": "SEV1", "started_at": T0.isoformat()}
    assert viewer_api.post(url(), body, format="json").status_code == 403
    assert not Incident.objects.exists()


# --- Other organizations -----------------------------------------------------------------------

WRITE_BODIES = {
    "": {"title": "Taken over"},
    "timeline": {"occurred_at": T0.isoformat(), "description": "Taken over"},
    "links": {"type": "ALERT", "title": "Taken over", "url": "https://x.example.com"},
    "resolve": {},
}
OBJECT_REQUESTS = [
    ("get", ""),
    ("patch", ""),
    ("get", "timeline"),
    ("post", "timeline"),
    ("get", "links"),
    ("post", "links"),
    ("post", "resolve"),
]


@pytest.mark.parametrize(("method", "suffix"), OBJECT_REQUESTS)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.VIEWER])
def test_another_organizations_incident_is_404_whatever_the_role(
    org, member_factory, foreign_incident, method, suffix, role
):
    client = api_client(org, member_factory(role, username="local"))
    body = WRITE_BODIES[suffix]
    response = getattr(client, method)(url(foreign_incident.ref, suffix), body, format="json")
    assert response.status_code == 404
    assert b"Globex" not in response.content
    foreign_incident.refresh_from_db()
    assert (foreign_incident.title, foreign_incident.status) == ("Globex secret outage", "OPEN")
    with scopes_disabled():  # in either organization
        assert TimelineEntry.objects.filter(incident=foreign_incident).count() == 1
        assert not IncidentLink.objects.exists()


def test_the_list_shows_only_the_tokens_organization(api, incident, foreign_incident):
    assert refs(api.get(url())) == ["INC-2026-0001"]
    assert b"Globex" not in api.get(url(), {"q": "Globex"}).content


def test_a_reference_that_does_not_exist_is_404(api):
    for ref in ("INC-2026-0999", "not-a-ref", "INC-x-1"):
        assert api.get(url(ref)).status_code == 404, ref


# --- Schema and docs ---------------------------------------------------------------------------


def test_schema_is_valid_openapi_3_with_bearer_auth_and_the_incident_paths(client):
    response = client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/incidents",
        "/api/v1/incidents/{ref}",
        "/api/v1/incidents/{ref}/timeline",
        "/api/v1/incidents/{ref}/links",
        "/api/v1/incidents/{ref}/resolve",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token: `Authorization: Bearer hs_…`.",
    }
    assert set(schema["components"]["schemas"]["Incident"]["properties"]) == INCIDENT_FIELDS


def test_docs_page_loads_everything_from_our_own_origin(client):
    """Our Content-Security-Policy allows scripts and styles from 'self' only."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in html and "http://" not in html, "docs load assets from a CDN"
    assert "<script>" not in html, "inline scripts are refused by the CSP"
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    script = client.get("/api/v1/docs", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema" in script.content.decode()


def test_openapi_schema_generates_without_warnings(tmp_path):
    """drf-spectacular's warnings also fail ``check --deploy --fail-level WARNING`` in CI."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "TimelineEntryKindEnum" in (tmp_path / "s.yml").read_text()
