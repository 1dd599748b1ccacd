"""The Integrations settings tab (admins): inbound endpoints and their delivery log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action

from ..generic.selectors import mapped_endpoint_ids
from . import selectors, services
from .forms import (
    ALERT_FIELDS,
    DeliveryFilterForm,
    EndpointForm,
    NewEndpointForm,
    SigningSecretForm,
    value_table_text,
)
from .lookups import delivery_from_id, endpoint_from_id
from .sources import SOURCES

DELIVERY_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def integrations_page(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = NewEndpointForm(request.POST or None, prefix="new")
    revealed = None
    if request.method == "POST" and form.is_valid():
        endpoint, plain = services.endpoint_create(
            organization=request.organization, actor=request.user, **form.cleaned_data
        )
        revealed = {"endpoint": endpoint, "secret": plain}  # None: the admin pasted it
        form = NewEndpointForm(prefix="new")
    return _page(request, form=form, revealed=revealed, status=400 if form.errors else 200)


@require_action(Action.MANAGE_ORGANIZATION)
@endpoint_from_id
@require_POST
def endpoint_rotate(request: HttpRequest, endpoint) -> HttpResponse:
    if SOURCES[endpoint.kind].pasted_secret:
        return _replace_pasted_secret(request, endpoint)
    plain = services.endpoint_rotate(endpoint=endpoint, actor=request.user)
    return _page(
        request,
        form=NewEndpointForm(prefix="new"),
        revealed={"endpoint": endpoint, "secret": plain},
    )


def _replace_pasted_secret(request: HttpRequest, endpoint) -> HttpResponse:
    """The tool made a new secret (PagerDuty's signing secret) and the admin pasted it."""
    form = SigningSecretForm(
        request.POST, prefix=f"s{endpoint.pk}", first=not endpoint.secret_prefix
    )
    if not form.is_valid():
        return _page(
            request, form=NewEndpointForm(prefix="new"), secret_form=(endpoint.pk, form), status=400
        )
    services.endpoint_rotate(
        endpoint=endpoint, actor=request.user, signing_secret=form.cleaned_data["signing_secret"]
    )
    messages.success(request, f"“{endpoint.name}” checks signatures with the new secret.")
    return redirect("settings_integrations", org_slug=request.organization.slug)


@require_action(Action.MANAGE_ORGANIZATION)
@endpoint_from_id
@require_POST
def endpoint_edit(request: HttpRequest, endpoint) -> HttpResponse:
    form = EndpointForm(request.POST, prefix=f"e{endpoint.pk}", kind=endpoint.kind)
    if not form.is_valid():
        return _page(
            request, form=NewEndpointForm(prefix="new"), edit_form=(endpoint.pk, form), status=400
        )
    kept = {name: getattr(endpoint, name) for name in ALERT_FIELDS}
    services.endpoint_update(endpoint=endpoint, actor=request.user, **kept | form.cleaned_data)
    messages.success(request, f"“{endpoint.name}” is saved.")
    return redirect("settings_integrations", org_slug=request.organization.slug)


@require_action(Action.MANAGE_ORGANIZATION)
@endpoint_from_id
@require_POST
def endpoint_deactivate(request: HttpRequest, endpoint) -> HttpResponse:
    if services.endpoint_deactivate(endpoint=endpoint, actor=request.user):
        messages.success(request, f"“{endpoint.name}” is deactivated: its address answers 404.")
    return redirect("settings_integrations", org_slug=request.organization.slug)


@require_action(Action.MANAGE_ORGANIZATION)
@delivery_from_id
@require_POST
def delivery_replay(request: HttpRequest, delivery) -> HttpResponse:
    services.delivery_replay(delivery=delivery, actor=request.user)
    messages.success(request, "The delivery is queued again; what it did already is not repeated.")
    return redirect("settings_integrations", org_slug=request.organization.slug)


def _page(
    request: HttpRequest, *, form, revealed=None, edit_form=None, secret_form=None, status=200
) -> HttpResponse:
    organization = request.organization
    endpoints = []
    mapped = mapped_endpoint_ids(organization)
    for endpoint in selectors.endpoints_of(organization):
        prefix = f"e{endpoint.pk}"
        if edit_form and edit_form[0] == endpoint.pk:
            edit = edit_form[1]
        else:
            edit = EndpointForm(
                prefix=prefix,
                kind=endpoint.kind,
                initial={
                    "name": endpoint.name,
                    "alert_rule": endpoint.alert_rule,
                    "default_severity": endpoint.default_severity,
                    "severity_map": value_table_text(endpoint.severity_map),
                },
            )
        endpoints.append(
            {
                "endpoint": endpoint,
                "url": _hook_url(request, endpoint),
                "form": edit,
                "secret_form": _secret_form(endpoint, secret_form),
                "mapped": endpoint.pk in mapped,
            }
        )
    filters = DeliveryFilterForm(request.GET, endpoints=[item["endpoint"] for item in endpoints])
    if not filters.is_valid():
        status = 400
    wanted = filters.cleaned_data if not filters.errors else {}
    deliveries = Paginator(
        selectors.deliveries_of(
            organization, status=wanted.get("status", ""), endpoint_id=wanted.get("endpoint")
        ),
        DELIVERY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    if revealed:
        revealed["url"] = _hook_url(request, revealed["endpoint"])
    context = {
        "form": form,
        "endpoints": endpoints,
        "deliveries": deliveries,
        "revealed": revealed,
        "filters": filters,
        "filtered": bool(wanted.get("status") or wanted.get("endpoint")),
        "filter_query": _filter_query(wanted),
    }
    response = render(request, "integrations/settings.html", context, status=status)
    add_never_cache_headers(response)  # a new secret is in this page, once
    return response


def _filter_query(wanted: dict) -> str:
    """The delivery filters as a query string, for the pages' links."""
    kept = {name: value for name, value in wanted.items() if value not in ("", None)}
    return urlencode(kept)


def _secret_form(endpoint, failed) -> SigningSecretForm | None:
    """Where to paste a tool's new secret, for the endpoints whose tool makes it."""
    if not SOURCES[endpoint.kind].pasted_secret:
        return None
    if failed and failed[0] == endpoint.pk:
        return failed[1]
    return SigningSecretForm(prefix=f"s{endpoint.pk}", first=not endpoint.secret_prefix)


def _hook_url(request: HttpRequest, endpoint) -> str:
    return request.build_absolute_uri(reverse("inbound_hook", args=[endpoint.public_id]))
