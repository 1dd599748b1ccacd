"""A small organization where one fix did not hold, built through the action-item services so
the remediation stamp is the one they keep.

PM-1 reviews INC-1 (Jan 5, 2026, service checkout, root cause capacity). Its four action items
are completed on Jan 15, 18, 22 and 25: remediated on Jan 25 at 10:00. INC-2 (Feb 17, 10:00,
service checkout) starts 23 days later: a recurrence. INC-3 (Feb 20, service search) shares
nothing; INC-4 (Jun 1, service checkout) comes after the 90 days.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from unittest import mock

from django_scopes import scope

from actionitems import services as item_services
from actionitems.models import ActionItem
from incidents.models import Incident, IncidentService, Service, Status
from organizations.roles import Role
from postmortems.models import Postmortem, RootCauseCategory

REMEDIATED = datetime(2026, 1, 25, 10, 0, tzinfo=UTC)
DONE_DAYS = (datetime(2026, 1, 15, 10, tzinfo=UTC), datetime(2026, 1, 18, 10, tzinfo=UTC),
             datetime(2026, 1, 22, 10, tzinfo=UTC), REMEDIATED)  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    organization: object
    author: object
    manager: object
    services: dict
    incidents: dict
    postmortem: Postmortem
    items: list


class Maker:
    def __init__(self, organization):
        self.organization = organization
        self.numbers = {"incident": 0, "postmortem": 0}

    def service(self, name: str) -> Service:
        return Service.objects.create(organization=self.organization, name=name)

    def incident(self, started: datetime, services=(), title="Checkout errors") -> Incident:
        self.numbers["incident"] += 1
        incident = Incident.objects.create(
            organization=self.organization,
            year=started.year,
            number=self.numbers["incident"],
            title=title,
            severity="SEV2",
            status=Status.RESOLVED,
            started_at=started,
            resolved_at=started + timedelta(hours=2),
        )
        for service in services:
            IncidentService.objects.create(
                organization=self.organization, incident=incident, service=service
            )
        return incident

    def postmortem(self, incident, author, category="", **fields) -> Postmortem:
        self.numbers["postmortem"] += 1
        return Postmortem.objects.create(
            organization=self.organization,
            number=self.numbers["postmortem"],
            title=fields.pop("title", f"Postmortem {self.numbers['postmortem']}"),
            incident=incident,
            author=author,
            root_cause_category=category,
            **fields,
        )


def add_items(postmortem: Postmortem, author, count: int) -> list[ActionItem]:
    with scope(organization=postmortem.organization):
        return [
            item_services.action_item_create(
                postmortem=postmortem, actor=author, description=f"Fix {n}"
            )
            for n in range(1, count + 1)
        ]


def set_status(item: ActionItem, actor, status: str, when: datetime | None = None, **changes):
    """Change an item's status through the service, as if at ``when``."""
    with (
        scope(organization=item.organization),
        mock.patch("actionitems.services.timezone.now", return_value=when or REMEDIATED),
    ):
        return item_services.action_item_update(
            item=item, actor=actor, changes={"status": status, **changes}
        )


def build_world(organization, member_factory) -> World:
    author = member_factory(Role.ENGINEER, username="ann")
    manager = member_factory(Role.MANAGER, username="mia")
    make = Maker(organization)
    checkout, search = make.service("checkout"), make.service("search")
    first = make.incident(at("2026-01-05T09:00"), [checkout], title="Checkout timeouts")
    postmortem = make.postmortem(
        first, author, RootCauseCategory.CAPACITY, title="Checkout pool exhausted"
    )
    items = add_items(postmortem, author, 4)
    for item, when in zip(items, DONE_DAYS, strict=True):
        set_status(item, author, "COMPLETED", when)
    incidents = {
        "first": first,
        "recurred": make.incident(
            at("2026-02-17T10:00"), [checkout], title="Checkout timeouts again"
        ),
        "unrelated": make.incident(at("2026-02-20T10:00"), [search], title="Search slow"),
        "late": make.incident(at("2026-06-01T10:00"), [checkout], title="Checkout down in June"),
    }
    postmortem.refresh_from_db()
    return World(
        organization=organization,
        author=author,
        manager=manager,
        services={"checkout": checkout, "search": search},
        incidents=incidents,
        postmortem=postmortem,
        items=items,
    )
