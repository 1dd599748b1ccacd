"""Rebuild the full-text search vectors of the postmortems (PostgreSQL).

    python manage.py search_reindex            # every organization
    python manage.py search_reindex acme       # one organization

The services keep the vectors current as documents change; run this after loading data that
did not go through them (imports, fixtures, ``bulk_create``) or after changing how documents are
weighted. On SQLite there is nothing to build: search falls back to substring matching.
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from organizations.models import Organization
from postmortems.search import indexing as search


class Command(BaseCommand):
    help = "Rebuild the postmortems' full-text search vectors (all organizations, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("org_slug", nargs="?", help="Only this organization (its slug).")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Postmortems per statement."
        )

    def handle(self, *args, org_slug: str | None = None, batch_size: int = 500, **options):
        if not search.is_postgres():
            self.stdout.write("SQLite: nothing to index (search uses substring matching).")
            return
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        organization = None
        if org_slug:
            organization = Organization.objects.filter(slug=org_slug).first()
            if organization is None:
                raise CommandError(f"No organization with the slug {org_slug!r}.")
        started = time.perf_counter()
        with scopes_disabled():
            count = search.search_documents_rebuild(
                organization=organization, batch_size=batch_size
            )
        where = f"in {organization.name}" if organization else "in every organization"
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {count} postmortem{'s' if count != 1 else ''} {where} "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
