"""Public sharing of published postmortems: nothing private leaks through a
public link; tokens live, expire, get revoked and stop with archiving; only the author and
admins manage sharing."""

import io
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from actionitems.models import ActionItem
from incidents import services as incident_services
from incidents.models import IncidentParticipant
from organizations.roles import Role
from organizations.services import hash_token
from postmortems.editor.services import Impact, postmortem_set_impact
from postmortems.models import (
    Comment,
    Postmortem,
    PostmortemStatus,
    Review,
    Revision,
    Section,
    ShareLink,
)
from postmortems.review import transitions
from postmortems.services import history_note
from postmortems.sharing import services as sharing
from postmortems.sharing.redaction import REDACTED
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
PUBLIC_WORDS = ["Checkout was", "unavailable", "We rolled back the release", "Add a canary gate"]


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


def panel_url(postmortem, name="postmortem_sharing", **kwargs) -> str:
    return reverse(
        name,
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number, **kwargs},
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def assert_public_headers(response) -> None:
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def shared(org):
    return sentinel_postmortem(org)


# --- Nothing private leaks -----------------------------------------------------------------------


def test_no_sentinel_reaches_the_public_page_pdf_or_json(client, shared):
    token = make_link(shared)
    page = client.get(public("share_public", token))
    data = client.get(public("share_public_json", token))
    pdf = client.get(public("share_public_pdf", token))
    assert page.status_code == data.status_code == pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    outputs = {
        "page": page.content.decode(),
        "json": data.content.decode(),
        "pdf": pdf_text(pdf.content),
    }
    for where, text in outputs.items():
        for place, sentinel in SENTINELS.items():
            assert sentinel.lower() not in text.lower(), f"{place} leaked into the {where}"
        for words in PUBLIC_WORDS:  # the public content is there: the test can fail
            assert words in text.replace("\n", " "), f"{words!r} missing from the {where}"
        assert REDACTED in text, where  # names in public text were replaced
    html = outputs["page"]
    assert "Datadog" not in html  # no actor of the timeline, even a system
    assert "Release v2 deployed" in html and "Checkout latency board" in html
    assert "High" in html  # the action item's priority, without its owner


def test_the_json_has_only_public_fields(client, shared):
    token = make_link(shared)
    data = client.get(public("share_public_json", token)).json()
    assert set(data) == {"title", "organization", "summary", "published_at", "incident", "sections"}
    assert set(data["incident"]) == {
        "severity",
        "started_at",
        "detected_at",
        "mitigated_at",
        "resolved_at",
        "duration_minutes",
    }
    keys = [s["key"] for s in data["sections"]]
    assert "root-cause" not in keys and "document-history" not in keys
    assert keys.index("executive-summary") < keys.index("timeline")  # document order
    timeline = next(s for s in data["sections"] if s["key"] == "timeline")
    assert set(timeline["timeline"][0]) == {"time", "event", "key_event"}
    items = next(s for s in data["sections"] if s["key"] == "actions-immediate")["action_items"]
    assert items == [
        {
            "description": "Add a canary gate",
            "priority": "HIGH",
            "status": "OPEN",
            "category": "",
            "due_date": None,
        }
    ]
    links = next(s for s in data["sections"] if s["key"] == "linked-evidence")["links"]
    assert set(links[0]) == {"type", "title", "relationship", "occurred_at"}


def test_the_public_page_fetches_nothing_from_elsewhere_and_runs_no_script(client, shared):
    html = client.get(public("share_public", make_link(shared))).content.decode()
    assert "<script" not in html
    for attribute in ('src="', 'href="'):
        for chunk in html.split(attribute)[1:]:
            target = chunk.split('"', 1)[0]
            assert not target.startswith("//")
            if target.startswith("http"):
                assert 'rel="noopener noreferrer nofollow"' in chunk[:300], target
    assert "/static/css/public.css" in html
    assert "/o/acme/" not in html  # no URL names the organization's private pages
    assert "app-header" not in html and "org-switcher" not in html


def test_markup_in_public_text_is_sanitised(client, shared):
    with scope(organization=shared.organization):
        sharing.public_content_update(
            postmortem=shared,
            actor=shared.author,
            summary="<script>alert(1)</script> [x](javascript:alert(2)) ![i](/o/acme/x.png)",
            section_keys=[],
        )
    html = client.get(public("share_public", make_link(shared))).content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "<img" not in html


