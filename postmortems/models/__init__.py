"""The postmortems app's tables, one module per part of the document's life; every model is
imported here, so ``postmortems.models.X`` names each of them (Django's layout for a models
package)."""

from postmortems.models.documents import (
    Postmortem,
    PostmortemGroupObjectPermission,
    PostmortemIncident,
    PostmortemStatus,
    PostmortemTeam,
    PostmortemUserObjectPermission,
    Revision,
    RootCauseCategory,
    Section,
    SectionKind,
    Template,
    TemplateSection,
    Visibility,
)
from postmortems.models.guidance import LanguageDismissal, QualitySnapshot
from postmortems.models.outputs import ExportJob, ExportStatus, PostmortemSearchDocument, ShareLink
from postmortems.models.reading import DigestDelivery, DigestSubscription, RequiredReader
from postmortems.models.recurrence import RecurrenceDismissal
from postmortems.models.review import (
    Comment,
    Review,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingAttendee,
)

__all__ = [
    "PostmortemStatus",
    "Visibility",
    "SectionKind",
    "RootCauseCategory",
    "Template",
    "TemplateSection",
    "Postmortem",
    "PostmortemIncident",
    "PostmortemTeam",
    "Section",
    "Revision",
    "PostmortemUserObjectPermission",
    "PostmortemGroupObjectPermission",
    "ReviewDecision",
    "Review",
    "Comment",
    "ReviewMeeting",
    "ReviewMeetingAttendee",
    "ShareLink",
    "ExportStatus",
    "ExportJob",
    "PostmortemSearchDocument",
    "LanguageDismissal",
    "QualitySnapshot",
    "RecurrenceDismissal",
    "DigestSubscription",
    "DigestDelivery",
    "RequiredReader",
]
