from django.urls import path

from . import views, views_timeline

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_declare, name="incident_declare"),
    path(
        "needs-postmortem/", views.incidents_needing_postmortem, name="incidents_needing_postmortem"
    ),
    path("<str:ref>/", views.incident_detail, name="incident_detail"),
    path("<str:ref>/edit/", views.incident_edit, name="incident_edit"),
    path("<str:ref>/acknowledge/", views.incident_acknowledge, name="incident_acknowledge"),
    path("<str:ref>/mitigate/", views.incident_mitigate, name="incident_mitigate"),
    path("<str:ref>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("<str:ref>/timeline/", views_timeline.timeline_entries, name="timeline_entries"),
    path(
        "<str:ref>/timeline/<int:entry_id>/edit/",
        views_timeline.timeline_entry_edit,
        name="timeline_entry_edit",
    ),
    path(
        "<str:ref>/timeline/<int:entry_id>/delete/",
        views_timeline.timeline_entry_delete,
        name="timeline_entry_delete",
    ),
    path("<str:ref>/links/", views_timeline.incident_link_add, name="incident_link_add"),
    path(
        "<str:ref>/metrics/<slug:metric>.svg",
        views.incident_metric_chart,
        name="incident_metric_chart",
    ),
    path(
        "<str:ref>/links/<int:link_id>/delete/",
        views_timeline.incident_link_delete,
        name="incident_link_delete",
    ),
]