# --- Headers and the one 404 -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["share_public", "share_public_json", "share_public_pdf"])
def test_every_public_response_carries_the_privacy_headers(client, shared, name):
    token = make_link(shared)
    assert_public_headers(client.get(public(name, token)))
    assert_public_headers(client.get(public(name, "unknown-token")))


def test_a_public_url_refuses_writes(client, shared):
    response = client.post(public("share_public", make_link(shared)))
    assert response.status_code == 405
    assert_public_headers(response)


def test_revoked_expired_unknown_and_archived_tokens_give_the_same_404(client, org, shared):
    admin = person("archiver", "Archie", org=org, role=Role.ADMIN)
    revoked, expired, archived = make_link(shared), make_link(shared), make_link(shared)
    with scope(organization=org):
        sharing.share_link_revoke(
            link=ShareLink.objects.get(token_hash=hash_token(revoked)), actor=admin
        )
    ShareLink.objects.filter(token_hash=hash_token(expired)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    for name in ("share_public", "share_public_json", "share_public_pdf"):
        answers = [
            client.get(public(name, token))
            for token in (revoked, expired, "no-such-token-" + "x" * 30, "y" * 500)
        ]
        with scope(organization=org):
            transitions.postmortem_archive(postmortem=shared, actor=admin)
        answers.append(client.get(public(name, archived)))
        with scope(organization=org):
            transitions.postmortem_unarchive(
                postmortem=Postmortem.objects.get(pk=shared.pk), actor=admin
            )
        assert {a.status_code for a in answers} == {404}
        assert len({a.content for a in answers}) == 1, "the 404s differ"
        assert len({a["Content-Type"] for a in answers}) == 1
    assert b"not available" in answers[0].content


def test_archiving_stops_every_link_and_unpublished_postmortems_share_nothing(client, org, shared):
    admin = person("archiver", "Archie", org=org, role=Role.ADMIN)
    tokens = [make_link(shared), make_link(shared, label="Customer")]
    assert all(client.get(public("share_public", t)).status_code == 200 for t in tokens)
    with scope(organization=org):
        transitions.postmortem_archive(postmortem=shared, actor=admin)
    assert all(client.get(public("share_public", t)).status_code == 404 for t in tokens)
    Postmortem.objects.filter(pk=shared.pk).update(status=PostmortemStatus.DRAFT)
    assert all(client.get(public("share_public", t)).status_code == 404 for t in tokens)


# --- Token lifecycle -----------------------------------------------------------------------------


def test_a_link_stores_only_the_hash_and_a_prefix(shared):
    token = make_link(shared, label="Status page")
    link = ShareLink.objects.get(postmortem=shared)
    assert len(token) >= 40
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.prefix == token[:6] and link.label == "Status page"
    assert link.created_by == shared.author and link.organization == shared.organization
    assert sharing.share_link_from_token(token) == link
    assert sharing.share_link_from_token(token[:-1]) is None


def test_views_are_counted(client, shared):
    token = make_link(shared)
    for _ in range(3):
        client.get(public("share_public", token))
    client.get(public("share_public_json", token))
    link = ShareLink.objects.get(postmortem=shared)
    assert link.view_count == 4
    assert timezone.now() - link.last_viewed_at < timedelta(minutes=1)


def test_expiry_choices(client, org, shared):
    client.force_login(shared.author)
    for expiry, days in (("never", None), ("7", 7), ("90", 90)):
        response = client.post(panel_url(shared, "share_link_create"), {"expiry": expiry})
        assert response.status_code == 200
        link = ShareLink.objects.filter(postmortem=shared).first()
        if days is None:
            assert link.expires_at is None
        else:
            assert abs(link.expires_at - timezone.now() - timedelta(days=days)) < timedelta(
                minutes=1
            )
    day = timezone.localdate() + timedelta(days=10)
    client.post(panel_url(shared, "share_link_create"), {"expiry": "date", "expires_on": day})
    expires = ShareLink.objects.first().expires_at.astimezone(ZoneInfo(org.time_zone))
    assert (expires.date(), expires.hour, expires.minute) == (day + timedelta(days=1), 0, 0)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"expiry": "date"}, "expires_on"),
        ({"expiry": "date", "expires_on": "2001-01-01"}, "expires_on"),
        ({"expiry": "forever"}, "expiry"),
        ({"expiry": "never", "label": "x" * 81}, "label"),
    ],
)
def test_a_bad_link_form_is_refused_field_by_field(client, shared, data, field):
    client.force_login(shared.author)
    response = client.post(panel_url(shared, "share_link_create"), data)
    assert response.status_code == 400
    assert field in response.context["link_form"].errors
    assert not ShareLink.objects.exists()


