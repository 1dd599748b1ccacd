"""Roles and the one helper that answers "may this member do X".

Roles are ordered: each role may do everything the roles below it may. An action names the
lowest role allowed to perform it. Per-document exceptions (invited editors, assigned reviewers)
are object permissions and are checked on top of this, never instead of it.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    VIEWER = "VIEWER", "Viewer"
    ENGINEER = "ENGINEER", "Engineer"
    REVIEWER = "REVIEWER", "Reviewer"
    MANAGER = "MANAGER", "Manager"
    ADMIN = "ADMIN", "Admin"


ROLE_RANK: dict[str, int] = {role.value: rank for rank, role in enumerate(Role)}

ROLE_SUMMARY: dict[str, str] = {
    Role.VIEWER: "Reads and searches the organization's postmortems.",
    Role.ENGINEER: "Declares incidents, writes postmortems, owns action items.",
    Role.REVIEWER: "Everything an engineer does, plus approves postmortems in review.",
    Role.MANAGER: "Everything a reviewer does, plus the action-item tracker and analytics.",
    Role.ADMIN: "Everything, plus settings, members, roles and templates.",
}


class Action(StrEnum):
    VIEW = "view"
    DECLARE_INCIDENT = "declare_incident"
    UPDATE_INCIDENT = "update_incident"
    CREATE_POSTMORTEM = "create_postmortem"
    OWN_ACTION_ITEMS = "own_action_items"
    REVIEW_POSTMORTEM = "review_postmortem"
    TRACK_ACTION_ITEMS = "track_action_items"
    VIEW_ANALYTICS = "view_analytics"
    REASSIGN_ACTION_ITEMS = "reassign_action_items"
    DISMISS_RECURRENCE = "dismiss_recurrence"
    MANAGE_ORGANIZATION = "manage_organization"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_TEMPLATES = "manage_templates"
    EDIT_PUBLISHED = "edit_published"
    ARCHIVE_POSTMORTEM = "archive_postmortem"


MINIMUM_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.DECLARE_INCIDENT: Role.ENGINEER,
    Action.UPDATE_INCIDENT: Role.ENGINEER,
    Action.CREATE_POSTMORTEM: Role.ENGINEER,
    Action.OWN_ACTION_ITEMS: Role.ENGINEER,
    Action.REVIEW_POSTMORTEM: Role.REVIEWER,
    Action.TRACK_ACTION_ITEMS: Role.MANAGER,
    Action.VIEW_ANALYTICS: Role.MANAGER,
    Action.REASSIGN_ACTION_ITEMS: Role.MANAGER,
    Action.DISMISS_RECURRENCE: Role.MANAGER,
    Action.MANAGE_ORGANIZATION: Role.ADMIN,
    Action.MANAGE_MEMBERS: Role.ADMIN,
    Action.MANAGE_TEMPLATES: Role.ADMIN,
    Action.EDIT_PUBLISHED: Role.ADMIN,
    Action.ARCHIVE_POSTMORTEM: Role.ADMIN,
}


def role_allows(role: str, action: Action | str) -> bool:
    """True when ``role`` may perform ``action``. Unknown actions are refused."""
    try:
        minimum = MINIMUM_ROLE[Action(action)]
    except ValueError:
        return False
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[minimum]


def can(membership, action: Action | str) -> bool:
    """May this membership (or ``None`` for a non-member) perform ``action``?"""
    return membership is not None and role_allows(membership.role, action)


def visibility_scope(membership) -> str:
    """Who sees which postmortems and action items, as a part of a cache key: every admin sees
    all of them; anyone else, their own share."""
    if can(membership, Action.EDIT_PUBLISHED):
        return "all"
    return f"user-{membership.user_id}-{membership.role}"
