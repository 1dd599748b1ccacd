from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from organizations.scoping import across_organizations, in_organization_of

from .intake import services as intake_services
from .intake.models import InboundDelivery

# How long inbound deliveries are kept, with their outcome.
DELIVERY_RETENTION = timedelta(days=14)
# A delivery still RECEIVED this long after it came in lost its task (a broker restart).
STALE_AFTER = timedelta(minutes=10)


@shared_task
@in_organization_of(InboundDelivery, missing="missing")
def process_inbound_delivery(delivery: InboundDelivery) -> str:
    """Apply a stored inbound delivery (once: a processed one is left as it is)."""
    return intake_services.delivery_process(delivery=delivery)


@shared_task
@across_organizations
def forget_old_inbound_deliveries() -> int:
    """Beat, hourly: every organization's inbound deliveries older than 14 days go."""
    return intake_services.deliveries_forget(before=timezone.now() - DELIVERY_RETENTION)


@shared_task
@across_organizations
def requeue_stale_inbound_deliveries() -> int:
    """Beat: queue again the deliveries whose processing task was lost. Answers how many."""
    ids = intake_services.stale_delivery_ids(before=timezone.now() - STALE_AFTER)
    for delivery_id in ids:
        process_inbound_delivery.delay(delivery_id)
    return len(ids)
