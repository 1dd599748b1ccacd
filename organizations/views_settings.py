"""Organization settings (admins): name, time zone, postmortem policy, review, targets,
reminders and the incoming webhook with its recent deliveries."""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import services_settings, webhooks
from .decorators import require_action
from .forms_settings import OrganizationSettingsForm
from .models import PostmortemPolicy, WebhookStatus
from .roles import Action
from .selectors import policy_for
from .templatetags.hindsight import duration

# How the "Settings saved (…)" message names what changed.
CHANGE_NAMES = {
    "name": "name",
    "time_zone": "time zone",
    "webhook_url": "webhook",
    "severities": "severities",
    "min_duration_minutes": "duration rule",
    "customer_impact": "customer impact",
    "data_loss": "data loss",
    "security": "security",
    "auto_generate": "automatic drafts",
    "required_approvals": "approvals",
    "draft_target_days": "draft target",
    "review_target_days": "review target",
    "publish_target_days": "publish target",
    "remind_days_before_due": "first reminder",
    "overdue_repeat_days": "overdue repeat",
    "escalate_after_days": "escalation",
}


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_general(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    policy = policy_for(organization)
    if request.htmx and request.htmx.target == "webhook-deliveries":
        return render(
            request, "organizations/settings/general.html#deliveries", _deliveries(organization)
        )
    form = OrganizationSettingsForm(
        request.POST or None,
        initial=services_settings.settings_values(organization, policy),
        approvers=(
            services_settings.approver_count(organization) if request.method == "POST" else None
        ),
        current_approvals=policy.required_approvals,
    )
    if request.method == "POST" and form.is_valid():
        changed = services_settings.organization_settings_update(
            organization=organization, actor=request.user, values=form.cleaned_data
        )
        if changed:
            names = ", ".join(CHANGE_NAMES.get(name, name) for name in changed)
            messages.success(request, f"Settings saved ({names}).")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("settings_general", org_slug=org_slug)
    context = {
        "form": form,
        "policy_summary": policy_summary(policy),
        "webhook_host": webhooks.mask(organization.webhook_url),
        **_deliveries(organization),
    }
    return render(
        request,
        "organizations/settings/general.html",
        context,
        status=400 if form.errors else 200,
    )


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def settings_webhook_test(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Queue a test message to the saved webhook (never waits for it)."""
    organization = request.organization
    delivery = services_settings.webhook_test_send(organization=organization, actor=request.user)
    if delivery is None:
        messages.error(request, "Save a webhook URL first, then send a test message.")
    else:
        messages.success(
            request,
            f"Test message queued for {webhooks.mask(delivery.url)}. "
            "Its delivery appears under Recent deliveries.",
        )
    return redirect(reverse("settings_general", kwargs={"org_slug": org_slug}) + "#webhook")


def _deliveries(organization) -> dict:
    deliveries = list(webhooks.recent_deliveries(organization))
    since = timezone.now() - webhooks.STALE_AFTER
    for delivery in deliveries:
        delivery.label = webhooks.EVENT_LABELS.get(delivery.event, delivery.event)
        delivery.masked_url = webhooks.mask(delivery.url)
    return {
        "deliveries": deliveries,
        # the list refreshes itself while a delivery may still change (not a lost one)
        "deliveries_pending": any(
            d.status == WebhookStatus.PENDING and d.created_at > since for d in deliveries
        ),
        "failed_count": sum(d.status == WebhookStatus.FAILED for d in deliveries),
        "max_attempts": webhooks.MAX_ATTEMPTS,
    }


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _join(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def policy_summary(policy: PostmortemPolicy) -> list[str]:
    """The saved policy in plain words, one sentence per concern."""
    criteria = [_join(policy.severities, "and")] if policy.severities else []
    if (minutes := policy.min_duration_minutes) is not None:
        longer = f"incidents over {minutes} minute{'s' if minutes != 1 else ''}"
        if minutes >= 60:
            longer += f" ({duration(timedelta(minutes=minutes))})"
        criteria.append(longer)
    flags = (
        (policy.customer_impact, "customer impact"),
        (policy.data_loss, "data loss"),
        (policy.security, "security incidents"),
    )
    criteria += [words for enabled, words in flags if enabled]
    if criteria:
        required = f"A postmortem is required for {_join(criteria, 'or')}."
        required += (
            " A draft is generated as soon as such an incident is resolved."
            if policy.auto_generate
            else " Drafts are not generated automatically."
        )
    else:
        required = "No incident requires a postmortem: writers start them when they choose."
    approvals = policy.required_approvals
    return [
        required,
        f"Publishing takes {approvals} approval{'s' if approvals != 1 else ''}. Targets: the "
        f"draft within {_days(policy.draft_target_days)}, the review within "
        f"{_days(policy.review_target_days)}, published within "
        f"{_days(policy.publish_target_days)} of resolution.",
        _reminder_sentence(policy),
    ]


def _reminder_sentence(policy: PostmortemPolicy) -> str:
    before = policy.remind_days_before_due
    first = (
        f"Owners hear {_days(before)} before an action item is due"
        if before
        else "Owners hear on the day an action item is due"
    )
    repeat = policy.overdue_repeat_days
    again = (
        f"then every {_days(repeat)} while it is overdue"
        if repeat
        else "then once when it is overdue"
    )
    return (
        f"{first}, {again}; after {_days(policy.escalate_after_days)} overdue it goes to the "
        "postmortem's author and the managers."
    )
