from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from incidents.tasks import INCIDENT_RESOLVED
        from organizations import hooks

        from .metrics import receivers

        hooks.register(INCIDENT_RESOLVED, receivers.incident_resolved)
