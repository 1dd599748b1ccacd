from django.urls import path

from . import views_domains

urlpatterns = [
    path("", views_domains.domain_list, name="settings_domains"),
    path("<int:domain_id>/check/", views_domains.domain_check, name="settings_domain_check"),
    path("<int:domain_id>/remove/", views_domains.domain_remove, name="settings_domain_remove"),
]
