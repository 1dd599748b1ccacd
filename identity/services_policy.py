"""Saving the organization's sign-in rules (the Security settings tab): audited, and turning
"require SSO" on ends at once the sessions it no longer admits."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_scopes import scope

from organizations import audit
from organizations.models import Organization
from organizations.people import display_name

from . import rules, sessions
from .models import SignInPolicy

POLICY_FIELDS = ("require_sso", "break_glass_user", "require_mfa")


@dataclass(frozen=True)
class PolicyChange:
    changed: dict  # {field: {"from": old, "to": new}}, for the audit log and the message
    sessions_ended: int = 0


def _values(policy: SignInPolicy) -> dict:
    return {
        "require_sso": policy.require_sso,
        "break_glass_user": policy.break_glass_user_id,
        "require_mfa": policy.require_mfa,
    }


def tightens_sso(before: dict, after: dict) -> bool:
    """Whether the change makes "require SSO" admit fewer sessions: it turns on, or the
    break-glass admin changes while it is on."""
    return after["require_sso"] and (
        not before["require_sso"] or before["break_glass_user"] != after["break_glass_user"]
    )


def _shown(changed: dict, policy: SignInPolicy, previous_user) -> dict:
    """The audit details: people by name, never by primary key."""
    if "break_glass_user" not in changed:
        return changed
    named = {
        "from": display_name(previous_user) if previous_user else None,
        "to": display_name(policy.break_glass_user) if policy.break_glass_user else None,
    }
    return {**changed, "break_glass_user": named}


def policy_update(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    require_sso: bool,
    break_glass_user: AbstractBaseUser | None,
    require_mfa: bool,
) -> PolicyChange:
    """Save the organization's sign-in policy. When "require SSO" turns on (or names another
    break-glass admin), the sessions of
    members it no longer admits end now (``rules.sessions_not_admitted``); the change and the
    number of sessions ended go to the audit log in the same transaction."""
    with scope(organization=organization), transaction.atomic():
        policy, _ = SignInPolicy.objects.select_for_update().get_or_create(
            organization=organization
        )
        before, previous_user = _values(policy), policy.break_glass_user
        policy.require_sso = require_sso
        policy.break_glass_user = break_glass_user
        policy.require_mfa = require_mfa
        changed = audit.changes(before, _values(policy))
        if not changed:
            return PolicyChange(changed={})
        policy.save()
        ended = 0
        if tightens_sso(before, _values(policy)):
            ended = sessions.end_sessions(rules.sessions_not_admitted(organization, policy))
        details = _shown(changed, policy, previous_user)
        if ended:
            details = {**details, "sessions_ended": ended}
        audit.record(
            organization=organization,
            actor=actor,
            action="sso.policy_changed",
            target="Sign-in policy",
            details=details,
        )
    return PolicyChange(changed=changed, sessions_ended=ended)


def password_refused_record(*, user: AbstractBaseUser, refusals: list) -> None:
    """Audit a refused password sign-in in each organization that refused it."""
    for refusal in refusals:
        with scope(organization=refusal.organization):
            audit.record(
                organization=refusal.organization,
                actor=user,
                action="sso.password_refused",
                target=display_name(user),
                details={"provider": refusal.provider_name},
            )
