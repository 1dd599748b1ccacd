from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"

    def ready(self) -> None:
        from incidents.presenter import INCIDENT_RECURRENCES
        from incidents.services import INCIDENT_CHANGED
        from organizations import hooks
        from organizations.selectors_members import MEMBER_RIGHTS_COUNT, TEAM_SHARES_COUNT
        from organizations.services import MEMBER_REMOVED

        from . import memberships
        from .recurrence.selectors import recurrences_of
        from .search.indexing import postmortems_follow_incident

        hooks.register(INCIDENT_CHANGED, postmortems_follow_incident)
        hooks.register(MEMBER_REMOVED, memberships.member_rights_revoke)
        hooks.register(MEMBER_RIGHTS_COUNT, memberships.member_rights_count)
        hooks.register(TEAM_SHARES_COUNT, memberships.team_shares_count)
        hooks.register(INCIDENT_RECURRENCES, recurrences_of)
