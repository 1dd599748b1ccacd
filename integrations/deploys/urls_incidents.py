from django.urls import path

from . import views

urlpatterns = [
    path(
        "<str:ref>/suspect-changes/",
        views.suspect_changes,
        name="incident_suspect_changes",
    ),
    path(
        "<str:ref>/releases/<int:release_id>/cause/",
        views.release_mark_as_cause,
        name="release_mark_as_cause",
    ),
]
