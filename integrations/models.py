from .alertmanager.models import AlertOccurrence
from .intake.models import InboundDelivery, WebhookEndpoint

__all__ = ["AlertOccurrence", "InboundDelivery", "WebhookEndpoint"]
