"""The demo's integrations: deliveries that went through the real intake, so the
Integrations page, the delivery log and the open incidents' suspect changes have something to
show."""

from io import StringIO

from django.core.management import call_command

from incidents.models import Incident, LinkType, Status
from integrations.deploys.selectors import suspect_changes
from integrations.intake.models import DeliveryStatus, InboundDelivery, WebhookEndpoint


def test_alerts_and_releases_arrived_through_the_intake(org):
    statuses = list(InboundDelivery.objects.values_list("status", flat=True))
    assert statuses.count(DeliveryStatus.PROCESSED) == 8
    quarantined = InboundDelivery.objects.get(status=DeliveryStatus.QUARANTINED)
    assert "legacy-billing" in quarantined.outcome


def test_every_open_incident_has_a_suspect_change(org):
    open_incidents = Incident.objects.filter(organization=org).exclude(status=Status.RESOLVED)
    assert open_incidents.count() == 3
    for incident in open_incidents:
        assert suspect_changes(incident), incident.title


def test_the_open_search_incident_has_its_alert_linked(org):
    incident = Incident.objects.get(organization=org, status=Status.OPEN)
    alert = incident.links.get(type=LinkType.ALERT, external_id__startswith="alertmanager:")
    assert alert.title.startswith("SearchLatencyHigh")


def test_seeding_again_adds_no_endpoint_nor_delivery(org):
    before = (WebhookEndpoint.objects.count(), InboundDelivery.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (WebhookEndpoint.objects.count(), InboundDelivery.objects.count()) == before
