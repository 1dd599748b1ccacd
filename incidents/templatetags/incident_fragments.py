from django import template

from incidents import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_entries(context, entries):
    """``{% timeline_entries day.entries %}``: the entries, through the fragment cache."""
    return fragments.timeline_entries(
        entries,
        incident=context["incident"],
        can_update=context.get("can_update", False),
        timeline_url=context["timeline_url"],
    )


@register.simple_tag(takes_context=True)
def incident_rows(context, incidents):
    """``{% incident_rows incidents %}``: the list's rows, through the fragment cache."""
    return fragments.incident_rows(incidents, organization=context["organization"])
