from django.urls import path

from . import views

urlpatterns = [
    path(
        "<str:ref>/metrics/capture/",
        views.incident_capture_metrics,
        name="incident_capture_metrics",
    ),
]
