"""Members, invitations and teams administration, under ``/o/<org_slug>/settings/``.

Admins only (``Action.MANAGE_MEMBERS``: other members get 403, non-members 404 from the tenant
middleware). Objects are looked up in the request's organization before the method is checked,
so another organization's member, invitation or team answers 404 whatever the method. Every
change works as a plain form POST answered by a redirect; the inline role change also answers
htmx with the member's row.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import selectors_members as selectors
from . import services_invitations
from . import services_members as services
from .decorators import require_action
from .forms_members import (
    InvitationForm,
    RoleForm,
    TeamMemberAddForm,
    TeamNameForm,
    TeamRenameForm,
    add_errors,
)
from .lookups import object_from_url
from .models import Membership, Team
from .people import name_and_handle
from .roles import ROLE_SUMMARY, Action, Role

PAGE_SIZE = 50
MEMBERS = "organizations/settings/members.html"
TEAMS = "organizations/settings/teams.html"
TEAM = "organizations/settings/team_detail.html"

manage_members = require_action(Action.MANAGE_MEMBERS)


# --- Plumbing ------------------------------------------------------------------------------------


def _member(request: HttpRequest, username: str) -> Membership | None:
    return selectors.member_by_username(organization=request.organization, username=username)


def _invitation(request: HttpRequest, invitation_id: int):
    return selectors.invitation_by_id(
        organization=request.organization, invitation_id=invitation_id
    )


def _team(request: HttpRequest, team_id: int) -> Team | None:
    return selectors.team_by_id(organization=request.organization, team_id=team_id)


member_from_username = object_from_url("username", _member, missing="No such member.")
"""Replace ``username`` by that user's membership in the request's organization."""
invitation_from_id = object_from_url("invitation_id", _invitation, missing="No such invitation.")
team_from_id = object_from_url("team_id", _team, missing="No such team.")
team_member_from_username = object_from_url(
    "username",
    lambda request, team, username: _member(request, username),
    missing="No such member.",
)
"""Under ``team_from_id``: replace ``username`` by that user's membership (of the organization)."""


def _members_url(request: HttpRequest) -> str:
    return reverse("settings_members", kwargs={"org_slug": request.organization.slug})


def _row(membership: Membership, *, admins: int, me) -> Membership:
    """Attach what the member's row shows."""
    membership.last_active = selectors.ago(membership.user.last_login)
    membership.is_last_admin = membership.role == Role.ADMIN and admins <= 1
    membership.is_me = membership.user_id == me.pk
    return membership


# --- Members -------------------------------------------------------------------------------------


