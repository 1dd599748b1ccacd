"""What in a markdown draft is prose, and where its sentences end.

``mask_non_prose`` blanks out fenced code, inline code, URLs, link targets and HTML comments
with spaces of the same length, so offsets found in the masked text are those of the original.
"""

from __future__ import annotations

import re

# Each pattern starts with a literal, so the regex engine skips ahead to it (a pattern starting
# with ``\b`` or a group would try every position).
_FENCE_MARKERS = ("```", "~~~")
_INLINE_CODE = re.compile(r"`(?:`(?!`)[^\n]*?``|[^`\n]+`)")
_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|\Z)")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_URL_TAIL = re.compile(r"://[^\s<>()\[\]`]*")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*$")
_WWW = re.compile(r"www\.[^\s<>()\[\]`]+")


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks: from a line opening with ``` or ~~~ (up to three spaces in) to the
    line closing it with at least as many of the same character, or to the end."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        found = [i for i in (text.find(m, position) for m in _FENCE_MARKERS) if i != -1]
        if not found:
            return spans
        index = min(found)
        line_start = text.rfind("\n", 0, index) + 1
        if index - line_start > 3 or text[line_start:index].strip(" \t"):
            position = index + 3  # not at the start of a line: not a fence
            continue
        char, run = text[index], index
        while run < len(text) and text[run] == char:
            run += 1
        closing = re.compile(rf"\n[ \t]{{0,3}}{re.escape(char)}{{{run - index},}}[ \t]*(?=\n|$)")
        close = closing.search(text, run)
        end = close.end() if close else len(text)
        spans.append((line_start, end))
        position = end


def _non_prose_spans(text: str) -> list[tuple[int, int]]:
    spans = _fenced_blocks(text)
    if "`" in text:
        spans += [m.span() for m in _INLINE_CODE.finditer(text)]
    if "<!--" in text:
        spans += [m.span() for m in _COMMENT.finditer(text)]
    if "](" in text:
        spans += [m.span() for m in _LINK_TARGET.finditer(text)]
    if "://" in text:
        for match in _URL_TAIL.finditer(text):
            scheme = _URL_SCHEME.search(text, max(0, match.start() - 12), match.start())
            spans.append((scheme.start() if scheme else match.start(), match.end()))
    if "www." in text:
        spans += [m.span() for m in _WWW.finditer(text)]
    return spans


def mask_non_prose(text: str) -> str:
    """``text`` with fenced and inline code, HTML comments, URLs and link targets blanked out
    (same length, newlines kept, so offsets and line structure stay those of ``text``)."""
    spans = _non_prose_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in sorted(spans):
        if end <= last:
            continue  # inside a span already masked (a URL in a code block)
        start = max(start, last)
        parts.append(text[last:start])
        parts.append("\n".join(" " * len(line) for line in text[start:end].split("\n")))
        last = end
    parts.append(text[last:])
    return "".join(parts)


# --- Sentences ----------------------------------------------------------------------------------

_BOUNDARY = re.compile(
    r"[.!?]+[\"'’”)\]*_]*(?=\s|$)"  # the end of a sentence
    r"|\n[ \t]*\n"  # a blank line
    r"|\n(?=[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|#|>|\|))"  # a list item, heading, quote, table row
    r"|\|"  # a table cell
)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|incl|cf|mr|mrs|ms|dr)\.$", re.I)
_LEADING_MARKUP = re.compile(r"^(?:[ \t]*(?:[-*+]|\d+[.)]|#{1,6}|>)[ \t]+)+|^\[[ xX]\][ \t]+")


def sentence_ends(masked: str) -> list[int]:
    """Where each sentence (or list item, heading, table cell) of the masked text ends."""
    ends = []
    for match in _BOUNDARY.finditer(masked):
        if match.group()[0] == "." and _ABBREVIATION.search(
            masked, max(0, match.start() - 6), match.start() + 1
        ):
            continue  # "e.g." does not end a sentence
        ends.append(match.end())
    return ends


def plain_sentence(raw: str) -> str:
    """A sentence as shown to the writer: list, heading and quote markup stripped, whitespace
    collapsed."""
    sentence = _LEADING_MARKUP.sub("", raw.strip())
    return " ".join(sentence.rstrip(" \t\n|").split())
