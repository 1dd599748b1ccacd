from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from actionitems.postmortem_table import TICKET_SYNC, TICKET_TRACKER
        from actionitems.selectors import ITEM_TICKETS
        from actionitems.services import ACTION_ITEM_CHANGED
        from incidents.tasks import INCIDENT_RESOLVED
        from organizations import hooks
        from postmortems.review.transitions import POSTMORTEM_PUBLISHED

        from .metrics import receivers
        from .trackers.selectors import item_tickets, ticket_syncs, ticket_tracker
        from .trackers.services import ticket_follow_item, tickets_on_publish

        hooks.register(INCIDENT_RESOLVED, receivers.incident_resolved)
        hooks.register(TICKET_SYNC, ticket_syncs)
        hooks.register(TICKET_TRACKER, ticket_tracker)
        hooks.register(ITEM_TICKETS, item_tickets)
        hooks.register(ACTION_ITEM_CHANGED, ticket_follow_item)
        hooks.register(POSTMORTEM_PUBLISHED, tickets_on_publish)