def test_the_new_url_is_shown_once(client, shared):
    client.force_login(shared.author)
    response = client.post(
        panel_url(shared, "share_link_create"), {"expiry": "30", "label": "Status page"}
    )
    html = response.content.decode()
    url = response.context["new_link"]["url"]
    assert url.startswith("http://testserver/share/") and url in html
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    again = client.get(panel_url(shared)).content.decode()
    assert url not in again
    assert ShareLink.objects.get().prefix + "…" in again and "Status page" in again


def test_revoking_stops_the_link_and_is_listed(client, shared):
    token = make_link(shared)
    link = ShareLink.objects.get()
    client.force_login(shared.author)
    assert (
        client.get(panel_url(shared, "share_link_revoke", share_link_id=link.pk)).status_code == 405
    )
    response = client.post(panel_url(shared, "share_link_revoke", share_link_id=link.pk))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(public("share_public", token)).status_code == 404
    page = client.get(panel_url(shared)).content.decode()
    assert "Revoked" in page
    again = client.post(panel_url(shared, "share_link_revoke", share_link_id=link.pk), follow=True)
    assert "already revoked" in again.content.decode()
    summaries = list(Revision.objects.filter(postmortem=shared).values_list("summary", flat=True))
    assert f"Revoked share link {link.prefix}…" in summaries


def test_a_link_needs_a_public_summary(client, shared):
    Postmortem.objects.filter(pk=shared.pk).update(public_summary="")
    client.force_login(shared.author)
    response = client.post(panel_url(shared, "share_link_create"), {"expiry": "never"})
    assert response.status_code == 409
    assert "public summary" in response.content.decode()
    assert not ShareLink.objects.exists()


# --- The panel: content, rights and status ---------------------------------------------------


def test_the_author_sets_the_summary_and_sections(client, shared):
    client.force_login(shared.author)
    response = client.post(
        panel_url(shared),
        {"summary": "  New words  ", "sections": ["timeline", "executive-summary"]},
    )
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.public_summary == "New words"
    assert shared.public_sections == ["executive-summary", "timeline"]  # document order
    bad = client.post(panel_url(shared), {"summary": "x", "sections": ["no-such-section"]})
    assert bad.status_code == 400
    assert "sections" in bad.context["content_form"].errors


def test_the_panel_lists_the_links_with_their_state(client, shared):
    make_link(shared, label="Active one")
    make_link(shared, label="Old one")
    ShareLink.objects.filter(label="Old one").update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(shared.author)
    html = client.get(panel_url(shared)).content.decode()
    assert "Active one" in html and "Old one" in html
    assert "Expired" in html and "Active" in html
    assert SENTINELS["author_first"] in html  # "created by", for insiders
    fragment = client.get(panel_url(shared) + "?part=links", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "Active one" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_the_document_offers_sharing_to_the_author_and_admins_only(client, org, shared):
    detail = reverse("postmortem_detail", kwargs={"org_slug": org.slug, "number": shared.number})
    sharing_url = panel_url(shared)
    client.force_login(shared.author)
    assert sharing_url in client.get(detail).content.decode()
    client.force_login(person("bystander", "Bea", org=org))
    html = client.get(detail).content.decode()
    assert client.get(detail).status_code == 200 and sharing_url not in html


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.REVIEWER, Role.MANAGER, Role.VIEWER])
def test_other_members_get_403(client, org, shared, role):
    make_link(shared)
    link = ShareLink.objects.get()
    client.force_login(person(f"other-{role.lower()}", "Other", org=org, role=role))
    assert client.get(panel_url(shared)).status_code == 403
    assert client.post(panel_url(shared), {"summary": "hijack"}).status_code == 403
    assert client.post(panel_url(shared, "share_link_create"), {"expiry": "7"}).status_code == 403
    revoke = panel_url(shared, "share_link_revoke", share_link_id=link.pk)
    assert client.post(revoke).status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None and ShareLink.objects.count() == 1


