from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from organizations.scoping import across_organizations, in_organization_of

from .intake import services as intake_services
from .intake.models import InboundDelivery

# How long inbound deliveries are kept, with their outcome.
DELIVERY_RETENTION = timedelta(days=14)


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
