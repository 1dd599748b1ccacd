"""The settings area's side navigation: which tabs a member sees."""

from django.urls import reverse

from .roles import Action, can

# (url name, label, action needed or None for every member)
TABS = (
    ("settings_general", "Organization", Action.MANAGE_ORGANIZATION),
    ("template_list", "Templates", Action.MANAGE_TEMPLATES),
    ("settings_members", "Members", Action.MANAGE_MEMBERS),
    ("settings_teams", "Teams", Action.MANAGE_MEMBERS),
    ("token_list", "API tokens", None),
    ("settings_sign_in", "Sign-in", Action.MANAGE_ORGANIZATION),
    ("settings_domains", "Domains", Action.MANAGE_ORGANIZATION),
    ("settings_security", "Security", Action.MANAGE_ORGANIZATION),
    ("settings_provisioning", "Provisioning", Action.MANAGE_ORGANIZATION),
    ("settings_integrations", "Integrations", Action.MANAGE_ORGANIZATION),
    ("settings_metrics", "Metrics", Action.MANAGE_ORGANIZATION),
    ("settings_pagerduty_import", "PagerDuty import", Action.MANAGE_ORGANIZATION),
    ("settings_trackers", "Issue trackers", Action.MANAGE_ORGANIZATION),
    ("audit_log", "Audit log", Action.MANAGE_ORGANIZATION),
)


def settings_tabs(request) -> list[dict]:
    """The tabs the request's member may open; the one whose address is the longest prefix of
    the request's path is marked current (``settings/`` prefixes every other tab)."""
    membership = request.membership
    slug = request.organization.slug
    tabs = [
        {"url": reverse(name, kwargs={"org_slug": slug}), "label": label, "current": False}
        for name, label, action in TABS
        if action is None or can(membership, action)
    ]
    matching = [tab for tab in tabs if request.path.startswith(tab["url"])]
    if matching:
        max(matching, key=lambda tab: len(tab["url"]))["current"] = True
    return tabs
