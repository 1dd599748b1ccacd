"""Outside ``/o/<slug>/``: an OAuth app registers one callback address for every organization."""

from django.urls import path

from . import views_oauth

urlpatterns = [
    path("callback/", views_oauth.tracker_oauth_callback, name="tracker_oauth_callback"),
]
