"""The public address Alertmanager posts to: who may post, what is stored, what is refused."""

import json

from django_scopes import scopes_disabled

from incidents.models import Incident, IncidentLink
from integrations.intake.models import DeliveryStatus, InboundDelivery
from integrations.intake.views import MAX_BODY_BYTES
from tests.integrations.conftest import documented_payload, fresh, make_endpoint


def test_a_delivery_is_accepted_stored_and_processed(endpoint, send):
    hook, secret = endpoint
    response = send(hook, fresh(documented_payload()), secret=secret)
    assert response.status_code == 202
    delivery = InboundDelivery.objects.get()
    assert response.json() == {
        "delivery": delivery.pk,
        "status": "RECEIVED",
        "duplicate": False,
    }
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.headers["Content-Type"] == "application/json"
    assert "Authorization" not in delivery.headers
    assert json.loads(delivery.body)["groupKey"] == documented_payload()["groupKey"]
    incident = Incident.objects.get()
    assert delivery.outcome.startswith(f"HighErrorRate opened {incident.ref}")
    assert incident.links.count() == 2


def test_the_same_delivery_twice_has_one_effect(endpoint, send):
    hook, secret = endpoint
    body = json.dumps(fresh(documented_payload()))
    assert send(hook, body, secret=secret).status_code == 202
    again = send(hook, body, secret=secret)
    assert again.status_code == 202
    assert again.json()["duplicate"] is True
    assert InboundDelivery.objects.count() == 1
    assert Incident.objects.count() == 1
    assert IncidentLink.objects.count() == 2


def test_a_wrong_or_missing_secret_is_401_and_nothing_is_stored(endpoint, send):
    hook, secret = endpoint
    body = fresh(documented_payload())
    assert send(hook, body, secret=secret + "x").status_code == 401
    assert send(hook, body, secret=False).status_code == 401
    # A token in the query string is not a way in.
    response = send(hook, body, secret=False, headers={"QUERY_STRING": f"token={secret}"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not InboundDelivery.objects.exists()
    assert not Incident.objects.exists()


def test_another_organizations_secret_is_401_here(endpoint, other_org, send):
    hook, _ = endpoint
    other_hook, other_secret = make_endpoint(other_org)
    assert send(hook, fresh(documented_payload()), secret=other_secret).status_code == 401
    with scopes_disabled():
        assert not InboundDelivery.objects.exists()
    # …and works on its own endpoint, in its own organization only.
    assert send(other_hook, fresh(documented_payload()), secret=other_secret).status_code == 202
    with scopes_disabled():
        assert InboundDelivery.objects.get().organization == other_org
    assert not InboundDelivery.objects.exists()  # none in org's scope


def test_an_unknown_or_deactivated_endpoint_is_404(endpoint, send, admin_user):
    from integrations.intake import services

    hook, secret = endpoint
    hook.public_id = "nosuchendpoint"
    assert send(hook, fresh(documented_payload()), secret=secret).status_code == 404
    hook.refresh_from_db()
    services.endpoint_deactivate(endpoint=hook, actor=admin_user)
    assert send(hook, fresh(documented_payload()), secret=secret).status_code == 404
    assert not InboundDelivery.objects.exists()


def test_an_oversized_body_is_413_and_not_stored(endpoint, send, caplog):
    hook, secret = endpoint
    payload = fresh(documented_payload())
    payload["commonAnnotations"]["padding"] = "x" * MAX_BODY_BYTES
    response = send(hook, payload, secret=secret)
    assert response.status_code == 413
    assert not InboundDelivery.objects.exists()
    assert "body over" in caplog.text
    assert secret not in caplog.text


def test_only_post_is_answered(endpoint, client):
    hook, secret = endpoint
    response = client.get(f"/hooks/{hook.public_id}/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 405


def test_malformed_json_is_quarantined_with_its_reason(endpoint, send):
    hook, secret = endpoint
    response = send(hook, b'{"version": "4", "alerts": [', secret=secret)
    assert response.status_code == 202
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome.startswith("The body is not JSON")
    assert not Incident.objects.exists()


def test_an_unknown_shape_is_quarantined(endpoint, send):
    hook, secret = endpoint
    payload = fresh(documented_payload())
    payload["version"] = "3"
    assert send(hook, payload, secret=secret).status_code == 202
    del payload["alerts"][0]["labels"]
    payload["version"] = "4"
    payload["alerts"][1]["labels"] = {"alertname": 7}
    assert send(hook, payload, secret=secret).status_code == 202
    outcomes = list(InboundDelivery.objects.order_by("id").values_list("status", "outcome"))
    assert outcomes == [
        ("QUARANTINED", "Unknown payload version '3': Alertmanager's is “4”."),
        ("QUARANTINED", "“alerts[1].labels” is not an object of strings."),
    ]
    assert not Incident.objects.exists()


def test_times_far_in_the_past_or_future_are_quarantined(endpoint, send):
    hook, secret = endpoint
    send(hook, documented_payload(), secret=secret)  # its January times: months ago
    send(hook, fresh(documented_payload(), minutes_ago=-120), secret=secret)
    reasons = list(InboundDelivery.objects.order_by("id").values_list("outcome", flat=True))
    assert "more than 30 days in the past" in reasons[0]
    assert "more than an hour in the future" in reasons[1]
    assert not Incident.objects.exists()


def test_the_intake_issues_a_bounded_number_of_queries(endpoint, client, count_queries):
    """Store and enqueue only: the endpoint, the insert (in a savepoint), no more however
    many alerts the body holds."""
    hook, secret = endpoint
    payload = fresh(documented_payload())
    payload["alerts"] = payload["alerts"] * 50  # the processing runs later, not counted here

    def post():
        response = client.post(
            f"/hooks/{hook.public_id}/",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 202

    assert count_queries(post) <= 4


def test_a_nul_character_in_a_label_is_quarantined_not_a_failure(endpoint, send):
    hook, secret = endpoint
    payload = fresh(documented_payload())
    payload["alerts"][0]["labels"]["instance"] = "checkout\u0000-1"
    assert send(hook, payload, secret=secret).status_code == 202
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome == "“alerts[0].labels” holds a NUL character."


def test_a_form_or_multipart_body_is_quarantined_not_a_500(endpoint, client):
    hook, secret = endpoint
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/hooks/{hook.public_id}/"
    form = client.post(url, "a=1", content_type="application/x-www-form-urlencoded", **auth)
    multipart = client.post(url, {"a": "1"}, **auth)
    assert (form.status_code, multipart.status_code) == (202, 202)
    assert set(InboundDelivery.objects.values_list("status", flat=True)) == {"QUARANTINED"}
