"""The "Suspect changes" panel: releases of the incident's services in the day before impact
began (the release webhook's and GitHub's), newest first, each with a "Mark as cause" button
for members who may edit the incident. On the incident page and, embedded, in the postmortem
editor's linked evidence (``back`` is where its form returns without JavaScript)."""

from django import template

from integrations.deploys import presenter

register = template.Library()


@register.inclusion_tag(presenter.PANEL, takes_context=True)
def suspect_changes_panel(context, incident, back: str = "", embedded: bool = False) -> dict:
    panel = presenter.panel_context(context.get("request"), incident, back=back, embedded=embedded)
    return panel | {"csrf_token": context.get("csrf_token"), "request": context.get("request")}
