"""A postmortem's review meeting. Mounted at ``/o/<org_slug>/postmortems/``."""

from django.urls import path

from postmortems.meetings import views as views_meetings

urlpatterns = [
    path("<int:number>/meeting/", views_meetings.postmortem_meeting, name="postmortem_meeting"),
    path(
        "<int:number>/meeting/invite.ics",
        views_meetings.postmortem_meeting_ics,
        name="postmortem_meeting_ics",
    ),
    path(
        "<int:number>/meeting/notes/",
        views_meetings.postmortem_meeting_notes,
        name="postmortem_meeting_notes",
    ),
    path(
        "<int:number>/meeting/cancel/",
        views_meetings.postmortem_meeting_cancel,
        name="postmortem_meeting_cancel",
    ),
]
