"""The Security settings tab (admins): the organization's sign-in rules."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from organizations.decorators import require_action
from organizations.roles import Action

from . import selectors, services_policy
from .forms_policy import SignInPolicyForm
from .models import ProviderStatus

CHANGE_NAMES = {
    "require_sso": "company sign-in required",
    "break_glass_user": "break-glass admin",
    "require_mfa": "two-factor required",
}


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_security(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    policy = selectors.policy_for(organization)
    provider = selectors.provider_for(organization)
    form = SignInPolicyForm(
        request.POST or None,
        initial={
            "require_sso": policy.require_sso,
            "break_glass_user": policy.break_glass_user_id,
            "require_mfa": policy.require_mfa,
        },
        organization=organization,
        policy=policy,
        provider=provider,
        request=request,
    )
    if request.method == "POST" and form.is_valid():
        change = services_policy.policy_update(
            organization=organization, actor=request.user, **form.cleaned_data
        )
        if not change.changed:
            messages.info(request, "Nothing changed.")
        else:
            names = ", ".join(CHANGE_NAMES[name] for name in change.changed)
            message = f"Sign-in rules saved ({names})."
            if change.sessions_ended:
                plural = "s" if change.sessions_ended != 1 else ""
                message += (
                    f" {change.sessions_ended} session{plural} that did not come through "
                    f"{provider.name} ended."
                )
            messages.success(request, message)
        return redirect("settings_security", org_slug=org_slug)
    context = {
        "form": form,
        "provider": provider,
        "provider_live": provider is not None and provider.status == ProviderStatus.LIVE,
        "policy": policy,
    }
    return render(
        request,
        "identity/settings/security.html",
        context,
        status=400 if form.errors else 200,
    )
