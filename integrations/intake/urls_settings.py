from django.urls import path

from . import views_settings

urlpatterns = [
    path("", views_settings.integrations_page, name="settings_integrations"),
    path(
        "endpoints/<int:endpoint_id>/",
        views_settings.endpoint_edit,
        name="integration_endpoint_edit",
    ),
    path(
        "endpoints/<int:endpoint_id>/rotate/",
        views_settings.endpoint_rotate,
        name="integration_endpoint_rotate",
    ),
    path(
        "endpoints/<int:endpoint_id>/deactivate/",
        views_settings.endpoint_deactivate,
        name="integration_endpoint_deactivate",
    ),
    path(
        "deliveries/<int:delivery_id>/replay/",
        views_settings.delivery_replay,
        name="integration_delivery_replay",
    ),
]
