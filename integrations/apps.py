from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from actionitems.postmortem_table import TICKET_SYNC
        from incidents.tasks import INCIDENT_RESOLVED
        from organizations import hooks

        from .metrics import receivers
        from .trackers.selectors import ticket_syncs

        hooks.register(INCIDENT_RESOLVED, receivers.incident_resolved)
        hooks.register(TICKET_SYNC, ticket_syncs)
