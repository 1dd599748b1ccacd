"""Exports of postmortems: one document as a file, and bulk ZIP exports of the list.

Mounted at ``/o/<org_slug>/postmortems/`` beside ``urls_read``.
"""

from django.urls import path

from postmortems.exports import views as views_exports

urlpatterns = [
    path(
        "<int:number>/export/<str:fmt>/", views_exports.postmortem_export, name="postmortem_export"
    ),
    path("exports/", views_exports.postmortem_bulk_export, name="postmortem_bulk_export"),
    path(
        "exports/<int:job_id>/",
        views_exports.postmortem_bulk_export_status,
        name="postmortem_bulk_export_status",
    ),
    path(
        "exports/<int:job_id>/download/",
        views_exports.postmortem_bulk_export_download,
        name="postmortem_bulk_export_download",
    ),
]
