"""Two deliveries at once, on PostgreSQL with real transactions: one effect."""

import json

import pytest
from django_scopes import scopes_disabled

from incidents.models import Incident, IncidentLink, Service
from integrations.intake.models import DeliveryStatus, InboundDelivery
from tests.factories import OrganizationFactory
from tests.integrations.conftest import documented_payload, fresh, make_endpoint, post_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def endpoint_now():
    with scopes_disabled():
        organization = OrganizationFactory(slug="acme", name="Acme Corporation")
        Service.objects.create(organization=organization, name="checkout")
        return make_endpoint(organization)


def test_the_same_delivery_twice_at_once_has_one_effect(endpoint_now):
    hook, secret = endpoint_now
    body = json.dumps(fresh(documented_payload()))
    assert post_together(hook, [body, body], HTTP_AUTHORIZATION=f"Bearer {secret}") == [202, 202]
    with scopes_disabled():
        delivery = InboundDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PROCESSED
        assert Incident.objects.count() == 1
        assert IncidentLink.objects.count() == 2


def test_two_groups_of_one_service_at_once_open_one_incident(endpoint_now):
    hook, secret = endpoint_now
    first = fresh(documented_payload())
    second = fresh(documented_payload())
    second["groupKey"] = '{}:{alertname="HighLatency"}'
    for alert in second["alerts"]:
        alert["labels"]["alertname"] = "HighLatency"
        alert["fingerprint"] = alert["fingerprint"][::-1]
    bodies = [json.dumps(first), json.dumps(second)]
    assert post_together(hook, bodies, HTTP_AUTHORIZATION=f"Bearer {secret}") == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 2
        assert Incident.objects.count() == 1
        assert IncidentLink.objects.count() == 4
