"""Searching postmortems. Mounted at ``/o/<org_slug>/search/``."""

from django.urls import path

from postmortems.search import views as views_search

urlpatterns = [
    path("", views_search.postmortem_search, name="postmortem_search"),
]
