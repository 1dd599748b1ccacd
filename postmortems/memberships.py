"""What removing a member or deleting a team means for postmortems. ``organizations`` cannot
import this app, so it fires and asks through ``organizations.hooks``; ``PostmortemsConfig``
registers these receivers."""

from django.contrib.auth.models import AbstractBaseUser

from organizations.models import Organization, Team

from .models import PostmortemTeam, PostmortemUserObjectPermission


def member_rights_revoke(*, organization: Organization, user: AbstractBaseUser) -> None:
    """Take away the member's per-postmortem rights here (invited editor, assigned reviewer),
    so nothing lingers for the day they might be invited back."""
    PostmortemUserObjectPermission.objects.filter(
        user=user, content_object__organization=organization
    ).delete()


def member_rights_count(*, organization: Organization, user: AbstractBaseUser) -> int:
    """How many postmortems here the member holds per-postmortem rights on."""
    return (
        PostmortemUserObjectPermission.objects.filter(
            user=user, content_object__organization=organization
        )
        .values("content_object")
        .distinct()
        .count()
    )


def team_shares_count(*, team: Team) -> int:
    """How many postmortems are shared with the team (they lose that reader with it)."""
    return PostmortemTeam.objects.filter(organization=team.organization_id, team=team).count()
