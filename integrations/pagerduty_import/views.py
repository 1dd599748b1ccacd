"""The PagerDuty import settings tab (admins): the connection, starting an import, and the
runs with their progress (htmx polls the list while one is queued or running)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action

from ..intake.forms import form_saved, value_table_text
from . import selectors, services
from .forms import SettingsForm, StartForm
from .models import PagerDutyImport

TEMPLATE = "integrations/pagerduty_import/settings.html"


def _runs_context(request: HttpRequest) -> dict:
    runs = selectors.runs_of(request.organization)
    return {
        "runs": [{"run": run, "can_resume": services.can_resume(run)} for run in runs],
        "polling": any(run.is_active and not services.is_stale(run) for run in runs),
    }


def _page(request: HttpRequest, settings_form=None, start_form=None, status: int = 200):
    config = selectors.settings_for(request.organization)
    if settings_form is None:
        initial = (
            {
                "base_url": config.base_url,
                "default_severity": config.default_severity,
                "severity_map": value_table_text(config.severity_map),
            }
            if config
            else {}
        )
        settings_form = SettingsForm(initial=initial)
    context = {
        "config": config,
        "masked_key": _masked(config.api_key) if config else "",
        "settings_form": settings_form,
        "start_form": start_form or StartForm(),
        **_runs_context(request),
    }
    return render(request, TEMPLATE, context, status=status)


def _masked(key: str) -> str:
    return f"••••••••{key[-4:]}" if len(key) > 8 else "••••••••"


def _saved(request: HttpRequest, form, save) -> bool:
    return form_saved(form, save, organization=request.organization, actor=request.user)


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_pagerduty_import(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    form = SettingsForm(request.POST)
    if _saved(request, form, services.settings_save):
        messages.success(request, "PagerDuty settings saved.")
        return redirect("settings_pagerduty_import", org_slug=org_slug)
    return _page(request, settings_form=form, status=400)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def pagerduty_import_start(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = StartForm(request.POST)
    if _saved(request, form, services.import_start):
        messages.success(request, "Import started: its progress is shown below.")
        return redirect(_runs_anchor(org_slug))
    return _page(request, start_form=form, status=400)


@require_GET
@require_action(Action.MANAGE_ORGANIZATION)
def pagerduty_import_runs(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The runs panel alone (what htmx polls); without htmx, the page."""
    if not request.htmx:
        return redirect(_runs_anchor(org_slug))
    return render(request, TEMPLATE + "#runs", _runs_context(request))


run_from_id = object_from_url(
    "run_id",
    lambda request, pk: selectors.run_by_id(request.organization, pk),
    missing="No such import.",
)


@require_action(Action.MANAGE_ORGANIZATION)
@run_from_id
@require_POST
def pagerduty_import_resume(request: HttpRequest, run: PagerDutyImport) -> HttpResponse:
    if services.import_resume(run=run, actor=request.user):
        messages.success(request, "Import resumed from where it stopped.")
    else:
        messages.info(request, "This import is not stopped: there is nothing to resume.")
    return redirect(_runs_anchor(request.organization.slug))


@require_action(Action.MANAGE_ORGANIZATION)
@run_from_id
@require_POST
def pagerduty_import_cancel(request: HttpRequest, run: PagerDutyImport) -> HttpResponse:
    if services.import_cancel(run=run, actor=request.user):
        messages.success(request, "Import cancelled; what it imported stays. Resume it any time.")
    return redirect(_runs_anchor(request.organization.slug))


def _runs_anchor(org_slug: str) -> str:
    return reverse("settings_pagerduty_import", kwargs={"org_slug": org_slug}) + "#imports"
