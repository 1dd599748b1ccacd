from django import template

from organizations.settings_nav import settings_tabs

register = template.Library()


@register.simple_tag(takes_context=True)
def settings_navigation(context) -> list[dict]:
    """The settings tabs for the current member (see ``organizations.settings_nav``)."""
    return settings_tabs(context["request"])
