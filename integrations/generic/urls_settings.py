from django.urls import path

from . import views

urlpatterns = [
    path(
        "endpoints/<int:endpoint_id>/mapping/",
        views.mapping_edit,
        name="integration_mapping",
    ),
    path(
        "endpoints/<int:endpoint_id>/mapping/try/",
        views.mapping_try,
        name="integration_mapping_try",
    ),
]
