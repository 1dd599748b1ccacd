"""The template designer, mounted at ``/o/<org_slug>/settings/templates/`` (admins only).

Templates are addressed by ``template_id`` and sections by ``section_id``, always looked up
within the request's organization (and the section within its template): 404 otherwise.
"""

from django.urls import path

from postmortems.designer import views, views_sections

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_create, name="template_create"),
    path("defaults/", views.template_defaults, name="template_defaults"),
    path("install/", views.template_install, name="template_install"),
    path("<int:template_id>/", views.template_edit, name="template_edit"),
    path("<int:template_id>/duplicate/", views.template_duplicate, name="template_duplicate"),
    path("<int:template_id>/retire/", views.template_retire, name="template_retire"),
    path("<int:template_id>/restore/", views.template_restore, name="template_restore"),
    path("<int:template_id>/preview/", views.template_preview, name="template_preview"),
    path("<int:template_id>/sections/", views_sections.section_add, name="template_section_add"),
    path(
        "<int:template_id>/sections/order/",
        views_sections.sections_reorder,
        name="template_sections_reorder",
    ),
    path(
        "<int:template_id>/sections/<int:section_id>/",
        views_sections.section_edit,
        name="template_section_edit",
    ),
    path(
        "<int:template_id>/sections/<int:section_id>/move/",
        views_sections.section_move,
        name="template_section_move",
    ),
    path(
        "<int:template_id>/sections/<int:section_id>/delete/",
        views_sections.section_delete,
        name="template_section_delete",
    ),
]
