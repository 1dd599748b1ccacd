"""The issue trackers' pages: the settings tab (admins: each connected tracker, adding one,
routes by team or service), "Create tickets for all" on a postmortem, and an action item's
ticket (its key, the tracker's status, last sync, errors and sync history; create or link a
ticket)."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actionitems.models import ActionItem
from actionitems.selectors import visible_items
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem

from ..intake.forms import form_saved
from ..intake.models import SourceKind
from . import connections, selectors, services
from .clients import REFERENCE_HELP
from .forms import AdoptForm, ConnectionForm, KindForm, RouteForm
from .models import TRACKER_NAMES, TrackerConnection, TrackerKind, TrackerTarget

SETTINGS = "integrations/trackers/settings.html"
ITEM = "integrations/trackers/item.html"
# Where each tracker's changes come in: the intake endpoint's kind, and what to do there
WEBHOOKS = {
    TrackerKind.GITHUB: (
        SourceKind.GITHUB_ISSUES,
        "in each repository's Settings → Webhooks add its address with content type "
        "application/json, its secret, and only the “Issues” event.",
    ),
    TrackerKind.JIRA_CLOUD: (
        SourceKind.JIRA,
        "in Jira's Settings → System → WebHooks add its address followed by "
        "?secret=<the endpoint's secret> for the events “Issue created”, “Issue updated” and "
        "“Issue deleted”, limited by JQL to the projects above.",
    ),
    TrackerKind.JIRA_DC: (
        SourceKind.JIRA,
        "in Jira's Administration → System → WebHooks add its address followed by "
        "?secret=<the endpoint's secret> for the events “Issue created”, “Issue updated” and "
        "“Issue deleted”, limited by JQL to the projects above.",
    ),
    TrackerKind.LINEAR: (
        SourceKind.LINEAR,
        "in Linear's Settings → API → Webhooks add its address for the data change events "
        "“Issues” of the teams above, and paste the signing secret Linear shows on the "
        "endpoint's card.",
    ),
}


def _masked(token: str) -> str:
    return f"••••••••{token[-4:]}" if len(token) > 12 else "••••••••"


@dataclass
class Card:
    """One connection as the settings page shows it."""

    connection: TrackerConnection
    form: ConnectionForm
    routes: list[TrackerTarget]
    failing: int = 0  # items whose last sync failed
    editing: bool = False  # its form was refused: shown open

    @property
    def masked_token(self) -> str:
        return _masked(self.connection.token)

    @property
    def tracker(self) -> str:
        return TRACKER_NAMES[self.connection.kind]

    @property
    def webhook_kind(self) -> str:
        return WEBHOOKS[self.connection.kind][0].label.split(" (")[0]  # "GitHub issues"

    @property
    def webhook_steps(self) -> str:
        return WEBHOOKS[self.connection.kind][1]


def _edit_form(connection: TrackerConnection, data=None) -> ConnectionForm:
    return ConnectionForm(data, kind=connection.kind, connection=connection, prefix=connection.kind)


def _settings_page(
    request: HttpRequest,
    *,
    added: tuple[KindForm, ConnectionForm] | None = None,
    edited: ConnectionForm | None = None,
    route_form: RouteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = request.organization
    connections = selectors.connections_of(organization)
    all_routes = selectors.routes_of_organization(organization)
    routes: dict[int, list[TrackerTarget]] = {}
    for route in all_routes:
        routes.setdefault(route.connection_id, []).append(route)
    failing = selectors.failing_by_connection(organization)
    refused = edited.connection.pk if edited is not None else None
    cards = [
        Card(
            connection=connection,
            form=edited if connection.pk == refused else _edit_form(connection),
            routes=routes.get(connection.pk, []),
            failing=failing.get(connection.pk, 0),
            editing=connection.pk == refused,
        )
        for connection in connections
    ]
    taken = {connection.kind for connection in connections}
    first = {"is_default": not connections}  # the first tracker is the default anyway
    kind_form, posted = added or (KindForm(taken=taken), None)
    add_forms = [
        (
            kind,
            label,
            posted
            if posted is not None and posted.kind == kind
            else ConnectionForm(kind=kind, prefix=f"new-{kind}", initial=first),
        )
        for kind, label in kind_form.fields["kind"].choices
    ]
    context = {
        "cards": cards,
        "kind_form": kind_form,
        "add_forms": add_forms,
        "routes": all_routes,
        "route_form": route_form or RouteForm(organization=organization),
    }
    return render(request, SETTINGS, context, status=status)


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def settings_trackers(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The page, and adding a tracker (the kind chosen, then that kind's fields)."""
    if request.method == "GET":
        return _settings_page(request)
    organization = request.organization
    taken = {connection.kind for connection in selectors.connections_of(organization)}
    kind_form = KindForm(request.POST, taken=taken)
    if not kind_form.is_valid():
        return _settings_page(request, added=(kind_form, None), status=400)
    kind = kind_form.cleaned_data["kind"]
    form = ConnectionForm(request.POST, kind=kind, prefix=f"new-{kind}")
    if form_saved(
        form, connections.connection_save, organization=organization, actor=request.user, kind=kind
    ):
        messages.success(request, f"{TrackerKind(kind).label} connected. Test it below.")
        return redirect("settings_trackers", org_slug=org_slug)
    return _settings_page(request, added=(kind_form, form), status=400)


