from django.urls import path

from . import views_invitations

urlpatterns = [
    path("<str:token>/", views_invitations.invitation_accept, name="invitation_accept"),
]
