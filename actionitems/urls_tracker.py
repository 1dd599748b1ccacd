"""The action-item tracker. Mounted at ``/o/<org_slug>/action-items/``."""

from django.urls import path

from . import views_tracker

urlpatterns = [
    path("", views_tracker.tracker, name="action_item_tracker"),
    path("export.csv", views_tracker.tracker_csv, name="action_item_csv"),
    path("bulk/", views_tracker.tracker_bulk, name="action_item_bulk"),
    path("<int:item>/status/", views_tracker.tracker_status, name="action_item_status"),
]
