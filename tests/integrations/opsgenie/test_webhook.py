"""Opsgenie's Webhook integration through ``/hooks/<public id>/``: an alert's actions make one
Hindsight incident and move it; what cannot act is refused or quarantined with the reason."""

import json

import pytest
from django_scopes import scopes_disabled

from incidents.models import EntryKind, Incident, Service, Status
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.pagers.models import PagerIncident
from postmortems.models import Postmortem
from tests.integrations.conftest import make_endpoint
from tests.integrations.opsgenie.conftest import action


def outcomes():
    return list(InboundDelivery.objects.order_by("id").values_list("status", "outcome"))


def test_an_alert_s_life_in_opsgenie(opsgenie_endpoint, send, member_factory):
    hook, secret = opsgenie_endpoint
    fili = member_factory(email="fili@ifountain.com", username="fili")
    created = send(hook, action("create", minutes_ago=20, priority="P2"), secret=secret)
    assert created.status_code == 202
    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.status) == ("test alert", "SEV2", "OPEN")
    assert [link.service.name for link in incident.service_links.all()] == ["checkout"]
    assert incident.links.get().external_id == "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c"

    send(hook, action("acknowledge", minutes_ago=15), secret=secret)
    send(hook, action("add_note", minutes_ago=12), secret=secret)
    send(hook, action("update_priority", minutes_ago=10), secret=secret)
    send(hook, action("close", minutes_ago=5), secret=secret)

    incident.refresh_from_db()
    assert (incident.status, incident.severity) == (Status.RESOLVED, "SEV1")
    assert incident.acknowledged_at < incident.resolved_at
    note = incident.timeline.get(kind=EntryKind.NOTE)
    assert (note.description, note.actor_display) == ("test note", "fili@ifountain.com")
    assert incident.participants.filter(user=fili).exists()  # who acknowledged
    assert Postmortem.objects.filter(incident=incident).exists()
    assert [status for status, _ in outcomes()] == [DeliveryStatus.PROCESSED] * 5


def test_the_entity_names_the_service_without_a_service_tag(opsgenie_endpoint, send):
    hook, secret = opsgenie_endpoint
    payload = action("create", entity="checkout", tags=["tag1"])
    send(hook, payload, secret=secret)
    assert Incident.objects.count() == 1


def test_other_actions_are_entries_or_ignored(opsgenie_endpoint, send):
    hook, secret = opsgenie_endpoint
    send(hook, action("create", minutes_ago=20), secret=secret)
    escalated = action("acknowledge", minutes_ago=10)
    escalated["action"] = "EscalateNext"
    tagged = action("acknowledge", minutes_ago=5)
    tagged["action"] = "AddTags"
    send(hook, escalated, secret=secret)
    send(hook, tagged, secret=secret)
    incident = Incident.objects.get()
    assert incident.timeline.filter(description="Escalated to the next level").exists()
    assert outcomes()[2] == (DeliveryStatus.PROCESSED, "ignored: AddTags")


def test_a_resent_webhook_acts_once(opsgenie_endpoint, send):
    hook, secret = opsgenie_endpoint
    send(hook, action("create"), secret=secret)
    note = action("add_note")
    assert send(hook, note, secret=secret).status_code == 202
    assert send(hook, note, secret=secret).json()["duplicate"] is True
    # The same note added again later is another action.
    send(hook, action("add_note", minutes_ago=1), secret=secret)
    assert Incident.objects.get().timeline.filter(description="test note").count() == 2


def test_a_missing_or_wrong_token_is_401(opsgenie_endpoint, send, other_org):
    hook, secret = opsgenie_endpoint
    with scopes_disabled():
        _, theirs = make_endpoint(other_org, kind=SourceKind.OPSGENIE, name="Theirs")
    assert send(hook, action("create"), secret=False).status_code == 401
    assert send(hook, action("create"), secret=secret + "x").status_code == 401
    response = send(hook, action("create"), secret=theirs)
    assert response.status_code == 401
    assert "Authorization = Bearer" in response.json()["error"]
    with scopes_disabled():
        assert not InboundDelivery.objects.exists() and not Incident.objects.exists()


def test_one_alert_id_in_two_organizations(opsgenie_endpoint, send, other_org):
    hook, secret = opsgenie_endpoint
    with scopes_disabled():
        Service.objects.create(organization=other_org, name="checkout")
        theirs, their_secret = make_endpoint(other_org, kind=SourceKind.OPSGENIE, name="Theirs")
    send(hook, action("create"), secret=secret)
    send(theirs, action("create"), secret=their_secret)
    with scopes_disabled():
        assert Incident.objects.filter(organization=other_org).count() == 1
        assert Incident.objects.filter(organization=hook.organization).count() == 1


def test_bad_input_is_quarantined_and_nothing_is_half_made(opsgenie_endpoint, send):
    hook, secret = opsgenie_endpoint
    old = action("create", minutes_ago=60 * 24 * 40)
    # Each its own action (another updatedAt), or they would be one re-sent webhook.
    unknown = action("create", minutes_ago=4, service="billing")
    no_service = action("create", minutes_ago=3, tags=[], entity="")
    bad_tags = action("create", minutes_ago=2, tags="service:checkout")
    no_alert = {"action": "Create"}
    for payload in (old, unknown, no_service, bad_tags, no_alert, b"[1, 2]"):
        assert send(hook, payload, secret=secret).status_code == 202
    reasons = [outcome for _, outcome in outcomes()]
    assert {status for status, _ in outcomes()} == {DeliveryStatus.QUARANTINED}
    assert "“alert.updatedAt”" in reasons[0] and "30 days in the past" in reasons[0]
    assert "Unknown service “billing”" in reasons[1]
    assert reasons[2:] == [
        "052652ac-5d1c-464a-812a-7dd18bbfba8c names no service.",
        "“alert.tags” is not a list of strings.",
        "“alert” is missing or not an object.",
        "The body is not a JSON object.",
    ]
    assert not Incident.objects.exists() and not PagerIncident.objects.exists()


def test_times_in_milliseconds_are_read_too(opsgenie_endpoint, send):
    hook, secret = opsgenie_endpoint
    payload = action("create")
    payload["alert"]["updatedAt"] //= 1_000_000  # milliseconds
    send(hook, payload, secret=secret)
    incident = Incident.objects.get()
    assert abs(incident.started_at.timestamp() * 1000 - payload["alert"]["createdAt"]) < 1


def _create(**alert) -> bytes:
    payload = action("create")
    payload["alert"].update(alert)
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"action": ["Create"], "alert": {}}',
        b'{"action": "Create", "alert": {"alertId": "a", "updatedAt": NaN}}',
        b'{"action": "Create", "alert": {"alertId": "a", "updatedAt": Infinity}}',
        _create(alertId=5),
        _create(alertId="x" * 121),
        _create(updatedAt="soon", createdAt="before"),
        _create(updatedAt=10**30, createdAt=-1),
        _create(updatedAt=True),
        _create(message={"text": "x"}),
        _create(note=None, tags=[1, 2]),
    ],
)
def test_odd_bodies_are_quarantined_never_a_500(opsgenie_endpoint, send, body):
    hook, secret = opsgenie_endpoint
    assert send(hook, body, secret=secret).status_code == 202
    [(status, outcome)] = outcomes()
    assert status == DeliveryStatus.QUARANTINED and outcome
    assert not Incident.objects.exists() and not PagerIncident.objects.exists()
