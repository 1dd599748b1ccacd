"""Reading postmortems: the list, the document, its history, diffs and restores, and marking a
recurrence after its fix as unrelated.

Mounted at ``/o/<org_slug>/postmortems/`` beside ``urls_editor`` (creating and editing).
"""

from django.urls import path

from postmortems.read import views as views_read
from postmortems.read import views_recurrence

urlpatterns = [
    path("", views_read.postmortem_list, name="postmortem_list"),
    path("<int:number>/", views_read.postmortem_detail, name="postmortem_detail"),
    path("<int:number>/history/", views_read.postmortem_history, name="postmortem_history"),
    path("<int:number>/history/diff/", views_read.postmortem_diff, name="postmortem_diff"),
    path(
        "<int:number>/history/<int:revision>/restore/",
        views_read.postmortem_restore,
        name="postmortem_restore",
    ),
    path(
        "<int:number>/recurrences/<str:ref>/dismiss/",
        views_recurrence.recurrence_dismiss,
        name="recurrence_dismiss",
    ),
    path(
        "<int:number>/recurrences/<str:ref>/restore/",
        views_recurrence.recurrence_restore,
        name="recurrence_restore",
    ),
]
