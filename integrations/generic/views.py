"""The field mapping page of a generic JSON endpoint (admins): the paths, the status and
severity tables, and "Try mapping" on a pasted sample or on one of the endpoint's recent
deliveries (an htmx partial, or the whole page without JavaScript), which writes nothing."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action

from ..intake.lookups import endpoint_from_id
from ..intake.models import SourceKind, WebhookEndpoint
from ..pagers.sync import Pager
from . import selectors, services
from .forms import MappingForm, initial_of
from .payload import source_key
from .trial import Trial, trial

TEMPLATE = "integrations/generic/mapping.html"


@require_action(Action.MANAGE_ORGANIZATION)
@endpoint_from_id
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
    if endpoint.kind != SourceKind.GENERIC_JSON:  # the others read a payload of their own
        return redirect("settings_integrations", org_slug=request.organization.slug)
    if request.method == "GET":
        initial = initial_of(selectors.field_mapping(endpoint), endpoint)
        form = MappingForm(initial=initial, organization=request.organization)
        return _page(request, endpoint, form)
    form = MappingForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.mapping_save(endpoint=endpoint, actor=request.user, **form.saved())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"The mapping of “{endpoint.name}” is saved.")
            return redirect(_mapping_url(endpoint))
    return _page(request, endpoint, form, status=400)


@require_action(Action.MANAGE_ORGANIZATION)
@endpoint_from_id
@require_POST
def mapping_try(request: HttpRequest, endpoint: WebhookEndpoint) -> HttpResponse:
    if endpoint.kind != SourceKind.GENERIC_JSON:
        return redirect("settings_integrations", org_slug=request.organization.slug)
    data, loaded = request.POST, "use_delivery" in request.POST
    if loaded:  # a delivery's body becomes the sample
        body = selectors.delivery_body(endpoint, request.POST["use_delivery"])
        if body is None:
            raise Http404("No such delivery.")
        data = request.POST.copy()
        data["sample"] = _readable(body)
    form = MappingForm(data, organization=request.organization)
    result = None
    if form.is_valid() and form.cleaned_data["sample"] is None:
        form.add_error("sample", "Paste a body the tool sends to try the mapping on.")
    elif form.is_valid():
        result = trial(
            request.organization,
            form.mapping(),
            _pager(endpoint, form),
            form.cleaned_data["sample"],
            data.get("sample", ""),
        )
    status = 200 if result else 400
    if request.htmx:
        context = {"form": form, "trial": result, "tried": True, "sample_swap": loaded}
        return render(request, f"{TEMPLATE}#try-result", context, status=status)
    return _page(request, endpoint, form, result=result, status=status)


def _readable(body: str) -> str:
    """A JSON body indented for reading; anything else as it came."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def _pager(endpoint: WebhookEndpoint, form: MappingForm) -> Pager:
    """The endpoint's pager with the severity table as typed."""
    return Pager(
        source=source_key(endpoint),
        name=endpoint.name,
        severity_map=form.cleaned_data["severity_map"],
        default_severity=form.cleaned_data["default_severity"],
    )


def _add_errors(form: MappingForm, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _page(
    request: HttpRequest,
    endpoint: WebhookEndpoint,
    form: MappingForm,
    *,
    result: Trial | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "endpoint": endpoint,
        "form": form,
        "trial": result,
        "tried": request.resolver_match.url_name == "integration_mapping_try",
        "deliveries": selectors.recent_deliveries(endpoint),
        "hook_url": request.build_absolute_uri(reverse("inbound_hook", args=[endpoint.public_id])),
    }
    return render(request, TEMPLATE, context, status=status)


def _mapping_url(endpoint: WebhookEndpoint) -> str:
    return reverse(
        "integration_mapping",
        kwargs={"org_slug": endpoint.organization.slug, "endpoint_id": endpoint.pk},
    )
