"""API tokens: every member manages their own; admins also see and revoke everyone's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from . import selectors_tokens, services_tokens
from .decorators import require_action
from .forms_tokens import ApiTokenForm
from .lookups import object_from_url
from .roles import Action, can

EVERYONE_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@require_action(Action.VIEW)
def token_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        token, plain = services_tokens.api_token_issue(
            organization=request.organization,
            actor=request.user,
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
        new_token = {"token": token, "plain": plain}
        form = ApiTokenForm()
    response = render(
        request,
        "organizations/settings/tokens.html",
        _context(request, form=form, new_token=new_token),
        status=400 if form.errors else 200,
    )
    add_never_cache_headers(response)  # the new token is in this page, once
    return response


# A token the member may not manage (another member's, another organization's) is a 404,
# before the method check, whatever the method.
token_from_id = object_from_url(
    "token_id",
    lambda request, pk: selectors_tokens.manageable_token(
        organization=request.organization, membership=request.membership, token_id=pk
    ),
    missing="No such token.",
)


@require_action(Action.VIEW)
@token_from_id
def token_revoke(request: HttpRequest, token) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if services_tokens.api_token_withdraw(token=token, actor=request.user):
        messages.success(request, f"“{token.name}” is revoked. Requests using it now get 401.")
    else:
        messages.info(request, f"“{token.name}” was already revoked.")
    return redirect("token_list", org_slug=request.organization.slug)


def _context(request: HttpRequest, **extra) -> dict:
    organization, membership = request.organization, request.membership
    is_admin = can(membership, Action.MANAGE_MEMBERS)
    everyone = None
    if is_admin:
        everyone = Paginator(
            selectors_tokens.tokens_of_everyone(organization=organization), EVERYONE_PAGE_SIZE
        ).get_page(request.GET.get("page"))
    mine = list(selectors_tokens.tokens_of(organization=organization, user=request.user))
    return {
        "mine": [(token, selectors_tokens.token_state(token)) for token in mine],
        "everyone": everyone,
        "everyone_rows": [
            (token, selectors_tokens.token_state(token)) for token in (everyone or [])
        ],
        "is_admin": is_admin,
        **extra,
    }
