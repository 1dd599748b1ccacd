"""The sign-in rules, applied to every page of an organization.

``SignInRulesMiddleware`` sits right after ``organizations.middleware.TenantMiddleware`` (it
reads ``request.organization`` and ``request.membership``). On a page of an organization that
requires company sign-in, a session that did not come through that organization's provider gets
a page saying so (403), except the break-glass admin's; on a page of an organization that
requires two-factor authentication, a password session of a person without an authenticator is
sent to set one up. Pages outside an organization, the API (bearer tokens, no session) and
public share pages are left alone; an organization's own sign-in address is always open."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from . import rules

MFA_SETUP_URL_NAME = "mfa_activate_totp"
# The page the person was opening when sent to set up two-factor: the recovery codes page
# shown after setup continues there (templates/mfa/recovery_codes/index.html).
MFA_RETURN_SESSION_KEY = "identity_mfa_return"


def sso_required_response(
    request: HttpRequest, requirements: list[rules.SsoRequirement]
) -> HttpResponse:
    """The page that sends a person to their organization's company sign-in."""
    return render(request, "identity/sso_required.html", {"requirements": requirements}, status=403)


class SignInRulesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._applies(request):
            rule = rules.request_rule(request)
            if rule.sso_required is not None:
                if getattr(request, "htmx", False):
                    return HttpResponseClientRefresh()
                return sso_required_response(request, [rule.sso_required])
            if rule.mfa_required:
                return self._to_mfa_setup(request)
        return self.get_response(request)

    @staticmethod
    def _applies(request: HttpRequest) -> bool:
        organization = getattr(request, "organization", None)
        if organization is None or getattr(request, "api_token", None) is not None:
            return False
        if not request.user.is_authenticated:
            return False
        return not request.path_info.startswith(f"/o/{organization.slug}/login/")

    @staticmethod
    def _to_mfa_setup(request: HttpRequest) -> HttpResponse:
        messages.warning(
            request,
            f"{request.organization.name} requires two-factor authentication: set up an "
            "authenticator app to continue.",
        )
        response = redirect(MFA_SETUP_URL_NAME)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(response["Location"])
        if request.method == "GET":
            request.session[MFA_RETURN_SESSION_KEY] = request.get_full_path()
        return response
