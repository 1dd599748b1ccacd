from django.urls import path

from . import views

urlpatterns = [
    path("", views.provisioning, name="settings_provisioning"),
    path("revoke/", views.provisioning_revoke, name="settings_provisioning_revoke"),
]
