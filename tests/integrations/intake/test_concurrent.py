"""Two deliveries (or two presses of "Mark as cause") at once, on PostgreSQL with real
transactions: one effect."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from incidents import services as incident_services
from incidents.models import Incident, IncidentLink, Service
from integrations.deploys.models import Release
from integrations.deploys.services import release_mark_as_cause
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


def test_mark_as_cause_pressed_twice_at_once_links_once():
    """Two presses of "Mark as cause" at the same moment (two tabs): one link."""
    with scopes_disabled():
        organization = OrganizationFactory(slug="acme", name="Acme Corporation")
        service = Service.objects.create(organization=organization, name="checkout")
        incident = incident_services.incident_declare(
            organization=organization,
            actor=None,
            title="Checkout errors",
            severity="SEV2",
            started_at=timezone.now(),
            services=["checkout"],
        )
        release = Release.objects.create(
            organization=organization,
            service=service,
            version="v1",
            deployed_at=timezone.now() - timedelta(minutes=5),
            source="release",
            external_id="build-1",
        )
    barrier = threading.Barrier(2)

    def press() -> None:
        try:
            barrier.wait(timeout=10)
            with scopes_disabled():
                release_mark_as_cause(incident=incident, release=release)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with scopes_disabled():
        assert IncidentLink.objects.filter(incident=incident, type="RELEASE").count() == 1
