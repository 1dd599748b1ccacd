"""Analytics, mounted at ``/o/<org_slug>/analytics/``."""

from django.urls import path

from postmortems.analytics import views as views_analytics

urlpatterns = [
    path("", views_analytics.analytics_page, name="analytics"),
    path("<slug:chart>.csv", views_analytics.analytics_csv, name="analytics_csv"),
]
