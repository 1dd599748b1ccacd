"""Hindsight's SAML pages, mounted under ``/accounts/`` before allauth's own (which keeps
``acs/`` and ``sls/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("saml/<str:organization_slug>/acs/finish/", views.finish_acs, name="saml_finish_acs"),
    path("saml/<str:organization_slug>/metadata/", views.metadata, name="saml_metadata"),
    path("saml/<str:organization_slug>/login/", views.login, name="saml_login"),
]
