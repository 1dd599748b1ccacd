"""Template prompts: what a template asks the writer, kept apart from a section's text.

A template's default text mixes generated facts ("**Duration of impact:** {{incident.duration}}")
with prompts for the writer, set in italics ("**Users affected:** _number or share of users_",
"- _An alert, runbook or habit that helped_"). A new section stores only the facts as its body
and the prompts, as plain sentences, in ``Section.placeholder`` (``template_parts``): the editor
shows them as a hint, and nothing else ever sees them, so pages, exports, search and the checks
read the body as it is.

``is_written`` decides whether someone wrote in a section: its body says something beyond the
body it was created with (the first revision's, ``selectors.created_bodies``).
"""

import re
from dataclasses import dataclass

# An italic span, as the built-in and admin templates write their prompts: _text_ or *text*.
_PROMPT = re.compile(r"(?<![\w*])\*(?!\*)[^*\n]+?\*(?![\w*])|(?<![\w_])_(?!_)[^_\n]+?_(?![\w_])")
_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_ITALIC_MARK = re.compile(r"(?<![\w*_])[*_](?![*_\s])|(?<![*_\s])[*_](?![\w*_])")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")  # and a task box


@dataclass(frozen=True)
class TemplateParts:
    body: str  # the default text without its prompts: what the section starts with
    placeholder: str  # the prompts as plain sentences, one a line


def is_prompt(line: str) -> bool:
    return bool(_PROMPT.search(line))


def template_parts(default_text: str) -> TemplateParts:
    """Split a template section's default text (before its variables are filled) into the
    section's starting body and its prompts. A heading left with nothing under it goes too;
    a prompt under a heading names it ("What went well — An alert that helped")."""
    prompts = frozenset(line.strip() for line in default_text.splitlines() if is_prompt(line))
    return TemplateParts(
        body=without_lines(default_text, prompts, default_text),
        placeholder="\n".join(prompt_hints(default_text)),
    )


def prompt_hints(text: str) -> list[str]:
    """The prompts of ``text`` as plain sentences, each after the heading it sits under
    (``**Users affected:** _number or share_`` → ``Users affected: number or share``)."""
    hints: list[str] = []
    heading = ""
    for line in text.splitlines():
        if match := _HEADING.match(line):
            heading = _plain(match.group(2))
        elif is_prompt(line):
            hint = _plain(line)
            hints.append(f"{heading} — {hint}" if heading else hint)
    return list(dict.fromkeys(hints))


def without_lines(text: str, lines_out: frozenset[str], template: str) -> str:
    """``text`` without the lines (whitespace-trimmed) of ``lines_out``, and without the
    headings of ``template`` that have nothing left under them. Other lines are kept as they
    are, even a line that differs from a prompt by a letter."""
    original = text.splitlines()
    lines = [line for line in original if line.strip() not in lines_out]
    if len(lines) == len(original):
        return text
    headings = frozenset(line.strip() for line in template.splitlines() if _heading_level(line))
    while True:
        fewer = _without_empty_headings(lines, headings)
        if len(fewer) == len(lines):
            break
        lines = fewer
    return _collapse_blank_lines(lines).strip()


def is_written(body: str, created_body: str | None) -> bool:
    """Whether someone wrote in ``body``: it is not empty, and not just the text the section
    was created with (generated facts nobody has added to)."""
    text = _normalized(body)
    if not text:
        return False
    return created_body is None or text != _normalized(created_body)


def _plain(line: str) -> str:
    text = _LIST_MARK.sub("", line).replace("**", "").replace("__", "")
    return _ITALIC_MARK.sub("", text).strip()


def _without_empty_headings(lines: list[str], headings: frozenset[str]) -> list[str]:
    """Drop the given headings followed (past blank lines) by nothing, or by a heading of the
    same or a higher level."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        level = _heading_level(line)
        if level and line.strip() in headings and _is_empty_under(lines, index + 1, level):
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
    return _collapse_blank_lines([line.rstrip() for line in (text or "").strip().splitlines()])
