"""Demo postmortems: templates everywhere, generated drafts, and the SEV1 outage written out."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from demo.incidents import NOT_NULL_MIGRATION
from incidents.models import Incident, Status
from incidents.selectors import policy_requires
from organizations.models import Organization
from organizations.selectors import policy_for
from postmortems.models import Postmortem, Revision, Section, Template
from postmortems.templatetags.documents import factor_levels, filled_whys
from tests.postmortems.read.helpers import assert_inert

WRITTEN_OUT = [
    "executive-summary",
    "impact-assessment",
    "timeline",
    "root-cause",
    "contributing-factors",
    "five-whys",
    "went-well",
    "went-poorly",
    "got-lucky",
    "prevention-measures",
]
# Words that point at people rather than systems (the blameless rewording table of the guide).
BLAME = re.compile(
    r"human error|careless|should have known|should have|fault of|blame|mistake by|"
    r"failed to notice|forgot",
    re.IGNORECASE,
)


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def _counts() -> tuple[int, ...]:
    """Every organization's rows."""
    with scopes_disabled():
        return tuple(m.objects.count() for m in (Template, Postmortem, Section, Revision))


@pytest.fixture
def outage_postmortem(org) -> Postmortem:
    return Postmortem.objects.select_related("incident", "organization").get(
        incident__title=NOT_NULL_MIGRATION.title, generated=True
    )


def test_seeding_twice_adds_and_changes_nothing(db):
    _seed()
    first = _counts()
    with scopes_disabled():  # every organization's
        versions = dict(Postmortem.objects.values_list("pk", "version"))
    _seed()
    assert _counts() == first
    with scopes_disabled():
        assert dict(Postmortem.objects.values_list("pk", "version")) == versions


def test_every_demo_organization_has_the_builtin_templates(db):
    _seed()
    for organization in Organization.objects.all():
        with scope(organization=organization):
            keys = set(
                Template.objects.filter(organization=organization).values_list(
                    "builtin_key", flat=True
                )
            )
        assert {"standard", "comprehensive", "lightweight", "security"} <= keys, organization


def test_drafts_exist_for_the_resolved_incidents_the_policy_requires(org):
    acme = org
    policy = policy_for(acme)
    resolved = Incident.objects.filter(organization=acme, status=Status.RESOLVED)
    required = {i.pk for i in resolved if policy_requires(policy, i)}
    drafted = set(
        Postmortem.objects.filter(organization=acme, generated=True).values_list(
            "incident", flat=True
        )
    )
    assert required and drafted == required
    assert not Postmortem.objects.filter(organization=acme, sections__isnull=True).exists()


def test_the_sev1_outage_is_written_out_in_full(outage_postmortem):
    postmortem = outage_postmortem
    sections = {s.key: s for s in Section.objects.filter(postmortem=postmortem)}
    assert postmortem.template.builtin_key == "comprehensive"
    assert postmortem.incident.severity == "SEV1"
    for key in WRITTEN_OUT:
        section = sections[key]
        assert section.body.strip(), key
        assert "_What happened" not in section.body and "_An alert" not in section.body, key
    assert postmortem.users_affected and postmortem.revenue_impact and postmortem.support_tickets
    assert postmortem.sla_breached is False
    rows = sections["timeline"].data["rows"]
    assert len(rows) >= 15 and sum(1 for r in rows if r.get("key")) >= 5
    assert [r["time"] for r in rows] == sorted(r["time"] for r in rows)
    levels = {group["level"] for group in factor_levels(sections["contributing-factors"].data)}
    assert levels == {"primary", "secondary", "environmental"}
    assert len(filled_whys(sections["five-whys"].data)) == 5
    assert "NOT NULL" in postmortem.title


def test_the_sev1_outage_is_written_by_several_people_without_blame(outage_postmortem):
    revisions = Revision.objects.filter(postmortem=outage_postmortem)
    authors = {r.author.username for r in revisions if r.author}
    assert {"carol", "bob", "alice", "dave"} <= authors
    sections = Section.objects.filter(postmortem=outage_postmortem)
    text = " ".join(f"{section.body} {section.data}" for section in sections)
    assert not BLAME.findall(text)


def test_the_read_view_of_the_sev1_outage(client, outage_postmortem):
    client.force_login(get_user_model().objects.get(username="erin"))  # a viewer may read it
    response = client.get(reverse("postmortem_detail", args=["acme", outage_postmortem.number]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Executive summary", "Primary factors", "Where we got lucky", "1,284", "<svg"):
        assert text in html
    assert_inert(html)


def test_the_demo_has_postmortems_in_every_state_reached_through_reviews(outage_postmortem):
    from organizations.models import Notification
    from postmortems.models import Comment, Review

    acme = outage_postmortem.organization
    statuses = set(Postmortem.objects.filter(organization=acme).values_list("status", flat=True))
    assert statuses == {"DRAFT", "IN_REVIEW", "PUBLISHED", "ARCHIVED"}
    assert outage_postmortem.status == "PUBLISHED" and outage_postmortem.review_round == 2
    decisions = list(
        Review.objects.filter(postmortem=outage_postmortem).values_list("round", "decision")
    )
    assert decisions == [(1, "CHANGES_REQUESTED"), (2, "APPROVED")]
    in_review = Postmortem.objects.get(organization=acme, status="IN_REVIEW")
    assert Comment.objects.filter(postmortem=in_review, resolved_at__isnull=True).exists()
    assert Notification.objects.filter(recipient__username="carol", read_at__isnull=True).exists()
    summaries = set(
        Revision.objects.filter(postmortem=outage_postmortem).values_list("summary", flat=True)
    )
    assert {"Submitted for review (round 2)", "Changes requested (round 1)", "Published"} <= (
        summaries
    )
