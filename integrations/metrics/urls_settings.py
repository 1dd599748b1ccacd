from django.urls import path

from . import views

urlpatterns = [
    path("", views.settings_metrics, name="settings_metrics"),
    path("queries/", views.metric_query_add, name="metric_query_add"),
    path(
        "queries/<int:metric_query_id>/remove/",
        views.metric_query_remove,
        name="metric_query_remove",
    ),
]
