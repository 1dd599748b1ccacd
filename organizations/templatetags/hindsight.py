from django import template

from organizations.roles import can as membership_can

register = template.Library()


@register.filter
def can(membership, action: str) -> bool:
    """``{% if membership|can:"manage_members" %}`` — the same rule the views enforce."""
    return membership_can(membership, action)


@register.filter
def initials(user) -> str:
    name = (user.get_full_name() or user.get_username()).strip()
    parts = name.split()
    letters = "".join(p[0] for p in parts[:2]) if len(parts) > 1 else name[:2]
    return letters.upper()
