"""The organization-wide action-item tracker, mounted at ``/o/<org_slug>/action-items/``.

Managers and admins see every item they may read (``Action.TRACK_ACTION_ITEMS``); everyone else
sees their own items ("My action items") and nothing else. The filters live in the query string,
so a view can be bookmarked and shared; the same filters give the CSV. The summary cards and the
paginator's count come from ``tracker_cache`` (cached until an item of the organization changes).

Every change works as a plain form POST answered by a redirect; htmx makes the filters, the
inline status change and the summary update in place.
"""

import hashlib
import json
from functools import partial
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents import selectors as incident_selectors
from incidents.forms import add_service_errors
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.people import display_name
from organizations.roles import Action, can

from . import selectors, services
from .csv_export import csv_lines
from .forms_tracker import (
    BulkChangeForm,
    StatusForm,
    TrackerFilterForm,
    TrackerQuery,
)
from .models import ActionItem, ItemStatus
from .tracker_page import (
    PAGE_SIZE,
    ROW,
    ROW_FIELDS,
    CountedPaginator,
    filter_chips,
    preview,
    sort_columns,
    summary_cards,
    tracker_counts,
    tracker_row,
    tracker_rows,
)

TRACKER = "actionitems/tracker.html"


# --- Plumbing -----------------------------------------------------------------------------------


def row_item(request: HttpRequest, number: int) -> ActionItem | None:
    return (
        selectors.visible_items(organization=request.organization, membership=request.membership)
        .filter(number=number)
        .select_related("owner", "postmortem", "postmortem__incident")
        .first()
    )


item_from_number = object_from_url("item", row_item, missing="No such action item.")
"""Replace the ``item`` URL parameter by the organization's action item this member may read."""


def tracker_url(request: HttpRequest) -> str:
    return reverse("action_item_tracker", kwargs={"org_slug": request.organization.slug})


