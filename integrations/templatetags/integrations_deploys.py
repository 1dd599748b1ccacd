"""The incident page's "Suspect changes" panel: releases of the incident's services in the day
before impact began (the release webhook's and GitHub's), newest first."""

from django import template

from integrations.deploys import selectors

register = template.Library()


@register.inclusion_tag("integrations/deploys/_suspect_changes.html")
def suspect_changes_panel(incident) -> dict:
    return {"incident": incident, "releases": selectors.suspect_changes(incident)}
