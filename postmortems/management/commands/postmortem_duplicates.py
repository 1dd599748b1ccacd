"""List (and, when asked, resolve) incidents that are the primary incident of more than one
postmortem.

    python manage.py postmortem_duplicates            # list them, per organization
    python manage.py postmortem_duplicates --demote   # keep one per incident, link the rest

An incident is the primary incident of one postmortem at most, and the database enforces it.
Data from before that rule may break it; the migration that adds the constraint then stops
without changing anything and names this command. Run it to see the duplicates, then either
resolve each by hand (make one postmortem's primary incident another one, or archive and
re-link it) or run it with ``--demote``: per incident, the postmortem furthest along
(published, in review, draft, archived; then the oldest) stays primary, and the others keep
the incident as a further incident. Nothing is deleted. Then run the migrations again.
"""

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from postmortems import creation, selectors


class Command(BaseCommand):
    help = (
        "List incidents that are the primary incident of more than one postmortem, per "
        "organization (run before the migration that enforces one postmortem per incident). "
        "--demote keeps the furthest-along postmortem (then the oldest) as primary and makes "
        "the incident a further incident of the others; nothing is deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demote",
            action="store_true",
            help="Resolve each duplicate: one postmortem stays primary, the others keep the "
            "incident as a further incident.",
        )

    def handle(self, *args, demote: bool = False, **options) -> None:
        with scopes_disabled():
            duplicates = selectors.duplicate_primaries()
            if not duplicates:
                self.stdout.write(
                    "No incident is the primary incident of more than one postmortem."
                )
                return
            organization = None
            for duplicate in duplicates:
                incident = duplicate.incident
                if incident.organization != organization:
                    organization = incident.organization
                    self.stdout.write(f"{organization.slug} ({organization.name})")
                listed = ", ".join(
                    f"PM-{p.number} ({p.get_status_display()}, created {p.created_at:%Y-%m-%d})"
                    for p in duplicate.postmortems
                )
                self.stdout.write(f"  {incident.ref}: {listed}")
                if demote:
                    kept = creation.duplicate_primary_demote(
                        incident=incident, postmortems=duplicate.postmortems
                    )
                    self.stdout.write(
                        f"    kept PM-{kept.number} as primary; the others cover "
                        f"{incident.ref} as a further incident"
                    )
        if not demote:
            self.stdout.write(
                f"{len(duplicates)} incident(s). Resolve them by hand, or run again with "
                "--demote (nothing is deleted)."
            )
