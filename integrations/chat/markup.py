"""Slack's message markup made readable (pure functions).

Slack's ``text`` escapes ``&``, ``<`` and ``>`` and wraps references in angle brackets:
``<@U123>`` (a user), ``<#C123|general>`` (a channel), ``<!here>`` (a special mention),
``<!subteam^S1|@oncall>`` (a user group), ``<https://x|label>`` (a link). The result is stored as
a timeline entry's Markdown text, which is rendered (and sanitized) like any other.
"""

import html
import re
from collections.abc import Mapping

REFERENCE = re.compile(r"<([^<>]*)>")


def _escape_label(label: str) -> str:
    return label.replace("[", r"\[").replace("]", r"\]")


def _reference(body: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    target, _, label = body.partition("|")
    if target.startswith("@"):
        ident = target[1:]
        return "@" + (label or users.get(ident) or ident)
    if target.startswith("#"):
        ident = target[1:]
        return "#" + (label or channels.get(ident) or ident)
    if target.startswith("!"):
        word = target[1:]
        if word.startswith("subteam^"):
            return label or "@" + word.split("^", 1)[1]
        if word.startswith("date^"):
            return label or word.split("^")[1]
        return label or "@" + word
    if target.lower().startswith("mailto:"):
        return label or target[len("mailto:") :]
    if target.lower().startswith(("http://", "https://")):
        if label and label != target:
            return f"[{_escape_label(label)}]({target.replace(')', '%29').replace(' ', '%20')})"
        return target
    return label or target


def readable(text: str, *, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """``text`` with Slack's references as words (``@alice``, ``#general``, a Markdown link)
    and its entities (``&amp;`` ``&lt;`` ``&gt;``) unescaped."""
    replaced = REFERENCE.sub(lambda match: _reference(match.group(1), users, channels), text)
    return html.unescape(replaced).strip()