def test_an_admin_manages_sharing(client, org, shared):
    client.force_login(person("boss", "Boss", org=org, role=Role.ADMIN))
    assert client.get(panel_url(shared)).status_code == 200
    response = client.post(panel_url(shared, "share_link_create"), {"expiry": "7"})
    assert response.status_code == 200 and ShareLink.objects.count() == 1


def test_non_members_and_other_organizations_get_404(client, org, other_org, shared):
    make_link(shared)
    link = ShareLink.objects.get()
    outsider = person("outsider", "Otto", org=other_org, role=Role.ADMIN)
    client.force_login(outsider)
    assert client.get(panel_url(shared)).status_code == 404
    assert client.post(panel_url(shared, "share_link_create"), {"expiry": "7"}).status_code == 404
    assert (
        client.post(panel_url(shared, "share_link_revoke", share_link_id=link.pk)).status_code
        == 404
    )
    # Their own organization's URL with this organization's link id: 404 too.
    foreign = sentinel_postmortem_in(other_org, outsider)
    url = reverse(
        "share_link_revoke",
        kwargs={"org_slug": other_org.slug, "number": foreign.number, "share_link_id": link.pk},
    )
    assert client.post(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def sentinel_postmortem_in(org, author) -> Postmortem:
    with scope(organization=org):
        postmortem = Postmortem.objects.create(
            organization=org, number=1, title="Theirs", author=author
        )
    return publish(postmortem)


def test_sharing_a_postmortem_that_is_not_published_is_refused_with_409(client, org, shared):
    Postmortem.objects.filter(pk=shared.pk).update(status=PostmortemStatus.DRAFT)
    client.force_login(shared.author)
    page = client.get(panel_url(shared))
    assert page.status_code == 200  # the page explains; writes are the conflict
    assert "Only a published postmortem can be shared" in page.content.decode()
    assert client.post(panel_url(shared), {"summary": "x"}).status_code == 409
    assert client.post(panel_url(shared, "share_link_create"), {"expiry": "7"}).status_code == 409
    assert not ShareLink.objects.exists()


def test_links_of_an_archived_postmortem_can_still_be_revoked(client, org, shared):
    make_link(shared)
    link = ShareLink.objects.get()
    Postmortem.objects.filter(pk=shared.pk).update(status=PostmortemStatus.ARCHIVED)
    client.force_login(shared.author)
    page = client.get(panel_url(shared))
    assert page.status_code == 200 and "Paused" in page.content.decode()
    client.post(panel_url(shared, "share_link_revoke", share_link_id=link.pk))
    link.refresh_from_db()
    assert link.revoked_at is not None


# --- Bounded queries -----------------------------------------------------------------------------


def test_public_pages_and_the_panel_run_a_bounded_number_of_queries(
    client, org, shared, count_queries
):
    token = make_link(shared)
    client.force_login(shared.author)

    def measure():
        return (
            count_queries(lambda: client.get(public("share_public", token))),
            count_queries(lambda: client.get(public("share_public_json", token))),
            count_queries(lambda: client.get(panel_url(shared))),
        )

    measure()  # warm the cache of generated bodies
    small = measure()
    with scope(organization=org):
        for n in range(2, 12):
            ActionItem.objects.create(
                organization=org,
                number=n,
                postmortem=shared,
                section_key="actions-immediate",
                description=f"Item {n}",
                owner=shared.author,
            )
            person(f"member-{n}", f"Member{n}", org=org)
        for _ in range(8):
            sharing.share_link_create(postmortem=shared, actor=shared.author)
        Section.objects.filter(postmortem=shared, key="timeline").update(
            data={
                "rows": [{"time": "2026-03-10T14:05:00+00:00", "event": f"e{n}"} for n in range(30)]
            }
        )
    assert measure() == small
