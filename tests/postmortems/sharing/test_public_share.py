"""The public page, PDF and JSON: nothing private leaks, headers, one 404 for every dead link."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from organizations.roles import Role
from organizations.services import hash_token
from postmortems.models import Postmortem, PostmortemStatus, ShareLink
from postmortems.review import transitions
from postmortems.sharing import services as sharing
from postmortems.sharing.redaction import REDACTED
from tests.postmortems.sharing.helpers import SENTINELS, make_link, person, public

PUBLIC_WORDS = ["Checkout was", "unavailable", "We rolled back the release", "Add a canary gate"]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def assert_public_headers(response) -> None:
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


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
