from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"

    def ready(self) -> None:
        from incidents.services import INCIDENT_CHANGED
        from organizations import hooks

        from .search.services import postmortems_follow_incident

        hooks.register(INCIDENT_CHANGED, postmortems_follow_incident)
