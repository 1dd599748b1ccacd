"""Creating and editing postmortems.

Mounted at ``/o/<org_slug>/postmortems/`` beside ``urls_read`` (the list, the document, history).
"""

from django.urls import path

from postmortems.editor import views as views_editor
from postmortems.editor import views_root_cause

urlpatterns = [
    path("new/", views_editor.postmortem_create, name="postmortem_create"),
    path("<int:number>/edit/", views_editor.postmortem_edit, name="postmortem_edit"),
    path(
        "<int:number>/root-cause/",
        views_root_cause.postmortem_root_cause,
        name="postmortem_root_cause",
    ),
    path(
        "<int:number>/sections/<slug:section_key>/",
        views_editor.postmortem_section_save,
        name="postmortem_section_save",
    ),
    path(
        "<int:number>/sections/<slug:section_key>/preview/",
        views_editor.postmortem_section_preview,
        name="postmortem_section_preview",
    ),
]
