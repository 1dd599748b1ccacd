"""A postmortem's action items: the table in each action-items section of the editor (edited
inline) and of the read view (read-only, with the status select where the reader may use it).

Endpoints (``urls_postmortem``): the section's table (GET) and adding an item (POST); one row
(GET, ``?edit=1`` for its form) and a partial update (POST: only the fields posted change);
deleting. Lookups come first: another organization's or an invisible postmortem, or an item of
another postmortem, answers 404 for every method. Then the rights (403), then the input (400
with the messages under their fields and the input kept).

Answers: htmx gets the row or the section's table; a plain form post is redirected back to the
editor (or the read view) at the item, or, when refused, gets a small page with the form again.
``mode`` (``edit`` or ``read``) says which of the two tables a request comes from.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Section, SectionKind

from . import services
from .forms import ActionItemForm, FormState
from .models import ActionItem
from .postmortem_table import (
    CHOICES,
    ActionItemsPage,
    Block,
    ItemRights,
    load_page,
    rights_of,
)

BLOCK = "actionitems/_rows.html"  # one section's table and its add form
ROW = "actionitems/_row.html"
ROW_EDIT = "actionitems/_row_edit.html"
PAGE = "actionitems/_row_page.html"  # a form on its own page (without JavaScript)
MODES = ("edit", "read")
STATUS_FIELDS = {"status", "wont_do_reason"}


# --- Plumbing ------------------------------------------------------------------------------------


def _item(request: HttpRequest, postmortem: Postmortem, number: int) -> ActionItem | None:
    found = (
        ActionItem.objects.filter(
            organization=request.organization, postmortem=postmortem, number=number
        )
        .select_related("owner")
        .first()
    )
    if found is not None:
        found.postmortem = postmortem
    return found


item_from_number = object_from_url("item", _item, missing="No such action item.")
"""Replace ``item`` (the organization's item number) by that item of the postmortem."""


def action_sections(postmortem: Postmortem) -> list[Section]:
    return list(
        Section.objects.filter(
            organization=postmortem.organization,
            postmortem=postmortem,
            kind=SectionKind.ACTION_ITEMS,
        ).only("key", "title", "kind", "position")
    )


def mode_of(request: HttpRequest, rights: ItemRights) -> str:
    mode = request.POST.get("mode") or request.GET.get("mode")
    if mode in MODES:
        return mode
    return "edit" if rights.can_edit else "read"


def back_url(postmortem: Postmortem, rights: ItemRights, mode: str, anchor: str = "") -> str:
    """The editor for those who may edit (from the editor), else the read view."""
    name = "postmortem_edit" if rights.can_edit and mode == "edit" else "postmortem_detail"
    url = reverse(
        name, kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number}
    )
    return f"{url}#{anchor}" if anchor else url


def render_block(request, page: ActionItemsPage, section, mode: str, *, status=200, **extra):
    block = Block(page=page, section=section, mode=mode, **extra)
    return render(request, BLOCK, {"block": block, "postmortem": page.postmortem}, status=status)


def render_row(request, page: ActionItemsPage, item: ActionItem, mode: str, *, status=200, **kw):
    block = Block(page=page, section=None, mode=mode)
    context = {"block": block, "row": page.row(item, **kw), "postmortem": page.postmortem}
    return render(request, ROW, context, status=status)


def render_form_page(request, postmortem, *, title, action, state, item=None, status=200, **kw):
    """A form on its own page: the way without JavaScript (or after a refused plain post)."""
    context = {
        "postmortem": postmortem,
        "title": title,
        "action": action,
        "form": state,
        "item": item,
        "choices": CHOICES,
        **kw,
    }
    return render(request, PAGE, context, status=status)


