"""The organization's audit log: one call records who changed what.

Services that change settings, templates, members or tokens call ``record`` inside their own
transaction, so an entry exists exactly when the change does.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEntry, Organization
from .people import display_name
from .roles import Role

ROLE_LABELS = dict(Role.choices)

# The kinds of change, grouped by the prefix before the dot (the audit page filters by group).
AUDIT_GROUPS = {
    "settings": "Settings",
    "template": "Templates",
    "member": "Members",
    "invitation": "Invitations",
    "team": "Teams",
    "token": "API tokens",
    "sso": "Company sign-in",
    "scim": "Provisioning",
    "integration": "Integrations",
    "recurrence": "Recurrences",
}


# Who acts when no person does (an organization's provisioning client): ``acting_as``.
_acting_as: ContextVar[str | None] = ContextVar("audit_acting_as", default=None)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Record the entries written inside the block under ``name`` (e.g. "SCIM (hs_scim_ab12)"),
    also those of the services it calls, which pass no actor."""
    token = _acting_as.set(name)
    try:
        yield
    finally:
        _acting_as.reset(token)


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
        actor_name=_acting_as.get() if actor is None and _acting_as.get() else display_name(actor),
        action=action,
        target=target[:200],
        details=details or {},
    )


def changes(before: dict, after: dict) -> dict:
    """``{field: {"from": old, "to": new}}`` for each field whose value differs (for
    ``details``; a value that is itself a list, such as severities, stays unambiguous)."""
    return {
        key: {"from": before.get(key), "to": value}
        for key, value in after.items()
        if before.get(key) != value
    }


ACTION_LABELS = {
    "integration.metrics_endpoint_saved": "set the metrics endpoint to",
    "integration.metrics_endpoint_removed": "removed the metrics endpoint",
    "integration.metric_query_saved": "mapped a metric of",
    "integration.metric_query_removed": "removed a metric mapping of",
    "settings.updated": "changed the settings",
    "settings.webhook_tested": "sent a webhook test message",
    "template.created": "created the template",
    "template.duplicated": "duplicated a template as",
    "template.renamed": "renamed the template",
    "template.updated": "edited the template",
    "template.retired": "retired the template",
    "template.restored": "restored the template",
    "template.section_added": "added a section to",
    "template.section_updated": "edited a section of",
    "template.section_removed": "removed a section from",
    "template.sections_reordered": "reordered the sections of",
    "template.defaults_changed": "changed the default templates",
    "member.role_changed": "changed the role of",
    "member.removed": "removed",
    "member.joined": "joined",
    "invitation.created": "invited",
    "invitation.revoked": "revoked the invitation of",
    "invitation.resent": "resent the invitation to",
    "invitation.accepted": "accepted the invitation of",
    "team.created": "created the team",
    "team.renamed": "renamed the team",
    "team.deleted": "deleted the team",
    "team.member_added": "added a member to",
    "team.member_removed": "removed a member from",
    "token.created": "created the API token",
    "token.revoked": "revoked the API token",
    "sso.provider_created": "set up company sign-in with",
    "sso.provider_updated": "changed the company sign-in settings of",
    "sso.mapping_changed": "changed the group to role mapping of",
    "sso.tested": "tested company sign-in with",
    "sso.turned_on": "turned on company sign-in with",
    "sso.turned_off": "turned off company sign-in with",
    "sso.member_joined": "joined through company sign-in:",
    "sso.role_changed": "got a new role from company sign-in:",
    "sso.role_change_refused": "kept their role (the last admin) at company sign-in:",
    "sso.sign_in_refused": "refused a company sign-in for",
    "sso.policy_changed": "changed the sign-in rules",
    "sso.password_refused": "refused a password sign-in of",
    "scim.token_created": "created the provisioning token",
    "scim.token_revoked": "revoked the provisioning token",
    "scim.member_provisioned": "provisioned",
    "scim.member_updated": "updated the provisioned member",
    "scim.member_deactivated": "deactivated",
    "scim.member_reactivated": "reactivated",
    "scim.role_changed": "got a new role from provisioning:",
    "sso.domain_added": "added the email domain",
    "sso.domain_verified": "verified the email domain",
    "sso.domain_removed": "removed the email domain",
    "sso.domain_refused": "was refused the email domain",
    "integration.endpoint_created": "created the inbound webhook",
    "integration.endpoint_updated": "changed the inbound webhook",
    "integration.mapping_saved": "changed the field mapping of the inbound webhook",
    "integration.secret_rotated": "rotated the secret of the inbound webhook",
    "integration.endpoint_deactivated": "deactivated the inbound webhook",
    "integration.delivery_replayed": "replayed a delivery of the inbound webhook",
    "recurrence.dismissed": "marked as not a recurrence",
    "recurrence.restored": "counted as a recurrence again",
}


def describe(action: str) -> str:
    """The action in words for the log ("changed the role of"); unknown ones are spelled out."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    return action.split(".", 1)[-1].replace("_", " ")


def detail_lines(details: dict) -> list[dict]:
    """Each detail as ``{"field", "old", "new"}`` (a change, written by ``changes`` or as an
    ``[old, new]`` pair of plain values) or ``{"field", "value"}``."""
    lines = []
    for field, value in (details or {}).items():
        label = str(field).replace("_", " ")
        if isinstance(value, dict) and set(value) == {"from", "to"}:
            lines.append({"field": label, "old": _shown(value["from"]), "new": _shown(value["to"])})
        elif _is_pair(value):
            lines.append({"field": label, "old": _shown(value[0]), "new": _shown(value[1])})
        else:
            lines.append({"field": label, "value": _shown(value)})
    return lines


def _is_pair(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and not any(isinstance(v, (list, dict)) for v in value)
    )


def _shown(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return ROLE_LABELS.get(value, str(value))  # a role by its name ("Manager", not "MANAGER")
