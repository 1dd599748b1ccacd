from django.urls import path

from . import views_security

urlpatterns = [
    path("", views_security.settings_security, name="settings_security"),
]
