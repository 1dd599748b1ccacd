"""A tool posts its incident's events to a generic endpoint; the mapping reads each into a pager
event: the incident opens, is acknowledged, gets notes and resolves, once per event."""

import json
from datetime import timedelta

from django.utils import timezone

from incidents.models import EntryKind, Incident, LinkType, Status
from integrations.intake.models import DeliveryStatus, InboundDelivery
from integrations.pagers.models import PagerIncident

from .conftest import tool_event


def test_an_incident_opens_is_acknowledged_gets_a_note_and_resolves(generic, send, engineer):
    hook, secret = generic
    opened = send(hook, tool_event("firing", minutes_ago=30), secret=secret)
    assert opened.status_code == 202

    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.status) == (
        "Checkout is failing",
        "SEV1",  # level "P1" by the endpoint's table
        Status.OPEN,
    )
    assert abs(incident.started_at - (timezone.now() - timedelta(minutes=30))) < timedelta(
        seconds=5
    )
    assert list(incident.service_links.values_list("service__name", flat=True)) == ["checkout"]
    link = incident.links.get()
    assert (link.type, link.url) == (LinkType.ALERT, "https://status-tool.example.com/incidents/77")
    assert link.external_id == f"generic:{hook.public_id}:77"
    assert list(incident.participants.values_list("user", flat=True)) == [engineer.pk]

    send(hook, tool_event("acknowledged", minutes_ago=20), secret=secret)
    send(hook, tool_event("comment", minutes_ago=15, message="Rolled back v1.42"), secret=secret)
    send(hook, tool_event("ok", minutes_ago=10), secret=secret)

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.acknowledged_at < incident.resolved_at
    note = incident.timeline.get(kind=EntryKind.NOTE)
    assert (note.description, note.actor_display) == ("Rolled back v1.42", "Status tool")
    assert set(InboundDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.PROCESSED
    }
    outcomes = list(InboundDelivery.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[0] == f"opened {incident.ref}" and outcomes[-1] == f"resolved {incident.ref}"


def test_the_same_event_twice_acts_once(generic, send):
    hook, secret = generic
    note = tool_event("comment", minutes_ago=5, event_id="evt-note", message="Looking")
    send(hook, tool_event("firing", minutes_ago=10), secret=secret)
    first = send(hook, note, secret=secret)
    again = send(hook, note, secret=secret)

    assert first.status_code == again.status_code == 202
    assert again.json()["duplicate"] is True
    assert Incident.objects.count() == 1
    assert Incident.objects.get().timeline.filter(description="Looking").count() == 1
    assert InboundDelivery.objects.count() == 2


def test_the_same_event_in_another_body_is_recorded_once(generic, send):
    """The tool re-sends an event in a body that differs (a field the mapping ignores): its
    event id is the same, so it is the delivery already kept."""
    hook, secret = generic
    send(hook, tool_event("firing", minutes_ago=10, event_id="evt-a"), secret=secret)
    body = tool_event("comment", minutes_ago=5, event_id="evt-b", message="Looking")
    send(hook, body, secret=secret)
    replayed = body | {"version": "3"}
    response = send(hook, replayed, secret=secret)

    assert response.json()["duplicate"] is True  # the delivery log keys on the event id
    assert Incident.objects.get().timeline.filter(description="Looking").count() == 1


def test_without_an_event_id_the_same_body_twice_acts_once(generic, send):
    from integrations.generic.models import FieldMapping

    hook, secret = generic
    FieldMapping.objects.filter(endpoint=hook).update(event_id_path="")
    body = json.dumps(tool_event("firing", minutes_ago=5))
    send(hook, body, secret=secret)
    again = send(hook, body, secret=secret)

    assert again.json()["duplicate"] is True
    assert len(InboundDelivery.objects.get().event_id) == 64  # the body's SHA-256
    assert PagerIncident.objects.count() == Incident.objects.count() == 1


def test_replaying_a_delivery_changes_nothing_more(
    generic, send, client, admin_user, django_capture_on_commit_callbacks
):
    hook, secret = generic
    send(hook, tool_event("firing", minutes_ago=10), secret=secret)
    send(hook, tool_event("comment", minutes_ago=5, message="Looking"), secret=secret)
    note = InboundDelivery.objects.order_by("id").last()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/acme/settings/integrations/deliveries/{note.pk}/replay/")

    note.refresh_from_db()
    assert note.status == DeliveryStatus.PROCESSED
    assert "already recorded" in note.outcome
    assert Incident.objects.get().timeline.filter(description="Looking").count() == 1


def test_epoch_milliseconds_and_seconds_are_times(generic, send):
    hook, secret = generic
    started = timezone.now() - timedelta(minutes=40)
    body = tool_event("firing")
    body["event"]["created_at"] = int(started.timestamp() * 1000)
    send(hook, body, secret=secret)
    resolved = tool_event("ok")
    resolved["event"]["created_at"] = str(int((started + timedelta(minutes=25)).timestamp()))
    send(hook, resolved, secret=secret)

    incident = Incident.objects.get()
    assert abs(incident.started_at - started) < timedelta(seconds=1)
    assert incident.resolved_at - incident.started_at > timedelta(minutes=24)


def test_a_fixed_service_names_the_service_of_every_incident(generic, send, org):
    from incidents.models import Service
    from integrations.generic.models import FieldMapping

    hook, secret = generic
    payments = Service.objects.create(organization=org, name="payments")
    FieldMapping.objects.filter(endpoint=hook).update(service_path="", fixed_service=payments)
    body = tool_event("firing")
    del body["alerts"]
    send(hook, body, secret=secret)

    incident = Incident.objects.get()
    assert list(incident.service_links.values_list("service__name", flat=True)) == ["payments"]
    assert incident.severity == "SEV3"  # no level found: the endpoint's default


def test_a_wrong_secret_is_refused_and_not_stored(generic, unmapped, send):
    hook, _ = generic
    response = send(hook, tool_event(), secret="hs_hook_wrong")
    assert response.status_code == 401
    assert not InboundDelivery.objects.exists()
