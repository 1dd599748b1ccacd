"""API v1 incidents: declaring and updating, the timeline and links, and resolving, through the
services; bad input is a 400 naming the fields."""

from datetime import timedelta
from unittest import mock

import pytest

from incidents.models import EntryKind, Incident, IncidentLink, Status, TimelineEntry
from incidents.tasks import incident_resolved
from incidents.transitions import TransitionError
from tests.incidents.helpers import T0, checkout_outage, url


@pytest.fixture
def incident(org, engineer) -> Incident:
    return checkout_outage(org, engineer)


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
