from django.db import migrations, models

# Entries written before automatic entries were marked: the texts the code wrote, by followed time.
STATUS_TEXTS = {
    "Incident acknowledged.": "acknowledged_at",
    "Incident mitigated.": "mitigated_at",
    "Incident resolved.": "resolved_at",
}
DECLARED_PREFIX = "Incident declared as "


def mark_automatic_entries(apps, schema_editor):
    """Mark the entries the declaration and the status changes wrote (the oldest of each per
    incident), and move each to the incident's current time, which may have been corrected
    since."""
    TimelineEntry = apps.get_model("incidents", "TimelineEntry")
    candidates = (
        TimelineEntry.objects.filter(kind__in=["STATUS_CHANGE", "DETECTION"], actor_name="")
        .filter(
            models.Q(description__in=list(STATUS_TEXTS))
            | models.Q(description__startswith=DECLARED_PREFIX)
        )
        .select_related("incident")
        .order_by("id")
    )
    marked = set()
    for entry in candidates.iterator(chunk_size=500):
        incident = entry.incident
        if entry.description.startswith(DECLARED_PREFIX):
            follows = "declared"
            moment = incident.detected_at or incident.started_at
        elif entry.kind == "STATUS_CHANGE":
            follows = STATUS_TEXTS[entry.description]
            moment = getattr(incident, follows)
        else:
            continue
        if moment is None or (incident.pk, follows) in marked:
            continue
        marked.add((incident.pk, follows))
        TimelineEntry.objects.filter(pk=entry.pk).update(follows=follows, occurred_at=moment)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_changed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineentry",
            name="follows",
            field=models.CharField(
                blank=True,
                choices=[
                    ("declared", "detected time (else its start)"),
                    ("acknowledged_at", "acknowledged time"),
                    ("mitigated_at", "mitigated time"),
                    ("resolved_at", "resolved time"),
                ],
                help_text="Set on automatic entries: the incident time the entry shows.",
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_automatic_entries, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="timelineentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("follows", ""), _negated=True),
                fields=("incident", "follows"),
                name="one_entry_per_followed_time",
            ),
        ),
    ]
