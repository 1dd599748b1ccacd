"""The postmortem editor: creating a postmortem, the one-page editor, part saves and previews
(the page's read model is ``presenter``).

Views parse input with forms, check rights with ``permissions.may_edit``, and call the services;
the version check lives in ``services.postmortem_save``. Markdown bodies and the title are saved
by the editor's ``fetch`` (JSON answers); structured sections by htmx forms (partial answers).
Without JavaScript every form still posts and the page answers with a redirect or, when the
save is refused, the page again with the writer's text kept.

Every lookup is filtered by the request's organization and happens before the method check:
another organization's postmortem answers 404 whatever the method or the role.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors as incident_selectors
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.markdown import render_markdown
from organizations.roles import Action
from organizations.validators import text_too_large_message
from postmortems import creation
from postmortems.editor import services as editing
from postmortems.editor.forms import (
    HISTORY_OPS,
    ROW_EDITORS,
    ImpactForm,
    PostmortemCreateForm,
    data_with_rows,
    lf,
    parse_op,
    row_to_restore,
    rows_apply,
    rows_formset,
    rows_from,
)
from postmortems.editor.presenter import Base, DeletedRow, editor_context, editor_section
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.permissions import READ_ONLY_MESSAGE, ensure_may_edit, may_edit
from postmortems.timeline import section_data_in_order

EDITOR = "postmortems/editor/edit.html"
STRUCTURED = "postmortems/editor/_structured.html"


# --- Plumbing ----------------------------------------------------------------------------------


def _section(request: HttpRequest, postmortem: Postmortem, key: str) -> Section | None:
    return Section.objects.filter(
        organization=request.organization, postmortem=postmortem, key=key
    ).first()


section_from_key = object_from_url("section_key", _section, missing="No such section.")
"""Replace ``section_key`` by the postmortem's section."""


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def editor_url(postmortem: Postmortem, anchor: str = "") -> str:
    url = reverse(
        "postmortem_edit",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )
    return f"{url}#{anchor}" if anchor else url


def parse_base(request: HttpRequest) -> Base | None:
    version = request.POST.get("version", "")
    if not version.isdigit():
        return None
    return Base(int(version), request.POST.get("base_digest", "")[:64])


def json_error(status: int, message: str, **extra) -> JsonResponse:
    kind = {400: "invalid", 409: "conflict"}.get(status, "error")
    return JsonResponse({"error": kind, "message": message, **extra}, status=status)


def absorb(postmortem: Postmortem, saved: Postmortem) -> Postmortem:
    """Carry a save's result onto the request's postmortem (whose relations are loaded)."""
    for name in ("version", "title", "updated_at", *editing.IMPACT_FIELDS):
        setattr(postmortem, name, getattr(saved, name))
    return postmortem


def saved_payload(key: str, saved: Postmortem, digest: str) -> dict:
    return {
        "section": key,
        "version": saved.version,
        "digest": digest,
        "saved_at": timezone.now().isoformat(),
    }


# --- Creating ----------------------------------------------------------------------------------


