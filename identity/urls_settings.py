"""The "Sign-in" settings tab, under ``/o/<slug>/settings/sign-in/``."""

from django.urls import path, re_path

from . import views_settings

urlpatterns = [
    path("", views_settings.settings_sign_in, name="settings_sign_in"),
    path("test/", views_settings.settings_sign_in_test, name="settings_sign_in_test"),
    re_path(
        r"^(?P<turn>on|off)/$", views_settings.settings_sign_in_turn, name="settings_sign_in_turn"
    ),
]
