from django.urls import path

from . import views, views_oauth

urlpatterns = [
    path("", views.settings_trackers, name="settings_trackers"),
    path("oauth/start/", views_oauth.tracker_oauth_start, name="tracker_oauth_start"),
    path("oauth/finish/", views_oauth.tracker_oauth_finish, name="tracker_oauth_finish"),
    path("<int:connection_id>/", views.tracker_edit, name="tracker_edit"),
    path("<int:connection_id>/test/", views.tracker_test, name="tracker_test"),
    path("<int:connection_id>/reconcile/", views.tracker_reconcile, name="tracker_reconcile"),
    path("<int:connection_id>/delete/", views.tracker_delete, name="tracker_delete"),
    path("routes/", views.tracker_route_add, name="tracker_route_add"),
    path("routes/<int:target_id>/delete/", views.tracker_route_delete, name="tracker_route_delete"),
]
