"""PagerDuty and Opsgenie deliveries at once, on PostgreSQL with real transactions: one
incident, one effect per event."""

import json

import pytest
from django_scopes import scopes_disabled

from incidents.models import Incident, Service, Status
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from integrations.pagers.models import PagerEntry
from tests.factories import OrganizationFactory
from tests.integrations.conftest import make_endpoint, post_together
from tests.integrations.opsgenie.conftest import action
from tests.integrations.pagerduty.conftest import SEVERITIES, SIGNING_SECRET, incident_event, sign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme():
    with scopes_disabled():
        organization = OrganizationFactory(slug="acme", name="Acme Corporation")
        Service.objects.create(organization=organization, name="API Service")
        Service.objects.create(organization=organization, name="checkout")
        return organization


@pytest.fixture
def pagerduty_hook(acme):
    with scopes_disabled():
        hook, _ = make_endpoint(
            acme,
            kind=SourceKind.PAGERDUTY,
            name="PagerDuty",
            severity_map=SEVERITIES,
            signing_secret=SIGNING_SECRET,
        )
        return hook


def _signed_together(hook, bodies: list[bytes]) -> list[int]:
    # One signature header for both: each thread's body must be the one signed.
    assert len(set(bodies)) == 1
    return post_together(hook, bodies, HTTP_X_PAGERDUTY_SIGNATURE=sign(SIGNING_SECRET, bodies[0]))


def test_the_same_pagerduty_event_twice_at_once_has_one_effect(pagerduty_hook):
    body = json.dumps(incident_event("incident.triggered")).encode()
    assert _signed_together(pagerduty_hook, [body, body]) == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.get().status == DeliveryStatus.PROCESSED
        assert Incident.objects.count() == 1
        assert PagerEntry.objects.count() == 1


def test_two_events_of_one_new_incident_at_once_open_one_incident(pagerduty_hook):
    triggered = json.dumps(incident_event("incident.triggered", minutes_ago=6)).encode()
    acknowledged = json.dumps(incident_event("incident.acknowledged", minutes_ago=5)).encode()
    # One header with both bodies' signatures (each request passes: one of them matches).
    headers = {
        "HTTP_X_PAGERDUTY_SIGNATURE": ",".join(
            [sign(SIGNING_SECRET, triggered), sign(SIGNING_SECRET, acknowledged)]
        )
    }
    assert post_together(pagerduty_hook, [triggered, acknowledged], **headers) == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 2
        incident = Incident.objects.get()
        assert incident.status == Status.ACKNOWLEDGED


def test_the_same_opsgenie_action_twice_at_once_has_one_effect(acme):
    with scopes_disabled():
        hook, secret = make_endpoint(acme, kind=SourceKind.OPSGENIE, name="Opsgenie")
    body = json.dumps(action("create"))
    statuses = post_together(hook, [body, body], HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert statuses == [202, 202]
    with scopes_disabled():
        assert InboundDelivery.objects.get().status == DeliveryStatus.PROCESSED
        assert Incident.objects.count() == 1
