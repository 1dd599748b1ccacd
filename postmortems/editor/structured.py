"""Saving a structured section: the rows of a timeline, five whys or contributing factors
(edits, and row operations: add, delete, move, undo, pull from the incident), and the impact
figures. Posted by htmx forms and answered with the section's partial; without JavaScript, with
a redirect or the editor page again. ``views.postmortem_section_save`` hands over to these.
"""

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from postmortems.editor import outline
from postmortems.editor import services as editing
from postmortems.editor.answers import absorb, editor_url, parse_base, render_editor, saved_payload
from postmortems.editor.forms import ImpactForm
from postmortems.editor.presenter import Base, DeletedRow, editor_section
from postmortems.editor.rows import (
    HISTORY_OPS,
    ROW_EDITORS,
    data_with_rows,
    parse_op,
    row_to_restore,
    rows_apply,
    rows_formset,
    rows_from,
)
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.timeline import section_data_in_order

STRUCTURED = "postmortems/editor/_structured.html"


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
    state = outline.saved_state(section, saved)
    response["HX-Trigger"] = pm_saved_event(saved_payload(section.key, saved, digest, **state))
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
