"""Accepting an invitation at ``/invitations/<token>/``, outside any organization.

The token names its organization; the services enter that organization's scope themselves.
An unknown token answers 404 and says nothing about any organization; an expired, revoked or
used one answers 410 and says which. A signed-in visitor joins with their account; anyone else
creates an account with the invited address, or signs in first.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from . import selectors_members as selectors
from . import services_invitations as services
from .forms_members import AccountForm, add_errors
from .models import Invitation
from .people import display_name
from .roles import ROLE_SUMMARY, Role
from .selectors import membership_in

ACCEPT = "organizations/invitation_accept.html"
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return _refused(request, None, "unknown", status=404)
    state = selectors.invitation_state(invitation)
    if state != selectors.InvitationState.PENDING:
        return _refused(request, invitation, state)
    if request.user.is_authenticated:
        return _join(request, invitation)
    return _new_account(request, invitation)


def _refused(
    request: HttpRequest, invitation: Invitation | None, state: str, status: int = 410
) -> HttpResponse:
    context = {"invitation": invitation, "state": state}
    return render(request, "organizations/invitation_refused.html", context, status=status)


def _context(request: HttpRequest, invitation: Invitation, **extra) -> dict:
    return {
        "invitation": invitation,
        "organization_name": invitation.organization.name,
        "inviter": display_name(invitation.invited_by),
        "role_label": Role(invitation.role).label,
        "role_summary": ROLE_SUMMARY[invitation.role],
        "expires_text": selectors.within(invitation.expires_at),
        **extra,
    }


def _join(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    with scope(organization=invitation.organization):
        current = membership_in(invitation.organization, request.user)
    if request.method == "POST":
        try:
            acceptance = services.invitation_accept(invitation=invitation, user=request.user)
        except services.InvitationUnusable as refusal:
            return _refused(request, refusal.invitation, refusal.state)
        return _welcome(request, invitation, acceptance)
    raises = current is not None and Role(invitation.role) in _higher_roles(current.role)
    context = _context(request, invitation, current=current, raises=raises)
    return render(request, ACCEPT, context)


def _higher_roles(role: str) -> list[Role]:
    roles = list(Role)
    return roles[roles.index(Role(role)) + 1 :]


def _new_account(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    has_account = selectors.user_with_email_exists(invitation.email)
    form = AccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and not has_account and form.is_valid():
        try:
            user, acceptance = services.invitation_accept_new_account(
                invitation=invitation,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnusable as refusal:
            return _refused(request, refusal.invitation, refusal.state)
        except ValidationError as error:
            add_errors(form, error)
        else:
            login(request, user, backend=LOGIN_BACKEND)
            return _welcome(request, invitation, acceptance)
    status = 400 if form.errors or (request.method == "POST" and has_account) else 200
    context = _context(request, invitation, form=form, has_account=has_account)
    return render(request, ACCEPT, context, status=status)


def _welcome(request: HttpRequest, invitation: Invitation, acceptance) -> HttpResponse:
    organization = invitation.organization
    role = acceptance.membership.get_role_display()
    if acceptance.joined:
        messages.success(request, f"Welcome to {organization.name}! You joined as {role}.")
    elif acceptance.previous_role != acceptance.membership.role:
        messages.success(request, f"You were already in {organization.name}; you are now {role}.")
    else:
        messages.info(
            request, f"You were already a member of {organization.name}; your role stays {role}."
        )
    return redirect("dashboard", org_slug=organization.slug)
