from django.apps import AppConfig


class ActionitemsConfig(AppConfig):
    name = "actionitems"

    def ready(self) -> None:
        from incidents.services import INCIDENT_CHANGED
        from organizations import hooks
        from postmortems.review.people import VISIBILITY_CHANGED
        from postmortems.search.similar import ITEM_PROGRESS
        from postmortems.services import SNAPSHOT_PARTS

        from .history import snapshot_items
        from .selectors import item_progress
        from .services import action_items_follow_incident
        from .tracker_cache import tracker_changed

        hooks.register(INCIDENT_CHANGED, action_items_follow_incident)
        hooks.register(VISIBILITY_CHANGED, tracker_changed)
        hooks.register(ITEM_PROGRESS, item_progress)
        hooks.register(SNAPSHOT_PARTS, snapshot_items)
