"""Helpers of the tracker tests: its URLs, the rows and summary cards of a response, and
incidents and action items made through the services."""

import re
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems import services
from actionitems.models import ActionItem
from actionitems.tracker_cache import tracker_changed
from incidents import services as incident_services

HTMX = {"HX-Request": "true"}
ROW = re.compile(r'<tr id="trk-row-(\d+)"')


def tracker_url(org_slug: str = "acme", **params) -> str:
    url = reverse("action_item_tracker", kwargs={"org_slug": org_slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def csv_url(query: str = "", org_slug: str = "acme") -> str:
    return reverse("action_item_csv", kwargs={"org_slug": org_slug}) + query


def bulk_url(org_slug: str = "acme") -> str:
    return reverse("action_item_bulk", kwargs={"org_slug": org_slug})


def status_url(number: int, org_slug: str = "acme") -> str:
    return reverse("action_item_status", kwargs={"org_slug": org_slug, "item": number})


def numbers(response) -> list[int]:
    """The item numbers of the tracker's rows, in order."""
    return [int(n) for n in ROW.findall(response.content.decode())]


def card(response, key: str) -> str:
    """A summary card's value."""
    html = response.content.decode()
    found = re.search(
        rf'data-card="{key}">\s*<span class="trk-card__label">[^<]*</span>\s*'
        r'<span class="trk-card__value">([^<]*)</span>',
        html,
    )
    assert found, f"no {key} card"
    return found[1]


def incident(org, commander, *, severity="SEV2", services=("payments-api",)):
    with scope(organization=org):
        return incident_services.incident_declare(
            organization=org,
            actor=commander,
            title=f"{severity} outage",
            severity=severity,
            started_at=timezone.now() - timedelta(hours=3),
            services=list(services),
            commander=commander,
        )


def item(postmortem, actor, description="Alert on p99 latency over 800 ms", **fields):
    fields.setdefault("section_key", "actions-short-term")
    return services.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **fields
    )


def set_due(item_, due: date) -> None:
    """A due date in the past (the services refuse one on creation), as time would make it."""
    ActionItem.objects.filter(pk=item_.pk).update(due_date=due)
    tracker_changed(organization=item_.organization_id)


def n(world, *names) -> list[int]:
    return [world[name].number for name in names]
