from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The organization's home page: reads across incidents, postmortems and action items, so
    it sits above them all (nothing imports it)."""

    name = "dashboard"
