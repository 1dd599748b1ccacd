from django.urls import path

from . import views_settings

urlpatterns = [
    path("", views_settings.settings_general, name="settings_general"),
]
