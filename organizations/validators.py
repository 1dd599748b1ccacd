"""Checks every free-text input shares, in forms and in the API alike.

PostgreSQL refuses NUL bytes in text, and no name or sentence a person types holds control
characters; free text gets one size limit, the one postmortem sections have always had.
"""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Control characters other than tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MAX_TEXT_BYTES = 200 * 1024
TEXT_TOO_LARGE = (
    "This {noun} is {size} KB; the limit is {limit} KB. Move large material to a linked document."
)


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


def is_possible_username(value: str) -> bool:
    """Whether ``value`` could name anybody: short enough, free of control characters. A lookup
    with anything else cannot match (and PostgreSQL would refuse a NUL byte in the query)."""
    return 0 < len(value) <= 150 and not has_control_characters(value)


def text_too_large_message(text: str, noun: str = "text") -> str | None:
    """The size message when ``text`` is over ``MAX_TEXT_BYTES``, else None."""
    size = len(text.encode())
    if size <= MAX_TEXT_BYTES:
        return None
    return TEXT_TOO_LARGE.format(noun=noun, size=size // 1024, limit=MAX_TEXT_BYTES // 1024)


@deconstructible
class TextSizeValidator:
    """Free text over ``MAX_TEXT_BYTES`` is refused with the sections' message."""

    def __call__(self, value: str) -> None:
        message = text_too_large_message(str(value))
        if message:
            raise ValidationError(message, code="too_large")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextSizeValidator)


validate_text_size = TextSizeValidator()


def date_range_error(
    start: date | None, end: date | None, *, start_name: str, end_name: str
) -> str:
    """The message of a range that cannot hold anything (its start after its end), else ""."""
    if start and end and start > end:
        return (
            f"“{start_name}” ({start.isoformat()}) is after “{end_name}” "
            f"({end.isoformat()}): swap them."
        )
    return ""


def refuse_reversed_range(form: forms.Form, start_field: str, end_field: str) -> None:
    """In a filter form's ``clean``: a reversed range is named under its end field and
    dropped, so the list says why instead of silently showing nothing."""
    cleaned = form.cleaned_data
    message = date_range_error(
        cleaned.get(start_field),
        cleaned.get(end_field),
        start_name=str(form.fields[start_field].label or start_field),
        end_name=str(form.fields[end_field].label or end_field),
    )
    if message:
        form.add_error(end_field, message)  # add_error drops the field from cleaned_data
        cleaned.pop(start_field, None)
