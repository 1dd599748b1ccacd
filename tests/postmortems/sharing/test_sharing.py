"""Managing sharing: the token lifecycle, the panel, who may share, and query counts."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ActionItem
from organizations.roles import Role
from organizations.services import hash_token
from postmortems.models import Postmortem, PostmortemStatus, Revision, Section, ShareLink
from postmortems.sharing import services as sharing
from tests.postmortems.sharing.helpers import SENTINELS, make_link, person, public, publish


def panel_url(postmortem, name="postmortem_sharing", **kwargs) -> str:
    return reverse(
        name,
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number, **kwargs},
    )


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