connection_from_id = object_from_url(
    "connection_id",
    lambda request, pk: TrackerConnection.objects.filter(
        organization=request.organization, pk=pk
    ).first(),
    missing="No such tracker connection.",
)


@require_action(Action.MANAGE_ORGANIZATION)
@connection_from_id
@require_POST
def tracker_edit(request: HttpRequest, connection: TrackerConnection) -> HttpResponse:
    """Change a connection; an empty credential keeps the stored one."""
    form = _edit_form(connection, request.POST)
    if form_saved(
        form,
        connections.connection_save,
        organization=request.organization,
        actor=request.user,
        kind=connection.kind,
    ):
        messages.success(request, f"{connection.get_kind_display()} saved.")
        return redirect("settings_trackers", org_slug=request.organization.slug)
    return _settings_page(request, edited=form, status=400)


@require_action(Action.MANAGE_ORGANIZATION)
@connection_from_id
@require_POST
def tracker_test(request: HttpRequest, connection: TrackerConnection) -> HttpResponse:
    ok, result = connections.connection_test(connection=connection)
    (messages.success if ok else messages.error)(request, result)
    return redirect(_card_url(request, connection))


@require_action(Action.MANAGE_ORGANIZATION)
@connection_from_id
@require_POST
def tracker_reconcile(request: HttpRequest, connection: TrackerConnection) -> HttpResponse:
    connections.reconcile_request(connection=connection, actor=request.user)
    tracker = TRACKER_NAMES[connection.kind]
    messages.success(request, f"Reading every linked ticket from {tracker}: items follow shortly.")
    return redirect(_card_url(request, connection))


@require_action(Action.MANAGE_ORGANIZATION)
@connection_from_id
@require_POST
def tracker_delete(request: HttpRequest, connection: TrackerConnection) -> HttpResponse:
    name = connection.get_kind_display()
    connections.connection_delete(connection=connection, actor=request.user)
    messages.success(request, f"{name} disconnected. Items keep their tickets' addresses.")
    return redirect("settings_trackers", org_slug=request.organization.slug)


def _card_url(request: HttpRequest, connection: TrackerConnection) -> str:
    page = reverse("settings_trackers", kwargs={"org_slug": request.organization.slug})
    return f"{page}#tracker-{connection.kind}"


@require_POST
@require_action(Action.MANAGE_ORGANIZATION)
def tracker_route_add(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = RouteForm(request.POST, organization=request.organization)
    if form_saved(form, connections.route_save, actor=request.user):
        messages.success(request, "Route saved.")
        return redirect(_routes_url(request))
    return _settings_page(request, route_form=form, status=400)


route_from_id = object_from_url(
    "target_id",
    lambda request, pk: (
        TrackerTarget.objects.filter(organization=request.organization, pk=pk)
        .select_related("team", "service")
        .first()
    ),
    missing="No such route.",
)


@require_action(Action.MANAGE_ORGANIZATION)
@route_from_id
@require_POST
def tracker_route_delete(request: HttpRequest, row: TrackerTarget) -> HttpResponse:
    connections.route_delete(row=row, actor=request.user)
    messages.success(request, f"The route of {row.kind.lower()} {row.name} is removed.")
    return redirect(_routes_url(request))


def _routes_url(request: HttpRequest) -> str:
    page = reverse("settings_trackers", kwargs={"org_slug": request.organization.slug})
    return f"{page}#routes"


# --- A postmortem's items ----------------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_POST
def postmortem_tickets_create(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """ "Create tickets for all": a ticket for each open item of the postmortem that has none,
    created in the worker. The postmortem's editors only."""
    try:
        count = services.tickets_create_all(postmortem=postmortem, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if count:
            noun = f"{count} ticket{'s' if count != 1 else ''}"
            messages.success(request, f"{noun} queued: each item shows its key in a moment.")
        else:
            messages.info(request, "Every open item already has a ticket.")
    return redirect(_back_to(request, postmortem))


def _back_to(request: HttpRequest, postmortem: Postmortem) -> str:
    """The postmortem's page the button was pressed on: the editor or the read view."""
    name = "postmortem_edit" if request.POST.get("from") == "edit" else "postmortem_detail"
    return reverse(
        name, kwargs={"org_slug": request.organization.slug, "number": postmortem.number}
    )


# --- An item's ticket --------------------------------------------------------------------------


def _item(request: HttpRequest, number: int) -> ActionItem | None:
    items = visible_items(organization=request.organization, membership=request.membership)
    return items.filter(number=number).select_related("postmortem", "postmortem__incident").first()


item_from_number = object_from_url("item", _item, missing="No such action item.")


def _item_page(request: HttpRequest, item: ActionItem, form=None, status: int = 200):
    link = selectors.link_of(item)
    route = selectors.route_for(request.organization, item)
    connection = link.connection if link else route[0] if route else None
    if form is None:
        form = AdoptForm()
        if connection is not None:
            form.fields["reference"].help_text = REFERENCE_HELP.get(
                connection.kind, "Its address or key."
            )
    context = {
        "item": item,
        "link": link,
        "notes": selectors.notes_of(link) if link else [],
        "connection": connection,
        "tracker": TRACKER_NAMES[connection.kind] if connection else "",
        "may_ticket": services.may_ticket(item, request.user),
        "form": form,
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
    messages.success(request, "Ticket queued: the tracker's answer shows here in a moment.")
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
