"""A postmortem's items' tickets. Mounted at ``/o/<org_slug>/postmortems/``."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "<int:number>/tickets/",
        views.postmortem_tickets_create,
        name="postmortem_tickets_create",
    ),
]
