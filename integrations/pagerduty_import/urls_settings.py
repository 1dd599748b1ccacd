from django.urls import path

from . import views

urlpatterns = [
    path("", views.settings_pagerduty_import, name="settings_pagerduty_import"),
    path("imports/", views.pagerduty_import_start, name="pagerduty_import_start"),
    path("imports/progress/", views.pagerduty_import_runs, name="pagerduty_import_runs"),
    path(
        "imports/<int:run_id>/resume/",
        views.pagerduty_import_resume,
        name="pagerduty_import_resume",
    ),
    path(
        "imports/<int:run_id>/cancel/",
        views.pagerduty_import_cancel,
        name="pagerduty_import_cancel",
    ),
]
