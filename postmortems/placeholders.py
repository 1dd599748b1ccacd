"""Template placeholder text: what a section says before anyone writes in it.

A template's default text mixes generated facts ("**Duration of impact:** 2h 14m") with prompts
for the writer, set in italics ("**Users affected:** _number or percentage_", "- _An alert,
runbook or habit that helped_"). A line of the generated body that holds such a prompt is a
*placeholder line*; while it is still in the section word for word, nobody has written it.

``written_text`` is the one place that takes placeholder lines out of a body: the submit check
and the quality checklist decide from it whether a section is written, and every view and export
shows it instead of the raw body, so prompts are never published. The generated body is the
section's body in the postmortem's first revision (``selectors.created_bodies``); without one,
nothing is treated as a placeholder.
"""

import re
from functools import lru_cache

# An italic span, as the built-in and admin templates write their prompts: _text_ or *text*.
_PROMPT = re.compile(r"(?<![\w*])\*(?!\*)[^*\n]+?\*(?![\w*])|(?<![\w_])_(?!_)[^_\n]+?_(?![\w_])")
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]")


@lru_cache(maxsize=1024)
def placeholder_lines(created_body: str | None) -> frozenset[str]:
    """The lines of a generated body that prompt the writer (whitespace-trimmed). Remembered:
    a page asks for a section's several times, and a generated body never changes."""
    return frozenset(
        line.strip() for line in (created_body or "").splitlines() if _PROMPT.search(line)
    )


def written_text(body: str, created_body: str | None) -> str:
    """``body`` without its untouched placeholder lines, and without the template headings that
    have nothing left under them. Text the writer changed, even a little, is kept."""
    if created_body is not None and body == created_body:
        return _generated_written_text(created_body)
    return _written_text(body, created_body)


@lru_cache(maxsize=1024)
def _generated_written_text(created_body: str) -> str:
    """``written_text`` of a section nobody has changed yet. Remembered: most sections of a
    new draft are, and every page and check of the draft asks for them."""
    return _written_text(created_body, created_body)


def _written_text(body: str, created_body: str | None) -> str:
    prompts = placeholder_lines(created_body)
    if not prompts:
        return body
    generated = frozenset(line.strip() for line in (created_body or "").splitlines())
    original = body.splitlines()
    lines = [line for line in original if line.strip() not in prompts]
    if len(lines) == len(original):
        return body
    while True:
        fewer = _without_empty_headings(lines, generated)
        if len(fewer) == len(lines):
            break
        lines = fewer
    return _collapse_blank_lines(lines).strip()


def is_written(body: str, created_body: str | None) -> bool:
    """Whether someone wrote in ``body``: something is left once placeholders are taken out,
    and it is not just the generated text around them."""
    if created_body is not None and body == created_body:
        return False  # the generated text itself
    text = _normalized(written_text(body, created_body))
    if not text:
        return False
    if created_body is None:
        return True
    return text != _normalized(_generated_written_text(created_body))


def _without_empty_headings(lines: list[str], generated: frozenset[str]) -> list[str]:
    """Drop generated headings followed (past blank lines) by nothing, or by a heading of the
    same or a higher level."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        level = _heading_level(line)
        if level and line.strip() in generated and _is_empty_under(lines, index + 1, level):
            continue
        kept.append(line)
    return kept


def _is_empty_under(lines: list[str], start: int, level: int) -> bool:
    for line in lines[start:]:
        if not line.strip():
            continue
        following = _heading_level(line)
        return bool(following) and following <= level
    return True


def _heading_level(line: str) -> int:
    match = _HEADING.match(line)
    return len(match.group(1)) if match else 0


def _collapse_blank_lines(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _normalized(text: str) -> str:
    """``text`` with trailing spaces and runs of blank lines that do not change what it says
    taken out, to compare a body with the generated one."""
    return _collapse_blank_lines([line.rstrip() for line in text.strip().splitlines()])
