"""The issue trackers' pages: the settings tab (admins) and an action item's ticket (its
key, GitHub status, last sync, errors and sync history; create or link a ticket)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actionitems.models import ActionItem
from actionitems.selectors import visible_items
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action

from ..intake.forms import form_saved
from . import selectors, services
from .forms import AdoptForm, ConnectionForm, TeamTargetForm
from .models import TrackerTarget

SETTINGS = "integrations/trackers/settings.html"
ITEM = "integrations/trackers/item.html"


def _masked(token: str) -> str:
    return f"••••••••{token[-4:]}" if len(token) > 12 else "••••••••"


def _settings_page(request: HttpRequest, form=None, team_form=None, status: int = 200):
    organization = request.organization
    connection = selectors.connection_for(organization)
    if form is None:
        initial = (
            {"target": connection.target, "base_url": connection.base_url} if connection else {}
        )
        form = ConnectionForm(initial=initial)
    context = {
        "connection": connection,
        "masked_token": _masked(connection.token) if connection else "",
        "form": form,
        "team_targets": selectors.team_targets(connection) if connection else [],
        "team_form": team_form or TeamTargetForm(organization=organization),
    }
    return render(request, SETTINGS, context, status=status)


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_trackers(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method == "GET":
        return _settings_page(request)
    form = ConnectionForm(request.POST)
    organization = request.organization
    if form_saved(form, services.connection_save, organization=organization, actor=request.user):
        messages.success(request, "GitHub connection saved. Test it below.")
        return redirect("settings_trackers", org_slug=org_slug)
    return _settings_page(request, form=form, status=400)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_test(request: HttpRequest, org_slug: str) -> HttpResponse:
    connection = selectors.connection_for(request.organization)
    if connection is None:
        messages.error(request, "Save the connection first.")
    else:
        ok, result = services.connection_test(connection=connection)
        (messages.success if ok else messages.error)(request, result)
    return redirect("settings_trackers", org_slug=org_slug)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_reconcile(request: HttpRequest, org_slug: str) -> HttpResponse:
    connection = selectors.connection_for(request.organization)
    if connection is None:
        messages.error(request, "Save the connection first.")
    else:
        services.reconcile_request(connection=connection, actor=request.user)
        messages.success(request, "Reading every linked ticket from GitHub: items follow shortly.")
    return redirect("settings_trackers", org_slug=org_slug)


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_team_target_add(request: HttpRequest, org_slug: str) -> HttpResponse:
    connection = selectors.connection_for(request.organization)
    form = TeamTargetForm(request.POST, organization=request.organization)
    if connection is None:
        form.add_error(None, "Save the connection first.")
    elif form_saved(form, services.team_target_save, connection=connection, actor=request.user):
        messages.success(request, "Team repository saved.")
        return redirect("settings_trackers", org_slug=org_slug)
    return _settings_page(request, team_form=form, status=400)


team_target_from_id = object_from_url(
    "target_id",
    lambda request, pk: (
        TrackerTarget.objects.filter(organization=request.organization, pk=pk)
        .select_related("team")
        .first()
    ),
    missing="No such team repository.",
)


@require_action(Action.MANAGE_ORGANIZATION)
@team_target_from_id
@require_POST
def tracker_team_target_delete(request: HttpRequest, row: TrackerTarget) -> HttpResponse:
    services.team_target_delete(row=row, actor=request.user)
    messages.success(request, f"{row.team.name}'s items go to the default repository again.")
    return redirect("settings_trackers", org_slug=request.organization.slug)


# --- An item's ticket --------------------------------------------------------------------------


def _item(request: HttpRequest, number: int) -> ActionItem | None:
    items = visible_items(organization=request.organization, membership=request.membership)
    return items.filter(number=number).select_related("postmortem", "postmortem__incident").first()


item_from_number = object_from_url("item", _item, missing="No such action item.")


def _item_page(request: HttpRequest, item: ActionItem, form=None, status: int = 200):
    link = selectors.link_of(item)
    context = {
        "item": item,
        "link": link,
        "notes": selectors.notes_of(link) if link else [],
        "connection": selectors.connection_for(request.organization),
        "may_ticket": services.may_ticket(item, request.user),
        "form": form or AdoptForm(),
    }
    return render(request, ITEM, context, status=status)


@require_action(Action.VIEW)
@item_from_number
@require_GET
def item_ticket(request: HttpRequest, item: ActionItem) -> HttpResponse:
    return _item_page(request, item)


def _ticket_write(request: HttpRequest, item: ActionItem, write, form=None) -> HttpResponse:
    try:
        write()
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return _item_page(request, item, status=400)
        form.add_error(None, error)
        return _item_page(request, item, form=form, status=400)
    messages.success(request, "Ticket queued: GitHub's answer shows here in a moment.")
    return redirect("item_ticket", org_slug=request.organization.slug, item=item.number)


@require_action(Action.VIEW)
@item_from_number
@require_POST
def item_ticket_create(request: HttpRequest, item: ActionItem) -> HttpResponse:
    return _ticket_write(
        request, item, lambda: services.ticket_create(item=item, actor=request.user)
    )


@require_action(Action.VIEW)
@item_from_number
@require_POST
def item_ticket_adopt(request: HttpRequest, item: ActionItem) -> HttpResponse:
    form = AdoptForm(request.POST)
    if not form.is_valid():
        return _item_page(request, item, form=form, status=400)
    reference = form.cleaned_data["reference"]
    return _ticket_write(
        request,
        item,
        lambda: services.ticket_adopt(item=item, actor=request.user, reference=reference),
        form=form,
    )
