"""A small organization whose analytics are known by hand, shared by the analytics, patterns and
browser tests."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from actionitems.models import ActionItem, Category, ItemStatus
from incidents.models import Incident, IncidentService, Service, Status
from organizations.models import PostmortemPolicy
from organizations.roles import Role
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    RootCauseCategory,
    Visibility,
)
from tests.factories import TeamFactory, TeamMemberFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


SECRET_TITLE = "Secret payroll leak"


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=PARIS).replace(
        hour=hour
    )


@dataclass
class World:
    organization: object
    manager: object
    cora: object
    team: object
    incidents: dict
    postmortems: dict
    items: dict


class Maker:
    def __init__(self, organization):
        self.organization = organization
        self.numbers = {"incident": 0, "postmortem": 0, "item": 0}

    def next(self, kind: str) -> int:
        self.numbers[kind] += 1
        return self.numbers[kind]

    def incident(self, severity, started, *, detect=None, resolve=None, services=(), **fields):
        incident = Incident.objects.create(
            organization=self.organization,
            year=started.year,
            number=self.next("incident"),
            title=fields.pop("title", f"Incident {self.numbers['incident']}"),
            severity=severity,
            status=Status.RESOLVED if resolve is not None else Status.OPEN,
            started_at=started,
            detected_at=started + detect if detect is not None else None,
            resolved_at=started + resolve if resolve is not None else None,
            **fields,
        )
        for service in services:
            IncidentService.objects.create(
                organization=self.organization, incident=incident, service=service
            )
        return incident

    def postmortem(self, incident, created, **fields):
        postmortem = Postmortem.objects.create(
            organization=self.organization,
            number=self.next("postmortem"),
            title=fields.pop("title", f"Postmortem {self.numbers['postmortem']}"),
            incident=incident,
            **fields,
        )
        Postmortem.objects.filter(pk=postmortem.pk).update(created_at=created)
        postmortem.created_at = created
        return postmortem

    def item(self, postmortem, created, *, due=None, status=ItemStatus.OPEN, done=None, **fields):
        updated = fields.pop("updated", created)
        item = ActionItem.objects.create(
            organization=self.organization,
            number=self.next("item"),
            postmortem=postmortem,
            description=f"Item {self.numbers['item']}",
            due_date=date.fromisoformat(due) if due else None,
            status=status,
            completed_at=done,
            **fields,
        )
        ActionItem.objects.filter(pk=item.pk).update(created_at=created, updated_at=updated)
        return item


def build_world(organization, member_factory) -> World:
    """The organization every analytics number is computed by hand from. Times are noon in the
    organization's zone (Europe/Paris), 2025.

    Incidents (policy: SEV1 only requires a postmortem):
      I1 SEV1 Jan 10, detected +10 min, resolved +2 h, services api+db, commanded by Cora (team)
      I2 SEV1 Feb 5,  detected +20 min, resolved +4 h, service api
      I3 SEV1 Mar 1,  detected +30 min, resolved +6 h, service api
      I4 SEV2 Jan 20, detected +5 min,  resolved +1 h, no service (not required)
      I0 SEV1 Dec 1 2024 (outside the range)
    Postmortems: PM1 (I1) created +1 d, first review +3 d, published +10 d, code defect;
      PM2 (I2) created +3 d, submitted +7 d, published +20 d, code defect, PRIVATE ("Secret …");
      PM3 (I3) created +5 d, draft, configuration error; PM4 (no incident) created Jan 20.
    Action items (of PM1): A1 due Jan 20 done Jan 18; A2 due Jan 20 done Feb 2; A3 due Feb 10
      open; A4 undated done Mar 5; A5 due Mar 15 won't-do Mar 10.
    """
    manager = member_factory(Role.MANAGER, username="mia")
    cora = member_factory(Role.ENGINEER, username="cora")
    author = member_factory(Role.ENGINEER, username="ann")
    team = TeamFactory(organization=organization, name="Payments")
    TeamMemberFactory(team=team, user=cora)
    PostmortemPolicy.objects.create(
        organization=organization,
        severities=["SEV1"],
        min_duration_minutes=None,
        customer_impact=False,
        data_loss=False,
        security=False,
        draft_target_days=5,
        review_target_days=3,
        publish_target_days=14,
    )
    api = Service.objects.create(organization=organization, name="api")
    db = Service.objects.create(organization=organization, name="db")
    make = Maker(organization)

    def minutes(n):
        return timedelta(minutes=n)

    def hours(n):
        return timedelta(hours=n)

    def days(n):
        return timedelta(days=n)

    i1 = make.incident(
        "SEV1", at("2025-01-10"), detect=minutes(10), resolve=hours(2), services=[api, db],
        commander=cora,
    )  # fmt: skip
    i2 = make.incident(
        "SEV1", at("2025-02-05"), detect=minutes(20), resolve=hours(4), services=[api]
    )
    i3 = make.incident(
        "SEV1", at("2025-03-01"), detect=minutes(30), resolve=hours(6), services=[api]
    )
    i4 = make.incident("SEV2", at("2025-01-20"), detect=minutes(5), resolve=hours(1))
    i0 = make.incident(
        "SEV1", at("2024-12-01"), detect=minutes(1), resolve=hours(1), services=[api]
    )
    r1, r2, r3 = i1.resolved_at, i2.resolved_at, i3.resolved_at
    pm1 = make.postmortem(
        i1, r1 + days(1), author=author, status=PostmortemStatus.PUBLISHED,
        submitted_at=r1 + days(8), published_at=r1 + days(10), review_round=2,
        root_cause_category=RootCauseCategory.CODE_DEFECT, title="Checkout errors",
    )  # fmt: skip
    review = Review.objects.create(
        organization=organization, postmortem=pm1, reviewer=manager, round=1
    )
    Review.objects.filter(pk=review.pk).update(created_at=r1 + days(3))
    pm2 = make.postmortem(
        i2, r2 + days(3), author=author, status=PostmortemStatus.PUBLISHED,
        submitted_at=r2 + days(7), published_at=r2 + days(20), review_round=1,
        root_cause_category=RootCauseCategory.CODE_DEFECT, visibility=Visibility.PRIVATE,
        title=SECRET_TITLE,
    )  # fmt: skip
    pm3 = make.postmortem(
        i3, r3 + days(5), author=author, root_cause_category=RootCauseCategory.CONFIGURATION_ERROR,
        title="Config push",
    )  # fmt: skip
    pm4 = make.postmortem(None, at("2025-01-20"), author=author, title="Near miss")
    items = {
        "a1": make.item(pm1, at("2025-01-12"), due="2025-01-20", status=ItemStatus.COMPLETED,
                        done=at("2025-01-18"), category=Category.PREVENT),
        "a2": make.item(pm1, at("2025-01-12"), due="2025-01-20", status=ItemStatus.COMPLETED,
                        done=at("2025-02-02"), category=Category.DETECT),
        "a3": make.item(pm1, at("2025-01-12"), due="2025-02-10", category=Category.PREVENT),
        "a4": make.item(pm1, at("2025-02-15"), status=ItemStatus.COMPLETED, done=at("2025-03-05")),
        "a5": make.item(pm1, at("2025-02-20"), due="2025-03-15", status=ItemStatus.WONT_DO,
                        updated=at("2025-03-10"), category=Category.MITIGATE),
    }  # fmt: skip
    return World(
        organization=organization,
        manager=manager,
        cora=cora,
        team=team,
        incidents={"i0": i0, "i1": i1, "i2": i2, "i3": i3, "i4": i4},
        postmortems={"pm1": pm1, "pm2": pm2, "pm3": pm3, "pm4": pm4},
        items=items,
    )
