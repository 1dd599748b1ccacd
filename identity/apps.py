from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Company sign-in"

    def ready(self) -> None:
        from organizations import hooks
        from organizations.services import MEMBER_REMOVED

        from .memberships import member_sessions_end

        hooks.register(MEMBER_REMOVED, member_sessions_end)
