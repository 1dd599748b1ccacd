from django.urls import path

from . import views_settings

urlpatterns = [
    path("", views_settings.settings_general, name="settings_general"),
    path("webhook/test/", views_settings.settings_webhook_test, name="settings_webhook_test"),
]
