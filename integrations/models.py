from .alertmanager.models import AlertOccurrence
from .chat.models import ImportedChatMessage
from .intake.models import InboundDelivery, WebhookEndpoint

__all__ = ["AlertOccurrence", "ImportedChatMessage", "InboundDelivery", "WebhookEndpoint"]
