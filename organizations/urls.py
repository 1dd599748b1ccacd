from django.urls import path

from . import views, views_notifications

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/search/", views.member_search, name="member_search"),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path(
        "notifications/panel/",
        views_notifications.notification_panel,
        name="notification_panel",
    ),
    path(
        "notifications/read/",
        views_notifications.notifications_mark_read_view,
        name="notifications_mark_read",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/settings/",
        views_notifications.notification_settings,
        name="notification_settings",
    ),
]
