"""Generic deliveries at once, on PostgreSQL with real transactions: one incident, one effect
per event."""

import json

import pytest
from django_scopes import scopes_disabled

from incidents.models import Incident, Service, Status
from integrations.generic import services as generic_services
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.pagers.models import PagerEntry
from tests.factories import OrganizationFactory
from tests.integrations.conftest import make_endpoint, post_together

from .conftest import PATHS, STATUS_VALUES, tool_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hook():
    """A mapped generic endpoint of acme and its secret."""
    with scopes_disabled():
        acme = OrganizationFactory(slug="acme", name="Acme Corporation")
        Service.objects.create(organization=acme, name="checkout")
        endpoint, secret = make_endpoint(acme, kind=SourceKind.GENERIC_JSON, name="Status tool")
        generic_services.mapping_save(
            endpoint=endpoint,
            actor=None,
            paths=PATHS,
            fixed_service=None,
            status_values=STATUS_VALUES,
            default_severity="SEV3",
            severity_map={},
        )
        return endpoint, secret


def test_the_same_event_twice_at_once_has_one_effect(hook):
    endpoint, secret = hook
    body = json.dumps(tool_event("firing"))
    statuses = post_together(endpoint, [body, body], HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert statuses == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.get().status == DeliveryStatus.PROCESSED
        assert Incident.objects.count() == 1
        assert PagerEntry.objects.count() == 1


def test_two_events_of_one_new_incident_at_once_open_one_incident(hook):
    endpoint, secret = hook
    bodies = [
        json.dumps(tool_event("firing", minutes_ago=6)),
        json.dumps(tool_event("acknowledged")),
    ]
    statuses = post_together(endpoint, bodies, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert statuses == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 2
        assert Incident.objects.get().status == Status.ACKNOWLEDGED
