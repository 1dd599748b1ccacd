"""API v1 incidents (DESIGN §8): resources, filters, writes through services, errors."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.staticfiles import finders
from django_scopes import scopes_disabled
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from incidents.models import EntryKind, Incident, IncidentLink, Status, TimelineEntry
from incidents.tasks import incident_resolved
from incidents.transitions import TransitionError, incident_resolve
from organizations.roles import Role
from postmortems.models import Postmortem
from tests.incidents.helpers import T0, api_client, declare

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


def url(ref: str = "", suffix: str = "") -> str:
    path = "/api/v1/incidents"
    if ref:
        path += f"/{ref}"
    return path + (f"/{suffix}" if suffix else "")


@pytest.fixture
def api(org, engineer) -> APIClient:
    return api_client(org, engineer)


@pytest.fixture
def viewer_api(org, viewer) -> APIClient:
    return api_client(org, viewer)


@pytest.fixture
def incident(org, engineer) -> Incident:
    return declare(
        org,
        engineer,
        title="Checkout errors",
        severity="SEV1",
        detected_at=T0 + timedelta(minutes=5),
        services=["payments", "api"],
        commander=engineer,
        customer_impact=True,
    )


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


# --- Declare and update ------------------------------------------------------------------------


def test_declare_an_incident(api, engineer, member_factory):
    member_factory(username="carol")
    response = api.post(
        url(),
        {
            "title": "  Payments down ",
            "severity": "SEV1",
            "started_at": "2026-03-10T15:00:00+01:00",
            "detected_at": "2026-03-10T14:10:00Z",
            "services": ["payments", "checkout"],
            "commander": "carol",
            "participants": ["engineer"],
            "data_loss": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == url(data["ref"])
    assert data["title"] == "Payments down"
    assert data["status"] == "OPEN"
    assert data["commander"] == "carol"
    assert data["participants"] == ["carol", "engineer"]
    assert data["services"] == ["checkout", "payments"]
    assert data["data_loss"] is True
    incident = Incident.objects.get(title="Payments down")
    assert incident.created_by == engineer
    assert incident.started_at == T0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"severity": "SEV9"}, {"severity"}),
        ({"title": ""}, {"title"}),
        ({"started_at": "soon"}, {"started_at"}),
        ({"commander": "nobody"}, {"commander"}),
        ({"participants": ["nobody"]}, {"participants"}),
        ({"status": "RESOLVED", "ref": "INC-1999-0001"}, {"status", "ref"}),
        (
            {"status": "RESOLVED", "severity": "SEV9", "commander": "x"},
            {"status", "severity", "commander"},
        ),
        ({"detected_at": "2026-03-10T13:00:00Z"}, {"detected_at"}),  # before it started
    ],
)
def test_declare_refuses_bad_input_naming_the_fields(api, body, fields):
    valid = {"title": "Payments down", "severity": "SEV1", "started_at": "2026-03-10T14:00:00Z"}
    response = api.post(url(), {**valid, **body}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Incident.objects.exists()


def test_declare_refuses_a_commander_from_another_organization(api, other_org, member_factory):
    member_factory(organization=other_org, username="outsider")
    body = {"title": "X", "severity": "SEV1", "started_at": T0.isoformat(), "commander": "outsider"}
    response = api.post(url(), body, format="json")
    assert response.status_code == 400
    assert "commander" in response.json()


def test_patch_updates_fields_people_and_services(api, incident, member_factory):
    member_factory(username="dana")
    response = api.patch(
        url(incident.ref),
        {"title": "Checkout 502s", "severity": "SEV2", "commander": "dana", "services": ["edge"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["title"], data["severity"], data["commander"]) == ("Checkout 502s", "SEV2", "dana")
    assert data["services"] == ["edge"]
    assert "dana" in data["participants"]


def test_patch_clears_the_commander_with_null(api, incident):
    assert (
        api.patch(url(incident.ref), {"commander": None}, format="json").json()["commander"] is None
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"resolved_at": "2026-03-10T13:00:00Z"}, {"resolved_at"}),
        (
            {"started_at": "2026-03-10T15:00:00Z", "detected_at": "2026-03-10T14:30:00Z"},
            {"detected_at"},
        ),
        ({"severity": "sev1"}, {"severity"}),
        ({"status": "RESOLVED"}, {"status"}),
        ({"participants": ["engineer"]}, {"participants"}),
        ({"title": None}, {"title"}),
    ],
)
def test_patch_refuses_bad_input_naming_the_fields(api, incident, body, fields):
    response = api.patch(url(incident.ref), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at, incident.severity) == ("OPEN", None, "SEV1")


def test_bodies_must_be_json(api):
    response = api.post(
        url(), "title=X&severity=SEV1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


# --- Timeline and links ------------------------------------------------------------------------


def test_timeline_lists_entries_oldest_first(api, incident):
    TimelineEntry.objects.create(
        organization=incident.organization,
        incident=incident,
        occurred_at=T0 - timedelta(minutes=30),
        kind=EntryKind.DEPLOY,
        actor_name="ci",
        description="Deploy 4812",
    )
    rows = api.get(url(incident.ref, "timeline")).json()["results"]
    assert [(r["kind"], r["actor"]) for r in rows] == [("DEPLOY", "ci"), ("DETECTION", "engineer")]


def test_add_a_timeline_entry(api, incident):
    response = api.post(
        url(incident.ref, "timeline"),
        {
            "occurred_at": "2026-03-10T14:20:00Z",
            "kind": "DECISION",
            "description": "Roll back 4812",
            "evidence_url": "https://chat.example.com/p/1",
            "is_key_event": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["actor"] == "engineer"
    assert data["occurred_at"] == "2026-03-10T15:20:00+01:00"
    assert (data["kind"], data["is_key_event"]) == ("DECISION", True)
    assert TimelineEntry.objects.filter(incident=incident, description="Roll back 4812").exists()


def test_a_timeline_entry_may_name_a_system_as_actor(api, incident):
    body = {"occurred_at": T0.isoformat(), "actor": "PagerDuty", "description": "Paged"}
    assert (
        api.post(url(incident.ref, "timeline"), body, format="json").json()["actor"] == "PagerDuty"
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "GOSSIP"}, {"kind"}),
        ({"description": "   "}, {"description"}),
        ({"occurred_at": None}, {"occurred_at"}),
        ({"evidence_url": "javascript:alert(1)"}, {"evidence_url"}),
    ],
)
def test_timeline_entry_refuses_bad_input_naming_the_fields(api, incident, body, fields):
    valid = {"occurred_at": T0.isoformat(), "description": "Paged"}
    response = api.post(url(incident.ref, "timeline"), {**valid, **body}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_add_and_list_links(api, incident):
    response = api.post(
        url(incident.ref, "links"),
        {
            "type": "RELEASE",
            "title": "v4812",
            "url": "https://ci.example.com/r/4812",
            "relationship": "CAUSED_BY",
            "occurred_at": "2026-03-10T13:55:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["relationship"] == "CAUSED_BY"
    rows = api.get(url(incident.ref, "links")).json()["results"]
    assert [(r["type"], r["title"], r["url"]) for r in rows] == [
        ("RELEASE", "v4812", "https://ci.example.com/r/4812")
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"url": "ftp://files.example.com/log"}, {"url"}),
        ({"url": "javascript:alert(1)"}, {"url"}),
        ({"url": ""}, {"url"}),
        ({"type": "RUMOUR"}, {"type"}),
        ({"relationship": "blamed_on"}, {"relationship"}),
    ],
)
def test_link_refuses_bad_input_naming_the_fields(api, incident, body, fields):
    valid = {"type": "ALERT", "title": "5xx", "url": "https://alerts.example.com/1"}
    response = api.post(url(incident.ref, "links"), {**valid, **body}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not IncidentLink.objects.exists()


# --- Resolve -----------------------------------------------------------------------------------


def test_resolve_queues_the_resolution_event_after_commit(
    api, incident, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(incident_resolved, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(url(incident.ref, "resolve"), {}, format="json")
        assert response.status_code == 200, response.content
        delay.assert_not_called()  # not before the transaction commits
    delay.assert_called_once_with(incident.pk)
    data = response.json()
    assert data["status"] == "RESOLVED"
    assert data["resolved_at"] is not None


def test_resolving_twice_is_harmless(api, incident, django_capture_on_commit_callbacks):
    at = {"resolved_at": "2026-03-10T16:00:00Z"}
    with (
        mock.patch.object(incident_resolved, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = api.post(url(incident.ref, "resolve"), at, format="json")
        second = api.post(url(incident.ref, "resolve"), {}, format="json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert second.json()["resolved_at"] == "2026-03-10T17:00:00+01:00"
    delay.assert_called_once_with(incident.pk)
    resolved_entries = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STATUS_CHANGE)
    assert resolved_entries.filter(description="Incident resolved.").count() == 1


def test_resolving_before_the_impact_started_is_a_400(api, incident):
    response = api.post(
        url(incident.ref, "resolve"), {"resolved_at": "2026-03-10T13:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"resolved_at"}
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


def test_a_transition_the_status_does_not_allow_is_a_409(api, incident):
    refusal = TransitionError("INC-2026-0001 cannot be resolved now.")
    with mock.patch("incidents.api.incident_resolve", side_effect=refusal):
        response = api.post(url(incident.ref, "resolve"), {}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "INC-2026-0001 cannot be resolved now."}


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