@require_action(Action.CREATE_POSTMORTEM)
@require_http_methods(["GET", "POST"])
def postmortem_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    preselected = incident_selectors.incident_by_ref(
        organization=organization, ref=request.GET.get("incident", "")
    )
    form = PostmortemCreateForm(
        request.POST or None,
        organization=organization,
        initial={"incident": preselected.pk if preselected else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            postmortem = creation.postmortem_create(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except creation.IncidentHasPostmortem as taken:
            form.add_error("incident", str(taken))
            preselected = taken.incident
        except ValidationError as error:
            form.add_error(None, error)
        else:
            postmortem.organization = organization
            template = postmortem.template.name if postmortem.template else "blank"
            messages.success(
                request, f"PM-{postmortem.number} started from the {template} template."
            )
            return redirect(editor_url(postmortem))
    context = {
        "form": form,
        "preselected": preselected,
        "existing": creation.primary_postmortem_of(preselected) if preselected else None,
        "templates": list(form.fields["template"].queryset),
    }
    return render(
        request, "postmortems/editor/create.html", context, status=400 if form.errors else 200
    )


# --- The editor page ---------------------------------------------------------------------------


def render_editor(request, postmortem, *, status: int = 200, overrides=None) -> HttpResponse:
    return render(request, EDITOR, editor_context(request, postmortem, overrides), status=status)


@postmortem_from_number
@require_http_methods(["GET", "POST"])
def postmortem_edit(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """GET: the editor (readers get a 403 page pointing to the read view). POST: the title."""
    if request.method == "POST":
        ensure_may_edit(request, postmortem)
        return save_title(request, postmortem)
    if not may_edit(request.user, request.membership, postmortem):
        context = {"postmortem": postmortem, "message": READ_ONLY_MESSAGE}
        return render(request, "postmortems/editor/read_only.html", context, status=403)
    return render_editor(request, postmortem)


def save_title(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    base = parse_base(request)
    title = lf(request.POST.get("title", "")).replace("\n", " ")
    if base is None:
        return body_refused(request, postmortem, "title", title, 400, "The save names no version.")
    try:
        saved = editing.title_save(
            postmortem=postmortem,
            actor=request.user,
            title=title,
            base_version=base.version,
            base_digest=base.digest,
        )
    except editing.SectionConflict as conflict:
        return body_conflict(request, postmortem, "title", title, conflict)
    except ValidationError as error:
        return body_refused(request, postmortem, "title", title, 400, first_message(error))
    return part_saved(
        request, absorb(postmortem, saved), "title", editing.content_digest(saved.title)
    )


# --- Saving a section --------------------------------------------------------------------------


@postmortem_from_number
@section_from_key
@require_POST
def postmortem_section_save(
    request: HttpRequest, postmortem: Postmortem, section: Section
) -> HttpResponse:
    """``body`` (+ ``version``, ``base_digest``): the markdown, answered in JSON for the
    editor's autosave. Otherwise the structured editor's form, answered with its partial."""
    ensure_may_edit(request, postmortem)
    if "body" in request.POST:
        return save_body(request, postmortem, section)
    if section.kind in ROW_EDITORS:
        return save_rows(request, postmortem, section)
    if section.kind == SectionKind.IMPACT:
        return save_impact(request, postmortem, section)
    message = "Send the section's text as “body”; this section has no structured fields."
    if wants_json(request):
        return json_error(400, message)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def save_body(request: HttpRequest, postmortem: Postmortem, section: Section) -> HttpResponse:
    body = lf(request.POST["body"])
    base = parse_base(request)
    if base is None:
        return body_refused(request, postmortem, section.key, body, 400, "No version was sent.")
    try:
        saved = editing.section_body_save(
            postmortem=postmortem,
            actor=request.user,
            key=section.key,
            body=body,
            base_version=base.version,
            base_digest=base.digest,
        )
    except editing.SectionConflict as conflict:
        return body_conflict(request, postmortem, section.key, body, conflict)
    except ValidationError as error:
        return body_refused(request, postmortem, section.key, body, 400, first_message(error))
    return part_saved(request, absorb(postmortem, saved), section.key, editing.content_digest(body))


def first_message(error: ValidationError) -> str:
    return " ".join(error.messages) if error.messages else "This could not be saved."


def part_saved(request: HttpRequest, saved: Postmortem, key: str, digest: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(saved_payload(key, saved, digest))
    anchor = "" if key == "title" else f"section-{key}"
    return redirect(editor_url(saved, anchor))


def body_conflict(
    request: HttpRequest,
    postmortem: Postmortem,
    key: str,
    yours: str,
    conflict: editing.SectionConflict,
) -> HttpResponse:
    """409: the writer's text and the current one, so they can merge; nothing is dropped."""
    payload = {
        "section": key,
        "yours": yours,
        "current": conflict.current,
        "current_version": conflict.current_version,
        "current_digest": conflict.current_digest,
    }
    message = "Someone else saved this while you were writing. Merge the two versions and save."
    if wants_json(request):
        return json_error(409, message, **payload)
    overrides = {key: {"body": yours, "conflict": payload}}
    return render_editor(request, postmortem, status=409, overrides=overrides)


def body_refused(
    request: HttpRequest, postmortem: Postmortem, key: str, text: str, status: int, message: str
) -> HttpResponse:
    """The save is refused; the writer's text is kept (in the editor, or on the page again)."""
    if wants_json(request):
        return json_error(status, message, section=key)
    overrides = {key: {"body": text, "error": message}}
    return render_editor(request, postmortem, status=status, overrides=overrides)


# --- Structured sections -----------------------------------------------------------------------


def save_rows(request: HttpRequest, postmortem: Postmortem, section: Section) -> HttpResponse:
    formset = rows_formset(section, data=request.POST)
    op = parse_op(request.POST.get("op", ""))
    if op and op[0] == "reload":
        return structured_response(request, postmortem, section)
    base = parse_base(request)
    undoing = bool(op) and op[0] == "undo"
    restored = row_to_restore(section, request.POST.get("undo_row", "")) if undoing else None
    if undoing and restored is None and formset.is_valid():
        formset._non_form_errors = formset.error_class(["The deleted row could not be restored."])
    if base is None or not formset.is_valid():
        return structured_refused(request, postmortem, section, formset=formset, base=base)
    edited = rows_from(section, formset)
    rows = rows_after(postmortem, section, edited, op, restored)
    data = section_data_in_order(section.kind, data_with_rows(section, rows))
    reordered = data_with_rows(section, rows) != data  # the writer's order was not time order
    try:
        saved = save_section_rows(request, postmortem, section, edited, data, op, base)
    except editing.SectionConflict as conflict:
        return structured_refused(request, postmortem, section, formset=formset, conflict=conflict)
    except ValidationError as error:
        formset._non_form_errors = formset.error_class(error.messages)
        return structured_refused(request, postmortem, section, formset=formset, base=base)
    section.data = data
    digest = editing.content_digest(data)
    return structured_saved(
        request,
        absorb(postmortem, saved),
        section,
        digest,
        op=op,
        redraw=reordered,
        deleted=DeletedRow.of(edited, op),
    )


def save_section_rows(request, postmortem, section, edited: list[dict], data: dict, op, base):
    """Edits coalesce into the writer's current revision; a row deleted, moved or brought back
    is a revision of its own (see ``section_rows_change``)."""
    common = {
        "postmortem": postmortem,
        "actor": request.user,
        "key": section.key,
        "base_version": base.version,
        "base_digest": base.digest,
    }
    if not op or op[0] not in HISTORY_OPS:
        return editing.section_data_save(data=data, **common)
    return editing.section_rows_change(
        edited=data_with_rows(section, edited),
        changed=data,
        summary=row_op_summary(section, op),
        **common,
    )


def row_op_summary(section: Section, op: tuple[str, int | None]) -> str:
    """How the history names a row operation: “Five whys: why 3 deleted”."""
    name, index = op
    noun = ROW_EDITORS[section.kind].noun
    number = (index or 0) + 1
    done = {
        "delete": f"{noun} {number} deleted",
        "up": f"{noun} {number} moved up",
        "down": f"{noun} {number} moved down",
        "undo": f"deleted {noun} restored as {noun} {number}",
    }[name]
    return f"{section.title}: {done}"


def rows_after(
    postmortem: Postmortem, section: Section, rows: list[dict], op, restored: dict | None = None
) -> list[dict]:
    if not op:
        return rows
    name, index = op
    if name == "pull":
        incoming = editing.rows_missing_from(rows, editing.incident_timeline_rows(postmortem))
        return editing.rows_merge(rows, incoming)
    if name == "undo":
        at = min(index if index is not None else len(rows), len(rows))
        return [*rows[:at], restored, *rows[at:]]
    return rows_apply(rows, name, index, blank_row(section, rows))


def blank_row(section: Section, rows: list[dict]) -> dict:
    if section.kind == SectionKind.TIMELINE:
        last = rows[-1]["time"] if rows else timezone.now().isoformat()
        return {"time": last, "event": "", "actor": "", "key": False}
    if section.kind == SectionKind.FIVE_WHYS:
        return {"why": "", "because": ""}
    return {"title": "", "description": "", "category": "code", "level": "primary"}


def save_impact(request: HttpRequest, postmortem: Postmortem, section: Section) -> HttpResponse:
    form = ImpactForm(request.POST, prefix=f"s-{section.key}")
    op = parse_op(request.POST.get("op", ""))
    if op and op[0] == "reload":
        return structured_response(request, postmortem, section)
    base = parse_base(request)
    if base is None or not form.is_valid():
        return structured_refused(request, postmortem, section, impact_form=form, base=base)
    try:
        saved = editing.postmortem_set_impact(
            postmortem=postmortem,
            actor=request.user,
            key=section.key,
            impact=form.impact(),
            base_version=base.version,
            base_digest=base.digest,
        )
    except editing.SectionConflict as conflict:
        return structured_refused(request, postmortem, section, impact_form=form, conflict=conflict)
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return structured_refused(request, postmortem, section, impact_form=form, base=base)
    digest = editing.content_digest(form.impact().as_data())
    return structured_saved(request, absorb(postmortem, saved), section, digest, op=op)


def structured_saved(
    request: HttpRequest,
    saved: Postmortem,
    section: Section,
    digest: str,
    *,
    op,
    redraw: bool = False,
    deleted: "DeletedRow | None" = None,
) -> HttpResponse:
    """After a field edit the form stays as the writer left it (no swap, so no keystroke is
    lost); after a row operation, or when the save stored the rows in another order (a
    timeline keeps time order), it is drawn again, with “Row deleted — Undo” after a delete.
    Either way the editor learns the new base from the ``pm:saved`` event."""
    if not request.htmx:
        return redirect(editor_url(saved, f"section-{section.key}"))
    if op or redraw:
        response = structured_response(
            request,
            saved,
            section,
            focus_last=bool(op) and op[0] == "add",
            focus=focus_after(section, op) if op else "",
            deleted_row=deleted,
        )
    else:
        response = HttpResponse(status=200)
        response["HX-Reswap"] = "none"
    response["HX-Trigger"] = pm_saved_event(saved_payload(section.key, saved, digest))
    return response


FIRST_FIELD = {  # the field a restored row's keyboard focus returns to
    SectionKind.TIMELINE: "event",
    SectionKind.FIVE_WHYS: "why",
    SectionKind.CONTRIBUTING_FACTORS: "title",
}


def focus_after(section: Section, op) -> str:
    """Where the keyboard goes once a row operation has redrawn the form (a CSS selector): the
    moved row's same button, a restored row's first field. Empty: the editor decides."""
    name, index = op
    if name in ("up", "down") and index is not None:
        moved_to = index - 1 if name == "up" else index + 1
        return f'button[name="op"][value="{name}:{moved_to}"]'
    if name == "undo" and section.kind in FIRST_FIELD:
        return f"#id_s-{section.key}-{index}-{FIRST_FIELD[section.kind]}"
    return ""


def pm_saved_event(payload: dict) -> str:
    return json.dumps({"pm:saved": payload})


def structured_response(
    request: HttpRequest, postmortem: Postmortem, section: Section, *, status: int = 200, **extra
) -> HttpResponse:
    incident_entries = (
        editing.incident_entry_identities(postmortem)
        if section.kind == SectionKind.TIMELINE
        else []
    )
    item = editor_section(section, 0, postmortem, incident_entries, **extra)
    context = {"postmortem": postmortem, "incident": postmortem.incident, "item": item}
    return render(request, STRUCTURED, context, status=status)


def structured_refused(
    request: HttpRequest,
    postmortem: Postmortem,
    section: Section,
    *,
    formset=None,
    impact_form: ImpactForm | None = None,
    base: Base | None = None,
    conflict: editing.SectionConflict | None = None,
) -> HttpResponse:
    """400 (invalid) or 409 (conflict) with the writer's input still in the form."""
    if conflict is not None:
        base = Base(conflict.current_version, conflict.current_digest)
    status = 409 if conflict is not None else 400
    extra = {
        "formset": formset,
        "impact_form": impact_form,
        "data_conflict": conflict,
        "form_base": base,
        "error": "" if base is not None else "The save names no version.",
    }
    if not request.htmx:
        return render_editor(request, postmortem, status=status, overrides={section.key: extra})
    return structured_response(request, postmortem, section, status=status, **extra)


# --- Preview -----------------------------------------------------------------------------------


@postmortem_from_number
@section_from_key
@require_POST
def postmortem_section_preview(
    request: HttpRequest, postmortem: Postmortem, section: Section
) -> HttpResponse:
    """The posted markdown rendered and sanitised exactly as the read view will show it."""
    ensure_may_edit(request, postmortem)
    body = lf(request.POST.get("body", ""))
    context = {"html": "", "error": text_too_large_message(body, noun="section") or ""}
    if not context["error"]:
        context["html"] = render_markdown(body)
    status = 400 if context["error"] else 200
    return render(request, "postmortems/editor/_preview.html", context, status=status)
