"""A body the mapping cannot read is quarantined with a reason naming the mapping's field and
its path; nothing of it is applied."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from integrations.intake.models import DeliveryStatus, InboundDelivery
from integrations.pagers.models import PagerEntry, PagerIncident

from .conftest import form_data, tool_event


def quarantined(send, hook, secret, body) -> str:
    response = send(hook, body, secret=secret)
    assert response.status_code == 202
    delivery = InboundDelivery.objects.get(pk=response.json()["delivery"])
    assert delivery.status == DeliveryStatus.QUARANTINED, delivery.outcome
    assert not Incident.objects.exists()
    assert not PagerIncident.objects.exists()
    assert not PagerEntry.objects.exists()
    return delivery.outcome


def without(body: dict, *keys: str) -> dict:
    """``body`` without ``body[keys[0]][keys[1]]…`` (the last key removed)."""
    inner = body
    for key in keys[:-1]:
        inner = inner[key]
    del inner[keys[-1]]
    return body


def test_a_missing_incident_id_names_the_field_and_path(generic, send):
    hook, secret = generic
    reason = quarantined(send, hook, secret, without(tool_event(), "incident", "id"))
    assert reason == "Incident id ($.incident.id) found nothing in the body."


def test_an_object_where_a_value_should_be_names_the_field(generic, send):
    hook, secret = generic
    body = tool_event()
    body["incident"]["id"] = {"nested": 1}
    reason = quarantined(send, hook, secret, body)
    assert reason == "Incident id ($.incident.id) found an object, not text or a number."


def test_an_unknown_status_value_names_the_table(generic, send):
    hook, secret = generic
    reason = quarantined(send, hook, secret, tool_event("pending"))
    assert reason.startswith("Status ($.event.type): “pending” is not in the status table")
    assert "“firing”" in reason and "“ok”" in reason


def test_a_missing_status_is_quarantined(generic, send):
    hook, secret = generic
    reason = quarantined(send, hook, secret, without(tool_event(), "event", "type"))
    assert reason == "Status ($.event.type) found nothing in the body."


def test_an_unknown_service_names_where_it_came_from(generic, send):
    hook, secret = generic
    body = tool_event()
    body["alerts"][0]["labels"]["service"] = "billing"
    reason = quarantined(send, hook, secret, body)
    assert reason == (
        "Unknown service “billing” (from Service ($.alerts[0].labels.service)): add it in "
        "Hindsight or change the mapping."
    )


def test_a_missing_service_without_a_fixed_one_is_quarantined(generic, send):
    hook, secret = generic
    reason = quarantined(send, hook, secret, without(tool_event(), "alerts"))
    assert reason == (
        "Service ($.alerts[0].labels.service) found nothing in the body, and no fixed service "
        "is chosen."
    )


@pytest.mark.parametrize(
    ("shift", "says"),
    [(timedelta(days=-31), "more than 30 days in the past"), (timedelta(hours=2), "future")],
)
def test_a_time_far_off_names_the_field_and_path(generic, send, shift, says):
    hook, secret = generic
    body = tool_event()
    body["event"]["created_at"] = (timezone.now() + shift).isoformat()
    reason = quarantined(send, hook, secret, body)
    assert reason.startswith("“Time ($.event.created_at)” (") and says in reason


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-12-06T10:00:00", "2026-13-06T10:00:00Z", True, 1e30, "9" * 30]
)
def test_a_time_that_is_not_one_is_quarantined(generic, send, value):
    hook, secret = generic
    body = tool_event()
    body["event"]["created_at"] = value
    reason = quarantined(send, hook, secret, body)
    assert reason.startswith("Time ($.event.created_at)")


def test_a_body_that_is_not_a_json_object_is_quarantined(generic, send):
    hook, secret = generic
    assert quarantined(send, hook, secret, b"[1, 2]") == "The body is not a JSON object."
    assert quarantined(send, hook, secret, b"not json").startswith("The body is not JSON")


def test_deliveries_before_a_mapping_wait_for_one_and_replay(
    unmapped, send, client, admin_user, django_capture_on_commit_callbacks
):
    hook, secret = unmapped
    reason = quarantined(send, hook, secret, tool_event("firing"))
    assert reason.startswith("The endpoint has no field mapping yet")

    client.force_login(admin_user)
    page = f"/o/acme/settings/integrations/endpoints/{hook.pk}/mapping/"
    assert client.post(page, form_data()).status_code == 302
    delivery = InboundDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/acme/settings/integrations/deliveries/{delivery.pk}/replay/")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert Incident.objects.get().title == "Checkout is failing"
