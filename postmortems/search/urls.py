"""Searching postmortems. Mounted at ``/o/<org_slug>/search/``."""

from django.urls import path

from postmortems.search import views as views_search

urlpatterns = [
    path("", views_search.postmortem_search, name="postmortem_search"),
    path("similar/<int:number>/", views_search.similar_to_postmortem, name="postmortem_similar"),
    path(
        "similar/incident/<str:ref>/",
        views_search.similar_to_incident,
        name="incident_similar",
    ),
]
