"""Template tags of a postmortem's action-item tables. ``{% load actionitems %}``."""

from django import template

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