def return_url(request: HttpRequest) -> str:
    """Where a change sends the person back to: the tracker view they came from."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith(tracker_url(request)):
        return target
    return tracker_url(request)


def tracker_query(request: HttpRequest) -> tuple[TrackerFilterForm, TrackerQuery]:
    form = TrackerFilterForm(
        request.GET,
        service_names=incident_selectors.service_names(organization=request.organization),
    )
    can_track = can(request.membership, Action.TRACK_ACTION_ITEMS)
    return form, form.query(user=request.user, can_track=can_track)


# --- The page -----------------------------------------------------------------------------------


@require_GET
@require_action(Action.VIEW)
def tracker(request: HttpRequest, org_slug: str) -> HttpResponse:
    context = tracker_context(request)
    template = TRACKER
    if request.htmx.target == "tracker-summary":
        template += "#summary"
    elif request.htmx.target == "tracker-results":
        template += "#results"
    return render(request, template, context)


def tracker_context(request: HttpRequest) -> dict:
    organization, membership = request.organization, request.membership
    form, query = tracker_query(request)
    today = selectors.today_in(organization)
    items = selectors.tracker_items(
        organization=organization, membership=membership, filters=query.filters(), sort=query.sort
    )
    card_items = selectors.tracker_items(
        organization=organization, membership=membership, filters=query.filters(for_cards=True)
    )
    counts = tracker_counts(
        organization=organization,
        membership=membership,
        query=query,
        today=today,
        items=items,
        card_items=card_items,
    )
    page = CountedPaginator(items.only(*ROW_FIELDS), PAGE_SIZE, count=counts.total).get_page(
        request.GET.get("page")
    )
    base = tracker_url(request)
    can_bulk = can(membership, Action.REASSIGN_ACTION_ITEMS)
    can_track = can(membership, Action.TRACK_ACTION_ITEMS)
    here = request.get_full_path()
    return {
        "form": form,
        "query": query,
        "page": page,
        # rendered when the template shows them (not for the summary's own refresh)
        "rows": partial(
            tracker_rows,
            page.object_list,
            organization=organization,
            today=today,
            can_bulk=can_bulk,
            show_owner=not query.mine,
        ),
        "today": today,
        "summary": counts.summary,
        "any_items": counts.any_items,
        "cards": summary_cards(query, counts.summary, base),
        "completed_url": f"{base}?{query.params(status=[ItemStatus.COMPLETED]).urlencode()}",
        "show_controls": counts.any_items or query.is_filtered,
        "columns": sort_columns(query, base),
        "chips": filter_chips(
            organization=organization, membership=membership, query=query, base=base
        ),
        "can_track": can_track,
        "can_bulk": can_bulk,
        "is_filtered": query.is_filtered,
        "list_url": base,
        # the filter bar's HTML depends on these alone ({% cache %} in the template)
        "filter_bar_key": hashlib.sha256(
            repr((sorted(request.GET.lists()), form.fields["service"].choices, can_track)).encode()
        ).hexdigest(),
        "here": here,
        "tabs": {
            "all": f"{base}?{query.params(mine=None, owner=None).urlencode()}".rstrip("?"),
            "mine": f"{base}?{query.params(mine='1', owner=None).urlencode()}",
        },
        "export_url": f"{reverse('action_item_csv', kwargs={'org_slug': organization.slug})}"
        f"?{query.params().urlencode()}".rstrip("?"),
        "bulk_form": BulkChangeForm(None, organization=organization, today=today)
        if can_bulk
        else None,
        "member_search_url": reverse("member_search", kwargs={"org_slug": organization.slug}),
    }


def render_row(
    request: HttpRequest, item: ActionItem, *, status: int = 200, **extra
) -> HttpResponse:
    """One row, answered to an htmx status change (never cached: it may carry a form)."""
    here = return_url(request)
    context = {
        "organization": request.organization,
        "can_bulk": can(request.membership, Action.REASSIGN_ACTION_ITEMS),
        "show_owner": can(request.membership, Action.TRACK_ACTION_ITEMS)
        and QueryDict(urlsplit(here).query).get("mine") != "1",
        "here": here,
        "statuses": ItemStatus.choices,
        "row": tracker_row(
            item,
            selectors.today_in(request.organization),
            selectors.item_tickets(request.organization, [item.pk]).get(item.pk),
        ),
        **extra,
    }
    return render(request, ROW, context, status=status)


# --- The inline status change -------------------------------------------------------------------


@require_action(Action.VIEW)
@item_from_number
@require_POST
def tracker_status(request: HttpRequest, item: ActionItem) -> HttpResponse:
    """Set one item's status from its row (and the reason, for won't-do)."""
    form = StatusForm(request.POST)
    refused = ""
    if form.is_valid():
        try:
            services.action_item_update(item=item, actor=request.user, changes=form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            if not request.htmx:
                raise
            refused = str(error)
    if form.errors or refused:
        status_code = 403 if refused else 400
        if request.htmx:
            asks_reason = "wont_do_reason" in form.errors
            if asks_reason and not request.POST.get("wont_do_reason", "").strip():
                status_code = 200  # not a failure: the row now asks why
            problem = refused or " ".join(
                message
                for name, errors in form.errors.items()
                if name != "wont_do_reason"
                for message in errors
            )
            return render_row(
                request,
                item,
                form=form,
                ask_reason=asks_reason,
                refused=problem,
                status=status_code,
            )
        context = {
            "row": tracker_row(item, selectors.today_in(request.organization)),
            "form": form,
            "next": return_url(request),
            "statuses": ItemStatus.choices,
        }
        return render(request, "actionitems/tracker_status.html", context, status=status_code)
    item = row_item(request, item.number)
    message = f"AI-{item.number} is now {item.get_status_display().lower()}."
    if request.htmx:
        response = render_row(request, item)
        response["HX-Trigger"] = json.dumps({"tracker-changed": {"message": message}})
        return response
    messages.success(request, message)
    return redirect(return_url(request))


# --- Bulk changes -------------------------------------------------------------------------------


@require_POST
@require_action(Action.REASSIGN_ACTION_ITEMS)
def tracker_bulk(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Reassign, reschedule or change the status of the selected items. The first POST shows
    what will change; the change is made only by the POST that confirms it (``confirm=1``)."""
    organization = request.organization
    today = selectors.today_in(organization)
    form = BulkChangeForm(request.POST, organization=organization, today=today)
    form.is_valid()
    numbers = form.cleaned_data.get("items") or []
    items = list(
        selectors.visible_items(organization=organization, membership=request.membership)
        .filter(number__in=numbers)
        .select_related("owner", "postmortem", "postmortem__incident")
        .order_by("severity_rank", "due_date", "number")
    )
    if numbers and not items:
        form.add_error("items", "The selected items no longer exist, or you may not see them.")
    if form.is_valid() and form.cleaned_data["confirm"]:
        try:
            changed = services.action_items_bulk_update(
                organization=organization,
                actor=request.user,
                numbers=[item.number for item in items],
                changes=form.changes(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, bulk_message(form, changed))
            target = return_url(request)
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = {
        "form": form,
        "change": form.cleaned_data.get("change") or form.data.get("change", ""),
        "changes": BulkChangeForm.CHANGES,
        "previews": preview(items, form),
        "missing": len(numbers) - len(items),
        "next": return_url(request),
        "member_search_url": reverse("member_search", kwargs={"org_slug": organization.slug}),
    }
    return render(
        request,
        "actionitems/tracker_bulk_confirm.html",
        context,
        status=400 if form.errors else 200,
    )


def bulk_message(form: BulkChangeForm, changed: int) -> str:
    noun = f"{changed} action item{'s' if changed != 1 else ''}"
    data = form.cleaned_data
    if data["change"] == "owner":
        return f"Reassigned {noun} to {display_name(data['owner'], missing='Unowned')}."
    if data["change"] == "due_date":
        return f"Rescheduled {noun} to {data['due_date'].strftime('%b %-d, %Y')}."
    return f"Marked {noun} {ItemStatus(data['status']).label.lower()}."


# --- CSV ----------------------------------------------------------------------------------------


@require_GET
@require_action(Action.VIEW)
def tracker_csv(request: HttpRequest, org_slug: str) -> StreamingHttpResponse:
    """The filtered view, every page of it, as CSV (streamed)."""
    organization = request.organization
    _, query = tracker_query(request)
    items = selectors.tracker_items(
        organization=organization,
        membership=request.membership,
        filters=query.filters(),
        sort=query.sort,
    )
    response = StreamingHttpResponse(
        csv_lines(items, time_zone=organization.time_zone), content_type="text/csv; charset=utf-8"
    )
    today = selectors.today_in(organization).isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="action-items-{organization.slug}-{today}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
