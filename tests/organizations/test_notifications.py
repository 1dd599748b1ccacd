"""Notifications in the app: the bell, the list, marking read and opening one."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organizations.context_processors import UnreadNotificationCount
from organizations.models import Membership, Notification, NotificationKind
from organizations.roles import Role
from tests.factories import MembershipFactory
from tests.organizations.helpers import settings_url, unread

HTMX = {"HX-Request": "true"}


# --- Helpers -----------------------------------------------------------------------------------


def make_notification(organization, recipient, *, actor=None, minutes_ago=0, read=False, **kw):
    values = {
        "kind": NotificationKind.REVIEW_REQUESTED,
        "title": "Review requested: PM-1 Payments outage",
        "url": f"/o/{organization.slug}/postmortems/1/",
        **kw,
    }
    notification = Notification.objects.create(
        organization=organization, recipient=recipient, actor=actor, **values
    )
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=moment, read_at=moment if read else None
    )
    notification.refresh_from_db()
    return notification


def many_notifications(organization, recipient, count, *, actor=None):
    Notification.objects.bulk_create(
        Notification(
            organization=organization,
            recipient=recipient,
            actor=actor,
            kind=NotificationKind.MENTIONED,
            title=f"Mention {i}",
            body=f"Body {i}",
            url=f"/o/{organization.slug}/postmortems/{i}/",
        )
        for i in range(count)
    )


def rows(response) -> list[str]:
    """The notification ids listed on a page, in order."""
    return re.findall(r'id="notification-(\d+)"', response.content.decode())


def list_url(organization, **query):
    url = reverse("notification_list", kwargs={"org_slug": organization.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def mark_url(organization):
    return reverse("notifications_mark_read", kwargs={"org_slug": organization.slug})


def open_url(organization, notification_id):
    return reverse(
        "notification_open",
        kwargs={"org_slug": organization.slug, "notification_id": notification_id},
    )


# --- The bell ----------------------------------------------------------------------------------


class TestBell:
    def test_shows_the_unread_count_with_an_accessible_label(self, client, org, bob, carol):
        for i in range(3):
            make_notification(org, bob, actor=carol, minutes_ago=i)
        make_notification(org, bob, actor=carol, read=True)
        client.force_login(bob)
        page = client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
        assert 'aria-label="Notifications, 3 unread"' in page
        assert re.search(r'class="bell__count"[^>]*>3</span>', page)
        assert f'href="{list_url(org)}"' in page

    def test_hides_the_count_at_zero(self, client, org, bob, carol):
        make_notification(org, bob, actor=carol, read=True)
        client.force_login(bob)
        page = client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
        assert 'id="notification-bell"' in page
        assert "bell__count" not in page
        assert 'aria-label="Notifications, none unread"' in page

    def test_caps_the_badge_at_99_plus(self, client, org, bob, carol):
        many_notifications(org, bob, 120, actor=carol)
        client.force_login(bob)
        page = client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
        assert re.search(r'class="bell__count"[^>]*>99\+</span>', page)
        assert 'aria-label="Notifications, 120 unread"' in page

    def test_counts_only_my_notifications_in_this_organization(
        self, client, org, other_org, bob, carol
    ):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        make_notification(org, bob, actor=carol)
        make_notification(other_org, bob, url="/o/globex/")
        make_notification(other_org, bob, url="/o/globex/")
        make_notification(org, carol, actor=bob)
        client.force_login(bob)
        acme = client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
        globex = client.get(reverse("dashboard", kwargs={"org_slug": "globex"})).content.decode()
        assert 'aria-label="Notifications, 1 unread"' in acme
        assert 'aria-label="Notifications, 2 unread"' in globex

    def test_no_bell_outside_an_organization(self, client, org, bob):
        client.force_login(bob)
        page = client.get(reverse("home")).content.decode()
        assert "notification-bell" not in page

    def test_the_count_is_one_query_and_only_when_used(
        self, org, bob, carol, django_assert_num_queries
    ):
        make_notification(org, bob, actor=carol)
        membership = Membership.objects.get(user=bob, organization=org)
        with django_assert_num_queries(0):
            counter = UnreadNotificationCount(membership)
        with django_assert_num_queries(1):
            assert counter() == 1
            assert counter() == 1

    def test_the_list_page_counts_unread_once(self, client, org, bob, carol):
        """The bell and the page header share one count query."""
        make_notification(org, bob, actor=carol)
        client.force_login(bob)
        client.get(list_url(org))  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            client.get(list_url(org))
        counts = [
            q["sql"] for q in ctx.captured_queries if "read_at" in q["sql"] and "COUNT" in q["sql"]
        ]
        assert len(counts) == 1


# --- The list ----------------------------------------------------------------------------------


class TestList:
    def test_lists_my_notifications_newest_first_with_unread_highlighted(
        self, client, org, bob, carol
    ):
        old = make_notification(org, bob, actor=carol, minutes_ago=90, read=True, title="Old one")
        new = make_notification(
            org,
            bob,
            actor=carol,
            minutes_ago=5,
            kind=NotificationKind.CHANGES_REQUESTED,
            title="Carol Diaz requested changes to PM-1",
            body="Please explain why the failover did not trigger.",
        )
        client.force_login(bob)
        response = client.get(list_url(org))
        assert response.status_code == 200
        assert rows(response) == [str(new.pk), str(old.pk)]
        page = response.content.decode()
        assert re.search(rf'class="notif notif--unread" id="notification-{new.pk}"', page)
        assert re.search(rf'class="notif" id="notification-{old.pk}"', page)
        assert "Please explain why the failover did not trigger." in page
        assert "5\xa0minutes ago" in page and "1\xa0hour ago" in page
        assert "CD" in page  # Carol's avatar
        assert "Changes requested" in page
        assert open_url(org, new.pk) in page
        assert "Mark all as read" in page
        assert settings_url(org) in page

    def test_never_shows_another_members_or_another_organizations_notifications(
        self, client, org, other_org, bob, carol
    ):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        mine = make_notification(org, bob, actor=carol, title="Mine here")
        make_notification(org, carol, actor=bob, title="Carol's secret")
        make_notification(other_org, bob, title="Globex business", url="/o/globex/")
        client.force_login(bob)
        response = client.get(list_url(org))
        assert rows(response) == [str(mine.pk)]
        page = response.content.decode()
        assert "Carol&#x27;s secret" not in page and "Carol's secret" not in page
        assert "Globex business" not in page

    def test_paginates_by_25(self, client, org, bob, carol):
        many_notifications(org, bob, 30, actor=carol)
        client.force_login(bob)
        first = client.get(list_url(org))
        second = client.get(list_url(org, page=2))
        assert len(rows(first)) == 25 and len(rows(second)) == 5
        assert not set(rows(first)) & set(rows(second))
        assert "1–25 of 30" in first.content.decode()

    def test_unread_filter(self, client, org, bob, carol):
        fresh = make_notification(org, bob, actor=carol)
        make_notification(org, bob, actor=carol, read=True)
        client.force_login(bob)
        assert rows(client.get(list_url(org, show="unread"))) == [str(fresh.pk)]

    def test_empty_states(self, client, org, bob):
        client.force_login(bob)
        page = client.get(list_url(org)).content.decode()
        assert "No notifications yet" in page and "Mark all as read" not in page
        page = client.get(list_url(org, show="unread")).content.decode()
        assert "all caught up" in page and "See all notifications" in page

    def test_titles_and_bodies_are_escaped(self, client, org, bob, carol):
        make_notification(
            org, bob, actor=carol, title="<script>alert(1)</script>", body="<img src=x onerror=1>"
        )
        client.force_login(bob)
        page = client.get(list_url(org)).content.decode()
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page

    def test_a_viewer_has_notifications_too(self, client, org, viewer, carol):
        make_notification(org, viewer, actor=carol, kind=NotificationKind.MENTIONED)
        client.force_login(viewer)
        assert len(rows(client.get(list_url(org)))) == 1

    def test_bounded_queries_whatever_the_number_of_notifications(
        self, client, org, bob, carol, member_factory, count_queries
    ):
        client.force_login(bob)
        many_notifications(org, bob, 3, actor=carol)
        few = count_queries(lambda: client.get(list_url(org)))
        actors = [member_factory(Role.ENGINEER, username=f"actor{i}") for i in range(10)]
        for actor in actors:
            many_notifications(org, bob, 6, actor=actor)
        many = count_queries(lambda: client.get(list_url(org)))
        assert many == few
        assert many <= 10

    def test_a_stranger_cannot_see_the_list(self, client, org, other_org, member_factory):
        stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
        client.force_login(stranger)
        assert client.get(list_url(org)).status_code == 404


# --- Marking read ------------------------------------------------------------------------------


class TestMarkRead:
    def test_mark_all_marks_only_mine_in_this_organization(
        self, client, org, other_org, bob, carol
    ):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        for _ in range(3):
            make_notification(org, bob, actor=carol)
        make_notification(other_org, bob, url="/o/globex/")
        make_notification(org, carol, actor=bob)
        client.force_login(bob)
        response = client.post(mark_url(org), follow=True)
        assert response.redirect_chain[-1][0] == list_url(org)
        assert unread(bob, org).count() == 0
        assert unread(bob, other_org).count() == 1
        assert unread(carol).count() == 1
        page = response.content.decode()
        assert "All caught up" in page
        assert "bell__count" not in page

    def test_mark_only_the_given_ids(self, client, org, bob, carol):
        a, b, c = (make_notification(org, bob, actor=carol) for _ in range(3))
        client.force_login(bob)
        response = client.post(mark_url(org), {"ids": [a.pk, c.pk]})
        assert response.status_code == 302
        assert list(unread(bob).values_list("pk", flat=True)) == [b.pk]

    def test_someone_elses_ids_are_left_alone(self, client, org, other_org, bob, carol):
        theirs = make_notification(org, carol, actor=bob)
        foreign_user = MembershipFactory(organization=other_org).user
        foreign = make_notification(other_org, foreign_user, url="/o/globex/")
        client.force_login(bob)
        client.post(mark_url(org), {"ids": [theirs.pk, foreign.pk]})
        assert unread(carol).count() == 1 and unread(foreign_user).count() == 1

    def test_bad_ids_are_refused_with_a_message(self, client, org, bob, carol):
        make_notification(org, bob, actor=carol)
        client.force_login(bob)
        response = client.post(mark_url(org), {"ids": ["1", "abc"]})
        assert response.status_code == 400
        assert "whole numbers" in response.content.decode()
        assert unread(bob).count() == 1

    def test_get_is_not_allowed(self, client, org, bob, carol):
        make_notification(org, bob, actor=carol)
        client.force_login(bob)
        assert client.get(mark_url(org)).status_code == 405
        assert unread(bob).count() == 1

    def test_never_redirects_off_site(self, client, org, bob):
        client.force_login(bob)
        response = client.post(mark_url(org), {"next": "https://evil.example/phish"})
        assert response["Location"] == list_url(org)
        response = client.post(mark_url(org), {"next": "//evil.example/"})
        assert response["Location"] == list_url(org)
        response = client.post(mark_url(org), {"next": list_url(org, show="unread")})
        assert response["Location"] == list_url(org, show="unread")

    def test_htmx_marks_one_and_answers_the_row_and_the_bell(self, client, org, bob, carol):
        one, _ = make_notification(org, bob, actor=carol), make_notification(org, bob, actor=carol)
        client.force_login(bob)
        response = client.post(mark_url(org), {"ids": one.pk}, headers=HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert f'id="notification-{one.pk}"' in body and "notif--unread" not in body
        assert 'hx-swap-oob="true"' in body and 'aria-label="Notifications, 1 unread"' in body
        assert "<html" not in body
        assert unread(bob).count() == 1

    def test_htmx_with_someone_elses_id_is_404(self, client, org, bob, carol):
        theirs = make_notification(org, carol, actor=bob)
        client.force_login(bob)
        response = client.post(mark_url(org), {"ids": theirs.pk}, headers=HTMX)
        assert response.status_code == 404
        assert unread(carol).count() == 1


class TestOpen:
    def test_opening_marks_read_and_goes_to_the_page(self, client, org, bob, carol):
        target = f"/o/{org.slug}/postmortems/7/review/"
        notification = make_notification(org, bob, actor=carol, url=target)
        client.force_login(bob)
        response = client.post(open_url(org, notification.pk))
        assert response.status_code == 302 and response["Location"] == target
        notification.refresh_from_db()
        assert notification.read_at is not None

    def test_get_does_not_mark_read(self, client, org, bob, carol):
        notification = make_notification(org, bob, actor=carol)
        client.force_login(bob)
        assert client.get(open_url(org, notification.pk)).status_code == 405
        assert unread(bob).count() == 1

    def test_someone_elses_notification_is_404_for_every_method(self, client, org, bob, carol):
        theirs = make_notification(org, carol, actor=bob)
        client.force_login(bob)
        assert client.get(open_url(org, theirs.pk)).status_code == 404
        assert client.post(open_url(org, theirs.pk)).status_code == 404
        assert unread(carol).count() == 1

    def test_another_organizations_notification_is_404(self, client, org, other_org, bob):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        foreign = make_notification(other_org, bob, url="/o/globex/")
        client.force_login(bob)
        # bob's own notification, but addressed through the wrong organization
        assert client.post(open_url(org, foreign.pk)).status_code == 404
        assert unread(bob).count() == 1
        # a non-member of the notification's organization
        stranger = MembershipFactory(organization=org).user
        client.force_login(stranger)
        assert client.post(open_url(other_org, foreign.pk)).status_code == 404

    def test_a_stored_off_site_url_goes_to_the_list(self, client, org, bob, carol):
        notification = make_notification(org, bob, actor=carol, url="https://evil.example/")
        client.force_login(bob)
        response = client.post(open_url(org, notification.pk))
        assert response["Location"] == list_url(org)

    def test_the_bell_drops_after_opening(self, client, org, bob, carol):
        a = make_notification(org, bob, actor=carol)
        make_notification(org, bob, actor=carol)
        client.force_login(bob)
        client.post(open_url(org, a.pk))
        page = client.get(list_url(org)).content.decode()
        assert 'aria-label="Notifications, 1 unread"' in page


# --- The bell's panel --------------------------------------------------------------------------


def panel_url(organization):
    return reverse("notification_panel", kwargs={"org_slug": organization.slug})


def panel_rows(response) -> list[str]:
    return re.findall(r'data-notification="(\d+)"', response.content.decode())


class TestPanel:
    def test_the_bell_links_to_the_list_and_holds_a_closed_panel(self, client, org, bob):
        client.force_login(bob)
        page = client.get(reverse("dashboard", kwargs={"org_slug": org.slug})).content.decode()
        assert re.search(r'<a id="notification-bell"[^>]*href="/o/acme/notifications/"', page)
        assert re.search(r'id="notification-panel"[^>]*hidden', page)
        assert f'data-panel-url="{panel_url(org)}"' in page

    def test_shows_the_newest_eight_newest_first_unread_marked(self, client, org, bob, carol):
        made = [
            make_notification(org, bob, actor=carol, minutes_ago=i, read=i % 2 == 1, title=f"N{i}")
            for i in range(10)
        ]
        client.force_login(bob)
        response = client.get(panel_url(org), headers=HTMX)
        assert response.status_code == 200
        assert panel_rows(response) == [str(n.pk) for n in made[:8]]
        body = response.content.decode()
        assert "<html" not in body
        assert body.count("bell-item--unread") == 4  # N0, N2, N4, N6
        assert body.count("Unread: </span>") == 4
        assert "5 unread" in body  # N8 too, below the panel's eight
        assert "Mark all as read" in body
        assert f'href="{list_url(org)}">All notifications</a>' in body
        assert f'action="{open_url(org, made[0].pk)}"' in body

    def test_only_mine_in_this_organization(self, client, org, other_org, bob, carol):
        MembershipFactory(user=bob, organization=other_org, role=Role.ENGINEER)
        mine = make_notification(org, bob, actor=carol, title="Mine here")
        make_notification(org, carol, actor=bob, title="Carol's secret")
        make_notification(other_org, bob, title="Globex business", url="/o/globex/")
        client.force_login(bob)
        response = client.get(panel_url(org), headers=HTMX)
        assert panel_rows(response) == [str(mine.pk)]
        body = response.content.decode()
        assert "secret" not in body and "Globex business" not in body

    def test_a_stranger_gets_no_panel(self, client, org, other_org, member_factory):
        stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
        client.force_login(stranger)
        assert client.get(panel_url(org), headers=HTMX).status_code == 404

    def test_empty(self, client, org, bob):
        client.force_login(bob)
        body = client.get(panel_url(org), headers=HTMX).content.decode()
        assert "No notifications yet" in body and "Mark all as read" not in body

    def test_without_htmx_it_is_the_list_page(self, client, org, bob):
        client.force_login(bob)
        response = client.get(panel_url(org))
        assert response.status_code == 302 and response["Location"] == list_url(org)

    def test_bounded_queries_whatever_the_number_of_notifications(
        self, client, org, bob, carol, member_factory, count_queries
    ):
        client.force_login(bob)
        many_notifications(org, bob, 2, actor=carol)
        few = count_queries(lambda: client.get(panel_url(org), headers=HTMX))
        for i in range(10):
            many_notifications(org, bob, 5, actor=member_factory(Role.ENGINEER, username=f"a{i}"))
        many = count_queries(lambda: client.get(panel_url(org), headers=HTMX))
        assert many == few <= 8

    def test_mark_all_from_the_panel_answers_the_panel_and_the_bell(
        self, client, org, other_org, bob, carol
    ):
        for i in range(3):
            make_notification(org, bob, actor=carol, minutes_ago=i)
        theirs = make_notification(org, carol, actor=bob)
        client.force_login(bob)
        response = client.post(mark_url(org), {"panel": "1"}, headers=HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert len(panel_rows(response)) == 3 and "bell-item--unread" not in body
        assert 'role="status">All caught up' in body
        assert 'hx-swap-oob="true"' in body and 'aria-label="Notifications, none unread"' in body
        assert unread(bob).count() == 0
        theirs.refresh_from_db()
        assert theirs.read_at is None
