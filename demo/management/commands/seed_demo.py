"""Demo data: organizations, one user per role, teams. Safe to run any number of times."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from demo.action_items import seed_action_items
from demo.incidents import seed_incidents
from demo.integrations import seed_integrations
from demo.notifications import settle_notifications
from demo.postmortems import seed_postmortems, seed_reviews, settle_history
from demo.reading import seed_reading
from demo.trackers import seed_trackers
from organizations import services
from organizations.models import Invitation, Organization
from organizations.roles import Role
from organizations.services_invitations import invitation_create
from postmortems.search.indexing import search_documents_rebuild

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "hindsight-demo")

ORGANIZATIONS = [
    ("acme", "Acme Corporation", "America/New_York"),
    ("initech", "Initech", "Europe/Berlin"),
    ("globex", "Globex", "Asia/Tokyo"),
]

# username, full name, {org slug: role}
PEOPLE = [
    ("alice", "Alice Admin", {"acme": Role.ADMIN}),
    ("bob", "Bob Engineer", {"acme": Role.ENGINEER, "initech": Role.REVIEWER}),
    ("carol", "Carol Reviewer", {"acme": Role.REVIEWER}),
    ("dave", "Dave Manager", {"acme": Role.MANAGER, "initech": Role.ADMIN}),
    ("erin", "Erin Viewer", {"acme": Role.VIEWER}),
    ("grace", "Grace Globex", {"globex": Role.ADMIN}),
    ("hank", "Hank Globex", {"globex": Role.ENGINEER}),
]

TEAMS = {
    "acme": [
        ("Payments", ["bob", "carol"]),
        ("Platform", ["alice", "dave"]),
        ("Mobile", ["erin"]),
    ],
    "initech": [("Core", ["bob", "dave"])],
    "globex": [("Operations", ["grace", "hank"])],
}


class Command(BaseCommand):
    help = "Create (or refresh) the demo organizations and users."

    def handle(self, *args, **options):
        # Drafts generated for the demo incidents notify their authors: demo users get no mail.
        backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        try:
            self._seed()
        finally:
            settings.EMAIL_BACKEND = backend
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Log in with any of these users, password: {DEMO_PASSWORD}")
        for username, _, roles in PEOPLE:
            where = ", ".join(f"{role.label.lower()} in {slug}" for slug, role in roles.items())
            self.stdout.write(f"    {username:<6} {where}")

    @transaction.atomic
    def _seed(self) -> None:
        with scopes_disabled():
            organizations = {
                slug: self._organization(slug, name, tz) for slug, name, tz in ORGANIZATIONS
            }
            users = {}
            for username, full_name, roles in PEOPLE:
                users[username] = self._user(username, full_name)
                for slug, role in roles.items():
                    services.membership_set(
                        organization=organizations[slug], user=users[username], role=role
                    )
            for slug, teams in TEAMS.items():
                for name, members in teams:
                    services.team_create(
                        organization=organizations[slug],
                        name=name,
                        members=[users[u] for u in members],
                    )
            seed_incidents(organization=organizations["acme"], users=users)
            seed_integrations(organization=organizations["acme"], admin=users["alice"])
            for organization in organizations.values():
                seed_postmortems(organization=organization, users=users)
            seed_reviews(organization=organizations["acme"], users=users)
            seed_action_items(organization=organizations["acme"], users=users)
            for organization in organizations.values():
                settle_history(organization=organization)
            seed_trackers(organization=organizations["acme"], admin=users["alice"])
            seed_reading(organization=organizations["acme"], users=users)
            for organization in organizations.values():
                settle_notifications(organization=organization)
            self._pending_invitation(organizations["acme"], inviter=users["alice"])
            search_documents_rebuild()  # PostgreSQL only: every postmortem's full-text vector

    @staticmethod
    def _pending_invitation(organization: Organization, *, inviter) -> None:
        """One invitation waiting to be accepted, so the members page shows the flow."""
        email = "frank@example.com"
        pending = Invitation.objects.filter(
            organization=organization,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        if not pending.exists():
            invitation_create(
                organization=organization, email=email, role=Role.ENGINEER, actor=inviter
            )

    @staticmethod
    def _organization(slug: str, name: str, time_zone: str) -> Organization:
        organization, _ = Organization.objects.update_or_create(
            slug=slug, defaults={"name": name, "time_zone": time_zone}
        )
        return organization

    @staticmethod
    def _user(username: str, full_name: str):
        first, last = full_name.split(" ", 1)
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:  # hashing is slow on purpose; existing users keep their password
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
