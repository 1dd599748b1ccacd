"""A published postmortem with a sentinel in every private place, people and share links."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ActionItem
from incidents import services as incident_services
from incidents.models import IncidentParticipant
from organizations.roles import Role
from postmortems.editor.services import Impact, postmortem_set_impact
from postmortems.models import Comment, Postmortem, PostmortemStatus, Review
from postmortems.services import history_note
from postmortems.sharing import services as sharing
from tests.factories import UserFactory
from tests.postmortems.read.helpers import T0, new_postmortem, resolved_incident, save

# Every private place gets its own unmistakable string; none may reach a public response.
SENTINELS = {
    "author_first": "Zorblatt",
    "author_last": "Quennimore",
    "author_username": "zq-author",
    "commander": "Vantablackwell",
    "participant": "Pemberlydoon",
    "reviewer": "Rhyskavitch",
    "review_comment": "SENTINEL-REVIEW-COMMENT",
    "commenter": "Kommentarius",
    "comment": "SENTINEL-COMMENT-BODY",
    "owner": "Owensworthy",
    "ticket": "https://jira.example.com/browse/SENTINEL-TICKET-9",
    "success": "SENTINEL-SUCCESS-CRITERIA",
    "revenue": "987654",
    "revenue_grouped": "987,654",
    "users": "424242",
    "users_grouped": "424,242",
    "tickets": "313131",
    "private_section": "SENTINEL-PRIVATE-SECTION",
    "timeline_actor": "SentinelPagerBot",
    "timeline_person": "Tymelinus",
    "evidence_url": "https://grafana.internal.example.com/d/SENTINEL-DASH",
    "external_id": "SENTINEL-EXTERNAL-ID",
    "link_details": "SENTINEL-LINK-DETAILS",
    "history": "SENTINEL-HISTORY-NOTE",
    "entry_evidence": "https://logs.internal.example.com/SENTINEL-LOGS",
}


PUBLIC_SUMMARY = (
    "Checkout was **unavailable** for 2 hours. Zorblatt Quennimore led; ask @zq-author."
)


def person(username: str, first: str, last: str = "Smith", *, org=None, role=Role.ENGINEER):
    from tests.factories import MembershipFactory

    user = UserFactory(username=username, first_name=first, last_name=last)
    if org is not None:
        MembershipFactory(user=user, organization=org, role=role)
    return user


def publish(postmortem: Postmortem) -> Postmortem:
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=PostmortemStatus.PUBLISHED, published_at=timezone.now()
    )
    postmortem.refresh_from_db()
    return postmortem


def sentinel_postmortem(org) -> Postmortem:
    s = SENTINELS
    author = person(s["author_username"], s["author_first"], s["author_last"], org=org)
    commander = person("commander-x", s["commander"], org=org)
    participant = person("participant-x", s["participant"])  # no longer a member
    reviewer = person("reviewer-x", s["reviewer"], org=org, role=Role.REVIEWER)
    commenter = person("commenter-x", s["commenter"], org=org)
    owner = person("owner-x", s["owner"], org=org)
    timeline_person = person("timeline-x", s["timeline_person"], org=org)

    incident = resolved_incident(org, commander, links=0)
    with scope(organization=org):
        IncidentParticipant.objects.create(organization=org, incident=incident, user=participant)
        incident_services.link_add(
            incident=incident,
            type="DASHBOARD",
            title="Checkout latency board",
            url=s["evidence_url"],
            external_id=s["external_id"],
            details=s["link_details"],
        )
        incident_services.timeline_entry_add(
            incident=incident,
            actor=timeline_person,
            occurred_at=T0 + timedelta(minutes=20),
            description="Rolled back",
            evidence_url=s["entry_evidence"],
        )
    postmortem = new_postmortem(org, author, incident)
    postmortem = save(
        postmortem,
        author,
        sections={
            "executive-summary": "We rolled back the release. Tymelinus Smith paged @owner-x.",
            "root-cause": f"Internal: {s['private_section']}",
            "linked-evidence": f"The [board]({s['evidence_url']}) showed it.",
        },
        section_data={
            "timeline": {
                "rows": [
                    {
                        "time": "2026-03-10T14:05:00+00:00",
                        "event": "Release v2 deployed",
                        "actor": s["timeline_actor"],
                        "key": True,
                    },
                    {
                        "time": "2026-03-10T14:20:00+00:00",
                        "event": "Rolled back",
                        "actor": s["timeline_person"],
                    },
                ]
            },
            "five-whys": {"whys": [{"why": "Why did it fail?", "because": "No canary gate."}]},
            "contributing-factors": {
                "factors": [{"title": "No canary", "description": "Skipped.", "level": "primary"}]
            },
        },
    )
    with scope(organization=org):
        postmortem = postmortem_set_impact(
            postmortem=postmortem,
            actor=author,
            key="impact-assessment",
            impact=Impact(
                users_affected=424242,
                revenue_impact=Decimal("987654.00"),
                sla_breached=True,
                support_tickets=313131,
            ),
            base_version=postmortem.version,
        )
        ActionItem.objects.create(
            organization=org,
            number=1,
            postmortem=postmortem,
            section_key="actions-immediate",
            description="Add a canary gate",
            owner=owner,
            ticket_url=s["ticket"],
            success_criteria=s["success"],
            priority="HIGH",
        )
        Review.objects.create(
            organization=org,
            postmortem=postmortem,
            reviewer=reviewer,
            round=1,
            decision="APPROVED",
            comment=s["review_comment"],
        )
        Comment.objects.create(
            organization=org,
            postmortem=postmortem,
            section_key="executive-summary",
            author=commenter,
            body=s["comment"],
        )
        history_note(postmortem=postmortem, actor=author, summary=s["history"])
    postmortem = publish(postmortem)
    public = [
        "executive-summary",
        "impact-assessment",
        "timeline",
        "contributing-factors",
        "five-whys",
        "actions-immediate",
        "participants",
        "linked-evidence",
        "metrics",
    ]
    with scope(organization=org):
        return sharing.public_content_update(
            postmortem=postmortem, actor=author, summary=PUBLIC_SUMMARY, section_keys=public
        )


def make_link(postmortem, **kwargs) -> str:
    with scope(organization=postmortem.organization):
        return sharing.share_link_create(postmortem=postmortem, actor=postmortem.author, **kwargs)[
            1
        ]


def public(name: str, token: str) -> str:
    return reverse(name, kwargs={"token": token})
