"""PagerDuty's v3 webhooks through ``/hooks/<public id>/``: an incident's life in PagerDuty
makes one Hindsight incident and moves it; what is not PagerDuty's, or cannot act, is refused
or quarantined with the reason, and nothing is half made."""

import json

import pytest
from django_scopes import scopes_disabled

from incidents.models import EntryKind, Incident, LinkType, Service, Status
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.intake.views import MAX_BODY_BYTES
from integrations.pagers.models import PagerIncident
from postmortems.models import Postmortem
from tests.integrations.conftest import make_endpoint
from tests.integrations.pagerduty.conftest import (
    SIGNING_SECRET,
    incident_event,
    note_event,
    ping_event,
)


def outcomes():
    return list(InboundDelivery.objects.order_by("id").values_list("status", "outcome"))


def test_an_incident_s_life_in_pagerduty(pagerduty_endpoint, pagerduty, engineer):
    hook = pagerduty_endpoint
    triggered = pagerduty(hook, incident_event("incident.triggered", minutes_ago=20))
    assert triggered.status_code == 202
    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.status) == (
        "A little bump in the road",
        "SEV1",  # P1 by the endpoint's table
        Status.OPEN,
    )
    assert [link.service.name for link in incident.service_links.all()] == ["API Service"]
    link = incident.links.get()
    assert (link.type, link.url, link.external_id) == (
        LinkType.ALERT,
        "https://acme.pagerduty.com/incidents/PGR0VU2",
        "pagerduty:PGR0VU2",
    )

    pagerduty(hook, incident_event("incident.acknowledged", minutes_ago=15))
    pagerduty(hook, note_event("Rolled back the deploy", minutes_ago=12))
    pagerduty(hook, incident_event("incident.priority_updated", minutes_ago=10, priority="P2"))
    pagerduty(hook, incident_event("incident.resolved", minutes_ago=5))

    incident.refresh_from_db()
    assert (incident.status, incident.severity) == (Status.RESOLVED, "SEV2")
    assert incident.acknowledged_at < incident.resolved_at
    note = incident.timeline.get(kind=EntryKind.NOTE)
    assert (note.description, note.actor_display) == ("Rolled back the deploy", "Tenex Engineer")
    assert Postmortem.objects.filter(incident=incident).exists()  # the draft, as for any
    assert [status for status, _ in outcomes()] == [DeliveryStatus.PROCESSED] * 5
    assert outcomes()[0][1] == f"opened {incident.ref}"
    assert outcomes()[3][1] == f"severity SEV2 on {incident.ref}"


def test_without_a_priority_the_urgency_sets_the_severity(pagerduty_endpoint, pagerduty):
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered", priority=None))
    assert Incident.objects.get().severity == "SEV2"  # "high" by the table
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered", priority="P5", id="Q1"))
    # P5 is not in the table: the urgency is.
    assert Incident.objects.order_by("id").last().severity == "SEV2"


def test_other_incident_events_are_timeline_entries(pagerduty_endpoint, pagerduty):
    hook = pagerduty_endpoint
    pagerduty(hook, incident_event("incident.triggered", minutes_ago=20))
    pagerduty(hook, incident_event("incident.reassigned", minutes_ago=15))
    pagerduty(hook, incident_event("incident.resolved", minutes_ago=10))
    pagerduty(hook, incident_event("incident.reopened", minutes_ago=5))

    incident = Incident.objects.get()
    entries = list(
        incident.timeline.filter(actor_name="Tenex Engineer").values_list("description", flat=True)
    )
    assert "Reassigned to User 123" in entries
    assert "Reopened in PagerDuty" in entries
    assert incident.status == Status.RESOLVED  # never moved back


