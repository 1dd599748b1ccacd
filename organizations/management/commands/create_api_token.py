"""Create a personal API token and print it, once: only its hash is stored.

    python manage.py create_api_token acme bob --name "deploy bot" --expires-days 90

The plain token is the only thing written to standard output (``TOKEN=$(…)`` works); what it
is for goes to standard error.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_scopes import scopes_disabled

from organizations.models import Membership, Organization
from organizations.services import api_token_create


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Create an API token for a member of an organization and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", help="The organization's slug, e.g. acme.")
        parser.add_argument("username", help="The member the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument(
            "--expires-days",
            type=positive_int,
            default=None,
            metavar="N",
            help="Expire after N days (default: never).",
        )

    def handle(self, *args, org_slug: str, username: str, name: str, expires_days, **options):
        with scopes_disabled():
            organization = self._organization(org_slug)
            user = self._member(organization, username)
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        token, plain = api_token_create(
            organization=organization,
            user=user,
            name=name or f"{username} (command line)",
            expires_at=expires_at,
        )
        until = f"until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "with no expiry"
        self.stderr.write(
            f"Token “{token.name}” for {username} in {organization.slug}, {until}. "
            "It is shown once: store it now."
        )
        self.stdout.write(plain)

    @staticmethod
    def _organization(slug: str) -> Organization:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with the slug “{slug}”.")
        return organization

    @staticmethod
    def _member(organization: Organization, username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user with the username “{username}”.")
        if not user.is_active:
            raise CommandError(f"{username} is inactive; an API token would not work.")
        if not Membership.objects.filter(organization=organization, user=user).exists():
            raise CommandError(f"{username} is not a member of {organization.slug}.")
        return user
