"""What Grafana's endpoint refuses: a wrong or missing secret (another organization's
included) with 401 and nothing stored; a body it cannot read, or an alert of a service
Hindsight does not know, quarantined with the reason and no incident."""

import copy
import json

import pytest

from incidents.models import Incident
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from tests.integrations.conftest import documented_payload as alertmanager_payload
from tests.integrations.conftest import fresh, make_endpoint

from .conftest import documented_payload, grafana_payload


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(grafana, send, other_org):
    hook, secret = grafana
    _, other_secret = make_endpoint(other_org, kind=SourceKind.GRAFANA, name="Globex Grafana")
    for given in (other_secret, secret + "x", "", False):
        response = send(hook, grafana_payload(), secret=given)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="hindsight-hooks"'
    assert not InboundDelivery.objects.exists()
    assert not Incident.objects.exists()


def test_basic_authentication_is_not_a_secret(grafana, send):
    """Grafana can send Basic credentials instead; the endpoint only takes its Bearer secret."""
    hook, secret = grafana
    response = send(
        hook, grafana_payload(), secret=False, headers={"HTTP_AUTHORIZATION": f"Basic {secret}"}
    )
    assert response.status_code == 401


def _broken(change) -> dict:
    payload = grafana_payload()
    change(payload)
    return payload


MALFORMED = {
    "not JSON": (b"receiver=hindsight", "The body is not JSON"),
    "not an object": (b"[1, 2]", "The body is not a JSON object."),
    "Alertmanager's payload": (
        fresh(alertmanager_payload()),
        "Unknown payload version '4': Grafana's is “1”.",
    ),
    "no alerts": (_broken(lambda p: p.update(alerts=[])), "“alerts” is missing or empty."),
    "an unknown status": (
        _broken(lambda p: p["alerts"][0].update(status="pending")),
        "“alerts[0].status” is 'pending', not “firing” or “resolved”.",
    ),
    "a start without a zone": (
        _broken(lambda p: p["alerts"][1].update(startsAt="2026-12-06 10:00")),
        "“alerts[1].startsAt” is not a time with a zone",
    ),
    "a start on a day that does not exist": (
        _broken(lambda p: p["alerts"][1].update(startsAt="2026-13-06T10:00:00Z")),
        "“alerts[1].startsAt” is not a time with a zone",
    ),
    "an orgId that is no number": (
        _broken(lambda p: p.update(orgId="one")),
        "“orgId” is not a number: 'one'.",
    ),
    "values that are no numbers": (
        _broken(lambda p: p["alerts"][0].update(values={"B": "high"})),
        "“alerts[0].values” is not an object of numbers.",
    ),
    "a dashboard address that is no string": (
        _broken(lambda p: p["alerts"][0].update(dashboardURL=7)),
        "“alerts[0].dashboardURL” is not a string.",
    ),
    "an overlong fingerprint": (
        _broken(lambda p: p["alerts"][0].update(fingerprint="f" * 60)),
        "alerts[0].fingerprint is longer than 56 characters.",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_notification_is_quarantined_with_its_reason(grafana, send, name):
    hook, secret = grafana
    body, reason = MALFORMED[name]
    response = send(hook, body, secret=secret)
    assert response.status_code == 202
    assert response.json()["status"] == "QUARANTINED"
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome.startswith(reason)
    assert not Incident.objects.exists()


def test_times_from_long_ago_are_quarantined(grafana, send):
    hook, secret = grafana
    payload = documented_payload()  # as documented: October 2021
    for alert in payload["alerts"]:
        alert["labels"]["service"] = "checkout"
    send(hook, payload, secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert "more than 30 days in the past" in delivery.outcome


def test_an_alert_without_a_service_label_is_quarantined(grafana, send):
    """The documented alerts carry only alertname, team and zone."""
    hook, secret = grafana
    send(hook, fresh(documented_payload()), secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome == "An alert has neither a “service” nor a “job” label."


def test_an_unknown_service_quarantines_the_whole_notification(grafana, send):
    hook, secret = grafana
    payload = grafana_payload()
    payload["alerts"][1]["labels"]["service"] = "payments"
    send(hook, payload, secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome == "Unknown service “payments”: add it in Hindsight or fix the label."
    assert not Incident.objects.exists()  # the first alert's service was known: nothing half-done


def test_the_job_label_names_the_service_when_there_is_no_service_label(grafana, send):
    hook, secret = grafana
    payload = fresh(documented_payload())
    for alert in payload["alerts"]:
        alert["labels"]["job"] = "checkout"
    send(hook, payload, secret=secret)
    assert Incident.objects.get().links.count() == 2


def test_grafana_9s_value_string_is_read(grafana, send):
    """Grafana 9 sent ``valueString`` where later versions send ``values``."""
    hook, secret = grafana
    payload = copy.deepcopy(grafana_payload())
    for alert in payload["alerts"]:
        del alert["values"]
        alert["valueString"] = "[ metric='' labels={} value=14151.331895396988 ]"
    send(hook, json.dumps(payload), secret=secret)
    link = Incident.objects.get().links.first()
    assert "Values: [ metric='' labels={} value=14151.331895396988 ]" in link.details
