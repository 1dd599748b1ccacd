"""Deliveries are kept 14 days, in every organization."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from integrations.intake.models import InboundDelivery
from integrations.tasks import forget_old_inbound_deliveries
from tests.integrations.conftest import make_endpoint


def test_the_hourly_sweep_forgets_deliveries_older_than_14_days(org, other_org):
    now = timezone.now()
    with scopes_disabled():
        for organization in (org, other_org):
            hook, _ = make_endpoint(organization)
            for days, event in ((15, "old"), (13, "recent")):
                delivery = InboundDelivery.objects.create(
                    organization=organization, endpoint=hook, event_id=event, body="{}"
                )
                InboundDelivery.objects.filter(pk=delivery.pk).update(
                    received_at=now - timedelta(days=days)
                )
    assert forget_old_inbound_deliveries.delay().get() == 2
    with scopes_disabled():
        assert sorted(InboundDelivery.objects.values_list("event_id", flat=True)) == [
            "recent",
            "recent",
        ]