@manage_members
@require_GET
def settings_members(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = InvitationForm(organization=request.organization)
    return _members_page(request, form)


def _members_page(request: HttpRequest, form: InvitationForm, status: int = 200) -> HttpResponse:
    organization = request.organization
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.member_search_queryset(organization=organization, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    admins = selectors.admin_count(organization=organization)
    rows = [_row(m, admins=admins, me=request.user) for m in page]
    invitations = selectors.outstanding_invitations(organization=organization)
    for invitation in invitations:
        invitation.state = selectors.invitation_state(invitation)
        invitation.expires_text = selectors.within(invitation.expires_at)
    context = {
        "page": page,
        "rows": rows,
        "query": query,
        "invite_form": form,
        "invitations": invitations,
        "roles": Role.choices,
        "role_summaries": [(role, ROLE_SUMMARY[role]) for role in Role],
    }
    template = f"{MEMBERS}#results" if request.htmx and not form.is_bound else MEMBERS
    return render(request, template, context, status=status)


@manage_members
@require_POST
def member_invite(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = InvitationForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            invitation, _ = services_invitations.invitation_create(
                organization=request.organization,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works once, for "
                f"{form.cleaned_data['days']} day{'s' if form.cleaned_data['days'] != 1 else ''}.",
            )
            return redirect(_members_url(request) + "#invitations")
    return _members_page(request, form, status=400)


@manage_members
@member_from_username
@require_POST
def member_role(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = RoleForm(request.POST)
    error, note, status = "", "", 200
    if not form.is_valid():
        error, status = "Choose one of the roles.", 400
    else:
        before = membership.role
        try:
            membership = services.member_role_change(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as refusal:  # the last admin, or a member removed meanwhile
            error, status = refusal.messages[0], 409
        else:
            if membership.user_id == request.user.pk and membership.role != Role.ADMIN:
                return _left_admin(request, f"You are now {membership.get_role_display()}.")
            if membership.role != before:
                note = f"{name_and_handle(membership.user)} is now {membership.get_role_display()}."
    if request.htmx:
        return _row_response(request, membership, error=error, note=note, status=status)
    if error:
        messages.error(request, error)
    elif note:
        messages.success(request, note)
    return redirect(_members_url(request))


def _left_admin(request: HttpRequest, text: str) -> HttpResponse:
    """The admin changed their own role: the administration is no longer theirs to see."""
    messages.success(request, text)
    url = reverse("dashboard", kwargs={"org_slug": request.organization.slug})
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _row_response(
    request: HttpRequest, membership: Membership, *, error: str, note: str, status: int
) -> HttpResponse:
    fresh = (
        selectors.member_search_queryset(organization=request.organization)
        .filter(pk=membership.pk)
        .first()
    ) or membership
    admins = selectors.admin_count(organization=request.organization)
    context = {
        "m": _row(fresh, admins=admins, me=request.user),
        "roles": Role.choices,
        "row_error": error,
        "row_note": note,
    }
    return render(request, f"{MEMBERS}#member_row", context, status=status)


@manage_members
@member_from_username
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, membership: Membership) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            name = name_and_handle(membership.user)
            if membership.user_id == request.user.pk:
                messages.success(request, f"You left {request.organization.name}.")
                return redirect("home")
            messages.success(
                request, f"{name} was removed from {request.organization.name}, with every right."
            )
            return redirect(_members_url(request))
    admins = selectors.admin_count(organization=request.organization)
    context = {
        "m": _row(membership, admins=admins, me=request.user),
        "summary": selectors.removal_summary(membership=membership),
        "error": error,
    }
    return render(
        request,
        "organizations/settings/members_remove.html",
        context,
        status=409 if error else 200,
    )


# --- Invitations ---------------------------------------------------------------------------------


@manage_members
@invitation_from_id
@require_POST
def invitation_revoke(request: HttpRequest, invitation) -> HttpResponse:
    try:
        services_invitations.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, f"The invitation for {invitation.email} is revoked.")
    return redirect(_members_url(request) + "#invitations")


@manage_members
@invitation_from_id
@require_POST
def invitation_resend(request: HttpRequest, invitation) -> HttpResponse:
    try:
        fresh, _ = services_invitations.invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(
            request, f"A new link was sent to {fresh.email}; the previous one no longer works."
        )
    return redirect(_members_url(request) + "#invitations")


# --- Teams ---------------------------------------------------------------------------------------


@manage_members
@require_http_methods(["GET", "POST"])
def settings_teams(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TeamNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_add(
                organization=request.organization,
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Team “{team.name}” created. Add its members here.")
            return redirect("settings_team", org_slug=org_slug, team_id=team.pk)
    context = {
        "teams": selectors.teams_with_members(organization=request.organization),
        "form": form,
    }
    return render(request, TEAMS, context, status=400 if form.errors else 200)


def _team_page(request: HttpRequest, team: Team, *, status: int = 200, **forms) -> HttpResponse:
    candidates = selectors.team_candidates(team=team)
    context = {
        "team": team,
        "members": selectors.team_members(team=team),
        "add_form": forms.get("add_form") or TeamMemberAddForm(candidates=candidates),
        "rename_form": forms.get("rename_form") or TeamRenameForm(team=team),
        "has_candidates": bool(candidates),
    }
    return render(request, TEAM, context, status=status)


@manage_members
@team_from_id
@require_GET
def team_detail(request: HttpRequest, team: Team) -> HttpResponse:
    return _team_page(request, team)


@manage_members
@team_from_id
@require_POST
def team_rename(request: HttpRequest, team: Team) -> HttpResponse:
    old = team.name
    form = TeamRenameForm(request.POST, team=team)
    if form.is_valid():
        try:
            services.team_rename(team=team, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as error:
            team.name = old
            add_errors(form, error)
        else:
            if team.name != old:
                messages.success(request, f"“{old}” is now called “{team.name}”.")
            return redirect("settings_team", org_slug=team.organization.slug, team_id=team.pk)
    return _team_page(request, team, status=400, rename_form=form)


@manage_members
@team_from_id
@require_http_methods(["GET", "POST"])
def team_delete(request: HttpRequest, team: Team) -> HttpResponse:
    if request.method == "POST":
        name = team.name
        services.team_delete(team=team, actor=request.user)
        messages.success(request, f"Team “{name}” deleted. Its members stay in the organization.")
        return redirect("settings_teams", org_slug=request.organization.slug)
    context = {
        "team": team,
        "member_count": len(selectors.team_members(team=team)),
        "postmortem_count": selectors.team_postmortem_count(team=team),
    }
    return render(request, "organizations/settings/team_delete.html", context)


@manage_members
@team_from_id
@require_POST
def team_member_add(request: HttpRequest, team: Team) -> HttpResponse:
    form = TeamMemberAddForm(request.POST, candidates=selectors.team_candidates(team=team))
    if form.is_valid():
        membership = selectors.member_by_username(
            organization=request.organization, username=form.cleaned_data["username"]
        )
        try:
            if membership is None:
                raise ValidationError({"username": "Choose a member of the organization."})
            services.team_member_add(team=team, user=membership.user, actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{name_and_handle(membership.user)} joined {team.name}.")
            return redirect("settings_team", org_slug=request.organization.slug, team_id=team.pk)
    return _team_page(request, team, status=400, add_form=form)


@manage_members
@team_from_id
@team_member_from_username
@require_POST
def team_member_remove(request: HttpRequest, team: Team, membership: Membership) -> HttpResponse:
    name = name_and_handle(membership.user)
    if services.team_member_remove(team=team, user=membership.user, actor=request.user):
        messages.success(request, f"{name} left {team.name}.")
    else:
        messages.info(request, f"{name} was not on {team.name}.")
    return redirect("settings_team", org_slug=request.organization.slug, team_id=team.pk)
