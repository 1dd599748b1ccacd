"""The issue trackers' settings: the "Connect with OAuth" forms, one per provider whose OAuth
app this installation has (its client id and secret set)."""

from django import template

from integrations.trackers.forms_oauth import OAuthConnectForm
from integrations.trackers.oauth import configured_providers

register = template.Library()


@register.simple_tag
def tracker_oauth_forms() -> list[tuple]:
    """(provider, its empty form) for each configured provider."""
    return [
        (provider, OAuthConnectForm(kind=provider.kind, initial={"kind": provider.kind}))
        for provider in configured_providers()
    ]
