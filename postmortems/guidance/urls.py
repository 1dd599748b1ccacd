"""The writer's guidance: language checks and dismissals, the quality checklist.

Mounted at ``/o/<org_slug>/postmortems/`` beside the editor.
"""

from django.urls import path

from postmortems.guidance import views as views_guidance

urlpatterns = [
    path(
        "<int:number>/language/check/",
        views_guidance.postmortem_language_check,
        name="postmortem_language_check",
    ),
    path(
        "<int:number>/language/dismiss/",
        views_guidance.postmortem_language_dismiss,
        name="postmortem_language_dismiss",
    ),
    path(
        "<int:number>/language/restore/",
        views_guidance.postmortem_language_restore,
        name="postmortem_language_restore",
    ),
    path("<int:number>/quality/", views_guidance.postmortem_quality, name="postmortem_quality"),
    path(
        "<int:number>/language/findings/",
        views_guidance.postmortem_language_findings,
        name="postmortem_language_findings",
    ),
]
