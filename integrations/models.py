from .alertmanager.models import AlertOccurrence
from .chat.models import ImportedChatMessage
from .deploys.models import Release
from .generic.models import FieldMapping
from .intake.models import InboundDelivery, WebhookEndpoint
from .metrics.models import MetricCapture, MetricQuery, MetricsEndpoint
from .pagerduty_import.models import PagerDutyImport, PagerDutyImportSettings
from .pagers.models import PagerEntry, PagerIncident
from .trackers.models import SyncNote, TicketLink, TrackerConnection, TrackerTarget

__all__ = [
    "AlertOccurrence",
    "FieldMapping",
    "ImportedChatMessage",
    "InboundDelivery",
    "MetricCapture",
    "MetricQuery",
    "MetricsEndpoint",
    "PagerDutyImport",
    "PagerDutyImportSettings",
    "PagerEntry",
    "PagerIncident",
    "Release",
    "SyncNote",
    "TicketLink",
    "TrackerConnection",
    "TrackerTarget",
    "WebhookEndpoint",
]
