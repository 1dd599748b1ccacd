from django.urls import path

from . import views_members

urlpatterns = [
    path("members/", views_members.settings_members, name="settings_members"),
    path("teams/", views_members.settings_teams, name="settings_teams"),
]
