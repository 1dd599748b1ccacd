"""The organization's audit log: one call records who changed what.

Services that change settings, templates, members or tokens call ``record`` inside their own
transaction, so an entry exists exactly when the change does.
"""

from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEntry, Organization

# The kinds of change, grouped by the prefix before the dot (the audit page filters by group).
AUDIT_GROUPS = {
    "settings": "Settings",
    "template": "Templates",
    "member": "Members",
    "invitation": "Invitations",
    "team": "Teams",
    "token": "API tokens",
}


def actor_name(actor: AbstractBaseUser | None) -> str:
    if actor is None:
        return "Hindsight"
    return actor.get_full_name() or actor.get_username()


def record(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    action: str,
    target: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Append an entry. ``action`` is ``<group>.<verb>`` (e.g. ``member.role_changed``);
    ``details`` holds what changed, as plain JSON (e.g. ``{"role": ["ENGINEER", "ADMIN"]}``)."""
    if action.split(".", 1)[0] not in AUDIT_GROUPS:
        raise ValueError(f"Unknown audit group in {action!r}")
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor,
        actor_name=actor_name(actor),
        action=action,
        target=target[:200],
        details=details or {},
    )


def changes(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for each field whose value differs (for ``details``)."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }
