"""Helpers of the action-item tests: the tracker's URLs and the rows and summary cards of its
responses; the URLs, form data and table rows of a postmortem's action items; the clock, items
and mail of the reminder tests; incidents and action items made through the services; the API
client, URLs and resource fields of the action-item API tests."""

import re
from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems import services
from actionitems.models import ActionItem, Reminder
from actionitems.services import action_item_create
from actionitems.tracker_cache import tracker_changed
from incidents import services as incident_services
from organizations.selectors import today_in
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.review import people as services_people
from postmortems.review import transitions
from tests.incidents.helpers import api_client as token_client
from tests.postmortems.review.helpers import submitted

HTMX = {"HX-Request": "true"}
ROW = re.compile(r'<tr id="trk-row-(\d+)"')
SECTION = "actions-immediate"


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


# --- A postmortem's action items -----------------------------------------------------------------


def list_url(postmortem, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number}
    return reverse("postmortem_action_items", kwargs=kwargs)


def item_url(postmortem, item, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number, "item": item.number}
    return reverse("postmortem_action_item", kwargs=kwargs)


def delete_url(postmortem, item, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number, "item": item.number}
    return reverse("postmortem_action_item_delete", kwargs=kwargs)


def page_url(name, postmortem) -> str:
    return reverse(name, kwargs={"org_slug": "acme", "number": postmortem.number})


def add(postmortem, actor, description="Page on-call when checkout errors exceed 1%", **fields):
    fields.setdefault("section_key", SECTION)
    return services.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **fields
    )


def soon(organization, days=10):
    return today_in(organization) + timedelta(days=days)


def html(response) -> str:
    return response.content.decode()


def row_of(page: str, item) -> str:
    """The ``<tr>`` of one item in a page."""
    found = re.search(rf'<tr[^>]*id="action-item-{item.number}".*?</tr>', page, re.S)
    assert found, f"no row for AI-{item.number}"
    return found.group(0)


def new_item_data(org, **overrides) -> dict:
    data = {
        "section": SECTION,
        "description": "Alert when payment errors exceed 1% for 5 minutes",
        "owner": "ann",
        "priority": "HIGH",
        "due_date": soon(org).isoformat(),
        "category": "DETECT",
        "success_criteria": "A synthetic failure pages on-call within 5 minutes",
        "ticket_url": "https://acme.atlassian.net/browse/PAY-123",
    }
    data.update(overrides)
    return data


def invite_editor(postmortem, author, user):
    """Invite ``user`` to edit ``postmortem``."""
    services_people.editor_invite(postmortem=postmortem, actor=author, user=user)


# --- Reminders -----------------------------------------------------------------------------------

NOW = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)  # a Tuesday; Europe/Paris (the org) says 10:00
TODAY = date(2027, 3, 9)


def at(days: int, hour: int = 9) -> datetime:
    """``days`` after NOW, at ``hour`` UTC."""
    return (NOW + timedelta(days=days)).replace(hour=hour)


def add_item(postmortem, owner, due, description="Page on p99 latency over 800 ms", **fields):
    item = action_item_create(
        postmortem=postmortem,
        actor=postmortem.author,
        description=description,
        owner=owner,
        **fields,
    )
    ActionItem.objects.filter(pk=item.pk).update(due_date=due)  # the service refuses past dates
    item.refresh_from_db()
    return item


def emails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def recorded(**filters) -> list[tuple]:
    return sorted(
        Reminder.objects.filter(**filters).values_list(
            "action_item__number", "kind", "period", "recipient__username"
        )
    )


# --- The action-item API ---------------------------------------------------------------------

ITEM_FIELDS = {
    "id",
    "postmortem",
    "section",
    "description",
    "owner",
    "due_date",
    "priority",
    "status",
    "category",
    "success_criteria",
    "ticket_url",
    "wont_do_reason",
    "is_overdue",
    "completed_at",
    "ticket_kind",
    "ticket",
    "created_at",
    "updated_at",
}


def api(org, user):
    client = token_client(org, user)
    client.default_format = "json"
    return client


def items_url(number: int) -> str:
    return f"/api/v1/postmortems/{number}/action-items"


def api_url(number: int | None = None) -> str:
    return "/api/v1/action-items" + (f"/{number}" if number is not None else "")


def new_item(
    postmortem, actor, description="Alert when checkout errors exceed 2% for 2 minutes", **f
):
    with scope(organization=postmortem.organization):
        return services.action_item_create(
            postmortem=postmortem, actor=actor, description=description, **f
        )


def due_in(item, days_from_today: int) -> None:
    """Creation refuses a past date: move it there directly."""
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=today_in(item.organization) + timedelta(days=days_from_today)
    )


def fresh(item) -> ActionItem:
    return ActionItem.objects.get(pk=item.pk)


def publish(postmortem, author, reviewer) -> Postmortem:
    submitted(postmortem, author, reviewer)
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    return postmortem
