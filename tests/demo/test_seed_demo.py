from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_scopes import scopes_disabled

from organizations.models import Membership, Notification, Organization, Team, TeamMember

EXPECTED_ACME_ROLES = {
    "alice": "ADMIN",
    "bob": "ENGINEER",
    "carol": "REVIEWER",
    "dave": "MANAGER",
    "erin": "VIEWER",
}


def _counts():
    """Every organization's rows, and the unread notifications."""
    with scopes_disabled():
        return (
            *(
                m.objects.count()
                for m in (get_user_model(), Organization, Membership, Team, TeamMember)
            ),
            Notification.objects.filter(read_at__isnull=True).count(),
        )


def test_seed_demo_is_safe_to_run_twice(db):
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first


def test_seed_demo_has_one_user_per_role_and_a_separate_globex(db, client):
    call_command("seed_demo", stdout=StringIO())
    with scopes_disabled():  # acme's and globex's
        roles = dict(
            Membership.objects.filter(organization__slug="acme").values_list(
                "user__username", "role"
            )
        )
        globex = set(
            Membership.objects.filter(organization__slug="globex").values_list(
                "user__username", flat=True
            )
        )
    assert roles == EXPECTED_ACME_ROLES
    assert globex and not globex & set(EXPECTED_ACME_ROLES)
    response = client.post("/accounts/login/", {"login": "bob", "password": "hindsight-demo"})
    assert response.status_code == 302
