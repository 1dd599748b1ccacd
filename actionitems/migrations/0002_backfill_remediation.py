"""Stamp the remediation of postmortems whose action items were all completed before the
stamp existed (``actionitems.services.remediation_follow`` keeps it from now on)."""

from django.db import migrations
from django.db.models import Count, Max, Q


def backfill(apps, schema_editor):
    ActionItem = apps.get_model("actionitems", "ActionItem")
    Postmortem = apps.get_model("postmortems", "Postmortem")
    figures = (
        ActionItem.objects.values("postmortem_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status="COMPLETED")),
            last=Max("completed_at"),
        )
        .filter(last__isnull=False)
    )
    for row in figures.iterator():
        if row["total"] == row["done"]:
            Postmortem.objects.filter(pk=row["postmortem_id"]).update(
                remediated_at=row["last"], remediated_items=row["total"]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("actionitems", "0001_initial"),
        ("postmortems", "0013_remediation_recurrence"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
