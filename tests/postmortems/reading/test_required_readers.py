"""Required readers: who may name them, who may be named, the notification, the read receipt
and the author's panel."""

import pytest
from django_scopes import scopes_disabled

from organizations.models import Notification, NotificationKind
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemStatus, RequiredReader, Visibility
from tests.postmortems.reading.helpers import published, url


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="ann", first_name="Ann", last_name="Author")


@pytest.fixture
def postmortem(org, author):
    return published(org, author)


def add(client, org, postmortem, readers, **headers):
    return client.post(
        url("postmortem_required_readers", org, number=postmortem.number),
        {"readers": readers},
        **headers,
    )


def rows(postmortem):
    with scopes_disabled():
        return {r.user.username: r for r in RequiredReader.objects.filter(postmortem=postmortem)}


@pytest.mark.parametrize(
    ("role", "is_author", "status"),
    [
        (Role.ENGINEER, True, 302),
        (Role.ADMIN, False, 302),
        (Role.ENGINEER, False, 403),
        (Role.REVIEWER, False, 403),
        (Role.MANAGER, False, 403),
        (Role.VIEWER, False, 403),
    ],
)
def test_the_author_and_admins_name_required_readers(
    client, org, author, postmortem, member_factory, role, is_author, status
):
    member_factory(Role.VIEWER, username="rita")
    actor = author if is_author else member_factory(role, username="actor")
    client.force_login(actor)

    response = add(client, org, postmortem, "rita")

    assert response.status_code == status
    assert ("rita" in rows(postmortem)) is (status == 302)


def test_an_author_demoted_to_viewer_may_no_longer_name_readers(client, org, author, postmortem):
    with scopes_disabled():
        author.memberships.update(role=Role.VIEWER)
    client.force_login(author)
    assert add(client, org, postmortem, "admin-user").status_code == 403


@pytest.mark.parametrize("status", [PostmortemStatus.DRAFT, PostmortemStatus.ARCHIVED])
def test_only_a_published_postmortem_takes_required_readers(
    client, org, author, postmortem, viewer, status
):
    with scopes_disabled():
        Postmortem.objects.filter(pk=postmortem.pk).update(status=status)
    client.force_login(author)
    assert add(client, org, postmortem, "viewer").status_code == 409
    assert rows(postmortem) == {}


def test_each_reader_is_notified_once(client, org, author, postmortem, member_factory):
    member_factory(Role.VIEWER, username="rita")
    member_factory(Role.ENGINEER, username="max")
    client.force_login(author)

    add(client, org, postmortem, "rita, @max")
    add(client, org, postmortem, "rita")  # already named

    assert set(rows(postmortem)) == {"rita", "max"}
    with scopes_disabled():
        notes = Notification.objects.filter(kind=NotificationKind.READING_REQUESTED)
        assert sorted(n.recipient.username for n in notes) == ["max", "rita"]
        assert notes[0].url == f"/o/acme/postmortems/{postmortem.number}/"
        assert "Please read PM-" in notes[0].title


@pytest.mark.parametrize(
    ("readers", "message"),
    [
        ("", "Type a username"),
        ("nobody-here", "is not a member of this organization"),
        ("glo", "is not a member of this organization"),  # a member of another organization
        ("private-pat", "may not read this postmortem"),
    ],
)
def test_bad_readers_are_a_400_naming_the_field(
    client, org, other_org, author, postmortem, member_factory, readers, message
):
    member_factory(Role.VIEWER, username="glo", organization=other_org)
    member_factory(Role.VIEWER, username="private-pat")
    with scopes_disabled():
        Postmortem.objects.filter(pk=postmortem.pk).update(visibility=Visibility.PRIVATE)
    client.force_login(author)

    response = add(client, org, postmortem, readers, HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'name="readers"' in html and 'aria-invalid="true"' in html
    assert rows(postmortem) == {}


def test_another_organizations_postmortem_is_a_404(client, org, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, username="globex-admin", organization=other_org)
    theirs = published(other_org, outsider, title="Globex outage")
    mine_admin = member_factory(Role.ADMIN, username="acme-admin")
    client.force_login(mine_admin)
    # acme's URL with globex's number: no such postmortem in acme
    assert add(client, org, theirs, "acme-admin").status_code == 404
    # globex's URL: not a member there
    assert add(client, other_org, theirs, "acme-admin").status_code == 404
    assert rows(theirs) == {}


def test_the_readers_own_first_view_is_recorded_and_kept(
    client, org, author, postmortem, member_factory
):
    rita = member_factory(Role.VIEWER, username="rita")
    client.force_login(author)
    add(client, org, postmortem, "rita")
    client.get(url("postmortem_detail", org, number=postmortem.number))  # the author's view
    assert rows(postmortem)["rita"].read_at is None

    client.force_login(rita)
    first = client.get(url("postmortem_detail", org, number=postmortem.number))
    read_at = rows(postmortem)["rita"].read_at
    client.get(url("postmortem_detail", org, number=postmortem.number))

    assert read_at is not None
    assert rows(postmortem)["rita"].read_at == read_at
    assert "asked you to read this postmortem" in first.content.decode()


def test_the_author_sees_who_has_and_has_not_read_it(
    client, org, author, postmortem, member_factory
):
    rita = member_factory(Role.VIEWER, username="rita", first_name="Rita", last_name="Reed")
    member_factory(Role.VIEWER, username="uma", first_name="Uma", last_name="Unread")
    client.force_login(author)
    add(client, org, postmortem, "rita uma")
    client.force_login(rita)
    client.get(url("postmortem_detail", org, number=postmortem.number))

    client.force_login(author)
    html = client.get(url("postmortem_detail", org, number=postmortem.number)).content.decode()

    panel = html[html.index('id="required-reading"') :]
    assert "1</strong> of 2 read" in panel
    unread, read = panel.split("Read <span", 1)
    assert "Uma Unread" in unread and "Rita Reed" not in unread
    assert "Rita Reed" in read and "✓ Read" in read
    assert rows(postmortem)["rita"].read_at.strftime("%b") in read


def test_other_members_do_not_see_the_panel(client, org, author, postmortem, member_factory):
    client.force_login(author)
    add(client, org, postmortem, "admin-user")
    client.force_login(member_factory(Role.MANAGER, username="mgr"))
    html = client.get(url("postmortem_detail", org, number=postmortem.number)).content.decode()
    assert 'id="required-reading"' not in html


def test_admins_see_the_panel_and_may_remove_an_unread_reader(
    client, org, author, postmortem, admin_user, viewer
):
    client.force_login(author)
    add(client, org, postmortem, "viewer")
    client.force_login(admin_user)
    html = client.get(url("postmortem_detail", org, number=postmortem.number)).content.decode()
    assert 'id="required-reading"' in html

    response = client.post(
        url("postmortem_required_reader_remove", org, number=postmortem.number),
        {"user": "viewer"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert rows(postmortem) == {}


def test_the_read_view_runs_a_bounded_number_of_queries(
    client, org, author, postmortem, member_factory, count_queries
):
    client.force_login(author)
    add(client, org, postmortem, "admin-user")
    page = url("postmortem_detail", org, number=postmortem.number)
    client.get(page)  # caches warm
    few = count_queries(lambda: client.get(page))
    names = [member_factory(Role.VIEWER).username for _ in range(12)]
    add(client, org, postmortem, ",".join(names))
    for name in names[:6]:
        client.force_login(_user(name))
        client.get(page)
    client.force_login(author)
    assert count_queries(lambda: client.get(page)) == few


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
