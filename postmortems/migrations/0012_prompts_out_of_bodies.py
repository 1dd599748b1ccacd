"""Take the template's prompts out of the bodies of postmortems created before sections had a
``placeholder``: the prompt lines of a section's first-revision body (its italic lines) that are
still there word for word leave the section's body and every revision's snapshot of it, and
become the section's placeholder. Lines the writer changed, even a little, stay.

The snapshots are cleaned too, so the first revision (what ``is_written`` compares a body with)
and the history's differences agree with the bodies: the prompts were never anybody's writing.
Data-backed sections (timeline, linked evidence, charts) are left alone: their italic lines are
generated facts ("No alerts linked."). Search documents follow with ``search_reindex``.
"""

from django.db import migrations

from postmortems.placeholders import is_prompt, prompt_hints, without_lines

DATA_BACKED_KINDS = ("timeline", "links", "metrics")


def _prompts_by_key(first_snapshot: dict, kinds: dict[str, str]) -> dict[str, tuple]:
    """Each section's (prompt lines, created body), for sections whose first body had some."""
    found = {}
    for section in first_snapshot.get("sections", []):
        key, created = section.get("key"), section.get("body") or ""
        if kinds.get(key, section.get("kind")) in DATA_BACKED_KINDS:
            continue
        prompts = frozenset(line.strip() for line in created.splitlines() if is_prompt(line))
        if prompts:
            found[key] = (prompts, created)
    return found


def _clean_snapshot(snapshot: dict, prompts: dict[str, tuple]) -> bool:
    changed = False
    for section in snapshot.get("sections", []):
        if section.get("key") in prompts:
            lines, created = prompts[section["key"]]
            body = without_lines(section.get("body") or "", lines, created)
            changed = changed or body != section.get("body")
            section["body"] = body
    return changed


def forwards(apps, schema_editor):
    Postmortem = apps.get_model("postmortems", "Postmortem")
    Revision = apps.get_model("postmortems", "Revision")
    Section = apps.get_model("postmortems", "Section")
    for postmortem_id in Postmortem.objects.values_list("pk", flat=True).iterator():
        revisions = list(Revision.objects.filter(postmortem_id=postmortem_id).order_by("number"))
        if not revisions:
            continue
        sections = list(Section.objects.filter(postmortem_id=postmortem_id))
        prompts = _prompts_by_key(revisions[0].snapshot, {s.key: s.kind for s in sections})
        if not prompts:
            continue
        for section in sections:
            if section.key in prompts:
                lines, created = prompts[section.key]
                section.body = without_lines(section.body, lines, created)
                section.placeholder = "\n".join(prompt_hints(created))
        Section.objects.bulk_update(sections, ["body", "placeholder"])
        cleaned = [r for r in revisions if _clean_snapshot(r.snapshot, prompts)]
        Revision.objects.bulk_update(cleaned, ["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0011_section_placeholder"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
