"""Trigram similarity (``pg_trgm``) for the similar incidents' title closeness; nothing on
SQLite, where the similar incidents use their fallback."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0009_postmortem_published_with_approvals")]

    operations = [TrigramExtension()]
