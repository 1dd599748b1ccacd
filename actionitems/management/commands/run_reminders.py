"""Send the reminders due now, in this process, and say what went out.

    python manage.py run_reminders                       # every organization
    python manage.py run_reminders --organization acme   # one organization

Beat runs the same work hourly through Celery; this command is for a machine without a worker,
a cron job, or a look at what a run would send. It is safe to run at any time: reminders already
sent for an item and period are never sent again.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from actionitems.reminders import RunReport, run_reminders
from organizations.models import Organization


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = "Send the action-item and draft reminders due now (all organizations, or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization.")

    def handle(self, *args, organization: str | None = None, **options) -> None:
        with scopes_disabled():
            organizations = Organization.objects.order_by("slug")
            if organization:
                organizations = organizations.filter(slug=organization)
            organizations = list(organizations)
        if organization and not organizations:
            raise CommandError(f"No organization with the slug {organization!r}.")
        failed = 0
        for each in organizations:
            report = run_reminders(each)
            failed += len(report.failed)
            self.stdout.write(self._summary(each, report))
        if failed:
            raise CommandError(
                f"{_plural(failed, 'digest')} could not be sent; the next run sends them."
            )

    def _summary(self, organization: Organization, report: RunReport) -> str:
        line = (
            f"{organization.slug}: {_plural(report.digests, 'digest')} to "
            f"{_plural(report.recipients, 'member')}, {_plural(report.emails, 'email')}, "
            f"{_plural(report.reminders, 'reminder')} recorded"
        )
        if report.failed:
            return self.style.ERROR(f"{line}; {len(report.failed)} failed")
        return self.style.SUCCESS(line)