def test_a_redelivery_acts_once(pagerduty_endpoint, pagerduty):
    note = note_event("Looking into it")
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered"))
    first = pagerduty(pagerduty_endpoint, note)
    again = pagerduty(pagerduty_endpoint, note)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["duplicate"] is True
    assert Incident.objects.get().timeline.filter(description="Looking into it").count() == 1
    assert InboundDelivery.objects.count() == 2


def test_ping_and_other_event_types_are_processed_and_ignored(pagerduty_endpoint, pagerduty):
    pagerduty(pagerduty_endpoint, ping_event())
    service_event = incident_event("service.updated")
    pagerduty(pagerduty_endpoint, service_event)
    assert outcomes() == [
        (DeliveryStatus.PROCESSED, "ping"),
        (DeliveryStatus.PROCESSED, "ignored: service.updated"),
    ]
    assert not Incident.objects.exists()


def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(pagerduty_endpoint, pagerduty):
    payload = incident_event("incident.triggered")
    assert pagerduty(pagerduty_endpoint, payload, secret=SIGNING_SECRET + "x").status_code == 401
    response = pagerduty(pagerduty_endpoint, payload, secret=None)
    assert response.status_code == 401
    assert "X-PagerDuty-Signature" in response.json()["error"]
    assert not InboundDelivery.objects.exists() and not Incident.objects.exists()


def test_a_body_changed_after_signing_is_refused(pagerduty_endpoint, send):
    from tests.integrations.pagerduty.conftest import sign

    signed = json.dumps(incident_event("incident.triggered")).encode()
    tampered = signed.replace(b"P1", b"P5")
    response = send(
        pagerduty_endpoint,
        tampered,
        secret=False,
        headers={"HTTP_X_PAGERDUTY_SIGNATURE": sign(SIGNING_SECRET, signed)},
    )
    assert response.status_code == 401
    assert not InboundDelivery.objects.exists()


def test_any_one_of_several_signatures_passes(pagerduty_endpoint, pagerduty):
    """While PagerDuty rotates a secret it signs with both: one matching is enough."""
    response = pagerduty(
        pagerduty_endpoint, incident_event("incident.triggered"), also=("an old secret",)
    )
    assert response.status_code == 202
    assert Incident.objects.count() == 1


def test_a_bearer_secret_does_not_pass_for_a_signature(pagerduty_endpoint, send):
    response = send(pagerduty_endpoint, incident_event("incident.triggered"), secret=SIGNING_SECRET)
    assert response.status_code == 401


def test_another_organizations_secret_is_401(pagerduty_endpoint, pagerduty, other_org):
    with scopes_disabled():
        make_endpoint(
            other_org, kind=SourceKind.PAGERDUTY, name="Theirs", signing_secret="their secret"
        )
    payload = incident_event("incident.triggered")
    assert pagerduty(pagerduty_endpoint, payload, secret="their secret").status_code == 401
    with scopes_disabled():
        assert not InboundDelivery.objects.exists() and not Incident.objects.exists()


def test_the_same_pagerduty_incident_in_two_organizations(pagerduty_endpoint, pagerduty, other_org):
    with scopes_disabled():
        Service.objects.create(organization=other_org, name="API Service")
        theirs, _ = make_endpoint(
            other_org, kind=SourceKind.PAGERDUTY, name="Theirs", signing_secret="their secret"
        )
    payload = incident_event("incident.triggered")
    pagerduty(pagerduty_endpoint, payload)
    pagerduty(theirs, payload, secret="their secret")
    with scopes_disabled():
        assert Incident.objects.filter(organization=other_org).count() == 1
        assert Incident.objects.filter(organization=pagerduty_endpoint.organization).count() == 1
        assert InboundDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 2


def test_an_unknown_service_is_quarantined_and_nothing_is_half_made(pagerduty_endpoint, pagerduty):
    payload = incident_event("incident.triggered")
    payload["event"]["data"]["service"]["summary"] = "Billing"
    pagerduty(pagerduty_endpoint, payload)
    [(status, outcome)] = outcomes()
    assert status == DeliveryStatus.QUARANTINED
    assert "Unknown service “Billing”" in outcome
    assert not Incident.objects.exists() and not PagerIncident.objects.exists()


