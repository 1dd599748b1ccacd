"""The Metrics settings tab (admins) and the incident page's "Capture metrics" button."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from incidents.lookups import incident_from_ref
from incidents.models import Incident
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action

from . import selectors, services
from .forms import EndpointForm, MetricQueryForm
from .models import AuthKind, MetricQuery
from .tasks import capture_metrics

TEMPLATE = "integrations/metrics/settings.html"


def _apply_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _page(request: HttpRequest, endpoint_form=None, query_form=None, status: int = 200):
    organization = request.organization
    endpoint = selectors.endpoint_for(organization)
    if endpoint_form is None:
        initial = (
            {
                "base_url": endpoint.base_url,
                "auth_kind": endpoint.auth_kind,
                "username": endpoint.username,
            }
            if endpoint
            else {"auth_kind": AuthKind.NONE}
        )
        endpoint_form = EndpointForm(initial=initial)
    context = {
        "endpoint": endpoint,
        "endpoint_form": endpoint_form,
        "query_form": query_form or MetricQueryForm(organization=organization),
        "queries": selectors.queries_for(organization),
    }
    return render(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_metrics(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_save(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Metrics endpoint saved.")
            return redirect("settings_metrics", org_slug=org_slug)
    return _page(request, endpoint_form=form, status=400)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def metric_query_add(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = MetricQueryForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            services.query_save(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{form.cleaned_data['name']} mapped.")
            return redirect("settings_metrics", org_slug=org_slug)
    return _page(request, query_form=form, status=400)


def _metric_query(request: HttpRequest, metric_query_id: int) -> MetricQuery | None:
    return selectors.query_by_id(request.organization, metric_query_id)


metric_query_from_id = object_from_url(
    "metric_query_id", _metric_query, missing="No such metric mapping."
)


@require_action(Action.MANAGE_ORGANIZATION)
@metric_query_from_id
@require_POST
def metric_query_remove(request: HttpRequest, query: MetricQuery) -> HttpResponse:
    services.query_remove(query=query, actor=request.user)
    messages.success(request, "Mapping removed.")
    return redirect("settings_metrics", org_slug=request.organization.slug)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@require_POST
def incident_capture_metrics(request: HttpRequest, incident: Incident) -> HttpResponse:
    """Capture now (in the worker; at once without one) and go back to the incident."""
    if selectors.endpoint_for(incident.organization) is None:
        messages.error(request, "Set a metrics endpoint in the settings first.")
    else:
        capture_metrics.delay(incident.pk)
        messages.info(request, "Metrics capture started.")
    url = reverse(
        "incident_detail", kwargs={"org_slug": incident.organization.slug, "ref": incident.ref}
    )
    return redirect(f"{url}#metrics-capture")
