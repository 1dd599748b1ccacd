from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organizations, people, incidents, postmortems and action items, and the
    ``seed_demo`` command that writes them through each app's services. It sits above every
    app and nothing imports it but the command, the benchmark and their tests."""

    name = "demo"
