"""Template tags of a postmortem's action-item tables. ``{% load actionitems %}``."""

from types import SimpleNamespace

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from actionitems.forms import FormState
from actionitems.postmortem_table import Block

register = template.Library()


@register.simple_tag
def ai_block(page, section, mode: str = "edit"):
    """``{% ai_block ai_page section "read" as block %}``: one action-items section's table
    (``actionitems/_rows.html``) from the page's items, read once for every section."""
    if not page or section is None:  # pages without the items (the review screen)
        return None
    return Block(page=page, section=section, mode=mode)


@register.filter
def ai_counts(counts) -> str:
    """ "3 open · 2 completed" (and the won't-dos, when there are some)."""
    if not counts:
        return ""
    if isinstance(counts, dict):
        return f"{counts.get('open', 0)} open · {counts.get('completed', 0)} completed"
    words = [f"{counts.open} open", f"{counts.completed} completed"]
    if counts.wont_do:
        words.append(f"{counts.wont_do} won't do")
    return " · ".join(words)


KEY_SLOT = "ai-section-key-slot"


@register.simple_tag(takes_context=True)
def ai_blank_add(context, block: Block) -> SafeString:
    """The empty "Add an action item" form of ``block``'s section. A document has several
    action-items sections whose empty forms differ only by their section's key: the form is
    drawn once per page (open or folded) with a slot for the key, then filled in for each."""
    opened = not block.rows or block.focus_add
    drawn = block.page.__dict__.setdefault("_blank_add_html", {})
    if opened not in drawn:
        slot = Block(
            page=block.page,
            section=SimpleNamespace(key=KEY_SLOT),
            mode=block.mode,
            focus_add=block.focus_add,
        )
        drawn[opened] = render_to_string(
            "actionitems/_row_add.html",
            {"block": slot, "form": FormState.blank(KEY_SLOT), "opened": opened},
            request=context.get("request"),
        )
    return mark_safe(drawn[opened].replace(KEY_SLOT, block.key))  # noqa: S308 (our template)