# --- The section's table, and adding -------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_http_methods(["GET", "POST"])
def item_list_or_create(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    sections = action_sections(postmortem)
    keys = [s.key for s in sections]
    if request.method == "GET":
        return section_table(request, postmortem, sections)
    page = load_page(request, postmortem, keys, items=[])
    if not page.rights.can_edit:
        raise PermissionDenied("Only the postmortem's editors add action items.")
    form = ActionItemForm(request.POST, organization=request.organization, section_keys=keys)
    item = None
    if form.is_valid():
        try:
            item = services.action_item_create(
                postmortem=postmortem, actor=request.user, **form.changes()
            )
        except ValidationError as error:
            form.add_service_errors(error)
    section = next((s for s in sections if s.key == form.data.get("section")), None)
    anchor = f"section-{section.key}" if section else ""
    if item is None:
        if request.htmx and section is not None:
            page = load_page(request, postmortem, keys, rights=page.rights)
            return render_block(request, page, section, "edit", status=400, add=form.state())
        return render_form_page(
            request,
            postmortem,
            title="Add an action item",
            action=page.urls["list"],
            state=form.state(),
            sections=sections,
            creating=True,
            today=page.today,
            members_url=page.urls["members"],
            back=back_url(postmortem, page.rights, "edit", anchor),
            status=400,
        )
    if not request.htmx:
        messages.success(request, f"AI-{item.number} added.")
        return redirect(back_url(postmortem, page.rights, "edit", f"action-item-{item.number}"))
    page = load_page(request, postmortem, keys, rights=page.rights)
    return render_block(request, page, section, "edit", focus_add=True)


def section_table(request: HttpRequest, postmortem: Postmortem, sections: list[Section]):
    """``?section=<key>``: that section's table (all the items without it); ``?mode=read``
    for the read view's. A plain GET goes to the section in the page."""
    wanted = request.GET.get("section")
    section = next((s for s in sections if s.key == wanted), None)
    if wanted and section is None:
        raise Http404("This postmortem has no such action-items section.")
    page = load_page(request, postmortem, [s.key for s in sections])
    mode = mode_of(request, page.rights)
    if not request.htmx:
        anchor = f"section-{section.key}" if section else ""
        return redirect(back_url(postmortem, page.rights, mode, anchor))
    return render_block(request, page, section, mode)


# --- One item ------------------------------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@item_from_number
@require_http_methods(["GET", "POST"])
def item_update(request: HttpRequest, postmortem: Postmortem, item: ActionItem) -> HttpResponse:
    page = load_page(request, postmortem, [], items=[item])
    rights = page.rights
    mode = mode_of(request, rights)
    if request.method == "GET":
        return item_show(request, page, item, mode)
    form = ActionItemForm(request.POST, organization=request.organization, item=item)
    if not rights.may_change(item, set(form.fields)):
        raise PermissionDenied(
            "Only the postmortem's editors change this item; its owner, managers and admins "
            "may still change its status."
        )
    updated = None
    if form.is_valid():
        try:
            updated = services.action_item_update(
                item=item, actor=request.user, changes=form.changes()
            )
        except ValidationError as error:
            form.add_service_errors(error)
    if updated is None:
        return item_refused(request, page, item, form, mode)
    if not request.htmx:
        messages.success(request, f"AI-{item.number} saved.")
        return redirect(back_url(postmortem, rights, mode, f"action-item-{item.number}"))
    updated.postmortem = postmortem
    updated.organization = request.organization
    return render_row(request, page, updated, mode)


def item_show(request: HttpRequest, page: ActionItemsPage, item: ActionItem, mode: str):
    """The row, or (``?edit=1``) its edit form: in place with htmx, else on a page."""
    editing = request.GET.get("edit") == "1"
    if editing and not page.rights.can_edit:
        raise PermissionDenied("Only the postmortem's editors edit its action items.")
    if editing:
        state = FormState.of(item)
        if request.htmx:
            context = {"block": Block(page=page, section=None, mode=mode)}
            context.update(row=page.row(item), form=state, choices=CHOICES)
            return render(request, ROW_EDIT, {**context, "postmortem": page.postmortem})
        return edit_page(request, page, item, state, status=200)
    if request.htmx:
        return render_row(request, page, item, mode)
    return redirect(back_url(page.postmortem, page.rights, mode, f"action-item-{item.number}"))


def item_refused(request, page: ActionItemsPage, item: ActionItem, form, mode: str):
    """400: the row's edit form (or its status select) again, with the messages and input."""
    state = form.state()
    beyond_status = set(state.errors) - STATUS_FIELDS
    whole_form = request.POST.get("editor") == "row" or (beyond_status and page.rights.can_edit)
    if request.htmx and whole_form:
        context = {"block": Block(page=page, section=None, mode=mode), "row": page.row(item)}
        context.update(form=state, choices=CHOICES, postmortem=page.postmortem)
        return render(request, ROW_EDIT, context, status=400)
    if request.htmx:
        return render_row(request, page, item, mode, status=400, status_form=state)
    return edit_page(request, page, item, state, status=400, only_status=not whole_form)


def edit_page(request, page, item, state, *, status, only_status=False):
    only_status = only_status or not page.rights.can_edit
    return render_form_page(
        request,
        page.postmortem,
        title=f"Change the status of AI-{item.number}" if only_status else f"Edit AI-{item.number}",
        action=page.row(item).url,
        state=state,
        item=item,
        only_status=only_status,
        today=page.today,
        members_url=page.urls["members"],
        back=back_url(page.postmortem, page.rights, "edit", f"action-item-{item.number}"),
        status=status,
    )


@require_action(Action.VIEW)
@postmortem_from_number
@item_from_number
@require_POST
def item_delete(request: HttpRequest, postmortem: Postmortem, item: ActionItem) -> HttpResponse:
    rights = rights_of(request, postmortem)
    if not rights.can_edit:
        raise PermissionDenied("Only the postmortem's editors delete its action items.")
    services.action_item_delete(item=item, actor=request.user)
    sections = action_sections(postmortem)
    wanted = request.POST.get("section") or item.section_key
    section = next((s for s in sections if s.key == wanted), sections[0] if sections else None)
    if not request.htmx:
        messages.success(request, f"AI-{item.number} deleted.")
        anchor = f"section-{section.key}" if section else ""
        return redirect(back_url(postmortem, rights, "edit", anchor))
    page = load_page(request, postmortem, [s.key for s in sections], rights=rights)
    return render_block(request, page, section, "edit")
