"""Required readers of a postmortem, mounted at ``/o/<org_slug>/postmortems/``."""

from django.urls import path

from postmortems.reading import views

urlpatterns = [
    path(
        "<int:number>/readers/",
        views.required_readers_add,
        name="postmortem_required_readers",
    ),
    path(
        "<int:number>/readers/remove/",
        views.required_reader_remove,
        name="postmortem_required_reader_remove",
    ),
]
