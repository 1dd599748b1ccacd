"""Checks every free-text input shares, in forms and in the API alike.

PostgreSQL refuses NUL bytes in text, and no name or sentence a person types holds control
characters; free text gets one size limit, the one postmortem sections have always had.
"""

import re

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
