"""The "Sign-in" settings tab, under ``/o/<slug>/settings/sign-in/``."""

from django.urls import path

from . import views_settings

urlpatterns = [
    path("", views_settings.settings_sign_in, name="settings_sign_in"),
    path("test/", views_settings.settings_sign_in_test, name="settings_sign_in_test"),
    path("on/", views_settings.settings_sign_in_turn_on, name="settings_sign_in_turn_on"),
    path("off/", views_settings.settings_sign_in_turn_off, name="settings_sign_in_turn_off"),
]
