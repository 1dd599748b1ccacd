from django.urls import path

from . import views_members as views

urlpatterns = [
    path("members/", views.settings_members, name="settings_members"),
    path("members/invite/", views.member_invite, name="settings_member_invite"),
    path("members/<str:username>/role/", views.member_role, name="settings_member_role"),
    path("members/<str:username>/remove/", views.member_remove, name="settings_member_remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="settings_invitation_revoke",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="settings_invitation_resend",
    ),
    path("teams/", views.settings_teams, name="settings_teams"),
    path("teams/<int:team_id>/", views.team_detail, name="settings_team"),
    path("teams/<int:team_id>/rename/", views.team_rename, name="settings_team_rename"),
    path("teams/<int:team_id>/delete/", views.team_delete, name="settings_team_delete"),
    path("teams/<int:team_id>/members/", views.team_member_add, name="settings_team_member_add"),
    path(
        "teams/<int:team_id>/members/<str:username>/remove/",
        views.team_member_remove,
        name="settings_team_member_remove",
    ),
]