def test_a_note_on_an_incident_never_triggered_here_is_quarantined(pagerduty_endpoint, pagerduty):
    pagerduty(pagerduty_endpoint, note_event("Hello"))
    [(status, outcome)] = outcomes()
    assert (status, outcome) == (DeliveryStatus.QUARANTINED, "PGR0VU2 names no service.")
    assert not PagerIncident.objects.exists()


def test_a_time_far_off_is_quarantined(pagerduty_endpoint, pagerduty):
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered", minutes_ago=60 * 24 * 40))
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered", minutes_ago=-120))
    assert [status for status, _ in outcomes()] == [DeliveryStatus.QUARANTINED] * 2
    assert "more than 30 days in the past" in outcomes()[0][1]
    assert "more than an hour in the future" in outcomes()[1][1]
    assert not Incident.objects.exists()


def test_malformed_bodies_are_quarantined_with_the_reason(pagerduty_endpoint, pagerduty):
    no_type = incident_event("incident.triggered")
    del no_type["event"]["event_type"]
    bad_service = incident_event("incident.triggered")
    bad_service["event"]["data"]["service"] = "API Service"
    pagerduty(pagerduty_endpoint, b"{not json")
    pagerduty(pagerduty_endpoint, {"messages": []})
    pagerduty(pagerduty_endpoint, no_type)
    pagerduty(pagerduty_endpoint, bad_service)
    reasons = [outcome for _, outcome in outcomes()]
    assert reasons[0].startswith("The body is not JSON")
    assert reasons[1:] == [
        "“event” is missing or not an object.",
        "“event.event_type” is missing.",
        "“service” is not an object.",
    ]
    assert {status for status, _ in outcomes()} == {DeliveryStatus.QUARANTINED}
    assert not Incident.objects.exists()


def test_an_oversized_body_is_413_and_not_stored(pagerduty_endpoint, pagerduty):
    payload = incident_event("incident.triggered", title="x" * MAX_BODY_BYTES)
    assert pagerduty(pagerduty_endpoint, payload).status_code == 413
    assert not InboundDelivery.objects.exists()


def test_an_endpoint_without_its_secret_yet_refuses_everything(org, api_service, pagerduty):
    hook, shown = make_endpoint(org, kind=SourceKind.PAGERDUTY, name="PagerDuty")
    assert shown is None and hook.secret_encrypted == "" and hook.secret_hash == ""
    assert pagerduty(hook, incident_event("incident.triggered"), secret="").status_code == 401
    assert pagerduty(hook, incident_event("incident.triggered")).status_code == 401
    assert not InboundDelivery.objects.exists()


def _event(**fields) -> bytes:
    event = incident_event("incident.triggered")["event"] | fields
    return json.dumps({"event": event}).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"\xff\xfe{}",
        b'{"event": null}',
        _event(id=5),
        _event(id="x" * 65),
        _event(id="a\u0000b"),
        _event(occurred_at="yesterday"),
        _event(occurred_at="2026-12-06T10:00:00"),  # no zone
        _event(data=[1]),
        _event(data={"id": "PX", "service": {"summary": 5}}),
        _event(data={"id": "PX", "assignees": "User 123"}),
        _event(data={"id": "PX", "html_url": "javascript:alert(1)"}),
        _event(data={"title": "no id", "service": {"summary": "API Service"}}),
    ],
)
def test_odd_bodies_are_quarantined_never_a_500(pagerduty_endpoint, pagerduty, body):
    assert pagerduty(pagerduty_endpoint, body).status_code == 202
    [(status, outcome)] = outcomes()
    assert status == DeliveryStatus.QUARANTINED and outcome
    assert not Incident.objects.exists() and not PagerIncident.objects.exists()
