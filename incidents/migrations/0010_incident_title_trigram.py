"""A trigram index on the incidents' titles (PostgreSQL only): the similar incidents look for
the words of a title in every earlier incident's title (``title__icontains``, which PostgreSQL
writes ``UPPER(title) LIKE``), and without it that is a scan of every incident."""

from django.db import migrations

INDEX = "incident_title_trigram"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON incidents_incident "
        "USING gin (UPPER(title::text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_postmortem_policy_moved")]

    operations = [migrations.RunPython(create, drop)]
