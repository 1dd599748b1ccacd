"""Deliveries are kept 14 days, in every organization."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from integrations.intake.models import DeliveryStatus, InboundDelivery
from integrations.tasks import forget_old_inbound_deliveries, requeue_stale_inbound_deliveries
from tests.integrations.conftest import documented_payload, fresh, make_endpoint


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


def test_a_delivery_whose_task_was_lost_is_queued_again(endpoint, send):
    """Stored, but its task never ran (a broker restart): the beat sweep queues it again."""
    hook, secret = endpoint
    send(hook, fresh(documented_payload()), secret=secret)
    delivery = InboundDelivery.objects.get()
    InboundDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RECEIVED, received_at=timezone.now() - timedelta(minutes=11)
    )
    fresh_one = InboundDelivery.objects.create(
        organization=hook.organization, endpoint=hook, event_id="just-now", body="{}"
    )
    assert requeue_stale_inbound_deliveries.delay().get() == 1
    delivery.refresh_from_db()
    fresh_one.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert "already attached" in delivery.outcome  # nothing done twice
    assert fresh_one.status == DeliveryStatus.RECEIVED
