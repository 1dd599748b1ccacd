"""A structured section's rows in the editor: the formset over the rows of its ``data``
(timeline rows, whys, factors), the timeline's rows as the page draws them, and the row
operations.

Row operations (add, remove, move, undo a removal, pull in from the incident) arrive as ``op``
(``"add"``, ``"delete:3"``, ``"up:2"`` …) together with the rows as the writer sees them, so an
operation never loses an edit that was not saved yet.
"""

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from django import forms
from django.utils import timezone

from postmortems.editor.forms import FactorForm, TimelineRowForm, WhyForm
from postmortems.models import SectionKind

ROW_OPS = {"add", "delete", "up", "down", "undo", "pull", "reload"}
# Operations that take rows away or reorder them: each is a revision of its own.
HISTORY_OPS = {"delete", "up", "down", "undo"}


@dataclass(frozen=True)
class RowEditor:
    """How one structured kind maps its ``data`` onto a formset."""

    field: str  # the list in ``data``: "rows", "whys", "factors"
    form: type[forms.Form]
    max_rows: int
    noun: str  # "event", "why", "factor"


ROW_EDITORS = {
    SectionKind.TIMELINE: RowEditor("rows", TimelineRowForm, 1000, "event"),
    SectionKind.FIVE_WHYS: RowEditor("whys", WhyForm, 25, "why"),
    SectionKind.CONTRIBUTING_FACTORS: RowEditor("factors", FactorForm, 100, "factor"),
}


def rows_formset(section, data=None, rows: list[dict] | None = None):
    """The formset of a structured section: bound to POST ``data``, or showing ``rows`` (by
    default the section's stored rows)."""
    editor = ROW_EDITORS[section.kind]
    formset_class = forms.formset_factory(
        editor.form,
        extra=0,
        max_num=editor.max_rows,
        validate_max=True,
        absolute_max=editor.max_rows + 1,
    )
    prefix = f"s-{section.key}"
    if data is not None:
        return formset_class(data, prefix=prefix)
    if rows is None:
        rows = stored_rows(section)
    return formset_class(initial=[editor.form.initial_of(row) for row in rows], prefix=prefix)


@dataclass(frozen=True)
class TimelineRowView:
    """One timeline row as the editor draws it: its inputs' values and any field errors.

    A timeline may have hundreds of rows; drawing them from these values instead of through
    Django's per-widget templates keeps the editor page fast. Parsing and validation stay with
    ``TimelineRowForm``, whose field names the inputs carry (``<prefix>-time`` …).
    """

    prefix: str
    index: str  # text, not numbers: the template engine localizes every number it prints
    number: str
    key: bool
    time: str
    event: str
    actor: str
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)


def timeline_row_views(formset) -> list[TimelineRowView]:
    """The timeline formset's rows: as posted (with errors) when bound, else as stored."""
    if formset.is_bound:
        return [_bound_row_view(form, index) for index, form in enumerate(formset.forms)]
    return [
        TimelineRowView(
            prefix=f"{formset.prefix}-{index}",
            index=str(index),
            number=str(index + 1),
            key=initial["key"],
            time=_time_input_value(initial["time"]),
            event=initial["event"],
            actor=initial["actor"],
        )
        for index, initial in enumerate(formset.initial or [])
    ]


def _bound_row_view(form, index: int) -> TimelineRowView:
    return TimelineRowView(
        prefix=form.prefix,
        index=str(index),
        number=str(index + 1),
        key=bool(form["key"].value()),
        time=_time_input_value(form["time"].value()),
        event=str(form["event"].value() or ""),
        actor=str(form["actor"].value() or ""),
        errors={name: list(errors) for name, errors in form.errors.items()},
    )


def _time_input_value(value) -> str:
    """What a ``datetime-local`` input shows: a moment in the current time zone, or the text
    the writer typed."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
    return str(value or "")


def stored_rows(section) -> list[dict]:
    value = (section.data or {}).get(ROW_EDITORS[section.kind].field)
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def rows_from(section, formset) -> list[dict]:
    """The rows of a valid formset, in the order the writer sees them."""
    editor = ROW_EDITORS[section.kind]
    return [editor.form.row_of(form.cleaned_data) for form in formset.forms]


def data_with_rows(section, rows: list[dict]) -> dict:
    return {**(section.data or {}), ROW_EDITORS[section.kind].field: rows}


def parse_op(value: str) -> tuple[str, int | None] | None:
    """``"delete:3"`` → ``("delete", 3)``; ``""``, ``"save"`` (the form's default button: a
    plain save) and anything unknown → ``None``."""
    name, _, index = (value or "").partition(":")
    if name not in ROW_OPS:
        return None
    if index:
        return (name, int(index)) if index.isdigit() else None
    return name, None


def rows_apply(rows: list[dict], op: str, index: int | None, blank: dict) -> list[dict]:
    """The rows after a row operation (out-of-range indexes change nothing)."""
    rows = list(rows)
    in_range = index is not None and 0 <= index < len(rows)
    if op == "add":
        rows.append(blank)
    elif op == "delete" and in_range:
        del rows[index]
    elif op == "up" and in_range and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif op == "down" and in_range and index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    return rows


def row_to_restore(section, posted: str) -> dict | None:
    """The deleted row an undo brings back, posted as the JSON the editor was given with the
    delete; checked as the section's row form checks a row. ``None`` when it is not one."""
    try:
        raw = json.loads(posted or "")
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    form_class = ROW_EDITORS[section.kind].form
    form = form_class(data=form_class.initial_of(raw))
    return form_class.row_of(form.cleaned_data) if form.is_valid() else None
