from django.apps import AppConfig


class ActionitemsConfig(AppConfig):
    name = "actionitems"

    def ready(self) -> None:
        from incidents.services import INCIDENT_CHANGED
        from organizations import hooks

        from .services import action_items_follow_incident

        hooks.register(INCIDENT_CHANGED, action_items_follow_incident)
