"""The member's learning-digest subscription, mounted at ``/o/<org_slug>/notifications/``
beside the email settings."""

from django.urls import path

from postmortems.reading import views

urlpatterns = [path("digest/", views.digest_subscription, name="digest_subscription")]
