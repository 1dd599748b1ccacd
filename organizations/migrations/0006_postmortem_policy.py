"""The postmortem policy joins the organization's settings: the model comes from the incidents
app, whose ``0008`` already renamed its table to this app's name, so only the migration state
changes here (and the content type follows, keeping its permissions)."""

import django.db.models.deletion
from django.db import migrations, models


def content_type_to_organizations(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    moved = content_types.objects.filter(app_label="incidents", model="postmortempolicy")
    if content_types.objects.filter(app_label="organizations", model="postmortempolicy").exists():
        moved.delete()
    else:
        moved.update(app_label="organizations")


def content_type_to_incidents(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="organizations", model="postmortempolicy").update(
        app_label="incidents"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organizations", "0005_admin_settings"),
        ("incidents", "0008_postmortem_policy_table"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PostmortemPolicy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("severities", models.JSONField(default=list)),
                        (
                            "min_duration_minutes",
                            models.PositiveIntegerField(blank=True, default=60, null=True),
                        ),
                        ("customer_impact", models.BooleanField(default=True)),
                        ("data_loss", models.BooleanField(default=True)),
                        ("security", models.BooleanField(default=True)),
                        ("auto_generate", models.BooleanField(default=True)),
                        (
                            "required_approvals",
                            models.PositiveSmallIntegerField(
                                default=1,
                                help_text="Approvals in one review round that publish a postmortem.",
                            ),
                        ),
                        ("remind_days_before_due", models.PositiveSmallIntegerField(default=3)),
                        ("overdue_repeat_days", models.PositiveSmallIntegerField(default=7)),
                        ("escalate_after_days", models.PositiveSmallIntegerField(default=14)),
                        (
                            "draft_target_days",
                            models.PositiveSmallIntegerField(
                                default=5,
                                help_text="Days a draft may wait before its author is reminded to submit it.",
                            ),
                        ),
                        (
                            "review_target_days",
                            models.PositiveSmallIntegerField(
                                default=3, help_text="Days a postmortem should spend in review."
                            ),
                        ),
                        (
                            "publish_target_days",
                            models.PositiveSmallIntegerField(
                                default=14,
                                help_text="Days from resolution to a published postmortem.",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="organizations.organization",
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organization",), name="one_policy_per_organization"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_organizations, content_type_to_incidents),
    ]
