from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery

PUBLISHED_STATUSES = ("PUBLISHED", "ARCHIVED")


def backfill_from_the_last_round(apps, schema_editor):
    """A postmortem published before the rule was recorded shows the approvals of the round
    that published it (its last round): the count it was published with."""
    Postmortem = apps.get_model("postmortems", "Postmortem")
    Review = apps.get_model("postmortems", "Review")
    last_round_approvals = (
        Review.objects.filter(
            postmortem=OuterRef("pk"), round=OuterRef("review_round"), decision="APPROVED"
        )
        .values("postmortem")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Postmortem.objects.filter(status__in=PUBLISHED_STATUSES, review_round__gt=0).update(
        published_with_approvals=Subquery(last_round_approvals)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0008_postmortem_one_per_incident"),
    ]

    operations = [
        migrations.AddField(
            model_name="postmortem",
            name="published_with_approvals",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="The approvals the organization required when this was published: "
                "the rule a published postmortem shows, whatever the setting says today.",
                null=True,
            ),
        ),
        migrations.RunPython(backfill_from_the_last_round, migrations.RunPython.noop),
    ]
