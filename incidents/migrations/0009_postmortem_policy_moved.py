"""The postmortem policy now belongs to the organizations app (``organizations.0006``): this app
forgets the model; the table stays, under its new name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_postmortem_policy_table"),
        ("organizations", "0006_postmortem_policy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PostmortemPolicy")],
            database_operations=[],
        ),
    ]
