from django.db import migrations, models

REFUSAL = (
    "{count} incident(s) are the primary incident of more than one postmortem, which the new "
    "constraint (one postmortem per incident) does not allow. Nothing was changed. List them "
    "with `python manage.py postmortem_duplicates`, resolve them (by hand, or with "
    "`python manage.py postmortem_duplicates --demote`, which keeps one postmortem per incident "
    "and links the incident to the others as a further incident; nothing is deleted), then "
    "run the migrations again."
)


def refuse_duplicates(apps, schema_editor):
    """Stop before adding the constraint when existing data breaks it, telling the operator
    what to run: which postmortem stays primary is a decision the migration does not make."""
    Postmortem = apps.get_model("postmortems", "Postmortem")
    count = (
        Postmortem.objects.filter(incident__isnull=False)
        .values("organization_id", "incident_id")
        .annotate(postmortems=models.Count("id"))
        .filter(postmortems__gt=1)
        .count()
    )
    if count:
        raise RuntimeError(REFUSAL.format(count=count))


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0007_changed_index"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="postmortem",
            name="one_generated_postmortem_per_incident",
        ),
        migrations.AddConstraint(
            model_name="postmortem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("incident__isnull", False)),
                fields=("organization", "incident"),
                name="one_postmortem_per_incident",
            ),
        ),
    ]
