"""Organization settings: the organization's own fields and its postmortem policy, saved
together and audited (only what changed; the webhook's secret path never reaches the log)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_scopes import scope

from . import audit, webhooks
from .models import Membership, Organization, PostmortemPolicy, WebhookDelivery
from .roles import MINIMUM_ROLE, ROLE_RANK, Action
from .selectors import policy_for

ORGANIZATION_FIELDS = ("name", "time_zone", "webhook_url")
POLICY_FIELDS = (
    "severities",
    "min_duration_minutes",
    "customer_impact",
    "data_loss",
    "security",
    "auto_generate",
    "required_approvals",
    "draft_target_days",
    "review_target_days",
    "publish_target_days",
    "remind_days_before_due",
    "overdue_repeat_days",
    "escalate_after_days",
)
SETTINGS_FIELDS = ORGANIZATION_FIELDS + POLICY_FIELDS


def settings_values(organization: Organization, policy: PostmortemPolicy | None = None) -> dict:
    """The current value of every setting (the form's initial data)."""
    policy = policy or policy_for(organization)
    return {
        **{name: getattr(organization, name) for name in ORGANIZATION_FIELDS},
        **{name: getattr(policy, name) for name in POLICY_FIELDS},
    }


def approver_count(organization: Organization) -> int:
    """Active members whose role may approve postmortems."""
    allowed = [
        role
        for role, rank in ROLE_RANK.items()
        if rank >= ROLE_RANK[MINIMUM_ROLE[Action.REVIEW_POSTMORTEM]]
    ]
    with scope(organization=organization):
        return Membership.objects.filter(
            organization=organization, role__in=allowed, user__is_active=True
        ).count()


def _audit_details(changed: dict) -> dict:
    if "webhook_url" in changed:
        change = changed["webhook_url"]
        masked = {"from": webhooks.mask(change["from"]), "to": webhooks.mask(change["to"])}
        changed = {**changed, "webhook_url": masked}
    return changed


@transaction.atomic
def organization_settings_update(
    *, organization: Organization, actor: AbstractBaseUser, values: dict
) -> dict:
    """Save the settings in ``values`` (any of ``SETTINGS_FIELDS``); returns what changed as
    ``{field: {"from": old, "to": new}}`` (empty when nothing did: nothing is written). The
    organization row is locked, so two admins saving at once are applied one after the other.
    ``organization`` is updated in place."""
    with scope(organization=organization):
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        policy = PostmortemPolicy.objects.filter(organization=locked).first() or policy_for(locked)
        before = settings_values(locked, policy)
        after = {**before, **{k: v for k, v in values.items() if k in SETTINGS_FIELDS}}
        changed = audit.changes(before, after)
        if not changed:
            return {}
        organization_changes = [name for name in ORGANIZATION_FIELDS if name in changed]
        for name in organization_changes:
            setattr(locked, name, after[name])
            setattr(organization, name, after[name])
        if organization_changes:
            locked.save(update_fields=organization_changes)
        if any(name in changed for name in POLICY_FIELDS):
            for name in POLICY_FIELDS:
                setattr(policy, name, after[name])
            policy.save()
        audit.record(
            organization=locked,
            actor=actor,
            action="settings.updated",
            target="Organization settings",
            details=_audit_details(changed),
        )
    return changed


@transaction.atomic
def webhook_test_send(
    *, organization: Organization, actor: AbstractBaseUser
) -> WebhookDelivery | None:
    """Queue a test message to the saved webhook (sent after commit); None when none is set."""
    delivery = webhooks.webhook_test_queue(organization=organization, actor=actor)
    if delivery is not None:
        audit.record(
            organization=organization,
            actor=actor,
            action="settings.webhook_tested",
            target="Chat webhook",
            details={"webhook_url": webhooks.mask(delivery.url)},
        )
    return delivery
